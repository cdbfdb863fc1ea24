/*
 * test_sort.c: introsort and selection against a plain insertion sort, on
 * random, sorted, reversed, constant and many-duplicate inputs.
 */
#include "core/cpu_features.h"
#include "core/sort.h"
#include "unit.h"

#include "test_random.h"

static void
reference_sort(double *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && v[j] < v[j - 1]; j--)
		{
			double		t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

static void
fill(double *v, size_t n, int pattern)
{
	for (size_t i = 0; i < n; i++)
		switch (pattern)
		{
			case 0:
				v[i] = (double) (random_u64() % 1000000) / 7.0;
				break;
			case 1:
				v[i] = (double) i;
				break;
			case 2:
				v[i] = (double) (n - i);
				break;
			case 3:
				v[i] = 42;
				break;
			default:
				v[i] = (double) (random_u64() % 3);
				break;
		}
}

static void
test_sort_doubles(void)
{
	size_t		sizes[] = {0, 1, 2, 3, 24, 25, 100, 1000, 5000};

	for (int pattern = 0; pattern < 5; pattern++)
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
		{
			size_t		n = sizes[s];
			double	   *a = malloc((n + 1) * sizeof(double));
			double	   *b = malloc((n + 1) * sizeof(double));

			fill(a, n, pattern);
			memcpy(b, a, n * sizeof(double));
			an_sort_doubles(a, n);
			reference_sort(b, n);
			CHECK(n == 0 || memcmp(a, b, n * sizeof(double)) == 0);
			free(a);
			free(b);
		}
}

static void
test_sort_points_by_ts_then_value(void)
{
	size_t		n = 3000;
	an_point   *p = malloc(n * sizeof(an_point));

	for (size_t i = 0; i < n; i++)
	{
		p[i].ts = (int64_t) (random_u64() % 50) - 25;
		p[i].value = (double) (random_u64() % 7);
	}
	an_sort_points(p, n);
	for (size_t i = 1; i < n; i++)
		CHECK(p[i - 1].ts < p[i].ts || (p[i - 1].ts == p[i].ts && p[i - 1].value <= p[i].value));
	free(p);
}

static void
test_select_and_median(void)
{
	for (int pattern = 0; pattern < 5; pattern++)
		for (size_t n = 1; n < 300; n += 7)
		{
			double	   *a = malloc(n * sizeof(double));
			double	   *b = malloc(n * sizeof(double));
			double		expect;

			fill(a, n, pattern);
			memcpy(b, a, n * sizeof(double));
			reference_sort(b, n);
			for (size_t k = 0; k < n; k += 5)
			{
				double	   *c = malloc(n * sizeof(double));

				memcpy(c, a, n * sizeof(double));
				an_select_double(c, n, k);
				CHECK(c[k] == b[k]);
				for (size_t i = 0; i < k; i++)
					CHECK(c[i] <= c[k]);
				for (size_t i = k + 1; i < n; i++)
					CHECK(c[i] >= c[k]);
				free(c);
			}
			expect = n % 2 ? b[n / 2] : b[n / 2 - 1] + (b[n / 2] - b[n / 2 - 1]) / 2;
			CHECK(an_median_inplace(a, n) == expect);
			free(a);
			free(b);
		}
	{
		double		v[] = {5, 1, 4, 2};

		CHECK(an_median_inplace(v, 4) == 3.0);
	}
}

/*
 * an_select_fast's contract (the k-th smallest at k, nothing larger left of
 * it, nothing smaller right of it, the same values as before) and the
 * median, with the vector partition and with the scalar one, at sizes on
 * both sides of every threshold of the selection: the vector code holds 32
 * values in registers, reads sixteen at a time and leaves up to fifteen.
 */
static void
test_select_fast_both_partitions(void)
{
	static const size_t big[] = {1000, 1001, 4099};
	bool		vector_ran = false;

	for (int vec = 0; vec < 2; vec++)
	{
		vector_ran |= an_use_vector_code(vec == 1);
		for (int pattern = 0; pattern < 5; pattern++)
			for (size_t si = 0; si < 80 + 3; si++)
			{
				size_t		n = si < 80 ? 1 + si : big[si - 80];
				double	   *a = malloc(n * sizeof(double)),
						   *b = malloc(n * sizeof(double)),
						   *c = malloc(n * sizeof(double));

				fill(a, n, pattern);
				memcpy(b, a, n * sizeof(double));
				qsort(b, n, sizeof(double), unit_cmp_double);
				for (size_t k = 0; k < n; k += n > 100 ? n / 37 : 1)
				{
					bool		ok = true;

					memcpy(c, a, n * sizeof(double));
					an_select_fast(c, n, k);
					ok &= c[k] == b[k];
					for (size_t i = 0; i < k; i++)
						ok &= c[i] <= c[k];
					for (size_t i = k + 1; i < n; i++)
						ok &= c[i] >= c[k];
					qsort(c, n, sizeof(double), unit_cmp_double);
					ok &= memcmp(c, b, n * sizeof(double)) == 0;
					CHECK(ok);
				}
				memcpy(c, a, n * sizeof(double));
				CHECK(an_median_inplace(c, n) ==
					  (n % 2 ? b[n / 2] : b[n / 2 - 1] + (b[n / 2] - b[n / 2 - 1]) / 2));
				free(a);
				free(b);
				free(c);
			}
	}
	an_use_vector_code(true);
	if (!vector_ran)
		printf("note: this CPU has no AVX-512F; only the scalar partition was tested\n");
}

/*
 * Up to 24 values an_select_fast sorts them outright (by rank with AVX-512,
 * by insertion without): the result must be the stable insertion sort's
 * bit for bit, which tells -0 from +0 and keeps ties in their order.
 */
static void
test_select_fast_small_is_stable_sort(void)
{
	static const double zeros[] = {-0.0, 0.0, 1.0, -1.0};

	for (int vec = 0; vec < 2; vec++)
	{
		an_use_vector_code(vec == 1);
		for (int pattern = 0; pattern < 6; pattern++)
			for (size_t n = 1; n <= 24; n++)
				for (int rep = 0; rep < 20; rep++)
				{
					double		a[24],
								b[24];

					if (pattern < 5)
						fill(a, n, pattern);
					else
						for (size_t i = 0; i < n; i++)
							a[i] = zeros[random_u64() % 4];
					memcpy(b, a, sizeof(a));
					reference_sort(b, n);
					an_select_fast(a, n, n / 2);
					CHECK(memcmp(a, b, n * sizeof(double)) == 0);
				}
	}
	an_use_vector_code(true);
}

/*
 * an_median_shifted on the array an_median_inplace left against the median
 * of the shifted values computed afresh (bit for bit, ties and all), for
 * shifts that round: values of 1e6 / 7 scale shifted by a third, by a huge
 * and by a tiny amount.
 */
static void
test_median_shifted(void)
{
	static const double shifts[] = {0, 1.0 / 3, -12345.678, 1e300, 1e-300};

	for (int pattern = 0; pattern < 5; pattern++)
		for (size_t n = 1; n < 120; n++)
			for (size_t s = 0; s < sizeof(shifts) / sizeof(shifts[0]); s++)
			{
				double	   *a = malloc(n * sizeof(double));
				double	   *d = malloc(n * sizeof(double));
				double		expect,
							got;

				fill(a, n, pattern);
				for (size_t i = 0; i < n; i++)
					d[i] = a[i] - shifts[s];
				expect = an_median_inplace(d, n);
				an_median_inplace(a, n);
				got = an_median_shifted(a, n, shifts[s]);
				CHECK(memcmp(&got, &expect, sizeof(double)) == 0);
				free(a);
				free(d);
			}
}

int
main(void)
{
	RUN(test_sort_doubles);
	RUN(test_sort_points_by_ts_then_value);
	RUN(test_select_and_median);
	RUN(test_select_fast_both_partitions);
	RUN(test_select_fast_small_is_stable_sort);
	RUN(test_median_shifted);
	UNIT_EXIT();
}
