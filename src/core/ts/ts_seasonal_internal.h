/*
 * ts_seasonal_internal.h: what the files of the seasonal model share (not a
 * public interface): tuning constants, the phase of a timestamp and the
 * fitting context.
 */
#ifndef ANOMALY_TS_SEASONAL_INTERNAL_H
#define ANOMALY_TS_SEASONAL_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ts/ts_seasonal.h"

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
#define QUARTILE_Z 0.6744897501960817

/* (ts - origin) mod period, in [0, period), without overflow */
static inline int64_t
phase_offset(const an_ts_season *s, int64_t ts)
{
	int64_t		r = (ts % s->period_us) - (s->origin_us % s->period_us);

	r %= s->period_us;
	return r < 0 ? r + s->period_us : r;
}

/* The bin of a phase offset r in [0, period): the nearest bin centre. */
static inline uint32_t
offset_bin(const an_ts_season *s, int64_t r)
{
	double		bin_us = (double) s->period_us / (double) s->nbins;
	uint32_t	b = (uint32_t) floor((double) r / bin_us + 0.5);

	return b >= s->nbins ? b - s->nbins : b;
}

static inline uint32_t
phase_bin(const an_ts_season *s, int64_t ts)
{
	return offset_bin(s, phase_offset(s, ts));
}

typedef struct fit_ctx
{
	const an_point *pts;		/* unused once values is set */
	const double *values;		/* NULL, or the values, pts compacted (see an_ts_fit_tuning) */
	size_t		n;
	int64_t		t_first,
				t_last,
				step;			/* with values: point i is at t_first + i * step */
	double	   *scratch;		/* n doubles */
	size_t	   *offsets;		/* largest nbins + 1 */
	an_ts_seasonal s;			/* being fitted; profiles and knots owned here */
	uint32_t   *bins[AN_TS_MAX_PERIODS];	/* phase bin of each point, or NULL: computed each time */
	size_t		local_block;
} fit_ctx;

/* Precompute phase bins up to this many points (4 bytes a point a period); beyond, recompute. */
#define PRECOMPUTE_BINS_MAX 2000000

/* The timestamp and the value of point i, from pts or from its compacted form. */
static inline int64_t
point_ts(const fit_ctx *c, size_t i)
{
	return c->values ? c->t_first + (int64_t) i * c->step : c->pts[i].ts;
}

static inline double
point_value(const fit_ctx *c, size_t i)
{
	return c->values ? c->values[i] : c->pts[i].value;
}

static inline uint32_t
bin_of(const fit_ctx *c, int j, size_t i)
{
	return c->bins[j] ? c->bins[j][i] : phase_bin(&c->s.season[j], point_ts(c, i));
}

/* value minus the seasonal parts except season `skip` (-1: all) */
static inline double
deseason(const fit_ctx *c, size_t i, int skip)
{
	double		v = point_value(c, i);

	for (int j = 0; j < c->s.nseasons; j++)
		if (j != skip)
			v -= c->s.season[j].profile[bin_of(c, j, i)];
	return v;
}

/*
 * The trend at point i: an_ts_seasonal_trend_at's value, inline, with the
 * knot search of a local trend resumed from *knot (start it at 0): the
 * points are sorted, so a pass over them walks the knots forward once
 * instead of searching for each point.  Same interval, same formula, same
 * bits.
 */
static inline double
trend_at_point(const fit_ctx *c, size_t i, size_t *knot)
{
	const an_ts_seasonal *s = &c->s;
	int64_t		ts = point_ts(c, i);
	size_t		lo,
				hi;

	switch (s->trend)
	{
		case AN_TS_TREND_LINEAR:
			return s->level + s->slope_per_s * (((double) ts - (double) c->t_last) / 1e6);
		case AN_TS_TREND_LOCAL:
			if (ts <= s->knot_t[0])
				return s->knot_v[0];
			if (ts >= s->knot_t[s->nknots - 1])
				return s->knot_v[s->nknots - 1];
			/* the last knot at or before ts: knot_t[lo] <= ts < knot_t[lo + 1] */
			lo = *knot;
			if (lo + 1 >= s->nknots || s->knot_t[lo] > ts)
				lo = 0;
			while (s->knot_t[lo + 1] <= ts)
				lo++;
			*knot = lo;
			hi = lo + 1;
			return s->knot_v[lo] + (s->knot_v[hi] - s->knot_v[lo]) *
				(((double) ts - (double) s->knot_t[lo]) / ((double) s->knot_t[hi] - (double) s->knot_t[lo]));
		default:
			return s->level;
	}
}

/* Residuals of every point (value minus all seasons minus the trend) into out[0..n-1]. */
static inline void
residuals_into(const fit_ctx *c, double *out)
{
	size_t		knot = 0;

	AN_FOR_CHECKED(i, c->n)
		out[i] = deseason(c, i, -1) - trend_at_point(c, i, &knot);
}

/* ts_seasonal_decompose.c: the trend for `requested` (AUTO: the best of none, linear and local) */
an_ts_trend an_ts_seasonal_choose_trend(fit_ctx *c, an_ts_trend requested, double *scale_out);

/* ts_seasonal_fit.c: the phase bin of every point of pts[0..n) (sorted) into bins */
void		an_ts_phase_bins(const an_ts_season *se, const an_point *pts, size_t n, uint32_t *bins);

/* ts_seasonal_fit.c: free what the fit of c owns (knots, profiles, phase bins); not scratch nor offsets */
void		an_ts_fit_ctx_free_fitted(fit_ctx *c);

/* ts_seasonal_tail.c: the tail band of the fitted model c (after the spread) */
an_status	an_ts_seasonal_tail(fit_ctx *c, const an_ts_options *opt, double floor_abs, an_ts_tail *tail);

#endif							/* ANOMALY_TS_SEASONAL_INTERNAL_H */
