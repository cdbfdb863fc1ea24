/*
 * mv_two_level.c: the two-level form of mv_fit (see two_level.c for the
 * pattern; format and validation in core/state/vector_state.h).
 *
 *   mv_fit_state(features [, options]) -> bytea   kind mv_fit_state
 *   mv_fit_state(state bytea)          -> bytea   states merged into one
 *   mv_fit_merge(state bytea)          -> bytea   the model mv_fit returns
 *
 * The states carry the rows' vectors and the options mv_fit parsed; the
 * merge feeds them to mv_fit's own state, combine and final functions, and
 * the fit sorts the rows first, so the model is byte for byte mv_fit's over
 * all the rows whatever the split.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/array.h"

#include "core/state/vector_state.h"
#include "pg/agg_support.h"
#include "pg/dbscan_common.h"
#include "pg/error_report.h"
#include "pg/mv_common.h"

static void
reserve_rows(void *s, MemoryContext cxt, int64 more)
{
	mv_fit_reserve(s, cxt, more);
}

static void
copy_params(void *dst, const void *src)
{
	((mv_state *) dst)->opt = ((const mv_state *) src)->opt;
}

static void
check_params(const void *s, const void *other, bool merging)
{
	if (!mv_same_options(&((const mv_state *) other)->opt, &((const mv_state *) s)->opt))
		report_varying_parameters("mv_fit options", merging ? "Merge only states made with the same options." :
								  "Pass the same options on every row of a group.");
}

static void
open_state(const uint8_t *buf, size_t len, void *like, const uint8_t **rows, size_t *n)
{
	mv_state   *s = like;
	an_vector_state vs;

	report_state_status(an_vector_state_open(buf, len, &vs), buf, len, "mv_fit_merge", "mv_fit_state");
	s->rows.d = (int32) vs.d;
	s->opt = vs.opt;
	*rows = vs.rows;
	*n = vs.n;
}

/* the vectors (sorted by the writer) and the options */
static an_status
write_state(const void *state, uint8_t **out, size_t *out_len)
{
	const mv_state *s = state;

	return an_vector_state_write(&s->opt, s->rows.x, (size_t) s->rows.n, (size_t) s->rows.d, out, out_len);
}

/* mv_fit's states, for its combine function too */
const RowStateKind mv_row_state = {
	{row_state_empty, row_state_merge},
	"mv_fit", sizeof(mv_state), AN_MV_MAX_DIMS, AN_MV_MAX_ROWS,
	reserve_rows, copy_params, check_params,
	"mv_fit_state", open_state, write_state
};

PG_FUNCTION_INFO_V1(mv_fit_state_final);
/* final function of mv_fit_state */
Datum
mv_fit_state_final(PG_FUNCTION_ARGS)
{
	return row_state_final(fcinfo, &mv_row_state);
}

PG_FUNCTION_INFO_V1(mv_fit_merge_transition);
/* transition of mv_fit_merge and mv_fit_state(bytea): validate a state and add its rows */
Datum
mv_fit_merge_transition(PG_FUNCTION_ARGS)
{
	return row_state_merge_transition(fcinfo, __func__, &mv_row_state);
}
