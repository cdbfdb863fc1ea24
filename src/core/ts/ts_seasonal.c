/*
 * ts_seasonal.c: the seasonal / trend model (AN_KIND_TS_SEASONAL), evaluation.
 *
 * The model is split by concern:
 *   ts_seasonal.c            evaluating the expectation and the band at a timestamp
 *   ts_seasonal_fit.c        the fit (period choice, spread) and writing the payload
 *   ts_seasonal_decompose.c  the trend / seasonal-profile decomposition
 *   ts_seasonal_decode.c     reading and validating the payload
 *   ts_seasonal_info.c       ts_model_info's JSON
 */
#include "core/ts/ts_seasonal.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/ts/ts_common.h"
#include "core/ts/ts_seasonal_internal.h"

/* ---- evaluation ---- */
double
an_ts_seasonal_season_at(const an_ts_seasonal *s, int64_t ts)
{
	double		sum = 0;

	for (int j = 0; j < s->nseasons; j++)
		sum += s->season[j].profile[phase_bin(&s->season[j], ts)];
	return sum;
}

double
an_ts_seasonal_trend_at(const an_ts_seasonal *s, int64_t t_last, int64_t ts)
{
	size_t		lo,
				hi;

	switch (s->trend)
	{
		case AN_TS_TREND_LINEAR:
			return s->level + s->slope_per_s * (((double) ts - (double) t_last) / 1e6);
		case AN_TS_TREND_LOCAL:
			if (ts <= s->knot_t[0])
				return s->knot_v[0];
			if (ts >= s->knot_t[s->nknots - 1])
				return s->knot_v[s->nknots - 1];
			/* knot_t[lo] < ts < knot_t[hi] */
			lo = 0;
			hi = s->nknots - 1;
			while (hi - lo > 1)
			{
				size_t		mid = lo + (hi - lo) / 2;

				if (s->knot_t[mid] <= ts)
					lo = mid;
				else
					hi = mid;
			}
			if (s->knot_t[hi] == s->knot_t[lo])
				return s->knot_v[hi];
			return s->knot_v[lo] + (s->knot_v[hi] - s->knot_v[lo]) *
				(((double) ts - (double) s->knot_t[lo]) / ((double) s->knot_t[hi] - (double) s->knot_t[lo]));
		default:
			return s->level;
	}
}

void
an_ts_seasonal_detect(const an_ts_model *m, int64_t ts, double value, an_ts_detection *out)
{
	const an_ts_seasonal *s = m->seasonal;
	double		level = an_ts_seasonal_trend_at(s, m->t_last, ts),
				seasonal = an_ts_seasonal_season_at(s, ts);

	if (m->tail.status == AN_TAIL_FITTED)
		an_ts_band(level + seasonal, m->tail.low.edge, m->tail.high.edge, 1.0, m->direction, value, out);
	else if (s->tukey)
	{
		double		dl = QUARTILE_Z * s->sigma_low,
					dh = QUARTILE_Z * s->sigma_high,
					iqr = dl + dh;

		an_ts_band(level + seasonal, dl + m->threshold * iqr, dh + m->threshold * iqr, 1.0,
				   m->direction, value, out);
	}
	else
		an_ts_band(level + seasonal, s->sigma_low, s->sigma_high, m->threshold, m->direction, value, out);
	out->level = level;
	out->seasonal = seasonal;
}

