/*
 * test_ts_tail.c: the band from the residuals' tail (ts_tail.h): the GPD
 * fit recovers the parameters of synthetic GPD samples, the quantile
 * formula against the GPD survival function, the edge of normal noise
 * against the normal quantile, past incidents left out of the tail fit,
 * and the version 2 payload (round trip, truncations, bad bytes).
 */
#include <float.h>

#include "core/model_format.h"
#include "core/robust_stats.h"
#include "core/sort.h"
#include "core/ts/ts_model.h"
#include "core/ts/ts_tail.h"
#include "test_random.h"
#include "unit.h"

/* k GPD(xi, sigma) samples by inversion: y = sigma / xi (U^-xi - 1), or -sigma log U. */
static double *
gpd_sample(size_t k, double xi, double sigma)
{
	double	   *y = malloc(k * sizeof(double));

	for (size_t i = 0; i < k; i++)
	{
		double		u = uniform01();

		y[i] = xi == 0 ? -sigma * log(u) : sigma / xi * (pow(u, -xi) - 1);
	}
	return y;
}

static void
test_gpd_fit_recovers_parameters(void)
{
	static const double cases[][2] = {{0.3, 1.5}, {0.0, 2.0}, {-0.25, 1.0}, {0.1, 0.01}};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
	{
		double	   *y = gpd_sample(20000, cases[c][0], cases[c][1]),
					xi,
					sigma,
					best;

		CHECK_EQ_INT(an_gpd_fit(y, 20000, &xi, &sigma), AN_GPD_ML);
		/* standard errors at k = 20000: about 0.01 for xi, 1 % for sigma */
		CHECK_NEAR(xi, cases[c][0], 0, 0.04);
		CHECK_NEAR(sigma, cases[c][1], 0.04, 0);
		/* a maximum of the likelihood: no neighbour is better */
		best = an_gpd_loglik(y, 20000, xi, sigma);
		for (int dx = -1; dx <= 1; dx++)
			for (int ds = -1; ds <= 1; ds++)
				CHECK(an_gpd_loglik(y, 20000, xi + dx * 1e-3, sigma * (1 + ds * 1e-3)) <= best + 1e-9);
		free(y);
	}
}

static void
test_gpd_loglik_formula(void)
{
	double		y[3] = {0.5, 1, 2};

	/* by hand: -3 log 2 - (1 + 1 / 0.5) (log 1.125 + log 1.25 + log 1.5) */
	CHECK_NEAR(an_gpd_loglik(y, 3, 0.5, 2), -3 * log(2.0) - 3 * (log(1.125) + log(1.25) + log(1.5)), 1e-14, 0);
	/* exponential: -3 log 2 - 3.5 / 2 */
	CHECK_NEAR(an_gpd_loglik(y, 3, 0, 2), -3 * log(2.0) - 1.75, 1e-14, 0);
	/* outside the support of a bounded tail (xi < 0: y < sigma / -xi = 1) */
	CHECK(an_gpd_loglik(y, 3, -1, 1) == -INFINITY);
	CHECK(an_gpd_loglik(y, 3, 0.5, 0) == -INFINITY);
}

static void
test_gpd_quantile_formula(void)
{
	/*
	 * With k of n points over t and GPD excesses, P(X > z) = (k / n) (1 +
	 * xi (z - t) / sigma)^(-1 / xi): the edge must have exactly rate q.
	 */
	double		z = an_gpd_quantile(2, 0.5, 1, 1000, 20, 0.001);

	CHECK_NEAR(z, 2 + 2 * (sqrt(20.0) - 1), 1e-14, 0);	/* (0.05)^-0.5 = sqrt(20) */
	CHECK_NEAR(0.02 * pow(1 + 0.5 * (z - 2) / 1, -2), 0.001, 1e-12, 0);
	z = an_gpd_quantile(1, 0, 2, 1000, 20, 0.001);
	CHECK_NEAR(z, 1 + 2 * log(20.0), 1e-14, 0);
	CHECK_NEAR(0.02 * exp(-(z - 1) / 2), 0.001, 1e-12, 0);
	z = an_gpd_quantile(3, -0.5, 1, 1000, 20, 0.001);
	CHECK_NEAR(0.02 * pow(1 - 0.5 * (z - 3), 2), 0.001, 1e-12, 0);
	CHECK(z < 3 + 2);			/* below the bounded tail's end t + sigma / -xi */
}

static void
test_normal_edge(void)
{
	size_t		n = 200000;
	double	   *d = malloc(n * sizeof(double));
	an_ts_tail_side side;

	for (size_t i = 0; i < n; i++)
		d[i] = gauss();
	CHECK_EQ_INT(an_ts_tail_fit_side(d, n, 0.0005, &side), AN_OK);
	CHECK_EQ_INT(side.method, AN_GPD_ML);
	CHECK_EQ_INT(side.npeaks, 4000);
	CHECK_NEAR(side.threshold, an_normal_quantile(0.98), 0.02, 0);
	/* the 1 - 0.0005 quantile of N(0, 1): 3.2905 */
	CHECK_NEAR(side.edge, an_normal_quantile(1 - 0.0005), 0.03, 0);
	/* normal excesses are fitted well by a GPD with a slightly negative xi */
	CHECK(side.xi < 0.05 && side.xi > -0.3);
	CHECK(side.ks < 0.03);
	free(d);
}

static void
test_too_few_peaks(void)
{
	double		d[400];
	an_ts_tail_side side;

	for (int i = 0; i < 400; i++)
		d[i] = gauss();
	/* 2 % of 400 is 8 peaks, fewer than AN_TAIL_MIN_PEAKS */
	CHECK_EQ_INT(an_ts_tail_fit_side(d, 400, 0.001, &side), AN_OK);
	CHECK_EQ_INT(side.method, AN_GPD_NONE);
	CHECK(side.npeaks < AN_TAIL_MIN_PEAKS);
}

static void
test_exclusion_rule(void)
{
	/*
	 * 1..100 and 3 more: sorted, r[25] = 25 and r[77] = 77 are the
	 * quartiles (IQR 52), the fences 25 - 156 = -131 and 77 + 156 = 233
	 */
	double		r[103],
				scratch[103];
	size_t		kept;

	for (int i = 0; i < 100; i++)
		r[i] = i + 1;
	r[100] = 300;
	r[101] = -200;
	r[102] = 233;				/* on the fence: kept */
	kept = an_ts_tail_exclude(r, 103, scratch);
	CHECK_EQ_INT(kept, 101);
	CHECK(r[0] == 1 && r[99] == 100 && r[100] == 233);	/* kept ones in their order */
	CHECK((r[101] == 300 && r[102] == -200) || (r[101] == -200 && r[102] == 300));
}

#define STEP 300000000LL		/* 5 minutes */
#define NPTS 6000

/* A daily sine with noise; with incident, 60 rows (5 hours) 15 noise sigmas up. */
static an_ts_model *
fit_series(bool incident, bool exclude, double rate)
{
	an_point   *pts = malloc(NPTS * sizeof(an_point));
	an_ts_options o;
	uint8_t    *bytes = NULL;
	size_t		len;
	char		err[256];
	an_ts_model *m = NULL;
	uint64_t	saved = rng_state;

	rng_state = 12345;
	for (int i = 0; i < NPTS; i++)
	{
		pts[i].ts = (int64_t) i * STEP;
		pts[i].value = 50 + 10 * sin(2 * PI * i / 288) + gauss();
		if (incident && i >= 3000 && i < 3060)
			pts[i].value += 15;
	}
	rng_state = saved;
	an_ts_options_default(&o);
	o.false_alarm_rate = rate;
	o.rate_set = true;
	o.exclude_outliers = exclude;
	an_sort_points(pts, NPTS);
	CHECK_EQ_INT(an_ts_fit(pts, NPTS, &o, &bytes, &len, err, sizeof(err)), AN_OK);
	CHECK_EQ_INT(an_ts_model_load(bytes, len, &m), AN_OK);
	an_free(bytes);
	free(pts);
	return m;
}

static void
test_incident_in_training(void)
{
	an_ts_model *clean = fit_series(false, true, 0.001),
			   *hit = fit_series(true, true, 0.001),
			   *raw = fit_series(true, false, 0.001);

	CHECK_EQ_INT(clean->kind, AN_KIND_TS_SEASONAL);
	CHECK_EQ_INT(clean->format_version, 2);
	CHECK_EQ_INT(clean->tail.status, AN_TAIL_FITTED);
	CHECK(clean->tail.out_of_sample);
	/* noise sigma 1: the edges near the 1 - 0.0005 normal quantile, 3.29 */
	CHECK_NEAR(clean->tail.high.edge, 3.29, 0.15, 0);
	CHECK_NEAR(clean->tail.low.edge, 3.29, 0.15, 0);
	/* the incident's 60 rows are left out, and the band stays within 5 % */
	CHECK(hit->tail.excluded >= 60 && hit->tail.excluded < 70);
	CHECK_NEAR(hit->tail.high.edge, clean->tail.high.edge, 0.05, 0);
	CHECK_NEAR(hit->tail.low.edge, clean->tail.low.edge, 0.05, 0);
	/* without the rule the incident widens the upper edge far beyond that */
	CHECK_EQ_INT(raw->tail.excluded, 0);
	CHECK(raw->tail.high.edge > 1.5 * clean->tail.high.edge);
	an_ts_model_free(clean);
	an_ts_model_free(hit);
	an_ts_model_free(raw);
}

static void
test_score_is_one_at_the_edge(void)
{
	an_ts_model *m = fit_series(false, true, 0.002);
	an_ts_detection d,
				e;

	an_ts_expect(m, 1234 * STEP, &e);
	CHECK_NEAR(e.upper - e.expected, m->tail.high.edge, 1e-12, 0);
	CHECK_NEAR(e.expected - e.lower, m->tail.low.edge, 1e-12, 0);
	an_ts_detect(m, 1234 * STEP, e.upper, &d);
	CHECK_NEAR(d.score, 1, 1e-12, 0);
	an_ts_detect(m, 1234 * STEP, e.expected - 2 * m->tail.low.edge, &d);
	CHECK_NEAR(d.score, 2, 1e-12, 0);
	CHECK(d.is_anomaly);
	an_ts_model_free(m);
}

static void
test_level_kind_and_payload(void)
{
	an_point   *pts = malloc(3000 * sizeof(an_point));
	an_ts_options o;
	uint8_t    *bytes = NULL,
			   *copy;
	size_t		len;
	char		err[256];
	an_ts_model *m = NULL;
	an_opt_value rate = {.type = AN_OPT_NUMBER, .number = 0.01},
				big = {.type = AN_OPT_NUMBER, .number = 0.05},
				no = {.type = AN_OPT_BOOL, .boolean = false},
				k = {.type = AN_OPT_NUMBER, .number = 3};

	for (int i = 0; i < 3000; i++)
	{
		pts[i].ts = (int64_t) i * STEP;
		pts[i].value = 7 + gauss();
	}
	an_ts_options_default(&o);
	CHECK_EQ_INT(an_ts_option_set(&o, "method", &(an_opt_value) {.type = AN_OPT_STRING, .string = "robust"},
								  err, sizeof(err)), AN_OK);
	CHECK_EQ_INT(an_ts_option_set(&o, "false_alarm_rate", &big, err, sizeof(err)), AN_EINVAL);
	CHECK(strcmp(err, "option \"false_alarm_rate\" must be greater than 0 and at most 0.02") == 0);
	CHECK_EQ_INT(an_ts_option_set(&o, "false_alarm_rate", &rate, err, sizeof(err)), AN_OK);
	CHECK_EQ_INT(an_ts_option_set(&o, "threshold", &k, err, sizeof(err)), AN_EINVAL);
	CHECK(strcmp(err, "options \"threshold\" and \"false_alarm_rate\" cannot be combined") == 0);
	CHECK_EQ_INT(an_ts_option_set(&o, "exclude_outliers", &no, err, sizeof(err)), AN_OK);
	CHECK(!o.exclude_outliers);
	CHECK_EQ_INT(an_ts_fit(pts, 3000, &o, &bytes, &len, err, sizeof(err)), AN_OK);
	CHECK_EQ_INT(bytes[4], 2);
	CHECK_EQ_INT(an_ts_model_load(bytes, len, &m), AN_OK);
	CHECK_EQ_INT(m->kind, AN_KIND_TS_LEVEL);
	CHECK_EQ_INT(m->tail.status, AN_TAIL_FITTED);
	CHECK(m->tail.rate == 0.01);
	/* rate 0.005 a side of N(7, 1): 2.576 */
	CHECK_NEAR(m->tail.high.edge, 2.576, 0.1, 0);
	an_ts_model_free(m);
	/* every truncation of the payload is refused, and so is a bad tail status */
	copy = malloc(len);
	for (size_t cut = AN_MODEL_HEADER_SIZE; cut < len; cut++)
	{
		memcpy(copy, bytes, len);
		CHECK(an_ts_model_load(copy, cut, &m) != AN_OK);
	}
	{
		/* rewrite the payload with the tail status byte set to 9, checksum fixed */
		an_writer	w;
		uint8_t    *bad;
		size_t		blen;
		size_t		status_at = len - AN_MODEL_HEADER_SIZE - (8 + 1 + 8 + 8 + 2 * (1 + 4 + 5 * 8)) - 1;

		an_writer_init(&w);
		for (size_t i = AN_MODEL_HEADER_SIZE; i < len; i++)
			an_put_u8(&w, i - AN_MODEL_HEADER_SIZE == status_at ? 9 : bytes[i]);
		CHECK_EQ_INT(an_writer_finish_version(&w, AN_KIND_TS_LEVEL, 2, &bad, &blen), AN_OK);
		CHECK_EQ_INT(bytes[AN_MODEL_HEADER_SIZE + status_at], AN_TAIL_FITTED);
		CHECK_EQ_INT(an_ts_model_load(bad, blen, &m), AN_ECORRUPT);
		an_free(bad);
	}
	free(copy);
	an_free(bytes);
	free(pts);
}

int
main(void)
{
	RUN(test_gpd_fit_recovers_parameters);
	RUN(test_gpd_loglik_formula);
	RUN(test_gpd_quantile_formula);
	RUN(test_normal_edge);
	RUN(test_too_few_peaks);
	RUN(test_exclusion_rule);
	RUN(test_incident_in_training);
	RUN(test_score_is_one_at_the_edge);
	RUN(test_level_kind_and_payload);
	UNIT_EXIT();
}
