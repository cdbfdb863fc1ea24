/*
 * make_dbscan_state_seeds.c: writes valid partial states of dbscan_fit (kind
 * dbscan_fit_state) into the seed folder of the fuzzers.
 */
#include <stdio.h>
#include <stdlib.h>

#include "seed_writer.h"

#include "core/state/dbscan_state.h"

static void
seed(const char *dir, const char *name, double eps, int64_t min_points, bool standardize, size_t n, size_t d)
{
	double	   *x = seed_tied_rows(n, d);
	uint8_t    *out;
	size_t		len;
	an_status	st = an_dbscan_state_write(eps, min_points, standardize, x, n, d, &out, &len);

	seed_write_result("make_dbscan_state_seeds", dir, name, st, out, len);
	free(x);
}

int
main(int argc, char **argv)
{
	const char *dir = seed_dir(argc, argv, "make_dbscan_state_seeds");

	seed(dir, "dbscan_fit_state_one_row", 1.0, 1, false, 1, 1);
	seed(dir, "dbscan_fit_state_plain", 0.5, 4, false, 40, 2);
	seed(dir, "dbscan_fit_state_standardized", 0.25, 3, true, 20, 3);
	seed(dir, "dbscan_fit_state_wide", 2.0, 10, false, 6, 7);
	return 0;
}
