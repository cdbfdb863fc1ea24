/*
 * mv_gmm.c: method gmm of the multivariate model, a Gaussian mixture with
 * full covariances (the EM fit is in mv_gmm_em.c).
 *
 * k: BIC (scikit-learn's: -2 n mean log-likelihood + p log n, p = k d (d+1)/2
 * + k d + k - 1) chooses among min_components .. components (default 1 ..
 * AN_MV_GMM_DEFAULT_COMPONENTS), each fitted from AN_MV_GMM_STARTS k-means++
 * starts (one for k = 1, where every start gives the same fit), each run for
 * AN_MV_GMM_SHORT_ITER EM steps, the start of highest log-likelihood then
 * (the first on a tie) run on to convergence; the lowest
 * BIC wins, the smaller k on a tie.  With more rows than m = max(
 * AN_MV_GMM_SUBSAMPLE, 10 p), the starts of k run on the subsample of m
 * evenly spaced sorted rows (see subsample()) and the BIC of the best is
 * estimated by one E-step over every row; the chosen k then runs EM on every
 * row from the means its subsample fit reached (init_means holds those), and
 * its BIC entry is that fit's.  The search stops after BIC rises twice in a
 * row (hi_k is then the last k tried).  k never exceeds the
 * number of rows nor the number of distinct rows (k-means++ needs k distinct
 * centres); if a k cannot be fitted (a covariance that does not factor even
 * with reg_covar) the larger ones are not tried.
 *
 * Score.  With LL(x) the log density of the mixture and
 *   peak = max_j (log w_j - log det S_j / 2) - d log(2 pi) / 2
 * (the height of the highest component at its centre), the distance is
 *   D(x) = sqrt(max(0, 2 (peak - LL(x))))
 * For k = 1 this is exactly the Mahalanobis distance; in general it is the
 * distance at which a single Gaussian of the peak's height would be as
 * unlikely.  Score = D / t, with t the option threshold or else the smallest
 * t with
 *   sum_j w_j P(chi2_d > t^2 - c_j) <= false_alarm_rate,  c_j = 2 (peak - log_norm_j)
 * (log_norm_j = log w_j - log det S_j / 2 - d log(2 pi) / 2).  Since the
 * mixture density is at least w_j N_j(x), a row drawn from component j is
 * beyond t only if its own Mahalanobis distance is beyond sqrt(t^2 - c_j):
 * the sum bounds the false-alarm rate under the fitted mixture from above
 * (exact for k = 1, where it is gaussian's chi-square rule, and nearly so
 * for well-separated components).  Components of small weight or wide
 * spread get a larger c_j: their rows are flagged sooner, as a density
 * threshold should.
 *
 * Contributions: those of gaussian (see mv.h) under the component with the
 * highest posterior probability for x.
 *
 * Payload section (after the common head and center/scale, version 3):
 *   u32 k  u32 min_components  u32 components  u32 hi_k (largest k fitted)
 *   u32 n_iter (1..AN_MV_GMM_MAX_ITER)  u8 converged  u8 reserved[3] (0)
 *   f64 reg_covar (> 0)  f64 lower_bound
 *   f64 bic[hi_k - min_components + 1]
 *   f64 weights[k] (> 0, sum 1 within 1e-9)  f64 means[k * d]
 *   f64 covariances[k * d * d] (exactly symmetric, positive definite)
 *   f64 init_means[k * d] (where the final EM started: the k-means++ centres
 *     of the chosen k, or its subsample fit's means)
 * all finite; 1 <= min_components <= k <= hi_k <= components <= 16, k <= rows.
 */
#include "core/mv/mv_internal.h"

#include <math.h>
#include <string.h>

#define LOG_2PI 1.8378770664093454836

uint32_t
an_mv_gmm_components(const an_mv_options *o)
{
	return o->components >= 1.0 ? (uint32_t) o->components : AN_MV_GMM_DEFAULT_COMPONENTS;
}

uint32_t
an_mv_gmm_min_components(const an_mv_options *o)
{
	return o->min_components >= 1.0 ? (uint32_t) o->min_components : 1;
}

double
an_mv_gmm_reg_covar(const an_mv_options *o)
{
	return o->reg_covar > 0.0 ? o->reg_covar : AN_MV_GMM_DEFAULT_REG_COVAR;
}

/*
 * From weights, means, covariances: the factors, the diagonals of the
 * precisions, the log normalisers, the peak, and the mixture's mean and
 * covariance into m->location / m->covariance (for mv_model_info).
 * AN_ECORRUPT if a covariance does not factor.
 */
static an_status
derive(an_mv_model *m)
{
	size_t		d = m->d,
				k = m->gmm_k,
				dd = d * d;
	int			nn = (int) d;

	m->gmm_chol = an_alloc_array(k, dd * sizeof(double));
	m->gmm_prec_diag = an_alloc_array(k, d * sizeof(double));
	m->gmm_log_norm = an_alloc_array(k, sizeof(double));
	m->location = an_alloc_array(d, sizeof(double));
	m->covariance = an_alloc_array(d, d * sizeof(double));
	if (!m->gmm_chol || !m->gmm_prec_diag || !m->gmm_log_norm || !m->location || !m->covariance)
		return AN_ENOMEM;
	m->gmm_peak = -INFINITY;
	for (size_t j = 0; j < k; j++)
	{
		double	   *l = m->gmm_chol + j * dd;
		double		log_det;
		int			info = 0;

		if (!mv_cholesky_finite(m->gmm_covs + j * dd, d, l, &log_det))
			return AN_ECORRUPT;
		/* half the log det, exactly: the sum of the log pivots */
		m->gmm_log_norm[j] = log(m->gmm_weights[j]) - 0.5 * log_det - 0.5 * (double) d * LOG_2PI;
		if (m->gmm_log_norm[j] > m->gmm_peak)
			m->gmm_peak = m->gmm_log_norm[j];
		{
			/* the diagonal of S_j^-1: dpotri on a copy of the factor (borrowing covariance as room) */
			double	   *inv = m->covariance;

			memcpy(inv, l, dd * sizeof(double));
			dpotri_("L", &nn, inv, &nn, &info, 1);
			for (size_t c = 0; c < d; c++)
			{
				m->gmm_prec_diag[j * d + c] = inv[c * d + c];
				if (info != 0 || !(inv[c * d + c] > 0.0) || !isfinite(inv[c * d + c]))
					return AN_ECORRUPT;
			}
		}
	}
	/* the mixture's moments: mean = sum w mu, covariance = sum w (S + (mu - mean)(mu - mean)') */
	for (size_t c = 0; c < d; c++)
	{
		m->location[c] = 0.0;
		for (size_t j = 0; j < k; j++)
			m->location[c] += m->gmm_weights[j] * m->gmm_means[j * d + c];
	}
	memset(m->covariance, 0, dd * sizeof(double));
	for (size_t j = 0; j < k; j++)
	{
		const double *mu = m->gmm_means + j * d;

		for (size_t c = 0; c < d; c++)
			for (size_t r = 0; r < d; r++)
				m->covariance[c * d + r] += m->gmm_weights[j] *
					(m->gmm_covs[j * dd + c * d + r] + (mu[r] - m->location[r]) * (mu[c] - m->location[c]));
	}
	return AN_OK;
}

/* The threshold rule of the header comment, by bisection on t^2. */
static double
threshold_for(const an_mv_model *m, double far)
{
	size_t		k = m->gmm_k;
	double		dof = (double) m->d,
				lo = 0.0,
				hi = an_chi2_ppf(1.0 - far, dof);

	for (size_t j = 0; j < k; j++)
	{
		double		c = 2.0 * (m->gmm_peak - m->gmm_log_norm[j]);

		if (an_chi2_ppf(1.0 - far, dof) + c > hi)
			hi = an_chi2_ppf(1.0 - far, dof) + c;
	}
	for (int it = 0; it < 200 && hi - lo > 1e-12 * hi; it++)
	{
		double		mid = 0.5 * (lo + hi),
					rate = 0.0;

		for (size_t j = 0; j < k; j++)
		{
			double		q = mid - 2.0 * (m->gmm_peak - m->gmm_log_norm[j]);

			rate += m->gmm_weights[j] * (q <= 0.0 ? 1.0 : 1.0 - an_gamma_p(0.5 * dof, 0.5 * q));
		}
		if (rate <= far)
			hi = mid;
		else
			lo = mid;
	}
	return sqrt(hi);
}

/* Free parameters of k full-covariance components in d dimensions. */
static double
n_params(size_t d, uint32_t k)
{
	return (double) k * ((double) d * (double) (d + 1) / 2.0) + (double) k * (double) d + (double) k - 1.0;
}

/*
 * The subsample the candidates with k components are fitted on: m =
 * max(AN_MV_GMM_SUBSAMPLE, 10 free parameters) of the sorted rows, row
 * floor(i n / m) for i < m (evenly spaced in the canonical order, so the
 * same rows whatever order they came in).  Returns m, or n (use every row)
 * when m >= n or the subsample has fewer than k distinct rows.
 */
static size_t
subsample(const double *xs, size_t n, size_t d, uint32_t k, double *sx)
{
	double		want = 10.0 * n_params(d, k);
	size_t		m = want > (double) AN_MV_GMM_SUBSAMPLE ? (size_t) want : AN_MV_GMM_SUBSAMPLE,
				distinct = 1;

	if (m >= n)
		return n;
	for (size_t i = 0; i < m; i++)
	{
		size_t		r = i * (n / m) + i * (n % m) / m;

		memcpy(sx + i * d, xs + r * d, d * sizeof(double));
		if (i > 0 && memcmp(sx + i * d, sx + (i - 1) * d, d * sizeof(double)) != 0)
			distinct++;
	}
	return distinct >= k ? m : n;
}

an_status
mv_gmm_build(const double *xs, size_t n, size_t d, const an_mv_options *opt, const double *scale,
			 an_mv_model *g, double *threshold, double *far)
{
	uint32_t	min_k = an_mv_gmm_min_components(opt),
				max_k = an_mv_gmm_components(opt),
				hi_k = max_k,
				rises = 0;
	double		reg = an_mv_gmm_reg_covar(opt),
				log_scale = 0.0,
				best_bic = INFINITY,
				prev_bic = INFINITY;
	size_t		distinct = n > 0 ? 1 : 0,
				best_rows = n;
	double	   *sx = NULL;
	an_mv_gmm_fit cur,
				kbest,
				best;
	an_status	st = AN_ENOMEM;

	memset(g, 0, sizeof(*g));
	memset(&best, 0, sizeof(best));
	memset(&kbest, 0, sizeof(kbest));
	memset(&cur, 0, sizeof(cur));
	if (min_k < 1 || min_k > max_k || max_k > AN_MV_GMM_MAX_COMPONENTS)
		return AN_EINVAL;
	/* the rows are sorted: equal rows are neighbours (a lower bound on k-means++'s failures) */
	for (size_t i = 1; i < n; i++)
		if (memcmp(xs + i * d, xs + (i - 1) * d, d * sizeof(double)) != 0)
			distinct++;
	if (hi_k > n)
		hi_k = (uint32_t) n;
	if (hi_k > distinct)
		hi_k = (uint32_t) distinct;
	if (min_k > hi_k)
		return AN_EINVAL;
	for (size_t c = 0; c < d; c++)
		log_scale += log(scale[c]);
	g->method = AN_MV_GMM;
	g->d = (uint32_t) d;
	g->gmm_min_k = min_k;
	g->gmm_max_k = max_k;
	g->gmm_reg_covar = reg;
	g->gmm_bic = an_alloc_array(max_k - min_k + 1, sizeof(double));
	{
		/* room for the largest subsample (the one of hi_k components) */
		double		want = 10.0 * n_params(d, hi_k);
		size_t		m = want > (double) AN_MV_GMM_SUBSAMPLE ? (size_t) want : AN_MV_GMM_SUBSAMPLE;

		if (m < n)
		{
			sx = an_alloc_array(m, d * sizeof(double));
			if (!sx)
				goto done;
		}
	}
	for (int s = 0; s < 3; s++)
	{
		an_mv_gmm_fit *f = s == 2 ? &kbest : s ? &best : &cur;

		f->weights = an_alloc_array(max_k, sizeof(double));
		f->means = an_alloc_array(max_k, d * sizeof(double));
		f->covs = an_alloc_array(max_k, d * d * sizeof(double));
		f->init_means = an_alloc_array(max_k, d * sizeof(double));
		if (!f->weights || !f->means || !f->covs || !f->init_means)
			goto done;
	}
	if (!g->gmm_bic)
		goto done;
	for (uint32_t k = min_k; k <= hi_k; k++)
	{
		bool		have = false;
		an_status	last = AN_OK;
		size_t		rows = sx ? subsample(xs, n, d, k, sx) : n;
		const double *x = rows < n ? sx : xs;
		double		bic = 0.0;

		/*
		 * a few starts: one k-means++ draw can put two centres in one cluster
		 * (k = 1 needs one).  Each runs a few steps; the best then goes on to
		 * convergence (the "short EM" of Biernacki, Celeux & Govaert 2003).
		 */
		for (uint32_t s = 0; s < (k == 1 ? 1 : AN_MV_GMM_STARTS); s++)
		{
			last = k == 1 ? an_mv_gmm_em(x, rows, d, k, reg, s, &cur) : mv_gmm_em_short(x, rows, d, k, reg, s, &cur);
			if (last == AN_ENOMEM)
			{
				st = last;
				goto done;
			}
			if (last != AN_OK)
				continue;		/* k distinct centres not found, or a covariance that does not factor */
			if (!have || cur.lower_bound > kbest.lower_bound)
			{
				an_mv_gmm_fit t = kbest;

				kbest = cur;
				cur = t;
				have = true;
			}
		}
		if (have && k > 1)
		{
			last = mv_gmm_em_resume(x, rows, d, reg, &kbest);
			if (last == AN_ENOMEM)
			{
				st = last;
				goto done;
			}
			have = last == AN_OK;
		}
		/* fitted on the subsample: its BIC estimated by one E-step over every row */
		if (have && rows < n)
		{
			last = mv_gmm_bic_on(xs, n, d, &kbest, &bic);
			if (last == AN_ENOMEM)
			{
				st = last;
				goto done;
			}
			have = last == AN_OK;
		}
		else
			bic = kbest.bic;
		if (!have)
		{
			/* no start fitted this k: stop here */
			st = last;
			if (k == min_k)
				goto done;
			hi_k = k - 1;
			break;
		}
		/* in the units of the features: the log density falls by sum log scale per row */
		g->gmm_bic[k - min_k] = bic + 2.0 * (double) n * log_scale;
		if (bic < best_bic)
		{
			an_mv_gmm_fit t = best;

			best_bic = bic;
			best = kbest;
			kbest = t;
			best_rows = rows;
		}
		/* BIC rising twice in a row: larger k will not come back down */
		rises = k > min_k && bic > prev_bic ? rises + 1 : 0;
		prev_bic = bic;
		if (rises >= 2)
		{
			hi_k = k;
			break;
		}
	}
	if (best_rows < n)
	{
		/* the chosen k on every row, from the means its subsample fit reached */
		st = mv_gmm_em_from(xs, n, d, best.k, reg, &best);
		if (st != AN_OK)
			goto done;
		g->gmm_bic[best.k - min_k] = best.bic + 2.0 * (double) n * log_scale;
	}
	g->gmm_hi_k = hi_k;
	g->gmm_k = best.k;
	g->gmm_iter = best.n_iter;
	g->gmm_converged = best.converged;
	g->gmm_lower_bound = best.lower_bound;
	g->gmm_weights = best.weights;
	g->gmm_means = best.means;
	g->gmm_covs = best.covs;
	g->gmm_init_means = best.init_means;
	memset(&best, 0, sizeof(best));
	st = derive(g);
	if (st != AN_OK)
	{
		st = st == AN_ECORRUPT ? AN_ENONFINITE : st;
		goto done;
	}
	/* features whose variance in some component is mostly the regularisation */
	for (size_t c = 0; c < d; c++)
		for (size_t j = 0; j < g->gmm_k; j++)
			if (g->gmm_covs[j * d * d + c * d + c] - reg <= reg)
			{
				g->n_floored++;
				break;
			}
	if (opt->threshold > 0.0)
	{
		*threshold = opt->threshold;
		*far = 0.0;
	}
	else
	{
		*far = opt->false_alarm_rate;
		*threshold = threshold_for(g, *far);
	}
	st = isfinite(*threshold) && *threshold > 0.0 ? AN_OK : AN_ENONFINITE;
done:
	an_free(sx);
	for (int s = 0; s < 3; s++)
	{
		an_mv_gmm_fit *f = s == 2 ? &kbest : s ? &best : &cur;

		AN_FREE_ALL(f->weights, f->means, f->covs, f->init_means);
	}
	return st;
}

void
mv_gmm_put(an_writer *w, const an_mv_model *m)
{
	size_t		d = m->d,
				k = m->gmm_k;

	an_put_u32(w, m->gmm_k);
	an_put_u32(w, m->gmm_min_k);
	an_put_u32(w, m->gmm_max_k);
	an_put_u32(w, m->gmm_hi_k);
	an_put_u32(w, m->gmm_iter);
	an_put_u8(w, m->gmm_converged ? 1 : 0);
	an_put_u8(w, 0);
	an_put_u8(w, 0);
	an_put_u8(w, 0);
	an_put_f64(w, m->gmm_reg_covar);
	an_put_f64(w, m->gmm_lower_bound);
	an_put_f64_array(w, m->gmm_bic, m->gmm_hi_k - m->gmm_min_k + 1);
	an_put_f64_array(w, m->gmm_weights, k);
	an_put_f64_array(w, m->gmm_means, k * d);
	an_put_f64_array(w, m->gmm_covs, k * d * d);
	an_put_f64_array(w, m->gmm_init_means, k * d);
}

an_status
mv_gmm_get(an_reader *r, an_mv_model *m)
{
	size_t		d = m->d,
				k,
				nb,
				dd = d * d;
	uint8_t		conv,
				r1,
				r2,
				r3;
	double		sum = 0.0;

	k = an_get_u32(r);
	m->gmm_min_k = an_get_u32(r);
	m->gmm_max_k = an_get_u32(r);
	m->gmm_hi_k = an_get_u32(r);
	m->gmm_iter = an_get_u32(r);
	conv = an_get_u8(r);
	r1 = an_get_u8(r);
	r2 = an_get_u8(r);
	r3 = an_get_u8(r);
	m->gmm_reg_covar = an_get_f64_finite(r);
	m->gmm_lower_bound = an_get_f64_finite(r);
	if (r->status != AN_OK)
		return r->status;
	if (m->gmm_min_k < 1 || k < m->gmm_min_k || k > m->gmm_hi_k || m->gmm_hi_k > m->gmm_max_k ||
		m->gmm_max_k > AN_MV_GMM_MAX_COMPONENTS || k > m->n_rows || m->gmm_iter < 1 ||
		m->gmm_iter > AN_MV_GMM_MAX_ITER || conv > 1 || r1 || r2 || r3 || !(m->gmm_reg_covar > 0.0))
		return AN_ECORRUPT;
	m->gmm_k = (uint32_t) k;
	m->gmm_converged = conv;
	nb = m->gmm_hi_k - m->gmm_min_k + 1;
	/* k <= 16, d <= 1024: no overflow */
	if (an_reader_remaining(r) != (nb + k + 2 * k * d + k * dd) * 8)
		return an_reader_remaining(r) < (nb + k + 2 * k * d + k * dd) * 8 ? AN_ETRUNCATED : AN_ELENGTH;
	m->gmm_bic = an_alloc_array(nb, sizeof(double));
	m->gmm_weights = an_alloc_array(k, sizeof(double));
	m->gmm_means = an_alloc_array(k, d * sizeof(double));
	m->gmm_covs = an_alloc_array(k, dd * sizeof(double));
	m->gmm_init_means = an_alloc_array(k, d * sizeof(double));
	if (!m->gmm_bic || !m->gmm_weights || !m->gmm_means || !m->gmm_covs || !m->gmm_init_means)
		return AN_ENOMEM;
	for (size_t i = 0; i < nb; i++)
		m->gmm_bic[i] = an_get_f64_finite(r);
	for (size_t j = 0; j < k; j++)
	{
		m->gmm_weights[j] = an_get_f64_finite(r);
		if (r->status == AN_OK && !(m->gmm_weights[j] > 0.0))
			an_reader_fail(r, AN_ECORRUPT);
		sum += m->gmm_weights[j];
	}
	for (size_t i = 0; i < k * d; i++)
		m->gmm_means[i] = an_get_f64_finite(r);
	for (size_t i = 0; i < k * dd; i++)
		m->gmm_covs[i] = an_get_f64_finite(r);
	for (size_t i = 0; i < k * d; i++)
		m->gmm_init_means[i] = an_get_f64_finite(r);
	if (r->status != AN_OK)
		return r->status;
	if (!(fabs(sum - 1.0) <= 1e-9))
		return AN_ECORRUPT;
	for (size_t j = 0; j < k; j++)
		for (size_t c = 0; c < d; c++)
			for (size_t i = c + 1; i < d; i++)
				if (m->gmm_covs[j * dd + c * d + i] != m->gmm_covs[j * dd + i * d + c])
					return AN_ECORRUPT;
	return derive(m);
}

void
mv_gmm_score(const an_mv_model *m, const double *u, double *z, an_mv_result *res, double *contrib)
{
	size_t		d = m->d,
				k = m->gmm_k,
				top = 0;
	int			nn = (int) d;
	double		lp[AN_MV_GMM_MAX_COMPONENTS],
				mx = -INFINITY,
				s = 0.0,
				total = 0.0,
				ll,
				d2;

	for (size_t j = 0; j < k; j++)
	{
		double		q = 0.0;

		for (size_t c = 0; c < d; c++)
			z[c] = u[c] - m->gmm_means[j * d + c];
		cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, nn, m->gmm_chol + j * d * d, nn, z, 1);
		for (size_t c = 0; c < d; c++)
			q += z[c] * z[c];
		lp[j] = m->gmm_log_norm[j] - 0.5 * q;
		if (lp[j] > mx || j == 0)
		{
			mx = lp[j];
			top = j;
		}
	}
	if (isfinite(mx))
	{
		for (size_t j = 0; j < k; j++)
			s += exp(lp[j] - mx);
		ll = mx + log(s);
	}
	else
		ll = -INFINITY;
	d2 = 2.0 * (m->gmm_peak - ll);
	res->log_likelihood = ll - m->log_scale_sum;
	res->distance = d2 > 0.0 ? sqrt(d2) : 0.0;
	res->score = res->distance / m->threshold;
	res->is_anomaly = res->score > 1.0;
	if (contrib)
	{
		/* the gaussian contributions under the most responsible component */
		const double *l = m->gmm_chol + top * d * d;

		for (size_t c = 0; c < d; c++)
			z[c] = u[c] - m->gmm_means[top * d + c];
		cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, nn, l, nn, z, 1);
		cblas_dtrsv(CblasColMajor, CblasLower, CblasTrans, CblasNonUnit, nn, l, nn, z, 1);
		for (size_t c = 0; c < d; c++)
		{
			contrib[c] = z[c] * z[c] / m->gmm_prec_diag[top * d + c];
			total += contrib[c];
		}
	}
	mv_score_finish(res, contrib, d, total);
}
