/*
 * ts_common.h: what the time-series model kinds share (not used by the glue):
 * the band and score, the sampling interval, the spread floor, the
 * in-place move of a series' values, and the span that opens every payload.
 */
#ifndef ANOMALY_TS_COMMON_H
#define ANOMALY_TS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "core/model_format.h"
#include "core/ts/ts_model.h"

/*
 * The spread never falls below this fraction of the largest magnitude seen
 * (nor below DBL_MIN), so that a constant series does not flag
 * floating-point noise.
 */
#define AN_TS_RELATIVE_SIGMA_FLOOR 1e-9

/* The spread floor for a largest magnitude maxabs. */
double		an_ts_sigma_floor(double maxabs);

/* Turn a deviation into score and band (shared by every kind). */
void		an_ts_band(double expected, double sigma_low, double sigma_high, double k,
					   an_ts_direction dir, double value, an_ts_detection *out);

/*
 * A double as a JSON number ("%.17g"), or "null" where JSON has none: a
 * value derived from a model (a band edge, an amplitude) can overflow to
 * infinity though every stored number is finite.  buf has
 * AN_JSON_NUMBER_LEN bytes; returns buf.
 */
#define AN_JSON_NUMBER_LEN 32
const char *an_json_number(double v, char *buf);

/* Median spacing of distinct consecutive timestamps (0 if fewer than 2 distinct, -1 out of memory). */
int64_t		an_infer_interval(const an_point *pts, size_t n);

/*
 * The values of pts[0..n) to the first n doubles of its memory, in order
 * (pts is then no longer points).
 */
void		an_points_to_values(an_point *pts, size_t n);

/*
 * The training span that opens the payload of every time-series kind:
 * t_first, t_last (i64), the number of points (u64), the interval (i64).
 */
void		an_ts_put_span(an_writer *w, int64_t t_first, int64_t t_last, uint64_t n_points,
						   int64_t interval_us);
/* Read the span into m (validated by the caller with the fields after it). */
void		an_ts_get_span(an_reader *r, an_ts_model *m);

#endif
