/*
 * mv_chi2.c: the regularised incomplete gamma function and the chi-square
 * quantile, which set the consistency correction, the reweighting cut-off and
 * the default threshold of the gaussian method.
 *
 * P(a, x) by its power series for x < a + 1 and Q(a, x) = 1 - P by the
 * continued fraction of Legendre (evaluated by the modified Lentz method)
 * otherwise: the textbook pair (Abramowitz & Stegun 6.5.29 and 6.5.31), each
 * used where it converges fast and without cancellation.  The quantile is
 * found by bisection to the last representable bit: it is computed once per
 * fit, so there is no need for anything faster.
 */
#include "core/mv/mv.h"

#include <float.h>
#include <math.h>

static double
gamma_series(double a, double x)
{
	double		term = 1.0 / a,
				sum = term;

	for (int n = 1; n < 100000; n++)
	{
		term *= x / (a + n);
		sum += term;
		if (fabs(term) < fabs(sum) * DBL_EPSILON * 0.25)
			break;
	}
	return sum * exp(-x + a * log(x) - lgamma(a));
}

static double
gamma_cfrac(double a, double x)
{
	const double tiny = 1e-300;
	double		b = x + 1.0 - a,
				c = 1.0 / tiny,
				dd = 1.0 / b,
				h = dd;

	for (int i = 1; i < 100000; i++)
	{
		double		an = -i * (i - a),
					delta;

		b += 2.0;
		dd = an * dd + b;
		if (fabs(dd) < tiny)
			dd = tiny;
		c = b + an / c;
		if (fabs(c) < tiny)
			c = tiny;
		dd = 1.0 / dd;
		delta = dd * c;
		h *= delta;
		if (fabs(delta - 1.0) < DBL_EPSILON * 0.25)
			break;
	}
	return exp(-x + a * log(x) - lgamma(a)) * h;
}

double
an_gamma_p(double a, double x)
{
	if (!(x > 0.0))
		return 0.0;
	if (x < a + 1.0)
		return gamma_series(a, x);
	return 1.0 - gamma_cfrac(a, x);
}

/* Q(a, x) = 1 - P(a, x), accurate when small. */
static double
gamma_q(double a, double x)
{
	if (!(x > 0.0))
		return 1.0;
	if (x < a + 1.0)
		return 1.0 - gamma_series(a, x);
	return gamma_cfrac(a, x);
}

double
an_chi2_ppf(double p, double k)
{
	double		a = k / 2.0,
				lo = 0.0,
				hi = k + 10.0;
	/* solve P = p for p <= 1/2, Q = 1 - p above (the small tail keeps its digits) */
	bool		upper = p > 0.5;
	double		target = upper ? 1.0 - p : p;

	if (!(p > 0.0 && p < 1.0) || !(k > 0.0))
		return NAN;
	while ((upper ? gamma_q(a, hi / 2.0) > target : an_gamma_p(a, hi / 2.0) < target) && hi < 1e300)
		hi *= 2.0;
	for (int it = 0; it < 2000; it++)
	{
		double		mid = lo + (hi - lo) / 2.0;
		bool		below;

		if (mid <= lo || mid >= hi)
			break;
		below = upper ? gamma_q(a, mid / 2.0) > target : an_gamma_p(a, mid / 2.0) < target;
		if (below)
			lo = mid;
		else
			hi = mid;
	}
	return lo + (hi - lo) / 2.0;
}
