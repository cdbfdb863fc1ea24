/*
 * dbscan_kd.c: the k-d tree back-end (any number of dimensions).
 *
 * 1. Core points: a range count around each point that stops at min_points;
 *    a node whose box lies wholly within eps counts all its points at once.
 * 2. Components: for each core point, a range search over core points that
 *    unions the ones found.  A pair already in one component costs a find(),
 *    not a distance; a node wholly within eps is merged in one step and
 *    remembers a representative, after which it is skipped by every core
 *    point of that component.
 * 3. Numbering (dbscan.c), then border points take the smallest cluster
 *    number among core points within eps (pruned by per-node minima).
 */
#include "core/dbscan/dbscan_internal.h"

static uint32_t
count_within(const an_kdtree *t, const double *q, double eps2, uint32_t limit, an_work *work)
{
	uint32_t	stack[AN_KD_STACK];
	int			sp = 0;
	uint32_t	cnt = 0;
	size_t		d = t->d;

	stack[sp++] = 0;
	while (sp > 0)
	{
		uint32_t	id = stack[--sp];
		const an_kdnode *nd = &t->nodes[id];
		const double *lo = an_kd_lo(t, id),
				   *hi = an_kd_hi(t, id);

		if (an_box_min_d2(q, lo, hi, d) > eps2)
			continue;
		if (an_box_max_d2(q, lo, hi, d) <= eps2)
			cnt += nd->hi - nd->lo;
		else if (nd->left < 0)
		{
			for (uint32_t p = nd->lo; p < nd->hi; p++)
				cnt += an_sq_dist(q, t->xs + (size_t) p * d, d) <= eps2;
			an_work_add(work, nd->hi - nd->lo);
		}
		else
		{
			stack[sp++] = (uint32_t) nd->right;
			stack[sp++] = (uint32_t) nd->left;
		}
		if (cnt >= limit)
			break;
	}
	return cnt;
}

/* Union core point p with every core point within eps. */
static void
union_within(const an_kdtree *t, uint32_t p, double eps2, const uint8_t *core,
			 const uint32_t *ncore, int32_t *rep, uint32_t *parent, an_work *work)
{
	uint32_t	stack[AN_KD_STACK];
	int			sp = 0;
	size_t		d = t->d;
	const double *q = t->xs + (size_t) p * d;

	stack[sp++] = 0;
	while (sp > 0)
	{
		uint32_t	id = stack[--sp];
		const an_kdnode *nd = &t->nodes[id];
		const double *lo = an_kd_lo(t, id),
				   *hi = an_kd_hi(t, id);

		if (ncore[id] == 0)
			continue;
		if (rep[id] < 0 && nd->left >= 0)
		{
			/* both halves known to be one component each, and the same one */
			int32_t		rl = ncore[nd->left] ? rep[nd->left] : rep[nd->right];
			int32_t		rr = ncore[nd->right] ? rep[nd->right] : rep[nd->left];

			if (rl >= 0 && rr >= 0 &&
				an_uf_find(parent, (uint32_t) rl) == an_uf_find(parent, (uint32_t) rr))
				rep[id] = rl;
		}
		if (rep[id] >= 0 && an_uf_find(parent, (uint32_t) rep[id]) == an_uf_find(parent, p))
			continue;
		if (an_box_min_d2(q, lo, hi, d) > eps2)
			continue;
		if (an_box_max_d2(q, lo, hi, d) <= eps2)
		{
			/* every core point of the node is a neighbour of p */
			if (rep[id] >= 0)
				an_uf_union(parent, p, (uint32_t) rep[id]);
			else
			{
				for (uint32_t r = nd->lo; r < nd->hi; r++)
					if (core[r])
						an_uf_union(parent, p, r);
				rep[id] = (int32_t) p;
				an_work_add(work, nd->hi - nd->lo);
			}
			continue;
		}
		if (nd->left < 0)
		{
			uint32_t	rp = an_uf_find(parent, p);

			for (uint32_t r = nd->lo; r < nd->hi; r++)
			{
				if (!core[r] || an_uf_find(parent, r) == rp)
					continue;
				if (an_sq_dist(q, t->xs + (size_t) r * d, d) <= eps2)
				{
					an_uf_union(parent, p, r);
					rp = an_uf_find(parent, p);
				}
			}
			if (rep[id] < 0)
			{
				/* remember the leaf once all its core points are one component */
				uint32_t	first = UINT32_MAX;
				bool		one = true;

				for (uint32_t r = nd->lo; r < nd->hi && one; r++)
					if (core[r])
					{
						uint32_t	rr = an_uf_find(parent, r);

						if (first == UINT32_MAX)
							first = rr;
						else
							one = rr == first;
					}
				if (one && first != UINT32_MAX)
					rep[id] = (int32_t) first;
			}
			an_work_add(work, nd->hi - nd->lo);
		}
		else
		{
			stack[sp++] = (uint32_t) nd->right;
			stack[sp++] = (uint32_t) nd->left;
		}
	}
}

an_status
an_dbscan_kdtree(const double *x, size_t n, size_t d, double eps2, uint32_t min_points,
				 int32_t *labels, uint8_t *is_core)
{
	an_kdtree  *t = NULL;
	an_status	st;
	uint8_t    *core = NULL;
	uint32_t   *parent = NULL,
			   *ncore = NULL;
	int32_t    *lab = NULL,
			   *rep = NULL,
			   *node_min = NULL;
	an_work		work = {0};

	if (n == 0)
		return AN_OK;
	st = an_kdtree_build(x, n, d, false, &t);
	if (st != AN_OK)
		return st;
	core = an_alloc_array(n, 1);
	parent = an_alloc_array(n, sizeof(uint32_t));
	lab = an_alloc_array(n, sizeof(int32_t));
	ncore = an_alloc_array(t->n_nodes, sizeof(uint32_t));
	rep = an_alloc_array(t->n_nodes, sizeof(int32_t));
	if (!core || !parent || !lab || !ncore || !rep)
	{
		st = AN_ENOMEM;
		goto done;
	}

	for (size_t p = 0; p < n; p++)
	{
		core[p] = count_within(t, t->xs + p * d, eps2, min_points, &work) >= min_points;
		parent[p] = (uint32_t) p;
		lab[p] = AN_DBSCAN_NOISE;
	}

	/*
	 * From here on only core points are searched for: boxes around them
	 * alone are tighter (noise no longer inflates them) and prune better.
	 */
	an_kdtree_shrink_boxes(t, core);
	for (uint32_t i = t->n_nodes; i-- > 0;)
	{
		const an_kdnode *nd = &t->nodes[i];

		rep[i] = -1;
		if (nd->left < 0)
		{
			ncore[i] = 0;
			for (uint32_t p = nd->lo; p < nd->hi; p++)
				ncore[i] += core[p];
		}
		else
			ncore[i] = ncore[nd->left] + ncore[nd->right];
	}
	for (size_t p = 0; p < n; p++)
		if (core[p])
			union_within(t, (uint32_t) p, eps2, core, ncore, rep, parent, &work);

	st = an_dbscan_number_components(n, t->ord, core, parent, lab);
	if (st != AN_OK)
		goto done;

	an_free(ncore);
	ncore = NULL;
	node_min = rep;				/* same size; rep is no longer needed */
	rep = NULL;
	an_kdtree_node_min(t, lab, node_min);
	for (size_t p = 0; p < n; p++)
	{
		int32_t		l = lab[p];

		if (!core[p])
		{
			l = an_kdtree_min_label(t, t->xs + p * d, eps2, lab, node_min, &work);
			if (l == INT32_MAX)
				l = AN_DBSCAN_NOISE;
		}
		labels[t->ord[p]] = l;
		if (is_core)
			is_core[t->ord[p]] = core[p];
	}

done:
	an_free(node_min);
	an_free(rep);
	an_free(ncore);
	an_free(lab);
	an_free(parent);
	an_free(core);
	an_kdtree_free(t);
	return st;
}
