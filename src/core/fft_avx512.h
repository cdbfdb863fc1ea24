/*
 * fft_avx512.h: the AVX-512 kernel of fft.c (internal); call it only when
 * an_avx512_enabled() (cpu_features.h).
 */
#ifndef ANOMALY_FFT_AVX512_H
#define ANOMALY_FFT_AVX512_H

#include <stddef.h>

#include "core/cpu_features.h"

#ifdef AN_HAVE_AVX512_KERNELS
/*
 * The butterfly stages of length 8 to n (n a power of two >= 8) of fft.c's
 * transform, four butterflies at a time, on z bit-reversed and through the
 * stages of length 2 and 4 already.  stage_tw holds, for each stage in
 * turn, the (cos, sin) pairs of its half = len / 2 twiddles; sign is -1
 * forward, +1 inverse.  The same products and sums as fft.c's butterfly,
 * so the same bits.
 */
void		an_fft_stages_avx512(double *z, size_t n, double sign, const double *stage_tw);
#endif

#endif
