/*
 * test_ts_discord_model.c: the discord component of the time-series models
 * (src/core/ts/ts_discord_model.h).  The streamed distances are compared
 * with the batch AB-join of ts_discord.h over the same rows (itself checked
 * against a brute-force computation in test_ts_discord.c); the block with
 * the rows it keeps, its calibration, every truncation and corrupt fields;
 * the model bytes with and without the option and in any input order.
 */
#include <float.h>

#include "core/model_format.h"
#include "core/sort.h"
#include "core/ts/ts_context.h"
#include "core/ts/ts_discord.h"
#include "core/ts/ts_discord_model.h"
#include "core/ts/ts_model.h"
#include "core/ts/ts_shape.h"
#include "test_ts_sine.h"
#include "unit.h"

#define REL_TOL 1e-9
#define ABS_TOL 1e-6
#define MIN_US UNIT_SINE_STEP_US

/* a sine of period p with noise, a level and (flat > 0) a constant stretch of flat rows from flat_at */
static void
make_series(double *x, size_t n, double p, double level, size_t flat_at, size_t flat)
{
	for (size_t i = 0; i < n; i++)
		x[i] = level + 10 * sin(2 * PI * (double) i / p) + (uniform01() - 0.5);
	for (size_t i = flat_at; i < flat_at + flat && i < n; i++)
		x[i] = level + 3;
}

static an_ts_discord_model *
model_of(const double *a, size_t na, size_t w, int64_t t0)
{
	an_point   *pts = malloc(na * sizeof(an_point));
	an_ts_discord_model *d = NULL;

	for (size_t i = 0; i < na; i++)
	{
		pts[i].ts = t0 + (int64_t) i * MIN_US;
		pts[i].value = a[i];
	}
	CHECK(an_ts_discord_model_fit(pts, na, w, AN_DISCORD_MAX_ROWS, &d) == AN_OK);
	CHECK(d != NULL);
	free(pts);
	return d;
}

/*
 * Streams b[0..nb) (timestamps from tb0) against the model of a (from
 * ta0) and compares with the batch join of the same rows, the overlapping
 * windows excluded as the timestamps say (b_offset, exclusion).
 */
static void
stream_vs_join(const double *a, size_t na, int64_t ta0, const double *b, size_t nb, int64_t tb0, size_t w)
{
	an_ts_discord_model *d = model_of(a, na, w, ta0);
	an_ts_discord_stream s;
	double	   *want = malloc(nb * sizeof(double));
	int64_t		off = (tb0 - ta0) / MIN_US;
	bool		overlap = off < (int64_t) na && off + (int64_t) nb > 0;
	double		floor,
				edge;

	if (d == NULL)
		return;
	CHECK(an_ts_discord_floor(a, na, w, &floor) == AN_OK);
	CHECK(an_ts_discord_edge(a, na, w, floor, &edge) == AN_OK);
	CHECK(d->floor == floor);
	CHECK(d->edge == edge);
	CHECK(an_ts_discord_join(a, na, b, nb, w, floor, overlap ? off : 0, overlap ? w : 0, want) == AN_OK);
	CHECK(an_ts_discord_stream_init(&s, d) == AN_OK);
	for (size_t j = 0; j < nb; j++)
	{
		double		got = an_ts_discord_stream_push(&s, tb0 + (int64_t) j * MIN_US, b[j]);

		if (j + 1 < w)
			CHECK(isnan(got));
		else
			CHECK_NEAR(got, want[j + 1 - w], REL_TOL, ABS_TOL);
	}
	an_ts_discord_stream_free(&s);
	an_ts_discord_model_free(d);
	free(want);
}

static void
test_stream_matches_join(void)
{
	size_t		na = 700,
				nb = 900;
	double	   *a = malloc(na * sizeof(double)),
			   *b = malloc(nb * sizeof(double));
	size_t		windows[] = {4, 16, 37};

	for (size_t k = 0; k < sizeof(windows) / sizeof(windows[0]); k++)
	{
		size_t		w = windows[k];

		/* after the training rows; a constant stretch in the test; a different period */
		make_series(a, na, 50, 0, 0, 0);
		make_series(b, nb, 50, 0, 300, 2 * w);
		stream_vs_join(a, na, 0, b, nb, (int64_t) (na + 5) * MIN_US, w);
		make_series(b, nb, 31, 0, 0, 0);
		stream_vs_join(a, na, 0, b, nb, (int64_t) na * MIN_US, w);
		/* at a level of a million, a constant stretch in training too */
		make_series(a, na, 50, 1e6, 100, 3 * w);
		make_series(b, nb, 50, 1e6, 0, 0);
		stream_vs_join(a, na, 0, b, nb, (int64_t) na * MIN_US, w);
	}
	free(a);
	free(b);
}

/* a test stretch that starts inside the training rows: windows that share a row are skipped */
static void
test_stream_skips_overlap(void)
{
	size_t		na = 600,
				nb = 400,
				w = 20;
	double	   *x = malloc((na + nb) * sizeof(double));

	make_series(x, na + nb, 40, 5, 0, 0);
	/* the last 150 training rows and 250 new ones; then training rows alone (every window skips itself) */
	stream_vs_join(x, na, 0, x + na - 150, nb, (int64_t) (na - 150) * MIN_US, w);
	stream_vs_join(x, na, 0, x + 100, 300, 100 * MIN_US, w);
	free(x);
}

/* after a reset the distances are those of the rows since */
static void
test_stream_reset(void)
{
	size_t		na = 500,
				nb = 300,
				w = 12;
	double	   *a = malloc(na * sizeof(double)),
			   *b = malloc(nb * sizeof(double)),
			   *want = malloc(nb * sizeof(double));
	an_ts_discord_model *d;
	an_ts_discord_stream s;
	int64_t		t0 = (int64_t) (na + 10) * MIN_US;

	make_series(a, na, 25, 0, 0, 0);
	make_series(b, nb, 25, 0, 0, 0);
	d = model_of(a, na, w, 0);
	CHECK(an_ts_discord_join(a, na, b + 100, nb - 100, w, d->floor, 0, 0, want) == AN_OK);
	CHECK(an_ts_discord_stream_init(&s, d) == AN_OK);
	for (size_t j = 0; j < 100; j++)
		(void) an_ts_discord_stream_push(&s, t0 + (int64_t) j * MIN_US, b[j] + 1000);
	an_ts_discord_stream_reset(&s);
	for (size_t j = 100; j < nb; j++)
	{
		double		got = an_ts_discord_stream_push(&s, t0 + (int64_t) j * MIN_US, b[j]);

		if (j - 100 + 1 < w)
			CHECK(isnan(got));
		else
			CHECK_NEAR(got, want[j - 100 + 1 - w], REL_TOL, ABS_TOL);
	}
	an_ts_discord_stream_free(&s);
	an_ts_discord_model_free(d);
	free(a);
	free(b);
	free(want);
}

#define N 3000
#define P 50

static uint8_t *
fit_sine(bool discord, int rows, bool shuffle, size_t *len)
{
	an_ts_options o;

	an_ts_options_default(&o);
	o.shape = true;
	o.discord = discord;
	o.discord_rows = rows;
	return unit_fit_sine(N, P, &o, shuffle, len);
}

static void
test_fit_block(void)
{
	size_t		len3,
				len4,
				len_shuffled,
				len500;
	uint8_t    *v3 = fit_sine(false, 0, false, &len3),
			   *v4 = fit_sine(true, 0, false, &len4),
			   *shuffled = fit_sine(true, 0, true, &len_shuffled),
			   *v500 = fit_sine(true, 500, false, &len500);
	an_ts_model *m3 = NULL,
			   *m4 = NULL,
			   *m500 = NULL;
	double		floor,
				edge;

	CHECK(an_ts_model_load(v3, len3, &m3) == AN_OK);
	CHECK(an_ts_model_load(v4, len4, &m4) == AN_OK);
	CHECK(an_ts_model_load(v500, len500, &m500) == AN_OK);
	CHECK_EQ_INT(m3->format_version, 3);
	CHECK(m3->discord == NULL);
	CHECK_EQ_INT(m4->format_version, 4);
	/* the payload of the shape-only model, then the discord block */
	CHECK(len4 == len3 + 4 + 4 + 8 + 8 + (size_t) N * 16);
	CHECK(memcmp(v3 + AN_MODEL_HEADER_SIZE, v4 + AN_MODEL_HEADER_SIZE, len3 - AN_MODEL_HEADER_SIZE) == 0);
	/* the bytes do not depend on the order of the input */
	CHECK(len_shuffled == len4 && memcmp(shuffled, v4, len4) == 0);
	/* all N rows kept by default (N < 16384), the last 500 with discord_rows 500 */
	CHECK_EQ_INT(m4->discord->n, N);
	CHECK_EQ_INT(m4->discord->w, m4->shape->w);
	CHECK_EQ_INT(m500->discord->n, 500);
	CHECK(m500->discord->ts[0] == (int64_t) (N - 500) * MIN_US);
	CHECK(m500->discord->x[499] == m4->discord->x[N - 1]);
	CHECK(an_ts_discord_floor(m500->discord->x, 500, m500->discord->w, &floor) == AN_OK);
	CHECK(an_ts_discord_edge(m500->discord->x, 500, m500->discord->w, floor, &edge) == AN_OK);
	CHECK(m500->discord->floor == floor && m500->discord->edge == edge);
	an_ts_model_free(m3);
	an_ts_model_free(m4);
	an_ts_model_free(m500);
	free(v3);
	free(v4);
	free(shuffled);
	free(v500);
}

/* ts_anomaly's context: shape_score is the larger of the reference score and the discord's */
static void
test_context_takes_the_larger(void)
{
	size_t		len;
	uint8_t    *bytes = fit_sine(true, 0, false, &len);
	an_ts_model *m = NULL;
	an_ts_context c;
	an_ts_discord_stream s;
	double	   *ring;
	double		worst_gap = 0;
	int			discord_won = 0;

	CHECK(an_ts_model_load(bytes, len, &m) == AN_OK);
	CHECK(an_ts_context_init(&c, m) == AN_OK);
	CHECK(an_ts_discord_stream_init(&s, m->discord) == AN_OK);
	ring = malloc(m->shape->w * sizeof(double));
	rng_state = 12345;
	for (size_t i = 0; i < 1000; i++)
	{
		int64_t		ts = (int64_t) (N + i) * MIN_US;
		/* a cycle of the wrong shape from row 400 to 450 */
		double		v = i >= 400 && i < 450 ? 10 * sin(4 * PI * (double) i / P) :
			10 * sin(2 * PI * (double) i / P) + (uniform01() - 0.5);
		an_ts_anomaly a;
		double		disc = an_ts_discord_stream_push(&s, ts, v) / m->discord->edge;

		an_ts_context_push(&c, ts, v, &a);
		if (i + 1 >= m->shape->w)
		{
			double		ref,
					   *scratch = malloc((m->shape->w + m->shape->k) * sizeof(double));

			for (size_t t = 0; t < m->shape->w; t++)
				ring[t] = c.ring[c.pos + t];
			ref = an_ts_shape_distance(m->shape, ring, scratch) / m->shape->edge;
			free(scratch);
			CHECK(a.shape_score == fmax(ref, disc));
			discord_won += disc > ref;
			if (i >= 400 && i < 450 + m->shape->w)
				worst_gap = fmax(worst_gap, a.shape_score);
		}
		else
			CHECK(isnan(a.shape_score));
	}
	/* the wrong cycle is found, and the discord decides some windows */
	CHECK(worst_gap > 1);
	CHECK(discord_won > 0);
	free(ring);
	an_ts_discord_stream_free(&s);
	an_ts_context_free(&c);
	an_ts_model_free(m);
	free(bytes);
}

static void
test_block_validation(void)
{
	size_t		len;
	uint8_t    *bytes = fit_sine(true, 200, false, &len);
	size_t		plen = len - AN_MODEL_HEADER_SIZE,
				block = plen - (4 + 4 + 8 + 8 + (size_t) 200 * 16);
	an_ts_model *m = NULL;
	uint32_t	u;
	int64_t		t;
	double		f;

	/*
	 * every truncation is refused, so is the block cut off as a version 4;
	 * without it, as version 3, it is the shape-only model
	 */
	m = unit_check_block_cuts(bytes, len, block, 4);
	CHECK(m != NULL && m->discord == NULL && m->shape != NULL);
	an_ts_model_free(m);
	/* a window other than the shape's, too few rows for it, too many rows, decreasing timestamps, a NaN */
	u = 9;
	CHECK(unit_load_patched(bytes, len, block, &u, 4, 4) == AN_ECORRUPT);
	u = 2048;
	CHECK(unit_load_patched(bytes, len, block, &u, 4, 4) == AN_ECORRUPT);
	u = 20;
	CHECK(unit_load_patched(bytes, len, block + 4, &u, 4, 4) == AN_ECORRUPT);
	u = 0xFFFFFFFFu;
	CHECK(unit_load_patched(bytes, len, block + 4, &u, 4, 4) == AN_ECORRUPT);
	t = INT64_MAX;
	CHECK(unit_load_patched(bytes, len, block + 24, &t, 8, 4) == AN_ECORRUPT);
	f = NAN;
	CHECK(unit_load_patched(bytes, len, block + 24 + 200 * 8, &f, 8, 4) != AN_OK);
	f = -1;
	CHECK(unit_load_patched(bytes, len, block + 16, &f, 8, 4) == AN_ECORRUPT);
	free(bytes);
}

int
main(void)
{
	RUN(test_stream_matches_join);
	RUN(test_stream_skips_overlap);
	RUN(test_stream_reset);
	RUN(test_fit_block);
	RUN(test_context_takes_the_larger);
	RUN(test_block_validation);
	UNIT_EXIT();
}
