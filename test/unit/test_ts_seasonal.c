/*
 * test_ts_seasonal.c: the seasonal model end to end in src/core: fit,
 * encode/decode round trip, detection, robustness of the profile to
 * incidents, fallbacks, and corrupt payloads rejected.
 */
#include <stdint.h>
#include <string.h>

#include "core/model_format.h"
#include "core/time_units.h"
#include "core/ts/ts_model.h"
#include "core/ts/ts_seasonal.h"
#include "unit.h"

#include "test_fixtures.h"
#include "test_random.h"
#include "test_ts_fit.h"

#define MIN5 (5 * AN_USECS_PER_MINUTE)

static double
daily(int64_t ts)
{
	return 100 + 30 * sin(2 * PI * (double) (ts % (24 * AN_USECS_PER_HOUR)) / (double) (24 * AN_USECS_PER_HOUR));
}

/*
 * n hourly points (free with free()) on the daily cycle, plus slope per point
 * and Gaussian noise of standard deviation sigma.
 */
static an_point *
daily_points(size_t n, double slope, double sigma)
{
	an_point   *pts = unit_points_every(n, AN_USECS_PER_HOUR);

	for (size_t i = 0; i < n; i++)
		pts[i].value = daily(pts[i].ts) + slope * (double) i + sigma * gauss();
	return pts;
}

/* The seasonal method with the daily period given as 24 samples. */
static void
daily_seasonal_options(an_ts_options *opt)
{
	an_ts_options_default(opt);
	opt->period_samples[0] = 24;
	opt->nperiods = 1;
	opt->method = AN_TS_METHOD_SEASONAL;
}

/* At every hour of day `day`, the model expects the daily curve within tol. */
static void
check_daily_profile(const an_ts_model *m, int64_t day, double tol)
{
	an_ts_detection d;

	for (int h = 0; h < 24; h++)
	{
		an_ts_expect(m, day * 24 * AN_USECS_PER_HOUR + h * AN_USECS_PER_HOUR, &d);
		CHECK_NEAR(d.expected, daily(h * AN_USECS_PER_HOUR), 0, tol);
	}
}

/* 14 days of hourly data with a daily cycle and noise: seasonal, period 1 day. */
static void
test_daily_hourly(void)
{
	size_t		n = 24 * 14;
	an_point   *pts = daily_points(n, 0, 1);
	an_ts_options opt;
	an_ts_model *m;
	an_ts_detection d;
	const an_ts_seasonal *s;

	an_ts_options_default(&opt);
	if (!unit_ts_fit_ok(pts, n, &opt, &m))
		return;
	CHECK_EQ_INT(m->kind, AN_KIND_TS_SEASONAL);
	s = m->seasonal;
	CHECK_EQ_INT(s->nseasons, 1);
	CHECK_EQ_INT(s->season[0].period_us, 24 * AN_USECS_PER_HOUR);
	CHECK_EQ_INT(m->interval_us, AN_USECS_PER_HOUR);
	/* sigma ~ 1 (the noise) */
	CHECK(s->sigma_low > 0.6 && s->sigma_low < 1.6);
	CHECK(s->sigma_high > 0.6 && s->sigma_high < 1.6);
	/* expected follows the cycle far after training, and between samples */
	for (int64_t t = 100 * 24 * AN_USECS_PER_HOUR; t < 101 * 24 * AN_USECS_PER_HOUR; t += AN_USECS_PER_HOUR)
	{
		an_ts_expect(m, t, &d);
		CHECK_NEAR(d.expected, daily(t), 0, 1.0);
		CHECK_NEAR(d.level + d.seasonal, d.expected, 1e-12, 1e-12);
	}
	/* before the training range too */
	an_ts_expect(m, -30 * 24 * AN_USECS_PER_HOUR + 6 * AN_USECS_PER_HOUR, &d);
	CHECK_NEAR(d.expected, daily(6 * AN_USECS_PER_HOUR), 0, 1.0);
	/* score: 0 at expected, exactly 1 at the band edge, > 1 outside */
	an_ts_detect(m, 50 * AN_USECS_PER_HOUR, daily(50 * AN_USECS_PER_HOUR), &d);
	CHECK(d.score < 0.5 && !d.is_anomaly);
	an_ts_detect(m, 50 * AN_USECS_PER_HOUR, d.upper, &d);
	CHECK_NEAR(d.score, 1.0, 1e-12, 0);
	CHECK(!d.is_anomaly);
	an_ts_detect(m, 50 * AN_USECS_PER_HOUR, d.expected + 20, &d);
	CHECK(d.score > 3 && d.is_anomaly);
	/* a value normal at noon is anomalous at midnight: the level model cannot tell */
	an_ts_detect(m, 30 * 24 * AN_USECS_PER_HOUR + 6 * AN_USECS_PER_HOUR, daily(18 * AN_USECS_PER_HOUR), &d);
	CHECK(d.is_anomaly);
	an_ts_model_free(m);
	free(pts);
}

/* Injected incidents (up to 19% of one phase's cycles) do not bend the profile. */
static void
test_profile_robust_to_incidents(void)
{
	size_t		n = 24 * 21;
	an_point   *pts = daily_points(n, 0, 0.5);
	an_ts_options opt;
	an_ts_model *m;
	an_ts_detection d;

	/*
	 * an outage: 4 hours at 0, and spikes at hour 3 on 4 days of 21 (each
	 * under 1 % of the training rows: the band's tail estimate uses the 1st
	 * and 99th residual percentiles, so rarer incidents stay outside it)
	 */
	for (size_t i = 100; i < 104; i++)
		pts[i].value = 0;
	for (int day = 2; day < 6; day++)
		pts[day * 24 + 3].value += 1000;
	daily_seasonal_options(&opt);
	if (!unit_ts_fit_ok(pts, n, &opt, &m))
		return;
	check_daily_profile(m, 40, 0.6);
	/* the incidents are anomalous under the model fitted on them */
	an_ts_detect(m, 100 * AN_USECS_PER_HOUR, 0, &d);
	CHECK(d.is_anomaly);
	an_ts_detect(m, 2 * 24 * AN_USECS_PER_HOUR + 3 * AN_USECS_PER_HOUR, pts[2 * 24 + 3].value, &d);
	CHECK(d.is_anomaly);
	an_ts_model_free(m);
	free(pts);
}

/*
 * Heavy tails widen the band: with 3 % of the rows far above the cycle, the
 * upper spread is the tail estimate (q99 - q50) / z99 of the residuals
 * (recomputed here from the model's own expected values), the lower one
 * stays near the quartile estimate of the noise.
 */
static void
test_tail_aware_spread(void)
{
	size_t		n = 24 * 21;
	an_point   *pts = daily_points(n, 0, 0.5);
	double	   *r = malloc(n * sizeof(double));
	an_ts_options opt;
	an_ts_model *m;
	an_ts_detection d;
	const an_ts_seasonal *s;

	for (size_t i = 0; i < n; i += 33)
		pts[i].value += 40;
	daily_seasonal_options(&opt);
	opt.trend = AN_TS_TREND_NONE;
	if (!unit_ts_fit_ok(pts, n, &opt, &m))
		return;
	s = m->seasonal;
	for (size_t i = 0; i < n; i++)
	{
		an_ts_expect(m, pts[i].ts, &d);
		r[i] = pts[i].value - d.expected;
	}
	qsort(r, n, sizeof(double), unit_cmp_double);
	CHECK_NEAR(s->sigma_high, (r[(99 * n) / 100] - r[n / 2]) / 2.3263478740408408, 1e-9, 0);
	CHECK(s->sigma_high > 10 * s->sigma_low);
	CHECK(s->sigma_low > 0.3 && s->sigma_low < 1.0);	/* the noise's sigma, 0.5, roughly */
	/* an outlier of the training data's size is inside the band, twice that is not */
	an_ts_detect(m, 30 * 24 * AN_USECS_PER_HOUR, daily(0) + 40, &d);
	CHECK(!d.is_anomaly);
	an_ts_detect(m, 30 * 24 * AN_USECS_PER_HOUR, daily(0) + 200, &d);
	CHECK(d.is_anomaly);
	an_ts_model_free(m);
	free(pts);
	free(r);
}

/* Gaps never shift the phase; duplicate timestamps are accepted. */
static void
test_gaps_and_duplicates(void)
{
	size_t		n = 0;
	an_point   *pts = malloc(24 * 20 * 2 * sizeof(an_point));
	an_ts_options opt;
	an_ts_model *m;

	for (int64_t i = 0; i < 24 * 20; i++)
	{
		if (i % 7 == 3 || (i > 100 && i < 130))
			continue;			/* missing points, and a 30-hour gap */
		pts[n].ts = i * AN_USECS_PER_HOUR;
		pts[n++].value = daily(i * AN_USECS_PER_HOUR) + 0.3 * gauss();
		if (i % 11 == 0)
		{
			pts[n].ts = i * AN_USECS_PER_HOUR;	/* a duplicate */
			pts[n++].value = daily(i * AN_USECS_PER_HOUR) + 0.3 * gauss();
		}
	}
	an_ts_options_default(&opt);
	if (!unit_ts_fit_ok(pts, n, &opt, &m))
		return;
	CHECK_EQ_INT(m->kind, AN_KIND_TS_SEASONAL);
	CHECK_EQ_INT(m->interval_us, AN_USECS_PER_HOUR);
	CHECK_EQ_INT(m->seasonal->season[0].period_us, 24 * AN_USECS_PER_HOUR);
	check_daily_profile(m, 1000, 0.6);
	an_ts_model_free(m);
	free(pts);
}

/* Noise without a period under "auto": the robust level model, as before. */
static void
test_noise_gives_level_model(void)
{
	size_t		n = 2000;
	an_point   *pts = unit_points_every(n, MIN5);
	an_ts_options opt;
	an_ts_model *m;
	char		err[256];

	for (size_t i = 0; i < n; i++)
		pts[i].value = 10 + gauss();
	an_ts_options_default(&opt);
	m = unit_ts_fit(pts, n, &opt, NULL, NULL);
	CHECK(m != NULL && m->kind == AN_KIND_TS_LEVEL);
	an_ts_model_free(m);
	/* "seasonal" on the same data: the seasonal kind without a period, and it says why */
	opt.method = AN_TS_METHOD_SEASONAL;
	m = unit_ts_fit(pts, n, &opt, NULL, err);
	CHECK(m != NULL && m->kind == AN_KIND_TS_SEASONAL);
	if (m)
	{
		const an_ts_seasonal *s = m->seasonal;
		char	   *json;

		CHECK_EQ_INT(s->nseasons, 0);
		CHECK_EQ_INT(s->reason, AN_TS_REASON_NO_PERIOD);
		CHECK(an_ts_model_info_json(m, &json) == AN_OK);
		CHECK(strstr(json, "no seasonal period was detected") != NULL);
		an_free(json);
	}
	an_ts_model_free(m);
	free(pts);
}

/* Requested periods the data cannot support: an error under "seasonal", a fallback under "auto". */
static void
test_period_too_long(void)
{
	size_t		n = 30;
	an_point	pts[30];
	an_ts_options opt;
	an_ts_model *m;
	an_status	s;
	char		err[256];

	for (size_t i = 0; i < n; i++)
	{
		pts[i].ts = (int64_t) i * AN_USECS_PER_HOUR;
		pts[i].value = daily(pts[i].ts);
	}
	an_ts_options_default(&opt);
	opt.method = AN_TS_METHOD_SEASONAL;
	opt.period_us[0] = 24 * AN_USECS_PER_HOUR;
	opt.nperiods = 1;
	m = unit_ts_fit(pts, n, &opt, &s, err);
	CHECK(m == NULL && s == AN_EINVAL);
	CHECK(strstr(err, "too little time for period 1 day") != NULL);
	CHECK(strchr(err, '\n') != NULL);	/* with a hint */
	opt.method = AN_TS_METHOD_AUTO;
	m = unit_ts_fit(pts, n, &opt, &s, err);
	CHECK(m != NULL && m->kind == AN_KIND_TS_SEASONAL);
	if (m)
	{
		CHECK_EQ_INT(m->seasonal->nseasons, 0);
		CHECK_EQ_INT(m->seasonal->reason, AN_TS_REASON_TOO_SHORT);
	}
	an_ts_model_free(m);
	/* shorter than two samples: always an error */
	opt.period_us[0] = AN_USECS_PER_HOUR;
	m = unit_ts_fit(pts, n, &opt, &s, err);
	CHECK(m == NULL && s == AN_EINVAL);
	CHECK(strstr(err, "shorter than two sampling intervals") != NULL);
}

/* Trends: linear chosen and extrapolated; local follows a level shift. */
static void
test_trends(void)
{
	size_t		n = 24 * 20;
	an_point   *pts = daily_points(n, 0.5, 1);
	an_ts_options opt;
	an_ts_model *m;
	an_ts_detection d;

	an_ts_options_default(&opt);
	if (!unit_ts_fit_ok(pts, n, &opt, &m))
		return;
	CHECK_EQ_INT(m->seasonal->season[0].period_us, 24 * AN_USECS_PER_HOUR);
	CHECK(m->seasonal->trend != AN_TS_TREND_NONE);
	an_ts_expect(m, (int64_t) (n - 1) * AN_USECS_PER_HOUR, &d);
	CHECK_NEAR(d.expected, daily((int64_t) (n - 1) * AN_USECS_PER_HOUR) + 0.5 * (double) (n - 1), 0, 3);
	an_ts_model_free(m);
	opt.trend = AN_TS_TREND_LINEAR;
	m = unit_ts_fit(pts, n, &opt, NULL, NULL);
	CHECK(m != NULL && m->seasonal->trend == AN_TS_TREND_LINEAR);
	if (m)
	{
		CHECK_NEAR(m->seasonal->slope_per_s * 3600, 0.5, 0.02, 0);
		an_ts_expect(m, (int64_t) (n + 48) * AN_USECS_PER_HOUR, &d);
		CHECK_NEAR(d.expected, daily((int64_t) (n + 48) * AN_USECS_PER_HOUR) + 0.5 * (double) (n + 48), 0, 3);
	}
	an_ts_model_free(m);
	/* a level shift: local trend carries the new level forward */
	for (size_t i = 0; i < n; i++)
		pts[i].value = daily(pts[i].ts) + (i > n / 2 ? 200 : 0) + gauss();
	opt.trend = AN_TS_TREND_LOCAL;
	m = unit_ts_fit(pts, n, &opt, NULL, NULL);
	CHECK(m != NULL && m->seasonal->trend == AN_TS_TREND_LOCAL);
	if (m)
	{
		an_ts_expect(m, (int64_t) (n + 5) * AN_USECS_PER_HOUR, &d);
		CHECK_NEAR(d.expected, daily((int64_t) (n + 5) * AN_USECS_PER_HOUR) + 200, 0, 3);
	}
	an_ts_model_free(m);
	free(pts);
}

/* A constant series: a wobble of floating-point noise is not an anomaly. */
static void
test_constant_floor(void)
{
	size_t		n = 24 * 10;
	an_point   *pts = unit_points_every(n, AN_USECS_PER_HOUR);
	an_ts_options opt;
	an_ts_model *m;
	an_ts_detection d;

	for (size_t i = 0; i < n; i++)
		pts[i].value = (i % 24 < 12) ? 5.0 : 7.0;	/* square wave, no noise */
	an_ts_options_default(&opt);
	m = unit_ts_fit(pts, n, &opt, NULL, NULL);
	CHECK(m != NULL && m->kind == AN_KIND_TS_SEASONAL);
	if (m == NULL)
		return;
	an_ts_detect(m, 3 * AN_USECS_PER_HOUR, 5.0 + 1e-12, &d);
	CHECK(!d.is_anomaly);
	an_ts_detect(m, 3 * AN_USECS_PER_HOUR, 7.0, &d);
	CHECK(d.is_anomaly);
	an_ts_model_free(m);
	free(pts);
}

static uint8_t *
fit_bytes(size_t *len)
{
	size_t		n = 24 * 10;
	an_point   *pts = daily_points(n, 0, 1);
	an_ts_options opt;
	uint8_t    *buf = NULL;
	char		err[256];

	for (size_t i = n / 2 + 1; i < n; i++)
		pts[i].value += 40;	/* a level shift */
	an_ts_options_default(&opt);
	opt.trend = AN_TS_TREND_LOCAL;
	opt.period_samples[0] = 24;
	opt.period_samples[1] = 72;
	opt.nperiods = 2;
	CHECK(an_ts_fit(pts, n, &opt, &buf, len, err, sizeof(err)) == AN_OK);
	free(pts);
	return buf;
}

/* Round trip: decode, re-encode by refitting is deterministic; every field checked. */
static void
test_round_trip_and_corruption(void)
{
	size_t		len,
				len2;
	uint8_t    *buf = fit_bytes(&len),
			   *buf2 = fit_bytes(&len2);
	an_ts_model *m;
	int			rejected = 0,
				total = 0;

	if (buf == NULL || buf2 == NULL)
		return;
	CHECK_EQ_INT(len, len2);
	CHECK(an_ts_model_load(buf, len, &m) == AN_OK);
	CHECK_EQ_INT(m->kind, AN_KIND_TS_SEASONAL);
	CHECK_EQ_INT(m->seasonal->nseasons, 2);
	CHECK_EQ_INT(m->seasonal->trend, AN_TS_TREND_LOCAL);
	an_ts_model_free(m);
	/* truncation at every length */
	for (size_t l = 0; l < len; l++)
		CHECK(an_ts_model_load(buf, l, &m) != AN_OK);
	/* flip each payload byte and fix the checksum: the decoder must reject or accept cleanly */
	for (size_t i = AN_MODEL_HEADER_SIZE; i < len; i++)
	{
		uint8_t    *c = malloc(len);
		an_status	s;

		memcpy(c, buf, len);
		c[i] ^= 0xFF;
		unit_reseal(c, len);
		s = an_ts_model_load(c, len, &m);
		total++;
		if (s != AN_OK)
			rejected++;
		else
		{
			an_ts_detection d;

			/* accepted: must still evaluate without crashing */
			an_ts_detect(m, 5 * AN_USECS_PER_HOUR, 1.0, &d);
			an_ts_model_free(m);
		}
		free(c);
	}
	CHECK(rejected > 0 && total > 0);
	/* targeted corruption of structural fields: each one is rejected */
	{
		static const struct
		{
			size_t		off;		/* payload offset */
			uint8_t		byte;
		}			bad[] = {
			{40, 3},			/* direction */
			{41, 2},			/* band */
			{42, 0}, {42, 4},	/* trend */
			{43, 9},			/* reason */
			{59, 0x80 | 0x7F},	/* sigma_low's sign/exponent byte: negative */
			{84, 5},			/* nseasons > 4 */
			{85, 2},			/* given flag */
			{105, 0x7F},		/* nbins huge */
			{102, 1},			/* nbins 1 */
		};

		for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		{
			uint8_t    *c = malloc(len);

			memcpy(c, buf, len);
			c[AN_MODEL_HEADER_SIZE + bad[k].off] = bad[k].byte;
			if (bad[k].off == 102)
				c[AN_MODEL_HEADER_SIZE + 103] = 0;
			unit_reseal(c, len);
			if (an_ts_model_load(c, len, &m) == AN_OK)
			{
				fprintf(stderr, "corruption at payload offset %zu accepted\n", bad[k].off);
				an_ts_model_free(m);
				CHECK(0);
			}
			free(c);
		}
	}
	/* without fixing the checksum everything is rejected */
	buf[len - 1] ^= 1;
	CHECK(an_ts_model_load(buf, len, &m) == AN_ECHECKSUM);
	an_free(buf);
	an_free(buf2);
}

/* model bytes of a fit of pts[0..n) (not changed) compacting from min points on */
static uint8_t *
fit_bytes_compact(const an_point *pts, size_t n, size_t min, size_t *len)
{
	an_point   *copy = malloc(n * sizeof(an_point));
	uint8_t    *buf = NULL;
	an_ts_options o;
	char		err[256];
	const an_ts_fit_tuning tuning = {.compact_min_points = min};

	an_ts_options_default(&o);
	memcpy(copy, pts, n * sizeof(an_point));
	CHECK(an_ts_fit_tuned(copy, n, &o, &tuning, &buf, len, err, sizeof(err)) == AN_OK);
	free(copy);
	return buf;
}

/*
 * Fitting inside the points (a long regular series: values in the first
 * half of pts, scratch in the second) gives the very model of fitting with
 * a scratch array, for a daily cycle with a trend, a cycle of rare spikes
 * (a period the autocorrelation finds and the validation rejects, so the
 * robust level model takes the values already moved), plain noise (the
 * level model) and irregular sampling (not compacted).
 */
static void
test_fit_inside_points_same_model(void)
{
	const size_t n = 3000;
	an_point   *pts = malloc(n * sizeof(an_point));

	for (int shape = 0; shape < 4; shape++)
	{
		uint8_t    *a,
				   *b;
		size_t		la = 0,
					lb = 0;
		int64_t		t = 0;

		for (size_t i = 0; i < n; i++)
		{
			t += shape == 3 ? MIN5 / 2 + (int64_t) (random_u64() % (uint64_t) MIN5) : MIN5;
			pts[i].ts = t;
			pts[i].value = shape == 0 ? daily(t) + 0.01 * (double) i + gauss() :
				shape == 1 ? gauss() + (i % 24 == 5 ? 20 : 0) : gauss();
		}
		a = fit_bytes_compact(pts, n, (size_t) -1, &la);
		b = fit_bytes_compact(pts, n, 0, &lb);
		CHECK(la == lb && a != NULL && b != NULL && memcmp(a, b, la) == 0);
		an_free(a);
		an_free(b);
	}
	free(pts);
}

int
main(void)
{
	RUN(test_daily_hourly);
	RUN(test_profile_robust_to_incidents);
	RUN(test_tail_aware_spread);
	RUN(test_gaps_and_duplicates);
	RUN(test_noise_gives_level_model);
	RUN(test_period_too_long);
	RUN(test_trends);
	RUN(test_constant_floor);
	RUN(test_round_trip_and_corruption);
	RUN(test_fit_inside_points_same_model);
	UNIT_EXIT();
}
