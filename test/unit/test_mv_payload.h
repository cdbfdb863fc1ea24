/*
 * test_mv_payload.h: the check of a multivariate model's payload that the
 * tests of each method (test_mv.c, test_mv_pca.c) run on one of theirs.
 */
#ifndef ANOMALY_TEST_MV_PAYLOAD_H
#define ANOMALY_TEST_MV_PAYLOAD_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mv/mv.h"
#include "unit.h"

/*
 * Every truncation of the len bytes at payload is refused, and with any one
 * bit flipped it is refused or decodes to a model that scores q (d features).
 */
static void
unit_mv_payload_cut_and_flipped(const uint8_t *payload, size_t len, const double *q, size_t d)
{
	uint8_t    *copy = malloc(len);
	double	   *work = malloc(2 * d * sizeof(double));
	an_mv_model m;
	an_mv_result r;

	for (size_t cut = 0; cut < len; cut++)
		CHECK(an_mv_model_decode(payload, cut, &m) != AN_OK);
	for (size_t i = 0; i < len; i++)
		for (int bit = 0; bit < 8; bit++)
		{
			memcpy(copy, payload, len);
			copy[i] ^= (uint8_t) (1u << bit);
			if (an_mv_model_decode(copy, len, &m) == AN_OK)
			{
				CHECK_EQ_INT(an_mv_score(&m, q, d, work, &r, NULL), AN_OK);
				an_mv_model_free(&m);
			}
		}
	free(copy);
	free(work);
}

#endif
