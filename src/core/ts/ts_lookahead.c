/*
 * ts_lookahead.c: shape scores attributed to every row of their window (see
 * ts_lookahead.h).
 */
#include "core/ts/ts_lookahead.h"

#include <math.h>
#include <string.h>

static an_status
reserve(an_ts_lookahead *q, size_t cap)
{
	an_ts_lookahead_row *ring;

	if (cap <= q->cap)
		return AN_OK;
	if (cap > AN_LOOKAHEAD_MAX_ROWS)
		return AN_ETOOMANY;
	ring = an_alloc_array(cap, sizeof(*ring));
	if (ring == NULL)
		return AN_ENOMEM;
	/* the waiting rows, oldest first, at the start of the new ring */
	for (size_t i = 0; i < q->n; i++)
		ring[i] = q->ring[(q->head + i) % q->cap];
	an_free(q->ring);
	q->ring = ring;
	q->cap = cap;
	q->head = 0;
	return AN_OK;
}

an_status
an_ts_lookahead_init(an_ts_lookahead *q, size_t w)
{
	memset(q, 0, sizeof(*q));
	if (w > AN_SHAPE_MAX_WINDOW)
		return AN_EINVAL;
	return reserve(q, w + 1);
}

void
an_ts_lookahead_free(an_ts_lookahead *q)
{
	an_free(q->ring);
	memset(q, 0, sizeof(*q));
}

void
an_ts_lookahead_reset(an_ts_lookahead *q)
{
	q->head = q->n = 0;
}

an_status
an_ts_lookahead_add(an_ts_lookahead *q, const an_ts_anomaly *a, int64_t tag, uint32_t epoch, size_t w,
					size_t ahead)
{
	an_ts_lookahead_row *r;

	if (w > AN_SHAPE_MAX_WINDOW || ahead > AN_SHAPE_MAX_WINDOW)
		return AN_EINVAL;
	if (q->n == q->cap)
	{
		size_t		cap = q->cap < 4 ? 8 : 2 * q->cap;
		an_status	st;

		if (q->n >= AN_LOOKAHEAD_MAX_ROWS)
			return AN_ETOOMANY;
		st = reserve(q, cap < AN_LOOKAHEAD_MAX_ROWS ? cap : AN_LOOKAHEAD_MAX_ROWS);
		if (st != AN_OK)
			return st;
	}
	r = &q->ring[(q->head + q->n) % q->cap];
	r->a = *a;
	r->tag = tag;
	r->epoch = epoch;
	r->w = (uint32_t) w;
	r->ahead = (uint32_t) ahead;
	q->n++;
	return AN_OK;
}

int64_t
an_ts_lookahead_head_tag(const an_ts_lookahead *q)
{
	return q->ring[q->head].tag;
}

bool
an_ts_lookahead_take(an_ts_lookahead *q, bool last, an_ts_anomaly *out, int64_t *tag)
{
	const an_ts_lookahead_row *h;
	size_t		same = 0,		/* rows of the head's model from the head on, at most reach */
				reach,
				windows = 0,
				predictions = 0;
	bool		other = false;	/* a row of a later model follows them */
	double		wsum = 0,
				asum = 0;

	if (q->n == 0)
		return false;
	h = &q->ring[q->head];
	reach = h->w > h->ahead ? h->w : h->ahead;
	while (same < q->n && same < reach)
	{
		const an_ts_lookahead_row *r = &q->ring[(q->head + same) % q->cap];

		if (r->epoch != h->epoch)
		{
			other = true;
			break;
		}
		if (same < h->w && !isnan(r->a.window_score))
		{
			wsum += r->a.window_score;
			windows++;
		}
		if (same < h->ahead && !isnan(r->a.analog_score))
		{
			asum += r->a.analog_score;
			predictions++;
		}
		same++;
	}
	if (same < reach && !other && !last)
		return false;			/* windows or predictions reading the head are still to come */
	*out = h->a;
	out->window_score = windows > 0 ? wsum / (double) windows : NAN;
	out->analog_score = predictions > 0 ? asum / (double) predictions : NAN;
	out->shape_score = isnan(out->analog_score) || out->window_score > out->analog_score ?
		out->window_score : out->analog_score;
	out->score = isnan(out->shape_score) || out->point.score > out->shape_score ?
		out->point.score : out->shape_score;
	out->is_anomaly = out->score > 1;
	if (tag)
		*tag = h->tag;
	q->head = (q->head + 1) % q->cap;
	q->n--;
	return true;
}
