/*
 * test_mv.c: the multivariate model (src/core/mv) against independent
 * computations: chi-square quantiles from scipy.stats.chi2.ppf, MCD
 * estimates from scikit-learn 1.2.1's MinCovDet (random_state=0) on small
 * data sets with a clear outlier structure (printed with 17 digits by the
 * script in the comment below), distances against the explicit inverse of
 * a 2 x 2 covariance, and the model format's validation.
 *
 * Reference values were produced with (Debian python3-sklearn):
 *   rng = numpy.random.RandomState(11);
 *   A = 90 draws of N([1,2], [[1,.8],[.8,2]]) plus a cluster of 10 near
 *       (8,-5), rounded to 1e-4; B = 110 correlated 3-D draws plus 10 near
 *       (6,-6,6); C = 25 draws of N(10, 4) rounded to 1e-6, plus 30, 31, -5;
 *   MinCovDet(random_state=0).fit(X).location_ / .covariance_
 * scikit-learn's 30 random starts stop at a raw support one or two rows
 * away from ours (ours has the lower determinant: 500 starts); the
 * reweighted estimates, which these tests compare, are the same.
 */
#include "unit.h"
#include "test_mv_payload.h"
#include "test_random.h"

#include "core/model_format.h"
#include "core/mv/mv.h"

static const double A_x[] = {-0.139, -0.4953, 3.0986, 1.7029, 1.2148, 1.8957, 1.2008, 2.8477, 1.3763, 1.039, 1.982, 3.0396, 0.1112, 1.26, 2.7198, 3.3801, -0.5858, 1.5621, 1.4695, 1.7953, 0.3718, 0.3901, -0.5608, 1.568, 0.4746, 1.1651, 0.8644, 0.7665, 1.5095, 2.0359, 1.4723, 2.1035, 1.3891, 2.1164, 0.891, 1.9014, -0.1399, 2.1022, 1.3267, 4.5834, 1.9839, 1.8787, 1.0707, 2.2689, 0.8838, 0.1565, 0.7584, 1.7455, 3.0499, 3.8736, 0.0914, 1.4311, -0.1726, 0.706, 0.6203, 1.5041, 0.6339, 0.042, 0.8561, 2.3334, 1.3399, 4.6309, 1.6476, 3.058, -0.093, -1.2486, 0.3821, 3.2886, 2.1005, 3.3206, 0.3118, 1.4591, 0.3084, 1.3223, -0.6824, 0.528, 0.9945, 0.9392, 2.7859, 2.2854, 1.6688, 0.401, -0.871, 1.4659, 2.2511, 3.2039, 0.8191, 2.9514, 1.7394, 3.1332, 1.5603, 2.6243, 0.6507, -0.1141, 0.7684, 2.0001, 1.1742, 0.3689, -0.1285, 0.633, 0.2908, 0.8306, 2.6644, 4.0068, 0.3563, 0.8953, -0.1321, 2.7145, -0.6443, -1.0238, 0.8362, -1.3636, 1.9869, 5.115, 0.8207, 2.5675, 0.6669, 1.2614, 0.3848, 1.1219, 2.0182, 4.1739, -0.3366, 2.409, 1.8443, 3.5496, 1.4083, 2.5322, -0.5044, -0.1315, 1.2516, 2.6908, 1.0681, 0.593, 0.194, 2.9192, 0.3805, 0.8133, 1.4624, 2.5971, 1.56, 4.4617, 0.6513, 1.5836, 2.4497, 3.5152, 0.442, 1.3898, 1.0469, 2.8618, 0.7291, 0.4724, 1.9699, 2.4112, 1.3556, 3.8676, 0.3925, 1.4252, 2.5707, 3.2242, 1.3209, 1.9431, 1.3651, 1.583, -0.6698, 1.7566, -1.2225, 0.4677, 0.3448, 2.2362, 0.6852, 2.8479, 1.6058, 2.3405, 1.0321, 3.1339, 0.6697, 1.6909, 1.7712, 3.6096, 7.2109, -4.1913, 7.9279, -4.8935, 7.9424, -5.8676, 7.2486, -5.0155, 8.8175, -5.6108, 7.6136, -5.0259, 7.0758, -5.9297, 7.7746, -5.0248, 7.7857, -4.1597, 7.9101, -4.8026};
static const double A_loc[] = {0.9170784090909089, 1.9739261363636365};
static const double A_cov[] = {0.8217336276020147, 0.7205988539733986, 0.7205988539733986, 1.6847186042032545};
/* raw support: 2 3 5 6 9 10 12 13 14 15 16 17 21 23 25 26 27 29 31 34 35 36 38 43 44 45 47 49 50 52 57 58 59 62 63 65 68 69 71 73 74 75 76 78 80 81 84 85 86 87 88 89 */
static const double B_x[] = {1.598, 2.5027, -0.2836, -0.3772, 0.9739, -0.3407, -0.924, -1.7595, -1.0702, -1.1342, -0.3902, 0.6875, 1.528, 0.7759, -0.9817, -0.0566, -0.3675, 0.0744, -0.1284, -1.8603, -0.3322, -2.0678, -1.724, -0.0512, 0.3504, 1.7465, -0.7098, 0.34, 0.8594, 0.0432, 0.638, -0.783, -0.0021, 0.5382, -0.7125, -0.6278, -0.1898, -0.751, 0.3254, 0.1752, 1.4023, 0.982, 0.0608, -0.1627, -0.5313, -0.8046, -1.2035, -0.0664, -0.8837, -0.3632, 0.1199, -0.4962, -0.4343, 0.6668, 1.612, 0.0234, -0.3321, -0.3721, -0.4618, 0.6848, 0.6865, 1.6031, 1.2664, -0.4403, -0.4074, -0.036, 1.026, 0.422, 0.2956, 1.1683, 1.7474, 0.5723, -0.7887, -1.9485, 0.0946, 0.4566, -0.7092, -0.5338, -0.4488, -1.8993, -0.3767, -0.787, -0.6879, 0.2815, -0.0956, 0.4952, 0.3741, 0.0317, 0.0647, 0.9455, -0.1707, 1.5423, 0.0313, 0.7294, 0.5356, -0.3134, -2.6475, 0.2712, -0.0991, -0.9631, -0.3519, 0.0675, 0.2788, -0.1147, -0.826, 0.867, -0.4712, -0.1598, 0.5744, 1.4694, 0.2457, -0.3054, -0.386, -0.9943, -0.7548, -1.3818, -0.8762, 0.1677, -0.2276, 0.7047, 1.489, -1.138, -0.5034, -1.0012, 0.0556, 0.2459, 0.9305, 0.7761, 0.4739, -0.2986, -2.6574, -1.345, -0.8549, -0.9176, -0.6531, 1.6332, 0.6484, 0.5976, -0.3383, 1.4851, -0.1039, 0.5997, -1.0301, -0.178, 1.5867, -0.8406, -0.9262, 0.2452, -0.0633, -0.7403, 1.1567, 0.6307, 0.6625, 0.3186, -0.9941, -0.5866, 1.3821, -0.6948, -0.6487, 0.6006, 1.3153, 0.7182, -1.4742, 1.3493, 0.5436, 0.0122, 0.0031, -0.1169, -0.9671, -0.8105, 0.5631, -1.3621, -3.1133, -0.4622, 0.3377, 0.8967, 1.082, -0.7253, -0.1855, 0.3044, 1.2316, 1.6417, -0.1137, -1.3775, -0.9614, -0.8882, 1.1095, 0.16, -0.2965, -0.89, 1.0785, 0.601, -0.4123, 0.4053, 0.1407, 0.5935, 1.6156, 0.2632, 0.5121, 0.734, 0.7105, 0.5943, 0.3295, -0.3118, 0.2947, -0.899, 0.0133, 0.0594, 0.5786, -0.0953, -0.8019, -1.3145, 0.2793, -0.2191, -0.3399, -0.9639, -0.0571, -3.4888, -0.357, -0.2417, -0.0999, -0.7081, -1.0958, 0.0567, 0.0771, 0.4292, 1.4854, 0.7129, -1.8989, -1.934, -0.8632, -0.91, -2.5352, -1.6499, -0.7438, -0.9699, 0.0788, -0.3248, 1.2591, -0.487, -1.3917, -0.4465, -0.0622, -0.9898, 0.2729, 0.7738, 1.3087, 0.2536, -0.1248, 0.2257, 0.1681, 0.5257, -0.4932, 0.1214, -0.996, 0.7529, 2.0139, 0.4768, 1.035, -1.1466, -0.6669, -1.5441, -0.455, 0.3555, -1.3727, -1.535, -0.5482, 2.4209, 1.1356, 0.0369, 0.3592, 0.4758, -0.0314, -1.3327, -1.3473, 0.6122, 0.2548, -0.2464, -0.7894, -0.0574, 0.0014, -0.318, 0.8904, -0.1451, -0.262, 0.8414, 0.6436, 0.6277, -0.2305, -0.5489, 0.1034, 0.2136, 1.2915, 0.5581, -0.027, 0.4354, 0.462, -1.1213, -0.7041, -0.2103, 1.2002, 0.115, 0.3862, -1.265, -0.688, 0.5169, -0.2608, 1.0222, -0.6679, 0.0272, 0.1749, -0.0144, -1.5084, -0.0881, -0.9653, 0.9485, 0.766, 0.5811, -0.2539, -1.2379, -0.5912, -0.4638, 0.3668, 0.0241, 0.4153, 0.6928, 0.8568, -1.9854, -1.3934, 0.226, 6.3478, -6.2764, 5.8721, 5.9581, -5.9291, 5.7245, 5.6852, -6.552, 5.8174, 6.7009, -6.4659, 6.4899, 6.9784, -5.8882, 7.1898, 5.9419, -5.154, 5.9903, 5.4089, -5.8112, 6.9585, 5.7227, -5.7426, 5.5204, 5.5767, -5.7533, 5.9275, 6.3026, -5.3432, 5.432};
static const double B_loc[] = {-0.014611764705882373, -0.056014705882352904, -0.007587254901960796};
static const double B_cov[] = {0.8171994473125718, 0.3971307074740485, 0.024896703679354086, 0.3971307074740485, 0.9050465526268744, 0.21615587744232984, 0.024896703679354086, 0.21615587744232984, 0.31116686542579775};
/* raw support: 3 5 9 10 11 12 14 15 16 17 19 21 22 25 27 28 29 31 33 34 35 37 39 41 42 44 49 50 51 55 56 59 62 64 66 67 68 69 71 73 74 78 80 81 82 83 87 90 92 93 94 95 96 98 99 100 101 103 105 106 107 108 */
static const double C_x[] = {8.71349, 10.17909, 14.724086, 9.447215, 9.134769, 10.9779, 14.321765, 8.950013, 9.506041, 10.20493, 11.636977, 14.490898, 7.640459, 6.812794, 10.454529, 11.21441, 5.688348, 8.926635, 12.077214, 9.108822, 11.132236, 10.516504, 11.473109, 11.041902, 10.69974, 30.0, 31.0, -5.0};
static const double C_loc[] = {9.992799};
static const double C_cov[] = {1.7489022978668571};
/* raw support: 1 3 4 5 7 8 9 14 15 17 19 20 21 23 24 */

static void
test_chi2_ppf(void)
{
	/* scipy.stats.chi2.ppf */
	CHECK_NEAR(an_chi2_ppf(0.5, 1), 0.454936423119572, 1e-13, 0);
	CHECK_NEAR(an_chi2_ppf(0.975, 2), 7.377758908227871, 1e-13, 0);
	CHECK_NEAR(an_chi2_ppf(0.999, 3), 16.26623619623813, 1e-13, 0);
	CHECK_NEAR(an_chi2_ppf(0.5, 5), 4.351460191095526, 1e-13, 0);
	CHECK_NEAR(an_chi2_ppf(0.975, 64), 88.0040510064975, 1e-13, 0);
	CHECK_NEAR(an_chi2_ppf(0.999, 1), 10.827566170662733, 1e-13, 0);
	/* chi2 with 2 degrees of freedom has P(x) = 1 - exp(-x/2) */
	CHECK_NEAR(an_chi2_ppf(0.9, 2), -2.0 * log(0.1), 1e-14, 0);
	CHECK(isnan(an_chi2_ppf(0.0, 2)));
	CHECK(isnan(an_chi2_ppf(1.0, 2)));
}

static void
check_mcd(const double *x, size_t n, size_t d, const double *want_loc, const double *want_cov)
{
	double		loc[3],
				cov[9];
	an_mv_fit_info info;

	CHECK_EQ_INT(an_mv_mcd_raw(x, n, d, loc, cov, NULL, &info, NULL, NULL), AN_OK);
	CHECK_EQ_INT(an_mv_mcd(x, n, d, loc, cov, NULL, &info), AN_OK);
	CHECK_EQ_INT(info.n_support, (n + d + 2) / 2);
	for (size_t k = 0; k < d; k++)
		CHECK_NEAR(loc[k], want_loc[k], 1e-12, 1e-14);
	for (size_t k = 0; k < d * d; k++)
		CHECK_NEAR(cov[k], want_cov[k], 1e-12, 1e-14);
}

static void
test_mcd_vs_sklearn(void)
{
	check_mcd(A_x, 100, 2, A_loc, A_cov);
	check_mcd(B_x, 120, 3, B_loc, B_cov);
	/* d = 1: the exact univariate MCD (deterministic in scikit-learn too) */
	check_mcd(C_x, 28, 1, C_loc, C_cov);
}

static an_mv_model
fit_decode(const double *x, size_t n, size_t d, const an_mv_options *o, uint8_t **bytes, size_t *len)
{
	an_mv_model m;
	an_model_header h;
	const uint8_t *payload;

	memset(&m, 0, sizeof(m));
	CHECK_EQ_INT(an_mv_fit(x, n, d, o, bytes, len, NULL), AN_OK);
	CHECK_EQ_INT(an_model_open(*bytes, *len, &h, &payload), AN_OK);
	CHECK_EQ_INT(h.kind, AN_KIND_MV);
	CHECK_EQ_INT(an_mv_model_decode(payload, h.payload_len, &m), AN_OK);
	return m;
}

static void
test_score_and_contributions(void)
{
	an_mv_options o;
	uint8_t    *bytes;
	size_t		len;
	an_mv_model m;
	an_mv_result r;
	double		work[4],
				contrib[2],
				q[2] = {3.0, -1.0};
	double		s00,
				s01,
				s11,
				det,
				u0,
				u1,
				d2,
				w0,
				w1;

	an_mv_options_default(&o);
	o.standardize = false;
	m = fit_decode(A_x, 100, 2, &o, &bytes, &len);
	/* the model holds MinCovDet's estimate */
	CHECK_NEAR(m.location[0], A_loc[0], 1e-12, 0);
	CHECK_NEAR(m.covariance[1], A_cov[1], 1e-12, 0);
	CHECK_EQ_INT(m.n_floored, 0);
	CHECK_NEAR(m.threshold, sqrt(13.815510557964274), 1e-13, 0);	/* chi2(2).ppf(0.999) = -2 ln 0.001 */
	CHECK_EQ_INT(an_mv_score(&m, q, 2, work, &r, contrib), AN_OK);
	/* the same distance through the explicit inverse of the 2 x 2 covariance */
	s00 = A_cov[0];
	s01 = A_cov[1];
	s11 = A_cov[3];
	det = s00 * s11 - s01 * s01;
	u0 = q[0] - A_loc[0];
	u1 = q[1] - A_loc[1];
	w0 = (s11 * u0 - s01 * u1) / det;
	w1 = (-s01 * u0 + s00 * u1) / det;
	d2 = u0 * w0 + u1 * w1;
	CHECK_NEAR(r.distance, sqrt(d2), 1e-12, 0);
	CHECK_NEAR(r.score, sqrt(d2) / m.threshold, 1e-12, 0);
	CHECK(r.is_anomaly == (r.score > 1.0));
	/* conditional contributions w_k^2 / (S^-1)_kk, normalised; (S^-1)_00 = s11 / det */
	{
		double		r0 = w0 * w0 / (s11 / det),
					r1 = w1 * w1 / (s00 / det);

		CHECK_NEAR(contrib[0], r0 / (r0 + r1), 1e-12, 1e-15);
		CHECK_NEAR(contrib[1], r1 / (r0 + r1), 1e-12, 1e-15);
	}
	CHECK_NEAR(contrib[0] + contrib[1], 1.0, 1e-12, 0);
	/* the centre scores 0 */
	CHECK_EQ_INT(an_mv_score(&m, m.location, 2, work, &r, contrib), AN_OK);
	CHECK_NEAR(r.score, 0.0, 0, 1e-12);
	CHECK(contrib[0] == 0.0 || fabs(contrib[0] + contrib[1] - 1.0) < 1e-9);
	/* wrong dimension, non-finite input */
	CHECK_EQ_INT(an_mv_score(&m, q, 3, work, &r, contrib), AN_EINVAL);
	q[1] = NAN;
	CHECK_EQ_INT(an_mv_score(&m, q, 2, work, &r, contrib), AN_ENONFINITE);
	an_mv_model_free(&m);
	an_free(bytes);

	/* an explicit threshold: score = distance / threshold */
	o.threshold = 2.5;
	m = fit_decode(A_x, 100, 2, &o, &bytes, &len);
	CHECK_EQ_INT(m.threshold == 2.5, 1);
	CHECK_EQ_INT(m.false_alarm_rate == 0.0, 1);
	an_mv_model_free(&m);
	an_free(bytes);
}

/* Row order does not change a single byte of the model; standardising changes no distance. */
static void
test_order_independent(void)
{
	enum
	{
		N = 700, D = 4
	};
	double	   *x = malloc(sizeof(double) * N * D),
			   *y = malloc(sizeof(double) * N * D);
	an_mv_options o;
	uint8_t    *b1,
			   *b2;
	size_t		l1,
				l2;

	for (size_t i = 0; i < N; i++)
	{
		double		z = gauss();

		for (size_t k = 0; k < D; k++)
			x[i * D + k] = z * (k + 1) + gauss() * 0.5 + (i % 50 == 0 ? 8.0 : 0.0);
	}
	/* y: x reversed */
	for (size_t i = 0; i < N; i++)
		memcpy(y + i * D, x + (N - 1 - i) * D, sizeof(double) * D);
	an_mv_options_default(&o);
	CHECK_EQ_INT(an_mv_fit(x, N, D, &o, &b1, &l1, NULL), AN_OK);
	CHECK_EQ_INT(an_mv_fit(y, N, D, &o, &b2, &l2, NULL), AN_OK);
	CHECK_EQ_INT(l1, l2);
	CHECK(l1 == l2 && memcmp(b1, b2, l1) == 0);
	an_free(b1);
	an_free(b2);
	free(x);
	free(y);
}

static void
test_singular(void)
{
	/* the second feature is constant; 3 rows of 4 features (fewer than d + 1) */
	double		x[20 * 2],
				small[3 * 4] = {1, 2, 3, 4, 2, 3, 4, 5, 0, 1, 0, 1};
	an_mv_options o;
	uint8_t    *b;
	size_t		len;
	an_mv_model m;
	an_mv_result r;
	double		work[8],
				q[2] = {0.0, 5.0};

	for (int i = 0; i < 20; i++)
	{
		x[2 * i] = i * 0.37 - (i % 3);
		x[2 * i + 1] = 5.0;
	}
	an_mv_options_default(&o);
	m = fit_decode(x, 20, 2, &o, &b, &len);
	CHECK_EQ_INT(m.n_floored, 1);
	CHECK_EQ_INT(an_mv_score(&m, q, 2, work, &r, NULL), AN_OK);
	CHECK(isfinite(r.score));
	/* a change of the constant feature is far out */
	q[1] = 5.001;
	CHECK_EQ_INT(an_mv_score(&m, q, 2, work, &r, NULL), AN_OK);
	CHECK(r.is_anomaly);
	an_mv_model_free(&m);
	an_free(b);

	m = fit_decode(small, 3, 4, &o, &b, &len);
	CHECK(m.n_floored >= 1);
	an_mv_model_free(&m);
	an_free(b);

	/* too few rows, bad dimensions, NaN */
	CHECK_EQ_INT(an_mv_fit(x, 1, 2, &o, &b, &len, NULL), AN_EINVAL);
	CHECK_EQ_INT(an_mv_fit(x, 20, 0, &o, &b, &len, NULL), AN_EINVAL);
	x[3] = INFINITY;
	CHECK_EQ_INT(an_mv_fit(x, 20, 2, &o, &b, &len, NULL), AN_ENONFINITE);
}

/* 64 dimensions work and a Gaussian's false-alarm rate is near the nominal one. */
static void
test_dims_64(void)
{
	enum
	{
		N = 3000, D = 64
	};
	double	   *x = malloc(sizeof(double) * N * D);
	double		work[2 * D],
				q[D];
	an_mv_options o;
	uint8_t    *b;
	size_t		len;
	an_mv_model m;
	an_mv_result r;
	int			flagged = 0;

	for (size_t i = 0; i < N * D; i++)
		x[i] = gauss();
	an_mv_options_default(&o);
	o.false_alarm_rate = 0.05;
	m = fit_decode(x, N, D, &o, &b, &len);
	CHECK_EQ_INT(m.d, D);
	for (int t = 0; t < 2000; t++)
	{
		for (int k = 0; k < D; k++)
			q[k] = gauss();
		CHECK_EQ_INT(an_mv_score(&m, q, D, work, &r, NULL), AN_OK);
		flagged += r.is_anomaly;
	}
	/* nominal 5 %: 100 of 2000; the estimate from 3000 rows in 64 dimensions inflates it a little */
	CHECK(flagged > 50 && flagged < 250);
	an_mv_model_free(&m);
	an_free(b);
	free(x);
}

/* Every truncation and every single-byte change of the payload is refused or decodes to a valid model. */
static void
test_decode_corrupt(void)
{
	an_mv_options o;
	uint8_t    *b;
	size_t		len;
	an_mv_model m;
	an_model_header h;
	const uint8_t *payload;
	uint8_t    *copy;
	double		q[2] = {1, 2};

	an_mv_options_default(&o);
	m = fit_decode(A_x, 100, 2, &o, &b, &len);
	an_mv_model_free(&m);
	CHECK_EQ_INT(an_model_open(b, len, &h, &payload), AN_OK);
	unit_mv_payload_cut_and_flipped(payload, h.payload_len, q, 2);
	copy = malloc(h.payload_len);
	/* the version byte: newer is refused as such, 0 as corrupt */
	memcpy(copy, payload, h.payload_len);
	copy[0] = AN_MV_PAYLOAD_VERSION_GMM + 1;
	CHECK_EQ_INT(an_mv_model_decode(copy, h.payload_len, &m), AN_EVERSION);
	copy[0] = 0;
	CHECK_EQ_INT(an_mv_model_decode(copy, h.payload_len, &m), AN_ECORRUPT);
	/*
	 * An asymmetric covariance.  The payload ends with cov[4], raw_location[2],
	 * raw_cov[4] (d = 2): the raw cov[1][0] is 16 to 9 bytes from the end, the
	 * covariance's 48 bytes before that.
	 */
	memcpy(copy, payload, h.payload_len);
	copy[h.payload_len - 9] ^= 1;
	CHECK_EQ_INT(an_mv_model_decode(copy, h.payload_len, &m), AN_ECORRUPT);
	memcpy(copy, payload, h.payload_len);
	copy[h.payload_len - 48 - 9] ^= 1;
	CHECK_EQ_INT(an_mv_model_decode(copy, h.payload_len, &m), AN_ECORRUPT);
	free(copy);
	an_free(b);
}

int
main(void)
{
	RUN(test_chi2_ppf);
	RUN(test_mcd_vs_sklearn);
	RUN(test_score_and_contributions);
	RUN(test_order_independent);
	RUN(test_singular);
	RUN(test_dims_64);
	RUN(test_decode_corrupt);
	UNIT_EXIT();
}
