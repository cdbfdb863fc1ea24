/*
 * dbscan_two_level.c: the two-level form of dbscan_fit (see two_level.c for
 * the pattern; format and validation in core/state/dbscan_state.h).
 *
 *   dbscan_fit_state(features, eps, min_points [, standardize]) -> bytea   kind dbscan_fit_state
 *   dbscan_fit_state(state bytea)                               -> bytea   states merged into one
 *   dbscan_fit_merge(state bytea)                               -> bytea   the model dbscan_fit returns
 *
 * The states carry the rows' vectors and the parameters; the merge feeds
 * them to dbscan_fit's own state, combine and final functions, and the fit
 * sorts the rows first, so the model is byte for byte dbscan_fit's over all
 * the rows whatever the split.  DBSCAN needs every point, so a state is as
 * large as its rows (docs/scaling.md).
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/array.h"

#include "core/state/dbscan_state.h"
#include "pg/agg_support.h"
#include "pg/dbscan_common.h"
#include "pg/error_report.h"

PG_FUNCTION_INFO_V1(dbscan_fit_state_final);
/* final function of dbscan_fit_state: the vectors (sorted by the writer) and the parameters */
Datum
dbscan_fit_state_final(PG_FUNCTION_ARGS)
{
	dbscan_agg_state *s = PG_GETARG_STATE(0, dbscan_agg_state);
	uint8_t    *out;
	size_t		len;
	an_status	st;

	if (s == NULL || s->rows.n == 0)
		PG_RETURN_NULL();
	st = an_dbscan_state_write(s->eps, s->min_points, s->standardize, s->rows.x, (size_t) s->rows.n, (size_t) s->rows.d,
							   &out, &len);
	PG_RETURN_BYTEA_P(row_buffer_state_result(st, out, len, &s->rows, "dbscan_fit_state"));
}

PG_FUNCTION_INFO_V1(dbscan_fit_merge_transition);
/* transition of dbscan_fit_merge and dbscan_fit_state(bytea): validate a state and add its rows */
Datum
dbscan_fit_merge_transition(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context_or_error(fcinfo, __func__);
	dbscan_agg_state *s = PG_GETARG_STATE(0, dbscan_agg_state);
	const uint8_t *buf;
	size_t		len;
	an_dbscan_state vs;
	dbscan_agg_state like = {0};

	if (PG_ARGISNULL(1))
		PG_RETURN_STATE(s);
	buf = bytea_arg_bytes(fcinfo, 1, &len);
	report_state_status(an_dbscan_state_open(buf, len, &vs), buf, len, "dbscan_fit_merge", "dbscan_fit_state");
	like.rows.d = (int32) vs.d;
	like.eps = vs.eps;
	like.min_points = vs.min_points;
	like.standardize = vs.standardize;
	s = row_state_join(&dbscan_row_state, s, &like, true, (int64) vs.n, aggcxt);
	row_buffer_append_encoded(&s->rows, vs.rows, vs.n);
	PG_RETURN_POINTER(s);
}
