/*
 * mv_internal.h: what the files of src/core/mv share: dense linear algebra
 * through OpenBLAS / LAPACK (core/lapack.h) and the fixed-seed generator of
 * FastMCD.
 *
 * Matrices are d x d, column-major (all the symmetric ones are stored in
 * full, both triangles).  Data sets are row-major n x d, which BLAS sees as
 * the column-major d x n matrix of the rows side by side.
 */
#ifndef ANOMALY_MV_INTERNAL_H
#define ANOMALY_MV_INTERNAL_H

#include "core/mv/mv.h"
#include "core/model_format.h"

#include "core/lapack.h"

/* splitmix64: a tiny generator, enough for choosing subsets reproducibly. */
typedef struct mv_rng
{
	uint64_t	s;
} mv_rng;

static inline uint64_t
mv_rng_next(mv_rng *r)
{
	uint64_t	z = (r->s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Uniform in [0, m), m < 2^32. */
static inline uint32_t
mv_rng_below(mv_rng *r, uint32_t m)
{
	return (uint32_t) (((mv_rng_next(r) >> 32) * (uint64_t) m) >> 32);
}

/*
 * Mean (d) and biased covariance (d * d, divided by m) of the rows idx[0..m)
 * of x (or rows 0..m when idx is NULL); work holds m * d doubles.  The
 * covariance is one dsyrk over the centred rows.
 */
void		mv_mean_cov(const double *x, size_t d, const uint32_t *idx, size_t m,
						double *mean, double *cov, double *work);

/*
 * Lower Cholesky factor of cov into l (d * d) and log det.  Returns false
 * (l undefined) when cov is not numerically positive definite.
 */
bool		mv_cholesky(const double *cov, size_t d, double *l, double *log_det);

/*
 * The same factor and log det for a mixture component's covariance: false
 * only when dpotrf refuses or a pivot is not positive and finite (no test
 * of rank; reg_covar keeps the components away from it).
 */
bool		mv_cholesky_finite(const double *cov, size_t d, double *l, double *log_det);

/*
 * Squared Mahalanobis distances of the rows idx[0..m) (all n rows when idx
 * is NULL) to loc under the Cholesky factor l; work m * d doubles.
 */
void		mv_mahalanobis2(const double *x, size_t d, const uint32_t *idx, size_t m,
							const double *loc, const double *l, double *dist, double *work);

/*
 * Raise the eigenvalues of the symmetric cov (in place) to at least
 * AN_MV_EIG_FLOOR times the largest (to 1 when none is positive); returns
 * how many were raised (cov unchanged when none), or -1 if out of memory
 * or LAPACK failed.
 */
int			mv_floor_eigen(double *cov, size_t d);

/*
 * A factor for distances even when cov is singular: the Cholesky factor of
 * cov, or of cov with its eigenvalues floored.  *log_det is -inf in the
 * second case (an exact fit: the best a C-step can find).  false only when
 * out of memory.
 */
bool		mv_factor_regularised(const double *cov, size_t d, double *l, double *log_det, double *tmp);

/*
 * The pca section (mv_pca.c).  mv_pca_build: from the reweighted covariance
 * cov (d * d, biased over m rows, already floored) the eigenvalues (d,
 * descending, times m / (m - 1)), k and the k axes (axes: d * d doubles of
 * room), and the two limits; AN_EINVAL if the option asks for k >= d.
 */
an_status	mv_pca_build(const double *cov, size_t d, uint64_t m, double components, double far,
						 uint32_t *k, double *eig, double *axes, double *t2_limit, double *spe_limit);
/* Append / read and validate the section (the reader allocates the model's arrays). */
void		mv_pca_put(an_writer *w, const an_mv_model *m);
an_status	mv_pca_get(an_reader *r, an_mv_model *m);
/* Score u = x' - location (d, overwritten); work d doubles; contrib may be NULL. */
void		mv_pca_score(const an_mv_model *m, double *u, double *work, an_mv_result *res, double *contrib);

/*
 * The end of every method's score: contrib (d, or NULL) divided by total
 * into shares (all 0 when total is 0 or not finite), and a score that
 * overflowed made an anomaly at an infinite distance.
 */
void		mv_score_finish(an_mv_result *res, double *contrib, size_t d, double total);

/*
 * The gmm section (mv_gmm.c).  mv_gmm_build: choose k by BIC on the sorted,
 * scaled rows xs and fill g's gmm fields (and location / covariance: the
 * mixture's moments), n_floored and the threshold; g is freed by
 * an_mv_model_free even on failure.  AN_EINVAL when the rows have fewer
 * distinct points than min_components.
 */
an_status	mv_gmm_build(const double *xs, size_t n, size_t d, const an_mv_options *opt,
						 const double *scale, an_mv_model *g, double *threshold, double *far);
void		mv_gmm_put(an_writer *w, const an_mv_model *m);
an_status	mv_gmm_get(an_reader *r, an_mv_model *m);
/* Score the scaled vector u (d); z: d doubles of scratch; contrib may be NULL. */
void		mv_gmm_score(const an_mv_model *m, const double *u, double *z, an_mv_result *res, double *contrib);

/*
 * The EM of mv_gmm_em.c from given means: an_mv_gmm_em without k-means++,
 * started from fit->means (copied to fit->init_means when not NULL).
 */
an_status	mv_gmm_em_from(const double *x, size_t n, size_t d, uint32_t k, double reg_covar, an_mv_gmm_fit *fit);
/*
 * A short run: an_mv_gmm_em stopped after AN_MV_GMM_SHORT_ITER steps (or at
 * convergence); fit->lower_bound ranks the starts, mean_ll and bic are unset.
 */
an_status	mv_gmm_em_short(const double *x, size_t n, size_t d, uint32_t k, double reg_covar, uint32_t start,
							an_mv_gmm_fit *fit);
/* Continue a short run to convergence: the same steps as one run from its start; sets mean_ll, bic. */
an_status	mv_gmm_em_resume(const double *x, size_t n, size_t d, double reg_covar, an_mv_gmm_fit *fit);
/* BIC on the n rows x of the fitted parameters of fit (one E-step): AN_ENONFINITE if not finite. */
an_status	mv_gmm_bic_on(const double *x, size_t n, size_t d, const an_mv_gmm_fit *fit, double *bic);

/* The k-th smallest (0-based) of v[0..n) by selection (v is reordered). */
double		mv_select(double *v, size_t n, size_t k);

/* The median of v[0..n), n >= 1 (the mean of the two middle values when n is even; v is reordered). */
double		mv_median(double *v, size_t n);

#endif
