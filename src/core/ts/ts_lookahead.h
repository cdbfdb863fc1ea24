/*
 * ts_lookahead.h: shape scores attributed to every row of their window
 * (ts_anomaly(..., lookahead => true)).
 *
 * The causal context (ts_context.h) gives a window's shape score to its last
 * row: a pattern anomaly of length L is scored on the rows from where the
 * odd window first ends to up to w - 1 rows after the pattern, and its first
 * rows score low.  Here a row's shape score is the mean of the shape scores
 * of the windows that contain it, the windows ending at this row and at the
 * w - 1 rows pushed after it (the rows of the same model; a window with no
 * shape score, NAN, is left out; none at all gives NAN).  With analogues
 * (ts_analog_model.h) a row's analog score is likewise the mean of those of
 * the predictions that read it, the rows from it to span rows after it
 * (ahead = span + 1 rows), and shape_score the larger of the two means.
 * Only the shape scores, score and is_anomaly change (score =
 * max(point_score, shape_score), is_anomaly = score > 1, as in the causal
 * context); the point and shift scores stay the row's own.  The mean rather
 * than the largest: measured on the development corpus (docs/accuracy.md,
 * "Attributing a window's score to its rows", "Dynamics with lookahead").
 *
 * A row is complete when max(w, ahead) rows of its model follow it (itself
 * included), when a row of another model follows it, or at the end of the
 * series (an_ts_lookahead_take with `last`): the newest rows of a series are
 * scored with the windows and predictions there are, and their scores can
 * change once more rows arrive.
 *
 * The rows wait in a ring, each with the caller's tag (a row number) and its
 * model's epoch, window and ahead.  A caller that takes each row as soon as
 * it is complete holds at most max(w, ahead) + 1 rows (of the largest of its
 * models), so the ring never needs more than AN_LOOKAHEAD_MAX_ROWS.
 */
#ifndef ANOMALY_TS_LOOKAHEAD_H
#define ANOMALY_TS_LOOKAHEAD_H

#include <stdbool.h>
#include <stdint.h>

#include "core/ts/ts_context.h"
#include "core/ts/ts_shape.h"

#define AN_LOOKAHEAD_MAX_ROWS (2 * AN_SHAPE_MAX_WINDOW + 2)

typedef struct an_ts_lookahead_row
{
	an_ts_anomaly a;			/* the causal result */
	int64_t		tag;
	uint32_t	epoch;			/* rows of one model share an epoch */
	uint32_t	w;				/* that model's shape window, 0: none */
	uint32_t	ahead;			/* the analogues' span + 1, 0: none */
} an_ts_lookahead_row;

typedef struct an_ts_lookahead
{
	an_ts_lookahead_row *ring;
	size_t		cap;
	size_t		head;
	size_t		n;
} an_ts_lookahead;

/* An empty queue with room for w + 1 rows (an_ts_lookahead_add grows it). */
an_status	an_ts_lookahead_init(an_ts_lookahead *q, size_t w);
void		an_ts_lookahead_free(an_ts_lookahead *q);
void		an_ts_lookahead_reset(an_ts_lookahead *q);

/*
 * Queue the causal result of the next row, scored by a model of shape window
 * w (0: none), analogues' ahead (an_ts_context_ahead; 0: none) and epoch
 * `epoch` (epochs never decrease).  AN_EINVAL for a window or ahead above
 * AN_SHAPE_MAX_WINDOW, AN_ETOOMANY when AN_LOOKAHEAD_MAX_ROWS rows already
 * wait, AN_ENOMEM; the queue is unchanged then.
 */
an_status	an_ts_lookahead_add(an_ts_lookahead *q, const an_ts_anomaly *a, int64_t tag,
								uint32_t epoch, size_t w, size_t ahead);

/* The oldest queued row's tag; the queue must not be empty. */
int64_t		an_ts_lookahead_head_tag(const an_ts_lookahead *q);

/*
 * Take the oldest row with its shape score attributed, into out and *tag
 * (NULL: not wanted): true when it is complete, or when `last` (the series
 * ends) and the queue is not empty; false, and nothing taken, otherwise.
 */
bool		an_ts_lookahead_take(an_ts_lookahead *q, bool last, an_ts_anomaly *out, int64_t *tag);

#endif
