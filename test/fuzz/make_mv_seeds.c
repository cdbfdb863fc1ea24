/*
 * make_mv_seeds.c: writes valid multivariate models (whole, and their bare
 * payloads) into a directory as seeds for fuzz_mv_model: 1 to 5
 * dimensions, standardised or not, a regularised one, an explicit threshold;
 * pca models; gmm models (payload version 3) with one and several components.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "seed_writer.h"

#include "core/mv/mv.h"

/* x (n rows of d features) fitted with o, written as the seeds <name>_model and <name>_payload */
static void
seed_mv(const char *dir, const char *name, const double *x, size_t n, size_t d, const an_mv_options *o)
{
	uint8_t    *model = NULL;
	size_t		len = 0;
	an_status	st = an_mv_fit(x, n, d, o, &model, &len, NULL);

	seed_write_model("make_mv_seeds", dir, name, st, model, len);
}

int
main(int argc, char **argv)
{
	const char *dir = seed_dir(argc, argv, "make_mv_seeds");
	const size_t dims[] = {1, 2, 3, 5};

	/* i >= 4: method pca (payload version 2) with d = 3 and 5 */
	for (int i = 0; i < 6; i++)
	{
		size_t		d = dims[i < 4 ? i : i - 2],
					n = 60;
		double	   *x = malloc(n * d * sizeof(double));
		an_mv_options o;
		char		name[64];

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
		snprintf(name, sizeof(name), "mv_%s%zu", i >= 4 ? "pca_" : "", d);
		seed_mv(dir, name, x, n, d, &o);
		free(x);
	}
	/* method gmm: two clusters in d = 1, 2, 3 (k = 2 by BIC), and a fixed k = 1 */
	for (int i = 0; i < 4; i++)
	{
		size_t		d = i < 3 ? (size_t) i + 1 : 2,
					n = 80;
		double	   *x = malloc(n * d * sizeof(double));
		an_mv_options o;
		char		name[64];

		for (size_t j = 0; j < n * d; j++)
			x[j] = sin((double) j * 1.3) * (1.0 + (double) (j % d)) + (j / d % 2 ? 15.0 : 0.0);
		an_mv_options_default(&o);
		o.method = AN_MV_GMM;
		o.standardize = i % 2 == 0;
		o.components = i == 3 ? 1.0 : 3.0;
		snprintf(name, sizeof(name), "mv_gmm_%d", i);
		seed_mv(dir, name, x, n, d, &o);
		free(x);
	}
	return 0;
}
