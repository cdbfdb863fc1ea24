/*
 * test_mv_gmm.c: method gmm of mv_fit against values known in closed form.
 *
 * - k = 1 on x = {1, 2, 3, 4} (d = 1): EM's M-step is the sample mean 2.5
 *   and the biased variance 1.25 + reg_covar at once; the second step sees
 *   the same parameters, so it stops after 3 steps.  BIC =
 *   -2 sum log N(x; 2.5, v) + 2 log 4, v = 1.25 + 1e-6.
 * - two tight 1-D clusters {0, 0.1, 0.2} and {10, 10.1, 10.2}: with k = 2,
 *   whatever the k-means++ start (the centres are two distinct rows; the
 *   first E-step is a hard assignment with variance reg_covar), EM lands on
 *   means 0.1 and 10.1, variances 0.02 / 3 + 1e-6, weights 1/2; BIC prefers
 *   k = 2 to k = 1 (a 100-fold smaller variance for one more mean, weight
 *   and variance).
 * - scoring with k = 1 is the Mahalanobis distance to (mean, variance) and
 *   the threshold gaussian's chi-square one: sqrt(chi2_1.ppf(0.999)) =
 *   3.2905267314918945 (scipy).
 * - the model bytes are the same for any row order and on every run.
 * - k chosen on a subsample (check_three_clusters), the final fit on every row.
 * - a short EM run resumed to convergence is the uninterrupted run, bit for bit.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "test_random.h"

#include "core/model_format.h"
#include "core/cpu_features.h"
#include "core/mv/mv.h"
#include "core/mv/mv_internal.h"

#define LOG_2PI 1.8378770664093454836

static an_status
fit_decode(const double *x, size_t n, size_t d, const an_mv_options *o, an_mv_model *m,
		   uint8_t **blob, size_t *len)
{
	an_model_header h;
	const uint8_t *payload;
	an_status	st = an_mv_fit(x, n, d, o, blob, len, NULL);

	memset(m, 0, sizeof(*m));
	if (st != AN_OK)
		return st;
	CHECK_EQ_INT(an_model_open(*blob, *len, &h, &payload), AN_OK);
	return an_mv_model_decode(payload, h.payload_len, m);
}

static void
gmm_options(an_mv_options *o, double components, double min_components)
{
	an_mv_options_default(o);
	o->method = AN_MV_GMM;
	o->standardize = false;
	o->components = components;
	o->min_components = min_components;
}

static void
test_one_component(void)
{
	const double x[] = {3.0, 1.0, 4.0, 2.0};
	double		v = 1.25 + 1e-6,
				w[2];
	double		ll = 0.0,
				bic;
	an_mv_gmm_fit f;
	double		weights[1],
				means[1],
				covs[1],
				init[1];
	an_mv_options o;
	an_mv_model m;
	an_mv_result r;
	uint8_t    *blob;
	size_t		len;

	f.weights = weights;
	f.means = means;
	f.covs = covs;
	f.init_means = init;
	CHECK_EQ_INT(an_mv_gmm_em(x, 4, 1, 1, 1e-6, 0, &f), AN_OK);
	CHECK_NEAR(means[0], 2.5, 1e-14, 0);
	CHECK_NEAR(covs[0], v, 1e-12, 0);
	CHECK_NEAR(weights[0], 1.0, 1e-15, 0);
	CHECK_EQ_INT(f.n_iter, 3);
	CHECK(f.converged);
	for (int i = 0; i < 4; i++)
		ll += -0.5 * (LOG_2PI + log(v) + (x[i] - 2.5) * (x[i] - 2.5) / v);
	bic = -2.0 * ll + 2.0 * log(4.0);
	CHECK_NEAR(f.bic, bic, 1e-12, 0);
	CHECK_NEAR(f.mean_ll, ll / 4, 1e-12, 0);
	/* the start is one of the rows */
	CHECK(init[0] == 1.0 || init[0] == 2.0 || init[0] == 3.0 || init[0] == 4.0);

	/* through the model: k = 1 (components 1), scored as a Mahalanobis distance */
	gmm_options(&o, 1, 0);
	CHECK_EQ_INT(fit_decode(x, 4, 1, &o, &m, &blob, &len), AN_OK);
	CHECK_EQ_INT(m.method, AN_MV_GMM);
	CHECK_EQ_INT(m.gmm_k, 1);
	CHECK_NEAR(m.threshold, 3.2905267314918945, 1e-9, 0);
	CHECK_NEAR(m.gmm_bic[0], bic, 1e-12, 0);
	{
		double		q = 7.0;

		CHECK_EQ_INT(an_mv_score(&m, &q, 1, w, &r, NULL), AN_OK);
		CHECK_NEAR(r.distance, 4.5 / sqrt(v), 1e-12, 0);
		CHECK_NEAR(r.score, 4.5 / sqrt(v) / 3.2905267314918945, 1e-9, 0);
		CHECK_NEAR(r.log_likelihood, -0.5 * (LOG_2PI + log(v) + 20.25 / v), 1e-12, 0);
		CHECK(r.is_anomaly);
		q = 2.5;
		CHECK_EQ_INT(an_mv_score(&m, &q, 1, w, &r, NULL), AN_OK);
		CHECK_NEAR(r.score, 0.0, 0, 1e-7);
	}
	an_mv_model_free(&m);
	an_free(blob);
}

static void
test_two_clusters(void)
{
	const double x[] = {10.1, 0.0, 10.2, 0.1, 10.0, 0.2};
	double		v = 0.02 / 3 + 1e-6;
	an_mv_options o;
	an_mv_model m;
	uint8_t    *blob;
	size_t		len;
	int			lo;

	gmm_options(&o, 3, 0);
	CHECK_EQ_INT(fit_decode(x, 6, 1, &o, &m, &blob, &len), AN_OK);
	CHECK_EQ_INT(m.gmm_min_k, 1);
	CHECK_EQ_INT(m.gmm_hi_k, 3);
	CHECK(m.gmm_bic[1] < m.gmm_bic[0]);
	/* k = 3 would split a cluster of 3 rows: its likelihood gain cannot pay for 3 more parameters here */
	CHECK_EQ_INT(m.gmm_k, 2);
	lo = m.gmm_means[0] < m.gmm_means[1] ? 0 : 1;
	CHECK_NEAR(m.gmm_means[lo], 0.1, 1e-9, 0);
	CHECK_NEAR(m.gmm_means[1 - lo], 10.1, 1e-9, 0);
	CHECK_NEAR(m.gmm_covs[lo], v, 1e-9, 0);
	CHECK_NEAR(m.gmm_covs[1 - lo], v, 1e-9, 0);
	CHECK_NEAR(m.gmm_weights[0], 0.5, 1e-9, 0);
	CHECK(m.gmm_converged);
	/* between the clusters: far outside; at a centre: 0 (both components are the peak) */
	{
		double		q = 5.0,
					w[2];
		an_mv_result r;

		CHECK_EQ_INT(an_mv_score(&m, &q, 1, w, &r, NULL), AN_OK);
		CHECK(r.score > 10.0);
		q = 0.1;
		CHECK_EQ_INT(an_mv_score(&m, &q, 1, w, &r, NULL), AN_OK);
		CHECK_NEAR(r.score, 0.0, 0, 1e-6);
	}
	an_mv_model_free(&m);
	an_free(blob);
	/* fixed k = 3 on 3 distinct rows is fine; on 2 distinct rows it is refused */
	{
		const double y[] = {1.0, 1.0, 2.0, 2.0};

		gmm_options(&o, 3, 3);
		CHECK_EQ_INT(an_mv_fit(y, 4, 1, &o, &blob, &len, NULL), AN_EINVAL);
		gmm_options(&o, 3, 2);
		CHECK_EQ_INT(fit_decode(y, 4, 1, &o, &m, &blob, &len), AN_OK);
		CHECK_EQ_INT(m.gmm_k, 2);
		CHECK_EQ_INT(m.gmm_hi_k, 2);
		/* each component is one point: its variance is the regularisation alone */
		CHECK_EQ_INT(m.n_floored, 1);
		an_mv_model_free(&m);
		an_free(blob);
	}
}

static void
test_order_and_determinism(void)
{
	enum
	{
		N = 300, D = 3
	};
	double	   *x = malloc(N * D * sizeof(double)),
			   *y = malloc(N * D * sizeof(double));
	uint8_t    *b1,
			   *b2,
			   *b3;
	size_t		l1,
				l2,
				l3;
	an_mv_options o;
	uint64_t	s = 12345;

	for (int i = 0; i < N; i++)
		for (int c = 0; c < D; c++)
		{
			x[i * D + c] = lcg_uniform01_with_zero(&s) + (i % 3) * 4.0 * (c + 1);
		}
	/* a reversed and interleaved copy */
	for (int i = 0; i < N; i++)
		memcpy(y + i * D, x + ((i * 7) % N) * D, D * sizeof(double));
	an_mv_options_default(&o);
	o.method = AN_MV_GMM;
	CHECK_EQ_INT(an_mv_fit(x, N, D, &o, &b1, &l1, NULL), AN_OK);
	CHECK_EQ_INT(an_mv_fit(x, N, D, &o, &b2, &l2, NULL), AN_OK);
	CHECK_EQ_INT(an_mv_fit(y, N, D, &o, &b3, &l3, NULL), AN_OK);
	CHECK(l1 == l2 && memcmp(b1, b2, l1) == 0);
	CHECK(l1 == l3 && memcmp(b1, b3, l1) == 0);
	{
		/* the generic whitening gives the bits of the AVX-512 one */
		bool		had = an_use_vector_code(false);
		uint8_t    *b4;
		size_t		l4;

		CHECK_EQ_INT(an_mv_fit(x, N, D, &o, &b4, &l4, NULL), AN_OK);
		an_use_vector_code(had);
		CHECK(l1 == l4 && memcmp(b1, b4, l1) == 0);
		an_free(b4);
	}
	{
		an_model_header h;
		const uint8_t *p;
		an_mv_model m;

		CHECK_EQ_INT(an_model_open(b1, l1, &h, &p), AN_OK);
		CHECK_EQ_INT(an_mv_model_decode(p, h.payload_len, &m), AN_OK);
		/* three blobs of 100 rows each: BIC finds them */
		CHECK_EQ_INT(m.gmm_k, 3);
		an_mv_model_free(&m);
	}
	an_free(b1);
	an_free(b2);
	an_free(b3);
	free(x);
	free(y);
}

/*
 * Three well-separated clusters of 3000, 2000 and 1000 rows (more rows than
 * the subsample that chooses k): BIC on the subsample picks 3; the final EM
 * runs on every row, so (responsibilities 0 or 1 to within e^-100) its
 * means are each cluster's sample mean and its covariances the biased
 * sample covariance plus reg_covar, over all 6000 rows; the bytes do not
 * depend on the row order.  d = 2 takes the blocked whitening, d = 17 the
 * BLAS one (AN_MV_GMM_SMALL_D).
 */
static void
check_three_clusters(size_t d)
{
	enum
	{
		N = 6000
	};
	const size_t size[3] = {3000, 2000, 1000};
	double	   *x = malloc(N * d * sizeof(double)),
			   *y = malloc(N * d * sizeof(double)),
			   *mean = calloc(3 * d, sizeof(double)),
			   *cov = calloc(3 * d * d, sizeof(double));
	int		   *label = malloc(N * sizeof(int));
	uint64_t	s = 777;
	an_mv_options o;
	an_mv_model m;
	uint8_t    *b1,
			   *b2;
	size_t		l1,
				l2;

	for (size_t i = 0; i < N; i++)
	{
		int			g = i < size[0] ? 0 : i < size[0] + size[1] ? 1 : 2;

		label[i] = g;
		for (size_t c = 0; c < d; c++)
		{
			double		u1,
						u2;

			u1 = lcg_uniform01(&s);
			u2 = lcg_uniform01_with_zero(&s);
			/* unit Gaussians (Box-Muller), centres 40 apart on the first axis */
			x[i * d + c] = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2) + (c == 0 ? 40.0 * g : 0.0);
		}
	}
	for (size_t i = 0; i < N; i++)
		for (size_t c = 0; c < d; c++)
			mean[label[i] * d + c] += x[i * d + c] / (double) size[label[i]];
	for (size_t i = 0; i < N; i++)
		for (size_t a = 0; a < d; a++)
			for (size_t c = 0; c < d; c++)
				cov[label[i] * d * d + a * d + c] += (x[i * d + a] - mean[label[i] * d + a]) *
					(x[i * d + c] - mean[label[i] * d + c]) / (double) size[label[i]];
	/* the same rows reversed and interleaved */
	for (size_t i = 0; i < N; i++)
		memcpy(y + i * d, x + ((i * 7919) % N) * d, d * sizeof(double));
	gmm_options(&o, 0, 0);
	CHECK_EQ_INT(an_mv_fit(x, N, d, &o, &b1, &l1, NULL), AN_OK);
	CHECK_EQ_INT(an_mv_fit(y, N, d, &o, &b2, &l2, NULL), AN_OK);
	CHECK(l1 == l2 && memcmp(b1, b2, l1) == 0);
	an_free(b1);
	an_free(b2);
	CHECK_EQ_INT(fit_decode(x, N, d, &o, &m, &b1, &l1), AN_OK);
	CHECK_EQ_INT(m.gmm_k, 3);
	CHECK(m.gmm_hi_k >= 3);
	for (uint32_t k = m.gmm_min_k; k <= m.gmm_hi_k; k++)
		CHECK(k == 3 || m.gmm_bic[k - m.gmm_min_k] > m.gmm_bic[3 - m.gmm_min_k]);
	CHECK(m.gmm_converged);
	for (size_t j = 0; j < 3; j++)
	{
		/* component j is the cluster its mean is closest to */
		int			g = (int) floor(m.gmm_means[j * d] / 40.0 + 0.5);

		CHECK(g >= 0 && g <= 2);
		if (g < 0 || g > 2)
			continue;
		CHECK_NEAR(m.gmm_weights[j], (double) size[g] / N, 1e-9, 0);
		for (size_t c = 0; c < d; c++)
			CHECK_NEAR(m.gmm_means[j * d + c], mean[g * d + c], 1e-9, 1e-12);
		for (size_t c = 0; c < d * d; c++)
			CHECK_NEAR(m.gmm_covs[j * d * d + c], cov[g * d * d + c] + (c % (d + 1) == 0 ? 1e-6 : 0.0), 1e-9, 1e-12);
	}
	an_mv_model_free(&m);
	an_free(b1);
	free(x);
	free(y);
	free(mean);
	free(cov);
	free(label);
}

static void
test_subsample(void)
{
	check_three_clusters(2);
	check_three_clusters(17);
}

/*
 * A short run resumed to convergence takes the steps of one uninterrupted
 * run from the same start: the same step count and the same bits.
 */
static void
test_short_run_resumed(void)
{
	enum
	{
		N = 400, D = 2, K = 3
	};
	double	   *x = malloc(N * D * sizeof(double)),
				p1[K * (1 + D + D * D)],
				p2[K * (1 + D + D * D)];
	an_mv_gmm_fit a = {.weights = p1, .means = p1 + K, .covs = p1 + K + K * D},
				b = {.weights = p2, .means = p2 + K, .covs = p2 + K + K * D};
	uint64_t	s = 777;
	int			resumed = 0;

	for (int i = 0; i < N; i++)
		for (int c = 0; c < D; c++)
		{
			x[i * D + c] = lcg_uniform01_with_zero(&s) + (i % K) * 0.4 * (c + 1);
		}
	for (uint32_t start = 0; start < 3; start++)
	{
		CHECK_EQ_INT(an_mv_gmm_em(x, N, D, K, 1e-6, start, &a), AN_OK);
		CHECK_EQ_INT(mv_gmm_em_short(x, N, D, K, 1e-6, start, &b), AN_OK);
		CHECK(b.n_iter <= AN_MV_GMM_SHORT_ITER);
		resumed += a.n_iter > AN_MV_GMM_SHORT_ITER;
		CHECK_EQ_INT(mv_gmm_em_resume(x, N, D, 1e-6, &b), AN_OK);
		CHECK_EQ_INT(b.n_iter, a.n_iter);
		CHECK(b.converged == a.converged);
		CHECK(memcmp(p1, p2, sizeof(p1)) == 0);
		CHECK(a.mean_ll == b.mean_ll && a.bic == b.bic && a.lower_bound == b.lower_bound);
	}
	/* overlapping clusters: some start needs more steps than a short run */
	CHECK(resumed > 0);
	free(x);
}

static void
test_decode_refuses(void)
{
	const double x[] = {3.0, 1.0, 4.0, 2.0, 9.0, 8.5};
	an_mv_options o;
	uint8_t    *blob;
	size_t		len;
	an_model_header h;
	const uint8_t *payload;
	an_mv_model m;
	uint8_t    *p;

	gmm_options(&o, 2, 0);
	CHECK_EQ_INT(an_mv_fit(x, 6, 1, &o, &blob, &len, NULL), AN_OK);
	CHECK_EQ_INT(an_model_open(blob, len, &h, &payload), AN_OK);
	p = malloc(h.payload_len);
	memcpy(p, payload, h.payload_len);
	CHECK_EQ_INT(an_mv_model_decode(p, h.payload_len - 1, &m), AN_ETRUNCATED);
	p[1] = 1;					/* method gaussian in a version-3 payload */
	CHECK_EQ_INT(an_mv_model_decode(p, h.payload_len, &m), AN_ECORRUPT);
	p[1] = 3;
	p[0] = 4;					/* a newer payload version */
	CHECK_EQ_INT(an_mv_model_decode(p, h.payload_len, &m), AN_EVERSION);
	p[0] = 3;
	CHECK_EQ_INT(an_mv_model_decode(p, h.payload_len, &m), AN_OK);
	an_mv_model_free(&m);
	/* k (first field after the head, center and scale: 4+4+24+4+16+16 bytes) above hi_k */
	p[68] = 9;
	CHECK_EQ_INT(an_mv_model_decode(p, h.payload_len, &m), AN_ECORRUPT);
	free(p);
	an_free(blob);
	/* options */
	{
		char		err[128];

		gmm_options(&o, 17, 0);
		CHECK_EQ_INT(an_mv_options_check(&o, err, sizeof(err)), AN_EINVAL);
		gmm_options(&o, 2.5, 0);
		CHECK_EQ_INT(an_mv_options_check(&o, err, sizeof(err)), AN_EINVAL);
		gmm_options(&o, 3, 4);
		CHECK_EQ_INT(an_mv_options_check(&o, err, sizeof(err)), AN_EINVAL);
		gmm_options(&o, 0, 6);
		CHECK_EQ_INT(an_mv_options_check(&o, err, sizeof(err)), AN_EINVAL);
		gmm_options(&o, 0, 0);
		o.reg_covar = -1;
		CHECK_EQ_INT(an_mv_options_check(&o, err, sizeof(err)), AN_EINVAL);
		an_mv_options_default(&o);
		o.reg_covar = 1e-3;
		CHECK_EQ_INT(an_mv_options_check(&o, err, sizeof(err)), AN_EINVAL);
	}
}

int
main(void)
{
	RUN(test_one_component);
	RUN(test_two_clusters);
	RUN(test_order_and_determinism);
	RUN(test_subsample);
	RUN(test_short_run_resumed);
	RUN(test_decode_refuses);
	UNIT_EXIT();
}
