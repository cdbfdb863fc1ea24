/*
 * ts_analog.c: the method of analogues (see ts_analog.h): the delay, the
 * kept rows and their usable targets, the leave-one-out calibration, and
 * the k-nearest-neighbour prediction.
 */
#include "core/ts/ts_analog.h"

#include <math.h>
#include <string.h>

#include "core/sort.h"
#include "core/ts/ts_shape.h"

/* the kept values follow the struct in its allocation */
_Static_assert(sizeof(an_ts_analog) % _Alignof(double) == 0, "an_ts_analog must keep doubles aligned");

size_t
an_ts_analog_lag(const double *v, size_t n, double level, double fraction)
{
	size_t		lag;
	double		scaled;

	if (n < 4 || !an_ts_acf_first_below(v, n, 4 * AN_ANALOG_MAX_LAG, level, &lag) || lag == 0)
		return 0;
	scaled = round((double) lag * fraction);
	if (!(scaled >= 1))
		return 1;
	return scaled > AN_ANALOG_MAX_LAG ? AN_ANALOG_MAX_LAG : (size_t) scaled;
}

size_t
an_ts_analog_span(size_t dim, size_t lag)
{
	return (dim - 1) * lag + 1;
}

/*
 * Coordinate j of the delay vector of the row after last (a pointer to its
 * predecessor): last[-j lag], or relative, the change since it (the local
 * slope last[0] - last[-1] for j = 0, last[0] - last[-j lag] after).
 */
static inline double
coord(const an_ts_analog *a, const double *last, size_t j)
{
	if (!a->relative)
		return last[-(ptrdiff_t) (j * a->lag)];
	return j == 0 ? last[0] - last[-1] : last[0] - last[-(ptrdiff_t) (j * a->lag)];
}

/* what a target t predicts: x[t], or relative, x[t] - x[t - 1] */
static inline double
target_value(const an_ts_analog *a, size_t t)
{
	return a->relative ? a->x[t] - a->x[t - 1] : a->x[t];
}

/*
 * The local linear prediction from the found neighbours: least squares of
 * x[t_i] on (1, e(t_i) - q) with a small ridge on the slopes (so that
 * neighbours along a line still give a solution), the intercept; NAN when
 * the system is singular all the same.
 */
static double
local_linear(const an_ts_analog *a, const double *q, const uint32_t *idx, size_t found)
{
	size_t		p = a->dim + 1;
	double		A[(AN_ANALOG_MAX_DIM + 1) * (AN_ANALOG_MAX_DIM + 1)],
				y[AN_ANALOG_MAX_DIM + 1],
				z[AN_ANALOG_MAX_DIM + 1],
				trace = 0;

	memset(A, 0, sizeof(A));
	memset(y, 0, sizeof(y));
	for (size_t i = 0; i < found; i++)
	{
		size_t		t = idx[i];

		z[0] = 1;
		for (size_t j = 0; j < a->dim; j++)
			z[j + 1] = coord(a, a->x + t - 1, j) - q[j];
		for (size_t r = 0; r < p; r++)
		{
			for (size_t c = 0; c < p; c++)
				A[r * p + c] += z[r] * z[c];
			y[r] += z[r] * target_value(a, t);
		}
	}
	for (size_t j = 1; j < p; j++)
		trace += A[j * p + j];
	for (size_t j = 1; j < p; j++)
		A[j * p + j] += AN_ANALOG_RIDGE * trace / (double) a->dim + 1e-300;
	/* Cholesky in place, then the two triangular solves */
	for (size_t j = 0; j < p; j++)
	{
		double		d = A[j * p + j];

		for (size_t k = 0; k < j; k++)
			d -= A[j * p + k] * A[j * p + k];
		if (!(d > 0))
			return NAN;
		A[j * p + j] = sqrt(d);
		for (size_t r = j + 1; r < p; r++)
		{
			double		v = A[r * p + j];

			for (size_t k = 0; k < j; k++)
				v -= A[r * p + k] * A[j * p + k];
			A[r * p + j] = v / A[j * p + j];
		}
	}
	for (size_t r = 0; r < p; r++)
	{
		double		v = y[r];

		for (size_t k = 0; k < r; k++)
			v -= A[r * p + k] * z[k];
		z[r] = v / A[r * p + r];
	}
	for (size_t r = p; r-- > 0;)
	{
		double		v = z[r];

		for (size_t k = r + 1; k < p; k++)
			v -= A[k * p + r] * y[k];
		y[r] = v / A[r * p + r];
	}
	return y[0];
}

/*
 * Offer target t at squared distance d to the k best so far (best[], idx[],
 * *found of them), kept in ascending (distance, target) order: a tie goes
 * to the earlier target, whatever order the targets are visited in.
 */
static inline void
offer(size_t k, double d, uint32_t t, double *best, uint32_t *idx, size_t *found)
{
	size_t		p;

	if (*found == k && !(d < best[k - 1] || (d == best[k - 1] && t < idx[k - 1])))
		return;
	p = *found < k ? (*found)++ : k - 1;
	while (p > 0 && (best[p - 1] > d || (best[p - 1] == d && idx[p - 1] > t)))
	{
		best[p] = best[p - 1];
		idx[p] = idx[p - 1];
		p--;
	}
	best[p] = d;
	idx[p] = t;
}

/* the first of the n ascending keys that is not below v (n if none) */
static size_t
lower_bound(const double *keys, size_t n, double v)
{
	size_t		lo = 0,
				hi = n;

	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;

		if (keys[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The k nearest targets of past (skipping [lo, hi)): their mean next value,
 * or the local linear prediction; *reach (if not NULL) the distance to the
 * farthest of them.
 *
 * The targets are visited outwards from the query's first coordinate in the
 * order of theirs (keys, order): a target whose first coordinate alone is
 * farther than the k-th best squared distance cannot enter, nor can any
 * beyond it on that side, so the search stops there.  The k found are the
 * k smallest by (distance, target), exactly those of a scan of all targets
 * in time order that keeps the earlier of equal distances.
 */
static double
predict(const an_ts_analog *a, const double *past, size_t lo, size_t hi, double *reach)
{
	size_t		span = an_ts_analog_span(a->dim, a->lag),
				found = 0,
				left,
				right;
	double		best[AN_ANALOG_MAX_K],
				q[AN_ANALOG_MAX_DIM],
				sum = 0;
	uint32_t	idx[AN_ANALOG_MAX_K];

	/* coordinate j is the row j lags before the predicted one's predecessor */
	for (size_t j = 0; j < a->dim; j++)
		q[j] = coord(a, past + span - 1, j);
	left = right = lower_bound(a->keys, a->ntargets, q[0]);
	for (;;)
	{
		double		gap_left = left > 0 ? q[0] - a->keys[left - 1] : INFINITY,
					gap_right = right < a->ntargets ? a->keys[right] - q[0] : INFINITY,
					bound = found == a->k ? best[found - 1] : INFINITY,
					d = 0;
		bool		go_left = right == a->ntargets || (left > 0 && gap_left <= gap_right);
		size_t		t;

		if (left == 0 && right == a->ntargets)
			break;
		/* the other side is no nearer in the first coordinate alone */
		if ((go_left ? gap_left * gap_left : gap_right * gap_right) > bound)
			break;
		t = go_left ? a->order[--left] : a->order[right++];
		if (t >= lo && t < hi)
			continue;
		for (size_t j = 0; j < a->dim && d <= bound; j++)
		{
			double		e = coord(a, a->x + t - 1, j) - q[j];

			d += e * e;
		}
		if (d <= bound)
			offer(a->k, d, (uint32_t) t, best, idx, &found);
	}
	if (reach)
		*reach = found ? sqrt(best[found - 1]) : NAN;
	if (found == 0)
		return NAN;
	if (a->linear && found > a->dim + 1)
	{
		double		lin = local_linear(a, q, idx, found);

		if (isfinite(lin))
			return a->relative ? past[span - 1] + lin : lin;
	}
	for (size_t i = 0; i < found; i++)
		sum += target_value(a, idx[i]);
	return (a->relative ? past[span - 1] : 0) + sum / (double) found;
}

/* a finite double's bits as an integer of the same order (-0 just below +0) */
static int64_t
ordered_bits(double v)
{
	int64_t		b;

	memcpy(&b, &v, sizeof(b));
	return b ^ ((b >> 63) & INT64_MAX);
}

/* keys and order: the targets sorted by their first coordinate (ties by target), for predict's search */
static an_status
index_targets(an_ts_analog *a)
{
	an_point   *tmp = an_alloc_array(a->ntargets, sizeof(an_point));

	if (tmp == NULL)
		return AN_ENOMEM;
	for (size_t i = 0; i < a->ntargets; i++)
	{
		tmp[i].ts = ordered_bits(coord(a, a->x + a->targets[i] - 1, 0));
		tmp[i].value = (double) a->targets[i];
	}
	an_sort_points(tmp, a->ntargets);
	for (size_t i = 0; i < a->ntargets; i++)
	{
		a->order[i] = (uint32_t) tmp[i].value;
		a->keys[i] = coord(a, a->x + a->order[i] - 1, 0);
	}
	an_free(tmp);
	return AN_OK;
}

/*
 * Rows since the last break (a step longer than AN_ANALOG_MAX_STEP sampling
 * intervals, or a non-finite value), the row of value included, given run
 * for the rows before it and step, its distance from the previous row
 * (first: there is none).  A row is a usable target when run > span.
 */
static inline size_t
next_run(size_t run, bool first, double step, double value, int64_t interval_us)
{
	if (!isfinite(value))
		return 0;
	/* in doubles: corrupt timestamps or interval cannot overflow */
	if (!first && step > (double) AN_ANALOG_MAX_STEP * (double) interval_us)
		return 1;
	return run + 1;
}

/*
 * The kept rows of the sorted points pts[0..n) (the last AN_ANALOG_BUDGET),
 * their usable targets and the search index, without a calibration (edge,
 * reach and skill NAN).  AN_OK with *out == NULL when fewer than
 * AN_ANALOG_MIN_TARGETS targets are usable.
 */
static an_status
build(const an_point *pts, size_t n, int64_t interval_us, size_t dim, size_t lag, size_t k, bool linear,
	  bool relative, an_ts_analog **out)
{
	an_ts_analog *a;
	size_t		span,
				start,
				kept,
				run = 0;

	*out = NULL;
	if (dim < (relative ? 2 : 1) || dim > AN_ANALOG_MAX_DIM || k < 1 || k > AN_ANALOG_MAX_K || lag < 1 ||
		lag > AN_ANALOG_MAX_LAG || interval_us <= 0)
		return AN_EINVAL;
	span = an_ts_analog_span(dim, lag);
	kept = n > AN_ANALOG_BUDGET ? AN_ANALOG_BUDGET : n;
	start = n - kept;
	if (kept < span + AN_ANALOG_MIN_TARGETS)
		return AN_OK;
	/*
	 * one allocation: the struct, the kept values, the targets' first
	 * coordinates in ascending order, the targets, and the targets in that
	 * order (kept <= AN_ANALOG_BUDGET)
	 */
	a = an_alloc(sizeof(an_ts_analog) + kept * 2 * (sizeof(double) + sizeof(uint32_t)));
	if (a == NULL)
		return AN_ENOMEM;
	memset(a, 0, sizeof(*a));
	a->x = (double *) (a + 1);
	a->keys = a->x + kept;
	a->targets = (uint32_t *) (a->keys + kept);
	a->order = a->targets + kept;
	a->dim = (uint32_t) dim;
	a->lag = (uint32_t) lag;
	a->k = (uint32_t) k;
	a->linear = linear;
	a->relative = relative;
	a->n = kept;
	a->edge = a->skill = a->reach = NAN;	/* until a calibration shows them */
	for (size_t i = 0; i < kept; i++)
	{
		const an_point *p = &pts[start + i];

		a->x[i] = p->value;
		run = next_run(run, i == 0, i > 0 ? (double) p->ts - (double) pts[start + i - 1].ts : 0, p->value, interval_us);
		if (run > span)
			a->targets[a->ntargets++] = (uint32_t) i;
	}
	if (a->ntargets < AN_ANALOG_MIN_TARGETS)
	{
		an_ts_analog_free(a);
		return AN_OK;
	}
	if (index_targets(a) != AN_OK)
	{
		an_ts_analog_free(a);
		return AN_ENOMEM;
	}
	*out = a;
	return AN_OK;
}

/*
 * The leave-one-out calibration of a built fit: edge, reach and skill.
 * False when the fit has nothing to predict (a constant series: no edge).
 */
static an_status
calibrate(an_ts_analog *a, bool *usable)
{
	size_t		span = an_ts_analog_span(a->dim, a->lag),
				ncal = 0,
				ncal_max;
	double	   *err = an_alloc_array(3 * AN_ANALOG_CAL_TARGETS, sizeof(double)),
			   *dist,
			   *pers,
				mean = 0,
				var = 0;

	*usable = false;
	if (err == NULL)
		return AN_ENOMEM;
	dist = err + AN_ANALOG_CAL_TARGETS;
	pers = dist + AN_ANALOG_CAL_TARGETS;
	/* leave one out: targets spread evenly, neighbours at least span + 1 rows away */
	ncal_max = a->ntargets < AN_ANALOG_CAL_TARGETS ? a->ntargets : AN_ANALOG_CAL_TARGETS;
	for (size_t c = 0; c < ncal_max; c++)
	{
		size_t		t = a->targets[(size_t) ((double) c * (double) a->ntargets / (double) ncal_max)];
		double		r,
					pred = predict(a, a->x + t - span, t > span ? t - span : 0, t + span + 1, &r);

		if (isfinite(pred))
		{
			dist[ncal] = r;
			pers[ncal] = fabs(a->x[t] - a->x[t - 1]);
			err[ncal++] = fabs(a->x[t] - pred);
		}
	}
	/* the floor: from the spread of what is predicted */
	for (size_t i = 0; i < a->ntargets; i++)
		mean += target_value(a, a->targets[i]);
	mean /= (double) a->ntargets;
	for (size_t i = 0; i < a->ntargets; i++)
		var += (target_value(a, a->targets[i]) - mean) * (target_value(a, a->targets[i]) - mean);
	a->edge = AN_ANALOG_MIN_EDGE * sqrt(var / (double) a->ntargets);
	if (ncal > 0)
	{
		size_t		q = (size_t) floor(AN_ANALOG_EDGE_QUANTILE * (double) (ncal - 1));

		an_select_double(err, ncal, q);
		a->edge = fmax(a->edge, AN_ANALOG_EDGE_MARGIN * err[q]);
		an_select_double(dist, ncal, q);
		a->reach = AN_ANALOG_EDGE_MARGIN * dist[q];
		an_select_double(pers, ncal, q);
		a->skill = err[q] / pers[q];
	}
	an_free(err);
	/* a constant series has nothing to predict */
	*usable = a->edge > 0;
	return AN_OK;
}

an_status
an_ts_analog_fit(const an_point *pts, size_t n, int64_t interval_us, size_t dim, size_t lag, size_t k,
				 bool linear, bool relative, an_ts_analog **out)
{
	an_ts_analog *a;
	bool		usable;
	an_status	s = build(pts, n, interval_us, dim, lag, k, linear, relative, &a);

	*out = NULL;
	if (s != AN_OK || a == NULL)
		return s;
	if ((s = calibrate(a, &usable)) != AN_OK || !usable)
	{
		an_ts_analog_free(a);
		return s;
	}
	*out = a;
	return AN_OK;
}

an_status
an_ts_analog_restore(const int64_t *ts, const double *x, size_t n, int64_t interval_us, size_t dim, size_t lag,
					 size_t k, double edge, double reach, double skill, an_ts_analog **out)
{
	size_t		kept = n > AN_ANALOG_BUDGET ? AN_ANALOG_BUDGET : n;
	an_point   *pts = an_alloc_array(kept ? kept : 1, sizeof(an_point));
	an_status	s;

	*out = NULL;
	if (pts == NULL)
		return AN_ENOMEM;
	for (size_t i = 0; i < kept; i++)
	{
		pts[i].ts = ts[n - kept + i];
		pts[i].value = x[n - kept + i];
	}
	s = build(pts, kept, interval_us, dim, lag, k, false, false, out);
	an_free(pts);
	if (s == AN_OK && *out == NULL)
		return AN_ECORRUPT;		/* the rows the fit used gave enough targets */
	if (s == AN_OK)
	{
		(*out)->edge = edge;
		(*out)->reach = reach;
		(*out)->skill = skill;
	}
	return s;
}

size_t
an_ts_analog_count_targets(const int64_t *ts, const double *x, size_t n, int64_t interval_us, size_t span)
{
	size_t		start = n > AN_ANALOG_BUDGET ? n - AN_ANALOG_BUDGET : 0,
				run = 0,
				count = 0;

	for (size_t i = start; i < n; i++)
	{
		run = next_run(run, i == start, i > start ? (double) ts[i] - (double) ts[i - 1] : 0, x[i], interval_us);
		count += run > span;
	}
	return count;
}

void
an_ts_analog_free(an_ts_analog *a)
{
	an_free(a);
}

double
an_ts_analog_predict(const an_ts_analog *a, const double *past, size_t skip_lo, size_t skip_hi)
{
	return predict(a, past, skip_lo, skip_hi, NULL);
}

double
an_ts_analog_score(const an_ts_analog *a, const double *past, double x)
{
	size_t		span = an_ts_analog_span(a->dim, a->lag);
	double		r,
				pred;

	for (size_t i = 0; i < span; i++)
		if (!isfinite(past[i]))
			return NAN;
	if (!isfinite(x))
		return NAN;
	pred = predict(a, past, 0, 0, &r);
	if (a->guard && !(r <= a->reach))
		return NAN;
	return fabs(x - pred) / a->edge;
}
