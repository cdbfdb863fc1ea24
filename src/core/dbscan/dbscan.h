/*
 * dbscan.h: exact DBSCAN with the labelling of scikit-learn's DBSCAN.
 *
 * Semantics (identical to sklearn.cluster.DBSCAN with the Euclidean metric):
 *   - q is a neighbour of p when the squared distance, summed dimension by
 *     dimension in index order, is <= eps * eps (this is what sklearn's k-d
 *     and ball trees compare, so pairs at exactly eps agree);
 *   - p is a core point when it has at least min_points neighbours, itself
 *     included;
 *   - clusters are the connected components of core points under the
 *     neighbour relation, numbered 0, 1, ... in the order of the lowest row
 *     index of a core point in each;
 *   - a non-core point within eps of core points of several clusters joins the
 *     one with the smallest number (sklearn expands clusters one at a time in
 *     that order, and the first expansion to reach a point keeps it);
 *   - everything else is noise (AN_DBSCAN_NOISE).
 *
 * Nothing is approximate: the grid (up to 3 dimensions), the k-d tree and the
 * BLAS brute force (any number) are only indexes; every decision rests on the
 * exact comparison above, or on a bounding-box bound that provably implies it
 * (rounded subtraction, squaring and addition are monotone), or on a BLAS
 * lower bound with a proven rounding margin.  Memory is O(n).
 */
#ifndef ANOMALY_DBSCAN_H
#define ANOMALY_DBSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

#define AN_DBSCAN_NOISE (-1)
/* Point indexes are 32-bit. */
#define AN_DBSCAN_MAX_POINTS ((size_t) INT32_MAX - 1)
/* More dimensions than this is certainly a mistake (and bounds allocations). */
#define AN_DBSCAN_MAX_DIMS 4096
/*
 * The largest eps: neighbours are found by comparing squared distances with
 * eps * eps, which above sqrt(DBL_MAX) is infinite and would make every pair
 * of points neighbours.  This is the largest double whose square is finite.
 */
#define AN_DBSCAN_MAX_EPS 1.3407807929942596e154

typedef enum an_dbscan_method
{
	AN_DBSCAN_AUTO = 0,			/* grid for d <= 3; above, k-d tree or brute force by a sampled cost */
	AN_DBSCAN_GRID,				/* grid; falls back to the tree if the grid would be too fine */
	AN_DBSCAN_KDTREE,
	AN_DBSCAN_BRUTE				/* BLAS tiles; falls back to the tree outside its numeric range */
} an_dbscan_method;

/*
 * AN_EINVAL unless 0 < eps <= AN_DBSCAN_MAX_EPS (eps * eps finite) and
 * min_points >= 1.
 */
an_status	an_dbscan_check_params(double eps, int64_t min_points);

/*
 * Cluster n points of d coordinates (row-major x[i * d + k]).  labels (n
 * entries) receives a cluster number or AN_DBSCAN_NOISE; is_core (n entries,
 * may be NULL) receives 1 for core points.  AN_ENONFINITE if a coordinate is
 * NaN or infinite, AN_ETOOMANY above AN_DBSCAN_MAX_POINTS.
 */
an_status	an_dbscan(const double *x, size_t n, size_t d, double eps, int64_t min_points,
					  int32_t *labels, uint8_t *is_core);
an_status	an_dbscan_with(an_dbscan_method method, const double *x, size_t n, size_t d,
						   double eps, int64_t min_points, int32_t *labels, uint8_t *is_core);

/*
 * Standardise each column in place to mean 0 and standard deviation 1 (the
 * population deviation, as sklearn's StandardScaler); a constant column is
 * only centred (scale 1, as StandardScaler).  mean and scale (d entries each,
 * may be NULL) receive what was used: x' = (x - mean) / scale.
 */
an_status	an_dbscan_standardize(double *x, size_t n, size_t d, double *mean, double *scale);

/* ---- the fitted model (kind AN_KIND_DBSCAN) ---- */

typedef struct an_kdtree an_kdtree;

typedef struct an_dbscan_model
{
	uint32_t	d;
	double		eps;
	int64_t		min_points;		/* informational: what the model was fitted with */
	bool		scaled;
	double	   *mean;			/* d entries if scaled */
	double	   *scale;			/* d entries if scaled, each > 0 */
	uint32_t	n_clusters;
	uint32_t	n_core;
	int32_t	   *core_label;		/* n_core, in index order */
	an_kdtree  *tree;			/* over the core points */
	int32_t	   *node_min;		/* smallest label in each tree node */
} an_dbscan_model;

/*
 * Fit and encode: run DBSCAN on x (already standardised if mean/scale are
 * given) and write the core points, their clusters and the index order into
 * an envelope.  *out is an_alloc'd.
 *
 * Payload (little-endian): u32 d, f64 eps, i64 min_points, u8 scaled,
 * [f64 mean[d], f64 scale[d] if scaled], u32 n_clusters, u32 n_core,
 * f64 core[n_core][d] in k-d tree order, u32 label[n_core].
 */
an_status	an_dbscan_model_fit(const double *x, size_t n, size_t d, double eps, int64_t min_points,
								const double *mean, const double *scale,
								uint8_t **out, size_t *out_len);

/* Validate and load a payload (after an_model_open).  Free with an_dbscan_model_free. */
an_status	an_dbscan_model_decode(const uint8_t *payload, size_t len, an_dbscan_model *model);
void		an_dbscan_model_free(an_dbscan_model *model);

/*
 * The cluster a new point (raw features: the model applies its own scaling)
 * would join: the smallest cluster number among core points within eps, or
 * AN_DBSCAN_NOISE.  AN_EINVAL if d differs, AN_ENONFINITE on NaN/Inf.
 */
an_status	an_dbscan_model_score(const an_dbscan_model *model, const double *q, size_t d,
								  int32_t *label);

#endif
