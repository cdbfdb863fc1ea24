/*
 * unit.h: a minimal test harness for src/core (no server, no framework).
 *
 * Each test/unit/test_*.c file is one program: it defines test functions,
 * calls them from main() through RUN(), and ends with UNIT_EXIT(), which
 * prints "N passed, N failed" and returns non-zero on any failure.  Files
 * are built with AddressSanitizer and UndefinedBehaviorSanitizer by
 * test/unit/unit.mk and run from the project root, so data paths such as
 * unit_shared_path("data/catch22") resolve to ../shared/... (override with
 * the ANOMALY_SHARED environment variable).
 */
#ifndef ANOMALY_UNIT_H
#define ANOMALY_UNIT_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int	unit_passed;
static int	unit_failed;
static int	unit_current_failed;

#define CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			unit_current_failed = 1; \
		} \
	} while (0)

#define CHECK_EQ_INT(a, b) \
	do { \
		long long unit_a_ = (long long) (a), unit_b_ = (long long) (b); \
		if (unit_a_ != unit_b_) { \
			fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, \
					#a, #b, unit_a_, unit_b_); \
			unit_current_failed = 1; \
		} \
	} while (0)

/* |a - b| <= abs_tol or <= rel_tol * max(|a|, |b|); NaN equals NaN. */
#define CHECK_NEAR(a, b, rel_tol, abs_tol) \
	do { \
		double unit_a_ = (a), unit_b_ = (b); \
		int unit_ok_ = (isnan(unit_a_) && isnan(unit_b_)) || unit_a_ == unit_b_ || \
			fabs(unit_a_ - unit_b_) <= (abs_tol) || \
			fabs(unit_a_ - unit_b_) <= (rel_tol) * fmax(fabs(unit_a_), fabs(unit_b_)); \
		if (!unit_ok_) { \
			fprintf(stderr, "%s:%d: %s ~ %s failed: %.17g vs %.17g\n", __FILE__, __LINE__, \
					#a, #b, unit_a_, unit_b_); \
			unit_current_failed = 1; \
		} \
	} while (0)

#define RUN(test_fn) \
	do { \
		unit_current_failed = 0; \
		test_fn(); \
		if (unit_current_failed) { unit_failed++; fprintf(stderr, "FAIL %s\n", #test_fn); } \
		else unit_passed++; \
	} while (0)

#define UNIT_EXIT() \
	do { \
		printf("%s: %d passed, %d failed\n", __FILE__, unit_passed, unit_failed); \
		return unit_failed ? 1 : 0; \
	} while (0)

/* Path of a file under ../shared (or $ANOMALY_SHARED); static buffer. */
static inline const char *
unit_shared_path(const char *rel)
{
	static char buf[4096];
	const char *root = getenv("ANOMALY_SHARED");

	snprintf(buf, sizeof(buf), "%s/%s", root ? root : "../shared", rel);
	return buf;
}

/* qsort comparator for doubles, ascending (the reference sort of several tests) */
static int
unit_cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

#endif
