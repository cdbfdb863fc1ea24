/*
 * ts_level.h: the robust level model (AN_KIND_TS_LEVEL).
 *
 * Expected value: the median of the training values.  Spread: a robust
 * sigma (see ts_level.c).  The model is chosen by the "robust" method, and by
 * the automatic one when the seasonal fit finds no use for a period.
 */
#ifndef ANOMALY_TS_LEVEL_H
#define ANOMALY_TS_LEVEL_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "core/ts/ts_model.h"

struct an_ts_level
{
	double		median;
	double		mad;
	double		sigma;			/* robust sigma after the floor */
};

/*
 * The robust level model of values[0..n) in time order (the training range
 * t_first .. t_last); values[n..2n) is its scratch.  an_ts_fit passes the
 * points' own memory, their values moved to its front (an_points_to_values).
 */
an_status	an_ts_level_fit(double *values, size_t n, int64_t t_first, int64_t t_last,
							const an_ts_options *opt, int64_t interval_us, uint8_t **model, size_t *len);

/* Decode the payload into m->level (allocated, owned by m). */
an_status	an_ts_level_decode(const uint8_t *payload, size_t len, an_ts_model *m);

void		an_ts_level_detect(const an_ts_model *m, double value, an_ts_detection *out);
an_status	an_ts_level_info_json(const an_ts_model *m, char **json);

#endif
