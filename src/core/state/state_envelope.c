/*
 * state_envelope.c: the version byte, text and records shared by the
 * partial states (see state_envelope.h).
 */
#include "core/state/state_envelope.h"

void
an_state_put_text(an_writer *w, const char *text, size_t len)
{
	an_put_u32(w, (uint32_t) len);
	for (size_t i = 0; i < len; i++)
		an_put_u8(w, (uint8_t) text[i]);
}

an_status
an_state_begin(const uint8_t *buf, size_t len, an_model_kind kind, an_reader *r,
			   const uint8_t **payload)
{
	an_model_header h;
	an_status	s = an_model_open(buf, len, &h, payload);

	if (s != AN_OK)
		return s;
	if (h.kind != kind)
		return AN_EKIND;
	an_reader_init(r, *payload, h.payload_len);
	return AN_OK;
}

an_status
an_state_get_text(an_reader *r, uint32_t len, const char **text)
{
	if (len > an_reader_remaining(r))
		return AN_ETRUNCATED;
	*text = (const char *) r->p + r->pos;
	r->pos += len;
	return AN_OK;
}

an_status
an_state_check_records(const an_reader *r, uint64_t n, size_t size)
{
	if (n > an_reader_remaining(r) / size)
		return AN_ETRUNCATED;
	if (n * size != an_reader_remaining(r))
		return AN_ELENGTH;
	return AN_OK;
}
