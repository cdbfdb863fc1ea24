/*
 * test_ts_level.c: options, durations, and the robust level model: fit
 * against a brute-force median/MAD, the score formula, decode validation.
 */
#include <float.h>

#include "core/model_format.h"
#include "core/robust_stats.h"
#include "core/time_units.h"
#include "core/ts/ts_level.h"
#include "core/ts/ts_model.h"
#include "unit.h"

#include "test_random.h"
#include "test_ts_fit.h"

static double
brute_median(const double *v, size_t n)
{
	double	   *c = malloc(n * sizeof(double));
	double		m;

	memcpy(c, v, n * sizeof(double));
	qsort(c, n, sizeof(double), unit_cmp_double);
	m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
	free(c);
	return m;
}

/* The median of v and (in *mad) the median of the absolute deviations from it. */
static double
brute_median_mad(const double *v, size_t n, double *mad)
{
	double	   *dev = malloc(n * sizeof(double));
	double		med = brute_median(v, n);

	for (size_t i = 0; i < n; i++)
		dev[i] = fabs(v[i] - med);
	*mad = brute_median(dev, n);
	free(dev);
	return med;
}

static void
test_durations(void)
{
	int64_t		us;

	CHECK(an_parse_duration("1 day", &us) && us == AN_USECS_PER_DAY);
	CHECK(an_parse_duration("90 minutes", &us) && us == 5400000000LL);
	CHECK(an_parse_duration("1h30m", &us) && us == 5400000000LL);
	CHECK(an_parse_duration("2 weeks", &us) && us == (2 * AN_USECS_PER_WEEK));
	CHECK(an_parse_duration("00:15:00", &us) && us == 900000000LL);
	CHECK(an_parse_duration("0.5 s", &us) && us == 500000);
	CHECK(!an_parse_duration("", &us));
	CHECK(!an_parse_duration("1 fortnight", &us));
	CHECK(!an_parse_duration("-1 day", &us));
	CHECK(!an_parse_duration("day", &us));
	CHECK(!an_parse_duration("1e400 days", &us));
}

static void
test_option_validation(void)
{
	an_ts_options o;
	char		err[256];
	an_opt_value num = {.type = AN_OPT_NUMBER, .number = 4};
	an_opt_value str = {.type = AN_OPT_STRING, .string = "up"};
	an_opt_value bad = {.type = AN_OPT_STRING, .string = "sideways"};
	an_opt_value day = {.type = AN_OPT_STRING, .string = "1 day"};
	an_opt_value items[2] = {{.type = AN_OPT_NUMBER, .number = 24}, {.type = AN_OPT_STRING, .string = "7 days"}};
	an_opt_value list = {.type = AN_OPT_ARRAY, .nitems = 2, .items = items};

	an_ts_options_default(&o);
	CHECK(o.threshold == 3.0);
	CHECK_EQ_INT(an_ts_option_set(&o, "threshold", &num, err, sizeof(err)), AN_OK);
	CHECK(o.threshold == 4.0);
	CHECK_EQ_INT(an_ts_option_set(&o, "direction", &str, err, sizeof(err)), AN_OK);
	CHECK_EQ_INT(o.direction, AN_TS_UP);
	CHECK_EQ_INT(an_ts_option_set(&o, "direction", &bad, err, sizeof(err)), AN_EINVAL);
	CHECK(strstr(err, "\"direction\"") != NULL);
	CHECK_EQ_INT(an_ts_option_set(&o, "nonsense", &num, err, sizeof(err)), AN_EINVAL);
	CHECK(strcmp(err, "unknown ts_fit option \"nonsense\"") == 0);
	CHECK_EQ_INT(an_ts_option_set(&o, "threshold", &str, err, sizeof(err)), AN_EINVAL);
	CHECK(strcmp(err, "option \"threshold\" must be a number, not a string") == 0);
	CHECK_EQ_INT(an_ts_option_set(&o, "confidence", &num, err, sizeof(err)), AN_EINVAL);
	CHECK_EQ_INT(an_ts_option_set(&o, "interval", &day, err, sizeof(err)), AN_OK);
	CHECK_EQ_INT(o.interval_us, AN_USECS_PER_DAY);
	CHECK_EQ_INT(an_ts_option_set(&o, "period", &list, err, sizeof(err)), AN_OK);
	CHECK_EQ_INT(o.nperiods, 2);
	CHECK(o.period_samples[0] == 24 && o.period_us[1] == 7 * AN_USECS_PER_DAY);
}

static void
test_normal_quantile(void)
{
	/* reference values of the standard normal quantile function */
	CHECK_NEAR(an_normal_quantile(0.975), 1.959963984540054, 1e-14, 0);
	CHECK_NEAR(an_normal_quantile(0.5), 0.0, 0, 1e-15);
	CHECK_NEAR(an_normal_quantile(0.001), -3.090232306167813, 1e-14, 0);
	CHECK_NEAR(an_normal_quantile(0.99865010196837), 3.0, 1e-11, 0);
	CHECK_NEAR(an_confidence_to_k(0.95), 1.959963984540054, 1e-14, 0);
	CHECK(isnan(an_normal_quantile(0)));
}

/* unit_ts_fit, checked to succeed. */
static an_ts_model *
fit_model(an_point *pts, size_t n, const an_ts_options *o)
{
	an_status	s = AN_OK;
	an_ts_model *m = unit_ts_fit(pts, n, o, &s, NULL);

	CHECK_EQ_INT(s, AN_OK);
	return m;
}

static void
test_level_fit_matches_brute_force(void)
{
	size_t		n = 1001;
	an_point   *pts = malloc(n * sizeof(an_point));
	double	   *v = malloc(n * sizeof(double));
	an_ts_options o;
	an_ts_model *m;
	double		med,
				mad;
	an_ts_detection d;

	for (size_t i = 0; i < n; i++)
	{
		/* hourly, out of order, with a few outliers */
		pts[i].ts = (int64_t) ((i * 7919) % n) * AN_USECS_PER_HOUR;
		v[i] = pts[i].value = sin((double) i) * 10 + (i % 100 == 0 ? 500 : 0);
	}
	med = brute_median_mad(v, n, &mad);

	an_ts_options_default(&o);
	o.method = AN_TS_METHOD_ROBUST;
	m = fit_model(pts, n, &o);
	CHECK_EQ_INT(m->kind, AN_KIND_TS_LEVEL);
	CHECK(m->level->median == med);
	CHECK(m->level->mad == mad);
	CHECK(m->level->sigma == AN_MAD_TO_SIGMA * mad);
	CHECK_EQ_INT(m->n_points, n);
	CHECK_EQ_INT(m->interval_us, AN_USECS_PER_HOUR);
	CHECK_EQ_INT(m->t_first, 0);
	CHECK_EQ_INT(m->t_last, (int64_t) (n - 1) * AN_USECS_PER_HOUR);

	/* score = |v - median| / (k sigma): 1 exactly at the band's edge */
	an_ts_detect(m, 0, med + 3 * m->level->sigma * 2, &d);
	CHECK_NEAR(d.score, 2.0, 1e-15, 0);
	CHECK(d.is_anomaly);
	an_ts_detect(m, 0, med - 1.5 * m->level->sigma, &d);
	CHECK_NEAR(d.score, 0.5, 1e-15, 0);
	CHECK(!d.is_anomaly);
	CHECK(d.lower == med - 3 * m->level->sigma && d.upper == med + 3 * m->level->sigma);
	an_ts_model_free(m);
	free(pts);
	free(v);
}

/*
 * The auto method's level fallback uses the tail-aware sigma:
 * max(1.4826 MAD, (q99 - median) / z99, (median - q01) / z99), with q01 and
 * q99 the order statistics n/100 and 99n/100; the robust method keeps MAD.
 */
static void
test_auto_level_tail_sigma(void)
{
	size_t		n = 1000;
	an_point   *pts = unit_points_every(n, AN_USECS_PER_HOUR);
	double	   *v = malloc(n * sizeof(double));
	an_ts_options o;
	an_ts_model *m;
	double		med,
				mad,
				tail,
				want;
	uint64_t	x = 12345;

	for (size_t i = 0; i < n; i++)
	{
		/* iid uniform noise (no period), 3 % of the rows far above */
		v[i] = pts[i].value = lcg_uniform01_with_zero(&x) + (i % 33 == 0 ? 50 : 0);
	}
	med = brute_median_mad(v, n, &mad);
	qsort(v, n, sizeof(double), unit_cmp_double);
	tail = fmax(v[(99 * n) / 100] - med, med - v[n / 100]) / 2.3263478740408408;
	want = fmax(AN_MAD_TO_SIGMA * mad, tail);
	CHECK(tail > 10 * AN_MAD_TO_SIGMA * mad);	/* the outliers decide */

	an_ts_options_default(&o);
	m = fit_model(pts, n, &o);
	CHECK_EQ_INT(m->kind, AN_KIND_TS_LEVEL);
	CHECK(m->level->median == med && m->level->mad == mad);
	CHECK_NEAR(m->level->sigma, want, 1e-15, 1e-15);
	an_ts_model_free(m);

	o.method = AN_TS_METHOD_ROBUST;
	m = fit_model(pts, n, &o);
	CHECK(m->level->sigma == AN_MAD_TO_SIGMA * mad);
	an_ts_model_free(m);
	free(pts);
	free(v);
}

static void
test_constant_series_floor_and_direction(void)
{
	an_point	pts[50];
	an_ts_options o;
	an_ts_model *m;
	an_ts_detection d;
	char		err[64];
	an_opt_value down = {.type = AN_OPT_STRING, .string = "down"};

	for (int i = 0; i < 50; i++)
	{
		pts[i].ts = i * AN_USECS_PER_MINUTE;
		pts[i].value = 100.0;
	}
	an_ts_options_default(&o);
	CHECK_EQ_INT(an_ts_option_set(&o, "direction", &down, err, sizeof(err)), AN_OK);
	m = fit_model(pts, 50, &o);
	CHECK(m->level->mad == 0);
	CHECK(m->level->sigma == 100.0 * 1e-9);	/* the relative floor */
	/* floating-point noise is not an anomaly, a real change is */
	an_ts_detect(m, 0, 100.0 + 1e-13, &d);
	CHECK(!d.is_anomaly);
	an_ts_detect(m, 0, 99.0, &d);
	CHECK(d.is_anomaly);
	/* direction down: a rise scores 0 */
	an_ts_detect(m, 0, 101.0, &d);
	CHECK(d.score == 0 && !d.is_anomaly && isinf(d.upper));
	an_ts_model_free(m);
}

static void
test_level_decode_rejects_bad_payloads(void)
{
	an_point	pts[3] = {{0, 1}, {10, 2}, {20, 3}};
	an_ts_options o;
	an_ts_model *m = NULL;

	an_ts_options_default(&o);
	m = fit_model(pts, 3, &o);
	an_ts_model_free(m);
	/* a payload with a negative sigma, re-checksummed, is still rejected */
	{
		an_writer	w;
		uint8_t    *bad;
		size_t		badlen;

		an_writer_init(&w);
		an_put_i64(&w, 0);
		an_put_i64(&w, 20);
		an_put_u64(&w, 3);
		an_put_i64(&w, 10);
		an_put_f64(&w, 2);
		an_put_f64(&w, 1);
		an_put_f64(&w, -1);		/* sigma */
		an_put_f64(&w, 3);
		an_put_u8(&w, 0);
		CHECK_EQ_INT(an_writer_finish(&w, AN_KIND_TS_LEVEL, &bad, &badlen), AN_OK);
		CHECK_EQ_INT(an_ts_model_load(bad, badlen, &m), AN_ECORRUPT);
		an_free(bad);
	}
	/* another kind is refused by the time-series reader */
	{
		an_writer	w;
		uint8_t    *other;
		size_t		otherlen;

		an_writer_init(&w);
		an_put_u32(&w, 1);
		CHECK_EQ_INT(an_writer_finish(&w, AN_KIND_DBSCAN, &other, &otherlen), AN_OK);
		CHECK_EQ_INT(an_ts_model_load(other, otherlen, &m), AN_EKIND);
		an_free(other);
	}
}

/*
 * Options whose band the model cannot hold are refused when they are set
 * (a confidence of 1e-30 made a multiplier of 0, which every reader then
 * refused), and a model of finite values near the largest double, whose
 * band edges overflow, gives JSON without "inf" (null instead).
 */
static void
test_models_their_readers_accept(void)
{
	an_ts_options o;
	char		err[256];
	an_opt_value tiny = {.type = AN_OPT_NUMBER, .number = 1e-30};
	an_opt_value near_one = {.type = AN_OPT_NUMBER, .number = 0.9999999999999999};
	an_opt_value fine = {.type = AN_OPT_NUMBER, .number = 1e-6};
	size_t		n = 600;
	an_point   *pts = malloc(n * sizeof(an_point));
	an_ts_model *m = NULL;
	char	   *json = NULL;

	an_ts_options_default(&o);
	CHECK_EQ_INT(an_ts_option_set(&o, "confidence", &tiny, err, sizeof(err)), AN_EINVAL);
	CHECK(strcmp(err, "option \"confidence\" is too close to 0 to give a band of finite positive width") == 0);
	CHECK(an_confidence_to_k(near_one.number) == INFINITY || isnan(an_confidence_to_k(near_one.number)));
	CHECK_EQ_INT(an_ts_option_set(&o, "confidence", &near_one, err, sizeof(err)), AN_EINVAL);
	CHECK(strstr(err, "too close to 1") != NULL);
	CHECK_EQ_INT(an_ts_option_set(&o, "confidence", &fine, err, sizeof(err)), AN_OK);

	an_ts_options_default(&o);
	o.method = AN_TS_METHOD_ROBUST;
	for (size_t i = 0; i < n; i++)
	{
		pts[i].ts = (int64_t) i * AN_USECS_PER_HOUR;
		pts[i].value = (i % 2) ? 1.7e308 : 1e308;
	}
	m = fit_model(pts, n, &o);
	CHECK(m != NULL);
	if (m)
	{
		CHECK(isinf(m->level->median + m->threshold * m->level->sigma));	/* the upper edge overflows */
		CHECK_EQ_INT(an_ts_model_info_json(m, &json), AN_OK);
		CHECK(json && strstr(json, "inf") == NULL && strstr(json, "nan") == NULL);
		CHECK(json && strstr(json, "\"upper\": null") != NULL);
		an_free(json);
	}
	an_ts_model_free(m);
	free(pts);
}

static void
test_timestamp_format(void)
{
	char		buf[40];

	an_format_timestamp(0, buf, sizeof(buf));
	CHECK(strcmp(buf, "2000-01-01T00:00:00Z") == 0);
	an_format_timestamp(-1, buf, sizeof(buf));
	CHECK(strcmp(buf, "1999-12-31T23:59:59.999999Z") == 0);
	/* 2024-02-29 12:34:56 UTC is 8825 days and 45296 s after 2000-01-01 */
	an_format_timestamp((8825LL * 86400 + 45296) * 1000000LL, buf, sizeof(buf));
	CHECK(strcmp(buf, "2024-02-29T12:34:56Z") == 0);
}

/*
 * Below AN_TAIL_MIN_POINTS the tail estimate is not used: with 60 points, q99
 * would be the largest training value itself, and three outliers in the
 * training data would widen the band until they no longer flag themselves.
 */
static void
test_small_sample_outliers_still_flagged(void)
{
	an_point	pts[60];
	an_ts_options o;
	an_ts_model *m;
	an_ts_detection d;

	for (int i = 0; i < 60; i++)
	{
		pts[i].ts = (int64_t) i * AN_USECS_PER_HOUR;
		pts[i].value = 100 + (double) ((i * 37) % 11) - 5;	/* 95..105, no period */
	}
	pts[10].value = pts[11].value = pts[40].value = 300;
	an_ts_options_default(&o);	/* method auto */
	m = fit_model(pts, 60, &o);
	if (m->kind == AN_KIND_TS_LEVEL)
		CHECK(m->level->sigma == AN_MAD_TO_SIGMA * m->level->mad);
	an_ts_detect(m, pts[10].ts, 300, &d);
	CHECK(d.is_anomaly);
	an_ts_detect(m, pts[12].ts, 101, &d);
	CHECK(!d.is_anomaly);
	an_ts_model_free(m);
}

int
main(void)
{
	RUN(test_durations);
	RUN(test_option_validation);
	RUN(test_normal_quantile);
	RUN(test_level_fit_matches_brute_force);
	RUN(test_auto_level_tail_sigma);
	RUN(test_constant_series_floor_and_direction);
	RUN(test_level_decode_rejects_bad_payloads);
	RUN(test_timestamp_format);
	RUN(test_small_sample_outliers_still_flagged);
	RUN(test_models_their_readers_accept);
	UNIT_EXIT();
}
