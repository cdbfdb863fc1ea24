/*
 * ts_model_cache.c: see ts_model_cache.h.
 */
#include "postgres.h"

#include "core/model_format.h"
#include "pg/error_report.h"
#include "pg/ts_model_cache.h"

/* Decode and validate; errors (with the precise message for another kind) if invalid. */
static an_ts_model *
load_bytes(const uint8 *bytes, Size len, const char *fname)
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

static void *
ts_decode(const uint8 *bytes, Size len, const char *fname)
{
	return load_bytes(bytes, len, fname);
}

static void
ts_free(void *model)
{
	an_ts_model_free((an_ts_model *) model);
}

static const ModelCacheKind ts_kind = {ts_decode, ts_free};

const an_ts_model *
ts_model_from_arg(FunctionCallInfo fcinfo, int argno, const char *fname)
{
	return (const an_ts_model *) model_cache_get(fcinfo, argno, &ts_kind, fname);
}

an_ts_model *
ts_model_load_arg(FunctionCallInfo fcinfo, int argno, const char *fname)
{
	bytea	   *raw = PG_GETARG_BYTEA_PP(argno);

	return load_bytes((const uint8 *) VARDATA_ANY(raw), VARSIZE_ANY_EXHDR(raw), fname);
}

an_ts_model *
ts_model_load_datum(Datum d, const char *fname)
{
	bytea	   *raw = DatumGetByteaPP(d);

	return load_bytes((const uint8 *) VARDATA_ANY(raw), VARSIZE_ANY_EXHDR(raw), fname);
}
