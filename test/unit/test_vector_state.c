/*
 * test_vector_state.c: the partial state of mv_fit
 * (core/state/vector_state.h): the layout byte by byte, the canonical
 * order and options text, the round trip, and what the writer and the
 * reader refuse.
 */
#include <math.h>
#include <string.h>

#include "core/state/vector_state.h"
#include "test_fixtures.h"
#include "unit.h"

/* Reseal copy after an edit, as a forger would, and read it. */
static an_status
open_forged(uint8_t *copy, size_t len)
{
	an_vector_state st;

	unit_reseal(copy, len);
	return an_vector_state_open(copy, len, &st);
}

static void
test_options_text(void)
{
	an_mv_options o;
	char		buf[AN_VECTOR_STATE_OPTIONS_MAX];

	an_mv_options_default(&o);
	CHECK_EQ_INT(an_vector_state_options_text(&o, buf), 70);
	CHECK(strcmp(buf, "{\"method\": \"gaussian\", \"standardize\": true, \"false_alarm_rate\": 0.001}") == 0);
	o.standardize = false;
	o.false_alarm_rate = 0.1 + 0.2;		/* 0.30000000000000004: needs all 17 digits */
	an_vector_state_options_text(&o, buf);
	CHECK(strcmp(buf, "{\"method\": \"gaussian\", \"standardize\": false, \"false_alarm_rate\": 0.30000000000000004}") == 0);
	an_mv_options_default(&o);
	o.threshold = 3.5;
	an_vector_state_options_text(&o, buf);
	CHECK(strcmp(buf, "{\"method\": \"gaussian\", \"standardize\": true, \"threshold\": 3.5}") == 0);
	/* options mv_fit never produces or refuses */
	o.false_alarm_rate = 0.01;
	CHECK_EQ_INT(an_vector_state_options_text(&o, buf), 0);
	an_mv_options_default(&o);
	o.false_alarm_rate = 0.5;
	CHECK_EQ_INT(an_vector_state_options_text(&o, buf), 0);
}

static void
test_layout_and_roundtrip(void)
{
	an_mv_options o;
	uint8_t    *out = NULL;
	size_t		len = 0;
	an_vector_state st;
	double		back[6];

	an_mv_options_default(&o);
	CHECK_EQ_INT(an_vector_state_write(&o, unit_rows3, 3, 2, &out, &len), AN_OK);
	/* 16 header + 1 version + 4 length + 70 options + 4 d + 8 n + 3 * 2 * 8 */
	CHECK_EQ_INT(len, 16 + 1 + 4 + 70 + 4 + 8 + 48);
	CHECK_EQ_INT(out[5], AN_KIND_MV_FIT_STATE);
	CHECK_EQ_INT(out[16], AN_VECTOR_STATE_VERSION);
	CHECK_EQ_INT(out[17], 70);
	CHECK(memcmp(out + 21, "{\"method\"", 9) == 0);
	CHECK_EQ_INT(out[91], 2);
	CHECK_EQ_INT(out[95], 3);
	/* the first row is (-1, 5): -1 = 0xBFF0000000000000 little-endian */
	CHECK_EQ_INT(out[103], 0x00);
	CHECK_EQ_INT(out[109], 0xF0);
	CHECK_EQ_INT(out[110], 0xBF);
	/* then (-0, 2): -0 is 0x8000000000000000 */
	CHECK_EQ_INT(out[103 + 16 + 7], 0x80);

	CHECK_EQ_INT(an_vector_state_open(out, len, &st), AN_OK);
	CHECK_EQ_INT(st.d, 2);
	CHECK_EQ_INT(st.n, 3);
	CHECK(st.opt.standardize && st.opt.threshold == 0.0 && st.opt.false_alarm_rate == 0.001);
	an_vector_state_rows(&st, 0, 3, back);
	CHECK(unit_rows3_sorted(back));
	/* every truncation fails */
	for (size_t cut = 0; cut < len; cut++)
		CHECK(an_vector_state_open(out, cut, &st) != AN_OK);
	an_free(out);
}

static void
test_writer_refuses(void)
{
	an_mv_options o;
	uint8_t    *out = NULL;
	size_t		len = 0;
	double		nan_row[2] = {1.0, NAN};

	an_mv_options_default(&o);
	CHECK_EQ_INT(an_vector_state_write(&o, unit_rows3, 0, 2, &out, &len), AN_EINVAL);
	CHECK_EQ_INT(an_vector_state_write(&o, unit_rows3, 3, 0, &out, &len), AN_EINVAL);
	CHECK_EQ_INT(an_vector_state_write(&o, unit_rows3, 1, AN_MV_MAX_DIMS + 1, &out, &len), AN_EINVAL);
	CHECK_EQ_INT(an_vector_state_write(&o, nan_row, 1, 2, &out, &len), AN_EINVAL);
	/* 2^26 rows of 1024 features would not fit in a model */
	CHECK_EQ_INT(an_vector_state_write(&o, unit_rows3, (size_t) 1 << 26, 1024, &out, &len), AN_ETOOMANY);
	o.false_alarm_rate = 0.7;
	CHECK_EQ_INT(an_vector_state_write(&o, unit_rows3, 3, 2, &out, &len), AN_EINVAL);
}

static void
test_reader_refuses_forged(void)
{
	an_mv_options o;
	uint8_t    *out = NULL;
	size_t		len = 0;
	uint8_t		copy[256];

	an_mv_options_default(&o);
	CHECK_EQ_INT(an_vector_state_write(&o, unit_rows3, 3, 2, &out, &len), AN_OK);
	CHECK(len <= sizeof(copy));
	/* payload version 2: newer; 0: corrupt */
	memcpy(copy, out, len);
	copy[16] = 2;
	CHECK_EQ_INT(open_forged(copy, len), AN_EVERSION);
	copy[16] = 0;
	CHECK_EQ_INT(open_forged(copy, len), AN_ECORRUPT);
	/* another kind */
	memcpy(copy, out, len);
	copy[5] = AN_KIND_TS_FIT_STATE;
	CHECK_EQ_INT(open_forged(copy, len), AN_EKIND);
	/* options: 0.001 written 0.0010 (not canonical), "true" as "trUe" */
	memcpy(copy, out, len);
	memcpy(copy + 21 + 64, "0.0010", 6);	/* overwrites "0.001}" */
	CHECK_EQ_INT(open_forged(copy, len), AN_ECORRUPT);
	memcpy(copy, out, len);
	copy[21 + 40] = 'U';
	CHECK_EQ_INT(open_forged(copy, len), AN_ECORRUPT);
	/* d 0, d 1025 */
	memcpy(copy, out, len);
	copy[91] = 0;
	CHECK_EQ_INT(open_forged(copy, len), AN_ECORRUPT);
	copy[91] = 1;
	copy[92] = 4;
	CHECK_EQ_INT(open_forged(copy, len), AN_ECORRUPT);
	/* d 1 with n 3: bytes left over; d 3: too few; n 2: left over; n 0 */
	memcpy(copy, out, len);
	copy[91] = 1;
	CHECK_EQ_INT(open_forged(copy, len), AN_ELENGTH);
	copy[91] = 3;
	CHECK_EQ_INT(open_forged(copy, len), AN_ETRUNCATED);
	memcpy(copy, out, len);
	copy[95] = 2;
	CHECK_EQ_INT(open_forged(copy, len), AN_ELENGTH);
	copy[95] = 0;
	CHECK_EQ_INT(open_forged(copy, len), AN_ECORRUPT);
	/* rows out of order: the first row's first feature made +1 */
	memcpy(copy, out, len);
	copy[110] = 0x3F;
	CHECK_EQ_INT(open_forged(copy, len), AN_ECORRUPT);
	/* -0 and +0 swapped: equal values, but not the canonical order */
	memcpy(copy, out, len);
	copy[103 + 16 + 7] = 0x00;
	copy[103 + 32 + 7] = 0x80;
	CHECK_EQ_INT(open_forged(copy, len), AN_ECORRUPT);
	/* a NaN and an infinity as the last feature */
	memcpy(copy, out, len);
	copy[len - 2] = 0xF8;
	copy[len - 1] = 0x7F;
	CHECK_EQ_INT(open_forged(copy, len), AN_ECORRUPT);
	copy[len - 2] = 0xF0;
	CHECK_EQ_INT(open_forged(copy, len), AN_ECORRUPT);
	an_free(out);
}

int
main(void)
{
	RUN(test_options_text);
	RUN(test_layout_and_roundtrip);
	RUN(test_writer_refuses);
	RUN(test_reader_refuses_forged);
	UNIT_EXIT();
}
