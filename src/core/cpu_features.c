/*
 * cpu_features.c: asks the CPU once whether it runs AVX-512F.
 */
#include "core/cpu_features.h"

static bool allowed = true;

#ifdef AN_HAVE_AVX512_KERNELS
/* 1 if the CPU (and the OS, which must save the registers) run AVX-512F, 0 if not, -1 not asked yet */
static int	has_avx512 = -1;

static bool
cpu_has_avx512(void)
{
	if (has_avx512 < 0)
	{
		__builtin_cpu_init();
		has_avx512 = __builtin_cpu_supports("avx512f") ? 1 : 0;
	}
	return has_avx512 == 1;
}
#endif

bool
an_avx512_enabled(void)
{
#ifdef AN_HAVE_AVX512_KERNELS
	return allowed && cpu_has_avx512();
#else
	return false;
#endif
}

bool
an_use_vector_code(bool enable)
{
	allowed = enable;
	return an_avx512_enabled();
}
