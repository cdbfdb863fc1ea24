/*
 * error_report.c: see error_report.h.  Each class of error has its SQLSTATE
 * and its wording here, once; callers add only what they alone know.
 */
#include "postgres.h"

#include <math.h>

#include "lib/stringinfo.h"

#include "core/model_format.h"
#include "pg/error_report.h"

/*
 * The one mapping from a status to an error: its SQLSTATE, its message
 * (which names the function) and, unless the caller gives its own, its
 * detail; and its hint.
 */
typedef struct status_error
{
	an_status	status;
	int			code;
	const char *message;
	const char *detail;
	const char *hint;
} status_error;

#define BAD_MODEL "invalid anomaly model passed to %s"
#define BAD_MODEL_HINT "Pass the bytea returned by a fitting aggregate (ts_fit, dbscan_fit), unmodified."

static const status_error status_errors[] = {
	{AN_ENOMEM, ERRCODE_OUT_OF_MEMORY, "out of memory in %s", NULL, NULL},
	{AN_EINVAL, ERRCODE_INVALID_PARAMETER_VALUE, "invalid argument to %s", NULL, NULL},
	{AN_ETOOMANY, ERRCODE_PROGRAM_LIMIT_EXCEEDED, "%s input has too many values", NULL, NULL},

	/*
	 * The glue rejects NaN and infinity in the input before calling the core
	 * (catch22, which leaves that to the core, reports it with
	 * report_nonfinite), so here finite values were too large: a sum or a
	 * spread overflowed.
	 */
	{AN_ENONFINITE, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "%s cannot represent the result: values too large",
		NULL, NULL},

	/* what a model reader finds wrong with the bytes */
	{AN_EVERSION, ERRCODE_FEATURE_NOT_SUPPORTED, BAD_MODEL,
		"The model was written by a newer version of its format than this build reads.",
		"Upgrade the anomaly extension."},
	{AN_EKIND, ERRCODE_FEATURE_NOT_SUPPORTED, BAD_MODEL,
		"The model kind is unknown to this build.",
		NULL},
	{AN_ETRUNCATED, ERRCODE_INVALID_BINARY_REPRESENTATION, BAD_MODEL,
		"The model is truncated: it ends before its header or its declared payload does.",
		BAD_MODEL_HINT},
	{AN_EMAGIC, ERRCODE_INVALID_BINARY_REPRESENTATION, BAD_MODEL,
		"The bytes do not start with the magic number \"ANOM\" of anomaly models.",
		BAD_MODEL_HINT},
	{AN_EFLAGS, ERRCODE_INVALID_BINARY_REPRESENTATION, BAD_MODEL,
		"The model has flag bits set that this build does not know.",
		BAD_MODEL_HINT},
	{AN_ECHECKSUM, ERRCODE_INVALID_BINARY_REPRESENTATION, BAD_MODEL,
		"The model payload does not match its CRC-32C checksum.",
		BAD_MODEL_HINT},
	{AN_ELENGTH, ERRCODE_INVALID_BINARY_REPRESENTATION, BAD_MODEL,
		"The model length does not match the payload length in its header.",
		BAD_MODEL_HINT},
	{AN_ECORRUPT, ERRCODE_INVALID_BINARY_REPRESENTATION, BAD_MODEL,
		"The model header or payload holds invalid values.",
		BAD_MODEL_HINT},
};

static const status_error *
find_status_error(an_status st)
{
	for (int i = 0; i < lengthof(status_errors); i++)
		if (status_errors[i].status == st)
			return &status_errors[i];
	return NULL;
}

void
report_status(an_status st, const char *fname, const char *detail_fmt,...)
{
	const status_error *e = find_status_error(st);
	const char *detail;

	if (st == AN_OK)
		return;
	if (e == NULL)
		elog(ERROR, "%s failed: %s", fname, an_status_message(st));
	detail = e->detail;
	if (detail_fmt != NULL)
	{
		StringInfoData buf;

		initStringInfo(&buf);
		for (;;)
		{
			va_list		args;
			int			needed;

			va_start(args, detail_fmt);
			needed = appendStringInfoVA(&buf, detail_fmt, args);
			va_end(args);
			if (needed == 0)
				break;
			enlargeStringInfo(&buf, needed);
		}
		detail = buf.data;
	}
	ereport(ERROR,
			errcode(e->code),
			errmsg(e->message, fname),
			detail ? errdetail("%s", detail) : 0,
			e->hint ? errhint("%s", e->hint) : 0);
}

void
report_model_status(an_status st, const char *fname)
{
	/* from a reader, the statuses of a computation also mean bad bytes */
	if (st == AN_EINVAL || st == AN_ETOOMANY || st == AN_ENONFINITE)
		st = AN_ECORRUPT;
	report_status(st, fname, NULL);
}

void
report_wrong_kind(const unsigned char *buf, size_t len, const char *fname, const char *expected)
{
	const char *kind = len > 5 ? an_model_kind_name(buf[5]) : NULL;

	ereport(ERROR,
			errcode(ERRCODE_DATA_EXCEPTION),
			errmsg("%s expects a %s model", fname, expected),
			errdetail("The model passed is a %s model.", kind ? kind : "unknown"),
			errhint("Each model kind is read by its own functions; see the README's reference table."));
}

const char *
nonfinite_name(double value)
{
	return isnan(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
}

void
report_nonfinite(const char *subject, const char *what, double value)
{
	ereport(ERROR,
			errcode(ERRCODE_DATA_EXCEPTION),
			errmsg("%s must not contain NaN or infinity", subject),
			errdetail("%s is %s.", what, nonfinite_name(value)),
			errhint("Remove or replace non-finite values first."));
}

void
report_null_element(const char *subject, const char *what, const char *hint)
{
	ereport(ERROR,
			errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			errmsg("%s must not contain NULL elements", subject),
			errdetail("%s is NULL.", what),
			hint ? errhint("%s", hint) : 0);
}

void
report_not_one_dimensional(const char *subject, const char *what, int ndim)
{
	ereport(ERROR,
			errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			errmsg("%s must be a one-dimensional array", subject),
			errdetail("%s has %d dimensions.", what, ndim));
}

const double *
series_array_values(ArrayType *arr, const char *fname, size_t *n)
{
	int			nitems = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));

	if (ARR_NDIM(arr) > 1)
		report_not_one_dimensional(psprintf("%s input", fname), "The array", ARR_NDIM(arr));
	if (ARR_HASNULL(arr))
	{
		bits8	   *bitmap = ARR_NULLBITMAP(arr);

		for (int i = 0; i < nitems; i++)
			if (!(bitmap[i / 8] & (1 << (i % 8))))
				report_null_element(psprintf("%s input", fname), psprintf("Element %d", i + 1),
									"Remove NULLs with array_remove(series, NULL), or use the aggregate form, which skips rows with NULLs.");
	}
	*n = (size_t) nitems;
	return (const double *) ARR_DATA_PTR(arr);
}

void
report_varying_parameters(const char *subject, const char *hint)
{
	ereport(ERROR,
			errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			errmsg("%s must be the same for every row of a group", subject),
			hint ? errhint("%s", hint) : 0);
}

void
report_infinite_timestamp(const char *fname, TimestampTz ts)
{
	ereport(ERROR,
			errcode(ERRCODE_DATA_EXCEPTION),
			errmsg("%s timestamps must be finite", fname),
			errdetail("A row has timestamp %s.", TIMESTAMP_IS_NOBEGIN(ts) ? "-infinity" : "infinity"));
}

void
check_score_row(TimestampTz ts, double value, const char *fname)
{
	if (TIMESTAMP_NOT_FINITE(ts))
		report_infinite_timestamp(fname, ts);
	/* unlike ts_fit, scoring takes an infinite value (its score is infinite): only NaN has none */
	if (isnan(value))
		ereport(ERROR,
				errcode(ERRCODE_DATA_EXCEPTION),
				errmsg("%s value must not be NaN", fname));
}
