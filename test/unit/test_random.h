/*
 * test_random.h: deterministic random numbers for the unit tests and the
 * core benchmarks (xorshift64 uniform(0,1) and Box-Muller normal noise), so
 * every run generates the same synthetic series, and an LCG stream on a
 * state of the caller's (lcg_*).  A benchmark that keeps
 * the data of its own seed defines TEST_RANDOM_SEED before including this.
 */
#ifndef ANOMALY_TEST_RANDOM_H
#define ANOMALY_TEST_RANDOM_H

#include <math.h>
#include <stdint.h>

#define PI 3.14159265358979323846

#ifndef TEST_RANDOM_SEED
#define TEST_RANDOM_SEED 88172645463325252ULL
#endif

static uint64_t rng_state = TEST_RANDOM_SEED;

/* The next 64 random bits (xorshift64). */
static inline uint64_t
random_u64(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static inline double
uniform01(void)
{
	return ((double) (random_u64() >> 11) + 0.5) / 9007199254740992.0;
}

/* Uniform on [0, 1): 53 random bits, 0 among them. */
static inline double
uniform01_with_zero(void)
{
	return (double) (random_u64() >> 11) / 9007199254740992.0;
}

static inline double
gauss(void)
{
	return sqrt(-2 * log(uniform01())) * cos(2 * PI * uniform01());
}

/*
 * A stream of the caller's own, for data that must not depend on what else
 * the test drew: the 64-bit LCG of Knuth's MMIX on *state, each step's 53
 * high bits.
 */
static inline uint64_t
lcg_bits53(uint64_t *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return *state >> 11;
}

/* Uniform on (0, 1) from the stream *state. */
static inline double
lcg_uniform01(uint64_t *state)
{
	return ((double) lcg_bits53(state) + 0.5) / 9007199254740992.0;
}

/* Uniform on [0, 1) from the stream *state: 53 random bits, 0 among them. */
static inline double
lcg_uniform01_with_zero(uint64_t *state)
{
	return (double) lcg_bits53(state) / 9007199254740992.0;
}

#endif
