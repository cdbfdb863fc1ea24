/*
 * dbscan_common.c: feature vectors and error reporting shared by the DBSCAN
 * window functions (dbscan_window.c) and the fitted model (dbscan_fit_score.c).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"

#include <math.h>

#include "pg/dbscan_common.h"
#include "pg/error_report.h"

static const char *
row_detail(int64 row_number, char *buf, size_t len)
{
	if (row_number > 0)
		snprintf(buf, len, " in row " INT64_FORMAT " of the partition", row_number);
	else
		buf[0] = '\0';
	return buf;
}

const double *
dbscan_features(Datum datum, const char *what, int64 row_number, int *n_out, ArrayType **copy)
{
	ArrayType  *arr = DatumGetArrayTypeP(datum);
	char		where[64];
	const double *v;
	int			n;

	*copy = (Pointer) arr != DatumGetPointer(datum) ? arr : NULL;
	if (ARR_ELEMTYPE(arr) != FLOAT8OID)
		ereport(ERROR,
				errcode(ERRCODE_DATATYPE_MISMATCH),
				errmsg("%s must be a float8[] array", what));
	if (ARR_NDIM(arr) > 1)
		report_not_one_dimensional(what, psprintf("The array%s", row_detail(row_number, where, sizeof(where))),
								   ARR_NDIM(arr));
	n = ARR_NDIM(arr) == 0 ? 0 : ARR_DIMS(arr)[0];
	if (n == 0)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("%s must not be empty", what),
				errdetail("Got an empty array%s.", row_detail(row_number, where, sizeof(where))));
	if (n > AN_DBSCAN_MAX_DIMS)
		ereport(ERROR,
				errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				errmsg("%s has too many elements", what),
				errdetail("Got %d elements; at most %d are supported.", n, AN_DBSCAN_MAX_DIMS));
	if (ARR_HASNULL(arr))
		report_null_element(what, psprintf("An element%s", row_detail(row_number, where, sizeof(where))),
							"Pass NULL for the whole array to leave a row out.");
	v = (const double *) ARR_DATA_PTR(arr);
	for (int k = 0; k < n; k++)
		if (!isfinite(v[k]))
			report_nonfinite(what, psprintf("Element %d%s", k + 1, row_detail(row_number, where, sizeof(where))),
							 v[k]);
	*n_out = n;
	return v;
}

int
dbscan_features_copy(Datum datum, const char *what, int64 row_number, double *out, int d)
{
	struct varlena *raw = (struct varlena *) DatumGetPointer(datum);
	ArrayType  *copy;
	const double *f;
	int			n;

	if (VARATT_IS_SHORT(raw))
	{
		/*
		 * A short header is 1 byte instead of 4; the rest is laid out as in
		 * ArrayType, with offsets counted from a 4-byte header, and nothing is
		 * aligned, so fields are read with memcpy.
		 */
		const char *base = (const char *) raw - (VARHDRSZ - VARHDRSZ_SHORT);
		Size		size = VARSIZE_SHORT(raw) + (VARHDRSZ - VARHDRSZ_SHORT);
		int32		ndim,
					dataoffset,
					dim;
		Oid			elemtype;
		Size		off = ARR_OVERHEAD_NONULLS(1);

		memcpy(&ndim, base + offsetof(ArrayType, ndim), sizeof(int32));
		memcpy(&dataoffset, base + offsetof(ArrayType, dataoffset), sizeof(int32));
		memcpy(&elemtype, base + offsetof(ArrayType, elemtype), sizeof(Oid));
		if (ndim == 1 && dataoffset == 0 && elemtype == FLOAT8OID && size >= sizeof(ArrayType) + sizeof(int))
		{
			memcpy(&dim, base + sizeof(ArrayType), sizeof(int32));
			if (dim == d && d > 0 && off + (Size) d * sizeof(double) <= size)
			{
				bool		finite = true;

				memcpy(out, base + off, (Size) d * sizeof(double));
				for (int k = 0; k < d; k++)
					finite &= isfinite(out[k]);
				if (finite)
					return d;
			}
		}
		/* anything else takes the general path, which explains what is wrong */
	}
	f = dbscan_features(datum, what, row_number, &n, &copy);
	if (n == d)
		memcpy(out, f, (Size) d * sizeof(double));
	if (copy)
		pfree(copy);
	return n;
}

void
dbscan_check_params(double eps, int64 min_points)
{
	if (isnan(eps) || isinf(eps))
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("eps must be a finite number"),
				errdetail("Got %s.", nonfinite_name(eps)));
	if (!(eps > 0.0))
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("eps must be positive"),
				errdetail("Got %g.", eps));
	if (!isfinite(eps * eps))
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("eps must be at most %.17g", AN_DBSCAN_MAX_EPS),
				errdetail("Got %g. Distances are compared through their squares, and the square of a larger eps is not a finite double.", eps),
				errhint("Standardize the features (standardize => true) or rescale them so that eps is of ordinary size."));
	if (min_points < 1)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("min_points must be at least 1"),
				errdetail("Got " INT64_FORMAT ".", min_points),
				errhint("min_points counts the point itself, as in scikit-learn."));
}

void
dbscan_report_length_mismatch(int got, int first, int64 row_number)
{
	ereport(ERROR,
			errcode(ERRCODE_DATA_EXCEPTION),
			errmsg("features arrays must all have the same length"),
			row_number > 0 ?
			errdetail("Row " INT64_FORMAT " of the partition has %d features; the first non-NULL row has %d.",
					  row_number, got, first) :
			errdetail("Got %d features after %d.", got, first));
}

void
dbscan_check_status(an_status st, const char *fname)
{
	switch (st)
	{
		case AN_ETOOMANY:
			report_status(st, fname, "At most %zu points are supported.", (size_t) AN_DBSCAN_MAX_POINTS);
			break;
		case AN_ENONFINITE:
			/* the features were checked on input: standardising them overflowed */
			report_status(st, fname, "Standardising the features overflowed.");
			break;
		default:
			report_status(st, fname, NULL);
	}
}
