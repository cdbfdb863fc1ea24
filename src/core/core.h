/*
 * core.h: what every module of src/core shares.
 *
 * src/core is plain C11 and never includes PostgreSQL headers.  Modules
 * report failure through an_status codes (never longjmp, never exit); the
 * PostgreSQL glue turns those codes into ereport().  Memory and interrupt
 * checks go through hooks so that, inside a backend, allocations land in the
 * current memory context and long loops honour statement_timeout and
 * pg_cancel_backend(), while the unit tests and fuzzers run on plain malloc.
 */
#ifndef ANOMALY_CORE_H
#define ANOMALY_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum an_status
{
	AN_OK = 0,
	AN_ENOMEM,					/* allocation failed or size overflowed */
	AN_EINVAL,					/* bad argument (caller's fault) */
	AN_ETRUNCATED,				/* model bytes end early */
	AN_EMAGIC,					/* not an anomaly model */
	AN_EVERSION,				/* written by a newer format version */
	AN_EKIND,					/* unknown or unexpected model kind */
	AN_EFLAGS,					/* unknown flag bits set */
	AN_ECHECKSUM,				/* payload checksum mismatch */
	AN_ELENGTH,					/* declared length disagrees with actual */
	AN_ECORRUPT,				/* payload fails validation */
	AN_ENONFINITE,				/* NaN or infinity where a finite number is required */
	AN_ETOOMANY					/* more points than the algorithm supports */
} an_status;

/*
 * One observation of a time series: the timestamp as PostgreSQL's
 * timestamptz holds it (microseconds since 2000-01-01 00:00:00 UTC) and the
 * value.
 */
typedef struct an_point
{
	int64_t		ts;
	double		value;
} an_point;

/* A short lower-case English description of a status, for error messages. */
const char *an_status_message(an_status status);

/*
 * Hooks.  The defaults are malloc/free and a no-op interrupt check.  The
 * backend installs palloc-based ones in _PG_init.  an_alloc may return NULL
 * (the caller then returns AN_ENOMEM); an_check_interrupts may not return
 * (in a backend it can longjmp out of a core loop: core code must therefore
 * only hold memory obtained through an_alloc while it calls it, because
 * palloc'd memory is reclaimed with its memory context).
 */
typedef struct an_hooks
{
	void	   *(*alloc) (size_t size);
	void		(*release) (void *ptr);
	void		(*check_interrupts) (void);
} an_hooks;

void		an_set_hooks(const an_hooks *hooks);
void	   *an_alloc(size_t size);
void	   *an_alloc_array(size_t count, size_t elem_size);	/* overflow-checked */
void		an_free(void *ptr);
void		an_free_list(void *const *ptrs, size_t n);

/* an_free of each argument (pointers, any of them NULL), in order. */
#define AN_FREE_ALL(...) \
	an_free_list((void *const[]) {__VA_ARGS__}, \
				 sizeof((void *const[]) {__VA_ARGS__}) / sizeof(void *))

bool		an_all_allocated_list(void *const *ptrs, size_t n);

/*
 * Whether no argument is NULL (every allocation succeeded); if one is, an_free
 * of each, as AN_FREE_ALL, and false: the caller then only returns AN_ENOMEM.
 */
#define AN_ALL_ALLOCATED(...) \
	an_all_allocated_list((void *const[]) {__VA_ARGS__}, \
						  sizeof((void *const[]) {__VA_ARGS__}) / sizeof(void *))

void		an_check_interrupts(void);

/* How many iterations of a cheap inner loop between interrupt checks. */
#define AN_INTERRUPT_STRIDE 65536

/*
 * for (size_t i = 0; i < n; i++), in blocks of AN_INTERRUPT_STRIDE
 * iterations with an interrupt check before each block, so that a pass over
 * a long series can be cancelled while the inner loop stays as simple (and
 * as vectorizable) as before.  The body must not break: that would leave
 * only the current block.
 */
#define AN_FOR_CHECKED(i, n) \
	for (size_t i##_from = 0, i##_n = (n); i##_from < i##_n; i##_from += AN_INTERRUPT_STRIDE) \
		for (size_t i = (an_check_interrupts(), i##_from), \
			 i##_to = i##_n - i##_from > AN_INTERRUPT_STRIDE ? i##_from + AN_INTERRUPT_STRIDE : i##_n; \
			 i < i##_to; i++)

#endif
