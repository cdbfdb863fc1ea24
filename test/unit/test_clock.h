/*
 * test_clock.h: the CPU time of the calling thread in milliseconds, for the
 * tests and tools that time stretches of work (test_interrupts.c,
 * test/bench/interrupt_gaps.c): unlike the wall clock it does not count the
 * time the thread waited for a core, so a busy machine does not stretch it.
 */
#ifndef ANOMALY_TEST_CLOCK_H
#define ANOMALY_TEST_CLOCK_H

#include <time.h>

static inline double
cpu_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double) t.tv_sec * 1e3 + (double) t.tv_nsec / 1e6;
}

#endif
