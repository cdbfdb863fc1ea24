/*
 * c22_fft.c: radix-2 FFT, the reference-exact ACF and small statistics.
 *
 * The ACF must reproduce the reference bit for bit (spec H5-exact), because
 * several features decide on its sign or on ties between lags, and integer
 * data produces exact zeros whose rounding noise decides the answer.  The
 * recipe fixes the twiddle angles (truncated pi, multiply then divide), the
 * decimation-in-time butterfly order and the complex arithmetic; an
 * iterative DIT transform after a bit-reversal permutation performs exactly
 * the same floating-point operations as the recursive one the spec
 * describes, so it gives the same bits.
 */
#include "core/catch22/c22_internal.h"
#include "core/fft.h"

#include <math.h>

#define C22_PI_TRUE 3.14159265358979323846

size_t
c22_pow2_at_least(size_t n)
{
	size_t		p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

an_status
c22_twiddles_init(c22_twiddles *t, size_t n_max, int truncated_pi)
{
	size_t		half = n_max / 2;

	t->n_max = n_max;
	t->w = an_alloc_array(half > 0 ? 2 * half : 2, sizeof(double));
	if (t->w == NULL)
		return AN_ENOMEM;
	if (truncated_pi || n_max < 8)
	{
		/* The reference's angles have no symmetry to exploit: every entry directly. */
		for (size_t k = 0; k < half; k++)
		{
			double		theta;

			if ((k & (AN_INTERRUPT_STRIDE - 1)) == 0)
				an_check_interrupts();
			if (truncated_pi)
				theta = (C22_PI_TRUNC * (double) (2 * k)) / (double) n_max;
			else
				theta = (2.0 * C22_PI_TRUE * (double) k) / (double) n_max;
			t->w[2 * k] = cos(theta);
			t->w[2 * k + 1] = -sin(theta);
		}
		return AN_OK;
	}
	/* True angles 2 pi k / n_max: the first octant directly, the rest by symmetry. */
	for (size_t k = 0; k <= n_max / 8; k++)
	{
		double		theta = (2.0 * C22_PI_TRUE * (double) k) / (double) n_max;

		if ((k & (AN_INTERRUPT_STRIDE - 1)) == 0)
			an_check_interrupts();

		t->w[2 * k] = cos(theta);
		t->w[2 * k + 1] = -sin(theta);
	}
	AN_FOR_CHECKED(i, n_max / 4 - n_max / 8)
	{
		size_t		k = n_max / 8 + 1 + i;

		t->w[2 * k] = -t->w[2 * (n_max / 4 - k) + 1];
		t->w[2 * k + 1] = -t->w[2 * (n_max / 4 - k)];
	}
	AN_FOR_CHECKED(i, half - (n_max / 4 + 1))
	{
		size_t		k = n_max / 4 + 1 + i;

		t->w[2 * k] = -t->w[2 * (half - k)];
		t->w[2 * k + 1] = t->w[2 * (half - k) + 1];
	}
	return AN_OK;
}

void
c22_twiddles_free(c22_twiddles *t)
{
	an_free(t->w);
	t->w = NULL;
}

/*
 * Butterflies k_from..k_to-1 of one radix-2 decimation-in-time stage on a
 * block of len complex values.
 */
static inline void
fft_stage(double *block, size_t len, const c22_twiddles *t, size_t k_from, size_t k_to)
{
	size_t		half = len / 2;
	size_t		step = t->n_max / len;
	double	   *e = block;
	double	   *o = block + 2 * half;

	for (size_t k = k_from; k < k_to; k++)
	{
		double		wr = t->w[2 * k * step],
					wi = t->w[2 * k * step + 1];
		double		orr = o[2 * k],
					oi = o[2 * k + 1];
		double		tr = wr * orr - wi * oi;
		double		ti = wr * oi + wi * orr;
		double		er = e[2 * k],
					ei = e[2 * k + 1];

		e[2 * k] = er + tr;
		e[2 * k + 1] = ei + ti;
		o[2 * k] = er - tr;
		o[2 * k + 1] = ei - ti;
	}
}

/* Blocks up to this many complex values (64 KB) are transformed in cache, stage by stage. */
#define FFT_CACHE_BLOCK 4096

/*
 * All stages of a bit-reversed block of m values, depth first: both halves
 * completely, then the stage that combines them.  Every butterfly is the
 * same floating-point operation on the same operands as in the
 * breadth-first (stage after stage) order; only the order in which
 * independent butterflies run changes, so the bits do not, and large
 * transforms stay in cache.
 */
static void
fft_block(double *block, size_t m, const c22_twiddles *t)
{
	if (m <= FFT_CACHE_BLOCK)
	{
		for (size_t len = 2; len <= m; len <<= 1)
			for (size_t base = 0; base < m; base += len)
				fft_stage(block + 2 * base, len, t, 0, len / 2);
		return;
	}
	fft_block(block, m / 2, t);
	fft_block(block + m, m / 2, t);
	/* the butterflies of a stage are independent: check between runs of them */
	for (size_t k = 0; k < m / 2; k += AN_INTERRUPT_STRIDE)
	{
		if (m / 2 > AN_INTERRUPT_STRIDE)
			an_check_interrupts();
		fft_stage(block, m, t, k, m / 2 - k > AN_INTERRUPT_STRIDE ? k + AN_INTERRUPT_STRIDE : m / 2);
	}
	if (m >= AN_INTERRUPT_STRIDE)
		an_check_interrupts();
}

void
c22_fft(double *buf, size_t m, const c22_twiddles *t)
{
	an_fft_bit_reverse(buf, m);
	fft_block(buf, m, t);
}

double
c22_sum(const double *x, size_t n)
{
	double		s = 0.0;

	AN_FOR_CHECKED(i, n)
		s += x[i];
	return s;
}

double
c22_mean(const double *x, size_t n)
{
	return c22_sum(x, n) / (double) n;
}

double
c22_std(const double *x, size_t n)
{
	double		m = c22_mean(x, n);
	double		ss = 0.0;

	AN_FOR_CHECKED(i, n)
	{
		double		d = x[i] - m;

		ss += d * d;
	}
	return sqrt(ss / (double) (n - 1));
}

void
c22_acf(const double *x, size_t n, double *r, double *buf, const c22_twiddles *tw)
{
	size_t		nfft = 2 * c22_pow2_at_least(n);
	double		m = c22_mean(x, n);
	double		c,
				d,
				den;

	AN_FOR_CHECKED(t, n)
	{
		buf[2 * t] = x[t] - m;
		buf[2 * t + 1] = 0.0;
	}
	AN_FOR_CHECKED(t, nfft - n)
		buf[2 * (n + t)] = buf[2 * (n + t) + 1] = 0.0;

	c22_fft(buf, nfft, tw);
	AN_FOR_CHECKED(k, nfft)
	{
		double		ar = buf[2 * k],
					ai = buf[2 * k + 1];

		/* A times conj(A), written out as the spec's complex product. */
		buf[2 * k] = ar * ar - ai * (-ai);
		buf[2 * k + 1] = ar * (-ai) + ai * ar;
	}
	c22_fft(buf, nfft, tw);

	c = buf[0];
	d = buf[1];
	den = c * c + d * d;
	AN_FOR_CHECKED(k, n)
		r[k] = (buf[2 * k] * c + buf[2 * k + 1] * d) / den;
}

size_t
c22_first_zero(const double *r, size_t limit)
{
	/* "while positive", so that a NaN stops at once as in the reference */
	AN_FOR_CHECKED(k, limit)
		if (!(r[k] > 0.0))
			return k;
	return limit;
}
