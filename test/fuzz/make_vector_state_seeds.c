/*
 * make_vector_state_seeds.c: writes valid partial states of mv_fit (kind
 * mv_fit_state) into the seed folder of the fuzzers.
 */
#include <stdio.h>
#include <stdlib.h>

#include "seed_file.h"

#include "core/state/vector_state.h"

static void
seed(const char *dir, const char *name, const an_mv_options *opt, size_t n, size_t d)
{
	double	   *x = malloc(n * d * sizeof(double));
	uint8_t    *out;
	size_t		len;

	/* repeated rows, signed zeros and a few distinct values: ties in every column */
	for (size_t i = 0; i < n * d; i++)
		x[i] = (i % 5 == 0) ? ((i / 5) % 2 ? -0.0 : 0.0) : (double) ((i * 7) % 11) - 5.0;
	if (an_vector_state_write(opt, x, n, d, &out, &len) != AN_OK)
	{
		fprintf(stderr, "make_vector_state_seeds: %s failed\n", name);
		exit(1);
	}
	write_seed(dir, name, out, len);
	an_free(out);
	free(x);
}

int
main(int argc, char **argv)
{
	an_mv_options o;

	if (argc != 2)
	{
		fprintf(stderr, "usage: make_vector_state_seeds DIR\n");
		return 2;
	}
	an_mv_options_default(&o);
	seed(argv[1], "mv_fit_state_one_row", &o, 1, 1);
	seed(argv[1], "mv_fit_state_default", &o, 40, 3);
	o.standardize = false;
	o.false_alarm_rate = 0.01;
	seed(argv[1], "mv_fit_state_far", &o, 20, 2);
	an_mv_options_default(&o);
	o.threshold = 3.5;
	seed(argv[1], "mv_fit_state_threshold", &o, 12, 5);
	an_mv_options_default(&o);
	o.method = AN_MV_GMM;
	o.components = 5;
	o.min_components = 1;
	o.reg_covar = 1e-6;
	seed(argv[1], "mv_fit_state_gmm", &o, 30, 2);
	return 0;
}
