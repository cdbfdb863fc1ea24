/*
 * ts_seasonal_fit.c: fitting the seasonal / trend model (AN_KIND_TS_SEASONAL).
 *
 * Fit (points sorted by time):
 *   1. periods: the user's (samples times the interval, or durations), else
 *      detected by period_detect.c on a regular grid of the last
 *      GRID_MAX_CELLS sampling intervals (duplicates averaged, empty cells
 *      interpolated linearly; only for detection), preferring a calendar
 *      period (a minute, an hour, a day, a week: a whole number of
 *      intervals) over a neighbouring lag that scores barely better;
 *   2. decomposition, DECOMPOSE_ROUNDS rounds of: trend from the values minus
 *      the seasonal parts, then each period's profile as the per-phase MEDIAN
 *      of what the trend and the other periods leave (so incidents inside
 *      the training data do not bend it), centred on mean 0;
 *   3. trend "auto" decomposes with a constant level, compares none, linear
 *      and local on those profiles and keeps the simplest one unless a more
 *      flexible one shrinks the residual MAD by TREND_GAIN (then decomposes
 *      again with it);
 *   4. a detected period whose autocorrelation is below STRONG_ACF is kept
 *      only if it shrinks the residual MAD of the trend-only model by
 *      PERIOD_GAIN (validation of the candidate);
 *   5. spread: residual quantiles, sigma_high = (q75 - q50) / 0.6745 and
 *      sigma_low = (q50 - q25) / 0.6745 (both equal sigma for normal noise),
 *      each at least the tail estimate (q99 - q50) / 2.3263, resp.
 *      (q50 - q01) / 2.3263 (from 500 points on), so heavy-tailed
 *      residuals widen the band;
 *      a zero half-IQR falls back on 1.2533 times the mean one-sided
 *      deviation, and both have a floor of 1e-9 of the largest |value|;
 *   6. with a false_alarm_rate, the band's edges from the tail of
 *      out-of-sample residuals (ts_seasonal_tail.c).
 * The residual median is folded into the trend so the band is centred.
 *
 * Trends: none (the median level), linear (Theil-Sen slope over the medians
 * of LINEAR_BLOCKS blocks, extrapolated linearly before and after the
 * training range), local (the medians of consecutive blocks of one longest
 * period, at least LOCAL_MIN_BLOCK points, joined linearly and held flat
 * before the first and after the last block: the level at the end of
 * training carries forward).
 *
 * The payload layout is described in ts_seasonal_decode.c.
 */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/model_format.h"
#include "core/period_detect.h"
#include "core/robust_stats.h"
#include "core/sort.h"
#include "core/time_units.h"
#include "core/ts/ts_common.h"
#include "core/ts/ts_seasonal_internal.h"

/* ---- fitting ---- */
static an_status
einval(char *err, size_t errlen, const char *msg, const char *hint, double a, double b)
{
	char		m[256];

	if (err && errlen)
	{
		snprintf(m, sizeof(m), msg, a, b);
		snprintf(err, errlen, "%s\n%s", m, hint);
	}
	return AN_EINVAL;
}

/* Regular grid of the last GRID_MAX_CELLS intervals; detection on it. */
static an_status
detect(const an_point *pts, size_t n, int64_t interval, an_periods *found, bool *sparse)
{
	double		span = ((double) pts[n - 1].ts - (double) pts[0].ts) / (double) interval;
	size_t		m,
				first = 0,
				filled = 0;
	int64_t		t0;
	double	   *sum,
			   *cnt;
	an_status	s;

	*sparse = false;
	memset(found, 0, sizeof(*found));
	m = span + 1 > GRID_MAX_CELLS ? GRID_MAX_CELLS : (size_t) span + 1;
	t0 = pts[n - 1].ts - (int64_t) (m - 1) * interval;
	while (pts[first].ts < t0 - interval / 2)
		first++;
	sum = an_alloc_array(m, sizeof(double));
	cnt = an_alloc_array(m, sizeof(double));
	if (!AN_ALL_ALLOCATED(sum, cnt))
		return AN_ENOMEM;
	memset(sum, 0, m * sizeof(double));
	memset(cnt, 0, m * sizeof(double));
	{
		/*
		 * A point exactly on the grid, at t0 + k interval, is in cell k: the
		 * formula gives exactly k whenever the timestamps, the interval and
		 * the span are below 2^53 (exact as doubles, so is k interval, and
		 * so is the quotient; nor can t0 + (k + 1) interval overflow).
		 * Sampling is usually regular, so the cell of a point is mostly the
		 * last one or the next: no division.
		 */
		const int64_t exact = (int64_t) 1 << 53;
		bool		on_grid = pts[first].ts > -exact && pts[n - 1].ts < exact && t0 > -exact &&
			interval < exact && pts[n - 1].ts - t0 < exact;
		size_t		k = 0;

		for (size_t i = first; i < n; i++)
		{
			int64_t		ts = pts[i].ts;
			size_t		cell;

			if (on_grid && ts == t0 + (int64_t) k * interval)
				cell = k;
			else if (on_grid && ts == t0 + (int64_t) (k + 1) * interval)
				cell = ++k;
			else
			{
				double		pos = floor(((double) ts - (double) t0) / (double) interval + 0.5);

				cell = pos < 0 ? 0 : (pos >= (double) m ? m - 1 : (size_t) pos);
				if (on_grid && ts == t0 + (int64_t) cell * interval)
					k = cell;
			}
			sum[cell] += pts[i].value;
			cnt[cell] += 1;
		}
	}
	for (size_t i = 0; i < m; i++)
		if (cnt[i] > 0)
		{
			if (cnt[i] > 1)		/* x / 1 is x */
				sum[i] /= cnt[i];
			filled++;
		}
	if ((double) filled < MIN_GRID_FILL * (double) m)
	{
		*sparse = true;
		an_free(sum);
		an_free(cnt);
		return AN_OK;
	}
	/* linear interpolation over empty cells (cnt doubles as a marker) */
	{
		size_t		prev = m;

		for (size_t i = 0; i < m; i++)
		{
			if (cnt[i] == 0)
				continue;
			if (prev == m)
				for (size_t k = 0; k < i; k++)
					sum[k] = sum[i];
			else
				for (size_t k = prev + 1; k < i; k++)
					sum[k] = sum[prev] + (sum[i] - sum[prev]) * (double) (k - prev) / (double) (i - prev);
			prev = i;
		}
		for (size_t k = prev + 1; k < m; k++)
			sum[k] = sum[prev];
	}
	an_free(cnt);
	/* calendar periods that are a whole number of intervals: preferred over a neighbouring lag */
	{
		static const int64_t calendar_us[] = {AN_USECS_PER_MINUTE, AN_USECS_PER_HOUR, AN_USECS_PER_DAY,
		AN_USECS_PER_WEEK};
		size_t		preferred[sizeof(calendar_us) / sizeof(calendar_us[0])];
		int			npreferred = 0;

		for (int i = 0; i < (int) (sizeof(calendar_us) / sizeof(calendar_us[0])); i++)
			if (calendar_us[i] % interval == 0)
				preferred[npreferred++] = (size_t) (calendar_us[i] / interval);
		s = an_detect_periods_preferring(sum, m, AN_MAX_DETECTED_PERIODS, preferred, npreferred, found);
	}
	an_free(sum);
	return s;
}

static void
write_model(an_writer *w, const fit_ctx *c, size_t n, int64_t interval, const an_ts_options *opt,
			const an_ts_tail *tail)
{
	const an_ts_seasonal *s = &c->s;

	an_ts_put_span(w, c->t_first, c->t_last, (uint64_t) n, interval);
	an_put_f64(w, opt->confidence > 0 ? an_confidence_to_k(opt->confidence) : opt->threshold);
	an_put_u8(w, (uint8_t) opt->direction);
	an_put_u8(w, opt->confidence > 0 ? 0 : 1);
	an_put_u8(w, (uint8_t) s->trend);
	an_put_u8(w, (uint8_t) s->reason);
	an_put_i64(w, s->reason_period_us);
	an_put_f64(w, s->sigma_low);
	an_put_f64(w, s->sigma_high);
	an_put_f64(w, s->resid_q25);
	an_put_f64(w, s->resid_q75);
	an_put_u8(w, (uint8_t) s->nseasons);
	for (int j = 0; j < s->nseasons; j++)
	{
		an_put_u8(w, s->season[j].given ? 1 : 0);
		an_put_i64(w, s->season[j].period_us);
		an_put_i64(w, s->season[j].origin_us);
		an_put_u32(w, s->season[j].nbins);
		an_put_f64(w, s->season[j].strength);
		an_put_f64_array(w, s->season[j].profile, s->season[j].nbins);
	}
	if (s->trend == AN_TS_TREND_LOCAL)
	{
		an_put_u32(w, s->nknots);
		for (uint32_t k = 0; k < s->nknots; k++)
		{
			an_put_i64(w, s->knot_t[k]);
			an_put_f64(w, s->knot_v[k]);
		}
	}
	else
	{
		an_put_f64(w, s->level);
		if (s->trend == AN_TS_TREND_LINEAR)
			an_put_f64(w, s->slope_per_s);
	}
	an_ts_tail_write(w, tail);
}

/* Spread from the residual quantiles; folds the residual median into the trend. */
static void
fit_spread(fit_ctx *c, double floor_abs)
{
	size_t		n = c->n;
	double	   *r = c->scratch,
				q25,
				q50,
				q75,
				up = 0,
				down = 0;

	residuals_into(c, r);
	/*
	 * Each selection narrows the next: once r[h] holds the h-th smallest,
	 * r[0..h] are the h + 1 smallest, so a lower quantile is selected among
	 * them alone (and an upper one among r[h..n-1]).
	 */
	an_select_fast(r, n, n / 2);
	q50 = r[n / 2];
	an_select_fast(r, n / 2 + 1, n / 4);
	q25 = r[n / 4];
	an_select_fast(r + n / 2, n - n / 2, (3 * n) / 4 - n / 2);
	q75 = r[(3 * n) / 4];
	c->s.sigma_high = (q75 - q50) / QUARTILE_Z;
	c->s.sigma_low = (q50 - q25) / QUARTILE_Z;
	/* in-sample residuals understate the spread by the parameters fitted: degrees of freedom */
	{
		double		params = c->s.trend == AN_TS_TREND_LOCAL ? c->s.nknots : (c->s.trend == AN_TS_TREND_LINEAR ? 2 : 1),
					inflate;

		for (int j = 0; j < c->s.nseasons; j++)
			params += c->s.season[j].nbins;
		inflate = (double) n > 2 * params ? sqrt((double) n / ((double) n - params)) : sqrt(2.0);
		c->s.sigma_high *= inflate;
		c->s.sigma_low *= inflate;
	}
	/* tail-aware: heavy-tailed residuals (the usual case) widen the band, see AN_TAIL_Z */
	if (n >= AN_TAIL_MIN_POINTS)
	{
		double		q01,
					q99;

		an_select_fast(r, n / 4 + 1, n / 100);
		q01 = r[n / 100];
		an_select_fast(r + (3 * n) / 4, n - (3 * n) / 4, (99 * n) / 100 - (3 * n) / 4);
		q99 = r[(99 * n) / 100];
		c->s.sigma_high = fmax(c->s.sigma_high, (q99 - q50) / AN_TAIL_Z);
		c->s.sigma_low = fmax(c->s.sigma_low, (q50 - q01) / AN_TAIL_Z);
	}
	if (c->s.sigma_high == 0 || c->s.sigma_low == 0)
	{
		/* in time order again, so the sums do not depend on how the selections left r */
		residuals_into(c, r);
		AN_FOR_CHECKED(i, n)
		{
			if (r[i] > q50)
				up += r[i] - q50;
			else
				down += q50 - r[i];
		}
		if (c->s.sigma_high == 0)
			c->s.sigma_high = AN_MEANAD_TO_SIGMA * 2 * up / (double) n;
		if (c->s.sigma_low == 0)
			c->s.sigma_low = AN_MEANAD_TO_SIGMA * 2 * down / (double) n;
	}
	if (!(c->s.sigma_high >= floor_abs))
		c->s.sigma_high = floor_abs;
	if (!(c->s.sigma_low >= floor_abs))
		c->s.sigma_low = floor_abs;
	c->s.resid_q25 = q25 - q50;
	c->s.resid_q75 = q75 - q50;
	c->s.level += q50;
	for (uint32_t k = 0; k < c->s.nknots; k++)
		c->s.knot_v[k] += q50;
}

void
an_ts_fit_ctx_free_fitted(fit_ctx *c)
{
	an_free(c->s.knot_t);
	an_free(c->s.knot_v);
	for (int j = 0; j < AN_TS_MAX_PERIODS; j++)
	{
		an_free(c->s.season[j].profile);
		an_free(c->bins[j]);
	}
}

/*
 * The phase bin of every point into bins[0..n).  The points are sorted, so
 * the phase offset r advances by the (usually small) step between them: the
 * same integers as phase_offset, without its three 64-bit divisions a point.
 * When the bin width is a whole number B of microseconds, an offset r = q B
 * is exactly in bin q (r / B is then exact, as a double too, below 2^53):
 * q and r mod B advance with r, by additions, and only offsets off that
 * grid need offset_bin's division.
 */
void
an_ts_phase_bins(const an_ts_season *se, const an_point *pts, size_t n, uint32_t *bins)
{
	int64_t		width = se->period_us % se->nbins == 0 && se->period_us < ((int64_t) 1 << 53) ?
		se->period_us / se->nbins : 0;
	int64_t		r = phase_offset(se, pts[0].ts),
				q = width ? r / width : 0,
				rem = width ? r % width : 1,	/* never 0 without a whole width */
				last_step = -1,
				step_q = 0,
				step_rem = 0;

	AN_FOR_CHECKED(i, n)
	{
		/* >= 0 (sorted), and exact in uint64 even across the whole timestamp range */
		uint64_t	step = i ? (uint64_t) pts[i].ts - (uint64_t) pts[i - 1].ts : 0;

		if (i > 0 && step >= (uint64_t) (se->period_us - r))
		{
			r = phase_offset(se, pts[i].ts);
			if (width)
			{
				q = r / width;
				rem = r % width;
			}
		}
		else if (i > 0)
		{
			r += (int64_t) step;
			if (width)
			{
				if ((int64_t) step != last_step)
				{
					last_step = (int64_t) step;
					step_q = last_step / width;
					step_rem = last_step % width;
				}
				q += step_q;
				rem += step_rem;
				if (rem >= width)
				{
					rem -= width;
					q++;
				}
			}
		}
		bins[i] = rem == 0 ? (uint32_t) q : offset_bin(se, r);
	}
}

/*
 * Regularly spaced points, without gaps or duplicates: point i at
 * pts[0].ts + i * step (*step > 0).
 */
static bool
evenly_spaced(const an_point *pts, size_t n, int64_t *step)
{
	if (n < 2)
		return false;
	*step = pts[1].ts - pts[0].ts;
	for (size_t i = 2; i < n; i++)
		if (pts[i].ts - pts[i - 1].ts != *step)
			return false;
	return *step > 0;
}

an_status
an_ts_seasonal_fit(an_point *pts, size_t n, const an_ts_options *opt, int64_t interval,
				   size_t compact_min_points,
				   uint8_t **model, size_t *len, bool *moved, char *err, size_t errlen)
{
	fit_ctx		c;
	bool		explicit_seasonal = opt->method == AN_TS_METHOD_SEASONAL;
	bool		level_ok = opt->method == AN_TS_METHOD_AUTO &&
		(opt->trend == AN_TS_TREND_AUTO || opt->trend == AN_TS_TREND_NONE);
	int64_t		span = pts[n - 1].ts - pts[0].ts;
	size_t		maxbins = 0,
				longest = 0;
	double		maxabs = 0,
				scale;
	an_status	st = AN_OK;
	an_writer	w;
	an_ts_tail	tail;
	bool		any_detected = false,
				compact = false;

	*model = NULL;
	*moved = false;
	memset(&c, 0, sizeof(c));
	c.pts = pts;
	c.n = n;
	c.t_first = pts[0].ts;
	c.t_last = pts[n - 1].ts;

	/* 1. periods */
	if (opt->nperiods > 0)
	{
		if (interval <= 0)
			return einval(err, errlen, "cannot fit a seasonal model on a single timestamp",
						  "Give more than one distinct timestamp, or the option \"interval\".", 0, 0);
		for (int j = 0; j < opt->nperiods; j++)
		{
			double		p_us = opt->period_us[j] > 0 ? (double) opt->period_us[j] : opt->period_samples[j] * (double) interval;
			double		bins = p_us / (double) interval;
			char		d[64];

			if (!(p_us < 9e18))
				return einval(err, errlen, "period is too long", "Give a shorter period.", 0, 0);
			an_format_duration((int64_t) p_us, d, sizeof(d));
			if (llround(bins) < 2)
			{
				char		m[200];

				snprintf(m, sizeof(m), "period %s is shorter than two sampling intervals", d);
				return einval(err, errlen, m, "A period needs at least 2 samples; check \"period\" and \"interval\".", 0, 0);
			}
			if ((double) span + (double) interval < 2 * p_us || llround(bins) > MAX_BINS ||
				(size_t) llround(bins) > n / 2)
			{
				if (explicit_seasonal)
				{
					char		m[256];

					snprintf(m, sizeof(m), "the data cover too little time for period %s", d);
					snprintf(err, errlen, "%s\nA seasonal model needs at least 2 full periods of data (%.17g points at this interval, %llu given); "
							 "fit on more data, give a shorter period, or use \"method\": \"auto\" to fall back to a non-seasonal model.",
							 m, 2 * bins, (unsigned long long) n);
					return AN_EINVAL;
				}
				c.s.reason = AN_TS_REASON_TOO_SHORT;
				c.s.reason_period_us = (int64_t) p_us;
				continue;
			}
			c.s.season[c.s.nseasons].period_us = (int64_t) llround(p_us);
			c.s.season[c.s.nseasons].nbins = (uint32_t) llround(bins);
			c.s.season[c.s.nseasons].given = true;
			c.s.nseasons++;
		}
		level_ok = false;		/* say why in ts_model_info when a given period was dropped */
	}
	else if (!opt->period_none)
	{
		an_periods	found;
		bool		sparse;

		if (interval <= 0)
			c.s.reason = AN_TS_REASON_NO_INTERVAL;
		else
		{
			if ((st = detect(pts, n, interval, &found, &sparse)) != AN_OK)
				return st;
			c.s.reason = sparse ? AN_TS_REASON_SPARSE : (found.count == 0 ? AN_TS_REASON_NO_PERIOD : AN_TS_REASON_NONE);
			for (int j = 0; j < found.count; j++)
			{
				c.s.season[j].period_us = (int64_t) found.period[j] * interval;
				c.s.season[j].nbins = (uint32_t) found.period[j];
				c.s.season[j].strength = found.strength[j];
				c.s.nseasons++;
				/* a strong autocorrelation at the period validates it already */
				if (found.strength[j] < STRONG_ACF)
					any_detected = true;
			}
		}
	}
	if (c.s.nseasons == 0 && level_ok)
		return AN_OK;			/* the robust level model */

	/* 2. allocate */
	for (int j = 0; j < c.s.nseasons; j++)
	{
		c.s.season[j].origin_us = pts[0].ts;
		if (c.s.season[j].nbins > maxbins)
			maxbins = c.s.season[j].nbins;
		if ((size_t) llround((double) c.s.season[j].period_us / (double) (interval > 0 ? interval : 1)) > longest)
			longest = (size_t) llround((double) c.s.season[j].period_us / (double) (interval > 0 ? interval : 1));
	}
	c.local_block = longest > LOCAL_MIN_BLOCK ? longest : LOCAL_MIN_BLOCK;
	if (c.local_block < (n + MAX_KNOTS - 1) / MAX_KNOTS)
		c.local_block = (n + MAX_KNOTS - 1) / MAX_KNOTS;
	/* a long regular series is fitted inside pts, with no scratch of its own (compact_min_points, see an_ts_fit_tuning) */
	compact = n >= compact_min_points && evenly_spaced(pts, n, &c.step);
	if (!compact)
		c.scratch = an_alloc_array(n, sizeof(double));
	c.offsets = an_alloc_array(maxbins + 1, sizeof(size_t));
	c.s.knot_t = an_alloc_array(n / c.local_block + 2, sizeof(int64_t));
	c.s.knot_v = an_alloc_array(n / c.local_block + 2, sizeof(double));
	if ((c.scratch == NULL && !compact) || c.offsets == NULL || c.s.knot_t == NULL || c.s.knot_v == NULL)
	{
		st = AN_ENOMEM;
		goto done;
	}
	for (int j = 0; j < c.s.nseasons; j++)
	{
		if ((c.s.season[j].profile = an_alloc_array(c.s.season[j].nbins, sizeof(double))) == NULL)
		{
			st = AN_ENOMEM;
			goto done;
		}
		if (n <= PRECOMPUTE_BINS_MAX && (c.bins[j] = an_alloc_array(n, sizeof(uint32_t))) != NULL)
			an_ts_phase_bins(&c.s.season[j], pts, n, c.bins[j]);
	}
	AN_FOR_CHECKED(i, n)
		if (fabs(pts[i].value) > maxabs)
			maxabs = fabs(pts[i].value);
	if (compact)
	{
		/* from here on points are read through point_ts and point_value */
		an_points_to_values(pts, n);
		*moved = true;			/* for the level model, should the period be rejected */
		c.values = (const double *) pts;
		c.scratch = (double *) pts + n;
	}

	/* 3. validate detected periods against the trend-only model */
	if (any_detected)
	{
		int			ns = c.s.nseasons;
		double		without;

		c.s.nseasons = 0;
		an_ts_seasonal_choose_trend(&c, opt->trend, &without);
		c.s.nseasons = ns;
		an_ts_seasonal_choose_trend(&c, opt->trend, &scale);
		if (!(scale < PERIOD_GAIN * without))
		{
			c.s.nseasons = 0;
			c.s.reason = AN_TS_REASON_WEAK;
			c.s.reason_period_us = c.s.season[0].period_us;
			if (level_ok)
				goto done;		/* *model stays NULL: the robust level model */
			an_ts_seasonal_choose_trend(&c, opt->trend, &scale);
		}
	}
	else
		an_ts_seasonal_choose_trend(&c, opt->trend, &scale);

	/* 4. spread, then write */
	fit_spread(&c, an_ts_sigma_floor(maxabs));
	if (!isfinite(c.s.sigma_low) || !isfinite(c.s.sigma_high) || !isfinite(c.s.level) ||
		!isfinite(c.s.slope_per_s))
	{
		st = AN_ENONFINITE;
		goto done;
	}
	for (uint32_t k = 0; k < (c.s.trend == AN_TS_TREND_LOCAL ? c.s.nknots : 0); k++)
		if (!isfinite(c.s.knot_v[k]))
			st = AN_ENONFINITE;
	for (int j = 0; j < c.s.nseasons; j++)
		for (uint32_t b = 0; b < c.s.season[j].nbins; b++)
			if (!isfinite(c.s.season[j].profile[b]))
				st = AN_ENONFINITE;
	if (st != AN_OK)
		goto done;
	/* 5. the band from the residuals' tail */
	memset(&tail, 0, sizeof(tail));
	if (an_ts_tail_rate(opt) > 0 &&
		(st = an_ts_seasonal_tail(&c, opt, an_ts_sigma_floor(maxabs), &tail)) != AN_OK)
		goto done;
	an_writer_init(&w);
	write_model(&w, &c, n, interval, opt, &tail);
	st = an_writer_finish_version(&w, AN_KIND_TS_SEASONAL, an_ts_tail_format_version(&tail), model, len);
done:
	if (c.values == NULL)
		an_free(c.scratch);
	an_free(c.offsets);
	an_ts_fit_ctx_free_fitted(&c);
	return st;
}

