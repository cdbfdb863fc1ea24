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

#endif
