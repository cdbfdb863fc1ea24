/*
 * test_fixtures.h: what the tests of the partial states (test_point_state.c,
 * test_vector_state.c, test_dbscan_state.c) share: the forger's tools that
 * edit a state (or a model: test_ts_seasonal.c) behind a valid checksum, and
 * the 3 rows of 2 features that the two row states sort.
 */
#ifndef ANOMALY_TEST_FIXTURES_H
#define ANOMALY_TEST_FIXTURES_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model_format.h"

/* Rewrite the checksum after a payload edit, as a forger would. */
static void
unit_reseal(uint8_t *buf, size_t len)
{
	uint32_t	crc = an_crc32c(buf + AN_MODEL_HEADER_SIZE, len - AN_MODEL_HEADER_SIZE);

	for (int k = 0; k < 4; k++)
		buf[12 + k] = (uint8_t) (crc >> (8 * k));
}

/* Write the low `bytes` bytes of v at p, little-endian. */
static void
unit_put_le(uint8_t *p, uint64_t v, int bytes)
{
	for (int k = 0; k < bytes; k++)
		p[k] = (uint8_t) (v >> (8 * k));
}

/* 3 rows of 2 features, out of order; sorted: (-1, 5), (-0, 2), (0, 1) */
static const double unit_rows3[6] = {0.0, 1.0, -1.0, 5.0, -0.0, 2.0};

/*
 * The rows of unit_rows3 read back in the canonical order:
 * (-1, 5), (-0, 2), (0, 1), the signs of the zeros kept.
 */
static bool
unit_rows3_sorted(const double *back)
{
	return back[0] == -1.0 && back[1] == 5.0 && back[2] == 0.0 && signbit(back[2]) && back[3] == 2.0 &&
		back[4] == 0.0 && !signbit(back[4]) && back[5] == 1.0;
}

#endif
