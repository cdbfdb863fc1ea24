/*
 * point_state.h: the partial state of an aggregate that collects (ts, value)
 * points, as a self-contained value: the two-level aggregates
 * ts_fit_state / ts_fit_merge (kind AN_KIND_TS_FIT_STATE) and
 * catch22_state / catch22_merge (kind AN_KIND_CATCH22_STATE).
 *
 * Inside the model envelope (model_format.h), the payload is, little-endian,
 * written field by field:
 *
 *   size  field
 *      1  payload version (AN_POINT_STATE_VERSION)
 *      1  options seen: 0 none (or the form without options), 1 NULL options,
 *         2 options given (kind AN_KIND_CATCH22_STATE: always 0)
 *      4  options length in bytes: 0 unless options given, then >= 2
 *      -  the options as JSON text (UTF-8, no NUL byte)
 *      8  number of points n, 1 <= n <= the caller's limit
 *   16*n  the points, each i64 ts (microseconds since 2000-01-01 UTC) then
 *         f64 value, sorted by (ts, value)
 *
 * No OIDs, pointers or host byte order: a state written on one server is
 * read on any other.  The points are sorted (one canonical encoding of a
 * multiset: equal inputs give equal bytes whatever the row order) and every
 * value is finite; for ts_fit states every timestamp is finite too.
 * A group without points has no state (the aggregates return NULL).
 */
#ifndef ANOMALY_POINT_STATE_H
#define ANOMALY_POINT_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "core/model_format.h"

#define AN_POINT_STATE_VERSION 1

typedef enum an_state_options
{
	AN_STATE_OPTIONS_NONE = 0,
	AN_STATE_OPTIONS_NULL = 1,
	AN_STATE_OPTIONS_GIVEN = 2
} an_state_options;

/* A validated state: views into the caller's buffer. */
typedef struct an_point_state
{
	an_state_options options_seen;
	const char *options;		/* options_len bytes, not NUL-terminated */
	size_t		options_len;
	size_t		npoints;
	const uint8_t *points;		/* npoints encoded points: read with an_point_state_points */
} an_point_state;

/*
 * Write a state of kind (AN_KIND_TS_FIT_STATE or AN_KIND_CATCH22_STATE) from
 * n points already sorted by (ts, value).  AN_EINVAL for anything the reader
 * would refuse (no points, unsorted, options not allowed for the kind).
 */
an_status	an_point_state_write(an_model_kind kind, an_state_options seen, const char *options,
								 size_t options_len, const an_point *pts, size_t n, size_t max_points,
								 uint8_t **out, size_t *out_len);

/*
 * Validate buf as a state of the given kind holding at most max_points
 * points: the envelope (AN_EKIND for another kind), then every field and
 * every point.  On AN_OK, *st views into buf.
 */
an_status	an_point_state_open(const uint8_t *buf, size_t len, an_model_kind kind, size_t max_points,
								an_point_state *st);

/* Decode count points starting at index from (from + count <= npoints). */
void		an_point_state_points(const an_point_state *st, size_t from, size_t count, an_point *dst);

#endif
