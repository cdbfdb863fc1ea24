/*
 * error_report.h: the one place that turns failures into PostgreSQL errors,
 * so that every module words each class of error alike.
 *
 * An fname argument is the SQL function the user called ("ts_fit",
 * "dbscan_score"); the messages name it.
 */
#ifndef ANOMALY_ERROR_REPORT_H
#define ANOMALY_ERROR_REPORT_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "utils/array.h"

#include "core/core.h"

/*
 * Raise the error for status st of a src/core call (nothing for AN_OK).  The
 * SQLSTATE and the message follow from the status alone; detail_fmt, if not
 * NULL, replaces the status's default errdetail with what the caller knows
 * (a limit, a size), as a full sentence.
 */
void		report_status(an_status st, const char *fname, const char *detail_fmt,...) pg_attribute_printf(3, 4);

/*
 * Raise the error for a status returned while reading a model passed to
 * fname: every failure but out-of-memory means the bytes are not a valid
 * model.
 */
void		report_model_status(an_status st, const char *fname);

/* The model kind of bytes that passed envelope validation but are the wrong kind. */
void		report_wrong_kind(const unsigned char *buf, size_t len, const char *fname,
							  const char *expected) pg_attribute_noreturn();

/*
 * Bad input arrays and values.  subject is what the message says must not
 * be so ("features", "catch22 input"); what names the culprit for the
 * errdetail, with a capital ("Element 3", "The value at 2026-01-01 00:00:00+00").
 */
void		report_nonfinite(const char *subject, const char *what, double value) pg_attribute_noreturn();
void		report_null_element(const char *subject, const char *what, const char *hint) pg_attribute_noreturn();
void		report_not_one_dimensional(const char *subject, const char *what, int ndim) pg_attribute_noreturn();

/*
 * The *n values of arr, a float8[] series given whole to fname (catch22,
 * ts_discords): an error unless it is one-dimensional without NULLs.
 */
const double *series_array_values(ArrayType *arr, const char *fname, size_t *n);

/*
 * Parameters of an aggregate that differ between rows (or between the
 * partial states of parallel workers); subject names them.
 */
void		report_varying_parameters(const char *subject, const char *hint) pg_attribute_noreturn();

/* An infinite timestamp in a row passed to fname. */
void		report_infinite_timestamp(const char *fname, TimestampTz ts) pg_attribute_noreturn();

/*
 * The timestamp and value of a row to score by fname: an error for an
 * infinite timestamp or a NaN value (an infinite value has a score).
 */
void		check_score_row(TimestampTz ts, double value, const char *fname);

/* "NaN", "Infinity" or "-Infinity". */
const char *nonfinite_name(double value);

#endif
