/*
 * ts_fit_agg.c: the ts_fit(ts, value [, options]) aggregate.
 *
 * State: the collected points plus the options (parsed once, and their raw
 * jsonb kept to check that every row and every parallel worker used the
 * same).  The final function sorts the points and calls an_ts_fit; it frees
 * the points as it gathers them, hence FINALFUNC_MODIFY = READ_WRITE.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "core/ts/ts_model.h"
#include "pg/agg_support.h"
#include "pg/error_report.h"
#include "pg/point_collector.h"
#include "pg/ts_options_jsonb.h"

#define TS_FIT_STATE_TAG 0x54534631		/* "TSF1" */

typedef struct TsFitState
{
	PointCollector points;
	Jsonb	   *options_raw;	/* NULL: defaults */
	Datum		last_options;	/* the datum last compared, to skip re-checks */
	an_ts_options options;
} TsFitState;

static TsFitState *
state_create(MemoryContext ctx)
{
	TsFitState *st = MemoryContextAllocZero(ctx, sizeof(TsFitState));

	an_ts_options_default(&st->options);
	return st;
}

static void
options_mismatch(void)
{
	report_varying_parameters("ts_fit options", "Pass the options as a constant.");
}

/* Remember the options of the first row; later rows must match them. */
static void
state_set_options(TsFitState *st, MemoryContext ctx, Datum options)
{
	Jsonb	   *jb;

	if (st->options_raw != NULL && options == st->last_options)
		return;
	jb = DatumGetJsonbP(options);
	if (st->options_raw == NULL)
	{
		ts_options_from_jsonb(jb, &st->options);
		st->options_raw = MemoryContextAlloc(ctx, VARSIZE(jb));
		memcpy(st->options_raw, jb, VARSIZE(jb));
	}
	else if (VARSIZE(jb) != VARSIZE(st->options_raw) ||
			 memcmp(jb, st->options_raw, VARSIZE(jb)) != 0)
		options_mismatch();
	st->last_options = options;
}

static void
check_point(TimestampTz ts, double value)
{
	if (TIMESTAMP_NOT_FINITE(ts))
		report_infinite_timestamp("ts_fit", ts);
	if (!isfinite(value))
		report_nonfinite("ts_fit input", psprintf("The value at %s", timestamptz_to_str(ts)), value);
}

static Datum
ts_fit_transition(FunctionCallInfo fcinfo, bool with_options)
{
	MemoryContext aggctx = agg_context_or_error(fcinfo, __func__);
	TsFitState *st = PG_GETARG_STATE(0, TsFitState);

	/* rows with a NULL timestamp or value are skipped */
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_STATE(st);
	if (st == NULL)
		st = state_create(aggctx);
	if (with_options && !PG_ARGISNULL(3))
		state_set_options(st, aggctx, PG_GETARG_DATUM(3));
	check_point(PG_GETARG_TIMESTAMPTZ(1), PG_GETARG_FLOAT8(2));
	pc_add(&st->points, aggctx, PG_GETARG_TIMESTAMPTZ(1), PG_GETARG_FLOAT8(2), "ts_fit");
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(ts_fit_transition2);
/* ts_fit(ts, value) transition */
Datum
ts_fit_transition2(PG_FUNCTION_ARGS)
{
	return ts_fit_transition(fcinfo, false);
}

PG_FUNCTION_INFO_V1(ts_fit_transition3);
/* ts_fit(ts, value, options) transition */
Datum
ts_fit_transition3(PG_FUNCTION_ARGS)
{
	return ts_fit_transition(fcinfo, true);
}

PG_FUNCTION_INFO_V1(ts_fit_combine);
/* merge two partial states (parallel aggregation) */
Datum
ts_fit_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = agg_context_or_error(fcinfo, __func__);
	TsFitState *a = PG_GETARG_STATE(0, TsFitState);
	TsFitState *b = PG_GETARG_STATE(1, TsFitState);

	if (b == NULL)
		PG_RETURN_STATE(a);
	if (a == NULL)
		a = state_create(aggctx);
	if (b->options_raw != NULL)
	{
		if (a->options_raw == NULL && a->points.npoints == 0)
		{
			a->options = b->options;
			a->options_raw = MemoryContextAlloc(aggctx, VARSIZE(b->options_raw));
			memcpy(a->options_raw, b->options_raw, VARSIZE(b->options_raw));
		}
		else if (a->options_raw == NULL || VARSIZE(a->options_raw) != VARSIZE(b->options_raw) ||
				 memcmp(a->options_raw, b->options_raw, VARSIZE(b->options_raw)) != 0)
			options_mismatch();
	}
	else if (a->options_raw != NULL && b->points.npoints > 0)
		options_mismatch();
	pc_append(&a->points, aggctx, &b->points, "ts_fit");
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(ts_fit_serialize);
/* state to bytea, for parallel workers */
Datum
ts_fit_serialize(PG_FUNCTION_ARGS)
{
	TsFitState *st = (TsFitState *) PG_GETARG_POINTER(0);

	PG_RETURN_BYTEA_P(pc_serialize(&st->points, TS_FIT_STATE_TAG, (const char *) st->options_raw,
								   st->options_raw ? VARSIZE(st->options_raw) : 0));
}

PG_FUNCTION_INFO_V1(ts_fit_deserialize);
/* bytea to state */
Datum
ts_fit_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = agg_context_or_error(fcinfo, __func__);
	TsFitState *st = state_create(aggctx);
	const char *extra;
	uint32		extra_len;

	extra = pc_deserialize(PG_GETARG_BYTEA_PP(0), TS_FIT_STATE_TAG, &st->points, aggctx, &extra_len, "ts_fit");
	if (extra_len > 0)
	{
		st->options_raw = MemoryContextAlloc(aggctx, extra_len);
		memcpy(st->options_raw, extra, extra_len);
		if (extra_len < VARHDRSZ || VARSIZE(st->options_raw) != extra_len)
			report_bad_state("ts_fit");
		ts_options_from_jsonb(st->options_raw, &st->options);
	}
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(ts_fit_final);
/* sort the points and fit; NULL for a group without points */
Datum
ts_fit_final(PG_FUNCTION_ARGS)
{
	TsFitState *st = PG_GETARG_STATE(0, TsFitState);
	an_point   *pts;
	size_t		n,
				len;
	uint8_t    *model;
	char		err[512];
	an_status	s;

	if (st == NULL || st->points.npoints == 0)
		PG_RETURN_NULL();
	pts = pc_take_sorted(&st->points, &n, "ts_fit");
	s = an_ts_fit(pts, n, &st->options, &model, &len, err, sizeof(err));
	pfree(pts);
	if (s == AN_EINVAL && err[0])
	{
		char	   *hint = strchr(err, '\n');

		if (hint)
			*hint++ = '\0';
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("%s", err),
				hint ? errhint("%s", hint) : 0);
	}
	report_status(s, "ts_fit", NULL);
	PG_RETURN_BYTEA_P(bytea_from_core(model, len));
}
