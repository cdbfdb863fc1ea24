/*
 * vector_state.h: the partial state of mv_fit as a self-contained value, for
 * the two-level aggregates mv_fit_state / mv_fit_merge (kind
 * AN_KIND_MV_FIT_STATE).
 *
 * Inside the model envelope (model_format.h), the payload is, little-endian,
 * written field by field:
 *
 *   size  field
 *      1  payload version (AN_VECTOR_STATE_VERSION)
 *      4  options length in bytes (>= 2)
 *      -  the options as canonical JSON text (an_vector_state_options_text):
 *         {"method": "gaussian", "standardize": true|false, X}, X being
 *         "false_alarm_rate": R or "threshold": T, or
 *         {"method": "pca", "standardize": true|false, "false_alarm_rate": R,
 *         "components": C} (C as given, 0 for the default), or
 *         {"method": "gmm", "standardize": ..., X, "components": C,
 *         "min_components": M, "reg_covar": G} (all explicit), each number in
 *         the shortest form that reads back to the same double
 *      4  number of features d, 1 <= d <= AN_MV_MAX_DIMS
 *      8  number of rows n, 1 <= n <= AN_MV_MAX_ROWS
 *  8*n*d  the rows, each d f64, sorted lexicographically with -0 before +0
 *
 * The options are those mv_fit parsed (what its model depends on), not the
 * jsonb as passed: options equal in value have one text.  Rows are finite
 * and sorted, so one multiset of rows has one encoding.  No OIDs, pointers
 * or host byte order.  A group without rows has no state (NULL).
 */
#ifndef ANOMALY_VECTOR_STATE_H
#define ANOMALY_VECTOR_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "core/model_format.h"
#include "core/mv/mv.h"

#define AN_VECTOR_STATE_VERSION 1
/* The longest options text: four 17-digit doubles' worth of room and the keys. */
#define AN_VECTOR_STATE_OPTIONS_MAX 256

/* A validated state: the options parsed, the rows a view into the caller's buffer. */
typedef struct an_vector_state
{
	an_mv_options opt;
	size_t		d;
	size_t		n;
	const uint8_t *rows;		/* n * d encoded f64: read with an_vector_state_rows */
} an_vector_state;

/*
 * The canonical options text of opt (validated by an_mv_options_check) into
 * buf (AN_VECTOR_STATE_OPTIONS_MAX bytes, NUL-terminated); its length, or 0
 * for options that cannot be written.
 */
size_t		an_vector_state_options_text(const an_mv_options *opt, char *buf);

/*
 * Write a state from n rows of d features (row-major, finite, in any order:
 * the writer sorts them).  AN_EINVAL for anything the reader would refuse,
 * AN_ETOOMANY if it would not fit in a model, AN_ENOMEM.
 */
an_status	an_vector_state_write(const an_mv_options *opt, const double *x, size_t n, size_t d,
								  uint8_t **out, size_t *out_len);

/*
 * Validate buf as a state: the envelope (AN_EKIND for another kind), the
 * options, the counts and every row (finite, sorted).  On AN_OK, *st views
 * into buf.
 */
an_status	an_vector_state_open(const uint8_t *buf, size_t len, an_vector_state *st);

/* Decode rows [from, from + count) into dst (count * d doubles). */
void		an_vector_state_rows(const an_vector_state *st, size_t from, size_t count, double *dst);

#endif
