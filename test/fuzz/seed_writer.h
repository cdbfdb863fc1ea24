/*
 * seed_writer.h: what the make_*seeds programs share beyond write_seed
 * (seed_file.h): the command line, rows with ties, and writing what a state
 * or model writer returned (a model also as its bare payload).
 */
#ifndef ANOMALY_SEED_WRITER_H
#define ANOMALY_SEED_WRITER_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "seed_file.h"

#include "core/core.h"
#include "core/model_format.h"

/* The seed folder, the one argument of program; exits with its usage otherwise. */
static const char *
seed_dir(int argc, char **argv, const char *program)
{
	if (argc != 2)
	{
		fprintf(stderr, "usage: %s DIR\n", program);
		exit(2);
	}
	return argv[1];
}

/*
 * n rows of d features (malloc'ed) with ties in every column: repeated rows,
 * signed zeros and a few distinct values.
 */
static double *
seed_tied_rows(size_t n, size_t d)
{
	double	   *x = malloc(n * d * sizeof(double));

	if (x == NULL)
		abort();
	for (size_t i = 0; i < n * d; i++)
		x[i] = (i % 5 == 0) ? ((i / 5) % 2 ? -0.0 : 0.0) : (double) ((i * 7) % 11) - 5.0;
	return x;
}

/*
 * Write the len bytes at out, which a writer of src/core returned with status
 * st, as the seed name in dir, and free them; exit if the writer failed.
 */
static void
seed_write_result(const char *program, const char *dir, const char *name, an_status st, uint8_t *out,
				  size_t len)
{
	if (st != AN_OK)
	{
		fprintf(stderr, "%s: %s failed\n", program, name);
		exit(1);
	}
	write_seed(dir, name, out, len);
	an_free(out);
}

/*
 * A model that a fit of src/core returned with status st, written twice: whole
 * as the seed <name>_model in dir, and its bare payload as <name>_payload (for
 * a fuzz target that also hands its input straight to the decoder); then freed.
 * Exits if the fit failed or the envelope does not open.
 */
static void
seed_write_model(const char *program, const char *dir, const char *name, an_status st, uint8_t *model,
				 size_t len)
{
	an_model_header h;
	const uint8_t *payload;
	char		seed[256];

	if (st != AN_OK || an_model_open(model, len, &h, &payload) != AN_OK)
	{
		fprintf(stderr, "%s: could not fit the seed model %s\n", program, name);
		exit(1);
	}
	snprintf(seed, sizeof(seed), "%s_model", name);
	write_seed(dir, seed, model, len);
	snprintf(seed, sizeof(seed), "%s_payload", name);
	write_seed(dir, seed, payload, h.payload_len);
	an_free(model);
}

#endif
