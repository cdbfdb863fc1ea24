/*
 * test_ts_shape_pca.c: Sub-PCA (ts_shape_pca.h), against values computed
 * independently: the windows of a pure sinusoid span a known plane (two
 * eigenvalues of w / 2, error 0 for any sinusoid of that period, the error
 * of a window off the plane by explicit projection on the analytic basis);
 * on AR(1) noise the two leading eigenpairs against power iteration on a
 * covariance built by hand, the trace, the rank rule and the error formula;
 * the usable windows around a gap; the calibration on a noisy cycle; and
 * the cases without a fit.
 */
#include <string.h>

#include "core/ts/ts_shape.h"
#include "core/ts/ts_shape_pca.h"
#include "test_random.h"
#include "unit.h"

#define MIN_US 60000000LL

static an_point *
series(size_t n, double (*f) (size_t))
{
	an_point   *pts = malloc(n * sizeof(an_point));

	for (size_t i = 0; i < n; i++)
	{
		pts[i].ts = (int64_t) i * MIN_US;
		pts[i].value = f(i);
	}
	return pts;
}

#define SP 20					/* period of the pure sine */
#define SW 40					/* its window: two periods */

static double
pure_sine(size_t i)
{
	return 3 + 5 * sin(2 * PI * (double) i / SP);
}

/*
 * x - mean, divided by max(population sd, floor), computed here from the
 * raw moments in one pass (the values here are O(10): no cancellation)
 */
static void
normalise_by_hand(const double *x, size_t w, double floor, double *out)
{
	double		s1 = 0,
				s2 = 0,
				mean,
				sd;

	for (size_t i = 0; i < w; i++)
	{
		s1 += x[i];
		s2 += x[i] * x[i];
	}
	mean = s1 / (double) w;
	sd = fmax(sqrt(fmax(s2 / (double) w - mean * mean, 0)), floor);
	for (size_t i = 0; i < w; i++)
		out[i] = (x[i] - mean) / sd;
}

static void
test_sine_plane(void)
{
	/* 1999 rows: 1960 windows, 98 whole periods of starts, so the mean window is 0 */
	size_t		n = 1999;
	an_point   *pts = series(n, pure_sine);
	an_ts_shape_pca *p = NULL;
	double		q[SW],
				u[SW],
				c[SW],
				s[SW],
				scratch[2 * SW],
				uc = 0,
				us = 0,
				e2 = 0;

	CHECK(an_ts_shape_pca_fit(pts, n, SW, MIN_US, 0, &p) == AN_OK);
	CHECK(p != NULL);
	if (p == NULL)
	{
		free(pts);
		return;
	}
	CHECK_EQ_INT(p->w, SW);
	CHECK_EQ_INT(p->windows, n - SW + 1);
	/*
	 * normalised windows sqrt(2) sin(2 pi (i + t) / 20): covariance
	 * cos(2 pi (i - j) / 20) = (c c' + s s')(i, j), |c|^2 = |s|^2 = 20, c's = 0
	 */
	CHECK_EQ_INT(p->r, 2);
	CHECK_NEAR(p->eig[0], SW / 2.0, 1e-9, 1e-9);
	CHECK_NEAR(p->eig[1], SW / 2.0, 1e-9, 1e-9);
	for (size_t j = 2; j < SW; j++)
		CHECK(fabs(p->eig[j]) < 1e-9);
	CHECK_NEAR(p->explained, 1.0, 1e-9, 1e-9);
	for (size_t i = 0; i < SW; i++)
		CHECK(fabs(p->mean[i]) < 1e-12);
	/* any sinusoid of the period, any amplitude, offset and phase, lies on the plane */
	for (size_t i = 0; i < SW; i++)
		q[i] = -7 + 0.25 * sin(2 * PI * ((double) i + 0.37) / SP);
	CHECK(an_ts_shape_pca_distance(p, q, scratch) < 1e-6);
	/* off the plane: a bump; the error by projecting on the analytic basis */
	for (size_t i = 0; i < SW; i++)
	{
		q[i] = 5 * sin(2 * PI * (double) i / SP) + (i >= 10 && i < 15 ? 3 : 0);
		c[i] = cos(2 * PI * (double) i / SP);
		s[i] = sin(2 * PI * (double) i / SP);
	}
	normalise_by_hand(q, SW, p->sigma_floor, u);
	for (size_t i = 0; i < SW; i++)
	{
		uc += u[i] * c[i];
		us += u[i] * s[i];
	}
	for (size_t i = 0; i < SW; i++)
	{
		double		res = u[i] - uc / (SW / 2.0) * c[i] - us / (SW / 2.0) * s[i];

		e2 += res * res;
	}
	CHECK(sqrt(e2) > 1);
	CHECK_NEAR(an_ts_shape_pca_distance(p, q, scratch), sqrt(e2), 1e-8, 1e-10);
	/* the error floor of the edge: these windows have none */
	CHECK_NEAR(p->edge, AN_SHAPE_MIN_EDGE * sqrt(2.0 * SW), 1e-12, 0);
	an_ts_shape_pca_free(p);
	free(pts);
}

static double ar_state;

static double
ar1(size_t i)
{
	(void) i;
	ar_state = 0.9 * ar_state + (uniform01() - 0.5);
	return ar_state;
}

/* the leading eigenpair of the symmetric a (w x w) by power iteration */
static double
power_iteration(const double *a, size_t w, double *v)
{
	double		y[16],
				lambda = 0;

	for (size_t i = 0; i < w; i++)
		v[i] = 1.0 + 0.1 * (double) i;
	for (int it = 0; it < 20000; it++)
	{
		double		norm = 0;

		for (size_t i = 0; i < w; i++)
		{
			y[i] = 0;
			for (size_t j = 0; j < w; j++)
				y[i] += a[i * w + j] * v[j];
		}
		for (size_t i = 0; i < w; i++)
			norm += y[i] * y[i];
		norm = sqrt(norm);
		lambda = 0;
		for (size_t i = 0; i < w; i++)
		{
			lambda += v[i] * y[i];
			v[i] = y[i] / norm;
		}
	}
	return lambda;
}

#define AW 8
#define AN 600

static void
test_ar_against_power_iteration(void)
{
	an_point   *pts;
	an_ts_shape_pca *p = NULL;
	size_t		m = AN - AW + 1;
	double	   *x = malloc(m * AW * sizeof(double)),
			   *sds = malloc(m * sizeof(double)),
				mean[AW] = {0},
				cov[AW * AW] = {0},
				v[AW],
				scratch[2 * AW],
				floor_sd,
				l1,
				l2,
				dot,
				trace = 0,
				cum = 0,
				total = 0;

	rng_state = 4242;
	ar_state = 0;
	pts = series(AN, ar1);
	CHECK(an_ts_shape_pca_fit(pts, AN, AW, MIN_US, 0.95, &p) == AN_OK);
	CHECK(p != NULL);
	if (p == NULL)
		goto out;
	CHECK_EQ_INT(p->windows, m);
	/* sigma_floor: 0.1 of the median window sd */
	for (size_t s = 0; s < m; s++)
	{
		double		mu = 0,
					ss = 0;

		for (size_t i = 0; i < AW; i++)
			mu += pts[s + i].value;
		mu /= AW;
		for (size_t i = 0; i < AW; i++)
			ss += (pts[s + i].value - mu) * (pts[s + i].value - mu);
		sds[s] = sqrt(ss / AW);
	}
	qsort(sds, m, sizeof(double), unit_cmp_double);
	floor_sd = 0.1 * (m % 2 ? sds[m / 2] : (sds[m / 2 - 1] + sds[m / 2]) / 2);
	CHECK_NEAR(p->sigma_floor, floor_sd, 1e-12, 0);
	/* the normalised windows, their mean and covariance (divisor m), two passes */
	for (size_t s = 0; s < m; s++)
	{
		double		raw[AW];

		for (size_t i = 0; i < AW; i++)
			raw[i] = pts[s + i].value;
		normalise_by_hand(raw, AW, floor_sd, x + s * AW);
		for (size_t i = 0; i < AW; i++)
			mean[i] += x[s * AW + i] / (double) m;
	}
	for (size_t s = 0; s < m; s++)
		for (size_t i = 0; i < AW; i++)
			for (size_t j = 0; j < AW; j++)
				cov[i * AW + j] += (x[s * AW + i] - mean[i]) * (x[s * AW + j] - mean[j]) / (double) m;
	for (size_t i = 0; i < AW; i++)
	{
		CHECK_NEAR(p->mean[i], mean[i], 1e-9, 1e-12);
		trace += cov[i * AW + i];
	}
	for (size_t j = 0; j < AW; j++)
		total += p->eig[j];
	CHECK_NEAR(total, trace, 1e-10, 0);
	/* the leading pair, then the second after deflating the first */
	l1 = power_iteration(cov, AW, v);
	CHECK_NEAR(p->eig[0], l1, 1e-9, 0);
	dot = 0;
	for (size_t i = 0; i < AW; i++)
		dot += v[i] * p->axes[i];
	CHECK_NEAR(fabs(dot), 1.0, 1e-8, 0);
	for (size_t i = 0; i < AW; i++)
		for (size_t j = 0; j < AW; j++)
			cov[i * AW + j] -= l1 * v[i] * v[j];
	l2 = power_iteration(cov, AW, v);
	CHECK_NEAR(p->eig[1], l2, 1e-8, 0);
	CHECK(p->r >= 2);
	if (p->r >= 2)
	{
		dot = 0;
		for (size_t i = 0; i < AW; i++)
			dot += v[i] * p->axes[AW + i];
		CHECK_NEAR(fabs(dot), 1.0, 1e-6, 0);
	}
	/* r: the fewest leading eigenvalues reaching 95 % of the trace */
	for (size_t j = 0; j + 1 < p->r; j++)
		cum += p->eig[j];
	CHECK(cum < 0.95 * total);
	CHECK(cum + p->eig[p->r - 1] >= 0.95 * total);
	CHECK_NEAR(p->explained, (cum + p->eig[p->r - 1]) / total, 1e-12, 0);
	/* the error of a training window: |u|^2 - |A u|^2 for orthonormal axes A */
	{
		double		u[AW],
					raw[AW],
					uu = 0,
					proj = 0;

		for (size_t a = 0; a < p->r; a++)
			for (size_t b = 0; b < p->r; b++)
			{
				double		d = 0;

				for (size_t i = 0; i < AW; i++)
					d += p->axes[a * AW + i] * p->axes[b * AW + i];
				CHECK_NEAR(d, a == b ? 1.0 : 0.0, 1e-12, 1e-12);
			}
		for (size_t i = 0; i < AW; i++)
		{
			raw[i] = pts[100 + i].value;
			u[i] = x[100 * AW + i] - mean[i];
			uu += u[i] * u[i];
		}
		for (size_t a = 0; a < p->r; a++)
		{
			double		t = 0;

			for (size_t i = 0; i < AW; i++)
				t += p->axes[a * AW + i] * u[i];
			proj += t * t;
		}
		CHECK_NEAR(an_ts_shape_pca_distance(p, raw, scratch), sqrt(uu - proj), 1e-8, 1e-10);
	}
out:
	an_ts_shape_pca_free(p);
	free(pts);
	free(x);
	free(sds);
}

static void
test_gap_and_no_fit(void)
{
	an_point   *pts;
	an_ts_shape_pca *p = NULL;

	rng_state = 99;
	ar_state = 0;
	pts = series(AN, ar1);
	/* a step of 10 intervals before row 300: the 7 windows that span it are left out */
	for (size_t i = 300; i < AN; i++)
		pts[i].ts += 9 * MIN_US;
	CHECK(an_ts_shape_pca_fit(pts, AN, AW, MIN_US, 0, &p) == AN_OK);
	CHECK(p != NULL);
	if (p)
		CHECK_EQ_INT(p->windows, AN - AW + 1 - (AW - 1));
	an_ts_shape_pca_free(p);
	/* no interval, too few rows, a window out of range: no component */
	CHECK(an_ts_shape_pca_fit(pts, AN, AW, 0, 0, &p) == AN_OK && p == NULL);
	CHECK(an_ts_shape_pca_fit(pts, 3 * AW - 1, AW, MIN_US, 0, &p) == AN_OK && p == NULL);
	CHECK(an_ts_shape_pca_fit(pts, AN, AN_SHAPE_MIN_WINDOW - 1, MIN_US, 0, &p) == AN_OK && p == NULL);
	free(pts);
}

#define NP 50

static double
noisy_sine(size_t i)
{
	return 10 * sin(2 * PI * (double) i / NP) + (uniform01() - 0.5);
}

static void
test_calibration(void)
{
	size_t		n = 3000;
	an_point   *pts;
	an_ts_shape_pca *p = NULL;
	double		q[NP],
				scratch[2 * NP];

	rng_state = 777;
	pts = series(n, noisy_sine);
	CHECK(an_ts_shape_pca_fit(pts, n, NP, MIN_US, 0, &p) == AN_OK);
	CHECK(p != NULL);
	if (p == NULL)
	{
		free(pts);
		return;
	}
	/* the sine's plane holds 99.8 % of the variance; the noise is spread thin */
	CHECK_EQ_INT(p->r, 2);
	CHECK((size_t) (p->r + 2) * p->w <= AN_SHAPE_BUDGET + 2 * (size_t) p->w);
	/* new noise at every phase: below the edge */
	for (size_t start = n; start < n + 2 * NP; start += 7)
	{
		for (size_t i = 0; i < NP; i++)
			q[i] = noisy_sine(start + i);
		CHECK(an_ts_shape_pca_distance(p, q, scratch) / p->edge < 1);
	}
	/* a square wave of amplitude 1.5 added: above */
	for (size_t i = 0; i < NP; i++)
		q[i] = noisy_sine(n + i) + (i % 10 < 5 ? 1.5 : -1.5);
	CHECK(an_ts_shape_pca_distance(p, q, scratch) / p->edge > 1);
	an_ts_shape_pca_free(p);
	free(pts);
}

int
main(void)
{
	RUN(test_sine_plane);
	RUN(test_ar_against_power_iteration);
	RUN(test_gap_and_no_fit);
	RUN(test_calibration);
	UNIT_EXIT();
}
