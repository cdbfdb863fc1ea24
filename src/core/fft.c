/*
 * fft.c: radix-2 decimation-in-time FFT (bit reversal, then butterflies with
 * twiddles computed per stage by cos/sin, not by recurrence, so the error
 * does not grow with n; one complex number per SSE2 register where there is
 * SSE2, with the very bits of the scalar code), and autocorrelation through
 * |FFT|^2.
 */
#include "core/fft.h"

#include "core/fft_avx512.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#define FFT_SSE2 1
#endif

#define AN_PI 3.14159265358979323846

size_t
an_fft_size(size_t n)
{
	size_t		p = 1;

	while (p < n)
	{
		if (p > ((size_t) -1) / 4)
			return 0;
		p <<= 1;
	}
	return p;
}

/* cos and sin of 2 pi k / n for k < n / 2, shared by every stage of both directions */
static void
fill_twiddles(double *tw, size_t n)
{
	for (size_t k = 0; k < n / 2; k++)
	{
		double		a = 2.0 * AN_PI * (double) k / (double) n;

		tw[2 * k] = cos(a);
		tw[2 * k + 1] = sin(a);
	}
}

/*
 * The twiddles of the last size used, kept between calls: a fit per group of
 * GROUP BY series computes the same table again and again, and its sin/cos
 * cost as much as a transform.  Tables up to TWIDDLE_CACHE_N points (series
 * up to half that) live here; larger ones are allocated per call.  A
 * backend is single-threaded, so a static table is safe.
 */
#define TWIDDLE_CACHE_N 16384
static double twiddle_cache[TWIDDLE_CACHE_N];
static size_t twiddle_cache_n;

/* The twiddles for n; *owned says whether the caller must an_free them. NULL: out of memory. */
static const double *
get_twiddles(size_t n, bool *owned)
{
	double	   *tw;

	if (n <= TWIDDLE_CACHE_N)
	{
		*owned = false;
		if (twiddle_cache_n != n)
		{
			twiddle_cache_n = 0;
			fill_twiddles(twiddle_cache, n);
			twiddle_cache_n = n;
		}
		return twiddle_cache;
	}
	*owned = true;
	if ((tw = an_alloc_array(n / 2, 2 * sizeof(double))) != NULL)
		fill_twiddles(tw, n);
	return tw;
}

/*
 * The twiddles of each stage from length 8 on, one stage after the other,
 * as (cos, sin) pairs in the order the stage uses them (the table itself
 * is read with a stride that grows as the stages shrink): what the AVX-512
 * stages load four at a time.  Kept for the last transform size, made only
 * from the cached table; NULL otherwise.
 */
static double stage_cache[2 * TWIDDLE_CACHE_N];
static size_t stage_cache_n,
			stage_cache_mul;

static const double *
get_stage_twiddles(size_t n, size_t tw_mul, const double *tw)
{
	if (tw != twiddle_cache || n * tw_mul != twiddle_cache_n || n < 8)
		return NULL;
	if (stage_cache_n != n || stage_cache_mul != tw_mul)
	{
		double	   *out = stage_cache;

		for (size_t len = 8; len <= n; len <<= 1)
		{
			size_t		half = len >> 1,
						stride = n / len * tw_mul;

			for (size_t k = 0; k < half; k++)
			{
				*out++ = tw[2 * k * stride];
				*out++ = tw[2 * k * stride + 1];
			}
		}
		stage_cache_n = n;
		stage_cache_mul = tw_mul;
	}
	return stage_cache;
}

/* One butterfly: x = w b, then (a, b) = (a + x, a - x). */
static inline void
butterfly(double *pa, double *pb, double wr, double wi)
{
#ifdef FFT_SSE2
	/*
	 * One complex number per register, the same products and sums as the
	 * scalar code, so the same bits: re = zr wr + zi (-wi) is zr wr - zi wi
	 * exactly, im = zi wr + zr wi.
	 */
	__m128d		zb = _mm_loadu_pd(pb),
				za = _mm_loadu_pd(pa),
				x = _mm_add_pd(_mm_mul_pd(zb, _mm_set1_pd(wr)),
							   _mm_mul_pd(_mm_shuffle_pd(zb, zb, 1), _mm_set_pd(wi, -wi)));

	_mm_storeu_pd(pb, _mm_sub_pd(za, x));
	_mm_storeu_pd(pa, _mm_add_pd(za, x));
#else
	double		xr = pb[0] * wr - pb[1] * wi,
				xi = pb[0] * wi + pb[1] * wr;

	pb[0] = pa[0] - xr;
	pb[1] = pa[1] - xi;
	pa[0] += xr;
	pa[1] += xi;
#endif
}

/* Up to this many points z stays in the L1 cache, whatever the order of a stage's butterflies. */
#define FFT_CACHED_POINTS 2048

void
an_fft_bit_reverse(double *z, size_t n)
{
	for (size_t i = 1, j = 0; i < n; i++)
	{
		size_t		bit = n >> 1;

		if ((i & (AN_INTERRUPT_STRIDE - 1)) == 0)
			an_check_interrupts();
		for (; j & bit; bit >>= 1)
			j ^= bit;
		j ^= bit;
		if (i < j)
		{
			double		re = z[2 * i],
						im = z[2 * i + 1];

			z[2 * i] = z[2 * j];
			z[2 * i + 1] = z[2 * j + 1];
			z[2 * j] = re;
			z[2 * j + 1] = im;
		}
	}
}

/*
 * The transform of n points with the twiddles of a table made for n * tw_mul
 * points (tw_mul a power of two): the real-input transforms below run a
 * half-size complex one on the table of the full size.
 */
static void
fft_with_table(double *z, size_t n, int inverse, const double *tw, size_t tw_mul)
{
	const double sign = inverse ? 1.0 : -1.0;

	an_fft_bit_reverse(z, n);

	/*
	 * The butterflies of a stage are independent, so their order changes no
	 * bit.  Twiddle by twiddle gives the long inner loops while a stage has
	 * more blocks than butterflies per block; but it sweeps z once per
	 * twiddle, so beyond the cache, and in later stages, block by block.
	 */
	for (size_t len = 2; len <= n; len <<= 1)
	{
		size_t		half = len >> 1,
					stride = n / len * tw_mul;

#ifdef AN_HAVE_AVX512_KERNELS
		if (len == 8 && an_avx512_enabled())
		{
			const double *stage_tw = get_stage_twiddles(n, tw_mul, tw);

			if (stage_tw != NULL)
			{
				an_fft_stages_avx512(z, n, sign, stage_tw);
				return;
			}
		}
#endif

		if (n <= FFT_CACHED_POINTS && half <= n / len)
			for (size_t k = 0; k < half; k++)
			{
				double		wr = tw[2 * k * stride],
							wi = sign * tw[2 * k * stride + 1];

				for (size_t s = k; s < n; s += len)
					butterfly(z + 2 * s, z + 2 * (s + half), wr, wi);
			}
		else
			for (size_t s0 = 0; s0 < n; s0 += len)
				for (size_t k = 0; k < half; k++)
					butterfly(z + 2 * (s0 + k), z + 2 * (s0 + k + half),
							  tw[2 * k * stride], sign * tw[2 * k * stride + 1]);
		if (n >= AN_INTERRUPT_STRIDE)
			an_check_interrupts();
	}
}

an_status
an_fft(double *z, size_t n, int inverse)
{
	const double *tw;
	bool		owned;

	if (n < 2)
		return AN_OK;
	if ((tw = get_twiddles(n, &owned)) == NULL)
		return AN_ENOMEM;
	fft_with_table(z, n, inverse, tw, 1);
	if (owned)
		an_free((void *) tw);
	return AN_OK;
}

/*
 * Autocorrelation through the power spectrum, with both transforms of the
 * n = 2^k real points done as complex transforms of n / 2 points (half the
 * work of transforming them as complex numbers with zero imaginary parts):
 *   forward: z[j] = x[2j] + i x[2j+1]; Z = FFT(z); with E_k = (Z_k + conj Z_{h-k}) / 2
 *     and O_k = (Z_k - conj Z_{h-k}) / 2i, X_k = E_k + e^{-2 pi i k / n} O_k, k = 0..h;
 *   power: P_k = |X_k|^2 (P_{n-k} = P_k);
 *   inverse: r = IFFT(P) is real and even; with
 *     Y_k = P_k + P_{h-k} + i (P_k - P_{h-k}) e^{2 pi i k / n}, k < h,
 *     IFFT_h(Y)_j = r_{2j} + i r_{2j+1}, so the output is r itself, interleaved.
 */
an_status
an_autocorrelation(const double *x, size_t m, size_t maxlag, double *acf)
{
	size_t		n = an_fft_size(2 * m),
				h;
	double	   *z,
			   *power,
				energy;
	const double *tw;
	bool		owned;

	if (m == 0 || maxlag >= m || n == 0)
		return AN_EINVAL;
	if (n < 4)
		n = 4;
	h = n / 2;
	z = an_alloc_array(n, sizeof(double));
	power = an_alloc_array(h + 1, sizeof(double));
	if (z == NULL || power == NULL || (tw = get_twiddles(n, &owned)) == NULL)
	{
		an_free(z);
		an_free(power);
		return AN_ENOMEM;
	}
	/* the n real points, zero-padded, are the h complex ones interleaved */
	memcpy(z, x, m * sizeof(double));
	memset(z + m, 0, (n - m) * sizeof(double));
	fft_with_table(z, h, 0, tw, 2);
	for (size_t k = 0; k <= h; k++)
	{
		size_t		a = k < h ? k : 0,	/* Z_h is Z_0 */
					b = k == 0 ? 0 : h - k;
		double		zr = z[2 * a],
					zi = z[2 * a + 1],
					cr = z[2 * b],
					ci = -z[2 * b + 1],	/* conj Z_{h-k} */
					er = (zr + cr) / 2,
					ei = (zi + ci) / 2,
					/* O = (Z - conj) / 2i */
					or_ = (zi - ci) / 2,
					oi = -(zr - cr) / 2,
					c = k < h ? tw[2 * k] : -1.0,
					sn = k < h ? tw[2 * k + 1] : 0.0,
					/* X = E + (c - i sn) O */
					xr = er + c * or_ + sn * oi,
					xi = ei + c * oi - sn * or_;

		power[k] = xr * xr + xi * xi;
	}
	for (size_t k = 0; k < h; k++)
	{
		double		sum = power[k] + power[h - k],
					diff = power[k] - power[h - k];

		/* i diff (c + i sn) = -diff sn + i diff c */
		z[2 * k] = sum - diff * tw[2 * k + 1];
		z[2 * k + 1] = diff * tw[2 * k];
	}
	fft_with_table(z, h, 1, tw, 2);
	if (owned)
		an_free((void *) tw);
	energy = z[0];
	for (size_t k = 0; k <= maxlag; k++)
		acf[k] = energy > 0 ? z[k] / energy * ((double) m / (double) (m - k)) : 0;
	an_free(z);
	an_free(power);
	return AN_OK;
}
