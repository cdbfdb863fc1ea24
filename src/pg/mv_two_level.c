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

static an_status
open_state(const uint8_t *buf, size_t len, void *like, RowStateView *view)
{
	an_vector_state vs;
	an_status	st = an_vector_state_open(buf, len, &vs);

	if (st == AN_OK)
	{
		((mv_state *) like)->opt = vs.opt;
		*view = (RowStateView) {vs.d, vs.n, vs.rows};
	}
	return st;
}

/* the vectors (sorted by the writer) and the options */
static an_status
write_state(const void *state, uint8_t **out, size_t *out_len)
{
	const mv_state *s = state;

	return an_vector_state_write(&s->opt, s->rows.x, (size_t) s->rows.n, (size_t) s->rows.d, out, out_len);
}

/*
 * mv_fit's kind of state (for its combine and deserial functions too),
 * mv_fit_state_final and mv_fit_merge_transition
 */
ROW_STATE_KIND(mv_row_state, mv_fit, mv_state, AN_MV_MAX_DIMS, AN_MV_MAX_ROWS);
