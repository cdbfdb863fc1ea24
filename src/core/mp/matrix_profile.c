/*
 * matrix_profile.c: exact self-join matrix profile by diagonal traversal.
 *
 * Implemented from the papers: the profile as in Yeh et al., "Matrix Profile
 * I" (ICDM 2016); the traversal cell by cell along the diagonals of the
 * distance matrix with an O(1) update per cell, as in STOMP (Zhu et al.,
 * ICDM 2016) and SCRIMP++ (Zhu et al., ICDM 2018); and, for the update, the
 * mean-centred form of Zimmerman et al., "Matrix Profile XIV" (SoCC 2019)
 * instead of STOMP's raw dot products.
 *
 * The centred form.  With mu[i] the mean of window i and
 *   C(i, j) = sum_t (x[i+t] - mu[i]) (x[j+t] - mu[j])
 * the next cell of a diagonal is
 *   C(i+1, j+1) = C(i, j) + df[i] dg[j] + df[j] dg[i],
 *   df[i] = (x[i+w] - x[i]) / 2,  dg[i] = (x[i+w] - mu[i+1]) + (x[i] - mu[i]),
 * (expand both sides: the x x terms give x[i+w] x[j+w] - x[i] x[j], the mean
 * terms w (mu[i+1] mu[j+1] - mu[i] mu[j])).  Every term is a deviation from
 * a local mean, so a series far from zero (a level of 1e6 with unit noise)
 * loses no digits, which the raw dot product QT - w mu mu of STOMP does, and
 * the error of the running sum grows only with the square root of the
 * diagonal's length.  The Pearson correlation is C(i, j) inv[i] inv[j] with
 * inv[i] = 1 / sqrt(C(i, i)), and the distance sqrt(2 w (1 - corr)).
 *
 * Constant windows (see matrix_profile.h) enter through h[i], half the
 * squared norm of the z-normalised window over 2w: 1/2, or 0 when constant
 * (inv[i] = 0 too).  The squared distance of the z-normalised windows
 * a, b is |a|^2 + |b|^2 - 2 a.b = 2w (h[i] + h[j] - corr), so the profile
 * maximises g = corr - h[i] - h[j], which is corr - 1 for two ordinary
 * windows, -1/2 (d = sqrt(w)) for one constant one, 0 (d = 0) for two.
 *
 * The walk itself, in blocks of diagonals with an AVX-512 version, is
 * an_mp_join (mp_join.c), shared with the discord score; here with the cost
 * -g, whose least is the largest g.
 */
#include "core/mp/matrix_profile.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "core/mp/mp_join.h"

size_t
an_mp_exclusion(size_t w)
{
	return (w + 3) / 4;
}

typedef struct mp_work
{
	size_t		m;				/* number of windows */
	size_t		w;
	const double *x;			/* the series, centred (see centred) */
	const double *raw;			/* as given, for telling constant windows */
	double	   *mu;				/* m: window means */
	double	   *inv;			/* m: 1 / sqrt(C(i, i)), 0 for a constant window */
	double	   *h;				/* m: 1/2, or 0 for a constant window */
	double	   *df;				/* m: see above; df[m-1] = dg[m-1] = 0 (read, never used) */
	double	   *dg;
	double	   *best;			/* m: the least -g so far */
} mp_work;

/* A check every so many windows of the O(w) loops: about 2^20 operations. */
static size_t
window_stride(size_t w)
{
	return w >= ((size_t) 1 << 20) ? 1 : ((size_t) 1 << 20) / w;
}

/*
 * Mean and centred sum of squares of every window, two-pass (exact to a
 * rounding or two, unlike running sums).  Returns false if a sum of squares
 * overflows.
 */
static bool
window_stats(mp_work *s)
{
	size_t		m = s->m,
				w = s->w,
				stride = window_stride(w);
	const double *x = s->x,
			   *raw = s->raw;

	for (size_t i = 0; i < m; i++)
	{
		double		sum = 0.0,
					ss = 0.0,
					mu;
		bool		constant = true;

		if (i % stride == 0)
			an_check_interrupts();
		for (size_t t = 0; t < w; t++)
		{
			sum += x[i + t];
			constant &= raw[i + t] == raw[i];
		}
		mu = sum / (double) w;
		for (size_t t = 0; t < w; t++)
			ss += (x[i + t] - mu) * (x[i + t] - mu);
		if (!isfinite(mu) || !(ss <= DBL_MAX / 16))
			return false;
		s->mu[i] = mu;
		/* values that differ by less than the square root of the smallest double also count as constant */
		if (constant || ss == 0.0)
		{
			s->inv[i] = 0.0;
			s->h[i] = 0.0;
		}
		else
		{
			s->inv[i] = 1.0 / sqrt(ss);
			s->h[i] = 0.5;
		}
	}
	an_mp_update_terms(x, s->mu, m, w, s->df, s->dg);
	return true;
}

/*
 * The series minus its mean, into y.  The distances do not change, but the
 * window means and deviations are rounded relative to the series' spread
 * rather than to its level: a series at 1e6 with unit steps keeps six more
 * digits in every deviation.
 */
static const double *
centred(const double *x, size_t n, double *y)
{
	double		sum = 0.0,
				mean;

	for (size_t i = 0; i < n; i++)
		sum += x[i];
	mean = sum / (double) n;
	if (!isfinite(mean))
		mean = 0.0;
	for (size_t i = 0; i < n; i++)
		y[i] = x[i] - mean;
	return y;
}

an_status
an_matrix_profile(const double *x, size_t n, size_t w, double *distance, int64_t *neighbor, size_t *bad)
{
	mp_work		s;
	double	   *buf;
	size_t		m,
				excl;

	if (x == NULL || distance == NULL || neighbor == NULL || w < AN_MP_MIN_WINDOW || w > n / 2)
		return AN_EINVAL;
	if (n > AN_MP_MAX_N)
		return AN_ETOOMANY;
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i]))
		{
			if (bad)
				*bad = i;
			return AN_ENONFINITE;
		}
	m = n - w + 1;
	excl = an_mp_exclusion(w);
	buf = an_alloc_array(6 * m + n, sizeof(double));
	if (buf == NULL)
		return AN_ENOMEM;
	s.m = m;
	s.w = w;
	s.x = centred(x, n, buf + 6 * m);
	s.raw = x;
	s.mu = buf;
	s.inv = buf + m;
	s.h = buf + 2 * m;
	s.df = buf + 3 * m;
	s.dg = buf + 4 * m;
	s.best = buf + 5 * m;
	if (!window_stats(&s))
	{
		an_free(buf);
		if (bad)
			*bad = n;			/* no one value is to blame: the values are too large */
		return AN_ENONFINITE;
	}
	for (size_t i = 0; i < m; i++)
	{
		s.best[i] = INFINITY;
		neighbor[i] = -1;
	}
	/* w <= n/2 leaves diagonals past the exclusion zone: m - 1 >= w > excl */
	{
		const an_mp_side side = {m, w, s.x, s.mu, s.inv, s.h, s.df, s.dg};
		const an_mp_best best = {s.best, neighbor};

		an_mp_join(&side, &side, AN_MP_COST_CORR, (ptrdiff_t) excl + 1, (ptrdiff_t) m, &best, &best);
	}
	for (size_t i = 0; i < m; i++)
	{
		double		d2 = 2.0 * (double) w * s.best[i];

		/* rounding can leave corr a hair above 1; inf (no neighbour) cannot happen for w <= n/2 */
		distance[i] = d2 > 0.0 ? sqrt(d2) : 0.0;
	}
	an_free(buf);
	return AN_OK;
}
