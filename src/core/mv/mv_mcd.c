/*
 * mv_mcd.c: FastMCD (Rousseeuw & Van Driessen 1999) with the consistency
 * correction and the reweighting step, as scikit-learn's MinCovDet
 * documents them (see mv.h for the summary).
 *
 * The search, for d > 1:
 *   - n <= 600: 500 trials on all rows;
 *   - larger n: a fixed-seed random sample of min(n, 1500) rows split into
 *     k = sample / 300 (at most 5) parts; 500 / k trials in each part, the
 *     best 10 of each part refined by two C-steps on the whole sample, the
 *     best 10 of those iterated on all rows (the paper's nested scheme).
 * A trial starts from a random (d + 1)-subset (grown one row at a time while
 * its covariance is singular) and makes two C-steps; the best 10 trials are
 * then iterated until the determinant stops decreasing.  Ties between equal
 * distances are broken by row index, so everything is deterministic.
 */
#include "core/mv/mv_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MCD_TRIALS 500
#define MCD_KEEP 10
#define MCD_SMALL 600
#define MCD_SAMPLE 1500
#define MCD_PART 300
#define MCD_MAX_PARTS 5
#define MCD_MAX_STEPS 100

typedef struct mcd_ctx
{
	const double *x;
	size_t		n,
				d;
	mv_rng		rng;
	/* scratch */
	double	   *work;			/* n * d */
	double	   *dist;			/* n */
	double	   *sel;			/* n */
	double	   *l;				/* d * d */
	double	   *tmp;			/* d * d */
	uint32_t   *support;		/* n */
	uint32_t   *perm;			/* n */
} mcd_ctx;

/* A candidate estimate: location, covariance and log det. */
typedef struct cand
{
	double		log_det;
	double	   *loc;
	double	   *cov;
} cand;

/*
 * support[0..hh) = the hh rows of rows[0..m) nearest (loc, cov), ties to the
 * lower position; then loc, cov = their mean and covariance.
 */
static bool
c_step(mcd_ctx *c, const uint32_t *rows, size_t m, size_t hh, double *loc, double *cov, double *log_det)
{
	double		ld,
				t;
	size_t		k = 0,
				ties;

	if (!mv_factor_regularised(cov, c->d, c->l, &ld, c->tmp))
		return false;
	mv_mahalanobis2(c->x, c->d, rows, m, loc, c->l, c->dist, c->work);
	memcpy(c->sel, c->dist, m * sizeof(double));
	t = mv_select(c->sel, m, hh - 1);
	for (size_t i = 0; i < m; i++)
		if (c->dist[i] < t)
			c->support[k++] = rows ? rows[i] : (uint32_t) i;
	ties = hh - k;
	for (size_t i = 0; i < m && ties > 0; i++)
		if (c->dist[i] == t)
		{
			c->support[k++] = rows ? rows[i] : (uint32_t) i;
			ties--;
		}
	mv_mean_cov(c->x, c->d, c->support, hh, loc, cov, c->work);
	if (!mv_factor_regularised(cov, c->d, c->l, log_det, c->tmp))
		return false;
	return true;
}

/* C-steps from (loc, cov) while the determinant decreases, at most max_steps. */
static bool
iterate(mcd_ctx *c, const uint32_t *rows, size_t m, size_t hh, cand *e, int max_steps)
{
	size_t		d = c->d;
	double	   *loc2 = c->tmp + d * d;	/* tmp has room for d * d + d + d * d */
	double	   *cov2 = loc2 + d;

	for (int s = 0; s < max_steps; s++)
	{
		double		ld;

		an_check_interrupts();
		memcpy(loc2, e->loc, d * sizeof(double));
		memcpy(cov2, e->cov, d * d * sizeof(double));
		if (!c_step(c, rows, m, hh, loc2, cov2, &ld))
			return false;
		if (!(ld < e->log_det))
		{
			/* no decrease: converged (an equal determinant means the same support) */
			if (ld == e->log_det && s == 0)
			{
				memcpy(e->loc, loc2, d * sizeof(double));
				memcpy(e->cov, cov2, d * d * sizeof(double));
			}
			break;
		}
		memcpy(e->loc, loc2, d * sizeof(double));
		memcpy(e->cov, cov2, d * d * sizeof(double));
		e->log_det = ld;
		if (isinf(ld))
			break;				/* an exact fit cannot improve */
	}
	return true;
}

/* One trial on rows[0..m): a random (d+1)-subset, grown while singular, then two C-steps. */
static bool
trial(mcd_ctx *c, const uint32_t *rows, size_t m, size_t hh, cand *e)
{
	size_t		d = c->d,
				k = 0,
				want = d + 1 < m ? d + 1 : m;
	uint32_t   *pick = c->support;	/* the C-step overwrites it only after the start */
	double		ld;

	/* a partial Fisher-Yates shuffle of the positions */
	uint32_t   *perm = c->perm;

	for (size_t i = 0; i < m; i++)
		perm[i] = (uint32_t) i;
	for (;;)
	{
		while (k < want)
		{
			uint32_t	j = (uint32_t) k + mv_rng_below(&c->rng, (uint32_t) (m - k));
			uint32_t	t = perm[k];

			perm[k] = perm[j];
			perm[j] = t;
			pick[k] = rows ? rows[perm[k]] : perm[k];
			k++;
		}
		mv_mean_cov(c->x, d, pick, k, e->loc, e->cov, c->work);
		if (mv_cholesky(e->cov, d, c->l, &ld) || k >= hh || k >= m)
			break;
		want = k + 1;
	}
	e->log_det = INFINITY;
	return iterate(c, rows, m, hh, e, 2);
}

static int
cmp_cand(const void *a, const void *b)
{
	double		x = ((const cand *) a)->log_det,
				y = ((const cand *) b)->log_det;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* Keep the keep best of cs[0..nc) at the front (stable: equal determinants keep their order). */
static void
keep_best(cand *cs, size_t nc)
{
	/* a stable insertion sort: nc is at most a few hundred */
	for (size_t i = 1; i < nc; i++)
	{
		cand		t = cs[i];
		size_t		j = i;

		while (j > 0 && cmp_cand(&cs[j - 1], &t) > 0)
		{
			cs[j] = cs[j - 1];
			j--;
		}
		cs[j] = t;
	}
}

/* Allocate nc candidates in one block. */
static cand *
alloc_cands(size_t nc, size_t d, double **block)
{
	cand	   *cs = an_alloc_array(nc, sizeof(cand));

	*block = an_alloc_array(nc, (d + d * d) * sizeof(double));
	if (!cs || !*block)
	{
		an_free(cs);
		an_free(*block);
		*block = NULL;
		return NULL;
	}
	for (size_t i = 0; i < nc; i++)
	{
		cs[i].loc = *block + i * (d + d * d);
		cs[i].cov = cs[i].loc + d;
		cs[i].log_det = INFINITY;
	}
	return cs;
}

static void
copy_cand(cand *dst, const cand *src, size_t d)
{
	memcpy(dst->loc, src->loc, d * sizeof(double));
	memcpy(dst->cov, src->cov, d * d * sizeof(double));
	dst->log_det = src->log_det;
}

/* The raw MCD estimate for d > 1 into best (location, covariance of the h-subset). */
static an_status
search(mcd_ctx *c, size_t h, cand *best)
{
	size_t		n = c->n,
				d = c->d,
				sample = n <= MCD_SMALL ? n : (n < MCD_SAMPLE ? n : MCD_SAMPLE),
				parts = n <= MCD_SMALL ? 1 : sample / MCD_PART,
				nc,
				final_n;
	uint32_t   *rows = NULL;
	cand	   *cs = NULL;
	double	   *block = NULL;
	an_status	st = AN_ENOMEM;

	if (parts > MCD_MAX_PARTS)
		parts = MCD_MAX_PARTS;
	if (parts < 1)
		parts = 1;
	nc = parts * (MCD_TRIALS / parts);
	cs = alloc_cands(nc, d, &block);
	rows = an_alloc_array(sample, sizeof(uint32_t));
	if (!cs || !rows)
		goto done;
	if (n <= MCD_SMALL)
	{
		for (size_t t = 0; t < nc; t++)
			if (!trial(c, NULL, n, h, &cs[t]))
				goto done;
		keep_best(cs, nc);
		final_n = MCD_KEEP < nc ? MCD_KEEP : nc;
	}
	else
	{
		size_t		per_part = sample / parts,
					trials = MCD_TRIALS / parts,
					kept = 0;
		size_t		hh_sample = (size_t) ceil((double) sample * (double) h / (double) n);
		uint32_t   *perm = c->perm;

		/* the sample: a fixed-seed partial shuffle of all rows */
		for (size_t i = 0; i < n; i++)
			perm[i] = (uint32_t) i;
		for (size_t i = 0; i < sample; i++)
		{
			uint32_t	j = (uint32_t) i + mv_rng_below(&c->rng, (uint32_t) (n - i));
			uint32_t	t = perm[i];

			perm[i] = perm[j];
			perm[j] = t;
			rows[i] = perm[i];
		}
		for (size_t p = 0; p < parts; p++)
		{
			const uint32_t *part = rows + p * per_part;
			size_t		hh = (size_t) ceil((double) per_part * (double) h / (double) n);
			cand	   *pc = cs + p * trials;

			if (hh < d + 1)
				hh = d + 1 < per_part ? d + 1 : per_part;
			for (size_t t = 0; t < trials; t++)
				if (!trial(c, part, per_part, hh, &pc[t]))
					goto done;
			keep_best(pc, trials);
			for (size_t t = 0; t < MCD_KEEP && t < trials; t++)
				copy_cand(&cs[kept++], &pc[t], d);
		}
		/* the best of each part, refined on the whole sample */
		for (size_t t = 0; t < kept; t++)
		{
			cs[t].log_det = INFINITY;
			if (!iterate(c, rows, sample, hh_sample, &cs[t], 2))
				goto done;
		}
		keep_best(cs, kept);
		final_n = MCD_KEEP < kept ? MCD_KEEP : kept;
	}
	/* the best candidates, iterated to convergence on all rows */
	for (size_t t = 0; t < final_n; t++)
	{
		cs[t].log_det = INFINITY;
		if (!iterate(c, NULL, n, h, &cs[t], MCD_MAX_STEPS))
			goto done;
	}
	keep_best(cs, final_n);
	copy_cand(best, &cs[0], d);
	st = AN_OK;
done:
	an_free(rows);
	an_free(cs);
	an_free(block);
	return st;
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/*
 * The exact univariate MCD, as scikit-learn computes it: the location is the
 * mean of the midpoints of the shortest halves (windows of h sorted values),
 * the support the h values nearest it, the covariance their variance.
 */
static void
univariate(mcd_ctx *c, size_t h, cand *best)
{
	size_t		n = c->n;
	double	   *s = c->sel;
	double		min_w = INFINITY,
				sum = 0.0,
				t;
	size_t		cnt = 0,
				k = 0,
				ties;
	double		loc;

	memcpy(s, c->x, n * sizeof(double));
	qsort(s, n, sizeof(double), cmp_double);
	for (size_t i = 0; i + h < n; i++)
		if (s[i + h] - s[i] < min_w)
			min_w = s[i + h] - s[i];
	for (size_t i = 0; i + h < n; i++)
		if (s[i + h] - s[i] == min_w)
		{
			sum += 0.5 * (s[i + h] + s[i]);
			cnt++;
		}
	loc = sum / (double) cnt;
	for (size_t i = 0; i < n; i++)
		c->dist[i] = fabs(c->x[i] - loc);
	memcpy(c->sel, c->dist, n * sizeof(double));
	t = mv_select(c->sel, n, h - 1);
	for (size_t i = 0; i < n; i++)
		if (c->dist[i] < t)
			c->support[k++] = (uint32_t) i;
	ties = h - k;
	for (size_t i = 0; i < n && ties > 0; i++)
		if (c->dist[i] == t)
		{
			c->support[k++] = (uint32_t) i;
			ties--;
		}
	mv_mean_cov(c->x, 1, c->support, h, best->loc, best->cov, c->work);
	best->loc[0] = loc;
}

an_status
an_mv_mcd(const double *x, size_t n, size_t d, double *location, double *covariance,
		  uint8_t *raw_support, an_mv_fit_info *info)
{
	return an_mv_mcd_raw(x, n, d, location, covariance, raw_support, info, NULL, NULL);
}

an_status
an_mv_mcd_raw(const double *x, size_t n, size_t d, double *location, double *covariance,
			  uint8_t *raw_support, an_mv_fit_info *info, double *raw_location, double *raw_covariance)
{
	mcd_ctx		c;
	cand		best;
	double	   *bb = NULL;
	size_t		h = (n + d + 2) / 2;	/* ceil((n + d + 1) / 2) */
	double		ld,
				corr,
				cut,
				med;
	size_t		kept = 0;
	an_status	st = AN_ENOMEM;

	if (d < 1 || n < 2)
		return AN_EINVAL;
	if (h > n)
		h = n;
	memset(&c, 0, sizeof(c));
	c.x = x;
	c.n = n;
	c.d = d;
	c.rng.s = AN_MV_SEED;
	c.work = an_alloc_array(n, d * sizeof(double));
	c.dist = an_alloc_array(n, sizeof(double));
	c.sel = an_alloc_array(n, sizeof(double));
	c.l = an_alloc_array(d, d * sizeof(double));
	c.tmp = an_alloc_array(2 * d + 1, d * sizeof(double));
	c.support = an_alloc_array(n, sizeof(uint32_t));
	c.perm = an_alloc_array(n, sizeof(uint32_t));
	bb = an_alloc_array(d + 1, d * sizeof(double));
	if (!c.work || !c.dist || !c.sel || !c.l || !c.tmp || !c.support || !c.perm || !bb)
		goto done;
	best.loc = bb;
	best.cov = bb + d;
	if (h == n)
	{
		/* nothing to trim: the support is every row */
		mv_mean_cov(x, d, NULL, n, best.loc, best.cov, c.work);
		for (size_t i = 0; i < n; i++)
			c.support[i] = (uint32_t) i;
	}
	else if (d == 1)
		univariate(&c, h, &best);
	else
	{
		st = search(&c, h, &best);
		if (st != AN_OK)
			goto done;
	}
	if (raw_location)
		memcpy(raw_location, best.loc, d * sizeof(double));
	if (raw_covariance)
		memcpy(raw_covariance, best.cov, d * d * sizeof(double));
	st = AN_ENOMEM;
	if (!mv_factor_regularised(best.cov, d, c.l, &ld, c.tmp))
		goto done;
	mv_mahalanobis2(x, d, NULL, n, best.loc, c.l, c.dist, c.work);
	if (raw_support)
	{
		/* the raw support: the h rows nearest the raw estimate (what its last C-step kept) */
		double		t;
		size_t		k = 0;

		memcpy(c.sel, c.dist, n * sizeof(double));
		t = mv_select(c.sel, n, h - 1);
		memset(raw_support, 0, n);
		for (size_t i = 0; i < n; i++)
			if (c.dist[i] < t)
			{
				raw_support[i] = 1;
				k++;
			}
		for (size_t i = 0; i < n && k < h; i++)
			if (c.dist[i] == t)
			{
				raw_support[i] = 1;
				k++;
			}
	}
	/* consistency correction: the median squared distance of a Gaussian is chi2_d.ppf(0.5) */
	memcpy(c.sel, c.dist, n * sizeof(double));
	med = mv_median(c.sel, n);
	corr = med / an_chi2_ppf(0.5, (double) d);
	/* more than half the rows at distance 0 (an exact fit): leave the scale as it is */
	if (!(corr > 0.0) || !isfinite(corr))
		corr = 1.0;
	cut = an_chi2_ppf(0.975, (double) d);
	for (size_t i = 0; i < n; i++)
		if (c.dist[i] / corr < cut)
			c.support[kept++] = (uint32_t) i;
	if (kept < 2)
	{
		/* cannot happen unless nearly every row is at the same point; keep the raw support */
		kept = 0;
		for (size_t i = 0; i < n; i++)
			if (c.dist[i] <= med)
				c.support[kept++] = (uint32_t) i;
	}
	mv_mean_cov(x, d, c.support, kept, location, covariance, c.work);
	if (info)
	{
		info->n_support = h;
		info->n_reweighted = kept;
	}
	st = AN_OK;
done:
	AN_FREE_ALL(c.work, c.dist, c.sel, c.l, c.tmp, c.support, c.perm, bb);
	return st;
}
