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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	an_vector_state st;
	double	   *rows;
	uint8_t    *again = NULL;
	size_t		again_len = 0;
	an_status	written;

	if (an_vector_state_open(data, size, &st) != AN_OK)
		return 0;
	rows = fuzz_malloc(st.n * st.d * sizeof(double));
	an_vector_state_rows(&st, 0, st.n, rows);
	written = an_vector_state_write(&st.opt, rows, st.n, st.d, &again, &again_len);
	fuzz_expect_input(written, again, again_len, data, size);
	free(rows);
	return 0;
}
