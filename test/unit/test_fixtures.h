/*
 * test_fixtures.h: what the tests of the partial states (test_point_state.c,
 * test_vector_state.c, test_dbscan_state.c) share: the forger's tools that
 * edit a state (or a model: test_ts_seasonal.c) behind a valid checksum, the
 * forgeries every state's reader refuses, and the 3 rows of 2 features that
 * the two row states sort, with the forgeries of those rows.
 */
#ifndef ANOMALY_TEST_FIXTURES_H
#define ANOMALY_TEST_FIXTURES_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include "core/model_format.h"
#include "unit.h"

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

/* A state's reader as the tests call it: AN_OK, or why it refuses buf. */
typedef an_status (*unit_state_reader) (const uint8_t *buf, size_t len);

/*
 * Defines name, the unit_state_reader of the states that
 * open(buf, len, &st) reads into a state_type st.
 */
#define UNIT_STATE_READER(name, state_type, open) \
	static an_status \
	name(const uint8_t *buf, size_t len) \
	{ \
		state_type	st; \
\
		return open(buf, len, &st); \
	}

/* Reseal copy after an edit, as a forger would, and read it. */
static an_status
unit_open_forged(unit_state_reader read, uint8_t *copy, size_t len)
{
	unit_reseal(copy, len);
	return read(copy, len);
}

/* How many truncations of a state (len bytes) the reader accepts: 0 expected. */
static size_t
unit_truncations_read(unit_state_reader read, const uint8_t *state, size_t len)
{
	size_t		accepted = 0;

	for (size_t cut = 0; cut < len; cut++)
		accepted += read(state, cut) == AN_OK;
	return accepted;
}

/* A state's kind (header byte 5) and payload version (its first byte). */
static void
unit_check_state_header(const uint8_t *state, uint8_t kind, uint8_t version)
{
	CHECK_EQ_INT(state[5], kind);
	CHECK_EQ_INT(state[AN_MODEL_HEADER_SIZE], version);
}

/*
 * The header forgeries every state's reader refuses, each on a resealed copy
 * of state: payload version 2 (newer) and 0 (corrupt), and another kind.
 */
static void
unit_check_header_forgeries(unit_state_reader read, const uint8_t *state, size_t len, uint8_t other_kind)
{
	uint8_t		copy[256];

	CHECK(len <= sizeof(copy));
	if (len > sizeof(copy))
		return;
	memcpy(copy, state, len);
	CHECK_EQ_INT(unit_open_forged(read, copy, len), AN_OK);
	copy[AN_MODEL_HEADER_SIZE] = 2;
	CHECK_EQ_INT(unit_open_forged(read, copy, len), AN_EVERSION);
	copy[AN_MODEL_HEADER_SIZE] = 0;
	CHECK_EQ_INT(unit_open_forged(read, copy, len), AN_ECORRUPT);
	memcpy(copy, state, len);
	copy[5] = other_kind;
	CHECK_EQ_INT(unit_open_forged(read, copy, len), AN_EKIND);
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

/* Where a row state (vector_state.h, dbscan_state.h) keeps its fields. */
typedef struct unit_row_state_layout
{
	size_t		off_d;			/* 4 bytes: the number of features */
	size_t		off_n;			/* 8 bytes: the number of rows */
	size_t		off_rows;		/* the rows, n * d doubles */
	uint32_t	max_dims;		/* the largest d the reader takes */
} unit_row_state_layout;

/*
 * unit_rows3 as a row state stores it from byte off_rows: the canonical
 * order, each double little-endian.
 */
static void
unit_check_rows3_bytes(const uint8_t *state, size_t off_rows)
{
	/* the first row is (-1, 5): -1 = 0xBFF0000000000000 */
	CHECK_EQ_INT(state[off_rows], 0x00);
	CHECK_EQ_INT(state[off_rows + 6], 0xF0);
	CHECK_EQ_INT(state[off_rows + 7], 0xBF);
	/* then (-0, 2): -0 is 0x8000000000000000; then (0, 1) */
	CHECK_EQ_INT(state[off_rows + 16 + 7], 0x80);
	CHECK_EQ_INT(state[off_rows + 32 + 7], 0x00);
}

/*
 * The forgeries of d, n and the rows that both row states' readers refuse,
 * each on a resealed copy of state, which holds unit_rows3.
 */
static void
unit_check_rows3_forgeries(unit_state_reader read, const uint8_t *state, size_t len,
						   const unit_row_state_layout *lay)
{
	uint8_t		copy[256];

	CHECK(len <= sizeof(copy));
	if (len > sizeof(copy))
		return;
	/* d 0, d past the largest */
	memcpy(copy, state, len);
	copy[lay->off_d] = 0;
	CHECK_EQ_INT(unit_open_forged(read, copy, len), AN_ECORRUPT);
	unit_put_le(copy + lay->off_d, (uint64_t) lay->max_dims + 1, 4);
	CHECK_EQ_INT(unit_open_forged(read, copy, len), AN_ECORRUPT);
	/* d 1 with n 3: bytes left over; d 3: too few; n 2: left over; n 0 */
	memcpy(copy, state, len);
	copy[lay->off_d] = 1;
	CHECK_EQ_INT(unit_open_forged(read, copy, len), AN_ELENGTH);
	copy[lay->off_d] = 3;
	CHECK_EQ_INT(unit_open_forged(read, copy, len), AN_ETRUNCATED);
	memcpy(copy, state, len);
	copy[lay->off_n] = 2;
	CHECK_EQ_INT(unit_open_forged(read, copy, len), AN_ELENGTH);
	copy[lay->off_n] = 0;
	CHECK_EQ_INT(unit_open_forged(read, copy, len), AN_ECORRUPT);
	/* rows out of order: the first row's first feature made +1 */
	memcpy(copy, state, len);
	copy[lay->off_rows + 7] = 0x3F;
	CHECK_EQ_INT(unit_open_forged(read, copy, len), AN_ECORRUPT);
	/* -0 and +0 swapped: equal values, but not the canonical order */
	memcpy(copy, state, len);
	copy[lay->off_rows + 16 + 7] = 0x00;
	copy[lay->off_rows + 32 + 7] = 0x80;
	CHECK_EQ_INT(unit_open_forged(read, copy, len), AN_ECORRUPT);
	/* a NaN and an infinity as the last feature */
	memcpy(copy, state, len);
	copy[len - 2] = 0xF8;
	copy[len - 1] = 0x7F;
	CHECK_EQ_INT(unit_open_forged(read, copy, len), AN_ECORRUPT);
	copy[len - 2] = 0xF0;
	CHECK_EQ_INT(unit_open_forged(read, copy, len), AN_ECORRUPT);
}

#endif
