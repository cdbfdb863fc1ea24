/*
 * fuzz_point_state.c: libFuzzer target for the readers of the two-level
 * partial states (kinds ts_fit_state and catch22_state).
 *
 * Whatever a reader accepts is decoded point by point and written again:
 * an accepted state must come out of the writer byte for byte the same
 * (the encoding is canonical), and the reader must never read past it.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_harness.h"

#include "core/state/point_state.h"

static void
check_kind(const uint8_t *data, size_t size, an_model_kind kind)
{
	an_point_state st;
	an_point   *pts;
	uint8_t    *again = NULL;
	size_t		again_len = 0;
	an_status	written;

	if (an_point_state_open(data, size, kind, 1u << 20, &st) != AN_OK)
		return;
	pts = fuzz_malloc(st.npoints * sizeof(an_point));
	an_point_state_points(&st, 0, st.npoints, pts);
	written = an_point_state_write(kind, st.options_seen, st.options, st.options_len, pts, st.npoints, 1u << 20,
								   &again, &again_len);
	fuzz_expect_input(written, again, again_len, data, size);
	free(pts);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_kind(data, size, AN_KIND_TS_FIT_STATE);
	check_kind(data, size, AN_KIND_CATCH22_STATE);
	return 0;
}
