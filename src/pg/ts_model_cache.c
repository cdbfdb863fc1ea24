/*
 * ts_model_cache.c: see ts_model_cache.h.
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "funcapi.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "core/model_format.h"
#include "pg/error_report.h"
#include "pg/ts_model_cache.h"

/*
 * Decoded models kept for one call site: a join scores rows of many series
 * interleaved (metrics are stored time by time), so the models of all the
 * series a query touches are kept, keyed by the argument as stored.  Bounded:
 * past MODEL_CACHE_MAX_BYTES the cache is emptied and refills.
 */
#define MODEL_CACHE_MAX_BYTES ((Size) 64 * 1024 * 1024)

typedef struct CachedModel
{
	uint64		hash;			/* hash of the argument as stored: the key */
	Size		raw_len;
	char	   *raw;			/* the argument as stored (toast pointer, compressed or plain bytes) */
	an_ts_model *model;
} CachedModel;

typedef struct TsModelCache
{
	MemoryContext ctx;			/* the entries, their keys and models; reset to empty the cache */
	HTAB	   *models;			/* by hash of the stored argument */
	Size		bytes;			/* roughly what the entries hold */
	CachedModel *last;			/* the entry of the previous call */
	TupleDesc	result_desc;	/* for functions returning a row (in fn_mcxt) */
} TsModelCache;

/* Decode and validate; errors (with the precise message for another kind) if invalid. */
static an_ts_model *
load_bytes(const uint8_t *bytes, Size len, const char *fname)
{
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

an_ts_model *
ts_model_load_arg(FunctionCallInfo fcinfo, int argno, const char *fname)
{
	bytea	   *raw = PG_GETARG_BYTEA_PP(argno);

	return load_bytes((const uint8_t *) VARDATA_ANY(raw), VARSIZE_ANY_EXHDR(raw), fname);
}

static void
cache_reset(TsModelCache *cache)
{
	HASHCTL		ctl;

	MemoryContextReset(cache->ctx);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(uint64);
	ctl.entrysize = sizeof(CachedModel);
	ctl.hcxt = cache->ctx;
	cache->models = hash_create("anomaly model cache", 256, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	cache->bytes = 0;
	cache->last = NULL;
}

static TsModelCache *
cache_get(FunctionCallInfo fcinfo)
{
	TsModelCache *cache = (TsModelCache *) fcinfo->flinfo->fn_extra;

	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(TsModelCache));
		cache->ctx = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "anomaly model cache",
										   ALLOCSET_DEFAULT_SIZES);
		cache_reset(cache);
		fcinfo->flinfo->fn_extra = cache;
	}
	return cache;
}

/*
 * A model larger than about 2 kB (a seasonal profile) reaches us toasted:
 * compressed inline or as a pointer to the toast table.  Detoasting it for
 * every scored row would cost more than the scoring, so the key is the
 * argument as stored (a toast pointer identifies its value; compressed or
 * plain bytes are compared as they are) and only a miss detoasts, in the
 * caller's short-lived memory context.
 */
const an_ts_model *
ts_model_from_arg(FunctionCallInfo fcinfo, int argno, const char *fname)
{
	struct varlena *stored = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(argno));
	Size		stored_len;
	TsModelCache *cache = cache_get(fcinfo);
	CachedModel *entry = cache->last;
	uint64		hash;
	bool		found;
	bytea	   *raw;
	an_ts_model *model;
	MemoryContext old;

	/*
	 * Only an on-disk toast pointer names its value for the whole query; an
	 * in-memory one (indirect, expanded) points at memory that may be reused,
	 * so such an argument is flattened first and keyed by its bytes.
	 */
	if (VARATT_IS_EXTERNAL(stored) && !VARATT_IS_EXTERNAL_ONDISK(stored))
		stored = (struct varlena *) PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(argno));
	stored_len = VARSIZE_ANY(stored);
	/* the common case: the same model as the previous row */
	if (entry != NULL && entry->raw_len == stored_len && memcmp(entry->raw, stored, stored_len) == 0)
		return entry->model;
	hash = DatumGetUInt64(hash_any_extended((const unsigned char *) stored, (int) stored_len, 0));
	entry = hash_search(cache->models, &hash, HASH_FIND, NULL);
	if (entry != NULL && entry->raw_len == stored_len && memcmp(entry->raw, stored, stored_len) == 0)
	{
		cache->last = entry;
		return entry->model;
	}

	/* a miss: detoast here (freed with the row), decode into the cache */
	raw = PG_GETARG_BYTEA_PP(argno);
	if (cache->bytes + VARSIZE_ANY(raw) + stored_len > MODEL_CACHE_MAX_BYTES)
		cache_reset(cache);
	old = MemoryContextSwitchTo(cache->ctx);
	model = load_bytes((const uint8_t *) VARDATA_ANY(raw), VARSIZE_ANY_EXHDR(raw), fname);
	entry = hash_search(cache->models, &hash, HASH_ENTER, &found);
	if (found)
	{
		/* another value with the same hash: it gives way */
		an_ts_model_free(entry->model);
		pfree(entry->raw);
	}
	entry->raw = palloc(stored_len);
	memcpy(entry->raw, stored, stored_len);
	entry->raw_len = stored_len;
	entry->model = model;
	MemoryContextSwitchTo(old);
	/* the decoded model is about as large as the model's bytes */
	cache->bytes += VARSIZE_ANY(raw) + stored_len + sizeof(CachedModel);
	cache->last = entry;
	return model;
}

TupleDesc
ts_result_desc(FunctionCallInfo fcinfo)
{
	TupleDesc	tupdesc;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	return BlessTupleDesc(CreateTupleDescCopy(tupdesc));
}

TupleDesc
ts_cached_result_desc(FunctionCallInfo fcinfo)
{
	TsModelCache *cache = (TsModelCache *) fcinfo->flinfo->fn_extra;
	MemoryContext old;

	Assert(cache != NULL);		/* ts_model_from_arg ran first */
	if (cache->result_desc)
		return cache->result_desc;
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	cache->result_desc = ts_result_desc(fcinfo);
	MemoryContextSwitchTo(old);
	return cache->result_desc;
}
