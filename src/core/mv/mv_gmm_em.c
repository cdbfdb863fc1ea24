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
 * The responsibilities, means and covariances go through BLAS: dtrsm for
 * the whitened rows, dgemm for the means, dsyrk for the covariances, and
 * dpotrf for the factors.
 *
 * k-means++ is the greedy variant (Arthur & Vassilvitskii 2007; 2 + ln k
 * candidates per centre, the one that lowers the potential most kept), with
 * splitmix64 from a fixed seed (one per start), so every fit is reproducible.
 */
#include "core/mv/mv_internal.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define LOG_2PI 1.8378770664093454836

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

/* Lower Cholesky factor (upper triangle zeroed) and log det; false if dpotrf refuses. */
static bool
factor(const double *cov, size_t d, double *l, double *log_det)
{
	int			nn = (int) d,
				info = 0;
	double		ld = 0.0;

	memcpy(l, cov, d * d * sizeof(double));
	dpotrf_("L", &nn, l, &nn, &info, 1);
	if (info != 0)
		return false;
	for (size_t j = 0; j < d; j++)
	{
		if (!(l[j * d + j] > 0.0) || !isfinite(l[j * d + j]))
			return false;
		ld += log(l[j * d + j]);
		for (size_t i = 0; i < j; i++)
			l[j * d + i] = 0.0;
	}
	*log_det = 2.0 * ld;
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
	double	   *log_det;		/* k */
} em_work;

/* Factor every covariance; false if one is not positive definite. */
static bool
factor_all(em_work *e, const double *covs)
{
	size_t		dd = e->d * e->d;

	for (uint32_t j = 0; j < e->k; j++)
		if (!factor(covs + j * dd, e->d, e->chol + j * dd, &e->log_det[j]))
			return false;
	return true;
}

/* E-step: lp = the responsibilities; returns the mean log-likelihood. */
static double
e_step(em_work *e, const double *weights, const double *means)
{
	size_t		n = e->n,
				d = e->d,
				k = e->k;
	double		total = 0.0;

	for (size_t j = 0; j < k; j++)
	{
		double		c = log(weights[j]) - 0.5 * ((double) d * LOG_2PI + e->log_det[j]);

		an_check_interrupts();
		mv_mahalanobis2(e->x, d, NULL, n, means + j * d, e->chol + j * d * d, e->dist, e->work);
		for (size_t i = 0; i < n; i++)
			e->lp[i * k + j] = c - 0.5 * e->dist[i];
	}
	AN_FOR_CHECKED(i, n)
	{
		double	   *row = e->lp + i * k;
		double		mx = row[0],
					s = 0.0,
					norm;

		for (size_t j = 1; j < k; j++)
			if (row[j] > mx)
				mx = row[j];
		for (size_t j = 0; j < k; j++)
		{
			row[j] = exp(row[j] - mx);
			s += row[j];
		}
		norm = mx + log(s);
		/* exp(log p - norm) as exp(log p - max) / s: one exp per entry, not two */
		for (size_t j = 0; j < k; j++)
			row[j] /= s;
		total += norm;
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

an_status
an_mv_gmm_em(const double *x, size_t n, size_t d, uint32_t k, double reg_covar, uint32_t start,
			 an_mv_gmm_fit *fit)
{
	em_work		e;
	double	   *cum = NULL,
			   *closest = NULL;
	double		lb = -INFINITY;
	an_status	st = AN_ENOMEM;
	double		np;

	if (k < 1 || k > n || d < 1 || !(reg_covar > 0.0) || n > AN_MV_MAX_ROWS)
		return AN_EINVAL;
	memset(&e, 0, sizeof(e));
	e.x = x;
	e.n = n;
	e.d = d;
	e.k = k;
	e.lp = an_alloc_array(n, k * sizeof(double));
	e.work = an_alloc_array(n, d * sizeof(double));
	e.dist = an_alloc_array(n, sizeof(double));
	e.chol = an_alloc_array(k, d * d * sizeof(double));
	e.log_det = an_alloc_array(k, sizeof(double));
	cum = an_alloc_array(n, sizeof(double));
	closest = an_alloc_array(n, sizeof(double));
	if (!e.lp || !e.work || !e.dist || !e.chol || !e.log_det || !cum || !closest)
		goto done;
	fit->k = k;
	fit->converged = false;
	fit->n_iter = 0;
	if (!kmeans_pp(x, n, d, k, start, fit->means, closest, cum))
	{
		st = AN_EINVAL;			/* fewer distinct rows than k */
		goto done;
	}
	if (fit->init_means)
		memcpy(fit->init_means, fit->means, (size_t) k * d * sizeof(double));
	for (uint32_t j = 0; j < k; j++)
	{
		double	   *cov = fit->covs + (size_t) j * d * d;

		fit->weights[j] = 1.0 / (double) k;
		memset(cov, 0, d * d * sizeof(double));
		for (size_t c = 0; c < d; c++)
			cov[c * d + c] = reg_covar;
	}
	st = AN_ENONFINITE;
	if (!factor_all(&e, fit->covs))
		goto done;
	for (uint32_t it = 1; it <= AN_MV_GMM_MAX_ITER; it++)
	{
		double		prev = lb;

		lb = e_step(&e, fit->weights, fit->means);
		m_step(&e, reg_covar, fit->weights, fit->means, fit->covs);
		if (!factor_all(&e, fit->covs))
			goto done;
		fit->n_iter = it;
		if (fabs(lb - prev) < AN_MV_GMM_TOL)
		{
			fit->converged = true;
			break;
		}
	}
	fit->lower_bound = lb;
	/* the log-likelihood of the final parameters, for BIC */
	fit->mean_ll = e_step(&e, fit->weights, fit->means);
	np = (double) k * ((double) d * (double) (d + 1) / 2.0) + (double) k * (double) d + (double) k - 1.0;
	fit->bic = -2.0 * fit->mean_ll * (double) n + np * log((double) n);
	st = isfinite(fit->bic) && isfinite(lb) ? AN_OK : AN_ENONFINITE;
	for (size_t i = 0; st == AN_OK && i < (size_t) k * d; i++)
		if (!isfinite(fit->means[i]))
			st = AN_ENONFINITE;
done:
	an_free(e.lp);
	an_free(e.work);
	an_free(e.dist);
	an_free(e.chol);
	an_free(e.log_det);
	an_free(cum);
	an_free(closest);
	return st;
}
