/*
 * replay.c: the two protocols of ../shared/data/tsad/README.md, replayed
 * over src/core directly (no PostgreSQL), for test/bench/accuracy/run.sh.
 *
 *   replay once|scheduled DATASETS_CSV [key=value ...] > RESULTS.csv
 *
 * Writes "series,i,label,score,flag" (series = collection/name, flag = the
 * model's own is_anomaly) for every row of every series listed in
 * DATASETS_CSV (the tsad layout: collection,name,train_path,test_path,...;
 * paths relative to the file's directory).  key=value pairs are ts_fit
 * options (a number, else a string: threshold=4, direction=up).
 *
 * Timestamps: a row number i is i seconds after 1970-01-01 00:00:00 UTC,
 * which is what the ISO timestamps of the MGAB files say (one second apart
 * from that instant); each file keeps its own (a training file and its test
 * file both start at 0, as they are generated from the same base).
 *
 *   once       fit on the training file, or on the first 20 % of the rows of
 *              an unsupervised series (which are then not scored); score the
 *              other rows with that model;
 *   scheduled  as test/bench/nab: skip the first min(15 % of the rows, 750),
 *              then every R = 100 rows refit on the trailing W = 2000 rows
 *              and score the next R rows.  Unscored rows get an empty score.
 *
 * Each fit is what ts_fit(ts, value, options) computes: the points sorted
 * by an_sort_points, then an_ts_fit; each score is ts_score (check_sql.sh
 * compares a few series with the SQL functions).
 *
 * SCORE (environment) picks another score: anomaly (ts_anomaly's score),
 * shape, shift (its parts), pointshape (the larger of point and shape);
 * and with Sub-PCA (ts_shape_pca.h) fitted beside each model on the same
 * rows and window (shape=true; PCA_VARIANCE=f sets its variance share):
 * subpca (its score alone), anomaly_subpca (ts_anomaly's score with Sub-PCA
 * as the shape part), nnpca (the larger of the two shape scores),
 * anomaly_both (the largest of point, shape and Sub-PCA).  The Sub-PCA
 * fits' count and time go to stderr.
 *
 * Issue 15's candidates, each fitted beside the model on the same rows
 * (docs/accuracy.md, "Dynamics instead of shape"):
 *   analog          the method of analogues (ts_analog.h) alone; ANALOG_DIM
 *                   (4), ANALOG_K (4), ANALOG_LEVEL (0) and ANALOG_FRACTION
 *                   (1) for the delay, ANALOG_RELATIVE=1 (coordinates
 *                   relative to the last value), ANALOG_LINEAR=1 (local
 *                   linear prediction), ANALOG_SMOOTH=L (the mean score of
 *                   the last L rows), ANALOG_SCALE=s (the score divided by s);
 *   point_analog    max(point, analog) (analog in place of shape);
 *   anomaly_analog  max(point, shape, analog);
 *   shape2, anomaly_shape2   a second nearest-reference shape component
 *                   whose window, for aperiodic models, is SHAPE_FRACTION
 *                   times the first lag with autocorrelation < SHAPE_LEVEL
 *                   (unset: the model's window), alone / max(point, shape2);
 *   raw, anomaly_raw, zm, anomaly_zm   nearest-reference windows not
 *                   z-normalised (raw) or z-normalised with their mean and
 *                   sd as two more coordinates (zm), the model's window (or
 *                   SHAPE_LEVEL's), alone / max(point, it);
 *   anomaly_zm_shape  max(point, shape, zm).
 *
 * The plain discord of issue 15 (ts_discord.h; docs/accuracy.md, "Top-1 and
 * the plain discord"), with the model's shape window (or, when the model has
 * no shape component, the window an_ts_shape_window's rule gives it):
 *   discord         the z-normalised distance of the window ending at the
 *                   row to its nearest training window, over all of them
 *                   (an exact AB-join; flag: distance > edge);
 *   anomaly_discord max(ts_anomaly's score, distance / edge), the edge from
 *                   the training self-join by the shape edge's rule
 *                   (an_ts_shape_edge);
 *   anomaly_discord_analog  max(anomaly_discord's score, the analog score).
 * The training rows are those of the fit (scheduled: the trailing refit
 * window); a test window is not compared with the training windows of the
 * same series that overlap it (exclusion w, as in the edge's self-join).
 * DISCORD_ACF=1: the window from the autocorrelation rule alone (the
 * period and the model's shape window ignored), as issue 15's discord.
 * The joins' count and time go to stderr.
 * LOOKAHEAD=1 (with SCORE anomaly, shape, pointshape or anomaly_discord,
 * where the larger of the shape score and distance / edge is spread): ts_anomaly(...,
 * lookahead => true), each row's shape score the mean of those of the
 * windows containing it (ts_lookahead.h), within the rows of one model: the
 * test part fitting once, each block of R rows scheduled.  LOOKAHEAD=max:
 * the largest of those windows' shape scores instead of their mean.
 * With an analog mode, LOOKAHEAD=1 also makes a row's analog score the mean
 * of the scores of the predictions that read it (the row predicted and
 * the span rows before it: rows i .. i + span), within the same rows;
 * ANALOG_AHEAD=sparse only those that read it as the target or a coordinate
 * (i, i + 1 + j lag).  ANALOG_SKILL=1 drops the analog of a fit whose skill
 * is not below 1 (its analogues predict no better than the last value,
 * ts_analog.h); ANALOG_GUARD=1 leaves rows beyond the analogues' reach
 * without an analog score.
 * The rows are copied again after each ts_fit, which uses its points as
 * scratch (before, Sub-PCA was fitted on the level model's leftovers).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/model_format.h"
#include "core/sort.h"
#include "core/ts/ts_analog.h"
#include "core/ts/ts_context.h"
#include "core/ts/ts_discord.h"
#include "core/ts/ts_lookahead.h"
#include "core/ts/ts_model.h"
#include "core/ts/ts_shape.h"
#include "core/ts/ts_shape_pca.h"

#define R_ROWS 100
#define W_ROWS 2000
#define UNIX_TO_PG_US (946684800LL * 1000000LL)

typedef struct series
{
	size_t		n;
	int64_t    *ts;
	double	   *v;
	int		   *label;
} series;

static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long	era;
	unsigned	yoe,
				doy,
				doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned) (y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long) doe - 719468;
}

/* A row number (seconds) or "YYYY-MM-DD HH:MM:SS", as PostgreSQL microseconds. */
static int64_t
parse_ts(const char *s)
{
	int			y,
				mo,
				d,
				h,
				mi;
	double		sec;

	if (strchr(s, '-') && sscanf(s, "%d-%d-%d %d:%d:%lf", &y, &mo, &d, &h, &mi, &sec) == 6)
		return (int64_t) ((days_from_civil(y, (unsigned) mo, (unsigned) d) * 86400LL + h * 3600LL + mi * 60LL) * 1000000LL)
			+ llround(sec * 1e6) - UNIX_TO_PG_US;
	return llround(strtod(s, NULL) * 1e6) - UNIX_TO_PG_US;
}

static void
load(const char *path, series *s)
{
	FILE	   *f = fopen(path, "r");
	char		line[4096];
	size_t		cap = 1024;

	if (f == NULL)
	{
		perror(path);
		exit(1);
	}
	memset(s, 0, sizeof(*s));
	s->ts = malloc(cap * sizeof(int64_t));
	s->v = malloc(cap * sizeof(double));
	s->label = malloc(cap * sizeof(int));
	if (fgets(line, sizeof(line), f) == NULL)	/* header */
		exit(1);
	while (fgets(line, sizeof(line), f))
	{
		char	   *c1 = strchr(line, ','),
				   *c2 = c1 ? strchr(c1 + 1, ',') : NULL;

		if (c2 == NULL)
			continue;
		*c1 = '\0';
		if (s->n == cap)
		{
			cap *= 2;
			s->ts = realloc(s->ts, cap * sizeof(int64_t));
			s->v = realloc(s->v, cap * sizeof(double));
			s->label = realloc(s->label, cap * sizeof(int));
		}
		s->ts[s->n] = parse_ts(line);
		s->v[s->n] = strtod(c1 + 1, NULL);
		s->label[s->n] = strtod(c2 + 1, NULL) != 0;
		s->n++;
	}
	fclose(f);
}

static void
release(series *s)
{
	free(s->ts);
	free(s->v);
	free(s->label);
}

static an_ts_options opt;
/* SCORE: see the top of the file */
static enum
{
	SCORE_POINT, SCORE_ANOMALY, SCORE_SHAPE, SCORE_SHIFT, SCORE_POINT_SHAPE,
	SCORE_SUBPCA, SCORE_ANOMALY_SUBPCA, SCORE_NNPCA, SCORE_ANOMALY_BOTH,
	SCORE_ANALOG, SCORE_POINT_ANALOG, SCORE_ANOMALY_ANALOG,
	SCORE_SHAPE2, SCORE_ANOMALY_SHAPE2,
	SCORE_RAW, SCORE_ANOMALY_RAW, SCORE_ZM, SCORE_ANOMALY_ZM, SCORE_ANOMALY_ZM_SHAPE,
	SCORE_DISCORD, SCORE_ANOMALY_DISCORD, SCORE_ANOMALY_DISCORD_ANALOG
}			score_mode;
static const char *const score_names[] = {"point", "anomaly", "shape", "shift", "pointshape",
	"subpca", "anomaly_subpca", "nnpca", "anomaly_both",
	"analog", "point_analog", "anomaly_analog",
	"shape2", "anomaly_shape2",
"raw", "anomaly_raw", "zm", "anomaly_zm", "anomaly_zm_shape",
"discord", "anomaly_discord", "anomaly_discord_analog"};
static an_point *scratch;
/* Sub-PCA beside the current model (modes from SCORE_SUBPCA on), its share, fits and their time */
static an_ts_shape_pca *pca;
static double pca_variance,
			pca_seconds,
			pca_max_seconds,
			pca_scratch[2 * AN_SHAPE_MAX_WINDOW];
static size_t pca_fits;

#define IS_PCA_MODE(mo) ((mo) >= SCORE_SUBPCA && (mo) <= SCORE_ANOMALY_BOTH)
#define IS_ANALOG_MODE(mo) (((mo) >= SCORE_ANALOG && (mo) <= SCORE_ANOMALY_ANALOG) || \
							(mo) == SCORE_ANOMALY_DISCORD_ANALOG)
#define IS_SHAPE2_MODE(mo) ((mo) == SCORE_SHAPE2 || (mo) == SCORE_ANOMALY_SHAPE2)
#define IS_RAW_MODE(mo) ((mo) >= SCORE_RAW && (mo) <= SCORE_ANOMALY_ZM_SHAPE)
#define IS_DISCORD_MODE(mo) ((mo) >= SCORE_DISCORD && (mo) <= SCORE_ANOMALY_DISCORD_ANALOG)

/*
 * The discord distances of the rows [disc_lo, disc_hi) of the series being
 * scored (NAN: no window ends there), and the edge of the current fit; the
 * joins' count and time.
 */
static double *disc_dist,
			disc_edge = NAN,
			disc_seconds;
static size_t disc_lo,
			disc_hi,
			disc_joins;
static bool disc_acf;			/* DISCORD_ACF=1 */

/*
 * The method of analogues (ts_analog.h) beside the model, on the same rows:
 * ANALOG_DIM, ANALOG_K, the delay rule ANALOG_LEVEL, ANALOG_FRACTION
 * (an_ts_analog_lag), ANALOG_SMOOTH = L (the mean score of the last L
 * rows; 0: the row's own).
 */
static an_ts_analog *analog;
static bool analog_linear,		/* ANALOG_LINEAR=1 */
			analog_relative;	/* ANALOG_RELATIVE=1 */
static size_t analog_dim = 4,
			analog_k = 4,
			analog_smooth;
static double analog_level = 0,
			analog_fraction = 1,
			analog_scale = 1;	/* ANALOG_SCALE: the analog score is divided by it */
/* each row's own analog score, cached for the means over nearby rows (ANALOG_SMOOTH, LOOKAHEAD) */
#define SMOOTH_RING 1024
static double smooth_ring[SMOOTH_RING];
static size_t smooth_next;		/* the next row whose analog score is not in smooth_ring */
static bool smooth_valid;

/*
 * LOOKAHEAD=1 with an analog mode: row i's analog score is the mean of the
 * scores of the predictions whose rows contain it (rows j - span .. j for
 * the prediction of row j: j from i to i + span), within the rows of one
 * model [.., ahead_hi), as ts_lookahead spreads a window's shape score over
 * the window.
 */
static size_t ahead_hi;			/* the end of the current model's scored rows */
static bool analog_guard,		/* ANALOG_GUARD=1: no analog score beyond the analogues' reach */
			analog_skill,		/* ANALOG_SKILL=1: no analogues where they do not beat persistence */
			analog_skill_print; /* ANALOG_SKILL_PRINT=1: each fit's skill to stderr */
static bool ahead_sparse;		/* ANALOG_AHEAD=sparse: only the predictions that read row i */

/*
 * Another window rule for aperiodic models (SHAPE_LEVEL, SHAPE_FRACTION:
 * w = fraction times the first lag whose autocorrelation is below level,
 * clamped as the model's): a second shape component on the same rows.
 */
static an_ts_shape *shape2;
static double shape_level = NAN,
			shape_fraction = 1;
static double shape2_scratch[2 * AN_SHAPE_MAX_WINDOW + AN_SHAPE_MAX_REFS];

/*
 * Raw nearest-neighbour windows (raw: the windows as they are; zm: z-normalised
 * as the shape component, plus sqrt(w) mean / S and sqrt(w) sd / S as two
 * more coordinates, S the training rows' standard deviation), the same
 * reference starts and edge rule as the shape component, the edge floor
 * AN_ANALOG_MIN_EDGE S sqrt(2 w) for raw.
 */
typedef struct rawnn
{
	size_t		w,
				d,				/* coordinates: w (raw), w + 2 (zm) */
				k;
	bool		zm;
	double		floor,
				scale,			/* sqrt(w) / S */
				edge;
	double	   *refs;			/* k * d */
}			rawnn;
static rawnn *raw;

static void
raw_coords(const rawnn *r, const double *x, double *out)
{
	double		mean,
				sd;

	if (!r->zm)
	{
		memcpy(out, x, r->w * sizeof(double));
		return;
	}
	an_ts_shape_window_stats(x, r->w, &mean, &sd);
	an_ts_shape_normalise(x, r->w, r->floor, out);
	out[r->w] = r->scale * mean;
	out[r->w + 1] = r->scale * sd;
}

static double
raw_nearest(const rawnn *r, const double *q, size_t skip_lo, size_t skip_hi, const size_t *starts, size_t w)
{
	double		best = INFINITY;

	for (size_t j = 0; j < r->k; j++)
	{
		const double *ref = r->refs + j * r->d;
		double		d = 0;

		if (starts != NULL && starts[j] + w > skip_lo && starts[j] < skip_hi)
			continue;
		for (size_t i = 0; i < r->d && d < best; i++)
			d += (ref[i] - q[i]) * (ref[i] - q[i]);
		best = d < best ? d : best;
	}
	return sqrt(best);
}

static void
raw_free(rawnn *r)
{
	if (r)
		free(r->refs);
	free(r);
}

static rawnn *
raw_fit(const an_point *pts, size_t n, size_t w, int64_t interval_us, bool zm)
{
	size_t		kmax = AN_SHAPE_BUDGET / w,
				k;
	size_t	   *starts;
	double	   *sds,
			   *d,
				maxabs,
				mean = 0,
				var = 0,
				sd,
				x[AN_SHAPE_MAX_WINDOW];
	rawnn	   *r;

	if (2 * n / w < kmax)
		kmax = 2 * n / w;
	if (kmax > AN_SHAPE_MAX_REFS)
		kmax = AN_SHAPE_MAX_REFS;
	if (n < w || kmax < 2 || interval_us <= 0)
		return NULL;
	starts = malloc(kmax * sizeof(size_t));
	if (an_ts_shape_usable_starts(pts, n, w, interval_us, kmax, starts, &k, &maxabs) != AN_OK || k < 2)
	{
		free(starts);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		mean += pts[i].value;
	mean /= (double) n;
	for (size_t i = 0; i < n; i++)
		var += (pts[i].value - mean) * (pts[i].value - mean);
	sd = sqrt(var / (double) n);
	r = calloc(1, sizeof(rawnn));
	r->w = w;
	r->zm = zm;
	r->d = zm ? w + 2 : w;
	r->k = k;
	r->scale = sd > 0 ? sqrt((double) w) / sd : 0;
	r->refs = malloc(k * r->d * sizeof(double));
	sds = malloc(k * sizeof(double));
	for (size_t j = 0; j < k; j++)
	{
		double		m;

		for (size_t i = 0; i < w; i++)
			x[i] = pts[starts[j] + i].value;
		an_ts_shape_window_stats(x, w, &m, &sds[j]);
	}
	r->floor = an_ts_shape_floor(sds, k, maxabs);
	for (size_t j = 0; j < k; j++)
	{
		for (size_t i = 0; i < w; i++)
			x[i] = pts[starts[j] + i].value;
		raw_coords(r, x, r->refs + j * r->d);
	}
	/* calibration: each reference against those not overlapping it */
	d = malloc(k * sizeof(double));
	{
		size_t		ncal = 0;

		for (size_t j = 0; j < k; j++)
		{
			double		dj = raw_nearest(r, r->refs + j * r->d, starts[j], starts[j] + w, starts, w);

			if (isfinite(dj))
				d[ncal++] = dj;
		}
		if (ncal == 0)
			r->edge = NAN;
		else if (zm)
			r->edge = an_ts_shape_edge(d, ncal, w);
		else
		{
			size_t		q = (size_t) floor(AN_SHAPE_EDGE_QUANTILE * (double) (ncal - 1));

			an_select_double(d, ncal, q);
			r->edge = fmax(AN_SHAPE_EDGE_MARGIN * d[q], AN_ANALOG_MIN_EDGE * sd * sqrt(2.0 * (double) w));
		}
	}
	free(d);
	free(sds);
	free(starts);
	if (!(r->edge > 0))
	{
		raw_free(r);
		return NULL;
	}
	return r;
}

/* the values of pts[0..n) in time order, into a malloc'd array */
static double *
values_of(const an_point *pts, size_t n)
{
	double	   *v = malloc((n ? n : 1) * sizeof(double));

	for (size_t i = 0; i < n; i++)
		v[i] = pts[i].value;
	return v;
}

/* the extra components of the chosen mode, fitted on the sorted scratch[0..n) beside m */
static void
fit_extras(const an_ts_model *m, size_t n, const char *name)
{
	an_ts_analog_free(analog);
	analog = NULL;
	an_ts_shape_free(shape2);
	shape2 = NULL;
	raw_free(raw);
	raw = NULL;
	if (m == NULL || m->interval_us <= 0)
		return;
	if (IS_ANALOG_MODE(score_mode))
	{
		double	   *v = values_of(scratch, n);
		size_t		lag = an_ts_analog_lag(v, n, analog_level, analog_fraction);

		free(v);
		if (lag > 0 && an_ts_analog_fit(scratch, n, m->interval_us, analog_dim, lag, analog_k, analog_linear,
										   analog_relative, &analog) != AN_OK)
			fprintf(stderr, "%s: analog fit failed\n", name);
		if (analog)
		{
			analog->guard = analog_guard;
			if (analog_skill_print)
				fprintf(stderr, "skill %s %.4f\n", name, analog->skill);
			/* ANALOG_SKILL=1: no analog score where the analogues do not beat persistence */
			if (analog_skill && !(analog->skill < 1))
			{
				an_ts_analog_free(analog);
				analog = NULL;
			}
		}
	}
	if ((IS_SHAPE2_MODE(score_mode) || IS_RAW_MODE(score_mode)) && m->shape != NULL)
	{
		size_t		w = m->shape->w;

		if (!isnan(shape_level) && m->shape->source == AN_SHAPE_FROM_ACF)
		{
			double	   *v = values_of(scratch, n);
			size_t		lag = 0;
			double		acf_w;

			if (!an_ts_acf_first_below(v, n, AN_SHAPE_AUTO_MAX_WINDOW * 4, shape_level, &lag))
				exit(1);
			acf_w = shape_fraction * (double) lag;
			free(v);
			w = acf_w < AN_SHAPE_AUTO_MIN_WINDOW ? AN_SHAPE_AUTO_MIN_WINDOW :
				acf_w > AN_SHAPE_AUTO_MAX_WINDOW ? AN_SHAPE_AUTO_MAX_WINDOW : (size_t) llround(acf_w);
		}
		if (IS_SHAPE2_MODE(score_mode) &&
			an_ts_shape_fit(scratch, n, w, m->interval_us, m->shape->source, &shape2) != AN_OK)
			fprintf(stderr, "%s: shape2 fit failed\n", name);
		if (IS_RAW_MODE(score_mode))
			raw = raw_fit(scratch, n, w, m->interval_us, score_mode >= SCORE_ZM);
	}
}

/* the analog score of row i of s (NAN without one) */
static double
analog_row(const series *s, size_t i)
{
	size_t		span;

	if (analog == NULL)
		return NAN;
	span = an_ts_analog_span(analog->dim, analog->lag);
	if (i < span)
		return NAN;
	return an_ts_analog_score(analog, s->v + i - span, s->v[i]);
}

/*
 * The mean analog score of rows [from, to) (to - from <= SMOOTH_RING; NAN
 * ignored), each row's computed once while the means move forward; with
 * every_lag, only row from and the rows 1 + j lag after it (ANALOG_AHEAD=sparse).
 */
static double
analog_mean(const series *s, size_t from, size_t to, bool every_lag)
{
	size_t		cnt = 0;
	double		sum = 0;

	if (to - from > SMOOTH_RING)
		exit(1);
	if (!smooth_valid || smooth_next < from || smooth_next > to)
		smooth_next = from;
	smooth_valid = true;
	for (; smooth_next < to; smooth_next++)
		smooth_ring[smooth_next % SMOOTH_RING] = analog_row(s, smooth_next);
	for (size_t r = from; r < to; r++)
		if (!isnan(smooth_ring[r % SMOOTH_RING]) && (!every_lag || r == from || (r - from - 1) % analog->lag == 0))
		{
			sum += smooth_ring[r % SMOOTH_RING];
			cnt++;
		}
	return cnt ? sum / (double) cnt : NAN;
}

/* the analog score of row i, or the mean of the last analog_smooth rows' */
static double
analog_score(const series *s, size_t i)
{
	if (analog_smooth <= 1)
		return analog_row(s, i);
	return analog_mean(s, i + 1 >= analog_smooth ? i + 1 - analog_smooth : 0, i + 1, false);
}

/* LOOKAHEAD=1: the mean analog score of the predictions that read row i */
static double
analog_ahead(const series *s, size_t i)
{
	size_t		span;

	if (analog == NULL)
		return NAN;
	span = an_ts_analog_span(analog->dim, analog->lag);
	return analog_mean(s, i, i + span + 1 < ahead_hi ? i + span + 1 : ahead_hi, ahead_sparse);
}

/* the window score of the last rows (c->ring) by shape2 or raw, NAN without */
static double
window_score(const series *s, size_t i)
{
	if (shape2 != NULL)
	{
		size_t		w = shape2->w;

		if (i + 1 < w)
			return NAN;
		return an_ts_shape_distance(shape2, s->v + i + 1 - w, shape2_scratch) / shape2->edge;
	}
	if (raw != NULL)
	{
		double		q[AN_SHAPE_MAX_WINDOW + 2];

		if (i + 1 < raw->w)
			return NAN;
		raw_coords(raw, s->v + i + 1 - raw->w, q);
		return raw_nearest(raw, q, 0, 0, NULL, raw->w) / raw->edge;
	}
	return NAN;
}

/* the discord's window: the model's shape window, else what an_ts_shape_window gives for it */
static size_t
discord_window(const an_ts_model *m, const double *v, size_t n)
{
	an_shape_source source;

	if (disc_acf)
		return an_ts_shape_window(v, n, 0, 0, &source);
	if (m->shape != NULL)
		return m->shape->w;
	return an_ts_shape_window(v, n, (size_t) (opt.window > 0 ? opt.window : 0), an_ts_model_shortest_period(m),
							  &source);
}

/*
 * The discord distances of the rows [lo, hi) of test (the windows ending
 * there) against the training rows [from, to) of train, and the edge, into
 * disc_dist and disc_edge.  same: train and test are one series, so that
 * overlapping windows are not compared.
 */
static void
discord_prepare(const an_ts_model *m, const series *train, size_t from, size_t to, const series *test,
				size_t lo, size_t hi, bool same, const char *name)
{
	const double *a = train->v + from;
	size_t		na = to - from,
				w,
				b0;
	double		floor = 0,
			   *d;
	struct timespec t0,
				t1;

	free(disc_dist);
	disc_dist = malloc((hi - lo + 1) * sizeof(double));
	disc_lo = lo;
	disc_hi = hi;
	disc_edge = NAN;
	for (size_t i = lo; i < hi; i++)
		disc_dist[i - lo] = NAN;
	if (m == NULL || na == 0 || hi <= lo)
		return;
	w = discord_window(m, a, na);
	b0 = lo + 1 >= w ? lo + 1 - w : 0;
	if (w < AN_DISCORD_MIN_WINDOW || w > na || hi - b0 < w)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	d = malloc((hi - b0) * sizeof(double));
	if (an_ts_discord_floor(a, na, w, &floor) != AN_OK ||
		an_ts_discord_edge(a, na, w, floor, &disc_edge) != AN_OK ||
		an_ts_discord_join(a, na, test->v + b0, hi - b0, w, floor, same ? (int64_t) b0 - (int64_t) from : 0,
						   same ? w : 0, d) != AN_OK)
		fprintf(stderr, "%s: discord of rows %zu..%zu failed\n", name, lo, hi);
	else
		for (size_t i = (lo > b0 + w - 1 ? lo : b0 + w - 1); i < hi; i++)
			disc_dist[i - lo] = d[i + 1 - w - b0];
	free(d);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	disc_seconds += (double) (t1.tv_sec - t0.tv_sec) + 1e-9 * (double) (t1.tv_nsec - t0.tv_nsec);
	disc_joins++;
}

/* ts_fit over rows [from, to) of s; NULL if the fit fails (reported on stderr). */
static an_ts_model *
fit(const series *s, size_t from, size_t to, const char *name)
{
	size_t		n = to - from,
				len;
	uint8_t    *bytes = NULL;
	an_ts_model *m = NULL;
	char		err[512];

	for (size_t i = 0; i < n; i++)
	{
		scratch[i].ts = s->ts[from + i];
		scratch[i].value = s->v[from + i];
	}
	an_sort_points(scratch, n);
	if (an_ts_fit(scratch, n, &opt, &bytes, &len, err, sizeof(err)) != AN_OK ||
		an_ts_model_load(bytes, len, &m) != AN_OK)
	{
		fprintf(stderr, "%s: fit of rows %zu..%zu failed: %s\n", name, from, to, err);
		m = NULL;
	}
	an_free(bytes);
	an_ts_shape_pca_free(pca);
	pca = NULL;
	/* an_ts_fit uses its points as scratch (the level model turns them into values): again */
	for (size_t i = 0; i < n; i++)
	{
		scratch[i].ts = s->ts[from + i];
		scratch[i].value = s->v[from + i];
	}
	an_sort_points(scratch, n);
	fit_extras(m, n, name);
	if (IS_PCA_MODE(score_mode) && m != NULL && m->shape != NULL)
	{
		struct timespec t0,
					t1;

		/* the same sorted rows and window as the model's shape component */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (an_ts_shape_pca_fit(scratch, n, m->shape->w, m->interval_us, pca_variance, &pca) != AN_OK)
			fprintf(stderr, "%s: Sub-PCA fit of rows %zu..%zu failed\n", name, from, to);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		{
			double		dt = (double) (t1.tv_sec - t0.tv_sec) + 1e-9 * (double) (t1.tv_nsec - t0.tv_nsec);

			pca_seconds += dt;
			pca_max_seconds = dt > pca_max_seconds ? dt : pca_max_seconds;
		}
		pca_fits++;
	}
	return m;
}

/*
 * Row i scored by m; with a context c (SCORE other than point), the row is
 * pushed to it (ts_anomaly's order) and scored by it.  A missing part (no
 * shape score yet) is written as 0.
 */
static void write_ctx(const char *name, const series *s, size_t i, const an_ts_anomaly *ap,
					  const an_ts_context *c);

/*
 * With LOOKAHEAD=1 (SCORE anomaly, shape, pointshape or anomaly_discord) the context's results
 * wait in this queue until the w - 1 rows after them are scored
 * (ts_lookahead.h, ts_anomaly(..., lookahead => true)); the rows of one
 * model (the whole test part fitting once, a block of R rows scheduled)
 * are one series for it.
 */
static bool lookahead;
static bool lookahead_max;		/* LOOKAHEAD=max: the largest window score instead of the mean */
static an_ts_lookahead la_queue;

/* LOOKAHEAD=max: the largest shape score of the windows the queue's oldest row would be given. */
static double
lookahead_max_shape(void)
{
	const an_ts_lookahead_row *h = &la_queue.ring[la_queue.head];
	double		best = NAN;

	for (size_t k = 0; k < la_queue.n && k < h->w; k++)
	{
		const an_ts_lookahead_row *r = &la_queue.ring[(la_queue.head + k) % la_queue.cap];

		if (r->epoch != h->epoch)
			break;
		if (!isnan(r->a.window_score) && !(r->a.window_score <= best))
			best = r->a.window_score;
	}
	return best;
}

/* Take the oldest row if it is complete (an_ts_lookahead_take), with LOOKAHEAD=max's score if asked. */
static bool
lookahead_take(bool last, an_ts_anomaly *a, int64_t *tag)
{
	double		mx = la_queue.n > 0 ? lookahead_max_shape() : NAN;

	if (!an_ts_lookahead_take(&la_queue, last, a, tag))
		return false;
	if (lookahead_max)
	{
		a->shape_score = mx;
		a->score = isnan(mx) || a->point.score > mx ? a->point.score : mx;
		a->is_anomaly = a->score > 1;
	}
	return true;
}

static void
emit_ctx(const char *name, const series *s, size_t i, const an_ts_model *m, an_ts_context *c)
{
	an_ts_detection d;
	an_ts_anomaly a;
	int64_t		tag;

	if (m == NULL)
	{
		printf("%s,%zu,%d,,\n", name, i, s->label[i]);
		return;
	}
	if (c == NULL)
	{
		an_ts_detect(m, s->ts[i], s->v[i], &d);
		printf("%s,%zu,%d,%.17g,%d\n", name, i, s->label[i], d.score, d.is_anomaly ? 1 : 0);
		return;
	}
	an_ts_context_push(c, s->ts[i], s->v[i], &a);
	if (!lookahead)
	{
		write_ctx(name, s, i, &a, c);
		return;
	}
	if (score_mode == SCORE_ANOMALY_DISCORD || score_mode == SCORE_ANOMALY_DISCORD_ANALOG)
	{
		/* the discord's window score joins the shape score before it is spread over the window */
		double		dd = i >= disc_lo && i < disc_hi ? disc_dist[i - disc_lo] / disc_edge : NAN;

		if (!isnan(dd) && (isnan(a.window_score) || dd > a.window_score))
			a.window_score = dd;
	}
	if (an_ts_lookahead_add(&la_queue, &a, (int64_t) i, 1, c->w, an_ts_context_ahead(c)) != AN_OK)
		exit(1);
	while (lookahead_take(false, &a, &tag))
		write_ctx(name, s, (size_t) tag, &a, c);
}

/* The rows still waiting at the end of a model's rows. */
static void
flush_ctx(const char *name, const series *s)
{
	an_ts_anomaly a;
	int64_t		tag;

	while (lookahead && lookahead_take(true, &a, &tag))
		write_ctx(name, s, (size_t) tag, &a, NULL);
}

/* Row i's chosen score, from its context's result *ap (c: the context, which Sub-PCA reads). */
static void
write_ctx(const char *name, const series *s, size_t i, const an_ts_anomaly *ap, const an_ts_context *c)
{
	an_ts_anomaly a = *ap;
	double		score;
	bool		flag;

	score = score_mode == SCORE_ANOMALY ? a.score : (score_mode == SCORE_SHAPE ? a.shape_score : a.shift_score);
	if (score_mode == SCORE_POINT_SHAPE)
		score = isnan(a.shape_score) || a.point.score > a.shape_score ? a.point.score : a.shape_score;
	if (IS_PCA_MODE(score_mode))
	{
		/* the window the shape score saw (the last w rows), NAN where it had none */
		double		sub = pca != NULL && !isnan(a.shape_score) ?
			an_ts_shape_pca_distance(pca, c->ring + c->pos, pca_scratch) / pca->edge : NAN;

		score = score_mode == SCORE_SUBPCA ? sub : a.point.score;
		if (score_mode == SCORE_NNPCA)
			score = fmax(a.shape_score, sub);
		else if (score_mode == SCORE_ANOMALY_SUBPCA || score_mode == SCORE_ANOMALY_BOTH)
			score = fmax(score, sub);
		if (score_mode == SCORE_ANOMALY_BOTH)
			score = fmax(score, a.shape_score);
	}
	if (IS_ANALOG_MODE(score_mode))
	{
		double		an = (lookahead ? analog_ahead(s, i) : analog_score(s, i)) / analog_scale;

		score = score_mode == SCORE_ANALOG ? an : fmax(a.point.score, an);
		if (score_mode == SCORE_ANOMALY_ANALOG)
			score = fmax(score, a.shape_score);
	}
	if (IS_SHAPE2_MODE(score_mode) || IS_RAW_MODE(score_mode))
	{
		double		ws = window_score(s, i);

		score = score_mode == SCORE_SHAPE2 || score_mode == SCORE_RAW || score_mode == SCORE_ZM ? ws :
			fmax(a.point.score, ws);
		if (score_mode == SCORE_ANOMALY_ZM_SHAPE)
			score = fmax(score, a.shape_score);
	}
	if (IS_DISCORD_MODE(score_mode))
	{
		double		dd = i >= disc_lo && i < disc_hi ? disc_dist[i - disc_lo] : NAN;

		/* with lookahead, a.score already holds the discord (emit_ctx) */
		double		an = score;	/* the analog branch's, for anomaly_discord_analog */

		score = score_mode == SCORE_DISCORD ? dd : (lookahead ? a.score : fmax(a.score, dd / disc_edge));
		if (score_mode == SCORE_ANOMALY_DISCORD_ANALOG)
			score = fmax(score, an);
	}
	if (isnan(score))
		score = 0;
	flag = score_mode == SCORE_ANOMALY ? a.is_anomaly : score > 1;
	if (score_mode == SCORE_DISCORD)
		flag = score > disc_edge;
	printf("%s,%zu,%d,%.17g,%d\n", name, i, s->label[i], score, flag ? 1 : 0);
}

/* A context for m, or NULL (point scores, or no model). */
static an_ts_context *
context_for(const an_ts_model *m)
{
	static an_ts_context c;

	if (score_mode == SCORE_POINT || m == NULL)
		return NULL;
	if (an_ts_context_init(&c, m) != AN_OK)
		exit(1);
	smooth_valid = false;
	return &c;
}

/* Score rows [lo, hi) of s with m (and the context c, freed after): one model's rows. */
static void
score_rows(const char *name, const series *s, size_t lo, size_t hi, const an_ts_model *m, an_ts_context *c)
{
	ahead_hi = hi;
	for (size_t i = lo; i < hi; i++)
		emit_ctx(name, s, i, m, c);
	flush_ctx(name, s);
	if (c)
		an_ts_context_free(c);
}

static void
replay_once(const char *name, const series *train, const series *test)
{
	size_t		start = 0;
	an_ts_model *m;

	if (train)
		m = fit(train, 0, train->n, name);
	else
	{
		start = (size_t) floor(0.2 * (double) test->n);
		m = fit(test, 0, start, name);
	}
	if (IS_DISCORD_MODE(score_mode))
		discord_prepare(m, train ? train : test, 0, train ? train->n : start, test, start, test->n, train == NULL,
						name);
	{
		an_ts_context *c = context_for(m);
		an_ts_anomaly a;

		for (size_t i = 0; i < start; i++)
		{
			/* the training prefix of the same series is context, not scored */
			if (c)
				an_ts_context_push(c, test->ts[i], test->v[i], &a);
			printf("%s,%zu,%d,,\n", name, i, test->label[i]);
		}
		score_rows(name, test, start, test->n, m, c);
	}
	an_ts_model_free(m);
}

static void
replay_scheduled(const char *name, const series *test)
{
	size_t		prob = (size_t) floor(0.15 * (double) test->n);

	if (prob > 750)
		prob = 750;
	for (size_t i = 0; i < prob; i++)
		printf("%s,%zu,%d,,\n", name, i, test->label[i]);
	for (size_t s = prob; s < test->n; s += R_ROWS)
	{
		an_ts_model *m = s > 0 ? fit(test, s > W_ROWS ? s - W_ROWS : 0, s, name) : NULL;
		an_ts_context *c = context_for(m);

		if (IS_DISCORD_MODE(score_mode))
			discord_prepare(m, test, s > W_ROWS ? s - W_ROWS : 0, s, test, s,
							s + R_ROWS < test->n ? s + R_ROWS : test->n, true, name);

		/* as a detector would: the w - 1 rows before the block (span with analogues, if more) are context */
		if (c && c->w > 0)
		{
			an_ts_anomaly a;
			size_t		warm = c->span > c->w - 1 ? c->span : c->w - 1;

			for (size_t i = s >= warm ? s - warm : 0; i < s; i++)
				an_ts_context_push(c, test->ts[i], test->v[i], &a);
			c->up = c->down = c->var = 0;
		}
		score_rows(name, test, s, s + R_ROWS < test->n ? s + R_ROWS : test->n, m, c);
		an_ts_model_free(m);
	}
}

/* The environment's settings: a whole number, a number, a flag (0 or unset: false). */
static size_t
env_size(const char *name, size_t dflt)
{
	return getenv(name) ? (size_t) atoi(getenv(name)) : dflt;
}

static double
env_double(const char *name, double dflt)
{
	return getenv(name) ? strtod(getenv(name), NULL) : dflt;
}

static bool
env_flag(const char *name)
{
	return getenv(name) && atoi(getenv(name)) != 0;
}

static void
set_option(const char *kv)
{
	char		key[128],
				err[256],
			   *end;
	const char *eq = strchr(kv, '=');
	an_opt_value v;

	if (eq == NULL || (size_t) (eq - kv) >= sizeof(key))
	{
		fprintf(stderr, "option %s: expected key=value\n", kv);
		exit(2);
	}
	memcpy(key, kv, eq - kv);
	key[eq - kv] = '\0';
	memset(&v, 0, sizeof(v));
	v.number = strtod(eq + 1, &end);
	if (*end == '\0' && end != eq + 1)
		v.type = AN_OPT_NUMBER;
	else if (strcmp(eq + 1, "true") == 0 || strcmp(eq + 1, "false") == 0)
	{
		v.type = AN_OPT_BOOL;
		v.boolean = eq[1] == 't';
	}
	else
	{
		v.type = AN_OPT_STRING;
		v.string = eq + 1;
	}
	if (an_ts_option_set(&opt, key, &v, err, sizeof(err)) != AN_OK)
	{
		fprintf(stderr, "%s\n", err);
		exit(2);
	}
}

int
main(int argc, char **argv)
{
	FILE	   *f;
	char		line[4096],
				dir[2048],
				path[8300];
	bool		scheduled;
	const char *slash;

	if (argc < 3 || (strcmp(argv[1], "once") != 0 && strcmp(argv[1], "scheduled") != 0))
	{
		fprintf(stderr, "usage: replay once|scheduled DATASETS_CSV [key=value ...]\n");
		return 2;
	}
	scheduled = strcmp(argv[1], "scheduled") == 0;
	if (getenv("SCORE"))
	{
		const char *sm = getenv("SCORE");

		for (size_t k = 0; k < sizeof(score_names) / sizeof(score_names[0]); k++)
			if (strcmp(sm, score_names[k]) == 0)
				score_mode = k;
	}
	analog_dim = env_size("ANALOG_DIM", analog_dim);
	analog_k = env_size("ANALOG_K", analog_k);
	analog_smooth = env_size("ANALOG_SMOOTH", analog_smooth);
	if (analog_smooth > SMOOTH_RING)
		analog_smooth = SMOOTH_RING;
	analog_level = env_double("ANALOG_LEVEL", analog_level);
	analog_linear = env_flag("ANALOG_LINEAR");
	analog_relative = env_flag("ANALOG_RELATIVE");
	analog_scale = env_double("ANALOG_SCALE", analog_scale);
	analog_fraction = env_double("ANALOG_FRACTION", analog_fraction);
	analog_guard = env_flag("ANALOG_GUARD");
	analog_skill = env_flag("ANALOG_SKILL");
	analog_skill_print = env_flag("ANALOG_SKILL_PRINT");
	ahead_sparse = getenv("ANALOG_AHEAD") && strcmp(getenv("ANALOG_AHEAD"), "sparse") == 0;
	shape_level = env_double("SHAPE_LEVEL", shape_level);
	shape_fraction = env_double("SHAPE_FRACTION", shape_fraction);
	disc_acf = env_flag("DISCORD_ACF");
	pca_variance = env_double("PCA_VARIANCE", pca_variance);
	if (getenv("LOOKAHEAD") && (atoi(getenv("LOOKAHEAD")) != 0 || strcmp(getenv("LOOKAHEAD"), "max") == 0))
	{
		if (score_mode != SCORE_ANOMALY && score_mode != SCORE_SHAPE && score_mode != SCORE_POINT_SHAPE &&
			score_mode != SCORE_ANOMALY_DISCORD && !IS_ANALOG_MODE(score_mode))
		{
			fprintf(stderr, "LOOKAHEAD=1 goes with SCORE=anomaly, shape, pointshape, anomaly_discord or an analog one\n");
			return 2;
		}
		lookahead = true;
		lookahead_max = strcmp(getenv("LOOKAHEAD"), "max") == 0;
		if (an_ts_lookahead_init(&la_queue, AN_SHAPE_MAX_WINDOW) != AN_OK)
			return 1;
	}
	an_ts_options_default(&opt);
	for (int a = 3; a < argc; a++)
		set_option(argv[a]);
	slash = strrchr(argv[2], '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int) (slash - argv[2]) : 1, slash ? argv[2] : ".");
	if ((f = fopen(argv[2], "r")) == NULL)
	{
		perror(argv[2]);
		return 1;
	}
	printf("series,i,label,score,flag\n");
	if (fgets(line, sizeof(line), f) == NULL)
		return 1;
	while (fgets(line, sizeof(line), f))
	{
		char	   *field[4],
				   *p = line,
					name[8300];
		series		train,
					test;
		size_t		cap;

		for (int k = 0; k < 4; k++)
		{
			field[k] = p;
			p = strchr(p, ',');
			if (p == NULL)
				return 1;
			*p++ = '\0';
		}
		snprintf(name, sizeof(name), "%s/%s", field[0], field[1]);
		snprintf(path, sizeof(path), "%s/%s", dir, field[3]);
		load(path, &test);
		cap = test.n;
		if (field[2][0] && !scheduled)
		{
			snprintf(path, sizeof(path), "%s/%s", dir, field[2]);
			load(path, &train);
			if (train.n > cap)
				cap = train.n;
		}
		scratch = malloc((cap > W_ROWS ? cap : W_ROWS) * sizeof(an_point));
		if (scheduled)
			replay_scheduled(name, &test);
		else
			replay_once(name, field[2][0] ? &train : NULL, &test);
		if (field[2][0] && !scheduled)
			release(&train);
		release(&test);
		free(scratch);
		fflush(stdout);
	}
	fclose(f);
	an_ts_shape_pca_free(pca);
	an_ts_analog_free(analog);
	an_ts_shape_free(shape2);
	raw_free(raw);
	free(disc_dist);
	an_ts_lookahead_free(&la_queue);
	if (disc_joins > 0)
		fprintf(stderr, "discord: %zu joins (with the floor and the edge's self-join), %.3f s\n", disc_joins,
				disc_seconds);
	if (pca_fits > 0)
		fprintf(stderr, "Sub-PCA: %zu fits, %.3f s, %.2f ms a fit, at most %.1f ms\n", pca_fits, pca_seconds,
				1e3 * pca_seconds / (double) pca_fits, 1e3 * pca_max_seconds);
	return 0;
}
