/*
 * ts_anomaly.c: ts_anomaly(model, ts, value) OVER (PARTITION BY series
 * ORDER BY ts), a window function scoring each row with its context
 * (core/ts/ts_context.h): the decoded model, the last w values and the
 * CUSUMs live in the partition's local memory, and the rows are pushed in
 * the partition's order.  Should the executor ask for a row out of turn, the
 * context is rebuilt from the partition's first row.  ts_anomaly_score(...)
 * OVER (...) is the same call giving only the score (a float8, no composite).
 *
 * With a fourth argument lookahead => true, each row's shape score is the
 * mean of those of the windows that contain it, and with the analog
 * component the larger of that and the mean analog score of the predictions
 * that read it (core/ts/ts_lookahead.h): the rows are pushed ahead of the
 * current one, up to max(w - 1, span) rows after it in the partition, and
 * their results wait in the partition's queue until the current row reaches
 * them.
 *
 * The model of a partition is the one of its first row with a model; a row
 * whose model differs (by the stored bytes: a toast pointer or a compressed
 * value whole, else the length and the envelope's header with the
 * payload's CRC-32C) starts the context afresh with that model.  Rows with
 * a NULL ts or value are skipped (a NULL result); a NULL model gives NULL.
 *
 * The composite is the per-row cost that is not the core's (perf, see
 * docs/performance.md): heap_form_tuple walked the ten attributes twice a
 * row.  Every attribute is fixed-width and only shape_score can be NULL, so
 * the tuple has one of two layouts: each is formed once a query by
 * heap_form_tuple as a template (header, null bitmap, padding), and a row
 * copies its template and stores the values at the template's offsets,
 * which gives heap_form_tuple's bytes.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/timestamp.h"
#include "windowapi.h"

#include "core/model_format.h"
#include "core/ts/ts_context.h"
#include "core/ts/ts_lookahead.h"
#include "pg/error_report.h"
#include "pg/ts_model_cache.h"

#define KEY_MAX 64
#define RESULT_NATTS 10
#define ATT_IS_ANOMALY 4		/* the one bool of ts_anomaly_result */
#define ATT_SHAPE 8				/* shape_score: the one attribute that can be NULL */

typedef struct AnomalyPartition
{
	bool		started;
	int64		next_row;		/* the row the context expects next */
	an_ts_model *model;
	an_ts_context ctx;
	Size		key_len;
	char		key[KEY_MAX];
	uint32		epoch;			/* counts the models loaded: the lookahead's epochs */
	/* lookahead => true */
	bool		lookahead;
	int64		next_push;		/* the next row to push to the context */
	an_ts_lookahead queue;		/* pushed rows not yet returned */
} AnomalyPartition;

/* One layout of the result tuple: its template and each attribute's offset (0: NULL). */
typedef struct ResultLayout
{
	HeapTupleHeader tmpl;
	uint32		len;
	uint32		off[RESULT_NATTS];
} ResultLayout;

/* fn_extra of ts_anomaly, for the whole query: [0] every attribute set, [1] shape_score NULL. */
typedef struct ResultTemplates
{
	ResultLayout layout[2];
} ResultTemplates;

/* The identity of a stored model value (see the header comment). */
static Size
model_key(Datum d, char *key)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);
	Size		size = VARSIZE_ANY(v);

	if ((VARATT_IS_EXTERNAL(v) || VARATT_IS_COMPRESSED(v)) && size <= KEY_MAX)
	{
		memcpy(key, v, size);
		return size;
	}
	if (VARATT_IS_EXTERNAL(v) || VARATT_IS_COMPRESSED(v))
		return 0;				/* never equal: decoded again */
	memcpy(key, &size, sizeof(size));
	memcpy(key + sizeof(size), VARDATA_ANY(v), Min(VARSIZE_ANY_EXHDR(v), AN_MODEL_HEADER_SIZE));
	return sizeof(size) + Min(VARSIZE_ANY_EXHDR(v), AN_MODEL_HEADER_SIZE);
}

static void
use_model(AnomalyPartition *p, Datum d, const char *fname)
{
	MemoryContext old;
	char		key[KEY_MAX + sizeof(Size)];
	Size		len = model_key(d, key);
	an_status	st;

	if (p->model != NULL && len > 0 && len == p->key_len && memcmp(key, p->key, len) == 0)
		return;
	old = MemoryContextSwitchTo(GetMemoryChunkContext(p));
	if (p->model)
	{
		an_ts_context_free(&p->ctx);
		an_ts_model_free(p->model);
		p->model = NULL;
	}
	p->model = ts_model_load_datum(d, fname);
	p->epoch++;
	/* out of memory, or (never for a model that loaded) rows the analogues cannot use */
	if ((st = an_ts_context_init(&p->ctx, p->model)) != AN_OK)
		report_model_status(st, fname);
	p->key_len = Min(len, KEY_MAX);
	memcpy(p->key, key, p->key_len);
	if (len > KEY_MAX)
		p->key_len = 0;
	MemoryContextSwitchTo(old);
}

/* One argument of row `row`, which is the current row when `current`. */
static inline Datum
row_arg(WindowObject win, int argno, int64 row, bool current, bool *isnull)
{
	bool		isout = false;
	Datum		d;

	/*
	 * The current row's arguments are evaluated on the row the executor
	 * already holds, instead of three seeks a row in the partition's
	 * tuplestore.
	 */
	if (current)
		return WinGetFuncArgCurrent(win, argno, isnull);
	d = WinGetFuncArgInPartition(win, argno, (int) row, WINDOW_SEEK_HEAD, false, isnull, &isout);
	*isnull = *isnull || isout;
	return d;
}

/* Push row `row` of the partition; false when it gives no result (a NULL argument). */
static bool
push_row(WindowObject win, AnomalyPartition *p, int64 row, bool current, an_ts_anomaly *out,
		 const char *fname)
{
	bool		isnull;
	Datum		model,
				tsd,
				vd;
	TimestampTz ts;
	double		value;

	/*
	 * The model last, and decoded before anything else is fetched: a row other
	 * than the current one is fetched again for each argument, and a
	 * pass-by-reference datum points into the fetched tuple, which the next
	 * fetch frees (ts and value are pass-by-value).
	 */
	tsd = row_arg(win, 1, row, current, &isnull);
	if (isnull)
		return false;
	vd = row_arg(win, 2, row, current, &isnull);
	if (isnull)
		return false;
	model = row_arg(win, 0, row, current, &isnull);
	if (isnull)
		return false;
	ts = DatumGetTimestampTz(tsd);
	value = DatumGetFloat8(vd);
	check_score_row(ts, value, fname);
	use_model(p, model, fname);
	if (p->ctx.have_last && ts < p->ctx.last_ts)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("%s rows must be in ts order within a partition", fname),
				errhint("Call it as %s(model, ts, value) OVER (PARTITION BY series ORDER BY ts).", fname));
	an_ts_context_push(&p->ctx, ts, value, out);
	return true;
}

/* The current row's scores, shared by both functions; false when it has none (a NULL result). */
static bool
anomaly_current_row(WindowObject win, an_ts_anomaly *a, const char *fname)
{
	AnomalyPartition *p = (AnomalyPartition *) WinGetPartitionLocalMemory(win, sizeof(AnomalyPartition));
	int64		row = WinGetCurrentPosition(win);
	bool		have;

	if (!p->started || row != p->next_row)
	{
		/* out of turn (or the first row): replay the partition up to this row */
		if (p->model)
			an_ts_context_reset(&p->ctx);
		for (int64 r = 0; r < row; r++)
		{
			CHECK_FOR_INTERRUPTS();
			(void) push_row(win, p, r, false, a, fname);
		}
		p->started = true;
	}
	have = push_row(win, p, row, true, a, fname);
	p->next_row = row + 1;
	return have;
}

/*
 * The current row's scores with lookahead: rows are pushed ahead until the
 * current row's windows are all in (or the partition ends), then its result
 * is taken from the queue.  Out of turn, the partition is replayed from its
 * first row and the results before the current row dropped.
 */
static bool
anomaly_lookahead_row(WindowObject win, AnomalyPartition *p, an_ts_anomaly *a, const char *fname)
{
	int64		row = WinGetCurrentPosition(win);
	int64		nrows = WinGetPartitionRowCount(win);
	MemoryContext pctx = GetMemoryChunkContext(p);

	if (!p->started || row != p->next_row)
	{
		MemoryContext old = MemoryContextSwitchTo(pctx);

		if (!p->started && an_ts_lookahead_init(&p->queue, 0) != AN_OK)
			ereport(ERROR, errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory"));
		MemoryContextSwitchTo(old);
		if (p->model)
			an_ts_context_reset(&p->ctx);
		an_ts_lookahead_reset(&p->queue);
		p->next_push = 0;
		p->started = true;
	}
	p->next_row = row + 1;
	for (;;)
	{
		an_ts_anomaly pushed;
		an_status	st;

		/* a replay's rows before this one */
		while (p->queue.n > 0 && an_ts_lookahead_head_tag(&p->queue) < row)
			(void) an_ts_lookahead_take(&p->queue, true, &pushed, NULL);
		if (p->queue.n > 0 ? an_ts_lookahead_head_tag(&p->queue) > row : p->next_push > row)
			return false;		/* this row gave no result (a NULL argument) */
		if (p->queue.n > 0 && an_ts_lookahead_take(&p->queue, p->next_push >= nrows, a, NULL))
			return true;
		if ((p->next_push & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		if (push_row(win, p, p->next_push, p->next_push == row, &pushed, fname))
		{
			MemoryContext old = MemoryContextSwitchTo(pctx);

			st = an_ts_lookahead_add(&p->queue, &pushed, p->next_push, p->epoch, p->ctx.w,
									 an_ts_context_ahead(&p->ctx));
			MemoryContextSwitchTo(old);
			if (st != AN_OK)
				report_status(st, fname, "%zu rows wait for the rows after them", p->queue.n);
		}
		p->next_push++;
	}
}

/* The current row's scores, causal or with lookahead (the optional fourth argument; NULL is false). */
static bool
anomaly_row(FunctionCallInfo fcinfo, an_ts_anomaly *a, const char *fname)
{
	WindowObject win = PG_WINDOW_OBJECT();
	AnomalyPartition *p = (AnomalyPartition *) WinGetPartitionLocalMemory(win, sizeof(AnomalyPartition));
	bool		lookahead = false;

	if (PG_NARGS() > 3)
	{
		bool		isnull;
		Datum		d = WinGetFuncArgCurrent(win, 3, &isnull);

		lookahead = !isnull && DatumGetBool(d);
	}
	if (p->started && lookahead != p->lookahead)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("%s lookahead must be the same for every row of a partition", fname),
				errhint("Pass a constant: %s(model, ts, value, lookahead => true).", fname));
	p->lookahead = lookahead;
	if (lookahead)
		return anomaly_lookahead_row(win, p, a, fname);
	return anomaly_current_row(win, a, fname);
}

/* One layout: heap_form_tuple's tuple of zeros as the template, and where each value goes. */
static void
build_layout(TupleDesc desc, bool shape_null, ResultLayout *l)
{
	Datum		values[RESULT_NATTS];
	bool		nulls[RESULT_NATTS] = {false};
	HeapTuple	t;
	uint32		off;

	for (int i = 0; i < RESULT_NATTS; i++)
		values[i] = i == ATT_IS_ANOMALY ? BoolGetDatum(false) : Float8GetDatum(0.0);
	nulls[ATT_SHAPE] = shape_null;
	t = heap_form_tuple(desc, values, nulls);
	l->tmpl = t->t_data;
	l->len = t->t_len;
	off = t->t_data->t_hoff;
	for (int i = 0; i < RESULT_NATTS; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		l->off[i] = 0;
		if (nulls[i])
			continue;
		off = att_align_nominal(off, att->attalign);
		l->off[i] = off;
		off += att->attlen;
	}
	if (off != l->len)
		elog(ERROR, "ts_anomaly_result layout: %u bytes computed, %u formed", off, l->len);
}

/* The templates of this call site, built at its first row. */
static const ResultTemplates *
result_templates(FunctionCallInfo fcinfo)
{
	ResultTemplates *t = (ResultTemplates *) fcinfo->flinfo->fn_extra;
	MemoryContext old;
	TupleDesc	desc;

	if (t != NULL)
		return t;
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				errmsg("ts_anomaly must return a composite type"));
	/* the type of the install script: ten attributes, float8 but is_anomaly */
	if (desc->natts != RESULT_NATTS)
		ereport(ERROR,
				errcode(ERRCODE_DATATYPE_MISMATCH),
				errmsg("ts_anomaly_result must have %d attributes", RESULT_NATTS));
	for (int i = 0; i < RESULT_NATTS; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || att->atttypid != (i == ATT_IS_ANOMALY ? BOOLOID : FLOAT8OID))
			ereport(ERROR,
					errcode(ERRCODE_DATATYPE_MISMATCH),
					errmsg("ts_anomaly_result attribute %d has not the type of the install script", i + 1));
	}
	t = palloc(sizeof(ResultTemplates));
	build_layout(desc, false, &t->layout[0]);
	build_layout(desc, true, &t->layout[1]);
	fcinfo->flinfo->fn_extra = t;
	MemoryContextSwitchTo(old);
	return t;
}

/*
 * The composite of a row: its layout's template with the values stored as
 * heap_fill_tuple stores them (a float8's 8 bytes, a bool's 1 or 0), in the
 * current (per-row) memory context.
 */
static Datum
result_datum(const ResultTemplates *t, const an_ts_anomaly *a)
{
	const double v[RESULT_NATTS] = {
		a->point.expected, a->point.lower, a->point.upper, a->score, 0,
		a->point.level, a->point.seasonal, a->point.score, a->shape_score, a->shift_score
	};
	const ResultLayout *l = &t->layout[isnan(a->shape_score) ? 1 : 0];
	char	   *tup = palloc(l->len);

	memcpy(tup, l->tmpl, l->len);
	for (int i = 0; i < RESULT_NATTS; i++)
		if (i != ATT_IS_ANOMALY && l->off[i] != 0)
			memcpy(tup + l->off[i], &v[i], sizeof(double));
	tup[l->off[ATT_IS_ANOMALY]] = a->is_anomaly ? 1 : 0;
	return PointerGetDatum(tup);
}

PG_FUNCTION_INFO_V1(ts_anomaly);
/* ts_anomaly(model, ts, value [, lookahead]) OVER (...): ts_detect's fields and the context scores */
Datum
ts_anomaly(PG_FUNCTION_ARGS)
{
	const ResultTemplates *t = result_templates(fcinfo);
	an_ts_anomaly a;

	if (!anomaly_row(fcinfo, &a, "ts_anomaly"))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result_datum(t, &a));
}

PG_FUNCTION_INFO_V1(ts_anomaly_score);
/* ts_anomaly_score(model, ts, value [, lookahead]) OVER (...): ts_anomaly's score alone */
Datum
ts_anomaly_score(PG_FUNCTION_ARGS)
{
	an_ts_anomaly a;

	if (!anomaly_row(fcinfo, &a, "ts_anomaly_score"))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(a.score);
}
