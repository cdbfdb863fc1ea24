/*
 * ts_seasonal_decompose.c: trend and seasonal profiles of the seasonal model
 * (steps 2 and 3 of the fit described in ts_seasonal_fit.c).
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "core/robust_stats.h"
#include "core/sort.h"
#include "core/ts/ts_seasonal_internal.h"

static void
fit_trend(fit_ctx *c, an_ts_trend trend)
{
	size_t		n = c->n;
	double	   *y = c->scratch;

	c->s.trend = trend;
	if (trend == AN_TS_TREND_NONE)
	{
		AN_FOR_CHECKED(i, n)
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
			bt[b] = ((double) point_ts(c, lo) + (double) point_ts(c, hi - 1)) / 2e6;
		}
		for (size_t a = 0; a < nb; a++)
			for (size_t b = a + 1; b < nb; b++)
				if (bt[b] > bt[a])
					slopes[ns++] = (bv[b] - bv[a]) / (bt[b] - bt[a]);
		c->s.slope_per_s = ns ? an_median_inplace(slopes, ns) : 0;
		AN_FOR_CHECKED(i, n)
			y[i] = deseason(c, i, -1) - c->s.slope_per_s * (((double) point_ts(c, i) - (double) c->t_last) / 1e6);
		c->s.level = an_median_inplace(y, n);
		return;
	}
	/* local: block medians */
	{
		size_t		L = c->local_block,
					k = 0,
					unchecked = 0;

		for (size_t lo = 0; lo < n; lo += L)
		{
			size_t		hi = lo + L <= n ? lo + L : n;

			/* a short last block joins the one before */
			if (n - hi < L / 2)
				hi = n;
			/* the blocks are too short for the selection's own checks */
			unchecked += hi - lo;
			if (unchecked >= AN_INTERRUPT_STRIDE)
			{
				an_check_interrupts();
				unchecked = 0;
			}
			for (size_t i = lo; i < hi; i++)
				y[i - lo] = deseason(c, i, -1);
			c->s.knot_v[k] = an_median_inplace(y, hi - lo);
			c->s.knot_t[k] = point_ts(c, lo) / 2 + point_ts(c, hi - 1) / 2;
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
	size_t		filled = 0,
				knot;

	memset(off, 0, (nb + 1) * sizeof(size_t));
	AN_FOR_CHECKED(i, c->n)
		off[bin_of(c, j, i) + 1]++;
	for (uint32_t b = 0; b < nb; b++)
		off[b + 1] += off[b];
	/* scatter residuals; off[b] advances to the start of bin b + 1 */
	knot = 0;
	AN_FOR_CHECKED(i, c->n)
	{
		uint32_t	b = bin_of(c, j, i);

		c->scratch[off[b]++] = deseason(c, i, j) - trend_at_point(c, i, &knot);
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
	/*
	 * A constant level with one season needs no second round: the level
	 * re-estimated from the deseasoned values shifts every phase's median by
	 * the same amount, which the centring takes out again (the same model
	 * up to rounding).  A trend, or a second season, does change.
	 */
	int			rounds = c->s.nseasons == 0 ? 1 :
		(c->s.nseasons == 1 && trend == AN_TS_TREND_NONE ? 1 : DECOMPOSE_ROUNDS);

	for (int j = 0; j < c->s.nseasons; j++)
		for (uint32_t b = 0; b < c->s.season[j].nbins; b++)
			c->s.season[j].profile[b] = 0;
	for (int round = 0; round < rounds; round++)
	{
		fit_trend(c, trend);
		for (int j = 0; j < c->s.nseasons; j++)
			fit_profile(c, j);
		an_check_interrupts();
	}
	/* without seasons the trend just fitted is the final one: fitting it again would repeat it exactly */
	if (c->s.nseasons)
		fit_trend(c, trend);
	/* either way fit_trend wrote scratch last, which level_residual_scale relies on */
}

/*
 * The residual MAD around the residual median med, the residuals being in
 * scratch already as |r - med|; with a tie-breaker for the constant case
 * (MAD 0 everywhere): a thousandth of the mean absolute deviation.
 */
static double
mad_or_tie_breaker(fit_ctx *c, double med)
{
	double		mad = an_median_inplace(c->scratch, c->n),
				sum = 0;

	if (mad > 0)
		return mad;
	/* in time order, so the sum does not depend on how the selection left scratch */
	residuals_into(c, c->scratch);
	AN_FOR_CHECKED(i, c->n)
		sum += fabs(c->scratch[i] - med);
	return sum / (double) c->n * 1e-3;
}

/* The residual scale of the model as it stands (uses scratch). */
static double
residual_scale(fit_ctx *c)
{
	double		med;

	residuals_into(c, c->scratch);
	med = an_median_inplace(c->scratch, c->n);
	AN_FOR_CHECKED(i, c->n)
		c->scratch[i] = fabs(c->scratch[i] - med);
	return mad_or_tie_breaker(c, med);
}

/*
 * residual_scale, right after fit_trend(c, AN_TS_TREND_NONE) (the last step
 * of decompose(c, AN_TS_TREND_NONE)): scratch still holds the deseasoned
 * values as the median that gave the level left them, and each residual is
 * such a value minus the level, bit for bit, so the residual median needs no
 * selection of its own.  Same result as residual_scale.
 */
static double
level_residual_scale(fit_ctx *c)
{
	double		level = c->s.level,
				med = an_median_shifted(c->scratch, c->n, level);

	AN_FOR_CHECKED(i, c->n)
		c->scratch[i] = fabs((c->scratch[i] - level) - med);
	return mad_or_tie_breaker(c, med);
}

an_ts_trend
an_ts_seasonal_choose_trend(fit_ctx *c, an_ts_trend requested, double *scale_out)
{
	an_ts_trend best = AN_TS_TREND_NONE;
	double		best_scale,
				scale,
				level_none;

	if (requested != AN_TS_TREND_AUTO)
	{
		decompose(c, requested);
		*scale_out = requested == AN_TS_TREND_NONE ? level_residual_scale(c) : residual_scale(c);
		return requested;
	}
	/*
	 * The profiles are fitted once with a constant level (a trend shifts
	 * every phase alike, so per-phase medians barely move), the trends are
	 * compared on them, and only the chosen trend is decomposed again.
	 */
	decompose(c, AN_TS_TREND_NONE);
	level_none = c->s.level;
	best_scale = level_residual_scale(c);
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
	else if (best == AN_TS_TREND_NONE)
	{
		/* what fit_trend(c, AN_TS_TREND_NONE) would compute again: it sets only these */
		c->s.trend = AN_TS_TREND_NONE;
		c->s.level = level_none;
	}
	else
		fit_trend(c, best);
	*scale_out = best_scale;
	return best;
}
