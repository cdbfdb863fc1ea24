/*
 * test_point_state.c: the partial states of ts_fit and catch22
 * (core/state/point_state.h): the layout byte by byte, the round trip, and
 * what the writer and the reader refuse.
 */
#include <math.h>
#include <string.h>

#include "core/state/point_state.h"
#include "test_fixtures.h"
#include "unit.h"

static const an_point pts3[3] = {{-5, 1.5}, {7, -2.0}, {7, 3.0}};

static void
test_layout_and_roundtrip(void)
{
	uint8_t    *out = NULL;
	size_t		len = 0;
	an_point_state st;
	an_point	back[3];

	CHECK_EQ_INT(an_point_state_write(AN_KIND_TS_FIT_STATE, AN_STATE_OPTIONS_GIVEN, "{}", 2, pts3, 3,
									  100, &out, &len), AN_OK);
	/* 16 header + 1 version + 1 seen + 4 length + 2 options + 8 count + 3 * 16 */
	CHECK_EQ_INT(len, 16 + 1 + 1 + 4 + 2 + 8 + 48);
	unit_check_state_header(out, AN_KIND_TS_FIT_STATE, AN_POINT_STATE_VERSION);
	CHECK_EQ_INT(out[17], AN_STATE_OPTIONS_GIVEN);
	CHECK_EQ_INT(out[18], 2);
	CHECK(memcmp(out + 22, "{}", 2) == 0);
	CHECK_EQ_INT(out[24], 3);
	/* first ts -5 as little-endian two's complement */
	CHECK_EQ_INT(out[32], 0xFB);
	CHECK_EQ_INT(out[39], 0xFF);
	/* its value 1.5 = 0x3FF8000000000000 */
	CHECK_EQ_INT(out[47], 0x3F);
	CHECK_EQ_INT(out[46], 0xF8);

	CHECK_EQ_INT(an_point_state_open(out, len, AN_KIND_TS_FIT_STATE, 100, &st), AN_OK);
	CHECK_EQ_INT(st.options_seen, AN_STATE_OPTIONS_GIVEN);
	CHECK_EQ_INT(st.options_len, 2);
	CHECK_EQ_INT(st.npoints, 3);
	an_point_state_points(&st, 0, 3, back);
	CHECK(memcmp(back, pts3, sizeof(pts3)) == 0);

	/* another kind, and more points than the reader's limit */
	CHECK_EQ_INT(an_point_state_open(out, len, AN_KIND_CATCH22_STATE, 100, &st), AN_EKIND);
	CHECK_EQ_INT(an_point_state_open(out, len, AN_KIND_TS_FIT_STATE, 2, &st), AN_ECORRUPT);
	/* every truncation fails */
	for (size_t cut = 0; cut < len; cut++)
		CHECK(an_point_state_open(out, cut, AN_KIND_TS_FIT_STATE, 100, &st) != AN_OK);
	an_free(out);
}

static void
test_writer_refuses(void)
{
	uint8_t    *out = NULL;
	size_t		len = 0;
	an_point	unsorted[2] = {{2, 0.0}, {1, 0.0}};
	an_point	nan[1] = {{1, NAN}};
	an_point	inf_ts[1] = {{INT64_MAX, 1.0}};

	CHECK_EQ_INT(an_point_state_write(AN_KIND_TS_FIT_STATE, AN_STATE_OPTIONS_NONE, NULL, 0, pts3, 0, 100,
									  &out, &len), AN_EINVAL);
	CHECK_EQ_INT(an_point_state_write(AN_KIND_TS_FIT_STATE, AN_STATE_OPTIONS_NONE, NULL, 0, unsorted, 2, 100,
									  &out, &len), AN_EINVAL);
	CHECK_EQ_INT(an_point_state_write(AN_KIND_CATCH22_STATE, AN_STATE_OPTIONS_NONE, NULL, 0, nan, 1, 100,
									  &out, &len), AN_EINVAL);
	CHECK_EQ_INT(an_point_state_write(AN_KIND_TS_FIT_STATE, AN_STATE_OPTIONS_NONE, NULL, 0, inf_ts, 1, 100,
									  &out, &len), AN_EINVAL);
	/* catch22 takes any timestamp, but no options */
	CHECK_EQ_INT(an_point_state_write(AN_KIND_CATCH22_STATE, AN_STATE_OPTIONS_NONE, NULL, 0, inf_ts, 1, 100,
									  &out, &len), AN_OK);
	an_free(out);
	CHECK_EQ_INT(an_point_state_write(AN_KIND_CATCH22_STATE, AN_STATE_OPTIONS_GIVEN, "{}", 2, pts3, 3, 100,
									  &out, &len), AN_EINVAL);
	/* options given need text; none given allow none */
	CHECK_EQ_INT(an_point_state_write(AN_KIND_TS_FIT_STATE, AN_STATE_OPTIONS_GIVEN, "", 0, pts3, 3, 100,
									  &out, &len), AN_EINVAL);
	CHECK_EQ_INT(an_point_state_write(AN_KIND_TS_FIT_STATE, AN_STATE_OPTIONS_NULL, "{}", 2, pts3, 3, 100,
									  &out, &len), AN_EINVAL);
	CHECK_EQ_INT(an_point_state_write(AN_KIND_TS_FIT_STATE, AN_STATE_OPTIONS_GIVEN, "{\0}", 3, pts3, 3, 100,
									  &out, &len), AN_EINVAL);
	CHECK_EQ_INT(an_point_state_write(AN_KIND_DBSCAN, AN_STATE_OPTIONS_NONE, NULL, 0, pts3, 3, 100,
									  &out, &len), AN_EKIND);
	CHECK_EQ_INT(an_point_state_write(AN_KIND_TS_FIT_STATE, AN_STATE_OPTIONS_NONE, NULL, 0, pts3, 3, 2,
									  &out, &len), AN_EINVAL);
}

/* The reader of catch22's states of at most 100 points, for the forgeries of test_fixtures.h. */
static an_status
read_catch22_state(const uint8_t *buf, size_t len)
{
	an_point_state st;

	return an_point_state_open(buf, len, AN_KIND_CATCH22_STATE, 100, &st);
}

static void
test_reader_refuses_forged(void)
{
	uint8_t    *out = NULL;
	size_t		len = 0;
	uint8_t		copy[128];

	CHECK_EQ_INT(an_point_state_write(AN_KIND_CATCH22_STATE, AN_STATE_OPTIONS_NONE, NULL, 0, pts3, 3, 100,
									  &out, &len), AN_OK);
	CHECK(len <= sizeof(copy));
	/* payload version 2: newer; 0: corrupt; another kind */
	unit_check_header_forgeries(read_catch22_state, out, len, AN_KIND_TS_FIT_STATE);
	/* the second point's timestamp after the third's */
	memcpy(copy, out, len);
	copy[16 + 14 + 16] = 9;
	CHECK_EQ_INT(unit_open_forged(read_catch22_state, copy, len), AN_ECORRUPT);
	/* the count one less than the points: trailing bytes */
	memcpy(copy, out, len);
	copy[22] = 2;
	CHECK_EQ_INT(unit_open_forged(read_catch22_state, copy, len), AN_ELENGTH);
	/* an options length beyond the payload */
	memcpy(copy, out, len);
	copy[21] = 0x7F;
	CHECK_EQ_INT(unit_open_forged(read_catch22_state, copy, len), AN_ETRUNCATED);
	an_free(out);
}

int
main(void)
{
	RUN(test_layout_and_roundtrip);
	RUN(test_writer_refuses);
	RUN(test_reader_refuses_forged);
	UNIT_EXIT();
}
