/*
 * dbscan_fit_score.c: dbscan_fit(), an aggregate that clusters its rows and
 * returns the core points as a model (bytea), and dbscan_score(), which says
 * which cluster a new point would join.
 *
 * The aggregate keeps the feature vectors in one array grown geometrically
 * in the aggregate context.  To make the model independent of row order and
 * of parallel plans, the final function sorts the points by their
 * coordinates before clustering (the total order of core/state/row_order.h,
 * -0 before +0, so one multiset of rows has one sorted sequence of bytes):
 * cluster numbers follow that order.  The state and its reserve function
 * are shared with the two-level form (dbscan_two_level.c).
 */
#include "postgres.h"

#include "fmgr.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/memutils.h"

#include "core/dbscan/dbscan.h"
#include "core/model_format.h"
#include "core/state/row_order.h"
#include "pg/agg_support.h"
#include "pg/dbscan_common.h"
#include "pg/error_report.h"
#include "pg/model_cache.h"


static dbscan_agg_state *
new_state(MemoryContext cxt)
{
	return MemoryContextAllocZero(cxt, sizeof(dbscan_agg_state));
}

void
dbscan_fit_reserve(dbscan_agg_state *s, MemoryContext cxt, int64 more)
{
	dbscan_check_status(row_buffer_reserve(&s->rows, cxt, more, AN_DBSCAN_MAX_POINTS, 1024),
						"dbscan_fit");
}

/* The same parameters for every row and every partial state. */
static void
check_same(dbscan_agg_state *s, int d, double eps, int64 min_points, bool standardize)
{
	if (d != s->rows.d)
		dbscan_report_length_mismatch(d, s->rows.d, 0);
	if (eps != s->eps || min_points != s->min_points || standardize != s->standardize)
		report_varying_parameters("eps, min_points and standardize", NULL);
}

/* dbscan_fit transition: (state, features, eps, min_points [, standardize]) */
PG_FUNCTION_INFO_V1(dbscan_fit_trans);
Datum
dbscan_fit_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context_or_error(fcinfo, __func__);
	dbscan_agg_state *s = PG_GETARG_STATE(0, dbscan_agg_state);
	ArrayType  *copy;
	const double *f;
	double		eps;
	int64		min_points;
	bool		standardize = false;
	int			n;

	/* rows with a NULL argument are left out, as by a strict aggregate */
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) ||
		(PG_NARGS() > 4 && PG_ARGISNULL(4)))
		PG_RETURN_STATE(s);
	eps = PG_GETARG_FLOAT8(2);
	min_points = PG_GETARG_INT32(3);
	if (PG_NARGS() > 4)
		standardize = PG_GETARG_BOOL(4);
	f = dbscan_features(PG_GETARG_DATUM(1), "features", 0, &n, &copy);
	if (s == NULL)
	{
		dbscan_check_params(eps, min_points);
		s = new_state(aggcxt);
	}
	/* the first row with data sets the parameters, later ones must match */
	if (s->rows.d == 0)
	{
		s->rows.d = n;
		s->eps = eps;
		s->min_points = min_points;
		s->standardize = standardize;
	}
	else
		check_same(s, n, eps, min_points, standardize);
	dbscan_fit_reserve(s, aggcxt, 1);
	memcpy(s->rows.x + s->rows.n * s->rows.d, f, (Size) n * sizeof(double));
	s->rows.n++;
	if (copy)
		pfree(copy);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(dbscan_fit_combine);
Datum
dbscan_fit_combine(PG_FUNCTION_ARGS)
{
	return agg_combine(fcinfo, __func__, &dbscan_row_state.combine);
}

PG_FUNCTION_INFO_V1(dbscan_fit_serial);
Datum
dbscan_fit_serial(PG_FUNCTION_ARGS)
{
	dbscan_agg_state *s = (dbscan_agg_state *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, s->rows.d);
	pq_sendfloat8(&buf, s->eps);
	pq_sendint64(&buf, s->min_points);
	pq_sendbyte(&buf, s->standardize ? 1 : 0);
	row_buffer_send(&buf, &s->rows);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(dbscan_fit_deserial);
Datum
dbscan_fit_deserial(PG_FUNCTION_ARGS)
{
	bytea	   *raw = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt = agg_context_or_error(fcinfo, __func__);
	StringInfoData buf;
	dbscan_agg_state *s;

	state_buffer_init(&buf, raw);
	s = new_state(aggcxt);
	s->rows.d = pq_getmsgint(&buf, 4);
	s->eps = pq_getmsgfloat8(&buf);
	s->min_points = pq_getmsgint64(&buf);
	s->standardize = pq_getmsgbyte(&buf) != 0;
	row_state_receive(&dbscan_row_state, s, &buf, true, aggcxt);
	PG_RETURN_POINTER(s);
}

static int
cmp_points(const void *a, const void *b, void *arg)
{
	return an_row_cmp(*(const double *const *) a, *(const double *const *) b, *(const int *) arg);
}

PG_FUNCTION_INFO_V1(dbscan_fit_final);
Datum
dbscan_fit_final(PG_FUNCTION_ARGS)
{
	dbscan_agg_state *s = PG_GETARG_STATE(0, dbscan_agg_state);
	const double **order;
	double	   *x,
			   *mean,
			   *scale;
	uint8_t    *blob;
	size_t		len;
	an_status	st;
	int			d;

	if (s == NULL || s->rows.n == 0)
		PG_RETURN_NULL();
	d = s->rows.d;
	mean = palloc(d * sizeof(double));
	scale = palloc(d * sizeof(double));
	/* Sort by coordinates: the model must not depend on row order. */
	order = palloc_extended((Size) s->rows.n * sizeof(double *), MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < s->rows.n; i++)
		order[i] = s->rows.x + i * d;
	qsort_arg(order, s->rows.n, sizeof(double *), cmp_points, &d);
	x = palloc_extended((Size) s->rows.n * d * sizeof(double), MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < s->rows.n; i++)
		memcpy(x + i * d, order[i], (Size) d * sizeof(double));
	pfree(order);
	if (s->standardize)
		dbscan_check_status(an_dbscan_standardize(x, s->rows.n, d, mean, scale), "dbscan_fit");
	st = an_dbscan_model_fit(x, s->rows.n, d, s->eps, s->min_points,
							 s->standardize ? mean : NULL, s->standardize ? scale : NULL,
							 &blob, &len);
	dbscan_check_status(st, "dbscan_fit");
	pfree(x);
	if (len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				errmsg("dbscan model is too large"),
				errdetail("The model would take %zu bytes; a bytea holds at most 1 GB.", len),
				errhint("Fit on fewer rows or raise min_points so that fewer points are core."));
	PG_RETURN_BYTEA_P(bytea_from_core(blob, len));
}

/* ---- scoring ---- */

/* Decode and validate a DBSCAN model (in the cache's memory context). */
static void *
dbscan_decode(const uint8 *bytes, Size len, const char *fname)
{
	Size		payload_len;
	const uint8_t *payload = model_open_kind(bytes, len, AN_KIND_DBSCAN, "dbscan", fname, &payload_len);
	an_dbscan_model *m = palloc0(sizeof(an_dbscan_model));

	/* (the DBSCAN payload has no version of its own: never AN_EVERSION) */
	report_payload_status(an_dbscan_model_decode(payload, payload_len, m), fname);
	return m;
}

static void
dbscan_free(void *model)
{
	an_dbscan_model_free((an_dbscan_model *) model);
	pfree(model);
}

static const ModelCacheKind dbscan_kind = {dbscan_decode, dbscan_free};

/* dbscan_score(model, features): the cluster a new point joins, NULL for an outlier. */
PG_FUNCTION_INFO_V1(dbscan_score);
Datum
dbscan_score(PG_FUNCTION_ARGS)
{
	const an_dbscan_model *m = model_cache_get(fcinfo, 0, &dbscan_kind, "dbscan_score");
	ArrayType  *copy;
	const double *f;
	int			n;
	int32_t		label;
	an_status	st;

	f = dbscan_features(PG_GETARG_DATUM(1), "features", 0, &n, &copy);
	if ((uint32) n != m->d)
		ereport(ERROR,
				errcode(ERRCODE_DATA_EXCEPTION),
				errmsg("features has %d elements but the model has %u", n, m->d));
	st = an_dbscan_model_score(m, f, n, &label);
	dbscan_check_status(st, "dbscan_score");
	if (label == AN_DBSCAN_NOISE)
		PG_RETURN_NULL();
	PG_RETURN_INT32(label);
}
