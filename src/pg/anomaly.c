/*
 * anomaly.c: module magic and load-time setup.
 *
 * On load we (1) route src/core allocations to palloc and its long loops to
 * CHECK_FOR_INTERRUPTS(), and (2) pin OpenBLAS to one thread: Debian's
 * libopenblas is the pthread build, and a backend must never spawn threads.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include <cblas.h>

#include "core/core.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

static void *
pg_core_alloc(size_t size)
{
	/* NO_OOM: core code reports AN_ENOMEM and the glue raises a clean error. */
	return palloc_extended(size ? size : 1, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
}

static void
pg_core_release(void *ptr)
{
	pfree(ptr);
}

static void
pg_core_check_interrupts(void)
{
	CHECK_FOR_INTERRUPTS();
}

void
_PG_init(void)
{
	static const an_hooks hooks = {pg_core_alloc, pg_core_release, pg_core_check_interrupts};

	an_set_hooks(&hooks);
	openblas_set_num_threads(1);
}
