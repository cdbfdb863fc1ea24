/*
 * dbscan_common.c: feature vectors and error reporting shared by the DBSCAN
 * window functions (dbscan_window.c) and the fitted model (dbscan_fit_score.c).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"

#include <math.h>

#include "pg/dbscan_common.h"

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
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s must be a float8[] array", what)));
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array", what),
				 errdetail("Got a %d-dimensional array%s.", ARR_NDIM(arr),
						   row_detail(row_number, where, sizeof(where)))));
	n = ARR_NDIM(arr) == 0 ? 0 : ARR_DIMS(arr)[0];
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be empty", what),
				 errdetail("Got an empty array%s.", row_detail(row_number, where, sizeof(where)))));
	if (n > AN_DBSCAN_MAX_DIMS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s has too many elements", what),
				 errdetail("Got %d elements; at most %d are supported.", n, AN_DBSCAN_MAX_DIMS)));
	if (ARR_HASNULL(arr))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not contain NULL elements", what),
				 errdetail("An element is NULL%s.", row_detail(row_number, where, sizeof(where))),
				 errhint("Pass NULL for the whole array to leave a row out.")));
	v = (const double *) ARR_DATA_PTR(arr);
	for (int k = 0; k < n; k++)
		if (!isfinite(v[k]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("%s must not contain NaN or infinity", what),
					 errdetail("Element %d is %s%s.", k + 1,
							   isnan(v[k]) ? "NaN" : v[k] > 0 ? "Infinity" : "-Infinity",
							   row_detail(row_number, where, sizeof(where)))));
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
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("eps must be a finite number"),
				 errdetail("Got %s.", isnan(eps) ? "NaN" : eps > 0 ? "Infinity" : "-Infinity")));
	if (!(eps > 0.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("eps must be positive"),
				 errdetail("Got %g.", eps)));
	if (min_points < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_points must be at least 1"),
				 errdetail("Got " INT64_FORMAT ".", min_points),
				 errhint("min_points counts the point itself, as in scikit-learn.")));
}

void
dbscan_raise(an_status st, const char *context)
{
	switch (st)
	{
		case AN_OK:
			return;
		case AN_ENOMEM:
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory in %s", context)));
			break;
		case AN_ETOOMANY:
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many points for %s", context),
					 errdetail("At most %zu points are supported.", (size_t) AN_DBSCAN_MAX_POINTS)));
			break;
		case AN_ENONFINITE:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("features must not contain NaN or infinity"),
					 errdetail("Standardising the features overflowed.")));
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s failed: %s", context, an_status_message(st))));
	}
}
