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
#include <string.h>

#include "core/model_format.h"
#include "core/mv/mv.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
use(const an_mv_model *m)
{
	double		q[64],
				work[128],
				contrib[64];
	an_mv_result r;

	if (m->d > 64)
		return;
	for (int rep = 0; rep < 3; rep++)
	{
		double		sum = 0.0;

		for (uint32_t k = 0; k < m->d; k++)
			q[k] = rep == 0 ? 0.0 : rep == 1 ? 1e300 : -1.5 * k;
		if (an_mv_score(m, q, m->d, work, &r, contrib) != AN_OK)
			abort();
		if (!(r.score >= 0.0) || !(r.distance >= 0.0))
			abort();
		for (uint32_t k = 0; k < m->d; k++)
		{
			if (!(contrib[k] >= 0.0 && contrib[k] <= 1.0 + 1e-9))
				abort();
			sum += contrib[k];
		}
		if (sum != 0.0 && fabs(sum - 1.0) > 1e-6)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	an_model_header h;
	const uint8_t *payload;
	an_mv_model m;

	if (an_model_open(data, size, &h, &payload) == AN_OK && h.kind == AN_KIND_MV &&
		an_mv_model_decode(payload, h.payload_len, &m) == AN_OK)
	{
		use(&m);
		an_mv_model_free(&m);
	}
	if (an_mv_model_decode(data, size, &m) == AN_OK)
	{
		use(&m);
		an_mv_model_free(&m);
	}
	return 0;
}
