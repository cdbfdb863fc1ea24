/*
 * kdtree.c: a k-d tree with bounding boxes, for DBSCAN above 3 dimensions
 * and for scoring new points against a fitted model.
 *
 * The shape is implicit: a node over positions [lo, hi) with more than
 * AN_KD_LEAF points has children [lo, mid) and [mid, hi), mid = lo + (hi -
 * lo) / 2.  Building reorders the points (quickselect on the widest box side)
 * so that each node is spatially compact; a model stores its core points in
 * that order, so loading it only recomputes the boxes.  Correctness never
 * depends on the order: boxes are computed from the points themselves.
 */
#include "core/dbscan/dbscan_internal.h"

typedef struct build_ctx
{
	an_kdtree  *t;
	const double *x;
	uint32_t   *idx;
	bool		in_order;
	an_work		work;
} build_ctx;

static inline double
key_of(const build_ctx *b, uint32_t pos, size_t dim)
{
	return b->x[(size_t) b->idx[pos] * b->t->d + dim];
}

/* Reorder idx[lo, hi) so that position k holds the k-th smallest by dim. */
static void
select_kth(build_ctx *b, int64_t lo, int64_t hi, int64_t k, size_t dim)
{
	uint32_t   *idx = b->idx;

	while (hi - lo > 1)
	{
		double		va = key_of(b, (uint32_t) lo, dim),
					vb = key_of(b, (uint32_t) (lo + (hi - lo) / 2), dim),
					vc = key_of(b, (uint32_t) (hi - 1), dim),
					pv;
		int64_t		i = lo,
					j = hi - 1;

		/* median of three; it is present in the range, so the scans stop */
		if ((va <= vb && vb <= vc) || (vc <= vb && vb <= va))
			pv = vb;
		else if ((vb <= va && va <= vc) || (vc <= va && va <= vb))
			pv = va;
		else
			pv = vc;
		while (i <= j)
		{
			while (key_of(b, (uint32_t) i, dim) < pv)
				i++;
			while (key_of(b, (uint32_t) j, dim) > pv)
				j--;
			if (i <= j)
			{
				uint32_t	tmp = idx[i];

				idx[i] = idx[j];
				idx[j] = tmp;
				i++;
				j--;
			}
		}
		an_work_add(&b->work, (size_t) (hi - lo));
		if (k <= j)
			hi = j + 1;
		else if (k >= i)
			lo = i;
		else
			return;
	}
}

static void
compute_box(build_ctx *b, uint32_t node)
{
	an_kdtree  *t = b->t;
	size_t		d = t->d;
	double	   *lo = t->box + (size_t) node * 2 * d,
			   *hi = lo + d;
	const an_kdnode *nd = &t->nodes[node];

	for (size_t k = 0; k < d; k++)
	{
		lo[k] = INFINITY;
		hi[k] = -INFINITY;
	}
	for (uint32_t p = nd->lo; p < nd->hi; p++)
	{
		const double *v = b->x + (size_t) b->idx[p] * d;

		for (size_t k = 0; k < d; k++)
		{
			if (v[k] < lo[k])
				lo[k] = v[k];
			if (v[k] > hi[k])
				hi[k] = v[k];
		}
	}
	an_work_add(&b->work, (size_t) (nd->hi - nd->lo) * d / 4 + 1);
}

static int32_t
build_node(build_ctx *b, uint32_t lo, uint32_t hi)
{
	an_kdtree  *t = b->t;
	uint32_t	id = t->n_nodes++;
	an_kdnode  *nd = &t->nodes[id];

	nd->lo = lo;
	nd->hi = hi;
	nd->left = nd->right = -1;
	compute_box(b, id);
	if (hi - lo > AN_KD_LEAF)
	{
		uint32_t	mid = lo + (hi - lo) / 2;
		int32_t		l,
					r;

		if (!b->in_order)
		{
			const double *blo = an_kd_lo(t, id),
					   *bhi = an_kd_hi(t, id);
			size_t		dim = 0;
			double		widest = -1.0;

			for (size_t k = 0; k < t->d; k++)
				if (bhi[k] - blo[k] > widest)
				{
					widest = bhi[k] - blo[k];
					dim = k;
				}
			select_kth(b, lo, hi, mid, dim);
		}
		l = build_node(b, lo, mid);
		r = build_node(b, mid, hi);
		t->nodes[id].left = l;
		t->nodes[id].right = r;
	}
	return (int32_t) id;
}

/* Nodes of the implicit shape over n points. */
static uint64_t
count_nodes(uint64_t n)
{
	if (n <= AN_KD_LEAF)
		return 1;
	return 1 + count_nodes(n / 2) + count_nodes(n - n / 2);
}

an_status
an_kdtree_build(const double *x, size_t n, size_t d, bool in_order, an_kdtree **out)
{
	an_kdtree  *t;
	build_ctx	b;
	uint64_t	nn;

	*out = NULL;
	if (n > AN_DBSCAN_MAX_POINTS || d < 1 || d > AN_DBSCAN_MAX_DIMS)
		return AN_EINVAL;
	t = an_alloc(sizeof(an_kdtree));
	if (t == NULL)
		return AN_ENOMEM;
	t->n = n;
	t->d = d;
	t->n_nodes = 0;
	t->xs = NULL;
	t->nodes = NULL;
	t->box = NULL;
	t->ord = an_alloc_array(n ? n : 1, sizeof(uint32_t));
	nn = n ? count_nodes(n) : 0;
	t->nodes = an_alloc_array(nn ? nn : 1, sizeof(an_kdnode));
	t->box = (nn && 2 * d > SIZE_MAX / nn) ? NULL : an_alloc_array(nn ? nn * 2 * d : 1, sizeof(double));
	t->xs = an_alloc_array(n > 0 ? n * d : 1, sizeof(double));
	if (t->ord == NULL || t->nodes == NULL || t->box == NULL || t->xs == NULL)
	{
		an_kdtree_free(t);
		return AN_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		t->ord[i] = (uint32_t) i;
	b.t = t;
	b.x = x;
	b.idx = t->ord;
	b.in_order = in_order;
	b.work.units = 0;
	if (n > 0)
		build_node(&b, 0, (uint32_t) n);
	for (size_t p = 0; p < n; p++)
		for (size_t k = 0; k < d; k++)
			t->xs[p * d + k] = x[(size_t) t->ord[p] * d + k];
	*out = t;
	return AN_OK;
}

void
an_kdtree_free(an_kdtree *t)
{
	if (t == NULL)
		return;
	AN_FREE_ALL(t->xs, t->ord, t->nodes, t->box, t);
}

void
an_kdtree_shrink_boxes(an_kdtree *t, const uint8_t *keep)
{
	size_t		d = t->d;

	for (uint32_t i = t->n_nodes; i-- > 0;)
	{
		const an_kdnode *nd = &t->nodes[i];
		double	   *lo = t->box + (size_t) i * 2 * d,
				   *hi = lo + d;

		for (size_t k = 0; k < d; k++)
		{
			lo[k] = INFINITY;
			hi[k] = -INFINITY;
		}
		if (nd->left < 0)
		{
			for (uint32_t p = nd->lo; p < nd->hi; p++)
				if (keep[p])
					for (size_t k = 0; k < d; k++)
					{
						double		v = t->xs[(size_t) p * d + k];

						if (v < lo[k])
							lo[k] = v;
						if (v > hi[k])
							hi[k] = v;
					}
		}
		else
		{
			const double *llo = an_kd_lo(t, (uint32_t) nd->left),
					   *lhi = an_kd_hi(t, (uint32_t) nd->left),
					   *rlo = an_kd_lo(t, (uint32_t) nd->right),
					   *rhi = an_kd_hi(t, (uint32_t) nd->right);

			for (size_t k = 0; k < d; k++)
			{
				lo[k] = llo[k] < rlo[k] ? llo[k] : rlo[k];
				hi[k] = lhi[k] > rhi[k] ? lhi[k] : rhi[k];
			}
		}
	}
}

void
an_kdtree_node_min(const an_kdtree *t, const int32_t *label, int32_t *node_min)
{
	/* Children are created after their parent: walk the nodes backwards. */
	for (uint32_t i = t->n_nodes; i-- > 0;)
	{
		const an_kdnode *nd = &t->nodes[i];
		int32_t		m = INT32_MAX;

		if (nd->left < 0)
		{
			for (uint32_t p = nd->lo; p < nd->hi; p++)
				if (label[p] >= 0 && label[p] < m)
					m = label[p];
		}
		else
		{
			m = node_min[nd->left];
			if (node_min[nd->right] < m)
				m = node_min[nd->right];
		}
		node_min[i] = m;
	}
}

int32_t
an_kdtree_min_label(const an_kdtree *t, const double *q, double eps2,
					const int32_t *label, const int32_t *node_min, an_work *work)
{
	int32_t		best = INT32_MAX;
	uint32_t	stack[AN_KD_STACK];
	int			sp = 0;
	size_t		d = t->d;

	if (t->n_nodes == 0)
		return best;
	stack[sp++] = 0;
	while (sp > 0)
	{
		uint32_t	id = stack[--sp];
		const an_kdnode *nd = &t->nodes[id];

		if (node_min[id] >= best)
			continue;
		if (an_box_min_d2(q, an_kd_lo(t, id), an_kd_hi(t, id), d, eps2) > eps2)
			continue;
		if (an_box_max_d2(q, an_kd_lo(t, id), an_kd_hi(t, id), d, eps2) <= eps2)
		{
			best = node_min[id];
			continue;
		}
		if (nd->left < 0)
		{
			for (uint32_t p = nd->lo; p < nd->hi; p++)
				if (label[p] >= 0 && label[p] < best &&
					an_sq_dist(q, t->xs + (size_t) p * d, d, eps2) <= eps2)
					best = label[p];
			an_work_add(work, nd->hi - nd->lo);
		}
		else
		{
			stack[sp++] = (uint32_t) nd->right;
			stack[sp++] = (uint32_t) nd->left;
		}
	}
	return best;
}
