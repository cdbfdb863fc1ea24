/*
 * model_format.c: the model envelope (see model_format.h for the layout),
 * a little-endian writer and a bounds-checked payload reader.
 */
#include "core/model_format.h"

#include <math.h>
#include <string.h>

const char *
an_model_kind_name(int kind)
{
	switch (kind)
	{
		case AN_KIND_TS_LEVEL:
			return "ts_level";
		case AN_KIND_TS_SEASONAL:
			return "ts_seasonal";
		case AN_KIND_DBSCAN:
			return "dbscan";
		case AN_KIND_MV:
			return "mv";
		case AN_KIND_TS_FIT_STATE:
			return "ts_fit_state";
		case AN_KIND_CATCH22_STATE:
			return "catch22_state";
		case AN_KIND_DBSCAN_FIT_STATE:
			return "dbscan_fit_state";
		case AN_KIND_MV_FIT_STATE:
			return "mv_fit_state";
	}
	return NULL;
}

int
an_model_kind_newest_version(int kind)
{
	return kind == AN_KIND_TS_LEVEL || kind == AN_KIND_TS_SEASONAL ? AN_FORMAT_VERSION : AN_FORMAT_VERSION_BASE;
}

static uint16_t
load_u16(const uint8_t *p)
{
	return (uint16_t) (p[0] | (uint16_t) p[1] << 8);
}

static uint32_t
load_u32(const uint8_t *p)
{
	return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static uint64_t
load_u64(const uint8_t *p)
{
	return (uint64_t) load_u32(p) | (uint64_t) load_u32(p + 4) << 32;
}

static void
store_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t) v;
	p[1] = (uint8_t) (v >> 8);
	p[2] = (uint8_t) (v >> 16);
	p[3] = (uint8_t) (v >> 24);
}

an_status
an_model_open(const uint8_t *buf, size_t len, an_model_header *header, const uint8_t **payload)
{
	/* foreign bytes are "not a model" even when they are short */
	if (len > 0 && memcmp(buf, AN_MODEL_MAGIC, len < 4 ? len : 4) != 0)
		return AN_EMAGIC;
	if (buf == NULL || len < AN_MODEL_HEADER_SIZE)
		return AN_ETRUNCATED;
	header->version = buf[4];
	header->kind = buf[5];
	header->flags = load_u16(buf + 6);
	header->payload_len = load_u32(buf + 8);
	header->crc = load_u32(buf + 12);
	if (header->version == 0)
		return AN_ECORRUPT;
	if (header->version > AN_FORMAT_VERSION)
		return AN_EVERSION;
	if (an_model_kind_name(header->kind) == NULL)
		return AN_EKIND;
	if (header->version > an_model_kind_newest_version(header->kind))
		return AN_EVERSION;
	if (header->flags & ~AN_MODEL_KNOWN_FLAGS)
		return AN_EFLAGS;
	if (header->payload_len > AN_MODEL_MAX_PAYLOAD)
		return AN_ELENGTH;
	if (len - AN_MODEL_HEADER_SIZE < header->payload_len)
		return AN_ETRUNCATED;
	if (len - AN_MODEL_HEADER_SIZE > header->payload_len)
		return AN_ELENGTH;
	if (an_crc32c(buf + AN_MODEL_HEADER_SIZE, header->payload_len) != header->crc)
		return AN_ECHECKSUM;
	*payload = buf + AN_MODEL_HEADER_SIZE;
	return AN_OK;
}

/* ---- writer ---- */

void
an_writer_init(an_writer *w)
{
	w->buf = NULL;
	w->len = 0;
	w->cap = 0;
	w->status = AN_OK;
	an_writer_reserve(w, AN_MODEL_HEADER_SIZE + 64);
	if (w->status == AN_OK)
	{
		memset(w->buf, 0, AN_MODEL_HEADER_SIZE);
		w->len = AN_MODEL_HEADER_SIZE;
	}
}

void
an_writer_reserve(an_writer *w, size_t extra)
{
	size_t		need,
				cap;
	uint8_t    *grown;

	if (w->status != AN_OK)
		return;
	if (extra > (size_t) AN_MODEL_MAX_PAYLOAD + AN_MODEL_HEADER_SIZE - w->len)
	{
		w->status = AN_ETOOMANY;
		return;
	}
	need = w->len + extra;
	if (need <= w->cap)
		return;
	cap = w->cap ? w->cap : 128;
	while (cap < need)
		cap *= 2;
	grown = an_alloc(cap);
	if (grown == NULL)
	{
		w->status = AN_ENOMEM;
		return;
	}
	if (w->len)
		memcpy(grown, w->buf, w->len);
	an_free(w->buf);
	w->buf = grown;
	w->cap = cap;
}

static uint8_t *
writer_claim(an_writer *w, size_t n)
{
	uint8_t    *p;

	an_writer_reserve(w, n);
	if (w->status != AN_OK)
		return NULL;
	p = w->buf + w->len;
	w->len += n;
	return p;
}

void
an_put_u8(an_writer *w, uint8_t v)
{
	uint8_t    *p = writer_claim(w, 1);

	if (p)
		p[0] = v;
}

void
an_put_u32(an_writer *w, uint32_t v)
{
	uint8_t    *p = writer_claim(w, 4);

	if (p)
		store_u32(p, v);
}

void
an_put_u64(an_writer *w, uint64_t v)
{
	uint8_t    *p = writer_claim(w, 8);

	if (p)
	{
		store_u32(p, (uint32_t) v);
		store_u32(p + 4, (uint32_t) (v >> 32));
	}
}

void
an_put_i64(an_writer *w, int64_t v)
{
	an_put_u64(w, (uint64_t) v);
}

void
an_put_f64(an_writer *w, double v)
{
	uint64_t	bits;

	memcpy(&bits, &v, sizeof(bits));
	an_put_u64(w, bits);
}

void
an_put_f64_array(an_writer *w, const double *v, size_t n)
{
	an_writer_reserve(w, n * 8);
	for (size_t i = 0; i < n && w->status == AN_OK; i++)
		an_put_f64(w, v[i]);
}

an_status
an_writer_finish(an_writer *w, an_model_kind kind, uint8_t **out, size_t *out_len)
{
	return an_writer_finish_version(w, kind, AN_FORMAT_VERSION_BASE, out, out_len);
}

an_status
an_writer_finish_version(an_writer *w, an_model_kind kind, int version, uint8_t **out, size_t *out_len)
{
	size_t		payload_len;

	if (w->status != AN_OK)
	{
		an_status	s = w->status;

		an_writer_discard(w);
		return s;
	}
	payload_len = w->len - AN_MODEL_HEADER_SIZE;
	memcpy(w->buf, AN_MODEL_MAGIC, 4);
	w->buf[4] = (uint8_t) version;
	w->buf[5] = (uint8_t) kind;
	w->buf[6] = 0;
	w->buf[7] = 0;
	store_u32(w->buf + 8, (uint32_t) payload_len);
	store_u32(w->buf + 12, an_crc32c(w->buf + AN_MODEL_HEADER_SIZE, payload_len));
	*out = w->buf;
	*out_len = w->len;
	w->buf = NULL;
	w->len = w->cap = 0;
	return AN_OK;
}

void
an_writer_discard(an_writer *w)
{
	an_free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
}

/* ---- reader ---- */

void
an_reader_init(an_reader *r, const uint8_t *payload, size_t len)
{
	r->p = payload;
	r->len = len;
	r->pos = 0;
	r->status = AN_OK;
}

static const uint8_t *
reader_take(an_reader *r, size_t n)
{
	const uint8_t *p;

	if (r->status != AN_OK)
		return NULL;
	if (r->len - r->pos < n)
	{
		r->status = AN_ETRUNCATED;
		return NULL;
	}
	p = r->p + r->pos;
	r->pos += n;
	return p;
}

uint8_t
an_get_u8(an_reader *r)
{
	const uint8_t *p = reader_take(r, 1);

	return p ? p[0] : 0;
}

uint32_t
an_get_u32(an_reader *r)
{
	const uint8_t *p = reader_take(r, 4);

	return p ? load_u32(p) : 0;
}

uint64_t
an_get_u64(an_reader *r)
{
	const uint8_t *p = reader_take(r, 8);

	return p ? load_u64(p) : 0;
}

int64_t
an_get_i64(an_reader *r)
{
	return (int64_t) an_get_u64(r);
}

double
an_get_f64(an_reader *r)
{
	uint64_t	bits = an_get_u64(r);
	double		v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

double
an_get_f64_finite(an_reader *r)
{
	double		v = an_get_f64(r);

	if (r->status == AN_OK && !isfinite(v))
	{
		r->status = AN_ECORRUPT;
		return 0.0;
	}
	return v;
}

size_t
an_reader_remaining(const an_reader *r)
{
	return r->status == AN_OK ? r->len - r->pos : 0;
}

void
an_reader_fail(an_reader *r, an_status status)
{
	if (r->status == AN_OK)
		r->status = status;
}

void *
an_reader_alloc(an_reader *r, size_t size)
{
	void	   *p = an_alloc(size);

	if (p == NULL)
		an_reader_fail(r, AN_ENOMEM);
	return p;
}

void *
an_reader_keep(const an_reader *r, void *p)
{
	if (r->status == AN_OK)
		return p;
	an_free(p);
	return NULL;
}

an_status
an_reader_check_version(const an_reader *r, uint8_t version, uint8_t newest)
{
	if (r->status != AN_OK)
		return r->status;
	if (version == 0)
		return AN_ECORRUPT;
	if (version > newest)
		return AN_EVERSION;
	return AN_OK;
}

an_status
an_reader_finish(const an_reader *r)
{
	if (r->status != AN_OK)
		return r->status;
	return r->pos == r->len ? AN_OK : AN_ELENGTH;
}
