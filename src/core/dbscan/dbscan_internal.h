/*
 * dbscan_internal.h: what the DBSCAN sources share (not part of the API).
 *
 * Distances.  The neighbour test is sq_dist(a, b) <= eps * eps with the sum
 * taken in dimension order, exactly as sklearn's trees compute it.  The box
 * bounds below are computed with the same operations on box corners; since
 * rounded subtraction, squaring and addition are monotone, box_min_d2 <=
 * sq_dist(p, q) <= box_max_d2 for every q inside the box, bit for bit.  So
 * "box_min_d2 > eps2" proves no point of the box is a neighbour and
 * "box_max_d2 <= eps2" proves they all are: pruning never changes an answer.
 *
 * Each function takes a cut (always eps2 here) and stops summing as soon as
 * the partial sum exceeds it: the terms are >= 0 and rounded addition is
 * monotone, so the full sum would exceed the cut too and every comparison
 * "<= cut" or "> cut" comes out the same.  In many dimensions most pairs are
 * decided after a few terms.
 */
#ifndef ANOMALY_DBSCAN_INTERNAL_H
#define ANOMALY_DBSCAN_INTERNAL_H

#include <math.h>

#include "core/dbscan/dbscan.h"

static inline double
an_sq_dist(const double *a, const double *b, size_t d, double cut)
{
	double		s = 0.0;

	for (size_t k = 0; k < d; k++)
	{
		double		t = a[k] - b[k];

		s += t * t;
		if (s > cut)
			break;
	}
	return s;
}

/* Squared gap between two boxes (a lower bound for any pair across them). */
static inline double
an_box_box_min_d2(const double *lo1, const double *hi1, const double *lo2, const double *hi2, size_t d,
				  double cut)
{
	double		s = 0.0;

	for (size_t k = 0; k < d; k++)
	{
		double		t = 0.0;

		if (hi1[k] < lo2[k])
			t = lo2[k] - hi1[k];
		else if (hi2[k] < lo1[k])
			t = lo1[k] - hi2[k];
		s += t * t;
		if (s > cut)
			break;
	}
	return s;
}

/* Squared largest distance between two boxes (an upper bound for any pair). */
static inline double
an_box_box_max_d2(const double *lo1, const double *hi1, const double *lo2, const double *hi2, size_t d,
				  double cut)
{
	double		s = 0.0;

	for (size_t k = 0; k < d; k++)
	{
		double		a = hi1[k] - lo2[k];
		double		b = hi2[k] - lo1[k];
		double		t;

		a = a < 0 ? -a : a;
		b = b < 0 ? -b : b;
		t = a > b ? a : b;
		s += t * t;
		if (s > cut)
			break;
	}
	return s;
}

/* Squared distance from p to the nearest point of the box [lo, hi]: the box [p, p] against it. */
static inline double
an_box_min_d2(const double *p, const double *lo, const double *hi, size_t d, double cut)
{
	return an_box_box_min_d2(p, p, lo, hi, d, cut);
}

/* Squared distance from p to the farthest point of the box [lo, hi]: the box [p, p] against it. */
static inline double
an_box_max_d2(const double *p, const double *lo, const double *hi, size_t d, double cut)
{
	return an_box_box_max_d2(p, p, lo, hi, d, cut);
}

/* Counts work and checks for interrupts every AN_INTERRUPT_STRIDE units. */
typedef struct an_work
{
	size_t		units;
} an_work;

static inline void
an_work_add(an_work *w, size_t units)
{
	w->units += units;
	if (w->units >= AN_INTERRUPT_STRIDE)
	{
		w->units = 0;
		an_check_interrupts();
	}
}

/* Union-find over point positions (path halving; the smaller root wins). */
static inline uint32_t
an_uf_find(uint32_t *parent, uint32_t i)
{
	while (parent[i] != i)
	{
		parent[i] = parent[parent[i]];
		i = parent[i];
	}
	return i;
}

static inline void
an_uf_union(uint32_t *parent, uint32_t a, uint32_t b)
{
	a = an_uf_find(parent, a);
	b = an_uf_find(parent, b);
	if (a < b)
		parent[b] = a;
	else if (b < a)
		parent[a] = b;
}

/* ---- k-d tree ---- */

#define AN_KD_LEAF 16
#define AN_KD_STACK 128

typedef struct an_kdnode
{
	uint32_t	lo;				/* positions [lo, hi) */
	uint32_t	hi;
	int32_t		left;			/* -1 for a leaf */
	int32_t		right;
} an_kdnode;

struct an_kdtree
{
	size_t		n;
	size_t		d;
	double	   *xs;				/* n * d coordinates in tree order */
	uint32_t   *ord;			/* original index of each position */
	an_kdnode  *nodes;
	double	   *box;			/* per node: lo[d] then hi[d] */
	uint32_t	n_nodes;
};

/*
 * Build over x (n points).  With in_order the points are taken to be in tree
 * order already (as stored in a model): no reordering, only the boxes are
 * computed.  The shape depends only on n: a node over [lo, hi) with more than
 * AN_KD_LEAF points splits at lo + (hi - lo) / 2.
 */
an_status	an_kdtree_build(const double *x, size_t n, size_t d, bool in_order, an_kdtree **out);
void		an_kdtree_free(an_kdtree *t);

/*
 * Boxes (of tree nodes, of grid cells) are stored one after the other as
 * (lo[d], hi[d]): the corners of box i.
 */
static inline const double *
an_box_lo(const double *boxes, size_t d, size_t i)
{
	return boxes + i * 2 * d;
}

static inline const double *
an_box_hi(const double *boxes, size_t d, size_t i)
{
	return boxes + i * 2 * d + d;
}

#define an_kd_lo(t, node) an_box_lo((t)->box, (t)->d, (node))
#define an_kd_hi(t, node) an_box_hi((t)->box, (t)->d, (node))

/*
 * Smallest label among points within eps2 of q whose label is >= 0
 * (node_min[i]: smallest label in node i, INT32_MAX if none), or INT32_MAX.
 */
int32_t		an_kdtree_min_label(const an_kdtree *t, const double *q, double eps2,
								const int32_t *label, const int32_t *node_min, an_work *work);

/*
 * Recompute the boxes over the points with keep[pos] set only (a node with
 * none gets an empty box, lo = +inf and hi = -inf, which every query prunes).
 */
void		an_kdtree_shrink_boxes(an_kdtree *t, const uint8_t *keep);

/* Fill node_min (n_nodes entries) from labels by position (< 0: ignored). */
void		an_kdtree_node_min(const an_kdtree *t, const int32_t *label, int32_t *node_min);

/* The two clustering back-ends; positions, labels by original index. */
an_status	an_dbscan_grid(const double *x, size_t n, size_t d, double eps2, uint32_t min_points,
						   int32_t *labels, uint8_t *is_core, bool *unsuitable);
an_status	an_dbscan_kdtree(const double *x, size_t n, size_t d, double eps2, uint32_t min_points,
							 int32_t *labels, uint8_t *is_core, bool *prefer_brute);

/*
 * Blocked brute force through cblas_dgemm (dbscan_brute.c).  The filter uses
 * the AN_BRUTE_FILTER_DIMS coordinates of largest variance; *unsuitable when
 * the magnitudes are outside the range its error bound covers (the caller
 * then uses the k-d tree).
 */
/* Tree vs brute force (dbscan_kd.c, brute_wins); measured, see docs/performance.md. */
#define AN_BRUTE_SAMPLES 128
#define AN_BRUTE_MIN_POINTS 4096
#ifndef AN_BRUTE_COST_RATIO
#define AN_BRUTE_COST_RATIO 0.06
#endif
#ifndef AN_BRUTE_FILTER_DIMS
#define AN_BRUTE_FILTER_DIMS 12
#endif
an_status	an_dbscan_brute(const double *x, size_t n, size_t d, double eps2, uint32_t min_points,
							int32_t *labels, uint8_t *is_core, bool *unsuitable);

/*
 * Shared final steps.  Given core flags and a union-find over positions
 * (core points only), number the components by their lowest original index
 * and write lab[pos] for core positions (others untouched).
 */
an_status	an_dbscan_number_components(size_t n, const uint32_t *ord, const uint8_t *core,
										uint32_t *parent, int32_t *lab);

#endif
