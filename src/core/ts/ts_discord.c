/*
 * ts_discord.c: the plain discord score (see ts_discord.h): an exact AB-join
 * of z-normalised windows by diagonal traversal, and the self-join that
 * calibrates it.
 *
 * Layout of the work.  Cell (i, j) pairs training window i with test window
 * j; diagonal k holds the cells j = i + k (k < 0 too).  A block of
 * DISCORD_BLOCK adjacent diagonals is walked row by row of the training
 * windows, so that the cells of one row touch contiguous test windows
 * j = i + k0 + v: each lowers best[j] (an elementwise minimum, which the
 * compiler vectorises) and steps its running product to the next row.  In
 * a self-join only the diagonals k >= exclusion are walked, and each cell
 * also lowers the row's best[i] (a minimum over the row, taken after it).
 */
#include "core/ts/ts_discord.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/mp/matrix_profile.h"
#include "core/ts/ts_shape.h"

#define DISCORD_BLOCK 256

/* one series and its windows' statistics */
typedef struct dseries
{
	size_t		n,
				m,				/* windows */
				w;
	double	   *x;				/* n: the series minus its first value */
	double	   *mu;				/* m: window means (of x) */
	double	   *ss;				/* m: centred sums of squares; -1 for a constant window */
	double	   *inv;			/* m: 1 / max(sd, floor), 0 for a constant window */
	double	   *nsq;			/* m: squared norm of the normalised window */
	double	   *df;				/* m: the update terms of ts_discord.h; 0 at m - 1 */
	double	   *dg;
	double	   *buf;
} dseries;

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

/* The centred copy and the window statistics (two-pass, a window at a time). */
static an_status
prepare(dseries *s, const double *raw, size_t n, size_t w)
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

/* inv and nsq for the normalisation with this floor */
static void
normalise(dseries *s, double floor)
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

/* the smallest of g[0..n) (n >= 1), four running minima */
static double
row_min(const double *g, size_t n)
{
	double		r[4] = {INFINITY, INFINITY, INFINITY, INFINITY};
	size_t		t = 0;

	for (; t + 4 <= n; t += 4)
		for (int l = 0; l < 4; l++)
			r[l] = g[t + l] < r[l] ? g[t + l] : r[l];
	for (; t < n; t++)
		r[0] = g[t] < r[0] ? g[t] : r[0];
	r[0] = r[1] < r[0] ? r[1] : r[0];
	r[2] = r[3] < r[2] ? r[3] : r[2];
	return r[2] < r[0] ? r[2] : r[0];
}

/*
 * The diagonals k0 .. k0+bw-1 (bw <= DISCORD_BLOCK) of a against b: every
 * cell's squared distance lowers best_b[j] and, unless best_a is NULL,
 * best_a[i] (the two may be one array when b is a and k0 > 0).
 */
static void
join_block(const dseries *a, const dseries *b, ptrdiff_t k0, size_t bw, double *best_b, double *best_a)
{
	double		cov[DISCORD_BLOCK],
				g[DISCORD_BLOCK];
	const ptrdiff_t ma = (ptrdiff_t) a->m,
				mb = (ptrdiff_t) b->m,
				last = k0 + (ptrdiff_t) bw - 1;
	ptrdiff_t	i_lo = last < 0 ? -last : 0,
				i_hi = mb - k0 < ma ? mb - k0 : ma;

	for (size_t v = 0; v < bw; v++)
	{
		ptrdiff_t	k = k0 + (ptrdiff_t) v,
					i0 = k < 0 ? -k : 0;

		cov[v] = i0 < ma && i0 + k < mb ? an_mp_centred_product(a->x + i0, a->mu[i0], b->x + i0 + k, b->mu[i0 + k], a->w) : 0;
	}
	if (i_hi <= i_lo)
		return;
	AN_FOR_CHECKED(r, (size_t) (i_hi - i_lo))
	{
		const ptrdiff_t i = i_lo + (ptrdiff_t) r,
					v_lo = -k0 - i > 0 ? -k0 - i : 0,
					v_hi = mb - k0 - i < (ptrdiff_t) bw ? mb - k0 - i : (ptrdiff_t) bw;
		const size_t j_lo = (size_t) (i + k0 + v_lo),
					cnt = (size_t) (v_hi - v_lo);
		const double nsq_i = a->nsq[i],
					inv_i = a->inv[i],
					df_i = a->df[i],
					dg_i = a->dg[i];
		const double *restrict nsq_j = b->nsq + j_lo,
				   *restrict inv_j = b->inv + j_lo,
				   *restrict df_j = b->df + j_lo,
				   *restrict dg_j = b->dg + j_lo;
		double	   *restrict c = cov + v_lo,
				   *restrict gg = g;
		double	   *best_j = best_b + j_lo;

		for (size_t t = 0; t < cnt; t++)
		{
			double		d2 = nsq_i + nsq_j[t] - 2 * c[t] * inv_i * inv_j[t];

			gg[t] = d2;
			best_j[t] = d2 < best_j[t] ? d2 : best_j[t];
			c[t] += df_i * dg_j[t] + df_j[t] * dg_i;
		}
		if (best_a != NULL && cnt > 0)
		{
			double		rm = row_min(gg, cnt);

			if (rm < best_a[i])
				best_a[i] = rm;
		}
	}
}

/* the diagonals [k_from, k_to) in blocks */
static void
join_range(const dseries *a, const dseries *b, ptrdiff_t k_from, ptrdiff_t k_to, double *best_b, double *best_a)
{
	for (ptrdiff_t k0 = k_from; k0 < k_to; k0 += DISCORD_BLOCK)
		join_block(a, b, k0, k_to - k0 < DISCORD_BLOCK ? (size_t) (k_to - k0) : DISCORD_BLOCK, best_b, best_a);
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
	dseries		s;
	an_status	st;
	double		maxabs = 0;

	if ((st = check_series(x, n, w)) != AN_OK || (st = prepare(&s, x, n, w)) != AN_OK)
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
	dseries		sa,
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
	if ((st = prepare(&sa, a, na, w)) != AN_OK)
		return st;
	if ((st = prepare(&sb, b, nb, w)) != AN_OK)
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
	normalise(&sa, floor);
	normalise(&sb, floor);
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
	dseries		s;
	an_status	st;
	double	   *best;

	if (dist == NULL || !(floor >= 0) || !isfinite(floor) || exclusion < 1)
		return AN_EINVAL;
	if ((st = check_series(x, n, w)) != AN_OK || (st = prepare(&s, x, n, w)) != AN_OK)
		return st;
	best = an_alloc_array(s.m, sizeof(double));
	if (best == NULL)
	{
		an_free(s.buf);
		return AN_ENOMEM;
	}
	normalise(&s, floor);
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
