/*
 * matrix_profile.c: exact self-join matrix profile by diagonal traversal.
 *
 * Implemented from the papers: the profile as in Yeh et al., "Matrix Profile
 * I" (ICDM 2016); the traversal cell by cell along the diagonals of the
 * distance matrix with an O(1) update per cell, as in STOMP (Zhu et al.,
 * ICDM 2016) and SCRIMP++ (Zhu et al., ICDM 2018); and, for the update, the
 * mean-centred form of Zimmerman et al., "Matrix Profile XIV" (SoCC 2019)
 * instead of STOMP's raw dot products.
 *
 * The centred form.  With mu[i] the mean of window i and
 *   C(i, j) = sum_t (x[i+t] - mu[i]) (x[j+t] - mu[j])
 * the next cell of a diagonal is
 *   C(i+1, j+1) = C(i, j) + df[i] dg[j] + df[j] dg[i],
 *   df[i] = (x[i+w] - x[i]) / 2,  dg[i] = (x[i+w] - mu[i+1]) + (x[i] - mu[i]),
 * (expand both sides: the x x terms give x[i+w] x[j+w] - x[i] x[j], the mean
 * terms w (mu[i+1] mu[j+1] - mu[i] mu[j])).  Every term is a deviation from
 * a local mean, so a series far from zero (a level of 1e6 with unit noise)
 * loses no digits, which the raw dot product QT - w mu mu of STOMP does, and
 * the error of the running sum grows only with the square root of the
 * diagonal's length.  The Pearson correlation is C(i, j) inv[i] inv[j] with
 * inv[i] = 1 / sqrt(C(i, i)), and the distance sqrt(2 w (1 - corr)).
 *
 * Constant windows (see matrix_profile.h) enter through h[i], half the
 * squared norm of the z-normalised window over 2w: 1/2, or 0 when constant
 * (inv[i] = 0 too).  The squared distance of the z-normalised windows
 * a, b is |a|^2 + |b|^2 - 2 a.b = 2w (h[i] + h[j] - corr), so the kernel
 * maximises g = corr - h[i] - h[j], which is corr - 1 for two ordinary
 * windows, -1/2 (d = sqrt(w)) for one constant one, 0 (d = 0) for two.
 *
 * Vectorisation.  Along one diagonal the update is a recurrence; across
 * diagonals it is not.  So the kernel takes a block of MP_BLOCK adjacent
 * diagonals k0 .. k0+B-1 and walks their rows together: row i touches the
 * cells (i, i+k0+v), v = 0 .. B-1, whose inputs are contiguous in v, and
 * updates the profile of the later windows i+k0+v (a vector compare and
 * masked store) and of window i (a max over the block).  The block's state (B
 * running sums) stays in L1, and the arrays stream through once a block.
 */
#include "core/mp/matrix_profile.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "core/cpu_features.h"

/* Diagonals walked together (the running sums take 8 B bytes). */
#define MP_BLOCK 256

size_t
an_mp_exclusion(size_t w)
{
	return (w + 3) / 4;
}

typedef struct mp_work
{
	size_t		m;				/* number of windows */
	size_t		w;
	const double *x;			/* the series, centred (see centred) */
	const double *raw;			/* as given, for telling constant windows */
	double	   *mu;				/* m: window means */
	double	   *inv;			/* m: 1 / sqrt(C(i, i)), 0 for a constant window */
	double	   *h;				/* m: 1/2, or 0 for a constant window */
	double	   *df;				/* m: see above; df[m-1] = dg[m-1] = 0 (read, never used) */
	double	   *dg;
	double	   *best;			/* m: the largest g so far */
	int64_t    *nn;				/* m: its partner */
} mp_work;

/* A check every so many windows of the O(w) loops: about 2^20 operations. */
static size_t
window_stride(size_t w)
{
	return w >= ((size_t) 1 << 20) ? 1 : ((size_t) 1 << 20) / w;
}

/*
 * Mean and centred sum of squares of every window, two-pass (exact to a
 * rounding or two, unlike running sums).  Returns false if a sum of squares
 * overflows.
 */
static bool
window_stats(mp_work *s)
{
	size_t		m = s->m,
				w = s->w,
				stride = window_stride(w);
	const double *x = s->x,
			   *raw = s->raw;

	for (size_t i = 0; i < m; i++)
	{
		double		sum = 0.0,
					ss = 0.0,
					mu;
		bool		constant = true;

		if (i % stride == 0)
			an_check_interrupts();
		for (size_t t = 0; t < w; t++)
		{
			sum += x[i + t];
			constant &= raw[i + t] == raw[i];
		}
		mu = sum / (double) w;
		for (size_t t = 0; t < w; t++)
			ss += (x[i + t] - mu) * (x[i + t] - mu);
		if (!isfinite(mu) || !(ss <= DBL_MAX / 16))
			return false;
		s->mu[i] = mu;
		/* values that differ by less than the square root of the smallest double also count as constant */
		if (constant || ss == 0.0)
		{
			s->inv[i] = 0.0;
			s->h[i] = 0.0;
		}
		else
		{
			s->inv[i] = 1.0 / sqrt(ss);
			s->h[i] = 0.5;
		}
	}
	an_mp_update_terms(x, s->mu, m, w, s->df, s->dg);
	return true;
}

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

/* C(0, k): the first cell of diagonal k, directly. */
static double
first_cell(const mp_work *s, size_t k)
{
	return an_mp_centred_product(s->x, s->mu[0], s->x + k, s->mu[k], s->w);
}

/*
 * Rows of the block of diagonals k0 .. k0+bw-1 (bw <= MP_BLOCK).  Row i has
 * the cells (i, j = i+k0+v) for v < min(bw, m - k0 - i).  The portable
 * version, and the reference for block_rows_avx512: GCC does not vectorise
 * it (the row's maximum is a floating-point max reduction, which it keeps
 * in order without -ffast-math), so it runs a cell at a time, about three
 * times slower than the AVX-512 kernel (0.55 s against 0.19 s for 20,000
 * points, w = 100).  The row's argmax is found
 * afterwards in g[], only when the maximum improves (rare after the first
 * blocks).
 */
static void
block_rows(mp_work *s, size_t k0, size_t bw, double *restrict cov, double *restrict g)
{
	const size_t m = s->m;
	const double *restrict inv = s->inv,
			   *restrict h = s->h,
			   *restrict df = s->df,
			   *restrict dg = s->dg;
	double	   *restrict best = s->best;
	int64_t    *restrict nn = s->nn;

	AN_FOR_CHECKED(i, m - k0)
	{
		size_t		nv = m - k0 - i < bw ? m - k0 - i : bw;
		const double inv_i = inv[i],
					h_i = h[i],
					df_i = df[i],
					dg_i = dg[i];
		const double *restrict inv_j = inv + i + k0,
				   *restrict h_j = h + i + k0,
				   *restrict df_j = df + i + k0,
				   *restrict dg_j = dg + i + k0;
		double	   *restrict best_j = best + i + k0;
		int64_t    *restrict nn_j = nn + i + k0;
		double		row_max = -INFINITY;

		for (size_t v = 0; v < nv; v++)
		{
			double		gv = (cov[v] * inv_i) * inv_j[v] - h_i - h_j[v];
			bool		better = gv > best_j[v];

			g[v] = gv;
			best_j[v] = better ? gv : best_j[v];
			nn_j[v] = better ? (int64_t) i : nn_j[v];
			row_max = gv > row_max ? gv : row_max;
			/* on to row i+1 (the last row's update is never used) */
			cov[v] += df_i * dg_j[v] + df_j[v] * dg_i;
		}
		if (row_max > best[i])
		{
			size_t		v = 0;

			while (g[v] != row_max)
				v++;
			best[i] = row_max;
			nn[i] = (int64_t) (i + k0 + v);
		}
	}
}

static void
all_blocks_generic(mp_work *s, size_t first_diag, double *cov, double *g)
{
	for (size_t k0 = first_diag; k0 < s->m; k0 += MP_BLOCK)
	{
		size_t		bw = s->m - k0 < MP_BLOCK ? s->m - k0 : MP_BLOCK;

		for (size_t v = 0; v < bw; v++)
			cov[v] = first_cell(s, k0 + v);
		block_rows(s, k0, bw, cov, g);
	}
}

#ifdef AN_HAVE_AVX512_KERNELS
#include <immintrin.h>

/*
 * block_rows with AVX-512 intrinsics, eight diagonals a vector: the same
 * operations in the same order lane by lane (no fused multiply-add), and the
 * row's maximum by vmaxpd, which equals the scalar select as no g is NaN;
 * so the same bits as the generic code (test_matrix_profile checks it).
 */
__attribute__((target("avx512f"))) static void
block_rows_avx512(mp_work *s, size_t k0, size_t bw, double *restrict cov, double *restrict g)
{
	const size_t m = s->m;
	const double *restrict inv = s->inv,
			   *restrict h = s->h,
			   *restrict df = s->df,
			   *restrict dg = s->dg;
	double	   *restrict best = s->best;
	int64_t    *restrict nn = s->nn;

	AN_FOR_CHECKED(i, m - k0)
	{
		size_t		nv = m - k0 - i < bw ? m - k0 - i : bw;
		const __m512d inv_i = _mm512_set1_pd(inv[i]),
					h_i = _mm512_set1_pd(h[i]),
					df_i = _mm512_set1_pd(df[i]),
					dg_i = _mm512_set1_pd(dg[i]);
		const __m512i row = _mm512_set1_epi64((int64_t) i);
		const size_t j0 = i + k0;
		__m512d		row_max = _mm512_set1_pd(-INFINITY);
		double		rm;

		for (size_t v = 0; v < nv; v += 8)
		{
			__mmask8	live = nv - v >= 8 ? 0xFF : (__mmask8) ((1u << (nv - v)) - 1);
			__m512d		c = _mm512_maskz_loadu_pd(live, cov + v),
						inv_j = _mm512_maskz_loadu_pd(live, inv + j0 + v),
						h_j = _mm512_maskz_loadu_pd(live, h + j0 + v),
						df_j = _mm512_maskz_loadu_pd(live, df + j0 + v),
						dg_j = _mm512_maskz_loadu_pd(live, dg + j0 + v),
						b = _mm512_maskz_loadu_pd(live, best + j0 + v),
						gv;
			__mmask8	better;

			gv = _mm512_sub_pd(_mm512_sub_pd(_mm512_mul_pd(_mm512_mul_pd(c, inv_i), inv_j), h_i), h_j);
			_mm512_mask_storeu_pd(g + v, live, gv);
			better = _mm512_mask_cmp_pd_mask(live, gv, b, _CMP_GT_OQ);
			/*
			 * Improvements get rare after the first blocks; storing only
			 * then spares the next row's load, one element further on, a
			 * store-forwarding stall (it overlaps two earlier stores).
			 */
			if (better)
			{
				_mm512_mask_storeu_pd(best + j0 + v, better, gv);
				_mm512_mask_storeu_epi64(nn + j0 + v, better, row);
			}
			row_max = _mm512_mask_max_pd(row_max, live, gv, row_max);
			c = _mm512_add_pd(c, _mm512_add_pd(_mm512_mul_pd(df_i, dg_j), _mm512_mul_pd(df_j, dg_i)));
			_mm512_mask_storeu_pd(cov + v, live, c);
		}
		rm = _mm512_reduce_max_pd(row_max);
		if (rm > best[i])
		{
			size_t		v = 0;

			while (g[v] != rm)
				v++;
			best[i] = rm;
			nn[i] = (int64_t) (j0 + v);
		}
	}
}

__attribute__((target("avx512f"))) static void
all_blocks_avx512(mp_work *s, size_t first_diag, double *cov, double *g)
{
	for (size_t k0 = first_diag; k0 < s->m; k0 += MP_BLOCK)
	{
		size_t		bw = s->m - k0 < MP_BLOCK ? s->m - k0 : MP_BLOCK;

		for (size_t v = 0; v < bw; v++)
			cov[v] = first_cell(s, k0 + v);
		block_rows_avx512(s, k0, bw, cov, g);
	}
}
#endif

/*
 * The series minus its mean, into y.  The distances do not change, but the
 * window means and deviations are rounded relative to the series' spread
 * rather than to its level: a series at 1e6 with unit steps keeps six more
 * digits in every deviation.
 */
static const double *
centred(const double *x, size_t n, double *y)
{
	double		sum = 0.0,
				mean;

	for (size_t i = 0; i < n; i++)
		sum += x[i];
	mean = sum / (double) n;
	if (!isfinite(mean))
		mean = 0.0;
	for (size_t i = 0; i < n; i++)
		y[i] = x[i] - mean;
	return y;
}

an_status
an_matrix_profile(const double *x, size_t n, size_t w, double *distance, int64_t *neighbor, size_t *bad)
{
	mp_work		s;
	double	   *buf;
	double		cov[MP_BLOCK],
				g[MP_BLOCK];
	size_t		m,
				excl;

	if (x == NULL || distance == NULL || neighbor == NULL || w < AN_MP_MIN_WINDOW || w > n / 2)
		return AN_EINVAL;
	if (n > AN_MP_MAX_N)
		return AN_ETOOMANY;
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i]))
		{
			if (bad)
				*bad = i;
			return AN_ENONFINITE;
		}
	m = n - w + 1;
	excl = an_mp_exclusion(w);
	buf = an_alloc_array(6 * m + n, sizeof(double));
	if (buf == NULL)
		return AN_ENOMEM;
	s.m = m;
	s.w = w;
	s.x = centred(x, n, buf + 6 * m);
	s.raw = x;
	s.mu = buf;
	s.inv = buf + m;
	s.h = buf + 2 * m;
	s.df = buf + 3 * m;
	s.dg = buf + 4 * m;
	s.best = buf + 5 * m;
	s.nn = neighbor;
	if (!window_stats(&s))
	{
		an_free(buf);
		if (bad)
			*bad = n;			/* no one value is to blame: the values are too large */
		return AN_ENONFINITE;
	}
	for (size_t i = 0; i < m; i++)
	{
		s.best[i] = -INFINITY;
		neighbor[i] = -1;
	}
	/* w <= n/2 leaves diagonals past the exclusion zone: m - 1 >= w > excl */
#ifdef AN_HAVE_AVX512_KERNELS
	if (an_avx512_enabled())
		all_blocks_avx512(&s, excl + 1, cov, g);
	else
#endif
		all_blocks_generic(&s, excl + 1, cov, g);
	for (size_t i = 0; i < m; i++)
	{
		double		d2 = -2.0 * (double) w * s.best[i];

		/* rounding can leave corr a hair above 1; -inf (no neighbour) cannot happen for w <= n/2 */
		distance[i] = d2 > 0.0 ? sqrt(d2) : 0.0;
	}
	an_free(buf);
	return AN_OK;
}
