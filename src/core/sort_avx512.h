/*
 * sort_avx512.h: AVX-512 kernels of sort.c's selection (internal).  Only on
 * x86-64 with GCC or Clang, which compile them for AVX-512F by a function
 * attribute; call them only when an_cpu_has_avx512() says the CPU (and the
 * OS) run AVX-512F.
 */
#ifndef ANOMALY_SORT_AVX512_H
#define ANOMALY_SORT_AVX512_H

#include <stdbool.h>
#include <stddef.h>

#if defined(__x86_64__) && defined(__GNUC__)
#define AN_HAVE_AVX512_KERNELS 1

/* Whether the CPU and the OS run AVX-512F (asked once). */
bool		an_cpu_has_avx512(void);

/* w[0, m) into w[0, j) < pivot <= w[j, m), in place; returns j.  m >= 32, no NaN. */
size_t		an_partition_less_avx512(double *w, size_t m, double pivot);

/* Sorts v[0, n), 2 <= n <= 24, stably: the insertion sort's very result.  No NaN. */
void		an_rank_sort_avx512(double *v, size_t n);
#endif

#endif
