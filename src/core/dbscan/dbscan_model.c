/*
 * dbscan_model.c: a fitted DBSCAN model (kind AN_KIND_DBSCAN): the core
 * points with their cluster numbers, stored in k-d tree order so that loading
 * needs no sort, and scoring of new points against them.
 */
#include "core/dbscan/dbscan_internal.h"
#include "core/model_format.h"

#include <string.h>

an_status
an_dbscan_model_fit(const double *x, size_t n, size_t d, double eps, int64_t min_points,
					const double *mean, const double *scale,
					uint8_t **out, size_t *out_len)
{
	int32_t    *labels = NULL;
	uint8_t    *core = NULL;
	double	   *cx = NULL;
	int32_t    *clab = NULL;
	an_kdtree  *t = NULL;
	size_t		n_core = 0;
	int32_t		n_clusters = 0;
	an_writer	w;
	an_status	st;

	*out = NULL;
	*out_len = 0;
	if (d < 1 || d > AN_DBSCAN_MAX_DIMS)
		return AN_EINVAL;
	if (n > AN_DBSCAN_MAX_POINTS)
		return AN_ETOOMANY;
	labels = an_alloc_array(n ? n : 1, sizeof(int32_t));
	core = an_alloc_array(n ? n : 1, 1);
	if (!labels || !core)
	{
		st = AN_ENOMEM;
		goto done;
	}
	st = an_dbscan(x, n, d, eps, min_points, labels, core);
	if (st != AN_OK)
		goto done;
	for (size_t i = 0; i < n; i++)
		if (core[i])
		{
			n_core++;
			if (labels[i] + 1 > n_clusters)
				n_clusters = labels[i] + 1;
		}
	cx = an_alloc_array(n_core ? n_core * d : 1, sizeof(double));
	clab = an_alloc_array(n_core ? n_core : 1, sizeof(int32_t));
	if (!cx || !clab)
	{
		st = AN_ENOMEM;
		goto done;
	}
	{
		size_t		j = 0;

		for (size_t i = 0; i < n; i++)
			if (core[i])
			{
				memcpy(cx + j * d, x + i * d, d * sizeof(double));
				clab[j++] = labels[i];
			}
	}
	st = an_kdtree_build(cx, n_core, d, false, &t);
	if (st != AN_OK)
		goto done;

	an_writer_init(&w);
	an_writer_reserve(&w, 64 + 16 * d + n_core * (d * 8 + 4));
	an_put_u32(&w, (uint32_t) d);
	an_put_f64(&w, eps);
	an_put_i64(&w, min_points);
	an_put_u8(&w, mean != NULL);
	if (mean != NULL)
	{
		an_put_f64_array(&w, mean, d);
		an_put_f64_array(&w, scale, d);
	}
	an_put_u32(&w, (uint32_t) n_clusters);
	an_put_u32(&w, (uint32_t) n_core);
	an_put_f64_array(&w, t->xs, n_core * d);
	for (size_t p = 0; p < n_core; p++)
		an_put_u32(&w, (uint32_t) clab[t->ord[p]]);
	st = an_writer_finish(&w, AN_KIND_DBSCAN, out, out_len);

done:
	an_kdtree_free(t);
	AN_FREE_ALL(clab, cx, core, labels);
	return st;
}

void
an_dbscan_model_free(an_dbscan_model *m)
{
	AN_FREE_ALL(m->mean, m->scale, m->core_label, m->node_min);
	an_kdtree_free(m->tree);
	memset(m, 0, sizeof(*m));
}

an_status
an_dbscan_model_decode(const uint8_t *payload, size_t len, an_dbscan_model *m)
{
	an_reader	r;
	uint8_t		scaled;
	double	   *cx = NULL;
	an_status	st;

	memset(m, 0, sizeof(*m));
	an_reader_init(&r, payload, len);
	m->d = an_get_u32(&r);
	m->eps = an_get_f64(&r);
	m->min_points = an_get_i64(&r);
	scaled = an_get_u8(&r);
	if (r.status != AN_OK)
		return r.status;
	if (m->d < 1 || m->d > AN_DBSCAN_MAX_DIMS || an_dbscan_check_params(m->eps, m->min_points) != AN_OK ||
		scaled > 1)
		return AN_ECORRUPT;
	m->scaled = scaled;
	if (scaled)
	{
		if (an_reader_remaining(&r) / 16 < m->d)
			return AN_ETRUNCATED;
		m->mean = an_alloc_array(m->d, sizeof(double));
		m->scale = an_alloc_array(m->d, sizeof(double));
		if (!m->mean || !m->scale)
		{
			an_dbscan_model_free(m);
			return AN_ENOMEM;
		}
		for (uint32_t k = 0; k < m->d; k++)
			m->mean[k] = an_get_f64_finite(&r);
		for (uint32_t k = 0; k < m->d; k++)
		{
			m->scale[k] = an_get_f64_finite(&r);
			if (r.status == AN_OK && !(m->scale[k] > 0.0))
				an_reader_fail(&r, AN_ECORRUPT);
		}
	}
	m->n_clusters = an_get_u32(&r);
	m->n_core = an_get_u32(&r);
	if (r.status != AN_OK)
	{
		st = r.status;
		goto fail;
	}
	if (m->n_core > AN_DBSCAN_MAX_POINTS || m->n_clusters > m->n_core ||
		(m->n_core > 0 && m->n_clusters == 0))
	{
		st = AN_ECORRUPT;
		goto fail;
	}
	/* d <= 4096 and n_core < 2^31: the product fits in 64 bits */
	if ((uint64_t) an_reader_remaining(&r) != (uint64_t) m->n_core * ((uint64_t) m->d * 8 + 4))
	{
		st = an_reader_remaining(&r) < (uint64_t) m->n_core * ((uint64_t) m->d * 8 + 4) ?
			AN_ETRUNCATED : AN_ELENGTH;
		goto fail;
	}
	cx = an_alloc_array(m->n_core ? (size_t) m->n_core * m->d : 1, sizeof(double));
	m->core_label = an_alloc_array(m->n_core ? m->n_core : 1, sizeof(int32_t));
	if (!cx || !m->core_label)
	{
		st = AN_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < (size_t) m->n_core * m->d; i++)
		cx[i] = an_get_f64_finite(&r);
	for (uint32_t i = 0; i < m->n_core; i++)
	{
		uint32_t	l = an_get_u32(&r);

		if (r.status == AN_OK && l >= m->n_clusters)
			an_reader_fail(&r, AN_ECORRUPT);
		m->core_label[i] = (int32_t) l;
	}
	st = an_reader_finish(&r);
	if (st != AN_OK)
		goto fail;
	st = an_kdtree_build(cx, m->n_core, m->d, true, &m->tree);
	if (st != AN_OK)
		goto fail;
	m->node_min = an_alloc_array(m->tree->n_nodes ? m->tree->n_nodes : 1, sizeof(int32_t));
	if (!m->node_min)
	{
		st = AN_ENOMEM;
		goto fail;
	}
	an_kdtree_node_min(m->tree, m->core_label, m->node_min);
	an_free(cx);
	return AN_OK;

fail:
	an_free(cx);
	an_dbscan_model_free(m);
	return st;
}

an_status
an_dbscan_model_score(const an_dbscan_model *m, const double *q, size_t d, int32_t *label)
{
	double		buf[64] = {0};
	double	   *v = buf;
	int32_t		best;
	an_work		work = {0};

	*label = AN_DBSCAN_NOISE;
	if (d != m->d)
		return AN_EINVAL;
	for (size_t k = 0; k < d; k++)
		if (!isfinite(q[k]))
			return AN_ENONFINITE;
	if (d > 64)
	{
		v = an_alloc_array(d, sizeof(double));
		if (v == NULL)
			return AN_ENOMEM;
	}
	for (size_t k = 0; k < d; k++)
		v[k] = m->scaled ? (q[k] - m->mean[k]) / m->scale[k] : q[k];
	best = an_kdtree_min_label(m->tree, v, m->eps * m->eps, m->core_label, m->node_min, &work);
	if (v != buf)
		an_free(v);
	*label = best == INT32_MAX ? AN_DBSCAN_NOISE : best;
	return AN_OK;
}
