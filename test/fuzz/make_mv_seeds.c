/*
 * make_mv_seeds.c: writes valid multivariate models (whole, and their bare
 * payloads) into a directory as seeds for fuzz_mv_model: 1 to 5
 * dimensions, standardised or not, a regularised one, an explicit threshold;
 * pca models; gmm models (payload version 3) with one and several components.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "seed_file.h"

#include "core/model_format.h"
#include "core/mv/mv.h"

int
main(int argc, char **argv)
{
	const size_t dims[] = {1, 2, 3, 5};

	if (argc != 2)
	{
		fprintf(stderr, "usage: make_mv_seeds DIR\n");
		return 2;
	}
	/* i >= 4: method pca (payload version 2) with d = 3 and 5 */
	for (int i = 0; i < 6; i++)
	{
		size_t		d = dims[i < 4 ? i : i - 2],
					n = 60;
		double	   *x = malloc(n * d * sizeof(double));
		an_mv_options o;
		uint8_t    *model;
		size_t		len;
		char		name[64];
		an_model_header h;
		const uint8_t *payload;

		for (size_t j = 0; j < n * d; j++)
			x[j] = sin((double) j * 1.7) * (1.0 + (double) (j % d)) + (j / d == 7 ? 20.0 : 0.0);
		if (i == 2)
			for (size_t j = 0; j < n; j++)
				x[j * d + 1] = 3.0;	/* a constant feature: regularised */
		an_mv_options_default(&o);
		o.standardize = i % 2 == 0;
		if (i == 3)
			o.threshold = 3.5;
		if (i >= 4)
		{
			o.method = AN_MV_PCA;
			o.components = i == 4 ? 0.0 : 2.0;
		}
		if (an_mv_fit(x, n, d, &o, &model, &len, NULL) != AN_OK ||
			an_model_open(model, len, &h, &payload) != AN_OK)
		{
			fprintf(stderr, "could not fit a seed model\n");
			return 1;
		}
		snprintf(name, sizeof(name), "mv_%s%zu_model", i >= 4 ? "pca_" : "", d);
		write_seed(argv[1], name, model, len);
		snprintf(name, sizeof(name), "mv_%s%zu_payload", i >= 4 ? "pca_" : "", d);
		write_seed(argv[1], name, payload, h.payload_len);
		an_free(model);
		free(x);
	}
	/* method gmm: two clusters in d = 1, 2, 3 (k = 2 by BIC), and a fixed k = 1 */
	for (int i = 0; i < 4; i++)
	{
		size_t		d = i < 3 ? (size_t) i + 1 : 2,
					n = 80;
		double	   *x = malloc(n * d * sizeof(double));
		an_mv_options o;
		uint8_t    *model;
		size_t		len;
		char		name[64];
		an_model_header h;
		const uint8_t *payload;

		for (size_t j = 0; j < n * d; j++)
			x[j] = sin((double) j * 1.3) * (1.0 + (double) (j % d)) + (j / d % 2 ? 15.0 : 0.0);
		an_mv_options_default(&o);
		o.method = AN_MV_GMM;
		o.standardize = i % 2 == 0;
		o.components = i == 3 ? 1.0 : 3.0;
		if (an_mv_fit(x, n, d, &o, &model, &len, NULL) != AN_OK ||
			an_model_open(model, len, &h, &payload) != AN_OK)
		{
			fprintf(stderr, "could not fit a gmm seed model\n");
			return 1;
		}
		snprintf(name, sizeof(name), "mv_gmm_%d_model", i);
		write_seed(argv[1], name, model, len);
		snprintf(name, sizeof(name), "mv_gmm_%d_payload", i);
		write_seed(argv[1], name, payload, h.payload_len);
		an_free(model);
		free(x);
	}
	return 0;
}
