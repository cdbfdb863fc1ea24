/*
 * test_matrix_profile.c: the diagonal-traversal matrix profile against a
 * brute-force O(n^2 w) computation of the z-normalised distances (each
 * window z-normalised on its own, two-pass, a constant one to the zero
 * vector), planted discords, constant windows, bad arguments.
 */
#include <math.h>
#include <stdlib.h>

#include "core/cpu_features.h"
#include "core/mp/discords.h"
#include "core/mp/matrix_profile.h"
#include "unit.h"

#include "test_random.h"

/* Window i z-normalised into out (the zero vector when all values are equal). */
static void
znorm(const double *x, size_t w, double *out)
{
	double		mu = 0.0,
				var = 0.0;
	int			constant = 1;

	for (size_t t = 0; t < w; t++)
	{
		mu += x[t];
		constant &= x[t] == x[0];
	}
	mu /= (double) w;
	for (size_t t = 0; t < w; t++)
		var += (x[t] - mu) * (x[t] - mu);
	var /= (double) w;
	for (size_t t = 0; t < w; t++)
		out[t] = constant ? 0.0 : (x[t] - mu) / sqrt(var);
}

static double
brute_distance(const double *x, size_t w, size_t i, size_t j)
{
	double	   *a = malloc(w * sizeof(double)),
			   *b = malloc(w * sizeof(double)),
				s = 0.0;

	znorm(x + i, w, a);
	znorm(x + j, w, b);
	for (size_t t = 0; t < w; t++)
		s += (a[t] - b[t]) * (a[t] - b[t]);
	free(a);
	free(b);
	return sqrt(s);
}

/* The profile by brute force: every pair outside the exclusion zone. */
static void
brute_profile(const double *x, size_t n, size_t w, double *dist)
{
	size_t		m = n - w + 1,
				e = an_mp_exclusion(w);

	for (size_t i = 0; i < m; i++)
	{
		dist[i] = INFINITY;
		for (size_t j = 0; j < m; j++)
			if ((i > j ? i - j : j - i) > e)
				dist[i] = fmin(dist[i], brute_distance(x, w, i, j));
	}
}

/*
 * Distances agree to 1e-9 relative, or the squared distances to 1e-11 of
 * 2w.  The profile comes from the correlation, d^2 = 2w (1 - corr), whose
 * rounding is absolute in d^2: a near match, d = 0.2 for w = 50, has
 * 1 - corr = 4e-4, so a correlation exact to 1e-14 gives d only to about
 * 1e-9 relative (test_long_diagonals sees d^2 off by 1e-11 there).  For the
 * distances of discords (above 1) the relative bound is the one that binds.
 */
static void
check_distance(double d, double ref, size_t w)
{
	if (fabs(d * d - ref * ref) <= 1e-11 * 2.0 * (double) w)
		CHECK_NEAR(d, ref, 1e-9, 1.0);
	else
		CHECK_NEAR(d, ref, 1e-9, 0.0);
}

/* The m = n - w + 1 distances of a matrix profile and the neighbours they are to. */
typedef struct
{
	size_t		m;
	double	   *dist;
	int64_t    *nn;
} profile;

/* The profile of x[0..n) for window w, checked to succeed (free with profile_free). */
static profile
profile_of(const double *x, size_t n, size_t w)
{
	profile		p = {n - w + 1, malloc((n - w + 1) * sizeof(double)), malloc((n - w + 1) * sizeof(int64_t))};

	CHECK_EQ_INT(an_matrix_profile(x, n, w, p.dist, p.nn, NULL), AN_OK);
	return p;
}

static void
profile_free(profile *p)
{
	free(p->dist);
	free(p->nn);
}

/* The profile matches brute force (check_distance), and each neighbour is at the profile's distance. */
static void
check_against_brute(const double *x, size_t n, size_t w)
{
	size_t		e = an_mp_exclusion(w);
	profile		p = profile_of(x, n, w);
	double	   *ref = malloc(p.m * sizeof(double));

	brute_profile(x, n, w, ref);
	for (size_t i = 0; i < p.m; i++)
	{
		check_distance(p.dist[i], ref[i], w);
		CHECK(p.nn[i] >= 0 && (size_t) p.nn[i] < p.m);
		if (p.nn[i] >= 0 && (size_t) p.nn[i] < p.m)
		{
			size_t		j = (size_t) p.nn[i];

			CHECK((i > j ? i - j : j - i) > e);
			check_distance(brute_distance(x, w, i, j), ref[i], w);
		}
		CHECK(!isnan(p.dist[i]));
	}
	profile_free(&p);
	free(ref);
}

static void
test_random_series(void)
{
	size_t		n = 400;
	double	   *x = malloc(n * sizeof(double));
	const size_t windows[] = {4, 5, 7, 16, 37, 100, 200};

	for (size_t c = 0; c < sizeof(windows) / sizeof(windows[0]); c++)
	{
		for (size_t i = 0; i < n; i++)
			x[i] = gauss();
		check_against_brute(x, n, windows[c]);
	}
	/* a random walk far from zero: the centred updates lose no digits to the level */
	x[0] = 1e6;
	for (size_t i = 1; i < n; i++)
		x[i] = x[i - 1] + gauss();
	check_against_brute(x, n, 24);
	/* odd lengths, more diagonals than a block (256) */
	for (size_t i = 0; i < 333; i++)
		x[i] = sin(i * 0.3) + 0.5 * gauss();
	check_against_brute(x, 333, 9);
	free(x);
}

/* A longer series: the running sums along diagonals of 5,000 cells stay within 1e-9. */
static void
test_long_diagonals(void)
{
	size_t		n = 5000,
				w = 50;
	double	   *x = malloc(n * sizeof(double));
	profile		p;

	x[0] = 0.0;
	for (size_t i = 1; i < n; i++)
		x[i] = 0.99 * x[i - 1] + gauss() + 100.0 * sin(i * 0.01);
	p = profile_of(x, n, w);
	/* spot checks: the windows at the end see the longest accumulation */
	for (size_t i = p.m - 40; i < p.m; i++)
	{
		double		ref = INFINITY;

		for (size_t j = 0; j + an_mp_exclusion(w) < i; j++)
			ref = fmin(ref, brute_distance(x, w, i, j));
		check_distance(p.dist[i], ref, w);
		check_distance(brute_distance(x, w, i, (size_t) p.nn[i]), p.dist[i], w);
	}
	free(x);
	profile_free(&p);
}

/* The AVX-512 kernel and the generic one give the same bits. */
static void
test_vector_code_same_bits(void)
{
	size_t		n = 1500,
				w = 33;
	double	   *x = malloc(n * sizeof(double));
	bool		had = an_use_vector_code(true);
	profile		vec,
				generic;

	for (size_t i = 0; i < n; i++)
		x[i] = sin(i * 0.2) + 0.3 * gauss();
	vec = profile_of(x, n, w);
	an_use_vector_code(false);
	generic = profile_of(x, n, w);
	an_use_vector_code(had);
	CHECK(memcmp(vec.dist, generic.dist, vec.m * sizeof(double)) == 0);
	CHECK(memcmp(vec.nn, generic.nn, vec.m * sizeof(int64_t)) == 0);
	free(x);
	profile_free(&vec);
	profile_free(&generic);
}

/* Constant windows: 0 between two, sqrt(w) to a non-constant one, never NaN. */
static void
test_constant_windows(void)
{
	double		x[120];
	double		dist[120];
	int64_t		nn[120];

	for (size_t i = 0; i < 40; i++)
		x[i] = 3.0;
	CHECK_EQ_INT(an_matrix_profile(x, 40, 8, dist, nn, NULL), AN_OK);
	for (size_t i = 0; i < 33; i++)
		CHECK(dist[i] == 0.0);

	/* noise, then a flat stretch, then noise: brute force applies the same convention */
	for (size_t i = 0; i < 120; i++)
		x[i] = i >= 50 && i < 75 ? -1.5 : gauss();
	check_against_brute(x, 120, 8);
	/* one flat stretch only just longer than w: its constant windows all lie in each other's exclusion zone */
	for (size_t i = 0; i < 120; i++)
		x[i] = i >= 60 && i < 69 ? 2.0 : sin(i * 0.7) + 0.1 * gauss();
	CHECK_EQ_INT(an_matrix_profile(x, 120, 8, dist, nn, NULL), AN_OK);
	CHECK_NEAR(dist[60], sqrt(8.0), 1e-12, 0);
	CHECK_NEAR(dist[61], sqrt(8.0), 1e-12, 0);
	check_against_brute(x, 120, 8);
}

/* A sine of period 50 with one distorted cycle: the top discord is that cycle. */
static void
test_planted_discord(void)
{
	size_t		n = 3000,
				w = 50,
				found;
	double	   *x = malloc(n * sizeof(double));
	an_discord	d[3];

	for (size_t i = 0; i < n; i++)
		x[i] = sin(2 * PI * i / 50.0) + 0.05 * gauss();
	/* the cycle starting at 1700 peaks twice as high and flattens its trough */
	for (size_t i = 1700; i < 1750; i++)
		x[i] = x[i] > 0 ? 2.0 * x[i] : 0.3 * x[i];
	CHECK_EQ_INT(an_discords(x, n, w, 3, d, &found, NULL), AN_OK);
	CHECK_EQ_INT(found, 3);
	CHECK(d[0].index + w > 1700 && d[0].index < 1750);
	/* non-overlapping, by rank */
	for (size_t a = 0; a < found; a++)
		for (size_t b = a + 1; b < found; b++)
		{
			CHECK((d[a].index > d[b].index ? d[a].index - d[b].index : d[b].index - d[a].index) >= w);
			CHECK(d[a].distance >= d[b].distance);
		}
	free(x);
}

/* The first discord is the profile's maximum; k larger than what fits returns fewer. */
static void
test_discords_topk(void)
{
	size_t		n = 60,
				w = 20,
				m = n - w + 1,
				found;
	double		x[60],
				dist[60];
	int64_t		nn[60];
	an_discord	d[41];
	double		mx = -1;
	size_t		arg = 0;

	for (size_t i = 0; i < n; i++)
		x[i] = gauss();
	CHECK_EQ_INT(an_matrix_profile(x, n, w, dist, nn, NULL), AN_OK);
	for (size_t i = 0; i < m; i++)
		if (dist[i] > mx)
		{
			mx = dist[i];
			arg = i;
		}
	CHECK_EQ_INT(an_discords(x, n, w, 41, d, &found, NULL), AN_OK);
	CHECK(found >= 1 && found <= 3);	/* 41 windows of 20 points: at most 3 disjoint starts */
	CHECK_EQ_INT(d[0].index, arg);
	CHECK(d[0].distance == mx);
	CHECK_EQ_INT(d[0].neighbor, nn[arg]);
}

static void
test_bad_arguments(void)
{
	double		x[20] = {0},
				dist[20];
	int64_t		nn[20];
	an_discord	d[4];
	size_t		found,
				bad = 99;

	for (int i = 0; i < 20; i++)
		x[i] = i % 3;
	CHECK_EQ_INT(an_matrix_profile(x, 20, 3, dist, nn, NULL), AN_EINVAL);
	CHECK_EQ_INT(an_matrix_profile(x, 20, 11, dist, nn, NULL), AN_EINVAL);
	CHECK_EQ_INT(an_matrix_profile(x, 20, 10, dist, nn, NULL), AN_OK);
	CHECK_EQ_INT(an_discords(x, 20, 5, 0, d, &found, NULL), AN_EINVAL);
	CHECK_EQ_INT(an_matrix_profile(x, (size_t) AN_MP_MAX_N + 1, 5, dist, nn, NULL), AN_ETOOMANY);
	x[7] = NAN;
	CHECK_EQ_INT(an_discords(x, 20, 5, 1, d, &found, &bad), AN_ENONFINITE);
	CHECK_EQ_INT(bad, 7);
	x[7] = 1e200;
	CHECK_EQ_INT(an_matrix_profile(x, 20, 5, dist, nn, &bad), AN_ENONFINITE);
	CHECK_EQ_INT(bad, 20);
}

static int	interrupt_calls;

static void
count_interrupts(void)
{
	interrupt_calls++;
}

static void
no_interrupts(void)
{
}

/* The diagonal loop calls the interrupt hook. */
static void
test_interrupts_checked(void)
{
	an_hooks	hooks = {malloc, free, count_interrupts};
	an_hooks	plain = {malloc, free, no_interrupts};
	size_t		n = 2000,
				w = 10;
	double	   *x = malloc(n * sizeof(double));
	profile		p;

	for (size_t i = 0; i < n; i++)
		x[i] = gauss();
	an_set_hooks(&hooks);
	p = profile_of(x, n, w);
	an_set_hooks(&plain);
	/* one check per block of 256 diagonals at least */
	CHECK(interrupt_calls >= (int) ((n - w) / 256));
	free(x);
	profile_free(&p);
}

static int	allocs_left;

static void *
alloc_until_exhausted(size_t size)
{
	if (allocs_left == 0)
		return NULL;
	allocs_left--;
	return malloc(size);
}

/* Either of the two profile arrays failing gives AN_ENOMEM and leaks neither (LeakSanitizer). */
static void
test_discords_out_of_memory(void)
{
	an_hooks	failing = {alloc_until_exhausted, free, no_interrupts};
	an_hooks	plain = {malloc, free, no_interrupts};
	double		x[40];
	an_discord	d[1];
	size_t		found;

	for (size_t i = 0; i < 40; i++)
		x[i] = sin((double) i);
	an_set_hooks(&failing);
	for (int ok = 0; ok < 2; ok++)
	{
		allocs_left = ok;
		CHECK_EQ_INT(an_discords(x, 40, 5, 1, d, &found, NULL), AN_ENOMEM);
		CHECK_EQ_INT(found, 0);
	}
	an_set_hooks(&plain);
}

int
main(void)
{
	RUN(test_random_series);
	RUN(test_long_diagonals);
	RUN(test_vector_code_same_bits);
	RUN(test_constant_windows);
	RUN(test_planted_discord);
	RUN(test_discords_topk);
	RUN(test_discords_out_of_memory);
	RUN(test_bad_arguments);
	RUN(test_interrupts_checked);
	UNIT_EXIT();
}
