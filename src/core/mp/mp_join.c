/*
 * mp_join.c: the blocked diagonal walk of mp_join.h.
 *
 * Along one diagonal the update is a recurrence; across diagonals it is not.
 * So the walk takes a block of JOIN_BLOCK adjacent diagonals k0 .. k0+B-1
 * and goes down their rows together: row i touches the cells (i, i+k0+v),
 * v < B, whose inputs are contiguous in v.  Each cell lowers the best of
 * its window of b (an elementwise minimum and a masked store) and steps
 * its running product to the next row; then the least cost of the row
 * lowers the best of window i of a, and the row's costs, kept in g[], give
 * its index.  The block's running products stay in L1, and the arrays
 * stream through once a block.
 *
 * The generic row runs as the compiler makes of it (it vectorises the
 * minimum without indices, not the one with them); the AVX-512 row does the
 * same operations in the same order lane by lane (no fused multiply-add,
 * and a minimum by vminpd, which equals the scalar select as no cost is
 * NaN), so both give the same bits (test_matrix_profile checks it).  With
 * indices the generic row is about twice as slow as the AVX-512 one.
 */
#include "core/mp/mp_join.h"

#include <math.h>
#include <stdbool.h>

#include "core/cpu_features.h"

/* Diagonals walked together (the running products take 8 B bytes). */
#define JOIN_BLOCK 256

/* Inline into each specialisation, so that the cost and the tracking are constants there. */
#define JOIN_INLINE static inline __attribute__((always_inline))

/* The cells of one row: window i of a against windows j_lo .. j_lo+cnt-1 of b. */
typedef struct row_job
{
	an_mp_cost	kind;
	bool		track;			/* keep b's nearest windows too (nn_j) */
	size_t		cnt;			/* >= 1 */
	int64_t		i;
	double		off_i,
				inv_i,
				df_i,
				dg_i;
	const double *off_j,
			   *inv_j,
			   *df_j,
			   *dg_j;
	double	   *c;				/* the cells' running products */
	double	   *g;				/* out: the cells' costs */
	double	   *best_j;
	int64_t    *nn_j;
} row_job;

/* Walks the row's cells; returns their least cost (or anything when the caller does not need it). */
typedef double (*row_fn) (const row_job *r, bool need_min);

void
an_mp_update_terms(const double *x, const double *mu, size_t m, size_t w, double *df, double *dg)
{
	for (size_t i = 0; i + 1 < m; i++)
	{
		df[i] = (x[i + w] - x[i]) / 2.0;
		dg[i] = (x[i + w] - mu[i + 1]) + (x[i] - mu[i]);
	}
	df[m - 1] = dg[m - 1] = 0.0;
}

double
an_mp_centred_product(const double *a, double mua, const double *b, double mub, size_t w)
{
	double		c = 0.0;

	for (size_t t = 0; t < w; t++)
		c += (a[t] - mua) * (b[t] - mub);
	return c;
}

/* the smallest of g[0..n) (n >= 1), four running minima */
static double
row_min(const double *g, size_t n)
{
	double		r[4] = {INFINITY, INFINITY, INFINITY, INFINITY};
	size_t		t = 0;

	for (; t + 4 <= n; t += 4)
		for (int l = 0; l < 4; l++)
			r[l] = g[t + l] < r[l] ? g[t + l] : r[l];
	for (; t < n; t++)
		r[0] = g[t] < r[0] ? g[t] : r[0];
	r[0] = r[1] < r[0] ? r[1] : r[0];
	r[2] = r[3] < r[2] ? r[3] : r[2];
	return r[2] < r[0] ? r[2] : r[0];
}

/* The generic row; restrict parameters (not locals) let GCC vectorise the loop without indices. */
JOIN_INLINE void
cells(an_mp_cost kind, bool track, size_t cnt, int64_t i, double off_i, double inv_i, double df_i, double dg_i,
	  const double *restrict off_j, const double *restrict inv_j, const double *restrict df_j,
	  const double *restrict dg_j, double *restrict c, double *restrict g, double *best_j, int64_t *nn_j)
{
	for (size_t t = 0; t < cnt; t++)
	{
		double		cost = kind == AN_MP_COST_CORR ?
			off_i - c[t] * inv_i * inv_j[t] + off_j[t] :
			off_i + off_j[t] - 2 * c[t] * inv_i * inv_j[t];

		g[t] = cost;
		if (track)
			nn_j[t] = cost < best_j[t] ? i : nn_j[t];
		best_j[t] = cost < best_j[t] ? cost : best_j[t];
		/* on to the next row (the last row's update is never used) */
		c[t] += df_i * dg_j[t] + df_j[t] * dg_i;
	}
}

JOIN_INLINE void
row_cells(const row_job *r, an_mp_cost kind, bool track)
{
	cells(kind, track, r->cnt, r->i, r->off_i, r->inv_i, r->df_i, r->dg_i, r->off_j, r->inv_j, r->df_j, r->dg_j,
		  r->c, r->g, r->best_j, r->nn_j);
}

static double
row_generic(const row_job *r, bool need_min)
{
	if (r->kind == AN_MP_COST_CORR)
	{
		if (r->track)
			row_cells(r, AN_MP_COST_CORR, true);
		else
			row_cells(r, AN_MP_COST_CORR, false);
	}
	else if (r->track)
		row_cells(r, AN_MP_COST_DIST2, true);
	else
		row_cells(r, AN_MP_COST_DIST2, false);
	return need_min ? row_min(r->g, r->cnt) : INFINITY;
}

#ifdef AN_HAVE_AVX512_KERNELS
#include <immintrin.h>

__attribute__((target("avx512f"))) JOIN_INLINE double
row_cells_avx512(const row_job *job, an_mp_cost kind, bool track)
{
	const size_t cnt = job->cnt;
	const __m512d off_i = _mm512_set1_pd(job->off_i),
				inv_i = _mm512_set1_pd(job->inv_i),
				df_i = _mm512_set1_pd(job->df_i),
				dg_i = _mm512_set1_pd(job->dg_i),
				two = _mm512_set1_pd(2.0);
	const __m512i row = _mm512_set1_epi64(job->i);
	__m512d		least = _mm512_set1_pd(INFINITY);

	for (size_t t = 0; t < cnt; t += 8)
	{
		__mmask8	live = cnt - t >= 8 ? 0xFF : (__mmask8) ((1u << (cnt - t)) - 1);
		__m512d		c = _mm512_maskz_loadu_pd(live, job->c + t),
					inv_j = _mm512_maskz_loadu_pd(live, job->inv_j + t),
					off_j = _mm512_maskz_loadu_pd(live, job->off_j + t),
					df_j = _mm512_maskz_loadu_pd(live, job->df_j + t),
					dg_j = _mm512_maskz_loadu_pd(live, job->dg_j + t),
					b = _mm512_maskz_loadu_pd(live, job->best_j + t),
					cost;
		__mmask8	better;

		if (kind == AN_MP_COST_CORR)
			cost = _mm512_add_pd(_mm512_sub_pd(off_i, _mm512_mul_pd(_mm512_mul_pd(c, inv_i), inv_j)), off_j);
		else
			cost = _mm512_sub_pd(_mm512_add_pd(off_i, off_j),
								 _mm512_mul_pd(_mm512_mul_pd(_mm512_mul_pd(two, c), inv_i), inv_j));
		_mm512_mask_storeu_pd(job->g + t, live, cost);
		better = _mm512_mask_cmp_pd_mask(live, cost, b, _CMP_LT_OQ);
		/*
		 * Improvements get rare after the first blocks; storing only then
		 * spares the next row's load, one element further on, a
		 * store-forwarding stall (it overlaps two earlier stores).
		 */
		if (better)
		{
			_mm512_mask_storeu_pd(job->best_j + t, better, cost);
			if (track)
				_mm512_mask_storeu_epi64(job->nn_j + t, better, row);
		}
		least = _mm512_mask_min_pd(least, live, cost, least);
		c = _mm512_add_pd(c, _mm512_add_pd(_mm512_mul_pd(df_i, dg_j), _mm512_mul_pd(df_j, dg_i)));
		_mm512_mask_storeu_pd(job->c + t, live, c);
	}
	return _mm512_reduce_min_pd(least);
}

__attribute__((target("avx512f"))) static double
row_avx512(const row_job *r, bool need_min)
{
	(void) need_min;			/* the least cost comes with the cells here */
	if (r->kind == AN_MP_COST_CORR)
		return r->track ? row_cells_avx512(r, AN_MP_COST_CORR, true) : row_cells_avx512(r, AN_MP_COST_CORR, false);
	return r->track ? row_cells_avx512(r, AN_MP_COST_DIST2, true) : row_cells_avx512(r, AN_MP_COST_DIST2, false);
}
#endif

/* The diagonals k0 .. k0+bw-1 (bw <= JOIN_BLOCK) of a against b. */
static void
join_block(const an_mp_side *a, const an_mp_side *b, an_mp_cost kind, ptrdiff_t k0, size_t bw,
		   const an_mp_best *col, const an_mp_best *row, row_fn walk_row)
{
	double		cov[JOIN_BLOCK],
				g[JOIN_BLOCK];
	const ptrdiff_t ma = (ptrdiff_t) a->m,
				mb = (ptrdiff_t) b->m,
				last = k0 + (ptrdiff_t) bw - 1;
	ptrdiff_t	i_lo = last < 0 ? -last : 0,
				i_hi = mb - k0 < ma ? mb - k0 : ma;
	row_job		job = {.kind = kind, .track = col->nn != NULL, .g = g};

	for (size_t v = 0; v < bw; v++)
	{
		ptrdiff_t	k = k0 + (ptrdiff_t) v,
					i0 = k < 0 ? -k : 0;

		cov[v] = i0 < ma && i0 + k < mb ? an_mp_centred_product(a->x + i0, a->mu[i0], b->x + i0 + k, b->mu[i0 + k], a->w) : 0;
	}
	if (i_hi <= i_lo)
		return;
	AN_FOR_CHECKED(r, (size_t) (i_hi - i_lo))
	{
		const ptrdiff_t i = i_lo + (ptrdiff_t) r,
					v_lo = -k0 - i > 0 ? -k0 - i : 0,
					v_hi = mb - k0 - i < (ptrdiff_t) bw ? mb - k0 - i : (ptrdiff_t) bw;
		const size_t j_lo = (size_t) (i + k0 + v_lo);
		double		least;

		job.cnt = (size_t) (v_hi - v_lo);
		job.i = (int64_t) i;
		job.off_i = a->off[i];
		job.inv_i = a->inv[i];
		job.df_i = a->df[i];
		job.dg_i = a->dg[i];
		job.off_j = b->off + j_lo;
		job.inv_j = b->inv + j_lo;
		job.df_j = b->df + j_lo;
		job.dg_j = b->dg + j_lo;
		job.c = cov + v_lo;
		job.best_j = col->cost + j_lo;
		job.nn_j = job.track ? col->nn + j_lo : NULL;
		least = walk_row(&job, row != NULL);
		if (row != NULL && least < row->cost[i])
		{
			row->cost[i] = least;
			if (row->nn != NULL)
			{
				size_t		t = 0;

				while (g[t] != least)
					t++;
				row->nn[i] = (int64_t) (j_lo + t);
			}
		}
	}
}

void
an_mp_join(const an_mp_side *a, const an_mp_side *b, an_mp_cost cost, ptrdiff_t k_from, ptrdiff_t k_to,
		   const an_mp_best *col, const an_mp_best *row)
{
	row_fn		walk_row = row_generic;

#ifdef AN_HAVE_AVX512_KERNELS
	if (an_avx512_enabled())
		walk_row = row_avx512;
#endif
	for (ptrdiff_t k0 = k_from; k0 < k_to; k0 += JOIN_BLOCK)
		join_block(a, b, cost, k0, k_to - k0 < JOIN_BLOCK ? (size_t) (k_to - k0) : JOIN_BLOCK, col, row, walk_row);
}
