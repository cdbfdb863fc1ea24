/*
 * mv.h: multivariate anomaly models (kind AN_KIND_MV): the joint behaviour
 * of several metrics, scored by a robust Mahalanobis distance.
 *
 * Method "gaussian": robust location and covariance by FastMCD (Rousseeuw &
 * Van Driessen, "A fast algorithm for the minimum covariance determinant
 * estimator", Technometrics 41, 1999), with the consistency correction and
 * the reweighting step as scikit-learn's MinCovDet documents them:
 *   h = ceil((n + d + 1) / 2) points in the raw support;
 *   d = 1: the exact univariate MCD (the shortest half);
 *   d > 1: random (d+1)-subsets drawn with a fixed seed, two C-steps each,
 *     the best ten iterated to convergence (on a subsample first when n is
 *     large, as the paper's nested scheme), the lowest determinant kept;
 *   raw covariance scaled by median(d^2) / chi2_d.ppf(0.5);
 *   reweighted: mean and (biased) covariance of the points with
 *     d^2 < chi2_d.ppf(0.975).
 * The score of a vector x is sqrt(d^2(x)) / t, where d^2 is the squared
 * Mahalanobis distance to the reweighted estimate and t the distance at the
 * edge of normal: the option threshold, or sqrt(chi2_d.ppf(1 - false_alarm_rate))
 * (default false_alarm_rate 0.001).  So 0 is the centre, 1 the edge of normal.
 *
 * The fit sorts the rows canonically (lexicographically by coordinates)
 * before anything else, so the model bytes do not depend on row order.
 * Method "pca" (mv_pca.c) scores the MCD support's principal subspace by
 * SPE and T^2; method "gmm" (mv_gmm.c, mv_gmm_em.c) is a Gaussian mixture by
 * EM, k by BIC, scored by its log-likelihood (docs/multivariate.md).
 *
 * A singular covariance (a constant feature, fewer rows than d + 1, more
 * than h identical rows) is regularised by raising its eigenvalues to at
 * least AN_MV_EIG_FLOOR times the largest (or to 1 when all are 0); the
 * model records how many were raised.
 */
#ifndef ANOMALY_MV_H
#define ANOMALY_MV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

/* Dimensions supported (bounds allocations: the covariance is d * d). */
#define AN_MV_MAX_DIMS 1024
/* Rows per model; sizes below stay far from overflow. */
#define AN_MV_MAX_ROWS ((size_t) INT32_MAX - 1)
/* Eigenvalues below this fraction of the largest are raised to it. */
#define AN_MV_EIG_FLOOR 1e-9
/* The default false-alarm rate under the Gaussian model. */
#define AN_MV_DEFAULT_FALSE_ALARM_RATE 0.001
/* Payload layout version written for gaussian models (see mv_model.c). */
#define AN_MV_PAYLOAD_VERSION 1
/* ... and for pca models (version 1 plus the pca section, see mv_pca.c). */
#define AN_MV_PAYLOAD_VERSION_PCA 2
/* The default share of the variance the pca subspace explains. */
#define AN_MV_DEFAULT_PCA_VARIANCE 0.9
/* ... and for gmm models (the common head plus the gmm section, see mv_gmm.c). */
#define AN_MV_PAYLOAD_VERSION_GMM 3
/* The fixed seed of the random subsets. */
#define AN_MV_SEED UINT64_C(0x5eed00a1b2c3d4e5)
/* gmm: the bound on the components BIC chooses among, by default and at most. */
#define AN_MV_GMM_DEFAULT_COMPONENTS 5
#define AN_MV_GMM_MAX_COMPONENTS 16
/* gmm: added to the diagonal of every component covariance (scikit-learn's default). */
#define AN_MV_GMM_DEFAULT_REG_COVAR 1e-6
/* gmm: EM stops when the mean log-likelihood changes by less than this, or after that many steps. */
#define AN_MV_GMM_TOL 1e-3
#define AN_MV_GMM_MAX_ITER 100
/* gmm: the seed of k-means++ (start s uses the seed plus s times the golden ratio; the same for every k). */
#define AN_MV_GMM_SEED UINT64_C(0x9a55c0de5eed0001)
/*
 * gmm: EM starts per k (k > 1), each run for AN_MV_GMM_SHORT_ITER steps; the
 * one of highest log-likelihood then is run to convergence ("short EM").
 */
#define AN_MV_GMM_STARTS 3
#ifndef AN_MV_GMM_SHORT_ITER
#define AN_MV_GMM_SHORT_ITER 5
#endif
/* the fewest rows of the subsample that chooses k (mv_gmm.c) */
#define AN_MV_GMM_SUBSAMPLE 1000
/* up to this many dimensions the EM whitens row by row, above it through BLAS (mv_gmm_em.c) */
#ifndef AN_MV_GMM_SMALL_D
#define AN_MV_GMM_SMALL_D 16
#endif

typedef enum an_mv_method
{
	AN_MV_GAUSSIAN = 1,
	AN_MV_PCA = 2,
	AN_MV_GMM = 3
} an_mv_method;

typedef struct an_mv_options
{
	an_mv_method method;
	bool		standardize;	/* scale each feature by median / MAD first (default true) */
	double		threshold;		/* distance at score 1; 0 = from false_alarm_rate */
	double		false_alarm_rate;	/* in (0, 0.5) */
	double		components;		/* pca: 0 = default, (0, 1) = share of variance, integer k >= 1;
								 * gmm: 0 = default, integer bound 1..AN_MV_GMM_MAX_COMPONENTS */
	double		min_components; /* gmm only: 0 = 1, else an integer 1..components */
	double		reg_covar;		/* gmm only: 0 = default, else > 0 */
} an_mv_options;

void		an_mv_options_default(an_mv_options *o);

/* Validate options (AN_EINVAL with a message into err). */
an_status	an_mv_options_check(const an_mv_options *o, char *err, size_t errlen);

/* The decoded model. */
typedef struct an_mv_model
{
	an_mv_method method;
	uint32_t	d;
	uint64_t	n_rows;			/* rows fitted */
	uint64_t	n_support;		/* rows in the raw MCD support (h) */
	uint64_t	n_reweighted;	/* rows kept by the reweighting step */
	bool		standardized;
	uint32_t	n_floored;		/* eigenvalues raised by the regularisation */
	double		threshold;		/* distance at score 1, > 0 */
	double		false_alarm_rate;	/* what threshold came from; 0 if given */
	double	   *center;			/* d: x' = (x - center) / scale */
	double	   *scale;			/* d, > 0 */
	double	   *location;		/* d, in the scaled space */
	double	   *covariance;		/* d * d, symmetric positive definite, scaled space */
	double	   *raw_location;	/* d: the raw MCD estimate (before correction and reweighting) */
	double	   *raw_covariance;	/* d * d, symmetric (may be singular) */
	double	   *chol;			/* d * d: lower Cholesky factor (column-major), derived on decode */
	double	   *prec_diag;		/* d: the diagonal of the inverse covariance, derived on decode */
	double		log_det;		/* log det(covariance), derived */
	/* method pca only (see mv_pca.c); in the scaled space */
	uint32_t	pca_k;			/* components kept, 1..d-1 */
	double		pca_components_option;	/* the option as given (0 = default) */
	double		t2_limit;		/* Hotelling's T^2 at the edge of normal */
	double		spe_limit;		/* SPE (Q) at the edge of normal */
	double	   *eigenvalues;	/* d, descending, > 0: variances along the axes (divided by m - 1) */
	double	   *axes;			/* k * d: axis i is axes[i * d .. i * d + d), unit length */
	/* method gmm only (see mv_gmm.c); in the scaled space */
	uint32_t	gmm_k;			/* components chosen */
	uint32_t	gmm_min_k;		/* the range BIC chose from: min_k .. hi_k */
	uint32_t	gmm_max_k;		/* the components option (the bound asked for) */
	uint32_t	gmm_hi_k;		/* the largest k fitted (<= max_k: at most the distinct rows) */
	uint32_t	gmm_iter;		/* EM steps of the chosen fit */
	bool		gmm_converged;
	double		gmm_reg_covar;
	double		gmm_lower_bound;	/* mean log-likelihood at the last step (scaled space) */
	double	   *gmm_bic;		/* hi_k - min_k + 1, in the units of the features */
	double	   *gmm_weights;	/* k, > 0, sum 1 */
	double	   *gmm_means;		/* k * d */
	double	   *gmm_covs;		/* k * d * d */
	double	   *gmm_init_means; /* k * d: the k-means++ centres EM started from */
	double	   *gmm_chol;		/* k * d * d, derived */
	double	   *gmm_prec_diag;	/* k * d, derived */
	double	   *gmm_log_norm;	/* k: log w - log det / 2 - d log(2 pi) / 2, derived */
	double		gmm_peak;		/* max of gmm_log_norm, derived */
	double		log_scale_sum;	/* sum of log scale, derived (all methods) */
} an_mv_model;

/* Fit statistics the glue may report. */
typedef struct an_mv_fit_info
{
	uint64_t	n_support;
	uint64_t	n_reweighted;
	uint32_t	n_floored;
} an_mv_fit_info;

/*
 * Fit on n rows of d features (row-major x[i * d + k], finite) and encode the
 * model as an envelope (*out an_alloc'd).  AN_EINVAL if d is 0 or above
 * AN_MV_MAX_DIMS or n < 2, AN_ENONFINITE on NaN/Inf, AN_ETOOMANY above
 * AN_MV_MAX_ROWS.  x is not modified.
 */
an_status	an_mv_fit(const double *x, size_t n, size_t d, const an_mv_options *opt,
					  uint8_t **out, size_t *out_len, an_mv_fit_info *info);

/* Validate and load a payload (after an_model_open).  Free with an_mv_model_free. */
an_status	an_mv_model_decode(const uint8_t *payload, size_t len, an_mv_model *model);
void		an_mv_model_free(an_mv_model *model);

/* The result of scoring one vector. */
typedef struct an_mv_result
{
	double		score;			/* distance / threshold */
	double		distance;		/* robust Mahalanobis distance (not squared) */
	bool		is_anomaly;		/* score > 1 */
	double		t2;				/* pca: Hotelling's T^2 in the subspace (else 0) */
	double		spe;			/* pca: squared reconstruction error (else 0) */
	double		log_likelihood; /* log density in the units of the features (gaussian, gmm; NaN for pca) */
} an_mv_result;

/*
 * Score x (d raw features).  contrib (d entries, may be NULL) receives each
 * feature's share of the anomaly: with u = x' - location and w = S^-1 u,
 * r_k = w_k^2 / (S^-1)_kk is how much the squared distance falls when
 * feature k alone is replaced by its expectation given the others (the
 * conditional contribution); c_k = r_k / sum_j r_j, so the shares are >= 0
 * and sum to 1 (all 0 at distance 0; with one feature c_1 = 1).  Unlike
 * u_k w_k, which splits a broken correlation evenly between its features,
 * this names the feature that, fixed alone, makes the vector normal again.
 * work: 2 * d doubles of scratch.  AN_EINVAL if dims differ, AN_ENONFINITE.
 */
an_status	an_mv_score(const an_mv_model *m, const double *x, size_t d, double *work,
						an_mv_result *res, double *contrib);

/*
 * gmm: the EM fit of k components on n scaled rows (row-major), from the
 * k-means++ centres of start number start; exposed for the unit tests.  weights (k), means (k * d),
 * covs (k * d * d), init_means (k * d, may be NULL); *mean_ll the mean
 * log-likelihood of the final parameters, *bic their BIC (scaled space).
 * AN_ENONFINITE when a covariance cannot be factored.
 */
typedef struct an_mv_gmm_fit
{
	uint32_t	k;
	uint32_t	n_iter;
	bool		converged;
	double		lower_bound;
	double		mean_ll;
	double		bic;
	double	   *weights;
	double	   *means;
	double	   *covs;
	double	   *init_means;
} an_mv_gmm_fit;

an_status	an_mv_gmm_em(const double *x, size_t n, size_t d, uint32_t k, double reg_covar,
						 uint32_t start, an_mv_gmm_fit *fit);

/* The effective gmm bounds and regularisation of opt. */
uint32_t	an_mv_gmm_components(const an_mv_options *o);
uint32_t	an_mv_gmm_min_components(const an_mv_options *o);
double		an_mv_gmm_reg_covar(const an_mv_options *o);

/* chi-square quantile: the x with P(X <= x) = p for X ~ chi2(k); p in (0, 1). */
double		an_chi2_ppf(double p, double k);

/* regularised lower incomplete gamma P(a, x). */
double		an_gamma_p(double a, double x);

const char *an_mv_method_name(an_mv_method m);

/*
 * The SPE (Q statistic) at false-alarm rate far when the residual variances
 * are res[0..r): Jackson & Mudholkar (1979), or Box's (1954) scaled
 * chi-square where their power transform is undefined (h0 <= 0).
 */
double		an_mv_spe_limit(const double *res, size_t r, double far);

/*
 * FastMCD + correction + reweighting on n rows of d (already sorted and
 * scaled): location (d) and covariance (d * d, column-major = row-major,
 * symmetric), before regularisation.  Exposed for the unit tests.
 * raw_support (n, may be NULL) receives 1 for the rows in the raw support.
 */
an_status	an_mv_mcd(const double *x, size_t n, size_t d, double *location, double *covariance,
					  uint8_t *raw_support, an_mv_fit_info *info);

/* The same, also returning the raw MCD estimate (d and d * d, either may be NULL). */
an_status	an_mv_mcd_raw(const double *x, size_t n, size_t d, double *location, double *covariance,
						  uint8_t *raw_support, an_mv_fit_info *info, double *raw_location,
						  double *raw_covariance);

#endif
