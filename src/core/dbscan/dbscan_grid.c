/*
 * dbscan_grid.c: the grid back-end for 1 to 3 dimensions (after Gan and Tao,
 * "DBSCAN revisited", SIGMOD 2015, exact variant).
 *
 * Cells have side eps / sqrt(d), so a cell's points are normally all within
 * eps of each other; that is verified per cell from its bounding box rather
 * than assumed, so rounding can never change an answer.  Points are sorted
 * by cell (LSD radix sort of a packed cell key), cells are found through an
 * open-addressing hash, and a cell is only ever compared with the cells at
 * most two steps away in each dimension whose gap can be within eps.
 *
 *  1. A cell with >= min_points points and diameter <= eps is all core;
 *     otherwise each point counts neighbours until min_points.
 *  2. Core points of a cell of diameter <= eps are one component; two
 *     neighbouring cells are joined as soon as one pair of their core points
 *     is within eps.
 *  3. Numbering (dbscan.c); border points take the smallest cluster number
 *     among core points within eps.
 *
 * Memory: about 40 bytes per point plus a few per cell (and 20 bytes per
 * point more while sorting).
 */
#include "core/dbscan/dbscan_internal.h"

#include <string.h>

#define GRID_REACH 2			/* cells are compared up to this many steps away */
#define GRID_MAX_OFFSETS 125	/* (2 * GRID_REACH + 1) ^ 3 */

typedef struct grid
{
	size_t		n;
	size_t		d;
	double		eps2;
	double	   *xs;				/* coordinates in cell order */
	uint32_t   *ord;			/* original index by position */
	uint32_t	n_cells;
	uint32_t   *start;			/* n_cells + 1 */
	uint64_t   *key;			/* packed cell coordinates, ascending */
	double	   *box;			/* per cell: lo[d], hi[d] */
	uint8_t    *small;			/* cell diameter <= eps */
	uint32_t   *table;			/* hash: cell + 1, 0 empty */
	uint64_t	table_mask;
	int			bits[3];		/* bits of each packed coordinate */
	uint64_t	ncell[3];		/* cells along each dimension */
	int			n_offsets;
	int			offsets[GRID_MAX_OFFSETS][3];
} grid;

static inline uint64_t
hash_key(uint64_t k)
{
	k *= UINT64_C(0x9E3779B97F4A7C15);
	return k ^ (k >> 29);
}

static int64_t
lookup(const grid *g, uint64_t key)
{
	uint64_t	h = hash_key(key) & g->table_mask;

	for (;;)
	{
		uint32_t	v = g->table[h];

		if (v == 0)
			return -1;
		if (g->key[v - 1] == key)
			return (int64_t) v - 1;
		h = (h + 1) & g->table_mask;
	}
}

/* The cells near cell c that may hold neighbours, c itself included. */
static int
neighbour_cells(const grid *g, uint32_t c, uint32_t *out)
{
	int64_t		coord[3] = {0, 0, 0};
	uint64_t	k = g->key[c];
	int			m = 0;

	for (int j = (int) g->d - 1; j >= 0; j--)
	{
		coord[j] = (int64_t) (k & ((UINT64_C(1) << g->bits[j]) - 1));
		k >>= g->bits[j];
	}
	for (int o = 0; o < g->n_offsets; o++)
	{
		uint64_t	nk = 0;
		bool		ok = true;

		for (size_t j = 0; j < g->d; j++)
		{
			int64_t		v = coord[j] + g->offsets[o][j];

			if (v < 0 || (uint64_t) v >= g->ncell[j])
			{
				ok = false;
				break;
			}
			nk = (nk << g->bits[j]) | (uint64_t) v;
		}
		if (ok)
		{
			int64_t		nc = (nk == g->key[c]) ? (int64_t) c : lookup(g, nk);

			if (nc >= 0)
				out[m++] = (uint32_t) nc;
		}
	}
	return m;
}

#define cell_lo(g, c) an_box_lo((g)->box, (g)->d, (c))
#define cell_hi(g, c) an_box_hi((g)->box, (g)->d, (c))

/* LSD radix sort of (key, idx) by key, 11 bits per pass; stable. */
static an_status
radix_sort(uint64_t *key, uint32_t *idx, size_t n, int total_bits, an_work *work)
{
	uint64_t   *k2 = an_alloc_array(n, sizeof(uint64_t));
	uint32_t   *i2 = an_alloc_array(n, sizeof(uint32_t));
	uint64_t   *sk = key,
			   *dk = k2;
	uint32_t   *si = idx,
			   *di = i2;
	size_t		count[2048];

	if (!AN_ALL_ALLOCATED(k2, i2))
		return AN_ENOMEM;
	for (int shift = 0; shift < total_bits; shift += 11)
	{
		size_t		sum = 0;
		uint64_t   *tk;
		uint32_t   *ti;

		memset(count, 0, sizeof(count));
		for (size_t i = 0; i < n; i++)
			count[(sk[i] >> shift) & 2047]++;
		for (int b = 0; b < 2048; b++)
		{
			size_t		c = count[b];

			count[b] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
		{
			size_t		dst = count[(sk[i] >> shift) & 2047]++;

			dk[dst] = sk[i];
			di[dst] = si[i];
		}
		an_work_add(work, 2 * n);
		tk = sk;
		sk = dk;
		dk = tk;
		ti = si;
		si = di;
		di = ti;
	}
	if (sk != key)
	{
		memcpy(key, sk, n * sizeof(uint64_t));
		memcpy(idx, si, n * sizeof(uint32_t));
	}
	an_free(k2);
	an_free(i2);
	return AN_OK;
}

/*
 * Cell coordinates and sorting.  *unsuitable when the grid would be too fine
 * for exact cell arithmetic (eps tiny next to the extent or the magnitude of
 * the data); the caller then uses the k-d tree.
 */
static an_status
grid_build(grid *g, const double *x, an_work *work, bool *unsuitable)
{
	size_t		n = g->n,
				d = g->d;
	double		side = sqrt(g->eps2 / (double) d),
				mn[3],
				mx[3];
	int			total_bits = 0;
	int			max_bits = d == 1 ? 40 : d == 2 ? 31 : 21;
	uint64_t   *key;
	uint32_t   *idx;
	an_status	st;

	for (size_t k = 0; k < d; k++)
	{
		mn[k] = INFINITY;
		mx[k] = -INFINITY;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < d; k++)
		{
			double		v = x[i * d + k];

			if (v < mn[k])
				mn[k] = v;
			if (v > mx[k])
				mx[k] = v;
		}
	if (!(side > 0.0) || !isfinite(side))
	{
		*unsuitable = true;
		return AN_OK;
	}
	for (size_t k = 0; k < d; k++)
	{
		double		span = (mx[k] - mn[k]) / side;
		double		mag = fmax(fabs(mx[k]), fabs(mn[k])) / side;
		int			b = 1;

		/* keep cell arithmetic within 2^-12 of a cell of the truth */
		if (!(span < ldexp(1.0, max_bits)) || !(mag < ldexp(1.0, 40)))
		{
			*unsuitable = true;
			return AN_OK;
		}
		g->ncell[k] = (uint64_t) floor(span) + 1;
		while ((UINT64_C(1) << b) < g->ncell[k])
			b++;
		g->bits[k] = b;
		total_bits += b;
	}

	/* neighbour offsets whose gap may be within eps (with a safety margin) */
	g->n_offsets = 0;
	{
		int			lim[3] = {0, 0, 0};

		for (size_t k = 0; k < d; k++)
			lim[k] = GRID_REACH;
		for (int a = -lim[0]; a <= lim[0]; a++)
			for (int b = -lim[1]; b <= lim[1]; b++)
				for (int c = -lim[2]; c <= lim[2]; c++)
				{
					int			o[3] = {a, b, c};
					double		gap2 = 0.0;

					for (size_t k = 0; k < d; k++)
					{
						int			s = o[k] < 0 ? -o[k] : o[k];
						double		gap = s > 1 ? ((double) (s - 1) - 0.001) * side : 0.0;

						gap2 += gap * gap;
					}
					if (gap2 > g->eps2)
						continue;
					memcpy(g->offsets[g->n_offsets++], o, sizeof(o));
				}
	}

	key = an_alloc_array(n, sizeof(uint64_t));
	idx = an_alloc_array(n, sizeof(uint32_t));
	if (!AN_ALL_ALLOCATED(key, idx))
		return AN_ENOMEM;
	for (size_t i = 0; i < n; i++)
	{
		uint64_t	kk = 0;

		for (size_t k = 0; k < d; k++)
		{
			double		c = floor((x[i * d + k] - mn[k]) / side);
			uint64_t	ci = c < 0 ? 0 : (uint64_t) c;

			if (ci >= g->ncell[k])
				ci = g->ncell[k] - 1;
			kk = (kk << g->bits[k]) | ci;
		}
		key[i] = kk;
		idx[i] = (uint32_t) i;
	}
	an_work_add(work, n);
	st = radix_sort(key, idx, n, total_bits, work);
	if (st != AN_OK)
	{
		an_free(key);
		an_free(idx);
		return st;
	}

	/* cells: runs of equal keys; keys compacted in place */
	g->ord = idx;
	g->n_cells = 0;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || key[i] != key[i - 1])
			g->n_cells++;
	g->start = an_alloc_array((size_t) g->n_cells + 1, sizeof(uint32_t));
	g->box = an_alloc_array((size_t) g->n_cells * 2 * d, sizeof(double));
	g->small = an_alloc_array(g->n_cells, 1);
	g->xs = an_alloc_array(n * d, sizeof(double));
	{
		uint64_t	tsize = 16;

		while (tsize < 2 * (uint64_t) g->n_cells)
			tsize *= 2;
		g->table_mask = tsize - 1;
		g->table = an_alloc_array(tsize, sizeof(uint32_t));
	}
	if (!g->start || !g->box || !g->small || !g->xs || !g->table)
	{
		g->key = key;
		return AN_ENOMEM;
	}
	{
		uint32_t	c = 0;

		for (size_t i = 0; i < n; i++)
			if (i == 0 || key[i] != key[i - 1])
			{
				g->start[c] = (uint32_t) i;
				key[c] = key[i];
				c++;
			}
		g->start[c] = (uint32_t) n;
	}
	/* keep only the n_cells keys in use */
	g->key = an_alloc_array(g->n_cells, sizeof(uint64_t));
	if (g->key == NULL)
	{
		an_free(key);
		return AN_ENOMEM;
	}
	memcpy(g->key, key, (size_t) g->n_cells * sizeof(uint64_t));
	an_free(key);
	memset(g->table, 0, (g->table_mask + 1) * sizeof(uint32_t));
	for (uint32_t c = 0; c < g->n_cells; c++)
	{
		uint64_t	h = hash_key(g->key[c]) & g->table_mask;
		double	   *lo = g->box + (size_t) c * 2 * d,
				   *hi = lo + d;

		while (g->table[h] != 0)
			h = (h + 1) & g->table_mask;
		g->table[h] = c + 1;

		for (size_t k = 0; k < d; k++)
		{
			lo[k] = INFINITY;
			hi[k] = -INFINITY;
		}
		for (uint32_t p = g->start[c]; p < g->start[c + 1]; p++)
			for (size_t k = 0; k < d; k++)
			{
				double		v = x[(size_t) g->ord[p] * d + k];

				g->xs[(size_t) p * d + k] = v;
				if (v < lo[k])
					lo[k] = v;
				if (v > hi[k])
					hi[k] = v;
			}
		/* diameter from the box: bounds every pair inside, bit for bit */
		g->small[c] = an_sq_dist(lo, hi, d, g->eps2) <= g->eps2;
		an_work_add(work, g->start[c + 1] - g->start[c] + 1);
	}
	return AN_OK;
}

static void
grid_free(grid *g)
{
	AN_FREE_ALL(g->xs, g->ord, g->start, g->key, g->box, g->small, g->table);
}

an_status
an_dbscan_grid(const double *x, size_t n, size_t d, double eps2, uint32_t min_points,
			   int32_t *labels, uint8_t *is_core, bool *unsuitable)
{
	grid		g;
	an_status	st;
	an_work		work = {0};
	uint8_t    *core = NULL;
	uint32_t   *parent = NULL,
			   *first_core = NULL;
	int32_t    *lab = NULL,
			   *cmin = NULL;
	uint32_t	nb[GRID_MAX_OFFSETS];

	*unsuitable = false;
	if (n == 0)
		return AN_OK;
	memset(&g, 0, sizeof(g));
	g.n = n;
	g.d = d;
	g.eps2 = eps2;
	st = grid_build(&g, x, &work, unsuitable);
	if (st != AN_OK || *unsuitable)
		goto done;

	core = an_alloc_array(n, 1);
	parent = an_alloc_array(n, sizeof(uint32_t));
	lab = an_alloc_array(n, sizeof(int32_t));
	first_core = an_alloc_array(g.n_cells, sizeof(uint32_t));
	cmin = an_alloc_array(g.n_cells, sizeof(int32_t));
	if (!core || !parent || !lab || !first_core || !cmin)
	{
		st = AN_ENOMEM;
		goto done;
	}
	for (size_t p = 0; p < n; p++)
	{
		parent[p] = (uint32_t) p;
		lab[p] = AN_DBSCAN_NOISE;
	}

	/* 1. core points */
	for (uint32_t c = 0; c < g.n_cells; c++)
	{
		uint32_t	s = g.start[c],
					e = g.start[c + 1];
		int			m;

		if (e - s >= min_points && g.small[c])
		{
			memset(core + s, 1, e - s);
			continue;
		}
		m = neighbour_cells(&g, c, nb);
		for (uint32_t p = s; p < e; p++)
		{
			const double *q = g.xs + (size_t) p * d;
			uint32_t	cnt = 0;

			for (int j = 0; j < m && cnt < min_points; j++)
			{
				uint32_t	nc = nb[j];

				if (an_box_min_d2(q, cell_lo(&g, nc), cell_hi(&g, nc), d, eps2) > eps2)
					continue;
				if (an_box_max_d2(q, cell_lo(&g, nc), cell_hi(&g, nc), d, eps2) <= eps2)
					cnt += g.start[nc + 1] - g.start[nc];
				else
				{
					for (uint32_t r = g.start[nc]; r < g.start[nc + 1] && cnt < min_points; r++)
						cnt += an_sq_dist(q, g.xs + (size_t) r * d, d, eps2) <= eps2;
					an_work_add(&work, g.start[nc + 1] - g.start[nc]);
				}
			}
			core[p] = cnt >= min_points;
		}
		an_work_add(&work, m);
	}

	/* 2a. components inside each cell */
	for (uint32_t c = 0; c < g.n_cells; c++)
	{
		uint32_t	s = g.start[c],
					e = g.start[c + 1];

		first_core[c] = UINT32_MAX;
		for (uint32_t p = s; p < e; p++)
		{
			if (!core[p])
				continue;
			if (first_core[c] == UINT32_MAX)
				first_core[c] = p;
			else if (g.small[c])
				an_uf_union(parent, first_core[c], p);
			else
			{
				for (uint32_t r = first_core[c]; r < p; r++)
					if (core[r] && an_uf_find(parent, r) != an_uf_find(parent, p) &&
						an_sq_dist(g.xs + (size_t) r * d, g.xs + (size_t) p * d, d, eps2) <= eps2)
						an_uf_union(parent, r, p);
				an_work_add(&work, p - s);
			}
		}
	}

	/* 2b. components across neighbouring cells (each pair once) */
	for (uint32_t c = 0; c < g.n_cells; c++)
	{
		int			m;

		if (first_core[c] == UINT32_MAX)
			continue;
		m = neighbour_cells(&g, c, nb);
		for (int j = 0; j < m; j++)
		{
			uint32_t	nc = nb[j];
			bool		both_small;

			if (nc <= c || first_core[nc] == UINT32_MAX)
				continue;
			both_small = g.small[c] && g.small[nc];
			if (both_small &&
				an_uf_find(parent, first_core[c]) == an_uf_find(parent, first_core[nc]))
				continue;
			if (an_box_box_min_d2(cell_lo(&g, c), cell_hi(&g, c),
								  cell_lo(&g, nc), cell_hi(&g, nc), d, eps2) > eps2)
				continue;
			for (uint32_t a = first_core[c]; a < g.start[c + 1]; a++)
			{
				const double *qa = g.xs + (size_t) a * d;

				if (!core[a] ||
					an_box_min_d2(qa, cell_lo(&g, nc), cell_hi(&g, nc), d, eps2) > eps2)
					continue;
				for (uint32_t b = first_core[nc]; b < g.start[nc + 1]; b++)
				{
					if (!core[b] || an_uf_find(parent, a) == an_uf_find(parent, b))
						continue;
					if (an_sq_dist(qa, g.xs + (size_t) b * d, d, eps2) <= eps2)
					{
						an_uf_union(parent, a, b);
						if (both_small)
							goto joined;
					}
				}
				an_work_add(&work, g.start[nc + 1] - first_core[nc]);
			}
	joined:
			;
		}
		an_work_add(&work, m);
	}

	/* 3. numbering */
	st = an_dbscan_number_components(n, g.ord, core, parent, lab);
	if (st != AN_OK)
		goto done;

	/* 4. border points and output */
	for (uint32_t c = 0; c < g.n_cells; c++)
	{
		cmin[c] = INT32_MAX;
		for (uint32_t p = g.start[c]; p < g.start[c + 1]; p++)
			if (core[p] && lab[p] < cmin[c])
				cmin[c] = lab[p];
	}
	for (uint32_t c = 0; c < g.n_cells; c++)
	{
		uint32_t	s = g.start[c],
					e = g.start[c + 1];
		int			m = -1;

		for (uint32_t p = s; p < e; p++)
		{
			int32_t		best = INT32_MAX;

			if (!core[p])
			{
				const double *q = g.xs + (size_t) p * d;

				if (m < 0)
					m = neighbour_cells(&g, c, nb);
				for (int j = 0; j < m; j++)
				{
					uint32_t	nc = nb[j];

					if (cmin[nc] >= best ||
						an_box_min_d2(q, cell_lo(&g, nc), cell_hi(&g, nc), d, eps2) > eps2)
						continue;
					if (an_box_max_d2(q, cell_lo(&g, nc), cell_hi(&g, nc), d, eps2) <= eps2)
					{
						best = cmin[nc];
						continue;
					}
					for (uint32_t r = first_core[nc]; r < g.start[nc + 1]; r++)
						if (core[r] && lab[r] < best &&
							an_sq_dist(q, g.xs + (size_t) r * d, d, eps2) <= eps2)
							best = lab[r];
					an_work_add(&work, g.start[nc + 1] - g.start[nc]);
				}
			}
			labels[g.ord[p]] = core[p] ? lab[p] : (best == INT32_MAX ? AN_DBSCAN_NOISE : best);
			if (is_core)
				is_core[g.ord[p]] = core[p];
		}
	}

done:
	AN_FREE_ALL(cmin, first_core, lab, parent, core);
	grid_free(&g);
	return st;
}
