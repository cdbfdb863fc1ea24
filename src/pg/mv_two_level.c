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

PG_FUNCTION_INFO_V1(mv_fit_state_final);
/* final function of mv_fit_state: the vectors (sorted by the writer) and the options */
Datum
mv_fit_state_final(PG_FUNCTION_ARGS)
{
	mv_state   *s = PG_GETARG_STATE(0, mv_state);
	uint8_t    *out;
	size_t		len;
	an_status	st;

	if (s == NULL || s->rows.n == 0)
		PG_RETURN_NULL();
	st = an_vector_state_write(&s->opt, s->rows.x, (size_t) s->rows.n, (size_t) s->rows.d, &out, &len);
	PG_RETURN_BYTEA_P(row_buffer_state_result(st, out, len, &s->rows, "mv_fit_state"));
}

PG_FUNCTION_INFO_V1(mv_fit_merge_transition);
/* transition of mv_fit_merge and mv_fit_state(bytea): validate a state and add its rows */
Datum
mv_fit_merge_transition(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context_or_error(fcinfo, __func__);
	mv_state   *s = PG_GETARG_STATE(0, mv_state);
	const uint8_t *buf;
	size_t		len;
	an_vector_state vs;
	mv_state	like = {0};
	an_status	st;

	if (PG_ARGISNULL(1))
		PG_RETURN_STATE(s);
	buf = bytea_arg_bytes(fcinfo, 1, &len);
	st = an_vector_state_open(buf, len, &vs);
	report_state_status(st, buf, len, "mv_fit_merge", "mv_fit_state");

	like.rows.d = (int32) vs.d;
	like.opt = vs.opt;
	s = row_state_join(&mv_row_state, s, &like, true, (int64) vs.n, aggcxt);
	row_buffer_append_encoded(&s->rows, vs.rows, vs.n);
	PG_RETURN_POINTER(s);
}
