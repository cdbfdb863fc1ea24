/*
 * ts_fit_agg.h: the transition state of ts_fit, shared with the two-level
 * aggregates ts_fit_state / ts_fit_merge (two_level.c), which reuse its
 * transition, combine, serial and final functions.
 */
#ifndef ANOMALY_TS_FIT_AGG_H
#define ANOMALY_TS_FIT_AGG_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "core/ts/ts_options.h"
#include "pg/point_collector.h"

/* The options the rows with points passed (the three-argument form). */
typedef enum OptionsSeen
{
	OPTIONS_UNSEEN = 0,			/* no such row yet, or the two-argument form */
	OPTIONS_NULL,				/* NULL: the defaults */
	OPTIONS_GIVEN				/* options_raw */
} OptionsSeen;

typedef struct TsFitState
{
	PointCollector points;
	OptionsSeen seen;
	Jsonb	   *options_raw;	/* OPTIONS_GIVEN: the first row's options, detoasted */
	an_ts_options options;		/* parsed (the defaults unless OPTIONS_GIVEN) */
} TsFitState;

/* A new empty state in ctx. */
TsFitState *ts_fit_state_create(MemoryContext ctx);

/* Merge the options b saw into a (the same rules as row by row: an error if they differ). */
void		ts_fit_merge_options(TsFitState *a, MemoryContext ctx, const TsFitState *b);

#endif
