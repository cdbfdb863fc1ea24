/*
 * sort_avx512.c: the AVX-512 kernels of the selection in sort.c (see
 * cpu_features.h).  They give what their scalar counterparts give: the same
 * two sets around a pivot, the same sorted values.
 */
#include "core/sort_avx512.h"

#ifdef AN_HAVE_AVX512_KERNELS

#include <immintrin.h>
#include <string.h>

/*
 * In place, sixteen at a time: the first and the last sixteen values wait
 * in registers, which leaves 32 free slots between the two write cursors
 * and the two read cursors.  Each round reads sixteen from the side with
 * fewer free slots (so both sides keep at least sixteen) and writes the
 * smaller ones at the left cursor and the others below the right one, by
 * masked stores of only the lanes that hold values: a write never lands on
 * a value not yet read.  Two vectors a round let the compares of one
 * overlap the stores of the other.  m >= 32.
 */
__attribute__((target("avx512f"))) size_t
an_partition_less_avx512(double *w, size_t m, double pivot)
{
	const __m512d p = _mm512_set1_pd(pivot);
	__m512d		first0 = _mm512_loadu_pd(w),
				first1 = _mm512_loadu_pd(w + 8),
				last0 = _mm512_loadu_pd(w + m - 16),
				last1 = _mm512_loadu_pd(w + m - 8);
	size_t		l = 0,
				r = m,			/* written: w[0, l) < pivot <= w[r, m) */
				rl = 16,
				rr = m - 16;	/* not yet read: w[rl, rr) */
	double		tail[16];
	size_t		ntail;

#define PARTITION_WRITE(x) \
	do { \
		__mmask8	lt_ = _mm512_cmp_pd_mask((x), p, _CMP_LT_OQ); \
		unsigned	nlt_ = (unsigned) __builtin_popcount(lt_); \
		\
		_mm512_mask_storeu_pd(w + l, (__mmask8) ((1u << nlt_) - 1), _mm512_maskz_compress_pd(lt_, (x))); \
		l += nlt_; \
		r -= 8 - nlt_; \
		_mm512_mask_storeu_pd(w + r, (__mmask8) ((1u << (8 - nlt_)) - 1), \
							  _mm512_maskz_compress_pd((__mmask8) ~lt_, (x))); \
	} while (0)

	while (rr - rl >= 16)
	{
		__m512d		x0,
					x1;

		if (rl - l <= r - rr)
		{
			x0 = _mm512_loadu_pd(w + rl);
			x1 = _mm512_loadu_pd(w + rl + 8);
			rl += 16;
		}
		else
		{
			rr -= 16;
			x0 = _mm512_loadu_pd(w + rr);
			x1 = _mm512_loadu_pd(w + rr + 8);
		}
		PARTITION_WRITE(x0);
		PARTITION_WRITE(x1);
	}
	/* the last fewer than sixteen unread values, then the 32 held: [l, r) is exactly their room */
	ntail = rr - rl;
	memcpy(tail, w + rl, ntail * sizeof(double));
	for (size_t i = 0; i < ntail; i++)
	{
		if (tail[i] < pivot)
			w[l++] = tail[i];
		else
			w[--r] = tail[i];
	}
	PARTITION_WRITE(first0);
	PARTITION_WRITE(first1);
	PARTITION_WRITE(last0);
	PARTITION_WRITE(last1);
#undef PARTITION_WRITE
	return l;
}

/*
 * Sorts v[0, n), 2 <= n <= 24, by rank: each value goes to the number of
 * values smaller than it plus the number of equal ones before it, counted
 * by compares eight at a time.  Ties keep their order, so the result is
 * the very array the (stable) insertion sort makes, without its branches.
 */
__attribute__((target("avx512f"))) void
an_rank_sort_avx512(double *v, size_t n)
{
	__mmask8	valid[3];
	__m512d		a[3];
	double		sorted[24];

	for (int g = 0; g < 3; g++)
	{
		size_t		lanes = n > 8 * (size_t) g ? n - 8 * (size_t) g : 0;

		valid[g] = (__mmask8) (lanes >= 8 ? 0xFF : (1u << lanes) - 1);
		a[g] = _mm512_maskz_loadu_pd(valid[g], v + 8 * g);
	}
	for (size_t i = 0; i < n; i++)
	{
		__m512d		x = _mm512_set1_pd(v[i]);
		unsigned	rank = 0;

		for (int g = 0; g < 3; g++)
		{
			/* the lanes of group g before i */
			size_t		before = i > 8 * (size_t) g ? i - 8 * (size_t) g : 0;
			__mmask8	earlier = (__mmask8) (before >= 8 ? 0xFF : (1u << before) - 1);

			rank += (unsigned) __builtin_popcount(_mm512_mask_cmp_pd_mask(valid[g], a[g], x, _CMP_LT_OQ));
			rank += (unsigned) __builtin_popcount(_mm512_mask_cmp_pd_mask(earlier, a[g], x, _CMP_EQ_OQ));
		}
		sorted[rank] = v[i];
	}
	memcpy(v, sorted, n * sizeof(double));
}

#endif
