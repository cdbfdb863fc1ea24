/*
 * dbscan_state.c: writing and validating the partial state of dbscan_fit
 * (see dbscan_state.h for the layout).
 */
#include "core/state/dbscan_state.h"

#include <math.h>

#include "core/state/row_order.h"
#include "core/state/state_envelope.h"

/* The parameters dbscan_fit accepts (as dbscan_check_params in the glue, and an SQL int). */
static bool
params_ok(double eps, int64_t min_points)
{
	return isfinite(eps) && eps > 0.0 && eps <= AN_DBSCAN_MAX_EPS && min_points >= 1 && min_points <= INT32_MAX;
}

an_status
an_dbscan_state_write(double eps, int64_t min_points, bool standardize, const double *x,
					  size_t n, size_t d, uint8_t **out, size_t *out_len)
{
	an_writer	w;
	an_status	s;

	if (!params_ok(eps, min_points) || d == 0 || d > AN_DBSCAN_MAX_DIMS || n == 0)
		return AN_EINVAL;
	s = an_row_writer_init(&w, x, n, d, AN_DBSCAN_MAX_POINTS, AN_DBSCAN_STATE_FIXED_BYTES);
	if (s != AN_OK)
		return s;
	an_put_u8(&w, AN_DBSCAN_STATE_VERSION);
	an_put_u32(&w, (uint32_t) d);
	an_put_f64(&w, eps);
	an_put_i64(&w, min_points);
	an_put_u8(&w, standardize ? 1 : 0);
	return an_row_finish_sorted(&w, x, n, d, AN_KIND_DBSCAN_FIT_STATE, out, out_len);
}

an_status
an_dbscan_state_open(const uint8_t *buf, size_t len, an_dbscan_state *st)
{
	const uint8_t *payload;
	an_reader	r;
	an_status	s;
	uint8_t		version,
				standardize;
	uint32_t	d;
	double		eps;
	int64_t		min_points;

	s = an_state_begin(buf, len, AN_KIND_DBSCAN_FIT_STATE, &r, &payload);
	if (s != AN_OK)
		return s;
	version = an_get_u8(&r);
	s = an_reader_check_version(&r, version, AN_DBSCAN_STATE_VERSION);
	if (s != AN_OK)
		return s;
	d = an_get_u32(&r);
	eps = an_get_f64(&r);
	min_points = an_get_i64(&r);
	standardize = an_get_u8(&r);
	s = an_row_get_rows(&r, payload, d, params_ok(eps, min_points) && standardize <= 1, AN_DBSCAN_MAX_DIMS,
						AN_DBSCAN_MAX_POINTS, &st->n, &st->rows);
	if (s != AN_OK)
		return s;
	st->eps = eps;
	st->min_points = min_points;
	st->standardize = standardize == 1;
	st->d = d;
	return an_row_check_sorted(st->rows, st->n, st->d);
}

void
an_dbscan_state_rows(const an_dbscan_state *st, size_t from, size_t count, double *dst)
{
	an_row_decode(st->rows, st->d, from, count, dst);
}
