/*
 * ts_model.h: time-series models (ts_fit / ts_score / ts_detect / ts_model_info),
 * the interface the PostgreSQL glue uses.
 *
 * Timestamps are int64 microseconds since 2000-01-01 00:00:00 UTC, the
 * representation of PostgreSQL's timestamptz, so no conversion happens at
 * the boundary.  Two model kinds exist inside the envelope, each with its own
 * fields behind its own header:
 *   AN_KIND_TS_LEVEL     robust level: median and MAD (ts_level.h)
 *   AN_KIND_TS_SEASONAL  seasonal profile, trend and robust spread (ts_seasonal.h)
 * Both are read by an_ts_model_load, so every model ever written stays usable.
 *
 * The files call each other in one direction only: ts_model.c dispatches to
 * the kinds (ts_level.c, ts_seasonal*.c), which use what ts_common.h shares.
 */
#ifndef ANOMALY_TS_MODEL_H
#define ANOMALY_TS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "core/sort.h"			/* an_sort_points, which an_ts_fit expects */
#include "core/ts/ts_options.h"
#include "core/ts/ts_tail.h"

typedef struct an_ts_level an_ts_level;
typedef struct an_ts_seasonal an_ts_seasonal;
typedef struct an_ts_shape an_ts_shape;
typedef struct an_ts_discord_model an_ts_discord_model;
typedef struct an_ts_analog_model an_ts_analog_model;

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
	an_ts_tail	tail;			/* the band from the residuals' tail (format version 2 on) */
	/* the fields of the kind, owned by the model (the other one is NULL) */
	an_ts_level *level;			/* AN_KIND_TS_LEVEL */
	an_ts_seasonal *seasonal;	/* AN_KIND_TS_SEASONAL */
	an_ts_shape *shape;			/* the shape component (format version 3), or NULL */
	an_ts_discord_model *discord;	/* the discord component (format version 4), or NULL */
	an_ts_analog_model *analog; /* the analog component (format version 5), or NULL */
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

/*
 * How a fit uses memory, not what it computes: every setting gives the same
 * model bytes.  From compact_min_points points on, the seasonal fit of a
 * regularly spaced series (no gaps or duplicates, so that a timestamp is
 * t0 + i * step) works inside pts: the values move to its first half and the
 * second half serves as scratch, instead of a scratch array of 8 bytes a
 * point.  an_ts_fit uses AN_TS_COMPACT_MIN_POINTS; the tests lower it to
 * check that the models do not change.
 */
typedef struct an_ts_fit_tuning
{
	size_t		compact_min_points;
} an_ts_fit_tuning;

#define AN_TS_COMPACT_MIN_POINTS 2000000

an_status	an_ts_fit_tuned(an_point *pts, size_t n, const an_ts_options *opt,
							const an_ts_fit_tuning *tuning,
							uint8_t **model, size_t *len, char *err, size_t errlen);

/* Decode and validate any time-series model kind. */
an_status	an_ts_model_load(const uint8_t *buf, size_t len, an_ts_model **out);
void		an_ts_model_free(an_ts_model *m);
/*
 * The model's shortest seasonal period in sampling intervals (what the
 * shape component's window follows); 0 without a season or an interval.
 */
double		an_ts_model_shortest_period(const an_ts_model *m);

/*
 * Out-of-sample residuals: the points are cut into AN_TS_FOLD_BLOCKS
 * contiguous blocks of (nearly) equal counts; the even blocks form fold 0
 * and the odd ones fold 1.  Each fold's residuals come from a model fitted
 * on the other fold alone.
 */
#define AN_TS_FOLD_BLOCKS 10
static inline int
an_ts_fold_of(size_t i, size_t n)
{
	return (int) (((unsigned long long) i * AN_TS_FOLD_BLOCKS / n) & 1);
}

void		an_ts_detect(const an_ts_model *m, int64_t ts, double value, an_ts_detection *out);

/* expected / lower / upper at ts, no value (for forecasts). */
void		an_ts_expect(const an_ts_model *m, int64_t ts, an_ts_detection *out);

/* ts_model_info as JSON text (an_alloc'd, NUL-terminated). */
an_status	an_ts_model_info_json(const an_ts_model *m, char **json);

#endif
