/*
 * ts_model_cache.c: see ts_model_cache.h.
 */
#include "postgres.h"

#include "funcapi.h"

#include "core/model_format.h"
#include "error_report.h"
#include "ts_model_cache.h"

typedef struct TsModelCache
{
	Size		len;
	char	   *bytes;
	/* the argument as stored (toast pointer or compressed bytes), to skip detoasting */
	Size		raw_len;
	char	   *raw;
	an_ts_model *model;
	TupleDesc	result_desc;	/* for functions returning a row */
} TsModelCache;

an_ts_model *
ts_model_load_arg(FunctionCallInfo fcinfo, int argno, const char *fname)
{
	bytea	   *raw = PG_GETARG_BYTEA_PP(argno);
	Size		len = VARSIZE_ANY_EXHDR(raw);
	const uint8_t *bytes = (const uint8_t *) VARDATA_ANY(raw);
	an_ts_model *model = NULL;
	an_status	s = an_ts_model_load(bytes, len, &model);

	if (s == AN_EKIND)
	{
		an_model_header h;
		const uint8_t *payload;

		/* a valid envelope of another known kind deserves a precise message */
		if (an_model_open(bytes, len, &h, &payload) == AN_OK)
			report_wrong_kind(bytes, len, fname, "time-series");
	}
	report_model_status(s, fname);
	return model;
}

/*
 * A model larger than about 2 kB (a seasonal profile) reaches us toasted:
 * compressed inline or as a pointer to the toast table.  Detoasting it for
 * every scored row would cost more than the scoring, so the cache first
 * compares the argument as stored (the toast pointer identifies the value;
 * compressed bytes are compared as they are) and detoasts only on a miss.
 */
static bool
raw_matches(const TsModelCache *cache, const struct varlena *raw)
{
	Size		len = VARSIZE_ANY(raw);

	return cache->raw != NULL && cache->raw_len == len && memcmp(cache->raw, raw, len) == 0;
}

const an_ts_model *
ts_model_from_arg(FunctionCallInfo fcinfo, int argno, const char *fname)
{
	struct varlena *stored = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(argno));
	bool		toasted = VARATT_IS_EXTERNAL_ONDISK(stored) || VARATT_IS_COMPRESSED(stored);
	TsModelCache *cache = (TsModelCache *) fcinfo->flinfo->fn_extra;
	bytea	   *raw;
	Size		len;
	const char *bytes;
	MemoryContext old;
	an_ts_model *model;

	if (cache != NULL && toasted && raw_matches(cache, stored))
		return cache->model;
	raw = PG_GETARG_BYTEA_PP(argno);
	len = VARSIZE_ANY_EXHDR(raw);
	bytes = VARDATA_ANY(raw);
	if (cache != NULL && cache->len == len && memcmp(cache->bytes, bytes, len) == 0)
		return cache->model;

	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	model = ts_model_load_arg(fcinfo, argno, fname);
	MemoryContextSwitchTo(old);

	if (cache == NULL)
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(TsModelCache));
	else
	{
		an_ts_model_free(cache->model);
		pfree(cache->bytes);
		if (cache->raw)
			pfree(cache->raw);
		cache->raw = NULL;
	}
	cache->bytes = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, Max(len, 1));
	memcpy(cache->bytes, bytes, len);
	cache->len = len;
	if (toasted)
	{
		cache->raw_len = VARSIZE_ANY(stored);
		cache->raw = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, cache->raw_len);
		memcpy(cache->raw, stored, cache->raw_len);
	}
	cache->model = model;
	fcinfo->flinfo->fn_extra = cache;
	return model;
}

TupleDesc
ts_cached_result_desc(FunctionCallInfo fcinfo)
{
	TsModelCache *cache = (TsModelCache *) fcinfo->flinfo->fn_extra;
	TupleDesc	tupdesc;
	MemoryContext old;

	Assert(cache != NULL);		/* ts_model_from_arg ran first */
	if (cache->result_desc)
		return cache->result_desc;
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	cache->result_desc = BlessTupleDesc(CreateTupleDescCopy(tupdesc));
	MemoryContextSwitchTo(old);
	return cache->result_desc;
}
