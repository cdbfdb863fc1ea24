/*
 * core_bench.c: src/core's multivariate model without PostgreSQL: fits
 * models of n 5-D points and scores vectors against them, to separate the
 * algorithm's cost from the SQL executor's (built and run by bench.sh).
 *
 *   mv_core_bench [models [points [vectors [method]]]]     default 20 10000 10000000 gaussian
 *   (method gaussian, pca or gmm)
 *
 * Data: per model a correlated Gaussian (fixed seed) with 2 % of the points
 * moved far away; the vectors are drawn from the same models, one model
 * after another (as a join sorted by model would score them).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/model_format.h"
#include "core/mv/mv.h"

#define TEST_RANDOM_SEED 16
#include "../../unit/test_random.h"

#define D 5

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void
draw(const double *mix, const double *centre, double *out)
{
	double		z[D];

	for (int k = 0; k < D; k++)
		z[k] = gauss();
	for (int i = 0; i < D; i++)
	{
		out[i] = centre[i];
		for (int k = 0; k < D; k++)
			out[i] += mix[i * D + k] * z[k];
		if (uniform01() < 0.02 / D)
			out[i] += 10 * gauss();
	}
}

int
main(int argc, char **argv)
{
	size_t		models = argc > 1 ? strtoul(argv[1], NULL, 10) : 20,
				n = argc > 2 ? strtoul(argv[2], NULL, 10) : 10000,
				vectors = argc > 3 ? strtoul(argv[3], NULL, 10) : 10000000;
	double	   *mix = malloc(sizeof(double) * models * D * D),
			   *centre = malloc(sizeof(double) * models * D),
			   *x = malloc(sizeof(double) * n * D),
			   *v = malloc(sizeof(double) * 4096 * D);
	an_mv_model *m = calloc(models, sizeof(an_mv_model));
	an_mv_options o;
	double		t_fit = 0,
				t_score = 0,
				sum = 0,
				work[2 * D];
	size_t		flagged = 0;

	an_mv_options_default(&o);
	if (argc > 4)
		o.method = strcmp(argv[4], "gmm") == 0 ? AN_MV_GMM : strcmp(argv[4], "pca") == 0 ? AN_MV_PCA : AN_MV_GAUSSIAN;
	for (size_t j = 0; j < models; j++)
	{
		uint8_t    *bytes;
		size_t		len;
		an_model_header h;
		const uint8_t *payload;
		double		t0;

		for (int i = 0; i < D * D; i++)
			mix[j * D * D + i] = gauss() * 0.5 + (i % (D + 1) == 0);
		for (int i = 0; i < D; i++)
			centre[j * D + i] = uniform01() * 100;
		for (size_t i = 0; i < n; i++)
			draw(mix + j * D * D, centre + j * D, x + i * D);
		t0 = now();
		if (an_mv_fit(x, n, D, &o, &bytes, &len, NULL) != AN_OK ||
			an_model_open(bytes, len, &h, &payload) != AN_OK ||
			an_mv_model_decode(payload, h.payload_len, &m[j]) != AN_OK)
		{
			fprintf(stderr, "fit failed\n");
			return 1;
		}
		t_fit += now() - t0;
		an_free(bytes);
	}
	for (size_t done = 0, j = 0; done < vectors; j = (j + 1) % models)
	{
		size_t		batch = vectors / models + 1;

		while (batch > 0 && done < vectors)
		{
			size_t		b = batch < 4096 ? batch : 4096;
			double		t0;

			if (b > vectors - done)
				b = vectors - done;
			for (size_t i = 0; i < b; i++)
				draw(mix + j * D * D, centre + j * D, v + i * D);
			t0 = now();
			for (size_t i = 0; i < b; i++)
			{
				an_mv_result r;

				an_mv_score(&m[j], v + i * D, D, work, &r, NULL);
				sum += r.score;
				flagged += r.is_anomaly;
			}
			t_score += now() - t0;
			done += b;
			batch -= b;
		}
	}
	printf("core  %s fit   %zu models x %zu points x %d dims: %.3f s/model, %.0f rows/s\n",
		   an_mv_method_name(o.method), models, n, D, t_fit / models, models * n / t_fit);
	printf("core  %s score %zu vectors: %.0f vectors/s (%.1f ns each), %.2f %% flagged (checksum %.6g)\n",
		   an_mv_method_name(o.method), vectors, vectors / t_score, 1e9 * t_score / vectors, 100.0 * flagged / vectors, sum);
	for (size_t j = 0; j < models; j++)
		an_mv_model_free(&m[j]);
	free(m);
	free(mix);
	free(centre);
	free(x);
	free(v);
	return 0;
}
