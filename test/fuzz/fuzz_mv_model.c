/*
 * fuzz_mv_model.c: libFuzzer target for the multivariate model decoder.
 *
 * The input is tried as a whole model (envelope, then the mv decoder if the
 * kind matches) and as a bare payload handed straight to the decoder, so
 * that mutations reach the decoder without having to get the checksum
 * right.  Whatever is accepted is scored against, contributions included,
 * so a decoder that lets an inconsistent model through shows up as a
 * sanitizer report or an impossible result.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_harness.h"

#include "core/mv/mv.h"

/* A negative score or distance, or contributions that are not shares of 1, abort. */
static void
decode_and_score(const uint8_t *payload, size_t len)
{
	an_mv_model m;
	double		q[64],
				work[128],
				contrib[64];
	an_mv_result r;

	if (an_mv_model_decode(payload, len, &m) != AN_OK)
		return;
	for (int rep = 0; rep < 3 && m.d <= 64; rep++)
	{
		double		sum = 0.0;

		fuzz_query(q, m.d, rep);
		if (an_mv_score(&m, q, m.d, work, &r, contrib) != AN_OK)
			abort();
		if (!(r.score >= 0.0) || !(r.distance >= 0.0))
			abort();
		for (uint32_t k = 0; k < m.d; k++)
		{
			if (!(contrib[k] >= 0.0 && contrib[k] <= 1.0 + 1e-9))
				abort();
			sum += contrib[k];
		}
		if (sum != 0.0 && fabs(sum - 1.0) > 1e-6)
			abort();
	}
	an_mv_model_free(&m);
}

FUZZ_MODEL_TARGET(AN_KIND_MV, decode_and_score)
