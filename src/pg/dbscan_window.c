/*
 * dbscan_window.c: dbscan_outliers() and dbscan_cluster(), DBSCAN as window
 * functions.
 *
 * The first call in a partition reads every row's features, clusters them
 * once (src/core/dbscan) and keeps one int32 label per row in the
 * partition's local memory; every call then returns its row's label.  eps,
 * min_points and standardize are read from the partition's first row (as
 * PostGIS's ST_ClusterDBSCAN does).  Cluster numbers follow the partition's
 * row order, so the window's ORDER BY is what makes them deterministic.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/memutils.h"
#include "windowapi.h"

#include "core/dbscan/dbscan.h"
#include "pg/dbscan_common.h"

#define LABEL_NULL_ROW (-2)		/* NULL features: NULL result */

typedef struct dbscan_partition
{
	bool		computed;
	bool		all_null;		/* a parameter was NULL: every result is NULL */
	int32	   *labels;			/* one per row of the partition */
} dbscan_partition;

static Datum
arg_in_row(WindowObject winobj, int argno, int64 row, bool *isnull)
{
	bool		isout;
	Datum		v = WinGetFuncArgInPartition(winobj, argno, row, WINDOW_SEEK_HEAD, false,
											 isnull, &isout);

	if (isout)
		elog(ERROR, "dbscan: row " INT64_FORMAT " is outside its partition", row);
	return v;
}

/* Parameter argno in the partition's first row; false if it is NULL. */
static bool
param_in_first_row(WindowObject winobj, int argno, Datum *value)
{
	bool		isnull;

	*value = arg_in_row(winobj, argno, 0, &isnull);
	return !isnull;
}

/* Read the partition, run DBSCAN and fill part->labels; fname is the SQL function. */
static void
cluster_partition(WindowObject winobj, int nargs, dbscan_partition *part, const char *fname)
{
	MemoryContext partcxt = GetMemoryChunkContext(part);
	MemoryContext work,
				old;
	int64		nrows = WinGetPartitionRowCount(winobj);
	bool		isnull;
	Datum		eps_datum,
				min_points_datum,
				standardize_datum = (Datum) 0;
	double		eps;
	int64		min_points;
	bool		standardize;
	double	   *x = NULL;
	int32	   *pt_labels;
	int64		npoints = 0;
	int			d = 0;
	an_status	st;

	part->computed = true;
	part->labels = MemoryContextAllocHuge(partcxt, (Size) Max(nrows, 1) * sizeof(int32));
	if (nrows == 0)
		return;

	/* a NULL parameter makes every result NULL (the later ones are then not evaluated) */
	if (!param_in_first_row(winobj, 1, &eps_datum) || !param_in_first_row(winobj, 2, &min_points_datum) ||
		(nargs > 3 && !param_in_first_row(winobj, 3, &standardize_datum)))
	{
		part->all_null = true;
		return;
	}
	eps = DatumGetFloat8(eps_datum);
	min_points = DatumGetInt32(min_points_datum);
	standardize = nargs > 3 && DatumGetBool(standardize_datum);
	dbscan_check_params(eps, min_points);

	/* Everything else lives in a context of its own, freed as soon as we are done. */
	work = AllocSetContextCreate(CurrentMemoryContext, "dbscan", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(work);

	for (int64 row = 0; row < nrows; row++)
	{
		Datum		v = arg_in_row(winobj, 0, row, &isnull);
		ArrayType  *copy;
		const double *f;
		int			n;

		/*
		 * Every row rather than every N: fetching a row from the window's
		 * tuplestore takes 0.3 to 1 microsecond, detoasting a vector of 4096
		 * elements about 100, and the check is one flag test.  (Every 4096
		 * rows kept a cancel waiting 0.4 s on such vectors.)
		 */
		CHECK_FOR_INTERRUPTS();
		if (isnull)
		{
			part->labels[row] = LABEL_NULL_ROW;
			continue;
		}
		if (x == NULL)
		{
			/* the first vector fixes the dimension */
			f = dbscan_features(v, "features", row + 1, &n, &copy);
			d = n;
			if ((uint64) nrows > AN_DBSCAN_MAX_POINTS)
				dbscan_check_status(AN_ETOOMANY, fname);
			/* at most one vector per row: sized once, never regrown */
			x = MemoryContextAllocHuge(work, (Size) nrows * (Size) d * sizeof(double));
			memcpy(x, f, (Size) d * sizeof(double));
			if (copy)
				pfree(copy);
		}
		else if ((n = dbscan_features_copy(v, "features", row + 1, x + npoints * d, d)) != d)
			dbscan_report_length_mismatch(n, d, row + 1);
		npoints++;
		part->labels[row] = 0;
	}

	if (npoints > 0)
	{
		/* without NULL rows, labels go straight into the per-row array */
		pt_labels = npoints == nrows ? part->labels :
			palloc_extended((Size) npoints * sizeof(int32), MCXT_ALLOC_HUGE);
		if (standardize)
			dbscan_check_status(an_dbscan_standardize(x, (size_t) npoints, (size_t) d, NULL, NULL), fname);
		st = an_dbscan(x, (size_t) npoints, (size_t) d, eps, min_points, pt_labels, NULL);
		dbscan_check_status(st, fname);
		if (pt_labels != part->labels)
		{
			npoints = 0;
			for (int64 row = 0; row < nrows; row++)
				if (part->labels[row] != LABEL_NULL_ROW)
					part->labels[row] = pt_labels[npoints++];
		}
	}

	MemoryContextSwitchTo(old);
	MemoryContextDelete(work);
}

/* This row's label, or LABEL_NULL_ROW. */
static int32
current_label(FunctionCallInfo fcinfo, const char *fname)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	dbscan_partition *part;

	part = (dbscan_partition *) WinGetPartitionLocalMemory(winobj, sizeof(dbscan_partition));
	if (!part->computed)
		cluster_partition(winobj, PG_NARGS(), part, fname);
	if (part->all_null)
		return LABEL_NULL_ROW;
	return part->labels[WinGetCurrentPosition(winobj)];
}

/* dbscan_outliers(features, eps, min_points [, standardize]): true for noise. */
PG_FUNCTION_INFO_V1(dbscan_outliers);
Datum
dbscan_outliers(PG_FUNCTION_ARGS)
{
	int32		label = current_label(fcinfo, "dbscan_outliers");

	if (label == LABEL_NULL_ROW)
		PG_RETURN_NULL();
	PG_RETURN_BOOL(label == AN_DBSCAN_NOISE);
}

/* dbscan_cluster(features, eps, min_points [, standardize]): cluster number, NULL for noise. */
PG_FUNCTION_INFO_V1(dbscan_cluster);
Datum
dbscan_cluster(PG_FUNCTION_ARGS)
{
	int32		label = current_label(fcinfo, "dbscan_cluster");

	if (label == LABEL_NULL_ROW || label == AN_DBSCAN_NOISE)
		PG_RETURN_NULL();
	PG_RETURN_INT32(label);
}
