/*
 * test_ts_discord.c: the plain discord score (src/core/ts/ts_discord.h)
 * against a brute-force O(n m w) computation written here from the
 * definition: every pair of windows normalised on its own and compared
 * value by value.  Prints the largest relative error of each case.
 */
#include <float.h>

#include "core/ts/ts_discord.h"
#include "core/ts/ts_shape.h"
#include "test_random.h"
#include "unit.h"

/*
 * Distances this far apart, relative or absolute, fail.  The squared
 * distance is |p|^2 + |q|^2 - 2 p.q, exact to about 1e-15 w: so near 0 a
 * distance is only good to about sqrt(1e-15 w) absolute (two windows
 * "constant but for their last value" are at 0 and come out at 6e-7, w 24).
 * The relative error is reported over the distances above REPORT_FROM.
 */
#define REL_TOL 1e-9
#define ABS_TOL 1e-6
#define REPORT_FROM 1e-3

static double worst_overall;

/* x[0..w) normalised into out by the definition of ts_discord.h */
static void
brute_normalise(const double *x, size_t w, double floor, double *out)
{
	double		mean = 0,
				var = 0,
				den;
	bool		constant = true;

	for (size_t t = 0; t < w; t++)
	{
		mean += x[t];
		constant = constant && x[t] == x[0];
	}
	mean /= (double) w;
	for (size_t t = 0; t < w; t++)
		var += (x[t] - mean) * (x[t] - mean) / (double) w;
	den = fmax(sqrt(var), floor);
	for (size_t t = 0; t < w; t++)
		out[t] = constant || den == 0 ? 0 : (x[t] - mean) / den;
}

/* the nearest-neighbour distance of every window of b to the eligible windows of a */
static void
brute_join(const double *a, size_t na, const double *b, size_t nb, size_t w, double floor, long long off,
		   long long excl, double *dist)
{
	double	   *p = malloc(w * sizeof(double)),
			   *q = malloc(w * sizeof(double));

	for (size_t j = 0; j + w <= nb; j++)
	{
		double		best = INFINITY;

		brute_normalise(b + j, w, floor, q);
		for (size_t i = 0; i + w <= na; i++)
		{
			double		d = 0;

			if (llabs(off + (long long) j - (long long) i) < excl)
				continue;
			brute_normalise(a + i, w, floor, p);
			for (size_t t = 0; t < w; t++)
				d += (p[t] - q[t]) * (p[t] - q[t]);
			best = fmin(best, d);
		}
		dist[j] = isinf(best) ? NAN : sqrt(best);
	}
	free(p);
	free(q);
}

/* compares got[0..m) with want[0..m); returns the largest relative error */
static double
compare(const char *what, const double *got, const double *want, size_t m)
{
	double		worst = 0;

	for (size_t j = 0; j < m; j++)
	{
		CHECK_NEAR(got[j], want[j], REL_TOL, ABS_TOL);
		if (isnan(got[j]) != isnan(want[j]))
			worst = INFINITY;
		else if (!isnan(want[j]) && want[j] > REPORT_FROM)
			worst = fmax(worst, fabs(got[j] - want[j]) / want[j]);
	}
	printf("  %-52s %zu windows, max relative error %.2e\n", what, m, worst);
	worst_overall = fmax(worst_overall, worst);
	return worst;
}

static void
check_join(const char *what, const double *a, size_t na, const double *b, size_t nb, size_t w, double floor,
		   long long off, long long excl)
{
	size_t		m = nb - w + 1;
	double	   *got = malloc(m * sizeof(double)),
			   *want = malloc(m * sizeof(double));

	CHECK_EQ_INT(an_ts_discord_join(a, na, b, nb, w, floor, off, (size_t) excl, got), AN_OK);
	brute_join(a, na, b, nb, w, floor, off, excl, want);
	compare(what, got, want, m);
	free(got);
	free(want);
}

/* a sine of period p with noise, and a constant stretch [c0, c1) */
static double *
sine_with_flat(size_t n, double p, double noise, size_t c0, size_t c1, double level)
{
	double	   *x = malloc(n * sizeof(double));

	for (size_t i = 0; i < n; i++)
		x[i] = level + sin(2 * PI * (double) i / p) + noise * gauss();
	for (size_t i = c0; i < c1 && i < n; i++)
		x[i] = level + 0.25;
	return x;
}

static double *
random_walk(size_t n, double level)
{
	double	   *x = malloc(n * sizeof(double));

	x[0] = level;
	for (size_t i = 1; i < n; i++)
		x[i] = x[i - 1] + gauss();
	return x;
}

/* the floor against its definition: 0.1 x the median window sd, at least 1e-9 max |x| */
static double
brute_floor(const double *x, size_t n, size_t w)
{
	size_t		m = n - w + 1;
	double	   *sd = malloc(m * sizeof(double)),
				med,
				maxabs = 0,
				f;

	for (size_t i = 0; i < m; i++)
	{
		double		mean = 0,
					ss = 0;
		bool		constant = true;

		for (size_t t = 0; t < w; t++)
		{
			mean += x[i + t];
			constant = constant && x[i + t] == x[i];
		}
		mean /= (double) w;
		for (size_t t = 0; t < w; t++)
			ss += (x[i + t] - mean) * (x[i + t] - mean);
		sd[i] = constant ? 0 : sqrt(ss / (double) w);
	}
	qsort(sd, m, sizeof(double), unit_cmp_double);
	med = m % 2 ? sd[m / 2] : (sd[m / 2 - 1] + sd[m / 2]) / 2;
	for (size_t i = 0; i < n; i++)
		maxabs = fmax(maxabs, fabs(x[i]));
	f = fmax(0.1 * med, fmax(1e-9 * maxabs, DBL_MIN));
	free(sd);
	return f;
}

static void
test_join_random_walk(void)
{
	double	   *a = random_walk(700, 0),
			   *b = random_walk(500, 3);
	double		floor = 0;

	CHECK_EQ_INT(an_ts_discord_floor(a, 700, 16, &floor), AN_OK);
	CHECK_NEAR(floor, brute_floor(a, 700, 16), 1e-12, 0);
	check_join("random walks, w 16, the training floor", a, 700, b, 500, 16, floor, 0, 0);
	check_join("random walks, w 16, floor 0", a, 700, b, 500, 16, 0, 0, 0);
	/* more diagonals than a block on each side, and a window longer than a block is wide */
	check_join("random walks, w 300", a, 700, b, 500, 300, floor, 0, 0);
	free(a);
	free(b);
}

static void
test_join_constant_stretch(void)
{
	/* constant windows in both series: to each other 0, to the rest the norm of the other */
	double	   *a = sine_with_flat(900, 37, 0.05, 300, 420, 0),
			   *b = sine_with_flat(600, 37, 0.05, 100, 160, 0);
	double		floor = 0;

	CHECK_EQ_INT(an_ts_discord_floor(a, 900, 24, &floor), AN_OK);
	CHECK_NEAR(floor, brute_floor(a, 900, 24), 1e-12, 0);
	check_join("sine with a constant stretch, the floor", a, 900, b, 600, 24, floor, 0, 0);
	check_join("sine with a constant stretch, floor 0", a, 900, b, 600, 24, 0, 0, 0);
	/* a floor above most windows' sd: the small wiggles stay small */
	check_join("sine with a constant stretch, floor 0.5", a, 900, b, 600, 24, 0.5, 0, 0);
	{
		double		d[600];

		CHECK_EQ_INT(an_ts_discord_join(a, 900, b, 600, 24, 0, 0, 0, d), AN_OK);
		/* a constant test window has a constant training window at distance 0 */
		CHECK_NEAR(d[110], 0, 0, 1e-12);
	}
	free(a);
	free(b);
}

static void
test_join_far_from_zero(void)
{
	/* a level of 1e6 with unit noise: the centred products lose no digits */
	double	   *a = sine_with_flat(800, 50, 0.3, 500, 560, 1e6),
			   *b = sine_with_flat(400, 50, 0.3, 0, 0, 1e6);

	check_join("level 1e6, w 40", a, 800, b, 400, 40, 0.01, 0, 0);
	free(a);
	free(b);
}

static void
test_join_exclusion(void)
{
	/* train and test are parts of one series: overlapping windows are skipped */
	size_t		n = 1200;
	double	   *x = sine_with_flat(n, 29, 0.2, 700, 760, 0);

	/* test = rows [800, 1200), training = rows [0, 900): offset 800 */
	check_join("one series, exclusion w", x, 900, x + 800, 400, 20, 0.05, 800, 20);
	check_join("one series, exclusion 3", x, 900, x + 800, 400, 20, 0.05, 800, 3);
	/* a negative offset: the test part starts before the training part */
	check_join("one series, negative offset", x + 300, 900, x, 400, 20, 0.05, -300, 20);
	/* every training window excluded for some test windows: NAN */
	check_join("exclusion wider than the training part", x, 100, x, 300, 10, 0.05, 0, 150);
	free(x);
}

static void
test_self_join(void)
{
	size_t		n = 1000,
				w = 30,
				m = n - w + 1;
	double	   *x = sine_with_flat(n, 41, 0.1, 200, 300, 5),
			   *self = malloc(m * sizeof(double)),
			   *join = malloc(m * sizeof(double)),
			   *want = malloc(m * sizeof(double)),
				edge,
				floor;

	CHECK_EQ_INT(an_ts_discord_floor(x, n, w, &floor), AN_OK);
	CHECK_EQ_INT(an_ts_discord_self(x, n, w, floor, w, self), AN_OK);
	CHECK_EQ_INT(an_ts_discord_join(x, n, x, n, w, floor, 0, w, join), AN_OK);
	brute_join(x, n, x, n, w, floor, 0, (long long) w, want);
	compare("self-join, exclusion w", self, want, m);
	compare("the same as a join with itself", join, want, m);
	/* the edge: the shape component's rule on the brute-force distances */
	CHECK_EQ_INT(an_ts_discord_edge(x, n, w, floor, &edge), AN_OK);
	CHECK_NEAR(edge, an_ts_shape_edge(want, m, w), 1e-9, 0);
	CHECK(edge > 0);
	/* 2w - 1 values: no two windows apart by w, no edge; 2w: two */
	CHECK_EQ_INT(an_ts_discord_edge(x, 2 * w - 1, w, floor, &edge), AN_OK);
	CHECK(isnan(edge));
	CHECK_EQ_INT(an_ts_discord_edge(x, 2 * w, w, floor, &edge), AN_OK);
	CHECK(edge > 0);
	free(x);
	free(self);
	free(join);
	free(want);
}

static void
test_finds_the_discord(void)
{
	/* a sine with one distorted cycle in the test part: the largest distance is there */
	enum
	{
		N = 2000, W = 50, M = N - W + 1
	};
	double	   *a = sine_with_flat(N, 50, 0.02, 0, 0, 0),
			   *b = sine_with_flat(N, 50, 0.02, 0, 0, 0),
			   *d = malloc(M * sizeof(double));
	size_t		top = 0;

	for (size_t i = 1200; i < 1225; i++)
		b[i] = 0.5 * sin(2 * PI * (double) i / 25);
	CHECK_EQ_INT(an_ts_discord_join(a, N, b, N, W, 0, 0, 0, d), AN_OK);
	for (size_t j = 1; j < M; j++)
		top = d[j] > d[top] ? j : top;
	CHECK(top + W > 1200 && top < 1225);
	CHECK(d[top] > 5 * d[100]);
	AN_FREE_ALL(a, b, d);
}

static size_t checks;

static void
count_check(void)
{
	checks++;
}

static void
test_checks_interrupts(void)
{
	/* a check at least every block of 256 diagonals, in the join and in the self-join */
	enum
	{
		N = 6000, W = 40, M = N - W + 1
	};
	an_hooks	hooks = {malloc, free, count_check};
	double	   *a = random_walk(N, 0),
			   *d = malloc(M * sizeof(double));

	an_set_hooks(&hooks);
	checks = 0;
	CHECK_EQ_INT(an_ts_discord_join(a, N, a, N, W, 0, 0, 0, d), AN_OK);
	CHECK(checks >= 2 * M / 256);
	checks = 0;
	CHECK_EQ_INT(an_ts_discord_self(a, N, W, 0, W, d), AN_OK);
	CHECK(checks >= M / 256);
	/* the counting hook stays installed: it does nothing else */
	AN_FREE_ALL(a, d);
}

static void
test_errors(void)
{
	double		x[64],
				d[64],
				f,
				e;

	for (int i = 0; i < 64; i++)
		x[i] = sin(i);
	CHECK_EQ_INT(an_ts_discord_join(x, 64, x, 64, 1, 0, 0, 0, d), AN_EINVAL);
	CHECK_EQ_INT(an_ts_discord_join(x, 64, x, 10, 11, 0, 0, 0, d), AN_EINVAL);
	CHECK_EQ_INT(an_ts_discord_join(x, 64, x, 64, 8, -1, 0, 0, d), AN_EINVAL);
	CHECK_EQ_INT(an_ts_discord_join(x, 64, x, 64, 8, NAN, 0, 0, d), AN_EINVAL);
	CHECK_EQ_INT(an_ts_discord_join(NULL, 64, x, 64, 8, 0, 0, 0, d), AN_EINVAL);
	CHECK_EQ_INT(an_ts_discord_join(x, AN_DISCORD_MAX_N + 1, x, 64, 8, 0, 0, 0, d), AN_ETOOMANY);
	CHECK_EQ_INT(an_ts_discord_self(x, 64, 8, 0, 0, d), AN_EINVAL);
	CHECK_EQ_INT(an_ts_discord_self(x, AN_DISCORD_MAX_N + 1, 8, 0, 8, d), AN_ETOOMANY);
	CHECK_EQ_INT(an_ts_discord_floor(x, 64, 65, &f), AN_EINVAL);
	x[40] = NAN;
	CHECK_EQ_INT(an_ts_discord_join(x, 64, x, 64, 8, 0, 0, 0, d), AN_ENONFINITE);
	CHECK_EQ_INT(an_ts_discord_edge(x, 64, 8, 0, &e), AN_ENONFINITE);
	x[40] = INFINITY;
	CHECK_EQ_INT(an_ts_discord_floor(x, 64, 8, &f), AN_ENONFINITE);
	/* values whose window sums overflow */
	x[40] = DBL_MAX;
	x[41] = DBL_MAX;
	CHECK_EQ_INT(an_ts_discord_self(x, 64, 8, 0, 8, d), AN_ENONFINITE);
}

int
main(void)
{
	RUN(test_join_random_walk);
	RUN(test_join_constant_stretch);
	RUN(test_join_far_from_zero);
	RUN(test_join_exclusion);
	RUN(test_self_join);
	RUN(test_finds_the_discord);
	RUN(test_checks_interrupts);
	RUN(test_errors);
	printf("  max relative error over all cases: %.2e\n", worst_overall);
	UNIT_EXIT();
}
