/*
 * ts_model_cache.h: the time-series model argument of ts_score, ts_detect,
 * ts_model_info (decoded once per distinct model, through model_cache.h)
 * and ts_forecast (decoded once per call).
 */
#ifndef ANOMALY_TS_MODEL_CACHE_H
#define ANOMALY_TS_MODEL_CACHE_H

#include "postgres.h"

#include "fmgr.h"

#include "core/ts/ts_model.h"
#include "pg/model_cache.h"

/* The decoded model for argument argno of the current call (errors if invalid). */
const an_ts_model *ts_model_from_arg(FunctionCallInfo fcinfo, int argno, const char *fname);

/* Decode without caching (for set-returning functions, whose fn_extra is taken). */
an_ts_model *ts_model_load_arg(FunctionCallInfo fcinfo, int argno, const char *fname);

/* Decode a model datum without caching (ts_anomaly keeps one per partition). */
an_ts_model *ts_model_load_datum(Datum d, const char *fname);

#endif
