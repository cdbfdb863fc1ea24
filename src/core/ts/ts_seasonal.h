/*
 * ts_seasonal.h: the seasonal / trend model (AN_KIND_TS_SEASONAL).
 *
 * expected(t) = trend(t) + sum over periods j of profile_j[phase_j(t)]
 *
 * phase_j(t) is the bin of ((t - origin_j) mod period_j), with nbins_j bins of
 * period_j / nbins_j microseconds each, rounded to the nearest bin centre:
 * the phase comes from the timestamp, so gaps in the data never shift it and
 * any timestamp (before, inside or long after the training range) has one.
 * The band, with d_low = 0.6745 sigma_low and d_high = 0.6745 sigma_high the
 * residual quartile distances (sigma_* as fitted: df-corrected, at least the
 * tail estimates (q99 - q50) / z99 and (q50 - q01) / z99, and floored):
 *   "threshold" k (default 3), Tukey fences:
 *       [expected - d_low - k (d_low + d_high), expected + d_high + k (d_low + d_high)]
 *   "confidence" c, a normal prediction interval with z = Phi^-1((1 + c) / 2):
 *       [expected - z sigma_low, expected + z sigma_high]
 * The fit is in ts_seasonal_fit.c, the payload layout in ts_seasonal_decode.c.
 */
#ifndef ANOMALY_TS_SEASONAL_H
#define ANOMALY_TS_SEASONAL_H

#include <stdint.h>

#include "core/ts/ts_model.h"

/* Why the model is simpler than asked (ts_model_info's "reason"). */
typedef enum an_ts_reason
{
	AN_TS_REASON_NONE = 0,
	AN_TS_REASON_NO_PERIOD = 1,		/* no period detected */
	AN_TS_REASON_TOO_SHORT = 2,		/* a given period needs at least 2 cycles of data */
	AN_TS_REASON_WEAK = 3,			/* the detected period explained too little */
	AN_TS_REASON_NO_INTERVAL = 4,	/* a single timestamp: no sampling interval */
	AN_TS_REASON_SPARSE = 5			/* too irregular to detect a period */
} an_ts_reason;
#define AN_TS_REASON_MAX 5

typedef struct an_ts_season
{
	int64_t		period_us;
	int64_t		origin_us;		/* a timestamp at the centre of bin 0 */
	uint32_t	nbins;
	bool		given;			/* by the user (else detected) */
	double		strength;		/* autocorrelation at the period (detected) */
	double	   *profile;		/* nbins values, centred on mean 0 */
} an_ts_season;

struct an_ts_seasonal
{
	an_ts_trend trend;			/* NONE, LINEAR or LOCAL */
	double		level;			/* NONE: the level; LINEAR: the level at t_last */
	double		slope_per_s;	/* LINEAR: change per second */
	uint32_t	nknots;			/* LOCAL: piecewise-linear level, flat outside */
	int64_t    *knot_t;
	double	   *knot_v;
	int			nseasons;
	an_ts_season season[AN_TS_MAX_PERIODS];
	bool		tukey;			/* band: Tukey fences with k (else expected +- k sigma, for "confidence") */
	double		sigma_low;
	double		sigma_high;
	double		resid_q25;		/* residual quantiles (the median is 0 by construction) */
	double		resid_q75;
	an_ts_reason reason;
	int64_t		reason_period_us;
};

/*
 * Fit the seasonal model, or decide that the robust level model applies
 * (AN_OK with *model == NULL: the caller fits AN_KIND_TS_LEVEL).  On
 * AN_EINVAL, err holds "message\nhint".
 */
an_status	an_ts_seasonal_fit(an_point *pts, size_t n, const an_ts_options *opt, int64_t interval_us,
							   size_t compact_min_points,
							   uint8_t **model, size_t *len, bool *moved, char *err, size_t errlen);
an_status	an_ts_seasonal_decode(const uint8_t *payload, size_t len, an_ts_model *m);
void		an_ts_seasonal_detect(const an_ts_model *m, int64_t ts, double value, an_ts_detection *out);
an_status	an_ts_seasonal_info_json(const an_ts_model *m, char **json);

/* The parts of the expectation at ts (exposed for the unit tests). */
double		an_ts_seasonal_trend_at(const an_ts_seasonal *s, int64_t t_last, int64_t ts);
double		an_ts_seasonal_season_at(const an_ts_seasonal *s, int64_t ts);

#endif
