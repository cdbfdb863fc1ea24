/*
 * catch22_fn.c: SQL glue for catch22 / catch24.
 *
 *   catch22(float8[]) / catch24(float8[])             22 or 24 features of one series
 *   catch22_names() / catch24_names(), *_short_names() the feature names, same order
 *   catch22(timestamptz, float8) / catch24(...)      aggregates that order by time themselves
 *
 * The aggregates collect (ts, value) pairs in a growing array in the
 * aggregate memory context and sort them in the final function, so the
 * result does not depend on row order or on parallel query.  Rows whose ts
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

typedef struct C22Point
{
	int64		ts;
	float8		value;
} C22Point;

typedef struct C22AggState
{
	int64		count;
	int64		capacity;
	C22Point   *points;
} C22AggState;

#define C22_STATE_INITIAL 64

static void
report_status(const char *fname, an_status st, size_t n, size_t bad_index, const double *y)
{
	switch (st)
	{
		case AN_OK:
			return;
		case AN_EINVAL:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s needs at least %d values", fname, AN_CATCH22_MIN_N),
					 errdetail("The series has %zu values.", n),
					 errhint("Filter out series with fewer than %d points before calling %s.",
							 AN_CATCH22_MIN_N, fname)));
			break;
		case AN_ENONFINITE:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("%s input contains NaN or infinity", fname),
					 errdetail("Element %zu is %s.", bad_index + 1,
							   isnan(y[bad_index]) ? "NaN" : (y[bad_index] > 0 ? "Infinity" : "-Infinity")),
					 errhint("Remove or replace non-finite values first.")));
			break;
		case AN_ETOOMANY:
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("%s input has too many values", fname),
					 errdetail("The series has %zu values; the limit is %d.", n, AN_CATCH22_MAX_N)));
			break;
		case AN_ENOMEM:
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory"),
					 errdetail("%s could not allocate its working memory for %zu values.", fname, n)));
			break;
		default:
			elog(ERROR, "%s: unexpected status: %s", fname, an_status_message(st));
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
	an_status	st = an_catch22_with_tables(y, n, cached_tables(fcinfo->flinfo, n), out, &bad);

	report_status(fname, st, n, bad, y);
	for (int i = 0; i < count; i++)
		elems[i] = Float8GetDatum(out[i]);
	return construct_array(elems, count, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/* The float8 values of a one-dimensional array without NULLs. */
static const double *
array_values(const char *fname, ArrayType *arr, size_t *n)
{
	int			nitems = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s input must be a one-dimensional array", fname),
				 errdetail("The array has %d dimensions.", ARR_NDIM(arr))));
	if (ARR_HASNULL(arr))
	{
		bits8	   *bitmap = ARR_NULLBITMAP(arr);

		for (int i = 0; i < nitems; i++)
			if (!(bitmap[i / 8] & (1 << (i % 8))))
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("%s input contains a NULL element", fname),
						 errdetail("Element %d is NULL.", i + 1),
						 errhint("Remove NULLs with array_remove(series, NULL), or use the aggregate form, which skips rows with NULLs.")));
	}
	*n = (size_t) nitems;
	return (const double *) ARR_DATA_PTR(arr);
}

PG_FUNCTION_INFO_V1(catch22_array);
/* catch22(float8[]) returns float8[22] */
Datum
catch22_array(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	size_t		n;
	const double *y = array_values("catch22", arr, &n);

	PG_RETURN_ARRAYTYPE_P(compute_array(fcinfo, "catch22", y, n, AN_CATCH22_COUNT));
}

PG_FUNCTION_INFO_V1(catch24_array);
/* catch24(float8[]) returns float8[24] */
Datum
catch24_array(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	size_t		n;
	const double *y = array_values("catch24", arr, &n);

	PG_RETURN_ARRAYTYPE_P(compute_array(fcinfo, "catch24", y, n, AN_CATCH24_COUNT));
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

static C22AggState *
state_new(MemoryContext aggcontext, int64 capacity)
{
	C22AggState *state = MemoryContextAlloc(aggcontext, sizeof(C22AggState));

	state->count = 0;
	state->capacity = capacity < C22_STATE_INITIAL ? C22_STATE_INITIAL : capacity;
	state->points = MemoryContextAllocHuge(aggcontext, state->capacity * sizeof(C22Point));
	return state;
}

/* Makes room for `extra` more points, doubling the array (the state's own context). */
static void
state_reserve(C22AggState *state, int64 extra)
{
	int64		needed = state->count + extra;

	if (needed > AN_CATCH22_MAX_N)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("catch22 aggregate input has too many values"),
				 errdetail("A group has more than %d rows.", AN_CATCH22_MAX_N)));
	if (needed > state->capacity)
	{
		int64		cap = state->capacity;

		while (cap < needed)
			cap *= 2;
		if (cap > AN_CATCH22_MAX_N)
			cap = AN_CATCH22_MAX_N;
		state->points = repalloc_huge(state->points, cap * sizeof(C22Point));
		state->capacity = cap;
	}
}

PG_FUNCTION_INFO_V1(catch22_agg_trans);
/* transition: append (ts, value); rows with a NULL are skipped */
Datum
catch22_agg_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	C22AggState *state = PG_ARGISNULL(0) ? NULL : (C22AggState *) PG_GETARG_POINTER(0);
	float8		value;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "catch22_agg_trans called in non-aggregate context");
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (state == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(state);
	}
	value = PG_GETARG_FLOAT8(2);
	if (!isfinite(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("catch22 input contains NaN or infinity"),
				 errdetail("A row has value %s.", isnan(value) ? "NaN" : (value > 0 ? "Infinity" : "-Infinity")),
				 errhint("Remove or replace non-finite values first.")));
	if (state == NULL)
		state = state_new(aggcontext, C22_STATE_INITIAL);
	state_reserve(state, 1);
	state->points[state->count].ts = PG_GETARG_TIMESTAMPTZ(1);
	state->points[state->count].value = value;
	state->count++;
	PG_RETURN_POINTER(state);
}

PG_FUNCTION_INFO_V1(catch22_agg_combine);
/* combine: append the second state's points to the first */
Datum
catch22_agg_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	C22AggState *s1 = PG_ARGISNULL(0) ? NULL : (C22AggState *) PG_GETARG_POINTER(0);
	C22AggState *s2 = PG_ARGISNULL(1) ? NULL : (C22AggState *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "catch22_agg_combine called in non-aggregate context");
	if (s2 == NULL || s2->count == 0)
	{
		if (s1 == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s1);
	}
	if (s1 == NULL)
		s1 = state_new(aggcontext, s2->count);
	state_reserve(s1, s2->count);
	memcpy(s1->points + s1->count, s2->points, s2->count * sizeof(C22Point));
	s1->count += s2->count;
	PG_RETURN_POINTER(s1);
}

/*
 * The serialized state only travels between processes of one server (parallel
 * workers and the leader), never to disk or another machine, so the fields
 * are written in native byte order: an int64 count, then count x (int64 ts,
 * float8 value).  Field by field, not by copying structs.
 */
#define C22_SERIAL_POINT_SIZE (sizeof(int64) + sizeof(float8))

PG_FUNCTION_INFO_V1(catch22_agg_serialize);
/* serialize: int64 count, then count x (int64 ts, float8 value) */
Datum
catch22_agg_serialize(PG_FUNCTION_ARGS)
{
	C22AggState *state = (C22AggState *) PG_GETARG_POINTER(0);
	Size		size = sizeof(int64) + (Size) state->count * C22_SERIAL_POINT_SIZE;
	bytea	   *result;
	char	   *p;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "catch22_agg_serialize called in non-aggregate context");
	result = (bytea *) palloc_extended(VARHDRSZ + size, MCXT_ALLOC_HUGE);
	SET_VARSIZE(result, VARHDRSZ + size);
	p = VARDATA(result);
	memcpy(p, &state->count, sizeof(int64));
	p += sizeof(int64);
	for (int64 i = 0; i < state->count; i++)
	{
		memcpy(p, &state->points[i].ts, sizeof(int64));
		memcpy(p + sizeof(int64), &state->points[i].value, sizeof(float8));
		p += C22_SERIAL_POINT_SIZE;
	}
	PG_RETURN_BYTEA_P(result);
}

PG_FUNCTION_INFO_V1(catch22_agg_deserialize);
/* deserialize: validates the count against the length and every value */
Datum
catch22_agg_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	bytea	   *bytes = PG_GETARG_BYTEA_PP(0);
	const char *p = VARDATA_ANY(bytes);
	Size		len = VARSIZE_ANY_EXHDR(bytes);
	C22AggState *state;
	int64		count = -1;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "catch22_agg_deserialize called in non-aggregate context");
	if (len >= sizeof(int64))
		memcpy(&count, p, sizeof(int64));
	if (count < 0 || count > AN_CATCH22_MAX_N ||
		len != sizeof(int64) + (Size) count * C22_SERIAL_POINT_SIZE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid catch22 aggregate state"),
				 errdetail("The state has %zu bytes, which does not match its point count.", (size_t) len)));
	p += sizeof(int64);
	state = state_new(aggcontext, count);
	for (int64 i = 0; i < count; i++)
	{
		memcpy(&state->points[i].ts, p, sizeof(int64));
		memcpy(&state->points[i].value, p + sizeof(int64), sizeof(float8));
		p += C22_SERIAL_POINT_SIZE;
		if (!isfinite(state->points[i].value))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid catch22 aggregate state"),
					 errdetail("Point %lld is not finite.", (long long) i + 1)));
	}
	state->count = count;
	PG_RETURN_POINTER(state);
}

static int
point_cmp(const void *a, const void *b)
{
	const C22Point *p = a,
			   *q = b;

	if (p->ts != q->ts)
		return p->ts < q->ts ? -1 : 1;
	return (p->value > q->value) - (p->value < q->value);
}

/*
 * Sorts the points by (ts, value) in place and computes.  Sorting in place
 * keeps the state the same multiset of rows, so the final function may run
 * again after more rows arrive (window use).
 */
static Datum
agg_final(FunctionCallInfo fcinfo, const char *fname, int count)
{
	C22AggState *state = PG_ARGISNULL(0) ? NULL : (C22AggState *) PG_GETARG_POINTER(0);
	int			context = AggCheckCallContext(fcinfo, NULL);
	double	   *y;

	if (!context)
		elog(ERROR, "%s final function called in non-aggregate context", fname);
	if (state == NULL || state->count == 0)
		PG_RETURN_NULL();
	/* a rolling window's first frames are short: NULL rather than an error */
	if (context == AGG_CONTEXT_WINDOW && state->count < AN_CATCH22_MIN_N)
		PG_RETURN_NULL();
	/* rows usually arrive in time order already: sort only when they did not */
	for (int64 i = 1; i < state->count; i++)
	{
		if (point_cmp(&state->points[i - 1], &state->points[i]) > 0)
		{
			qsort(state->points, state->count, sizeof(C22Point), point_cmp);
			break;
		}
	}
	y = palloc_array(double, state->count);
	for (int64 i = 0; i < state->count; i++)
		y[i] = state->points[i].value;
	PG_RETURN_ARRAYTYPE_P(compute_array(fcinfo, fname, y, (size_t) state->count, count));
}

PG_FUNCTION_INFO_V1(catch22_agg_final);
/* final: float8[22] of the series ordered by ts */
Datum
catch22_agg_final(PG_FUNCTION_ARGS)
{
	return agg_final(fcinfo, "catch22", AN_CATCH22_COUNT);
}

PG_FUNCTION_INFO_V1(catch24_agg_final);
/* final: float8[24] of the series ordered by ts */
Datum
catch24_agg_final(PG_FUNCTION_ARGS)
{
	return agg_final(fcinfo, "catch24", AN_CATCH24_COUNT);
}
