/*
 * time_units.h: durations in microseconds, the unit of PostgreSQL's
 * timestamptz and of every timestamp and period in src/core.
 */
#ifndef ANOMALY_TIME_UNITS_H
#define ANOMALY_TIME_UNITS_H

#include <stddef.h>
#include <stdint.h>

#define AN_USECS_PER_MSEC	INT64_C(1000)
#define AN_USECS_PER_SEC	INT64_C(1000000)
#define AN_USECS_PER_MINUTE (60 * AN_USECS_PER_SEC)
#define AN_USECS_PER_HOUR	(60 * AN_USECS_PER_MINUTE)
#define AN_USECS_PER_DAY	(24 * AN_USECS_PER_HOUR)
#define AN_USECS_PER_WEEK	(7 * AN_USECS_PER_DAY)

/* PostgreSQL's epoch, 2000-01-01, counted in days from the Unix epoch 1970-01-01. */
#define AN_PG_EPOCH_UNIX_DAYS 10957

/* ISO 8601 UTC text for a timestamp ("2026-01-02T03:04:05Z", microseconds if any). */
void		an_format_timestamp(int64_t us, char *buf, size_t len);

/* A duration in words: "1 day", "90 minutes", "3600 seconds". */
void		an_format_duration(int64_t us, char *buf, size_t len);

#endif
