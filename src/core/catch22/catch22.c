/*
 * catch22.c: names, validation, the per-series workspace and the driver.
 */
#include "core/catch22/catch22.h"
#include "core/catch22/c22_internal.h"

#include <math.h>

const char *const an_catch22_names[AN_CATCH24_COUNT] = {
	"DN_HistogramMode_5",
	"DN_HistogramMode_10",
	"DN_OutlierInclude_p_001_mdrmd",
	"DN_OutlierInclude_n_001_mdrmd",
	"CO_f1ecac",
	"CO_FirstMin_ac",
	"SP_Summaries_welch_rect_area_5_1",
	"SP_Summaries_welch_rect_centroid",
	"FC_LocalSimple_mean3_stderr",
	"FC_LocalSimple_mean1_tauresrat",
	"MD_hrv_classic_pnn40",
	"SB_BinaryStats_mean_longstretch1",
	"SB_BinaryStats_diff_longstretch0",
	"SB_MotifThree_quantile_hh",
	"CO_HistogramAMI_even_2_5",
	"CO_trev_1_num",
	"IN_AutoMutualInfoStats_40_gaussian_fmmi",
	"SB_TransitionMatrix_3ac_sumdiagcov",
	"PD_PeriodicityWang_th0_01",
	"CO_Embed2_Dist_tau_d_expfit_meandiff",
	"SC_FluctAnal_2_rsrangefit_50_1_logi_prop_r1",
	"SC_FluctAnal_2_dfa_50_1_2_logi_prop_r1",
	"DN_Mean",
	"DN_Spread_Std",
};

const char *const an_catch22_short_names[AN_CATCH24_COUNT] = {
	"mode_5",
	"mode_10",
	"outlier_timing_pos",
	"outlier_timing_neg",
	"acf_timescale",
	"acf_first_min",
	"low_freq_power",
	"centroid_freq",
	"forecast_error",
	"whiten_timescale",
	"high_fluctuation",
	"stretch_high",
	"stretch_decreasing",
	"entropy_pairs",
	"ami2",
	"trev",
	"ami_timescale",
	"transition_variance",
	"periodicity",
	"embedding_dist",
	"rs_range",
	"dfa",
	"mean",
	"std",
};

/* ---- workspace ---- */

/*
 * Returning hundreds of MB of touched pages to the system takes tens of ms
 * on a long series: an interrupt check after each buffer, freed last
 * allocated first (an allocator that trims the top of its heap then returns
 * one buffer at a time).  A check may leave the function; the remaining
 * buffers came from an_alloc, which a backend reclaims with its memory
 * context.
 */
static void
work_free(c22_work *w)
{
	double	   *const bufs[] = {w->cbuf, w->scratch2, w->scratch, w->acf, w->dz, w->z_sorted, w->z};

	for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
	{
		an_free(bufs[i]);
		an_check_interrupts();
	}
}

struct an_catch22_tables
{
	c22_twiddles ref;
	c22_twiddles tru;
};

an_catch22_tables *
an_catch22_tables_new(size_t n)
{
	an_catch22_tables *t;
	size_t		size;

	if (n < AN_CATCH22_MIN_N || n > AN_CATCH22_MAX_N)
		return NULL;
	size = 2 * c22_pow2_at_least(n);
	t = an_alloc(sizeof(an_catch22_tables));
	if (t == NULL)
		return NULL;
	t->ref.w = t->tru.w = NULL;
	if (c22_twiddles_init(&t->ref, size, 1) != AN_OK || c22_twiddles_init(&t->tru, size, 0) != AN_OK)
	{
		an_catch22_tables_free(t);
		return NULL;
	}
	return t;
}

int
an_catch22_tables_fit(const an_catch22_tables *tables, size_t n)
{
	return tables != NULL && n <= AN_CATCH22_MAX_N && tables->ref.n_max >= 2 * c22_pow2_at_least(n);
}

void
an_catch22_tables_free(an_catch22_tables *tables)
{
	if (tables == NULL)
		return;
	c22_twiddles_free(&tables->ref);
	an_check_interrupts();
	c22_twiddles_free(&tables->tru);
	an_check_interrupts();
	an_free(tables);
}

/*
 * First zero crossing of the ACF (spec H6 with K = m) from direct lagged
 * sums, for the differenced series, whose ACF usually crosses zero within a
 * few lags.  It only decides when every ACF value it looks at is at least
 * 1e-6 away from zero: the reference's FFT-based ACF is within about 1e-12
 * of the exact one, so its signs, and hence its answer, are then the same.
 * Otherwise (a value near zero, as integer data can give, or no crossing
 * within the first lags) it returns SIZE_MAX and the caller uses the
 * bit-exact recipe.  d is scratch for m values.
 */
#define DIRECT_ZERO_MAX_LAG 32
#define DIRECT_ZERO_MARGIN 1e-6

static size_t
first_zero_direct(const double *x, size_t m, double *d)
{
	double		mean = c22_mean(x, m);
	double		s0 = 0.0;
	size_t		max_lag = m - 1 < DIRECT_ZERO_MAX_LAG ? m - 1 : DIRECT_ZERO_MAX_LAG;

	AN_FOR_CHECKED(t, m)
	{
		d[t] = x[t] - mean;
		s0 += d[t] * d[t];
	}
	if (!(s0 > 0.0) || !isfinite(s0))
		return SIZE_MAX;
	for (size_t k = 1; k <= max_lag; k++)
	{
		double		s = 0.0,
					r;

		AN_FOR_CHECKED(t, m - k)
			s += d[t] * d[t + k];
		r = s / s0;
		if (fabs(r) < DIRECT_ZERO_MARGIN)
			return SIZE_MAX;
		if (r < 0.0)
			return k;
	}
	return max_lag == m - 1 ? m : SIZE_MAX;
}

/* Everything several features share; z must already be set. */
static an_status
work_prepare(c22_work *w)
{
	size_t		n = w->n;

	w->fft_max = 2 * c22_pow2_at_least(n);
	w->z_sorted = an_alloc_array(n, sizeof(double));
	w->dz = an_alloc_array(n, sizeof(double));
	w->acf = an_alloc_array(n, sizeof(double));
	w->scratch = an_alloc_array(n, sizeof(double));
	w->scratch2 = an_alloc_array(n, sizeof(double));
	w->cbuf = an_alloc_array(2 * w->fft_max, sizeof(double));
	if (!w->z_sorted || !w->dz || !w->acf || !w->scratch || !w->scratch2 || !w->cbuf)
		return AN_ENOMEM;

	w->z_mean = c22_mean(w->z, n);
	w->z_min = w->z_max = w->z[0];
	AN_FOR_CHECKED(i, n)
	{
		w->z_sorted[i] = w->z[i];
		if (w->z[i] < w->z_min)
			w->z_min = w->z[i];
		if (w->z[i] > w->z_max)
			w->z_max = w->z[i];
	}
	an_sort_doubles(w->z_sorted, n);
	AN_FOR_CHECKED(t, n - 1)
		w->dz[t] = w->z[t + 1] - w->z[t];

	c22_acf(w->z, n, w->acf, w->cbuf, w->tw_ref);
	w->acf_zero = c22_first_zero(w->acf, n);
	/* the ACF of the differences is only needed for its first zero */
	w->dacf_zero = first_zero_direct(w->dz, n - 1, w->scratch);
	if (w->dacf_zero == SIZE_MAX)
	{
		c22_acf(w->dz, n - 1, w->scratch, w->cbuf, w->tw_ref);
		w->dacf_zero = c22_first_zero(w->scratch, n - 1);
	}
	return AN_OK;
}

/* Features 8 to 16, each a value of the work area alone. */
static double (*const c22_plain_features[]) (const c22_work *) = {
	c22_local_simple_mean3_stderr, c22_local_simple_mean1_tauresrat, c22_hrv_pnn40,
	c22_binary_mean_longstretch1, c22_binary_diff_longstretch0, c22_motif_three_hh,
	c22_histogram_ami_even_2_5, c22_trev_1_num, c22_auto_mutual_info_fmmi,
};

/*
 * The features in catch22's order, with an interrupt check between any two;
 * their long loops check as well, every AN_INTERRUPT_STRIDE iterations.
 */
static an_status
compute_features(c22_work *w, double *out)
{
	an_status	st;

	c22_histogram_modes(w, &out[0], &out[1]);
	an_check_interrupts();
	if ((st = c22_outlier_include(w, 1.0, &out[2])) != AN_OK)
		return st;
	an_check_interrupts();
	if ((st = c22_outlier_include(w, -1.0, &out[3])) != AN_OK)
		return st;
	an_check_interrupts();
	out[4] = c22_f1ecac(w);
	an_check_interrupts();
	out[5] = c22_first_min_ac(w);
	an_check_interrupts();
	c22_welch_rect(w, &out[6], &out[7]);
	an_check_interrupts();
	for (size_t k = 8; k <= 16; k++)
	{
		out[k] = c22_plain_features[k - 8] (w);
		an_check_interrupts();
	}
	if ((st = c22_transition_matrix_sumdiagcov(w, &out[17])) != AN_OK)
		return st;
	an_check_interrupts();
	if ((st = c22_periodicity_wang(w, &out[18])) != AN_OK)
		return st;
	an_check_interrupts();
	if ((st = c22_embed2_dist_expfit_meandiff(w, &out[19])) != AN_OK)
		return st;
	an_check_interrupts();
	if ((st = c22_fluct_anal(w, 0, &out[20])) != AN_OK)
		return st;
	an_check_interrupts();
	return c22_fluct_anal(w, 1, &out[21]);
}

an_status
an_catch22(const double *y, size_t n, double out[AN_CATCH24_COUNT], size_t *bad_index)
{
	return an_catch22_with_tables(y, n, NULL, out, bad_index);
}

an_status
an_catch22_with_tables(const double *y, size_t n, const an_catch22_tables *tables,
					   double out[AN_CATCH24_COUNT], size_t *bad_index)
{
	c22_work	w = {0};
	an_catch22_tables *own = NULL;
	double		m,
				sd;
	int			constant = 1;
	an_status	st;

	if (n < AN_CATCH22_MIN_N)
		return AN_EINVAL;
	if (n > AN_CATCH22_MAX_N)
		return AN_ETOOMANY;
	AN_FOR_CHECKED(i, n)
	{
		if (!isfinite(y[i]))
		{
			if (bad_index)
				*bad_index = i;
			return AN_ENONFINITE;
		}
		if (y[i] != y[0])
			constant = 0;
	}

	/* z-score exactly as spec H1-H4: sequential sums, then a division */
	m = c22_mean(y, n);
	sd = c22_std(y, n);
	out[22] = m;
	out[23] = sd;
	for (int f = 0; f < AN_CATCH22_COUNT; f++)
		out[f] = NAN;
	if (constant)
	{
		out[22] = y[0];
		out[23] = 0.0;
		return AN_OK;
	}

	/* the spread under- or overflows double precision: no usable z-score */
	if (!(sd > 0.0) || !isfinite(sd) || !isfinite(m))
		return AN_OK;

	w.n = n;
	w.y = y;
	w.z = an_alloc_array(n, sizeof(double));
	if (w.z == NULL)
		return AN_ENOMEM;
	AN_FOR_CHECKED(i, n)
	{
		w.z[i] = (y[i] - m) / sd;
		if (!isfinite(w.z[i]))
		{
			/* the spread under- or overflows double precision */
			work_free(&w);
			return AN_OK;
		}
	}

	if (!an_catch22_tables_fit(tables, n))
	{
		tables = own = an_catch22_tables_new(n);
		if (own == NULL)
		{
			work_free(&w);
			return AN_ENOMEM;
		}
	}
	w.tw_ref = &tables->ref;
	w.tw_true = &tables->tru;
	st = work_prepare(&w);
	if (st == AN_OK)
		st = compute_features(&w, out);
	work_free(&w);
	an_catch22_tables_free(own);
	if (st != AN_OK)
		for (int f = 0; f < AN_CATCH24_COUNT; f++)
			out[f] = NAN;
	return st;
}
