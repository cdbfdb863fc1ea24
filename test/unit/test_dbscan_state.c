/*
 * test_dbscan_state.c: the partial state of dbscan_fit
 * (core/state/dbscan_state.h) and the row order it shares with mv_fit's
 * (core/state/row_order.h): the layout byte by byte, the canonical order,
 * the round trip, and what the writer and the reader refuse.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/state/dbscan_state.h"
#include "core/state/row_order.h"
#include "test_random.h"
#include "test_fixtures.h"
#include "unit.h"

/* offsets in a state: header, then version, d, eps, min_points, standardize, n, rows */
enum
{
	OFF_VERSION = 16, OFF_D = 17, OFF_EPS = 21, OFF_MINPTS = 29, OFF_STD = 37, OFF_N = 38, OFF_ROWS = 46
};

static const unit_row_state_layout layout = {.off_d = OFF_D, .off_n = OFF_N, .off_rows = OFF_ROWS,
.max_dims = AN_DBSCAN_MAX_DIMS};

/* The reader, for the forgeries of test_fixtures.h. */
UNIT_STATE_READER(read_state, an_dbscan_state, an_dbscan_state_open)

static void
test_row_cmp(void)
{
	double		a[2] = {-0.0, 1.0},
				b[2] = {0.0, 1.0},
				c[2] = {0.0, 2.0};

	CHECK(an_row_cmp(a, b, 2) < 0);
	CHECK(an_row_cmp(b, a, 2) > 0);
	CHECK(an_row_cmp(a, a, 2) == 0);
	CHECK(an_row_cmp(b, c, 2) < 0);
	/* the first feature decides before the second */
	CHECK(an_row_cmp(c, (double[]) {1.0, -5.0}, 2) < 0);
}

static void
test_layout_and_roundtrip(void)
{
	uint8_t    *out = NULL;
	size_t		len = 0;
	an_dbscan_state st;
	double		back[6];

	CHECK_EQ_INT(an_dbscan_state_write(0.5, 2, true, unit_rows3, 3, 2, &out, &len), AN_OK);
	/* 16 header + 1 version + 4 d + 8 eps + 8 min_points + 1 standardize + 8 n + 3 * 2 * 8 */
	CHECK_EQ_INT(len, 16 + 1 + 4 + 8 + 8 + 1 + 8 + 48);
	unit_check_state_header(out, AN_KIND_DBSCAN_FIT_STATE, AN_DBSCAN_STATE_VERSION);
	CHECK_EQ_INT(out[5], 7);
	CHECK_EQ_INT(out[OFF_D], 2);
	/* 0.5 = 0x3FE0000000000000 little-endian */
	CHECK_EQ_INT(out[OFF_EPS + 6], 0xE0);
	CHECK_EQ_INT(out[OFF_EPS + 7], 0x3F);
	CHECK_EQ_INT(out[OFF_MINPTS], 2);
	CHECK_EQ_INT(out[OFF_STD], 1);
	CHECK_EQ_INT(out[OFF_N], 3);
	unit_check_rows3_bytes(out, OFF_ROWS);

	CHECK_EQ_INT(an_dbscan_state_open(out, len, &st), AN_OK);
	CHECK(st.eps == 0.5 && st.min_points == 2 && st.standardize);
	CHECK_EQ_INT(st.d, 2);
	CHECK_EQ_INT(st.n, 3);
	an_dbscan_state_rows(&st, 0, 3, back);
	CHECK(unit_rows3_sorted(back));
	/* rows from the middle */
	an_dbscan_state_rows(&st, 2, 1, back);
	CHECK(back[0] == 0.0 && back[1] == 1.0);
	/* every truncation fails */
	CHECK_EQ_INT(unit_truncations_read(read_state, out, len), 0);
	an_free(out);
}

/* Any order of the same rows (duplicates and signed zeros among them) writes the same bytes. */
static void
test_canonical(void)
{
	enum
	{
		N = 500, D = 3
	};
	double	   *x = malloc(N * D * sizeof(double)),
			   *y = malloc(N * D * sizeof(double));
	uint8_t    *a = NULL,
			   *b = NULL;
	size_t		alen = 0,
				blen = 0;
	an_dbscan_state st;

	for (size_t i = 0; i < N * D; i++)
	{
		uint64_t	r = random_u64() % 7;

		x[i] = r == 0 ? 0.0 : r == 1 ? -0.0 : (double) (r % 3);
	}
	/* y: x's rows in a random order */
	memcpy(y, x, N * D * sizeof(double));
	for (size_t i = N - 1; i > 0; i--)
	{
		size_t		j = random_u64() % (i + 1);
		double		t[D];

		memcpy(t, y + i * D, sizeof(t));
		memcpy(y + i * D, y + j * D, sizeof(t));
		memcpy(y + j * D, t, sizeof(t));
	}
	CHECK_EQ_INT(an_dbscan_state_write(1.5, 4, false, x, N, D, &a, &alen), AN_OK);
	CHECK_EQ_INT(an_dbscan_state_write(1.5, 4, false, y, N, D, &b, &blen), AN_OK);
	CHECK_EQ_INT(alen, blen);
	CHECK(memcmp(a, b, alen) == 0);
	CHECK_EQ_INT(an_dbscan_state_open(a, alen, &st), AN_OK);
	CHECK(!st.standardize && st.min_points == 4 && st.n == N);
	an_free(a);
	an_free(b);
	free(x);
	free(y);
}

static void
test_writer_refuses(void)
{
	uint8_t    *out = NULL;
	size_t		len = 0;
	double		nan_row[2] = {1.0, NAN};

	CHECK_EQ_INT(an_dbscan_state_write(0.5, 2, false, unit_rows3, 0, 2, &out, &len), AN_EINVAL);
	CHECK_EQ_INT(an_dbscan_state_write(0.5, 2, false, unit_rows3, 3, 0, &out, &len), AN_EINVAL);
	CHECK_EQ_INT(an_dbscan_state_write(0.5, 2, false, unit_rows3, 1, AN_DBSCAN_MAX_DIMS + 1, &out, &len), AN_EINVAL);
	CHECK_EQ_INT(an_dbscan_state_write(0.5, 2, false, nan_row, 1, 2, &out, &len), AN_EINVAL);
	/* parameters dbscan_fit refuses */
	CHECK_EQ_INT(an_dbscan_state_write(0.0, 2, false, unit_rows3, 3, 2, &out, &len), AN_EINVAL);
	CHECK_EQ_INT(an_dbscan_state_write(-1.0, 2, false, unit_rows3, 3, 2, &out, &len), AN_EINVAL);
	CHECK_EQ_INT(an_dbscan_state_write(INFINITY, 2, false, unit_rows3, 3, 2, &out, &len), AN_EINVAL);
	CHECK_EQ_INT(an_dbscan_state_write(1e200, 2, false, unit_rows3, 3, 2, &out, &len), AN_EINVAL);
	CHECK_EQ_INT(an_dbscan_state_write(0.5, 0, false, unit_rows3, 3, 2, &out, &len), AN_EINVAL);
	CHECK_EQ_INT(an_dbscan_state_write(0.5, (int64_t) INT32_MAX + 1, false, unit_rows3, 3, 2, &out, &len), AN_EINVAL);
	/* 2^26 rows of 1024 features would not fit in a model */
	CHECK_EQ_INT(an_dbscan_state_write(0.5, 2, false, unit_rows3, (size_t) 1 << 26, 1024, &out, &len), AN_ETOOMANY);
}

static void
test_reader_refuses_forged(void)
{
	uint8_t    *out = NULL;
	size_t		len = 0;
	uint8_t		copy[256];

	CHECK_EQ_INT(an_dbscan_state_write(0.5, 2, false, unit_rows3, 3, 2, &out, &len), AN_OK);
	CHECK(len <= sizeof(copy));
	/* payload version 2: newer; 0: corrupt; another kind */
	unit_check_header_forgeries(read_state, out, len, AN_KIND_MV_FIT_STATE);
	/* eps 0, negative, NaN, past AN_DBSCAN_MAX_EPS */
	memcpy(copy, out, len);
	unit_put_le(copy + OFF_EPS, 0, 8);
	CHECK_EQ_INT(unit_open_forged(read_state, copy, len), AN_ECORRUPT);
	unit_put_le(copy + OFF_EPS, 0xBFE0000000000000ULL, 8);
	CHECK_EQ_INT(unit_open_forged(read_state, copy, len), AN_ECORRUPT);
	unit_put_le(copy + OFF_EPS, 0x7FF8000000000000ULL, 8);
	CHECK_EQ_INT(unit_open_forged(read_state, copy, len), AN_ECORRUPT);
	unit_put_le(copy + OFF_EPS, 0x7E00000000000000ULL, 8);	/* about 1e299 */
	CHECK_EQ_INT(unit_open_forged(read_state, copy, len), AN_ECORRUPT);
	/* min_points 0, negative, 2^31 */
	memcpy(copy, out, len);
	unit_put_le(copy + OFF_MINPTS, 0, 8);
	CHECK_EQ_INT(unit_open_forged(read_state, copy, len), AN_ECORRUPT);
	unit_put_le(copy + OFF_MINPTS, UINT64_MAX, 8);
	CHECK_EQ_INT(unit_open_forged(read_state, copy, len), AN_ECORRUPT);
	unit_put_le(copy + OFF_MINPTS, (uint64_t) 1 << 31, 8);
	CHECK_EQ_INT(unit_open_forged(read_state, copy, len), AN_ECORRUPT);
	/* standardize 2 */
	memcpy(copy, out, len);
	copy[OFF_STD] = 2;
	CHECK_EQ_INT(unit_open_forged(read_state, copy, len), AN_ECORRUPT);
	/* d 0, d 4097; d 1 with n 3: bytes left over; d 3: too few; n 2: left over; n 0; the rows */
	unit_check_rows3_forgeries(read_state, out, len, &layout);
	/* n huge */
	memcpy(copy, out, len);
	unit_put_le(copy + OFF_N, UINT64_MAX, 8);
	CHECK_EQ_INT(unit_open_forged(read_state, copy, len), AN_ECORRUPT);
	unit_put_le(copy + OFF_N, 1000, 8);
	CHECK_EQ_INT(unit_open_forged(read_state, copy, len), AN_ETRUNCATED);
	/* a byte flipped without resealing: the checksum */
	memcpy(copy, out, len);
	copy[OFF_ROWS] ^= 1;
	CHECK_EQ_INT(read_state(copy, len), AN_ECHECKSUM);
	an_free(out);
}

int
main(void)
{
	RUN(test_row_cmp);
	RUN(test_layout_and_roundtrip);
	RUN(test_canonical);
	RUN(test_writer_refuses);
	RUN(test_reader_refuses_forged);
	UNIT_EXIT();
}
