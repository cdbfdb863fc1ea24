/*
 * fft.h: an in-place iterative radix-2 complex FFT in double precision, and
 * the autocorrelation built on it (Wiener-Khinchin).  Written for the period
 * detector; no external FFT library (Debian's kissfft is single precision).
 */
#ifndef ANOMALY_FFT_H
#define ANOMALY_FFT_H

#include <stddef.h>

#include "core/core.h"

/* Smallest power of two >= n (n >= 1); 0 if it would overflow. */
size_t		an_fft_size(size_t n);

/*
 * Forward (inverse = 0) or inverse (inverse = 1, unscaled) transform of
 * n complex numbers stored interleaved (re, im) in z[0..2n-1].  n must be a
 * power of two.  Allocates a table of n / 2 twiddles (AN_ENOMEM if it cannot).
 */
an_status	an_fft(double *z, size_t n, int inverse);

/*
 * The bit-reversal permutation of n complex numbers interleaved in z[0..2n-1]
 * (n a power of two), the first step of every radix-2 transform here.  A
 * scattered pass over memory: it checks for interrupts every
 * AN_INTERRUPT_STRIDE elements.
 */
void		an_fft_bit_reverse(double *z, size_t n);

/*
 * Autocorrelation of x[0..m-1] (already centred by the caller) for lags
 * 0..maxlag, written to acf[0..maxlag]: acf[k] = sum_i x[i] x[i+k] scaled by
 * m / (m - k) / sum_i x[i]^2 (the unbiased estimate, so acf[0] = 1).  All
 * zeros when x is constant.  Allocates O(m) scratch.
 */
an_status	an_autocorrelation(const double *x, size_t m, size_t maxlag, double *acf);

#endif
