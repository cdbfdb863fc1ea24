/*
 * context_driver.c: the core of ts_anomaly alone (an_ts_context_push), without
 * PostgreSQL: one model fitted on 1,000 rows of ts_perf's data (a daily sine
 * at 5 minutes plus noise), then 1,000 series x 1,000 rows pushed through a
 * context.  Prints the rows per second, a checksum of every score's bits
 * (equal checksums: the same scores, bit for bit) and the sum of the shape
 * scores (for revisions that round differently: equal to about 12 digits).  Built and run by
 * test/bench/ts_perf/context.sh.  Argument: 1 with the shape component, 0 without.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/sort.h"
#include "core/ts/ts_context.h"
#include "core/ts/ts_model.h"
#include "core/ts/ts_options.h"

#define ROWS 1000
#define SERIES 1000

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double) t.tv_sec + (double) t.tv_nsec * 1e-9;
}

static uint64_t
bits(double x)
{
	uint64_t	u;

	memcpy(&u, &x, sizeof(u));
	return u;
}

int
main(int argc, char **argv)
{
	an_point   *pts = malloc(ROWS * sizeof(an_point));
	an_ts_options o;
	an_ts_model *m = NULL;
	an_ts_context c;
	uint8_t    *model = NULL;
	size_t		len;
	char		err[256];
	uint64_t	sum = 0;
	double		shape_total = 0;
	unsigned	seed = 1;
	double		t0,
				t1;

	for (size_t i = 0; i < ROWS; i++)
	{
		seed = seed * 1103515245u + 12345u;
		pts[i].ts = (int64_t) i * 300000000LL;
		pts[i].value = 100 + 10 * sin(2 * 3.14159265358979323846 * (double) i / 288) +
			(double) (seed >> 8) / 16777216.0;
	}
	an_ts_options_default(&o);
	o.shape = argc > 1 && atoi(argv[1]) != 0;
	if (an_ts_fit(pts, ROWS, &o, &model, &len, err, sizeof(err)) != AN_OK ||
		an_ts_model_load(model, len, &m) != AN_OK || an_ts_context_init(&c, m) != AN_OK)
	{
		fprintf(stderr, "fit failed: %s\n", err);
		return 1;
	}
	t0 = now();
	for (int s = 0; s < SERIES; s++)
	{
		an_ts_context_reset(&c);
		for (size_t i = 0; i < ROWS; i++)
		{
			an_ts_anomaly a;

			an_ts_context_push(&c, pts[i].ts, pts[i].value + 0.001 * s, &a);
			sum = sum * 31 + bits(a.score) + bits(a.shape_score) + bits(a.shift_score);
			if (!isnan(a.shape_score))
				shape_total += a.shape_score;
		}
	}
	t1 = now();
	printf("shape %d: %.3f s for %d rows (%.0f rows/s), checksum %016llx, shape sum %.12g\n", o.shape ? 1 : 0,
		   t1 - t0, ROWS * SERIES, ROWS * SERIES / (t1 - t0), (unsigned long long) sum, shape_total);
	an_ts_context_free(&c);
	an_ts_model_free(m);
	free(model);
	free(pts);
	return 0;
}
