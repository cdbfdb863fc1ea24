/*
 * ts_options_jsonb.h: ts_fit's jsonb options to an_ts_options, and the walk
 * over the keys of a jsonb options object that mv_fit's options share.
 */
#ifndef ANOMALY_TS_OPTIONS_JSONB_H
#define ANOMALY_TS_OPTIONS_JSONB_H

#include "utils/jsonb.h"

#include "core/ts/ts_options.h"

/*
 * Start walking the options object jb of fname ("ts_fit"): an error naming
 * example (a valid object) unless jb is an object.
 */
JsonbIterator *options_object_begin(Jsonb *jb, const char *fname, const char *example);

/*
 * The next key of the object (palloc'd) and its value, nested containers
 * as jbvBinary; false after the last.
 */
bool		options_object_next(JsonbIterator **it, char **key, JsonbValue *value);

/* Parse and validate; raises an error naming the offending key. */
void		ts_options_from_jsonb(Jsonb *jb, an_ts_options *opt);

#endif
