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

/* where the state of unit_rows3 keeps d, n and the rows */
static const unit_row_state_layout layout = {.off_d = 91, .off_n = 95, .off_rows = 103, .max_dims = AN_MV_MAX_DIMS};

/* The reader, for the forgeries of test_fixtures.h. */
UNIT_STATE_READER(read_state, an_vector_state, an_vector_state_open)

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
	unit_check_state_header(out, AN_KIND_MV_FIT_STATE, AN_VECTOR_STATE_VERSION);
	CHECK_EQ_INT(out[17], 70);
	CHECK(memcmp(out + 21, "{\"method\"", 9) == 0);
	CHECK_EQ_INT(out[91], 2);
	CHECK_EQ_INT(out[95], 3);
	unit_check_rows3_bytes(out, layout.off_rows);

	CHECK_EQ_INT(an_vector_state_open(out, len, &st), AN_OK);
	CHECK_EQ_INT(st.d, 2);
	CHECK_EQ_INT(st.n, 3);
	CHECK(st.opt.standardize && st.opt.threshold == 0.0 && st.opt.false_alarm_rate == 0.001);
	an_vector_state_rows(&st, 0, 3, back);
	CHECK(unit_rows3_sorted(back));
	/* every truncation fails */
	CHECK_EQ_INT(unit_truncations_read(read_state, out, len), 0);
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
	/* payload version 2: newer; 0: corrupt; another kind */
	unit_check_header_forgeries(read_state, out, len, AN_KIND_TS_FIT_STATE);
	/* options: 0.001 written 0.0010 (not canonical), "true" as "trUe" */
	memcpy(copy, out, len);
	memcpy(copy + 21 + 64, "0.0010", 6);	/* overwrites "0.001}" */
	CHECK_EQ_INT(unit_open_forged(read_state, copy, len), AN_ECORRUPT);
	memcpy(copy, out, len);
	copy[21 + 40] = 'U';
	CHECK_EQ_INT(unit_open_forged(read_state, copy, len), AN_ECORRUPT);
	/* d, n and the rows */
	unit_check_rows3_forgeries(read_state, out, len, &layout);
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
