/*
 * test_group_limit.c: the comparison that limits an aggregate group (ts_fit,
 * 2^28 points), at the boundary, for rows added one at a time and for
 * partial states merged.
 */
#include "unit.h"

#include "core/group_limit.h"

static void
test_one_row_at_a_time(void)
{
	const int64_t max = AN_GROUP_MAX_POINTS;

	CHECK_EQ_INT(max, 268435456);
	CHECK(an_group_fits(0, 1, max));
	CHECK(an_group_fits(max - 1, 1, max));	/* the 2^28-th point */
	CHECK(!an_group_fits(max, 1, max));	/* the 2^28 + 1-th */
	CHECK(!an_group_fits(max + 1, 1, max));
	/* a small limit behaves the same: n accepted, n + 1 not */
	for (int64_t limit = 1; limit < 100; limit++)
	{
		int64_t		n = 0;

		while (an_group_fits(n, 1, limit))
			n++;
		CHECK_EQ_INT(n, limit);
	}
}

static void
test_merged_states(void)
{
	const int64_t max = AN_GROUP_MAX_POINTS;

	CHECK(an_group_fits(0, max, max));
	CHECK(!an_group_fits(0, max + 1, max));
	CHECK(an_group_fits(max / 2, max / 2, max));
	CHECK(!an_group_fits(max / 2, max / 2 + 1, max));
	CHECK(!an_group_fits(max / 2 + 1, max / 2, max));
	CHECK(an_group_fits(max, 0, max));
	/* no overflow, no negative counts */
	CHECK(!an_group_fits(INT64_MAX, INT64_MAX, max));
	CHECK(!an_group_fits(1, INT64_MAX, max));
	CHECK(!an_group_fits(-1, 1, max));
	CHECK(!an_group_fits(0, -1, max));
}

int
main(void)
{
	RUN(test_one_row_at_a_time);
	RUN(test_merged_states);
	UNIT_EXIT();
}
