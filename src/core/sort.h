/*
 * sort.h: in-place sorting and selection used by the models.
 *
 * These never allocate (glibc's qsort may allocate a buffer as large as the
 * input, which would break the memory budget of a 10-million-point fit).
 */
#ifndef ANOMALY_SORT_H
#define ANOMALY_SORT_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

/* Sort by (ts, value) ascending; values must not be NaN. */
void		an_sort_points(an_point *pts, size_t n);

/* Sort doubles ascending; no NaN. */
void		an_sort_doubles(double *v, size_t n);

/*
 * Partially reorder v so that v[k] holds the value that would be at index k
 * if v were sorted, smaller-or-equal values before it and greater-or-equal
 * after.  Expected O(n).
 */
void		an_select_double(double *v, size_t n, size_t k);

/*
 * The same contract, by the branch-free selection behind an_median_inplace:
 * several times faster on real data, but it leaves v in a different order
 * than an_select_double (which matters only to a caller that then sums v).
 */
void		an_select_fast(double *v, size_t n, size_t k);

/* Median of v (reorders v).  n must be > 0. */
double		an_median_inplace(double *v, size_t n);

/*
 * The median of the differences v[i] - c (each rounded), for v exactly as
 * an_median_inplace(v, n) just left it, without a second selection: x -> x - c
 * is monotone in floating point too, so the order statistics of the
 * differences are the differences of the order statistics, and the result
 * has the very bits an_median_inplace would return for the differences.
 */
double		an_median_shifted(const double *v, size_t n, double c);

#endif
