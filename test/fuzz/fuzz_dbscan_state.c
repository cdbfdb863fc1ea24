/*
 * fuzz_dbscan_state.c: libFuzzer target for the reader of dbscan_fit's
 * partial state (kind dbscan_fit_state, core/state/dbscan_state.h).
 *
 * Whatever the reader accepts is decoded row by row and written again: an
 * accepted state must come out of the writer byte for byte the same (the
 * encoding is canonical: sorted rows, fixed parameters), and the reader
 * must never read past it.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_harness.h"

#include "core/state/dbscan_state.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	an_dbscan_state st;
	double	   *rows;
	uint8_t    *again = NULL;
	size_t		again_len = 0;
	an_status	written;

	if (an_dbscan_state_open(data, size, &st) != AN_OK)
		return 0;
	rows = fuzz_malloc(st.n * st.d * sizeof(double));
	an_dbscan_state_rows(&st, 0, st.n, rows);
	written = an_dbscan_state_write(st.eps, st.min_points, st.standardize, rows, st.n, st.d, &again, &again_len);
	fuzz_expect_input(written, again, again_len, data, size);
	free(rows);
	return 0;
}
