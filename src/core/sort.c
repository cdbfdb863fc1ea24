/*
 * sort.c: introsort for points and doubles, quickselect for medians.
 *
 * Median-of-three quicksort with insertion sort for short ranges and a heap
 * sort fallback when recursion gets deep, so the worst case stays
 * O(n log n) even on adversarial input; recursion only into the smaller half.
 * The selection behind the medians partitions and finishes with AVX-512
 * where the CPU has it (sort_avx512.c), with the same selected values.
 */
#include "core/sort.h"

#include "core/core.h"
#include "core/sort_avx512.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

static inline int
point_less(const an_point *a, const an_point *b)
{
	return a->ts < b->ts || (a->ts == b->ts && a->value < b->value);
}

#define DEFINE_INTROSORT(NAME, T, LESS) \
static void \
NAME##_insertion(T *v, size_t n) \
{ \
	for (size_t i = 1; i < n; i++) \
	{ \
		T			x = v[i]; \
		size_t		j = i; \
		while (j > 0 && LESS(&x, &v[j - 1])) \
		{ \
			v[j] = v[j - 1]; \
			j--; \
		} \
		v[j] = x; \
	} \
} \
static void \
NAME##_sift(T *v, size_t root, size_t n) \
{ \
	for (;;) \
	{ \
		size_t		child = 2 * root + 1; \
		T			tmp; \
		if (child >= n) \
			return; \
		if (child + 1 < n && LESS(&v[child], &v[child + 1])) \
			child++; \
		if (!LESS(&v[root], &v[child])) \
			return; \
		tmp = v[root]; v[root] = v[child]; v[child] = tmp; \
		root = child; \
	} \
} \
static void \
NAME##_heapsort(T *v, size_t n) \
{ \
	for (size_t i = n / 2; i-- > 0;) \
		NAME##_sift(v, i, n); \
	for (size_t end = n; end-- > 1;) \
	{ \
		T			tmp = v[0]; v[0] = v[end]; v[end] = tmp; \
		NAME##_sift(v, 0, end); \
	} \
} \
/* Hoare partition around the median of three; returns the split point. */ \
static size_t \
NAME##_partition(T *v, size_t n) \
{ \
	size_t		mid = n / 2, i, j; \
	T			pivot, tmp; \
	if (LESS(&v[mid], &v[0])) { tmp = v[mid]; v[mid] = v[0]; v[0] = tmp; } \
	if (LESS(&v[n - 1], &v[0])) { tmp = v[n - 1]; v[n - 1] = v[0]; v[0] = tmp; } \
	if (LESS(&v[n - 1], &v[mid])) { tmp = v[n - 1]; v[n - 1] = v[mid]; v[mid] = tmp; } \
	pivot = v[mid]; \
	i = 0; j = n - 1; \
	for (;;) \
	{ \
		while (LESS(&v[i], &pivot)) i++; \
		while (LESS(&pivot, &v[j])) j--; \
		if (i >= j) return j + 1; \
		tmp = v[i]; v[i] = v[j]; v[j] = tmp; \
		i++; j--; \
	} \
} \
static void \
NAME(T *v, size_t n) \
{ \
	int			depth = 0; \
	for (size_t m = n; m > 1; m >>= 1) depth += 2; \
	while (n > 24) \
	{ \
		size_t		split; \
		if (depth-- <= 0) { NAME##_heapsort(v, n); return; } \
		an_check_interrupts(); \
		split = NAME##_partition(v, n); \
		if (split < n - split) { NAME(v, split); v += split; n -= split; } \
		else { NAME(v + split, n - split); n = split; } \
	} \
	NAME##_insertion(v, n); \
}

static inline int
double_less(const double *a, const double *b)
{
	return *a < *b;
}

DEFINE_INTROSORT(introsort_points, an_point, point_less)
DEFINE_INTROSORT(introsort_doubles, double, double_less)

void
an_sort_points(an_point *pts, size_t n)
{
	size_t		i = 1;

	/*
	 * Rows usually arrive in time order: strictly increasing timestamps have
	 * exactly one sorted order, the one they are in, so an O(n) check
	 * replaces the sort (ties could be reordered by introsort, so they sort).
	 */
	while (i < n && pts[i - 1].ts < pts[i].ts)
		if ((++i & (AN_INTERRUPT_STRIDE - 1)) == 0)
			an_check_interrupts();
	if (i < n)
		introsort_points(pts, n);
}

void
an_sort_doubles(double *v, size_t n)
{
	if (n > 1)
		introsort_doubles(v, n);
}

void
an_select_double(double *v, size_t n, size_t k)
{
	size_t		lo = 0,
				hi = n;			/* the answer lies in v[lo, hi) */

	while (hi - lo > 24)
	{
		size_t		split = introsort_doubles_partition(v + lo, hi - lo) + lo;

		/* everything in [lo, split) <= everything in [split, hi) */
		if (k < split)
			hi = split;
		else
			lo = split;
	}
	introsort_doubles_insertion(v + lo, hi - lo);
}

/*
 * The partition step of median_select, w[0, m) into w[0, j) < pivot <=
 * w[j, m), returning j: branch-free one element at a time, or sixteen at a
 * time with AVX-512 where the CPU has it (sort_avx512.c).  Both leave the
 * same two sets, only in a different order within each.
 */
static size_t
partition_scalar(double *w, size_t m, double pivot)
{
	size_t		j = 0;

	for (size_t i = 0; i < m; i++)
	{
		double		x = w[i];
		size_t		less = x < pivot;

		w[i] = w[j];
		w[j] = x;
		j += less;
	}
	return j;
}

/* The vector partition holds 32 values in registers while it works, so it needs as many. */
#define PARTITION_VECTOR_MIN 32

static inline size_t
partition_less(double *w, size_t m, double pivot)
{
#ifdef AN_HAVE_AVX512_KERNELS
	if (m >= PARTITION_VECTOR_MIN && an_avx512_enabled())
		return an_partition_less_avx512(w, m, pivot);
#endif
	return partition_scalar(w, m, pivot);
}

/* The last step of median_select: sorts a range of at most 24 values. */
static inline void
small_sort(double *v, size_t n)
{
#ifdef AN_HAVE_AVX512_KERNELS
	if (n >= 2 && an_avx512_enabled())
	{
		an_rank_sort_avx512(v, n);
		return;
	}
#endif
	introsort_doubles_insertion(v, n);
}

/*
 * Selection for medians, with a branchless Lomuto partition: on random data
 * the branches of a Hoare partition are mispredicted about half the time,
 * which made medians the largest cost of a seasonal fit.  Same contract as
 * an_select_double (the k-th smallest at v[k], smaller-or-equal values left
 * of it, greater-or-equal right), but a different final order of v, which is
 * why an_select_double itself (whose callers sum over v afterwards) keeps its
 * algorithm.  After a lopsided split (typical of many duplicates) the
 * elements equal to the pivot are split off in a second pass, so duplicates
 * cannot make it quadratic; after a depth limit (adversarial
 * input) it hands the rest to the introsort partition.
 */
static void
median_select(double *v, size_t n, size_t k)
{
	size_t		lo = 0,
				hi = n;			/* the answer lies in v[lo, hi) */
	int			depth = 0;

	for (size_t m = n; m > 1; m >>= 1)
		depth += 2;
	while (hi - lo > 24)
	{
		double	   *w = v + lo;
		size_t		m = hi - lo,
					mid = m / 2,
					j,
					e;
		double		pivot,
					tmp;

		if (depth-- <= 0)
		{
			an_select_double(w, m, k - lo);
			return;
		}
		if (m >= AN_INTERRUPT_STRIDE)
			an_check_interrupts();
		/* median of three to the end */
		if (w[mid] < w[0]) { tmp = w[mid]; w[mid] = w[0]; w[0] = tmp; }
		if (w[m - 1] < w[0]) { tmp = w[m - 1]; w[m - 1] = w[0]; w[0] = tmp; }
		if (w[mid] < w[m - 1]) { tmp = w[mid]; w[mid] = w[m - 1]; w[m - 1] = tmp; }
		pivot = w[m - 1];
		j = partition_less(w, m - 1, pivot);
		w[m - 1] = w[j];
		w[j] = pivot;
		/* w[0, j) < pivot == w[j] <= w[j + 1, m) */
		if (k - lo < j)
		{
			hi = lo + j;
			continue;
		}
		if (k - lo == j)
			return;
		if (m - j - 1 <= m / 16 * 15)
		{
			/* a fair split: continue right of the pivot */
			lo += j + 1;
			continue;
		}
		/* lopsided (many duplicates?): split the right part into == pivot and > pivot */
		e = j + 1;
		for (size_t i = j + 1; i < m; i++)
		{
			double		x = w[i];
			size_t		eq = !(pivot < x);

			w[i] = w[e];
			w[e] = x;
			e += eq;
		}
		/* w[j, e) == pivot < w[e, m) */
		if (k - lo < e)
			return;
		lo += e;
	}
	small_sort(v + lo, hi - lo);
}

/*
 * Compare-exchange that swaps only when b < a: a chain of them in insertion
 * order is the insertion sort itself (equal values keep their order), so
 * small medians come out as the very same element, branch-free.
 */
#define CSWAP(a, b) do { double lo_ = (b) < (a) ? (b) : (a); (b) = (b) < (a) ? (a) : (b); (a) = lo_; } while (0)

/* Median of 2 to 5 values (the 3 or 4 per phase of refine's profiles, say), as an_median_inplace. */
static double
small_median(const double *v, size_t n)
{
	double		a = v[0],
				b = v[1],
				c = n > 2 ? v[2] : 0,
				d = n > 3 ? v[3] : 0,
				e = n > 4 ? v[4] : 0;

	CSWAP(a, b);
	if (n == 2)
		return a + (b - a) / 2;
	CSWAP(b, c);
	CSWAP(a, b);
	if (n == 3)
		return b;
	CSWAP(c, d);
	CSWAP(b, c);
	CSWAP(a, b);
	if (n == 4)
	{
		double		lower = b > a ? b : a;

		return lower + (c - lower) / 2;
	}
	CSWAP(d, e);
	CSWAP(c, d);
	CSWAP(b, c);
	CSWAP(a, b);
	return c;
}

void
an_select_fast(double *v, size_t n, size_t k)
{
	if (k < n)
		median_select(v, n, k);
}

/*
 * The largest of v[0, n), n >= 1, two lanes at a time where there is SSE2.
 * Of equal values (+0 and -0 are the only equal values that differ) any
 * may be returned.
 */
static double
max_of(const double *v, size_t n)
{
	double		best = v[0];
	size_t		i = 1;

#ifdef __SSE2__
	if (n >= 9)
	{
		__m128d		a = _mm_loadu_pd(v),
					b = _mm_loadu_pd(v + 2),
					hi;

		for (i = 4; i + 4 <= n; i += 4)
		{
			a = _mm_max_pd(a, _mm_loadu_pd(v + i));
			b = _mm_max_pd(b, _mm_loadu_pd(v + i + 2));
		}
		a = _mm_max_pd(a, b);
		hi = _mm_unpackhi_pd(a, a);
		best = _mm_cvtsd_f64(_mm_max_sd(a, hi));
	}
#endif
	for (; i < n; i++)
		best = v[i] > best ? v[i] : best;
	return best;
}

/*
 * The median of v[i] - c for v partitioned around index n / 2 by a selection
 * (n > 5): the upper middle is v[n / 2], the lower one (n even) the largest
 * value left of it.  x -> x - c is monotone, so they stay the middle ones;
 * c = 0 changes no value.
 */
static double
selected_median(const double *v, size_t n, double c)
{
	size_t		half = n / 2;
	double		upper = v[half] - c,
				lower;

	if (n % 2)
		return upper;
	lower = max_of(v, half);
	lower -= c;
	return lower + (upper - lower) / 2;
}

double
an_median_inplace(double *v, size_t n)
{
	if (n >= 2 && n <= 5)
		return small_median(v, n);
	median_select(v, n, n / 2);
	return selected_median(v, n, 0.0);
}

double
an_median_shifted(const double *v, size_t n, double c)
{
	if (n >= 2 && n <= 5)
	{
		/* small_median does not reorder: v is in its original order */
		double		w[5];

		for (size_t i = 0; i < n; i++)
			w[i] = v[i] - c;
		return small_median(w, n);
	}
	return selected_median(v, n, c);
}
