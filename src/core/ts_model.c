/*
 * ts_model.c: the kind-independent side of time-series models: fitting
 * dispatch, loading any kind, scoring bands, model info as JSON.
 */
#include "core/ts_model.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/model_format.h"
#include "core/ts_seasonal.h"

size_t		an_ts_compact_min_points = 2000000;

void
an_points_to_values(an_point *pts, size_t n)
{
	/* each value lands below where it is read; copied as bytes, since the memory changes type */
	char	   *base = (char *) pts;

	for (size_t i = 0; i < n; i++)
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
		if (pts[i].ts != pts[i - 1].ts)
		{
			double		gap = (double) pts[i].ts - (double) pts[i - 1].ts;

			if (ngaps++ == 0)
				first = gap;
			all_equal = gap == first;
		}
	if (all_equal)
		return ngaps == 0 ? 0 : (int64_t) llround(first);
	ngaps = 0;
	gaps = an_alloc_array(n - 1, sizeof(double));
	if (gaps == NULL)
		return -1;
	for (size_t i = 1; i < n; i++)
		if (pts[i].ts != pts[i - 1].ts)
			gaps[ngaps++] = (double) pts[i].ts - (double) pts[i - 1].ts;
	median = an_median_inplace(gaps, ngaps);
	an_free(gaps);
	return (int64_t) llround(median);
}

an_status
an_ts_fit(an_point *pts, size_t n, const an_ts_options *opt,
		  uint8_t **model, size_t *len, char *err, size_t errlen)
{
	int64_t		interval,
				t_first,
				t_last;
	bool		moved = false;	/* the seasonal fit moved the values to the front of pts */

	if (n == 0 || pts == NULL)
		return AN_EINVAL;
	t_first = pts[0].ts;
	t_last = pts[n - 1].ts;
	interval = opt->interval_us > 0 ? opt->interval_us : an_infer_interval(pts, n);
	if (interval < 0)
		return AN_ENOMEM;
	if (err && errlen)
		err[0] = '\0';
	if (opt->method != AN_TS_METHOD_ROBUST)
	{
		/* the seasonal model, unless it decides the robust level model applies */
		an_status	s = an_ts_seasonal_fit(pts, n, opt, interval, model, len, &moved, err, errlen);

		if (s != AN_OK || *model != NULL)
			return s;
	}
	if (!moved)
		an_points_to_values(pts, n);
	return an_ts_level_fit((double *) pts, n, t_first, t_last, opt, interval, model, len);
}

an_status
an_ts_model_load(const uint8_t *buf, size_t len, an_ts_model **out)
{
	an_model_header h;
	const uint8_t *payload;
	an_ts_model *m;
	an_status	s = an_model_open(buf, len, &h, &payload);

	if (s != AN_OK)
		return s;
	if (h.kind != AN_KIND_TS_LEVEL && h.kind != AN_KIND_TS_SEASONAL)
		return AN_EKIND;
	m = an_alloc(sizeof(an_ts_model));
	if (m == NULL)
		return AN_ENOMEM;
	memset(m, 0, sizeof(*m));
	m->kind = h.kind;
	m->format_version = h.version;
	if (h.kind == AN_KIND_TS_LEVEL)
		s = an_ts_level_decode(payload, h.payload_len, m);
	else
		s = an_ts_seasonal_decode(payload, h.payload_len, m);
	if (s != AN_OK)
	{
		an_ts_model_free(m);
		return s;
	}
	*out = m;
	return AN_OK;
}

void
an_ts_model_free(an_ts_model *m)
{
	if (m == NULL)
		return;
	an_free(m->detail);
	an_free(m);
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
an_ts_detect(const an_ts_model *m, int64_t ts, double value, an_ts_detection *out)
{
	if (m->kind == AN_KIND_TS_SEASONAL)
	{
		an_ts_seasonal_detect(m, ts, value, out);
		return;
	}
	(void) ts;
	an_ts_band(m->median, m->sigma, m->sigma, m->threshold, m->direction, value, out);
	out->level = m->median;
	out->seasonal = 0;
}

void
an_ts_expect(const an_ts_model *m, int64_t ts, an_ts_detection *out)
{
	an_ts_detect(m, ts, NAN, out);
}

/* Days since 1970-01-01 to civil date (Howard Hinnant's algorithm). */
static void
civil_from_days(int64_t z, int64_t *y, int *mo, int *d)
{
	int64_t		era,
				yoe,
				doy,
				mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	yoe = z - era * 146097;
	yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
	doy = z - era * 146097 - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int) (doy - (153 * mp + 2) / 5 + 1);
	*mo = (int) (mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*mo <= 2);
}

void
an_format_timestamp(int64_t us, char *buf, size_t len)
{
	/* PostgreSQL epoch 2000-01-01 is 10957 days after the Unix epoch. */
	const int64_t day_us = 86400000000LL;
	int64_t		days = us / day_us,
				rem = us % day_us,
				y;
	int			mo,
				d;

	if (rem < 0)
	{
		rem += day_us;
		days--;
	}
	civil_from_days(days + 10957, &y, &mo, &d);
	if (rem % 1000000)
		snprintf(buf, len, "%04lld-%02d-%02dT%02d:%02d:%02d.%06dZ", (long long) y, mo, d,
				 (int) (rem / 3600000000LL), (int) (rem / 60000000 % 60), (int) (rem / 1000000 % 60),
				 (int) (rem % 1000000));
	else
		snprintf(buf, len, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long) y, mo, d,
				 (int) (rem / 3600000000LL), (int) (rem / 60000000 % 60), (int) (rem / 1000000 % 60));
}

an_status
an_ts_model_info_json(const an_ts_model *m, char **json)
{
	static const char *const directions[] = {"both", "up", "down"};
	char		first[40],
				last[40];
	size_t		cap = 1024;
	char	   *buf = an_alloc(cap);

	if (m->kind == AN_KIND_TS_SEASONAL)
	{
		an_free(buf);
		return an_ts_seasonal_info_json(m, json);
	}
	if (buf == NULL)
		return AN_ENOMEM;
	an_format_timestamp(m->t_first, first, sizeof(first));
	an_format_timestamp(m->t_last, last, sizeof(last));
	snprintf(buf, cap,
			 "{\"kind\": \"ts_level\", \"format_version\": %d, \"method\": \"robust\", "
			 "\"points\": %llu, \"train_start\": \"%s\", \"train_end\": \"%s\", "
			 "\"interval_seconds\": %.17g, \"median\": %.17g, \"mad\": %.17g, \"sigma\": %.17g, "
			 "\"threshold\": %.17g, \"direction\": \"%s\", \"lower\": %.17g, \"upper\": %.17g, "
			 "\"period\": null, \"trend\": \"none\"}",
			 m->format_version, (unsigned long long) m->n_points, first, last,
			 (double) m->interval_us / 1e6, m->median, m->mad, m->sigma, m->threshold,
			 directions[m->direction], m->median - m->threshold * m->sigma,
			 m->median + m->threshold * m->sigma);
	*json = buf;
	return AN_OK;
}
