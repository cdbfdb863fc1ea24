/*
 * ts_seasonal.c: the seasonal / trend model (AN_KIND_TS_SEASONAL).
 *
 * Fit (points sorted by time):
 *   1. periods: the user's (samples times the interval, or durations), else
 *      detected by period_detect.c on a regular grid of the last
 *      GRID_MAX_CELLS sampling intervals (duplicates averaged, empty cells
 *      interpolated linearly; only for detection);
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
 *      sigma_low = (q50 - q25) / 0.6745 (both equal sigma for normal noise);
 *      a zero half-IQR falls back on 1.2533 times the mean one-sided
 *      deviation, and both have a floor of 1e-9 of the largest |value|.
 * The residual median is folded into the trend so the band is centred.
 *
 * Trends: none (the median level), linear (Theil-Sen slope over the medians
 * of LINEAR_BLOCKS blocks, extrapolated linearly before and after the
 * training range), local (the medians of consecutive blocks of one longest
 * period, at least LOCAL_MIN_BLOCK points, joined linearly and held flat
 * before the first and after the last block: the level at the end of
 * training carries forward).
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
 */
#include "core/ts_seasonal.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/model_format.h"
#include "core/period_detect.h"
#include "core/robust_stats.h"

#define GRID_MAX_CELLS 131072
#define MIN_GRID_FILL 0.5
#define DECOMPOSE_ROUNDS 2
#define TREND_GAIN 0.9
#define PERIOD_GAIN 0.9
#define STRONG_ACF 0.6
#define LINEAR_BLOCKS 64
#define LOCAL_MIN_BLOCK 24
#define MAX_KNOTS 4096
#define MAX_BINS (1u << 22)
#define RELATIVE_SIGMA_FLOOR 1e-9
#define QUARTILE_Z 0.6744897501960817

/* ---- evaluation ---- */

static uint32_t
phase_bin(const an_ts_season *s, int64_t ts)
{
	/* (ts - origin) mod period, in [0, period), without overflow */
	int64_t		r = (ts % s->period_us) - (s->origin_us % s->period_us);
	double		bin_us = (double) s->period_us / (double) s->nbins;
	uint32_t	b;

	r %= s->period_us;
	if (r < 0)
		r += s->period_us;
	b = (uint32_t) floor((double) r / bin_us + 0.5);
	return b >= s->nbins ? b - s->nbins : b;
}

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
	const an_ts_seasonal *s = m->detail;
	double		level = an_ts_seasonal_trend_at(s, m->t_last, ts),
				seasonal = an_ts_seasonal_season_at(s, ts);

	if (s->tukey)
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

/* ---- fitting ---- */

typedef struct fit_ctx
{
	const an_point *pts;
	size_t		n;
	int64_t		t_last;
	double	   *scratch;		/* n doubles */
	size_t	   *offsets;		/* largest nbins + 1 */
	uint32_t   *bins_scratch;	/* unused when NULL */
	an_ts_seasonal s;			/* being fitted; profiles and knots owned here */
	uint32_t   *bins[AN_TS_MAX_PERIODS];	/* phase bin of each point, or NULL: computed each time */
	size_t		local_block;
} fit_ctx;

/* Precompute phase bins up to this many points (4 bytes a point a period); beyond, recompute. */
#define PRECOMPUTE_BINS_MAX 2000000

static inline uint32_t
bin_of(const fit_ctx *c, int j, size_t i)
{
	return c->bins[j] ? c->bins[j][i] : phase_bin(&c->s.season[j], c->pts[i].ts);
}

/* value minus the seasonal parts except season `skip` (-1: all) */
static double
deseason(const fit_ctx *c, size_t i, int skip)
{
	double		v = c->pts[i].value;

	for (int j = 0; j < c->s.nseasons; j++)
		if (j != skip)
			v -= c->s.season[j].profile[bin_of(c, j, i)];
	return v;
}

static void
fit_trend(fit_ctx *c, an_ts_trend trend)
{
	size_t		n = c->n;
	double	   *y = c->scratch;

	c->s.trend = trend;
	if (trend == AN_TS_TREND_NONE)
	{
		for (size_t i = 0; i < n; i++)
			y[i] = deseason(c, i, -1);
		c->s.level = an_median_inplace(y, n);
		return;
	}
	if (trend == AN_TS_TREND_LINEAR)
	{
		size_t		nb = n < LINEAR_BLOCKS ? n : LINEAR_BLOCKS;
		double		bt[LINEAR_BLOCKS],
					bv[LINEAR_BLOCKS],
					slopes[LINEAR_BLOCKS * (LINEAR_BLOCKS - 1) / 2];
		size_t		ns = 0;

		for (size_t b = 0; b < nb; b++)
		{
			size_t		lo = b * n / nb,
						hi = (b + 1) * n / nb;

			for (size_t i = lo; i < hi; i++)
				y[i - lo] = deseason(c, i, -1);
			bv[b] = an_median_inplace(y, hi - lo);
			bt[b] = ((double) c->pts[lo].ts + (double) c->pts[hi - 1].ts) / 2e6;
		}
		for (size_t a = 0; a < nb; a++)
			for (size_t b = a + 1; b < nb; b++)
				if (bt[b] > bt[a])
					slopes[ns++] = (bv[b] - bv[a]) / (bt[b] - bt[a]);
		c->s.slope_per_s = ns ? an_median_inplace(slopes, ns) : 0;
		for (size_t i = 0; i < n; i++)
			y[i] = deseason(c, i, -1) - c->s.slope_per_s * (((double) c->pts[i].ts - (double) c->t_last) / 1e6);
		c->s.level = an_median_inplace(y, n);
		return;
	}
	/* local: block medians */
	{
		size_t		L = c->local_block,
					k = 0;

		for (size_t lo = 0; lo < n; lo += L)
		{
			size_t		hi = lo + L <= n ? lo + L : n;

			/* a short last block joins the one before */
			if (n - hi < L / 2)
				hi = n;
			for (size_t i = lo; i < hi; i++)
				y[i - lo] = deseason(c, i, -1);
			c->s.knot_v[k] = an_median_inplace(y, hi - lo);
			c->s.knot_t[k] = c->pts[lo].ts / 2 + c->pts[hi - 1].ts / 2;
			k++;
			if (hi == n)
				break;
		}
		c->s.nknots = (uint32_t) k;
	}
}

/* Per-phase median profile of season j, centred on mean 0. */
static void
fit_profile(fit_ctx *c, int j)
{
	an_ts_season *se = &c->s.season[j];
	size_t	   *off = c->offsets;
	uint32_t	nb = se->nbins;
	double		mean = 0;
	size_t		filled = 0;

	memset(off, 0, (nb + 1) * sizeof(size_t));
	for (size_t i = 0; i < c->n; i++)
		off[bin_of(c, j, i) + 1]++;
	for (uint32_t b = 0; b < nb; b++)
		off[b + 1] += off[b];
	/* scatter residuals; off[b] advances to the start of bin b + 1 */
	for (size_t i = 0; i < c->n; i++)
	{
		uint32_t	b = bin_of(c, j, i);

		c->scratch[off[b]++] = deseason(c, i, j) -
			an_ts_seasonal_trend_at(&c->s, c->t_last, c->pts[i].ts);
	}
	for (uint32_t b = 0; b < nb; b++)
	{
		size_t		lo = b == 0 ? 0 : off[b - 1],
					hi = off[b];

		se->profile[b] = hi > lo ? an_median_inplace(c->scratch + lo, hi - lo) : NAN;
		if (hi > lo)
		{
			mean += se->profile[b];
			filled++;
		}
	}
	/* empty bins (gaps that always hit the same phase): interpolate circularly */
	if (filled < nb)
	{
		for (uint32_t b = 0; b < nb; b++)
		{
			uint32_t	l = b,
						r = b,
						dl = 0,
						dr = 0;

			if (!isnan(se->profile[b]))
				continue;
			while (isnan(se->profile[l]))
			{
				l = l == 0 ? nb - 1 : l - 1;
				dl++;
			}
			while (isnan(se->profile[r]))
			{
				r = r + 1 == nb ? 0 : r + 1;
				dr++;
			}
			se->profile[b] = (se->profile[l] * dr + se->profile[r] * dl) / (double) (dl + dr);
		}
		mean = 0;
		for (uint32_t b = 0; b < nb; b++)
			mean += se->profile[b];
		filled = nb;
	}
	mean /= (double) (filled ? filled : 1);
	for (uint32_t b = 0; b < nb; b++)
		se->profile[b] -= mean;
}

static void
decompose(fit_ctx *c, an_ts_trend trend)
{
	for (int j = 0; j < c->s.nseasons; j++)
		for (uint32_t b = 0; b < c->s.season[j].nbins; b++)
			c->s.season[j].profile[b] = 0;
	for (int round = 0; round < (c->s.nseasons ? DECOMPOSE_ROUNDS : 1); round++)
	{
		fit_trend(c, trend);
		for (int j = 0; j < c->s.nseasons; j++)
			fit_profile(c, j);
		an_check_interrupts();
	}
	fit_trend(c, trend);
}

/* Residuals into scratch; returns their MAD around the median. */
static double
residual_mad(fit_ctx *c, double *median)
{
	double		med;

	for (size_t i = 0; i < c->n; i++)
		c->scratch[i] = deseason(c, i, -1) - an_ts_seasonal_trend_at(&c->s, c->t_last, c->pts[i].ts);
	med = an_median_inplace(c->scratch, c->n);
	if (median)
		*median = med;
	for (size_t i = 0; i < c->n; i++)
		c->scratch[i] = fabs(c->scratch[i] - med);
	return an_median_inplace(c->scratch, c->n);
}

/* MAD with a tie-breaker for the constant case (MAD 0 everywhere) */
static double
residual_scale(fit_ctx *c)
{
	double		med,
				mad = residual_mad(c, &med),
				sum = 0;

	if (mad > 0)
		return mad;
	for (size_t i = 0; i < c->n; i++)
		sum += fabs(deseason(c, i, -1) - an_ts_seasonal_trend_at(&c->s, c->t_last, c->pts[i].ts) - med);
	return sum / (double) c->n * 1e-3;
}

static an_ts_trend
choose_trend(fit_ctx *c, an_ts_trend requested, double *scale_out)
{
	an_ts_trend best = AN_TS_TREND_NONE;
	double		best_scale,
				scale;

	if (requested != AN_TS_TREND_AUTO)
	{
		decompose(c, requested);
		*scale_out = residual_scale(c);
		return requested;
	}
	/*
	 * The profiles are fitted once with a constant level (a trend shifts
	 * every phase alike, so per-phase medians barely move), the trends are
	 * compared on them, and only the chosen trend is decomposed again.
	 */
	decompose(c, AN_TS_TREND_NONE);
	best_scale = residual_scale(c);
	fit_trend(c, AN_TS_TREND_LINEAR);
	scale = residual_scale(c);
	if (scale < TREND_GAIN * best_scale)
	{
		best = AN_TS_TREND_LINEAR;
		best_scale = scale;
	}
	if (c->n >= 2 * c->local_block)
	{
		fit_trend(c, AN_TS_TREND_LOCAL);
		scale = residual_scale(c);
		if (scale < TREND_GAIN * best_scale)
		{
			best = AN_TS_TREND_LOCAL;
			best_scale = scale;
		}
	}
	if (best != AN_TS_TREND_NONE && c->s.nseasons > 0)
	{
		decompose(c, best);
		best_scale = residual_scale(c);
	}
	else
		fit_trend(c, best);
	*scale_out = best_scale;
	return best;
}

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

/* A human-readable duration ("1 day", "90 minutes", "3600 seconds"). */
static void
format_duration(int64_t us, char *buf, size_t len)
{
	static const struct
	{
		int64_t		us;
		const char *name;
	}			units[] = {{604800000000LL, "week"}, {86400000000LL, "day"}, {3600000000LL, "hour"},
	{60000000LL, "minute"}, {1000000LL, "second"}};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (us % units[i].us == 0)
		{
			long long	k = (long long) (us / units[i].us);

			snprintf(buf, len, "%lld %s%s", k, units[i].name, k == 1 ? "" : "s");
			return;
		}
	snprintf(buf, len, "%.6g seconds", (double) us / 1e6);
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
	if (sum == NULL || cnt == NULL)
	{
		an_free(sum);
		an_free(cnt);
		return AN_ENOMEM;
	}
	memset(sum, 0, m * sizeof(double));
	memset(cnt, 0, m * sizeof(double));
	for (size_t i = first; i < n; i++)
	{
		double		pos = floor(((double) pts[i].ts - (double) t0) / (double) interval + 0.5);
		size_t		cell = pos < 0 ? 0 : (pos >= (double) m ? m - 1 : (size_t) pos);

		sum[cell] += pts[i].value;
		cnt[cell] += 1;
	}
	for (size_t i = 0; i < m; i++)
		if (cnt[i] > 0)
		{
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
	s = an_detect_periods(sum, m, AN_MAX_DETECTED_PERIODS, found);
	an_free(sum);
	return s;
}

static void
write_model(an_writer *w, const fit_ctx *c, const an_point *pts, size_t n, int64_t interval,
			const an_ts_options *opt)
{
	const an_ts_seasonal *s = &c->s;

	an_put_i64(w, pts[0].ts);
	an_put_i64(w, pts[n - 1].ts);
	an_put_u64(w, (uint64_t) n);
	an_put_i64(w, interval);
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

	for (size_t i = 0; i < n; i++)
		r[i] = deseason(c, i, -1) - an_ts_seasonal_trend_at(&c->s, c->t_last, c->pts[i].ts);
	an_select_double(r, n, n / 2);
	q50 = r[n / 2];
	an_select_double(r, n, n / 4);
	q25 = r[n / 4];
	an_select_double(r, n, (3 * n) / 4);
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
	if (c->s.sigma_high == 0 || c->s.sigma_low == 0)
	{
		for (size_t i = 0; i < n; i++)
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

an_status
an_ts_seasonal_fit(an_point *pts, size_t n, const an_ts_options *opt, int64_t interval,
				   uint8_t **model, size_t *len, char *err, size_t errlen)
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
	bool		any_detected = false;

	*model = NULL;
	memset(&c, 0, sizeof(c));
	c.pts = pts;
	c.n = n;
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
			format_duration((int64_t) p_us, d, sizeof(d));
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
	c.scratch = an_alloc_array(n, sizeof(double));
	c.offsets = an_alloc_array(maxbins + 1, sizeof(size_t));
	c.s.knot_t = an_alloc_array(n / c.local_block + 2, sizeof(int64_t));
	c.s.knot_v = an_alloc_array(n / c.local_block + 2, sizeof(double));
	if (c.scratch == NULL || c.offsets == NULL || c.s.knot_t == NULL || c.s.knot_v == NULL)
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
			for (size_t i = 0; i < n; i++)
				c.bins[j][i] = phase_bin(&c.s.season[j], pts[i].ts);
	}
	for (size_t i = 0; i < n; i++)
		if (fabs(pts[i].value) > maxabs)
			maxabs = fabs(pts[i].value);

	/* 3. validate detected periods against the trend-only model */
	if (any_detected)
	{
		int			ns = c.s.nseasons;
		double		without;

		c.s.nseasons = 0;
		choose_trend(&c, opt->trend, &without);
		c.s.nseasons = ns;
		choose_trend(&c, opt->trend, &scale);
		if (!(scale < PERIOD_GAIN * without))
		{
			c.s.nseasons = 0;
			c.s.reason = AN_TS_REASON_WEAK;
			c.s.reason_period_us = c.s.season[0].period_us;
			if (level_ok)
				goto done;		/* *model stays NULL: the robust level model */
			choose_trend(&c, opt->trend, &scale);
		}
	}
	else
		choose_trend(&c, opt->trend, &scale);

	/* 4. spread, then write */
	fit_spread(&c, fmax(RELATIVE_SIGMA_FLOOR * maxabs, DBL_MIN));
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
	an_writer_init(&w);
	write_model(&w, &c, pts, n, interval, opt);
	st = an_writer_finish(&w, AN_KIND_TS_SEASONAL, model, len);
done:
	an_free(c.scratch);
	an_free(c.offsets);
	an_free(c.s.knot_t);
	an_free(c.s.knot_v);
	for (int j = 0; j < AN_TS_MAX_PERIODS; j++)
	{
		an_free(c.s.season[j].profile);
		an_free(c.bins[j]);
	}
	return st;
}

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
	m->t_first = an_get_i64(&r);
	m->t_last = an_get_i64(&r);
	m->n_points = an_get_u64(&r);
	m->interval_us = an_get_i64(&r);
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

	/* first pass: sizes, so the detail is one allocation (freed by an_ts_model_free) */
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
		m->detail = s;
	}
	return an_reader_finish(&r);
}

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
	static const char *const directions[] = {"both", "up", "down"};
	static const char *const trends[] = {"auto", "none", "linear", "local"};
	const an_ts_seasonal *s = m->detail;
	size_t		cap = 4096,
				n = 0;
	char	   *buf = an_alloc(cap);
	char		first[40],
				last[40];
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
		APPEND("\"amplitude\": %.17g}", hi - lo);
	}
	APPEND("], \"trend\": \"%s\", \"level_at_end\": %.17g, ", trends[s->trend], level_end);
	if (s->trend == AN_TS_TREND_LINEAR)
		APPEND("\"slope_per_day\": %.17g, ", s->slope_per_s * 86400.0);
	if (s->trend == AN_TS_TREND_LOCAL)
		APPEND("\"trend_knots\": %u, ", s->nknots);
	{
		/* the band's half-widths below and above the expected value (before "direction") */
		double		dl = QUARTILE_Z * s->sigma_low,
					dh = QUARTILE_Z * s->sigma_high;

		APPEND("\"band\": \"%s\", \"band_below\": %.17g, \"band_above\": %.17g, ",
			   s->tukey ? "tukey" : "normal",
			   s->tukey ? dl + m->threshold * (dl + dh) : m->threshold * s->sigma_low,
			   s->tukey ? dh + m->threshold * (dl + dh) : m->threshold * s->sigma_high);
	}
	APPEND("\"sigma_low\": %.17g, \"sigma_high\": %.17g, \"residual_q25\": %.17g, \"residual_q75\": %.17g, "
		   "\"threshold\": %.17g, \"direction\": \"%s\", ",
		   s->sigma_low, s->sigma_high, s->resid_q25, s->resid_q75, m->threshold, directions[m->direction]);
	if (why)
	{
		APPEND("\"reason\": \"%s", why);
		if (s->reason_period_us > 0)
		{
			char		d[64];

			format_duration(s->reason_period_us, d, sizeof(d));
			APPEND(" (period %s)", d);
		}
		APPEND("\"}");
	}
	else
		APPEND("\"reason\": null}");
#undef APPEND
	if (n >= cap)
	{
		an_free(buf);
		return AN_ENOMEM;		/* cannot happen: at most 4 periods */
	}
	*json = buf;
	return AN_OK;
}
