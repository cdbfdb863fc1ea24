/*
 * dbscan_state.h: the partial state of dbscan_fit as a self-contained value,
 * for the two-level aggregates dbscan_fit_state / dbscan_fit_merge (kind
 * AN_KIND_DBSCAN_FIT_STATE).
 *
 * Inside the model envelope (model_format.h), the payload is, little-endian,
 * written field by field (the parameters in the order of the dbscan model's,
 * kind AN_KIND_DBSCAN):
 *
 *   size  field
 *      1  payload version (AN_DBSCAN_STATE_VERSION)
 *      4  number of features d, 1 <= d <= AN_DBSCAN_MAX_DIMS
 *      8  eps (f64): finite, > 0, at most AN_DBSCAN_MAX_EPS
 *      8  min_points (i64): 1 <= min_points <= INT32_MAX (an int in SQL)
 *      1  standardize: 0 or 1
 *      8  number of rows n, 1 <= n <= AN_DBSCAN_MAX_POINTS
 *  8*n*d  the rows, each d f64, sorted lexicographically with -0 before +0
 *
 * DBSCAN needs every point (a point is core by the count of its neighbours
 * among all the rows), so the state is the rows themselves: a transport
 * format, not a summary.  Rows are finite and sorted, so one multiset of
 * rows has one encoding.  No OIDs, pointers or host byte order.  A group
 * without rows has no state (NULL).
 */
#ifndef ANOMALY_DBSCAN_STATE_H
#define ANOMALY_DBSCAN_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "core/dbscan/dbscan.h"
#include "core/model_format.h"

#define AN_DBSCAN_STATE_VERSION 1
/* version, d, eps, min_points, standardize, n */
#define AN_DBSCAN_STATE_FIXED_BYTES (1 + 4 + 8 + 8 + 1 + 8)

/* A validated state: the parameters, the rows a view into the caller's buffer. */
typedef struct an_dbscan_state
{
	double		eps;
	int64_t		min_points;
	bool		standardize;
	size_t		d;
	size_t		n;
	const uint8_t *rows;		/* n * d encoded f64: read with an_dbscan_state_rows */
} an_dbscan_state;

/*
 * Write a state from n rows of d features (row-major, finite, in any order:
 * the writer sorts them).  AN_EINVAL for anything the reader would refuse,
 * AN_ETOOMANY if it would not fit in a model, AN_ENOMEM.
 */
an_status	an_dbscan_state_write(double eps, int64_t min_points, bool standardize, const double *x,
								  size_t n, size_t d, uint8_t **out, size_t *out_len);

/*
 * Validate buf as a state: the envelope (AN_EKIND for another kind), the
 * parameters, the counts and every row (finite, sorted).  On AN_OK, *st
 * views into buf.
 */
an_status	an_dbscan_state_open(const uint8_t *buf, size_t len, an_dbscan_state *st);

/* Decode rows [from, from + count) into dst (count * d doubles). */
void		an_dbscan_state_rows(const an_dbscan_state *st, size_t from, size_t count, double *dst);

#endif
