/*
 * ts_context.c: scoring rows with their context (see ts_context.h).
 */
#include "core/ts/ts_context.h"

#include <math.h>
#include <string.h>

#include "core/ts/ts_analog_model.h"
#include "core/ts/ts_level.h"
#include "core/ts/ts_seasonal.h"
#include "core/ts/ts_shape.h"

double
an_ts_model_sigma(const an_ts_model *m, double r)
{
	if (m->seasonal)
		return r > 0 ? m->seasonal->sigma_high : m->seasonal->sigma_low;
	return m->level->sigma;
}

an_status
an_ts_context_init(an_ts_context *c, const an_ts_model *m)
{
	memset(c, 0, sizeof(*c));
	c->m = m;
	if (m->shape)
	{
		c->w = m->shape->w;
		c->ring = an_alloc_array(2 * c->w, sizeof(double));
		c->scratch = an_alloc_array(c->w + m->shape->k, sizeof(double));
		if (c->ring == NULL || c->scratch == NULL)
		{
			an_ts_context_free(c);
			return AN_ENOMEM;
		}
	}
	if (m->shape && m->discord)
	{
		an_status	s;

		if ((c->discord = an_alloc(sizeof(an_ts_discord_stream))) == NULL)
		{
			an_ts_context_free(c);
			return AN_ENOMEM;
		}
		if ((s = an_ts_discord_stream_init(c->discord, m->discord)) != AN_OK)
		{
			an_free(c->discord);
			c->discord = NULL;
			an_ts_context_free(c);
			return s;
		}
	}
	if (m->shape && m->discord && m->analog && an_ts_analog_model_used(m->analog))
	{
		const an_ts_analog_model *am = m->analog;
		an_status	s = an_ts_analog_restore(m->discord->ts, m->discord->x, m->discord->n, m->interval_us,
											 am->dim, am->lag, am->k, am->edge, am->reach, am->skill,
											 &c->analog);

		if (s == AN_OK)
		{
			c->span = an_ts_analog_model_span(am);
			if ((c->past = an_alloc_array(2 * c->span, sizeof(double))) == NULL)
				s = AN_ENOMEM;
		}
		if (s != AN_OK)
		{
			an_ts_context_free(c);
			return s;
		}
	}
	return AN_OK;
}

size_t
an_ts_context_ahead(const an_ts_context *c)
{
	return c->analog ? c->span + 1 : 0;
}

void
an_ts_context_free(an_ts_context *c)
{
	an_free(c->ring);
	an_free(c->scratch);
	c->ring = c->scratch = NULL;
	if (c->discord)
	{
		an_ts_discord_stream_free(c->discord);
		an_free(c->discord);
		c->discord = NULL;
	}
	an_ts_analog_free(c->analog);
	an_free(c->past);
	c->analog = NULL;
	c->past = NULL;
	c->span = 0;
}

void
an_ts_context_reset(an_ts_context *c)
{
	c->pos = c->count = 0;
	c->apos = c->acount = 0;
	c->have_last = false;
	if (c->discord)
		an_ts_discord_stream_reset(c->discord);
	c->up = c->down = c->var = 0;
}

static double
larger(double a, double b)
{
	if (isnan(a))
		return b;
	if (isnan(b))
		return a;
	return a > b ? a : b;
}

/*
 * The analog score of the row (ts, value) from the span rows before it, then
 * the row joins them; a break starts them again (c->have_last, c->last_ts:
 * the previous row's).
 */
static void
push_analog(an_ts_context *c, int64_t ts, double value, double *score)
{
	if (!isfinite(value) ||
		(c->have_last && (double) ts - (double) c->last_ts >
		 (double) AN_ANALOG_MAX_STEP * (double) c->m->interval_us))
		c->acount = 0;
	if (!isfinite(value))
		return;
	if (c->acount >= c->span)
		*score = an_ts_analog_score(c->analog, c->past + c->apos, value);
	c->past[c->apos] = c->past[c->apos + c->span] = value;
	c->apos = c->apos + 1 == c->span ? 0 : c->apos + 1;
	c->acount++;
}

void
an_ts_context_push(an_ts_context *c, int64_t ts, double value, an_ts_anomaly *out)
{
	const an_ts_model *m = c->m;
	double		r,
				z,
				shift;

	an_ts_detect(m, ts, value, &out->point);
	/* CUSUMs on the clipped standardised residual */
	r = value - out->point.expected;
	z = r / an_ts_model_sigma(m, r);
	if (!(z <= AN_SHIFT_CLIP))
		z = isnan(z) ? 0 : AN_SHIFT_CLIP;
	if (z < -AN_SHIFT_CLIP)
		z = -AN_SHIFT_CLIP;
	c->up = fmax(0, c->up + z - AN_SHIFT_K);
	c->down = fmax(0, c->down - z - AN_SHIFT_K);
	c->var = fmax(0, c->var + z * z - 1 - AN_SHIFT_KV);
	shift = c->var / AN_SHIFT_HV;
	if (m->direction != AN_TS_DOWN)
		shift = fmax(shift, c->up / AN_SHIFT_H);
	if (m->direction != AN_TS_UP)
		shift = fmax(shift, c->down / AN_SHIFT_H);
	out->shift_score = shift;
	/* the window of the last w rows */
	out->window_score = NAN;
	out->analog_score = NAN;
	if (c->analog)
		push_analog(c, ts, value, &out->analog_score);
	if (c->w > 0)
	{
		bool		brk = !isfinite(value) ||
			(c->have_last && m->interval_us > 0 &&
			 (double) ts - (double) c->last_ts > (double) AN_SHAPE_MAX_STEP * (double) m->interval_us);

		if (brk)
		{
			c->count = 0;
			if (c->discord)
				an_ts_discord_stream_reset(c->discord);
		}
		if (isfinite(value))
		{
			c->ring[c->pos] = value;
			c->ring[c->pos + c->w] = value;
			c->pos = c->pos + 1 == c->w ? 0 : c->pos + 1;
			c->count++;
			if (c->count >= c->w)
				out->window_score = an_ts_shape_distance(m->shape, c->ring + c->pos, c->scratch) /
					m->shape->edge;
			if (c->discord)
				out->window_score = larger(out->window_score,
										   an_ts_discord_stream_push(c->discord, ts, value) / m->discord->edge);
		}
	}
	c->have_last = true;
	c->last_ts = ts;
	out->shape_score = larger(out->window_score, out->analog_score);
	/* the shift score stays apart: see ts_context.h */
	out->score = larger(out->point.score, out->shape_score);
	out->is_anomaly = out->score > 1;
}
