/*
 * ts_shape.c: the shape component (see ts_shape.h): choosing the window,
 * the reference windows, their calibration, reading and writing the block,
 * and the nearest-reference distance of a window.
 */
#include "core/ts/ts_shape.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/fft.h"
#include "core/sort.h"
#include "core/ts/ts_common.h"

static size_t
clamp_auto(double w)
{
	if (!(w >= AN_SHAPE_AUTO_MIN_WINDOW))
		return AN_SHAPE_AUTO_MIN_WINDOW;
	if (w > AN_SHAPE_AUTO_MAX_WINDOW)
		return AN_SHAPE_AUTO_MAX_WINDOW;
	return (size_t) llround(w);
}

/*
 * The autocorrelation at lags 0..maxlag of the last AN_SHAPE_ACF_MAX_POINTS
 * values of v[0..n) (maxlag at most a third of them), into acf; AN_ENOMEM
 * without scratch, another failure of an_autocorrelation as it comes.
 */
static an_status
last_acf(const double *v, size_t n, size_t maxlag, double *acf)
{
	size_t		m = n > AN_SHAPE_ACF_MAX_POINTS ? AN_SHAPE_ACF_MAX_POINTS : n;
	double	   *x = an_alloc_array(m, sizeof(double)),
				mean = 0;
	an_status	s;

	if (x == NULL)
		return AN_ENOMEM;
	for (size_t i = 0; i < m; i++)
		mean += v[n - m + i];
	mean /= (double) m;
	for (size_t i = 0; i < m; i++)
		x[i] = v[n - m + i] - mean;
	s = an_autocorrelation(x, m, maxlag, acf);
	an_free(x);
	return s;
}

/* the first lag in [1, maxlag] whose autocorrelation is below level, maxlag if none */
static size_t
first_below(const double *acf, size_t maxlag, double level)
{
	for (size_t k = 1; k <= maxlag; k++)
		if (acf[k] < level)
			return k;
	return maxlag;
}

/*
 * The first cycle: the first local maximum in [1, maxlag) after the
 * autocorrelation has turned negative that reaches AN_SHAPE_ACF_CYCLE (a
 * pattern that comes back), 0 if there is none.
 */
static size_t
first_cycle(const double *acf, size_t maxlag)
{
	bool		dipped = false;

	for (size_t k = 1; k < maxlag; k++)
	{
		dipped = dipped || acf[k] < 0;
		if (dipped && acf[k] >= AN_SHAPE_ACF_CYCLE && acf[k] >= acf[k - 1] && acf[k] >= acf[k + 1])
			return k;
	}
	return 0;
}

bool
an_ts_acf_first_below(const double *v, size_t n, size_t maxlag, double level, size_t *lag)
{
	size_t		m = n > AN_SHAPE_ACF_MAX_POINTS ? AN_SHAPE_ACF_MAX_POINTS : n;
	double	   *acf;
	an_status	s;

	*lag = 0;
	if (maxlag > m / 3)
		maxlag = m / 3;
	if (maxlag == 0)
		return true;
	if ((acf = an_alloc_array(maxlag + 1, sizeof(double))) == NULL)
		return false;
	s = last_acf(v, n, maxlag, acf);
	if (s == AN_OK)
		*lag = first_below(acf, maxlag, level);
	an_free(acf);
	return s != AN_ENOMEM;
}

size_t
an_ts_shape_window(const double *v, size_t n, size_t window, double period_samples, an_shape_source *source)
{
	size_t		m,
				maxlag,
				w;
	double	   *acf;
	an_status	s;

	if (window > 0)
	{
		*source = AN_SHAPE_FROM_OPTION;
		return window;
	}
	if (period_samples > 0)
	{
		*source = AN_SHAPE_FROM_PERIOD;
		return clamp_auto(period_samples);
	}
	/* aperiodic: the first cycle of the autocorrelation of the last rows, else its fall below the level */
	*source = AN_SHAPE_FROM_ACF;
	m = n > AN_SHAPE_ACF_MAX_POINTS ? AN_SHAPE_ACF_MAX_POINTS : n;
	if (m < 3 * AN_SHAPE_AUTO_MIN_WINDOW)
		return 0;
	maxlag = m / 3 < AN_SHAPE_AUTO_MAX_WINDOW ? m / 3 : AN_SHAPE_AUTO_MAX_WINDOW;
	if ((acf = an_alloc_array(maxlag + 1, sizeof(double))) == NULL)
		return 0;
	s = last_acf(v, n, maxlag, acf);
	if (s == AN_ENOMEM)
	{
		an_free(acf);
		return 0;
	}
	w = AN_SHAPE_AUTO_MAX_WINDOW;	/* the autocorrelation failed */
	if (s == AN_OK && (w = first_cycle(acf, maxlag)) == 0)
		w = first_below(acf, maxlag, AN_SHAPE_ACF_LEVEL);
	an_free(acf);
	return clamp_auto((double) w);
}

void
an_ts_shape_window_stats(const double *x, size_t w, double *mean, double *sd)
{
	double		s = 0,
				ss = 0;

	for (size_t i = 0; i < w; i++)
		s += x[i];
	s /= (double) w;
	for (size_t i = 0; i < w; i++)
		ss += (x[i] - s) * (x[i] - s);
	*mean = s;
	*sd = sqrt(ss / (double) w);
}

double
an_ts_shape_normalise(const double *x, size_t w, double floor, double *out)
{
	double		mean,
				sd,
				den,
				sq = 0;

	an_ts_shape_window_stats(x, w, &mean, &sd);
	den = sd > floor ? sd : floor;
	for (size_t i = 0; i < w; i++)
	{
		out[i] = (x[i] - mean) / den;
		sq += out[i] * out[i];
	}
	return sq;
}

/*
 * Candidate starts of the reference windows (see ts_shape.h) into starts
 * (kmax entries); returns how many.
 */
static size_t
choose_starts(size_t m, size_t w, size_t kmax, size_t *starts)
{
	size_t		c = w < kmax / AN_SHAPE_MIN_CHUNKS ? w : kmax / AN_SHAPE_MIN_CHUNKS,
				st,
				span,
				nchunks,
				k = 0;

	if (c == 0)
		c = 1;
	st = (w + c - 1) / c;
	span = (c - 1) * st + 1;
	nchunks = kmax / c;
	if (m <= kmax)
	{
		for (size_t i = 0; i < m; i++)
			starts[k++] = i;
	}
	else if (nchunks < 2 || nchunks * span > m)
	{
		for (size_t j = 0; j < kmax; j++)
			starts[k++] = (size_t) (((unsigned long long) j * m) / kmax);
	}
	else
	{
		for (size_t s = 0; s < nchunks; s++)
		{
			size_t		base = (size_t) (((unsigned long long) s * (m - span)) / (nchunks - 1));

			for (size_t i = 0; i < c; i++)
				starts[k++] = base + i * st;
		}
	}
	return k;
}

an_status
an_ts_shape_usable_starts(const an_point *pts, size_t n, size_t w, int64_t interval_us, size_t kmax,
						  size_t *starts, size_t *k_out, double *maxabs_out)
{
	size_t		k = 0,
			   *brk = an_alloc_array(n, sizeof(size_t));
	double		limit = (double) interval_us * AN_SHAPE_MAX_STEP,
				maxabs = 0;

	*k_out = 0;
	if (brk == NULL)
		return AN_ENOMEM;
	/* brk[i]: the last row j <= i entered by a step longer than the limit (0 if none) */
	brk[0] = 0;
	AN_FOR_CHECKED(i, n)
	{
		if (i > 0)
			brk[i] = (double) pts[i].ts - (double) pts[i - 1].ts > limit ? i : brk[i - 1];
		if (fabs(pts[i].value) > maxabs)
			maxabs = fabs(pts[i].value);
	}
	{
		size_t		cand = choose_starts(n - w + 1, w, kmax, starts);

		/* keep the windows that span no gap */
		for (size_t j = 0; j < cand; j++)
			if (brk[starts[j] + w - 1] <= starts[j])
				starts[k++] = starts[j];
	}
	an_free(brk);
	*k_out = k;
	*maxabs_out = maxabs;
	return AN_OK;
}

double
an_ts_shape_floor(double *sds, size_t k, double maxabs)
{
	/* the floor of the normalising spread: a fraction of the median window's */
	double		floor_sd = AN_SHAPE_SIGMA_FLOOR * an_median_inplace(sds, k);

	if (!(floor_sd >= an_ts_sigma_floor(maxabs)))
		floor_sd = an_ts_sigma_floor(maxabs);
	return floor_sd;
}

double
an_ts_shape_edge(double *d, size_t ncal, size_t w)
{
	size_t		q = (size_t) floor(AN_SHAPE_EDGE_QUANTILE * (double) (ncal - 1) + 0.5);
	double		edge;

	an_select_double(d, ncal, q);
	edge = d[q] * AN_SHAPE_EDGE_MARGIN;
	if (!(edge >= AN_SHAPE_MIN_EDGE * sqrt(2.0 * (double) w)))
		edge = AN_SHAPE_MIN_EDGE * sqrt(2.0 * (double) w);
	return edge;
}

an_status
an_ts_shape_fit(const an_point *pts, size_t n, size_t w, int64_t interval_us, an_shape_source source,
				an_ts_shape **out)
{
	size_t		kmax,
				k = 0,
				ncal = 0,
			   *starts = NULL;
	double	   *refs = NULL,
			   *sq = NULL,
			   *sds = NULL,
			   *gram = NULL,
			   *nn = NULL,
				maxabs = 0,
				floor_sd,
				edge;
	an_ts_shape *s;
	an_status	st = AN_OK;

	*out = NULL;
	if (interval_us <= 0 || w < AN_SHAPE_MIN_WINDOW || w > AN_SHAPE_MAX_WINDOW || n < 3 * w)
		return AN_OK;
	/* at most AN_SHAPE_BUDGET values, and at most AN_SHAPE_ROWS_FACTOR times the training rows */
	kmax = (n * AN_SHAPE_ROWS_FACTOR < AN_SHAPE_BUDGET ? n * AN_SHAPE_ROWS_FACTOR : AN_SHAPE_BUDGET) / w;
	if (kmax > AN_SHAPE_MAX_REFS)
		kmax = AN_SHAPE_MAX_REFS;
	starts = an_alloc_array(kmax, sizeof(size_t));
	if (starts == NULL)
	{
		st = AN_ENOMEM;
		goto done;
	}
	st = an_ts_shape_usable_starts(pts, n, w, interval_us, kmax, starts, &k, &maxabs);
	if (st != AN_OK || k < 2)
		goto done;
	refs = an_alloc_array(k * w, sizeof(double));
	sq = an_alloc_array(k, sizeof(double));
	sds = an_alloc_array(k, sizeof(double));
	gram = an_alloc_array(k * k, sizeof(double));
	nn = an_alloc_array(k, sizeof(double));
	if (refs == NULL || sq == NULL || sds == NULL || gram == NULL || nn == NULL)
	{
		st = AN_ENOMEM;
		goto done;
	}
	for (size_t j = 0; j < k; j++)
	{
		double		mean;

		for (size_t i = 0; i < w; i++)
			refs[j * w + i] = pts[starts[j] + i].value;
		an_ts_shape_window_stats(refs + j * w, w, &mean, &sds[j]);
	}
	floor_sd = an_ts_shape_floor(sds, k, maxabs);
	for (size_t j = 0; j < k; j++)
		sq[j] = an_ts_shape_normalise(refs + j * w, w, floor_sd, refs + j * w);
	an_check_interrupts();
	/* every pair's dot product at once: the upper triangle of refs refs^T */
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int) k, (int) w, 1.0, refs, (int) w, 0.0,
				gram, (int) k);
	an_check_interrupts();
	for (size_t i = 0; i < k; i++)
	{
		double		best = INFINITY;

		for (size_t j = 0; j < k; j++)
		{
			size_t		gap = starts[i] > starts[j] ? starts[i] - starts[j] : starts[j] - starts[i];
			double		dot = i <= j ? gram[i * k + j] : gram[j * k + i],
						d2;

			if (gap < w)
				continue;
			d2 = sq[i] + sq[j] - 2 * dot;
			if (d2 < best)
				best = d2;
		}
		if (best < INFINITY)
			nn[ncal++] = sqrt(best > 0 ? best : 0);
	}
	if (ncal < 2)
		goto done;
	edge = an_ts_shape_edge(nn, ncal, w);
	if (!isfinite(edge) || !isfinite(floor_sd))
		goto done;
	s = an_alloc(sizeof(an_ts_shape) + (k * w + k) * sizeof(double));
	if (s == NULL)
	{
		st = AN_ENOMEM;
		goto done;
	}
	s->w = (uint32_t) w;
	s->k = (uint32_t) k;
	s->sigma_floor = floor_sd;
	s->edge = edge;
	s->source = source;
	s->refs = (double *) (s + 1);
	s->ref_sq = s->refs + k * w;
	memcpy(s->refs, refs, k * w * sizeof(double));
	memcpy(s->ref_sq, sq, k * sizeof(double));
	for (size_t j = 0; j < k * w; j++)
		if (!isfinite(s->refs[j]))
		{
			an_free(s);
			s = NULL;
			break;
		}
	*out = s;
done:
	AN_FREE_ALL(starts, refs, sq, sds, gram, nn);
	return st;
}

void
an_ts_shape_write(an_writer *w, const an_ts_shape *s)
{
	an_put_u32(w, s->w);
	an_put_u32(w, s->k);
	an_put_f64(w, s->sigma_floor);
	an_put_f64(w, s->edge);
	an_put_u8(w, (uint8_t) s->source);
	an_put_f64_array(w, s->refs, (size_t) s->k * s->w);
}

void
an_ts_shape_read(an_reader *r, an_ts_shape **out)
{
	uint32_t	w = an_get_u32(r),
				k = an_get_u32(r);
	double		sigma_floor = an_get_f64_finite(r),
				edge = an_get_f64_finite(r);
	uint8_t		source = an_get_u8(r);
	an_ts_shape *s;

	*out = NULL;
	if (r->status != AN_OK)
		return;
	if (w < AN_SHAPE_MIN_WINDOW || w > AN_SHAPE_MAX_WINDOW || k < 2 || k > AN_SHAPE_MAX_REFS ||
		(size_t) k * w > AN_SHAPE_BUDGET || !(sigma_floor > 0) || !(edge > 0) ||
		source > AN_SHAPE_FROM_ACF || (size_t) k * w > an_reader_remaining(r) / sizeof(double))
	{
		an_reader_fail(r, AN_ECORRUPT);
		return;
	}
	s = an_reader_alloc(r, sizeof(an_ts_shape) + ((size_t) k * w + k) * sizeof(double));
	if (s == NULL)
		return;
	s->w = w;
	s->k = k;
	s->sigma_floor = sigma_floor;
	s->edge = edge;
	s->source = (an_shape_source) source;
	s->refs = (double *) (s + 1);
	s->ref_sq = s->refs + (size_t) k * w;
	for (size_t j = 0; j < k; j++)
	{
		double		ss = 0;

		for (size_t i = 0; i < w; i++)
		{
			double		x = an_get_f64_finite(r);

			s->refs[j * w + i] = x;
			ss += x * x;
		}
		s->ref_sq[j] = ss;
	}
	*out = an_reader_keep(r, s);
}

void
an_ts_shape_free(an_ts_shape *s)
{
	an_free(s);
}

/*
 * The window's two sums run in eight interleaved partial sums (four pairs
 * of lanes, GCC/Clang vector extensions: SSE2 on x86-64, NEON on arm64):
 * eight independent addition chains instead of one serial chain, which is
 * what bounds these short loops (-O2 does not reassociate a reduction by
 * itself).  The order differs from a plain loop's only in the last bits.
 */
typedef double an_v2d __attribute__((vector_size(16)));

static inline an_v2d
load2(const double *x)
{
	an_v2d		v;

	memcpy(&v, x, sizeof(v));
	return v;
}

static inline double
lanes_total(an_v2d a, an_v2d b, an_v2d c, an_v2d d)
{
	an_v2d		t = (a + b) + (c + d);

	return t[0] + t[1];
}

/* the sum of x[0..w) */
static double
window_sum(const double *x, size_t w)
{
	an_v2d		a = {0, 0},
				b = {0, 0},
				c = {0, 0},
				d = {0, 0};
	size_t		i = 0;
	double		tail = 0;

	for (; i + 8 <= w; i += 8)
	{
		a += load2(x + i);
		b += load2(x + i + 2);
		c += load2(x + i + 4);
		d += load2(x + i + 6);
	}
	for (; i < w; i++)
		tail += x[i];
	return lanes_total(a, b, c, d) + tail;
}

/* out[i] = x[i] - mean; returns the sum of the out[i]^2 */
static double
window_centre(const double *x, size_t w, double mean, double *out)
{
	an_v2d		a = {0, 0},
				b = {0, 0},
				c = {0, 0},
				d = {0, 0},
				m = {mean, mean};
	size_t		i = 0;
	double		tail = 0;

	for (; i + 8 <= w; i += 8)
	{
		an_v2d		e = load2(x + i) - m,
					f = load2(x + i + 2) - m,
					g = load2(x + i + 4) - m,
					h = load2(x + i + 6) - m;

		memcpy(out + i, &e, sizeof(e));
		memcpy(out + i + 2, &f, sizeof(f));
		memcpy(out + i + 4, &g, sizeof(g));
		memcpy(out + i + 6, &h, sizeof(h));
		a += e * e;
		b += f * f;
		c += g * g;
		d += h * h;
	}
	for (; i < w; i++)
	{
		out[i] = x[i] - mean;
		tail += out[i] * out[i];
	}
	return lanes_total(a, b, c, d) + tail;
}

/*
 * With c = q - mean(q) and den = max(sd(q), sigma_floor), the normalised
 * window is c / den, and its squared distance to a reference r is
 *     |c / den - r|^2 = ss / den^2 + |r|^2 - (2 / den) (c . r),  ss = |c|^2.
 * So the window is never divided: one dgemv with alpha = -2 / den and
 * beta = 1 over a copy of the references' |r|^2 gives |r|^2 - (2 / den) (c . r)
 * for every reference at once, and ss / den^2 is added to the smallest.
 * The window is centred (not used raw, although the references' own means
 * are 0) so that a large level cannot cancel away the digits of c . r.
 */
double
an_ts_shape_distance(const an_ts_shape *s, const double *q, double *scratch)
{
	size_t		w = s->w;
	double	   *c = scratch,
			   *partial = scratch + w,
				mean = window_sum(q, w) / (double) w,
				ss = window_centre(q, w, mean, c),
				sd = sqrt(ss / (double) w),
				den = sd > s->sigma_floor ? sd : s->sigma_floor,
				best = INFINITY,
				d2;

	memcpy(partial, s->ref_sq, s->k * sizeof(double));
	cblas_dgemv(CblasRowMajor, CblasNoTrans, (int) s->k, (int) w, -2.0 / den, s->refs, (int) w, c, 1, 1.0,
				partial, 1);
	for (size_t j = 0; j < s->k; j++)
		if (partial[j] < best)
			best = partial[j];
	d2 = ss / (den * den) + best;
	return sqrt(d2 > 0 ? d2 : 0);
}

static const char *const source_names[] = {"option", "period", "autocorrelation"};

void
an_ts_shape_json(const an_ts_shape *s, char *buf, size_t cap)
{
	snprintf(buf, cap,
			 ", \"shape\": {\"window\": %u, \"window_from\": \"%s\", \"references\": %u, "
			 "\"sigma_floor\": %.17g, \"edge\": %.17g}",
			 s->w, source_names[s->source], s->k, s->sigma_floor, s->edge);
}
