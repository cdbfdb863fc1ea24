/*
 * ts_discords.c: SQL glue for the top-k discords of a series
 * (core/mp/discords.h).
 *
 *   ts_discords(ts, value, window, k)      aggregate over (ts, value) rows, any order
 *   ts_discords(series float8[], window, k) the same over an array in series order
 *
 * Both return ts_discord[] (rank, start_index, ts, distance, neighbor_index,
 * neighbor_ts), indexes 1-based in the series ordered by ts (then value, for
 * rows with the same ts, as catch22 does); the array form leaves the two
 * timestamps NULL.  The aggregate collects the rows in the shared point
 * collector (point_collector.h); rows with a NULL argument are skipped.
 * window and k must be the same for every row of a group.  An aggregate
 * rather than a set-returning function because the rows come from any
 * query (GROUP BY series gives every series its discords in one pass) and
 * an array of a composite unnests into rows where one wants them.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "core/mp/discords.h"
#include "core/mp/matrix_profile.h"
#include "pg/agg_support.h"
#include "pg/error_report.h"
#include "pg/point_collector.h"

#define FNAME "ts_discords"
#define DISCORDS_STATE_TAG 0x44495331	/* "DIS1" */

static void
check_window_k(int32 window, int32 k)
{
	if (window < AN_MP_MIN_WINDOW)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("ts_discords window must be at least %d", AN_MP_MIN_WINDOW),
				errdetail("The window is %d.", window),
				errhint("Use the period of the series, or a few times the length of the anomalies to find."));
	if (k < 1)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("ts_discords k must be at least 1"),
				errdetail("k is %d.", k),
				errhint("k is how many discords to return."));
}

static void
too_many_values(size_t n)
{
	report_status(AN_ETOOMANY, FNAME,
				  "The series has %zu values; the limit is %d (the cost grows with the square of the length).",
				  n, AN_MP_MAX_N);
}

/* The window against the length; the core would say only "invalid argument". */
static void
check_length(int32 window, size_t n)
{
	if (n > AN_MP_MAX_N)
		too_many_values(n);
	if ((size_t) window > n / 2)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("ts_discords window is too long for the series"),
				errdetail("The window is %d and the series has %zu values; the window can be at most half the series (%zu).",
						  window, n, n / 2),
				errhint("Use a shorter window or a longer series."));
}

/*
 * The discords of y[0 .. n-1] as a ts_discord[] (the element type is the
 * one this SQL function returns an array of); ts NULL for the array form.
 */
static ArrayType *
discords_array(FunctionCallInfo fcinfo, const double *y, const an_point *pts, size_t n, int32 window, int32 k)
{
	Oid			array_type = get_func_rettype(fcinfo->flinfo->fn_oid);
	Oid			elem_type = get_element_type(array_type);
	TupleDesc	desc;
	size_t		cap,
				found,
				bad = 0;
	an_discord *d;
	Datum	   *elems;
	an_status	st;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	ArrayType  *result;

	if (!OidIsValid(elem_type))
		elog(ERROR, "%s must return an array of ts_discord", FNAME);
	check_length(window, n);
	cap = Min((size_t) k, n - (size_t) window + 1);
	d = palloc_array(an_discord, cap);
	st = an_discords(y, n, (size_t) window, (size_t) k, d, &found, &bad);
	if (st == AN_ENONFINITE && bad < n)
		report_nonfinite("ts_discords input", psprintf("Element %zu", bad + 1), y[bad]);
	else if (st == AN_ENONFINITE)
		report_status(st, FNAME, "The squares of the deviations of a window from its mean overflow.");
	else if (st != AN_OK)
		report_status(st, FNAME, "The series has %zu values and the window is %d.", n, window);

	desc = lookup_rowtype_tupdesc(elem_type, -1);
	elems = palloc_array(Datum, Max(found, 1));
	for (size_t r = 0; r < found; r++)
	{
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};

		values[0] = Int32GetDatum((int32) (r + 1));
		values[1] = Int32GetDatum((int32) (d[r].index + 1));
		values[3] = Float8GetDatum(d[r].distance);
		values[4] = Int32GetDatum((int32) (d[r].neighbor + 1));
		if (pts)
		{
			values[2] = TimestampTzGetDatum(pts[d[r].index].ts);
			values[5] = TimestampTzGetDatum(pts[d[r].neighbor].ts);
		}
		else
		{
			values[2] = values[5] = (Datum) 0;
			nulls[2] = nulls[5] = true;
		}
		elems[r] = HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
	}
	ReleaseTupleDesc(desc);
	get_typlenbyvalalign(elem_type, &typlen, &typbyval, &typalign);
	result = construct_array(elems, (int) found, elem_type, typlen, typbyval, typalign);
	pfree(d);
	return result;
}

PG_FUNCTION_INFO_V1(ts_discords_array);
/* ts_discords(series float8[], window int, k int) returns ts_discord[] */
Datum
ts_discords_array(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	int32		window = PG_GETARG_INT32(1),
				k = PG_GETARG_INT32(2);
	const double *y;
	size_t		n;

	check_window_k(window, k);
	y = series_array_values(arr, FNAME, &n);
	PG_RETURN_ARRAYTYPE_P(discords_array(fcinfo, y, NULL, n, window, k));
}

/* ---- aggregate ---- */

typedef struct DiscordsState
{
	PointCollector pc;
	int32		window;
	int32		k;
} DiscordsState;

static DiscordsState *
new_state(MemoryContext ctx, int32 window, int32 k)
{
	DiscordsState *s = MemoryContextAllocZero(ctx, sizeof(DiscordsState));

	s->window = window;
	s->k = k;
	return s;
}

static void
check_same(const DiscordsState *s, int32 window, int32 k)
{
	if (s->window != window || s->k != k)
		report_varying_parameters("ts_discords window and k", "Pass them as constants.");
}

PG_FUNCTION_INFO_V1(ts_discords_trans);
/* transition: (state, ts, value, window, k); rows with a NULL argument are skipped */
Datum
ts_discords_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = agg_context_or_error(fcinfo, __func__);
	DiscordsState *s = PG_GETARG_STATE(0, DiscordsState);
	TimestampTz ts;
	float8		value;
	int32		window,
				k;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		PG_RETURN_STATE(s);
	ts = PG_GETARG_TIMESTAMPTZ(1);
	value = PG_GETARG_FLOAT8(2);
	window = PG_GETARG_INT32(3);
	k = PG_GETARG_INT32(4);
	if (s == NULL)
	{
		check_window_k(window, k);
		s = new_state(aggctx, window, k);
	}
	else
		check_same(s, window, k);
	if (TIMESTAMP_NOT_FINITE(ts))
		report_infinite_timestamp(FNAME, ts);
	if (!isfinite(value))
		report_nonfinite("ts_discords input", "A row's value", value);
	if (unlikely(s->pc.npoints >= AN_MP_MAX_N))
		too_many_values((size_t) s->pc.npoints + 1);
	pc_add(&s->pc, aggctx, ts, value, FNAME);
	PG_RETURN_POINTER(s);
}

static void *
merge_states(const AggCombineKind *kind, void *a, const void *b, MemoryContext cxt)
{
	DiscordsState *s = a;
	const DiscordsState *other = b;

	if (s == NULL)
		s = new_state(cxt, other->window, other->k);
	else
		check_same(s, other->window, other->k);
	if (other->pc.npoints > AN_MP_MAX_N - s->pc.npoints)
		too_many_values((size_t) (s->pc.npoints + other->pc.npoints));
	pc_append(&s->pc, cxt, &other->pc, FNAME);
	return s;
}

static const AggCombineKind discords_combine = {NULL, merge_states};

PG_FUNCTION_INFO_V1(ts_discords_combine);
Datum
ts_discords_combine(PG_FUNCTION_ARGS)
{
	return agg_combine(fcinfo, __func__, &discords_combine);
}

PG_FUNCTION_INFO_V1(ts_discords_serialize);
/* serialize: the collector's format, tagged "DIS1", with window and k as the extra bytes */
Datum
ts_discords_serialize(PG_FUNCTION_ARGS)
{
	DiscordsState *s = (DiscordsState *) PG_GETARG_POINTER(0);
	int32		params[2] = {s->window, s->k};

	(void) agg_kind_or_error(fcinfo, __func__);
	PG_RETURN_BYTEA_P(pc_serialize(&s->pc, DISCORDS_STATE_TAG, (const char *) params, sizeof(params)));
}

PG_FUNCTION_INFO_V1(ts_discords_deserialize);
/* deserialize: pc_deserialize checks the tag, the lengths and every value; then window and k */
Datum
ts_discords_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = agg_context_or_error(fcinfo, __func__);
	DiscordsState *s = new_state(aggctx, 0, 0);
	const char *extra;
	uint32		extra_len;
	int32		params[2];

	extra = pc_deserialize(PG_GETARG_BYTEA_PP(0), DISCORDS_STATE_TAG, &s->pc, aggctx, &extra_len, FNAME);
	if (extra_len != sizeof(params))
		report_bad_state(FNAME);
	memcpy(params, extra, sizeof(params));
	if (params[0] < AN_MP_MIN_WINDOW || params[1] < 1 || s->pc.npoints > AN_MP_MAX_N)
		report_bad_state(FNAME);
	s->window = params[0];
	s->k = params[1];
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(ts_discords_final);
/*
 * final: the discords of the rows ordered by (ts, value).  pc_sorted_view
 * leaves the state the same multiset of rows (FINALFUNC_MODIFY = READ_ONLY):
 * as a window function, frames shorter than twice the window give NULL.
 */
Datum
ts_discords_final(PG_FUNCTION_ARGS)
{
	DiscordsState *s = PG_GETARG_STATE(0, DiscordsState);
	int			context = agg_kind_or_error(fcinfo, __func__);
	const an_point *pts;
	size_t		n;
	bool		copied;
	double	   *y;
	ArrayType  *result;

	if (s == NULL || s->pc.npoints == 0)
		PG_RETURN_NULL();
	if (context == AGG_CONTEXT_WINDOW && s->pc.npoints < 2 * (int64) s->window)
		PG_RETURN_NULL();
	check_length(s->window, (size_t) s->pc.npoints);
	pts = pc_sorted_view(&s->pc, &n, &copied, FNAME);
	y = palloc_array(double, n);
	for (size_t i = 0; i < n; i++)
		y[i] = pts[i].value;
	result = discords_array(fcinfo, y, pts, n, s->window, s->k);
	if (copied)
		pfree((void *) pts);
	pfree(y);
	PG_RETURN_ARRAYTYPE_P(result);
}
