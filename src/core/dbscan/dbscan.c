/*
 * dbscan.c: parameter checks, dispatch, standardisation and the numbering of
 * clusters shared by the grid and k-d tree back-ends.
 */
#include "core/dbscan/dbscan_internal.h"

#include <stdlib.h>

an_status
an_dbscan_check_params(double eps, int64_t min_points)
{
	/* eps * eps must be finite too: an infinite one makes every pair neighbours */
	if (!isfinite(eps) || !(eps > 0.0) || !isfinite(eps * eps))
		return AN_EINVAL;
	if (min_points < 1)
		return AN_EINVAL;
	return AN_OK;
}

an_status
an_dbscan(const double *x, size_t n, size_t d, double eps, int64_t min_points,
		  int32_t *labels, uint8_t *is_core)
{
	return an_dbscan_with(AN_DBSCAN_AUTO, x, n, d, eps, min_points, labels, is_core);
}

an_status
an_dbscan_with(an_dbscan_method method, const double *x, size_t n, size_t d,
			   double eps, int64_t min_points, int32_t *labels, uint8_t *is_core)
{
	an_status	st;
	double		eps2;
	an_work		work = {0};

	st = an_dbscan_check_params(eps, min_points);
	if (st != AN_OK)
		return st;
	if (n > AN_DBSCAN_MAX_POINTS)
		return AN_ETOOMANY;
	if (d < 1 || d > AN_DBSCAN_MAX_DIMS)
		return AN_EINVAL;
	for (size_t i = 0; i < n * d; i++)
	{
		if (!isfinite(x[i]))
			return AN_ENONFINITE;
		an_work_add(&work, 1);
	}

	/* Fewer points than min_points: nothing can be core. */
	if ((uint64_t) min_points > (uint64_t) n)
	{
		for (size_t i = 0; i < n; i++)
		{
			labels[i] = AN_DBSCAN_NOISE;
			if (is_core)
				is_core[i] = 0;
		}
		return AN_OK;
	}

	eps2 = eps * eps;
	if (method == AN_DBSCAN_AUTO && d <= 3)
		method = AN_DBSCAN_GRID;
	if (method == AN_DBSCAN_GRID && d <= 3)
	{
		bool		unsuitable = false;

		st = an_dbscan_grid(x, n, d, eps2, (uint32_t) min_points, labels, is_core, &unsuitable);
		if (st != AN_OK || !unsuitable)
			return st;
		/* eps is tiny next to the extent of the data: a grid would be too fine. */
		method = AN_DBSCAN_KDTREE;
	}
	if (method == AN_DBSCAN_AUTO)
	{
		/* The tree samples its own cost and hands over when brute force wins. */
		bool		prefer_brute = false;

		st = an_dbscan_kdtree(x, n, d, eps2, (uint32_t) min_points, labels, is_core, &prefer_brute);
		if (st != AN_OK || !prefer_brute)
			return st;
		method = AN_DBSCAN_BRUTE;
	}
	if (method == AN_DBSCAN_BRUTE)
	{
		bool		unsuitable = false;

		st = an_dbscan_brute(x, n, d, eps2, (uint32_t) min_points, labels, is_core, &unsuitable);
		if (st != AN_OK || !unsuitable)
			return st;
		/* magnitudes outside the range the BLAS filter's error bound covers */
	}
	return an_dbscan_kdtree(x, n, d, eps2, (uint32_t) min_points, labels, is_core, NULL);
}

an_status
an_dbscan_standardize(double *x, size_t n, size_t d, double *mean, double *scale)
{
	an_work		work = {0};

	if (d < 1 || d > AN_DBSCAN_MAX_DIMS)
		return AN_EINVAL;
	for (size_t k = 0; k < d; k++)
	{
		double		m = 0.0,
					ss = 0.0,
					sd;

		for (size_t i = 0; i < n; i++)
		{
			if (!isfinite(x[i * d + k]))
				return AN_ENONFINITE;
			m += x[i * d + k];
		}
		m = n > 0 ? m / (double) n : 0.0;
		/* Two passes: the deviations are summed after the mean is known. */
		for (size_t i = 0; i < n; i++)
		{
			double		t = x[i * d + k] - m;

			ss += t * t;
		}
		an_work_add(&work, 2 * n);
		sd = n > 0 ? sqrt(ss / (double) n) : 0.0;
		if (!isfinite(m) || !isfinite(sd))
			return AN_ENONFINITE;
		if (!(sd > 0.0))
			sd = 1.0;
		for (size_t i = 0; i < n; i++)
			x[i * d + k] = (x[i * d + k] - m) / sd;
		if (mean)
			mean[k] = m;
		if (scale)
			scale[k] = sd;
	}
	return AN_OK;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *) a,
				y = *(const uint64_t *) b;

	return x < y ? -1 : x > y;
}

an_status
an_dbscan_number_components(size_t n, const uint32_t *ord, const uint8_t *core,
							uint32_t *parent, int32_t *lab)
{
	size_t		n_roots = 0,
				j;
	uint64_t   *roots;
	an_work		work = {0};

	/* lab[root] = lowest original index of a core point in its component */
	for (size_t p = 0; p < n; p++)
		if (core[p] && parent[p] == p)
		{
			lab[p] = INT32_MAX;
			n_roots++;
		}
	for (size_t p = 0; p < n; p++)
		if (core[p])
		{
			uint32_t	r = an_uf_find(parent, (uint32_t) p);

			if ((int32_t) ord[p] < lab[r])
				lab[r] = (int32_t) ord[p];
			an_work_add(&work, 1);
		}
	roots = an_alloc_array(n_roots ? n_roots : 1, sizeof(uint64_t));
	if (roots == NULL)
		return AN_ENOMEM;
	j = 0;
	for (size_t p = 0; p < n; p++)
		if (core[p] && parent[p] == p)
			roots[j++] = ((uint64_t) (uint32_t) lab[p] << 32) | (uint64_t) p;
	qsort(roots, n_roots, sizeof(uint64_t), cmp_u64);
	for (j = 0; j < n_roots; j++)
		lab[roots[j] & 0xFFFFFFFFu] = (int32_t) j;
	an_free(roots);
	for (size_t p = 0; p < n; p++)
		if (core[p] && parent[p] != p)
			lab[p] = lab[an_uf_find(parent, (uint32_t) p)];
	return AN_OK;
}
