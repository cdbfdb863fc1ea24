/*
 * ts_options.h: the options of ts_fit, validated key by key.
 *
 * The glue walks the jsonb object and hands each key with a typed value to
 * an_ts_option_set, so adding an option never touches PostgreSQL code.
 */
#ifndef ANOMALY_TS_OPTIONS_H
#define ANOMALY_TS_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

#define AN_TS_MAX_PERIODS 4
/* the bounds of the option "window" (AN_SHAPE_MIN_WINDOW, AN_SHAPE_MAX_WINDOW) */
#define AN_TS_MIN_WINDOW 4
#define AN_TS_MAX_WINDOW 1024
/* the bounds of the option "discord_rows" (AN_DISCORD_MIN_ROWS, AN_DISCORD_MAX_ROWS) */
#define AN_TS_MIN_DISCORD_ROWS 64
#define AN_TS_MAX_DISCORD_ROWS 65536

typedef enum an_ts_method
{
	AN_TS_METHOD_AUTO = 0,		/* choose: seasonal when a period is found, else robust */
	AN_TS_METHOD_ROBUST = 1,	/* robust level: median and MAD */
	AN_TS_METHOD_SEASONAL = 2	/* seasonal profile + trend + robust spread */
} an_ts_method;

typedef enum an_ts_trend
{
	AN_TS_TREND_AUTO = 0,
	AN_TS_TREND_NONE = 1,
	AN_TS_TREND_LINEAR = 2,
	AN_TS_TREND_LOCAL = 3
} an_ts_trend;

typedef enum an_ts_direction
{
	AN_TS_BOTH = 0,
	AN_TS_UP = 1,
	AN_TS_DOWN = 2
} an_ts_direction;

typedef struct an_ts_options
{
	an_ts_method method;
	an_ts_trend trend;
	an_ts_direction direction;
	double		threshold;		/* k: the band is expected +- k * sigma */
	bool		threshold_set;
	double		confidence;		/* alternative to threshold, in (0, 1); 0 = unset */
	/*
	 * The band from the residuals' tail (ts_tail.h): the expected fraction of
	 * normal rows flagged; an alternative to threshold and confidence, used
	 * only when given (rate_set).  Not the default: see docs/accuracy.md.
	 */
	double		false_alarm_rate;
	bool		rate_set;
	bool		exclude_outliers;	/* leave past incidents out of the tail fit (default true) */
	/* the shape component (ts_shape.h): off unless asked ("shape": true); window 0 = from the period or the data */
	bool		shape;
	int			window;
	/*
	 * the discord component (ts_discord_model.h): off unless asked
	 * ("discord": true, which implies the shape component); discord_rows 0 =
	 * AN_DISCORD_DEFAULT_ROWS
	 */
	bool		discord;
	int			discord_rows;
	/*
	 * the analog component (ts_analog_model.h): off unless asked ("analog":
	 * true, which implies the discord component, whose rows it reads)
	 */
	bool		analog;
	int64_t		interval_us;	/* sampling interval; 0 = infer (median spacing) */
	/* user-given periods: in samples (period_samples) or as durations (period_us) */
	int			nperiods;
	double		period_samples[AN_TS_MAX_PERIODS];
	int64_t		period_us[AN_TS_MAX_PERIODS];
	bool		period_none;	/* "period": 0 / "none": no seasonality */
} an_ts_options;

typedef enum an_opt_type
{
	AN_OPT_NULL,
	AN_OPT_BOOL,
	AN_OPT_NUMBER,
	AN_OPT_STRING,
	AN_OPT_ARRAY,
	AN_OPT_OBJECT
} an_opt_type;

/* A JSON value as the glue hands it over (arrays of scalars only). */
typedef struct an_opt_value
{
	an_opt_type type;
	bool		boolean;
	double		number;
	const char *string;			/* NUL-terminated, for AN_OPT_STRING */
	int			nitems;			/* for AN_OPT_ARRAY */
	const struct an_opt_value *items;
} an_opt_value;

void		an_ts_options_default(an_ts_options *o);

/* The rate the band of these options comes from (0: threshold or confidence). */
double		an_ts_tail_rate(const an_ts_options *o);

/* The option values as they are spelled in JSON ("both", "linear", ...). */
const char *an_ts_method_name(an_ts_method method);
const char *an_ts_trend_name(an_ts_trend trend);
const char *an_ts_direction_name(an_ts_direction direction);

/*
 * Set one option.  On failure returns AN_EINVAL and writes a lower-case
 * message naming the key into err (e.g. "unknown ts_fit option \"foo\"").
 */
an_status	an_ts_option_set(an_ts_options *o, const char *key, const an_opt_value *v,
							 char *err, size_t errlen);

/*
 * Parse a duration such as "1 day", "90 minutes", "1h30m", "2 weeks" or
 * "00:15:00" into microseconds.  Returns false if it is not one.
 */
bool		an_parse_duration(const char *s, int64_t *us);

#endif
