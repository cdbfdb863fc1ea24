/*
 * ts_level.c: the robust level model (AN_KIND_TS_LEVEL).
 *
 * Expected value: the median of the training values.  Spread: the robust
 * sigma (1.4826 * MAD, see an_robust_sigma) with a floor of
 * AN_TS_RELATIVE_SIGMA_FLOOR times the largest magnitude seen, so that a
 * constant series does not flag floating-point noise.  When the auto method falls back on this model (no
 * period found) on at least AN_TAIL_MIN_POINTS points, sigma is at least the
 * tail estimate max(q99 - median, median - q01) / 2.3263 of the values, as in
 * the seasonal kind; the robust method keeps 1.4826 * MAD.
 *
 * With a false_alarm_rate (ts_tail.h) each edge of the band comes instead
 * from the tail of out-of-sample residuals: a value minus the median of
 * the other fold (see AN_TS_FOLD_BLOCKS).
 *
 * Payload, format version 1 (little-endian):
 *   i64 t_first, i64 t_last, u64 n_points, i64 interval_us,
 *   f64 median, f64 mad, f64 sigma, f64 threshold, u8 direction
 * Format version 2 appends the tail block (an_ts_tail_write), version 3 the
 * shape block after it (ts_shape.h; the tail block then always present),
 * version 4 the discord block after that (ts_discord_model.h), version 5
 * the analog block after that (ts_analog_model.h).
 */
#include "core/ts/ts_level.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/model_format.h"
#include "core/robust_stats.h"
#include "core/sort.h"
#include "core/time_units.h"
#include "core/ts/ts_blocks.h"
#include "core/ts/ts_common.h"

/* The spread floor for values v (an_ts_sigma_floor of their largest magnitude). */
static double
sigma_floor(const double *v, size_t n)
{
	double		maxabs = 0;

	AN_FOR_CHECKED(i, n)
		if (fabs(v[i]) > maxabs)
			maxabs = fabs(v[i]);
	return an_ts_sigma_floor(maxabs);
}

static double
effective_threshold(const an_ts_options *opt)
{
	return opt->confidence > 0 ? an_confidence_to_k(opt->confidence) : opt->threshold;
}

/*
 * The tail band: residuals of every stride-th value (at most
 * AN_TAIL_MAX_RESIDUALS of them) against the median of the other fold,
 * into r; scratch as many doubles.
 */
static an_status
level_tail(const double *values, size_t n, const an_ts_options *opt, double *r, an_ts_tail *tail)
{
	size_t		stride = (n + AN_TAIL_MAX_RESIDUALS - 1) / AN_TAIL_MAX_RESIDUALS,
				m = 0,
				nf[2] = {0, 0};
	double		med[2] = {0, 0},
			   *scratch = an_alloc_array(n / stride + 1, sizeof(double));
	an_status	s;

	if (scratch == NULL)
		return AN_ENOMEM;
	for (int f = 0; f < 2; f++)
	{
		nf[f] = 0;
		for (size_t i = 0; i < n; i += stride)
			if (an_ts_fold_of(i, n) == f)
				scratch[nf[f]++] = values[i];
		if (nf[f])
			med[f] = an_median_inplace(scratch, nf[f]);
	}
	for (size_t i = 0; i < n; i += stride)
	{
		int			f = an_ts_fold_of(i, n);

		/* held out of fold f's blocks: the median of the other fold (itself if that is empty) */
		r[m++] = values[i] - med[nf[1 - f] ? 1 - f : f];
	}
	s = an_ts_tail_fit(r, m, scratch, an_ts_tail_rate(opt), opt->direction, opt->exclude_outliers,
					   nf[0] && nf[1], tail);
	an_free(scratch);
	return s;
}

an_status
an_ts_level_fit(double *values, size_t n, int64_t t_first, int64_t t_last, const an_ts_options *opt,
				int64_t interval_us, uint8_t **model, size_t *len)
{
	double	   *work = values + n;	/* the selections reorder a copy: values stays in time order */
	double		median,
				mad,
				sigma,
				tail_sigma = 0,
				floor_abs = sigma_floor(values, n);
	an_writer	w;
	an_ts_tail	tail;

	memcpy(work, values, n * sizeof(double));
	/* median and MAD in place: work is reordered, then reused for |v - m| */
	median = an_median_inplace(work, n);
	if (opt->method == AN_TS_METHOD_AUTO && n >= AN_TAIL_MIN_POINTS)
	{
		/* the auto method's fallback: tail-aware spread as in the seasonal kind (AN_TAIL_Z) */
		an_select_double(work, n, n / 100);
		tail_sigma = (median - work[n / 100]) / AN_TAIL_Z;
		an_select_double(work, n, (99 * n) / 100);
		tail_sigma = fmax(tail_sigma, (work[(99 * n) / 100] - median) / AN_TAIL_Z);
	}
	AN_FOR_CHECKED(i, n)
		work[i] = fabs(values[i] - median);
	mad = an_median_inplace(work, n);
	/* the floor and the tail estimate are both lower bounds: their order does not matter */
	sigma = fmax(an_robust_sigma(values, n, median, mad, floor_abs), tail_sigma);
	if (!isfinite(median) || !isfinite(mad) || !isfinite(sigma))
		return AN_ENONFINITE;	/* values too large: their spread overflows */
	memset(&tail, 0, sizeof(tail));
	if (an_ts_tail_rate(opt) > 0)
	{
		an_status	s = level_tail(values, n, opt, work, &tail);

		if (s != AN_OK)
			return s;
		tail.low.edge = fmax(tail.low.edge, floor_abs);
		tail.high.edge = fmax(tail.high.edge, floor_abs);
	}

	an_writer_init(&w);
	an_ts_put_span(&w, t_first, t_last, (uint64_t) n, interval_us);
	an_put_f64(&w, median);
	an_put_f64(&w, mad);
	an_put_f64(&w, sigma);
	an_put_f64(&w, effective_threshold(opt));
	an_put_u8(&w, (uint8_t) opt->direction);
	an_ts_tail_write(&w, &tail);
	return an_writer_finish_version(&w, AN_KIND_TS_LEVEL, an_ts_tail_format_version(&tail), model, len);
}

an_status
an_ts_level_decode(const uint8_t *payload, size_t len, an_ts_model *m)
{
	an_reader	r;
	an_ts_level *l = an_alloc(sizeof(an_ts_level));
	uint8_t		dir;

	if (l == NULL)
		return AN_ENOMEM;
	m->level = l;				/* freed with m */
	an_reader_init(&r, payload, len);
	an_ts_get_span(&r, m);
	l->median = an_get_f64_finite(&r);
	l->mad = an_get_f64_finite(&r);
	l->sigma = an_get_f64_finite(&r);
	m->threshold = an_get_f64_finite(&r);
	dir = an_get_u8(&r);
	an_ts_get_blocks(&r, m);
	if (r.status == AN_OK &&
		(m->t_first > m->t_last || m->n_points == 0 || m->interval_us < 0 ||
		 l->mad < 0 || !(l->sigma > 0) || !(m->threshold > 0) || dir > AN_TS_DOWN))
		an_reader_fail(&r, AN_ECORRUPT);
	m->direction = (an_ts_direction) dir;
	return an_reader_finish(&r);
}

void
an_ts_level_detect(const an_ts_model *m, double value, an_ts_detection *out)
{
	const an_ts_level *l = m->level;

	if (m->tail.status == AN_TAIL_FITTED)
		an_ts_band(l->median, m->tail.low.edge, m->tail.high.edge, 1.0, m->direction, value, out);
	else
		an_ts_band(l->median, l->sigma, l->sigma, m->threshold, m->direction, value, out);
	out->level = l->median;
	out->seasonal = 0;
}

an_status
an_ts_level_info_json(const an_ts_model *m, char **json)
{
	const an_ts_level *l = m->level;
	char		first[40],
				last[40],
				lower[AN_JSON_NUMBER_LEN],
				upper[AN_JSON_NUMBER_LEN];
	size_t		cap = 2048,
				used;
	char	   *buf = an_alloc(cap);
	bool		fitted = m->tail.status == AN_TAIL_FITTED;

	if (buf == NULL)
		return AN_ENOMEM;
	an_format_timestamp(m->t_first, first, sizeof(first));
	an_format_timestamp(m->t_last, last, sizeof(last));
	snprintf(buf, cap,
			 "{\"kind\": \"ts_level\", \"format_version\": %d, \"method\": \"robust\", "
			 "\"points\": %llu, \"train_start\": \"%s\", \"train_end\": \"%s\", "
			 "\"interval_seconds\": %.17g, \"median\": %.17g, \"mad\": %.17g, \"sigma\": %.17g, "
			 "\"threshold\": %.17g, \"direction\": \"%s\", \"lower\": %s, \"upper\": %s, "
			 "\"period\": null, \"trend\": \"none\"",
			 m->format_version, (unsigned long long) m->n_points, first, last,
			 (double) m->interval_us / (double) AN_USECS_PER_SEC, l->median, l->mad, l->sigma, m->threshold,
			 an_ts_direction_name(m->direction),
			 an_json_number(l->median - (fitted ? m->tail.low.edge : m->threshold * l->sigma), lower),
			 an_json_number(l->median + (fitted ? m->tail.high.edge : m->threshold * l->sigma), upper));
	used = strlen(buf);
	if (m->format_version >= 2)
		an_ts_tail_json(&m->tail, buf + used, cap - used);
	used = strlen(buf);
	snprintf(buf + used, cap - used, "}");
	*json = buf;
	return AN_OK;
}
