/*
 * mv_score.c: mv_score, mv_detect and mv_model_info over a model of mv_fit,
 * decoded once per distinct model through the shared model cache.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "core/model_format.h"
#include "core/mv/mv.h"
#include "pg/dbscan_common.h"
#include "pg/error_report.h"
#include "pg/model_cache.h"
#include "pg/mv_common.h"

void
mv_report_too_many_dims(int n)
{
	ereport(ERROR,
			errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			errmsg("features has too many elements for mv_fit"),
			errdetail("Got %d elements; at most %d are supported.", n, AN_MV_MAX_DIMS));
}

/* Decode and validate a model (in the cache's memory context). */
static void *
mv_decode(const uint8 *bytes, Size len, const char *fname)
{
	Size		payload_len;
	const uint8_t *payload = model_open_kind(bytes, len, AN_KIND_MV, "multivariate", fname, &payload_len);
	an_mv_model *m = palloc0(sizeof(an_mv_model));

	report_payload_status(an_mv_model_decode(payload, payload_len, m), fname);
	return m;
}

static void
mv_free(void *model)
{
	an_mv_model_free((an_mv_model *) model);
	pfree(model);
}

static const ModelCacheKind mv_kind = {mv_decode, mv_free};

/*
 * Score the features argument (argno 1) against the model (argno 0);
 * contrib (model d entries) may be NULL.
 */
static const an_mv_model *
score_args(FunctionCallInfo fcinfo, const char *fname, an_mv_result *res, double **contrib)
{
	const an_mv_model *m = model_cache_get(fcinfo, 0, &mv_kind, fname);
	double		buf[3 * 16];
	double	   *x = m->d <= 16 ? buf : palloc(3 * m->d * sizeof(double));
	int			n;

	n = dbscan_features_copy(PG_GETARG_DATUM(1), "features", 0, x, (int) m->d);
	if ((uint32) n != m->d)
		ereport(ERROR,
				errcode(ERRCODE_DATA_EXCEPTION),
				errmsg("features has %d elements but the model has %u", n, m->d));
	if (contrib)
		*contrib = palloc(m->d * sizeof(double));
	report_status(an_mv_score(m, x, m->d, x + m->d, res, contrib ? *contrib : NULL), fname, NULL);
	if (x != buf)
		pfree(x);
	return m;
}

PG_FUNCTION_INFO_V1(mv_score);
/* mv_score(model, features): 0 at the centre, 1 at the edge of normal */
Datum
mv_score(PG_FUNCTION_ARGS)
{
	an_mv_result r;

	score_args(fcinfo, "mv_score", &r, NULL);
	PG_RETURN_FLOAT8(r.score);
}

PG_FUNCTION_INFO_V1(mv_detect);
/* mv_detect(model, features): (score, is_anomaly, distance, contributions) */
Datum
mv_detect(PG_FUNCTION_ARGS)
{
	an_mv_result r;
	double	   *contrib;
	const an_mv_model *m = score_args(fcinfo, "mv_detect", &r, &contrib);
	TupleDesc	tupdesc = model_cached_result_desc(fcinfo);
	Datum	   *elems = palloc(m->d * sizeof(Datum));
	Datum		values[4];
	bool		nulls[4] = {false};

	for (uint32 k = 0; k < m->d; k++)
		elems[k] = Float8GetDatum(contrib[k]);
	values[0] = Float8GetDatum(r.score);
	values[1] = BoolGetDatum(r.is_anomaly);
	values[2] = Float8GetDatum(r.distance);
	values[3] = PointerGetDatum(construct_array(elems, (int) m->d, FLOAT8OID, sizeof(float8),
												FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

PG_FUNCTION_INFO_V1(mv_log_likelihood);
/*
 * mv_log_likelihood(model, features): the log density of the features under
 * the model, in their units (gaussian: the robust Gaussian; gmm: the
 * mixture); NULL for pca, whose score is not a density.
 */
Datum
mv_log_likelihood(PG_FUNCTION_ARGS)
{
	an_mv_result r;

	score_args(fcinfo, "mv_log_likelihood", &r, NULL);
	if (isnan(r.log_likelihood))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(r.log_likelihood);
}

static void
append_array(StringInfo s, const char *key, const double *v, uint32 n)
{
	appendStringInfo(s, ", \"%s\": [", key);
	for (uint32 k = 0; k < n; k++)
		appendStringInfo(s, "%s%.17g", k ? ", " : "", v[k]);
	appendStringInfoChar(s, ']');
}

/* A matrix (d x d, symmetric) in the units of the features. */
static void
append_matrix(StringInfo s, const an_mv_model *m, const double *a)
{
	uint32		d = m->d;

	appendStringInfoChar(s, '[');
	for (uint32 i = 0; i < d; i++)
	{
		appendStringInfo(s, "%s[", i ? ", " : "");
		for (uint32 j = 0; j < d; j++)
			appendStringInfo(s, "%s%.17g", j ? ", " : "", m->scale[i] * m->scale[j] * a[(size_t) i * d + j]);
		appendStringInfoChar(s, ']');
	}
	appendStringInfoChar(s, ']');
}

/*
 * The gmm section: components, weights, means, covariances and the
 * k-means++ centres EM started from, in the units of the features; BIC per
 * k tried (in feature units too); iterations, convergence, regularisation.
 */
static void
append_gmm(StringInfo s, const an_mv_model *m)
{
	uint32		d = m->d,
				k = m->gmm_k;
	double	   *v = palloc(d * sizeof(double));

	appendStringInfo(s, ", \"gmm\": {\"components\": %u, \"min_components\": %u, \"max_components\": %u",
					 k, m->gmm_min_k, m->gmm_max_k);
	appendStringInfo(s, ", \"iterations\": %u, \"converged\": %s, \"reg_covar\": %.17g",
					 m->gmm_iter, m->gmm_converged ? "true" : "false", m->gmm_reg_covar);
	appendStringInfo(s, ", \"lower_bound\": %.17g, \"regularized_features\": %u",
					 m->gmm_lower_bound - m->log_scale_sum, m->n_floored);
	appendStringInfoString(s, ", \"bic\": [");
	for (uint32 j = m->gmm_min_k; j <= m->gmm_hi_k; j++)
		appendStringInfo(s, "%s{\"components\": %u, \"bic\": %.17g}", j > m->gmm_min_k ? ", " : "", j,
						 m->gmm_bic[j - m->gmm_min_k]);
	appendStringInfoChar(s, ']');
	append_array(s, "weights", m->gmm_weights, k);
	appendStringInfoString(s, ", \"means\": [");
	for (uint32 j = 0; j < k; j++)
	{
		for (uint32 c = 0; c < d; c++)
			v[c] = m->center[c] + m->scale[c] * m->gmm_means[(size_t) j * d + c];
		appendStringInfo(s, "%s[", j ? ", " : "");
		for (uint32 c = 0; c < d; c++)
			appendStringInfo(s, "%s%.17g", c ? ", " : "", v[c]);
		appendStringInfoChar(s, ']');
	}
	appendStringInfoString(s, "], \"covariances\": [");
	for (uint32 j = 0; j < k; j++)
	{
		if (j)
			appendStringInfoString(s, ", ");
		append_matrix(s, m, m->gmm_covs + (size_t) j * d * d);
	}
	appendStringInfoString(s, "], \"init_means\": [");
	for (uint32 j = 0; j < k; j++)
	{
		appendStringInfo(s, "%s[", j ? ", " : "");
		for (uint32 c = 0; c < d; c++)
			appendStringInfo(s, "%s%.17g", c ? ", " : "",
							 m->center[c] + m->scale[c] * m->gmm_init_means[(size_t) j * d + c]);
		appendStringInfoChar(s, ']');
	}
	appendStringInfo(s, "], \"peak_log_likelihood\": %.17g}", m->gmm_peak - m->log_scale_sum);
	pfree(v);
}

PG_FUNCTION_INFO_V1(mv_model_info);
/*
 * mv_model_info(model): what the model learned, as jsonb.  Location and
 * covariance are given in the units of the features (the model keeps them
 * in the standardised space when standardize was on).
 */
Datum
mv_model_info(PG_FUNCTION_ARGS)
{
	const an_mv_model *m = model_cache_get(fcinfo, 0, &mv_kind, "mv_model_info");
	uint32		d = m->d;
	double	   *loc = palloc(d * sizeof(double));
	double	   *row = palloc(d * sizeof(double));
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfo(&s, "{\"kind\": \"mv\", \"method\": \"%s\", \"dimensions\": %u",
					 an_mv_method_name(m->method), d);
	appendStringInfo(&s, ", \"rows\": " UINT64_FORMAT ", \"support\": " UINT64_FORMAT
					 ", \"reweighted\": " UINT64_FORMAT,
					 m->n_rows, m->n_support, m->n_reweighted);
	appendStringInfo(&s, ", \"standardize\": %s, \"threshold\": %.17g",
					 m->standardized ? "true" : "false", m->threshold);
	if (m->false_alarm_rate > 0.0)
		appendStringInfo(&s, ", \"false_alarm_rate\": %.17g", m->false_alarm_rate);
	else
		appendStringInfoString(&s, ", \"false_alarm_rate\": null");
	appendStringInfo(&s, ", \"regularized\": %s, \"floored_eigenvalues\": %u",
					 m->n_floored > 0 ? "true" : "false", m->n_floored);
	for (uint32 k = 0; k < d; k++)
		loc[k] = m->center[k] + m->scale[k] * m->location[k];
	append_array(&s, "location", loc, d);
	appendStringInfoString(&s, ", \"covariance\": [");
	for (uint32 i = 0; i < d; i++)
	{
		for (uint32 j = 0; j < d; j++)
			row[j] = m->scale[i] * m->scale[j] * m->covariance[(size_t) i * d + j];
		appendStringInfo(&s, "%s[", i ? ", " : "");
		for (uint32 j = 0; j < d; j++)
			appendStringInfo(&s, "%s%.17g", j ? ", " : "", row[j]);
		appendStringInfoChar(&s, ']');
	}
	appendStringInfoChar(&s, ']');
	if (m->method == AN_MV_GMM)
		append_gmm(&s, m);
	/* the raw MCD estimate, before the consistency correction and the reweighting */
	for (uint32 k = 0; k < d && m->raw_location; k++)
		loc[k] = m->center[k] + m->scale[k] * m->raw_location[k];
	if (m->raw_location)
		append_array(&s, "raw_location", loc, d);
	if (m->raw_covariance)
		appendStringInfoString(&s, ", \"raw_covariance\": [");
	for (uint32 i = 0; i < d && m->raw_covariance; i++)
	{
		appendStringInfo(&s, "%s[", i ? ", " : "");
		for (uint32 j = 0; j < d; j++)
			appendStringInfo(&s, "%s%.17g", j ? ", " : "",
							 m->scale[i] * m->scale[j] * m->raw_covariance[(size_t) i * d + j]);
		appendStringInfoChar(&s, ']');
	}
	if (m->raw_covariance)
		appendStringInfoChar(&s, ']');
	if (m->method == AN_MV_PCA)
	{
		/* in the model's space: standardised units when standardize was on */
		double		total = 0.0,
					cum = 0.0;

		for (uint32 k = 0; k < d; k++)
			total += m->eigenvalues[k];
		appendStringInfo(&s, ", \"pca\": {\"components\": %u", m->pca_k);
		if (m->pca_components_option > 0.0)
			appendStringInfo(&s, ", \"components_option\": %.17g", m->pca_components_option);
		else
			appendStringInfo(&s, ", \"components_option\": null");
		for (uint32 k = 0; k < m->pca_k; k++)
			cum += m->eigenvalues[k];
		appendStringInfo(&s, ", \"explained_variance\": %.17g", cum / total);
		append_array(&s, "eigenvalues", m->eigenvalues, d);
		for (uint32 k = 0; k < d; k++)
			loc[k] = m->eigenvalues[k] / total;
		append_array(&s, "explained_variance_ratio", loc, d);
		appendStringInfoString(&s, ", \"axes\": [");
		for (uint32 i = 0; i < m->pca_k; i++)
		{
			appendStringInfo(&s, "%s[", i ? ", " : "");
			for (uint32 j = 0; j < d; j++)
				appendStringInfo(&s, "%s%.17g", j ? ", " : "", m->axes[(size_t) i * d + j]);
			appendStringInfoChar(&s, ']');
		}
		appendStringInfo(&s, "], \"t2_threshold\": %.17g, \"spe_threshold\": %.17g}",
						 m->t2_limit, m->spe_limit);
	}
	if (m->standardized)
	{
		append_array(&s, "center", m->center, d);
		append_array(&s, "scale", m->scale, d);
	}
	appendStringInfoChar(&s, '}');
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(s.data)));
}
