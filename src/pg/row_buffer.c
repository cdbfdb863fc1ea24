/*
 * row_buffer.c: see row_buffer.h.
 */
#include "postgres.h"

#include <math.h>

#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "core/state/row_order.h"
#include "pg/agg_support.h"
#include "pg/error_report.h"
#include "pg/row_buffer.h"

/* Rows decoded between interrupt checks. */
#define DECODE_ROWS 4096

an_status
row_buffer_reserve(RowBuffer *rb, MemoryContext cxt, int64 more, int64 max_rows, int64 min_cap)
{
	int64		want = rb->n + more;
	int64		cap;

	if (want <= rb->cap)
		return AN_OK;
	if (want > max_rows)
		return AN_ETOOMANY;
	cap = Max(rb->cap * 2, min_cap);
	if (cap < want)
		cap = want;
	if (cap > max_rows)
		cap = max_rows;
	if ((Size) cap > MaxAllocHugeSize / sizeof(double) / (Size) rb->d)
		return AN_ENOMEM;
	if (rb->x == NULL)
		rb->x = MemoryContextAllocHuge(cxt, (Size) cap * rb->d * sizeof(double));
	else
		rb->x = repalloc_huge(rb->x, (Size) cap * rb->d * sizeof(double));
	rb->cap = cap;
	return AN_OK;
}

void
row_buffer_append(RowBuffer *dst, const RowBuffer *src)
{
	memcpy(dst->x + dst->n * dst->d, src->x, (Size) src->n * src->d * sizeof(double));
	dst->n += src->n;
}

void
row_buffer_append_encoded(RowBuffer *rb, const uint8_t *rows, size_t n)
{
	for (size_t from = 0; from < n; from += DECODE_ROWS)
	{
		size_t		k = Min(DECODE_ROWS, n - from);

		CHECK_FOR_INTERRUPTS();
		an_row_decode(rows, rb->d, from, k, rb->x + (rb->n + (int64) from) * rb->d);
	}
	rb->n += (int64) n;
}

void
row_buffer_send(StringInfo buf, const RowBuffer *rb)
{
	pq_sendint64(buf, rb->n);
	for (int64 i = 0; i < rb->n * rb->d; i++)
		pq_sendfloat8(buf, rb->x[i]);
}

bool
row_buffer_receive(StringInfo buf, RowBuffer *rb, int64 n)
{
	for (int64 i = 0; i < n * rb->d; i++)
	{
		rb->x[i] = pq_getmsgfloat8(buf);
		if (!isfinite(rb->x[i]))
			return false;
	}
	rb->n = n;
	return true;
}

bytea *
row_buffer_state_result(an_status st, uint8_t *out, size_t len, const RowBuffer *rb, const char *fname)
{
	if (st == AN_ETOOMANY)
		report_status(st, fname, "%lld rows of %d features do not fit in one state (1 GB).",
					  (long long) rb->n, rb->d);
	report_status(st, fname, NULL);
	return bytea_from_core(out, len);
}
