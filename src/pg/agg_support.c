/*
 * agg_support.c: see agg_support.h.
 */
#include "postgres.h"

#include "core/core.h"
#include "pg/agg_support.h"

static void not_an_aggregate(const char *fname) pg_attribute_noreturn();

static void
not_an_aggregate(const char *fname)
{
	elog(ERROR, "%s called in non-aggregate context", fname);
}

MemoryContext
agg_context_or_error(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcontext;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		not_an_aggregate(fname);
	return aggcontext;
}

int
agg_kind_or_error(FunctionCallInfo fcinfo, const char *fname)
{
	int			kind = AggCheckCallContext(fcinfo, NULL);

	if (!kind)
		not_an_aggregate(fname);
	return kind;
}

void
report_bad_state(const char *fname)
{
	ereport(ERROR,
			errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			errmsg("invalid serialized aggregate state for %s", fname));
}

bytea *
bytea_from_core(uint8_t *bytes, size_t len)
{
	bytea	   *out = palloc(VARHDRSZ + len);

	SET_VARSIZE(out, VARHDRSZ + len);
	memcpy(VARDATA(out), bytes, len);
	an_free(bytes);
	return out;
}
