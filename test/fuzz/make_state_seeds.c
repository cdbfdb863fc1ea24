/*
 * make_state_seeds.c: writes valid two-level partial states (kinds
 * ts_fit_state and catch22_state) into the seed folder of the fuzzers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seed_writer.h"

#include "core/state/point_state.h"

static void
seed(const char *dir, const char *name, an_model_kind kind, an_state_options seen, const char *options,
	 size_t n)
{
	an_point   *pts = malloc(n * sizeof(an_point));
	uint8_t    *out;
	size_t		len;
	an_status	st;

	for (size_t i = 0; i < n; i++)
	{
		pts[i].ts = (int64_t) (i / 2) * 3600000000LL;	/* pairs of equal timestamps */
		pts[i].value = (double) ((i * 7) % 11) - 5.0;
	}
	/* sorted by (ts, value): each pair's values in order */
	for (size_t i = 0; i + 1 < n; i += 2)
		if (pts[i].value > pts[i + 1].value)
		{
			double		v = pts[i].value;

			pts[i].value = pts[i + 1].value;
			pts[i + 1].value = v;
		}
	st = an_point_state_write(kind, seen, options, options ? strlen(options) : 0, pts, n, 1u << 20, &out, &len);
	seed_write_result("make_state_seeds", dir, name, st, out, len);
	free(pts);
}

int
main(int argc, char **argv)
{
	const char *dir = seed_dir(argc, argv, "make_state_seeds");

	seed(dir, "ts_fit_state_plain", AN_KIND_TS_FIT_STATE, AN_STATE_OPTIONS_NONE, NULL, 1);
	seed(dir, "ts_fit_state_null", AN_KIND_TS_FIT_STATE, AN_STATE_OPTIONS_NULL, NULL, 40);
	seed(dir, "ts_fit_state_options", AN_KIND_TS_FIT_STATE, AN_STATE_OPTIONS_GIVEN,
		 "{\"method\": \"seasonal\", \"period\": 24}", 100);
	seed(dir, "catch22_state", AN_KIND_CATCH22_STATE, AN_STATE_OPTIONS_NONE, NULL, 30);
	return 0;
}
