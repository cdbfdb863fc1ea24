/*
 * row_order.c: the canonical order of the rows of a partial state (see
 * row_order.h).
 */
#include "core/state/row_order.h"

#include "core/state/state_envelope.h"

#include <math.h>
#include <string.h>

/* A total order on finite doubles: -0 before +0, so that sorted rows are unique bytes. */
static int
cmp_double(double a, double b)
{
	if (a != b)
		return a < b ? -1 : 1;
	if (signbit(a) != signbit(b))
		return signbit(a) ? -1 : 1;
	return 0;
}

int
an_row_cmp(const double *a, const double *b, size_t d)
{
	for (size_t k = 0; k < d; k++)
	{
		int			c = cmp_double(a[k], b[k]);

		if (c != 0)
			return c;
	}
	return 0;
}

/* Bottom-up merge sort of row indexes (C11 has no qsort with a context). */
an_status
an_row_sort(const double *x, size_t n, size_t d, uint32_t *ord)
{
	uint32_t   *tmp = an_alloc_array(n, sizeof(uint32_t));
	uint32_t   *a = ord,
			   *b = tmp;

	if (tmp == NULL)
		return AN_ENOMEM;
	for (size_t i = 0; i < n; i++)
		ord[i] = (uint32_t) i;
	for (size_t w = 1; w < n; w *= 2)
	{
		uint32_t   *t;

		/* a pass is O(n d); there are log2(n) of them */
		an_check_interrupts();
		for (size_t lo = 0; lo < n; lo += 2 * w)
		{
			size_t		mid = lo + w < n ? lo + w : n,
						hi = lo + 2 * w < n ? lo + 2 * w : n,
						i = lo,
						j = mid,
						k = lo;

			while (i < mid && j < hi)
				b[k++] = an_row_cmp(x + (size_t) a[j] * d, x + (size_t) a[i] * d, d) < 0 ? a[j++] : a[i++];
			while (i < mid)
				b[k++] = a[i++];
			while (j < hi)
				b[k++] = a[j++];
		}
		t = a;
		a = b;
		b = t;
	}
	if (a != ord)
		memcpy(ord, a, n * sizeof(uint32_t));
	an_free(tmp);
	return AN_OK;
}

an_status
an_row_put_sorted(an_writer *w, const double *x, size_t n, size_t d)
{
	uint32_t   *ord = an_alloc_array(n, sizeof(uint32_t));
	an_status	s;

	if (ord == NULL)
		return AN_ENOMEM;
	s = an_row_sort(x, n, d, ord);
	if (s == AN_OK)
	{
		AN_FOR_CHECKED(i, n)
		{
			an_put_f64_array(w, x + (size_t) ord[i] * d, d);
		}
	}
	an_free(ord);
	return s;
}

an_status
an_row_writer_init(an_writer *w, const double *x, size_t n, size_t d, size_t max_rows,
				   size_t head_bytes)
{
	an_status	s = AN_OK;

	if (n > max_rows || n > (AN_MODEL_MAX_PAYLOAD - head_bytes) / 8 / d)
		return AN_ETOOMANY;
	AN_FOR_CHECKED(i, n * d)
	{
		if (!isfinite(x[i]))
			s = AN_EINVAL;
	}
	if (s != AN_OK)
		return s;
	an_writer_init(w);
	an_writer_reserve(w, head_bytes + n * d * 8);
	return AN_OK;
}

an_status
an_row_finish_sorted(an_writer *w, const double *x, size_t n, size_t d, an_model_kind kind,
					 uint8_t **out, size_t *out_len)
{
	an_status	s;

	an_put_u64(w, (uint64_t) n);
	s = an_row_put_sorted(w, x, n, d);
	if (s != AN_OK)
	{
		an_writer_discard(w);
		return s;
	}
	return an_writer_finish(w, kind, out, out_len);
}

an_status
an_row_get_rows(an_reader *r, const uint8_t *payload, uint32_t d, bool fields_ok, size_t max_d,
				size_t max_rows, size_t *n, const uint8_t **rows)
{
	uint64_t	count = an_get_u64(r);
	an_status	s;

	if (r->status != AN_OK)
		return r->status;
	if (!fields_ok || d == 0 || d > max_d || count == 0 || count > max_rows)
		return AN_ECORRUPT;
	s = an_state_check_records(r, count, (size_t) d * 8);
	if (s != AN_OK)
		return s;
	*n = (size_t) count;
	*rows = payload + r->pos;
	return AN_OK;
}

void
an_row_decode(const uint8_t *rows, size_t d, size_t from, size_t count, double *dst)
{
	an_reader	r;

	an_reader_init(&r, rows + from * d * 8, count * d * 8);
	for (size_t i = 0; i < count * d; i++)
		dst[i] = an_get_f64(&r);
}

an_status
an_row_check_sorted(const uint8_t *rows, size_t n, size_t d)
{
	an_status	s = AN_OK;
	double	   *prev,
			   *cur;

	/* two rows decoded at a time: finite, each not before the previous */
	prev = an_alloc_array(2 * d, sizeof(double));
	if (prev == NULL)
		return AN_ENOMEM;
	cur = prev + d;
	AN_FOR_CHECKED(i, n)
	{
		an_row_decode(rows, d, i, 1, cur);
		for (size_t k = 0; k < d; k++)
			if (!isfinite(cur[k]))
				s = AN_ECORRUPT;
		if (i > 0 && an_row_cmp(prev, cur, d) > 0)
			s = AN_ECORRUPT;
		memcpy(prev, cur, d * sizeof(double));
	}
	an_free(prev);
	return s;
}
