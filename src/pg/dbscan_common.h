/*
 * dbscan_common.h: what the DBSCAN window functions, the model functions and
 * the two-level form of dbscan_fit (dbscan_two_level.c) share: reading a
 * float8[] feature vector, dbscan_fit's aggregate state and turning core
 * status codes into errors.
 */
#ifndef ANOMALY_DBSCAN_COMMON_H
#define ANOMALY_DBSCAN_COMMON_H

#include "postgres.h"

#include "utils/array.h"

#include "core/dbscan/dbscan.h"
#include "pg/row_buffer.h"

/*
 * The state of dbscan_fit (and of dbscan_fit_state, dbscan_fit_merge): the
 * parameters and the vectors.
 */
typedef struct dbscan_agg_state
{
	RowBuffer	rows;			/* first: a RowStateKind's state */
	double		eps;
	int64		min_points;
	bool		standardize;
} dbscan_agg_state;

/* dbscan_fit's kind of state of rows (row_buffer.h). */
extern const RowStateKind dbscan_row_state;

/* Make room for more rows in s (s->rows.d set); an error above the row limit or memory. */
void		dbscan_fit_reserve(dbscan_agg_state *s, MemoryContext cxt, int64 more);

/*
 * Point at the elements of a float8[] feature vector (detoasting into the
 * current memory context if needed; *copy is set when the caller may pfree
 * the returned array).  what names the value in errors ("features"),
 * row_number (1-based, 0 if none) locates it.  Raises an error for NULL
 * elements, NaN or infinity, an empty or multi-dimensional array.
 */
const double *dbscan_features(Datum datum, const char *what, int64 row_number, int *n_out,
							  ArrayType **copy);

/*
 * Copy a feature vector of exactly d elements into out.  Returns the number
 * of elements; if that is not d nothing is copied (the caller reports the
 * mismatch).  Other problems raise the same errors as dbscan_features.  The
 * common case, a short inline float8[] without NULLs as stored in a table
 * row, is read in place without detoasting.
 */
int			dbscan_features_copy(Datum datum, const char *what, int64 row_number, double *out, int d);

/* Check eps and min_points and raise the matching error. */
void		dbscan_check_params(double eps, int64 min_points);

/*
 * Feature vectors of different lengths: got elements where the first had
 * first; row_number (1-based, 0 if none) locates the row in the partition.
 */
void		dbscan_report_length_mismatch(int got, int first, int64 row_number) pg_attribute_noreturn();

/*
 * Raise the error for the status of a core call made by SQL function fname
 * (report_status, with DBSCAN's own details).
 */
void		dbscan_check_status(an_status st, const char *fname);

#endif
