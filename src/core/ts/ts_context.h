/*
 * ts_context.h: scoring rows with their context (ts_anomaly): the rows of
 * one series pushed in time order, each scored by
 *   point_score  ts_score's score of the row alone;
 *   shape_score  the window of the last w rows against the model's shape
 *                component (ts_shape.h), NAN when there is none: no shape
 *                component, fewer than w rows since the series started or
 *                since the last break (a step longer than AN_SHAPE_MAX_STEP
 *                sampling intervals, or a non-finite value); with a
 *                discord component (ts_discord_model.h), the larger of that
 *                and the window's discord score (distance / edge) (together
 *                the window score); with an analog component that is used
 *                (ts_analog_model.h), the larger of that and the row's analog
 *                score, |value - prediction| / edge, the prediction from the
 *                span rows before it (NAN with fewer since the series
 *                started or since a break: a step longer than
 *                AN_ANALOG_MAX_STEP intervals or a non-finite value);
 *   shift_score  sustained shifts: two-sided CUSUMs of the standardised
 *                residual z = (value - expected) / sigma (sigma of the
 *                side, z clipped to +-AN_SHIFT_CLIP so that one outlier
 *                cannot raise it alone):
 *                  level  S+ = max(0, S+ + z - AN_SHIFT_K), S- likewise for -z,
 *                         score max(S+, S-) / AN_SHIFT_H;
 *                  spread V = max(0, V + z^2 - 1 - AN_SHIFT_KV), score V / AN_SHIFT_HV;
 *                shift_score is the larger (direction "up" / "down" keeps
 *                S+ / S- only).  With k = 1 and h = 10 a sustained level
 *                shift of d sigma (d > 1) crosses 1 after about h / (d - k)
 *                rows: 10 rows for two sigma, 5 for three; a shift of one
 *                sigma or less is left to the variance CUSUM and the band.
 *                (k = 0.5, h = 5, which reacts to one sigma, flagged normal
 *                rows of autocorrelated series: docs/accuracy.md.)
 *   score        max(point_score, shape_score) (a NAN shape ignored), so 1 is
 *                the edge of normal for each part and for the whole;
 *   is_anomaly   score > 1.
 * shift_score is reported beside score, not folded into it: in the max it
 * cut the development corpus's mean AP from 0.279 to 0.210 (series whose
 * test level drifts away from training keep it above 1 for thousands of
 * rows, docs/accuracy.md); alert on shift_score > 1 separately.
 * The CUSUMs carry across gaps (missing rows are not evidence of a shift).
 */
#ifndef ANOMALY_TS_CONTEXT_H
#define ANOMALY_TS_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/ts/ts_analog.h"
#include "core/ts/ts_discord_model.h"
#include "core/ts/ts_model.h"

#define AN_SHIFT_K 1.0
#define AN_SHIFT_H 10.0
#define AN_SHIFT_KV 3.0
#define AN_SHIFT_HV 30.0
#define AN_SHIFT_CLIP 3.0

typedef struct an_ts_context
{
	const an_ts_model *m;
	size_t		w;				/* 0: no shape component */
	double	   *ring;			/* 2w: the last w values are ring[pos .. pos + w) */
	double	   *scratch;		/* w + k */
	an_ts_discord_stream *discord;	/* the model has a discord component */
	an_ts_analog *analog;		/* the model has an analog component that is used */
	size_t		span;			/* its span, 0: none */
	double	   *past;			/* 2 span: the last span values are past[apos .. apos + span) */
	size_t		apos;
	size_t		acount;			/* rows since the analogues' last break */
	size_t		pos;
	size_t		count;			/* rows since the last break */
	bool		have_last;
	int64_t		last_ts;
	double		up,
				down,
				var;
} an_ts_context;

typedef struct an_ts_anomaly
{
	an_ts_detection point;		/* ts_detect's fields (point.score is point_score) */
	double		shape_score;	/* NAN: none; the larger of the two below */
	double		window_score;	/* the window's shape or discord score, NAN: none */
	double		analog_score;	/* the row's analog score, NAN: none */
	double		shift_score;
	double		score;
	bool		is_anomaly;
} an_ts_anomaly;

/* Buffers with an_alloc; AN_ENOMEM if they cannot be had. */
an_status	an_ts_context_init(an_ts_context *c, const an_ts_model *m);
void		an_ts_context_free(an_ts_context *c);
/* Start the series again (CUSUMs at 0, no rows). */
void		an_ts_context_reset(an_ts_context *c);
/* The next row (ts not before the previous one's: the caller checks). */
void		an_ts_context_push(an_ts_context *c, int64_t ts, double value, an_ts_anomaly *out);

/* Rows after a row that its lookahead reads (ts_lookahead.h): span + 1 with analogues, else 0. */
size_t		an_ts_context_ahead(const an_ts_context *c);

/* The sigma that standardises a residual r (of the side of r). */
double		an_ts_model_sigma(const an_ts_model *m, double r);

#endif
