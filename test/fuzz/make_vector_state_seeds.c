/*
 * make_vector_state_seeds.c: writes valid partial states of mv_fit (kind
 * mv_fit_state) into the seed folder of the fuzzers.
 */
#include <stdio.h>
#include <stdlib.h>

#include "seed_writer.h"

#include "core/state/vector_state.h"

static void
seed(const char *dir, const char *name, const an_mv_options *opt, size_t n, size_t d)
{
	double	   *x = seed_tied_rows(n, d);
	uint8_t    *out;
	size_t		len;
	an_status	st = an_vector_state_write(opt, x, n, d, &out, &len);

	seed_write_result("make_vector_state_seeds", dir, name, st, out, len);
	free(x);
}

int
main(int argc, char **argv)
{
	const char *dir = seed_dir(argc, argv, "make_vector_state_seeds");
	an_mv_options o;

	an_mv_options_default(&o);
	seed(dir, "mv_fit_state_one_row", &o, 1, 1);
	seed(dir, "mv_fit_state_default", &o, 40, 3);
	o.standardize = false;
	o.false_alarm_rate = 0.01;
	seed(dir, "mv_fit_state_far", &o, 20, 2);
	an_mv_options_default(&o);
	o.threshold = 3.5;
	seed(dir, "mv_fit_state_threshold", &o, 12, 5);
	an_mv_options_default(&o);
	o.method = AN_MV_GMM;
	o.components = 5;
	o.min_components = 1;
	o.reg_covar = 1e-6;
	seed(dir, "mv_fit_state_gmm", &o, 30, 2);
	return 0;
}
