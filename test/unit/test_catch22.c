/*
 * test_catch22.c: catch22/catch24 against the reference implementation's own
 * test data (../shared/data/catch22: basic, simulated and the 1,000
 * empirical series), plus edge cases.
 *
 * Tolerances from the issue: 1e-9 relative or 1e-12 absolute, and the
 * integer-valued features (acf_first_min, the two stretches, ami_timescale,
 * periodicity) exactly.  Expected files list the features in the reference
 * CLI's order with their names, so values are matched by name.
 */
#include "unit.h"

#include <dirent.h>

#include "core/catch22/catch22.h"
#include "core/catch22/c22_internal.h"

#define MAX_FILES 1100

static int	files_checked;
static int	values_checked;

/* Reads whitespace-separated doubles ("nan", "inf" included); returns count. */
static size_t
read_series(const char *path, double **out)
{
	FILE	   *f = fopen(path, "r");
	size_t		n = 0,
				cap = 1024;
	double	   *y = malloc(cap * sizeof(double));
	double		v;

	if (f == NULL || y == NULL)
	{
		if (f)
			fclose(f);
		free(y);
		*out = NULL;
		return 0;
	}
	while (fscanf(f, "%lf", &v) == 1)
	{
		if (n == cap)
		{
			cap *= 2;
			y = realloc(y, cap * sizeof(double));
		}
		y[n++] = v;
	}
	fclose(f);
	*out = y;
	return n;
}

static int
is_integer_feature(int f)
{
	return f == 5 || f == 11 || f == 12 || f == 16 || f == 18;
}

static int
feature_index(const char *name)
{
	for (int f = 0; f < AN_CATCH24_COUNT; f++)
		if (strcmp(name, an_catch22_names[f]) == 0)
			return f;
	return -1;
}

/* Checks one input against its "_output.txt"; returns the number of lines compared. */
static int
check_file(const char *input, const char *expected, int expect_lines)
{
	double	   *y;
	size_t		n = read_series(input, &y);
	double		out[AN_CATCH24_COUNT];
	FILE	   *f;
	char		line[512];
	int			lines = 0;
	an_status	st;

	CHECK(n >= 3);
	if (n < 3)
	{
		free(y);
		return 0;
	}
	st = an_catch22(y, n, out, NULL);
	CHECK_EQ_INT(st, AN_OK);
	f = fopen(expected, "r");
	CHECK(f != NULL);
	if (f == NULL)
	{
		free(y);
		return 0;
	}
	while (fgets(line, sizeof(line), f))
	{
		double		value;
		char		name[200];
		int			idx;

		if (sscanf(line, "%lf, %199[^,]", &value, name) != 2)
			continue;
		idx = feature_index(name);
		CHECK(idx >= 0);
		if (idx < 0)
			continue;
		lines++;
		values_checked++;
		if (is_integer_feature(idx))
		{
			if (out[idx] != value)
				fprintf(stderr, "%s: %s = %.17g, expected %.17g\n", input, name, out[idx], value);
			CHECK(out[idx] == value);
		}
		else
		{
			double		d = fabs(out[idx] - value);
			int			ok = d <= 1e-12 || d <= 1e-9 * fmax(fabs(out[idx]), fabs(value));

			if (!ok)
				fprintf(stderr, "%s: %s = %.17g, expected %.17g\n", input, name, out[idx], value);
			CHECK(ok);
		}
	}
	fclose(f);
	free(y);
	CHECK_EQ_INT(lines, expect_lines);
	files_checked++;
	return lines;
}

static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Every "<name>_output.txt" in a folder of the shared data, checked against "<name>.txt". */
static int
check_folder(const char *folder, int expect_lines)
{
	char		dir_path[4096];
	DIR		   *dir;
	struct dirent *ent;
	char	   *names[MAX_FILES];
	int			count = 0;

	snprintf(dir_path, sizeof(dir_path), "%s", unit_shared_path(folder));
	dir = opendir(dir_path);
	CHECK(dir != NULL);
	if (dir == NULL)
	{
		fprintf(stderr, "cannot open %s (set ANOMALY_SHARED)\n", dir_path);
		return 0;
	}
	while ((ent = readdir(dir)) != NULL && count < MAX_FILES)
	{
		size_t		len = strlen(ent->d_name);

		if (len > 11 && strcmp(ent->d_name + len - 11, "_output.txt") == 0)
			names[count++] = strdup(ent->d_name);
	}
	closedir(dir);
	qsort(names, count, sizeof(char *), compare_names);
	for (int i = 0; i < count; i++)
	{
		char		input[4400],
					expected[4400];
		size_t		len = strlen(names[i]);

		snprintf(expected, sizeof(expected), "%s/%s", dir_path, names[i]);
		snprintf(input, sizeof(input), "%s/%.*s.txt", dir_path, (int) (len - 11), names[i]);
		check_file(input, expected, expect_lines);
		free(names[i]);
	}
	return count;
}

static void
test_basic(void)
{
	CHECK_EQ_INT(check_folder("data/catch22/basic", 22), 4);
}

static void
test_simulated(void)
{
	CHECK_EQ_INT(check_folder("data/catch22/simulated", 24), 7);
}

static void
test_empirical(void)
{
	CHECK_EQ_INT(check_folder("data/catch22/empirical", 24), 1000);
}

static void
test_too_short_and_nonfinite(void)
{
	double		y[5] = {1.0, 2.0, 3.0, 4.0, 5.0};
	double		out[AN_CATCH24_COUNT];
	size_t		bad = 99;

	CHECK_EQ_INT(an_catch22(y, 0, out, NULL), AN_EINVAL);
	CHECK_EQ_INT(an_catch22(y, 1, out, NULL), AN_EINVAL);
	CHECK_EQ_INT(an_catch22(y, 2, out, NULL), AN_EINVAL);
	y[3] = NAN;
	CHECK_EQ_INT(an_catch22(y, 5, out, &bad), AN_ENONFINITE);
	CHECK_EQ_INT(bad, 3);
	y[3] = 4.0;
	y[0] = -INFINITY;
	CHECK_EQ_INT(an_catch22(y, 5, out, &bad), AN_ENONFINITE);
	CHECK_EQ_INT(bad, 0);
	y[0] = 1.0;
	y[4] = INFINITY;
	CHECK_EQ_INT(an_catch22(y, 5, out, &bad), AN_ENONFINITE);
	CHECK_EQ_INT(bad, 4);
	CHECK_EQ_INT(an_catch22(y, (size_t) AN_CATCH22_MAX_N + 1, out, NULL), AN_ETOOMANY);
}

static void
test_constant(void)
{
	/* 100 x 0.1: the reference's sequential mean is inexact and it returns garbage */
	double		y[100];
	double		out[AN_CATCH24_COUNT];

	for (int i = 0; i < 100; i++)
		y[i] = 0.1;
	CHECK_EQ_INT(an_catch22(y, 100, out, NULL), AN_OK);
	for (int f = 0; f < AN_CATCH22_COUNT; f++)
		CHECK(isnan(out[f]));
	CHECK(out[22] == 0.1);
	CHECK(out[23] == 0.0);
	CHECK_EQ_INT(an_catch22(y, 3, out, NULL), AN_OK);
	CHECK(isnan(out[0]) && out[22] == 0.1 && out[23] == 0.0);
}

/* The spec's n = 3 and the smallest lengths: never a crash, the documented NaNs. */
static void
test_tiny_lengths(void)
{
	double		y[64];
	double		out[AN_CATCH24_COUNT];
	unsigned	seed = 12345;

	for (size_t n = 3; n <= 64; n++)
	{
		for (size_t i = 0; i < n; i++)
		{
			seed = seed * 1103515245u + 12345u;
			y[i] = (double) ((seed >> 16) % 1000) / 100.0 - 5.0;
		}
		y[0] = 7.0;				/* never constant */
		CHECK_EQ_INT(an_catch22(y, n, out, NULL), AN_OK);
		if (n <= 4)
			CHECK(isnan(out[8]));	/* forecast_error needs 5 points */
		else
			CHECK(isfinite(out[8]));
		if (n <= 6)
			CHECK(out[18] == 0.0);	/* periodicity */
		if (n < 32)
			CHECK(out[20] == 0.0 && out[21] == 0.0);	/* fluctuation analysis */
		for (int f = 0; f < AN_CATCH24_COUNT; f++)
			if (f != 8)
				CHECK(!isnan(out[f]));
	}
}

/* n = 3 worked out by hand for y = (0, 1, 0): z = (-1/sqrt3, 2/sqrt3, -1/sqrt3). */
static void
test_n3_by_hand(void)
{
	double		y[3] = {0.0, 1.0, 0.0};
	double		out[AN_CATCH24_COUNT];

	CHECK_EQ_INT(an_catch22(y, 3, out, NULL), AN_OK);
	CHECK_NEAR(out[22], 1.0 / 3.0, 1e-15, 0);
	CHECK_NEAR(out[23], sqrt(1.0 / 3.0), 1e-15, 0);
	/* pnn40: both differences are large */
	CHECK(out[10] == 1.0);
	/* trev: ((sqrt3)^3 + (-sqrt3)^3)/2 = 0 */
	CHECK_NEAR(out[15], 0.0, 0, 1e-12);
	/* ami_timescale: T = min(40, 2) = 2 < 3, returned as is */
	CHECK(out[16] == 2.0);
	/* ACF of (-1, 2, -1)/sqrt3 is (1, -2/3, 1/6): first zero crossing at lag 1 */
	CHECK(out[5] == 1.0);		/* lag 1 is below both neighbours */
	CHECK_NEAR(out[4], 0.0 + (1.0 / exp(1.0) - 1.0) / (-2.0 / 3.0 - 1.0), 1e-12, 0);
}

/* Integer random walks: exact ties in the ACF; outputs must be stable and finite. */
static void
test_integer_walks(void)
{
	double		y[2000];
	double		out[AN_CATCH24_COUNT];
	unsigned	seed = 777;
	double		v = 0;

	for (int i = 0; i < 2000; i++)
	{
		seed = seed * 1664525u + 1013904223u;
		v += (seed >> 31) ? 1.0 : -1.0;
		y[i] = v;
	}
	for (size_t n = 10; n <= 2000; n = n * 3 / 2)
	{
		CHECK_EQ_INT(an_catch22(y, n, out, NULL), AN_OK);
		for (int f = 0; f < AN_CATCH24_COUNT; f++)
			CHECK(!isnan(out[f]));
	}
}

/* Tables kept from a longer series give bit-identical outputs (the aggregate keeps them). */
static void
test_shared_tables(void)
{
	an_catch22_tables *big = an_catch22_tables_new(100000);
	const char *files[] = {"data/catch22/basic/test.txt", "data/catch22/basic/testSinusoid.txt",
	"data/catch22/empirical/e1000_ts837.txt", "data/catch22/empirical/e1000_ts1.txt",
	"data/catch22/simulated/testAR_L500_p2_nm_1_5.txt"};

	CHECK(big != NULL);
	CHECK(an_catch22_tables_fit(big, 100000));
	CHECK(an_catch22_tables_fit(big, 3));
	CHECK(!an_catch22_tables_fit(big, 140000));
	CHECK(an_catch22_tables_new(2) == NULL);
	CHECK(an_catch22_tables_new((size_t) AN_CATCH22_MAX_N + 1) == NULL);
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++)
	{
		double	   *y;
		size_t		n = read_series(unit_shared_path(files[f]), &y);
		double		own[AN_CATCH24_COUNT],
					shared[AN_CATCH24_COUNT];

		CHECK(n > 100);
		if (n <= 100)
		{
			free(y);
			continue;
		}
		CHECK_EQ_INT(an_catch22(y, n, own, NULL), AN_OK);
		CHECK_EQ_INT(an_catch22_with_tables(y, n, big, shared, NULL), AN_OK);
		CHECK(memcmp(own, shared, sizeof(own)) == 0);
		/* a prefix too: another power of two */
		CHECK_EQ_INT(an_catch22(y, n / 3, own, NULL), AN_OK);
		CHECK_EQ_INT(an_catch22_with_tables(y, n / 3, big, shared, NULL), AN_OK);
		CHECK(memcmp(own, shared, sizeof(own)) == 0);
		free(y);
	}
	an_catch22_tables_free(big);
}

/*
 * PD_PeriodicityWang with every decision forced onto the direct lag-by-lag
 * sums (the fallback path) must give the same answer as with the FFT
 * values, on every reference input of up to 1,000 points.
 */
static void
test_periodicity_exact_path(void)
{
	char		path[256];
	int			compared = 0;

	for (int k = 0; k < 1000; k++)
	{
		double	   *y;
		size_t		n;
		double		fast[AN_CATCH24_COUNT],
					exact[AN_CATCH24_COUNT];

		snprintf(path, sizeof(path), "data/catch22/empirical/e1000_ts%d.txt", k);
		n = read_series(unit_shared_path(path), &y);
		if (n >= 3 && n <= 1000)
		{
			CHECK_EQ_INT(an_catch22(y, n, fast, NULL), AN_OK);
			c22_pd_error_scale = 1e300;
			CHECK_EQ_INT(an_catch22(y, n, exact, NULL), AN_OK);
			c22_pd_error_scale = 1.0;
			CHECK(fast[18] == exact[18]);
			compared++;
		}
		free(y);
	}
	CHECK(compared > 200);
}

/* Awkward shapes: spikes, steps, alternation, tiny and huge scales, quantised values. */
static void
test_awkward_shapes(void)
{
	enum {N = 300};
	double		y[N];
	double		out[AN_CATCH24_COUNT];

	for (int shape = 0; shape < 9; shape++)
	{
		for (int i = 0; i < N; i++)
		{
			switch (shape)
			{
				case 0: y[i] = (i == 150) ? 1.0 : 0.0; break;	/* one spike */
				case 1: y[i] = i < 100 ? 0.0 : 1.0; break;		/* step */
				case 2: y[i] = (i % 2) ? 1.0 : -1.0; break;		/* alternation */
				case 3: y[i] = 1e-300 * (double) (i % 7); break;	/* tiny but representable */
				case 4: y[i] = 1e300 * (double) (i % 5 - 2); break;	/* huge */
				case 5: y[i] = floor(10.0 * sin(i / 5.0)); break;	/* quantised sine */
				case 6: y[i] = 1.0 + 1e-15 * (double) (i % 3); break;	/* nearly constant */
				case 7: y[i] = (double) i; break;				/* linear trend */
				default: y[i] = (double) (i * i % 17); break;	/* integer pattern */
			}
		}
		CHECK_EQ_INT(an_catch22(y, N, out, NULL), AN_OK);
		if (shape == 3 || shape == 4)
		{
			/* the squared deviations under- or overflow: no z-score, NaN features */
			for (int f = 0; f < AN_CATCH22_COUNT; f++)
				CHECK(isnan(out[f]));
		}
		else
			for (int f = 0; f < AN_CATCH24_COUNT; f++)
				if (f != 17 && f != 19)	/* may be NaN by definition on degenerate symbols/distances */
					CHECK(!isnan(out[f]));
	}
}

/*
 * The spec's H5-exact recipe written out literally (recursive radix-2
 * decimation in time over a twiddle table of length n_tab), to check that
 * the iterative, depth-first c22_fft and c22_acf give the same bits.
 */
static void
spec_fft(const double *x, size_t m, size_t stride, double *out, const double *w, size_t n_tab)
{
	double	   *e,
			   *o;

	if (m == 1)
	{
		out[0] = x[0];
		out[1] = x[1];
		return;
	}
	e = malloc(m * sizeof(double));
	o = malloc(m * sizeof(double));
	spec_fft(x, m / 2, stride * 2, e, w, n_tab);
	spec_fft(x + 2 * stride, m / 2, stride * 2, o, w, n_tab);
	for (size_t k = 0; k < m / 2; k++)
	{
		size_t		idx = 2 * k * (n_tab / m);
		double		wr = w[2 * idx],
					wi = w[2 * idx + 1];
		double		tr = wr * o[2 * k] - wi * o[2 * k + 1];
		double		ti = wr * o[2 * k + 1] + wi * o[2 * k];

		out[2 * k] = e[2 * k] + tr;
		out[2 * k + 1] = e[2 * k + 1] + ti;
		out[2 * (k + m / 2)] = e[2 * k] - tr;
		out[2 * (k + m / 2) + 1] = e[2 * k + 1] - ti;
	}
	free(e);
	free(o);
}

static double *
spec_table(size_t n_tab)
{
	double	   *w = malloc(2 * n_tab * sizeof(double));

	for (size_t i = 0; i < n_tab; i++)
	{
		double		theta = (3.14159265359 * (double) i) / (double) n_tab;

		w[2 * i] = cos(theta);
		w[2 * i + 1] = -sin(theta);
	}
	return w;
}

static void
test_fft_and_acf_bit_exact(void)
{
	unsigned	seed = 99;
	size_t		lengths[] = {3, 5, 11, 12, 32, 33, 100, 270, 1000, 5001};

	for (size_t li = 0; li < sizeof(lengths) / sizeof(lengths[0]); li++)
	{
		size_t		n = lengths[li];
		size_t		big = 2 * c22_pow2_at_least(n);
		double	   *x = malloc(n * sizeof(double));
		double	   *a = calloc(2 * big, sizeof(double));
		double	   *p = malloc(2 * big * sizeof(double));
		double	   *b = malloc(2 * big * sizeof(double));
		double	   *buf = malloc(2 * 4 * big * sizeof(double));
		double	   *r_spec = malloc(n * sizeof(double));
		double	   *r_ours = malloc(n * sizeof(double));
		double	   *w = spec_table(big);
		c22_twiddles own,
					larger;
		double		mean = 0.0,
					c,
					d;

		for (size_t i = 0; i < n; i++)
		{
			seed = seed * 1103515245u + 12345u;
			/* integer-valued half of the time: exact ACF ties */
			x[i] = (li % 2) ? (double) ((seed >> 16) % 7) : (double) (seed >> 8) / 16777216.0 - 0.5;
			mean += x[i];
		}
		mean /= (double) n;
		for (size_t i = 0; i < n; i++)
			a[2 * i] = x[i] - mean;
		/* steps 5-8 of H5-exact */
		spec_fft(a, big, 1, p, w, big);
		for (size_t k = 0; k < big; k++)
		{
			double		ar = p[2 * k],
						ai = p[2 * k + 1];

			p[2 * k] = ar * ar - ai * (-ai);
			p[2 * k + 1] = ar * (-ai) + ai * ar;
		}
		spec_fft(p, big, 1, b, w, big);
		c = b[0];
		d = b[1];
		for (size_t k = 0; k < n; k++)
			r_spec[k] = (b[2 * k] * c + b[2 * k + 1] * d) / (c * c + d * d);

		CHECK_EQ_INT(c22_twiddles_init(&own, big, 1), AN_OK);
		CHECK_EQ_INT(c22_twiddles_init(&larger, 4 * big, 1), AN_OK);
		c22_acf(x, n, r_ours, buf, &own);
		CHECK(memcmp(r_spec, r_ours, n * sizeof(double)) == 0);
		c22_acf(x, n, r_ours, buf, &larger);
		CHECK(memcmp(r_spec, r_ours, n * sizeof(double)) == 0);
		/* a plain transform, too */
		memcpy(buf, a, 2 * big * sizeof(double));
		c22_fft(buf, big, &own);
		spec_fft(a, big, 1, b, w, big);
		CHECK(memcmp(buf, b, 2 * big * sizeof(double)) == 0);
		c22_twiddles_free(&own);
		c22_twiddles_free(&larger);
		free(x);
		free(a);
		free(p);
		free(b);
		free(buf);
		free(r_spec);
		free(r_ours);
		free(w);
	}
}

int
main(void)
{
	RUN(test_basic);
	RUN(test_simulated);
	RUN(test_empirical);
	RUN(test_too_short_and_nonfinite);
	RUN(test_constant);
	RUN(test_tiny_lengths);
	RUN(test_n3_by_hand);
	RUN(test_integer_walks);
	RUN(test_shared_tables);
	RUN(test_periodicity_exact_path);
	RUN(test_awkward_shapes);
	RUN(test_fft_and_acf_bit_exact);
	printf("catch22: %d reference files, %d values compared\n", files_checked, values_checked);
	UNIT_EXIT();
}
