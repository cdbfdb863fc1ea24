/*
 * ts_seasonal_tail.c: the band of the seasonal model from the tail of
 * out-of-sample residuals (ts_tail.h), step 6 of the fit.
 *
 * The periods, their bins and origins, and the kind of trend are those of
 * the fitted model.  Each fold of contiguous blocks (AN_TS_FOLD_BLOCKS) is
 * held out in turn: the profiles and the trend are fitted again on the other
 * fold alone, by the same decomposition, centred on that fit's own residual
 * median, and the held-out rows' residuals are taken from it.  In-sample
 * residuals would understate the spread: every profile bin and trend knot
 * is a median of the very rows it is then compared with.
 *
 * With more than AN_TAIL_MAX_RESIDUALS points the parameters are few
 * against the points, and the residuals of every stride-th point of the
 * model itself (in sample) are used: no second fit of a huge series.
 */
#include <math.h>
#include <string.h>

#include "core/sort.h"
#include "core/ts/ts_seasonal_internal.h"

/* The model of c refitted on the rows of fold keep only; held-out residuals into r[fold rows]. */
static an_status
fold_residuals(const fit_ctx *c, int keep, double *r)
{
	fit_ctx		f;
	an_point   *pts;
	size_t		n = 0,
				nkeep = 0;
	double		scale,
				q50;
	an_status	st = AN_OK;

	for (size_t i = 0; i < c->n; i++)
		nkeep += an_ts_fold_of(i, c->n) == keep;
	if (nkeep == 0)
		return AN_EINVAL;
	memset(&f, 0, sizeof(f));
	pts = an_alloc_array(nkeep, sizeof(an_point));
	f.scratch = an_alloc_array(nkeep, sizeof(double));
	f.s.knot_t = an_alloc_array(nkeep / c->local_block + 2, sizeof(int64_t));
	f.s.knot_v = an_alloc_array(nkeep / c->local_block + 2, sizeof(double));
	if (pts == NULL || f.scratch == NULL || f.s.knot_t == NULL || f.s.knot_v == NULL)
	{
		st = AN_ENOMEM;
		goto done;
	}
	AN_FOR_CHECKED(i, c->n)
		if (an_ts_fold_of(i, c->n) == keep)
		{
			pts[n].ts = point_ts(c, i);
			pts[n].value = point_value(c, i);
			n++;
		}
	f.pts = pts;
	f.n = n;
	f.t_first = pts[0].ts;
	f.t_last = pts[n - 1].ts;
	f.offsets = c->offsets;		/* sized for the largest number of bins */
	f.local_block = c->local_block;
	f.s.nseasons = c->s.nseasons;
	for (int j = 0; j < c->s.nseasons; j++)
	{
		f.s.season[j] = c->s.season[j];
		f.s.season[j].profile = an_alloc_array(c->s.season[j].nbins, sizeof(double));
		f.bins[j] = an_alloc_array(n, sizeof(uint32_t));
		if (f.s.season[j].profile == NULL || f.bins[j] == NULL)
		{
			st = AN_ENOMEM;
			goto done;
		}
		an_ts_phase_bins(&f.s.season[j], pts, n, f.bins[j]);
	}
	an_ts_seasonal_choose_trend(&f, c->s.trend, &scale);
	residuals_into(&f, f.scratch);
	q50 = an_median_inplace(f.scratch, n);
	AN_FOR_CHECKED(i, c->n)
		if (an_ts_fold_of(i, c->n) != keep)
		{
			int64_t		ts = point_ts(c, i);

			r[i] = point_value(c, i) - an_ts_seasonal_trend_at(&f.s, f.t_last, ts) -
				an_ts_seasonal_season_at(&f.s, ts) - q50;
		}
done:
	an_free(pts);
	an_free(f.scratch);
	an_ts_fit_ctx_free_fitted(&f);
	return st;
}

an_status
an_ts_seasonal_tail(fit_ctx *c, const an_ts_options *opt, double floor_abs, an_ts_tail *tail)
{
	size_t		n = c->n,
				m = n;
	double	   *r = c->scratch,	/* free once the spread is fitted */
			   *scratch;
	bool		oos = n <= AN_TAIL_MAX_RESIDUALS;
	an_status	st = AN_OK;

	if (oos)
	{
		for (int keep = 0; keep < 2 && st == AN_OK; keep++)
			st = fold_residuals(c, keep, r);
		if (st == AN_EINVAL)
		{
			/* a fold without rows (a handful of points): in-sample residuals */
			residuals_into(c, r);
			oos = false;
			st = AN_OK;
		}
	}
	else
	{
		size_t		stride = (n + AN_TAIL_MAX_RESIDUALS - 1) / AN_TAIL_MAX_RESIDUALS;

		residuals_into(c, r);
		m = 0;
		for (size_t i = 0; i < n; i += stride)
			r[m++] = r[i];
	}
	if (st != AN_OK)
		return st;
	if ((scratch = an_alloc_array(m, sizeof(double))) == NULL)
		return AN_ENOMEM;
	st = an_ts_tail_fit(r, m, scratch, an_ts_tail_rate(opt), opt->direction, opt->exclude_outliers, oos, tail);
	an_free(scratch);
	tail->low.edge = fmax(tail->low.edge, floor_abs);
	tail->high.edge = fmax(tail->high.edge, floor_abs);
	return st;
}
