/*
 * test_ts_analog_model.c: the analog component of the time-series models
 * (src/core/ts/ts_analog_model.h) on a chaotic series (the logistic map)
 * and on a random walk.  The context's analog scores are compared with a
 * brute-force k-nearest-neighbour prediction computed here from the kept
 * rows (every target, every distance, the k smallest); the block with its
 * parameters against a direct fit of the same rows, its size and place, the
 * bytes in any input order, the skill rule (used on the map, not on the
 * walk), breaks in the scored rows (a gap, an infinite value), every
 * truncation and corrupt fields, and a version 4 model (the block cut off)
 * still readable.
 */
#include "core/model_format.h"
#include "core/ts/ts_analog.h"
#include "core/ts/ts_analog_model.h"
#include "core/ts/ts_context.h"
#include "core/ts/ts_discord_model.h"
#include "core/ts/ts_model.h"
#include "test_random.h"
#include "test_ts_fit.h"
#include "unit.h"

#define N 3000
#define MIN_US 60000000LL
#define BLOCK_BYTES (4 * 4 + 3 * 8)

/* the logistic map at r = 3.9 from x0, scaled to [0, 100) */
static void
logistic(double *x, size_t n, double x0)
{
	double		u = x0;

	for (size_t i = 0; i < n; i++)
	{
		u = 3.9 * u * (1 - u);
		x[i] = 100 * u;
	}
}

/* the model bytes of values v[0..n) a minute apart (shuffled: fitted from a shuffled copy) */
static uint8_t *
fit_values(const double *v, size_t n, bool analog, bool discord, int rows, bool shuffle, size_t *len)
{
	an_point   *pts = unit_points_every(n, MIN_US);
	an_ts_options o;
	uint8_t    *bytes;

	for (size_t i = 0; i < n; i++)
		pts[i].value = v[i];
	an_ts_options_default(&o);
	o.shape = true;
	o.discord = discord;
	o.analog = analog;
	o.discord_rows = rows;
	bytes = unit_fit_bytes(pts, n, &o, shuffle, len);
	free(pts);
	return bytes;
}

static void
test_fit_block(void)
{
	double	   *v = malloc(N * sizeof(double));
	size_t		len4,
				len5,
				len_shuffled,
				lag;
	uint8_t    *v4,
			   *v5,
			   *shuffled;
	an_ts_model *m4 = NULL,
			   *m5 = NULL;
	an_point   *pts = unit_points_every(N, MIN_US);
	an_ts_analog *direct = NULL;

	logistic(v, N, 0.3);
	v4 = fit_values(v, N, false, true, 0, false, &len4);
	v5 = fit_values(v, N, true, false, 0, false, &len5);	/* "analog" implies "discord" */
	rng_state = 77;
	shuffled = fit_values(v, N, true, false, 0, true, &len_shuffled);
	CHECK(an_ts_model_load(v4, len4, &m4) == AN_OK);
	CHECK(an_ts_model_load(v5, len5, &m5) == AN_OK);
	CHECK_EQ_INT(m4->format_version, 4);
	CHECK(m4->analog == NULL);
	CHECK_EQ_INT(m5->format_version, 5);
	CHECK(m5->analog != NULL && m5->discord != NULL);
	/* the discord-only model's payload, then the analog block */
	CHECK_EQ_INT(len5, len4 + BLOCK_BYTES);
	CHECK(memcmp(v4 + AN_MODEL_HEADER_SIZE, v5 + AN_MODEL_HEADER_SIZE, len4 - AN_MODEL_HEADER_SIZE) == 0);
	CHECK(len_shuffled == len5 && memcmp(shuffled, v5, len5) == 0);
	/* the parameters: those of a direct fit of the same rows with the documented constants */
	lag = an_ts_analog_lag(v, N, AN_ANALOG_MODEL_ACF_LEVEL, 1);
	for (size_t i = 0; i < N; i++)
		pts[i].value = v[i];
	CHECK(an_ts_analog_fit(pts, N, MIN_US, AN_ANALOG_MODEL_DIM, lag, AN_ANALOG_MODEL_K, false, false, &direct) ==
		  AN_OK);
	CHECK(direct != NULL);
	CHECK_EQ_INT(m5->analog->dim, AN_ANALOG_MODEL_DIM);
	CHECK_EQ_INT(m5->analog->k, AN_ANALOG_MODEL_K);
	CHECK_EQ_INT(m5->analog->lag, lag);
	CHECK(m5->analog->edge == direct->edge && m5->analog->reach == direct->reach &&
		  m5->analog->skill == direct->skill);
	/* a chaotic map is predictable from its state: the analogues beat the last value by far */
	CHECK(m5->analog->skill < 0.5);
	CHECK(an_ts_analog_model_used(m5->analog));
	printf("    logistic map: lag %u, span %zu, edge %.4g, skill %.3f\n", m5->analog->lag,
		   an_ts_analog_model_span(m5->analog), m5->analog->edge, m5->analog->skill);
	an_ts_analog_free(direct);
	an_ts_model_free(m4);
	an_ts_model_free(m5);
	free(v4);
	free(v5);
	free(shuffled);
	free(pts);
	free(v);
}

/* a random walk: the block is written with its skill, but the analogues do not score */
static void
test_walk_not_used(void)
{
	double	   *v = malloc(N * sizeof(double));
	size_t		len;
	uint8_t    *bytes;
	an_ts_model *m = NULL;
	an_ts_context c;
	an_ts_anomaly a;

	rng_state = 4242;
	v[0] = 0;
	for (size_t i = 1; i < N; i++)
		v[i] = v[i - 1] + gauss();
	bytes = fit_values(v, N, true, true, 0, false, &len);
	CHECK(an_ts_model_load(bytes, len, &m) == AN_OK);
	CHECK(m->analog != NULL);
	CHECK(m->analog->skill >= 1);
	CHECK(!an_ts_analog_model_used(m->analog));
	CHECK(an_ts_context_init(&c, m) == AN_OK);
	CHECK(c.analog == NULL && an_ts_context_ahead(&c) == 0);
	for (size_t i = 0; i < 100; i++)
	{
		an_ts_context_push(&c, (int64_t) (N + i) * MIN_US, v[N - 1] + (double) i, &a);
		CHECK(isnan(a.analog_score));
	}
	printf("    random walk: skill %.3f\n", m->analog->skill);
	an_ts_context_free(&c);
	an_ts_model_free(m);
	free(bytes);
	free(v);
}

/*
 * The brute-force prediction of the row after past[0..span): every target t
 * of the kept rows x[0..n) (t >= span: the rows are regular and finite),
 * its squared distance to the delay vector, the mean of x[t] over the k
 * smallest (selection by repeated minimum; no ties in a chaotic series).
 */
static double
brute_prediction(const double *x, size_t n, const an_ts_analog_model *am, const double *past)
{
	size_t		span = an_ts_analog_model_span(am),
				nt = n - span;
	double	   *d = malloc(nt * sizeof(double)),
				sum = 0;

	for (size_t t = span; t < n; t++)
	{
		double		s = 0;

		for (size_t j = 0; j < am->dim; j++)
		{
			double		e = x[t - 1 - j * am->lag] - past[span - 1 - j * am->lag];

			s += e * e;
		}
		d[t - span] = s;
	}
	for (size_t r = 0; r < am->k; r++)
	{
		size_t		best = 0;

		for (size_t i = 1; i < nt; i++)
			if (d[i] < d[best])
				best = i;
		sum += x[best + span];
		d[best] = INFINITY;
	}
	free(d);
	return sum / (double) am->k;
}

/*
 * Scored rows: the map continued, a splice into another trajectory at row
 * 300 (each value still in the map's range), and a gap of five minutes at
 * row 600: the analog score of every row by brute force, NAN for the first
 * span rows and for span rows after the gap, and the splice found.
 */
static void
test_context_by_brute_force(void)
{
	size_t		scored = 800,
				len,
				span,
				since_break = 0,
				compared = 0;
	double	   *v = malloc((N + scored) * sizeof(double)),
			   *spliced = malloc(scored * sizeof(double)),
				before = 0,
				after = 0;
	uint8_t    *bytes;
	an_ts_model *m = NULL;
	an_ts_context c;

	logistic(v, N + scored, 0.3);
	logistic(spliced, scored, 0.71);
	for (size_t i = 300; i < scored; i++)
		v[N + i] = spliced[i];
	bytes = fit_values(v, N, true, true, 0, false, &len);
	CHECK(an_ts_model_load(bytes, len, &m) == AN_OK);
	CHECK(an_ts_context_init(&c, m) == AN_OK);
	CHECK(c.analog != NULL);
	span = an_ts_analog_model_span(m->analog);
	CHECK_EQ_INT(an_ts_context_ahead(&c), span + 1);
	CHECK_EQ_INT(m->discord->n, N);
	for (size_t i = 0; i < scored; i++)
	{
		int64_t		ts = (int64_t) (N + i + (i >= 600 ? 5 : 0)) * MIN_US;
		an_ts_anomaly a;

		if (i == 600)
			since_break = 0;
		an_ts_context_push(&c, ts, v[N + i], &a);
		if (since_break >= span)
		{
			double		want = fabs(v[N + i] - brute_prediction(m->discord->x, m->discord->n, m->analog,
																v + N + i - span)) / m->analog->edge;

			CHECK_NEAR(a.analog_score, want, 1e-12, 1e-12);
			compared++;
			if (i > 300 && i < 300 + span + 20)
				after = fmax(after, a.analog_score);
			else if (i < 300)
				before = fmax(before, a.analog_score);
		}
		else
			CHECK(isnan(a.analog_score));
		/* shape_score is the larger of the window's and the row's analog score */
		if (isnan(a.window_score))
			CHECK(a.shape_score == a.analog_score || (isnan(a.shape_score) && isnan(a.analog_score)));
		else
			CHECK(a.shape_score == (isnan(a.analog_score) ? a.window_score : fmax(a.window_score, a.analog_score)));
		since_break++;
	}
	CHECK_EQ_INT(compared, scored - 2 * span);
	/* the splice breaks the dynamics: far past the edge right after it, far above anything before */
	CHECK(after > 3);
	CHECK(after > 3 * before);
	printf("    largest analog score before the splice %.3f, after it %.3f\n", before, after);
	an_ts_context_free(&c);
	an_ts_model_free(m);
	free(bytes);
	free(spliced);
	free(v);
}

/* an infinite reading breaks the analogues as a gap does: no score for it and the span rows after it */
static void
test_infinite_value_breaks(void)
{
	double	   *v = malloc((N + 100) * sizeof(double));
	size_t		len,
				span;
	uint8_t    *bytes;
	an_ts_model *m = NULL;
	an_ts_context c;

	logistic(v, N + 100, 0.3);
	bytes = fit_values(v, N, true, true, 0, false, &len);
	CHECK(an_ts_model_load(bytes, len, &m) == AN_OK);
	CHECK(an_ts_context_init(&c, m) == AN_OK);
	span = an_ts_analog_model_span(m->analog);
	for (size_t i = 0; i < 100; i++)
	{
		an_ts_anomaly a;
		double		x = i == 50 ? INFINITY : v[N + i];

		an_ts_context_push(&c, (int64_t) (N + i) * MIN_US, x, &a);
		if (i < span || (i >= 50 && i <= 50 + span))
			CHECK(isnan(a.analog_score));
		else
			CHECK(isfinite(a.analog_score) && a.analog_score >= 0);
		if (i == 50)
			CHECK(isinf(a.score));	/* the point score of an infinite value */
	}
	an_ts_context_free(&c);
	an_ts_model_free(m);
	free(bytes);
	free(v);
}

static void
test_block_validation(void)
{
	double	   *v = malloc(N * sizeof(double));
	size_t		len,
				plen,
				block;
	uint8_t    *bytes;
	an_ts_model *m = NULL;
	static const struct
	{
		size_t		pos;
		uint32_t	u;
	}			bad_u32[] = {
		{0, 0}, {0, AN_ANALOG_MAX_DIM + 1}, {4, 0}, {4, AN_ANALOG_MAX_LAG + 1}, {8, 0},
		{8, AN_ANALOG_MAX_K + 1}, {12, 1}
	};
	static const struct
	{
		size_t		pos;
		double		f;
	}			bad_f64[] = {
		{16, 0}, {16, -1}, {16, NAN}, {16, INFINITY}, {24, -1}, {24, NAN}, {32, -0.5}, {32, INFINITY}
	};
	static const uint32_t span_too_long[2] = {AN_ANALOG_MAX_DIM, AN_ANALOG_MAX_LAG};
	uint32_t	u;

	logistic(v, N, 0.3);
	bytes = fit_values(v, N, true, true, 200, false, &len);
	plen = len - AN_MODEL_HEADER_SIZE;
	block = plen - BLOCK_BYTES;
	CHECK(an_ts_model_load(bytes, len, &m) == AN_OK);
	CHECK(m->analog != NULL && m->discord->n == 200);
	an_ts_model_free(m);
	/* every truncation of the block is refused; without it, as version 4, it is the discord model */
	m = unit_check_block_cuts(bytes, len, block, 5);
	CHECK(m != NULL && m->analog == NULL && m->discord != NULL);
	an_ts_model_free(m);
	for (size_t i = 0; i < sizeof(bad_u32) / sizeof(bad_u32[0]); i++)
		CHECK(unit_load_patched(bytes, len, block + bad_u32[i].pos, &bad_u32[i].u, 4, 5) == AN_ECORRUPT);
	for (size_t i = 0; i < sizeof(bad_f64) / sizeof(bad_f64[0]); i++)
		CHECK(unit_load_patched(bytes, len, block + bad_f64[i].pos, &bad_f64[i].f, 8, 5) == AN_ECORRUPT);
	/* a span the 200 kept rows cannot give targets for: dim 16, lag 64 */
	CHECK(unit_load_patched(bytes, len, block, span_too_long, sizeof(span_too_long), 5) == AN_ECORRUPT);
	/* a valid change is accepted (the patching itself is sound) */
	u = 3;
	CHECK(unit_load_patched(bytes, len, block, &u, 4, 5) == AN_OK);
	free(bytes);
	free(v);
}

int
main(void)
{
	RUN(test_fit_block);
	RUN(test_walk_not_used);
	RUN(test_context_by_brute_force);
	RUN(test_infinite_value_breaks);
	RUN(test_block_validation);
	UNIT_EXIT();
}
