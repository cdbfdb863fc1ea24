/*
 * robust_stats.h: robust location and scale, and normal quantiles.
 */
#ifndef ANOMALY_ROBUST_STATS_H
#define ANOMALY_ROBUST_STATS_H

#include <stddef.h>

/* 1 / Phi^-1(3/4): makes the MAD a consistent estimator of a normal sigma. */
#define AN_MAD_TO_SIGMA 1.482602218505602
/*
 * Tail-aware spread: sigma is also estimated from the 1st and 99th residual
 * percentiles, (q99 - q50) / z99 per side, and the larger estimate is used.
 * For normal residuals both agree; heavy tails widen the band.
 */
#define AN_TAIL_Z 2.3263478740408408
/*
 * The tail estimate needs at least 5 points beyond each percentile (n >= 500):
 * with fewer, q01 and q99 are the extreme points themselves, and a single
 * outlier in the training data would widen the band until it no longer
 * flags itself or anything like it.
 */
#define AN_TAIL_MIN_POINTS 500
/* sqrt(pi / 2): the same for the mean absolute deviation. */
#define AN_MEANAD_TO_SIGMA 1.2533141373155003

/*
 * A robust sigma for the spread of v around center: 1.4826 * MAD, or when
 * more than half the deviations are zero, 1.2533 * mean absolute deviation,
 * never below floor_abs.
 */
double		an_robust_sigma(const double *v, size_t n, double center, double mad, double floor_abs);

/* Phi^-1(p) for 0 < p < 1, accurate to about 1e-15 relative. */
double		an_normal_quantile(double p);

/* k such that a normal value lies within +-k sigma with probability confidence. */
double		an_confidence_to_k(double confidence);

#endif
