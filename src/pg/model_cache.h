/*
 * model_cache.h: decode a model argument once per distinct model, for every
 * kind of model (time-series, DBSCAN).
 *
 * Scoring calls arrive row by row with the model bytea; detoasting,
 * decoding and checksumming it every time would dominate.  The cache (in
 * fn_extra) keeps the decoded models of the distinct models seen, keyed by
 * their content: the argument as stored, compared byte for byte (a toast
 * pointer to the toast table, which names one immutable value, or else the
 * bytes themselves, compressed or not), behind a hash.  Never by address
 * alone: two rows' values may be detoasted into the same buffer.  Bounded to
 * 64 MB (then it starts afresh).  A join that scores rows of many models
 * interleaved pays a hash lookup per row, and rows of one model in a row a
 * memcmp.
 */
#ifndef ANOMALY_MODEL_CACHE_H
#define ANOMALY_MODEL_CACHE_H

#include "postgres.h"

#include "access/tupdesc.h"
#include "fmgr.h"

#include "core/core.h"

/*
 * One kind of model: decode validates the bytes (the envelope included) and
 * returns the decoded model, allocated in CurrentMemoryContext, or raises an
 * error; free releases what decode returned.
 */
typedef struct ModelCacheKind
{
	void	   *(*decode) (const uint8 *bytes, Size len, const char *fname);
	void		(*free) (void *model);
} ModelCacheKind;

/*
 * For a kind's decode: open the envelope of the len bytes, which must hold
 * a model of the given kind (an_model_kind; expected names it in the error
 * for another kind), and return its payload, of *payload_len bytes.
 */
const uint8 *model_open_kind(const uint8 *bytes, Size len, int kind, const char *expected,
							 const char *fname, Size *payload_len);

/*
 * Raise the error for status st of decoding the payload that
 * model_open_kind returned (nothing for AN_OK): the envelope was sound, so
 * a payload that does not decode is corrupt unless cut short, of a newer
 * version or out of memory.
 */
void		report_payload_status(an_status st, const char *fname);

/* The decoded model for argument argno of the current call (errors if invalid). */
const void *model_cache_get(FunctionCallInfo fcinfo, int argno, const ModelCacheKind *kind,
							const char *fname);

/* The blessed descriptor of the function's result row, in the current memory context. */
TupleDesc	model_result_desc(FunctionCallInfo fcinfo);

/* The same, looked up once per query (after model_cache_get, whose cache keeps it). */
TupleDesc	model_cached_result_desc(FunctionCallInfo fcinfo);

#endif
