/*
 * make_seeds.c: writes valid models into a directory, as the fuzzer's seed
 * corpus, so that mutations start from bytes that pass the checksum: every
 * time-series kind (it fails if a kind is missing), and the seasonal kind's
 * variants (trends, several periods).  The frozen models of every format
 * version (the hex files in test/fixtures) are added by fuzz.mk.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "seed_file.h"

#include "core/model_format.h"
#include "core/time_units.h"
#include "core/ts/ts_model.h"

static bool kind_seeded[AN_KIND_MAX + 1];
/* with the shape component (format version 3) and this window */
static int	shape_window;
/* with the discord component too (format version 4), keeping this many rows */
static int	discord_rows;
/* with the analog component too (format version 5), which the seed must have */
static bool analog;

static void
set_option(an_ts_options *o, const char *name, const char *key, const an_opt_value *v)
{
	char		err[256];

	if (an_ts_option_set(o, key, v, err, sizeof(err)) != AN_OK)
	{
		fprintf(stderr, "seed %s: %s\n", name, err);
		exit(1);
	}
}

/* A model of n hourly points, fitted with method and (if not NULL) trend and a second period. */
static void
seed_with(const char *dir, const char *name, size_t n, double period, const char *method,
		  const char *trend, double second_period, double rate)
{
	an_point   *pts = malloc(n * sizeof(an_point));
	an_ts_options o;
	an_opt_value mv = {.type = AN_OPT_STRING, .string = method};
	uint8_t    *model;
	size_t		len;
	char		err[256];
	an_model_header h;
	const uint8_t *payload;

	for (size_t i = 0; i < n; i++)
	{
		pts[i].ts = (int64_t) i * AN_USECS_PER_HOUR;
		pts[i].value = 10 + 5 * sin(2 * 3.141592653589793 * (double) i / period) + (double) (i % 7) * 0.1;
	}
	an_ts_options_default(&o);
	set_option(&o, name, "method", &mv);
	if (trend != NULL)
	{
		an_opt_value tv = {.type = AN_OPT_STRING, .string = (char *) trend};

		set_option(&o, name, "trend", &tv);
		/* a slope, for the trend to find */
		for (size_t i = 0; i < n; i++)
			pts[i].value += 0.01 * (double) i;
	}
	if (second_period > 0)
	{
		an_opt_value items[2] = {{.type = AN_OPT_NUMBER, .number = period},
		{.type = AN_OPT_NUMBER, .number = second_period}};
		an_opt_value pv = {.type = AN_OPT_ARRAY, .items = items, .nitems = 2};

		set_option(&o, name, "period", &pv);
	}
	if (rate > 0)
	{
		an_opt_value rv = {.type = AN_OPT_NUMBER, .number = rate};

		set_option(&o, name, "false_alarm_rate", &rv);
		/* noise with a tail, for the peaks over the threshold */
		for (size_t i = 0; i < n; i++)
			pts[i].value += 0.3 * sin(1e3 * (double) i * (double) i);
	}
	if (shape_window > 0)
	{
		an_opt_value sv = {.type = AN_OPT_BOOL, .boolean = true};
		an_opt_value wv = {.type = AN_OPT_NUMBER, .number = shape_window};

		set_option(&o, name, "shape", &sv);
		set_option(&o, name, "window", &wv);
	}
	if (discord_rows > 0)
	{
		an_opt_value dv = {.type = AN_OPT_BOOL, .boolean = true};
		an_opt_value rv = {.type = AN_OPT_NUMBER, .number = discord_rows};

		set_option(&o, name, "discord", &dv);
		set_option(&o, name, "discord_rows", &rv);
	}
	if (analog)
	{
		an_opt_value av = {.type = AN_OPT_BOOL, .boolean = true};

		set_option(&o, name, "analog", &av);
	}
	if (an_ts_fit(pts, n, &o, &model, &len, err, sizeof(err)) != AN_OK ||
		an_model_open(model, len, &h, &payload) != AN_OK)
	{
		fprintf(stderr, "seed %s: fit failed: %s\n", name, err);
		exit(1);
	}
	if (analog && h.version != 5)
	{
		fprintf(stderr, "seed %s: no analog block (format version %d)\n", name, h.version);
		exit(1);
	}
	kind_seeded[h.kind] = true;
	write_seed(dir, name, model, len);
	an_free(model);
	free(pts);
}

static void
seed(const char *dir, const char *name, size_t n, double period, const char *method)
{
	seed_with(dir, name, n, period, method, NULL, 0, 0);
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
	seed_with(argv[1], "seasonal_linear", 24 * 14, 24, "seasonal", "linear", 0, 0);
	seed_with(argv[1], "seasonal_local", 24 * 21, 24, "seasonal", "local", 0, 0);
	seed_with(argv[1], "seasonal_two_periods", 24 * 7 * 4, 24, "seasonal", NULL, 24 * 7, 0);
	/* format version 2: a band from the tail, fitted and (too few points) fallen back */
	seed_with(argv[1], "seasonal_tail", 24 * 40, 24, "seasonal", "local", 0, 0.005);
	seed_with(argv[1], "level_tail", 2000, 24, "robust", NULL, 0, 0.001);
	seed_with(argv[1], "level_tail_too_few", 100, 24, "robust", NULL, 0, 0.001);
	/* format version 3: the shape block, after an empty and after a fitted tail block */
	shape_window = 6;
	seed(argv[1], "seasonal_shape", 24 * 14, 24, "seasonal");
	shape_window = 4;
	seed_with(argv[1], "level_shape_tail", 300, 24, "robust", NULL, 0, 0.001);
	/* format version 4: the discord block after the shape block */
	shape_window = 6;
	discord_rows = 64;
	seed(argv[1], "seasonal_shape_discord", 24 * 14, 24, "seasonal");
	shape_window = 4;
	seed_with(argv[1], "level_shape_discord_tail", 300, 24, "robust", NULL, 0, 0.001);
	/* format version 5: the analog block after the discord block */
	shape_window = 6;
	discord_rows = 128;
	analog = true;
	seed(argv[1], "seasonal_shape_discord_analog", 24 * 14, 24, "seasonal");
	shape_window = 4;
	seed_with(argv[1], "level_shape_discord_analog_tail", 300, 24, "robust", NULL, 0, 0.001);
	analog = false;
	shape_window = 0;
	discord_rows = 0;
	if (!kind_seeded[AN_KIND_TS_LEVEL] || !kind_seeded[AN_KIND_TS_SEASONAL])
	{
		fprintf(stderr, "make_seeds: a time-series model kind has no seed\n");
		return 1;
	}
	return 0;
}
