/*
 * ts_model.h: time-series models (ts_fit / ts_score / ts_detect / ts_model_info).
 *
 * Timestamps are int64 microseconds since 2000-01-01 00:00:00 UTC, the
 * representation of PostgreSQL's timestamptz, so no conversion happens at
 * the boundary.  Two model kinds exist inside the envelope:
 *   AN_KIND_TS_LEVEL     robust level: median and MAD (format version 1)
 *   AN_KIND_TS_SEASONAL  seasonal profile, trend and robust spread
 * Both are read by an_ts_model_load, so every model ever written stays usable.
 */
#ifndef ANOMALY_TS_MODEL_H
#define ANOMALY_TS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "core/sort.h"
#include "core/ts_options.h"

/* A fitted model, decoded and validated. */
typedef struct an_ts_model
{
	int			kind;			/* an_model_kind */
	int			format_version;
	int64_t		t_first;		/* training range */
	int64_t		t_last;
	uint64_t	n_points;		/* points used */
	int64_t		interval_us;	/* sampling interval (inferred or given); 0 = unknown */
	double		threshold;		/* k */
	an_ts_direction direction;
	/* AN_KIND_TS_LEVEL */
	double		median;
	double		mad;
	double		sigma;			/* robust sigma after the floor */
	/* kind-specific state owned by the model (seasonal), freed by an_ts_model_free */
	void	   *detail;
} an_ts_model;

/* What the model says about one (ts, value). */
typedef struct an_ts_detection
{
	double		expected;
	double		lower;
	double		upper;
	double		score;			/* 0 at expected, > 1 outside [lower, upper] */
	bool		is_anomaly;
	/* the parts of expected: level (incl. trend) + seasonal */
	double		level;
	double		seasonal;
} an_ts_detection;

/*
 * Fit on pts[0..n-1], which the caller has sorted with an_sort_points (so
 * the result never depends on input order), all values finite, n >= 1.
 * pts may be reordered or overwritten (it is scratch after the call).
 * On success *model and *len hold a complete envelope allocated with an_alloc.
 * On AN_EINVAL, err holds a lower-case message (and hint after a '\n').
 */
an_status	an_ts_fit(an_point *pts, size_t n, const an_ts_options *opt,
					  uint8_t **model, size_t *len, char *err, size_t errlen);

/* Decode and validate any time-series model kind. */
an_status	an_ts_model_load(const uint8_t *buf, size_t len, an_ts_model **out);
void		an_ts_model_free(an_ts_model *m);

void		an_ts_detect(const an_ts_model *m, int64_t ts, double value, an_ts_detection *out);

/* expected / lower / upper at ts, no value (for forecasts). */
void		an_ts_expect(const an_ts_model *m, int64_t ts, an_ts_detection *out);

/* ts_model_info as JSON text (an_alloc'd, NUL-terminated). */
an_status	an_ts_model_info_json(const an_ts_model *m, char **json);

/* Turn a deviation into score and band (shared by every kind). */
void		an_ts_band(double expected, double sigma_low, double sigma_high, double k,
					   an_ts_direction dir, double value, an_ts_detection *out);

/* ISO 8601 UTC text for a timestamp ("2026-01-02T03:04:05Z", microseconds if any). */
void		an_format_timestamp(int64_t us, char *buf, size_t len);

/* ---- per-kind entry points (ts_level.c, ts_seasonal.c) ---- */
/*
 * The robust level model of values[0..n) in time order (the training range
 * t_first .. t_last); values[n..2n) is its scratch.  an_ts_fit passes the
 * points' own memory, their values moved to its front (an_points_to_values).
 */
an_status	an_ts_level_fit(double *values, size_t n, int64_t t_first, int64_t t_last,
							const an_ts_options *opt, int64_t interval_us, uint8_t **model, size_t *len);
an_status	an_ts_level_decode(const uint8_t *payload, size_t len, an_ts_model *m);

/* Median spacing of distinct consecutive timestamps (0 if fewer than 2 distinct). */
int64_t		an_infer_interval(const an_point *pts, size_t n);

/*
 * From this many points on, the seasonal fit of a regularly spaced series
 * (no gaps or duplicates, so that a timestamp is t0 + i * step) works inside
 * pts: the values move to its first half and the second half serves as
 * scratch, instead of a scratch array of 8 bytes a point.  (The level model
 * always works so.)  The models are the same either way; tests lower it to
 * check that.
 */
extern size_t an_ts_compact_min_points;

/*
 * The values of pts[0..n) to the first n doubles of its memory, in order
 * (pts is then no longer points).
 */
void		an_points_to_values(an_point *pts, size_t n);

#endif
