/*
 * ts_score.c: ts_score, ts_detect, ts_forecast and ts_model_info.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "core/ts/ts_model.h"
#include "pg/error_report.h"
#include "pg/ts_model_cache.h"

#define MAX_FORECAST_STEPS 1000000

/* The (model, ts, value) arguments of ts_score and ts_detect: model first (its errors first), then the row. */
static void
detect_row(FunctionCallInfo fcinfo, const char *fname, an_ts_detection *d)
{
	const an_ts_model *m = ts_model_from_arg(fcinfo, 0, fname);
	TimestampTz ts = PG_GETARG_TIMESTAMPTZ(1);
	double		value = PG_GETARG_FLOAT8(2);

	check_score_row(ts, value, fname);
	an_ts_detect(m, ts, value, d);
}

PG_FUNCTION_INFO_V1(ts_score);
/* ts_score(model, ts, value): 0 at the expected value, > 1 outside the band */
Datum
ts_score(PG_FUNCTION_ARGS)
{
	an_ts_detection d;

	detect_row(fcinfo, "ts_score", &d);
	PG_RETURN_FLOAT8(d.score);
}

PG_FUNCTION_INFO_V1(ts_detect);
/* ts_detect(model, ts, value): (expected, lower, upper, score, is_anomaly, level, seasonal) */
Datum
ts_detect(PG_FUNCTION_ARGS)
{
	an_ts_detection d;
	TupleDesc	tupdesc;
	Datum		values[7];
	bool		nulls[7] = {false};

	detect_row(fcinfo, "ts_detect", &d);
	tupdesc = model_cached_result_desc(fcinfo);
	values[0] = Float8GetDatum(d.expected);
	values[1] = Float8GetDatum(d.lower);
	values[2] = Float8GetDatum(d.upper);
	values[3] = Float8GetDatum(d.score);
	values[4] = BoolGetDatum(d.is_anomaly);
	values[5] = Float8GetDatum(d.level);
	values[6] = Float8GetDatum(d.seasonal);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

PG_FUNCTION_INFO_V1(ts_model_info);
/* ts_model_info(model): what the model learned, as jsonb */
Datum
ts_model_info(PG_FUNCTION_ARGS)
{
	const an_ts_model *m = ts_model_from_arg(fcinfo, 0, "ts_model_info");
	char	   *json;

	report_status(an_ts_model_info_json(m, &json), "ts_model_info", NULL);
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(json)));
}

typedef struct ForecastState
{
	const an_ts_model *model;
	TimestampTz start;
	int64		step_us;
} ForecastState;

PG_FUNCTION_INFO_V1(ts_forecast);
/* ts_forecast(model, start, steps): (ts, expected, lower, upper) every sampling interval */
Datum
ts_forecast(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	ForecastState *fs;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;
		int32		steps = PG_GETARG_INT32(2);
		TimestampTz start = PG_GETARG_TIMESTAMPTZ(1);
		const an_ts_model *m;

		funcctx = SRF_FIRSTCALL_INIT();
		if (steps < 0 || steps > MAX_FORECAST_STEPS)
			ereport(ERROR,
					errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					errmsg("ts_forecast steps must be between 0 and %d", MAX_FORECAST_STEPS));
		if (TIMESTAMP_NOT_FINITE(start))
			ereport(ERROR,
					errcode(ERRCODE_DATA_EXCEPTION),
					errmsg("ts_forecast start must be finite"));
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		m = ts_model_load_arg(fcinfo, 0, "ts_forecast");
		if (m->interval_us <= 0 && steps > 1)
			ereport(ERROR,
					errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					errmsg("the model has no sampling interval to step by"),
					errdetail("It was fitted on a single timestamp."),
					errhint("Refit with the option \"interval\", e.g. '{\"interval\": \"1 hour\"}'."));
		fs = palloc(sizeof(ForecastState));
		fs->model = m;
		fs->start = start;
		fs->step_us = m->interval_us;
		funcctx->user_fctx = fs;
		funcctx->max_calls = steps;
		funcctx->tuple_desc = model_result_desc(fcinfo);
		MemoryContextSwitchTo(old);
	}
	funcctx = SRF_PERCALL_SETUP();
	fs = funcctx->user_fctx;
	if (funcctx->call_cntr < funcctx->max_calls)
	{
		TimestampTz ts;
		an_ts_detection d;
		Datum		values[4];
		bool		nulls[4] = {false};

		if (pg_mul_s64_overflow((int64) funcctx->call_cntr, fs->step_us, &ts) ||
			pg_add_s64_overflow(ts, fs->start, &ts) || !IS_VALID_TIMESTAMP(ts))
			ereport(ERROR,
					errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					errmsg("ts_forecast timestamp out of range"));
		an_ts_expect(fs->model, ts, &d);
		values[0] = TimestampTzGetDatum(ts);
		values[1] = Float8GetDatum(d.expected);
		values[2] = Float8GetDatum(d.lower);
		values[3] = Float8GetDatum(d.upper);
		SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(heap_form_tuple(funcctx->tuple_desc, values, nulls)));
	}
	SRF_RETURN_DONE(funcctx);
}
