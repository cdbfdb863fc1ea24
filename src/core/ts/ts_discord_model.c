/*
 * ts_discord_model.c: the discord component of the time-series models (see
 * ts_discord_model.h): the block, its fit, and scoring a series row by row.
 */
#include "core/ts/ts_discord_model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/mp/mp_join.h"
#include "core/ts/ts_shape.h"

an_status
an_ts_discord_model_fit(const an_point *pts, size_t n, size_t w, size_t rows, an_ts_discord_model **out)
{
	size_t		k = n < rows ? n : rows;
	an_ts_discord_model *d;
	an_status	s;

	*out = NULL;
	if (w < AN_DISCORD_MIN_WINDOW || k < 2 * w)
		return AN_OK;
	if (k > AN_DISCORD_MAX_ROWS)
		return AN_EINVAL;
	d = an_alloc(sizeof(*d) + k * (sizeof(int64_t) + sizeof(double)));
	if (d == NULL)
		return AN_ENOMEM;
	d->w = (uint32_t) w;
	d->n = (uint32_t) k;
	d->ts = (int64_t *) (d + 1);
	d->x = (double *) (d->ts + k);
	for (size_t i = 0; i < k; i++)
	{
		d->ts[i] = pts[n - k + i].ts;
		d->x[i] = pts[n - k + i].value;
	}
	if ((s = an_ts_discord_floor(d->x, k, w, &d->floor)) != AN_OK ||
		(s = an_ts_discord_edge(d->x, k, w, d->floor, &d->edge)) != AN_OK || !(d->edge > 0))
	{
		an_free(d);
		return s;
	}
	*out = d;
	return AN_OK;
}

void
an_ts_discord_model_write(an_writer *wr, const an_ts_discord_model *d)
{
	an_put_u32(wr, d->w);
	an_put_u32(wr, d->n);
	an_put_f64(wr, d->floor);
	an_put_f64(wr, d->edge);
	for (size_t i = 0; i < d->n; i++)
		an_put_i64(wr, d->ts[i]);
	an_put_f64_array(wr, d->x, d->n);
}

void
an_ts_discord_model_read(an_reader *r, an_ts_discord_model **out)
{
	uint32_t	w = an_get_u32(r),
				n = an_get_u32(r);
	double		floor = an_get_f64_finite(r),
				edge = an_get_f64_finite(r);
	an_ts_discord_model *d;

	*out = NULL;
	if (r->status != AN_OK)
		return;
	/* every length checked against the bytes left before anything is allocated */
	if (w < AN_SHAPE_MIN_WINDOW || w > AN_SHAPE_MAX_WINDOW || n < 2 * w || n > AN_DISCORD_MAX_ROWS ||
		!(floor >= 0) || !(edge > 0) ||
		(size_t) n > an_reader_remaining(r) / (sizeof(int64_t) + sizeof(double)))
	{
		an_reader_fail(r, AN_ECORRUPT);
		return;
	}
	d = an_reader_alloc(r, sizeof(*d) + (size_t) n * (sizeof(int64_t) + sizeof(double)));
	if (d == NULL)
		return;
	d->w = w;
	d->n = n;
	d->floor = floor;
	d->edge = edge;
	d->ts = (int64_t *) (d + 1);
	d->x = (double *) (d->ts + n);
	for (size_t i = 0; i < n; i++)
	{
		d->ts[i] = an_get_i64(r);
		if (i > 0 && d->ts[i] < d->ts[i - 1])
			an_reader_fail(r, AN_ECORRUPT);
	}
	for (size_t i = 0; i < n; i++)
		d->x[i] = an_get_f64_finite(r);
	*out = an_reader_keep(r, d);
}

void
an_ts_discord_model_free(an_ts_discord_model *d)
{
	an_free(d);
}

void
an_ts_discord_model_json(const an_ts_discord_model *d, char *buf, size_t cap)
{
	snprintf(buf, cap, ", \"discord\": {\"window\": %u, \"rows\": %u, \"floor\": %.17g, \"edge\": %.17g}",
			 d->w, d->n, d->floor, d->edge);
}

an_status
an_ts_discord_stream_init(an_ts_discord_stream *s, const an_ts_discord_model *d)
{
	an_status	st;

	memset(s, 0, sizeof(*s));
	s->d = d;
	s->w = d->w;
	if ((st = an_ts_discord_side_prepare(&s->side, d->x, d->n, d->w)) != AN_OK)
		return st;
	an_ts_discord_side_normalise(&s->side, d->floor);
	s->ring = an_alloc_array(2 * s->w, sizeof(double));
	s->tring = an_alloc_array(2 * s->w, sizeof(int64_t));
	s->c = an_alloc_array(s->side.m, sizeof(double));
	s->next = an_alloc_array(s->side.m, sizeof(double));
	if (s->ring == NULL || s->tring == NULL || s->c == NULL || s->next == NULL)
	{
		an_ts_discord_stream_free(s);
		return AN_ENOMEM;
	}
	return AN_OK;
}

void
an_ts_discord_stream_free(an_ts_discord_stream *s)
{
	AN_FREE_ALL(s->side.buf, s->ring, s->tring, s->c, s->next);
	s->side.buf = s->ring = s->c = s->next = NULL;
	s->tring = NULL;
}

void
an_ts_discord_stream_reset(an_ts_discord_stream *s)
{
	s->pos = s->count = s->run = 0;
}

/*
 * The first index i in [0, m) at which ts[i + off] >= t (after: > t), m if
 * none; ts non-decreasing.
 */
static size_t
first_reaching(const int64_t *ts, size_t off, size_t m, int64_t t, bool after)
{
	size_t		lo = 0,
				hi = m;

	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;

		if (after ? ts[mid + off] > t : ts[mid + off] >= t)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/*
 * The least squared distance over the kept windows [from, to): the cost of
 * mp_join.h's AN_MP_COST_DIST2, term by term in its order, lane by lane in
 * two pairs of lanes (GCC/Clang vector extensions, SSE2 on x86-64, as in
 * ts_shape.c): four running minima, and the least of a set does not depend
 * on the order it is taken in, so the result is the plain loop's.
 */
typedef double an_v2d __attribute__((vector_size(16)));
typedef long long an_v2l __attribute__((vector_size(16)));

static inline an_v2d
load2(const double *x)
{
	an_v2d		v;

	memcpy(&v, x, sizeof(v));
	return v;
}

static inline an_v2d
min2(an_v2d cost, an_v2d best)
{
	an_v2l		lower = cost < best;

	return (an_v2d) (((an_v2l) cost & lower) | ((an_v2l) best & ~lower));
}

static double
least(const an_ts_discord_side *a, const double *c, size_t from, size_t to, double nsq_q, double inv_q)
{
	const double *nsq = a->nsq;
	const double *inv = a->inv;
	an_v2d		b0 = {INFINITY, INFINITY},
				b1 = {INFINITY, INFINITY},
				vq = {nsq_q, nsq_q},
				vi = {inv_q, inv_q},
				two = {2, 2};
	double		best;
	size_t		i = from;

	for (; i + 4 <= to; i += 4)
	{
		b0 = min2(load2(nsq + i) + vq - two * load2(c + i) * load2(inv + i) * vi, b0);
		b1 = min2(load2(nsq + i + 2) + vq - two * load2(c + i + 2) * load2(inv + i + 2) * vi, b1);
	}
	b0 = min2(b1, b0);
	best = b0[1] < b0[0] ? b0[1] : b0[0];
	for (; i < to; i++)
	{
		double		cost = nsq[i] + nsq_q - 2 * c[i] * inv[i] * inv_q;

		best = cost < best ? cost : best;
	}
	return best;
}

double
an_ts_discord_stream_push(an_ts_discord_stream *s, int64_t ts, double value)
{
	const an_ts_discord_side *a = &s->side;
	size_t		w = s->w,
				m = a->m,
				lo,
				hi;
	double		leaving = 0,
				mu_prev = s->mu,
				x,
				mu,
				sd,
				ss,
				den,
				inv_q,
				nsq_q,
				best;
	const double *q;

	if (s->count == 0)
		s->base = value;
	x = value - s->base;
	s->run = s->count > 0 && value == s->last ? s->run + 1 : 1;
	s->last = value;
	if (s->count >= w)
		leaving = s->ring[s->pos];
	s->ring[s->pos] = s->ring[s->pos + w] = x;
	s->tring[s->pos] = s->tring[s->pos + w] = ts;
	s->pos = s->pos + 1 == w ? 0 : s->pos + 1;
	s->count++;
	if (s->count < w)
		return NAN;
	q = s->ring + s->pos;
	an_ts_shape_window_stats(q, w, &mu, &sd);
	s->mu = mu;
	if (s->count == w)
	{
		/* the first window: every product from its definition */
		size_t		stride = ((size_t) 1 << 20) / w + 1;

		for (size_t i = 0; i < m; i++)
		{
			if (i % stride == 0)
				an_check_interrupts();
			s->c[i] = an_mp_centred_product(a->x + i, a->mu[i], q, mu, w);
		}
	}
	else
	{
		/* from the previous window's: the diagonal update, then a new first product */
		double		df_b = (x - leaving) / 2.0,
					dg_b = (x - mu) + (leaving - mu_prev);
		double	   *restrict c = s->c;
		double	   *restrict nx = s->next;
		const double *restrict df_a = a->df;
		const double *restrict dg_a = a->dg;

		for (size_t i = 0; i + 1 < m; i++)
			nx[i + 1] = c[i] + (df_a[i] * dg_b + df_b * dg_a[i]);
		nx[0] = an_mp_centred_product(a->x, a->mu[0], q, mu, w);
		s->next = s->c;
		s->c = nx;
	}
	/* this window's normalisation, as an_ts_discord_side_normalise */
	ss = sd * sd * (double) w;
	if (s->run >= w || !isfinite(ss))
		inv_q = nsq_q = 0;
	else
	{
		den = sd > s->d->floor ? sd : s->d->floor;
		inv_q = den > 0 ? 1 / den : 0;
		nsq_q = ss * inv_q * inv_q;
	}
	/* kept windows sharing a moment with this one, [lo, hi), are skipped */
	lo = first_reaching(s->d->ts, w - 1, m, s->tring[s->pos], false);
	hi = first_reaching(s->d->ts, 0, m, ts, true);
	if (hi < lo)
		hi = lo;
	best = least(a, s->c, 0, lo, nsq_q, inv_q);
	{
		double		b2 = least(a, s->c, hi, m, nsq_q, inv_q);

		best = b2 < best ? b2 : best;
	}
	if (isinf(best))
		return NAN;
	return sqrt(best > 0 ? best : 0);
}
