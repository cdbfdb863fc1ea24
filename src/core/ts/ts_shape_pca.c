/*
 * ts_shape_pca.c: Sub-PCA, the principal subspace of the training windows
 * (see ts_shape_pca.h).  The windows, their normalisation and the edge rule
 * are ts_shape.c's; the eigenproblem is LAPACK's dsyevr through the Fortran
 * symbol OpenBLAS exports (an_eigen_sym of core/lapack.h, as mv_pca.c uses it).
 */
#include "core/ts/ts_shape_pca.h"

#include <math.h>
#include <string.h>

#include "core/lapack.h"
#include "core/ts/ts_shape.h"

/*
 * The eigenvalues of the symmetric w x w matrix a (destroyed; either
 * triangle) into eig, descending, and the eigenvectors into z (column j,
 * contiguous, goes with eig[j]).  dsyevr's documented minimal workspaces
 * (26 w and 10 w) instead of a size query: at these sizes the blocked
 * optimum gains nothing measurable.
 */
static an_status
eigen_descending(double *a, size_t w, double *eig, double *z)
{
	double	   *asc = an_alloc_array(w, sizeof(double)),
			   *zasc = an_alloc_array(w * w, sizeof(double));
	an_status	st = AN_ENOMEM;

	if (asc && zasc)
		st = an_eigen_sym(a, w, asc, zasc, 26 * (int) w, 10 * (int) w);
	for (size_t j = 0; st == AN_OK && j < w; j++)
	{
		eig[j] = asc[w - 1 - j];
		memcpy(z + j * w, zasc + (w - 1 - j) * w, w * sizeof(double));
	}
	AN_FREE_ALL(asc, zasc);
	return st;
}

/* r by the rule of ts_shape_pca.h from the descending eigenvalues */
static size_t
choose_rank(const double *eig, size_t w, double f)
{
	size_t		rmax = AN_SHAPE_BUDGET / w - 1,
				r = 0;
	double		total = 0,
				cum = 0;

	if (rmax > w - 1)
		rmax = w - 1;
	for (size_t j = 0; j < w; j++)
		total += eig[j] > 0 ? eig[j] : 0;
	while (r < rmax && (r == 0 || cum < f * total))
	{
		cum += eig[r] > 0 ? eig[r] : 0;
		r++;
	}
	return r;
}

an_status
an_ts_shape_pca_fit(const an_point *pts, size_t n, size_t w, int64_t interval_us, double f,
					an_ts_shape_pca **out)
{
	size_t		k = 0,
				r,
			   *starts = NULL;
	double	   *v = NULL,
			   *buf = NULL,
			   *sum = NULL,
			   *cov = NULL,
			   *eig = NULL,
			   *z = NULL,
			   *err = NULL,
				maxabs = 0,
				floor_sd,
				total = 0,
				kept = 0;
	an_ts_shape_pca *p = NULL;
	an_status	st = AN_OK;

	*out = NULL;
	if (!(f > 0 && f <= 1))
		f = AN_SHAPE_PCA_VARIANCE;
	if (interval_us <= 0 || w < AN_SHAPE_MIN_WINDOW || w > AN_SHAPE_MAX_WINDOW || n < 3 * w)
		return AN_OK;
	starts = an_alloc_array(AN_SHAPE_PCA_MAX_WINDOWS, sizeof(size_t));
	v = an_alloc_array(n, sizeof(double));
	buf = an_alloc_array(AN_SHAPE_PCA_BLOCK * w, sizeof(double));
	sum = an_alloc_array(w, sizeof(double));
	cov = an_alloc_array(w * w, sizeof(double));
	eig = an_alloc_array(w, sizeof(double));
	z = an_alloc_array(w * w, sizeof(double));
	err = an_alloc_array(AN_SHAPE_PCA_MAX_WINDOWS, sizeof(double));
	if (!starts || !v || !buf || !sum || !cov || !eig || !z || !err)
	{
		st = AN_ENOMEM;
		goto done;
	}
	st = an_ts_shape_usable_starts(pts, n, w, interval_us, AN_SHAPE_PCA_MAX_WINDOWS, starts, &k, &maxabs);
	if (st != AN_OK || k < 2)
		goto done;
	for (size_t i = 0; i < n; i++)
		v[i] = pts[i].value;
	/* sigma_floor from the windows' spreads, as ts_shape (err is scratch here) */
	for (size_t j = 0; j < k; j++)
	{
		double		mean;

		an_ts_shape_window_stats(v + starts[j], w, &mean, &err[j]);
	}
	floor_sd = an_ts_shape_floor(err, k, maxabs);
	/* sum and X'X of the normalised windows, a block of rows at a time */
	memset(sum, 0, w * sizeof(double));
	for (size_t b0 = 0; b0 < k; b0 += AN_SHAPE_PCA_BLOCK)
	{
		size_t		nb = k - b0 < AN_SHAPE_PCA_BLOCK ? k - b0 : AN_SHAPE_PCA_BLOCK;

		an_check_interrupts();
		for (size_t j = 0; j < nb; j++)
		{
			double	   *x = buf + j * w;

			an_ts_shape_normalise(v + starts[b0 + j], w, floor_sd, x);
			for (size_t i = 0; i < w; i++)
				sum[i] += x[i];
		}
		cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int) w, (int) nb, 1.0, buf, (int) w,
					b0 == 0 ? 0.0 : 1.0, cov, (int) w);
	}
	/* C = X'X / k - mu mu', both triangles */
	for (size_t i = 0; i < w; i++)
		sum[i] /= (double) k;
	for (size_t i = 0; i < w; i++)
		for (size_t j = i; j < w; j++)
			cov[j * w + i] = cov[i * w + j] = cov[i * w + j] / (double) k - sum[i] * sum[j];
	an_check_interrupts();
	st = eigen_descending(cov, w, eig, z);
	if (st != AN_OK)
		goto done;
	r = choose_rank(eig, w, f);
	p = an_alloc(sizeof(an_ts_shape_pca) + (2 * w + r * w) * sizeof(double));
	if (p == NULL)
	{
		st = AN_ENOMEM;
		goto done;
	}
	p->sigma_floor = floor_sd;
	p->w = (uint32_t) w;
	p->r = (uint32_t) r;
	p->windows = (uint32_t) k;
	p->mean = (double *) (p + 1);
	p->eig = p->mean + w;
	p->axes = p->eig + w;
	memcpy(p->mean, sum, w * sizeof(double));
	memcpy(p->eig, eig, w * sizeof(double));
	memcpy(p->axes, z, r * w * sizeof(double));
	for (size_t j = 0; j < w; j++)
	{
		total += eig[j] > 0 ? eig[j] : 0;
		kept += j < r && eig[j] > 0 ? eig[j] : 0;
	}
	p->explained = total > 0 ? kept / total : 1;
	/* the edge from the fitted windows' own errors (buf: scratch of w + r <= 2w doubles) */
	an_check_interrupts();
	for (size_t j = 0; j < k; j++)
		err[j] = an_ts_shape_pca_distance(p, v + starts[j], buf);
	p->edge = an_ts_shape_edge(err, k, w);
	if (isfinite(p->edge) && isfinite(p->sigma_floor))
	{
		*out = p;
		p = NULL;
	}
done:
	AN_FREE_ALL(p, starts, v, buf, sum, cov, eig, z, err);
	return st;
}

void
an_ts_shape_pca_free(an_ts_shape_pca *p)
{
	an_free(p);
}

double
an_ts_shape_pca_distance(const an_ts_shape_pca *p, const double *q, double *scratch)
{
	int			w = (int) p->w,
				r = (int) p->r;
	double	   *u = scratch,
			   *t = scratch + w,
				e = 0;

	an_ts_shape_normalise(q, (size_t) w, p->sigma_floor, u);
	for (int i = 0; i < w; i++)
		u[i] -= p->mean[i];
	/* t = V' u (coordinates in the subspace), then u -= V t (the residual) */
	cblas_dgemv(CblasRowMajor, CblasNoTrans, r, w, 1.0, p->axes, w, u, 1, 0.0, t, 1);
	cblas_dgemv(CblasRowMajor, CblasTrans, r, w, -1.0, p->axes, w, t, 1, 1.0, u, 1);
	for (int i = 0; i < w; i++)
		e += u[i] * u[i];
	return sqrt(e);
}
