/*
 * period_detect.c: seasonal period detection by autocorrelation (see the
 * header for the method).
 *
 * Why autocorrelation rather than the periodogram's highest bin: the
 * periodogram measures frequency on a grid of m / k, so a period of 4 in 30
 * samples lands between bins and rounds to 3 or 5; the autocorrelation is
 * evaluated at the integer lags themselves.  Its peaks repeat at every
 * multiple of the period, which is why step 4 prefers the smallest lag that
 * is nearly as good as the best one.
 */
#include "core/period_detect.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "core/fft.h"
#include "core/sort.h"

#define MIN_ACF 0.3
#define NOISE_ACF 3.5			/* acf must exceed NOISE_ACF / sqrt(m - lag) */
#define MIN_PROMINENCE 0.2
#define HARMONIC_RATIO 0.9
#define DIVISOR_RATIO 0.5
#define CLIP_MADS 5.0
#define PREFERRED_RADIUS 0.02	/* a preferred lag within 2% of the best one ... */
#define PREFERRED_SLACK 0.05	/* ... wins if its score is at most 5% higher */
#define REFINE_DIVISOR 20		/* refine searches lags within p / 20 (5%) of the peak p ... */
#define SAME_PEAK_ACF_DROP 0.1	/* ... whose autocorrelation is at most 0.1 below the peak's */

/* Robust linear detrend and outlier clipping into y; returns false if y is constant. */
static bool
prepare(const double *x, size_t m, double *y, double *scratch)
{
	size_t		third = m / 3;
	double		slope = 0,
				icpt,
				med,
				mad,
				mean = 0;

	/*
	 * The slope is the median of (x[i + h] - x[i]) / h over the first half,
	 * h = m / 2: a periodic part contributes differences of mean zero at any
	 * h, an incident only the pairs it touches.  (The medians of the first
	 * and last thirds, used before, leave part of a cycle in each third: with
	 * 4 cycles of a daily period the spurious slope moved the detected period
	 * 10 samples short, 288 found as 278.)
	 */
	if (third >= 2)
	{
		size_t		h = m / 2;

		for (size_t i = 0; i + h < m; i++)
			scratch[i] = x[i + h] - x[i];
		slope = an_median_inplace(scratch, m - h) / (double) h;
	}
	for (size_t i = 0; i < m; i++)
		scratch[i] = x[i] - slope * (double) i;
	icpt = an_median_inplace(scratch, m);
	for (size_t i = 0; i < m; i++)
		y[i] = x[i] - slope * (double) i - icpt;
	/* y[i] is scratch[i] - icpt, bit for bit */
	med = an_median_shifted(scratch, m, icpt);
	for (size_t i = 0; i < m; i++)
		scratch[i] = fabs(y[i] - med);
	mad = an_median_inplace(scratch, m);
	if (mad > 0)
		for (size_t i = 0; i < m; i++)
		{
			if (y[i] > med + CLIP_MADS * mad)
				y[i] = med + CLIP_MADS * mad;
			else if (y[i] < med - CLIP_MADS * mad)
				y[i] = med - CLIP_MADS * mad;
		}
	for (size_t i = 0; i < m; i++)
		mean += y[i];
	mean /= (double) m;
	for (size_t i = 0; i < m; i++)
		y[i] -= mean;
	{
		double		xmax = 0,
					ymax = 0;

		for (size_t i = 0; i < m; i++)
		{
			/* not fmax, a call into libm per value; the same for values never NaN */
			xmax = fabs(x[i]) > xmax ? fabs(x[i]) : xmax;
			ymax = fabs(y[i]) > ymax ? fabs(y[i]) : ymax;
		}
		/* only rounding noise left: nothing periodic to find */
		return ymax > 1e-12 * xmax;
	}
}

static bool
is_candidate(const double *acf, size_t m, size_t lag, size_t maxlag, double runmin)
{
	double		a = acf[lag];

	if (lag < 2 || lag > maxlag)
		return false;
	if (a < acf[lag - 1] || (lag + 1 <= maxlag + 1 && a < acf[lag + 1]))
		return false;
	if (a - runmin < MIN_PROMINENCE)
		return false;
	return a >= fmax(MIN_ACF, NOISE_ACF / sqrt((double) (m - lag)));
}

/*
 * The score of lag q: absolute deviation around the per-phase medians over
 * m - q.  Stops early, returning INFINITY, once the partial score is at
 * least `atleast` or above `above`: the sum only grows (nonnegative terms,
 * and rounding is monotone), so such a lag cannot score lower.  It is
 * checked every PARTIAL_CHECK phases and at the end, which decides exactly
 * as checking after every phase would.
 *
 * Lags near a period of m / 3 or more leave 2 to 5 values per phase, and
 * their deviation around the median has a closed form from the order
 * statistics s0 <= s1 <= ...: s1 - s0, s2 - s0, s2 + s3 - s0 - s1 and
 * s3 + s4 - s0 - s1; those phases need neither a copy nor a median.
 */
#define PARTIAL_CHECK 16
#define MIN_(a, b) ((b) < (a) ? (b) : (a))
#define MAX_(a, b) ((b) < (a) ? (a) : (b))

/*
 * The deviation around the median of each phase ph in [ph0, ph1) whose k
 * values are y[ph], y[ph + q], ..., y[ph + (k - 1) q], into d[ph - ph0]:
 * one loop per k, each phase independent of the others, so the compiler can
 * run several phases at once.
 */
static void
phase_deviations(const double *y, size_t q, size_t k, size_t ph0, size_t ph1, double *d, double *tmp)
{
	switch (k)
	{
		case 2:
			for (size_t ph = ph0; ph < ph1; ph++)
			{
				double		a = y[ph],
							b = y[ph + q];

				d[ph - ph0] = MAX_(a, b) - MIN_(a, b);
			}
			break;
		case 3:
			for (size_t ph = ph0; ph < ph1; ph++)
			{
				double		a = y[ph],
							b = y[ph + q],
							c = y[ph + 2 * q];

				d[ph - ph0] = MAX_(MAX_(a, b), c) - MIN_(MIN_(a, b), c);
			}
			break;
		case 4:
			for (size_t ph = ph0; ph < ph1; ph++)
			{
				double		a = y[ph],
							b = y[ph + q],
							c = y[ph + 2 * q],
							e = y[ph + 3 * q],
							lo1 = MIN_(a, b),
							hi1 = MAX_(a, b),
							lo2 = MIN_(c, e),
							hi2 = MAX_(c, e),
				/* the middle two are max(lo1, lo2) and min(hi1, hi2), in some order */
							u = MAX_(lo1, lo2),
							v = MIN_(hi1, hi2);

				d[ph - ph0] = (MAX_(hi1, hi2) - MIN_(lo1, lo2)) + (MAX_(u, v) - MIN_(u, v));
			}
			break;
		case 5:
			for (size_t ph = ph0; ph < ph1; ph++)
			{
				double		v[5] = {y[ph], y[ph + q], y[ph + 2 * q], y[ph + 3 * q], y[ph + 4 * q]};

				/* insertion order of compare-exchanges: a sorting network for 5 */
				for (int i = 1; i < 5; i++)
					for (int j = i; j > 0; j--)
					{
						double		lo = MIN_(v[j - 1], v[j]),
									hi = MAX_(v[j - 1], v[j]);

						v[j - 1] = lo;
						v[j] = hi;
					}
				d[ph - ph0] = (v[3] + v[4]) - (v[0] + v[1]);
			}
			break;
		default:
			for (size_t ph = ph0; ph < ph1; ph++)
			{
				double		med,
							dev = 0;

				for (size_t j = 0; j < k; j++)
					tmp[j] = y[ph + j * q];
				med = an_median_inplace(tmp, k);
				for (size_t j = 0; j < k; j++)
					dev += fabs(y[ph + j * q] - med);
				d[ph - ph0] = dev;
			}
			break;
	}
}

static double
lag_score(const double *y, size_t m, size_t q, double *tmp, double atleast, double above)
{
	size_t		k = m / q,
				longer = m % q;	/* phases below this hold k + 1 values, the others k */
	double		dev = 0,
				denom = (double) (m - q),
				d[PARTIAL_CHECK];

	for (size_t ph0 = 0; ph0 < q; ph0 += PARTIAL_CHECK)
	{
		size_t		ph1 = ph0 + PARTIAL_CHECK < q ? ph0 + PARTIAL_CHECK : q,
					split = longer < ph0 ? ph0 : (longer > ph1 ? ph1 : longer);
		double		partial;

		phase_deviations(y, q, k + 1, ph0, split, d, tmp);
		phase_deviations(y, q, k, split, ph1, d + (split - ph0), tmp);
		/* summed in phase order, as the early stop below assumes */
		for (size_t i = 0; i < ph1 - ph0; i++)
			dev += d[i];
		partial = dev / denom;
		if (partial >= atleast || partial > above)
			return INFINITY;
	}
	return dev / denom;
}

/*
 * Noise moves the top of a broad autocorrelation peak by a lag or two (a
 * period of 288 read as 287 or 290).  A wrong period smears the phases of
 * successive cycles, so among the lags near p the true one leaves the least
 * absolute deviation around its per-phase median profile (per degree of
 * freedom, so that more bins are not favoured for fitting more noise; medians
 * so that an incident does not pull the choice).  tmp: m doubles.
 */
static size_t
refine(const double *y, const double *acf, size_t m, size_t maxlag, size_t p, double *tmp,
	   const size_t *preferred, int npreferred)
{
	size_t		best = p,
				radius = p >= REFINE_DIVISOR ? p / REFINE_DIVISOR : 1;
	double		best_score = INFINITY,
				score_p = lag_score(y, m, p, tmp, INFINITY, INFINITY);

	/*
	 * The answer is the first lag (in increasing order) with the lowest
	 * score.  A lag scoring above p's or not below the best so far cannot be
	 * it, so its sum stops early; p is always among the lags tried.
	 */
	for (size_t q = p > radius + 2 ? p - radius : 2; q <= p + radius && q <= maxlag; q++)
	{
		double		score;

		/* only lags on the same autocorrelation peak (not a divisor such as 2 of 14) */
		if (acf[q] < acf[p] - SAME_PEAK_ACF_DROP)
			continue;
		score = q == p ? score_p : lag_score(y, m, q, tmp, best_score, score_p);
		if (score < best_score)
		{
			best_score = score;
			best = q;
		}
	}
	/* a calendar lag next to the best one, nearly as good: the noise picked the neighbour */
	{
		size_t		chosen = best,
					window = (size_t) (PREFERRED_RADIUS * (double) best);

		if (window < 1)
			window = 1;
		for (int i = 0; i < npreferred; i++)
		{
			size_t		q = preferred[i],
						dist = q > best ? q - best : best - q,
						cur = chosen > best ? chosen - best : best - chosen;

			if (q < 2 || q > maxlag || q == best || dist > window || acf[q] < acf[best] - SAME_PEAK_ACF_DROP ||
				(chosen != best && dist >= cur))
				continue;
			if (lag_score(y, m, q, tmp, INFINITY, (1 + PREFERRED_SLACK) * best_score) < INFINITY)
				chosen = q;
		}
		return chosen;
	}
}

/*
 * The best period among lags 2..maxlag, or among multiples of base (if
 * base > 0).  acf has maxlag + 2 entries.  Returns 0 if none qualifies.
 */
static size_t
pick_period(const double *acf, size_t m, size_t maxlag, size_t base, double *strength)
{
	double		best = -1,
				runmin = 1;
	size_t		chosen = 0;

	/* pass 1: the best candidate */
	for (size_t lag = 1; lag <= maxlag; lag++)
	{
		if ((base == 0 || lag % base == 0 || lag % base == 1 || lag % base == base - 1) &&
			lag >= (base ? 2 * base - 1 : 2) && is_candidate(acf, m, lag, maxlag, runmin) &&
			acf[lag] > best)
			best = acf[lag];
		if (acf[lag] < runmin)
			runmin = acf[lag];
	}
	if (best < 0)
		return 0;
	/* pass 2: the smallest candidate nearly as good (not a multiple of the period) */
	runmin = 1;
	for (size_t lag = 1; lag <= maxlag && chosen == 0; lag++)
	{
		if ((base == 0 || lag % base == 0 || lag % base == 1 || lag % base == base - 1) &&
			lag >= (base ? 2 * base - 1 : 2) && is_candidate(acf, m, lag, maxlag, runmin) &&
			acf[lag] >= HARMONIC_RATIO * best)
			chosen = lag;
		if (acf[lag] < runmin)
			runmin = acf[lag];
	}
	/*
	 * Noise puts small local maxima on the flanks of a broad peak, and one of
	 * them can be the smallest candidate within HARMONIC_RATIO of the best,
	 * well before the peak's top (a cosine stays above 90% of its top for 7%
	 * of the period on either side).  A harmonic is a different peak, with a
	 * trough in between: climb to the top of the chosen lag's own peak.
	 */
	{
		size_t		top = chosen;

		for (size_t lag = chosen + 1; lag <= maxlag && acf[lag] > acf[top] - MIN_PROMINENCE; lag++)
			if (acf[lag] > acf[top])
				top = lag;
		chosen = top;
	}
	/* a nested shorter period (daily inside weekly): a strong candidate dividing the chosen lag */
	if (base == 0)
	{
		runmin = 1;
		for (size_t lag = 1; lag < chosen; lag++)
		{
			size_t		q = (chosen + lag / 2) / lag;

			if (q >= 2 && (chosen > q * lag ? chosen - q * lag : q * lag - chosen) <= 1 &&
				is_candidate(acf, m, lag, maxlag, runmin) && acf[lag] >= DIVISOR_RATIO * acf[chosen])
			{
				chosen = lag;
				break;
			}
			if (acf[lag] < runmin)
				runmin = acf[lag];
		}
	}
	*strength = acf[chosen];
	return chosen;
}

an_status
an_detect_periods(const double *x, size_t m, int max_periods, an_periods *out)
{
	return an_detect_periods_preferring(x, m, max_periods, NULL, 0, out);
}

an_status
an_detect_periods_preferring(const double *x, size_t m, int max_periods,
							 const size_t *preferred, int npreferred, an_periods *out)
{
	double	   *y,
			   *scratch,
			   *acf;
	size_t		maxlag = m / 3;
	an_status	s = AN_OK;

	memset(out, 0, sizeof(*out));
	if (max_periods > AN_MAX_DETECTED_PERIODS)
		max_periods = AN_MAX_DETECTED_PERIODS;
	if (m < 8 || max_periods < 1)
		return AN_OK;
	y = an_alloc_array(m, sizeof(double));
	scratch = an_alloc_array(m, sizeof(double));
	acf = an_alloc_array(maxlag + 2, sizeof(double));
	if (y == NULL || scratch == NULL || acf == NULL)
	{
		s = AN_ENOMEM;
		goto done;
	}
	if (!prepare(x, m, y, scratch))
		goto done;
	if ((s = an_autocorrelation(y, m, maxlag + 1, acf)) != AN_OK)
		goto done;
	out->period[0] = pick_period(acf, m, maxlag, 0, &out->strength[0]);
	if (out->period[0] == 0)
	{
		/*
		 * A level shift or a wandering level swamps the autocorrelation at
		 * every lag.  First differences remove it and keep the period: try
		 * them before concluding there is none.
		 */
		double	   *d = an_alloc_array(m, sizeof(double));
		bool		ok;

		if (d == NULL)
		{
			s = AN_ENOMEM;
			goto done;
		}
		for (size_t i = 0; i + 1 < m; i++)
			d[i] = x[i + 1] - x[i];
		ok = prepare(d, m - 1, y, scratch);
		an_free(d);
		if (!ok || (s = an_autocorrelation(y, m - 1, (m - 1) / 3 + 1, acf)) != AN_OK)
			goto done;
		maxlag = (m - 1) / 3;
		if ((out->period[0] = pick_period(acf, m - 1, maxlag, 0, &out->strength[0])) == 0)
			goto done;
		out->count = 1;
		goto done;			/* one period from differences; the profile fit validates it */
	}
	out->period[0] = refine(y, acf, m, maxlag, out->period[0], scratch, preferred, npreferred);
	out->strength[0] = acf[out->period[0]];
	out->count = 1;
	/* the second period needs 4 cycles in the data: fewer leave too few values per phase */
	maxlag = m / 4;
	if (max_periods >= 2 && 2 * out->period[0] <= maxlag)
	{
		size_t		p = out->period[0],
					p2;
		double		strength;

		/* remove the per-phase mean profile of the first period */
		memset(scratch, 0, p * sizeof(double));
		for (size_t i = 0; i < m; i++)
			scratch[i % p] += y[i];
		for (size_t ph = 0; ph < p; ph++)
			scratch[ph] /= (double) ((m - ph + p - 1) / p);
		for (size_t i = 0; i < m; i++)
			y[i] -= scratch[i % p];
		if ((s = an_autocorrelation(y, m, maxlag + 1, acf)) != AN_OK)
			goto done;
		p2 = pick_period(acf, m, maxlag, p, &strength);
		if (p2 > 0)
		{
			/* snap to the exact multiple: the profile of the second is nested in it */
			p2 = (p2 + p / 2) / p * p;
			out->period[1] = p2;
			out->strength[1] = strength;
			out->count = 2;
		}
	}
done:
	an_free(y);
	an_free(scratch);
	an_free(acf);
	return s;
}
