/*
 * ts_analog.h: the method of analogues (Lorenz 1969): a nearest-neighbour
 * one-step predictor in a delay embedding of the training rows, for a
 * dynamics score (issue 15; measured by test/bench/accuracy/replay.c,
 * docs/accuracy.md; in the models as the analog component,
 * ts_analog_model.h).
 *
 * A row x[t] is predicted from its delay vector
 *     e(t) = (x[t - 1], x[t - 1 - lag], ..., x[t - 1 - (dim - 1) lag])
 * as the mean of x[s] over the k training targets s whose delay vectors
 * are nearest to e(t) (or, linear, the intercept of the least-squares line
 * of x[s] on e(s) - e(t) over those k, a ridge of AN_ANALOG_RIDGE times
 * the mean squared coordinate on the slopes).  relative (dim >= 2): the
 * coordinates are x[t - 1] - x[t - 2] and x[t - 1] - x[t - 1 - j lag]
 * (j = 1 .. dim - 1) and the neighbours predict x[t] - x[t - 1], so that
 * the level (a random walk's) does not matter, only the local dynamics (Euclidean, raw values: a deterministic series has
 * its future in its state, so a break of the dynamics is a row its
 * analogues do not predict).  The score is |x[t] - prediction| / edge, with
 * edge AN_ANALOG_EDGE_MARGIN times the AN_ANALOG_EDGE_QUANTILE quantile of
 * the leave-one-out errors of training targets (their neighbours at least
 * span + 1 rows away, out of sample as a new row is), at least
 * AN_ANALOG_MIN_EDGE times the standard deviation of what is predicted: 1 is
 * the edge of normal, as for every score.
 *
 * The calibration also measures whether the analogues are worth asking:
 * skill is its 99 % error quantile over that of persistence (x[t] predicted
 * by x[t - 1]) on the same targets, below 1 where the dynamics are
 * predictable (a chaotic attractor), above 1 where they are not (a random
 * walk), NAN without a calibration; reach is AN_ANALOG_EDGE_MARGIN times
 * the 99 % quantile of the distance to the k-th neighbour, and with guard
 * set a delay vector farther than that from its k-th analogue is not
 * scored (NAN).
 *
 * Bounded: the last AN_ANALOG_BUDGET training rows are kept (128 KiB), a
 * target is usable when the span + 1 rows ending at it have no step longer
 * than AN_ANALOG_MAX_STEP sampling intervals and are finite; the
 * calibration predicts at most AN_ANALOG_CAL_TARGETS targets spread evenly,
 * so a fit costs at most that many times the kept targets times dim.  The
 * targets are also kept sorted by their first coordinate: a prediction
 * searches outwards from the query's and stops where that coordinate alone
 * is farther than the k-th neighbour found (the same neighbours as a scan of
 * all targets, ties to the earlier target; 1.7 times faster on the
 * development corpus's replay, absolute coordinates).
 */
#ifndef ANOMALY_TS_ANALOG_H
#define ANOMALY_TS_ANALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

#define AN_ANALOG_BUDGET 16384
#define AN_ANALOG_MAX_DIM 16
#define AN_ANALOG_MAX_K 16
#define AN_ANALOG_MAX_LAG 64
#define AN_ANALOG_MAX_STEP 2
#define AN_ANALOG_CAL_TARGETS 1024
#define AN_ANALOG_MIN_TARGETS 32
#define AN_ANALOG_EDGE_QUANTILE 0.99
#define AN_ANALOG_EDGE_MARGIN 1.25
#define AN_ANALOG_MIN_EDGE 0.01
#define AN_ANALOG_RIDGE 1e-3

typedef struct an_ts_analog
{
	uint32_t	dim;
	uint32_t	lag;
	uint32_t	k;
	bool		linear;			/* local linear prediction instead of the mean */
	bool		relative;		/* coordinates and target relative to x[t - 1] */
	size_t		n;				/* kept rows */
	size_t		ntargets;
	double		edge;
	double		reach;			/* the margin times the calibration's 99 % quantile of the k-th neighbour distance */
	double		skill;			/* the calibration's 99 % error quantile over persistence's */
	bool		guard;			/* score NAN (no analogues) beyond reach */
	double	   *x;				/* n kept values, time order */
	double	   *keys;			/* the targets' first coordinates, ascending */
	uint32_t   *targets;		/* ntargets usable target indexes into x, increasing */
	uint32_t   *order;			/* the targets in the order of keys */
} an_ts_analog;

/*
 * The delay for values v[0..n) in time order: the first lag at which their
 * autocorrelation is below level (an_ts_acf_first_below, searched up to
 * 4 AN_ANALOG_MAX_LAG; level 0: the first zero crossing), times fraction,
 * rounded, clamped to [1, AN_ANALOG_MAX_LAG]; 0 when n < 4 (or memory or
 * the autocorrelation fails).
 */
size_t		an_ts_analog_lag(const double *v, size_t n, double level, double fraction);

/* rows a prediction needs before the predicted one: (dim - 1) lag + 1 */
size_t		an_ts_analog_span(size_t dim, size_t lag);

/*
 * Fit on the sorted points pts[0..n) (interval_us > 0).  AN_OK with *out ==
 * NULL when fewer than AN_ANALOG_MIN_TARGETS targets are usable; AN_EINVAL
 * for dim, k or lag out of range; AN_ENOMEM.
 */
an_status	an_ts_analog_fit(const an_point *pts, size_t n, int64_t interval_us, size_t dim, size_t lag,
							 size_t k, bool linear, bool relative, an_ts_analog **out);
void		an_ts_analog_free(an_ts_analog *a);

/*
 * The fit of a stored block (ts_analog_model.h) again, from the rows it was
 * fitted on (ts[0..n), x[0..n) in time order: the discord block's) and its
 * calibration, which is not redone: the same kept rows, targets and search
 * as an_ts_analog_fit, absolute coordinates and the mean.  AN_ECORRUPT when
 * the rows give too few targets (they did not at the fit); AN_EINVAL,
 * AN_ENOMEM.
 */
an_status	an_ts_analog_restore(const int64_t *ts, const double *x, size_t n, int64_t interval_us,
								 size_t dim, size_t lag, size_t k, double edge, double reach, double skill,
								 an_ts_analog **out);

/* The usable targets among the last AN_ANALOG_BUDGET of rows ts[0..n), x[0..n) for a span (a reader's check). */
size_t		an_ts_analog_count_targets(const int64_t *ts, const double *x, size_t n, int64_t interval_us,
									   size_t span);

/*
 * The prediction of the row after past[0..span) (oldest first), ignoring
 * training targets in [skip_lo, skip_hi) (an empty range skips none).
 */
double		an_ts_analog_predict(const an_ts_analog *a, const double *past, size_t skip_lo, size_t skip_hi);

/* |x - prediction from past[0..span)| / edge; NAN if past holds a non-finite value */
double		an_ts_analog_score(const an_ts_analog *a, const double *past, double x);

#endif
