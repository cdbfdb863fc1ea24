/*
 * mv_model.c: fitting, encoding, decoding and scoring of the multivariate
 * model (kind AN_KIND_MV).
 *
 * Payload, version 1 (little-endian, field by field):
 *   u8  payload version (1; 2 for method pca)
 *   u8  method (1 = gaussian, 2 = pca)
 *   u8  standardized (0/1)        u8  reserved (0)
 *   u32 d (1..AN_MV_MAX_DIMS)
 *   u64 n_rows (>= 2)  u64 n_support (<= n_rows)  u64 n_reweighted (<= n_rows)
 *   u32 n_floored (<= d)
 *   f64 threshold (finite, > 0)   f64 false_alarm_rate (0 = threshold given, else in (0, 0.5))
 *   f64 center[d] (finite)  f64 scale[d] (finite, > 0)
 *   f64 location[d] (finite)
 *   f64 covariance[d * d] (finite, exactly symmetric, positive definite)
 *   f64 raw_location[d], f64 raw_covariance[d * d] (finite, exactly symmetric):
 *       the raw MCD estimate, for mv_model_info and the exactness tests
 * Method pca writes version 2: the same fields (covariance = the floored
 * reweighted estimate its subspace comes from, threshold = sqrt(T^2 limit))
 * followed by the pca section (mv_pca.c).  Version 1 is gaussian only;
 * gaussian models are still written as version 1, byte for byte.
 * The reader checks every field and the exact length before allocating by
 * the counts, and factors the covariance (refusing one that does not).
 */
#include "core/mv/mv_internal.h"
#include "core/model_format.h"
#include "core/state/row_order.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* 1 / Phi^-1(3/4): makes the MAD a consistent estimate of a Gaussian sigma */
#define MAD_TO_SIGMA 1.482602218505602

void
an_mv_options_default(an_mv_options *o)
{
	memset(o, 0, sizeof(*o));
	o->method = AN_MV_GAUSSIAN;
	o->standardize = true;
	o->threshold = 0.0;
	o->false_alarm_rate = AN_MV_DEFAULT_FALSE_ALARM_RATE;
	o->components = 0.0;
}

an_status
an_mv_options_check(const an_mv_options *o, char *err, size_t errlen)
{
	if (o->method != AN_MV_GAUSSIAN && o->method != AN_MV_PCA && o->method != AN_MV_GMM)
	{
		snprintf(err, errlen, "unknown method");
		return AN_EINVAL;
	}
	if (o->method == AN_MV_PCA && o->threshold != 0.0)
	{
		snprintf(err, errlen, "threshold is not supported by method pca (use false_alarm_rate)");
		return AN_EINVAL;
	}
	if (o->method == AN_MV_GAUSSIAN && o->components != 0.0)
	{
		snprintf(err, errlen, "components is only used by methods pca and gmm");
		return AN_EINVAL;
	}
	if (o->method != AN_MV_GMM && (o->min_components != 0.0 || o->reg_covar != 0.0))
	{
		snprintf(err, errlen, "%s is only used by method gmm", o->min_components != 0.0 ? "min_components" : "reg_covar");
		return AN_EINVAL;
	}
	if (o->method == AN_MV_GMM)
	{
		if (!(o->components == 0.0 || (o->components >= 1.0 && o->components <= AN_MV_GMM_MAX_COMPONENTS &&
									   o->components == floor(o->components))))
		{
			snprintf(err, errlen, "components must be a whole number between 1 and %d for method gmm",
					 AN_MV_GMM_MAX_COMPONENTS);
			return AN_EINVAL;
		}
		if (!(o->min_components == 0.0 || (o->min_components >= 1.0 && o->min_components == floor(o->min_components) &&
										   o->min_components <= (double) an_mv_gmm_components(o))))
		{
			snprintf(err, errlen, "min_components must be a whole number between 1 and components (%u)",
					 an_mv_gmm_components(o));
			return AN_EINVAL;
		}
		if (!(o->reg_covar >= 0.0) || !isfinite(o->reg_covar))
		{
			snprintf(err, errlen, "reg_covar must be a positive number");
			return AN_EINVAL;
		}
	}
	if (!(o->components == 0.0 || (o->components > 0.0 && o->components < 1.0) ||
		  (o->components >= 1.0 && o->components <= AN_MV_MAX_DIMS && o->components == floor(o->components))))
	{
		snprintf(err, errlen, "components must be a share of variance between 0 and 1 or a whole number of components");
		return AN_EINVAL;
	}
	if (!(o->threshold >= 0.0) || !isfinite(o->threshold))
	{
		snprintf(err, errlen, "threshold must be a positive number");
		return AN_EINVAL;
	}
	if (!(o->false_alarm_rate > 0.0 && o->false_alarm_rate < 0.5))
	{
		snprintf(err, errlen, "false_alarm_rate must be between 0 and 0.5 (exclusive)");
		return AN_EINVAL;
	}
	return AN_OK;
}

const char *
an_mv_method_name(an_mv_method m)
{
	return m == AN_MV_GAUSSIAN ? "gaussian" : m == AN_MV_PCA ? "pca" : m == AN_MV_GMM ? "gmm" : NULL;
}

/*
 * center = median, scale = MAD * 1.4826, falling back to the standard
 * deviation when more than half the values are equal, and to 1 for a
 * constant feature; then x is scaled in place.
 */
static bool
standardize(double *x, size_t n, size_t d, double *center, double *scale)
{
	double	   *col = an_alloc_array(n, sizeof(double));

	if (!col)
		return false;
	for (size_t k = 0; k < d; k++)
	{
		double		med,
					mad,
					mean = 0.0,
					ss = 0.0;

		an_check_interrupts();
		for (size_t i = 0; i < n; i++)
			col[i] = x[i * d + k];
		med = mv_median(col, n);
		for (size_t i = 0; i < n; i++)
		{
			mean += x[i * d + k];
			col[i] = fabs(x[i * d + k] - med);
		}
		mad = mv_median(col, n) * MAD_TO_SIGMA;
		mean /= (double) n;
		for (size_t i = 0; i < n; i++)
			ss += (x[i * d + k] - mean) * (x[i * d + k] - mean);
		center[k] = med;
		scale[k] = mad > 0.0 && isfinite(mad) ? mad : sqrt(ss / (double) n);
		if (!(scale[k] > 0.0) || !isfinite(scale[k]))
			scale[k] = 1.0;
		for (size_t i = 0; i < n; i++)
			x[i * d + k] = (x[i * d + k] - center[k]) / scale[k];
	}
	an_free(col);
	return true;
}

/* The fields every method writes first: the head and center / scale. */
static void
write_head(an_writer *w, const an_mv_options *opt, size_t d, size_t n, const an_mv_fit_info *info,
		   double threshold, double far, const double *center, const double *scale)
{
	an_put_u8(w, opt->method == AN_MV_GMM ? AN_MV_PAYLOAD_VERSION_GMM :
			  opt->method == AN_MV_PCA ? AN_MV_PAYLOAD_VERSION_PCA : AN_MV_PAYLOAD_VERSION);
	an_put_u8(w, (uint8_t) opt->method);
	an_put_u8(w, opt->standardize ? 1 : 0);
	an_put_u8(w, 0);
	an_put_u32(w, (uint32_t) d);
	an_put_u64(w, n);
	an_put_u64(w, info->n_support);
	an_put_u64(w, info->n_reweighted);
	an_put_u32(w, info->n_floored);
	an_put_f64(w, threshold);
	an_put_f64(w, far);
	an_put_f64_array(w, center, d);
	an_put_f64_array(w, scale, d);
}

an_status
an_mv_fit(const double *x, size_t n, size_t d, const an_mv_options *opt,
		  uint8_t **out, size_t *out_len, an_mv_fit_info *info_out)
{
	uint32_t   *ord = NULL;
	double	   *xs = NULL,
			   *center = NULL,
			   *scale = NULL,
			   *loc = NULL,
			   *cov = NULL,
			   *l = NULL,
			   *raw_loc = NULL,
			   *raw_cov = NULL;
	an_mv_fit_info info;
	double		threshold,
				far,
				ld;
	int			floored;
	an_writer	w;
	an_status	st = AN_ENOMEM;
	char		err[128];
	an_mv_model pca;
	double	   *eig = NULL,
			   *axes = NULL;

	*out = NULL;
	*out_len = 0;
	if (d < 1 || d > AN_MV_MAX_DIMS || n < 2 || an_mv_options_check(opt, err, sizeof(err)) != AN_OK)
		return AN_EINVAL;
	if (opt->method == AN_MV_PCA &&
		(d < 2 || (opt->components >= 1.0 && opt->components > (double) (d - 1))))
		return AN_EINVAL;
	if (n > AN_MV_MAX_ROWS)
		return AN_ETOOMANY;
	for (size_t i = 0; i < n * d; i++)
		if (!isfinite(x[i]))
			return AN_ENONFINITE;
	memset(&info, 0, sizeof(info));
	ord = an_alloc_array(n, sizeof(uint32_t));
	xs = an_alloc_array(n, d * sizeof(double));
	center = an_alloc_array(d, sizeof(double));
	scale = an_alloc_array(d, sizeof(double));
	loc = an_alloc_array(d, sizeof(double));
	cov = an_alloc_array(d, d * sizeof(double));
	l = an_alloc_array(d, d * sizeof(double));
	raw_loc = an_alloc_array(d, sizeof(double));
	raw_cov = an_alloc_array(d, d * sizeof(double));
	if (!ord || !xs || !center || !scale || !loc || !cov || !l || !raw_loc || !raw_cov ||
		an_row_sort(x, n, d, ord) != AN_OK)
		goto done;
	/*
	 * the canonical order (shared with the partial states: -0 before +0): the
	 * model must not depend on the order rows arrived in
	 */
	for (size_t i = 0; i < n; i++)
		memcpy(xs + i * d, x + (size_t) ord[i] * d, d * sizeof(double));
	if (opt->standardize)
	{
		if (!standardize(xs, n, d, center, scale))
			goto done;
	}
	else
		for (size_t k = 0; k < d; k++)
		{
			center[k] = 0.0;
			scale[k] = 1.0;
		}
	for (size_t i = 0; i < n * d; i++)
		if (!isfinite(xs[i]))
		{
			st = AN_ENONFINITE;	/* scaling overflowed */
			goto done;
		}
	if (opt->method == AN_MV_GMM)
	{
		an_mv_model g;

		st = mv_gmm_build(xs, n, d, opt, scale, &g, &threshold, &far);
		if (st == AN_OK)
		{
			info.n_support = n;
			info.n_reweighted = n;
			info.n_floored = g.n_floored;
			an_writer_init(&w);
			write_head(&w, opt, d, n, &info, threshold, far, center, scale);
			mv_gmm_put(&w, &g);
			st = an_writer_finish(&w, AN_KIND_MV, out, out_len);
			if (info_out)
				*info_out = info;
		}
		an_mv_model_free(&g);
		goto done;
	}
	st = an_mv_mcd_raw(xs, n, d, loc, cov, NULL, &info, raw_loc, raw_cov);
	if (st != AN_OK)
		goto done;
	st = AN_ENOMEM;
	floored = mv_floor_eigen(cov, d);
	if (floored < 0)
		goto done;
	info.n_floored = (uint32_t) floored;
	for (size_t i = 0; i < d * d; i++)
		if (!isfinite(cov[i]))
		{
			st = AN_ENONFINITE;
			goto done;
		}
	if (!mv_cholesky(cov, d, l, &ld))
	{
		st = AN_ECORRUPT;		/* cannot happen after flooring */
		goto done;
	}
	memset(&pca, 0, sizeof(pca));
	if (opt->method == AN_MV_PCA)
	{
		eig = an_alloc_array(d, sizeof(double));
		axes = an_alloc_array(d, d * sizeof(double));
		if (!eig || !axes)
			goto done;
		st = mv_pca_build(cov, d, info.n_reweighted, opt->components, opt->false_alarm_rate,
						  &pca.pca_k, eig, axes, &pca.t2_limit, &pca.spe_limit);
		if (st != AN_OK)
			goto done;
		pca.d = (uint32_t) d;
		pca.pca_components_option = opt->components;
		pca.eigenvalues = eig;
		pca.axes = axes;		/* the first k columns are the first k axes */
		far = opt->false_alarm_rate;
		threshold = sqrt(pca.t2_limit);
	}
	else if (opt->threshold > 0.0)
	{
		threshold = opt->threshold;
		far = 0.0;
	}
	else
	{
		far = opt->false_alarm_rate;
		threshold = sqrt(an_chi2_ppf(1.0 - far, (double) d));
	}

	an_writer_init(&w);
	an_writer_reserve(&w, 64 + (4 * d + 2 * d * d) * 8);
	write_head(&w, opt, d, n, &info, threshold, far, center, scale);
	an_put_f64_array(&w, loc, d);
	an_put_f64_array(&w, cov, d * d);
	an_put_f64_array(&w, raw_loc, d);
	an_put_f64_array(&w, raw_cov, d * d);
	if (opt->method == AN_MV_PCA)
		mv_pca_put(&w, &pca);
	st = an_writer_finish(&w, AN_KIND_MV, out, out_len);
	if (info_out)
		*info_out = info;
done:
	AN_FREE_ALL(ord, xs, center, scale, loc, cov, l, raw_loc, raw_cov, eig, axes);
	return st;
}

void
an_mv_model_free(an_mv_model *m)
{
	AN_FREE_ALL(m->center, m->scale, m->location, m->covariance, m->chol, m->prec_diag,
				m->raw_location, m->raw_covariance, m->eigenvalues, m->axes, m->gmm_bic,
				m->gmm_weights, m->gmm_means, m->gmm_covs, m->gmm_init_means, m->gmm_chol,
				m->gmm_prec_diag, m->gmm_log_norm);
	memset(m, 0, sizeof(*m));
}

/* Read center and scale (shared by every method's head). */
static void
read_center_scale(an_reader *r, an_mv_model *m)
{
	for (size_t k = 0; k < m->d; k++)
		m->center[k] = an_get_f64_finite(r);
	for (size_t k = 0; k < m->d; k++)
	{
		m->scale[k] = an_get_f64_finite(r);
		if (r->status == AN_OK && !(m->scale[k] > 0.0))
			an_reader_fail(r, AN_ECORRUPT);
	}
}

/* The end of a decode with status st: the sum of the log scales the scores need, or m freed. */
static an_status
decode_finish(an_mv_model *m, an_status st)
{
	if (st == AN_OK)
		for (size_t k = 0; k < m->d; k++)
			m->log_scale_sum += log(m->scale[k]);
	if (st != AN_OK)
		an_mv_model_free(m);
	return st;
}

/* The rest of a gmm payload after its head (version 3, see mv_gmm.c). */
static an_status
decode_gmm(an_reader *r, an_mv_model *m)
{
	size_t		d = m->d;
	an_status	st;

	if (an_reader_remaining(r) < 2 * d * 8)
		return AN_ETRUNCATED;
	m->center = an_alloc_array(d, sizeof(double));
	m->scale = an_alloc_array(d, sizeof(double));
	if (!m->center || !m->scale)
	{
		an_mv_model_free(m);
		return AN_ENOMEM;
	}
	read_center_scale(r, m);
	st = r->status;
	if (st == AN_OK)
		st = mv_gmm_get(r, m);
	if (st == AN_OK)
		st = an_reader_finish(r);
	return decode_finish(m, st);
}

an_status
an_mv_model_decode(const uint8_t *payload, size_t len, an_mv_model *m)
{
	an_reader	r;
	uint8_t		version,
				method,
				standardized,
				reserved;
	uint64_t	d;
	an_status	st;

	memset(m, 0, sizeof(*m));
	an_reader_init(&r, payload, len);
	version = an_get_u8(&r);
	method = an_get_u8(&r);
	standardized = an_get_u8(&r);
	reserved = an_get_u8(&r);
	d = an_get_u32(&r);
	m->n_rows = an_get_u64(&r);
	m->n_support = an_get_u64(&r);
	m->n_reweighted = an_get_u64(&r);
	m->n_floored = an_get_u32(&r);
	m->threshold = an_get_f64_finite(&r);
	m->false_alarm_rate = an_get_f64_finite(&r);
	st = an_reader_check_version(&r, version, AN_MV_PAYLOAD_VERSION_GMM);
	if (st != AN_OK)
		return st;
	/* version 1 is gaussian only; the pca section comes with version 2, gmm with 3 */
	if ((method == AN_MV_PCA) != (version == AN_MV_PAYLOAD_VERSION_PCA) ||
		(method == AN_MV_GMM) != (version == AN_MV_PAYLOAD_VERSION_GMM))
		return AN_ECORRUPT;
	if (an_mv_method_name((an_mv_method) method) == NULL || standardized > 1 || reserved != 0 ||
		d < 1 || d > AN_MV_MAX_DIMS || m->n_rows < 2 || m->n_rows > AN_MV_MAX_ROWS ||
		m->n_support > m->n_rows || m->n_reweighted > m->n_rows || m->n_floored > d ||
		!(m->threshold > 0.0) ||
		!(m->false_alarm_rate == 0.0 || (m->false_alarm_rate > 0.0 && m->false_alarm_rate < 0.5)))
		return AN_ECORRUPT;
	m->method = (an_mv_method) method;
	m->standardized = standardized;
	m->d = (uint32_t) d;
	if (method == AN_MV_GMM)
		return decode_gmm(&r, m);
	/* d <= 1024: the sizes below cannot overflow */
	if (method == AN_MV_PCA ? an_reader_remaining(&r) < (4 * d + 2 * d * d) * 8 + 32 :
		an_reader_remaining(&r) != (4 * d + 2 * d * d) * 8)
		return method == AN_MV_PCA || an_reader_remaining(&r) < (4 * d + 2 * d * d) * 8 ?
			AN_ETRUNCATED : AN_ELENGTH;
	m->center = an_alloc_array(d, sizeof(double));
	m->scale = an_alloc_array(d, sizeof(double));
	m->location = an_alloc_array(d, sizeof(double));
	m->covariance = an_alloc_array(d * d, sizeof(double));
	m->chol = an_alloc_array(d * d, sizeof(double));
	m->prec_diag = an_alloc_array(d, sizeof(double));
	m->raw_location = an_alloc_array(d, sizeof(double));
	m->raw_covariance = an_alloc_array(d * d, sizeof(double));
	if (!m->center || !m->scale || !m->location || !m->covariance || !m->chol || !m->prec_diag ||
		!m->raw_location || !m->raw_covariance)
	{
		an_mv_model_free(m);
		return AN_ENOMEM;
	}
	read_center_scale(&r, m);
	for (size_t k = 0; k < d; k++)
		m->location[k] = an_get_f64_finite(&r);
	for (size_t k = 0; k < d * d; k++)
		m->covariance[k] = an_get_f64_finite(&r);
	for (size_t k = 0; k < d; k++)
		m->raw_location[k] = an_get_f64_finite(&r);
	for (size_t k = 0; k < d * d; k++)
		m->raw_covariance[k] = an_get_f64_finite(&r);
	st = r.status;
	if (st == AN_OK && method == AN_MV_PCA)
		st = mv_pca_get(&r, m);
	if (st == AN_OK)
		st = an_reader_finish(&r);
	if (st == AN_OK)
	{
		for (size_t j = 0; j < d && st == AN_OK; j++)
			for (size_t i = j + 1; i < d; i++)
				if (m->covariance[j * d + i] != m->covariance[i * d + j] ||
					m->raw_covariance[j * d + i] != m->raw_covariance[i * d + j])
				{
					st = AN_ECORRUPT;
					break;
				}
		if (st == AN_OK && !mv_cholesky(m->covariance, d, m->chol, &m->log_det))
			st = AN_ECORRUPT;
		if (st == AN_OK)
		{
			/* the diagonal of S^-1, for the contributions: dpotri on a copy of the factor */
			double	   *inv = an_alloc_array(d * d, sizeof(double));
			int			n = (int) d,
						info = 0;

			if (!inv)
				st = AN_ENOMEM;
			else
			{
				memcpy(inv, m->chol, d * d * sizeof(double));
				dpotri_("L", &n, inv, &n, &info, 1);
				for (size_t k = 0; k < d; k++)
				{
					m->prec_diag[k] = inv[k * d + k];
					if (info != 0 || !(m->prec_diag[k] > 0.0) || !isfinite(m->prec_diag[k]))
						st = AN_ECORRUPT;
				}
				an_free(inv);
			}
		}
	}
	return decode_finish(m, st);
}

an_status
an_mv_score(const an_mv_model *m, const double *x, size_t d, double *work,
			an_mv_result *res, double *contrib)
{
	double	   *u = work,
			   *z = work + d;
	double		d2 = 0.0,
				total = 0.0;
	int			n = (int) d;

	if (d != m->d)
		return AN_EINVAL;
	for (size_t k = 0; k < d; k++)
		if (!isfinite(x[k]))
			return AN_ENONFINITE;
	res->t2 = 0.0;
	res->spe = 0.0;
	res->log_likelihood = NAN;
	if (m->method == AN_MV_GMM)
	{
		for (size_t k = 0; k < d; k++)
			u[k] = (x[k] - m->center[k]) / m->scale[k];
		mv_gmm_score(m, u, z, res, contrib);
		return AN_OK;
	}
	for (size_t k = 0; k < d; k++)
	{
		u[k] = (x[k] - m->center[k]) / m->scale[k] - m->location[k];
		z[k] = u[k];
	}
	if (m->method == AN_MV_PCA)
	{
		mv_pca_score(m, u, z, res, contrib);
		return AN_OK;
	}
	/* z = L^-1 u, so that d^2 = u' S^-1 u = z'z */
	cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, n, m->chol, n, z, 1);
	for (size_t k = 0; k < d; k++)
		d2 += z[k] * z[k];
	res->distance = sqrt(d2);
	/* the Gaussian log density of the features under the robust estimate */
	res->log_likelihood = -0.5 * (d2 + m->log_det + (double) d * 1.8378770664093454836) - m->log_scale_sum;
	res->score = res->distance / m->threshold;
	res->is_anomaly = res->score > 1.0;
	if (contrib)
	{
		/* w = S^-1 u = L^-T z */
		cblas_dtrsv(CblasColMajor, CblasLower, CblasTrans, CblasNonUnit, n, m->chol, n, z, 1);
		for (size_t k = 0; k < d; k++)
		{
			contrib[k] = z[k] * z[k] / m->prec_diag[k];
			total += contrib[k];
		}
	}
	mv_score_finish(res, contrib, d, total);
	return AN_OK;
}

void
mv_score_finish(an_mv_result *res, double *contrib, size_t d, double total)
{
	if (contrib)
		for (size_t k = 0; k < d; k++)
			contrib[k] = total > 0.0 && isfinite(total) ? contrib[k] / total : 0.0;
	if (!isfinite(res->score))
	{
		/* a vector so far out that its distance overflows: as far as a double says */
		res->distance = INFINITY;
		res->score = INFINITY;
		res->is_anomaly = true;
	}
}
