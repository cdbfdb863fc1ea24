/*
 * make_dbscan_state_seeds.c: writes valid partial states of dbscan_fit (kind
 * dbscan_fit_state) into the seed folder of the fuzzers.
 */
#include <stdio.h>
#include <stdlib.h>

#include "seed_file.h"

#include "core/state/dbscan_state.h"

static void
seed(const char *dir, const char *name, double eps, int64_t min_points, bool standardize, size_t n, size_t d)
{
	double	   *x = malloc(n * d * sizeof(double));
	uint8_t    *out;
	size_t		len;

	/* repeated rows, signed zeros and a few distinct values: ties in every column */
	for (size_t i = 0; i < n * d; i++)
		x[i] = (i % 5 == 0) ? ((i / 5) % 2 ? -0.0 : 0.0) : (double) ((i * 7) % 11) - 5.0;
	if (an_dbscan_state_write(eps, min_points, standardize, x, n, d, &out, &len) != AN_OK)
	{
		fprintf(stderr, "make_dbscan_state_seeds: %s failed\n", name);
		exit(1);
	}
	write_seed(dir, name, out, len);
	an_free(out);
	free(x);
}

int
main(int argc, char **argv)
{
	if (argc != 2)
	{
		fprintf(stderr, "usage: make_dbscan_state_seeds DIR\n");
		return 2;
	}
	seed(argv[1], "dbscan_fit_state_one_row", 1.0, 1, false, 1, 1);
	seed(argv[1], "dbscan_fit_state_plain", 0.5, 4, false, 40, 2);
	seed(argv[1], "dbscan_fit_state_standardized", 0.25, 3, true, 20, 3);
	seed(argv[1], "dbscan_fit_state_wide", 2.0, 10, false, 6, 7);
	return 0;
}
