/*
 * ts_shape_pca.h: Sub-PCA, the principal-subspace variant of the shape
 * component (ts_shape.h), for comparison with the nearest-reference
 * distance.  Not part of the model format: test/bench/accuracy/replay.c
 * fits it beside the model and docs/accuracy.md records why it stays out
 * ("Sub-PCA against the nearest reference").
 *
 * Fit, on the same windows as ts_shape (w rows, none spanning a step longer
 * than AN_SHAPE_MAX_STEP sampling intervals), normalised the same way
 *     x^ = (x - mean(x)) / max(sd(x), sigma_floor)
 * with the same sigma_floor rule:
 *   1. the windows: every usable window when there are at most
 *      AN_SHAPE_PCA_MAX_WINDOWS, else chunks of consecutive windows spread
 *      evenly (an_ts_shape_usable_starts);
 *   2. mu = their mean and C = their covariance (divisor m), accumulated
 *      AN_SHAPE_PCA_BLOCK windows at a time by cblas_dsyrk into w x w;
 *   3. C = V diag(lambda) V' by LAPACK dsyevr (all pairs);
 *   4. r: the smallest number of leading components whose eigenvalues
 *      reach the share f of the trace (f = AN_SHAPE_PCA_VARIANCE unless
 *      given), at least 1 and at most min(w - 1, AN_SHAPE_BUDGET / w - 1),
 *      so the component keeps at most AN_SHAPE_BUDGET + w doubles (the
 *      nearest-reference one's bound, plus the mean);
 *   5. edge: the an_ts_shape_edge rule over the fitted windows' own
 *      reconstruction errors (in sample: a subspace of r << m dimensions
 *      hardly overfits, unlike a nearest neighbour, which would find itself).
 *
 * Distance of a window q: e = |u - V_r V_r' u| for u = q^ - mu (the
 * reconstruction error, the square root of the Q statistic), and
 * score = e / edge, 1 at the edge of normal as every part.
 *
 * Memory of the fit: 3 w^2 doubles (the covariance, dsyevr's eigenvectors
 * and their descending copy), about 30 w doubles and 12 w ints (dsyevr's
 * minimal workspaces, eigenvalues, mean), AN_SHAPE_PCA_BLOCK w doubles of
 * windows, AN_SHAPE_PCA_MAX_WINDOWS starts and errors, the n values and the
 * n-row scratch of an_ts_shape_usable_starts: O(w^2 + n), the w^2 part
 * 24 MiB at the largest w = 1024 (1.5 MiB at the automatic windows' 256).  Time: m w^2 for the covariance (m <= 16,384 windows),
 * O(w^3) for the eigenproblem, 2 m r w for the calibration.
 */
#ifndef ANOMALY_TS_SHAPE_PCA_H
#define ANOMALY_TS_SHAPE_PCA_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

#define AN_SHAPE_PCA_MAX_WINDOWS 16384
#define AN_SHAPE_PCA_BLOCK 256
#define AN_SHAPE_PCA_VARIANCE 0.95

typedef struct an_ts_shape_pca
{
	uint32_t	w;
	uint32_t	r;				/* components kept */
	double		sigma_floor;
	double		edge;
	double		explained;		/* share of the trace of C in the r components */
	uint32_t	windows;		/* windows fitted */
	double	   *mean;			/* w */
	double	   *axes;			/* r * w: component after component, orthonormal */
	double	   *eig;			/* w: all eigenvalues of C, descending */
} an_ts_shape_pca;

/*
 * Fit on the sorted points pts[0..n) with window w, the sampling interval
 * and the variance share f (0: AN_SHAPE_PCA_VARIANCE; else in (0, 1]).
 * AN_OK with *out == NULL when the data cannot support it (the conditions
 * of an_ts_shape_fit: fewer than 3w rows, fewer than 2 usable windows, no
 * interval).  AN_ENONFINITE if LAPACK fails.
 */
an_status	an_ts_shape_pca_fit(const an_point *pts, size_t n, size_t w, int64_t interval_us, double f,
								an_ts_shape_pca **out);
void		an_ts_shape_pca_free(an_ts_shape_pca *p);

/* The reconstruction error of the window q[0..w); scratch holds w + r doubles. */
double		an_ts_shape_pca_distance(const an_ts_shape_pca *p, const double *q, double *scratch);

#endif
