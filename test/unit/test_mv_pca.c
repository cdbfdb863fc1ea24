/*
 * test_mv_pca.c: method pca of mv_fit against values computed by hand.
 *
 * The data set: 4 points c + a u1 + e n, c - a u1 + e n, c + b u2 - e n,
 * c - b u2 - e n with u1 = (1,2,2)/3, u2 = (2,1,-2)/3, n = (2,-2,1)/3
 * orthonormal, a = 4, b = 2, e = 0.1.  With n = d + 1 the MCD keeps every
 * row (h = n) and the reweighting keeps them all (each d^2 = n - 1), so the
 * subspace is that of all 4 rows: mean c; covariance (biased) a^2/2 u1u1' +
 * b^2/2 u2u2' + e^2 nn' (the cross terms cancel), so the eigenvalues
 * (divided by m - 1 = 3) are 32/3, 8/3, 0.04/3 along u1, u2, n, and 90 % of
 * the variance needs k = 2: the plane through c spanned by u1 and u2.
 * Reference numbers from scipy (/usr/bin/python3):
 *   chi2(2).ppf(0.999) = 13.815510557964274
 *   Jackson-Mudholkar with one residual eigenvalue l = 0.04/3:
 *     l * (7/9 + norm.ppf(0.999) * sqrt(2) / 3)^3 = 0.1487632667120488
 *   residuals {3, 1, 0.5, 0.1}: 39.992096677660086 (h0 = 0.18)
 *   residuals {1, 0.1 x 100}: h0 = -1.02, Box's g chi2_h: 18.226881614000973
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_mv_payload.h"
#include "unit.h"

#include "core/model_format.h"
#include "core/mv/mv.h"

static const double U1[] = {1.0 / 3, 2.0 / 3, 2.0 / 3};
static const double U2[] = {2.0 / 3, 1.0 / 3, -2.0 / 3};
static const double NN[] = {2.0 / 3, -2.0 / 3, 1.0 / 3};
static const double C[] = {10.0, -5.0, 2.0};

static void
point(double *out, double a, double b, double e)
{
	for (int j = 0; j < 3; j++)
		out[j] = C[j] + a * U1[j] + b * U2[j] + e * NN[j];
}

static an_mv_model
fit_plane(double components, uint8_t **blob, size_t *len, an_status *st)
{
	double		x[12];
	an_mv_options o;
	an_mv_model m;
	an_model_header h;
	const uint8_t *payload;

	point(x, 4, 0, 0.1);
	point(x + 3, -4, 0, 0.1);
	point(x + 6, 0, 2, -0.1);
	point(x + 9, 0, -2, -0.1);
	an_mv_options_default(&o);
	o.method = AN_MV_PCA;
	o.standardize = false;
	o.components = components;
	memset(&m, 0, sizeof(m));
	*st = an_mv_fit(x, 4, 3, &o, blob, len, NULL);
	if (*st != AN_OK)
		return m;
	CHECK_EQ_INT(an_model_open(*blob, *len, &h, &payload), AN_OK);
	CHECK_EQ_INT(an_mv_model_decode(payload, h.payload_len, &m), AN_OK);
	return m;
}

static void
test_plane(void)
{
	uint8_t    *b;
	size_t		len;
	an_status	st;
	an_mv_model m = fit_plane(0.0, &b, &len, &st);
	double		q[3],
				work[6],
				contrib[3];
	an_mv_result r;

	CHECK_EQ_INT(st, AN_OK);
	CHECK_EQ_INT(m.method, AN_MV_PCA);
	CHECK_EQ_INT(m.pca_k, 2);
	CHECK_NEAR(m.eigenvalues[0], 32.0 / 3, 1e-12, 0);
	CHECK_NEAR(m.eigenvalues[1], 8.0 / 3, 1e-12, 0);
	CHECK_NEAR(m.eigenvalues[2], 0.04 / 3, 1e-9, 0);
	for (int j = 0; j < 3; j++)
		CHECK_NEAR(m.location[j], C[j], 1e-12, 1e-12);
	CHECK_NEAR(fabs(U1[0] * m.axes[0] + U1[1] * m.axes[1] + U1[2] * m.axes[2]), 1.0, 1e-12, 0);
	CHECK_NEAR(fabs(U2[0] * m.axes[3] + U2[1] * m.axes[4] + U2[2] * m.axes[5]), 1.0, 1e-12, 0);
	CHECK_NEAR(m.t2_limit, 13.815510557964274, 1e-12, 0);
	CHECK_NEAR(m.spe_limit, 0.1487632667120488, 1e-9, 0);
	CHECK_NEAR(m.threshold, sqrt(13.815510557964274), 1e-12, 0);

	/* off the plane by 3 along n: SPE = 3^2, T^2 = 1/(32/3) + 1/(8/3) */
	point(q, 1, 1, 3);
	CHECK_EQ_INT(an_mv_score(&m, q, 3, work, &r, contrib), AN_OK);
	CHECK_NEAR(r.spe, 9.0, 1e-10, 0);
	CHECK_NEAR(r.t2, 15.0 / 32, 1e-10, 0);
	CHECK_NEAR(r.score, sqrt(9.0 / 0.1487632667120488), 1e-9, 0);
	CHECK_NEAR(r.distance, 3.0, 1e-10, 0);
	CHECK(r.is_anomaly);
	/* the residual is 3 n: the shares are n_j^2 */
	for (int j = 0; j < 3; j++)
		CHECK_NEAR(contrib[j], NN[j] * NN[j], 1e-10, 1e-12);

	/* in the plane, 20 along u1: T^2 = 400 / (32/3), SPE 0; shares u1_j^2 */
	point(q, 20, 0, 0);
	CHECK_EQ_INT(an_mv_score(&m, q, 3, work, &r, contrib), AN_OK);
	CHECK_NEAR(r.t2, 37.5, 1e-10, 0);
	CHECK_NEAR(r.spe, 0.0, 0, 1e-20);
	CHECK_NEAR(r.score, sqrt(37.5 / 13.815510557964274), 1e-10, 0);
	for (int j = 0; j < 3; j++)
		CHECK_NEAR(contrib[j], U1[j] * U1[j], 1e-10, 1e-12);

	/* the centre: score 0, no shares */
	CHECK_EQ_INT(an_mv_score(&m, C, 3, work, &r, contrib), AN_OK);
	CHECK_NEAR(r.score, 0.0, 0, 1e-6);
	an_mv_model_free(&m);
	an_free(b);

	/* components = 1: the line along u1 */
	m = fit_plane(1.0, &b, &len, &st);
	CHECK_EQ_INT(st, AN_OK);
	CHECK_EQ_INT(m.pca_k, 1);
	an_mv_model_free(&m);
	an_free(b);
	/* components 0.5 of the variance: 32/3 of 13.35 is 0.80 > 0.5, k = 1 */
	m = fit_plane(0.5, &b, &len, &st);
	CHECK_EQ_INT(m.pca_k, 1);
	an_mv_model_free(&m);
	an_free(b);
	/* k = d leaves no residual space: refused */
	m = fit_plane(3.0, &b, &len, &st);
	CHECK_EQ_INT(st, AN_EINVAL);
}

static void
test_spe_limit(void)
{
	const double one[] = {0.04 / 3};
	const double four[] = {3.0, 1.0, 0.5, 0.1};
	double		skew[101];

	CHECK_NEAR(an_mv_spe_limit(one, 1, 0.001), 0.1487632667120488, 1e-9, 0);
	CHECK_NEAR(an_mv_spe_limit(four, 4, 0.001), 39.992096677660086, 1e-9, 0);
	skew[0] = 1.0;
	for (int j = 1; j < 101; j++)
		skew[j] = 0.1;
	CHECK_NEAR(an_mv_spe_limit(skew, 101, 0.001), 18.226881614000973, 1e-9, 0);
}

static void
test_options(void)
{
	an_mv_options o;
	char		err[128];

	an_mv_options_default(&o);
	o.method = AN_MV_PCA;
	CHECK_EQ_INT(an_mv_options_check(&o, err, sizeof(err)), AN_OK);
	o.threshold = 3.0;
	CHECK_EQ_INT(an_mv_options_check(&o, err, sizeof(err)), AN_EINVAL);
	o.threshold = 0.0;
	o.components = 2.5;
	CHECK_EQ_INT(an_mv_options_check(&o, err, sizeof(err)), AN_EINVAL);
	o.components = -0.1;
	CHECK_EQ_INT(an_mv_options_check(&o, err, sizeof(err)), AN_EINVAL);
	o.method = AN_MV_GAUSSIAN;
	o.components = 2;
	CHECK_EQ_INT(an_mv_options_check(&o, err, sizeof(err)), AN_EINVAL);
}

static void
test_decode_corrupt(void)
{
	uint8_t    *b,
			   *copy;
	size_t		len;
	an_status	st;
	an_mv_model m = fit_plane(0.0, &b, &len, &st);
	an_model_header h;
	const uint8_t *payload;
	double		q[3] = {1, 2, 3};

	an_mv_model_free(&m);
	CHECK_EQ_INT(an_model_open(b, len, &h, &payload), AN_OK);
	CHECK_EQ_INT(payload[0], AN_MV_PAYLOAD_VERSION_PCA);
	unit_mv_payload_cut_and_flipped(payload, h.payload_len, q, 3);
	copy = malloc(h.payload_len);
	/* a pca model labelled version 1, and a gaussian one labelled version 2 */
	memcpy(copy, payload, h.payload_len);
	copy[0] = AN_MV_PAYLOAD_VERSION;
	CHECK_EQ_INT(an_mv_model_decode(copy, h.payload_len, &m), AN_ECORRUPT);
	copy[0] = AN_MV_PAYLOAD_VERSION_PCA;
	copy[1] = AN_MV_GAUSSIAN;
	CHECK_EQ_INT(an_mv_model_decode(copy, h.payload_len, &m), AN_ECORRUPT);
	/* the section starts after the version-1 body: 52 + (4 d + 2 d^2) * 8 bytes; k = 3 = d */
	memcpy(copy, payload, h.payload_len);
	copy[52 + (12 + 18) * 8] = 3;
	CHECK_EQ_INT(an_mv_model_decode(copy, h.payload_len, &m), AN_ECORRUPT);
	/* the last axis entry changed: no longer unit length */
	memcpy(copy, payload, h.payload_len);
	copy[h.payload_len - 2] ^= 0x10;
	CHECK_EQ_INT(an_mv_model_decode(copy, h.payload_len, &m), AN_ECORRUPT);
	free(copy);
	an_free(b);
}

int
main(void)
{
	RUN(test_plane);
	RUN(test_spe_limit);
	RUN(test_options);
	RUN(test_decode_corrupt);
	UNIT_EXIT();
}
