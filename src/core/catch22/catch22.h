/*
 * catch22.h: the catch22 / catch24 time-series features (Lubba et al., 2019).
 *
 * Implemented from the prose specification in shared/spec/catch22.md (not
 * from the GPL reference code).  Outputs reproduce the reference v0.5.0
 * within 1e-9 relative (integer-valued features exactly) when the core is
 * compiled with -ffp-contract=off, as the Makefile does.
 *
 * Output order is the spec's table in section 1.1 (the featureList.txt
 * order): 22 features of the z-scored series, then the mean and the sample
 * standard deviation of the raw series (catch24).
 */
#ifndef ANOMALY_CATCH22_H
#define ANOMALY_CATCH22_H

#include <stddef.h>

#include "core/core.h"

#define AN_CATCH22_COUNT 22
#define AN_CATCH24_COUNT 24
#define AN_CATCH22_MIN_N 3
/* Working memory is at most about 220 bytes per point; this keeps it under 1 GB. */
#define AN_CATCH22_MAX_N 4000000

/* Full names (DN_HistogramMode_5, ...) and short names (mode_5, ...), 24 each. */
extern const char *const an_catch22_names[AN_CATCH24_COUNT];
extern const char *const an_catch22_short_names[AN_CATCH24_COUNT];

/*
 * Computes all 24 outputs of y[0..n-1] into out[0..23] (callers wanting
 * catch22 use the first 22).
 *
 * Returns AN_EINVAL if n < AN_CATCH22_MIN_N, AN_ETOOMANY if n >
 * AN_CATCH22_MAX_N, AN_ENONFINITE if some y[i] is NaN or infinite (then
 * *bad_index, if not NULL, is its index), AN_ENOMEM if memory runs out.
 *
 * A constant series (every y[i] equal to y[0]) has no z-score: outputs
 * 0..21 are NaN, out[22] = y[0] and out[23] = 0.  The same NaN outputs are
 * given when the spread of finite values underflows or overflows double
 * precision so that the z-score is not finite.
 */
an_status	an_catch22(const double *y, size_t n, double out[AN_CATCH24_COUNT], size_t *bad_index);

/*
 * FFT twiddle tables can be kept across calls (for example for all the
 * groups of one aggregate query): tables made for length n serve every
 * series of length <= n with identical results.  an_catch22_tables_new
 * returns NULL when memory runs out or n is out of range.
 */
typedef struct an_catch22_tables an_catch22_tables;

an_catch22_tables *an_catch22_tables_new(size_t n);
int			an_catch22_tables_fit(const an_catch22_tables *tables, size_t n);
void		an_catch22_tables_free(an_catch22_tables *tables);

/* an_catch22 with tables from an_catch22_tables_new (NULL: build them for this call). */
an_status	an_catch22_with_tables(const double *y, size_t n, const an_catch22_tables *tables,
								   double out[AN_CATCH24_COUNT], size_t *bad_index);

#endif
