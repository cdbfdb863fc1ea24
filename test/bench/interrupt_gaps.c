/*
 * interrupt_gaps.c: how long the core runs between two interrupt checks.
 *
 * Inside a backend, statement_timeout and pg_cancel_backend() take effect at
 * the next an_check_interrupts(); the longest stretch of work between two
 * checks (or before the first, or after the last) is how far a cancel can
 * overshoot.  This driver installs a check hook that times those stretches
 * (in the thread's CPU time, so that other load on the machine does not count)
 * and runs the long computations on large inputs:
 *   interrupt_gaps [ts_points [catch22_points [dbscan_points]]]
 * (defaults 20,000,000, 2,000,000 and 300,000) and prints, for each, the
 * longest gap in milliseconds and the call stacks of the checks on either
 * side of it, innermost first (resolve the addresses with
 * addr2line -f -e interrupt_gaps ADDR...); with GAPS_OVER_MS=x in the
 * environment, every gap longer than x ms as well.  Build:
 *   cc -std=c11 -D_DEFAULT_SOURCE -O2 -g -fno-omit-frame-pointer -fno-inline -no-pie -Isrc \
 *      -o interrupt_gaps test/bench/interrupt_gaps.c $(find src/core -name '*.c') -lopenblas -lm
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <execinfo.h>

#include "core/catch22/catch22.h"
#include "core/dbscan/dbscan.h"
#include "core/time_units.h"
#include "core/ts/ts_model.h"
#include "../unit/test_random.h"
#include "../unit/test_clock.h"

static double last_check,
			longest;
#define DEPTH 7
static void *longest_from[DEPTH],
		   *longest_to[DEPTH],
		   *last_site[DEPTH];

/* The two call stacks on either side of a gap, innermost caller of the check first. */
static void
print_gap(void *const *from, void *const *to)
{
	void	   *const *side[2] = {from, to};

	for (int k = 0; k < 2; k++)
	{
		printf(k == 0 ? "  from" : "\n  to  ");
		for (int i = 2; i < DEPTH; i++)
			printf(" %p", side[k][i]);
	}
	printf("\n");
}

static void
timed_check(void)
{
	double		t = cpu_ms();
	void	   *site[DEPTH] = {0};

	/* where the check is called from: an_check_interrupts and its callers */
	backtrace(site, DEPTH);
	if (getenv("GAPS_OVER_MS") && t - last_check > atof(getenv("GAPS_OVER_MS")))
	{
		/* every long gap, not only the longest */
		printf("gap %.1f ms\n", t - last_check);
		print_gap(last_site, site);
	}
	if (t - last_check > longest)
	{
		longest = t - last_check;
		memcpy(longest_from, last_site, sizeof(site));
		memcpy(longest_to, site, sizeof(site));
	}
	last_check = t;
	memcpy(last_site, site, sizeof(site));
}

static void
start(void)
{
	longest = 0;
	memset(longest_from, 0, sizeof(longest_from));
	memset(longest_to, 0, sizeof(longest_to));
	memset(last_site, 0, sizeof(last_site));
	last_check = cpu_ms();
}

static void
report(const char *what, double total_ms)
{
	timed_check();				/* the stretch after the last check, up to the return */
	printf("%-34s total %9.1f ms, longest gap %7.1f ms\n", what, total_ms, longest);
	print_gap(longest_from, longest_to);
}

static void
time_series(size_t n, bool irregular)
{
	an_point   *pts = malloc(n * sizeof(an_point));
	an_ts_options o;
	uint8_t    *model = NULL;
	size_t		len;
	char		err[256];
	double		t0;

	for (size_t i = 0; i < n; i++)
	{
		pts[i].ts = (int64_t) i * 5 * AN_USECS_PER_MINUTE +
			(irregular ? (int64_t) (uniform01() * 6 * AN_USECS_PER_SEC) : 0);
		pts[i].value = 50 + 10 * sin(2 * PI * (double) i / 288) + uniform01();
	}
	an_ts_options_default(&o);
	start();
	t0 = cpu_ms();
	an_sort_points(pts, n);
	if (an_ts_fit(pts, n, &o, &model, &len, err, sizeof(err)) != AN_OK)
		fprintf(stderr, "fit failed: %s\n", err);
	report(irregular ? "ts_fit, irregular timestamps" : "ts_fit, regular timestamps", cpu_ms() - t0);
	an_free(model);
	free(pts);
}

static void
catch22(size_t n)
{
	double	   *y = malloc(n * sizeof(double));
	double		out[AN_CATCH24_COUNT],
				t0;
	size_t		bad;

	for (size_t i = 0; i < n; i++)
		y[i] = sin((double) i / 10) + uniform01();
	start();
	t0 = cpu_ms();
	(void) an_catch22(y, n, out, &bad);
	report("catch22", cpu_ms() - t0);
	free(y);
}

static void
dbscan(size_t n, size_t d, double eps)
{
	double	   *x = malloc(n * d * sizeof(double));
	int32_t    *labels = malloc(n * sizeof(int32_t));
	double		t0;
	char		what[64];

	for (size_t i = 0; i < n * d; i++)
		x[i] = uniform01();
	start();
	t0 = cpu_ms();
	(void) an_dbscan(x, n, d, eps, 5, labels, NULL);
	snprintf(what, sizeof(what), "dbscan, %zu dimensions, eps %g", d, eps);
	report(what, cpu_ms() - t0);
	free(labels);
	free(x);
}

int
main(int argc, char **argv)
{
	size_t		ts_n = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000000,
				c22_n = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000000,
				db_n = argc > 3 ? strtoul(argv[3], NULL, 10) : 300000;
	an_hooks	hooks = {malloc, free, timed_check};

	an_set_hooks(&hooks);
	time_series(ts_n, true);
	time_series(ts_n, false);
	catch22(c22_n);
	dbscan(db_n, 2, 0.01);
	dbscan(db_n / 10, 22, 0.01);
	dbscan(db_n / 10, 22, 0.5);	/* all noise: the BLAS brute force */
	return 0;
}
