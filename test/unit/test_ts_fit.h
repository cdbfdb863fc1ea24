/*
 * test_ts_fit.h: how the tests of the time-series models (test_ts_level.c,
 * test_ts_seasonal.c, test_ts_shape.c, test_ts_discord_model.c) lay out
 * points and fit a model from them, as ts_fit does: the points sorted, and a
 * copy fitted, since an_ts_fit uses its input as scratch; and how they wrap a
 * payload in an envelope.
 */
#ifndef ANOMALY_TEST_TS_FIT_H
#define ANOMALY_TEST_TS_FIT_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/model_format.h"
#include "core/sort.h"
#include "core/ts/ts_model.h"
#include "test_random.h"
#include "unit.h"

/* the size of the message buffer unit_ts_fit's caller passes, if any */
#define UNIT_TS_FIT_ERR_SIZE 256

/* n points step_us apart from t = 0 (free with free()); the caller sets the values. */
static an_point *
unit_points_every(size_t n, int64_t step_us)
{
	an_point   *pts = malloc(n * sizeof(an_point));

	for (size_t i = 0; i < n; i++)
		pts[i].ts = (int64_t) i * step_us;
	return pts;
}

/*
 * Sorts pts, fits a copy of them and loads the model (free with
 * an_ts_model_free).  NULL when the fit fails, with an_ts_fit's status in
 * *status and its message in err (UNIT_TS_FIT_ERR_SIZE bytes), each if not
 * NULL; a model that does not load back is a failed check.
 */
static an_ts_model *
unit_ts_fit(an_point *pts, size_t n, const an_ts_options *opt, an_status *status, char *err)
{
	uint8_t    *buf = NULL;
	size_t		len = 0;
	an_ts_model *m = NULL;
	an_status	s;
	an_point   *copy = malloc(n * sizeof(an_point));

	an_sort_points(pts, n);
	memcpy(copy, pts, n * sizeof(an_point));
	s = an_ts_fit(copy, n, opt, &buf, &len, err, UNIT_TS_FIT_ERR_SIZE);
	free(copy);
	if (status)
		*status = s;
	if (s != AN_OK)
		return NULL;
	CHECK(an_ts_model_load(buf, len, &m) == AN_OK);
	an_free(buf);
	return m;
}

/* unit_ts_fit checked to give a model: false (and a failed check) if not. */
static bool
unit_ts_fit_ok(an_point *pts, size_t n, const an_ts_options *opt, an_ts_model **m)
{
	*m = unit_ts_fit(pts, n, opt, NULL, NULL);
	CHECK(*m != NULL);
	return *m != NULL;
}

/*
 * The model bytes (free with free()) of pts[0..n) fitted with the options
 * o, handed over in a shuffled order first if asked (uniform01's stream);
 * pts is sorted, then used as scratch.
 */
static uint8_t *
unit_fit_bytes(an_point *pts, size_t n, const an_ts_options *o, bool shuffle, size_t *len)
{
	uint8_t    *model = NULL;
	char		err[UNIT_TS_FIT_ERR_SIZE];

	if (shuffle)
		for (size_t i = n - 1; i > 0; i--)
		{
			size_t		j = (size_t) (uniform01() * (double) (i + 1)) % (i + 1);
			an_point	t = pts[i];

			pts[i] = pts[j];
			pts[j] = t;
		}
	an_sort_points(pts, n);
	CHECK(an_ts_fit(pts, n, o, &model, len, err, sizeof(err)) == AN_OK);
	return model;
}

/*
 * payload[0..plen) in a fresh envelope of this kind and format version,
 * with a valid checksum (free with an_free): the tests of the blocks feed
 * the readers cut and patched payloads this way.
 */
static uint8_t *
unit_envelope(const uint8_t *payload, size_t plen, int kind, int version, size_t *len)
{
	an_writer	w;
	uint8_t    *out = NULL;

	an_writer_init(&w);
	for (size_t i = 0; i < plen; i++)
		an_put_u8(&w, payload[i]);
	CHECK(an_writer_finish_version(&w, (an_model_kind) kind, version, &out, len) == AN_OK);
	return out;
}

/*
 * an_ts_model_load's status for the model bytes[0..len) with vlen bytes of
 * v written over its payload at offset at, re-enveloped as this format
 * version with a valid checksum: the block tests' corrupt fields.
 */
static an_status
unit_load_patched(const uint8_t *bytes, size_t len, size_t at, const void *v, size_t vlen, int version)
{
	size_t		plen = len - AN_MODEL_HEADER_SIZE,
				elen;
	uint8_t    *p = malloc(plen),
			   *e;
	an_ts_model *m = NULL;
	an_status	s;

	memcpy(p, bytes + AN_MODEL_HEADER_SIZE, plen);
	memcpy(p + at, v, vlen);
	e = unit_envelope(p, plen, bytes[5], version, &elen);
	s = an_ts_model_load(e, elen, &m);
	an_ts_model_free(m);
	an_free(e);
	free(p);
	return s;
}

/*
 * The block tests' truncations: the payload of bytes[0..len) cut anywhere
 * from block (where its newest block starts) to its end, re-enveloped as
 * this format version with a valid checksum, is refused; cut at block and
 * labelled the version before, it is a model of the release before, which
 * is returned (free with an_ts_model_free; NULL, a failed check, if it
 * does not load).
 */
static an_ts_model *
unit_check_block_cuts(const uint8_t *bytes, size_t len, size_t block, int version)
{
	size_t		plen = len - AN_MODEL_HEADER_SIZE,
				elen;
	an_ts_model *m = NULL;
	uint8_t    *e;

	for (size_t cut = plen - 1; cut >= block; cut--)
	{
		e = unit_envelope(bytes + AN_MODEL_HEADER_SIZE, cut, bytes[5], version, &elen);
		CHECK(an_ts_model_load(e, elen, &m) != AN_OK);
		an_free(e);
	}
	e = unit_envelope(bytes + AN_MODEL_HEADER_SIZE, block, bytes[5], version - 1, &elen);
	if (an_ts_model_load(e, elen, &m) != AN_OK)
	{
		CHECK(!"the payload without its newest block loads as the version before");
		m = NULL;
	}
	an_free(e);
	return m;
}

#endif
