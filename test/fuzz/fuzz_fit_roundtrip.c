/*
 * fuzz_fit_roundtrip.c: libFuzzer target for the writers: every model a fit
 * returns must pass its own reader and be usable.
 *
 * The input is read as a recipe: the first bytes choose a model (a time
 * series with its options, or DBSCAN with eps and min_points), the rest are
 * the points, with values on scales from 1e-300 to 1e300 so that spreads and
 * band edges overflow where they can.  A fit may refuse the input (bad
 * option, values whose spread overflows); what it accepts must load, give
 * JSON without "inf" or "nan", and score.  Anything else aborts.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/dbscan/dbscan.h"
#include "core/model_format.h"
#include "core/time_units.h"
#include "core/ts/ts_context.h"
#include "core/ts/ts_lookahead.h"
#include "core/ts/ts_model.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct recipe
{
	const uint8_t *p;
	size_t		left;
} recipe;

static uint8_t
take_u8(recipe *r)
{
	uint8_t		v = 0;

	if (r->left > 0)
	{
		v = r->p[0];
		r->p++;
		r->left--;
	}
	return v;
}

static int16_t
take_i16(recipe *r)
{
	uint16_t	lo = take_u8(r),
				hi = take_u8(r);

	return (int16_t) (lo | (hi << 8));
}

static double
take_f64(recipe *r)
{
	uint64_t	bits = 0;
	double		v;

	for (int i = 0; i < 8; i++)
		bits |= (uint64_t) take_u8(r) << (8 * i);
	memcpy(&v, &bits, sizeof(v));
	return v;
}

/* A finite value: a 16-bit mantissa times a power of ten from the recipe. */
static double
take_value(recipe *r, int exponent)
{
	return (double) take_i16(r) * pow(10.0, exponent);
}

static void
set_number(an_ts_options *o, const char *key, double number)
{
	an_opt_value v = {.type = AN_OPT_NUMBER, .number = number};
	char		err[256];

	/* a refused option leaves the options as they were, which is what the glue relies on */
	(void) an_ts_option_set(o, key, &v, err, sizeof(err));
}

static void
fit_time_series(recipe *r)
{
	an_ts_options o;
	uint8_t		flags = take_u8(r);
	int			exponent = (int) (take_u8(r) % 61) * 10 - 300;
	size_t		n = r->left / 4,
				len = 0;
	an_point   *pts,
			   *orig;
	uint8_t    *model = NULL;
	char		err[512];
	an_status	s;
	int64_t		t = 0;
	double		first;

	an_ts_options_default(&o);
	o.method = (an_ts_method) (flags % 3);
	o.trend = (an_ts_trend) ((flags / 3) % 4);
	o.direction = (an_ts_direction) ((flags / 12) % 3);
	if (flags & 0x40)
		set_number(&o, "confidence", take_f64(r));
	else if ((flags & 0x3F) >= 36)	/* the combinations above use 0..35 */
		set_number(&o, "false_alarm_rate", take_f64(r));
	else
		set_number(&o, "threshold", take_f64(r));
	if (flags & 0x80)
		set_number(&o, "period", (double) (take_u8(r) + 2));
	{
		/* the shape component (format version 3), with a given window or not */
		uint8_t		shape = take_u8(r);

		o.shape = (shape & 1) != 0;
		if (shape & 2)
			o.window = 4 + (shape >> 2);
		if (o.shape)
		{
			/* and the discord component (format version 4), keeping 64 rows or more */
			uint8_t		discord = take_u8(r);

			o.discord = (discord & 1) != 0;
			if (discord & 2)
				o.discord_rows = 64 + (discord >> 2);
			/* and the analog component (format version 5) on the discord's rows */
			if (o.discord)
				o.analog = (take_u8(r) & 1) != 0;
		}
	}
	n = r->left / 4;
	if (n == 0)
		return;
	pts = malloc(n * sizeof(an_point));
	if (pts == NULL)
		return;
	for (size_t i = 0; i < n; i++)
	{
		int16_t		step = take_i16(r);

		/* mostly regular minutes, with gaps, duplicates and jitter where the recipe says */
		t += (step & 3) == 0 ? (int64_t) (step >> 2) * AN_USECS_PER_SEC : AN_USECS_PER_MINUTE;
		pts[i].ts = t;
		pts[i].value = take_value(r, exponent);
	}
	an_sort_points(pts, n);
	first = pts[0].value;		/* pts is the fit's scratch */
	orig = malloc(n * sizeof(an_point));
	if (orig == NULL)
	{
		free(pts);
		return;
	}
	memcpy(orig, pts, n * sizeof(an_point));
	s = an_ts_fit(pts, n, &o, &model, &len, err, sizeof(err));
	if (s == AN_OK)
	{
		an_ts_model *m = NULL;
		char	   *json = NULL;
		an_ts_detection d;

		if (model == NULL || an_ts_model_load(model, len, &m) != AN_OK)
			abort();
		if (an_ts_model_info_json(m, &json) != AN_OK || strstr(json, "inf") || strstr(json, "nan"))
			abort();
		an_free(json);
		an_ts_detect(m, m->t_last + AN_USECS_PER_HOUR, first, &d);
		if (isnan(d.score) || isnan(d.expected))
			abort();
		an_ts_expect(m, m->t_first - AN_USECS_PER_DAY, &d);
		/*
		 * the training rows again, with their context: the score is NaN only
		 * where the point's is; with lookahead every row comes out once, in
		 * order, its score NaN only where the point's is
		 */
		{
			an_ts_context c;
			an_ts_lookahead q;
			an_ts_anomaly a;
			int64_t		tag;
			size_t		out = 0;

			if (an_ts_context_init(&c, m) == AN_OK && an_ts_lookahead_init(&q, c.w) == AN_OK)
			{
				for (size_t i = 0; i < n; i++)
				{
					an_ts_context_push(&c, orig[i].ts, orig[i].value, &a);
					if (isnan(a.score) != isnan(a.point.score) || isnan(a.shift_score))
						abort();
					if (an_ts_lookahead_add(&q, &a, (int64_t) i, 1, c.w, an_ts_context_ahead(&c)) != AN_OK)
						abort();
					while (an_ts_lookahead_take(&q, i + 1 == n, &a, &tag))
						if (tag != (int64_t) out++ || isnan(a.score) != isnan(a.point.score))
							abort();
				}
				if (out != n)
					abort();
				an_ts_lookahead_free(&q);
			}
			an_ts_context_free(&c);
		}
		an_ts_model_free(m);
		an_free(model);
	}
	else if (s != AN_EINVAL && s != AN_ENONFINITE && s != AN_ENOMEM)
		abort();
	free(pts);
	free(orig);
}

static void
fit_dbscan(recipe *r)
{
	size_t		d = 1 + take_u8(r) % 4,
				n,
				len = 0;
	int			exponent = (int) (take_u8(r) % 61) * 10 - 300;
	double		eps = fabs(take_f64(r));
	int64_t		min_points = 1 + take_u8(r) % 8;
	double	   *x;
	uint8_t    *model = NULL;
	an_status	s;

	n = r->left / (2 * d);
	if (n == 0 || an_dbscan_check_params(eps, min_points) != AN_OK)
		return;
	x = malloc(n * d * sizeof(double));
	if (x == NULL)
		return;
	for (size_t i = 0; i < n * d; i++)
		x[i] = take_value(r, exponent);
	s = an_dbscan_model_fit(x, n, d, eps, min_points, NULL, NULL, &model, &len);
	if (s == AN_OK)
	{
		an_model_header h;
		const uint8_t *payload;
		an_dbscan_model m;
		int32_t		label;

		if (an_model_open(model, len, &h, &payload) != AN_OK || h.kind != AN_KIND_DBSCAN ||
			an_dbscan_model_decode(payload, h.payload_len, &m) != AN_OK)
			abort();
		if (an_dbscan_model_score(&m, x, d, &label) != AN_OK ||
			label < -1 || (label >= 0 && (uint32_t) label >= m.n_clusters))
			abort();
		an_dbscan_model_free(&m);
		an_free(model);
	}
	else if (s != AN_EINVAL && s != AN_ENONFINITE && s != AN_ENOMEM && s != AN_ETOOMANY)
		abort();
	free(x);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	recipe		r = {data, size};

	if (take_u8(&r) & 1)
		fit_dbscan(&r);
	else
		fit_time_series(&r);
	return 0;
}
