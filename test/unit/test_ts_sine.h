/*
 * test_ts_sine.h: the noisy sine the tests of the shape and discord
 * components (test_ts_shape.c, test_ts_discord_model.c) fit their models on:
 * 10 sin(2 pi i / period) plus uniform noise in [-0.5, 0.5), a row a minute,
 * the same rows for every call (the random stream restarts).
 */
#ifndef ANOMALY_TEST_TS_SINE_H
#define ANOMALY_TEST_TS_SINE_H

#include "test_random.h"
#include "test_ts_fit.h"

#define UNIT_SINE_STEP_US 60000000LL

/* row i of the sine (draws one number from the random stream) */
static double
unit_sine_at(size_t i, double period)
{
	return 10 * sin(2 * PI * (double) i / period) + (uniform01() - 0.5);
}

/*
 * The model bytes (free with free()) of rows 0..n-1 of the sine fitted with
 * the options o, the points handed over in a shuffled order if asked.
 */
static uint8_t *
unit_fit_sine(size_t n, double period, const an_ts_options *o, bool shuffle, size_t *len)
{
	an_point   *pts = unit_points_every(n, UNIT_SINE_STEP_US);
	uint8_t    *model;

	rng_state = 88172645463325252ULL;
	for (size_t i = 0; i < n; i++)
		pts[i].value = unit_sine_at(i, period);
	model = unit_fit_bytes(pts, n, o, shuffle, len);
	free(pts);
	return model;
}

#endif
