/*
 * test_model_format.c: the envelope writer and reader, CRC-32C, and every
 * rejection path of an_model_open.
 */
#include "core/model_format.h"
#include "unit.h"

static void
test_crc32c_known_vectors(void)
{
	/* RFC 3720 (iSCSI) B.4 test vectors and the standard check value */
	uint8_t		zeros[32] = {0},
				ones[32],
				inc[32];

	for (int i = 0; i < 32; i++)
	{
		ones[i] = 0xFF;
		inc[i] = (uint8_t) i;
	}
	CHECK_EQ_INT(an_crc32c((const uint8_t *) "123456789", 9), 0xE3069283u);
	CHECK_EQ_INT(an_crc32c(zeros, 32), 0x8A9136AAu);
	CHECK_EQ_INT(an_crc32c(ones, 32), 0x62A8AB43u);
	CHECK_EQ_INT(an_crc32c(inc, 32), 0x46DD794Eu);
	CHECK_EQ_INT(an_crc32c(NULL, 0), 0);
}

/* A small valid model: kind dbscan, payload u32 7, f64 2.5 */
static uint8_t *
make_model(size_t *len)
{
	an_writer	w;
	uint8_t    *out = NULL;

	an_writer_init(&w);
	an_put_u32(&w, 7);
	an_put_f64(&w, 2.5);
	CHECK_EQ_INT(an_writer_finish(&w, AN_KIND_DBSCAN, &out, len), AN_OK);
	return out;
}

static void
test_roundtrip_and_layout(void)
{
	size_t		len;
	uint8_t    *m = make_model(&len);
	an_model_header h;
	const uint8_t *payload;
	an_reader	r;

	CHECK_EQ_INT(len, 16 + 12);
	CHECK(memcmp(m, "ANOM", 4) == 0);
	CHECK_EQ_INT(m[4], AN_FORMAT_VERSION_BASE);
	CHECK_EQ_INT(m[5], AN_KIND_DBSCAN);
	CHECK_EQ_INT(m[8], 12);		/* payload length, little-endian */
	CHECK_EQ_INT(m[16], 7);		/* u32 7 little-endian */
	CHECK_EQ_INT(m[17], 0);
	CHECK_EQ_INT(m[16 + 4 + 7], 0x40);	/* 2.5 = 0x4004000000000000, top byte last */
	CHECK_EQ_INT(m[16 + 4 + 6], 0x04);
	CHECK_EQ_INT(an_model_open(m, len, &h, &payload), AN_OK);
	CHECK_EQ_INT(h.kind, AN_KIND_DBSCAN);
	CHECK_EQ_INT(h.payload_len, 12);
	an_reader_init(&r, payload, h.payload_len);
	CHECK_EQ_INT(an_get_u32(&r), 7);
	CHECK(an_get_f64(&r) == 2.5);
	CHECK_EQ_INT(an_reader_finish(&r), AN_OK);
	an_free(m);
}

static void
test_rejections(void)
{
	size_t		len;
	uint8_t    *m = make_model(&len);
	uint8_t		buf[64];
	an_model_header h;
	const uint8_t *payload;

	/* every truncation is rejected, never read past the end */
	for (size_t cut = 0; cut < len; cut++)
		CHECK(an_model_open(m, cut, &h, &payload) != AN_OK);
	CHECK_EQ_INT(an_model_open(m, 10, &h, &payload), AN_ETRUNCATED);
	CHECK_EQ_INT(an_model_open((const uint8_t *) "AN", 2, &h, &payload), AN_ETRUNCATED);
	CHECK_EQ_INT(an_model_open((const uint8_t *) "\xde\xad", 2, &h, &payload), AN_EMAGIC);
	CHECK_EQ_INT(an_model_open(m, len - 1, &h, &payload), AN_ETRUNCATED);

	memcpy(buf, m, len);
	buf[0] = 'X';
	CHECK_EQ_INT(an_model_open(buf, len, &h, &payload), AN_EMAGIC);

	memcpy(buf, m, len);
	buf[4] = AN_FORMAT_VERSION + 1;
	CHECK_EQ_INT(an_model_open(buf, len, &h, &payload), AN_EVERSION);
	buf[4] = 0;
	CHECK_EQ_INT(an_model_open(buf, len, &h, &payload), AN_ECORRUPT);
	/* version 2 exists for the time-series kinds only: a DBSCAN model labelled 2 is from a newer build */
	buf[4] = 2;
	CHECK_EQ_INT(an_model_open(buf, len, &h, &payload), AN_EVERSION);
	buf[5] = AN_KIND_TS_SEASONAL;
	CHECK_EQ_INT(an_model_open(buf, len, &h, &payload), AN_OK);

	memcpy(buf, m, len);
	buf[5] = 99;
	CHECK_EQ_INT(an_model_open(buf, len, &h, &payload), AN_EKIND);
	buf[5] = 0;
	CHECK_EQ_INT(an_model_open(buf, len, &h, &payload), AN_EKIND);

	memcpy(buf, m, len);
	buf[7] = 0x80;
	CHECK_EQ_INT(an_model_open(buf, len, &h, &payload), AN_EFLAGS);

	/* trailing garbage */
	memcpy(buf, m, len);
	buf[len] = 0;
	CHECK_EQ_INT(an_model_open(buf, len + 1, &h, &payload), AN_ELENGTH);

	/* a huge declared payload length */
	memcpy(buf, m, len);
	buf[11] = 0xFF;
	CHECK_EQ_INT(an_model_open(buf, len, &h, &payload), AN_ELENGTH);

	/* every single bit flip in the payload is caught by the checksum */
	for (size_t i = 16; i < len; i++)
		for (int bit = 0; bit < 8; bit++)
		{
			memcpy(buf, m, len);
			buf[i] ^= (uint8_t) (1u << bit);
			CHECK_EQ_INT(an_model_open(buf, len, &h, &payload), AN_ECHECKSUM);
		}
	/* and a flipped checksum byte too */
	memcpy(buf, m, len);
	buf[13] ^= 1;
	CHECK_EQ_INT(an_model_open(buf, len, &h, &payload), AN_ECHECKSUM);
	an_free(m);
}

static void
test_reader_bounds(void)
{
	uint8_t		p[10] = {1, 0, 0, 0, 0, 0, 0, 0, 0xF0, 0x7F};
	an_reader	r;

	an_reader_init(&r, p, 4);
	CHECK_EQ_INT(an_get_u32(&r), 1);
	CHECK_EQ_INT(an_get_u8(&r), 0);		/* past the end */
	CHECK_EQ_INT(r.status, AN_ETRUNCATED);
	CHECK_EQ_INT(an_reader_finish(&r), AN_ETRUNCATED);

	/* +Infinity is refused where a finite double is required */
	{
		uint8_t		inf[8] = {0, 0, 0, 0, 0, 0, 0xF0, 0x7F};

		an_reader_init(&r, inf, 8);
		(void) an_get_f64_finite(&r);
		CHECK_EQ_INT(r.status, AN_ECORRUPT);
	}
	/* leftover bytes are a length error */
	an_reader_init(&r, p, 10);
	(void) an_get_u64(&r);
	CHECK_EQ_INT(an_reader_finish(&r), AN_ELENGTH);
	CHECK_EQ_INT(an_reader_remaining(&r), 2);
}

static void
test_kind_names(void)
{
	CHECK(strcmp(an_model_kind_name(AN_KIND_TS_LEVEL), "ts_level") == 0);
	CHECK(strcmp(an_model_kind_name(AN_KIND_DBSCAN), "dbscan") == 0);
	CHECK(an_model_kind_name(0) == NULL);
	CHECK(an_model_kind_name(200) == NULL);
	for (int s = AN_OK; s <= AN_ETOOMANY; s++)
		CHECK(strcmp(an_status_message((an_status) s), "unknown status") != 0);
}

int
main(void)
{
	RUN(test_crc32c_known_vectors);
	RUN(test_roundtrip_and_layout);
	RUN(test_rejections);
	RUN(test_reader_bounds);
	RUN(test_kind_names);
	UNIT_EXIT();
}
