/*
 * mv_fit_agg.c: mv_fit(features float8[] [, options jsonb]), the aggregate
 * that fits a multivariate model (src/core/mv) over the feature vectors of
 * its rows.
 *
 * The state keeps the vectors in one array in the aggregate context, grown
 * geometrically (no palloc per row), and the options as parsed from the
 * first row's jsonb; later rows must pass the same options (compared as
 * bytes first, so that a constant options argument costs a memcmp per row).
 * The core sorts the rows before fitting, so the model does not depend on
 * row order or on how parallel workers split the input.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "core/mv/mv.h"
#include "pg/agg_support.h"
#include "pg/dbscan_common.h"
#include "pg/error_report.h"
#include "pg/mv_common.h"
#include "pg/ts_options_jsonb.h"


static void
option_error(const char *fmt, const char *arg)
{
	ereport(ERROR,
			errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			errmsg(fmt, arg),
			errhint("Valid mv_fit options are method (\"gaussian\", \"pca\" or \"gmm\"), standardize (boolean), threshold (a distance > 0, gaussian and gmm), false_alarm_rate (between 0 and 0.5), components (pca: a share of variance between 0 and 1 or a whole number of components; gmm: the most mixture components, 1 to %d), min_components and reg_covar (gmm only).", AN_MV_GMM_MAX_COMPONENTS));
}

static double
numeric_option(const JsonbValue *v, const char *key)
{
	if (v->type != jbvNumeric)
		option_error("mv_fit option \"%s\" must be a number", key);
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, NumericGetDatum(v->val.numeric)));
}

void
mv_options_from_jsonb(Jsonb *jb, an_mv_options *opt)
{
	JsonbIterator *it;
	JsonbValue	v;
	char	   *key;
	bool		have_threshold = false,
				have_far = false;
	char		err[128];

	an_mv_options_default(opt);
	it = options_object_begin(jb, "mv_fit", "{\"false_alarm_rate\": 0.01}");
	while (options_object_next(&it, &key, &v))
	{
		if (strcmp(key, "method") == 0)
		{
			if (v.type != jbvString)
				option_error("mv_fit option \"%s\" must be a string", key);
			if (v.val.string.len == 8 && strncmp(v.val.string.val, "gaussian", 8) == 0)
				opt->method = AN_MV_GAUSSIAN;
			else if (v.val.string.len == 3 && strncmp(v.val.string.val, "pca", 3) == 0)
				opt->method = AN_MV_PCA;
			else if (v.val.string.len == 3 && strncmp(v.val.string.val, "gmm", 3) == 0)
				opt->method = AN_MV_GMM;
			else
				option_error("unknown mv_fit method \"%s\"", pnstrdup(v.val.string.val, v.val.string.len));
		}
		else if (strcmp(key, "standardize") == 0)
		{
			if (v.type != jbvBool)
				option_error("mv_fit option \"%s\" must be true or false", key);
			opt->standardize = v.val.boolean;
		}
		else if (strcmp(key, "threshold") == 0)
		{
			opt->threshold = numeric_option(&v, key);
			if (!(opt->threshold > 0.0) || !isfinite(opt->threshold))
				option_error("mv_fit option \"%s\" must be a positive number", key);
			have_threshold = true;
		}
		else if (strcmp(key, "components") == 0)
		{
			opt->components = numeric_option(&v, key);
			if (!(opt->components > 0.0))
				option_error("mv_fit option \"%s\" must be a positive number", key);
		}
		else if (strcmp(key, "min_components") == 0)
		{
			opt->min_components = numeric_option(&v, key);
			if (!(opt->min_components > 0.0))
				option_error("mv_fit option \"%s\" must be a positive number", key);
		}
		else if (strcmp(key, "reg_covar") == 0)
		{
			opt->reg_covar = numeric_option(&v, key);
			if (!(opt->reg_covar > 0.0) || !isfinite(opt->reg_covar))
				option_error("mv_fit option \"%s\" must be a positive number", key);
		}
		else if (strcmp(key, "false_alarm_rate") == 0)
		{
			opt->false_alarm_rate = numeric_option(&v, key);
			have_far = true;
		}
		else
			option_error("unknown mv_fit option \"%s\"", key);
	}
	if (have_threshold && have_far)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("mv_fit options threshold and false_alarm_rate cannot both be given"),
				errhint("threshold is the Mahalanobis distance at score 1; false_alarm_rate derives it from the chi-square distribution."));
	if (an_mv_options_check(opt, err, sizeof(err)) != AN_OK)
		option_error("mv_fit option %s", err);
	/* gmm: the defaults made explicit, so that equal models have equal options (and states) */
	if (opt->method == AN_MV_GMM)
	{
		opt->components = an_mv_gmm_components(opt);
		opt->min_components = an_mv_gmm_min_components(opt);
		opt->reg_covar = an_mv_gmm_reg_covar(opt);
	}
}

/* room for more rows in s (its d set), or an error */
void
mv_fit_reserve(mv_state *s, MemoryContext cxt, int64 more)
{
	an_status	st = row_buffer_reserve(&s->rows, cxt, more, AN_MV_MAX_ROWS, 256);

	if (st == AN_ETOOMANY)
		report_status(st, "mv_fit", "At most %zu rows can be aggregated into one model.",
					  (size_t) AN_MV_MAX_ROWS);
	if (st == AN_ENOMEM)
		report_status(st, "mv_fit", "%lld rows of %d features do not fit in memory.",
					  (long long) (s->rows.n + more), s->rows.d);
}

bool
mv_same_options(const an_mv_options *a, const an_mv_options *b)
{
	return a->method == b->method && a->standardize == b->standardize &&
		a->threshold == b->threshold && a->false_alarm_rate == b->false_alarm_rate &&
		a->components == b->components && a->min_components == b->min_components &&
		a->reg_covar == b->reg_covar;
}

/* mv_fit transition: (state, features [, options]) */
PG_FUNCTION_INFO_V1(mv_fit_trans);
Datum
mv_fit_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context_or_error(fcinfo, __func__);
	mv_state   *s = PG_GETARG_STATE(0, mv_state);
	bool		has_opt = PG_NARGS() > 2 && !PG_ARGISNULL(2);
	int			n;

	/* a row with NULL features is left out, as by a strict aggregate */
	if (PG_ARGISNULL(1))
		PG_RETURN_STATE(s);
	if (s == NULL)
	{
		s = MemoryContextAllocZero(aggcxt, sizeof(mv_state));
		an_mv_options_default(&s->opt);
		if (has_opt)
		{
			bytea	   *raw = PG_GETARG_BYTEA_PP(2);

			mv_options_from_jsonb(PG_GETARG_JSONB_P(2), &s->opt);
			s->opt_raw = MemoryContextAlloc(aggcxt, VARSIZE_ANY(raw));
			memcpy(s->opt_raw, raw, VARSIZE_ANY(raw));
		}
	}
	else if (has_opt)
	{
		bytea	   *raw = PG_GETARG_BYTEA_PP(2);

		/* the common case, the same options on every row, costs a memcmp */
		if (s->opt_raw == NULL || VARSIZE_ANY(raw) != VARSIZE_ANY(s->opt_raw) ||
			memcmp(raw, s->opt_raw, VARSIZE_ANY(raw)) != 0)
		{
			an_mv_options o;

			mv_options_from_jsonb(PG_GETARG_JSONB_P(2), &o);
			if (!mv_same_options(&o, &s->opt))
				report_varying_parameters("mv_fit options", "Pass the same options on every row of a group.");
		}
	}
	if (s->rows.d == 0)
	{
		ArrayType  *arr = DatumGetArrayTypeP(PG_GETARG_DATUM(1));
		ArrayType  *copy;

		/* our bound first: dbscan_features knows only DBSCAN's larger one */
		if (ARR_NDIM(arr) == 1 && ARR_DIMS(arr)[0] > AN_MV_MAX_DIMS)
			mv_report_too_many_dims(ARR_DIMS(arr)[0]);
		(void) dbscan_features(PointerGetDatum(arr), "features", 0, &n, &copy);
		s->rows.d = n;
		if ((Pointer) arr != DatumGetPointer(PG_GETARG_DATUM(1)))
			pfree(arr);
	}
	mv_fit_reserve(s, aggcxt, 1);
	n = dbscan_features_copy(PG_GETARG_DATUM(1), "features", 0, s->rows.x + s->rows.n * s->rows.d, s->rows.d);
	if (n != s->rows.d)
		dbscan_report_length_mismatch(n, s->rows.d, 0);
	s->rows.n++;
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(mv_fit_combine);
Datum
mv_fit_combine(PG_FUNCTION_ARGS)
{
	return agg_combine(fcinfo, __func__, &mv_row_state.combine);
}

PG_FUNCTION_INFO_V1(mv_fit_serial);
Datum
mv_fit_serial(PG_FUNCTION_ARGS)
{
	mv_state   *s = (mv_state *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, s->rows.d);
	pq_sendbyte(&buf, (uint8) s->opt.method);
	pq_sendbyte(&buf, s->opt.standardize ? 1 : 0);
	pq_sendfloat8(&buf, s->opt.threshold);
	pq_sendfloat8(&buf, s->opt.false_alarm_rate);
	pq_sendfloat8(&buf, s->opt.components);
	pq_sendfloat8(&buf, s->opt.min_components);
	pq_sendfloat8(&buf, s->opt.reg_covar);
	row_buffer_send(&buf, &s->rows);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(mv_fit_deserial);
Datum
mv_fit_deserial(PG_FUNCTION_ARGS)
{
	bytea	   *raw = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt = agg_context_or_error(fcinfo, __func__);
	StringInfoData buf;
	mv_state   *s;
	char		err[128];

	state_buffer_init(&buf, raw);
	s = MemoryContextAllocZero(aggcxt, sizeof(mv_state));
	s->rows.d = pq_getmsgint(&buf, 4);
	s->opt.method = (an_mv_method) pq_getmsgbyte(&buf);
	s->opt.standardize = pq_getmsgbyte(&buf) != 0;
	s->opt.threshold = pq_getmsgfloat8(&buf);
	s->opt.false_alarm_rate = pq_getmsgfloat8(&buf);
	s->opt.components = pq_getmsgfloat8(&buf);
	s->opt.min_components = pq_getmsgfloat8(&buf);
	s->opt.reg_covar = pq_getmsgfloat8(&buf);
	row_state_receive(&mv_row_state, s, &buf, an_mv_options_check(&s->opt, err, sizeof(err)) == AN_OK, aggcxt);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(mv_fit_final);
Datum
mv_fit_final(PG_FUNCTION_ARGS)
{
	mv_state   *s = PG_GETARG_STATE(0, mv_state);
	uint8_t    *blob;
	size_t		len;
	an_status	st;

	if (s == NULL || s->rows.n == 0)
		PG_RETURN_NULL();
	if (s->rows.n < 2)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("mv_fit needs at least 2 rows"),
				errdetail("Got 1 row of %d features.", s->rows.d),
				errhint("A model needs at least 2 rows; with fewer rows than features + 1 its covariance is regularised (see mv_model_info)."));
	if (s->opt.method == AN_MV_PCA && s->rows.d < 2)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("mv_fit method pca needs at least 2 features"),
				errhint("With one feature use method gaussian."));
	if (s->opt.method == AN_MV_PCA && s->opt.components >= 1.0 && s->opt.components > s->rows.d - 1)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("mv_fit option components must be less than the number of features"),
				errdetail("Got components %g with %d features.", s->opt.components, s->rows.d),
				errhint("Keep at most %d components, or give a share of variance between 0 and 1.", s->rows.d - 1));
	if (s->opt.method == AN_MV_GMM && s->rows.n < an_mv_gmm_min_components(&s->opt))
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("mv_fit method gmm needs at least as many rows as min_components"),
				errdetail("Got %lld rows for min_components %u.", (long long) s->rows.n,
						  an_mv_gmm_min_components(&s->opt)),
				errhint("Lower min_components, or fit over more rows."));
	st = an_mv_fit(s->rows.x, (size_t) s->rows.n, (size_t) s->rows.d, &s->opt, &blob, &len, NULL);
	if (st == AN_EINVAL && s->opt.method == AN_MV_GMM)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("mv_fit method gmm needs at least as many distinct rows as min_components"),
				errdetail("The %lld rows have fewer than %u distinct feature vectors.", (long long) s->rows.n,
						  an_mv_gmm_min_components(&s->opt)),
				errhint("Lower min_components: a mixture component needs a distinct centre."));
	if (st == AN_ENONFINITE && s->opt.method == AN_MV_GMM)
		report_status(st, "mv_fit", "A mixture covariance could not be factored; raise reg_covar or keep standardize on.");
	if (st == AN_ENONFINITE)
		report_status(st, "mv_fit", "Standardising or the covariance of the features overflowed.");
	report_status(st, "mv_fit", NULL);
	PG_RETURN_BYTEA_P(bytea_from_core(blob, len));
}
