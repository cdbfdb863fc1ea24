/*
 * robust_stats.c: a robust sigma with a floor, normal quantiles.
 */
#include "core/robust_stats.h"

#include <math.h>
#include <string.h>

#include "core/sort.h"

double
an_robust_sigma(const double *v, size_t n, double center, double mad, double floor_abs)
{
	double		sigma = AN_MAD_TO_SIGMA * mad;

	if (sigma == 0 && n > 0)
	{
		/* More than half the values equal the centre: fall back on the mean
		 * absolute deviation, so rare departures still set a scale. */
		double		sum = 0;

		for (size_t i = 0; i < n; i++)
			sum += fabs(v[i] - center);
		sigma = AN_MEANAD_TO_SIGMA * sum / (double) n;
	}
	return sigma > floor_abs ? sigma : floor_abs;
}

/*
 * Acklam's rational approximation (relative error 1.15e-9), then one step of
 * Halley's method on erfc, which brings it to full double precision.
 */
double
an_normal_quantile(double p)
{
	static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
	1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
	static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
	6.680131188771972e+01, -1.328068155288572e+01};
	static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
	-2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
	static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
	3.754408661907416e+00};
	double		q,
				r,
				x,
				e,
				u;

	if (!(p > 0 && p < 1))
		return NAN;
	if (p < 0.02425)
	{
		q = sqrt(-2 * log(p));
		x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
			((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	else if (p <= 1 - 0.02425)
	{
		q = p - 0.5;
		r = q * q;
		x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
			(((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
	}
	else
	{
		q = sqrt(-2 * log1p(-p));
		x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
			((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	e = 0.5 * erfc(-x / sqrt(2)) - p;
	u = e * 2.5066282746310002 * exp(x * x / 2);
	return x - u / (1 + x * u / 2);
}

double
an_confidence_to_k(double confidence)
{
	return an_normal_quantile(0.5 + confidence / 2);
}
