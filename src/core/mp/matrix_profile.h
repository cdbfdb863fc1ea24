/*
 * matrix_profile.h: the exact z-normalised matrix profile of a series
 * (self-join), by diagonal traversal.
 *
 * For each window x[i .. i+w-1] (i = 0 .. m-1, m = n - w + 1) the profile
 * holds the z-normalised Euclidean distance to its nearest neighbour among
 * the windows that are not trivial matches, and the index of that
 * neighbour.  Trivial matches are the windows that start within the
 * exclusion zone, |i - j| <= an_mp_exclusion(w) = ceil(w / 4), as in the
 * Matrix Profile I, STOMP and SCRIMP++ papers (Yeh et al. 2016, Zhu et al.
 * 2016, 2018), so that profiles agree with the published ones.
 *
 * Constant windows (all w values equal): a constant window z-normalises to
 * the zero vector (its standard deviation is 0; the literature's convention,
 * also STUMPY's and SCAMP's), so two constant windows are at distance 0 and
 * a constant and a non-constant one at sqrt(w) (the norm of a z-normalised
 * window).  Never NaN.
 *
 * Cost: (m - e - 1)(m - e) / 2 cells for e = an_mp_exclusion(w), O(1) each
 * (O(n^2) time), plus O(n w) for the window statistics and the first cell of
 * every diagonal; memory 7 doubles a window (O(n)).  Interrupts are checked
 * through an_check_interrupts (core.h) every AN_INTERRUPT_STRIDE rows of a
 * block of diagonals.
 */
#ifndef ANOMALY_MATRIX_PROFILE_H
#define ANOMALY_MATRIX_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

/* Shortest window; and the longest series (the O(n^2) cost: see docs/discords.md). */
#define AN_MP_MIN_WINDOW 4
#define AN_MP_MAX_N 1000000

/* Half-width of the exclusion zone: windows i, j with |i - j| <= this are trivial matches. */
size_t		an_mp_exclusion(size_t w);

/*
 * The self-join profile of x[0 .. n-1] for window w: distance[i] and
 * neighbor[i] for i < n - w + 1 (both arrays that long).  Requires
 * AN_MP_MIN_WINDOW <= w <= n / 2 (so every window has a non-trivial
 * neighbour) and n <= AN_MP_MAX_N, else AN_EINVAL / AN_ETOOMANY; a NaN or
 * infinity gives AN_ENONFINITE with its index in *bad (bad may be NULL).
 */
an_status	an_matrix_profile(const double *x, size_t n, size_t w,
							  double *distance, int64_t *neighbor, size_t *bad);

#endif
