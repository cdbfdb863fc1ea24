/*
 * point_state.c: writing and validating the partial states of the
 * point-collecting aggregates (see point_state.h for the layout).
 */
#include "core/state/point_state.h"

#include <math.h>
#include <string.h>

#include "core/state/state_envelope.h"

#define POINT_BYTES 16
/* PostgreSQL's -infinity and infinity timestamps (DT_NOBEGIN, DT_NOEND) */
#define TS_NOBEGIN INT64_MIN
#define TS_NOEND INT64_MAX

static int
point_cmp(int64_t ts_a, double v_a, int64_t ts_b, double v_b)
{
	if (ts_a != ts_b)
		return ts_a < ts_b ? -1 : 1;
	return v_a < v_b ? -1 : v_a > v_b ? 1 : 0;
}

static int
kind_allows_options(an_model_kind kind)
{
	return kind == AN_KIND_TS_FIT_STATE;
}

/* What both writer and reader require of the fields before the points. */
static an_status
check_header(an_model_kind kind, int seen, const char *options, size_t options_len, size_t n,
			 size_t max_points)
{
	if (kind != AN_KIND_TS_FIT_STATE && kind != AN_KIND_CATCH22_STATE)
		return AN_EKIND;
	if (seen < AN_STATE_OPTIONS_NONE || seen > AN_STATE_OPTIONS_GIVEN ||
		(seen != AN_STATE_OPTIONS_NONE && !kind_allows_options(kind)))
		return AN_ECORRUPT;
	/* the shortest JSON document a jsonb prints is two characters ("{}", "[]", "12") */
	if ((seen == AN_STATE_OPTIONS_GIVEN) != (options_len > 0) ||
		(seen == AN_STATE_OPTIONS_GIVEN && options_len < 2) ||
		(options_len > 0 && memchr(options, '\0', options_len) != NULL))
		return AN_ECORRUPT;
	if (n == 0 || n > max_points)
		return AN_ECORRUPT;
	return AN_OK;
}

/* One point: the value finite, a ts_fit timestamp finite, not before the previous point. */
static int
point_ok(an_model_kind kind, const an_point *prev, int64_t ts, double value)
{
	if (!isfinite(value))
		return 0;
	if (kind == AN_KIND_TS_FIT_STATE && (ts == TS_NOBEGIN || ts == TS_NOEND))
		return 0;
	return prev == NULL || point_cmp(prev->ts, prev->value, ts, value) <= 0;
}

an_status
an_point_state_write(an_model_kind kind, an_state_options seen, const char *options,
					 size_t options_len, const an_point *pts, size_t n, size_t max_points,
					 uint8_t **out, size_t *out_len)
{
	an_writer	w;
	an_status	s = check_header(kind, (int) seen, options, options_len, n, max_points);

	if (s != AN_OK)
		return s == AN_ECORRUPT ? AN_EINVAL : s;
	if (options_len > UINT32_MAX || n > (SIZE_MAX - options_len - 64) / POINT_BYTES)
		return AN_ETOOMANY;
	AN_FOR_CHECKED(i, n)
	{
		if (!point_ok(kind, i > 0 ? &pts[i - 1] : NULL, pts[i].ts, pts[i].value))
			s = AN_EINVAL;
	}
	if (s != AN_OK)
		return s;
	an_writer_init(&w);
	an_writer_reserve(&w, 14 + options_len + n * POINT_BYTES);
	an_put_u8(&w, AN_POINT_STATE_VERSION);
	an_put_u8(&w, (uint8_t) seen);
	an_state_put_text(&w, options, options_len);
	an_put_u64(&w, (uint64_t) n);
	AN_FOR_CHECKED(i, n)
	{
		an_put_i64(&w, pts[i].ts);
		an_put_f64(&w, pts[i].value);
	}
	return an_writer_finish(&w, kind, out, out_len);
}

an_status
an_point_state_open(const uint8_t *buf, size_t len, an_model_kind kind, size_t max_points,
					an_point_state *st)
{
	const uint8_t *payload;
	an_reader	r;
	an_status	s;
	uint8_t		version,
				seen;
	uint32_t	options_len;
	uint64_t	n;
	an_point	prev,
				cur;

	s = an_state_begin(buf, len, kind, &r, &payload);
	if (s != AN_OK)
		return s;
	version = an_get_u8(&r);
	seen = an_get_u8(&r);
	options_len = an_get_u32(&r);
	s = an_reader_check_version(&r, version, AN_POINT_STATE_VERSION);
	if (s == AN_OK)
		s = an_state_get_text(&r, options_len, &st->options);
	if (s != AN_OK)
		return s;
	st->options_len = options_len;
	n = an_get_u64(&r);
	if (r.status != AN_OK)
		return r.status;
	s = an_state_check_records(&r, n, POINT_BYTES);
	if (s == AN_OK)
		s = check_header(kind, seen, st->options, options_len, (size_t) n, max_points);
	if (s != AN_OK)
		return s;
	st->options_seen = (an_state_options) seen;
	st->npoints = (size_t) n;
	st->points = payload + r.pos;
	AN_FOR_CHECKED(i, st->npoints)
	{
		an_point_state_points(st, i, 1, &cur);
		if (!point_ok(kind, i > 0 ? &prev : NULL, cur.ts, cur.value))
			s = AN_ECORRUPT;
		prev = cur;
	}
	return s;
}

void
an_point_state_points(const an_point_state *st, size_t from, size_t count, an_point *dst)
{
	an_reader	r;

	an_reader_init(&r, st->points + from * POINT_BYTES, count * POINT_BYTES);
	for (size_t i = 0; i < count; i++)
	{
		dst[i].ts = an_get_i64(&r);
		dst[i].value = an_get_f64(&r);
	}
}
