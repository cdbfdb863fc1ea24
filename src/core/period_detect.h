/*
 * period_detect.h: find the seasonal period(s) of a regularly sampled series.
 *
 * Method (see period_detect.c for the reasons behind each step):
 *   1. remove a robust linear trend (slope: the median of x[i + m/2] - x[i]
 *      over m/2, unbiased by the cycles) and clip outliers at median +- 5
 *      MAD, so neither a drift nor an incident dominates the correlation;
 *   2. autocorrelation at every lag by FFT (exact integer lags: no
 *      periodogram bin rounding, a period of 4 is found as 4, not 3);
 *   3. candidates are local maxima of the autocorrelation at lags 2..m/3
 *      (three full cycles at least) that rise at least 0.2 above the lowest
 *      value at a smaller lag and exceed max(0.3, 3.5 / sqrt(m - lag));
 *   4. the smallest candidate lag within 90% of the best one wins, so the
 *      multiples (2p, 3p, ...) of the true period are not taken for it, and
 *      is moved to the top of its own peak (noise makes local maxima on the
 *      flanks of a broad peak; a multiple is another peak, past a trough);
 *   4b. the exact lag is the one among its neighbours (within 5%) whose
 *      per-phase median profile leaves the least absolute deviation; a
 *      "preferred" lag (the caller's calendar periods: an hour, a day, a
 *      week in samples) within 2% of it wins if it scores within 5%, since
 *      noise alone moves the best neighbour by a lag or two;
 *   5. a second period (weekly on hourly data) is looked for among the
 *      multiples of the first, in the autocorrelation of what remains once
 *      the first period's per-phase profile is removed.
 */
#ifndef ANOMALY_PERIOD_DETECT_H
#define ANOMALY_PERIOD_DETECT_H

#include <stddef.h>

#include "core/core.h"

#define AN_MAX_DETECTED_PERIODS 2

typedef struct an_periods
{
	int			count;
	size_t		period[AN_MAX_DETECTED_PERIODS];	/* in samples */
	double		strength[AN_MAX_DETECTED_PERIODS];	/* autocorrelation at that lag */
} an_periods;

/*
 * x[0..m-1]: the series on a regular grid, finite values.  Finds up to
 * max_periods periods (count 0: no seasonality).  x is not modified.
 */
an_status	an_detect_periods(const double *x, size_t m, int max_periods, an_periods *out);

/* The same, preferring the npreferred lags in preferred[] as step 4b says. */
an_status	an_detect_periods_preferring(const double *x, size_t m, int max_periods,
										 const size_t *preferred, int npreferred, an_periods *out);

#endif
