/*
 * time_units.c: timestamps and durations as text, for model info and messages.
 */
#include "core/time_units.h"

#include <stdio.h>

/* A human-readable duration ("1 day", "90 minutes", "3600 seconds"). */
void
an_format_duration(int64_t us, char *buf, size_t len)
{
	static const struct
	{
		int64_t		us;
		const char *name;
	}			units[] = {{AN_USECS_PER_WEEK, "week"}, {AN_USECS_PER_DAY, "day"}, {AN_USECS_PER_HOUR, "hour"},
	{AN_USECS_PER_MINUTE, "minute"}, {AN_USECS_PER_SEC, "second"}};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (us % units[i].us == 0)
		{
			long long	k = (long long) (us / units[i].us);

			snprintf(buf, len, "%lld %s%s", k, units[i].name, k == 1 ? "" : "s");
			return;
		}
	snprintf(buf, len, "%.6g seconds", (double) us / (double) AN_USECS_PER_SEC);
}

/* Days since 1970-01-01 to civil date (Howard Hinnant's algorithm). */
static void
civil_from_days(int64_t z, int64_t *y, int *mo, int *d)
{
	int64_t		era,
				yoe,
				doy,
				mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	yoe = z - era * 146097;
	yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
	doy = z - era * 146097 - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int) (doy - (153 * mp + 2) / 5 + 1);
	*mo = (int) (mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*mo <= 2);
}

void
an_format_timestamp(int64_t us, char *buf, size_t len)
{
	int64_t		days = us / AN_USECS_PER_DAY,
				rem = us % AN_USECS_PER_DAY,
				y;
	int			mo,
				d,
				hour,
				minute,
				second;

	if (rem < 0)
	{
		rem += AN_USECS_PER_DAY;
		days--;
	}
	civil_from_days(days + AN_PG_EPOCH_UNIX_DAYS, &y, &mo, &d);
	hour = (int) (rem / AN_USECS_PER_HOUR);
	minute = (int) (rem / AN_USECS_PER_MINUTE % 60);
	second = (int) (rem / AN_USECS_PER_SEC % 60);
	if (rem % AN_USECS_PER_SEC)
		snprintf(buf, len, "%04lld-%02d-%02dT%02d:%02d:%02d.%06dZ", (long long) y, mo, d,
				 hour, minute, second, (int) (rem % AN_USECS_PER_SEC));
	else
		snprintf(buf, len, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long) y, mo, d, hour, minute, second);
}
