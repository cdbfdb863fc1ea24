/*
 * c22_features2.c: PD_PeriodicityWang (spec F19), CO_Embed2_Dist (F20) and
 * the two SC_FluctAnal features (F21, F22).
 */
#include "core/catch22/c22_internal.h"

#include <float.h>
#include <math.h>

/*
 * z minus its least-squares cubic spline with one interior knot at
 * b = floor(n/2) - 1 (spec H13), into u.  The spline space is spanned by
 * 1, s, s^2, s^3 and (s - beta)_+^3 on s = x/(n-1), a well-conditioned basis;
 * it is orthonormalised by classical Gram-Schmidt applied twice and z is
 * projected onto it.  The five basis columns are separate allocations:
 * returning one block of 5n doubles to the system would be a long stretch
 * without an interrupt check on a series of millions of values.  They are
 * freed last first, so that an allocator that hands memory back from the
 * top of its heap returns one column at a time, not all five at the last.
 */
static void
free_columns(double *q[5])
{
	for (int c = 5; c-- > 0;)
	{
		an_free(q[c]);
		an_check_interrupts();
	}
}

static an_status
spline_residual(const double *z, size_t n, double *u)
{
	double	   *q[5];
	double		beta = (double) (n / 2 - 1) / (double) (n - 1);

	for (int c = 0; c < 5; c++)
		q[c] = an_alloc_array(n, sizeof(double));
	if (!q[0] || !q[1] || !q[2] || !q[3] || !q[4])
	{
		free_columns(q);
		return AN_ENOMEM;
	}
	AN_FOR_CHECKED(i, n)
	{
		double		s = (double) i / (double) (n - 1);
		double		d = s > beta ? s - beta : 0.0;

		q[0][i] = 1.0;
		q[1][i] = s;
		q[2][i] = s * s;
		q[3][i] = s * s * s;
		q[4][i] = d * d * d;
	}
	for (int c = 0; c < 5; c++)
	{
		double	   *qc = q[c];
		double		norm0 = 0.0,
					norm = 0.0;

		AN_FOR_CHECKED(i, n)
			norm0 += qc[i] * qc[i];
		/* classical Gram-Schmidt, twice: all c dot products in one pass */
		for (int pass = 0; pass < 2 && c > 0; pass++)
		{
			double		dot[5] = {0.0, 0.0, 0.0, 0.0, 0.0};

			AN_FOR_CHECKED(i, n)
				for (int p = 0; p < c; p++)
					dot[p] += q[p][i] * qc[i];
			AN_FOR_CHECKED(i, n)
			{
				double		v = qc[i];

				for (int p = 0; p < c; p++)
					v -= dot[p] * q[p][i];
				qc[i] = v;
			}
		}
		AN_FOR_CHECKED(i, n)
			norm += qc[i] * qc[i];
		norm = sqrt(norm);
		/* A dependent column (only for tiny n) is dropped. */
		if (!(norm > 1e-9 * sqrt(norm0)))
			norm = INFINITY;
		AN_FOR_CHECKED(i, n)
			qc[i] /= norm;
	}
	{
		double		coef[5] = {0.0, 0.0, 0.0, 0.0, 0.0};

		AN_FOR_CHECKED(i, n)
			for (int c = 0; c < 5; c++)
				coef[c] += q[c][i] * z[i];
		AN_FOR_CHECKED(i, n)
		{
			double		fit = 0.0;

			for (int c = 0; c < 5; c++)
				fit += coef[c] * q[c][i];
			u[i] = z[i] - fit;
		}
	}
	free_columns(q);
	return AN_OK;
}

/*
 * PD_PeriodicityWang's autocovariances a_j = c_{j+1} are computed for all
 * lags at once with an FFT (O(n log n) instead of O(n^2)).  Its discrete
 * decisions (sign of a_j - a_{j-1}, a_j - a_t < 0.01, a_j < 0) must match
 * the ones taken on the direct lag-by-lag sums of the spec, so every
 * approximate value carries a rigorous error bound against the direct sum;
 * a decision that the bound cannot settle is retaken on direct sums,
 * computed for just the lags involved.
 */
typedef struct pd_lags
{
	const double *u;
	size_t		n;
	const double *approx;		/* a_j from the FFT, j = 0..A-1 */
	double		err_sum;		/* bound on |FFT sum - direct sum| of any lag */
	double	   *exact;
	unsigned char *have_exact;
} pd_lags;

double		c22_pd_error_scale = 1.0;

static double
pd_err(const pd_lags *p, size_t j)
{
	return c22_pd_error_scale * 2.0 * p->err_sum / (double) (p->n - (j + 1)) + 4.0 * DBL_EPSILON * fabs(p->approx[j]);
}

static double
pd_exact(pd_lags *p, size_t j)
{
	if (!p->have_exact[j])
	{
		size_t		lag = j + 1;
		double		s = 0.0;

		AN_FOR_CHECKED(i, p->n - lag)
			s += p->u[i] * p->u[i + lag];
		p->exact[j] = s / (double) (p->n - lag);
		p->have_exact[j] = 1;
	}
	return p->exact[j];
}

/* Sign of fl(a_j - a_k) computed on direct sums: -1, 0 or +1. */
static int
pd_sign_diff(pd_lags *p, size_t j, size_t k, double offset)
{
	double		d = p->approx[j] - p->approx[k] - offset;
	double		e = pd_err(p, j) + pd_err(p, k) +
		4.0 * DBL_EPSILON * (fabs(p->approx[j]) + fabs(p->approx[k]) + fabs(offset));
	double		x;

	if (d > e)
		return 1;
	if (d < -e)
		return -1;
	x = pd_exact(p, j) - pd_exact(p, k);
	return x > offset ? 1 : (x < offset ? -1 : 0);
}

an_status
c22_periodicity_wang(c22_work *w, double *out)
{
	size_t		n = w->n;
	size_t		nlags = (n + 2) / 3;	/* ceil(n/3) */
	size_t		m;
	double	   *u = w->scratch,
			   *approx = w->scratch2;
	double	   *buf = w->cbuf;
	double		uu = 0.0;
	pd_lags		p;
	an_status	st;
	size_t		last_trough = SIZE_MAX;
	int			sign_prev;

	*out = 0.0;
	if (nlags < 3)
		return AN_OK;
	st = spline_residual(w->z, n, u);
	if (st != AN_OK)
		return st;

	m = c22_pow2_at_least(n + nlags);
	AN_FOR_CHECKED(i, n)
	{
		buf[2 * i] = u[i];
		buf[2 * i + 1] = 0.0;
		uu += u[i] * u[i];
	}
	AN_FOR_CHECKED(i, m - n)
		buf[2 * (n + i)] = buf[2 * (n + i) + 1] = 0.0;
	c22_fft(buf, m, w->tw_true);
	AN_FOR_CHECKED(k, m)
	{
		double		re = buf[2 * k],
					im = buf[2 * k + 1];

		buf[2 * k] = re * re + im * im;
		buf[2 * k + 1] = 0.0;
	}
	/* A forward transform of a real symmetric sequence is m times its inverse. */
	c22_fft(buf, m, w->tw_true);
	AN_FOR_CHECKED(j, nlags)
		approx[j] = (buf[2 * (j + 1)] / (double) m) / (double) (n - (j + 1));

	p.u = u;
	p.n = n;
	p.approx = approx;
	/* direct summation error (about n eps) plus FFT error (log m sqrt(n) eps), generously */
	p.err_sum = DBL_EPSILON * uu *
		(2.0 * (double) n + 64.0 * log2((double) m) * sqrt((double) n) + 64.0) + DBL_MIN;
	p.exact = (double *) buf;	/* the complex buffer is free again */
	p.have_exact = (unsigned char *) (buf + nlags);
	AN_FOR_CHECKED(j, nlags)
		p.have_exact[j] = 0;

	sign_prev = pd_sign_diff(&p, 1, 0, 0.0);
	for (size_t j = 1; j + 1 < nlags; j++)
	{
		int			sign_next = pd_sign_diff(&p, j + 1, j, 0.0);

		if (sign_prev < 0 && sign_next > 0)
			last_trough = j;
		else if (sign_prev > 0 && sign_next < 0 && last_trough != SIZE_MAX)
		{
			/* a peak after a trough: high enough above it, and non-negative? */
			if (pd_sign_diff(&p, j, last_trough, 0.01) >= 0)
			{
				double		e = pd_err(&p, j);
				int			nonneg;

				if (approx[j] - e > 0.0)
					nonneg = 1;
				else if (approx[j] + e < 0.0)
					nonneg = 0;
				else
					nonneg = !(pd_exact(&p, j) < 0.0);
				if (nonneg)
				{
					*out = (double) j;
					return AN_OK;
				}
			}
		}
		sign_prev = sign_next;
		if ((j & (AN_INTERRUPT_STRIDE - 1)) == 0)
			an_check_interrupts();
	}
	return AN_OK;
}

an_status
c22_embed2_dist_expfit_meandiff(c22_work *w, double *out)
{
	size_t		n = w->n;
	size_t		tau = w->acf_zero;
	size_t		nd;
	double	   *d = w->scratch;
	double		mean,
				sd,
				dmin = INFINITY,
				dmax = -INFINITY,
				nbins_d,
				total = 0.0;
	size_t		nbins;
	size_t	   *counts;
	double	   *edges;

	if ((double) tau > (double) n / 10.0)
		tau = n / 10;
	nd = n - tau - 1;
	AN_FOR_CHECKED(i, nd)
	{
		double		a = w->z[i + 1] - w->z[i];
		double		b = w->z[i + tau] - w->z[i + tau + 1];

		d[i] = sqrt(a * a + b * b);
		if (isnan(d[i]))
		{
			*out = NAN;
			return AN_OK;
		}
		if (d[i] < dmin)
			dmin = d[i];
		if (d[i] > dmax)
			dmax = d[i];
	}
	mean = c22_mean(d, nd);
	sd = c22_std(d, nd);
	if (isnan(sd))
	{
		*out = NAN;
		return AN_OK;
	}
	if (sd < 0.001)
	{
		*out = 0.0;
		return AN_OK;
	}
	nbins_d = ceil((dmax - dmin) / ((3.5 * sd) / pow((double) nd, 1.0 / 3)));
	/* Scott's rule gives at most a few times nd^(5/6) bins; anything else is degenerate. */
	if (!(nbins_d >= 1.0) || nbins_d > 4.0 * (double) nd + 16.0)
	{
		*out = NAN;
		return AN_OK;
	}
	nbins = (size_t) nbins_d;
	counts = an_alloc_array(nbins, sizeof(size_t));
	edges = an_alloc_array(nbins + 1, sizeof(double));
	if (!AN_ALL_ALLOCATED(counts, edges))
		return AN_ENOMEM;
	c22_histogram(d, nd, dmin, dmax, nbins, counts, edges);
	AN_FOR_CHECKED(b, nbins)
	{
		double		pb = (double) counts[b] / (double) nd;
		double		g = exp(-((edges[b] + edges[b + 1]) * 0.5) / mean) / mean;

		total += fabs(pb - g);
	}
	*out = total / (double) nbins;
	an_free(counts);
	an_free(edges);
	return AN_OK;
}

/* Straight-line least squares (spec H10). */
static void
line_fit(const double *x, const double *y, size_t m, double *slope, double *intercept)
{
	double		sx = 0.0,
				sxx = 0.0,
				sxy = 0.0,
				sy = 0.0,
				den;

	for (size_t k = 0; k < m; k++)
	{
		sx += x[k];
		sxx += x[k] * x[k];
		sxy += x[k] * y[k];
		sy += y[k];
	}
	den = (double) m * sxx - sx * sx;
	if (den == 0.0)
	{
		*slope = *intercept = 0.0;
		return;
	}
	*slope = ((double) m * sxy - sx * sy) / den;
	*intercept = (sy * sxx - sx * sxy) / den;
}

static double
fit_error(const double *x, const double *y, size_t m, double slope, double intercept)
{
	double		s = 0.0;

	for (size_t k = 0; k < m; k++)
	{
		double		r = x[k] * slope + intercept - y[k];

		s += r * r;
	}
	return sqrt(s);
}

/*
 * Fluctuation analysis of windows of a profile: a straight line is fitted
 * against abscissa 1..tau (spec H10 with the abscissa sums sx, sxx given),
 * and either the squared residuals are added to *acc in order (dfa) or the
 * squared residual range is (rs_range).  window_fit4 does four consecutive
 * windows with the same operations as four window_fit1 calls, interleaved
 * so that the four windows' sequential sums run side by side.
 */
static inline void
line_coefficients(double tau, double sx, double sxx, double den, double sy, double sxy,
				  double *slope, double *intercept)
{
	if (den == 0.0)
		*slope = *intercept = 0.0;
	else
	{
		*slope = (tau * sxy - sx * sy) / den;
		*intercept = (sy * sxx - sx * sxy) / den;
	}
}

static void
window_fit1(const double *y, size_t tau, double sx, double sxx, double den, int dfa, double *acc)
{
	double		sy = 0.0,
				sxy = 0.0,
				slope,
				intercept,
				x = 0.0,
				rmin = INFINITY,
				rmax = -INFINITY;

	for (size_t k = 0; k < tau; k++)
	{
		x += 1.0;
		sxy += x * y[k];
		sy += y[k];
	}
	line_coefficients((double) tau, sx, sxx, den, sy, sxy, &slope, &intercept);
	x = 0.0;
	for (size_t k = 0; k < tau; k++)
	{
		double		r;

		x += 1.0;
		r = y[k] - (slope * x + intercept);
		if (dfa)
			*acc += r * r;
		else
		{
			rmin = r < rmin ? r : rmin;
			rmax = r > rmax ? r : rmax;
		}
	}
	if (!dfa)
		*acc += (rmax - rmin) * (rmax - rmin);
}

static void
window_residual_sq(const double *y, size_t tau, double slope, double intercept, double *acc)
{
	double		x = 0.0;

	for (size_t k = 0; k < tau; k++)
	{
		double		r;

		x += 1.0;
		r = y[k] - (slope * x + intercept);
		*acc += r * r;
	}
}

static void
window_fit4(const double *y, size_t tau, double sx, double sxx, double den, int dfa, double *acc)
{
	const double *y0 = y,
			   *y1 = y + tau,
			   *y2 = y + 2 * tau,
			   *y3 = y + 3 * tau;
	double		sy0 = 0.0, sy1 = 0.0, sy2 = 0.0, sy3 = 0.0;
	double		sxy0 = 0.0, sxy1 = 0.0, sxy2 = 0.0, sxy3 = 0.0;
	double		b0, b1, b2, b3, a0, a1, a2, a3;
	double		x = 0.0;

	for (size_t k = 0; k < tau; k++)
	{
		x += 1.0;
		sxy0 += x * y0[k];
		sy0 += y0[k];
		sxy1 += x * y1[k];
		sy1 += y1[k];
		sxy2 += x * y2[k];
		sy2 += y2[k];
		sxy3 += x * y3[k];
		sy3 += y3[k];
	}
	line_coefficients((double) tau, sx, sxx, den, sy0, sxy0, &b0, &a0);
	line_coefficients((double) tau, sx, sxx, den, sy1, sxy1, &b1, &a1);
	line_coefficients((double) tau, sx, sxx, den, sy2, sxy2, &b2, &a2);
	line_coefficients((double) tau, sx, sxx, den, sy3, sxy3, &b3, &a3);
	if (dfa)
	{
		/* one running sum, window after window: not interleaved */
		window_residual_sq(y0, tau, b0, a0, acc);
		window_residual_sq(y1, tau, b1, a1, acc);
		window_residual_sq(y2, tau, b2, a2, acc);
		window_residual_sq(y3, tau, b3, a3, acc);
	}
	else
	{
		double		lo0 = INFINITY, lo1 = INFINITY, lo2 = INFINITY, lo3 = INFINITY;
		double		hi0 = -INFINITY, hi1 = -INFINITY, hi2 = -INFINITY, hi3 = -INFINITY;

		x = 0.0;
		for (size_t k = 0; k < tau; k++)
		{
			double		r0, r1, r2, r3;

			x += 1.0;
			r0 = y0[k] - (b0 * x + a0);
			r1 = y1[k] - (b1 * x + a1);
			r2 = y2[k] - (b2 * x + a2);
			r3 = y3[k] - (b3 * x + a3);
			lo0 = r0 < lo0 ? r0 : lo0;
			hi0 = r0 > hi0 ? r0 : hi0;
			lo1 = r1 < lo1 ? r1 : lo1;
			hi1 = r1 > hi1 ? r1 : hi1;
			lo2 = r2 < lo2 ? r2 : lo2;
			hi2 = r2 > hi2 ? r2 : hi2;
			lo3 = r3 < lo3 ? r3 : lo3;
			hi3 = r3 > hi3 ? r3 : hi3;
		}
		*acc += (hi0 - lo0) * (hi0 - lo0);
		*acc += (hi1 - lo1) * (hi1 - lo1);
		*acc += (hi2 - lo2) * (hi2 - lo2);
		*acc += (hi3 - lo3) * (hi3 - lo3);
	}
}

/* SC_FluctAnal_2_{rsrangefit,dfa}_50_1_*_logi_prop_r1 (spec F21, F22). */
an_status
c22_fluct_anal(c22_work *w, int dfa, double *out)
{
	size_t		n = w->n;
	size_t		lag = dfa ? 2 : 1;
	size_t		m = n / lag;
	double	   *profile = w->scratch;
	size_t		scales[50];
	size_t		nscales = 0;
	double		log_scale[50],
				log_f[50];
	double		lmin = log(5.0),
				lmax = log((double) (n / 2));
	double		step = (lmax - lmin) / 49.0;
	double		best = INFINITY;
	size_t		best_split = 0;

	*out = 0.0;
	for (int i = 0; i < 50; i++)
	{
		size_t		s = (size_t) round(exp(lmin + (double) i * step));

		if (nscales == 0 || s != scales[nscales - 1])
			scales[nscales++] = s;
	}
	if (nscales < 12)
		return AN_OK;

	profile[0] = w->z[0];
	AN_FOR_CHECKED(k1, m - 1)
		profile[k1 + 1] = profile[k1] + w->z[(k1 + 1) * lag];

	for (size_t si = 0; si < nscales; si++)
	{
		size_t		tau = scales[si];
		size_t		nwin = m / tau;
		double		sx = 0.0,
					sxx = 0.0,
					den,
					acc = 0.0;
		size_t		unchecked = 0;

		for (size_t k = 1; k <= tau; k++)
		{
			sx += (double) k;
			sxx += (double) k * (double) k;
		}
		den = (double) tau * sxx - sx * sx;
		for (size_t j = 0; j < nwin;)
		{
			/* a check every AN_INTERRUPT_STRIDE values or so */
			if (unchecked >= AN_INTERRUPT_STRIDE)
			{
				an_check_interrupts();
				unchecked = 0;
			}
			unchecked += 4 * tau;
			if (nwin - j >= 4)
			{
				window_fit4(profile + j * tau, tau, sx, sxx, den, dfa, &acc);
				j += 4;
			}
			else
			{
				window_fit1(profile + j * tau, tau, sx, sxx, den, dfa, &acc);
				j++;
			}
		}
		if (m >= AN_INTERRUPT_STRIDE)
			an_check_interrupts();
		log_scale[si] = log((double) tau);
		if (dfa)
			log_f[si] = log(sqrt(acc / ((double) nwin * (double) tau)));
		else
			log_f[si] = log(sqrt(acc / (double) nwin));
	}

	for (size_t split = 6; split + 6 <= nscales; split++)
	{
		double		s1,
					i1,
					s2,
					i2,
					err;

		line_fit(log_scale, log_f, split, &s1, &i1);
		line_fit(log_scale + split - 1, log_f + split - 1, nscales - split + 1, &s2, &i2);
		err = fit_error(log_scale, log_f, split, s1, i1) +
			fit_error(log_scale + split - 1, log_f + split - 1, nscales - split + 1, s2, i2);
		if (err < best)
		{
			best = err;
			best_split = split;
		}
	}
	if (best_split == 0)
		*out = NAN;
	else
		*out = (double) best_split / (double) nscales;
	return AN_OK;
}
