/*
 * sort_avx512.h: AVX-512 kernels of sort.c's selection (internal); call them
 * only when an_avx512_enabled() (cpu_features.h).
 */
#ifndef ANOMALY_SORT_AVX512_H
#define ANOMALY_SORT_AVX512_H

#include <stddef.h>

#include "core/cpu_features.h"

#ifdef AN_HAVE_AVX512_KERNELS
/* w[0, m) into w[0, j) < pivot <= w[j, m), in place; returns j.  m >= 32, no NaN. */
size_t		an_partition_less_avx512(double *w, size_t m, double pivot);

/* Sorts v[0, n), 2 <= n <= 24, stably: the insertion sort's very result.  No NaN. */
void		an_rank_sort_avx512(double *v, size_t n);
#endif

#endif
