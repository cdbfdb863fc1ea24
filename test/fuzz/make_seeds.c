/*
 * make_seeds.c: writes valid models into a directory, as the fuzzer's seed
 * corpus, so that mutations start from bytes that pass the checksum.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "seed_file.h"

#include "core/time_units.h"
#include "core/ts/ts_model.h"

static void
seed(const char *dir, const char *name, size_t n, double period, const char *method)
{
	an_point   *pts = malloc(n * sizeof(an_point));
	an_ts_options o;
	an_opt_value mv = {.type = AN_OPT_STRING, .string = method};
	uint8_t    *model;
	size_t		len;
	char		err[256];

	for (size_t i = 0; i < n; i++)
	{
		pts[i].ts = (int64_t) i * AN_USECS_PER_HOUR;
		pts[i].value = 10 + 5 * sin(2 * 3.141592653589793 * (double) i / period) + (double) (i % 7) * 0.1;
	}
	an_ts_options_default(&o);
	if (an_ts_option_set(&o, "method", &mv, err, sizeof(err)) != AN_OK ||
		an_ts_fit(pts, n, &o, &model, &len, err, sizeof(err)) != AN_OK)
	{
		fprintf(stderr, "seed %s: fit failed: %s\n", name, err);
		exit(1);
	}
	write_seed(dir, name, model, len);
	an_free(model);
	free(pts);
}

int
main(int argc, char **argv)
{
	if (argc != 2)
	{
		fprintf(stderr, "usage: make_seeds DIR\n");
		return 2;
	}
	seed(argv[1], "level_small", 5, 24, "robust");
	seed(argv[1], "level_hourly", 500, 24, "robust");
	seed(argv[1], "auto_daily", 24 * 21, 24, "auto");
	seed(argv[1], "auto_weekly", 24 * 7 * 5, 24 * 7, "auto");
	seed(argv[1], "seasonal", 24 * 14, 24, "seasonal");
	return 0;
}
