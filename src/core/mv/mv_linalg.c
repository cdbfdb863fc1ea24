/*
 * mv_linalg.c: the dense linear algebra of the multivariate models, all of
 * it through BLAS (dsyrk, dtrsm) and LAPACK (dpotrf, dsyevr).
 */
#include "core/mv/mv_internal.h"

#include <math.h>
#include <string.h>

void
mv_mean_cov(const double *x, size_t d, const uint32_t *idx, size_t m, double *mean, double *cov,
			double *work)
{
	for (size_t k = 0; k < d; k++)
		mean[k] = 0.0;
	for (size_t i = 0; i < m; i++)
	{
		const double *row = x + (idx ? idx[i] : i) * d;

		memcpy(work + i * d, row, d * sizeof(double));
		for (size_t k = 0; k < d; k++)
			mean[k] += row[k];
	}
	for (size_t k = 0; k < d; k++)
		mean[k] /= (double) m;
	for (size_t i = 0; i < m; i++)
		for (size_t k = 0; k < d; k++)
			work[i * d + k] -= mean[k];
	/* cov = W W' / m with W the d x m matrix of centred rows */
	cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, (int) d, (int) m, 1.0 / (double) m,
				work, (int) d, 0.0, cov, (int) d);
	for (size_t j = 0; j < d; j++)
		for (size_t i = j + 1; i < d; i++)
			cov[i * d + j] = cov[j * d + i];
}

/*
 * The lower Cholesky factor of cov (upper triangle zeroed) and its log det:
 * false when dpotrf refuses or a pivot is not positive and finite, or, with
 * rank_tol > 0, when a squared pivot is at most rank_tol times its variance.
 */
static bool
cholesky(const double *cov, size_t d, double *l, double *log_det, double rank_tol)
{
	int			n = (int) d,
				info = 0;
	double		ld = 0.0;

	memcpy(l, cov, d * d * sizeof(double));
	dpotrf_("L", &n, l, &n, &info, 1);
	if (info != 0)
		return false;
	for (size_t j = 0; j < d; j++)
	{
		double		v = l[j * d + j];

		if (!(v > 0.0) || !isfinite(v) || (rank_tol > 0.0 && v * v <= cov[j * d + j] * rank_tol))
			return false;
		ld += log(v);
		for (size_t i = 0; i < j; i++)
			l[j * d + i] = 0.0;	/* dpotrf leaves the upper triangle as it was */
	}
	*log_det = 2.0 * ld;
	return true;
}

bool
mv_cholesky(const double *cov, size_t d, double *l, double *log_det)
{
	/* a pivot this small relative to its variance is rank deficiency rounded off */
	return cholesky(cov, d, l, log_det, 1e-14);
}

bool
mv_cholesky_finite(const double *cov, size_t d, double *l, double *log_det)
{
	return cholesky(cov, d, l, log_det, 0.0);
}

void
mv_mahalanobis2(const double *x, size_t d, const uint32_t *idx, size_t m, const double *loc,
				const double *l, double *dist, double *work)
{
	for (size_t i = 0; i < m; i++)
	{
		const double *row = x + (idx ? idx[i] : i) * d;

		for (size_t k = 0; k < d; k++)
			work[i * d + k] = row[k] - loc[k];
	}
	/* Z = L^-1 W: each column of Z is the whitened row */
	cblas_dtrsm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (int) d, (int) m,
				1.0, l, (int) d, work, (int) d);
	for (size_t i = 0; i < m; i++)
	{
		double		s = 0.0;

		for (size_t k = 0; k < d; k++)
			s += work[i * d + k] * work[i * d + k];
		dist[i] = s;
	}
}

int
mv_floor_eigen(double *cov, size_t d)
{
	int			n = (int) d,
				raised = 0;
	double		floor_v;
	double	   *a = an_alloc_array(d * d, sizeof(double));
	double	   *w = an_alloc_array(d, sizeof(double));
	double	   *z = an_alloc_array(d * d, sizeof(double));

	if (!a || !w || !z)
	{
		raised = -1;
		goto done;
	}
	memcpy(a, cov, d * d * sizeof(double));
	if (an_eigen_sym(a, d, w, z, 0, 0) != AN_OK)
	{
		raised = -1;
		goto done;
	}
	/* eigenvalues come in ascending order */
	floor_v = w[d - 1] > 0.0 ? w[d - 1] * AN_MV_EIG_FLOOR : 1.0;
	for (size_t k = 0; k < d; k++)
		if (!(w[k] >= floor_v))
		{
			w[k] = floor_v;
			raised++;
		}
	if (raised > 0)
	{
		/* cov = Z diag(w) Z' = (Z diag(sqrt w)) (Z diag(sqrt w))' */
		for (size_t k = 0; k < d; k++)
			cblas_dscal((int) d, sqrt(w[k]), z + k * d, 1);
		cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, n, n, 1.0, z, n, 0.0, cov, n);
		for (size_t j = 0; j < d; j++)
			for (size_t i = j + 1; i < d; i++)
				cov[i * d + j] = cov[j * d + i];
	}
done:
	AN_FREE_ALL(a, w, z);
	return raised;
}

bool
mv_factor_regularised(const double *cov, size_t d, double *l, double *log_det, double *tmp)
{
	if (mv_cholesky(cov, d, l, log_det))
		return true;
	memcpy(tmp, cov, d * d * sizeof(double));
	if (mv_floor_eigen(tmp, d) < 0)
		return false;
	if (!mv_cholesky(tmp, d, l, log_det))
	{
		/* floored to a condition number of 1e9: only a pivot test this strict refuses it */
		int			n = (int) d,
					info = 0;

		memcpy(l, tmp, d * d * sizeof(double));
		dpotrf_("L", &n, l, &n, &info, 1);
		if (info != 0)
			return false;
		for (size_t j = 0; j < d; j++)
			for (size_t i = 0; i < j; i++)
				l[j * d + i] = 0.0;
	}
	*log_det = -INFINITY;
	return true;
}

double
mv_select(double *v, size_t n, size_t k)
{
	size_t		lo = 0,
				hi = n - 1;

	while (lo < hi)
	{
		/* median of three as pivot: deterministic, no quadratic case on sorted input */
		size_t		mid = lo + (hi - lo) / 2;
		double		a = v[lo],
					b = v[mid],
					c = v[hi],
					pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
		size_t		i = lo,
					j = hi;

		while (i <= j)
		{
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j)
			{
				double		t = v[i];

				v[i] = v[j];
				v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j && j != (size_t) -1)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return v[k];
	}
	return v[k];
}

double
mv_median(double *v, size_t n)
{
	double		hi = mv_select(v, n, n / 2),
				lo = v[0];

	if (n % 2 == 1)
		return hi;
	/* after selection, everything before n / 2 is <= hi: the lower middle is their maximum */
	for (size_t i = 1; i < n / 2; i++)
		if (v[i] > lo)
			lo = v[i];
	return (lo + hi) / 2.0;
}
