/*
 * two_level.c: the two-level aggregates.  <name>_state(...) returns the
 * partial state of an aggregate as a self-contained bytea (format and
 * validation in core/state/point_state.h); <name>_merge(state) aggregates
 * such states into the result the one-level aggregate gives over all their
 * rows, byte for byte: the states carry the rows' points, and the merge
 * feeds them to the same state, combine and final functions.  This lets a
 * shard (postgres_fdw, Citus) or a time partition compute its part where
 * the rows are, and one node finish.
 *
 *   ts_fit_state(ts, value [, options]) -> bytea   kind ts_fit_state
 *   ts_fit_state(state bytea)           -> bytea   states merged into one
 *   ts_fit_merge(state bytea)           -> bytea   the model ts_fit returns
 *   catch22_state(ts, value)            -> bytea   kind catch22_state
 *   catch22_state(state bytea)          -> bytea
 *   catch22_merge / catch24_merge(state bytea) -> float8[]
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "core/catch22/catch22.h"
#include "core/state/point_state.h"
#include "pg/agg_support.h"
#include "pg/error_report.h"
#include "pg/point_collector.h"
#include "pg/ts_fit_agg.h"
#include "pg/ts_options_jsonb.h"

/* Points decoded from a state at a time, on the stack. */
#define DECODE_BATCH 256

/* Validate a state argument; errors name fname and the kind expected. */
static void
open_state(bytea *b, an_model_kind kind, size_t max_points, const char *fname, an_point_state *st)
{
	const uint8_t *buf = (const uint8_t *) VARDATA_ANY(b);
	size_t		len = VARSIZE_ANY_EXHDR(b);
	an_status	s = an_point_state_open(buf, len, kind, max_points, st);

	report_state_status(s, buf, len, fname, an_model_kind_name(kind));
}

/* Append the points of a validated state to pc. */
static void
add_state_points(PointCollector *pc, MemoryContext ctx, const an_point_state *st, const char *fname)
{
	an_point	batch[DECODE_BATCH];

	if (!an_group_fits(pc->npoints, (int64) st->npoints, PC_MAX_POINTS))
		pc_too_many(fname);
	for (size_t from = 0; from < st->npoints; from += DECODE_BATCH)
	{
		size_t		n = Min(DECODE_BATCH, st->npoints - from);

		CHECK_FOR_INTERRUPTS();
		an_point_state_points(st, from, n, batch);
		pc_add_points(pc, ctx, batch, (int64) n, fname);
	}
}

static bytea *
write_state(an_model_kind kind, an_state_options seen, const char *options, const an_point *pts,
			size_t n, size_t max_points, const char *fname)
{
	uint8_t    *out;
	size_t		len;
	an_status	s;

	s = an_point_state_write(kind, seen, options, options ? strlen(options) : 0, pts, n, max_points,
							 &out, &len);
	report_status(s, fname, NULL);
	return bytea_from_core(out, len);
}

/* ---- ts_fit ---- */

PG_FUNCTION_INFO_V1(ts_fit_state_final);
/* final function of ts_fit_state: the collected points, sorted, and the options seen */
Datum
ts_fit_state_final(PG_FUNCTION_ARGS)
{
	TsFitState *st = PG_GETARG_STATE(0, TsFitState);
	an_point   *pts;
	size_t		n;
	char	   *options = NULL;
	bytea	   *out;

	if (st == NULL || st->points.npoints == 0)
		PG_RETURN_NULL();
	/* the text form: jsonb's binary form is in the host's byte order */
	if (st->seen == OPTIONS_GIVEN)
		options = JsonbToCString(NULL, &st->options_raw->root, VARSIZE(st->options_raw));
	pts = pc_take_sorted(&st->points, &n, "ts_fit_state");
	out = write_state(AN_KIND_TS_FIT_STATE, (an_state_options) st->seen, options, pts, n,
					  PC_MAX_POINTS, "ts_fit_state");
	pfree(pts);
	PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(ts_fit_merge_transition);
/* transition of ts_fit_merge and ts_fit_state(bytea): add a state's points and options */
Datum
ts_fit_merge_transition(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = agg_context_or_error(fcinfo, __func__);
	TsFitState *st = PG_GETARG_STATE(0, TsFitState);
	TsFitState	seen;
	an_point_state ps;

	if (PG_ARGISNULL(1))
		PG_RETURN_STATE(st);
	open_state(PG_GETARG_BYTEA_PP(1), AN_KIND_TS_FIT_STATE, PC_MAX_POINTS, "ts_fit_merge", &ps);
	if (st == NULL)
		st = ts_fit_state_create(aggctx);

	/* what the state's rows saw, as the rows themselves would have passed it */
	memset(&seen, 0, sizeof(seen));
	seen.seen = (OptionsSeen) ps.options_seen;
	an_ts_options_default(&seen.options);
	if (seen.seen == OPTIONS_GIVEN)
	{
		char	   *text = pnstrdup(ps.options, ps.options_len);

		seen.options_raw = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));
		ts_options_from_jsonb(seen.options_raw, &seen.options);
	}
	ts_fit_merge_options(st, aggctx, &seen);
	add_state_points(&st->points, aggctx, &ps, "ts_fit");
	PG_RETURN_POINTER(st);
}

/* ---- catch22 / catch24 ---- */

PG_FUNCTION_INFO_V1(catch22_state_final);
/* final function of catch22_state: the collected points, sorted (read-only, like catch22's) */
Datum
catch22_state_final(PG_FUNCTION_ARGS)
{
	PointCollector *pc = PG_GETARG_STATE(0, PointCollector);
	const an_point *pts;
	size_t		n;
	bool		copied;
	bytea	   *out;

	(void) agg_kind_or_error(fcinfo, __func__);
	if (pc == NULL || pc->npoints == 0)
		PG_RETURN_NULL();
	pts = pc_sorted_view(pc, &n, &copied, "catch22_state");
	out = write_state(AN_KIND_CATCH22_STATE, AN_STATE_OPTIONS_NONE, NULL, pts, n, AN_CATCH22_MAX_N,
					  "catch22_state");
	if (copied)
		pfree((void *) pts);
	PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(catch22_merge_transition);
/* transition of catch22_merge, catch24_merge and catch22_state(bytea) */
Datum
catch22_merge_transition(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = agg_context_or_error(fcinfo, __func__);
	PointCollector *pc = PG_GETARG_STATE(0, PointCollector);
	an_point_state ps;

	if (PG_ARGISNULL(1))
		PG_RETURN_STATE(pc);
	open_state(PG_GETARG_BYTEA_PP(1), AN_KIND_CATCH22_STATE, AN_CATCH22_MAX_N, "catch22_merge", &ps);
	if (pc == NULL)
		pc = MemoryContextAllocZero(aggctx, sizeof(PointCollector));
	if ((int64) ps.npoints > AN_CATCH22_MAX_N - pc->npoints)
		report_status(AN_ETOOMANY, "catch22", "A group has more than %d rows.", AN_CATCH22_MAX_N);
	add_state_points(pc, aggctx, &ps, "catch22");
	PG_RETURN_POINTER(pc);
}
