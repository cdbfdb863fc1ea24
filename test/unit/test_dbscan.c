/*
 * test_dbscan.c: the grid and k-d tree back-ends against a brute-force
 * transcription of scikit-learn's DBSCAN (neighbourhoods by <= eps, core by
 * count including the point itself, then depth-first expansion in index
 * order exactly as sklearn/cluster/_dbscan_inner.pyx does it), on random
 * blobs, exact-eps integer lattices, duplicates and contested border points;
 * plus parameter errors, standardisation and the model round trip.
 */
#include "unit.h"

#include "core/dbscan/dbscan.h"
#include "core/model_format.h"

#include <stdint.h>

#include "test_random.h"

/* uniform in [0, 1) (uniform01 is in (0, 1), shifted by half a step: these tests were written on this one) */
static double
urand(void)
{
	return (double) (random_u64() >> 11) / 9007199254740992.0;
}

static double
nrand(void)
{
	double		u = urand() + 1e-300,
				v = urand();

	return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* sklearn's algorithm, O(n^2), as a reference. */
static void
reference_dbscan(const double *x, size_t n, size_t d, double eps, long min_points, int32_t *labels)
{
	uint8_t    *core = calloc(n ? n : 1, 1);
	size_t	   *stack = malloc((n * n + 1) * sizeof(size_t));
	double		eps2 = eps * eps;
	int32_t		label_num = 0;

	for (size_t i = 0; i < n; i++)
	{
		long		c = 0;

		for (size_t j = 0; j < n; j++)
		{
			double		s = 0.0;

			for (size_t k = 0; k < d; k++)
			{
				double		t = x[i * d + k] - x[j * d + k];

				s += t * t;
			}
			c += s <= eps2;
		}
		core[i] = c >= min_points;
		labels[i] = -1;
	}
	for (size_t i0 = 0; i0 < n; i0++)
	{
		size_t		sp = 0,
					i = i0;

		if (labels[i] != -1 || !core[i])
			continue;
		for (;;)
		{
			if (labels[i] == -1)
			{
				labels[i] = label_num;
				if (core[i])
					for (size_t j = 0; j < n; j++)
					{
						double		s = 0.0;

						for (size_t k = 0; k < d; k++)
						{
							double		t = x[i * d + k] - x[j * d + k];

							s += t * t;
						}
						if (s <= eps2 && labels[j] == -1)
							stack[sp++] = j;
					}
			}
			if (sp == 0)
				break;
			i = stack[--sp];
		}
		label_num++;
	}
	free(stack);
	free(core);
}

/* Compare every back-end with the reference; returns the number of clusters. */
static int
check_all(const double *x, size_t n, size_t d, double eps, long min_points)
{
	int32_t    *ref = malloc((n + 1) * sizeof(int32_t));
	int32_t    *got = malloc((n + 1) * sizeof(int32_t));
	int			nclusters = 0;
	an_dbscan_method methods[] = {AN_DBSCAN_AUTO, AN_DBSCAN_GRID, AN_DBSCAN_KDTREE, AN_DBSCAN_BRUTE};

	reference_dbscan(x, n, d, eps, min_points, ref);
	for (size_t i = 0; i < n; i++)
		if (ref[i] + 1 > nclusters)
			nclusters = ref[i] + 1;
	for (int m = 0; m < 4; m++)
	{
		size_t		bad = 0;

		CHECK_EQ_INT(an_dbscan_with(methods[m], x, n, d, eps, min_points, got, NULL), AN_OK);
		for (size_t i = 0; i < n; i++)
			if (got[i] != ref[i])
			{
				if (bad < 3)
					fprintf(stderr, "  method %d d=%zu n=%zu eps=%g mp=%ld: point %zu got %d want %d\n",
							m, d, n, eps, min_points, i, got[i], ref[i]);
				bad++;
			}
		CHECK_EQ_INT(bad, 0);
	}
	free(ref);
	free(got);
	return nclusters;
}

static double *
blobs(size_t n, size_t d, int centres, double spread, double noise_frac)
{
	double	   *x = malloc(n * d * sizeof(double));
	double	   *c = malloc(centres * d * sizeof(double));

	for (int j = 0; j < centres * (int) d; j++)
		c[j] = urand() * 10.0;
	for (size_t i = 0; i < n; i++)
	{
		if (urand() < noise_frac)
			for (size_t k = 0; k < d; k++)
				x[i * d + k] = urand() * 12.0 - 1.0;
		else
		{
			int			j = (int) (urand() * centres);

			for (size_t k = 0; k < d; k++)
				x[i * d + k] = c[j * d + k] + spread * nrand();
		}
	}
	free(c);
	return x;
}

static void
test_random_blobs(void)
{
	size_t		dims[] = {1, 2, 3, 4, 7, 22};

	for (int di = 0; di < 6; di++)
		for (int rep = 0; rep < 4; rep++)
		{
			size_t		d = dims[di],
						n = 300 + 400 * rep;
			double		spread = 0.3 + 0.2 * rep;
			double	   *x = blobs(n, d, 4, spread, 0.1);
			/* typical distance inside a blob: spread * sqrt(2 d) */
			double		eps = spread * sqrt(2.0 * (double) d) * (0.6 + 0.1 * rep);
			long		mp = 3 + 4 * rep;
			int			k = check_all(x, n, d, eps, mp);

			/* the data sets are meant to be non-trivial */
			if (rep < 2)
				CHECK(k >= 1);
			free(x);
		}
}

/* Integer lattices: many pairs at exactly eps (1, sqrt(2), 5 via 3-4-5). */
static void
test_exact_eps(void)
{
	double		x[400 * 3];
	size_t		n = 0;

	for (int i = 0; i < 20; i++)
		for (int j = 0; j < 20; j++)
			if ((i * 7 + j * 3) % 5 != 0)
			{
				x[n * 2] = i;
				x[n * 2 + 1] = j;
				n++;
			}
	check_all(x, n, 2, 1.0, 3);
	check_all(x, n, 2, 1.0, 4);
	check_all(x, n, 2, 1.0, 5);
	check_all(x, n, 2, sqrt(2.0), 5);
	check_all(x, n, 2, 2.0, 9);

	/* 3-4-5 triangles scaled: points at distance exactly 5 */
	n = 0;
	for (int i = 0; i < 12; i++)
		for (int j = 0; j < 12; j++)
			if ((i + 2 * j) % 3 == 0)
			{
				x[n * 2] = 3.0 * i;
				x[n * 2 + 1] = 4.0 * j;
				n++;
			}
	check_all(x, n, 2, 5.0, 2);
	check_all(x, n, 2, 5.0, 3);
	check_all(x, n, 2, 5.0, 4);

	/* 1-D and 3-D lattices */
	n = 0;
	for (int i = 0; i < 60; i++)
		if (i % 7 != 3)
			x[n++] = 0.5 * i;
	check_all(x, n, 1, 0.5, 2);
	check_all(x, n, 1, 0.5, 3);
	check_all(x, n, 1, 1.0, 4);
	n = 0;
	for (int i = 0; i < 7; i++)
		for (int j = 0; j < 7; j++)
			for (int k = 0; k < 7; k++)
				if ((i + j + k) % 4 != 0)
				{
					x[n * 3] = i;
					x[n * 3 + 1] = j;
					x[n * 3 + 2] = k;
					n++;
				}
	check_all(x, n, 3, 1.0, 3);
	check_all(x, n, 3, 1.0, 5);
	check_all(x, n, 3, sqrt(3.0), 10);
}

/*
 * A border point within reach of two clusters: it must go to the cluster
 * with the smaller number (discovered first), whatever its own row position.
 */
static void
test_contested_border(void)
{
	/*
	 * Two groups of four on a line, eps 1, min_points 4.  The point at 2.0
	 * reaches only 1.0 and 3.0 (and itself): it is a border point of both
	 * clusters and must join the one discovered first, wherever it sits.
	 */
	double		x[] = {2.0, 3.0, 3.2, 3.4, 3.6, 1.0, 0.8, 0.6, 0.4};
	double		y[] = {2.0, 1.0, 0.8, 0.6, 0.4, 3.0, 3.2, 3.4, 3.6};
	int32_t		got[9];
	uint8_t		core[9];

	check_all(x, 9, 1, 1.0, 4);
	check_all(y, 9, 1, 1.0, 4);
	CHECK_EQ_INT(an_dbscan(x, 9, 1, 1.0, 4, got, core), AN_OK);
	CHECK_EQ_INT(core[0], 0);
	CHECK_EQ_INT(core[1], 1);
	CHECK_EQ_INT(core[5], 1);
	CHECK_EQ_INT(got[1], 0);	/* the 3.x group is found first */
	CHECK_EQ_INT(got[5], 1);
	CHECK_EQ_INT(got[0], 0);
	CHECK_EQ_INT(an_dbscan(y, 9, 1, 1.0, 4, got, core), AN_OK);
	CHECK_EQ_INT(got[1], 0);	/* now the 1.x group is found first */
	CHECK_EQ_INT(got[5], 1);
	CHECK_EQ_INT(got[0], 0);
	/* the same in 22 dimensions (k-d tree), along the first axis */
	{
		double		z[9 * 22];

		memset(z, 0, sizeof(z));
		for (int i = 0; i < 9; i++)
			z[i * 22] = y[i];
		check_all(z, 9, 22, 1.0, 4);
		CHECK_EQ_INT(an_dbscan(z, 9, 22, 1.0, 4, got, core), AN_OK);
		CHECK_EQ_INT(got[0], 0);
		CHECK_EQ_INT(got[5], 1);
	}
	/* adversarial: many random clusters with min_points large, many borders */
	for (int rep = 0; rep < 6; rep++)
	{
		size_t		n = 800;
		double	   *z = blobs(n, 2, 12, 0.5, 0.05);

		check_all(z, n, 2, 0.35, 8 + rep);
		free(z);
	}
}

static void
test_duplicates_and_edges(void)
{
	double		x[600];
	int32_t		got[300];

	for (int i = 0; i < 300; i++)
	{
		x[2 * i] = (double) (i % 5);
		x[2 * i + 1] = 0.0;
	}
	check_all(x, 300, 2, 0.5, 60);
	check_all(x, 300, 2, 0.5, 61);
	check_all(x, 300, 2, 1.0, 1);
	check_all(x, 300, 2, 1e-300, 2);	/* eps^2 underflows: only duplicates */
	check_all(x, 1, 2, 1.0, 1);
	check_all(x, 1, 2, 1.0, 2);
	CHECK_EQ_INT(an_dbscan(x, 0, 2, 1.0, 1, got, NULL), AN_OK);
	/* tiny eps next to a large extent: the grid falls back to the tree */
	x[0] = 1e12;
	check_all(x, 300, 2, 1e-3, 2);
	/* the largest eps (its square finite): everything within reach */
	check_all(x, 300, 2, AN_DBSCAN_MAX_EPS, 5);
}

static void
test_bad_input(void)
{
	double		x[4] = {0, 1, 2, NAN};
	int32_t		got[4];

	CHECK_EQ_INT(an_dbscan(x, 4, 1, 1.0, 2, got, NULL), AN_ENONFINITE);
	x[3] = INFINITY;
	CHECK_EQ_INT(an_dbscan(x, 4, 1, 1.0, 2, got, NULL), AN_ENONFINITE);
	x[3] = 3;
	CHECK_EQ_INT(an_dbscan(x, 4, 1, 0.0, 2, got, NULL), AN_EINVAL);
	CHECK_EQ_INT(an_dbscan(x, 4, 1, -1.0, 2, got, NULL), AN_EINVAL);
	CHECK_EQ_INT(an_dbscan(x, 4, 1, NAN, 2, got, NULL), AN_EINVAL);
	CHECK_EQ_INT(an_dbscan(x, 4, 1, INFINITY, 2, got, NULL), AN_EINVAL);
	CHECK_EQ_INT(an_dbscan(x, 4, 1, 1.0, 0, got, NULL), AN_EINVAL);
	CHECK_EQ_INT(an_dbscan(x, 4, 0, 1.0, 1, got, NULL), AN_EINVAL);
}

/* eps * eps must be finite: an infinite square made every pair neighbours. */
static void
test_huge_eps(void)
{
	double		x[2] = {0, 1e300};
	int32_t		got[2];
	uint8_t    *blob;
	size_t		len;
	an_model_header h;
	const uint8_t *payload;
	uint8_t    *copy;
	an_dbscan_model m;
	double		eps;

	CHECK(isfinite(AN_DBSCAN_MAX_EPS * AN_DBSCAN_MAX_EPS));
	CHECK(!isfinite(nextafter(AN_DBSCAN_MAX_EPS, INFINITY) * nextafter(AN_DBSCAN_MAX_EPS, INFINITY)));
	CHECK_EQ_INT(an_dbscan_check_params(AN_DBSCAN_MAX_EPS, 1), AN_OK);
	CHECK_EQ_INT(an_dbscan_check_params(nextafter(AN_DBSCAN_MAX_EPS, INFINITY), 1), AN_EINVAL);
	CHECK_EQ_INT(an_dbscan(x, 2, 1, 1e155, 1, got, NULL), AN_EINVAL);
	/* at the bound the two points are still apart: two clusters of one */
	CHECK_EQ_INT(an_dbscan(x, 2, 1, AN_DBSCAN_MAX_EPS, 1, got, NULL), AN_OK);
	CHECK_EQ_INT(got[0], 0);
	CHECK_EQ_INT(got[1], 1);

	/* a stored eps whose square is infinite is refused by the decoder */
	CHECK_EQ_INT(an_dbscan_model_fit(x, 2, 1, 1.0, 1, NULL, NULL, &blob, &len), AN_OK);
	CHECK_EQ_INT(an_model_open(blob, len, &h, &payload), AN_OK);
	copy = malloc(h.payload_len);
	memcpy(copy, payload, h.payload_len);
	CHECK_EQ_INT(an_dbscan_model_decode(copy, h.payload_len, &m), AN_OK);
	an_dbscan_model_free(&m);
	/* the payload starts u32 d, f64 eps (little-endian, as this host) */
	eps = 1e155;
	memcpy(copy + 4, &eps, 8);
	CHECK(an_dbscan_model_decode(copy, h.payload_len, &m) != AN_OK);
	free(copy);
	an_free(blob);
}

static void
test_standardize(void)
{
	double		x[] = {1, 10, 2, 10, 3, 10, 4, 10};
	double		mean[2],
				scale[2];

	CHECK_EQ_INT(an_dbscan_standardize(x, 4, 2, mean, scale), AN_OK);
	CHECK_NEAR(mean[0], 2.5, 1e-15, 0);
	CHECK_NEAR(scale[0], sqrt(1.25), 1e-15, 0);
	CHECK_NEAR(x[0], -1.5 / sqrt(1.25), 1e-15, 0);
	CHECK_NEAR(mean[1], 10.0, 0, 0);
	CHECK_NEAR(scale[1], 1.0, 0, 0);	/* constant column: centred only */
	CHECK_NEAR(x[1], 0.0, 0, 0);
}

static void
test_model_round_trip(void)
{
	size_t		dims[] = {2, 5};

	for (int di = 0; di < 2; di++)
	{
		size_t		d = dims[di],
					n = 1500;
		double	   *x = blobs(n, d, 5, 0.4, 0.1);
		int32_t    *lab = malloc(n * sizeof(int32_t));
		uint8_t    *blob;
		size_t		len;
		an_model_header h;
		const uint8_t *payload;
		an_dbscan_model m;
		size_t		bad = 0;
		double		eps = 0.3 * sqrt((double) d);

		CHECK_EQ_INT(an_dbscan(x, n, d, eps, 6, lab, NULL), AN_OK);
		CHECK_EQ_INT(an_dbscan_model_fit(x, n, d, eps, 6, NULL, NULL, &blob, &len), AN_OK);
		CHECK_EQ_INT(an_model_open(blob, len, &h, &payload), AN_OK);
		CHECK_EQ_INT(h.kind, AN_KIND_DBSCAN);
		CHECK_EQ_INT(an_dbscan_model_decode(payload, h.payload_len, &m), AN_OK);
		/* every training point scores as it was labelled */
		for (size_t i = 0; i < n; i++)
		{
			int32_t		l;

			CHECK_EQ_INT(an_dbscan_model_score(&m, x + i * d, d, &l), AN_OK);
			bad += l != lab[i];
		}
		CHECK_EQ_INT(bad, 0);
		{
			int32_t		l;
			double		far[8] = {1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6};

			CHECK_EQ_INT(an_dbscan_model_score(&m, far, d, &l), AN_OK);
			CHECK_EQ_INT(l, AN_DBSCAN_NOISE);
			CHECK_EQ_INT(an_dbscan_model_score(&m, far, d + 1, &l), AN_EINVAL);
			far[0] = NAN;
			CHECK_EQ_INT(an_dbscan_model_score(&m, far, d, &l), AN_ENONFINITE);
		}
		an_dbscan_model_free(&m);

		/* every truncation and some corruptions of the payload are refused cleanly */
		for (size_t cut = 0; cut < h.payload_len; cut += 1 + cut / 7)
		{
			an_status	st = an_dbscan_model_decode(payload, cut, &m);

			CHECK(st != AN_OK);
			if (st == AN_OK)
				an_dbscan_model_free(&m);
		}
		for (size_t pos = 0; pos < 40 && pos < h.payload_len; pos++)
		{
			uint8_t    *copy = malloc(h.payload_len);

			memcpy(copy, payload, h.payload_len);
			copy[pos] ^= 0xFF;
			if (an_dbscan_model_decode(copy, h.payload_len, &m) == AN_OK)
				an_dbscan_model_free(&m);
			free(copy);
		}
		an_free(blob);
		free(lab);
		free(x);
	}
}

/* A model fitted on standardised data applies the scaling to new points. */
static void
test_model_scaled(void)
{
	double		x[200 * 2];
	double		mean[2],
				scale[2];
	uint8_t    *blob;
	size_t		len;
	an_model_header h;
	const uint8_t *payload;
	an_dbscan_model m;
	int32_t		l;
	double		q[2] = {50.0, 5000.0};

	for (int i = 0; i < 200; i++)
	{
		x[2 * i] = 50.0 + nrand();
		x[2 * i + 1] = 5000.0 + 100.0 * nrand();
	}
	CHECK_EQ_INT(an_dbscan_standardize(x, 200, 2, mean, scale), AN_OK);
	CHECK_EQ_INT(an_dbscan_model_fit(x, 200, 2, 0.5, 5, mean, scale, &blob, &len), AN_OK);
	CHECK_EQ_INT(an_model_open(blob, len, &h, &payload), AN_OK);
	CHECK_EQ_INT(an_dbscan_model_decode(payload, h.payload_len, &m), AN_OK);
	CHECK(m.scaled);
	CHECK_EQ_INT(an_dbscan_model_score(&m, q, 2, &l), AN_OK);
	CHECK_EQ_INT(l, 0);
	q[1] = 6000.0;				/* 10 sd away in the second feature */
	CHECK_EQ_INT(an_dbscan_model_score(&m, q, 2, &l), AN_OK);
	CHECK_EQ_INT(l, AN_DBSCAN_NOISE);
	an_dbscan_model_free(&m);
	an_free(blob);
}

/* Labels and core flags of the BLAS brute force and of auto equal the k-d tree's. */
static void
same_as_kdtree(const double *x, size_t n, size_t d, double eps, long mp)
{
	int32_t    *want = malloc(n * sizeof(int32_t)),
			   *got = malloc(n * sizeof(int32_t));
	uint8_t    *want_core = malloc(n),
			   *got_core = malloc(n);
	an_dbscan_method methods[] = {AN_DBSCAN_BRUTE, AN_DBSCAN_AUTO};

	CHECK_EQ_INT(an_dbscan_with(AN_DBSCAN_KDTREE, x, n, d, eps, mp, want, want_core), AN_OK);
	for (int m = 0; m < 2; m++)
	{
		size_t		bad = 0;

		CHECK_EQ_INT(an_dbscan_with(methods[m], x, n, d, eps, mp, got, got_core), AN_OK);
		for (size_t i = 0; i < n; i++)
			if (got[i] != want[i] || got_core[i] != want_core[i])
			{
				if (bad < 3)
					fprintf(stderr, "  method %d d=%zu n=%zu eps=%.17g mp=%ld: point %zu got %d/%d want %d/%d\n",
							(int) methods[m], d, n, eps, mp, i, got[i], got_core[i], want[i], want_core[i]);
				bad++;
			}
		CHECK_EQ_INT(bad, 0);
	}
	free(want);
	free(got);
	free(want_core);
	free(got_core);
}

/*
 * The brute-force back-end against the k-d tree in several dimensions, over
 * more points than one tile (64 x 2048): uniform data (mostly noise), blobs,
 * integer lattices (many pairs at exactly eps), pairs placed at eps * (1 +
 * tiny) either side, and a large offset (the filter's error bound grows with
 * the norms).
 */
static void
test_brute_vs_kdtree(void)
{
	size_t		dims[] = {4, 6, 12, 22, 40};

	for (int di = 0; di < 5; di++)
	{
		size_t		d = dims[di],
					n = 4500;
		double	   *x = malloc(n * d * sizeof(double));
		/* nearest-neighbour distance in [0, 1)^d for n points is roughly (1/n)^(1/d) * sqrt(d/(2 pi e)) */
		double		nn = pow(1.0 / (double) n, 1.0 / (double) d) * sqrt((double) d / 17.08);

		for (size_t i = 0; i < n * d; i++)
			x[i] = urand();
		same_as_kdtree(x, n, d, nn * 0.7, 20);
		same_as_kdtree(x, n, d, nn * 1.2, 3);
		same_as_kdtree(x, n, d, nn * 2.0, 5);
		same_as_kdtree(x, n, d, nn * 2.0, 1);

		/* near-ties: each odd point at eps * (1 + k ulp-ish) from the even one before it */
		for (size_t i = 1; i < n; i += 2)
		{
			double		eps = nn,
						norm = 0.0,
						f;
			double	   *a = x + (i - 1) * d,
					   *b = x + i * d;

			for (size_t k = 0; k < d; k++)
			{
				b[k] = nrand();
				norm += b[k] * b[k];
			}
			f = eps * (1.0 + (double) ((int) (i % 7) - 3) * 0x1p-52) / sqrt(norm);
			for (size_t k = 0; k < d; k++)
				b[k] = a[k] + b[k] * f;
		}
		same_as_kdtree(x, n, d, nn, 2);
		same_as_kdtree(x, n, d, nn, 3);
		/* the same, far from the origin */
		for (size_t i = 0; i < n * d; i++)
			x[i] += 1e6;
		same_as_kdtree(x, n, d, nn, 2);
		for (size_t i = 0; i < n * d; i++)
			x[i] = x[i] * 1e-200;
		same_as_kdtree(x, n, d, nn * 1e-200, 2);	/* below the filter's range: falls back to the tree */

		/* integer lattice points: distances 1, sqrt(2), ... exactly */
		for (size_t i = 0; i < n * d; i++)
			x[i] = (double) (int) (urand() * 3.0);
		same_as_kdtree(x, n, d, 1.0, 2);
		same_as_kdtree(x, n, d, sqrt(2.0), 4);
		same_as_kdtree(x, n, d, 2.0, 30);
		free(x);

		x = blobs(n, d, 5, 0.4, 0.2);
		same_as_kdtree(x, n, d, 0.4 * sqrt(2.0 * (double) d) * 0.7, 10);
		free(x);
	}
}

int
main(void)
{
	RUN(test_random_blobs);
	RUN(test_exact_eps);
	RUN(test_brute_vs_kdtree);
	RUN(test_contested_border);
	RUN(test_duplicates_and_edges);
	RUN(test_bad_input);
	RUN(test_huge_eps);
	RUN(test_standardize);
	RUN(test_model_round_trip);
	RUN(test_model_scaled);
	UNIT_EXIT();
}
