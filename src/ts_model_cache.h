/*
 * ts_model_cache.h: decode a time-series model once per distinct model.
 *
 * Scoring calls arrive row by row with the model bytea; decoding and
 * checksumming it every time would dominate.  The cache (in fn_extra) keeps
 * the bytes and the decoded model of the last distinct model seen, so a
 * join that scores many rows per series pays one memcmp per row.
 */
#ifndef ANOMALY_TS_MODEL_CACHE_H
#define ANOMALY_TS_MODEL_CACHE_H

#include "postgres.h"

#include "access/tupdesc.h"
#include "fmgr.h"

#include "core/ts_model.h"

/* The decoded model for argument argno of the current call (errors if invalid). */
const an_ts_model *ts_model_from_arg(FunctionCallInfo fcinfo, int argno, const char *fname);

/* Decode without caching (for set-returning functions, whose fn_extra is taken). */
an_ts_model *ts_model_load_arg(FunctionCallInfo fcinfo, int argno, const char *fname);

/* The blessed result row descriptor, looked up once per query. */
TupleDesc	ts_cached_result_desc(FunctionCallInfo fcinfo);

#endif
