/*
 * ts_seasonal_info.c: ts_model_info's JSON for the seasonal model.
 */
#include <stdio.h>
#include <string.h>

#include "core/time_units.h"
#include "core/ts/ts_common.h"
#include "core/ts/ts_options.h"
#include "core/ts/ts_seasonal_internal.h"

/* ---- ts_model_info ---- */

static const char *
reason_text(an_ts_reason r)
{
	switch (r)
	{
		case AN_TS_REASON_NONE:
			return NULL;
		case AN_TS_REASON_NO_PERIOD:
			return "no seasonal period was detected";
		case AN_TS_REASON_TOO_SHORT:
			return "the data cover fewer than 2 cycles of the requested period, so it was not used";
		case AN_TS_REASON_WEAK:
			return "the detected period reduced the residual spread by less than 10%, so it was not used";
		case AN_TS_REASON_NO_INTERVAL:
			return "a single timestamp has no sampling interval, so no period can be fitted";
		case AN_TS_REASON_SPARSE:
			return "the timestamps are too irregular (under half the sampling grid filled) to detect a period";
	}
	return NULL;
}

an_status
an_ts_seasonal_info_json(const an_ts_model *m, char **json)
{
	const an_ts_seasonal *s = m->seasonal;
	size_t		cap = 4096,
				n = 0;
	char	   *buf = an_alloc(cap);
	char		first[40],
				last[40],
				num[2][AN_JSON_NUMBER_LEN];
	double		level_end = an_ts_seasonal_trend_at(s, m->t_last, m->t_last);
	const char *why = reason_text(s->reason);

	if (buf == NULL)
		return AN_ENOMEM;
	an_format_timestamp(m->t_first, first, sizeof(first));
	an_format_timestamp(m->t_last, last, sizeof(last));
#define APPEND(...) (n += (size_t) snprintf(buf + n, n < cap ? cap - n : 0, __VA_ARGS__))
	APPEND("{\"kind\": \"ts_seasonal\", \"format_version\": %d, \"method\": \"%s\", "
		   "\"points\": %llu, \"train_start\": \"%s\", \"train_end\": \"%s\", \"interval_seconds\": %.17g, ",
		   m->format_version, s->nseasons ? "seasonal" : "trend", (unsigned long long) m->n_points,
		   first, last, (double) m->interval_us / 1e6);
	APPEND("\"period\": ");
	if (s->nseasons)
		APPEND("%.17g", (double) s->season[0].period_us / 1e6);
	else
		APPEND("null");
	APPEND(", \"periods\": [");
	for (int j = 0; j < s->nseasons; j++)
	{
		const an_ts_season *se = &s->season[j];
		double		lo = se->profile[0],
					hi = se->profile[0];

		for (uint32_t b = 1; b < se->nbins; b++)
		{
			lo = fmin(lo, se->profile[b]);
			hi = fmax(hi, se->profile[b]);
		}
		APPEND("%s{\"seconds\": %.17g, \"samples\": %u, \"source\": \"%s\", ", j ? ", " : "",
			   (double) se->period_us / 1e6, se->nbins, se->given ? "given" : "detected");
		if (se->given)
			APPEND("\"autocorrelation\": null, ");
		else
			APPEND("\"autocorrelation\": %.6g, ", se->strength);
		APPEND("\"amplitude\": %s}", an_json_number(hi - lo, num[0]));
	}
	APPEND("], \"trend\": \"%s\", \"level_at_end\": %s, ", an_ts_trend_name(s->trend),
		   an_json_number(level_end, num[0]));
	if (s->trend == AN_TS_TREND_LINEAR)
		APPEND("\"slope_per_day\": %s, ", an_json_number(s->slope_per_s * 86400.0, num[0]));
	if (s->trend == AN_TS_TREND_LOCAL)
		APPEND("\"trend_knots\": %u, ", s->nknots);
	{
		/* the band's half-widths below and above the expected value (before "direction") */
		double		dl = QUARTILE_Z * s->sigma_low,
					dh = QUARTILE_Z * s->sigma_high;

		if (m->tail.status == AN_TAIL_FITTED)
			APPEND("\"band\": \"tail\", \"band_below\": %s, \"band_above\": %s, ",
				   an_json_number(m->tail.low.edge, num[0]), an_json_number(m->tail.high.edge, num[1]));
		else
			APPEND("\"band\": \"%s\", \"band_below\": %s, \"band_above\": %s, ",
				   s->tukey ? "tukey" : "normal",
				   an_json_number(s->tukey ? dl + m->threshold * (dl + dh) : m->threshold * s->sigma_low, num[0]),
				   an_json_number(s->tukey ? dh + m->threshold * (dl + dh) : m->threshold * s->sigma_high, num[1]));
	}
	APPEND("\"sigma_low\": %.17g, \"sigma_high\": %.17g, \"residual_q25\": %.17g, \"residual_q75\": %.17g, "
		   "\"threshold\": %.17g, \"direction\": \"%s\", ",
		   s->sigma_low, s->sigma_high, s->resid_q25, s->resid_q75, m->threshold, an_ts_direction_name(m->direction));
	if (why)
	{
		APPEND("\"reason\": \"%s", why);
		if (s->reason_period_us > 0)
		{
			char		d[64];

			an_format_duration(s->reason_period_us, d, sizeof(d));
			APPEND(" (period %s)", d);
		}
		APPEND("\"");
	}
	else
		APPEND("\"reason\": null");
	if (m->format_version >= 2)
	{
		char		tail[1024];

		an_ts_tail_json(&m->tail, tail, sizeof(tail));
		APPEND("%s", tail);
	}
	APPEND("}");
#undef APPEND
	if (n >= cap)
	{
		an_free(buf);
		return AN_ENOMEM;		/* cannot happen: at most 4 periods */
	}
	*json = buf;
	return AN_OK;
}
