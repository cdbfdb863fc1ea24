/*
 * lapack.h: the BLAS and LAPACK routines src/core calls, in one place.
 *
 * BLAS through cblas.h; LAPACK through its Fortran symbols (libopenblas
 * exports them; LAPACKE is not required).  The trailing size_t arguments
 * are the hidden lengths of the character arguments that gfortran-compiled
 * routines expect.
 */
#ifndef ANOMALY_LAPACK_H
#define ANOMALY_LAPACK_H

#include <stddef.h>

#include <cblas.h>

#include "core/core.h"

extern void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t uplo_len);
extern void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t uplo_len);
extern void dsyevr_(const char *jobz, const char *range, const char *uplo, const int *n, double *a,
					const int *lda, const double *vl, const double *vu, const int *il, const int *iu,
					const double *abstol, int *m, double *w, double *z, const int *ldz, int *isuppz,
					double *work, const int *lwork, int *iwork, const int *liwork, int *info,
					size_t jobz_len, size_t range_len, size_t uplo_len);

/*
 * Every eigenpair of the symmetric n x n matrix a (column-major, lower
 * triangle read; destroyed) by dsyevr: the eigenvalues ascending into w (n),
 * the eigenvectors into the columns of z (n x n).  lwork and liwork are the
 * workspace sizes, or 0 to ask dsyevr for its optimal ones first (the size
 * changes dsytrd's blocking, so a caller keeps the one its models were
 * computed with).  AN_ENOMEM, or AN_ENONFINITE when LAPACK fails.
 */
an_status	an_eigen_sym(double *a, size_t n, double *w, double *z, int lwork, int liwork);

#endif
