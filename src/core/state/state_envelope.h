/*
 * state_envelope.h: what the partial states of the aggregates
 * (point_state.h, vector_state.h, dbscan_state.h) share around their own
 * fields.  Each is a payload in the model envelope (model_format.h) of its
 * own kind, starting with a payload version byte, and may carry a text
 * (u32 length, then the bytes) and ends with n records of a fixed size that
 * fill the rest exactly.
 *
 * A reader opens the envelope (an_state_begin), reads the version and the
 * fixed fields, then judges them in one place (an_reader_check_version in
 * model_format.h), so that a short payload is AN_ETRUNCATED before a bad
 * version is looked at.
 */
#ifndef ANOMALY_STATE_ENVELOPE_H
#define ANOMALY_STATE_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "core/model_format.h"

/* ---- writing ---- */

/* Put a text as its u32 length and its bytes (len <= UINT32_MAX). */
void		an_state_put_text(an_writer *w, const char *text, size_t len);

/* ---- reading ---- */

/*
 * Open the envelope of a state that must be of the given kind (AN_EKIND
 * otherwise) and start *r on its payload, whose start is *payload.
 */
an_status	an_state_begin(const uint8_t *buf, size_t len, an_model_kind kind, an_reader *r,
						   const uint8_t **payload);

/* Take the len bytes of a text at the reader's position: AN_ETRUNCATED if fewer remain. */
an_status	an_state_get_text(an_reader *r, uint32_t len, const char **text);

/*
 * n records of size bytes (size > 0) must fill what is left of the payload
 * exactly: AN_ETRUNCATED if fewer bytes remain, AN_ELENGTH if more.
 */
an_status	an_state_check_records(const an_reader *r, uint64_t n, size_t size);

#endif
