/*
 * fuzz_dbscan_model.c: libFuzzer target for the DBSCAN model decoder.
 *
 * The input is tried twice: as a whole model (envelope, then the dbscan
 * decoder if the kind matches) and as a bare payload handed straight to the
 * decoder, so that mutations reach the decoder without having to get the
 * checksum right.  Whatever is accepted is then scored against, so a decoder
 * that lets an inconsistent model through shows up as a sanitizer report.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_harness.h"

#include "core/dbscan/dbscan.h"

/* A label out of range (below -1, or past the clusters) aborts. */
static void
decode_and_score(const uint8_t *payload, size_t len)
{
	an_dbscan_model m;
	double		q[64];
	int32_t		label;

	if (an_dbscan_model_decode(payload, len, &m) != AN_OK)
		return;
	for (int rep = 0; rep < 3 && m.d <= 64; rep++)
	{
		fuzz_query(q, m.d, rep);
		if (an_dbscan_model_score(&m, q, m.d, &label) == AN_OK &&
			(label < -1 || (label >= 0 && (uint32_t) label >= m.n_clusters)))
			abort();
	}
	an_dbscan_model_free(&m);
}

FUZZ_MODEL_TARGET(AN_KIND_DBSCAN, decode_and_score)
