/*
 * ts_tail.c: band edges from the residuals' tail by peaks over threshold and
 * a generalised Pareto fit (see ts_tail.h).  Written from the SPOT paper
 * (Siffer et al., KDD 2017, section 3) and Grimshaw, "Computing maximum
 * likelihood estimates for the generalized Pareto distribution",
 * Technometrics 35 (1993).
 */
#include "core/ts/ts_tail.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/sort.h"
#include "core/ts/ts_options.h"

/* grid points on the negative side of the root search, and bisection steps per root */
#define ROOT_GRID 200
#define ROOT_BISECT 80

/* Grimshaw's w(x) = u(x) v(x) - 1; *v_out = v(x) */
static double
grimshaw_w(const double *y, size_t k, double x, double *v_out)
{
	double		u = 0,
				v = 0;

	for (size_t i = 0; i < k; i++)
	{
		double		s = 1 + x * y[i];

		u += 1 / s;
		v += log(s);
	}
	u /= (double) k;
	v = 1 + v / (double) k;
	if (v_out)
		*v_out = v;
	return u * v - 1;
}

double
an_gpd_loglik(const double *y, size_t k, double xi, double sigma)
{
	double		sum = 0;

	if (!(sigma > 0))
		return -INFINITY;
	if (xi == 0)
	{
		for (size_t i = 0; i < k; i++)
			sum += y[i];
		return -(double) k * log(sigma) - sum / sigma;
	}
	for (size_t i = 0; i < k; i++)
	{
		double		s = 1 + xi * y[i] / sigma;

		if (!(s > 0))
			return -INFINITY;
		sum += log(s);
	}
	return -(double) k * log(sigma) - (1 + 1 / xi) * sum;
}

/* The candidate x (a root of w, or 0): its (xi, sigma) and likelihood, kept if better. */
static void
consider(const double *y, size_t k, double x, double mean, double *best_ll, double *xi, double *sigma)
{
	double		g,
				s,
				ll;

	if (x == 0)
	{
		g = 0;
		s = mean;
	}
	else
	{
		(void) grimshaw_w(y, k, x, &g);
		g -= 1;					/* xi = v(x) - 1 */
		s = g / x;
	}
	if (!isfinite(g) || !(s > 0) || !isfinite(s))
		return;
	ll = an_gpd_loglik(y, k, g, s);
	if (isfinite(ll) && ll > *best_ll)
	{
		*best_ll = ll;
		*xi = g;
		*sigma = s;
	}
}

/*
 * Every sign change of w on a grid of x over (lo, hi), refined by
 * bisection.  The negative side (-1 / max y, 0) is finite: a grid clustered
 * at both ends (where the roots of nearly bounded or nearly exponential
 * tails lie).  The positive side can span many decades (its end grows as
 * 1 / (min y)^2) while its root xi / sigma sits near 0: a geometric grid
 * from 1e-4 / mean y, ROOT_PER_DECADE points a decade.
 */
#define ROOT_PER_DECADE 40
#define ROOT_MAX_POINTS 1000
static void
roots_on(const double *y, size_t k, double lo, double hi, bool geometric, double mean,
		 double *best_ll, double *xi, double *sigma)
{
	double		prev_x = 0,
				prev_w = NAN,
				start = 1e-4 / mean;
	int			npoints = ROOT_GRID;

	if (geometric)
	{
		if (!(hi > start))
			start = hi * 1e-4;
		npoints = (int) fmin(ROOT_MAX_POINTS, ceil(log10(hi / start) * ROOT_PER_DECADE));
		if (npoints < 2)
			npoints = 2;
	}
	for (int i = 0; i <= npoints; i++)
	{
		double		x = geometric ? start * pow(hi / start, (double) i / npoints) :
			lo + (hi - lo) * 0.5 * (1 - cos(3.14159265358979323846 * (0.5 + i) / (npoints + 1))),
					w = grimshaw_w(y, k, x, NULL);

		if (!isfinite(w))
			continue;
		if (isfinite(prev_w) && ((prev_w < 0) != (w < 0)))
		{
			double		a = prev_x,
						b = x,
						wa = prev_w;

			for (int it = 0; it < ROOT_BISECT; it++)
			{
				double		mid = 0.5 * (a + b),
							wm = grimshaw_w(y, k, mid, NULL);

				if ((wm < 0) == (wa < 0))
				{
					a = mid;
					wa = wm;
				}
				else
					b = mid;
			}
			consider(y, k, 0.5 * (a + b), mean, best_ll, xi, sigma);
		}
		prev_x = x;
		prev_w = w;
	}
}

an_gpd_method
an_gpd_fit(const double *y, size_t k, double *xi, double *sigma)
{
	double		mean = 0,
				var = 0,
				ymin = INFINITY,
				ymax = 0,
				best = -INFINITY;

	*xi = 0;
	*sigma = 0;
	if (k < 2)
		return AN_GPD_NONE;
	for (size_t i = 0; i < k; i++)
	{
		mean += y[i];
		ymin = fmin(ymin, y[i]);
		ymax = fmax(ymax, y[i]);
	}
	mean /= (double) k;
	if (!(ymin > 0) || !isfinite(ymax))
		return AN_GPD_NONE;
	/* the exponential, then the roots of Grimshaw's equation on either side of 0 */
	consider(y, k, 0, mean, &best, xi, sigma);
	roots_on(y, k, -1 / ymax, 0, false, mean, &best, xi, sigma);
	if (mean > ymin)
		roots_on(y, k, 0, 2 * (mean - ymin) / (ymin * ymin), true, mean, &best, xi, sigma);
	if (isfinite(best))
		return AN_GPD_ML;
	for (size_t i = 0; i < k; i++)
		var += (y[i] - mean) * (y[i] - mean);
	var /= (double) (k - 1);
	if (!(var > 0))
		return AN_GPD_NONE;
	*xi = 0.5 * (1 - mean * mean / var);
	*sigma = 0.5 * mean * (1 + mean * mean / var);
	return AN_GPD_MOMENTS;
}

double
an_gpd_quantile(double t, double xi, double sigma, double n, double k, double q)
{
	double		r = q * n / k;

	if (xi == 0)
		return t - sigma * log(r);
	return t + sigma / xi * (pow(r, -xi) - 1);
}

/* Kolmogorov-Smirnov distance of the sorted peaks y[0..k) to GPD(xi, sigma). */
static double
ks_distance(const double *y, size_t k, double xi, double sigma)
{
	double		d = 0;

	for (size_t i = 0; i < k; i++)
	{
		double		s = 1 + xi * y[i] / sigma,
					f = xi == 0 ? 1 - exp(-y[i] / sigma) : (s > 0 ? 1 - pow(s, -1 / xi) : 1);

		d = fmax(d, fmax((double) (i + 1) / (double) k - f, f - (double) i / (double) k));
	}
	return d;
}

an_status
an_ts_tail_fit_side(double *d, size_t n, double q, an_ts_tail_side *out)
{
	double		p = AN_TAIL_PEAK_FRACTION;
	size_t		h,
				k = 0;
	double		t;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return AN_OK;
	if ((double) AN_TAIL_MAX_PEAKS / (double) n < p)
		p = (double) AN_TAIL_MAX_PEAKS / (double) n;
	h = (size_t) floor((1 - p) * (double) (n - 1));
	an_select_double(d, n, h);
	t = d[h];
	/* the peaks, strictly above t, to the front of d[h + 1..n) */
	for (size_t i = h + 1; i < n; i++)
		if (d[i] > t)
			d[h + 1 + k++] = d[i] - t;
	out->threshold = t;
	out->npeaks = (uint32_t) k;
	if (k < AN_TAIL_MIN_PEAKS)
		return AN_OK;
	out->method = an_gpd_fit(d + h + 1, k, &out->xi, &out->sigma);
	if (out->method == AN_GPD_NONE)
		return AN_OK;
	an_sort_doubles(d + h + 1, k);
	out->ks = ks_distance(d + h + 1, k, out->xi, out->sigma);
	/* a rate at or above the fraction of peaks: the threshold itself is the edge */
	out->edge = q * (double) n >= (double) k ? t : an_gpd_quantile(t, out->xi, out->sigma, (double) n, (double) k, q);
	if (!isfinite(out->edge) || !isfinite(out->xi) || !isfinite(out->sigma) || !isfinite(out->ks))
	{
		/* no usable fit: nothing non-finite may reach the payload */
		out->method = AN_GPD_NONE;
		out->xi = out->sigma = out->ks = out->edge = 0;
	}
	return AN_OK;
}

size_t
an_ts_tail_exclude(double *r, size_t n, double *scratch)
{
	double		q25,
				q75,
				lo,
				hi;
	size_t		kept = 0,
				out = n;

	if (n < 4)
		return n;
	memcpy(scratch, r, n * sizeof(double));
	an_select_double(scratch, n, n / 4);
	q25 = scratch[n / 4];
	an_select_double(scratch, n, (3 * n) / 4);
	q75 = scratch[(3 * n) / 4];
	lo = q25 - AN_TAIL_EXCLUDE_IQR * (q75 - q25);
	hi = q75 + AN_TAIL_EXCLUDE_IQR * (q75 - q25);
	/* kept rows to the front in their order, the excluded ones to the back */
	AN_FOR_CHECKED(i, n)
	{
		if (r[i] >= lo && r[i] <= hi)
			scratch[kept++] = r[i];
		else
			scratch[--out] = r[i];
	}
	memcpy(r, scratch, n * sizeof(double));
	return kept;
}

an_status
an_ts_tail_fit(double *r, size_t n, double *scratch, double rate, int direction,
			   bool exclude, bool out_of_sample, an_ts_tail *out)
{
	size_t		kept = exclude ? an_ts_tail_exclude(r, n, scratch) : n;
	double		q = direction == AN_TS_BOTH ? rate / 2 : rate;
	an_status	s;

	memset(out, 0, sizeof(*out));
	out->rate = rate;
	out->out_of_sample = out_of_sample;
	out->nresiduals = kept;
	out->excluded = n - kept;
	/* upper side: r as it is; lower side: -r */
	memcpy(scratch, r, kept * sizeof(double));
	if ((s = an_ts_tail_fit_side(scratch, kept, q, &out->high)) != AN_OK)
		return s;
	AN_FOR_CHECKED(i, kept)
		scratch[i] = -r[i];
	if ((s = an_ts_tail_fit_side(scratch, kept, q, &out->low)) != AN_OK)
		return s;
	out->status = out->high.method != AN_GPD_NONE && out->low.method != AN_GPD_NONE &&
		out->high.edge > 0 && out->low.edge > 0 ? AN_TAIL_FITTED : AN_TAIL_TOO_FEW;
	return AN_OK;
}

/* ---- payload ---- */

static void
write_side(an_writer *w, const an_ts_tail_side *s)
{
	an_put_u8(w, (uint8_t) s->method);
	an_put_u32(w, s->npeaks);
	an_put_f64(w, s->threshold);
	an_put_f64(w, s->xi);
	an_put_f64(w, s->sigma);
	an_put_f64(w, s->ks);
	an_put_f64(w, s->edge);
}

/*
 * Tail block (format version 2, written only when the tail is used):
 * u8 status (0 unused, 1 fitted, 2 too few points); unless 0:
 * f64 rate, u8 out_of_sample, u64 nresiduals, u64 excluded, then the low and
 * the high side, each: u8 method, u32 npeaks, f64 threshold, f64 xi,
 * f64 sigma, f64 ks, f64 edge.
 */
void
an_ts_tail_write(an_writer *w, const an_ts_tail *t)
{
	if (t->status == AN_TAIL_UNUSED)
		return;					/* format version 1: no block */
	an_put_u8(w, (uint8_t) t->status);
	an_put_f64(w, t->rate);
	an_put_u8(w, t->out_of_sample ? 1 : 0);
	an_put_u64(w, t->nresiduals);
	an_put_u64(w, t->excluded);
	write_side(w, &t->low);
	write_side(w, &t->high);
}

static void
read_side(an_reader *r, an_ts_tail_side *s, bool fitted)
{
	uint8_t		method = an_get_u8(r);

	s->method = (an_gpd_method) method;
	s->npeaks = an_get_u32(r);
	s->threshold = an_get_f64_finite(r);
	s->xi = an_get_f64_finite(r);
	s->sigma = an_get_f64_finite(r);
	s->ks = an_get_f64_finite(r);
	s->edge = an_get_f64_finite(r);
	if (r->status == AN_OK &&
		(method > AN_GPD_MOMENTS || s->ks < 0 || s->ks > 1 || s->sigma < 0 ||
		 (fitted && (method == AN_GPD_NONE || !(s->edge > 0) || !(s->sigma > 0)))))
		an_reader_fail(r, AN_ECORRUPT);
}

void
an_ts_tail_read(an_reader *r, an_ts_tail *t)
{
	uint8_t		status = an_get_u8(r),
				oos;

	memset(t, 0, sizeof(*t));
	if (r->status != AN_OK)
		return;
	if (status > AN_TAIL_TOO_FEW)
	{
		an_reader_fail(r, AN_ECORRUPT);
		return;
	}
	t->status = (an_ts_tail_status) status;
	if (status == AN_TAIL_UNUSED)
		return;
	t->rate = an_get_f64_finite(r);
	oos = an_get_u8(r);
	t->out_of_sample = oos == 1;
	t->nresiduals = an_get_u64(r);
	t->excluded = an_get_u64(r);
	read_side(r, &t->low, status == AN_TAIL_FITTED);
	read_side(r, &t->high, status == AN_TAIL_FITTED);
	if (r->status == AN_OK && (!(t->rate > 0) || t->rate > AN_TAIL_MAX_RATE || oos > 1))
		an_reader_fail(r, AN_ECORRUPT);
}

static const char *const method_names[] = {"none", "ml", "moments"};

static size_t
side_json(const an_ts_tail_side *s, char *buf, size_t cap)
{
	int			len = snprintf(buf, cap,
							   "{\"method\": \"%s\", \"peaks\": %u, \"threshold\": %.17g, \"xi\": %.17g, "
							   "\"sigma\": %.17g, \"ks\": %.17g, \"edge\": %.17g}",
							   method_names[s->method], s->npeaks, s->threshold, s->xi, s->sigma, s->ks, s->edge);

	return len < 0 ? 0 : ((size_t) len < cap ? (size_t) len : cap - 1);
}

void
an_ts_tail_json(const an_ts_tail *t, char *buf, size_t cap)
{
	size_t		len;

	buf[0] = '\0';
	if (t->status == AN_TAIL_UNUSED)
		return;

	len = (size_t) snprintf(buf, cap,
							", \"false_alarm_rate\": %.17g, \"tail\": {\"status\": \"%s\", "
							"\"residuals\": \"%s\", \"points\": %llu, \"excluded\": %llu, \"lower\": ",
							t->rate, t->status == AN_TAIL_FITTED ? "fitted" : "too few points: threshold 3",
							t->out_of_sample ? "out of sample" : "in sample",
							(unsigned long long) t->nresiduals, (unsigned long long) t->excluded);
	if (len >= cap)
		return;
	len += side_json(&t->low, buf + len, cap - len);
	len += (size_t) snprintf(buf + len, cap - len, ", \"upper\": ");
	if (len >= cap)
		return;
	len += side_json(&t->high, buf + len, cap - len);
	snprintf(buf + len, cap - len, "}");
}

int
an_ts_tail_format_version(const an_ts_tail *t)
{
	return t->status == AN_TAIL_UNUSED ? AN_FORMAT_VERSION_BASE : 2;
}
