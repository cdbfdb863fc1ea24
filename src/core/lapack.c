/*
 * lapack.c: the symmetric eigenproblem the multivariate models and Sub-PCA
 * share (see lapack.h).
 */
#include "core/lapack.h"

an_status
an_eigen_sym(double *a, size_t n, double *w, double *z, int lwork, int liwork)
{
	int			nn = (int) n,
				got = 0,
				info = 0,
				il = 0,
				iu = 0,
				iwq = 0;
	double		vl = 0.0,
				vu = 0.0,
				abstol = 0.0,
				wq = 0.0;
	int		   *isuppz = an_alloc_array(2 * n, sizeof(int));
	double	   *work = NULL;
	int		   *iwork = NULL;
	an_status	st = AN_ENOMEM;

	if (!isuppz)
		goto done;
	if (lwork == 0)
	{
		int			query = -1;

		dsyevr_("V", "A", "L", &nn, a, &nn, &vl, &vu, &il, &iu, &abstol, &got, w, z, &nn, isuppz,
				&wq, &query, &iwq, &query, &info, 1, 1, 1);
		if (info != 0)
		{
			st = AN_ENONFINITE;
			goto done;
		}
		lwork = (int) wq;
		liwork = iwq;
	}
	work = an_alloc_array((size_t) lwork, sizeof(double));
	iwork = an_alloc_array((size_t) liwork, sizeof(int));
	if (!work || !iwork)
		goto done;
	dsyevr_("V", "A", "L", &nn, a, &nn, &vl, &vu, &il, &iu, &abstol, &got, w, z, &nn, isuppz,
			work, &lwork, iwork, &liwork, &info, 1, 1, 1);
	st = info == 0 && got == nn ? AN_OK : AN_ENONFINITE;
done:
	AN_FREE_ALL(isuppz, work, iwork);
	return st;
}
