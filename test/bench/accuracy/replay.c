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
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/model_format.h"
#include "core/sort.h"
#include "core/ts/ts_context.h"
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
	SCORE_SUBPCA, SCORE_ANOMALY_SUBPCA, SCORE_NNPCA, SCORE_ANOMALY_BOTH
}			score_mode;
static const char *const score_names[] = {"point", "anomaly", "shape", "shift", "pointshape",
"subpca", "anomaly_subpca", "nnpca", "anomaly_both"};
static an_point *scratch;
/* Sub-PCA beside the current model (modes from SCORE_SUBPCA on), its share, fits and their time */
static an_ts_shape_pca *pca;
static double pca_variance,
			pca_seconds,
			pca_max_seconds,
			pca_scratch[2 * AN_SHAPE_MAX_WINDOW];
static size_t pca_fits;

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
	if (score_mode >= SCORE_SUBPCA && m != NULL && m->shape != NULL)
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
static void
emit_ctx(const char *name, const series *s, size_t i, const an_ts_model *m, an_ts_context *c)
{
	an_ts_detection d;
	an_ts_anomaly a;
	double		score;
	bool		flag;

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
	score = score_mode == SCORE_ANOMALY ? a.score : (score_mode == SCORE_SHAPE ? a.shape_score : a.shift_score);
	if (score_mode == SCORE_POINT_SHAPE)
		score = isnan(a.shape_score) || a.point.score > a.shape_score ? a.point.score : a.shape_score;
	if (score_mode >= SCORE_SUBPCA)
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
	if (isnan(score))
		score = 0;
	flag = score_mode == SCORE_ANOMALY ? a.is_anomaly : score > 1;
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
	return &c;
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
	{
		an_ts_context *c = context_for(m);
		an_ts_anomaly a;

		for (size_t i = 0; i < test->n; i++)
			if (i < start)
			{
				/* the training prefix of the same series is context, not scored */
				if (c)
					an_ts_context_push(c, test->ts[i], test->v[i], &a);
				printf("%s,%zu,%d,,\n", name, i, test->label[i]);
			}
			else
				emit_ctx(name, test, i, m, c);
		if (c)
			an_ts_context_free(c);
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

		/* as a detector would: the w - 1 rows before the block are context */
		if (c && c->w > 0)
		{
			an_ts_anomaly a;

			for (size_t i = s >= c->w - 1 ? s - (c->w - 1) : 0; i < s; i++)
				an_ts_context_push(c, test->ts[i], test->v[i], &a);
			c->up = c->down = c->var = 0;
		}
		for (size_t i = s; i < s + R_ROWS && i < test->n; i++)
			emit_ctx(name, test, i, m, c);
		if (c)
			an_ts_context_free(c);
		an_ts_model_free(m);
	}
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
	if (getenv("PCA_VARIANCE"))
		pca_variance = strtod(getenv("PCA_VARIANCE"), NULL);
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
	if (pca_fits > 0)
		fprintf(stderr, "Sub-PCA: %zu fits, %.3f s, %.2f ms a fit, at most %.1f ms\n", pca_fits, pca_seconds,
				1e3 * pca_seconds / (double) pca_fits, 1e3 * pca_max_seconds);
	return 0;
}
