/*
 * group_limit.h: how many points one aggregate group may hold, and the one
 * comparison that enforces it.
 *
 * The glue calls an_group_fits for every row a group takes, for every
 * partial state merged into it and for every state it deserializes, so the
 * limit is exact: AN_GROUP_MAX_POINTS points are accepted, one more is not.
 * A test with 2^28 rows is too slow to run, so the comparison lives here, a
 * pure function that test/unit/test_group_limit.c checks at the boundary.
 */
#ifndef ANOMALY_GROUP_LIMIT_H
#define ANOMALY_GROUP_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

/* 16 bytes a point: 2^28 points is 4 GiB, well past what one group should hold. */
#define AN_GROUP_MAX_POINTS ((int64_t) 1 << 28)

/* Whether a group of have points may take more points: have + more <= max, without overflow. */
static inline bool
an_group_fits(int64_t have, int64_t more, int64_t max)
{
	return have >= 0 && more >= 0 && more <= max - have;
}

#endif
