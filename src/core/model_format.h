/*
 * model_format.h: the envelope around every model stored as bytea.
 *
 * Layout (all integers little-endian, doubles IEEE-754 binary64 little-endian),
 * written field by field, never by copying a C struct:
 *
 *   offset  size  field
 *        0     4  magic "ANOM" (0x41 0x4E 0x4F 0x4D)
 *        4     1  format version (AN_FORMAT_VERSION is the newest; see an_writer_finish_version)
 *        5     1  model kind (an_model_kind)
 *        6     2  flags (no bits defined yet: any set bit is an error)
 *        8     4  payload length in bytes
 *       12     4  CRC-32C (Castagnoli) of the payload
 *       16     -  payload (its layout is owned by the model kind)
 *
 * Readers validate in this order and stop at the first failure: length >=
 * header, magic, version, kind, flags, exact total length, checksum.  Only
 * then is the payload handed to the kind's decoder, which validates counts,
 * finiteness and invariants before anything is used.
 */
#ifndef ANOMALY_MODEL_FORMAT_H
#define ANOMALY_MODEL_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

#define AN_MODEL_MAGIC "ANOM"
#define AN_MODEL_HEADER_SIZE 16
#define AN_FORMAT_VERSION 5
/*
 * Version 2 adds the tail block of the time-series kinds (ts_tail.h),
 * version 3 their shape block (ts_shape.h), version 4 their discord block
 * (ts_discord_model.h), version 5 their analog block (ts_analog_model.h).  A
 * model is written with the oldest version that holds its payload, so a
 * model that uses nothing newer stays readable by releases that read only
 * version 1 (and its bytes do not change).
 */
#define AN_FORMAT_VERSION_BASE 1
#define AN_MODEL_KNOWN_FLAGS 0x0000u
/* Payloads larger than this are refused (bytea tops out at 1 GB anyway). */
#define AN_MODEL_MAX_PAYLOAD ((uint32_t) 0x3FFFFFF0u)

typedef enum an_model_kind
{
	AN_KIND_TS_LEVEL = 1,		/* robust level model: median and MAD */
	AN_KIND_TS_SEASONAL = 2,	/* seasonal / trend time-series model */
	AN_KIND_DBSCAN = 3,			/* fitted DBSCAN core points */
	AN_KIND_MV = 4,				/* multivariate model (src/core/mv) */
	AN_KIND_TS_FIT_STATE = 5,	/* partial state of ts_fit (core/state/point_state.h) */
	AN_KIND_CATCH22_STATE = 6,	/* partial state of catch22 / catch24 over (ts, value) */
	AN_KIND_DBSCAN_FIT_STATE = 7,	/* partial state of dbscan_fit (core/state/dbscan_state.h) */
	AN_KIND_MV_FIT_STATE = 8	/* partial state of mv_fit (core/state/vector_state.h) */
} an_model_kind;

#define AN_KIND_MAX 8

/* Human-readable name of a kind ("ts_level", ...), or NULL if unknown. */
const char *an_model_kind_name(int kind);

/*
 * The newest format version a kind is written with: versions 2 to 4 exist
 * only for the time-series kinds, so a model of another kind labelled 2 is from a
 * newer build (and a partial state keeps a single encoding).
 */
int			an_model_kind_newest_version(int kind);

typedef struct an_model_header
{
	uint8_t		version;
	uint8_t		kind;
	uint16_t	flags;
	uint32_t	payload_len;
	uint32_t	crc;
} an_model_header;

/*
 * Validate an envelope.  On AN_OK, *header is filled and *payload points at
 * the payload inside buf (payload_len bytes).  Never reads past buf + len.
 */
an_status	an_model_open(const uint8_t *buf, size_t len, an_model_header *header,
						  const uint8_t **payload);

/* ---- writing ---- */

/*
 * A growable byte buffer.  The first AN_MODEL_HEADER_SIZE bytes are reserved
 * for the envelope; an_writer_finish fills them in.  On allocation failure
 * the writer remembers AN_ENOMEM and later puts are no-ops.
 */
typedef struct an_writer
{
	uint8_t    *buf;
	size_t		len;
	size_t		cap;
	an_status	status;
} an_writer;

void		an_writer_init(an_writer *w);
void		an_writer_reserve(an_writer *w, size_t extra);
void		an_put_u8(an_writer *w, uint8_t v);
void		an_put_u32(an_writer *w, uint32_t v);
void		an_put_u64(an_writer *w, uint64_t v);
void		an_put_i64(an_writer *w, int64_t v);
void		an_put_f64(an_writer *w, double v);
void		an_put_f64_array(an_writer *w, const double *v, size_t n);

/*
 * Fill in the header for the given kind and return the finished buffer
 * (ownership passes to the caller; free with an_free) and its length.
 */
an_status	an_writer_finish(an_writer *w, an_model_kind kind, uint8_t **out, size_t *out_len);
/* The same with a given format version (an_writer_finish: AN_FORMAT_VERSION_BASE). */
an_status	an_writer_finish_version(an_writer *w, an_model_kind kind, int version,
									 uint8_t **out, size_t *out_len);
void		an_writer_discard(an_writer *w);

/* ---- reading a payload ---- */

typedef struct an_reader
{
	const uint8_t *p;
	size_t		len;
	size_t		pos;
	an_status	status;			/* first failure; later gets return 0 */
} an_reader;

void		an_reader_init(an_reader *r, const uint8_t *payload, size_t len);
uint8_t		an_get_u8(an_reader *r);
uint32_t	an_get_u32(an_reader *r);
uint64_t	an_get_u64(an_reader *r);
int64_t		an_get_i64(an_reader *r);
double		an_get_f64(an_reader *r);
/* A double that must be finite: otherwise the reader fails with AN_ECORRUPT. */
double		an_get_f64_finite(an_reader *r);
/* Bytes left; a decoder checks count * size <= remaining before allocating. */
size_t		an_reader_remaining(const an_reader *r);
/* Mark the reader failed (for a decoder's own invariant checks). */
void		an_reader_fail(an_reader *r, an_status status);
/* an_alloc for a decoded block; NULL (the reader failed with AN_ENOMEM) if memory runs out. */
void	   *an_reader_alloc(an_reader *r, size_t size);
/*
 * The end of decoding a block into p (from an_reader_alloc): p if the reader
 * has not failed, otherwise NULL, and p, left half filled, is freed.
 */
void	   *an_reader_keep(const an_reader *r, void *p);
/*
 * Judge a payload's version byte once it and the fields after it are read:
 * the reader's failure if any, AN_ECORRUPT for version 0, AN_EVERSION for
 * one newer than newest (a payload's own version, not the envelope's).
 */
an_status	an_reader_check_version(const an_reader *r, uint8_t version, uint8_t newest);
/* AN_OK only if nothing failed and every byte was consumed. */
an_status	an_reader_finish(const an_reader *r);

/* CRC-32C (Castagnoli), as used by iSCSI and ext4: crc32c("123456789") = 0xE3069283. */
uint32_t	an_crc32c(const uint8_t *data, size_t len);

#endif
