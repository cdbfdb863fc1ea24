/*
 * mp_join.h: the blocked diagonal walk of the z-normalised distance matrix
 * between the windows of two series (an AB-join), or of one series with
 * itself (a self-join), with the O(1) mean-centred update of "Matrix
 * Profile XIV" (Zimmerman et al., SoCC 2019; derivation in
 * matrix_profile.c).  The matrix profile (matrix_profile.c, a self-join)
 * and the discord score (ts_discord.c, an AB-join and a self-join) both
 * walk it; each prepares its own sides (the shift of the series, the window
 * statistics, the normalisation) and picks its cost of a cell.
 *
 * Cell (i, j) pairs window i of side a with window j of side b; diagonal k
 * holds the cells j = i + k (k < 0 too).  A block of adjacent diagonals is
 * walked row by row of a, so that the cells of one row touch contiguous
 * windows of b; with AVX-512 (cpu_features.h) eight cells go at once, with
 * the same bits as the generic code.  Interrupts are checked every
 * AN_INTERRUPT_STRIDE rows of a block.
 */
#ifndef ANOMALY_MP_JOIN_H
#define ANOMALY_MP_JOIN_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

/* One side of a join: its m windows of length w and the terms the walk reads (m entries each). */
typedef struct an_mp_side
{
	size_t		m,
				w;
	const double *x;			/* the series (shifted as the caller likes) */
	const double *mu;			/* window means of x */
	const double *inv;			/* normalising factor of the window, 0 for a constant window */
	const double *off;			/* the window's own term of the cost */
	const double *df;			/* an_mp_update_terms */
	const double *dg;
} an_mp_side;

/*
 * The cost of cell (i, j), from the centred product C = C(i, j); the walk
 * keeps the least.  Both are evaluated in this order, term by term:
 *   AN_MP_COST_CORR: (off_i - (C inv_i) inv_j) + off_j, with inv = 1 /
 *     sqrt(C(i, i)) and off = h of matrix_profile.c: minus its g;
 *   AN_MP_COST_DIST2: (off_i + off_j) - ((2 C) inv_i) inv_j, with off the
 *     squared norm of the normalised window: the squared distance.
 */
typedef enum an_mp_cost
{
	AN_MP_COST_CORR,
	AN_MP_COST_DIST2
} an_mp_cost;

/* Where one side keeps, for each of its windows, the least cost so far and (nn not NULL) the other side's window that has it. */
typedef struct an_mp_best
{
	double	   *cost;
	int64_t    *nn;
} an_mp_best;

/*
 * Walk the diagonals k_from <= k < k_to of a against b: every cell (i, j)
 * lowers col's entry of j and, unless row is NULL, row's entry of i (row
 * may be col when a is b and k_from > 0).  A cost replaces the best only
 * when it is less, so of equal costs the first walked stays: blocks of
 * diagonals in increasing k, rows in increasing i, within a row the
 * smallest j.  The sides' windows must have the same length.
 */
void		an_mp_join(const an_mp_side *a, const an_mp_side *b, an_mp_cost cost, ptrdiff_t k_from,
					   ptrdiff_t k_to, const an_mp_best *col, const an_mp_best *row);

/*
 * The update terms of the m windows of x with means mu: df[i] = (x[i+w] -
 * x[i]) / 2 and dg[i] = (x[i+w] - mu[i+1]) + (x[i] - mu[i]), and df[m-1] =
 * dg[m-1] = 0 (m >= 1), so that C(i+1, j+1) = C(i, j) + df_a[i] dg_b[j] +
 * df_b[j] dg_a[i].
 */
void		an_mp_update_terms(const double *x, const double *mu, size_t m, size_t w, double *df, double *dg);

/*
 * C = sum_t (a[t] - mua) (b[t] - mub), t < w, in index order: the first
 * cell of a diagonal.
 */
double		an_mp_centred_product(const double *a, double mua, const double *b, double mub, size_t w);

#endif
