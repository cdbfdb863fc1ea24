/*
 * row_order.h: the rows of feature vectors that the partial states of
 * mv_fit (vector_state.h) and dbscan_fit (dbscan_state.h) carry, in their
 * one canonical order.
 *
 * Rows are compared feature by feature, with -0 before +0 (a total order on
 * finite doubles), so that one multiset of rows has exactly one sorted
 * sequence of bytes, whatever the row order or the split.  On the wire a
 * row is d f64, little-endian (model_format.h).
 */
#ifndef ANOMALY_ROW_ORDER_H
#define ANOMALY_ROW_ORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "core/model_format.h"

/* <0, 0, >0 as row a (d finite doubles) sorts before, with, after row b. */
int			an_row_cmp(const double *a, const double *b, size_t d);

/*
 * The order of n rows (row-major, n <= UINT32_MAX) as indexes into ord[n]:
 * a stable merge sort, interruptible between passes.  AN_ENOMEM.
 */
an_status	an_row_sort(const double *x, size_t n, size_t d, uint32_t *ord);

/* Write the n rows of x sorted (AN_ENOMEM if the order cannot be made; w is then left as it was). */
an_status	an_row_put_sorted(an_writer *w, const double *x, size_t n, size_t d);

/*
 * Start writing a state that carries the n rows of x after head_bytes of
 * its own fields: AN_ETOOMANY when n is above max_rows or the rows would
 * not fit in a model, AN_EINVAL unless all n * d values are finite (d > 0),
 * else w is initialised with room for the head and the rows.
 */
an_status	an_row_writer_init(an_writer *w, const double *x, size_t n, size_t d, size_t max_rows,
							   size_t head_bytes);

/*
 * Write n (u64) and the n rows of x sorted, and finish the state in w as
 * the given kind (an_writer_finish); on failure w is discarded.
 */
an_status	an_row_finish_sorted(an_writer *w, const double *x, size_t n, size_t d,
								 an_model_kind kind, uint8_t **out, size_t *out_len);

/*
 * Read n (u64), written by an_row_finish_sorted after d and the other
 * fields of a state, and view the rows that follow: the reader's status if
 * short, AN_ECORRUPT unless fields_ok (the caller's judgement of the other
 * fields), 1 <= d <= max_d and 1 <= n <= max_rows, else as
 * an_state_check_records (the rows fill the rest of the payload, which
 * starts at payload).  The rows are checked by an_row_check_sorted.
 */
an_status	an_row_get_rows(an_reader *r, const uint8_t *payload, uint32_t d, bool fields_ok, size_t max_d,
							size_t max_rows, size_t *n, const uint8_t **rows);

/* Decode rows [from, from + count) of encoded rows of d features into dst. */
void		an_row_decode(const uint8_t *rows, size_t d, size_t from, size_t count, double *dst);

/*
 * Check n encoded rows of d features: every value finite and each row not
 * before the previous one.  AN_ECORRUPT otherwise, AN_ENOMEM.
 */
an_status	an_row_check_sorted(const uint8_t *rows, size_t n, size_t d);

#endif
