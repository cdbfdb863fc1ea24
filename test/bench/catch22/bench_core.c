/*
 * bench_core.c: times an_catch22 on a random walk (no PostgreSQL).
 *
 *   bench_core gen N SEED FILE      write a Gaussian random walk, one value a line (%.17g)
 *   bench_core time FILE REPS       print the median CPU time in ms over REPS runs (CPU time,
 *                                   like the reference CLI's clock()), then the 24 outputs
 *
 * Used by run.sh, which runs the reference beside it on the same files.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/catch22/catch22.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "gen") == 0)
	{
		long		n = atol(argv[2]);
		unsigned long long s = strtoull(argv[3], NULL, 10) * 2654435761ULL + 1;
		FILE	   *f = fopen(argv[4], "w");
		double		v = 0.0;

		if (f == NULL)
			return 1;
		for (long i = 0; i < n; i++)
		{
			double		u1,
						u2;

			/* xorshift64* uniforms, Box-Muller normals */
			s ^= s >> 12; s ^= s << 25; s ^= s >> 27;
			u1 = ((s * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0);
			s ^= s >> 12; s ^= s << 25; s ^= s >> 27;
			u2 = ((s * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0);
			v += sqrt(-2.0 * log(u1 + 1e-300)) * cos(2.0 * 3.141592653589793 * u2);
			fprintf(f, "%.17g\n", v);
		}
		fclose(f);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "time") == 0)
	{
		FILE	   *f = fopen(argv[2], "r");
		int			reps = atoi(argv[3]);
		size_t		n = 0,
					cap = 1024;
		double	   *y = malloc(cap * sizeof(double));
		double		out[AN_CATCH24_COUNT];
		double	   *t = malloc((reps > 0 ? reps : 1) * sizeof(double));

		if (f == NULL || y == NULL || t == NULL || reps < 1)
			return 1;
		while (fscanf(f, "%lf", &y[n]) == 1)
			if (++n == cap)
				y = realloc(y, (cap *= 2) * sizeof(double));
		fclose(f);
		for (int r = 0; r < reps; r++)
		{
			double		t0 = now_ms();

			if (an_catch22(y, n, out, NULL) != AN_OK)
				return 2;
			t[r] = now_ms() - t0;
		}
		qsort(t, reps, sizeof(double), cmp_double);
		printf("%.6f\n", t[reps / 2]);
		for (int k = 0; k < AN_CATCH24_COUNT; k++)
			printf("%.17g %s\n", out[k], an_catch22_names[k]);
		free(y);
		free(t);
		return 0;
	}
	fprintf(stderr, "usage: bench_core gen N SEED FILE | bench_core time FILE REPS\n");
	return 1;
}
