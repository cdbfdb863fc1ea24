/*
 * row_buffer.h: the feature vectors that the states of dbscan_fit and
 * mv_fit (and of their two-level forms) collect: n rows of d float8 in one
 * array in the aggregate context, grown geometrically (no palloc per row);
 * and the support functions those two aggregates share around them, given
 * a RowStateKind for what differs.
 */
#ifndef ANOMALY_ROW_BUFFER_H
#define ANOMALY_ROW_BUFFER_H

#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"

#include "core/core.h"
#include "pg/agg_support.h"

typedef struct RowBuffer
{
	int32		d;				/* 0 until the first row */
	int64		n;
	int64		cap;
	double	   *x;				/* n * d */
} RowBuffer;

/*
 * Make room for more rows (rb->d set), the capacity doubling from min_cap
 * and never past max_rows.  AN_ETOOMANY above max_rows, AN_ENOMEM past
 * what one allocation holds (rb is then unchanged); the caller words the
 * error.
 */
an_status	row_buffer_reserve(RowBuffer *rb, MemoryContext cxt, int64 more, int64 max_rows,
							   int64 min_cap);

/* Append the rows of src, of the same d (room reserved). */
void		row_buffer_append(RowBuffer *dst, const RowBuffer *src);

/*
 * Append n rows of rb->d features encoded as in core/state/row_order.h
 * (room reserved), checking for interrupts between blocks of rows.
 */
void		row_buffer_append_encoded(RowBuffer *rb, const uint8_t *rows, size_t n);

/* Send the number of rows and the rows (a serial function's tail). */
void		row_buffer_send(StringInfo buf, const RowBuffer *rb);

/*
 * Receive n rows sent by row_buffer_send into the empty rb (room reserved);
 * false if a value is not finite.
 */
bool		row_buffer_receive(StringInfo buf, RowBuffer *rb, int64 n);

/*
 * The result of a *_fit_state final function: the state the core wrote
 * into out (len bytes) from rb's rows, as bytea; an ERROR for any other
 * status st, naming the rows when there are too many for one state.
 */
bytea	   *row_buffer_state_result(an_status st, uint8_t *out, size_t len, const RowBuffer *rb,
									const char *fname);

/* The rows of a validated state of the two-level form, in its bytes. */
typedef struct RowStateView
{
	size_t		d;
	size_t		n;
	const uint8_t *rows;		/* n * d encoded f64 (core/state/row_order.h) */
} RowStateView;

/*
 * What the steps shared by the states of rows and parameters (dbscan_fit's,
 * mv_fit's) need to know of a kind.  Its state struct starts with its
 * RowBuffer.
 */
typedef struct RowStateKind
{
	AggCombineKind combine;		/* first: {row_state_empty, row_state_merge} */
	const char *fname;			/* the aggregate, in errors */
	Size		size;			/* of the state struct */
	int32		max_d;			/* the most features a row has */
	int64		max_rows;
	/* Make room for more rows of s (rows.d set); an error past the limits. */
	void		(*reserve) (void *s, MemoryContext cxt, int64 more);
	/* Copy the parameters (all but the rows) of src into the new dst. */
	void		(*copy_params) (void *dst, const void *src);

	/*
	 * An error unless other has s's parameters; merging: other stands for a
	 * state of the two-level form, else for a partial state of a worker.
	 */
	void		(*check_params) (const void *s, const void *other, bool merging);

	/* The two-level form: */
	const char *state_fname;	/* "dbscan_fit_state" */
	const char *merge_fname;	/* "dbscan_fit_merge" */

	/*
	 * Validate the len bytes at buf as a state of the two-level form (the
	 * core reader's status); on AN_OK set like's parameters and view its
	 * rows.
	 */
	an_status	(*open) (const uint8_t *buf, size_t len, void *like, RowStateView *view);
	/* Write the rows and parameters of s as such a state (core status). */
	an_status	(*write) (const void *s, uint8_t **out, size_t *out_len);
} RowStateKind;

/* Whether state s (of any RowStateKind) has no rows (AggCombineKind.empty). */
bool		row_state_empty(const void *s);

/* AggCombineKind.merge for states of the RowStateKind that combine opens. */
void	   *row_state_merge(const AggCombineKind *combine, void *a, const void *b, MemoryContext cxt);

/*
 * A deserial function's tail: the rows (as row_buffer_send wrote them) of
 * the new state s, whose d and parameters were read, into s.  An error for
 * a bad state: d or the row count out of kind's range, params_ok false,
 * other than n rows' bytes left or a value not finite.
 */
void		row_state_receive(const RowStateKind *kind, void *s, StringInfo buf, bool params_ok,
							  MemoryContext cxt);

/*
 * The final function of <fname>_state: the state's rows and parameters as
 * a state of the two-level form, NULL for a group without rows.
 */
Datum		row_state_final(FunctionCallInfo fcinfo, const RowStateKind *kind);

/*
 * The transition of <fname>_merge and <fname>_state(bytea) (support, the C
 * function): validate a state of the two-level form and add its rows.
 */
Datum		row_state_merge_transition(FunctionCallInfo fcinfo, const char *support,
									   const RowStateKind *kind);

/*
 * Define kind, the RowStateKind of aggregate name (dbscan_fit, mv_fit) whose
 * state is a state_type, from the static functions of the file that uses
 * this: reserve_rows, copy_params and check_params for the one-level form,
 * open_state and write_state for the two-level form; and the C functions
 * of the two-level form, which row_state_final and
 * row_state_merge_transition are: <name>_state_final and
 * <name>_merge_transition.
 */
#define ROW_STATE_KIND(kind, name, state_type, max_d, max_rows) \
	const RowStateKind kind = { \
		{row_state_empty, row_state_merge}, \
		CppAsString(name), sizeof(state_type), (max_d), (max_rows), \
		reserve_rows, copy_params, check_params, \
		CppAsString(name) "_state", CppAsString(name) "_merge", open_state, write_state \
	}; \
	PG_FUNCTION_INFO_V1(name##_state_final); \
	Datum \
	name##_state_final(PG_FUNCTION_ARGS) \
	{ \
		return row_state_final(fcinfo, &(kind)); \
	} \
	PG_FUNCTION_INFO_V1(name##_merge_transition); \
	Datum \
	name##_merge_transition(PG_FUNCTION_ARGS) \
	{ \
		return row_state_merge_transition(fcinfo, __func__, &(kind)); \
	} \
	extern int	no_such_variable		/* takes the ';' after the macro, as in fmgr.h */

#endif
