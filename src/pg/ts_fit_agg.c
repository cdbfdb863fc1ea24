/*
 * ts_fit_agg.c: the ts_fit(ts, value [, options]) aggregate.
 *
 * State: the collected points plus the options (parsed once, and a copy of
 * the first row's jsonb kept to check that every row and every parallel
 * worker used the same, byte for byte).  A NULL options argument is not the
 * same as options given: a group that mixes the two is an error, whichever
 * rows each worker happens to see.  The final function sorts the points
 * and calls an_ts_fit; it frees the points as it gathers them, hence
 * FINALFUNC_MODIFY = READ_WRITE.  The two-level aggregates ts_fit_state and
 * ts_fit_merge (two_level.c) share this state and these support functions.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "core/ts/ts_model.h"
#include "pg/agg_support.h"
#include "pg/error_report.h"
#include "pg/point_collector.h"
#include "pg/ts_fit_agg.h"
#include "pg/ts_options_jsonb.h"

#define TS_FIT_STATE_TAG 0x54534632		/* "TSF2": since the options seen are serialized */
#define OPTIONS_HEADER 8				/* serialized: OptionsSeen in the first byte, then padding */

TsFitState *
ts_fit_state_create(MemoryContext ctx)
{
	TsFitState *st = MemoryContextAllocZero(ctx, sizeof(TsFitState));

	an_ts_options_default(&st->options);
	return st;
}

static void
options_mismatch(void)
{
	report_varying_parameters("ts_fit options", "Pass the options as a constant.");
}

static void
options_null_mixed(void)
{
	report_varying_parameters("ts_fit options",
							  "Pass the options as a constant: a NULL does not mix with options given, not even with '{}'.");
}

static bool
same_jsonb_bytes(const Jsonb *a, const struct varlena *b)
{
	return VARSIZE(a) - VARHDRSZ == VARSIZE_ANY_EXHDR(b) &&
		memcmp(VARDATA(a), VARDATA_ANY(b), VARSIZE(a) - VARHDRSZ) == 0;
}

/*
 * Remember the options of the first row; later rows must pass the same,
 * compared by content (never by address: a per-row value may be built at
 * the same address every time).  NULL options must not mix with options.
 */
static void
state_set_options(TsFitState *st, MemoryContext ctx, Datum options, bool isnull)
{
	struct varlena *packed;

	if (isnull)
	{
		if (st->seen == OPTIONS_GIVEN)
			options_null_mixed();
		st->seen = OPTIONS_NULL;
		return;
	}
	if (st->seen == OPTIONS_NULL)
		options_null_mixed();
	packed = PG_DETOAST_DATUM_PACKED(options);
	if (st->seen == OPTIONS_GIVEN)
	{
		if (!same_jsonb_bytes(st->options_raw, packed))
			options_mismatch();
	}
	else
	{
		Jsonb	   *jb = DatumGetJsonbP(options);

		ts_options_from_jsonb(jb, &st->options);
		st->options_raw = MemoryContextAlloc(ctx, VARSIZE(jb));
		memcpy(st->options_raw, jb, VARSIZE(jb));
		st->seen = OPTIONS_GIVEN;
	}
	if (packed != (struct varlena *) DatumGetPointer(options))
		pfree(packed);
}

/* Merge what two partial states saw (the same rules as row by row). */
void
ts_fit_merge_options(TsFitState *a, MemoryContext ctx, const TsFitState *b)
{
	if (b->seen == OPTIONS_UNSEEN)
		return;
	if (a->seen == OPTIONS_UNSEEN)
	{
		a->seen = b->seen;
		a->options = b->options;
		if (b->seen == OPTIONS_GIVEN)
		{
			a->options_raw = MemoryContextAlloc(ctx, VARSIZE(b->options_raw));
			memcpy(a->options_raw, b->options_raw, VARSIZE(b->options_raw));
		}
		return;
	}
	if (a->seen != b->seen)
		options_null_mixed();
	if (a->seen == OPTIONS_GIVEN && !same_jsonb_bytes(a->options_raw, (const struct varlena *) b->options_raw))
		options_mismatch();
}

static void
check_point(TimestampTz ts, double value)
{
	if (TIMESTAMP_NOT_FINITE(ts))
		report_infinite_timestamp("ts_fit", ts);
	if (!isfinite(value))
		report_nonfinite("ts_fit input", psprintf("The value at %s", timestamptz_to_str(ts)), value);
}

static Datum
ts_fit_transition(FunctionCallInfo fcinfo, bool with_options)
{
	MemoryContext aggctx = agg_context_or_error(fcinfo, __func__);
	TsFitState *st = PG_GETARG_STATE(0, TsFitState);

	/* rows with a NULL timestamp or value are skipped */
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_STATE(st);
	if (st == NULL)
		st = ts_fit_state_create(aggctx);
	if (with_options)
		state_set_options(st, aggctx, PG_GETARG_DATUM(3), PG_ARGISNULL(3));
	check_point(PG_GETARG_TIMESTAMPTZ(1), PG_GETARG_FLOAT8(2));
	pc_add(&st->points, aggctx, PG_GETARG_TIMESTAMPTZ(1), PG_GETARG_FLOAT8(2), "ts_fit");
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(ts_fit_transition2);
/* ts_fit(ts, value) transition */
Datum
ts_fit_transition2(PG_FUNCTION_ARGS)
{
	return ts_fit_transition(fcinfo, false);
}

PG_FUNCTION_INFO_V1(ts_fit_transition3);
/* ts_fit(ts, value, options) transition */
Datum
ts_fit_transition3(PG_FUNCTION_ARGS)
{
	return ts_fit_transition(fcinfo, true);
}

static void *
merge_states(const AggCombineKind *kind, void *a, const void *b, MemoryContext cxt)
{
	TsFitState *st = a != NULL ? a : ts_fit_state_create(cxt);
	const TsFitState *other = b;

	ts_fit_merge_options(st, cxt, other);
	pc_append(&st->points, cxt, &other->points, "ts_fit");
	return st;
}

static const AggCombineKind ts_fit_combine_kind = {NULL, merge_states};

PG_FUNCTION_INFO_V1(ts_fit_combine);
/* merge two partial states (parallel aggregation) */
Datum
ts_fit_combine(PG_FUNCTION_ARGS)
{
	return agg_combine(fcinfo, __func__, &ts_fit_combine_kind);
}

PG_FUNCTION_INFO_V1(ts_fit_serialize);
/* state to bytea, for parallel workers */
Datum
ts_fit_serialize(PG_FUNCTION_ARGS)
{
	TsFitState *st = (TsFitState *) PG_GETARG_POINTER(0);
	Size		raw_len = st->seen == OPTIONS_GIVEN ? VARSIZE(st->options_raw) : 0;
	char	   *extra = palloc0(OPTIONS_HEADER + raw_len);
	bytea	   *out;

	/* the extra bytes: what was seen (padded, to keep the points aligned), then the options given */
	extra[0] = (char) st->seen;
	if (raw_len > 0)
		memcpy(extra + OPTIONS_HEADER, st->options_raw, raw_len);
	out = pc_serialize(&st->points, TS_FIT_STATE_TAG, extra, (uint32) (OPTIONS_HEADER + raw_len));
	pfree(extra);
	PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(ts_fit_deserialize);
/* bytea to state */
Datum
ts_fit_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = agg_context_or_error(fcinfo, __func__);
	TsFitState *st = ts_fit_state_create(aggctx);
	const char *extra;
	uint32		extra_len;

	extra = pc_deserialize(PG_GETARG_BYTEA_PP(0), TS_FIT_STATE_TAG, &st->points, aggctx, &extra_len, "ts_fit");
	if (extra_len < OPTIONS_HEADER || (uint8) extra[0] > OPTIONS_GIVEN ||
		((uint8) extra[0] == OPTIONS_GIVEN) != (extra_len > OPTIONS_HEADER))
		report_bad_state("ts_fit");
	st->seen = (OptionsSeen) (uint8) extra[0];
	if (st->seen == OPTIONS_GIVEN)
	{
		uint32		raw_len = extra_len - OPTIONS_HEADER;

		st->options_raw = MemoryContextAlloc(aggctx, Max(raw_len, VARHDRSZ));
		memcpy(st->options_raw, extra + OPTIONS_HEADER, raw_len);
		if (raw_len < VARHDRSZ || VARSIZE(st->options_raw) != raw_len)
			report_bad_state("ts_fit");
		ts_options_from_jsonb(st->options_raw, &st->options);
	}
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(ts_fit_final);
/* sort the points and fit; NULL for a group without points */
Datum
ts_fit_final(PG_FUNCTION_ARGS)
{
	TsFitState *st = PG_GETARG_STATE(0, TsFitState);
	an_point   *pts;
	size_t		n,
				len;
	uint8_t    *model;
	char		err[512];
	an_status	s;

	if (st == NULL || st->points.npoints == 0)
		PG_RETURN_NULL();
	pts = pc_take_sorted(&st->points, &n, "ts_fit");
	s = an_ts_fit(pts, n, &st->options, &model, &len, err, sizeof(err));
	pfree(pts);
	if (s == AN_EINVAL && err[0])
	{
		char	   *hint = strchr(err, '\n');

		if (hint)
			*hint++ = '\0';
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("%s", err),
				hint ? errhint("%s", hint) : 0);
	}
	report_status(s, "ts_fit", NULL);
	PG_RETURN_BYTEA_P(bytea_from_core(model, len));
}
