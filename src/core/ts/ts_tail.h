/*
 * ts_tail.h: a band edge from the tail of out-of-sample residuals, by peaks
 * over threshold (POT) and a generalised Pareto fit, as in SPOT (Siffer,
 * Fouque, Termier, Largouet, "Anomaly detection in streams with extreme
 * value theory", KDD 2017).
 *
 * For one side of the band, with d_1..d_n the residuals seen from that side
 * (r for the upper edge, -r for the lower one):
 *   t      the POT threshold, the empirical quantile 1 - p of d, where
 *          p = min(AN_TAIL_PEAK_FRACTION, AN_TAIL_MAX_PEAKS / n);
 *   peaks  y = d - t for every d > t (k of them);
 *   GPD    P(Y > y) = (1 + xi y / sigma)^(-1 / xi) (xi = 0: exp(-y / sigma)),
 *          (xi, sigma) by maximum likelihood with Grimshaw's reduction to one
 *          equation in x = xi / sigma, all its roots searched in
 *          (-1 / max y, 0) and (0, 2 (mean y - min y) / (min y)^2], plus the
 *          exponential x = 0; the largest likelihood wins.  When no
 *          candidate has a finite likelihood, the method of moments:
 *          xi = (1 - m^2 / s^2) / 2, sigma = m (1 + m^2 / s^2) / 2;
 *   edge   z_q = t + sigma / xi ((q n / k)^(-xi) - 1)  (xi = 0: t - sigma log(q n / k)),
 *          the deviation exceeded with probability q.
 * The fit quality is the Kolmogorov-Smirnov distance between the peaks and
 * the fitted GPD.
 */
#ifndef ANOMALY_TS_TAIL_H
#define ANOMALY_TS_TAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "core/model_format.h"

/* The POT threshold leaves this fraction of the residuals above it (SPOT's 98 % quantile)... */
#define AN_TAIL_PEAK_FRACTION 0.02
/* ...and at most this many peaks, so that a fit on many points stays cheap. */
#define AN_TAIL_MAX_PEAKS 10000
/* A GPD fit needs at least this many peaks on each side; with fewer, the fallback band. */
#define AN_TAIL_MIN_PEAKS 10
/* Residuals in a tail fit: beyond, every ceil(n / this)-th point (and in-sample ones for the seasonal kind). */
#define AN_TAIL_MAX_RESIDUALS 1000000
/* The largest false_alarm_rate: a side's rate must stay below the fraction of peaks. */
#define AN_TAIL_MAX_RATE 0.02

typedef enum an_gpd_method
{
	AN_GPD_NONE = 0,
	AN_GPD_ML = 1,				/* maximum likelihood, Grimshaw */
	AN_GPD_MOMENTS = 2			/* method of moments (fallback) */
} an_gpd_method;

/* One side of a tail band. */
typedef struct an_ts_tail_side
{
	an_gpd_method method;
	uint32_t	npeaks;
	double		threshold;		/* t, a deviation from the expected value */
	double		xi;
	double		sigma;
	double		ks;				/* fit quality: Kolmogorov-Smirnov distance, 0 = perfect */
	double		edge;			/* z_q: the band's half-width on this side */
} an_ts_tail_side;

typedef enum an_ts_tail_status
{
	AN_TAIL_UNUSED = 0,			/* the band comes from threshold or confidence */
	AN_TAIL_FITTED = 1,			/* both edges from the GPD fits */
	AN_TAIL_TOO_FEW = 2			/* too few points: the fallback band (threshold 3) */
} an_ts_tail_status;

typedef struct an_ts_tail
{
	an_ts_tail_status status;
	double		rate;			/* false_alarm_rate asked for (0 when unused) */
	bool		out_of_sample;	/* residuals from fits that did not see them */
	uint64_t	nresiduals;		/* residuals in the tail fit */
	uint64_t	excluded;		/* rows left out as past incidents */
	an_ts_tail_side low;
	an_ts_tail_side high;
} an_ts_tail;

/*
 * GPD fit of the peaks y[0..k) (all > 0).  Returns the method used
 * (AN_GPD_NONE if k < 2 or nothing is finite).
 */
an_gpd_method an_gpd_fit(const double *y, size_t k, double *xi, double *sigma);

/* Log-likelihood of the peaks under GPD(xi, sigma) (-inf outside the support). */
double		an_gpd_loglik(const double *y, size_t k, double xi, double sigma);

/* z_q for threshold t, GPD(xi, sigma), n observations of which k are peaks. */
double		an_gpd_quantile(double t, double xi, double sigma, double n, double k, double q);

/*
 * Fit one side: d[0..n) the residuals seen from that side (reordered), q the
 * side's rate.  AN_OK with out->method AN_GPD_NONE when there are fewer than
 * AN_TAIL_MIN_PEAKS peaks.
 */
an_status	an_ts_tail_fit_side(double *d, size_t n, double q, an_ts_tail_side *out);

/*
 * Past incidents: the rows of r[0..n) beyond Tukey's far-out fences of a
 * robust first pass, q25 - AN_TAIL_EXCLUDE_IQR * IQR and q75 +
 * AN_TAIL_EXCLUDE_IQR * IQR (quartiles of r), are moved past the kept ones:
 * returns how many are kept (r[0..kept)).  scratch holds n doubles.
 */
#define AN_TAIL_EXCLUDE_IQR 3.0
size_t		an_ts_tail_exclude(double *r, size_t n, double *scratch);

/*
 * Both sides from the residuals r[0..n) (reordered; scratch n doubles):
 * leaves past incidents out when exclude, then fits each side at rate / 2
 * (at the whole rate when direction, an an_ts_direction, is one-sided).
 */
an_status	an_ts_tail_fit(double *r, size_t n, double *scratch, double rate, int direction,
						   bool exclude, bool out_of_sample, an_ts_tail *out);

/* The tail block of a payload (format version 2 on). */
void		an_ts_tail_write(an_writer *w, const an_ts_tail *t);
void		an_ts_tail_read(an_reader *r, an_ts_tail *t);
/* The format version of a model with this tail: 2 when it has a tail block. */
int			an_ts_tail_format_version(const an_ts_tail *t);

/* ts_model_info's members ", \"false_alarm_rate\": ..., \"tail\": {...}" into buf ("" when unused). */
void		an_ts_tail_json(const an_ts_tail *t, char *buf, size_t cap);

#endif
