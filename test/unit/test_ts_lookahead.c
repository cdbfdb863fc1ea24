/*
 * test_ts_lookahead.c: shape scores attributed to every row of their window
 * (ts_lookahead.h): against the definition computed directly (the mean of
 * the finite window scores of the rows t .. t + w - 1 of the same model,
 * that of the finite analog scores of the rows t .. t + ahead - 1, the
 * larger of the two) over random rows with NaN scores, model changes,
 * windows and aheads of 0, 1 and several rows and the end of the series;
 * completeness (nothing taken
 * before the w-th row, a row of another model, or the end); bad windows and
 * the row bound; and, on a fitted model, a distorted cycle scored from its
 * first row instead of up to w - 1 rows after it.
 */
#include <string.h>

#include "core/ts/ts_context.h"
#include "core/ts/ts_lookahead.h"
#include "core/ts/ts_model.h"
#include "test_random.h"
#include "test_ts_fit.h"
#include "unit.h"

#define ROWS 3000

typedef struct row_in
{
	an_ts_anomaly a;
	uint32_t	epoch;
	size_t		w;
	size_t		ahead;
} row_in;

/* The mean of the finite window (or analog) scores of rows t .. t + len - 1 of t's model. */
static double
direct_mean(const row_in *rows, size_t n, size_t t, size_t len, bool analog)
{
	double		sum = 0;
	size_t		k = 0;

	for (size_t s = t; s < n && s < t + len && rows[s].epoch == rows[t].epoch; s++)
	{
		double		v = analog ? rows[s].a.analog_score : rows[s].a.window_score;

		if (!isnan(v))
		{
			sum += v;
			k++;
		}
	}
	return k ? sum / (double) k : NAN;
}

/* The attributed shape score of row t, from the definition. */
static double
direct_shape(const row_in *rows, size_t n, size_t t)
{
	double		win = direct_mean(rows, n, t, rows[t].w, false),
				ana = direct_mean(rows, n, t, rows[t].ahead, true);

	if (isnan(win))
		return ana;
	return isnan(ana) || win > ana ? win : ana;
}

/* The rows through the queue as the window function drives it: add until the oldest is complete, take. */
static size_t
drive(an_ts_lookahead *q, const row_in *rows, size_t n, an_ts_anomaly *out, int64_t *tags)
{
	size_t		next = 0,
				taken = 0;

	while (taken < n)
	{
		an_ts_anomaly a;
		int64_t		tag;

		if (an_ts_lookahead_take(q, next == n, &a, &tag))
		{
			out[taken] = a;
			tags[taken++] = tag;
			continue;
		}
		if (next == n)
			break;				/* empty queue at the end: a failure below */
		CHECK(an_ts_lookahead_add(q, &rows[next].a, (int64_t) next, rows[next].epoch, rows[next].w,
								  rows[next].ahead) == AN_OK);
		next++;
		CHECK(q->n <= AN_SHAPE_MAX_WINDOW + 1);
	}
	return taken;
}

static void
test_matches_definition(void)
{
	static const size_t windows[] = {0, 1, 7, 50, AN_SHAPE_MAX_WINDOW};
	static const size_t aheads[] = {0, 0, 1, 5, 34, 962};
	row_in	   *rows = malloc(ROWS * sizeof(row_in));
	an_ts_anomaly *out = malloc(ROWS * sizeof(an_ts_anomaly));
	int64_t    *tags = malloc(ROWS * sizeof(int64_t));
	an_ts_lookahead q;
	uint32_t	epoch = 0;
	size_t		w = 7,
				ahead = 0,
				checked = 0;

	rng_state = 1234567;
	for (size_t i = 0; i < ROWS; i++)
	{
		if (i == 0 || uniform01() < 0.004)
		{
			epoch++;
			w = windows[(size_t) (uniform01() * 5) % 5];
			ahead = aheads[(size_t) (uniform01() * 6) % 6];
		}
		memset(&rows[i].a, 0, sizeof(an_ts_anomaly));
		rows[i].a.point.score = 2 * uniform01();
		rows[i].a.point.expected = (double) i;
		rows[i].a.shift_score = uniform01();
		rows[i].a.window_score = uniform01() < 0.2 ? NAN : 3 * uniform01();
		rows[i].a.analog_score = uniform01() < 0.2 ? NAN : 3 * uniform01();
		rows[i].epoch = epoch;
		rows[i].w = w;
		rows[i].ahead = ahead;
	}
	CHECK(epoch > 5);
	CHECK(an_ts_lookahead_init(&q, 7) == AN_OK);
	CHECK_EQ_INT(drive(&q, rows, ROWS, out, tags), ROWS);
	for (size_t t = 0; t < ROWS; t++)
	{
		double		want = direct_shape(rows, ROWS, t),
					score = isnan(want) || rows[t].a.point.score > want ? rows[t].a.point.score : want;

		CHECK_EQ_INT(tags[t], t);
		CHECK_NEAR(out[t].shape_score, want, 1e-14, 0);
		CHECK_NEAR(out[t].window_score, direct_mean(rows, ROWS, t, rows[t].w, false), 1e-14, 0);
		CHECK_NEAR(out[t].analog_score, direct_mean(rows, ROWS, t, rows[t].ahead, true), 1e-14, 0);
		CHECK_NEAR(out[t].score, score, 1e-14, 0);
		CHECK(out[t].is_anomaly == (score > 1));
		/* the row's own parts */
		CHECK(out[t].point.score == rows[t].a.point.score && out[t].point.expected == (double) t);
		CHECK(out[t].shift_score == rows[t].a.shift_score);
		checked++;
	}
	CHECK(checked == ROWS);
	/* reset: empty, usable again */
	an_ts_lookahead_reset(&q);
	CHECK(q.n == 0 && !an_ts_lookahead_take(&q, true, out, NULL));
	an_ts_lookahead_free(&q);
	free(rows);
	free(out);
	free(tags);
}

static void
test_completeness_and_bounds(void)
{
	an_ts_lookahead q;
	an_ts_anomaly a,
				o;
	int64_t		tag = -1;

	memset(&a, 0, sizeof(a));
	a.point.score = 0.5;
	a.analog_score = NAN;
	CHECK(an_ts_lookahead_init(&q, AN_SHAPE_MAX_WINDOW + 1) == AN_EINVAL);
	CHECK(an_ts_lookahead_init(&q, 3) == AN_OK);
	CHECK(!an_ts_lookahead_take(&q, false, &o, &tag));
	CHECK(!an_ts_lookahead_take(&q, true, &o, &tag));	/* empty even at the end */
	for (int i = 0; i < 3; i++)
	{
		a.window_score = i == 1 ? NAN : 1.0 + i;
		CHECK(!an_ts_lookahead_take(&q, false, &o, &tag));	/* fewer than w rows so far */
		CHECK(an_ts_lookahead_add(&q, &a, 10 + i, 1, 3, 0) == AN_OK);
	}
	CHECK_EQ_INT(an_ts_lookahead_head_tag(&q), 10);
	CHECK(an_ts_lookahead_take(&q, false, &o, &tag));
	CHECK_EQ_INT(tag, 10);
	CHECK_NEAR(o.shape_score, 2.0, 0, 0);	/* (1 + 3) / 2: the NaN left out */
	CHECK(o.score == 2.0 && o.is_anomaly);
	CHECK(!an_ts_lookahead_take(&q, false, &o, &tag));	/* row 11 has two of its three */
	/* a row of another model completes rows 11 and 12 */
	a.window_score = 100;
	CHECK(an_ts_lookahead_add(&q, &a, 13, 2, 3, 0) == AN_OK);
	CHECK(an_ts_lookahead_take(&q, false, &o, &tag) && tag == 11);
	CHECK_NEAR(o.shape_score, 3.0, 0, 0);
	CHECK(an_ts_lookahead_take(&q, false, &o, &tag) && tag == 12);
	CHECK_NEAR(o.shape_score, 3.0, 0, 0);
	CHECK(!an_ts_lookahead_take(&q, false, &o, &tag));
	CHECK(an_ts_lookahead_take(&q, true, &o, &tag) && tag == 13);	/* the end */
	CHECK_NEAR(o.shape_score, 100, 0, 0);
	/* a window above the largest, and the row bound */
	CHECK(an_ts_lookahead_add(&q, &a, 0, 3, AN_SHAPE_MAX_WINDOW + 1, 0) == AN_EINVAL);
	CHECK(an_ts_lookahead_add(&q, &a, 0, 3, 0, AN_SHAPE_MAX_WINDOW + 1) == AN_EINVAL);
	for (size_t i = 0; i < AN_LOOKAHEAD_MAX_ROWS; i++)
		CHECK(an_ts_lookahead_add(&q, &a, (int64_t) i, 3, AN_SHAPE_MAX_WINDOW, 0) == AN_OK);
	CHECK(an_ts_lookahead_add(&q, &a, 0, 3, AN_SHAPE_MAX_WINDOW, 0) == AN_ETOOMANY);
	CHECK_EQ_INT(q.n, AN_LOOKAHEAD_MAX_ROWS);
	CHECK_EQ_INT(an_ts_lookahead_head_tag(&q), 0);
	an_ts_lookahead_free(&q);
}

#define P 50
#define MIN_US 60000000LL

/*
 * A fitted cycle with one wobbling cycle among the scored rows (a faster
 * ripple inside the band): the attributed shape score is higher than the
 * causal one at the ripple's first row and lower half a window after it, and
 * its largest value lies inside the ripple, where the causal one's lies at
 * its end or after it.
 */
static void
test_distorted_cycle(void)
{
	size_t		n = 40 * P,
				m_rows = 8 * P,
				bad = 5 * P + 3,
				top_causal = P,
				top_att = P;
	an_point   *pts = unit_points_every(n, MIN_US);
	an_ts_options o;
	an_ts_model *m;
	an_ts_context c;
	an_ts_lookahead q;
	an_ts_anomaly *causal = malloc(m_rows * sizeof(an_ts_anomaly));
	an_ts_anomaly *att = malloc(m_rows * sizeof(an_ts_anomaly));
	size_t		taken = 0;

	rng_state = 99;
	for (size_t i = 0; i < n; i++)
		pts[i].value = 10 * sin(2 * PI * (double) i / P) + 2 * (uniform01() - 0.5);
	an_ts_options_default(&o);
	o.shape = true;
	m = unit_ts_fit(pts, n, &o, NULL, NULL);
	CHECK(m != NULL && m->shape != NULL && m->shape->w == P);
	CHECK(an_ts_context_init(&c, m) == AN_OK);
	CHECK(an_ts_lookahead_init(&q, m->shape->w) == AN_OK);
	for (size_t i = 0; i < m_rows; i++)
	{
		double		v = 10 * sin(2 * PI * (double) (n + i) / P) + 2 * (uniform01() - 0.5);
		an_ts_anomaly a;

		if (i >= bad && i < bad + P)
			v += 3 * sin(2 * PI * 5 * (double) (i - bad) / P);
		an_ts_context_push(&c, (int64_t) (n + i) * MIN_US, v, &causal[i]);
		CHECK(an_ts_lookahead_add(&q, &causal[i], (int64_t) i, 1, m->shape->w, 0) == AN_OK);
		while (an_ts_lookahead_take(&q, i + 1 == m_rows, &a, NULL))
			att[taken++] = a;
	}
	CHECK_EQ_INT(taken, m_rows);
	for (size_t i = P + 1; i < m_rows; i++)
	{
		if (causal[i].shape_score > causal[top_causal].shape_score)
			top_causal = i;
		if (att[i].shape_score > att[top_att].shape_score)
			top_att = i;
	}
	CHECK(att[bad].shape_score > causal[bad].shape_score);
	CHECK(att[bad + P + P / 2].shape_score < causal[bad + P + P / 2].shape_score);
	CHECK(top_att >= bad && top_att < bad + P);
	CHECK(top_causal >= bad + P / 2);
	CHECK(att[top_att].score > 1);
	printf("    ripple at rows %zu..%zu: largest causal shape score %.3f at %zu, attributed %.3f at %zu\n",
		   bad, bad + P - 1, causal[top_causal].shape_score, top_causal, att[top_att].shape_score, top_att);
	an_ts_lookahead_free(&q);
	an_ts_context_free(&c);
	an_ts_model_free(m);
	free(pts);
	free(causal);
	free(att);
}

int
main(void)
{
	RUN(test_matches_definition);
	RUN(test_completeness_and_bounds);
	RUN(test_distorted_cycle);
	UNIT_EXIT();
}
