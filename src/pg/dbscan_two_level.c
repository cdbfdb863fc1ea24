/*
 * dbscan_two_level.c: the two-level form of dbscan_fit (see two_level.c for
 * the pattern; format and validation in core/state/dbscan_state.h).
 *
 *   dbscan_fit_state(features, eps, min_points [, standardize]) -> bytea   kind dbscan_fit_state
 *   dbscan_fit_state(state bytea)                               -> bytea   states merged into one
 *   dbscan_fit_merge(state bytea)                               -> bytea   the model dbscan_fit returns
 *
 * The states carry the rows' vectors and the parameters; the merge feeds
 * them to dbscan_fit's own state, combine and final functions, and the fit
 * sorts the rows first, so the model is byte for byte dbscan_fit's over all
 * the rows whatever the split.  DBSCAN needs every point, so a state is as
 * large as its rows (docs/scaling.md).
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/array.h"
#include "utils/float.h"

#include "core/state/dbscan_state.h"
#include "pg/agg_support.h"
#include "pg/dbscan_common.h"
#include "pg/error_report.h"

static void
reserve_rows(void *s, MemoryContext cxt, int64 more)
{
	dbscan_fit_reserve(s, cxt, more);
}

static void
copy_params(void *dst, const void *src)
{
	dbscan_agg_state *to = dst;
	const dbscan_agg_state *from = src;

	to->eps = from->eps;
	to->min_points = from->min_points;
	to->standardize = from->standardize;
}

/* States made with other parameters: name both sets when merging two-level states. */
static void
check_params(const void *s, const void *other, bool merging)
{
	const dbscan_agg_state *a = s;
	const dbscan_agg_state *b = other;

	if (b->eps == a->eps && b->min_points == a->min_points && b->standardize == a->standardize)
		return;
	if (!merging)
		report_varying_parameters("eps, min_points and standardize", NULL);
	ereport(ERROR,
			errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			errmsg("eps, min_points and standardize must be the same for every row of a group"),
			errdetail("A state has eps %s, min_points %lld, standardize %s; the first had eps %s, min_points %lld, standardize %s.",
					  float8out_internal(b->eps), (long long) b->min_points, b->standardize ? "true" : "false",
					  float8out_internal(a->eps), (long long) a->min_points, a->standardize ? "true" : "false"),
			errhint("Merge only states made with the same eps, min_points and standardize."));
}

static an_status
open_state(const uint8_t *buf, size_t len, void *like, RowStateView *view)
{
	an_dbscan_state vs;
	an_status	st = an_dbscan_state_open(buf, len, &vs);
	dbscan_agg_state *s = like;

	if (st == AN_OK)
	{
		s->eps = vs.eps;
		s->min_points = vs.min_points;
		s->standardize = vs.standardize;
		*view = (RowStateView) {vs.d, vs.n, vs.rows};
	}
	return st;
}

/* the vectors (sorted by the writer) and the parameters */
static an_status
write_state(const void *state, uint8_t **out, size_t *out_len)
{
	const dbscan_agg_state *s = state;

	return an_dbscan_state_write(s->eps, s->min_points, s->standardize, s->rows.x, (size_t) s->rows.n,
								 (size_t) s->rows.d, out, out_len);
}

/*
 * dbscan_fit's kind of state (for its combine and deserial functions too),
 * dbscan_fit_state_final and dbscan_fit_merge_transition
 */
ROW_STATE_KIND(dbscan_row_state, dbscan_fit, dbscan_agg_state, AN_DBSCAN_MAX_DIMS, AN_DBSCAN_MAX_POINTS);
