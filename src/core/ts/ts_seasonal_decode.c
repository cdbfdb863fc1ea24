/*
 * ts_seasonal_decode.c: reading the seasonal model's payload.
 *
 * Payload, format version 1 (little-endian):
 *   i64 t_first, i64 t_last, u64 n_points, i64 interval_us,
 *   f64 threshold, u8 direction, u8 band (0 normal interval, 1 Tukey fences),
 *   u8 trend (1 none, 2 linear, 3 local),
 *   u8 reason, i64 reason_period_us,
 *   f64 sigma_low, f64 sigma_high, f64 resid_q25, f64 resid_q75,
 *   u8 nseasons (0..4), then per season:
 *     u8 given, i64 period_us, i64 origin_us, u32 nbins, f64 strength, f64 profile[nbins]
 *   trend none:   f64 level
 *   trend linear: f64 level (at t_last), f64 slope_per_second
 *   trend local:  u32 nknots (>= 1), nknots x (i64 t, f64 level), t non-decreasing
 * Format version 2 appends the tail block (an_ts_tail_write), version 3 the
 * shape block after it (ts_shape.h; the tail block then always present),
 * version 4 the discord block after that (ts_discord_model.h), version 5
 * the analog block after that (ts_analog_model.h).
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "core/model_format.h"
#include "core/ts/ts_blocks.h"
#include "core/ts/ts_common.h"
#include "core/ts/ts_seasonal_internal.h"

/* ---- decoding ---- */

an_status
an_ts_seasonal_decode(const uint8_t *payload, size_t len, an_ts_model *m)
{
	an_reader	r;
	an_ts_seasonal hdr;
	uint8_t		dir,
				band,
				trend,
				reason,
				nseasons;
	size_t		mark,
				total;
	char	   *block;

	memset(&hdr, 0, sizeof(hdr));
	an_reader_init(&r, payload, len);
	an_ts_get_span(&r, m);
	m->threshold = an_get_f64_finite(&r);
	dir = an_get_u8(&r);
	band = an_get_u8(&r);
	trend = an_get_u8(&r);
	reason = an_get_u8(&r);
	hdr.reason_period_us = an_get_i64(&r);
	hdr.sigma_low = an_get_f64_finite(&r);
	hdr.sigma_high = an_get_f64_finite(&r);
	hdr.resid_q25 = an_get_f64_finite(&r);
	hdr.resid_q75 = an_get_f64_finite(&r);
	nseasons = an_get_u8(&r);
	if (r.status != AN_OK)
		return r.status;
	if (m->t_first > m->t_last || m->n_points == 0 || m->interval_us < 0 || !(m->threshold > 0) ||
		dir > AN_TS_DOWN || band > 1 || trend < AN_TS_TREND_NONE || trend > AN_TS_TREND_LOCAL ||
		reason > AN_TS_REASON_MAX || hdr.reason_period_us < 0 || !(hdr.sigma_low > 0) ||
		!(hdr.sigma_high > 0) || hdr.resid_q25 > hdr.resid_q75 || nseasons > AN_TS_MAX_PERIODS ||
		(nseasons > 0 && m->interval_us == 0))
		return AN_ECORRUPT;
	m->direction = (an_ts_direction) dir;
	hdr.trend = (an_ts_trend) trend;
	hdr.tukey = band == 1;
	hdr.reason = (an_ts_reason) reason;
	hdr.nseasons = nseasons;

	/* first pass: sizes, so the model is one allocation (freed by an_ts_model_free) */
	mark = r.pos;
	total = sizeof(an_ts_seasonal);
	for (int j = 0; j < nseasons; j++)
	{
		an_ts_season *se = &hdr.season[j];
		uint8_t		given = an_get_u8(&r);

		se->given = given == 1;
		se->period_us = an_get_i64(&r);
		se->origin_us = an_get_i64(&r);
		se->nbins = an_get_u32(&r);
		se->strength = an_get_f64_finite(&r);
		if (r.status != AN_OK)
			return r.status;
		if (given > 1 || se->period_us <= 0 || se->nbins < 2 || se->nbins > MAX_BINS ||
			(uint64_t) se->nbins > (uint64_t) se->period_us ||
			(size_t) se->nbins > an_reader_remaining(&r) / sizeof(double))
			return AN_ECORRUPT;
		total += (size_t) se->nbins * sizeof(double);
		r.pos += (size_t) se->nbins * sizeof(double);
	}
	if (trend == AN_TS_TREND_LOCAL)
	{
		hdr.nknots = an_get_u32(&r);
		if (r.status != AN_OK)
			return r.status;
		if (hdr.nknots == 0 || hdr.nknots > an_reader_remaining(&r) / 16)
			return AN_ECORRUPT;
		total += (size_t) hdr.nknots * (sizeof(int64_t) + sizeof(double));
	}
	r.pos = mark;
	block = an_alloc(total);
	if (block == NULL)
		return AN_ENOMEM;
	{
		an_ts_seasonal *s = (an_ts_seasonal *) block;
		char	   *p = block + sizeof(an_ts_seasonal);

		*s = hdr;
		for (int j = 0; j < nseasons; j++)
		{
			an_ts_season *se = &s->season[j];

			(void) an_get_u8(&r);
			(void) an_get_i64(&r);
			(void) an_get_i64(&r);
			(void) an_get_u32(&r);
			(void) an_get_f64(&r);
			se->profile = (double *) p;
			p += (size_t) se->nbins * sizeof(double);
			for (uint32_t b = 0; b < se->nbins; b++)
				se->profile[b] = an_get_f64_finite(&r);
		}
		if (trend == AN_TS_TREND_LOCAL)
		{
			(void) an_get_u32(&r);
			s->knot_t = (int64_t *) p;
			p += (size_t) s->nknots * sizeof(int64_t);
			s->knot_v = (double *) p;
			for (uint32_t k = 0; k < s->nknots; k++)
			{
				s->knot_t[k] = an_get_i64(&r);
				s->knot_v[k] = an_get_f64_finite(&r);
				if (k > 0 && s->knot_t[k] < s->knot_t[k - 1])
					an_reader_fail(&r, AN_ECORRUPT);
			}
		}
		else
		{
			s->level = an_get_f64_finite(&r);
			if (trend == AN_TS_TREND_LINEAR)
				s->slope_per_s = an_get_f64_finite(&r);
		}
		m->seasonal = s;
		an_ts_get_blocks(&r, m);
	}
	return an_reader_finish(&r);
}

