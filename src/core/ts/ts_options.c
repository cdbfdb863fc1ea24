/*
 * ts_options.c: validation of ts_fit options and duration parsing.
 */
#include "core/ts/ts_options.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/robust_stats.h"
#include "core/time_units.h"
#include "core/ts/ts_tail.h"

#define DEFAULT_THRESHOLD 3.0

/* The spellings of the enumerations, indexed by their values. */
static const char *const method_names[] = {"auto", "robust", "seasonal"};
static const char *const trend_names[] = {"auto", "none", "linear", "local"};
static const char *const direction_names[] = {"both", "up", "down"};

const char *
an_ts_method_name(an_ts_method method)
{
	return method_names[method];
}

const char *
an_ts_trend_name(an_ts_trend trend)
{
	return trend_names[trend];
}

const char *
an_ts_direction_name(an_ts_direction direction)
{
	return direction_names[direction];
}

void
an_ts_options_default(an_ts_options *o)
{
	memset(o, 0, sizeof(*o));
	o->method = AN_TS_METHOD_AUTO;
	o->trend = AN_TS_TREND_AUTO;
	o->direction = AN_TS_BOTH;
	o->threshold = DEFAULT_THRESHOLD;
	o->exclude_outliers = true;
	o->shape = false;
}

double
an_ts_tail_rate(const an_ts_options *o)
{
	return o->rate_set ? o->false_alarm_rate : 0;
}

static const char *
type_name(an_opt_type t)
{
	switch (t)
	{
		case AN_OPT_NULL:
			return "null";
		case AN_OPT_BOOL:
			return "a boolean";
		case AN_OPT_NUMBER:
			return "a number";
		case AN_OPT_STRING:
			return "a string";
		case AN_OPT_ARRAY:
			return "an array";
		case AN_OPT_OBJECT:
			return "an object";
	}
	return "?";
}

static an_status
fail(char *err, size_t errlen, const char *fmt, const char *key, const char *extra)
{
	snprintf(err, errlen, fmt, key, extra);
	return AN_EINVAL;
}

/* Match v (a string) against names[]; returns the index or -1. */
static int
pick(const an_opt_value *v, const char *const *names, int n)
{
	if (v->type != AN_OPT_STRING)
		return -1;
	for (int i = 0; i < n; i++)
		if (strcmp(v->string, names[i]) == 0)
			return i;
	return -1;
}

static bool
is_whole(double x)
{
	return isfinite(x) && floor(x) == x;
}

/* a boolean option into *out */
static an_status
set_boolean(const char *key, const an_opt_value *v, bool *out, char *err, size_t errlen)
{
	if (v->type != AN_OPT_BOOL)
		return fail(err, errlen, "option \"%s\" must be true or false, not %s", key, type_name(v->type));
	*out = v->boolean;
	return AN_OK;
}

/* an integer option from lo to hi into *out */
static an_status
set_integer(const char *key, const an_opt_value *v, int lo, int hi, int *out, char *err, size_t errlen)
{
	if (v->type != AN_OPT_NUMBER || !(v->number >= lo && v->number <= hi) || v->number != floor(v->number))
	{
		snprintf(err, errlen, "option \"%s\" must be an integer between %d and %d", key, lo, hi);
		return AN_EINVAL;
	}
	*out = (int) v->number;
	return AN_OK;
}

/* One element of "period": samples (number >= 2) or a duration string. */
static an_status
add_period(an_ts_options *o, const an_opt_value *v, char *err, size_t errlen)
{
	int64_t		us;

	if (o->nperiods >= AN_TS_MAX_PERIODS)
		return fail(err, errlen, "option \"%s\" accepts at most 4 periods%s", "period", "");
	if (v->type == AN_OPT_NUMBER)
	{
		if (!(v->number >= 2 && v->number <= 1e9) || !is_whole(v->number))
			return fail(err, errlen, "option \"%s\" must be a whole number of samples >= 2, a duration string or a list of them%s", "period", "");
		o->period_samples[o->nperiods++] = v->number;
		return AN_OK;
	}
	if (v->type == AN_OPT_STRING && an_parse_duration(v->string, &us) && us > 0)
	{
		o->period_us[o->nperiods++] = us;
		return AN_OK;
	}
	return fail(err, errlen, "option \"%s\" must be a whole number of samples >= 2, a duration string such as \"1 day\", or a list of them%s", "period", "");
}

an_status
an_ts_option_set(an_ts_options *o, const char *key, const an_opt_value *v, char *err, size_t errlen)
{
	int			idx;
	double		k;				/* the band multiplier of a confidence */

	if (strcmp(key, "method") == 0)
	{
		if ((idx = pick(v, method_names, 3)) < 0)
			return fail(err, errlen, "option \"%s\" must be one of \"auto\", \"robust\", \"seasonal\"%s", key, "");
		o->method = (an_ts_method) idx;
	}
	else if (strcmp(key, "trend") == 0)
	{
		if ((idx = pick(v, trend_names, 4)) < 0)
			return fail(err, errlen, "option \"%s\" must be one of \"auto\", \"none\", \"linear\", \"local\"%s", key, "");
		o->trend = (an_ts_trend) idx;
	}
	else if (strcmp(key, "direction") == 0)
	{
		if ((idx = pick(v, direction_names, 3)) < 0)
			return fail(err, errlen, "option \"%s\" must be one of \"both\", \"up\", \"down\"%s", key, "");
		o->direction = (an_ts_direction) idx;
	}
	else if (strcmp(key, "threshold") == 0)
	{
		if (v->type != AN_OPT_NUMBER)
			return fail(err, errlen, "option \"%s\" must be a number, not %s", key, type_name(v->type));
		if (!(v->number > 0 && v->number <= 1e6))
			return fail(err, errlen, "option \"%s\" must be greater than 0 and at most 1e6%s", key, "");
		if (o->confidence > 0)
			return fail(err, errlen, "options \"%s\" and \"confidence\" cannot be combined%s", key, "");
		if (o->rate_set)
			return fail(err, errlen, "options \"%s\" and \"false_alarm_rate\" cannot be combined%s", key, "");
		o->threshold = v->number;
		o->threshold_set = true;
	}
	else if (strcmp(key, "confidence") == 0)
	{
		if (v->type != AN_OPT_NUMBER)
			return fail(err, errlen, "option \"%s\" must be a number, not %s", key, type_name(v->type));
		if (!(v->number > 0 && v->number < 1))
			return fail(err, errlen, "option \"%s\" must lie strictly between 0 and 1%s", key, "");
		/* the band's multiplier Phi^-1(0.5 + c / 2) is 0 or infinite when 0.5 + c / 2 rounds to 0.5 or 1 */
		k = an_confidence_to_k(v->number);
		if (!(k > 0 && isfinite(k)))
			return fail(err, errlen, "option \"%s\" is too close to %s to give a band of finite positive width",
						key, v->number < 0.5 ? "0" : "1");
		if (o->threshold_set)
			return fail(err, errlen, "options \"threshold\" and \"%s\" cannot be combined%s", key, "");
		if (o->rate_set)
			return fail(err, errlen, "options \"%s\" and \"false_alarm_rate\" cannot be combined%s", key, "");
		o->confidence = v->number;
	}
	else if (strcmp(key, "false_alarm_rate") == 0)
	{
		if (v->type != AN_OPT_NUMBER)
			return fail(err, errlen, "option \"%s\" must be a number, not %s", key, type_name(v->type));
		if (!(v->number > 0 && v->number <= AN_TAIL_MAX_RATE))
			return fail(err, errlen, "option \"%s\" must be greater than 0 and at most 0.02%s", key, "");
		if (o->threshold_set)
			return fail(err, errlen, "options \"threshold\" and \"%s\" cannot be combined%s", key, "");
		if (o->confidence > 0)
			return fail(err, errlen, "options \"confidence\" and \"%s\" cannot be combined%s", key, "");
		o->false_alarm_rate = v->number;
		o->rate_set = true;
	}
	else if (strcmp(key, "exclude_outliers") == 0)
		return set_boolean(key, v, &o->exclude_outliers, err, errlen);
	else if (strcmp(key, "interval") == 0)
	{
		int64_t		us;

		if (v->type == AN_OPT_NUMBER)
		{
			/* a number is taken as seconds */
			if (!(v->number > 0 && v->number <= 1e12))
				return fail(err, errlen, "option \"%s\" must be a positive duration%s", key, "");
			us = (int64_t) llround(v->number * (double) AN_USECS_PER_SEC);
			if (us <= 0)
				return fail(err, errlen, "option \"%s\" must be at least one microsecond%s", key, "");
		}
		else if (v->type != AN_OPT_STRING || !an_parse_duration(v->string, &us) || us <= 0)
			return fail(err, errlen, "option \"%s\" must be a positive duration such as \"5 minutes\" or a number of seconds%s", key, "");
		o->interval_us = us;
	}
	else if (strcmp(key, "period") == 0)
	{
		o->nperiods = 0;
		o->period_none = false;
		if ((v->type == AN_OPT_NUMBER && v->number == 0) ||
			(v->type == AN_OPT_STRING && strcmp(v->string, "none") == 0))
			o->period_none = true;
		else if (v->type == AN_OPT_STRING && strcmp(v->string, "auto") == 0)
			;
		else if (v->type == AN_OPT_ARRAY)
		{
			if (v->nitems == 0)
				return fail(err, errlen, "option \"%s\" must not be an empty list%s", key, "");
			for (int i = 0; i < v->nitems; i++)
			{
				an_status	s = add_period(o, &v->items[i], err, errlen);

				if (s != AN_OK)
					return s;
			}
		}
		else
			return add_period(o, v, err, errlen);
	}
	else if (strcmp(key, "shape") == 0)
		return set_boolean(key, v, &o->shape, err, errlen);
	else if (strcmp(key, "window") == 0)
		return set_integer(key, v, AN_TS_MIN_WINDOW, AN_TS_MAX_WINDOW, &o->window, err, errlen);
	else if (strcmp(key, "discord") == 0)
		return set_boolean(key, v, &o->discord, err, errlen);
	else if (strcmp(key, "analog") == 0)
		return set_boolean(key, v, &o->analog, err, errlen);
	else if (strcmp(key, "discord_rows") == 0)
		return set_integer(key, v, AN_TS_MIN_DISCORD_ROWS, AN_TS_MAX_DISCORD_ROWS, &o->discord_rows, err, errlen);
	else
		return fail(err, errlen, "unknown ts_fit option \"%s\"%s", key, "");
	return AN_OK;
}

/* ---- durations ---- */

static int64_t
unit_us(const char *u, size_t len)
{
	static const struct
	{
		const char *name;
		int64_t		us;
	}			units[] = {
		{"us", 1}, {"usec", 1}, {"usecs", 1}, {"microsecond", 1}, {"microseconds", 1},
		{"ms", AN_USECS_PER_MSEC}, {"msec", AN_USECS_PER_MSEC}, {"msecs", AN_USECS_PER_MSEC},
		{"millisecond", AN_USECS_PER_MSEC}, {"milliseconds", AN_USECS_PER_MSEC},
		{"s", AN_USECS_PER_SEC}, {"sec", AN_USECS_PER_SEC}, {"secs", AN_USECS_PER_SEC},
		{"second", AN_USECS_PER_SEC}, {"seconds", AN_USECS_PER_SEC},
		{"m", AN_USECS_PER_MINUTE}, {"min", AN_USECS_PER_MINUTE}, {"mins", AN_USECS_PER_MINUTE},
		{"minute", AN_USECS_PER_MINUTE}, {"minutes", AN_USECS_PER_MINUTE},
		{"h", AN_USECS_PER_HOUR}, {"hr", AN_USECS_PER_HOUR}, {"hrs", AN_USECS_PER_HOUR},
		{"hour", AN_USECS_PER_HOUR}, {"hours", AN_USECS_PER_HOUR},
		{"d", AN_USECS_PER_DAY}, {"day", AN_USECS_PER_DAY}, {"days", AN_USECS_PER_DAY},
		{"w", AN_USECS_PER_WEEK}, {"week", AN_USECS_PER_WEEK}, {"weeks", AN_USECS_PER_WEEK},
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].name) == len && strncmp(u, units[i].name, len) == 0)
			return units[i].us;
	return 0;
}

/* "HH:MM" or "HH:MM:SS[.frac]" */
static bool
parse_clock(const char *s, int64_t *us)
{
	int			h,
				m,
				consumed = 0;
	double		sec = 0;

	if (sscanf(s, "%d:%d%n", &h, &m, &consumed) == 2 && s[consumed] == '\0')
		;
	else if (sscanf(s, "%d:%d:%lf%n", &h, &m, &sec, &consumed) == 3 && s[consumed] == '\0')
		;
	else
		return false;
	if (h < 0 || m < 0 || m > 59 || !(sec >= 0 && sec < 60) || h > 1000000)
		return false;
	*us = (int64_t) h * AN_USECS_PER_HOUR + (int64_t) m * AN_USECS_PER_MINUTE +
		(int64_t) llround(sec * (double) AN_USECS_PER_SEC);
	return true;
}

bool
an_parse_duration(const char *s, int64_t *us)
{
	double		total = 0;
	int			terms = 0;

	if (s == NULL)
		return false;
	while (isspace((unsigned char) *s))
		s++;
	if (strchr(s, ':'))
		return parse_clock(s, us);
	while (*s)
	{
		char	   *end;
		double		num;
		const char *u;
		int64_t		mult;

		num = strtod(s, &end);
		if (end == s || !isfinite(num) || num < 0)
			return false;
		s = end;
		while (isspace((unsigned char) *s))
			s++;
		u = s;
		while (isalpha((unsigned char) *s))
			s++;
		mult = unit_us(u, (size_t) (s - u));
		if (mult == 0)
			return false;
		total += num * (double) mult;
		terms++;
		while (isspace((unsigned char) *s))
			s++;
	}
	if (terms == 0 || !(total <= 9.2e18))
		return false;
	*us = (int64_t) llround(total);
	return true;
}
