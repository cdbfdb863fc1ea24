/*
 * fuzz_harness.h: what the libFuzzer targets share: a model's input tried
 * whole and as a bare payload, the query points a decoded model is scored
 * at, and the check that a state accepted and written again is the input
 * (for the states of rows, the whole round trip).
 */
#ifndef ANOMALY_FUZZ_HARNESS_H
#define ANOMALY_FUZZ_HARNESS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/model_format.h"
#include "core/state/row_order.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Hand the input to decode_and_use twice: its payload if it opens as a whole
 * model of kind, and the input itself as a bare payload, so that mutations
 * reach the decoder without having to get the checksum right.
 */
static void
fuzz_model_and_payload(const uint8_t *data, size_t size, an_model_kind kind,
					   void (*decode_and_use) (const uint8_t *payload, size_t len))
{
	an_model_header h;
	const uint8_t *payload;

	if (an_model_open(data, size, &h, &payload) == AN_OK && h.kind == kind)
		decode_and_use(payload, h.payload_len);
	decode_and_use(data, size);
}

/* The target of a model kind whose decode_and_use decodes a payload, checks the model and frees it. */
#define FUZZ_MODEL_TARGET(kind, decode_and_use) \
	int \
	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) \
	{ \
		fuzz_model_and_payload(data, size, kind, decode_and_use); \
		return 0; \
	}

/* Query point rep (0, 1 or 2) of d features: the origin, 1e300 everywhere, a ramp down. */
static void
fuzz_query(double *q, uint32_t d, int rep)
{
	for (uint32_t k = 0; k < d; k++)
		q[k] = rep == 0 ? 0.0 : rep == 1 ? 1e300 : -1.5 * k;
}

/* malloc for what an accepted input needs: a target has no way to fail but abort. */
static void *
fuzz_malloc(size_t size)
{
	void	   *p = malloc(size);

	if (p == NULL)
		abort();
	return p;
}

/*
 * An accepted state, written again (the writer returned st and again), must
 * be the input byte for byte: the encoding is canonical.  Frees again.
 */
static void
fuzz_expect_input(an_status st, uint8_t *again, size_t again_len, const uint8_t *data, size_t size)
{
	if (st != AN_OK || again_len != size || memcmp(again, data, size) != 0)
		abort();
	an_free(again);
}

/*
 * The target of a state of rows (dbscan_state.h, vector_state.h) of type
 * state_type, read by open (an_*_state_open): an accepted state's rows are
 * decoded and given to write_again(state, rows, out, out_len), which writes
 * the state again from them and its other fields; that must be the input.
 */
#define FUZZ_ROW_STATE_TARGET(state_type, open, write_again) \
	int \
	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) \
	{ \
		state_type	st; \
		double	   *rows; \
		uint8_t    *again = NULL; \
		size_t		again_len = 0; \
		\
		if (open(data, size, &st) != AN_OK) \
			return 0; \
		rows = fuzz_malloc(st.n * st.d * sizeof(double)); \
		an_row_decode(st.rows, st.d, 0, st.n, rows); \
		fuzz_expect_input(write_again(&st, rows, &again, &again_len), again, again_len, data, size); \
		free(rows); \
		return 0; \
	}

#endif
