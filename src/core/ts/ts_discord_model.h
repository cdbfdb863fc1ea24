/*
 * ts_discord_model.h: the discord component of the time-series models
 * (format version 4, option "discord"): the last training rows themselves,
 * so that ts_anomaly can give each window of w rows its distance to the
 * nearest of ALL those rows' windows (the plain discord of ts_discord.h,
 * an exact AB-join), where the shape component (ts_shape.h) compares it
 * with at most AN_SHAPE_MAX_REFS sampled reference windows.
 *
 * Kept: the last min(n, rows) training points in time order (rows the
 * option "discord_rows", default AN_DISCORD_DEFAULT_ROWS, at most
 * AN_DISCORD_MAX_ROWS: 16 bytes a row, 256 KiB by default), their
 * normalising floor (an_ts_discord_floor) and the edge of normal from their
 * self-join (an_ts_discord_edge: each window's nearest window that does not
 * overlap it, the shape component's quantile rule).  w is the shape
 * component's window, so a model has a discord block only beside a shape
 * block; too few rows for the edge (fewer than 2w) give none.
 *
 *   discord_score = distance / edge        (1: the edge of normal)
 *
 * Scoring (an_ts_discord_stream): the rows of one series pushed in time
 * order; each new window's centred products with every kept window follow
 * from the previous window's by the O(1) diagonal update of the joins
 * (C(i+1, j+1) = C(i, j) + df_a[i] dg_b[j] + df_b[j] dg_a[i], mp_join.h),
 * so a row costs O(m) for m kept windows, and the first window after a
 * (re)start O(m w).  The distances are those of an_ts_discord_join over the
 * same rows (test/unit/test_ts_discord_model.c).  Windows of the kept rows
 * that overlap the scored window in time (a row of both) are skipped, so
 * that scoring the training rows themselves does not find each window at
 * distance 0; with none left the distance is NAN.
 *
 * Block (after the shape block, format version 4):
 *   u32 w, u32 n, f64 floor, f64 edge, i64 ts[n] (non-decreasing), f64 x[n]
 */
#ifndef ANOMALY_TS_DISCORD_MODEL_H
#define ANOMALY_TS_DISCORD_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "core/model_format.h"
#include "core/ts/ts_discord.h"

#define AN_DISCORD_DEFAULT_ROWS 16384
#define AN_DISCORD_MIN_ROWS 64
#define AN_DISCORD_MAX_ROWS 65536

typedef struct an_ts_discord_model
{
	uint32_t	w;
	uint32_t	n;
	double		floor;
	double		edge;
	int64_t    *ts;				/* n */
	double	   *x;				/* n */
} an_ts_discord_model;

/*
 * From the sorted points pts[0..n): the last min(n, rows) of them, window
 * w.  AN_OK with *out == NULL when they cannot calibrate an edge (fewer
 * than 2w rows).
 */
an_status	an_ts_discord_model_fit(const an_point *pts, size_t n, size_t w, size_t rows,
									an_ts_discord_model **out);
void		an_ts_discord_model_write(an_writer *wr, const an_ts_discord_model *d);
/* Read a block (one allocation; free with an_ts_discord_model_free). */
void		an_ts_discord_model_read(an_reader *r, an_ts_discord_model **out);
void		an_ts_discord_model_free(an_ts_discord_model *d);
/* ", \"discord\": {...}" into buf */
void		an_ts_discord_model_json(const an_ts_discord_model *d, char *buf, size_t cap);

/* Scoring one series against a discord block. */
typedef struct an_ts_discord_stream
{
	const an_ts_discord_model *d;
	an_ts_discord_side side;	/* the kept rows' windows */
	size_t		w;
	double	   *ring;			/* 2w: the last w values minus base, ring[pos .. pos + w) */
	int64_t    *tring;			/* 2w: their timestamps */
	double	   *c;				/* m: centred products of the current window with each kept window */
	double	   *next;			/* m: the next row's */
	size_t		pos;
	size_t		count;			/* rows since the (re)start */
	size_t		run;			/* equal values in a row, for constant windows */
	double		base;			/* the first value since the (re)start */
	double		last;			/* the previous value */
	double		mu;				/* the current window's mean (of the shifted values) */
} an_ts_discord_stream;

/* Buffers with an_alloc (about 11 doubles a kept row); AN_ENOMEM. */
an_status	an_ts_discord_stream_init(an_ts_discord_stream *s, const an_ts_discord_model *d);
void		an_ts_discord_stream_free(an_ts_discord_stream *s);
/* Start again (a break in the series): the next window is w rows away. */
void		an_ts_discord_stream_reset(an_ts_discord_stream *s);
/*
 * The next row (finite value, ts not before the previous one's): the
 * distance of the window of the last w rows to its nearest kept window
 * that does not overlap it in time; NAN before w rows or with no such
 * window.
 */
double		an_ts_discord_stream_push(an_ts_discord_stream *s, int64_t ts, double value);

#endif
