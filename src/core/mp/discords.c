/*
 * discords.c: top-k non-overlapping discords from the matrix profile.
 */
#include "core/mp/discords.h"

#include "core/mp/matrix_profile.h"

an_status
an_discords(const double *x, size_t n, size_t w, size_t k, an_discord *out, size_t *found, size_t *bad)
{
	double	   *dist;
	int64_t    *nn;
	size_t		m;
	an_status	st;

	*found = 0;
	if (k == 0 || out == NULL || w < AN_MP_MIN_WINDOW || w > n / 2)
		return AN_EINVAL;
	if (n > AN_MP_MAX_N)
		return AN_ETOOMANY;
	m = n - w + 1;
	dist = an_alloc_array(m, sizeof(double));
	nn = an_alloc_array(m, sizeof(int64_t));
	if (!AN_ALL_ALLOCATED(dist, nn))
		return AN_ENOMEM;
	st = an_matrix_profile(x, n, w, dist, nn, bad);
	if (st == AN_OK)
	{
		/*
		 * Each pick is a pass over the profile; a pick blocks w windows on
		 * either side (by setting their distance to -1), so there are at most
		 * m / w + 1 picks whatever k is.
		 */
		while (*found < k)
		{
			size_t		top = m;
			double		top_d = -1.0;

			/* a pass is O(m); a large k with a short window makes many (m / w) */
			an_check_interrupts();
			for (size_t i = 0; i < m; i++)
				if (dist[i] > top_d && nn[i] >= 0)
				{
					top = i;
					top_d = dist[i];
				}
			if (top == m)
				break;
			out[*found].index = top;
			out[*found].neighbor = (size_t) nn[top];
			out[*found].distance = top_d;
			(*found)++;
			for (size_t i = top >= w - 1 ? top - (w - 1) : 0; i < m && i < top + w; i++)
				dist[i] = -1.0;
		}
	}
	an_free(dist);
	an_free(nn);
	return st;
}
