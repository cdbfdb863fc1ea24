/*
 * ts_options_jsonb.h: ts_fit's jsonb options to an_ts_options.
 */
#ifndef ANOMALY_TS_OPTIONS_JSONB_H
#define ANOMALY_TS_OPTIONS_JSONB_H

#include "utils/jsonb.h"

#include "core/ts/ts_options.h"

/* Parse and validate; raises an error naming the offending key. */
void		ts_options_from_jsonb(Jsonb *jb, an_ts_options *opt);

#endif
