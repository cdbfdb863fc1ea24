/*
 * make_dbscan_seeds.c: writes valid DBSCAN models (whole, and their bare
 * payloads) into a directory as seeds for fuzz_dbscan_model.
 */
#include <stdio.h>
#include <stdlib.h>

#include "seed_writer.h"

#include "core/dbscan/dbscan.h"

int
main(int argc, char **argv)
{
	const char *dir = seed_dir(argc, argv, "make_dbscan_seeds");
	const size_t dims[] = {1, 2, 3, 5};

	for (int i = 0; i < 4; i++)
	{
		size_t		d = dims[i],
					n = 60;
		double	   *x = malloc(n * d * sizeof(double));
		double		mean[5] = {0},
					scale[5] = {1, 1, 1, 1, 1};
		uint8_t    *model = NULL;
		size_t		len = 0;
		char		name[64];
		an_status	st;

		for (size_t j = 0; j < n * d; j++)
			x[j] = (double) ((j * 7919) % 13) / 4.0 + (j / d >= n / 2 ? 10.0 : 0.0);
		st = an_dbscan_model_fit(x, n, d, 1.0, 3, i % 2 ? mean : NULL, i % 2 ? scale : NULL, &model, &len);
		snprintf(name, sizeof(name), "dbscan_%zu", d);
		seed_write_model("make_dbscan_seeds", dir, name, st, model, len);
		free(x);
	}
	return 0;
}
