/*
 * cpu_features.h: whether the vector kernels chosen at run time
 * (sort_avx512.c, fft_avx512.c) may run.  They are compiled for AVX-512F by
 * a function attribute on x86-64 with GCC or Clang, whatever the build
 * targets, and give the very results of the code they replace.
 */
#ifndef ANOMALY_CPU_FEATURES_H
#define ANOMALY_CPU_FEATURES_H

#include <stdbool.h>

#if defined(__x86_64__) && defined(__GNUC__)
#define AN_HAVE_AVX512_KERNELS 1
#endif

/* The CPU and the OS run AVX-512F and an_use_vector_code has not forbidden it. */
bool		an_avx512_enabled(void);

/*
 * Allow (the default) or forbid the vector kernels: tests and benchmarks run
 * the scalar code this way.  Returns whether the vector kernels will run.
 */
bool		an_use_vector_code(bool enable);

#endif
