/*
 * ts_model_cache.h: decode a time-series model once per distinct model.
 *
 * Scoring calls arrive row by row with the model bytea; detoasting,
 * decoding and checksumming it every time would dominate.  The cache (in
 * fn_extra) keeps the decoded models of the distinct models seen, keyed by
 * the argument as stored, up to 64 MB (then it starts afresh): a join that
 * scores rows of many series interleaved pays a hash lookup per row, and
 * rows of one series in a row a memcmp.
 */
#ifndef ANOMALY_TS_MODEL_CACHE_H
#define ANOMALY_TS_MODEL_CACHE_H

#include "postgres.h"

#include "access/tupdesc.h"
#include "fmgr.h"

#include "core/ts/ts_model.h"

/* The decoded model for argument argno of the current call (errors if invalid). */
const an_ts_model *ts_model_from_arg(FunctionCallInfo fcinfo, int argno, const char *fname);

/* Decode without caching (for set-returning functions, whose fn_extra is taken). */
an_ts_model *ts_model_load_arg(FunctionCallInfo fcinfo, int argno, const char *fname);

/* The blessed descriptor of the function's result row, in the current memory context. */
TupleDesc	ts_result_desc(FunctionCallInfo fcinfo);

/* The same, looked up once per query (after ts_model_from_arg, whose cache keeps it). */
TupleDesc	ts_cached_result_desc(FunctionCallInfo fcinfo);

#endif
