/*
 * ts_level.c: the robust level model (AN_KIND_TS_LEVEL).
 *
 * Expected value: the median of the training values.  Spread: the robust
 * sigma (1.4826 * MAD, see robust_stats.c) with a floor of 1e-9 times the
 * largest magnitude seen, so that a constant series does not flag
 * floating-point noise.  When the auto method falls back on this model (no
 * period found) on at least AN_TAIL_MIN_POINTS points, sigma is at least the
 * tail estimate max(q99 - median, median - q01) / 2.3263 of the values, as in
 * the seasonal kind; the robust method keeps 1.4826 * MAD.
 *
 * Payload, format version 1 (little-endian):
 *   i64 t_first, i64 t_last, u64 n_points, i64 interval_us,
 *   f64 median, f64 mad, f64 sigma, f64 threshold, u8 direction
 */
#include <math.h>
#include <string.h>
#include <float.h>

#include "core/model_format.h"
#include "core/robust_stats.h"
#include "core/ts_model.h"

#define RELATIVE_SIGMA_FLOOR 1e-9

/* The spread floor for values v: 1e-9 of the largest magnitude, at least DBL_MIN. */
static double
sigma_floor(const double *v, size_t n)
{
	double		maxabs = 0;

	for (size_t i = 0; i < n; i++)
		if (fabs(v[i]) > maxabs)
			maxabs = fabs(v[i]);
	return fmax(RELATIVE_SIGMA_FLOOR * maxabs, DBL_MIN);
}

static double
effective_threshold(const an_ts_options *opt)
{
	return opt->confidence > 0 ? an_confidence_to_k(opt->confidence) : opt->threshold;
}

an_status
an_ts_level_fit(double *values, size_t n, int64_t t_first, int64_t t_last, const an_ts_options *opt,
				int64_t interval_us, uint8_t **model, size_t *len)
{
	double	   *work = values + n;	/* the selections reorder a copy: values stays in time order */
	double		median,
				mad,
				sigma,
				tail = 0,
				floor_abs = sigma_floor(values, n);
	an_writer	w;

	memcpy(work, values, n * sizeof(double));
	/* median and MAD in place: work is reordered, then reused for |v - m| */
	median = an_median_inplace(work, n);
	if (opt->method == AN_TS_METHOD_AUTO && n >= AN_TAIL_MIN_POINTS)
	{
		/* the auto method's fallback: tail-aware spread as in the seasonal kind (AN_TAIL_Z) */
		an_select_double(work, n, n / 100);
		tail = (median - work[n / 100]) / AN_TAIL_Z;
		an_select_double(work, n, (99 * n) / 100);
		tail = fmax(tail, (work[(99 * n) / 100] - median) / AN_TAIL_Z);
	}
	for (size_t i = 0; i < n; i++)
		work[i] = fabs(values[i] - median);
	mad = an_median_inplace(work, n);
	if (mad == 0)
	{
		double		sum = 0;

		for (size_t i = 0; i < n; i++)
			sum += fabs(values[i] - median);
		sigma = AN_MEANAD_TO_SIGMA * sum / (double) n;
	}
	else
		sigma = AN_MAD_TO_SIGMA * mad;
	sigma = fmax(sigma, tail);
	if (!(sigma >= floor_abs))
		sigma = floor_abs;
	if (!isfinite(median) || !isfinite(mad) || !isfinite(sigma))
		return AN_ENONFINITE;	/* values too large: their spread overflows */

	an_writer_init(&w);
	an_put_i64(&w, t_first);
	an_put_i64(&w, t_last);
	an_put_u64(&w, (uint64_t) n);
	an_put_i64(&w, interval_us);
	an_put_f64(&w, median);
	an_put_f64(&w, mad);
	an_put_f64(&w, sigma);
	an_put_f64(&w, effective_threshold(opt));
	an_put_u8(&w, (uint8_t) opt->direction);
	return an_writer_finish(&w, AN_KIND_TS_LEVEL, model, len);
}

an_status
an_ts_level_decode(const uint8_t *payload, size_t len, an_ts_model *m)
{
	an_reader	r;
	uint8_t		dir;

	an_reader_init(&r, payload, len);
	m->t_first = an_get_i64(&r);
	m->t_last = an_get_i64(&r);
	m->n_points = an_get_u64(&r);
	m->interval_us = an_get_i64(&r);
	m->median = an_get_f64_finite(&r);
	m->mad = an_get_f64_finite(&r);
	m->sigma = an_get_f64_finite(&r);
	m->threshold = an_get_f64_finite(&r);
	dir = an_get_u8(&r);
	if (r.status == AN_OK &&
		(m->t_first > m->t_last || m->n_points == 0 || m->interval_us < 0 ||
		 m->mad < 0 || !(m->sigma > 0) || !(m->threshold > 0) || dir > AN_TS_DOWN))
		an_reader_fail(&r, AN_ECORRUPT);
	m->direction = (an_ts_direction) dir;
	return an_reader_finish(&r);
}
