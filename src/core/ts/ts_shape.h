/*
 * ts_shape.h: the shape component of the time-series models (format
 * version 3): how normal windows of w consecutive rows look, for
 * ts_anomaly's shape_score.
 *
 * Summary of the training windows, in bounded space: K reference windows
 * (K <= min(AN_SHAPE_MAX_REFS, min(AN_SHAPE_BUDGET, AN_SHAPE_ROWS_FACTOR n) / w)
 * for n training rows, so at most AN_SHAPE_BUDGET doubles = 128 KiB, and
 * never more than twice the training data), each normalised as
 *     r^ = (r - mean(r)) / max(sd(r), sigma_floor)
 * (z-normalised, except that a window flatter than sigma_floor keeps its
 * small wiggles small instead of blowing them up to unit variance).  The
 * references are every window when the training data has at most K of
 * them, else chunks of consecutive windows (stride ceil(w / c), c windows a
 * chunk, so a chunk covers every phase of one window length) spread evenly
 * over the training rows: a new window is compared with windows of every
 * phase, not only those a sparse sample happened to hit.
 *
 * The distance of a window q is the Euclidean distance between q^ and its
 * nearest reference (an AB-join against the references), and
 *     shape_score = distance / edge,
 * with edge the AN_SHAPE_EDGE_QUANTILE quantile of the references' own
 * nearest-neighbour distances to references that do not overlap them
 * (|start_i - start_j| >= w: out of sample, as a new window overlaps no
 * reference), times AN_SHAPE_EDGE_MARGIN, and at least
 * AN_SHAPE_MIN_EDGE * sqrt(2 w) (a window correlated at 0.995 with a normal
 * one is never a shape anomaly: without the floor a noise-free series would
 * give infinite scores).  So 1 is the edge of normal, as for every score.
 *
 * Windows: a window is usable only if no step between its consecutive rows
 * exceeds AN_SHAPE_MAX_STEP sampling intervals (with an unknown interval,
 * no shape component is fitted).
 *
 * Block (after the tail block, format version 3):
 *   u32 w, u32 k, f64 sigma_floor, f64 edge, u8 source (an_shape_source),
 *   f64 refs[k * w] (normalised, reference after reference)
 */
#ifndef ANOMALY_TS_SHAPE_H
#define ANOMALY_TS_SHAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "core/model_format.h"

#define AN_SHAPE_MIN_WINDOW 4
#define AN_SHAPE_MAX_WINDOW 1024
/* the window of a detected period or of the autocorrelation rule is clamped to these */
#define AN_SHAPE_AUTO_MIN_WINDOW 8
#define AN_SHAPE_AUTO_MAX_WINDOW 256
/*
 * aperiodic data (no seasonal period): the lag of the first cycle, the first
 * local maximum of the autocorrelation after it turns negative that reaches
 * AN_SHAPE_ACF_CYCLE; without one, the first lag whose autocorrelation falls
 * below AN_SHAPE_ACF_LEVEL
 */
#define AN_SHAPE_ACF_CYCLE 0.3
#define AN_SHAPE_ACF_LEVEL 0.5
#define AN_SHAPE_ACF_MAX_POINTS 65536
#define AN_SHAPE_BUDGET 16384
#define AN_SHAPE_ROWS_FACTOR 2
#define AN_SHAPE_MAX_REFS 1024
#define AN_SHAPE_MIN_CHUNKS 4
#define AN_SHAPE_MAX_STEP 2
#define AN_SHAPE_SIGMA_FLOOR 0.1
#define AN_SHAPE_EDGE_QUANTILE 0.99
#define AN_SHAPE_EDGE_MARGIN 1.25
#define AN_SHAPE_MIN_EDGE 0.1

/* where w came from */
typedef enum an_shape_source
{
	AN_SHAPE_FROM_OPTION = 0,
	AN_SHAPE_FROM_PERIOD = 1,
	AN_SHAPE_FROM_ACF = 2
} an_shape_source;

typedef struct an_ts_shape
{
	uint32_t	w;
	uint32_t	k;
	double		sigma_floor;
	double		edge;
	an_shape_source source;
	double	   *refs;			/* k * w, normalised */
	double	   *ref_sq;			/* k: sum of squares of each reference (derived at load) */
} an_ts_shape;

/*
 * The window length for training values v[0..n) in time order: the option
 * (window > 0), else the shortest period (period_samples > 0), else the
 * autocorrelation rule (AN_SHAPE_ACF_CYCLE, AN_SHAPE_ACF_LEVEL, over lags up
 * to a third of the last AN_SHAPE_ACF_MAX_POINTS values and at most
 * AN_SHAPE_AUTO_MAX_WINDOW); 0 if the series is too short for any.
 */
size_t		an_ts_shape_window(const double *v, size_t n, size_t window, double period_samples,
							   an_shape_source *source);

/*
 * The first lag k in [1, maxlag] at which the autocorrelation of the last
 * AN_SHAPE_ACF_MAX_POINTS values of v[0..n) (time order) is below level,
 * into *lag; maxlag (at most their count / 3) when it never gets there; 0
 * when that is 0 or the autocorrelation fails.  false if its scratch
 * cannot be had.
 */
bool		an_ts_acf_first_below(const double *v, size_t n, size_t maxlag, double level, size_t *lag);

/*
 * Fit on the sorted points pts[0..n) with window w and the sampling
 * interval.  AN_OK with *out == NULL when the data cannot support a shape
 * component (too few usable windows, unknown interval).
 */
an_status	an_ts_shape_fit(const an_point *pts, size_t n, size_t w, int64_t interval_us,
							an_shape_source source, an_ts_shape **out);

/*
 * Shared with the Sub-PCA variant (ts_shape_pca.h), so that both see the
 * same windows, normalised the same way, calibrated by the same rule.
 *
 * an_ts_shape_usable_starts: the candidate starts for at most kmax
 * windows (every window when there are no more, else chunks spread evenly,
 * as above), less those spanning a step longer than AN_SHAPE_MAX_STEP
 * sampling intervals, into starts (kmax entries) and *k; *maxabs the
 * largest |value|.  AN_ENOMEM if its n-row scratch cannot be had.
 * Requires n >= w.
 */
an_status	an_ts_shape_usable_starts(const an_point *pts, size_t n, size_t w, int64_t interval_us,
									  size_t kmax, size_t *starts, size_t *k, double *maxabs);
/* mean and population standard deviation of x[0..w) */
void		an_ts_shape_window_stats(const double *x, size_t w, double *mean, double *sd);
/* sigma_floor from the windows' standard deviations sds[0..k) (reordered) */
double		an_ts_shape_floor(double *sds, size_t k, double maxabs);
/* out = (x - mean) / max(sd, floor); returns the sum of squares of out */
double		an_ts_shape_normalise(const double *x, size_t w, double floor, double *out);
/*
 * The edge from the calibration distances d[0..ncal) (reordered, ncal >= 1):
 * AN_SHAPE_EDGE_MARGIN times their AN_SHAPE_EDGE_QUANTILE quantile, at
 * least AN_SHAPE_MIN_EDGE sqrt(2 w).
 */
double		an_ts_shape_edge(double *d, size_t ncal, size_t w);

void		an_ts_shape_write(an_writer *w, const an_ts_shape *s);
/* Read a block (allocates *out, one allocation; free with an_ts_shape_free). */
void		an_ts_shape_read(an_reader *r, an_ts_shape **out);
void		an_ts_shape_free(an_ts_shape *s);

/*
 * Distance of the window q[0..w) to its nearest reference; scratch holds
 * w + k doubles.
 */
double		an_ts_shape_distance(const an_ts_shape *s, const double *q, double *scratch);
/* ", \"shape\": {...}" into buf */
void		an_ts_shape_json(const an_ts_shape *s, char *buf, size_t cap);

#endif
