/*
 * test_ts_analog.c: the method of analogues (ts_analog.h), against values
 * computed independently here: the delay rule on a sinusoid (known
 * autocorrelation cos(2 pi k / P)); the nearest neighbours and their mean
 * by brute force on noise, absolute and relative coordinates, and on
 * values full of exact ties (bit for bit); the local
 * linear prediction on a linear oscillator (whose next value is an exact
 * linear function of the last two); the edge of a noise-free periodic
 * series (its floor, from the spread of the targets computed by hand) and
 * the score of a displaced row; the usable targets around a gap; the cases
 * without a fit; the skill and the reach against a leave-one-out by brute
 * force.
 */
#include <string.h>

#include "core/ts/ts_analog.h"
#include "core/ts/ts_shape.h"
#include "test_random.h"
#include "unit.h"

#define MIN_US 60000000LL

static an_point *
points(const double *v, size_t n)
{
	an_point   *pts = malloc(n * sizeof(an_point));

	for (size_t i = 0; i < n; i++)
	{
		pts[i].ts = (int64_t) i * MIN_US;
		pts[i].value = v[i];
	}
	return pts;
}

static void
test_lag_rule(void)
{
	size_t		n = 42 * 100;
	double	   *v = malloc(n * sizeof(double));
	size_t		lag;

	/* acf(k) = cos(2 pi k / 42): 0.075 at 10, -0.075 at 11; 0.623 at 6, 0.5 at 7 */
	for (size_t i = 0; i < n; i++)
		v[i] = 3 + 2 * sin(2 * PI * (double) i / 42);
	CHECK(an_ts_acf_first_below(v, n, 256, 0, &lag));
	CHECK_EQ_INT(lag, 11);
	CHECK(an_ts_acf_first_below(v, n, 256, 0.6, &lag));
	CHECK_EQ_INT(lag, 7);
	/* never below -2: the largest lag searched */
	CHECK(an_ts_acf_first_below(v, n, 30, -2, &lag));
	CHECK_EQ_INT(lag, 30);
	/* at most a third of the values */
	CHECK(an_ts_acf_first_below(v, 60, 256, -2, &lag));
	CHECK_EQ_INT(lag, 20);
	CHECK_EQ_INT(an_ts_analog_lag(v, n, 0, 1), 11);
	CHECK_EQ_INT(an_ts_analog_lag(v, n, 0, 0.5), 6);	/* 5.5 rounded away from zero */
	CHECK_EQ_INT(an_ts_analog_lag(v, n, 0, 0.01), 1);
	CHECK_EQ_INT(an_ts_analog_lag(v, n, 0, 100), AN_ANALOG_MAX_LAG);
	CHECK_EQ_INT(an_ts_analog_lag(v, 3, 0, 1), 0);
	CHECK_EQ_INT(an_ts_analog_span(4, 11), 34);
	free(v);
}

/*
 * Keep the k smallest distances seen so far in bestd[0..*found), ascending,
 * with their values in besty; a tie keeps the earlier one first.
 */
static void
keep_nearest(double *bestd, double *besty, size_t *found, size_t k, double d, double y)
{
	size_t		p;

	if (*found == k && d >= bestd[k - 1])
		return;
	p = *found < k ? (*found)++ : k - 1;
	while (p > 0 && bestd[p - 1] > d)
	{
		bestd[p] = bestd[p - 1];
		besty[p] = besty[p - 1];
		p--;
	}
	bestd[p] = d;
	besty[p] = y;
}

/* the mean next value (relative: next change) of the k nearest targets of the row after past, by brute force */
static double
brute_predict(const double *x, size_t n, size_t dim, size_t lag, size_t k, int relative, const double *past,
			  size_t span)
{
	double		bestd[16],
				besty[16];
	size_t		found = 0;
	double		q[16],
				sum = 0;

	for (size_t j = 0; j < dim; j++)
	{
		double		last = past[span - 1];

		q[j] = !relative ? past[span - 1 - j * lag] :
			(j == 0 ? last - past[span - 2] : last - past[span - 1 - j * lag]);
	}
	for (size_t t = span; t < n; t++)
	{
		double		d = 0,
					y = relative ? x[t] - x[t - 1] : x[t];

		for (size_t j = 0; j < dim; j++)
		{
			double		last = x[t - 1],
						c = !relative ? x[t - 1 - j * lag] :
				(j == 0 ? last - x[t - 2] : last - x[t - 1 - j * lag]);

			d += (c - q[j]) * (c - q[j]);
		}
		keep_nearest(bestd, besty, &found, k, d, y);
	}
	for (size_t i = 0; i < found; i++)
		sum += besty[i];
	return (relative ? past[span - 1] : 0) + sum / (double) found;
}

/*
 * Fit on v (points pts) and compare predictions and scores of queries drawn
 * by draw with the brute-force neighbours, within tol (0: bit for bit).
 */
static void
check_against_brute(const double *v, const an_point *pts, size_t n, size_t dim, size_t lag, size_t k, int relative,
					double (*draw) (void), double tol)
{
	an_ts_analog *a = NULL;
	size_t		span = an_ts_analog_span(dim, lag);
	double		past[64];

	CHECK_EQ_INT(an_ts_analog_fit(pts, n, MIN_US, dim, lag, k, false, relative, &a), AN_OK);
	CHECK(a != NULL);
	if (a == NULL)
		return;
	CHECK_EQ_INT(a->n, n);
	CHECK_EQ_INT(a->ntargets, n - span);
	CHECK(a->edge > 0);
	for (int trial = 0; trial < 20; trial++)
	{
		double		expect,
					x = draw();

		for (size_t i = 0; i < span; i++)
			past[i] = draw();
		expect = brute_predict(v, n, dim, lag, k, relative, past, span);
		CHECK_NEAR(an_ts_analog_predict(a, past, 0, 0), expect, tol, tol);
		CHECK_NEAR(an_ts_analog_score(a, past, x), fabs(x - expect) / a->edge, tol, tol);
	}
	/* skipping every target leaves nothing to predict from */
	CHECK(isnan(an_ts_analog_predict(a, past, 0, n)));
	an_ts_analog_free(a);
}

/* 0, 1 or 2, equally likely */
static double
trit(void)
{
	return (double) (int) (3 * uniform01());
}

/*
 * On noise (AR(1)), within 1e-12; and on values full of exact ties (from
 * {0, 1, 2}), bit for bit: the search visits targets out of time order and
 * must still keep the earlier of equal distances, as the time-order scan.
 */
static void
test_neighbours_by_brute_force(void)
{
	size_t		n = 700;
	double	   *v = malloc(n * sizeof(double));

	for (int ties = 0; ties <= 1; ties++)
	{
		an_point   *pts;

		rng_state = ties ? 4242 : 12345;
		for (size_t i = 0; i < n; i++)
			v[i] = ties ? trit() : (i > 0 ? 0.5 * v[i - 1] : 0) + gauss();
		pts = points(v, n);
		for (int relative = 0; relative <= 1; relative++)
			for (size_t k = 1; k <= 16; k += 5)
				check_against_brute(v, pts, n, ties ? 2 + (size_t) relative : 3, ties ? 1 + (size_t) relative : 2, k,
									relative, ties ? trit : gauss, ties ? 0 : 1e-12);
		free(pts);
	}
	free(v);
}

static void
test_local_linear(void)
{
	size_t		n = 3000;
	double	   *v = malloc(n * sizeof(double)),
				w = 2 * PI / (37 + sqrt(0.1)),
				past[2];
	an_point   *pts;
	an_ts_analog *lin = NULL,
			   *mean = NULL;
	double		worst_lin = 0,
				worst_mean = 0;

	/*
	 * x[t] = 2 cos(w) x[t - 1] - x[t - 2]: the next value is linear in the last
	 * two (an irrational period, so that no state repeats exactly)
	 */
	for (size_t i = 0; i < n; i++)
		v[i] = 5 * sin(w * (double) i + 0.3);
	pts = points(v, n);
	CHECK_EQ_INT(an_ts_analog_fit(pts, n, MIN_US, 2, 1, 8, true, false, &lin), AN_OK);
	CHECK_EQ_INT(an_ts_analog_fit(pts, n, MIN_US, 2, 1, 8, false, false, &mean), AN_OK);
	CHECK(lin != NULL && mean != NULL);
	if (lin != NULL && mean != NULL)
	{
		for (int trial = 0; trial < 50; trial++)
		{
			double		phase = 2 * PI * uniform01(),
						expect;

			past[0] = 5 * sin(phase);
			past[1] = 5 * sin(phase + w);
			expect = 5 * sin(phase + 2 * w);
			worst_lin = fmax(worst_lin, fabs(an_ts_analog_predict(lin, past, 0, 0) - expect));
			worst_mean = fmax(worst_mean, fabs(an_ts_analog_predict(mean, past, 0, 0) - expect));
		}
		/* the ridge (1e-3 of the spread) biases the slopes a little; the mean is off by much more */
		CHECK(worst_lin < 1e-3);	/* 6.6e-5 */
		CHECK(worst_mean > 10 * worst_lin);	/* 7.2e-3 */
	}
	an_ts_analog_free(lin);
	an_ts_analog_free(mean);
	free(pts);
	free(v);
}

static void
test_edge_floor_and_score(void)
{
	size_t		n = 40 * 50,
				dim = 4,
				lag = 10,
				span = an_ts_analog_span(dim, lag);
	double	   *v = malloc(n * sizeof(double)),
				mean = 0,
				var = 0;
	an_point   *pts;
	an_ts_analog *a = NULL;

	/* exactly periodic: every row has exact analogues a period away, the errors are rounding */
	for (size_t i = 0; i < n; i++)
		v[i] = 1 + sin(2 * PI * (double) (i % 40) / 40);
	pts = points(v, n);
	CHECK_EQ_INT(an_ts_analog_fit(pts, n, MIN_US, dim, lag, 1, false, false, &a), AN_OK);
	CHECK(a != NULL);
	if (a != NULL)
	{
		for (size_t t = span; t < n; t++)
			mean += v[t];
		mean /= (double) (n - span);
		for (size_t t = span; t < n; t++)
			var += (v[t] - mean) * (v[t] - mean);
		CHECK_NEAR(a->edge, AN_ANALOG_MIN_EDGE * sqrt(var / (double) (n - span)), 1e-12, 0);
		/* a row as the cycle goes on scores 0; displaced by 0.1, 0.1 / edge */
		CHECK_NEAR(an_ts_analog_score(a, v + 400, v[400 + span]), 0, 0, 1e-9);
		CHECK_NEAR(an_ts_analog_score(a, v + 400, v[400 + span] + 0.1), 0.1 / a->edge, 1e-9, 0);
		{
			double		past[64];

			memcpy(past, v + 400, span * sizeof(double));
			past[3] = NAN;
			CHECK(isnan(an_ts_analog_score(a, past, 1)));
			CHECK(isnan(an_ts_analog_score(a, v + 400, INFINITY)));
		}
	}
	an_ts_analog_free(a);
	free(pts);
	free(v);
}

static void
test_gap_budget_and_no_fit(void)
{
	size_t		n = 200;
	double	   *v = malloc((AN_ANALOG_BUDGET + 100) * sizeof(double));
	an_point   *pts;
	an_ts_analog *a = NULL;

	rng_state = 777;
	for (size_t i = 0; i < AN_ANALOG_BUDGET + 100; i++)
		v[i] = gauss();
	pts = points(v, n);
	/* a step of three intervals after row 99: rows 100 .. 106 cannot be targets (span 7) */
	for (size_t i = 100; i < n; i++)
		pts[i].ts += 2 * MIN_US;
	CHECK_EQ_INT(an_ts_analog_fit(pts, n, MIN_US, 4, 2, 3, false, false, &a), AN_OK);
	CHECK(a != NULL);
	if (a != NULL)
	{
		CHECK_EQ_INT(a->ntargets, (100 - 7) + (100 - 7));
		CHECK_EQ_INT(a->targets[0], 7);
		CHECK_EQ_INT(a->targets[92], 99);
		CHECK_EQ_INT(a->targets[93], 107);
	}
	an_ts_analog_free(a);
	a = NULL;
	/* a step of exactly two intervals is no break */
	for (size_t i = 100; i < n; i++)
		pts[i].ts -= MIN_US;
	CHECK_EQ_INT(an_ts_analog_fit(pts, n, MIN_US, 4, 2, 3, false, false, &a), AN_OK);
	CHECK(a != NULL && a->ntargets == n - 7);
	an_ts_analog_free(a);
	a = NULL;
	/* a non-finite value breaks too */
	for (size_t i = 100; i < n; i++)
		pts[i].ts -= MIN_US;
	pts[50].value = NAN;
	CHECK_EQ_INT(an_ts_analog_fit(pts, n, MIN_US, 4, 2, 3, false, false, &a), AN_OK);
	CHECK(a != NULL && a->ntargets == (50 - 7) + (n - 51 - 7));
	an_ts_analog_free(a);
	a = NULL;
	free(pts);
	/* only the last AN_ANALOG_BUDGET rows are kept */
	pts = points(v, AN_ANALOG_BUDGET + 100);
	CHECK_EQ_INT(an_ts_analog_fit(pts, AN_ANALOG_BUDGET + 100, MIN_US, 2, 1, 1, false, false, &a), AN_OK);
	CHECK(a != NULL && a->n == AN_ANALOG_BUDGET && a->x[0] == v[100]);
	an_ts_analog_free(a);
	a = NULL;
	/* too few targets, a constant series, bad arguments */
	CHECK_EQ_INT(an_ts_analog_fit(pts, 7 + AN_ANALOG_MIN_TARGETS - 1, MIN_US, 4, 2, 3, false, false, &a), AN_OK);
	CHECK(a == NULL);
	for (size_t i = 0; i < 500; i++)
		pts[i].value = 2.5;
	CHECK_EQ_INT(an_ts_analog_fit(pts, 500, MIN_US, 4, 2, 3, false, false, &a), AN_OK);
	CHECK(a == NULL);
	CHECK_EQ_INT(an_ts_analog_fit(pts, 500, MIN_US, 0, 2, 3, false, false, &a), AN_EINVAL);
	CHECK_EQ_INT(an_ts_analog_fit(pts, 500, MIN_US, 1, 2, 3, false, true, &a), AN_EINVAL);
	CHECK_EQ_INT(an_ts_analog_fit(pts, 500, MIN_US, 4, 0, 3, false, false, &a), AN_EINVAL);
	CHECK_EQ_INT(an_ts_analog_fit(pts, 500, MIN_US, 4, AN_ANALOG_MAX_LAG + 1, 3, false, false, &a), AN_EINVAL);
	CHECK_EQ_INT(an_ts_analog_fit(pts, 500, MIN_US, 4, 2, AN_ANALOG_MAX_K + 1, false, false, &a), AN_EINVAL);
	CHECK_EQ_INT(an_ts_analog_fit(pts, 500, 0, 4, 2, 3, false, false, &a), AN_EINVAL);
	CHECK(a == NULL);
	free(pts);
	free(v);
}

/*
 * Leave-one-out by brute force for every target of x[0..n) (all of them
 * calibrate when there are at most AN_ANALOG_CAL_TARGETS): the 99 %
 * quantiles of the absolute error, of the distance to the k-th neighbour
 * (neighbours more than span rows away) and of persistence's error
 * |x[t] - x[t - 1]|, absolute coordinates.
 */
static void
brute_calibration(const double *x, size_t n, size_t dim, size_t lag, size_t k, double *err_q, double *dist_q,
				  double *pers_q)
{
	size_t		span = an_ts_analog_span(dim, lag),
				m = 0,
				q;
	double	   *err = malloc(n * sizeof(double)),
			   *dist = malloc(n * sizeof(double)),
			   *pers = malloc(n * sizeof(double));

	for (size_t t = span; t < n; t++)
	{
		double		bestd[16],
					besty[16],
					sum = 0;
		size_t		found = 0;

		for (size_t s = span; s < n; s++)
		{
			double		d = 0;

			if (s + span >= t && s <= t + span)
				continue;
			for (size_t j = 0; j < dim; j++)
				d += (x[s - 1 - j * lag] - x[t - 1 - j * lag]) * (x[s - 1 - j * lag] - x[t - 1 - j * lag]);
			keep_nearest(bestd, besty, &found, k, d, x[s]);
		}
		if (found == 0)
			continue;
		for (size_t i = 0; i < found; i++)
			sum += besty[i];
		err[m] = fabs(x[t] - sum / (double) found);
		dist[m] = sqrt(bestd[found - 1]);
		pers[m++] = fabs(x[t] - x[t - 1]);
	}
	q = (size_t) floor(AN_ANALOG_EDGE_QUANTILE * (double) (m - 1));
	qsort(err, m, sizeof(double), unit_cmp_double);
	qsort(dist, m, sizeof(double), unit_cmp_double);
	qsort(pers, m, sizeof(double), unit_cmp_double);
	*err_q = err[q];
	*dist_q = dist[q];
	*pers_q = pers[q];
	free(err);
	free(dist);
	free(pers);
}

/*
 * The skill (the calibration's 99 % error quantile over persistence's) and
 * the reach (the margin times the 99 % quantile of the k-th neighbour's
 * distance) against brute force: below 1 on a deterministic chaotic series
 * (the logistic map), above 1 on a random walk, whose next step no analogue
 * knows; the guard leaves a delay vector beyond the reach unscored; no
 * calibration, no skill.
 */
static void
test_skill_and_reach(void)
{
	size_t		n = 800,
				dim = 2,
				lag = 1,
				k = 4,
				span = an_ts_analog_span(dim, lag);
	double	   *v = malloc(n * sizeof(double));

	rng_state = 777;
	for (int walk = 0; walk <= 1; walk++)
	{
		an_point   *pts;
		an_ts_analog *a = NULL;
		double		err_q,
					dist_q,
					pers_q;

		v[0] = 0.3;
		for (size_t i = 1; i < n; i++)
			v[i] = walk ? v[i - 1] + gauss() : 3.9 * v[i - 1] * (1 - v[i - 1]);
		pts = points(v, n);
		CHECK_EQ_INT(an_ts_analog_fit(pts, n, MIN_US, dim, lag, k, false, false, &a), AN_OK);
		CHECK(a != NULL);
		if (a != NULL)
		{
			brute_calibration(v, n, dim, lag, k, &err_q, &dist_q, &pers_q);
			CHECK_NEAR(a->skill, err_q / pers_q, 1e-12, 0);
			CHECK_NEAR(a->reach, AN_ANALOG_EDGE_MARGIN * dist_q, 1e-12, 0);
			CHECK(walk ? a->skill > 1 : a->skill < 1);
			if (!walk)
			{
				double		far[2] = {100, 100};

				/* the guard: a training row is scored, a state no analogue is near is not */
				a->guard = true;
				CHECK(isfinite(an_ts_analog_score(a, v + 500, v[500 + span])));
				CHECK(isnan(an_ts_analog_score(a, far, 0.5)));
				a->guard = false;
				CHECK(isfinite(an_ts_analog_score(a, far, 0.5)));
			}
		}
		an_ts_analog_free(a);
		free(pts);
	}
	/* 40 targets whose neighbours all lie within the span: nothing calibrates */
	{
		size_t		dim4 = 4,
					lag64 = 64,
					m = an_ts_analog_span(dim4, lag64) + 40;
		an_point   *pts;
		an_ts_analog *a = NULL;

		for (size_t i = 0; i < m; i++)
			v[i] = gauss();
		pts = points(v, m);
		CHECK_EQ_INT(an_ts_analog_fit(pts, m, MIN_US, dim4, lag64, k, false, false, &a), AN_OK);
		CHECK(a != NULL);
		if (a != NULL)
		{
			CHECK(isnan(a->skill));
			CHECK(isnan(a->reach));
		}
		an_ts_analog_free(a);
		free(pts);
	}
	free(v);
}

int
main(void)
{
	RUN(test_lag_rule);
	RUN(test_neighbours_by_brute_force);
	RUN(test_local_linear);
	RUN(test_edge_floor_and_score);
	RUN(test_gap_budget_and_no_fit);
	RUN(test_skill_and_reach);
	UNIT_EXIT();
}
