/*
 * model_cache.c: see model_cache.h.
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "funcapi.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "core/model_format.h"
#include "pg/error_report.h"
#include "pg/model_cache.h"

/* Past this many bytes of keys and models the cache is emptied and refills. */
#define MODEL_CACHE_MAX_BYTES ((Size) 64 * 1024 * 1024)

typedef struct CachedModel
{
	uint64		hash;			/* hash of the argument as stored: the hash table's key */
	Size		raw_len;
	char	   *raw;			/* the argument as stored: compared in full on every hit */
	void	   *model;
} CachedModel;

typedef struct ModelCache
{
	const ModelCacheKind *kind;
	MemoryContext ctx;			/* the entries, their keys and models; reset to empty the cache */
	HTAB	   *models;			/* by hash of the stored argument */
	Size		bytes;			/* roughly what the entries hold */
	CachedModel *last;			/* the entry of the previous call */
	TupleDesc	result_desc;	/* for functions returning a row (in fn_mcxt) */
} ModelCache;

const uint8 *
model_open_kind(const uint8 *bytes, Size len, int kind, const char *expected, const char *fname,
				Size *payload_len)
{
	an_model_header h;
	const uint8_t *payload;

	report_model_status(an_model_open(bytes, len, &h, &payload), fname);
	if (h.kind != kind)
		report_wrong_kind(bytes, len, fname, expected);
	*payload_len = h.payload_len;
	return payload;
}

void
report_payload_status(an_status st, const char *fname)
{
	if (st != AN_OK && st != AN_ENOMEM && st != AN_ETRUNCATED && st != AN_EVERSION)
		st = AN_ECORRUPT;
	report_model_status(st, fname);
}

static void
cache_reset(ModelCache *cache)
{
	HASHCTL		ctl;

	/* the models were decoded in ctx: this frees them all */
	MemoryContextReset(cache->ctx);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(uint64);
	ctl.entrysize = sizeof(CachedModel);
	ctl.hcxt = cache->ctx;
	cache->models = hash_create("anomaly model cache", 256, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	cache->bytes = 0;
	cache->last = NULL;
}

static ModelCache *
cache_get(FunctionCallInfo fcinfo, const ModelCacheKind *kind)
{
	ModelCache *cache = (ModelCache *) fcinfo->flinfo->fn_extra;

	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ModelCache));
		cache->kind = kind;
		cache->ctx = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "anomaly model cache",
										   ALLOCSET_DEFAULT_SIZES);
		cache_reset(cache);
		fcinfo->flinfo->fn_extra = cache;
	}
	Assert(cache->kind == kind);
	return cache;
}

static bool
same_key(const CachedModel *entry, const struct varlena *stored, Size stored_len)
{
	return entry != NULL && entry->raw_len == stored_len && memcmp(entry->raw, stored, stored_len) == 0;
}

/*
 * A model larger than about 2 kB (a seasonal profile, a DBSCAN model of many
 * core points) reaches us toasted: compressed inline or as a pointer to the
 * toast table.  Detoasting it for every scored row would cost more than the
 * scoring, so the key is the argument as stored and only a miss detoasts,
 * in the caller's short-lived memory context.
 */
const void *
model_cache_get(FunctionCallInfo fcinfo, int argno, const ModelCacheKind *kind, const char *fname)
{
	struct varlena *stored = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(argno));
	Size		stored_len;
	ModelCache *cache = cache_get(fcinfo, kind);
	CachedModel *entry = cache->last;
	uint64		hash;
	bool		found;
	bytea	   *raw;
	void	   *model;
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
	if (same_key(entry, stored, stored_len))
		return entry->model;
	hash = DatumGetUInt64(hash_any_extended((const unsigned char *) stored, (int) stored_len, 0));
	entry = hash_search(cache->models, &hash, HASH_FIND, NULL);
	if (same_key(entry, stored, stored_len))
	{
		cache->last = entry;
		return entry->model;
	}

	/* a miss: detoast here (freed with the row), decode into the cache */
	raw = PG_GETARG_BYTEA_PP(argno);
	if (cache->bytes + VARSIZE_ANY(raw) + stored_len > MODEL_CACHE_MAX_BYTES)
		cache_reset(cache);
	old = MemoryContextSwitchTo(cache->ctx);
	model = kind->decode((const uint8 *) VARDATA_ANY(raw), VARSIZE_ANY_EXHDR(raw), fname);
	entry = hash_search(cache->models, &hash, HASH_ENTER, &found);
	if (found)
	{
		/* another value with the same hash: it gives way */
		kind->free(entry->model);
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
model_result_desc(FunctionCallInfo fcinfo)
{
	TupleDesc	tupdesc;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	return BlessTupleDesc(CreateTupleDescCopy(tupdesc));
}

TupleDesc
model_cached_result_desc(FunctionCallInfo fcinfo)
{
	ModelCache *cache = (ModelCache *) fcinfo->flinfo->fn_extra;
	MemoryContext old;

	Assert(cache != NULL);		/* model_cache_get ran first */
	if (cache->result_desc)
		return cache->result_desc;
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	cache->result_desc = model_result_desc(fcinfo);
	MemoryContextSwitchTo(old);
	return cache->result_desc;
}
