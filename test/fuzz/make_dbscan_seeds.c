/*
 * make_dbscan_seeds.c: writes valid DBSCAN models (whole, and their bare
 * payloads) into a directory as seeds for fuzz_dbscan_model.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "seed_writer.h"

#include "core/dbscan/dbscan.h"
#include "core/model_format.h"

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
		uint8_t    *model;
		size_t		len;
		char		name[64];
		an_model_header h;
		const uint8_t *payload;

		for (size_t j = 0; j < n * d; j++)
			x[j] = (double) ((j * 7919) % 13) / 4.0 + (j / d >= n / 2 ? 10.0 : 0.0);
		if (an_dbscan_model_fit(x, n, d, 1.0, 3, i % 2 ? mean : NULL, i % 2 ? scale : NULL,
								&model, &len) != AN_OK ||
			an_model_open(model, len, &h, &payload) != AN_OK)
		{
			fprintf(stderr, "could not fit a seed model\n");
			return 1;
		}
		snprintf(name, sizeof(name), "dbscan_%zu_model", d);
		write_seed(dir, name, model, len);
		snprintf(name, sizeof(name), "dbscan_%zu_payload", d);
		write_seed(dir, name, payload, h.payload_len);
		an_free(model);
		free(x);
	}
	return 0;
}
