/*
 * ts_discord.h: the plain discord score of issue 15: for each window of a
 * test series, the z-normalised Euclidean distance to its nearest window of
 * a training series, over ALL training windows (an exact AB-join of the
 * matrix profile), and the self-join of the training series that
 * calibrates it.  Measured in test/bench/accuracy (SCORE=discord,
 * anomaly_discord; docs/accuracy.md); the models' discord component
 * (ts_discord_model.h) keeps training rows and scores new windows by the
 * same walk, a row at a time.
 *
 * Normalisation: as the shape component's (ts_shape.h),
 *     x^ = (x - mean(x)) / max(sd(x), floor),
 * so a window flatter than the floor keeps its small wiggles small; a
 * constant window (all w values equal) is the zero vector whatever the
 * floor, as in matrix_profile.h (two constant windows are at distance 0, a
 * constant and an ordinary one at |other^|, sqrt(w) when sd >= floor).
 * an_ts_discord_floor gives the shape component's floor rule applied to
 * every training window.
 *
 * Method: the distance matrix is walked along its diagonals with the O(1)
 * update of the mean-centred products of "Matrix Profile XIV" (Zimmerman et
 * al., SoCC 2019; see matrix_profile.c), extended to two series: with
 * C(i, j) = sum_t (a[i+t] - mu_a[i]) (b[j+t] - mu_b[j]),
 *     C(i+1, j+1) = C(i, j) + df_a[i] dg_b[j] + df_b[j] dg_a[i],
 *     df[i] = (x[i+w] - x[i]) / 2,  dg[i] = (x[i+w] - mu[i+1]) + (x[i] - mu[i]).
 * The first cell of each diagonal is a centred dot product of w terms.
 * Cost O(ma mb + (ma + mb) w) for ma, mb windows (half the cells for a
 * self-join), memory 6 doubles a value of each series.  Interrupts are
 * checked (an_check_interrupts) every AN_INTERRUPT_STRIDE rows of a block
 * of diagonals and every 2^20 operations of the window statistics.
 *
 * Exclusion: in a join, the test window j is taken to start at b_offset + j
 * in the training series' row numbers (the two may be parts of one series),
 * and training windows i with |b_offset + j - i| < exclusion are skipped
 * (exclusion 0: none).  A test window with no eligible neighbour gets NAN.
 */
#ifndef ANOMALY_TS_DISCORD_H
#define ANOMALY_TS_DISCORD_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

/* the longest series accepted (O(n^2) time), and the shortest window */
#define AN_DISCORD_MAX_N 1000000
#define AN_DISCORD_MIN_WINDOW 2

/*
 * The normalising floor for windows of length w of x[0..n): the shape
 * component's rule (an_ts_shape_floor) over all n - w + 1 windows.
 * AN_EINVAL unless AN_DISCORD_MIN_WINDOW <= w <= n; AN_ETOOMANY if
 * n > AN_DISCORD_MAX_N; AN_ENONFINITE for a NaN or infinity in x;
 * AN_ENOMEM.
 */
an_status	an_ts_discord_floor(const double *x, size_t n, size_t w, double *floor);

/*
 * dist[j], j < nb - w + 1: the distance of the test window b[j..j+w) to its
 * nearest eligible training window of a[0..na) (see Exclusion above).
 * floor >= 0 (0: plain z-normalisation), |b_offset| and exclusion at most
 * AN_DISCORD_MAX_N, else AN_EINVAL; other errors as an_ts_discord_floor,
 * for both series (w <= na and w <= nb).
 */
an_status	an_ts_discord_join(const double *a, size_t na, const double *b, size_t nb, size_t w,
							   double floor, int64_t b_offset, size_t exclusion, double *dist);

/*
 * The self-join of x[0..n): dist[i], i < n - w + 1, the distance of window
 * i to its nearest window j with |i - j| >= exclusion (exclusion >= 1; NAN
 * if there is none).  The same distances as an_ts_discord_join(x, n, x, n,
 * w, floor, 0, exclusion, dist), in half the cells.
 */
an_status	an_ts_discord_self(const double *x, size_t n, size_t w, double floor, size_t exclusion,
							   double *dist);

/*
 * The edge of normal for discord distances of windows of length w against
 * training data x[0..n), calibrated as the shape component's
 * (an_ts_shape_edge) from the self-join distances of its windows to the
 * windows that do not overlap them (exclusion w).  *edge = NAN when fewer
 * than two windows have such a neighbour (n < 2w).  Errors as
 * an_ts_discord_self.
 */
an_status	an_ts_discord_edge(const double *x, size_t n, size_t w, double floor, double *edge);

/*
 * One series and its windows' statistics, as the joins use them (also the
 * training side of a model's discord component, ts_discord_model.h).
 */
typedef struct an_ts_discord_side
{
	size_t		n,
				m,				/* windows */
				w;
	double	   *x;				/* n: the series minus its first value */
	double	   *mu;				/* m: window means (of x) */
	double	   *ss;				/* m: centred sums of squares; -1 for a constant window */
	double	   *inv;			/* m: 1 / max(sd, floor), 0 for a constant window */
	double	   *nsq;			/* m: squared norm of the normalised window */
	double	   *df;				/* m: the update terms of the join; 0 at m - 1 */
	double	   *dg;
	double	   *buf;			/* owns all of the above (an_free) */
} an_ts_discord_side;

/*
 * The centred copy of raw[0..n) and its windows' statistics (two-pass, a
 * window at a time); the caller has checked n >= w >= 1 and frees s->buf.
 * AN_ENOMEM, AN_ENONFINITE (a window's sum of squares overflows).
 */
an_status	an_ts_discord_side_prepare(an_ts_discord_side *s, const double *raw, size_t n, size_t w);
/* inv and nsq for the normalisation with this floor */
void		an_ts_discord_side_normalise(an_ts_discord_side *s, double floor);

#endif
