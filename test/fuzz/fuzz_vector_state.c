/*
 * fuzz_vector_state.c: libFuzzer target for the reader of mv_fit's partial
 * state (kind mv_fit_state, core/state/vector_state.h).
 *
 * Whatever the reader accepts is decoded row by row and written again: an
 * accepted state must come out of the writer byte for byte the same (the
 * encoding is canonical: sorted rows, one options text), and the reader
 * must never read past it.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_harness.h"

#include "core/state/vector_state.h"

static an_status
write_again(const an_vector_state *st, const double *rows, uint8_t **out, size_t *out_len)
{
	return an_vector_state_write(&st->opt, rows, st->n, st->d, out, out_len);
}

FUZZ_ROW_STATE_TARGET(an_vector_state, an_vector_state_open, write_again)
