/*
 * dbscan_kd.c: the k-d tree back-end (any number of dimensions).
 *
 * 1. Core points: a range count around each point that stops at min_points;
 *    a node whose box lies wholly within eps counts all its points at once.
 * 2. Components: a dual-tree walk over pairs of nodes (see dual_pair).
 * 3. Numbering (dbscan.c), then border points take the smallest cluster
 *    number among core points within eps (pruned by per-node minima).
 */
#include "core/dbscan/dbscan_internal.h"

/*
 * Neighbours of q, counting stops at limit.  The nearer child is visited
 * first so that dense regions reach the limit after a few leaves; a child
 * is only pushed once its box is known to be within eps.
 */
static uint32_t
count_within(const an_kdtree *t, const double *q, double eps2, uint32_t limit, an_work *work,
			 size_t *scanned)
{
	uint32_t	stack[AN_KD_STACK];
	int			sp = 0;
	uint32_t	cnt = 0;
	size_t		d = t->d;

	*scanned += 1;
	if (an_box_min_d2(q, an_kd_lo(t, 0), an_kd_hi(t, 0), d, eps2) > eps2)
		return 0;
	stack[sp++] = 0;
	while (sp > 0)
	{
		uint32_t	id = stack[--sp];
		const an_kdnode *nd = &t->nodes[id];

		*scanned += nd->left < 0 ? 1 : 3;	/* box bounds computed */
		if (an_box_max_d2(q, an_kd_lo(t, id), an_kd_hi(t, id), d, eps2) <= eps2)
			cnt += nd->hi - nd->lo;
		else if (nd->left < 0)
		{
			for (uint32_t p = nd->lo; p < nd->hi && cnt < limit; p++)
				cnt += an_sq_dist(q, t->xs + (size_t) p * d, d, eps2) <= eps2;
			an_work_add(work, nd->hi - nd->lo);
			*scanned += nd->hi - nd->lo;
		}
		else
		{
			uint32_t	l = (uint32_t) nd->left,
						r = (uint32_t) nd->right;
			double		dl = an_box_min_d2(q, an_kd_lo(t, l), an_kd_hi(t, l), d, eps2),
						dr = an_box_min_d2(q, an_kd_lo(t, r), an_kd_hi(t, r), d, eps2);

			if (dl <= dr)
			{
				if (dr <= eps2)
					stack[sp++] = r;
				if (dl <= eps2)
					stack[sp++] = l;
			}
			else
			{
				if (dl <= eps2)
					stack[sp++] = l;
				if (dr <= eps2)
					stack[sp++] = r;
			}
		}
		if (cnt >= limit)
			break;
	}
	return cnt;
}

/*
 * Components by a dual-tree walk over pairs of nodes (A, B): a pair is
 * skipped when its core points are already known to be one component or
 * when the boxes are more than eps apart; when every pair across the boxes
 * is within eps their core points are merged in one step; otherwise the
 * larger node is split.  Leaf pairs compare points, skipping pairs already
 * in one component.  rep[node] >= 0 records that all core points of the
 * node are in one component (the one of point rep[node]); that stays true
 * as components only ever merge.
 */
typedef struct dual_ctx
{
	const an_kdtree *t;
	double		eps2;
	const uint8_t *core;
	const uint32_t *ncore;
	int32_t    *rep;
	uint32_t   *parent;
	an_work		work;
} dual_ctx;

/* Is the node known to be one component?  Refreshes the memo from the children. */
static bool
one_component(dual_ctx *c, uint32_t id)
{
	const an_kdnode *nd = &c->t->nodes[id];

	if (c->rep[id] >= 0)
		return true;
	if (nd->left < 0)
	{
		uint32_t	first = UINT32_MAX;

		for (uint32_t r = nd->lo; r < nd->hi; r++)
			if (c->core[r])
			{
				uint32_t	rr = an_uf_find(c->parent, r);

				if (first == UINT32_MAX)
					first = rr;
				else if (rr != first)
					return false;
			}
		if (first == UINT32_MAX)
			return false;
		c->rep[id] = (int32_t) first;
		return true;
	}
	else
	{
		uint32_t	l = (uint32_t) nd->left,
					r = (uint32_t) nd->right;

		if (c->ncore[l] == 0)
			return one_component(c, r) && (c->rep[id] = c->rep[r]) >= 0;
		if (c->ncore[r] == 0)
			return one_component(c, l) && (c->rep[id] = c->rep[l]) >= 0;
		if (c->rep[l] >= 0 && c->rep[r] >= 0 &&
			an_uf_find(c->parent, (uint32_t) c->rep[l]) == an_uf_find(c->parent, (uint32_t) c->rep[r]))
		{
			c->rep[id] = c->rep[l];
			return true;
		}
		return false;
	}
}

static void
merge_all(dual_ctx *c, uint32_t id, uint32_t to)
{
	const an_kdnode *nd = &c->t->nodes[id];

	if (c->rep[id] >= 0)
		an_uf_union(c->parent, to, (uint32_t) c->rep[id]);
	else
	{
		for (uint32_t r = nd->lo; r < nd->hi; r++)
			if (c->core[r])
				an_uf_union(c->parent, to, r);
		an_work_add(&c->work, nd->hi - nd->lo);
	}
	c->rep[id] = (int32_t) to;
}

static uint32_t
some_core(dual_ctx *c, uint32_t id)
{
	const an_kdnode *nd = &c->t->nodes[id];

	if (c->rep[id] >= 0)
		return (uint32_t) c->rep[id];
	for (uint32_t r = nd->lo; r < nd->hi; r++)
		if (c->core[r])
			return r;
	return UINT32_MAX;			/* not reached: callers check ncore */
}

static void
dual_pair(dual_ctx *c, uint32_t a, uint32_t b)
{
	const an_kdtree *t = c->t;
	const an_kdnode *na = &t->nodes[a],
			   *nb = &t->nodes[b];
	size_t		d = t->d;
	double		eps2 = c->eps2;

	if (c->ncore[a] == 0 || c->ncore[b] == 0)
		return;
	if (a == b)
	{
		if (one_component(c, a))
			return;
		if (an_box_box_max_d2(an_kd_lo(t, a), an_kd_hi(t, a), an_kd_lo(t, a), an_kd_hi(t, a), d, eps2) <= eps2)
		{
			merge_all(c, a, some_core(c, a));
			return;
		}
		if (na->left >= 0)
		{
			dual_pair(c, (uint32_t) na->left, (uint32_t) na->left);
			dual_pair(c, (uint32_t) na->right, (uint32_t) na->right);
			dual_pair(c, (uint32_t) na->left, (uint32_t) na->right);
			one_component(c, a);
			return;
		}
		/* leaf with itself */
		for (uint32_t p = na->lo; p < na->hi; p++)
		{
			if (!c->core[p])
				continue;
			for (uint32_t q = p + 1; q < na->hi; q++)
				if (c->core[q] && an_uf_find(c->parent, p) != an_uf_find(c->parent, q) &&
					an_sq_dist(t->xs + (size_t) p * d, t->xs + (size_t) q * d, d, eps2) <= eps2)
					an_uf_union(c->parent, p, q);
		}
		an_work_add(&c->work, (size_t) (na->hi - na->lo) * (na->hi - na->lo) / 2);
		one_component(c, a);
		return;
	}

	if (one_component(c, a) && one_component(c, b) &&
		an_uf_find(c->parent, (uint32_t) c->rep[a]) == an_uf_find(c->parent, (uint32_t) c->rep[b]))
		return;
	if (an_box_box_min_d2(an_kd_lo(t, a), an_kd_hi(t, a), an_kd_lo(t, b), an_kd_hi(t, b), d, eps2) > eps2)
		return;
	if (an_box_box_max_d2(an_kd_lo(t, a), an_kd_hi(t, a), an_kd_lo(t, b), an_kd_hi(t, b), d, eps2) <= eps2)
	{
		/* every core point of a is within eps of every core point of b */
		uint32_t	to = some_core(c, a);

		merge_all(c, a, to);
		merge_all(c, b, to);
		return;
	}
	if (na->left < 0 && nb->left < 0)
	{
		for (uint32_t p = na->lo; p < na->hi; p++)
		{
			const double *qp = t->xs + (size_t) p * d;

			if (!c->core[p] || an_box_min_d2(qp, an_kd_lo(t, b), an_kd_hi(t, b), d, eps2) > eps2)
				continue;
			for (uint32_t q = nb->lo; q < nb->hi; q++)
				if (c->core[q] && an_uf_find(c->parent, p) != an_uf_find(c->parent, q) &&
					an_sq_dist(qp, t->xs + (size_t) q * d, d, eps2) <= eps2)
					an_uf_union(c->parent, p, q);
		}
		an_work_add(&c->work, (size_t) (na->hi - na->lo) * (nb->hi - nb->lo));
		return;
	}
	/* split the larger node (a leaf is never split) */
	if (nb->left < 0 || (na->left >= 0 && na->hi - na->lo >= nb->hi - nb->lo))
	{
		dual_pair(c, (uint32_t) na->left, b);
		dual_pair(c, (uint32_t) na->right, b);
	}
	else
	{
		dual_pair(c, a, (uint32_t) nb->left);
		dual_pair(c, a, (uint32_t) nb->right);
	}
}

/*
 * Would the brute-force back-end count the core points faster?  A sample of
 * range counts tells how much a query costs here, in units of one distance
 * or box bound (a leaf point 1, a node's bounds 1 or 3); brute force costs
 * n / 2 filter evaluations a point (each pair serves both ends), each
 * AN_BRUTE_COST_RATIO units (measured: a unit ~25-35 ns, an evaluation
 * ~1.5-1.9 ns in 8 to 22 dimensions; see docs/performance.md).
 */
static bool
brute_wins(const an_kdtree *t, double eps2, uint32_t min_points, an_work *work)
{
	size_t		n = t->n,
				samples = n < AN_BRUTE_SAMPLES ? n : AN_BRUTE_SAMPLES,
				scanned = 0;

	if (n < AN_BRUTE_MIN_POINTS)
		return false;
	for (size_t s = 0; s < samples; s++)
		count_within(t, t->xs + (s * n / samples) * t->d, eps2, min_points, work, &scanned);
	return (double) scanned / (double) samples > AN_BRUTE_COST_RATIO * (double) n / 2.0;
}

an_status
an_dbscan_kdtree(const double *x, size_t n, size_t d, double eps2, uint32_t min_points,
				 int32_t *labels, uint8_t *is_core, bool *prefer_brute)
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
	if (prefer_brute && (*prefer_brute = brute_wins(t, eps2, min_points, &work)))
	{
		an_kdtree_free(t);
		return AN_OK;
	}
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
		size_t		scanned = 0;

		core[p] = count_within(t, t->xs + p * d, eps2, min_points, &work, &scanned) >= min_points;
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
	{
		dual_ctx	c = {t, eps2, core, ncore, rep, parent, {0}};

		dual_pair(&c, 0, 0);
	}

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
	AN_FREE_ALL(node_min, rep, ncore, lab, parent, core);
	an_kdtree_free(t);
	return st;
}
