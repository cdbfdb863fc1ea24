/*
 * test_period_detect.c: the FFT, the autocorrelation and period detection
 * on synthetic series with known periods (and none).
 */
#include <stdint.h>
#include <string.h>

#include "core/cpu_features.h"
#include "core/fft.h"
#include "core/period_detect.h"
#include "unit.h"

#include "test_random.h"

/*
 * an_fft against the direct sums, at 16 points (stage by stage, twiddle by
 * twiddle first) and at 4096 (beyond FFT_CACHED_POINTS: block by block), on
 * 61 frequencies spread over the whole range.
 */
static void
test_fft_matches_dft(void)
{
	static const int sizes[] = {16, 4096};
	static double z[2 * 4096],
				orig[2 * 4096];

	for (int si = 0; si < 2; si++)
	{
		int			n = sizes[si],
					step = n > 61 ? n / 61 : 1;

		for (int i = 0; i < n; i++)
		{
			z[2 * i] = orig[2 * i] = gauss();
			z[2 * i + 1] = orig[2 * i + 1] = gauss();
		}
		CHECK(an_fft(z, n, 0) == AN_OK);
		for (int k = 0; k < n; k += step)
		{
			double		re = 0,
						im = 0;

			for (int t = 0; t < n; t++)
			{
				/* the angle reduced mod n first keeps it exact */
				double		a = -2 * PI * (double) (((long) k * t) % n) / n;

				re += orig[2 * t] * cos(a) - orig[2 * t + 1] * sin(a);
				im += orig[2 * t] * sin(a) + orig[2 * t + 1] * cos(a);
			}
			CHECK_NEAR(z[2 * k], re, 1e-10, 1e-12);
			CHECK_NEAR(z[2 * k + 1], im, 1e-10, 1e-12);
		}
		CHECK(an_fft(z, n, 1) == AN_OK);
		for (int i = 0; i < 2 * n; i++)
			CHECK_NEAR(z[i] / n, orig[i], 1e-12, 1e-12);
	}
	CHECK_EQ_INT(an_fft_size(1000), 1024);
	CHECK_EQ_INT(an_fft_size(1024), 1024);
}

/*
 * The AVX-512 stages (where the CPU has them) against the scalar code: the
 * same bits, for the transforms of every size from 8 to 16,384 both ways
 * and for autocorrelations from 5 to 5,000 points.
 */
static void
test_fft_vector_same_bits(void)
{
	static double z[2 * 16384],
				w[2 * 16384],
				x[5000],
				acf_v[5000],
				acf_s[5000];
	static const size_t ms[] = {5, 17, 100, 1000, 1024, 1025, 5000};

	if (!an_use_vector_code(true))
	{
		printf("note: this CPU has no AVX-512F; the vector FFT stages were not run\n");
		return;
	}
	for (size_t n = 8; n <= 16384; n *= 2)
		for (int inverse = 0; inverse < 2; inverse++)
		{
			for (size_t i = 0; i < 2 * n; i++)
				z[i] = w[i] = gauss();
			an_use_vector_code(true);
			CHECK(an_fft(z, n, inverse) == AN_OK);
			an_use_vector_code(false);
			CHECK(an_fft(w, n, inverse) == AN_OK);
			CHECK(memcmp(z, w, 2 * n * sizeof(double)) == 0);
		}
	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++)
	{
		size_t		m = ms[i];

		for (size_t j = 0; j < m; j++)
			x[j] = gauss() + (j % 9 == 2 ? 3 : 0);
		an_use_vector_code(true);
		CHECK(an_autocorrelation(x, m, m - 1, acf_v) == AN_OK);
		an_use_vector_code(false);
		CHECK(an_autocorrelation(x, m, m - 1, acf_s) == AN_OK);
		CHECK(memcmp(acf_v, acf_s, m * sizeof(double)) == 0);
	}
	an_use_vector_code(true);
}

static void
test_autocorrelation_direct(void)
{
	double		x[50],
				acf[20];

	for (int i = 0; i < 50; i++)
		x[i] = gauss();
	CHECK(an_autocorrelation(x, 50, 19, acf) == AN_OK);
	{
		double		e = 0;

		for (int i = 0; i < 50; i++)
			e += x[i] * x[i];
		for (int k = 0; k < 20; k++)
		{
			double		s = 0;

			for (int i = 0; i + k < 50; i++)
				s += x[i] * x[i + k];
			CHECK_NEAR(acf[k], s / e * 50.0 / (50 - k), 1e-10, 1e-12);
		}
	}
	CHECK(an_autocorrelation(x, 50, 50, acf) == AN_EINVAL);
}

/* The half-size real transforms against the direct sums, at sizes from 1 to past a power of two. */
static void
test_autocorrelation_sizes(void)
{
	static const size_t sizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 31, 64, 100, 513, 1000, 2049};
	static double x[2049],
				acf[2049];

	for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
	{
		size_t		m = sizes[si],
					maxlag = m - 1;
		double		e = 0;

		for (size_t i = 0; i < m; i++)
			x[i] = gauss() + (i % 7 == 3 ? 2 : 0);
		CHECK(an_autocorrelation(x, m, maxlag, acf) == AN_OK);
		for (size_t i = 0; i < m; i++)
			e += x[i] * x[i];
		for (size_t k = 0; k <= maxlag; k++)
		{
			double		s = 0;

			for (size_t i = 0; i + k < m; i++)
				s += x[i] * x[i + k];
			CHECK_NEAR(acf[k], s / e * (double) m / (double) (m - k), 1e-9, 1e-11);
		}
	}
}

static size_t
detect1(const double *x, size_t m, an_periods *p)
{
	CHECK(an_detect_periods(x, m, 2, p) == AN_OK);
	return p->count ? p->period[0] : 0;
}

static void
test_sine_periods(void)
{
	static const size_t periods[] = {2, 3, 4, 5, 7, 12, 24, 48, 96, 288};
	double	   *x = malloc(4000 * sizeof(double));
	an_periods	p;

	for (size_t k = 0; k < sizeof(periods) / sizeof(periods[0]); k++)
	{
		size_t		per = periods[k],
					m = per * 10 < 200 ? 200 : (per * 10 < 4000 ? per * 10 : 4000);

		for (size_t i = 0; i < m; i++)
			x[i] = 10 + 3 * sin(2 * PI * (double) i / (double) per + 0.3) + 0.5 * gauss();
		if (detect1(x, m, &p) != per)
			fprintf(stderr, "period %zu detected as %zu\n", per, p.count ? p.period[0] : 0);
		CHECK_EQ_INT(p.count ? p.period[0] : 0, per);
	}
	free(x);
}

/* A period of 4 in 30 samples: a periodogram's bins (30/7, 30/8) would round it to 3 or 5. */
static void
test_period_4_not_3(void)
{
	double		x[30];
	an_periods	p;

	for (int i = 0; i < 30; i++)
		x[i] = (i % 4 == 0) ? 5 : (i % 4 == 1 ? 2 : (i % 4 == 2 ? 1 : 2));
	CHECK_EQ_INT(detect1(x, 30, &p), 4);
	for (int i = 0; i < 30; i++)
		x[i] = sin(2 * PI * i / 4.0) + 0.05 * gauss();
	CHECK_EQ_INT(detect1(x, 30, &p), 4);
}

/* A shape with a strong second harmonic (two humps a day): the period, not half of it. */
static void
test_harmonics(void)
{
	double		x[24 * 20];
	an_periods	p;

	for (int i = 0; i < 24 * 20; i++)
	{
		double		a = 2 * PI * i / 24.0;

		x[i] = 0.6 * sin(a) + 1.0 * sin(2 * a + 0.4) + 0.2 * gauss();
	}
	CHECK_EQ_INT(detect1(x, 24 * 20, &p), 24);
	/* and a sharp daily spike is one period, not its multiples */
	for (int i = 0; i < 24 * 20; i++)
		x[i] = (i % 24 == 9 ? 10 : 0) + gauss() * 0.3;
	CHECK_EQ_INT(detect1(x, 24 * 20, &p), 24);
}

static void
test_no_period(void)
{
	double	   *x = malloc(3000 * sizeof(double));
	an_periods	p;
	int			false_positives = 0;

	for (int trial = 0; trial < 20; trial++)
	{
		size_t		m = 50 + (size_t) trial * 140;

		for (size_t i = 0; i < m; i++)
			x[i] = gauss();
		if (detect1(x, m, &p) != 0)
			false_positives++;
	}
	CHECK_EQ_INT(false_positives, 0);
	/* a random walk and a pure trend are not seasonal */
	x[0] = 0;
	for (int i = 1; i < 3000; i++)
		x[i] = x[i - 1] + gauss();
	CHECK_EQ_INT(detect1(x, 3000, &p), 0);
	for (int i = 0; i < 3000; i++)
		x[i] = 0.01 * i + 0.1 * gauss();
	CHECK_EQ_INT(detect1(x, 3000, &p), 0);
	/* a constant */
	for (int i = 0; i < 3000; i++)
		x[i] = 42;
	CHECK_EQ_INT(detect1(x, 3000, &p), 0);
	free(x);
}

/* Never a period longer than a third of the data. */
static void
test_period_longer_than_third(void)
{
	double		x[100];
	an_periods	p;

	for (int i = 0; i < 100; i++)
		x[i] = sin(2 * PI * i / 40.0);
	CHECK(detect1(x, 100, &p) == 0 || p.period[0] <= 33);
	CHECK(p.count == 0 || p.period[0] != 40);
}

/* Hourly data with a daily shape and a weekend dip: 24 and 168. */
static void
test_daily_and_weekly(void)
{
	size_t		m = 24 * 7 * 6;
	double	   *x = malloc(m * sizeof(double));
	an_periods	p;

	for (size_t i = 0; i < m; i++)
	{
		size_t		day = (i / 24) % 7;

		x[i] = 50 + 20 * sin(2 * PI * (double) i / 24.0) + (day >= 5 ? -25 : 0) + 2 * gauss();
	}
	CHECK(an_detect_periods(x, m, 2, &p) == AN_OK);
	CHECK_EQ_INT(p.count, 2);
	CHECK_EQ_INT(p.period[0], 24);
	CHECK_EQ_INT(p.period[1], 168);
	free(x);
}

/*
 * A day of 5-minute samples in x: the best lag within 3 of 288, and exactly
 * 288 when that lag is given as preferred (what ts_fit passes).  Returns the
 * best lag (0 if none).
 */
static size_t
check_day_period(const double *x, size_t m)
{
	const size_t day = 288;
	an_periods	p,
				pp;

	CHECK(an_detect_periods(x, m, 2, &p) == AN_OK);
	CHECK(p.count >= 1 && p.period[0] >= 285 && p.period[0] <= 291);
	CHECK(an_detect_periods_preferring(x, m, 2, &day, 1, &pp) == AN_OK);
	CHECK_EQ_INT(pp.count >= 1 ? pp.period[0] : 0, 288);
	return p.count >= 1 ? p.period[0] : 0;
}

/*
 * Incidents and a drift do not hide the period.  With 8 noisy cycles the best
 * lag alone lands on a neighbour of 288 about one time in eight (measured
 * over 300 draws: 79% exact with the incident); a calendar lag given as
 * preferred (what ts_fit passes: a day of 5-minute samples) is then exact.
 */
static void
test_robust_to_trend_and_incidents(void)
{
	size_t		m = 288 * 8;
	double	   *x = malloc(m * sizeof(double));
	int			exact = 0;

	for (int draw = 0; draw < 40; draw++)
	{
		for (size_t i = 0; i < m; i++)
			x[i] = 0.02 * (double) i + 5 * sin(2 * PI * (double) i / 288.0) + gauss();
		for (size_t i = 700; i < 760; i++)
			x[i] += 500;
		exact += check_day_period(x, m) == 288;
	}
	CHECK(exact >= 20);
	free(x);
}

/*
 * Weak seasonality (amplitude 2, noise 1, 8 cycles): noise puts local maxima
 * on the flanks of the broad autocorrelation peak, and the smallest candidate
 * within 90% of the best used to be one of them, 10 or more lags short; the
 * refined period then averaged 4.5 lags short (measured over 300 draws, only
 * 7 exact).  Climbing to the top of the candidate's own peak removes the
 * bias; a preferred calendar lag then makes it exact.
 */
static void
test_weak_period_not_biased(void)
{
	size_t		m = 288 * 8;
	double	   *x = malloc(m * sizeof(double));
	long		sum = 0;
	int			draws = 40;

	for (int draw = 0; draw < draws; draw++)
	{
		for (size_t i = 0; i < m; i++)
			x[i] = 2 * sin(2 * PI * (double) i / 288.0) + gauss();
		sum += (long) check_day_period(x, m) - 288;
	}
	/* unbiased: the mean error is within a lag (it was -4.5) */
	CHECK(labs(sum) <= draws);
	free(x);
}

/*
 * Four cycles only (four days of 5-minute samples, a common training
 * window): the robust detrend used to take the medians of the first and last
 * thirds, each holding part of a cycle, and the spurious slope moved the
 * period 9 to 11 samples short (measured over 200 draws: none exact).  The
 * median of the half-series differences has no such bias (189 of 200 exact
 * without a preferred lag, the others one off).
 */
static void
test_four_cycles_not_biased(void)
{
	size_t		m = 288 * 4;
	double	   *x = malloc(m * sizeof(double));

	for (int draw = 0; draw < 20; draw++)
	{
		an_periods	p;

		for (size_t i = 0; i < m; i++)
			x[i] = 10 + 5 * sin(2 * PI * (double) i / 288.0) + 0.5 * uniform01();
		CHECK(an_detect_periods(x, m, 2, &p) == AN_OK);
		CHECK(p.count >= 1 && p.period[0] >= 287 && p.period[0] <= 289);
	}
	free(x);
}

/* A true period next to a preferred one is not pulled onto it. */
static void
test_preferred_lag_does_not_capture(void)
{
	size_t		m = 280 * 8;
	double	   *x = malloc(m * sizeof(double));
	const size_t day = 288;

	for (int draw = 0; draw < 20; draw++)
	{
		an_periods	p;

		for (size_t i = 0; i < m; i++)
			x[i] = 5 * sin(2 * PI * (double) i / 280.0) + gauss();
		CHECK(an_detect_periods_preferring(x, m, 2, &day, 1, &p) == AN_OK);
		CHECK(p.count >= 1 && p.period[0] >= 278 && p.period[0] <= 282);
	}
	free(x);
}

int
main(void)
{
	RUN(test_fft_matches_dft);
	RUN(test_fft_vector_same_bits);
	RUN(test_autocorrelation_direct);
	RUN(test_autocorrelation_sizes);
	RUN(test_sine_periods);
	RUN(test_period_4_not_3);
	RUN(test_harmonics);
	RUN(test_no_period);
	RUN(test_period_longer_than_third);
	RUN(test_daily_and_weekly);
	RUN(test_robust_to_trend_and_incidents);
	RUN(test_preferred_lag_does_not_capture);
	RUN(test_weak_period_not_biased);
	RUN(test_four_cycles_not_biased);
	UNIT_EXIT();
}
