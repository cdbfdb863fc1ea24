/*
 * row_buffer.h: the feature vectors that the states of dbscan_fit and
 * mv_fit (and of their two-level forms) collect: n rows of d float8 in one
 * array in the aggregate context, grown geometrically (no palloc per row).
 */
#ifndef ANOMALY_ROW_BUFFER_H
#define ANOMALY_ROW_BUFFER_H

#include "postgres.h"

#include "lib/stringinfo.h"

#include "core/core.h"

typedef struct RowBuffer
{
	int32		d;				/* 0 until the first row */
	int64		n;
	int64		cap;
	double	   *x;				/* n * d */
} RowBuffer;

/*
 * Make room for more rows (rb->d set), the capacity doubling from min_cap
 * and never past max_rows.  AN_ETOOMANY above max_rows, AN_ENOMEM past
 * what one allocation holds (rb is then unchanged); the caller words the
 * error.
 */
an_status	row_buffer_reserve(RowBuffer *rb, MemoryContext cxt, int64 more, int64 max_rows,
							   int64 min_cap);

/* Append the rows of src, of the same d (room reserved). */
void		row_buffer_append(RowBuffer *dst, const RowBuffer *src);

/*
 * Append n rows of rb->d features encoded as in core/state/row_order.h
 * (room reserved), checking for interrupts between blocks of rows.
 */
void		row_buffer_append_encoded(RowBuffer *rb, const uint8_t *rows, size_t n);

/* Send the number of rows and the rows (a serial function's tail). */
void		row_buffer_send(StringInfo buf, const RowBuffer *rb);

/*
 * Receive n rows sent by row_buffer_send into the empty rb (room reserved);
 * false if a value is not finite.
 */
bool		row_buffer_receive(StringInfo buf, RowBuffer *rb, int64 n);

/*
 * The result of a *_fit_state final function: the state the core wrote
 * into out (len bytes) from rb's rows, as bytea; an ERROR for any other
 * status st, naming the rows when there are too many for one state.
 */
bytea	   *row_buffer_state_result(an_status st, uint8_t *out, size_t len, const RowBuffer *rb,
									const char *fname);

#endif
