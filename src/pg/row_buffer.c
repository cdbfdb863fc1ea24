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
#include "pg/dbscan_common.h"
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

/*
 * The state to which rows like those of like are added: s, or a new state
 * in cxt with like's parameters and d when s is NULL or empty; an error
 * unless both have the same d and parameters (merging as for
 * check_params).  Room is made for more rows.
 */
static void *
row_state_join(const RowStateKind *kind, void *s, const void *like, bool merging, int64 more,
			   MemoryContext cxt)
{
	const RowBuffer *from = like;
	RowBuffer  *rows = s;

	if (s == NULL || rows->n == 0)
	{
		s = MemoryContextAllocZero(cxt, kind->size);
		kind->copy_params(s, like);
		rows = s;
		rows->d = from->d;
	}
	else
	{
		if (from->d != rows->d)
			dbscan_report_length_mismatch(from->d, rows->d, 0);
		kind->check_params(s, like, merging);
	}
	kind->reserve(s, cxt, more);
	return s;
}

bool
row_state_empty(const void *s)
{
	return ((const RowBuffer *) s)->n == 0;
}

void *
row_state_merge(const AggCombineKind *combine, void *a, const void *b, MemoryContext cxt)
{
	const RowBuffer *from = b;
	void	   *r = row_state_join((const RowStateKind *) combine, a, b, false, from->n, cxt);

	row_buffer_append((RowBuffer *) r, from);
	return r;
}

void
row_state_receive(const RowStateKind *kind, void *s, StringInfo buf, bool params_ok, MemoryContext cxt)
{
	RowBuffer  *rb = s;
	int64		n = pq_getmsgint64(buf);

	if (rb->d < 0 || rb->d > kind->max_d || n < 0 || n > kind->max_rows || (rb->d == 0 && n != 0) ||
		!params_ok || (uint64) (buf->len - buf->cursor) != (uint64) n * (uint64) rb->d * 8)
		report_bad_state(kind->fname);
	if (n > 0)
	{
		kind->reserve(s, cxt, n);
		if (!row_buffer_receive(buf, rb, n))
			report_bad_state(kind->fname);
	}
	pq_getmsgend(buf);
}

Datum
row_state_final(FunctionCallInfo fcinfo, const RowStateKind *kind)
{
	RowBuffer  *s = PG_GETARG_STATE(0, RowBuffer);
	uint8_t    *out;
	size_t		len;
	an_status	st;

	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	st = kind->write(s, &out, &len);
	PG_RETURN_BYTEA_P(row_buffer_state_result(st, out, len, s, kind->state_fname));
}

Datum
row_state_merge_transition(FunctionCallInfo fcinfo, const char *support, const RowStateKind *kind)
{
	MemoryContext aggcxt = agg_context_or_error(fcinfo, support);
	void	   *s = PG_GETARG_STATE(0, void);
	RowBuffer  *like;
	RowStateView view;
	const uint8_t *buf;
	size_t		len;

	if (PG_ARGISNULL(1))
		PG_RETURN_STATE(s);
	buf = bytea_arg_bytes(fcinfo, 1, &len);
	like = palloc0(kind->size);
	report_state_status(kind->open(buf, len, like, &view), buf, len, kind->merge_fname, kind->state_fname);
	like->d = (int32) view.d;
	s = row_state_join(kind, s, like, true, (int64) view.n, aggcxt);
	pfree(like);
	row_buffer_append_encoded((RowBuffer *) s, view.rows, view.n);
	PG_RETURN_POINTER(s);
}
