/*
 * error_report.h: turn src/core status codes into PostgreSQL errors.
 */
#ifndef ANOMALY_ERROR_REPORT_H
#define ANOMALY_ERROR_REPORT_H

#include "core/core.h"

/*
 * Raise the error for a status returned while reading a model passed to
 * function fname.  Never returns (for AN_OK it does nothing).
 */
void		report_model_status(an_status status, const char *fname);

/* Raise the error for a status from a computation in function fname. */
void		report_core_status(an_status status, const char *fname);

/* The model kind of bytes that passed envelope validation but are the wrong kind. */
void		report_wrong_kind(const unsigned char *buf, size_t len, const char *fname, const char *expected);

#endif
