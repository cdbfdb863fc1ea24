/*
 * dbscan_brute.c: blocked brute-force neighbour search through BLAS, for many
 * dimensions where a k-d tree prunes little (uniform-ish data, eps far below
 * the typical distance: every query visits most leaves).
 *
 * Filter.  Take the k = min(d, AN_BRUTE_FILTER_DIMS) coordinates of largest
 * variance, centred on the midrange of each: f_i.  Their squared distance is
 * a lower bound of the full one (in exact arithmetic).  For a tile of rows I
 * and columns J, one cblas_dgemm (alpha -2, beta 1, over rows preset to p_j)
 * gives g_ij = fl(p_j - 2 f_i . f_j), and
 *     c_ij = fl(p_i + g_ij),  p_i = fl((1 - B) fl(||f_i||^2))
 * is compared with A = eps2 (1 + 2^-19).  A pair with c_ij > A is not a
 * neighbour; every other pair is decided by the exact test an_sq_dist(x_i,
 * x_j) <= eps2 on the original coordinates, as the other back-ends do, so the
 * decisions (and labels) are bit for bit the same.
 *
 * Why c_ij > A proves an_sq_dist > eps2.  Let S = ||f_i||^2 + ||f_j||^2 and
 * u = 2^-53.  Whatever order BLAS sums in (with or without FMA), the dot
 * product errs by at most gamma_k S / 2 and each norm by gamma_k ||f||^2;
 * the scalings and the two additions add at most 5uS, so
 *     c_ij <= ||f_i - f_j||^2 - B S + (2k + 6)u S.
 * Hence c_ij > A implies ||f_i - f_j||^2 > eps2 (1 + 2^-19) + (B - (2k +
 * 6)u) S, and with B = 8(k + 4)u the last term is >= 16uS.  That covers the
 * centring (|fl(x - m) - (x - m)| <= u |x - m| per coordinate moves
 * ||f_i - f_j|| by at most 2u sqrt(2S), and (a - b)^2 >= a^2 (1 - 2^-20) -
 * 2^20 b^2 absorbs it).  So the true squared distance of the original points
 * exceeds eps2 (1 + 2^-21), and the direct sum, within (d + 2)u of it
 * relatively (d <= 4096), exceeds eps2.
 * The bounds assume no underflow or overflow: the back-end declines (the
 * caller falls back to the k-d tree) unless eps2 >= 2^-900 and every
 * ||f_i||^2 <= 2^900, and also when the margin B S would exceed eps2 (the
 * filter would then pass too much to be worth it).
 *
 * Phases (sets of points are copied into compact filter arrays):
 * 1. Core points: upper-triangle tiles over all points; a within-eps pair
 *    counts for both ends.  A tile whose rows and columns all have
 *    min_points neighbours already is skipped.
 * 2. Components: upper-triangle tiles over the core points; a pair already
 *    in one component is not tested.
 * 3. Border points: tiles of non-core points against core points; a point
 *    takes the smallest cluster number within eps.
 * Each tile's filter is one row-minimum pass; only rows whose minimum passes
 * are looked at element by element.  Memory: the filter coordinates (k per
 * point) and one tile; interrupts are checked before every tile (a tile is
 * AN_BRUTE_ROWS x AN_BRUTE_COLS x k <= 12, well under a millisecond) and
 * every AN_INTERRUPT_STRIDE / d exact tests.
 */
#include "core/dbscan/dbscan_internal.h"

#include <cblas.h>
#include <float.h>
#include <string.h>

#ifndef AN_BRUTE_ROWS
#define AN_BRUTE_ROWS 64
#define AN_BRUTE_COLS 2048
#endif

/* The filter coordinates of a set of points. */
typedef struct fset
{
	size_t		m;
	double	   *f;				/* m * k */
	double	   *p;				/* m: (1 - B) ||f||^2 */
	uint32_t   *pos;			/* m: index of the point (NULL: the identity) */
} fset;

typedef struct brute_ctx
{
	const double *x;
	size_t		n,
				d,
				k;
	uint32_t	dims[AN_BRUTE_FILTER_DIMS];
	double		mid[AN_BRUTE_FILTER_DIMS];
	double		B,
				cut,
				eps2;
	double	   *g;				/* AN_BRUTE_ROWS * AN_BRUTE_COLS */
	an_work		work;			/* exact tests, d units each */
} brute_ctx;

static void
fset_free(fset *s)
{
	an_free(s->f);
	an_free(s->p);
	an_free(s->pos);
	s->f = s->p = NULL;
	s->pos = NULL;
}

/* Filter coordinates of the points sel[0..m) (sel NULL: all n). false if out of range. */
static an_status
fset_build(const brute_ctx *c, const uint32_t *sel, size_t m, fset *s, bool *unsuitable)
{
	size_t		k = c->k;
	an_work		work = {0};

	s->m = m;
	s->f = an_alloc_array(m ? m * k : 1, sizeof(double));
	s->p = an_alloc_array(m ? m : 1, sizeof(double));
	s->pos = NULL;
	if (sel)
		s->pos = an_alloc_array(m ? m : 1, sizeof(uint32_t));
	if (!s->f || !s->p || (sel && !s->pos))
		return AN_ENOMEM;
	for (size_t i = 0; i < m; i++)
	{
		size_t		pt = sel ? sel[i] : i;
		const double *xi = c->x + pt * c->d;
		double	   *fi = s->f + i * k;
		double		nn = 0.0;

		for (size_t j = 0; j < k; j++)
		{
			fi[j] = xi[c->dims[j]] - c->mid[j];
			nn += fi[j] * fi[j];
		}
		if (!(nn <= 0x1p900) || c->B * 2.0 * nn > c->eps2)
		{
			*unsuitable = true;
			return AN_OK;
		}
		s->p[i] = (1.0 - c->B) * nn;
		if (sel)
			s->pos[i] = sel[i];
		an_work_add(&work, k);
	}
	return AN_OK;
}

/*
 * The tile: g[r][j] = p_b[c0 + j] - 2 f_a[r0 + r] . f_b[c0 + j], one dgemm
 * (beta 1 over rows preset to p_b), so the filter of a pair is
 * fl(p_a + g) <= cut.
 */
static void
tile(const brute_ctx *c, const fset *a, size_t r0, size_t nr, const fset *b, size_t c0, size_t nc)
{
	an_check_interrupts();
	for (size_t r = 0; r < nr; r++)
		memcpy(c->g + r * nc, b->p + c0, nc * sizeof(double));
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int) nr, (int) nc, (int) c->k,
				-2.0, a->f + r0 * c->k, (int) c->k, b->f + c0 * c->k, (int) c->k,
				1.0, c->g, (int) nc);
}

/*
 * Does any column in [from, nc) of tile row r pass the filter?  fl(pr + v)
 * is monotone in v, so the row's minimum decides.  Eight running minima
 * keep the loop free of a long dependency chain.
 */
static inline bool
row_passes(const brute_ctx *c, size_t r, size_t nc, size_t from, double pr)
{
	const double *g = c->g + r * nc;
	double		m[8] = {INFINITY, INFINITY, INFINITY, INFINITY, INFINITY, INFINITY, INFINITY, INFINITY},
				mn;
	size_t		j = from;

	for (; j + 8 <= nc; j += 8)
		for (int l = 0; l < 8; l++)
			m[l] = g[j + l] < m[l] ? g[j + l] : m[l];
	for (; j < nc; j++)
		m[0] = g[j] < m[0] ? g[j] : m[0];
	mn = m[0];
	for (int l = 1; l < 8; l++)
		mn = m[l] < mn ? m[l] : mn;
	return pr + mn <= c->cut;
}

static inline bool
passes(const brute_ctx *c, size_t r, size_t nc, size_t j, double pr)
{
	return pr + c->g[r * nc + j] <= c->cut;
}

/* The exact test (interrupts are also checked within a tile: d may be large). */
static inline bool
within(brute_ctx *c, size_t p, size_t q)
{
	an_work_add(&c->work, c->d);
	return an_sq_dist(c->x + p * c->d, c->x + q * c->d, c->d, c->eps2) <= c->eps2;
}

/* Phase 1: core[p] = at least min_points neighbours (itself included). */
static an_status
count_core(brute_ctx *c, const fset *all, uint32_t min_points, uint8_t *core)
{
	size_t		n = all->m;
	uint32_t   *cnt = an_alloc_array(n ? n : 1, sizeof(uint32_t));

	if (cnt == NULL)
		return AN_ENOMEM;
	for (size_t p = 0; p < n; p++)
		cnt[p] = 1;
	for (size_t r0 = 0; r0 < n; r0 += AN_BRUTE_ROWS)
	{
		size_t		nr = n - r0 < AN_BRUTE_ROWS ? n - r0 : AN_BRUTE_ROWS;
		bool		rows_done = true;

		for (size_t i = r0; i < r0 + nr; i++)
			rows_done &= cnt[i] >= min_points;
		for (size_t c0 = r0; c0 < n; c0 += AN_BRUTE_COLS)
		{
			size_t		nc = n - c0 < AN_BRUTE_COLS ? n - c0 : AN_BRUTE_COLS;

			if (rows_done)
			{
				bool		cols_done = true;

				for (size_t j = c0; j < c0 + nc; j++)
					cols_done &= cnt[j] >= min_points;
				if (cols_done)
					continue;
			}
			tile(c, all, r0, nr, all, c0, nc);
			for (size_t r = 0; r < nr; r++)
			{
				size_t		i = r0 + r,
							from = i + 1 > c0 ? i + 1 - c0 : 0;	/* upper triangle: j > i */

				if (from >= nc || !row_passes(c, r, nc, from, all->p[i]))
					continue;
				for (size_t j = from; j < nc; j++)
					if (passes(c, r, nc, j, all->p[i]) && within(c, i, c0 + j))
					{
						cnt[i]++;
						cnt[c0 + j]++;
					}
			}
		}
	}
	for (size_t p = 0; p < n; p++)
		core[p] = cnt[p] >= min_points;
	an_free(cnt);
	return AN_OK;
}

/* Phase 2: union-find over the core points (parent by point index). */
static void
join_core(brute_ctx *c, const fset *cs, uint32_t *parent)
{
	size_t		m = cs->m;

	for (size_t r0 = 0; r0 < m; r0 += AN_BRUTE_ROWS)
	{
		size_t		nr = m - r0 < AN_BRUTE_ROWS ? m - r0 : AN_BRUTE_ROWS;

		for (size_t c0 = r0; c0 < m; c0 += AN_BRUTE_COLS)
		{
			size_t		nc = m - c0 < AN_BRUTE_COLS ? m - c0 : AN_BRUTE_COLS;

			tile(c, cs, r0, nr, cs, c0, nc);
			for (size_t r = 0; r < nr; r++)
			{
				size_t		i = r0 + r,
							from = i + 1 > c0 ? i + 1 - c0 : 0;
				uint32_t	pi = cs->pos[i];

				if (from >= nc || !row_passes(c, r, nc, from, cs->p[i]))
					continue;
				for (size_t j = from; j < nc; j++)
				{
					uint32_t	pj = cs->pos[c0 + j];

					if (passes(c, r, nc, j, cs->p[i]) &&
						an_uf_find(parent, pi) != an_uf_find(parent, pj) && within(c, pi, pj))
						an_uf_union(parent, pi, pj);
				}
			}
		}
	}
}

/* Phase 3: lab[p] for the non-core points ns, from the core points cs. */
static void
label_border(brute_ctx *c, const fset *ns, const fset *cs, int32_t *lab)
{
	for (size_t r0 = 0; r0 < ns->m; r0 += AN_BRUTE_ROWS)
	{
		size_t		nr = ns->m - r0 < AN_BRUTE_ROWS ? ns->m - r0 : AN_BRUTE_ROWS;

		for (size_t c0 = 0; c0 < cs->m; c0 += AN_BRUTE_COLS)
		{
			size_t		nc = cs->m - c0 < AN_BRUTE_COLS ? cs->m - c0 : AN_BRUTE_COLS;

			tile(c, ns, r0, nr, cs, c0, nc);
			for (size_t r = 0; r < nr; r++)
			{
				uint32_t	pi = ns->pos[r0 + r];
				int32_t		best = lab[pi] < 0 ? INT32_MAX : lab[pi];

				if (!row_passes(c, r, nc, 0, ns->p[r0 + r]))
					continue;
				for (size_t j = 0; j < nc; j++)
				{
					uint32_t	pj = cs->pos[c0 + j];

					if (lab[pj] < best && passes(c, r, nc, j, ns->p[r0 + r]) && within(c, pi, pj))
						best = lab[pj];
				}
				lab[pi] = best == INT32_MAX ? AN_DBSCAN_NOISE : best;
			}
		}
	}
}

/* The filter dimensions (largest variance first) and their centres. */
static void
choose_dims(brute_ctx *c)
{
	size_t		d = c->d,
				n = c->n;
	double		var[AN_BRUTE_FILTER_DIMS];

	c->k = d < AN_BRUTE_FILTER_DIMS ? d : AN_BRUTE_FILTER_DIMS;
	for (size_t j = 0; j < c->k; j++)
		var[j] = -1.0;
	for (size_t dim = 0; dim < d; dim++)
	{
		double		lo = INFINITY,
					hi = -INFINITY,
					mid,
					ss = 0.0;

		for (size_t i = 0; i < n; i++)
		{
			double		v = c->x[i * d + dim];

			an_work_add(&c->work, 1);
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
		mid = lo / 2 + hi / 2;
		for (size_t i = 0; i < n; i++)
		{
			double		t = c->x[i * d + dim] - mid;	/* inf if huge: then unsuitable anyway */

			ss += t * t;
		}
		an_check_interrupts();
		/* insertion into the top k, ties to the lower dimension */
		for (size_t j = 0; j < c->k; j++)
			if (ss > var[j])
			{
				for (size_t m = c->k - 1; m > j; m--)
				{
					var[m] = var[m - 1];
					c->dims[m] = c->dims[m - 1];
					c->mid[m] = c->mid[m - 1];
				}
				var[j] = ss;
				c->dims[j] = (uint32_t) dim;
				c->mid[j] = mid;
				break;
			}
	}
}

an_status
an_dbscan_brute(const double *x, size_t n, size_t d, double eps2, uint32_t min_points,
				int32_t *labels, uint8_t *is_core, bool *unsuitable)
{
	brute_ctx	c = {0};
	fset		all = {0},
				cs = {0},
				ns = {0};
	uint8_t    *core = NULL;
	uint32_t   *parent = NULL,
			   *sel = NULL,
			   *ord = NULL;
	int32_t    *lab = NULL;
	size_t		m = 0;
	an_status	st;

	*unsuitable = false;
	if (n == 0)
		return AN_OK;
	if (n > (size_t) INT32_MAX || !(eps2 >= 0x1p-900))
	{
		*unsuitable = true;
		return AN_OK;
	}
	c.x = x;
	c.n = n;
	c.d = d;
	c.eps2 = eps2;
	choose_dims(&c);
	c.B = 8.0 * (double) (c.k + 4) * (DBL_EPSILON / 2);
	c.cut = eps2 * (1.0 + 0x1p-19);
	c.g = an_alloc_array((size_t) AN_BRUTE_ROWS * AN_BRUTE_COLS, sizeof(double));
	core = an_alloc_array(n, 1);
	parent = an_alloc_array(n, sizeof(uint32_t));
	lab = an_alloc_array(n, sizeof(int32_t));
	sel = an_alloc_array(n, sizeof(uint32_t));
	if (!c.g || !core || !parent || !lab || !sel)
	{
		st = AN_ENOMEM;
		goto done;
	}
	st = fset_build(&c, NULL, n, &all, unsuitable);
	if (st != AN_OK || *unsuitable)
		goto done;
	st = count_core(&c, &all, min_points, core);
	fset_free(&all);
	if (st != AN_OK)
		goto done;

	for (size_t p = 0; p < n; p++)
	{
		parent[p] = (uint32_t) p;
		lab[p] = AN_DBSCAN_NOISE;
		if (core[p])
			sel[m++] = (uint32_t) p;
	}
	if (m > 0)
	{
		/* the filter passed for all points: it passes for any subset */
		st = fset_build(&c, sel, m, &cs, unsuitable);
		if (st != AN_OK)
			goto done;
		join_core(&c, &cs, parent);
		/* the positions are the indexes: ord is the identity */
		ord = sel;
		for (size_t p = 0; p < n; p++)
			ord[p] = (uint32_t) p;
		sel = NULL;
		st = an_dbscan_number_components(n, ord, core, parent, lab);
		if (st != AN_OK)
			goto done;
		sel = ord;
		ord = NULL;
		m = 0;
		for (size_t p = 0; p < n; p++)
			if (!core[p])
				sel[m++] = (uint32_t) p;
		if (m > 0)
		{
			st = fset_build(&c, sel, m, &ns, unsuitable);
			if (st != AN_OK)
				goto done;
			label_border(&c, &ns, &cs, lab);
		}
	}
	for (size_t p = 0; p < n; p++)
	{
		labels[p] = lab[p];
		if (is_core)
			is_core[p] = core[p];
	}

done:
	fset_free(&all);
	fset_free(&cs);
	fset_free(&ns);
	AN_FREE_ALL(ord, sel, lab, parent, core, c.g);
	return st;
}
