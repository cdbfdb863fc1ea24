/*
 * ts_model.c: the kind-independent side of time-series models: fitting
 * dispatch, loading any kind, and dispatch of scoring and model info to the
 * kind (ts_level.c, ts_seasonal*.c).
 */
#include "core/ts/ts_model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/model_format.h"
#include "core/ts/ts_common.h"
#include "core/ts/ts_level.h"
#include "core/ts/ts_seasonal.h"

static an_status ts_fit(an_point *pts, size_t n, const an_ts_options *opt, const an_ts_fit_tuning *tuning,
						uint8_t **model, size_t *len, char *err, size_t errlen);

an_status
an_ts_fit(an_point *pts, size_t n, const an_ts_options *opt,
		  uint8_t **model, size_t *len, char *err, size_t errlen)
{
	const an_ts_fit_tuning tuning = {.compact_min_points = AN_TS_COMPACT_MIN_POINTS};

	return an_ts_fit_tuned(pts, n, opt, &tuning, model, len, err, errlen);
}

/*
 * The writer must never hand out bytes that its own reader rejects (a model
 * that fails at every later use): read the fitted model back, and turn a
 * refusal into an error of the fit.
 */
static an_status
readable_or_error(uint8_t **model, const size_t *len, an_status fit_status, char *err, size_t errlen)
{
	an_ts_model *m = NULL;
	an_status	s;

	if (fit_status != AN_OK || *model == NULL)
		return fit_status;
	s = an_ts_model_load(*model, *len, &m);
	if (s == AN_OK)
	{
		an_ts_model_free(m);
		return AN_OK;
	}
	an_free(*model);
	*model = NULL;
	if (err && errlen)
		snprintf(err, errlen, "the fitted model fails its own validation (%s)\n"
				 "This is a bug in anomaly: please report it with the data and the options.",
				 an_status_message(s));
	return AN_EINVAL;
}

an_status
an_ts_fit_tuned(an_point *pts, size_t n, const an_ts_options *opt, const an_ts_fit_tuning *tuning,
				uint8_t **model, size_t *len, char *err, size_t errlen)
{
	an_status	s = ts_fit(pts, n, opt, tuning, model, len, err, errlen);

	return readable_or_error(model, len, s, err, errlen);
}

static an_status
ts_fit(an_point *pts, size_t n, const an_ts_options *opt, const an_ts_fit_tuning *tuning,
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
		an_status	s = an_ts_seasonal_fit(pts, n, opt, interval, tuning->compact_min_points,
										   model, len, &moved, err, errlen);

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
	an_free(m->level);
	an_free(m->seasonal);
	an_free(m);
}

void
an_ts_detect(const an_ts_model *m, int64_t ts, double value, an_ts_detection *out)
{
	if (m->kind == AN_KIND_TS_SEASONAL)
		an_ts_seasonal_detect(m, ts, value, out);
	else
		an_ts_level_detect(m, value, out);
}

void
an_ts_expect(const an_ts_model *m, int64_t ts, an_ts_detection *out)
{
	an_ts_detect(m, ts, NAN, out);
}

an_status
an_ts_model_info_json(const an_ts_model *m, char **json)
{
	if (m->kind == AN_KIND_TS_SEASONAL)
		return an_ts_seasonal_info_json(m, json);
	return an_ts_level_info_json(m, json);
}
