/*
 * discords.h: the top-k discords of a series: the windows farthest from
 * their nearest non-trivial neighbour (the largest values of the matrix
 * profile, matrix_profile.h).
 *
 * The discords do not overlap: the first is the window with the largest
 * profile value (the earliest on a tie), each next one the largest among the
 * windows that overlap none of the earlier ones, |i - j| >= w.  That is
 * wider than the self-join's exclusion zone (ceil(w/4)) on purpose: the
 * windows around a discord, shifted by a few points, are nearly as far from
 * everything as the discord itself, and would otherwise fill the top k with
 * one anomaly.  Fewer than k discords come back when the series has no room
 * for more.
 */
#ifndef ANOMALY_DISCORDS_H
#define ANOMALY_DISCORDS_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

typedef struct an_discord
{
	size_t		index;			/* start of the window, 0-based */
	size_t		neighbor;		/* start of its nearest non-trivial neighbour */
	double		distance;		/* z-normalised Euclidean distance to it */
} an_discord;

/*
 * Up to k discords of x[0 .. n-1] for window w into out[0 .. *found-1], by
 * rank; out must have room for min(k, n - w + 1).  Errors as
 * an_matrix_profile; k == 0 is AN_EINVAL.
 */
an_status	an_discords(const double *x, size_t n, size_t w, size_t k,
						an_discord *out, size_t *found, size_t *bad);

#endif
