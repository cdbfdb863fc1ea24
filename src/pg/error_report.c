/*
 * error_report.c: one place that maps an_status to SQLSTATE, message,
 * detail and hint, so every function reports model problems alike.
 */
#include "postgres.h"

#include "core/model_format.h"
#include "pg/error_report.h"

/* errdetail for a damaged model: a full sentence per problem. */
static const char *
model_problem_sentence(an_status status)
{
	switch (status)
	{
		case AN_ETRUNCATED:
			return "The model is truncated: it ends before its header or its declared payload does.";
		case AN_EMAGIC:
			return "The bytes do not start with the magic number \"ANOM\" of anomaly models.";
		case AN_EFLAGS:
			return "The model has flag bits set that this build does not know.";
		case AN_ECHECKSUM:
			return "The model payload does not match its CRC-32C checksum.";
		case AN_ELENGTH:
			return "The model length does not match the payload length in its header.";
		case AN_ECORRUPT:
			return "The model header or payload holds invalid values.";
		default:
			return an_status_message(status);
	}
}

void
report_model_status(an_status status, const char *fname)
{
	switch (status)
	{
		case AN_OK:
			return;
		case AN_ENOMEM:
			report_core_status(status, fname);
			break;
		case AN_EVERSION:
			ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
							errmsg("invalid anomaly model passed to %s", fname),
							errdetail("The model was written by a newer format version than this build reads (up to version %d).",
									  AN_FORMAT_VERSION),
							errhint("Upgrade the anomaly extension.")));
			break;
		case AN_EKIND:
			ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
							errmsg("invalid anomaly model passed to %s", fname),
							errdetail("The model kind is unknown to this build.")));
			break;
		default:
			ereport(ERROR, (errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
							errmsg("invalid anomaly model passed to %s", fname),
							errdetail("%s", model_problem_sentence(status)),
							errhint("Pass the bytea returned by a fitting aggregate (ts_fit, dbscan_fit), unmodified.")));
	}
}

void
report_core_status(an_status status, const char *fname)
{
	switch (status)
	{
		case AN_OK:
			return;
		case AN_ENOMEM:
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY),
							errmsg("out of memory in %s", fname)));
			break;
		case AN_ETOOMANY:
			ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
							errmsg("too many points for %s", fname)));
			break;
		case AN_ENONFINITE:
			ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							errmsg("%s cannot represent the result: values too large", fname)));
			break;
		case AN_EINVAL:
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("invalid argument to %s", fname)));
			break;
		default:
			elog(ERROR, "%s failed: %s", fname, an_status_message(status));
	}
}

void
report_wrong_kind(const unsigned char *buf, size_t len, const char *fname, const char *expected)
{
	const char *kind = len > 5 ? an_model_kind_name(buf[5]) : NULL;

	ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
					errmsg("%s expects a %s model", fname, expected),
					errdetail("The model passed is a %s model.", kind ? kind : "unknown"),
					errhint("Each model kind is read by its own functions; see the README's reference table.")));
}
