/*
 * agg_support.c: see agg_support.h.
 */
#include "postgres.h"

#include "core/core.h"
#include "core/model_format.h"
#include "pg/agg_support.h"
#include "pg/error_report.h"

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

Datum
agg_combine(FunctionCallInfo fcinfo, const char *fname, const AggCombineKind *kind)
{
	MemoryContext aggcxt = agg_context_or_error(fcinfo, fname);
	void	   *a = PG_GETARG_STATE(0, void);
	void	   *b = PG_GETARG_STATE(1, void);

	if (b == NULL || (kind->empty != NULL && kind->empty(b)))
		PG_RETURN_STATE(a);
	PG_RETURN_POINTER(kind->merge(kind, a, b, aggcxt));
}

void
report_bad_state(const char *fname)
{
	ereport(ERROR,
			errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			errmsg("invalid serialized aggregate state for %s", fname));
}

void
report_state_status(an_status st, const uint8_t *buf, size_t len, const char *fname, const char *expected)
{
	if (st == AN_EKIND && len >= AN_MODEL_HEADER_SIZE && an_model_kind_name(buf[5]) != NULL)
		report_wrong_kind(buf, len, fname, expected);
	if (st != AN_OK)
		report_model_status(st, fname);
}

const uint8_t *
bytea_arg_bytes(FunctionCallInfo fcinfo, int argno, size_t *len)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(argno);

	*len = VARSIZE_ANY_EXHDR(b);
	return (const uint8_t *) VARDATA_ANY(b);
}

void
state_buffer_init(StringInfo buf, bytea *raw)
{
	buf->data = VARDATA_ANY(raw);
	buf->len = VARSIZE_ANY_EXHDR(raw);
	buf->maxlen = buf->len;
	buf->cursor = 0;
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
