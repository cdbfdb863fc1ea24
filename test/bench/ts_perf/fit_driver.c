/*
 * fit_driver.c: a standalone driver for an_ts_fit, for profiling and for
 * checking that a performance change leaves every fitted model byte for byte
 * the same (see compare_models.sh).  No PostgreSQL involved.
 *   fit_driver hash              one line per series: name, status, length, FNV-1a of the model
 *   fit_driver describe          one JSON line per series: status, ts_model_info and the band at
 *                                40 timestamps (for compare_models.sh when the hashes differ)
 *   fit_driver time [S] [P]      fit S series of P points (default 10000 x 1000), print seconds
 * With NO_VECTOR=1 in the environment the AVX-512 kernels stay off (see
 * src/core/cpu_features.h): the speed of a CPU without them.  COMPACT_MIN=k
 * sets an_ts_fit_tuning.compact_min_points (fit inside the points from k points on):
 * "COMPACT_MIN=0 fit_driver hash" must print what "fit_driver hash" does.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cpu_features.h"
#include "core/model_format.h"
#include "core/time_units.h"
#include "core/ts/ts_model.h"
#include "core/ts/ts_seasonal.h"

static uint64_t rng = 88172645463325252ull;

static double
uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double) (rng >> 11) / 9007199254740992.0;
}

static double
gauss(void)
{
	double		u = uniform(),
				v = uniform();

	return sqrt(-2 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

#define STEP_US 300000000LL		/* 5 minutes */

/* one series of kind k (0..NKINDS-1), n points; variant v varies the options */
static size_t
make_series(int k, size_t n, an_point *pts)
{
	size_t		m = 0;

	for (size_t i = 0; i < n; i++)
	{
		int64_t		ts = 820454400000000LL + (int64_t) i * STEP_US;	/* 2026-01-01 */
		double		ph = 6.283185307179586 * (double) i / 288,
					v;

		switch (k)
		{
			case 0:				/* the benchmark's series: daily sine + noise */
				v = 100 + 10 * sin(ph) + uniform();
				break;
			case 1:				/* constant with noise */
				v = 5 + gauss();
				break;
			case 2:				/* linear trend + daily + weekly */
				v = 0.01 * (double) i + 3 * sin(ph) + 2 * sin(ph / 7) + 0.3 * gauss();
				break;
			case 3:				/* random walk level + daily */
				v = (i ? pts[m - 1].value - 5 * sin(6.283185307179586 * (double) (i - 1) / 288) : 0) + 0.2 * gauss()
					+ 5 * sin(ph);
				break;
			case 4:				/* irregular sampling: drop 30% of points, duplicates */
				if (uniform() < 0.3)
					continue;
				if (uniform() < 0.05)
					ts -= STEP_US;
				v = 50 + 4 * cos(ph) + gauss();
				break;
			case 5:				/* spikes and a level shift */
				v = 10 + 2 * sin(ph) + 0.1 * gauss() + (uniform() < 0.01 ? 30 : 0) + (i > n / 2 ? 5 : 0);
				break;
			case 6:				/* quantised integers (ties in medians) */
				v = floor(3 + 2 * sin(ph) + gauss());
				break;
			case 7:				/* hourly period + noise, shuffled order in time */
				v = sin(6.283185307179586 * (double) i / 12) + 0.5 * gauss();
				break;
			default:			/* pure noise */
				v = gauss();
				break;
		}
		pts[m].ts = ts;
		pts[m].value = v;
		m++;
	}
	return m;
}
#define NKINDS 9

static void
set_variant(an_ts_options *o, int variant)
{
	an_ts_options_default(o);
	switch (variant)
	{
		case 1:
			o->trend = AN_TS_TREND_LINEAR;
			break;
		case 2:
			o->trend = AN_TS_TREND_LOCAL;
			break;
		case 3:
			o->nperiods = 1;
			o->period_us[0] = AN_USECS_PER_DAY;
			break;
		case 4:
			o->method = AN_TS_METHOD_ROBUST;
			break;
		case 5:
			o->confidence = 0.99;
			o->trend = AN_TS_TREND_NONE;
			break;
		default:
			break;
	}
}
#define NVARIANTS 6

static uint64_t
fnv(const uint8_t *b, size_t len)
{
	uint64_t	h = 1469598103934665603ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

/*
 * The model as ts_model_info shows it plus expected, lower and upper at 40
 * timestamps from before the training range to well after it: what a user
 * can see of a model, to compare two builds up to rounding.
 */
static void
print_description(int k, size_t size, int variant, an_status st, const uint8_t *model, size_t len,
				  const an_point *pts, size_t n)
{
	an_ts_model *m;
	char	   *info;

	printf("{\"case\": \"kind=%d n=%zu variant=%d\", \"status\": %d", k, size, variant, (int) st);
	if (st == AN_OK && an_ts_model_load(model, len, &m) == AN_OK)
	{
		int64_t		t0 = pts[0].ts,
					span = pts[n - 1].ts - pts[0].ts + STEP_US;

		if (an_ts_model_info_json(m, &info) == AN_OK)
		{
			printf(", \"info\": %s", info);
			an_free(info);
		}
		if (m->kind == AN_KIND_TS_SEASONAL)
		{
			const an_ts_seasonal *se = m->seasonal;

			printf(", \"strength\": [");
			for (int j = 0; j < se->nseasons; j++)
				printf("%s%.17g", j ? ", " : "", se->season[j].strength);
			printf("]");
		}
		printf(", \"band\": [");
		for (int i = 0; i < 40; i++)
		{
			an_ts_detection d;

			an_ts_expect(m, t0 - span / 2 + (int64_t) i * span / 20 + 12345, &d);
			printf("%s[%.17g, %.17g, %.17g]", i ? ", " : "", d.expected, d.lower, d.upper);
		}
		printf("]");
		an_ts_model_free(m);
	}
	printf("}\n");
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "hash";
	an_ts_fit_tuning tuning = {.compact_min_points = AN_TS_COMPACT_MIN_POINTS};

	if (getenv("NO_VECTOR"))
		an_use_vector_code(false);
	if (getenv("COMPACT_MIN"))
		tuning.compact_min_points = strtoul(getenv("COMPACT_MIN"), NULL, 10);

	if (strcmp(mode, "time") == 0)
	{
		size_t		S = argc > 2 ? strtoul(argv[2], NULL, 10) : 10000,
					P = argc > 3 ? strtoul(argv[3], NULL, 10) : 1000;
		an_point   *pts = malloc(P * sizeof(an_point));
		an_ts_options o;
		struct timespec t0,
					t1;
		uint64_t	h = 0;

		an_ts_options_default(&o);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (size_t s = 0; s < S; s++)
		{
			uint8_t    *model;
			size_t		len,
						n = make_series(0, P, pts);
			char		err[256];

			an_sort_points(pts, n);
			if (an_ts_fit_tuned(pts, n, &o, &tuning, &model, &len, err, sizeof(err)) != AN_OK)
				return 1;
			h ^= fnv(model, len);
			an_free(model);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("%zu series x %zu points: %.3f s (hash %016llx)\n", S, P,
			   (double) (t1.tv_sec - t0.tv_sec) + 1e-9 * (double) (t1.tv_nsec - t0.tv_nsec),
			   (unsigned long long) h);
		return 0;
	}
	{
		bool		describe = strcmp(mode, "describe") == 0;
		static const size_t sizes[] = {1, 2, 3, 10, 50, 200, 577, 1000, 2016, 5000, 30000};
		an_point   *pts = malloc(30000 * sizeof(an_point)),
				   *sorted = malloc(30000 * sizeof(an_point));

		for (int k = 0; k < NKINDS; k++)
			for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
				for (int v = 0; v < NVARIANTS; v++)
				{
					an_ts_options o;
					uint8_t    *model = NULL;
					size_t		len = 0,
								n;
					char		err[256] = "";
					an_status	st;

					rng = 88172645463325252ull + (uint64_t) (k * 1000 + (int) si * 10 + v);
					n = make_series(k, sizes[si], pts);
					if (k == 7)	/* reverse order: the caller's sort must restore it */
						for (size_t i = 0; i < n / 2; i++)
						{
							an_point	t = pts[i];

							pts[i] = pts[n - 1 - i];
							pts[n - 1 - i] = t;
						}
					set_variant(&o, v);
					if (n == 0)
						continue;
					an_sort_points(pts, n);
					/* the fit may use pts as its scratch: the description reads a copy */
					memcpy(sorted, pts, n * sizeof(an_point));
					st = an_ts_fit_tuned(pts, n, &o, &tuning, &model, &len, err, sizeof(err));
					if (describe)
						print_description(k, sizes[si], v, st, model, len, sorted, n);
					else
						printf("kind=%d n=%zu variant=%d status=%d len=%zu hash=%016llx %s\n", k, sizes[si], v,
							   (int) st, len, (unsigned long long) (st == AN_OK ? fnv(model, len) : 0),
							   st == AN_OK ? "" : err);
					if (st == AN_OK)
						an_free(model);
				}
	}
	return 0;
}
