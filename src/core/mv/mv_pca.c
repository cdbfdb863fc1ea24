/*
 * mv_pca.c: method pca of the multivariate model, a robust principal
 * subspace scored by the squared reconstruction error (SPE, the Q
 * statistic) and Hotelling's T^2 inside the subspace.
 *
 * Robustness: the subspace is that of the reweighted MCD estimate the
 * gaussian method already computes (mean and covariance of the rows within
 * the 97.5 % chi-square distance of the corrected raw MCD estimate).  A
 * classical PCA on all rows would tilt its axes towards the outliers it is
 * meant to find; the MCD support is the robust estimate this model already
 * trusts, so both methods agree on which rows are "normal".  The eigenvalues
 * are those of the support's covariance with the unbiased divisor m - 1
 * (what scikit-learn's PCA reports on those rows).
 *
 * k: the option components, an integer k (1..d-1), or a share f in (0, 1):
 * the smallest k whose cumulative explained variance exceeds f (as
 * scikit-learn's n_components = f), default 0.9, at most d - 1 (k = d would
 * leave no residual space, so SPE would say nothing).
 *
 * Limits at the model's false_alarm_rate a: T^2 by chi2_k.ppf(1 - a) (the
 * eigenvalues are robust estimates from many rows, so the chi-square rather
 * than the small-sample F); SPE by Jackson & Mudholkar (1979),
 *   theta_i = sum_{j > k} lambda_j^i, h0 = 1 - 2 theta_1 theta_3 / (3 theta_2^2),
 *   Q_a = theta_1 (z_a sqrt(2 theta_2 h0^2) / theta_1 + 1
 *                  + theta_2 h0 (h0 - 1) / theta_1^2)^(1 / h0),
 * and where h0 <= 0 (very unequal residual eigenvalues) by Box's (1954)
 * g chi2_h with g = theta_2 / theta_1, h = theta_1^2 / theta_2.
 * Score = max(sqrt(T^2 / T^2_a), sqrt(SPE / Q_a)): square roots so that the
 * score grows linearly with the distance, as the gaussian method's does;
 * 1 is the edge of normal for either statistic.
 *
 * Payload section (after the version-1 body, payload version 2, method 2):
 *   u32 k (1..d-1)  u32 n_eigenvalues (= d)
 *   f64 components option (0, or in (0, 1), or an integer 1..d-1)
 *   f64 t2_limit (finite, > 0)  f64 spe_limit (finite, > 0)
 *   f64 eigenvalues[d] (finite, > 0, non-increasing)
 *   f64 axes[k * d] (finite, orthonormal within 1e-8)
 */
#include "core/mv/mv_internal.h"

#include <math.h>
#include <string.h>

double
an_mv_spe_limit(const double *res, size_t r, double far)
{
	double		t1 = 0.0,
				t2 = 0.0,
				t3 = 0.0,
				h0,
				z,
				base,
				q;

	for (size_t j = 0; j < r; j++)
	{
		t1 += res[j];
		t2 += res[j] * res[j];
		t3 += res[j] * res[j] * res[j];
	}
	h0 = 1.0 - 2.0 * t1 * t3 / (3.0 * t2 * t2);
	/* the upper normal quantile z_a from chi2_1: P(|Z| > z) = 2a */
	z = sqrt(an_chi2_ppf(1.0 - 2.0 * far, 1.0));
	base = z * sqrt(2.0 * t2 * h0 * h0) / t1 + 1.0 + t2 * h0 * (h0 - 1.0) / (t1 * t1);
	if (h0 > 0.0 && base > 0.0)
	{
		q = t1 * pow(base, 1.0 / h0);
		if (isfinite(q) && q > 0.0)
			return q;
	}
	return t2 / t1 * an_chi2_ppf(1.0 - far, t1 * t1 / t2);
}

an_status
mv_pca_build(const double *cov, size_t d, uint64_t m, double components, double far,
			 uint32_t *k_out, double *eig, double *axes, double *t2_limit, double *spe_limit)
{
	int			n = (int) d;
	double		total = 0.0,
				cum = 0.0,
				floor_v,
				unbias = m > 1 ? (double) m / (double) (m - 1) : 1.0;
	double	   *a = an_alloc_array(d * d, sizeof(double));
	double	   *w = an_alloc_array(d, sizeof(double));
	size_t		k;
	an_status	st = AN_ENOMEM;

	if (d < 2 || (components >= 1.0 && components > (double) (d - 1)))
	{
		st = AN_EINVAL;
		goto done;
	}
	if (!a || !w)
		goto done;
	memcpy(a, cov, d * d * sizeof(double));
	st = an_eigen_sym(a, d, w, axes, 0, 0);
	if (st != AN_OK)
		goto done;
	/* ascending from LAPACK: reverse into descending order, axes with them (column j = axis) */
	for (size_t j = 0; j < d / 2; j++)
	{
		double		t = w[j];

		w[j] = w[d - 1 - j];
		w[d - 1 - j] = t;
		cblas_dswap(n, axes + j * d, 1, axes + (d - 1 - j) * d, 1);
	}
	/* the covariance was floored; rounding may leave a hair below the floor */
	floor_v = w[0] > 0.0 ? w[0] * AN_MV_EIG_FLOOR : 1.0;
	for (size_t j = 0; j < d; j++)
	{
		eig[j] = (w[j] < floor_v ? floor_v : w[j]) * unbias;
		total += eig[j];
	}
	/* a sign convention: the entry of largest magnitude of each axis is positive */
	for (size_t j = 0; j < d; j++)
	{
		size_t		big = (size_t) cblas_idamax(n, axes + j * d, 1);

		if (axes[j * d + big] < 0.0)
			cblas_dscal(n, -1.0, axes + j * d, 1);
	}
	if (components >= 1.0)
		k = (size_t) components;
	else
	{
		double		f = components > 0.0 ? components : AN_MV_DEFAULT_PCA_VARIANCE;

		for (k = 0; k < d - 1;)
		{
			cum += eig[k++];
			if (cum / total > f)
				break;
		}
	}
	*k_out = (uint32_t) k;
	*t2_limit = an_chi2_ppf(1.0 - far, (double) k);
	*spe_limit = an_mv_spe_limit(eig + k, d - k, far);
	st = isfinite(*t2_limit) && *t2_limit > 0.0 && isfinite(*spe_limit) && *spe_limit > 0.0 ?
		AN_OK : AN_ENONFINITE;
done:
	AN_FREE_ALL(a, w);
	return st;
}

void
mv_pca_put(an_writer *w, const an_mv_model *m)
{
	an_put_u32(w, m->pca_k);
	an_put_u32(w, m->d);
	an_put_f64(w, m->pca_components_option);
	an_put_f64(w, m->t2_limit);
	an_put_f64(w, m->spe_limit);
	an_put_f64_array(w, m->eigenvalues, m->d);
	an_put_f64_array(w, m->axes, (size_t) m->pca_k * m->d);
}

an_status
mv_pca_get(an_reader *r, an_mv_model *m)
{
	size_t		d = m->d,
				k;
	uint32_t	ne;
	double		c;

	k = an_get_u32(r);
	ne = an_get_u32(r);
	c = an_get_f64_finite(r);
	m->t2_limit = an_get_f64_finite(r);
	m->spe_limit = an_get_f64_finite(r);
	if (r->status != AN_OK)
		return r->status;
	if (d < 2 || k < 1 || k >= d || ne != d || !(m->t2_limit > 0.0) || !(m->spe_limit > 0.0) ||
		!(c == 0.0 || (c > 0.0 && c < 1.0) || (c >= 1.0 && c == floor(c) && c == (double) k)))
		return AN_ECORRUPT;
	/* d <= 1024, k < d: no overflow */
	if (an_reader_remaining(r) != (d + k * d) * 8)
		return an_reader_remaining(r) < (d + k * d) * 8 ? AN_ETRUNCATED : AN_ELENGTH;
	m->pca_k = (uint32_t) k;
	m->pca_components_option = c;
	m->eigenvalues = an_alloc_array(d, sizeof(double));
	m->axes = an_alloc_array(k * d, sizeof(double));
	if (!m->eigenvalues || !m->axes)
		return AN_ENOMEM;
	for (size_t j = 0; j < d; j++)
	{
		m->eigenvalues[j] = an_get_f64_finite(r);
		if (r->status == AN_OK && (!(m->eigenvalues[j] > 0.0) || (j > 0 && m->eigenvalues[j] > m->eigenvalues[j - 1])))
			an_reader_fail(r, AN_ECORRUPT);
	}
	for (size_t j = 0; j < k * d; j++)
		m->axes[j] = an_get_f64_finite(r);
	if (r->status != AN_OK)
		return r->status;
	/* orthonormal axes: what makes SPE a squared distance to the subspace */
	for (size_t i = 0; i < k; i++)
		for (size_t j = i; j < k; j++)
		{
			double		dot = cblas_ddot((int) d, m->axes + i * d, 1, m->axes + j * d, 1);

			if (!(fabs(dot - (i == j ? 1.0 : 0.0)) <= 1e-8))
				return AN_ECORRUPT;
		}
	return AN_OK;
}

void
mv_pca_score(const an_mv_model *m, double *u, double *t, an_mv_result *res, double *contrib)
{
	int			d = (int) m->d,
				k = (int) m->pca_k;
	double		t2 = 0.0,
				spe = 0.0,
				total = 0.0,
				st,
				sq;

	/* t = V' u (the coordinates in the subspace), then u -= V t (the residual) */
	cblas_dgemv(CblasColMajor, CblasTrans, d, k, 1.0, m->axes, d, u, 1, 0.0, t, 1);
	cblas_dgemv(CblasColMajor, CblasNoTrans, d, k, -1.0, m->axes, d, t, 1, 1.0, u, 1);
	for (int i = 0; i < k; i++)
	{
		t[i] /= sqrt(m->eigenvalues[i]);	/* whitened: T^2 = |t|^2 */
		t2 += t[i] * t[i];
	}
	for (int j = 0; j < d; j++)
		spe += u[j] * u[j];
	st = sqrt(t2 / m->t2_limit);
	sq = sqrt(spe / m->spe_limit);
	res->t2 = t2;
	res->spe = spe;
	res->score = st > sq ? st : sq;
	res->distance = st > sq ? sqrt(t2) : sqrt(spe);
	res->is_anomaly = res->score > 1.0;
	if (contrib)
	{
		if (sq >= st)
		{
			/* the per-feature share of the reconstruction error */
			for (int j = 0; j < d; j++)
				contrib[j] = u[j] * u[j];
			total = spe;
		}
		else
		{
			/* V t is the whitened deviation in feature coordinates; |V t|^2 = T^2 */
			cblas_dgemv(CblasColMajor, CblasNoTrans, d, k, 1.0, m->axes, d, t, 1, 0.0, contrib, 1);
			for (int j = 0; j < d; j++)
				contrib[j] *= contrib[j];
			total = t2;
		}
	}
	mv_score_finish(res, contrib, (size_t) d, total);
}
