/*
 * ts_common.c: what the time-series model kinds share: the band and score,
 * the sampling interval, the spread floor, the in-place move of the values.
 */
#include "core/ts/ts_common.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/sort.h"

double
an_ts_sigma_floor(double maxabs)
{
	return fmax(AN_TS_RELATIVE_SIGMA_FLOOR * maxabs, DBL_MIN);
}

const char *
an_json_number(double v, char *buf)
{
	if (isfinite(v))
		snprintf(buf, AN_JSON_NUMBER_LEN, "%.17g", v);
	else
		snprintf(buf, AN_JSON_NUMBER_LEN, "null");
	return buf;
}

void
an_points_to_values(an_point *pts, size_t n)
{
	/* each value lands below where it is read; copied as bytes, since the memory changes type */
	char	   *base = (char *) pts;

	AN_FOR_CHECKED(i, n)
		memcpy(base + i * sizeof(double), base + i * sizeof(an_point) + offsetof(an_point, value), sizeof(double));
}

int64_t
an_infer_interval(const an_point *pts, size_t n)
{
	double	   *gaps;
	size_t		ngaps = 0;
	double		median,
				first = 0;
	bool		all_equal = true;

	if (n < 2)
		return 0;
	/* regular sampling, the usual case: every gap is the median, and no array of them is needed */
	for (size_t i = 1; i < n && all_equal; i++)
	{
		if ((i & (AN_INTERRUPT_STRIDE - 1)) == 0)
			an_check_interrupts();
		if (pts[i].ts != pts[i - 1].ts)
		{
			double		gap = (double) pts[i].ts - (double) pts[i - 1].ts;

			if (ngaps++ == 0)
				first = gap;
			all_equal = gap == first;
		}
	}
	if (all_equal)
		return ngaps == 0 ? 0 : (int64_t) llround(first);
	ngaps = 0;
	gaps = an_alloc_array(n - 1, sizeof(double));
	if (gaps == NULL)
		return -1;
	AN_FOR_CHECKED(i, n - 1)
		if (pts[i + 1].ts != pts[i].ts)
			gaps[ngaps++] = (double) pts[i + 1].ts - (double) pts[i].ts;
	median = an_median_inplace(gaps, ngaps);
	an_free(gaps);
	return (int64_t) llround(median);
}

void
an_ts_band(double expected, double sigma_low, double sigma_high, double k,
		   an_ts_direction dir, double value, an_ts_detection *out)
{
	double		dev = value - expected;

	out->expected = expected;
	out->lower = dir == AN_TS_UP ? -INFINITY : expected - k * sigma_low;
	out->upper = dir == AN_TS_DOWN ? INFINITY : expected + k * sigma_high;
	if (isnan(value))
		out->score = NAN;
	else if (dev > 0)
		out->score = dir == AN_TS_DOWN ? 0 : dev / (k * sigma_high);
	else if (dev < 0)
		out->score = dir == AN_TS_UP ? 0 : -dev / (k * sigma_low);
	else
		out->score = 0;
	out->is_anomaly = out->score > 1;
}

void
an_ts_put_span(an_writer *w, int64_t t_first, int64_t t_last, uint64_t n_points, int64_t interval_us)
{
	an_put_i64(w, t_first);
	an_put_i64(w, t_last);
	an_put_u64(w, n_points);
	an_put_i64(w, interval_us);
}

void
an_ts_get_span(an_reader *r, an_ts_model *m)
{
	m->t_first = an_get_i64(r);
	m->t_last = an_get_i64(r);
	m->n_points = an_get_u64(r);
	m->interval_us = an_get_i64(r);
}
