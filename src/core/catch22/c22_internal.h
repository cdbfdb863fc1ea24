/*
 * c22_internal.h: shared between the files of src/core/catch22 only.
 *
 * The workspace holds what several features share, computed once per
 * series (spec section 2, "What to compute once per series").
 */
#ifndef ANOMALY_C22_INTERNAL_H
#define ANOMALY_C22_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "core/sort.h"

/* The reference's truncated pi (spec H0). */
#define C22_PI_TRUNC 3.14159265359

/*
 * Twiddle table for radix-2 FFTs of every power-of-two size up to n_max:
 * w[2k], w[2k+1] = cos and -sin of angle(k), k = 0..n_max/2-1, where the
 * angle is (pi' * 2k) / n_max for the reference-exact table (spec H5-exact
 * step 3) and 2*pi*k/n_max for the accurate one.
 */
typedef struct c22_twiddles
{
	size_t		n_max;
	double	   *w;
} c22_twiddles;

an_status	c22_twiddles_init(c22_twiddles *t, size_t n_max, int truncated_pi);
void		c22_twiddles_free(c22_twiddles *t);

/* In-place forward DFT of the m complex values in buf (re, im interleaved); m a power of two <= t->n_max. */
void		c22_fft(double *buf, size_t m, const c22_twiddles *t);

/* Smallest power of two >= n (n >= 1). */
size_t		c22_pow2_at_least(size_t n);

/* Left-to-right sum and mean (spec H1, H2); sample standard deviation (H3). */
double		c22_sum(const double *x, size_t n);
double		c22_mean(const double *x, size_t n);
double		c22_std(const double *x, size_t n);

/*
 * Bit-exact reference ACF (spec H5-exact) of x[0..n-1] into r[0..n-1].
 * buf has room for 2 * (2 * pow2(n)) doubles; tw is a truncated-pi table
 * of size >= 2 * pow2(n).
 */
void		c22_acf(const double *x, size_t n, double *r, double *buf, const c22_twiddles *tw);

/* Equal-width histogram (spec H7): counts[0..nbins-1], edges[0..nbins]. */
void		c22_histogram(const double *x, size_t n, double lo, double hi, size_t nbins,
						  size_t *counts, double *edges);

/* First k < limit with r[k] <= 0, else limit (spec H6). */
size_t		c22_first_zero(const double *r, size_t limit);

typedef struct c22_work
{
	size_t		n;
	const double *y;			/* raw series */
	double	   *z;				/* z-scored series */
	double		z_mean;			/* H2 mean of z (about 1e-17) */
	double		z_min,
				z_max;
	double	   *z_sorted;
	double	   *dz;				/* z[t+1] - z[t], n-1 values */
	double	   *acf;			/* H5 ACF of z */
	size_t		acf_zero;		/* first_zero(acf, n) */
	size_t		dacf_zero;		/* first_zero(H5 ACF of dz, n-1) */
	double	   *scratch;		/* n doubles, free for any feature */
	double	   *scratch2;		/* n doubles, free for any feature */
	double	   *cbuf;			/* complex buffer, 2 * fft_max doubles */
	size_t		fft_max;		/* 2 * pow2(n) */
	const c22_twiddles *tw_ref;	/* truncated-pi table of size >= fft_max */
	const c22_twiddles *tw_true;	/* true-pi table of size >= fft_max (periodicity) */
} c22_work;

/*
 * Multiplier of PD_PeriodicityWang's FFT error bound; 1 in production.  The
 * unit tests set it huge so that every decision takes the direct-sum path,
 * and check that the outputs do not change.
 */
extern double c22_pd_error_scale;

/* Features: each writes its output(s). */
void		c22_histogram_modes(const c22_work *w, double *mode5, double *mode10);
an_status	c22_outlier_include(const c22_work *w, double sign, double *out);
double		c22_f1ecac(const c22_work *w);
double		c22_first_min_ac(const c22_work *w);
void		c22_welch_rect(c22_work *w, double *area, double *centroid);
double		c22_local_simple_mean3_stderr(const c22_work *w);
double		c22_local_simple_mean1_tauresrat(const c22_work *w);
double		c22_hrv_pnn40(const c22_work *w);
double		c22_binary_mean_longstretch1(const c22_work *w);
double		c22_binary_diff_longstretch0(const c22_work *w);
double		c22_motif_three_hh(const c22_work *w);
double		c22_histogram_ami_even_2_5(const c22_work *w);
double		c22_trev_1_num(const c22_work *w);
double		c22_auto_mutual_info_fmmi(const c22_work *w);
an_status	c22_transition_matrix_sumdiagcov(c22_work *w, double *out);
an_status	c22_periodicity_wang(c22_work *w, double *out);
an_status	c22_embed2_dist_expfit_meandiff(c22_work *w, double *out);
an_status	c22_fluct_anal(c22_work *w, int dfa, double *out);

#endif
