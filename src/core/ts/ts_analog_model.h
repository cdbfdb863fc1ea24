/*
 * ts_analog_model.h: the analog component of the time-series models (format
 * version 5, option "analog"): the method of analogues (ts_analog.h) on the
 * discord block's kept rows, so that ts_anomaly can score whether a row
 * follows from the rows before it (a break of the dynamics: a chaotic
 * series spliced, a sensor whose rhythm changes while its shape and level
 * stay in the band).
 *
 * The block holds the parameters and the calibration only (about 48 bytes):
 * the rows are the discord block's (the last AN_ANALOG_BUDGET of them), so a
 * model has an analog block only beside a discord block, and the search
 * index is built again from those rows when a series is scored
 * (an_ts_analog_restore).  The parameters are those measured on the
 * development corpus (docs/accuracy.md, "Dynamics with lookahead"): dim
 * AN_ANALOG_MODEL_DIM, k AN_ANALOG_MODEL_K nearest neighbours and their mean,
 * absolute coordinates, the delay the first lag at which the training
 * values' autocorrelation falls below AN_ANALOG_MODEL_ACF_LEVEL.
 *
 *   analog_score = |value - prediction| / edge      (1: the edge of normal)
 *
 * The block is written whenever the rows calibrate the analogues, but they
 * score only where they predict better than the last value does (skill < 1,
 * an_ts_analog_model_used): ts_model_info shows the skill either way.
 *
 * Block (after the discord block, format version 5):
 *   u32 dim, u32 lag, u32 k, u32 flags (0), f64 edge, f64 reach, f64 skill
 */
#ifndef ANOMALY_TS_ANALOG_MODEL_H
#define ANOMALY_TS_ANALOG_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "core/model_format.h"

#define AN_ANALOG_MODEL_DIM 4
#define AN_ANALOG_MODEL_K 8
#define AN_ANALOG_MODEL_ACF_LEVEL 0.5

typedef struct an_ts_analog_model
{
	uint32_t	dim;
	uint32_t	lag;
	uint32_t	k;
	double		edge;
	double		reach;
	double		skill;
} an_ts_analog_model;

/*
 * Fit on the rows ts[0..n), x[0..n) (time order, finite: the discord
 * block's), with the delay lag (an_ts_analog_lag of the training values).
 * AN_OK with *out == NULL when they cannot calibrate the analogues (too few
 * usable targets, no leave-one-out prediction, nothing to predict).
 */
an_status	an_ts_analog_model_fit(const int64_t *ts, const double *x, size_t n, int64_t interval_us,
								   size_t lag, an_ts_analog_model **out);
void		an_ts_analog_model_write(an_writer *wr, const an_ts_analog_model *am);
/* Read a block (one allocation; free with an_ts_analog_model_free). */
void		an_ts_analog_model_read(an_reader *r, an_ts_analog_model **out);
void		an_ts_analog_model_free(an_ts_analog_model *am);
/* rows a prediction reads before the predicted one: (dim - 1) lag + 1 */
size_t		an_ts_analog_model_span(const an_ts_analog_model *am);
/* whether the analogues score: they predict better than the last value (skill < 1) */
bool		an_ts_analog_model_used(const an_ts_analog_model *am);
/* ", \"analog\": {...}" into buf */
void		an_ts_analog_model_json(const an_ts_analog_model *am, char *buf, size_t cap);

#endif
