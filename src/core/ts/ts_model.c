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
#include "core/ts/ts_analog.h"
#include "core/ts/ts_analog_model.h"
#include "core/ts/ts_discord_model.h"
#include "core/ts/ts_shape.h"

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

double
an_ts_model_shortest_period(const an_ts_model *m)
{
	double		period = 0;

	if (m->seasonal && m->interval_us > 0)
		for (int j = 0; j < m->seasonal->nseasons; j++)
		{
			double		p = (double) m->seasonal->season[j].period_us / (double) m->interval_us;

			if (period == 0 || p < period)
				period = p;
		}
	return period;
}

/*
 * The shape component of a fitted model: the window from the option, the
 * model's shortest period or the autocorrelation rule; then the model
 * rewritten as format version 3 with the shape block after the tail block
 * (an empty one when the model had none), and with the option "discord"
 * as format version 4 with the discord block after that, when the rows can
 * calibrate one, and with the option "analog" as format version 5 with the
 * analog block after the discord block, when the discord's rows can
 * calibrate the analogues (the delay from the autocorrelation of the same
 * values as the window's).  The model stays as it was when the data cannot
 * support a shape component.
 */
static an_status
add_shape(const an_point *pts, size_t n, const an_ts_options *opt, uint8_t **model, size_t *len)
{
	an_ts_model *m = NULL;
	an_ts_shape *shape = NULL;
	an_ts_discord_model *discord = NULL;
	an_ts_analog_model *analog = NULL;
	an_model_header h;
	const uint8_t *payload;
	an_shape_source source;
	double		period,
			   *v;
	size_t		nv = n > AN_SHAPE_ACF_MAX_POINTS ? AN_SHAPE_ACF_MAX_POINTS : n,
				w,
				lag;
	int64_t		interval;
	an_status	s = an_ts_model_load(*model, *len, &m);
	an_writer	wr;
	uint8_t    *out;
	size_t		out_len;

	if (s != AN_OK)
		return s;
	interval = m->interval_us;
	period = an_ts_model_shortest_period(m);
	an_ts_model_free(m);
	if ((v = an_alloc_array(nv, sizeof(double))) == NULL)
		return AN_ENOMEM;
	for (size_t i = 0; i < nv; i++)
		v[i] = pts[n - nv + i].value;
	w = an_ts_shape_window(v, nv, (size_t) opt->window, period, &source);
	lag = opt->analog ? an_ts_analog_lag(v, nv, AN_ANALOG_MODEL_ACF_LEVEL, 1) : 0;
	an_free(v);
	if (w == 0)
		return AN_OK;
	if ((s = an_ts_shape_fit(pts, n, w, interval, source, &shape)) != AN_OK || shape == NULL)
		return s;
	if ((opt->discord || opt->analog) &&
		(s = an_ts_discord_model_fit(pts, n, w, opt->discord_rows > 0 ? (size_t) opt->discord_rows :
									 AN_DISCORD_DEFAULT_ROWS, &discord)) == AN_OK &&
		discord != NULL && lag > 0 && interval > 0)
		s = an_ts_analog_model_fit(discord->ts, discord->x, discord->n, interval, lag, &analog);
	if (s == AN_OK)
		s = an_model_open(*model, *len, &h, &payload);
	if (s != AN_OK)
	{
		an_ts_shape_free(shape);
		an_ts_discord_model_free(discord);
		an_ts_analog_model_free(analog);
		return s;
	}
	an_writer_init(&wr);
	an_writer_reserve(&wr, h.payload_len + 128 + (size_t) shape->k * shape->w * sizeof(double) +
					  (discord ? 32 + (size_t) discord->n * (sizeof(int64_t) + sizeof(double)) : 0));
	for (size_t i = 0; i < h.payload_len; i++)
		an_put_u8(&wr, payload[i]);
	if (h.version < 2)
		an_put_u8(&wr, 0);		/* an unused tail block */
	an_ts_shape_write(&wr, shape);
	an_ts_shape_free(shape);
	if (discord)
		an_ts_discord_model_write(&wr, discord);
	if (analog)
		an_ts_analog_model_write(&wr, analog);
	s = an_writer_finish_version(&wr, (an_model_kind) h.kind, analog ? 5 : discord ? 4 : 3, &out, &out_len);
	an_ts_discord_model_free(discord);
	an_ts_analog_model_free(analog);
	if (s != AN_OK)
		return s;
	an_free(*model);
	*model = out;
	*len = out_len;
	return AN_OK;
}

an_status
an_ts_fit_tuned(an_point *pts, size_t n, const an_ts_options *opt, const an_ts_fit_tuning *tuning,
				uint8_t **model, size_t *len, char *err, size_t errlen)
{
	an_point   *copy = NULL;
	an_status	s;

	/* the fits use pts as scratch: the shape component needs the points as they came */
	if ((opt->shape || opt->discord || opt->analog) && n > 0 && pts != NULL)
	{
		if ((copy = an_alloc_array(n, sizeof(an_point))) == NULL)
			return AN_ENOMEM;
		memcpy(copy, pts, n * sizeof(an_point));
	}
	s = ts_fit(pts, n, opt, tuning, model, len, err, errlen);
	if (s == AN_OK && copy != NULL && *model != NULL)
	{
		s = add_shape(copy, n, opt, model, len);
		if (s != AN_OK)
		{
			an_free(*model);
			*model = NULL;
		}
	}
	an_free(copy);
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
	/* the discord component shares the shape component's window */
	if (s == AN_OK && m->discord != NULL && (m->shape == NULL || m->shape->w != m->discord->w))
		s = AN_ECORRUPT;
	/* the analog component reads the discord's rows, which must give it targets */
	if (s == AN_OK && m->analog != NULL &&
		(m->discord == NULL || m->interval_us <= 0 ||
		 an_ts_analog_count_targets(m->discord->ts, m->discord->x, m->discord->n, m->interval_us,
									an_ts_analog_model_span(m->analog)) < AN_ANALOG_MIN_TARGETS))
		s = AN_ECORRUPT;
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
	an_ts_shape_free(m->shape);
	an_ts_discord_model_free(m->discord);
	an_ts_analog_model_free(m->analog);
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
	an_status	s = m->kind == AN_KIND_TS_SEASONAL ? an_ts_seasonal_info_json(m, json) :
		an_ts_level_info_json(m, json);
	char		block[1024],
			   *both;
	size_t		len;

	if (s != AN_OK || m->shape == NULL)
		return s;
	/* the kind's object, with the shape member before its closing brace */
	an_ts_shape_json(m->shape, block, sizeof(block));
	if (m->discord != NULL)
		an_ts_discord_model_json(m->discord, block + strlen(block), sizeof(block) - strlen(block));
	if (m->analog != NULL)
		an_ts_analog_model_json(m->analog, block + strlen(block), sizeof(block) - strlen(block));
	len = strlen(*json);
	if ((both = an_alloc(len + strlen(block) + 1)) == NULL)
	{
		an_free(*json);
		return AN_ENOMEM;
	}
	memcpy(both, *json, len - 1);
	strcpy(both + len - 1, block);
	strcat(both, "}");
	an_free(*json);
	*json = both;
	return AN_OK;
}
