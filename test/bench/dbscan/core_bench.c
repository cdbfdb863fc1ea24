/*
 * core_bench.c: times src/core's DBSCAN back-ends on uniform data, without
 * PostgreSQL (for choosing the tree/brute-force crossover).
 *
 *   cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Isrc $(pkg-config --cflags openblas) \
 *      -o /tmp/dbscan_core_bench test/bench/dbscan/core_bench.c $(find src/core -name '*.c') \
 *      $(pkg-config --libs openblas) -lm
 *   OPENBLAS_NUM_THREADS=1 /tmp/dbscan_core_bench n d eps min_points method...
 *
 * method: auto, kdtree or brute.  Data: uniform in [0, 1)^d (fixed seed);
 * with a fifth-argument suffix "blobs" instead 6 Gaussian blobs (sd 0.05).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/dbscan/dbscan.h"

#define TEST_RANDOM_SEED 42
#include "../../unit/test_random.h"

int
main(int argc, char **argv)
{
	size_t		n,
				d;
	double		eps;
	long		mp;
	double	   *x;
	int32_t    *lab,
			   *first = NULL;

	if (argc < 6)
	{
		fprintf(stderr, "usage: %s n d eps min_points method... [blobs]\n", argv[0]);
		return 2;
	}
	n = strtoul(argv[1], NULL, 10);
	d = strtoul(argv[2], NULL, 10);
	eps = strtod(argv[3], NULL);
	mp = strtol(argv[4], NULL, 10);
	x = malloc(n * d * sizeof(double));
	lab = malloc(n * sizeof(int32_t));
	if (strcmp(argv[argc - 1], "blobs") == 0)
	{
		double		c[6][64];

		argc--;
		for (int b = 0; b < 6; b++)
			for (size_t k = 0; k < d && k < 64; k++)
				c[b][k] = uniform01_with_zero();
		for (size_t i = 0; i < n; i++)
			for (size_t k = 0; k < d; k++)
			{
				double		u = uniform01_with_zero() + 1e-300,
							v = uniform01_with_zero();

				x[i * d + k] = c[i % 6][k % 64] + 0.05 * sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
			}
	}
	else
		for (size_t i = 0; i < n * d; i++)
			x[i] = uniform01_with_zero();
	for (int a = 5; a < argc; a++)
	{
		an_dbscan_method m = strcmp(argv[a], "kdtree") == 0 ? AN_DBSCAN_KDTREE :
			strcmp(argv[a], "brute") == 0 ? AN_DBSCAN_BRUTE : AN_DBSCAN_AUTO;
		struct timespec t0,
					t1;
		size_t		noise = 0;
		int32_t		k = -1;
		an_status	st;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		st = an_dbscan_with(m, x, n, d, eps, mp, lab, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		for (size_t i = 0; i < n; i++)
		{
			noise += lab[i] < 0;
			k = lab[i] > k ? lab[i] : k;
		}
		printf("%-7s n %zu d %zu eps %g mp %ld: %.3f s, status %d, %d clusters, %zu noise",
			   argv[a], n, d, eps, mp, (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, (int) st,
			   k + 1, noise);
		if (first == NULL)
		{
			first = malloc(n * sizeof(int32_t));
			memcpy(first, lab, n * sizeof(int32_t));
			printf("\n");
		}
		else
			printf(", labels %s\n", memcmp(first, lab, n * sizeof(int32_t)) == 0 ? "identical" : "DIFFER");
		fflush(stdout);
	}
	free(first);
	free(x);
	free(lab);
	return 0;
}
