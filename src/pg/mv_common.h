/*
 * mv_common.h: what mv_fit (mv_fit_agg.c) and the scoring functions
 * (mv_score.c) share.
 */
#ifndef ANOMALY_MV_COMMON_H
#define ANOMALY_MV_COMMON_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "core/mv/mv.h"

/* Parse and validate mv_fit's options; raises an error naming the offending key. */
void		mv_options_from_jsonb(Jsonb *jb, an_mv_options *opt);

/* More features than AN_MV_MAX_DIMS. */
void		mv_report_too_many_dims(int n) pg_attribute_noreturn();

#endif
