/*
 * ts_anomaly.c: ts_anomaly(model, ts, value) OVER (PARTITION BY series
 * ORDER BY ts), a window function scoring each row with its context
 * (core/ts/ts_context.h): the decoded model, the last w values and the
 * CUSUMs live in the partition's local memory, and the rows are pushed in
 * the partition's order.  Should the executor ask for a row out of turn, the
 * context is rebuilt from the partition's first row.
 *
 * The model of a partition is the one of its first row with a model; a row
 * whose model differs (by the stored bytes: a toast pointer or a compressed
 * value whole, else the length and the envelope's header with the
 * payload's CRC-32C) starts the context afresh with that model.  Rows with
 * a NULL ts or value are skipped (a NULL result); a NULL model gives NULL.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/timestamp.h"
#include "windowapi.h"

#include "core/model_format.h"
#include "core/ts/ts_context.h"
#include "pg/error_report.h"
#include "pg/ts_model_cache.h"

#define FNAME "ts_anomaly"
#define KEY_MAX 64

typedef struct AnomalyPartition
{
	bool		started;
	int64		next_row;		/* the row the context expects next */
	an_ts_model *model;
	an_ts_context ctx;
	TupleDesc	desc;
	Size		key_len;
	char		key[KEY_MAX];
} AnomalyPartition;

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
use_model(AnomalyPartition *p, Datum d)
{
	MemoryContext old;
	char		key[KEY_MAX + sizeof(Size)];
	Size		len = model_key(d, key);

	if (p->model != NULL && len > 0 && len == p->key_len && memcmp(key, p->key, len) == 0)
		return;
	old = MemoryContextSwitchTo(GetMemoryChunkContext(p));
	if (p->model)
	{
		an_ts_context_free(&p->ctx);
		an_ts_model_free(p->model);
		p->model = NULL;
	}
	p->model = ts_model_load_datum(d, FNAME);
	if (an_ts_context_init(&p->ctx, p->model) != AN_OK)
		ereport(ERROR, errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory"));
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
push_row(WindowObject win, AnomalyPartition *p, int64 row, bool current, an_ts_anomaly *out)
{
	bool		isnull;
	Datum		model = row_arg(win, 0, row, current, &isnull);
	Datum		tsd,
				vd;
	TimestampTz ts;
	double		value;

	if (isnull)
		return false;
	tsd = row_arg(win, 1, row, current, &isnull);
	if (isnull)
		return false;
	vd = row_arg(win, 2, row, current, &isnull);
	if (isnull)
		return false;
	ts = DatumGetTimestampTz(tsd);
	value = DatumGetFloat8(vd);
	if (TIMESTAMP_NOT_FINITE(ts))
		report_infinite_timestamp(FNAME, ts);
	if (isnan(value))
		ereport(ERROR,
				errcode(ERRCODE_DATA_EXCEPTION),
				errmsg("ts_anomaly value must not be NaN"));
	use_model(p, model);
	if (p->ctx.have_last && ts < p->ctx.last_ts)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("ts_anomaly rows must be in ts order within a partition"),
				errhint("Call it as ts_anomaly(model, ts, value) OVER (PARTITION BY series ORDER BY ts)."));
	an_ts_context_push(&p->ctx, ts, value, out);
	return true;
}

PG_FUNCTION_INFO_V1(ts_anomaly);
/* ts_anomaly(model, ts, value) OVER (...): ts_detect's fields and the context scores */
Datum
ts_anomaly(PG_FUNCTION_ARGS)
{
	WindowObject win = PG_WINDOW_OBJECT();
	AnomalyPartition *p = (AnomalyPartition *) WinGetPartitionLocalMemory(win, sizeof(AnomalyPartition));
	int64		row = WinGetCurrentPosition(win);
	an_ts_anomaly a;
	bool		have;
	Datum		values[10];
	bool		nulls[10] = {false};

	if (!p->started || row != p->next_row)
	{
		/* out of turn (or the first row): replay the partition up to this row */
		if (p->model)
			an_ts_context_reset(&p->ctx);
		for (int64 r = 0; r < row; r++)
		{
			CHECK_FOR_INTERRUPTS();
			(void) push_row(win, p, r, false, &a);
		}
		if (p->desc == NULL)
		{
			MemoryContext old = MemoryContextSwitchTo(GetMemoryChunkContext(p));
			TupleDesc	desc;

			if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
				ereport(ERROR,
						errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("ts_anomaly must return a composite type"));
			p->desc = BlessTupleDesc(CreateTupleDescCopy(desc));
			MemoryContextSwitchTo(old);
		}
		p->started = true;
	}
	have = push_row(win, p, row, true, &a);
	p->next_row = row + 1;
	if (!have)
		PG_RETURN_NULL();
	values[0] = Float8GetDatum(a.point.expected);
	values[1] = Float8GetDatum(a.point.lower);
	values[2] = Float8GetDatum(a.point.upper);
	values[3] = Float8GetDatum(a.score);
	values[4] = BoolGetDatum(a.is_anomaly);
	values[5] = Float8GetDatum(a.point.level);
	values[6] = Float8GetDatum(a.point.seasonal);
	values[7] = Float8GetDatum(a.point.score);
	values[8] = Float8GetDatum(a.shape_score);
	nulls[8] = isnan(a.shape_score);
	values[9] = Float8GetDatum(a.shift_score);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(p->desc, values, nulls)));
}
