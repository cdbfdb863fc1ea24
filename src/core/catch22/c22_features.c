/*
 * c22_features.c: the distribution, autocorrelation, spectral, forecasting
 * and symbolic features (spec F1-F18).  Periodicity, embedding distance and
 * fluctuation analysis, which need more machinery, are in c22_features2.c.
 *
 * Each feature follows the arithmetic order of its spec section where the
 * order can change a discrete decision (histogram bins, ties); elsewhere
 * ordinary left-to-right sums reproduce the reference to ~1e-15.
 */
#include "core/catch22/c22_internal.h"

#include <math.h>

/*
 * Equal-width histogram (spec H7): counts[0..nbins-1], edges[0..nbins].  The
 * bin index is computed with a division and clamped in the double domain, so
 * that no out-of-range double is ever converted to an integer.
 */
void
c22_histogram(const double *x, size_t n, double lo, double hi, size_t nbins,
			  size_t *counts, double *edges)
{
	double		width = (hi - lo) / (double) nbins;

	for (size_t b = 0; b < nbins; b++)
		counts[b] = 0;
	AN_FOR_CHECKED(i, n)
	{
		double		q = (x[i] - lo) / width;
		size_t		b;

		if (!(q >= 0.0))		/* negative or NaN: bin 0, as the reference */
			b = 0;
		else if (q >= (double) nbins)
			b = nbins - 1;
		else
		{
			b = (size_t) q;
			if (b > nbins - 1)
				b = nbins - 1;
		}
		counts[b]++;
	}
	AN_FOR_CHECKED(b, nbins + 1)
		edges[b] = ((double) b * width) + lo;
}

static double
histogram_mode(const c22_work *w, size_t nbins)
{
	size_t		counts[10];
	double		edges[11];
	size_t		max_count = 0,
				ties = 0;
	double		sum = 0.0;

	c22_histogram(w->z, w->n, w->z_min, w->z_max, nbins, counts, edges);
	for (size_t b = 0; b < nbins; b++)
		if (counts[b] > max_count)
			max_count = counts[b];
	for (size_t b = 0; b < nbins; b++)
	{
		if (counts[b] == max_count)
		{
			sum += (edges[b] + edges[b + 1]) * 0.5;
			ties++;
		}
	}
	return sum / (double) ties;
}

void
c22_histogram_modes(const c22_work *w, double *mode5, double *mode10)
{
	*mode5 = histogram_mode(w, 5);
	*mode10 = histogram_mode(w, 10);
}

/* Median of a sorted array (spec H11). */
static double
median_sorted(const double *s, size_t n)
{
	if (n % 2 == 1)
		return s[n / 2];
	return (s[n / 2] + s[n / 2 - 1]) / 2.0;
}

/* Fenwick tree over positions 1..n: the k-th smallest inserted position. */
static size_t
fenwick_kth(const uint32_t *tree, size_t n, size_t top_bit, size_t k)
{
	size_t		pos = 0;

	for (size_t step = top_bit; step > 0; step >>= 1)
	{
		if (pos + step <= n && tree[pos + step] < k)
		{
			pos += step;
			k -= tree[pos];
		}
	}
	return pos + 1;
}

/*
 * DN_OutlierInclude (spec F3/F4).  Instead of rescanning the series for
 * every threshold j*0.01, each point is assigned the largest j whose
 * threshold it reaches (checked with the exact comparison w >= j*0.01), the
 * thresholds are swept downwards, and the exceedance positions are inserted
 * into a Fenwick tree, whose order statistics give the medians: O(n log n).
 */
an_status
c22_outlier_include(const c22_work *w, double sign, double *out)
{
	size_t		n = w->n;
	size_t		tot = 0,
				nthr,
				top_bit = 1,
				inserted = 0,
				mj = 0,
				fb,
				last;
	double		wmax = -INFINITY;
	uint32_t   *tree = NULL;
	size_t	   *bucket_head = NULL,
			   *next = NULL,
			   *count = NULL;
	double	   *q = NULL;
	an_status	st = AN_ENOMEM;

	AN_FOR_CHECKED(i, n)
	{
		double		v = sign * w->z[i];

		if (v >= 0.0)
			tot++;
		if (v > wmax)
			wmax = v;
	}
	if (wmax < 0.01)
	{
		*out = 0.0;
		return AN_OK;
	}
	nthr = (size_t) trunc(wmax / 0.01 + 1.0);

	tree = an_alloc_array(n + 1, sizeof(uint32_t));
	bucket_head = an_alloc_array(nthr, sizeof(size_t));
	next = an_alloc_array(n, sizeof(size_t));
	count = an_alloc_array(nthr, sizeof(size_t));
	q = an_alloc_array(nthr, sizeof(double));
	if (!tree || !bucket_head || !next || !count || !q)
		goto done;

	AN_FOR_CHECKED(i, n + 1)
		tree[i] = 0;
	AN_FOR_CHECKED(j, nthr)
		bucket_head[j] = SIZE_MAX;
	/*
	 * Bucket positions by the highest threshold they reach; later i first in
	 * list.  Downwards, in blocks with an interrupt check before each.
	 */
	for (size_t hi = n, lo; hi > 0; hi = lo)
	{
		lo = hi > AN_INTERRUPT_STRIDE ? hi - AN_INTERRUPT_STRIDE : 0;
		an_check_interrupts();
		for (size_t i = hi; i-- > lo;)
		{
			double		v = sign * w->z[i];
			double		f;
			size_t		j;

			next[i] = SIZE_MAX;
			if (!(v >= 0.0))
				continue;
			f = floor(v / 0.01);
			j = f >= (double) (nthr - 1) ? nthr - 1 : (size_t) f;
			while (j + 1 < nthr && (double) (j + 1) * 0.01 <= v)
				j++;
			while (j > 0 && (double) j * 0.01 > v)
				j--;
			next[i] = bucket_head[j];
			bucket_head[j] = i;
		}
	}
	while (top_bit * 2 <= n)
		top_bit *= 2;

	for (size_t j = nthr; j-- > 0;)
	{
		for (size_t i = bucket_head[j]; i != SIZE_MAX; i = next[i])
		{
			for (size_t p = i + 1; p <= n; p += p & (~p + 1))
				tree[p]++;
			/* an insertion is log2(n) scattered writes: check more often */
			if ((++inserted & (AN_INTERRUPT_STRIDE / 16 - 1)) == 0)
				an_check_interrupts();
		}
		count[j] = inserted;
		if (inserted > 0)
		{
			double		med;

			if (inserted % 2 == 1)
				med = (double) fenwick_kth(tree, n, top_bit, (inserted + 1) / 2);
			else
				med = ((double) fenwick_kth(tree, n, top_bit, inserted / 2 + 1) +
					   (double) fenwick_kth(tree, n, top_bit, inserted / 2)) / 2.0;
			q[j] = med / ((double) n / 2.0) - 1.0;
		}
		else
			q[j] = NAN;
	}

	for (size_t j = nthr; j-- > 0;)
	{
		if (((double) count[j] - 1.0) * 100.0 / (double) tot > 2.0)
		{
			mj = j;
			break;
		}
	}
	fb = nthr - 1;
	for (size_t j = 0; j < nthr; j++)
	{
		if (count[j] == 1)
		{
			fb = j;
			break;
		}
	}
	last = mj < fb ? mj : fb;
	an_sort_doubles(q, last + 1);
	*out = median_sorted(q, last + 1);
	st = AN_OK;

done:
	AN_FREE_ALL(tree, bucket_head, next, count, q);
	return st;
}

double
c22_f1ecac(const c22_work *w)
{
	const double *r = w->acf;
	double		th = 1.0 / exp(1.0);

	AN_FOR_CHECKED(i, w->n - 2)
		if (r[i + 1] < th)
			return (double) i + (th - r[i]) / (r[i + 1] - r[i]);
	return (double) w->n;
}

double
c22_first_min_ac(const c22_work *w)
{
	const double *r = w->acf;

	AN_FOR_CHECKED(i1, w->n - 2)
	{
		size_t		i = i1 + 1;

		if (r[i] < r[i - 1] && r[i] < r[i + 1])
			return (double) i;
	}
	return (double) w->n;
}

/* SP_Summaries_welch_rect: a periodogram of the whole series (spec F7, F8). */
void
c22_welch_rect(c22_work *w, double *area, double *centroid)
{
	size_t		n = w->n;
	size_t		p = c22_pow2_at_least(n);
	size_t		nw = p / 2 + 1;
	double	   *buf = w->cbuf;
	double	   *sw = w->scratch;
	double		two_pi = 2.0 * C22_PI_TRUNC;
	double		root = sqrt((double) n);
	double		k_norm = root * root;
	double		df,
				total = 0.0,
				cum = 0.0;

	AN_FOR_CHECKED(t, n)
	{
		buf[2 * t] = w->z[t] - w->z_mean;
		buf[2 * t + 1] = 0.0;
	}
	AN_FOR_CHECKED(t, p - n)
		buf[2 * (n + t)] = buf[2 * (n + t) + 1] = 0.0;
	c22_fft(buf, p, w->tw_ref);

	AN_FOR_CHECKED(k, nw)
	{
		double		h = hypot(buf[2 * k], buf[2 * k + 1]);
		double		s = h * h / k_norm;

		if (k > 0 && k < p / 2)
			s = s * 2.0;
		sw[k] = s / two_pi;
		if (isinf(sw[k]))
		{
			*area = 0.0;
			*centroid = 0.0;
			return;
		}
	}
	df = two_pi * (1.0 * (1.0 / (double) p)) - two_pi * (0.0 * (1.0 / (double) p));
	AN_FOR_CHECKED(k, nw / 5)
		total += sw[k];
	*area = total * df;

	AN_FOR_CHECKED(k, nw)
	{
		cum += sw[k];
		sw[k] = cum;
	}
	*centroid = 0.0;
	AN_FOR_CHECKED(k, nw)
	{
		if (sw[k] > 0.5 * sw[nw - 1])
		{
			*centroid = two_pi * ((double) k * (1.0 / (double) p));
			return;
		}
	}
}

double
c22_local_simple_mean3_stderr(const c22_work *w)
{
	size_t		n = w->n;
	double	   *e = w->scratch;

	if (n <= 3)
		return NAN;
	AN_FOR_CHECKED(t, n - 3)
		e[t] = w->z[t + 3] - ((w->z[t] + w->z[t + 1]) + w->z[t + 2]) / 3.0;
	return c22_std(e, n - 3);
}

double
c22_local_simple_mean1_tauresrat(const c22_work *w)
{
	return (double) w->dacf_zero / (double) w->acf_zero;
}

double
c22_hrv_pnn40(const c22_work *w)
{
	size_t		count = 0;

	AN_FOR_CHECKED(t, w->n - 1)
		if (fabs(w->dz[t]) * 1000.0 > 40.0)
			count++;
	return (double) count / (double) (w->n - 1);
}

/*
 * Longest gap between "events" over positions 0..m-1 (m = n-1), with a
 * virtual event at 0 and a forced one at m-1 (spec F12, F13).
 */
static double
longest_gap(const unsigned char *is_event, size_t m)
{
	size_t		last = 0,
				best = 0;

	AN_FOR_CHECKED(t, m)
	{
		if (is_event[t] || t == m - 1)
		{
			if (t - last > best)
				best = t - last;
			last = t;
		}
	}
	return (double) best;
}

double
c22_binary_mean_longstretch1(const c22_work *w)
{
	unsigned char *ev = (unsigned char *) w->scratch;

	AN_FOR_CHECKED(t, w->n - 1)
		ev[t] = !(w->z[t] - w->z_mean > 0.0);
	return longest_gap(ev, w->n - 1);
}

double
c22_binary_diff_longstretch0(const c22_work *w)
{
	unsigned char *ev = (unsigned char *) w->scratch;

	AN_FOR_CHECKED(t, w->n - 1)
		ev[t] = !(w->z[t + 1] - w->z[t] < 0.0);
	return longest_gap(ev, w->n - 1);
}

/* Quantile of a sorted array (spec H8). */
static double
quantile_sorted(const double *s, size_t n, double p)
{
	double		u,
				lo,
				hi;

	if (p < 0.5 / (double) n)
		return s[0];
	if (p > 1.0 - 0.5 / (double) n)
		return s[n - 1];
	u = (double) n * p - 0.5;
	lo = floor(u);
	hi = ceil(u);
	return s[(size_t) lo] + (u - lo) * (s[(size_t) hi] - s[(size_t) lo]) / (hi - lo);
}

/* Thresholds of the three-symbol quantile coarse-graining (spec H9). */
static void
cg3_thresholds(const double *sorted, size_t n, double th[4])
{
	double		h = 1.0 / 3;
	double		p2 = h + h;
	double		p3 = p2 + h;

	th[0] = quantile_sorted(sorted, n, 0.0) - 1.0;
	th[1] = quantile_sorted(sorted, n, h);
	th[2] = quantile_sorted(sorted, n, p2);
	th[3] = quantile_sorted(sorted, n, p3);
}

static int
cg3_symbol(double v, const double th[4])
{
	if (v <= th[1])
		return 0;
	if (v <= th[2])
		return 1;
	return 2;
}

double
c22_motif_three_hh(const c22_work *w)
{
	size_t		n = w->n;
	double		th[4];
	size_t		pairs[3][3] = {{0}};
	double		h = 0.0;
	int			prev;

	cg3_thresholds(w->z_sorted, n, th);
	prev = cg3_symbol(w->z[0], th);
	AN_FOR_CHECKED(t1, n - 1)
	{
		int			cur = cg3_symbol(w->z[t1 + 1], th);

		pairs[prev][cur]++;
		prev = cur;
	}
	for (int a = 0; a < 3; a++)
		for (int b = 0; b < 3; b++)
		{
			double		p = (double) pairs[a][b] / ((double) n - 1.0);

			if (p > 0.0)
				h -= p * log(p);
		}
	return h;
}

double
c22_histogram_ami_even_2_5(const c22_work *w)
{
	size_t		n = w->n;
	double		width = ((w->z_max - w->z_min) + 0.2) / 5.0;
	double		edges[6];
	size_t		counts[5][5] = {{0}};
	double		pab[5][5],
				pa[5] = {0},
				pb[5] = {0};
	double		mi = 0.0;
	unsigned char *bins = (unsigned char *) w->scratch;

	for (int k = 0; k < 6; k++)
		edges[k] = (w->z_min + width * (double) k) - 0.1;
	AN_FOR_CHECKED(t, n)
	{
		int			k = 0;

		while (k < 6 && !(w->z[t] < edges[k]))
			k++;
		/* k is 1..5 for all data; clamp defensively */
		bins[t] = (unsigned char) (k < 1 ? 0 : (k > 5 ? 4 : k - 1));
	}
	AN_FOR_CHECKED(t, n - 2)
		counts[bins[t]][bins[t + 2]]++;
	for (int a = 0; a < 5; a++)
		for (int b = 0; b < 5; b++)
			pab[a][b] = (double) counts[a][b] / (double) (n - 2);
	for (int a = 0; a < 5; a++)
		for (int b = 0; b < 5; b++)
		{
			pa[a] += pab[a][b];
			pb[b] += pab[a][b];
		}
	for (int a = 0; a < 5; a++)
		for (int b = 0; b < 5; b++)
			if (pab[a][b] > 0.0)
				mi += pab[a][b] * log(pab[a][b] / (pa[a] * pb[b]));
	return mi;
}

double
c22_trev_1_num(const c22_work *w)
{
	double		s = 0.0;

	AN_FOR_CHECKED(t, w->n - 1)
		s += pow(w->dz[t], 3.0);
	return s / (double) (w->n - 1);
}

/*
 * IN_AutoMutualInfoStats_40_gaussian_fmmi (spec F17).  Each lag needs the
 * Pearson correlation of u = z[0..n-1-lag] and v = z[lag..n-1], each centred
 * on its own mean.  The sequential sum of u is a prefix sum, and the
 * sequential sum of v for the next lag is accumulated during this lag's
 * pass, so each lag is one pass with four independent sums and every sum is
 * still taken left to right from 0.0, as a direct evaluation would.
 */
double
c22_auto_mutual_info_fmmi(const c22_work *w)
{
	size_t		n = w->n;
	const double *z = w->z;
	size_t		tmax = (n + 1) / 2 < 40 ? (n + 1) / 2 : 40;
	double	   *prefix = w->scratch;
	double		info[41];
	double		sum_v;

	if (tmax < 3)
		return (double) tmax;
	prefix[0] = 0.0 + z[0];
	AN_FOR_CHECKED(i1, n - 1)
		prefix[i1 + 1] = prefix[i1] + z[i1 + 1];
	sum_v = c22_sum(z + 1, n - 1);
	for (size_t lag = 1; lag <= tmax; lag++)
	{
		size_t		m = n - lag;
		const double *v = z + lag;
		double		mu = prefix[m - 1] / (double) m,
					mv = sum_v / (double) m;
		double		du = z[0] - mu,
					dv = v[0] - mv;
		double		suv = 0.0 + du * dv,
					suu = 0.0 + du * du,
					svv = 0.0 + dv * dv,
					next = 0.0;
		double		rho;

		for (size_t i = 1; i < m; i++)
		{
			du = z[i] - mu;
			dv = v[i] - mv;
			suv += du * dv;
			suu += du * du;
			svv += dv * dv;
			next += v[i];
		}
		sum_v = next;
		if (n >= AN_INTERRUPT_STRIDE)
			an_check_interrupts();
		rho = suv / sqrt(suu * svv);
		info[lag] = -0.5 * log(1.0 - rho * rho);
	}
	for (size_t lag = 2; lag + 1 <= tmax; lag++)
		if (info[lag] < info[lag - 1] && info[lag] < info[lag + 1])
			return (double) (lag - 1);
	return (double) tmax;
}

an_status
c22_transition_matrix_sumdiagcov(c22_work *w, double *out)
{
	size_t		n = w->n;
	size_t		tau = w->acf_zero;
	size_t		nu;
	double	   *u = w->scratch,
			   *sorted = w->scratch2;
	double		th[4];
	size_t		counts[3][3] = {{0}};
	double		tm[3][3];
	double		total = 0.0;
	int			prev;

	if (tau == 0)
	{
		*out = NAN;
		return AN_OK;
	}
	nu = (n - 1) / tau + 1;
	if (nu == 1)
	{
		*out = NAN;
		return AN_OK;
	}
	AN_FOR_CHECKED(i, nu)
		u[i] = sorted[i] = w->z[i * tau];
	an_sort_doubles(sorted, nu);
	cg3_thresholds(sorted, nu, th);
	prev = cg3_symbol(u[0], th);
	AN_FOR_CHECKED(i1, nu - 1)
	{
		int			cur = cg3_symbol(u[i1 + 1], th);

		counts[prev][cur]++;
		prev = cur;
	}
	for (int a = 0; a < 3; a++)
		for (int b = 0; b < 3; b++)
			tm[a][b] = (double) counts[a][b] / (double) (nu - 1);
	for (int b = 0; b < 3; b++)
	{
		double		mean = ((tm[0][b] + tm[1][b]) + tm[2][b]) / 3.0;
		double		ss = 0.0;

		for (int a = 0; a < 3; a++)
			ss += (tm[a][b] - mean) * (tm[a][b] - mean);
		total += ss / 2.0;
	}
	*out = total;
	return AN_OK;
}
