/*
 * agg_support.h: what the support functions of the aggregates (ts_fit,
 * catch22, dbscan_fit) share.
 */
#ifndef ANOMALY_AGG_SUPPORT_H
#define ANOMALY_AGG_SUPPORT_H

#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"

#include "core/core.h"

/*
 * The aggregate memory context of this call; elog(ERROR) if the function was
 * not called as part of an aggregate.  fname is the C support function.
 */
MemoryContext agg_context_or_error(FunctionCallInfo fcinfo, const char *fname);

/* AGG_CONTEXT_AGGREGATE or AGG_CONTEXT_WINDOW; elog(ERROR) as above. */
int			agg_kind_or_error(FunctionCallInfo fcinfo, const char *fname);

/* A partial state from a parallel worker that does not deserialize. */
void		report_bad_state(const char *fname) pg_attribute_noreturn();

/*
 * Raise the error for status st of the reader of a partial state (the
 * an_*_state_open functions) given the len bytes at buf by the user of fname:
 * a model or state of another known kind is named as such (expected is the
 * kind fname wants), any other failure is reported as a bad model.  Returns
 * only for AN_OK.
 */
void		report_state_status(an_status st, const uint8_t *buf, size_t len, const char *fname,
								const char *expected);

/* The bytes of bytea argument argno (detoasted if need be), *len of them. */
const uint8_t *bytea_arg_bytes(FunctionCallInfo fcinfo, int argno, size_t *len);

/*
 * Point buf at the bytes of a serialized state, to be read with the
 * pq_getmsg functions (a deserial function's start; buf is not to be grown).
 */
void		state_buffer_init(StringInfo buf, bytea *raw);

/* A bytea copy of len bytes that src/core allocated, which are then freed. */
bytea	   *bytea_from_core(uint8_t *bytes, size_t len);

/*
 * What the combine function of an aggregate with an internal state does
 * with two states (agg_combine).
 */
typedef struct AggCombineKind
{
	/*
	 * Whether state s (not NULL) holds nothing to add, so that a right-hand
	 * state like it is skipped; NULL: every right-hand state is added.
	 */
	bool		(*empty) (const void *s);

	/*
	 * Add right-hand state b (not NULL) to a, NULL while there is none yet;
	 * return the result, in cxt (b may live elsewhere).  Raises the error for
	 * states made with other parameters or too many rows together.  kind is
	 * this struct, which may open a larger one.
	 */
	void	   *(*merge) (const struct AggCombineKind *kind, void *a, const void *b, MemoryContext cxt);
} AggCombineKind;

/*
 * The combine function (fname, the C support function) of an aggregate
 * whose states kind merges: (state, state) -> state.
 */
Datum		agg_combine(FunctionCallInfo fcinfo, const char *fname, const AggCombineKind *kind);

/* Argument n, a transition state of type T, or NULL while there is none yet. */
#define PG_GETARG_STATE(n, T) (PG_ARGISNULL(n) ? NULL : (T *) PG_GETARG_POINTER(n))

/*
 * Return a transition state, as SQL NULL while there is none yet: a NULL
 * pointer in a non-NULL datum would reach the serial function, which is
 * skipped (strict) only for SQL NULL.
 */
#define PG_RETURN_STATE(state) \
	do { \
		if ((state) == NULL) \
			PG_RETURN_NULL(); \
		PG_RETURN_POINTER(state); \
	} while (0)

#endif
