/*
 * fft_avx512.c: the later butterfly stages of fft.c, four complex numbers
 * per AVX-512 register (see cpu_features.h).
 */
#include "core/fft_avx512.h"

#ifdef AN_HAVE_AVX512_KERNELS

#include <immintrin.h>

#include "core/core.h"

__attribute__((target("avx512f"))) void
an_fft_stages_avx512(double *z, size_t n, double sign, const double *stage_tw)
{
	const __m512d sgn = _mm512_set1_pd(sign),
				/* lanes from 0: -1 for the real parts, +1 for the imaginary ones */
				alternate = _mm512_set_pd(1, -1, 1, -1, 1, -1, 1, -1);

	for (size_t len = 8; len <= n; len <<= 1)
	{
		size_t		half = len >> 1;

		for (size_t s0 = 0; s0 < n; s0 += len)
			for (size_t k = 0; k < half; k += 4)
			{
				/*
				 * As fft.c's butterfly, lane by lane: wr = cos, wi = sign sin,
				 * x = (br wr + bi (-wi), bi wr + br wi), then a + x and a - x.
				 */
				__m512d		t = _mm512_loadu_pd(stage_tw + 2 * k),
							wr = _mm512_movedup_pd(t),
							wi = _mm512_mul_pd(_mm512_mul_pd(_mm512_permute_pd(t, 0xFF), sgn), alternate);
				double	   *pa = z + 2 * (s0 + k),
						   *pb = pa + 2 * half;
				__m512d		zb = _mm512_loadu_pd(pb),
							za = _mm512_loadu_pd(pa),
							x = _mm512_add_pd(_mm512_mul_pd(zb, wr),
											  _mm512_mul_pd(_mm512_permute_pd(zb, 0x55), wi));

				_mm512_storeu_pd(pb, _mm512_sub_pd(za, x));
				_mm512_storeu_pd(pa, _mm512_add_pd(za, x));
			}
		stage_tw += 2 * half;
		if (n >= AN_INTERRUPT_STRIDE)
			an_check_interrupts();
	}
}

#endif
