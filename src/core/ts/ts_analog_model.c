/*
 * ts_analog_model.c: the analog component of the time-series models (see
 * ts_analog_model.h): its fit, its block and its description.
 */
#include "core/ts/ts_analog_model.h"

#include <math.h>
#include <stdio.h>

#include "core/ts/ts_analog.h"

an_status
an_ts_analog_model_fit(const int64_t *ts, const double *x, size_t n, int64_t interval_us, size_t lag,
					   an_ts_analog_model **out)
{
	an_point   *pts;
	an_ts_analog *a = NULL;
	an_status	s;

	*out = NULL;
	if (n == 0 || lag == 0)
		return AN_OK;
	if ((pts = an_alloc_array(n, sizeof(an_point))) == NULL)
		return AN_ENOMEM;
	for (size_t i = 0; i < n; i++)
	{
		pts[i].ts = ts[i];
		pts[i].value = x[i];
	}
	s = an_ts_analog_fit(pts, n, interval_us, AN_ANALOG_MODEL_DIM, lag, AN_ANALOG_MODEL_K, false, false, &a);
	an_free(pts);
	/* without a leave-one-out prediction there is no skill to decide by */
	if (s != AN_OK || a == NULL || !isfinite(a->skill) || !isfinite(a->reach) || !isfinite(a->edge))
	{
		an_ts_analog_free(a);
		return s;
	}
	if ((*out = an_alloc(sizeof(an_ts_analog_model))) == NULL)
	{
		an_ts_analog_free(a);
		return AN_ENOMEM;
	}
	(*out)->dim = a->dim;
	(*out)->lag = a->lag;
	(*out)->k = a->k;
	(*out)->edge = a->edge;
	(*out)->reach = a->reach;
	(*out)->skill = a->skill;
	an_ts_analog_free(a);
	return AN_OK;
}

void
an_ts_analog_model_write(an_writer *wr, const an_ts_analog_model *am)
{
	an_put_u32(wr, am->dim);
	an_put_u32(wr, am->lag);
	an_put_u32(wr, am->k);
	an_put_u32(wr, 0);			/* flags: none defined */
	an_put_f64(wr, am->edge);
	an_put_f64(wr, am->reach);
	an_put_f64(wr, am->skill);
}

void
an_ts_analog_model_read(an_reader *r, an_ts_analog_model **out)
{
	uint32_t	dim = an_get_u32(r),
				lag = an_get_u32(r),
				k = an_get_u32(r),
				flags = an_get_u32(r);
	double		edge = an_get_f64_finite(r),
				reach = an_get_f64_finite(r),
				skill = an_get_f64_finite(r);
	an_ts_analog_model *am;

	*out = NULL;
	if (r->status != AN_OK)
		return;
	if (dim < 1 || dim > AN_ANALOG_MAX_DIM || lag < 1 || lag > AN_ANALOG_MAX_LAG || k < 1 ||
		k > AN_ANALOG_MAX_K || flags != 0 || !(edge > 0) || !(reach >= 0) || !(skill >= 0))
	{
		an_reader_fail(r, AN_ECORRUPT);
		return;
	}
	if ((am = an_reader_alloc(r, sizeof(*am))) == NULL)
		return;
	am->dim = dim;
	am->lag = lag;
	am->k = k;
	am->edge = edge;
	am->reach = reach;
	am->skill = skill;
	*out = an_reader_keep(r, am);
}

void
an_ts_analog_model_free(an_ts_analog_model *am)
{
	an_free(am);
}

size_t
an_ts_analog_model_span(const an_ts_analog_model *am)
{
	return an_ts_analog_span(am->dim, am->lag);
}

bool
an_ts_analog_model_used(const an_ts_analog_model *am)
{
	return am->skill < 1;
}

void
an_ts_analog_model_json(const an_ts_analog_model *am, char *buf, size_t cap)
{
	snprintf(buf, cap,
			 ", \"analog\": {\"dim\": %u, \"lag\": %u, \"k\": %u, \"span\": %zu, \"edge\": %.17g, "
			 "\"reach\": %.17g, \"skill\": %.17g, \"used\": %s}",
			 am->dim, am->lag, am->k, an_ts_analog_model_span(am), am->edge, am->reach, am->skill,
			 an_ts_analog_model_used(am) ? "true" : "false");
}
