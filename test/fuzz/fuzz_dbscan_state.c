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

static an_status
write_again(const an_dbscan_state *st, const double *rows, uint8_t **out, size_t *out_len)
{
	return an_dbscan_state_write(st->eps, st->min_points, st->standardize, rows, st->n, st->d, out, out_len);
}

FUZZ_ROW_STATE_TARGET(an_dbscan_state, an_dbscan_state_open, write_again)
