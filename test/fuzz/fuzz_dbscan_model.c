/*
 * fuzz_dbscan_model.c: libFuzzer target for the DBSCAN model decoder.
 *
 * The input is tried twice: as a whole model (envelope, then the dbscan
 * decoder if the kind matches) and as a bare payload handed straight to the
 * decoder, so that mutations reach the decoder without having to get the
 * checksum right.  Whatever is accepted is then scored against, so a decoder
 * that lets an inconsistent model through shows up as a sanitizer report.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/dbscan/dbscan.h"
#include "core/model_format.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
use(const an_dbscan_model *m)
{
	double		q[64];
	int32_t		label;

	if (m->d > 64)
		return;
	for (int rep = 0; rep < 3; rep++)
	{
		for (uint32_t k = 0; k < m->d; k++)
			q[k] = rep == 0 ? 0.0 : rep == 1 ? 1e300 : -1.5 * k;
		if (an_dbscan_model_score(m, q, m->d, &label) == AN_OK &&
			(label < -1 || (label >= 0 && (uint32_t) label >= m->n_clusters)))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	an_model_header h;
	const uint8_t *payload;
	an_dbscan_model m;

	if (an_model_open(data, size, &h, &payload) == AN_OK && h.kind == AN_KIND_DBSCAN &&
		an_dbscan_model_decode(payload, h.payload_len, &m) == AN_OK)
	{
		use(&m);
		an_dbscan_model_free(&m);
	}
	if (an_dbscan_model_decode(data, size, &m) == AN_OK)
	{
		use(&m);
		an_dbscan_model_free(&m);
	}
	return 0;
}
