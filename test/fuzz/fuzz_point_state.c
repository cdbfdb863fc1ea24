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
#include <string.h>

#include "core/state/point_state.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_kind(const uint8_t *data, size_t size, an_model_kind kind)
{
	an_point_state st;
	an_point   *pts;
	uint8_t    *again = NULL;
	size_t		again_len = 0;

	if (an_point_state_open(data, size, kind, 1u << 20, &st) != AN_OK)
		return;
	pts = malloc(st.npoints * sizeof(an_point));
	if (pts == NULL)
		abort();
	an_point_state_points(&st, 0, st.npoints, pts);
	if (an_point_state_write(kind, st.options_seen, st.options, st.options_len, pts, st.npoints, 1u << 20,
							 &again, &again_len) != AN_OK ||
		again_len != size || memcmp(again, data, size) != 0)
		abort();
	an_free(again);
	free(pts);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_kind(data, size, AN_KIND_TS_FIT_STATE);
	check_kind(data, size, AN_KIND_CATCH22_STATE);
	return 0;
}
