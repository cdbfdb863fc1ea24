/*
 * catch22_fn.c: SQL glue for catch22 / catch24.
 *
 *   catch22(float8[]) / catch24(float8[])             22 or 24 features of one series
 *   catch22_names() / catch24_names(), *_short_names() the feature names, same order
 *   catch22(timestamptz, float8) / catch24(...)      aggregates that order by time themselves
 *
 * The aggregates collect (ts, value) pairs in the shared point collector
 * (point_collector.h) and sort them by (ts, value) in the final function,
 * so the result does not depend on row order or on parallel query.  Rows whose ts
 * or value is NULL are skipped, like every SQL aggregate does; rows with the
 * same timestamp are all kept, ordered by value, which makes the result
 * deterministic.  Used as a window function (rolling features), frames of
 * fewer than 3 rows give NULL instead of an error.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "core/catch22/catch22.h"
#include "pg/agg_support.h"
#include "pg/error_report.h"
#include "pg/point_collector.h"

/*
 * Raise the error for the core's status.  The core is what finds a NaN or an
 * infinity in the series (bad is its index); the glue checked the length.
 */
static void
check_status(const char *fname, an_status st, size_t n, size_t bad, const double *y)
{
	switch (st)
	{
		case AN_OK:
			return;
		case AN_ENONFINITE:
			report_nonfinite(psprintf("%s input", fname), psprintf("Element %zu", bad + 1), y[bad]);
			break;
		case AN_ETOOMANY:
			report_status(st, fname, "The series has %zu values; the limit is %d.", n, AN_CATCH22_MAX_N);
			break;
		default:
			report_status(st, fname, "The series has %zu values.", n);
	}
}

/*
 * FFT twiddle tables for series up to length n, kept in fn_extra for the
 * rest of the query: an aggregate over thousands of groups builds them once.
 * NULL (the core then builds its own) when n is out of range, so that the
 * core reports the error.
 */
static const an_catch22_tables *
cached_tables(FmgrInfo *flinfo, size_t n)
{
	an_catch22_tables *tables = (an_catch22_tables *) flinfo->fn_extra;
	MemoryContext old;

	if (n < AN_CATCH22_MIN_N || n > AN_CATCH22_MAX_N)
		return NULL;
	if (an_catch22_tables_fit(tables, n))
		return tables;
	flinfo->fn_extra = NULL;
	an_catch22_tables_free(tables);
	old = MemoryContextSwitchTo(flinfo->fn_mcxt);
	tables = an_catch22_tables_new(n);
	MemoryContextSwitchTo(old);
	flinfo->fn_extra = tables;
	return tables;
}

/* Runs the core and returns the first `count` outputs as a float8[]. */
static ArrayType *
compute_array(FunctionCallInfo fcinfo, const char *fname, const double *y, size_t n, int count)
{
	double		out[AN_CATCH24_COUNT];
	Datum		elems[AN_CATCH24_COUNT];
	size_t		bad = 0;
	an_status	st;

	if (n < AN_CATCH22_MIN_N)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("%s needs at least %d values", fname, AN_CATCH22_MIN_N),
				errdetail("The series has %zu values.", n),
				errhint("Filter out series with fewer than %d points before calling %s.",
						AN_CATCH22_MIN_N, fname));
	st = an_catch22_with_tables(y, n, cached_tables(fcinfo->flinfo, n), out, &bad);
	check_status(fname, st, n, bad, y);
	for (int i = 0; i < count; i++)
		elems[i] = Float8GetDatum(out[i]);
	return construct_array(elems, count, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/* The first count features of the float8[] argument. */
static Datum
array_features(FunctionCallInfo fcinfo, const char *fname, int count)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	size_t		n;
	const double *y = series_array_values(arr, fname, &n);

	PG_RETURN_ARRAYTYPE_P(compute_array(fcinfo, fname, y, n, count));
}

PG_FUNCTION_INFO_V1(catch22_array);
/* catch22(float8[]) returns float8[22] */
Datum
catch22_array(PG_FUNCTION_ARGS)
{
	return array_features(fcinfo, "catch22", AN_CATCH22_COUNT);
}

PG_FUNCTION_INFO_V1(catch24_array);
/* catch24(float8[]) returns float8[24] */
Datum
catch24_array(PG_FUNCTION_ARGS)
{
	return array_features(fcinfo, "catch24", AN_CATCH24_COUNT);
}

static ArrayType *
names_array(const char *const *names, int count)
{
	Datum		elems[AN_CATCH24_COUNT];

	for (int i = 0; i < count; i++)
		elems[i] = CStringGetTextDatum(names[i]);
	return construct_array(elems, count, TEXTOID, -1, false, TYPALIGN_INT);
}

PG_FUNCTION_INFO_V1(catch22_names);
/* catch22_names() returns the 22 full names */
Datum
catch22_names(PG_FUNCTION_ARGS)
{
	PG_RETURN_ARRAYTYPE_P(names_array(an_catch22_names, AN_CATCH22_COUNT));
}

PG_FUNCTION_INFO_V1(catch24_names);
/* catch24_names() returns the 24 full names */
Datum
catch24_names(PG_FUNCTION_ARGS)
{
	PG_RETURN_ARRAYTYPE_P(names_array(an_catch22_names, AN_CATCH24_COUNT));
}

PG_FUNCTION_INFO_V1(catch22_short_names);
/* catch22_short_names() returns the 22 short names */
Datum
catch22_short_names(PG_FUNCTION_ARGS)
{
	PG_RETURN_ARRAYTYPE_P(names_array(an_catch22_short_names, AN_CATCH22_COUNT));
}

PG_FUNCTION_INFO_V1(catch24_short_names);
/* catch24_short_names() returns the 24 short names */
Datum
catch24_short_names(PG_FUNCTION_ARGS)
{
	PG_RETURN_ARRAYTYPE_P(names_array(an_catch22_short_names, AN_CATCH24_COUNT));
}

/* ---- aggregates ---- */

/*
 * The state is a PointCollector (point_collector.h) in the aggregate memory
 * context; it is never consumed, see agg_final.
 */
#define C22_STATE_TAG 0x43323231	/* "C221" */

static void
too_many_rows(void)
{
	report_status(AN_ETOOMANY, "catch22", "A group has more than %d rows.", AN_CATCH22_MAX_N);
}

PG_FUNCTION_INFO_V1(catch22_agg_trans);
/* transition: append (ts, value); rows with a NULL are skipped */
Datum
catch22_agg_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = agg_context_or_error(fcinfo, __func__);
	PointCollector *pc = PG_GETARG_STATE(0, PointCollector);
	float8		value;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_STATE(pc);
	value = PG_GETARG_FLOAT8(2);
	if (!isfinite(value))
		report_nonfinite("catch22 input", "A row's value", value);
	if (pc == NULL)
		pc = MemoryContextAllocZero(aggcontext, sizeof(PointCollector));
	if (unlikely(pc->npoints >= AN_CATCH22_MAX_N))
		too_many_rows();
	pc_add(pc, aggcontext, PG_GETARG_TIMESTAMPTZ(1), value, "catch22");
	PG_RETURN_POINTER(pc);
}

static bool
c22_empty(const void *s)
{
	return ((const PointCollector *) s)->npoints == 0;
}

/* append the second state's points to the first */
static void *
c22_merge(const AggCombineKind *kind, void *a, const void *b, MemoryContext cxt)
{
	PointCollector *s1 = a != NULL ? a : MemoryContextAllocZero(cxt, sizeof(PointCollector));
	const PointCollector *s2 = b;

	if (s2->npoints > AN_CATCH22_MAX_N - s1->npoints)
		too_many_rows();
	pc_append(s1, cxt, s2, "catch22");
	return s1;
}

static const AggCombineKind c22_combine = {c22_empty, c22_merge};

PG_FUNCTION_INFO_V1(catch22_agg_combine);
/* combine: append the second state's points to the first */
Datum
catch22_agg_combine(PG_FUNCTION_ARGS)
{
	return agg_combine(fcinfo, __func__, &c22_combine);
}

PG_FUNCTION_INFO_V1(catch22_agg_serialize);
/* serialize: the collector's format (point_collector.h), tagged "C221", no extra bytes */
Datum
catch22_agg_serialize(PG_FUNCTION_ARGS)
{
	PointCollector *pc = (PointCollector *) PG_GETARG_POINTER(0);

	(void) agg_kind_or_error(fcinfo, __func__);
	PG_RETURN_BYTEA_P(pc_serialize(pc, C22_STATE_TAG, NULL, 0));
}

PG_FUNCTION_INFO_V1(catch22_agg_deserialize);
/* deserialize: pc_deserialize checks the tag, the lengths and every value */
Datum
catch22_agg_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = agg_context_or_error(fcinfo, __func__);
	PointCollector *pc;
	uint32		extra_len;

	pc = MemoryContextAllocZero(aggcontext, sizeof(PointCollector));
	(void) pc_deserialize(PG_GETARG_BYTEA_PP(0), C22_STATE_TAG, pc, aggcontext, &extra_len, "catch22");
	/* a worker stops at AN_CATCH22_MAX_N rows, so more is a corrupt state */
	if (extra_len != 0 || pc->npoints > AN_CATCH22_MAX_N)
		report_bad_state("catch22");
	PG_RETURN_POINTER(pc);
}

/*
 * Computes from the points sorted by (ts, value).  pc_sorted_view leaves the
 * state the same multiset of rows (it only reorders a single chunk in place),
 * which keeps FINALFUNC_MODIFY = READ_ONLY truthful: used as a window
 * function the final function runs again after more rows arrive, and in a
 * plain aggregate catch22(ts, v) and catch24(ts, v) over the same rows may
 * share one state.
 */
static Datum
agg_final(FunctionCallInfo fcinfo, const char *support, const char *fname, int count)
{
	PointCollector *pc = PG_GETARG_STATE(0, PointCollector);
	int			context = agg_kind_or_error(fcinfo, support);
	const an_point *pts;
	size_t		n;
	bool		copied;
	double	   *y;
	ArrayType  *result;

	if (pc == NULL || pc->npoints == 0)
		PG_RETURN_NULL();
	/* a rolling window's first frames are short: NULL rather than an error */
	if (context == AGG_CONTEXT_WINDOW && pc->npoints < AN_CATCH22_MIN_N)
		PG_RETURN_NULL();
	pts = pc_sorted_view(pc, &n, &copied, fname);
	y = palloc_array(double, n);
	for (size_t i = 0; i < n; i++)
		y[i] = pts[i].value;
	if (copied)
		pfree((void *) pts);
	result = compute_array(fcinfo, fname, y, n, count);
	pfree(y);
	PG_RETURN_ARRAYTYPE_P(result);
}

PG_FUNCTION_INFO_V1(catch22_agg_final);
/* final: float8[22] of the series ordered by ts */
Datum
catch22_agg_final(PG_FUNCTION_ARGS)
{
	return agg_final(fcinfo, __func__, "catch22", AN_CATCH22_COUNT);
}

PG_FUNCTION_INFO_V1(catch24_agg_final);
/* final: float8[24] of the series ordered by ts */
Datum
catch24_agg_final(PG_FUNCTION_ARGS)
{
	return agg_final(fcinfo, __func__, "catch24", AN_CATCH24_COUNT);
}
