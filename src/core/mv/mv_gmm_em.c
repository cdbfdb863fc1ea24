/*
 * mv_gmm_em.c: the EM fit of one Gaussian mixture with full covariances
 * (method gmm, for one k), from k-means++ centres.
 *
 * The steps are scikit-learn's GaussianMixture(covariance_type="full") so
 * that the exactness test can start it from the same point:
 *   start: weights 1/k, means = the k-means++ centres, covariances
 *     reg_covar * I (what GaussianMixture(init_params="k-means++",
 *     means_init=centres) starts from: the first E-step is in effect a hard
 *     assignment of every row to its nearest centre);
 *   E-step: log p_ij = log w_j - (d log 2 pi + |L_j^-1 (x_i - mu_j)|^2) / 2
 *     - log det S_j / 2; the mean over i of logsumexp_j is the "lower bound";
 *   M-step: n_j = sum_i r_ij + 10 eps, mu_j = sum_i r_ij x_i / n_j,
 *     S_j = sum_i r_ij (x_i - mu_j)(x_i - mu_j)' / n_j + reg_covar I,
 *     w_j = n_j / sum n;
 *   stop when the lower bound changes by less than AN_MV_GMM_TOL (the
 *   lower bound of a step is that of the parameters before its M-step, as
 *   scikit-learn's), or after AN_MV_GMM_MAX_ITER steps.
 * Up to AN_MV_GMM_SMALL_D dimensions the whitened rows come from forward
 * substitution on blocks of EM_BLOCK rows, vectorised across the rows; above
 * it from one dtrsm per component.  dgemm for the means, dsyrk for the
 * covariances, dpotrf for the factors.
 *
 * k-means++ is the greedy variant (Arthur & Vassilvitskii 2007; 2 + ln k
 * candidates per centre, the one that lowers the potential most kept), with
 * splitmix64 from a fixed seed (one per start), so every fit is reproducible.
 */
#include "core/mv/mv_internal.h"
#include "core/cpu_features.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define LOG_2PI 1.8378770664093454836
/* rows per block of the small-d E-step (AN_INTERRUPT_STRIDE is a multiple of it) */
#define EM_BLOCK 64

/* Uniform in [0, 1) from 53 bits. */
static double
rng_unit(mv_rng *r)
{
	return (double) (mv_rng_next(r) >> 11) * 0x1.0p-53;
}

static double
dist2(const double *a, const double *b, size_t d)
{
	double		s = 0.0;

	for (size_t c = 0; c < d; c++)
		s += (a[c] - b[c]) * (a[c] - b[c]);
	return s;
}

/*
 * k centres (k * d) chosen by greedy k-means++; closest, cum: n doubles
 * each.  false when the rows have fewer than k distinct points (the
 * potential reaches 0 before k centres).
 */
static bool
kmeans_pp(const double *x, size_t n, size_t d, uint32_t k, uint32_t start, double *centres, double *closest,
		  double *cum)
{
	mv_rng		rng = {AN_MV_GMM_SEED + (uint64_t) start * UINT64_C(0x9e3779b97f4a7c15)};
	size_t		first = mv_rng_below(&rng, (uint32_t) n);
	int			trials = 2 + (int) log((double) k);

	memcpy(centres, x + first * d, d * sizeof(double));
	AN_FOR_CHECKED(i, n)
		closest[i] = dist2(x + i * d, centres, d);
	for (uint32_t c = 1; c < k; c++)
	{
		double		best_pot = INFINITY,
					run = 0.0;
		size_t		best = 0;

		for (size_t i = 0; i < n; i++)
		{
			run += closest[i];
			cum[i] = run;
		}
		if (!(run > 0.0))
			return false;
		for (int t = 0; t < trials; t++)
		{
			double		u = rng_unit(&rng) * run,
						p = 0.0;
			size_t		lo = 0,
						hi = n;

			/* the first row whose cumulative potential exceeds u: never a row at distance 0 */
			while (lo < hi)
			{
				size_t		mid = lo + (hi - lo) / 2;

				if (cum[mid] > u)
					hi = mid;
				else
					lo = mid + 1;
			}
			if (lo == n)
			{
				/* u rounded up to the total: the last row with some potential */
				while (lo > 0 && !(closest[lo - 1] > 0.0))
					lo--;
				lo--;
			}
			AN_FOR_CHECKED(i, n)
			{
				double		e = dist2(x + i * d, x + lo * d, d);

				p += e < closest[i] ? e : closest[i];
			}
			if (p < best_pot)
			{
				best_pot = p;
				best = lo;
			}
		}
		memcpy(centres + (size_t) c * d, x + best * d, d * sizeof(double));
		AN_FOR_CHECKED(i, n)
		{
			double		e = dist2(x + i * d, x + best * d, d);

			if (e < closest[i])
				closest[i] = e;
		}
	}
	return true;
}

typedef struct em_work
{
	const double *x;
	size_t		n,
				d;
	uint32_t	k;
	double	   *lp;				/* n * k: log p, then the responsibilities */
	double	   *work;			/* n * d */
	double	   *dist;			/* n */
	double	   *chol;			/* k * d * d */
	double	   *tri;			/* k * d (d + 1) / 2: the factors packed by rows, 1 / diagonal (small d) */
	double	   *blk;			/* (2 d + 1) * EM_BLOCK: a block of rows transposed, whitened, distances */
	double	   *log_det;		/* k */
} em_work;

/* Factor every covariance; false if one is not positive definite. */
static bool
factor_all(em_work *e, const double *covs)
{
	size_t		d = e->d,
				dd = d * d,
				t = d * (d + 1) / 2;

	for (uint32_t j = 0; j < e->k; j++)
	{
		const double *l = e->chol + j * dd;
		double	   *p = e->tri + j * t;

		if (!mv_cholesky_finite(covs + j * dd, d, e->chol + j * dd, &e->log_det[j]))
			return false;
		if (d > AN_MV_GMM_SMALL_D)
			continue;
		/* row r of L: L(r, 0) .. L(r, r - 1), then 1 / L(r, r) */
		for (size_t r = 0; r < d; r++)
		{
			for (size_t c = 0; c < r; c++)
				*p++ = l[c * d + r];
			*p++ = 1.0 / l[r * d + r];
		}
	}
	return true;
}

/*
 * Small d: log p_ij of the rows i0 .. i0 + m (m <= EM_BLOCK) into lp, by
 * forward substitution on the packed factors, vectorised across the rows of
 * the block (the block transposed once, then whitened against every
 * component while it is in cache).  Inlined into a generic and an AVX-512
 * copy: each row's operations are the same in either (no contraction), so
 * the bits are too.
 */
static inline __attribute__((always_inline)) void
log_p_block_body(const em_work *e, size_t i0, size_t m, const double *means, const double *c)
{
	size_t		d = e->d,
				k = e->k,
				t = d * (d + 1) / 2;
	double	   *xt = e->blk,
			   *zt = xt + d * EM_BLOCK,
			   *q = zt + d * EM_BLOCK;

	for (size_t b = 0; b < m; b++)
		for (size_t r = 0; r < d; r++)
			xt[r * EM_BLOCK + b] = e->x[(i0 + b) * d + r];
	for (size_t b = m; b < EM_BLOCK; b++)
		for (size_t r = 0; r < d; r++)
			xt[r * EM_BLOCK + b] = 0.0;	/* the tail of the last block: computed, never read */
	for (size_t j = 0; j < k; j++)
	{
		const double *mu = means + j * d,
				   *l = e->tri + j * t;

		for (size_t b = 0; b < EM_BLOCK; b++)
			q[b] = 0.0;
		for (size_t r = 0; r < d; r++)
		{
			double	   *zr = zt + r * EM_BLOCK,
						inv;
			const double *xr = xt + r * EM_BLOCK;

			for (size_t b = 0; b < EM_BLOCK; b++)
				zr[b] = xr[b] - mu[r];
			for (size_t a = 0; a < r; a++)
			{
				const double *za = zt + a * EM_BLOCK;
				double		la = l[a];

				for (size_t b = 0; b < EM_BLOCK; b++)
					zr[b] -= la * za[b];
			}
			l += r;
			inv = *l++;
			for (size_t b = 0; b < EM_BLOCK; b++)
			{
				zr[b] *= inv;
				q[b] += zr[b] * zr[b];
			}
		}
		for (size_t b = 0; b < m; b++)
			e->lp[(i0 + b) * k + j] = c[j] - 0.5 * q[b];
	}
}

static void
log_p_block_generic(const em_work *e, size_t i0, size_t m, const double *means, const double *c)
{
	log_p_block_body(e, i0, m, means, c);
}

#ifdef AN_HAVE_AVX512_KERNELS
__attribute__((target("avx512f"))) static void
log_p_block_avx512(const em_work *e, size_t i0, size_t m, const double *means, const double *c)
{
	log_p_block_body(e, i0, m, means, c);
}
#endif

typedef void (*log_p_block_fn) (const em_work *e, size_t i0, size_t m, const double *means, const double *c);

static log_p_block_fn
log_p_block_kernel(void)
{
#ifdef AN_HAVE_AVX512_KERNELS
	if (an_avx512_enabled())
		return log_p_block_avx512;
#endif
	return log_p_block_generic;
}

/* E-step: lp = the responsibilities; returns the mean log-likelihood. */
static double
e_step(em_work *e, const double *weights, const double *means)
{
	size_t		n = e->n,
				d = e->d,
				k = e->k;
	double		total = 0.0,
				prod = 1.0,
				c[AN_MV_GMM_MAX_COMPONENTS];
	int			in_prod = 0;
	log_p_block_fn log_p_block = log_p_block_kernel();

	for (size_t j = 0; j < k; j++)
		c[j] = log(weights[j]) - 0.5 * ((double) d * LOG_2PI + e->log_det[j]);
	if (d > AN_MV_GMM_SMALL_D)
		for (size_t j = 0; j < k; j++)
		{
			/* large d: one dtrsm per component over all the rows */
			an_check_interrupts();
			mv_mahalanobis2(e->x, d, NULL, n, means + j * d, e->chol + j * d * d, e->dist, e->work);
			for (size_t i = 0; i < n; i++)
				e->lp[i * k + j] = c[j] - 0.5 * e->dist[i];
		}
	AN_FOR_CHECKED(i, n)
	{
		double	   *row = e->lp + i * k;
		double		mx,
					s = 0.0;

		if (d <= AN_MV_GMM_SMALL_D && i % EM_BLOCK == 0)
			log_p_block(e, i, n - i < EM_BLOCK ? n - i : EM_BLOCK, means, c);
		mx = row[0];
		for (size_t j = 1; j < k; j++)
			if (row[j] > mx)
				mx = row[j];
		for (size_t j = 0; j < k; j++)
		{
			/* below -746 exp is 0: skip libm's slow underflow path */
			row[j] = row[j] - mx > -746.0 ? exp(row[j] - mx) : 0.0;
			s += row[j];
		}
		/* exp(log p - norm) as exp(log p - max) / s: one exp per entry, not two */
		for (size_t j = 0; j < k; j++)
			row[j] /= s;
		/* sum of log s as the log of a product of up to 64 (each s is in [1, k], k <= 16) */
		total += mx;
		prod *= s;
		if (++in_prod == 64 || i == n - 1)
		{
			total += log(prod);
			prod = 1.0;
			in_prod = 0;
		}
	}
	return total / (double) n;
}

/* M-step from the responsibilities in lp. */
static void
m_step(em_work *e, double reg_covar, double *weights, double *means, double *covs)
{
	size_t		n = e->n,
				d = e->d,
				k = e->k;
	double		sum = 0.0;

	for (size_t j = 0; j < k; j++)
		weights[j] = 0.0;
	AN_FOR_CHECKED(i, n)
	{
		for (size_t j = 0; j < k; j++)
			weights[j] += e->lp[i * k + j];
	}
	for (size_t j = 0; j < k; j++)
	{
		weights[j] += 10.0 * DBL_EPSILON;
		sum += weights[j];
	}
	/* means (d x k, column-major) = X' R: X' is d x n, R (row-major n x k) is k x n column-major */
	cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int) d, (int) k, (int) n, 1.0,
				e->x, (int) d, e->lp, (int) k, 0.0, means, (int) d);
	for (size_t j = 0; j < k; j++)
	{
		double	   *mu = means + j * d,
				   *cov = covs + j * d * d;

		an_check_interrupts();
		for (size_t c = 0; c < d; c++)
			mu[c] /= weights[j];
		for (size_t i = 0; i < n; i++)
		{
			double		s = sqrt(e->lp[i * k + j]);

			for (size_t c = 0; c < d; c++)
				e->work[i * d + c] = s * (e->x[i * d + c] - mu[c]);
		}
		cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, (int) d, (int) n, 1.0 / weights[j],
					e->work, (int) d, 0.0, cov, (int) d);
		for (size_t c = 0; c < d; c++)
		{
			for (size_t r = c + 1; r < d; r++)
				cov[r * d + c] = cov[c * d + r];
			cov[c * d + c] += reg_covar;
		}
	}
	for (size_t j = 0; j < k; j++)
		weights[j] /= sum;
}

/* The work arrays of an EM run on n rows; false if out of memory (em_free in every case). */
static bool
em_alloc(em_work *e, const double *x, size_t n, size_t d, uint32_t k)
{
	memset(e, 0, sizeof(*e));
	e->x = x;
	e->n = n;
	e->d = d;
	e->k = k;
	e->lp = an_alloc_array(n, k * sizeof(double));
	e->work = an_alloc_array(n, d * sizeof(double));
	e->dist = an_alloc_array(n, sizeof(double));
	e->chol = an_alloc_array(k, d * d * sizeof(double));
	e->tri = an_alloc_array(k, d * (d + 1) / 2 * sizeof(double));
	e->blk = an_alloc_array(2 * d + 1, EM_BLOCK * sizeof(double));
	e->log_det = an_alloc_array(k, sizeof(double));
	return e->lp && e->work && e->dist && e->chol && e->tri && e->blk && e->log_det;
}

static void
em_free(em_work *e)
{
	AN_FREE_ALL(e->lp, e->work, e->dist, e->chol, e->tri, e->blk, e->log_det);
}

/* BIC of a mean log-likelihood over n rows, k components of d dimensions. */
static double
bic_of(double mean_ll, size_t n, size_t d, uint32_t k)
{
	double		np = (double) k * ((double) d * (double) (d + 1) / 2.0) + (double) k * (double) d + (double) k - 1.0;

	return -2.0 * mean_ll * (double) n + np * log((double) n);
}

/* Where every EM run starts from fit->means: weights 1/k, covariances reg_covar * I, no step taken. */
static void
em_start(an_mv_gmm_fit *fit, size_t d, uint32_t k, double reg_covar)
{
	fit->k = k;
	fit->converged = false;
	fit->n_iter = 0;
	fit->lower_bound = -INFINITY;
	for (uint32_t j = 0; j < k; j++)
	{
		double	   *cov = fit->covs + (size_t) j * d * d;

		fit->weights[j] = 1.0 / (double) k;
		memset(cov, 0, d * d * sizeof(double));
		for (size_t c = 0; c < d; c++)
			cov[c * d + c] = reg_covar;
	}
}

/*
 * EM steps from fit's parameters until converged or max_iter steps in all.
 * fit->lower_bound is the previous step's, so a run interrupted here and
 * resumed later takes exactly the steps of one uninterrupted run.
 */
static an_status
em_steps(em_work *e, double reg_covar, an_mv_gmm_fit *fit, uint32_t max_iter)
{
	double		prev = fit->lower_bound;

	if (!factor_all(e, fit->covs))
		return AN_ENONFINITE;
	for (uint32_t it = fit->n_iter + 1; !fit->converged && it <= max_iter; it++)
	{
		double		lb = e_step(e, fit->weights, fit->means);

		m_step(e, reg_covar, fit->weights, fit->means, fit->covs);
		if (!factor_all(e, fit->covs))
			return AN_ENONFINITE;
		fit->n_iter = it;
		fit->lower_bound = lb;
		fit->converged = fabs(lb - prev) < AN_MV_GMM_TOL;
		prev = lb;
	}
	return isfinite(fit->lower_bound) ? AN_OK : AN_ENONFINITE;
}

/* EM to convergence from fit's parameters; the mean log-likelihood and BIC of the final ones. */
static an_status
em_run(em_work *e, double reg_covar, an_mv_gmm_fit *fit)
{
	an_status	st = em_steps(e, reg_covar, fit, AN_MV_GMM_MAX_ITER);

	if (st != AN_OK)
		return st;
	/* the log-likelihood of the final parameters, for BIC (factor_all ran after the last M-step) */
	fit->mean_ll = e_step(e, fit->weights, fit->means);
	fit->bic = bic_of(fit->mean_ll, e->n, e->d, fit->k);
	st = isfinite(fit->bic) ? AN_OK : AN_ENONFINITE;
	for (size_t i = 0; st == AN_OK && i < (size_t) fit->k * e->d; i++)
		if (!isfinite(fit->means[i]))
			st = AN_ENONFINITE;
	return st;
}

/*
 * k-means++ centres of start, then EM: to convergence when max_iter is
 * AN_MV_GMM_MAX_ITER, else a short run of max_iter steps at most that
 * mv_gmm_em_resume can continue (mean_ll and bic are set only by a run to
 * convergence).
 */
static an_status
em_from_start(const double *x, size_t n, size_t d, uint32_t k, double reg_covar, uint32_t start,
			  an_mv_gmm_fit *fit, uint32_t max_iter)
{
	em_work		e;
	double	   *cum = NULL,
			   *closest = NULL;
	an_status	st = AN_ENOMEM;

	if (k < 1 || k > n || d < 1 || !(reg_covar > 0.0) || n > AN_MV_MAX_ROWS)
		return AN_EINVAL;
	cum = an_alloc_array(n, sizeof(double));
	closest = an_alloc_array(n, sizeof(double));
	if (!em_alloc(&e, x, n, d, k) || !cum || !closest)
		goto done;
	if (!kmeans_pp(x, n, d, k, start, fit->means, closest, cum))
	{
		st = AN_EINVAL;			/* fewer distinct rows than k */
		goto done;
	}
	if (fit->init_means)
		memcpy(fit->init_means, fit->means, (size_t) k * d * sizeof(double));
	em_start(fit, d, k, reg_covar);
	st = max_iter >= AN_MV_GMM_MAX_ITER ? em_run(&e, reg_covar, fit) : em_steps(&e, reg_covar, fit, max_iter);
done:
	em_free(&e);
	an_free(cum);
	an_free(closest);
	return st;
}

an_status
an_mv_gmm_em(const double *x, size_t n, size_t d, uint32_t k, double reg_covar, uint32_t start,
			 an_mv_gmm_fit *fit)
{
	return em_from_start(x, n, d, k, reg_covar, start, fit, AN_MV_GMM_MAX_ITER);
}

an_status
mv_gmm_em_short(const double *x, size_t n, size_t d, uint32_t k, double reg_covar, uint32_t start,
				an_mv_gmm_fit *fit)
{
	return em_from_start(x, n, d, k, reg_covar, start, fit, AN_MV_GMM_SHORT_ITER);
}

/* EM on x from fit (fresh: from fit->means as a new start; else where fit stopped), to convergence. */
static an_status
em_continue(const double *x, size_t n, size_t d, double reg_covar, an_mv_gmm_fit *fit, bool fresh)
{
	em_work		e;
	an_status	st = AN_ENOMEM;

	if (fit->k < 1 || fit->k > n || d < 1 || !(reg_covar > 0.0) || n > AN_MV_MAX_ROWS)
		return AN_EINVAL;
	if (em_alloc(&e, x, n, d, fit->k))
	{
		if (fresh)
		{
			if (fit->init_means)
				memcpy(fit->init_means, fit->means, (size_t) fit->k * d * sizeof(double));
			em_start(fit, d, fit->k, reg_covar);
		}
		st = em_run(&e, reg_covar, fit);
	}
	em_free(&e);
	return st;
}

an_status
mv_gmm_em_from(const double *x, size_t n, size_t d, uint32_t k, double reg_covar, an_mv_gmm_fit *fit)
{
	fit->k = k;
	return em_continue(x, n, d, reg_covar, fit, true);
}

an_status
mv_gmm_em_resume(const double *x, size_t n, size_t d, double reg_covar, an_mv_gmm_fit *fit)
{
	return em_continue(x, n, d, reg_covar, fit, false);
}

an_status
mv_gmm_bic_on(const double *x, size_t n, size_t d, const an_mv_gmm_fit *fit, double *bic)
{
	em_work		e;
	an_status	st = AN_ENOMEM;

	if (em_alloc(&e, x, n, d, fit->k))
	{
		st = AN_ENONFINITE;
		if (factor_all(&e, fit->covs))
		{
			*bic = bic_of(e_step(&e, fit->weights, fit->means), n, d, fit->k);
			if (isfinite(*bic))
				st = AN_OK;
		}
	}
	em_free(&e);
	return st;
}
