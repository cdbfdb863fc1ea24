/*
 * ts_discord.c: the plain discord score (see ts_discord.h): an exact AB-join
 * of z-normalised windows by diagonal traversal, and the self-join that
 * calibrates it.
 *
 * The walk is an_mp_join (mp_join.c), with the squared distance as the
 * cost: cell (i, j) pairs training window i with test window j, on the
 * diagonal k = j - i (k < 0 too).  In a self-join only the diagonals
 * k >= exclusion are walked, and each cell also lowers the best of its
 * row's window i.
 */
#include "core/ts/ts_discord.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/mp/mp_join.h"
#include "core/ts/ts_shape.h"

static an_status
check_series(const double *x, size_t n, size_t w)
{
	if (x == NULL || w < AN_DISCORD_MIN_WINDOW || w > n)
		return AN_EINVAL;
	if (n > AN_DISCORD_MAX_N)
		return AN_ETOOMANY;
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return AN_ENONFINITE;
	return AN_OK;
}

an_status
an_ts_discord_side_prepare(an_ts_discord_side *s, const double *raw, size_t n, size_t w)
{
	size_t		m = n - w + 1,
				stride = ((size_t) 1 << 20) / w + 1;

	s->n = n;
	s->m = m;
	s->w = w;
	s->buf = an_alloc_array(n + 6 * m, sizeof(double));
	if (s->buf == NULL)
		return AN_ENOMEM;
	s->x = s->buf;
	s->mu = s->x + n;
	s->ss = s->mu + m;
	s->inv = s->ss + m;
	s->nsq = s->inv + m;
	s->df = s->nsq + m;
	s->dg = s->df + m;
	/* relative to the first value: window means and deviations are rounded to the spread, not the level */
	for (size_t i = 0; i < n; i++)
		s->x[i] = raw[i] - raw[0];
	for (size_t i = 0; i < m; i++)
	{
		double		mu,
					sd;

		if (i % stride == 0)
			an_check_interrupts();
		an_ts_shape_window_stats(s->x + i, w, &mu, &sd);
		s->mu[i] = mu;
		s->ss[i] = sd * sd * (double) w;
		if (!isfinite(s->ss[i]))
		{
			an_free(s->buf);
			s->buf = NULL;
			return AN_ENONFINITE;
		}
	}
	/* constant windows: those within a run of at least w equal values (walked backwards) */
	for (size_t i = n, run = 0; i-- > 0;)
	{
		run = i + 1 < n && raw[i] == raw[i + 1] ? run + 1 : 1;
		if (i < m && run >= w)
			s->ss[i] = -1;
	}
	an_mp_update_terms(s->x, s->mu, m, w, s->df, s->dg);
	return AN_OK;
}

void
an_ts_discord_side_normalise(an_ts_discord_side *s, double floor)
{
	for (size_t i = 0; i < s->m; i++)
	{
		double		sd,
					den;

		if (s->ss[i] < 0)
		{
			s->inv[i] = s->nsq[i] = 0;
			continue;
		}
		sd = sqrt(s->ss[i] / (double) s->w);
		den = sd > floor ? sd : floor;
		s->inv[i] = den > 0 ? 1 / den : 0;
		s->nsq[i] = s->ss[i] * s->inv[i] * s->inv[i];
	}
}

/* the walk's view of a prepared series */
static an_mp_side
side_of(const an_ts_discord_side *s)
{
	return (an_mp_side) {s->m, s->w, s->x, s->mu, s->inv, s->nsq, s->df, s->dg};
}

/* the diagonals [k_from, k_to) of a against b: every cell lowers best_b[j] and, unless best_a is NULL, best_a[i] */
static void
join_range(const an_ts_discord_side *a, const an_ts_discord_side *b, ptrdiff_t k_from, ptrdiff_t k_to, double *best_b, double *best_a)
{
	const an_mp_side sa = side_of(a),
				sb = side_of(b);
	const an_mp_best col = {best_b, NULL},
				row = {best_a, NULL};

	an_mp_join(&sa, &sb, AN_MP_COST_DIST2, k_from, k_to, &col, best_a != NULL ? &row : NULL);
}

/* squared distances to distances, NAN where there was no neighbour */
static void
finish(const double *best, size_t m, double *dist)
{
	for (size_t j = 0; j < m; j++)
		dist[j] = isinf(best[j]) ? NAN : sqrt(best[j] > 0 ? best[j] : 0);
}

an_status
an_ts_discord_floor(const double *x, size_t n, size_t w, double *floor)
{
	an_ts_discord_side s;
	an_status	st;
	double		maxabs = 0;

	if ((st = check_series(x, n, w)) != AN_OK || (st = an_ts_discord_side_prepare(&s, x, n, w)) != AN_OK)
		return st;
	for (size_t i = 0; i < n; i++)
		maxabs = fabs(x[i]) > maxabs ? fabs(x[i]) : maxabs;
	/* the sds, in place of the sums of squares */
	for (size_t i = 0; i < s.m; i++)
		s.ss[i] = s.ss[i] < 0 ? 0 : sqrt(s.ss[i] / (double) w);
	*floor = an_ts_shape_floor(s.ss, s.m, maxabs);
	an_free(s.buf);
	return AN_OK;
}

an_status
an_ts_discord_join(const double *a, size_t na, const double *b, size_t nb, size_t w, double floor,
				   int64_t b_offset, size_t exclusion, double *dist)
{
	an_ts_discord_side sa,
				sb;
	an_status	st;
	double	   *best;
	ptrdiff_t	kmin,
				kend,
				off = (ptrdiff_t) b_offset,
				ex = (ptrdiff_t) exclusion;

	if (dist == NULL || !(floor >= 0) || !isfinite(floor) || exclusion > AN_DISCORD_MAX_N ||
		b_offset > AN_DISCORD_MAX_N || b_offset < -(int64_t) AN_DISCORD_MAX_N)
		return AN_EINVAL;
	if ((st = check_series(a, na, w)) != AN_OK || (st = check_series(b, nb, w)) != AN_OK)
		return st;
	if ((st = an_ts_discord_side_prepare(&sa, a, na, w)) != AN_OK)
		return st;
	if ((st = an_ts_discord_side_prepare(&sb, b, nb, w)) != AN_OK)
	{
		an_free(sa.buf);
		return st;
	}
	best = an_alloc_array(sb.m, sizeof(double));
	if (best == NULL)
	{
		AN_FREE_ALL(sa.buf, sb.buf);
		return AN_ENOMEM;
	}
	an_ts_discord_side_normalise(&sa, floor);
	an_ts_discord_side_normalise(&sb, floor);
	for (size_t j = 0; j < sb.m; j++)
		best[j] = INFINITY;
	kmin = -(ptrdiff_t) (sa.m - 1);
	kend = (ptrdiff_t) sb.m;
	if (ex == 0)
		join_range(&sa, &sb, kmin, kend, best, NULL);
	else
	{
		/* diagonal k is excluded when |b_offset + k| < exclusion */
		ptrdiff_t	lo_end = -ex - off + 1,
					hi_from = ex - off;

		join_range(&sa, &sb, kmin, lo_end < kend ? lo_end : kend, best, NULL);
		join_range(&sa, &sb, hi_from > kmin ? hi_from : kmin, kend, best, NULL);
	}
	finish(best, sb.m, dist);
	AN_FREE_ALL(sa.buf, sb.buf, best);
	return AN_OK;
}

an_status
an_ts_discord_self(const double *x, size_t n, size_t w, double floor, size_t exclusion, double *dist)
{
	an_ts_discord_side s;
	an_status	st;
	double	   *best;

	if (dist == NULL || !(floor >= 0) || !isfinite(floor) || exclusion < 1)
		return AN_EINVAL;
	if ((st = check_series(x, n, w)) != AN_OK || (st = an_ts_discord_side_prepare(&s, x, n, w)) != AN_OK)
		return st;
	best = an_alloc_array(s.m, sizeof(double));
	if (best == NULL)
	{
		an_free(s.buf);
		return AN_ENOMEM;
	}
	an_ts_discord_side_normalise(&s, floor);
	for (size_t j = 0; j < s.m; j++)
		best[j] = INFINITY;
	/* cell (i, i + k) for k >= exclusion stands for itself and its mirror (i + k, i) */
	if (exclusion < s.m)
		join_range(&s, &s, (ptrdiff_t) exclusion, (ptrdiff_t) s.m, best, best);
	finish(best, s.m, dist);
	AN_FREE_ALL(s.buf, best);
	return AN_OK;
}

an_status
an_ts_discord_edge(const double *x, size_t n, size_t w, double floor, double *edge)
{
	double	   *d;
	size_t		m,
				ncal = 0;
	an_status	st;

	*edge = NAN;
	if ((st = check_series(x, n, w)) != AN_OK)
		return st;
	m = n - w + 1;
	if ((d = an_alloc_array(m, sizeof(double))) == NULL)
		return AN_ENOMEM;
	if ((st = an_ts_discord_self(x, n, w, floor, w, d)) == AN_OK)
	{
		for (size_t i = 0; i < m; i++)
			if (!isnan(d[i]))
				d[ncal++] = d[i];
		if (ncal >= 2)
			*edge = an_ts_shape_edge(d, ncal, w);
	}
	an_free(d);
	return st;
}
