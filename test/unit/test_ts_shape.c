/*
 * test_ts_shape.c: the shape component (ts_shape.h) and scoring with
 * context (ts_context.h): the window from the period, the distance against
 * a brute-force nearest neighbour over explicitly normalised windows, the
 * calibration (normal windows below 1, a distorted cycle above), model
 * bytes independent of row order, models without the component unchanged,
 * the version 3 block (round trip, truncations), the CUSUM's crossing, and
 * the window of aperiodic data against the rule applied to autocorrelations
 * computed directly (a cycle found, none, the option and the period first).
 */
#include <cblas.h>
#include <float.h>
#include <string.h>

#include "core/model_format.h"
#include "core/sort.h"
#include "core/ts/ts_context.h"
#include "core/ts/ts_model.h"
#include "core/ts/ts_shape.h"
#include "test_ts_sine.h"
#include "unit.h"

#define N 3000
#define P 50
#define MIN_US UNIT_SINE_STEP_US

static double
sine_at(size_t i)
{
	return unit_sine_at(i, P);
}

static uint8_t *
fit_sine(bool shape, bool shuffle, size_t *len)
{
	an_ts_options o;

	an_ts_options_default(&o);
	o.shape = shape;
	return unit_fit_sine(N, P, &o, shuffle, len);
}

/* the nearest reference by brute force: each window normalised explicitly */
static double
brute_distance(const an_ts_shape *s, const double *q)
{
	double		mean = 0,
				sd = 0,
				best = INFINITY;

	for (size_t i = 0; i < s->w; i++)
		mean += q[i];
	mean /= s->w;
	for (size_t i = 0; i < s->w; i++)
		sd += (q[i] - mean) * (q[i] - mean);
	sd = sqrt(sd / s->w);
	if (sd < s->sigma_floor)
		sd = s->sigma_floor;
	for (size_t j = 0; j < s->k; j++)
	{
		double		d = 0;

		for (size_t i = 0; i < s->w; i++)
		{
			double		e = (q[i] - mean) / sd - s->refs[j * s->w + i];

			d += e * e;
		}
		if (d < best)
			best = d;
	}
	return sqrt(best);
}

static void
test_shape_fit_and_distance(void)
{
	size_t		len;
	uint8_t    *bytes = fit_sine(true, false, &len);
	an_ts_model *m = NULL;
	double		q[P],
				scratch[P + AN_SHAPE_MAX_REFS];

	CHECK(an_ts_model_load(bytes, len, &m) == AN_OK);
	CHECK(m->format_version == 3);
	CHECK(m->shape != NULL);
	CHECK_EQ_INT(m->shape->w, P);
	CHECK(m->shape->k >= 2 && (size_t) m->shape->k * m->shape->w <= AN_SHAPE_BUDGET);
	/* normal windows (new noise, every phase): below the edge; the same as brute force */
	rng_state = 12345;
	for (size_t start = N; start < N + 2 * P; start += 7)
	{
		double		d;

		for (size_t i = 0; i < P; i++)
			q[i] = sine_at(start + i);
		d = an_ts_shape_distance(m->shape, q, scratch);
		CHECK_NEAR(d, brute_distance(m->shape, q), 1e-9, 1e-9);
		CHECK(d / m->shape->edge < 1);
	}
	/* a cycle with a square wave of amplitude 1.5 added: above */
	for (size_t i = 0; i < P; i++)
		q[i] = sine_at(N + i) + (sin(2 * PI * (i + 0.5) / 10) > 0 ? 1.5 : -1.5);
	CHECK(an_ts_shape_distance(m->shape, q, scratch) / m->shape->edge > 1);
	CHECK_NEAR(an_ts_shape_distance(m->shape, q, scratch), brute_distance(m->shape, q), 1e-9, 1e-9);
	an_ts_model_free(m);
	free(bytes);
}

/*
 * The context's shape scores, sliding across a gap, a NaN, a flat stretch
 * (a window flatter than the floor) and a reset, at levels from 0 to 1e7
 * (the window is centred before its dot products): each the brute-force
 * distance of the same window, within 1e-9 relative; NAN while fewer than w
 * rows follow a break.
 */
static void
test_context_matches_direct(void)
{
	static const double levels[] = {0, 1e3, 1e7};
	size_t		len,
				n = 6 * P,
				scored = 0;
	uint8_t    *bytes = fit_sine(true, false, &len);
	an_ts_model *m = NULL;
	an_ts_context c;
	double		win[P],
				worst = 0;

	CHECK(an_ts_model_load(bytes, len, &m) == AN_OK);
	CHECK(an_ts_context_init(&c, m) == AN_OK);
	for (size_t l = 0; l < sizeof(levels) / sizeof(levels[0]); l++)
	{
		size_t		have = 0;
		int64_t		ts = 0;

		an_ts_context_reset(&c);
		rng_state = 4242 + l;
		for (size_t r = 0; r < 2 * n; r++)
		{
			an_ts_anomaly a;
			double		v = levels[l] + sine_at(r) * (r % 97 == 0 ? 3 : 1);

			if (r >= 5 * P && r < 5 * P + 2 * P)
				v = levels[l] + 0.25;	/* flat: sd 0, below the floor */
			if (r == n)
			{
				an_ts_context_reset(&c);
				have = 0;
			}
			ts += r == 2 * P + 5 ? 10 * MIN_US : MIN_US;	/* a gap: a break */
			if (r == 4 * P)
				v = NAN;
			if (r == 2 * P + 5 || r == 4 * P)
				have = 0;
			an_ts_context_push(&c, ts, v, &a);
			if (isnan(v))
				continue;
			memmove(win, win + 1, (P - 1) * sizeof(double));
			win[P - 1] = v;
			if (++have >= P)
			{
				double		want = brute_distance(m->shape, win) / m->shape->edge,
							rel = fabs(a.shape_score - want) / fmax(fabs(want), 1e-300);

				scored++;
				CHECK_NEAR(a.shape_score, want, 1e-9, 0);
				if (rel > worst)
					worst = rel;
			}
			else
				CHECK(isnan(a.shape_score));
		}
	}
	CHECK(scored > 9 * P);
	printf("    context against brute force: %zu windows, largest relative difference %.3g\n", scored, worst);
	an_ts_context_free(&c);
	an_ts_model_free(m);
	free(bytes);
}

static void
test_order_and_off(void)
{
	size_t		l1,
				l2,
				l3;
	uint8_t    *a = fit_sine(true, false, &l1),
			   *b = fit_sine(true, true, &l2),
			   *off = fit_sine(false, false, &l3);
	an_ts_model *m = NULL;

	CHECK(l1 == l2 && memcmp(a, b, l1) == 0);
	CHECK(an_ts_model_load(off, l3, &m) == AN_OK);
	CHECK(m->shape == NULL && m->format_version == 1);
	an_ts_model_free(m);
	/* the shape block follows the model without it: the same payload up to an empty tail block */
	CHECK(l1 > l3 && memcmp(a + AN_MODEL_HEADER_SIZE, off + AN_MODEL_HEADER_SIZE, l3 - AN_MODEL_HEADER_SIZE) == 0);
	free(a);
	free(b);
	free(off);
}

/* re-envelope a payload with a version */
static void
test_block_truncations(void)
{
	size_t		len,
				elen;
	uint8_t    *bytes = fit_sine(true, false, &len);
	size_t		plen = len - AN_MODEL_HEADER_SIZE;
	an_ts_model *m = NULL;

	/* every truncation of the payload, re-enveloped with a valid CRC, is refused */
	for (size_t cut = plen - 1; cut + 200 * sizeof(double) >= plen && cut > 0; cut--)
	{
		uint8_t    *e = unit_envelope(bytes + AN_MODEL_HEADER_SIZE, cut, bytes[5], 3, &elen);

		CHECK(an_ts_model_load(e, elen, &m) != AN_OK);
		free(e);
	}
	/* a zero window */
	{
		uint8_t    *p = malloc(plen);
		size_t		wpos = plen - ((size_t) 8 * 0) ;
		an_ts_model *ok = NULL;

		CHECK(an_ts_model_load(bytes, len, &ok) == AN_OK);
		wpos = plen - (size_t) ok->shape->k * ok->shape->w * 8 - 1 - 8 - 8 - 4 - 4;
		memcpy(p, bytes + AN_MODEL_HEADER_SIZE, plen);
		memset(p + wpos, 0, 4);
		{
			uint8_t    *e = unit_envelope(p, plen, bytes[5], 3, &elen);

			CHECK(an_ts_model_load(e, elen, &m) == AN_ECORRUPT);
			free(e);
		}
		an_ts_model_free(ok);
		free(p);
	}
	free(bytes);
}

/* the autocorrelation of v[0..m) at lag k from its definition in fft.h: centred, scaled by m / (m - k) */
static double
direct_acf(const double *v, size_t m, size_t k)
{
	double		mean = 0,
				num = 0,
				den = 0;

	for (size_t i = 0; i < m; i++)
		mean += v[i];
	mean /= (double) m;
	for (size_t i = 0; i < m; i++)
		den += (v[i] - mean) * (v[i] - mean);
	for (size_t i = 0; i + k < m; i++)
		num += (v[i] - mean) * (v[i + k] - mean);
	return num * (double) m / (double) (m - k) / den;
}

/* ts_shape.h's rule for aperiodic data, applied to direct autocorrelations */
static size_t
direct_window(const double *v, size_t m)
{
	size_t		maxlag = m / 3 < AN_SHAPE_AUTO_MAX_WINDOW ? m / 3 : AN_SHAPE_AUTO_MAX_WINDOW,
				w = 0;
	double	   *acf = malloc((maxlag + 1) * sizeof(double));
	bool		dipped = false;

	for (size_t k = 0; k <= maxlag; k++)
		acf[k] = direct_acf(v, m, k);
	for (size_t k = 1; k < maxlag && w == 0; k++)
	{
		dipped = dipped || acf[k] < 0;
		if (dipped && acf[k] >= 0.3 && acf[k] >= acf[k - 1] && acf[k] >= acf[k + 1])
			w = k;
	}
	for (size_t k = 1; k <= maxlag && w == 0; k++)
		if (acf[k] < 0.5)
			w = k;
	free(acf);
	return w < AN_SHAPE_AUTO_MIN_WINDOW ? AN_SHAPE_AUTO_MIN_WINDOW : w;
}

static void
test_window_rule(void)
{
	size_t		n = 4000;
	double	   *v = malloc(n * sizeof(double));
	an_shape_source src;
	size_t		w;

	/* a cycle of 60 rows that no period detection was told of: one cycle is the window */
	rng_state = 31337;
	for (size_t i = 0; i < n; i++)
		v[i] = sin(2 * PI * (double) i / 60) + 0.3 * gauss();
	w = an_ts_shape_window(v, n, 0, 0, &src);
	CHECK(src == AN_SHAPE_FROM_ACF);
	CHECK_EQ_INT(w, direct_window(v, n));
	CHECK(w >= 59 && w <= 61);
	/* an AR(1) process (phi 0.95: no cycle): the first fall below 0.5, near log 0.5 / log 0.95 = 13.5 */
	v[0] = 0;
	for (size_t i = 1; i < n; i++)
		v[i] = 0.95 * v[i - 1] + gauss();
	w = an_ts_shape_window(v, n, 0, 0, &src);
	CHECK_EQ_INT(w, direct_window(v, n));
	CHECK(w >= 10 && w <= 18);
	/* a weak echo (a cycle whose autocorrelation peaks below 0.3) is no cycle */
	for (size_t i = 0; i < n; i++)
		v[i] = 0.5 * sin(2 * PI * (double) i / 60) + gauss();
	w = an_ts_shape_window(v, n, 0, 0, &src);
	CHECK_EQ_INT(w, direct_window(v, n));
	CHECK(w < 30);
	/* the option, then a period, come first */
	CHECK_EQ_INT(an_ts_shape_window(v, n, 17, 40, &src), 17);
	CHECK(src == AN_SHAPE_FROM_OPTION);
	CHECK_EQ_INT(an_ts_shape_window(v, n, 0, 40.4, &src), 40);
	CHECK(src == AN_SHAPE_FROM_PERIOD);
	/* too short for the rule */
	CHECK_EQ_INT(an_ts_shape_window(v, 3 * AN_SHAPE_AUTO_MIN_WINDOW - 1, 0, 0, &src), 0);
	free(v);
}

static void
test_cusum_crossing(void)
{
	size_t		len;
	uint8_t    *bytes = fit_sine(false, false, &len);
	an_ts_model *m = NULL;
	an_ts_context c;
	an_ts_anomaly a;
	int			crossed = -1;

	CHECK(an_ts_model_load(bytes, len, &m) == AN_OK);
	CHECK(an_ts_context_init(&c, m) == AN_OK);
	/* exactly the expected value plus 3 sigma_high: z = 3 each row, S+ grows by 2 a row */
	for (int i = 0; i < 20 && crossed < 0; i++)
	{
		an_ts_detection d;
		int64_t		ts = (int64_t) (N + i) * MIN_US;

		an_ts_expect(m, ts, &d);
		an_ts_context_push(&c, ts, d.expected + 3 * an_ts_model_sigma(m, 1), &a);
		CHECK(isnan(a.shape_score));
		if (a.shift_score > 1)
			crossed = i + 1;
	}
	/* S+ = 2 r after r rows: above h = 10 first at r = 6 (at r = 5 it equals 10: score 1) */
	CHECK_EQ_INT(crossed, 6);
	an_ts_context_free(&c);
	an_ts_model_free(m);
	free(bytes);
}

int
main(void)
{
	RUN(test_shape_fit_and_distance);
	RUN(test_context_matches_direct);
	RUN(test_order_and_off);
	RUN(test_block_truncations);
	RUN(test_cusum_crossing);
	RUN(test_window_rule);
	UNIT_EXIT();
}
