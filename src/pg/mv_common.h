/*
 * mv_common.h: what mv_fit (mv_fit_agg.c), its two-level form
 * (mv_two_level.c) and the scoring functions (mv_score.c) share.
 */
#ifndef ANOMALY_MV_COMMON_H
#define ANOMALY_MV_COMMON_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "core/mv/mv.h"
#include "pg/row_buffer.h"

/*
 * The state of mv_fit (and of mv_fit_state, mv_fit_merge): the options and
 * the vectors.
 */
typedef struct mv_state
{
	RowBuffer	rows;			/* first: a RowStateKind's state */
	an_mv_options opt;
	bytea	   *opt_raw;		/* the options jsonb as last seen (aggregate context), or NULL */
} mv_state;

/* mv_fit's kind of state of rows (row_buffer.h). */
extern const RowStateKind mv_row_state;

/* Make room for more rows in s (s->rows.d set); an error above the row limit or memory. */
void		mv_fit_reserve(mv_state *s, MemoryContext cxt, int64 more);

/* Whether two parsed option sets fit the same model. */
bool		mv_same_options(const an_mv_options *a, const an_mv_options *b);

/* Parse and validate mv_fit's options; raises an error naming the offending key. */
void		mv_options_from_jsonb(Jsonb *jb, an_mv_options *opt);

/* More features than AN_MV_MAX_DIMS. */
void		mv_report_too_many_dims(int n) pg_attribute_noreturn();

#endif
