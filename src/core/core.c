/*
 * core.c: status messages and the allocation / interrupt hooks.
 */
#include "core/core.h"

#include <stdlib.h>

static void *
default_alloc(size_t size)
{
	return malloc(size ? size : 1);
}

static void
default_release(void *ptr)
{
	free(ptr);
}

static void
default_check_interrupts(void)
{
}

static an_hooks current_hooks = {default_alloc, default_release, default_check_interrupts};

void
an_set_hooks(const an_hooks *hooks)
{
	current_hooks = *hooks;
}

void *
an_alloc(size_t size)
{
	return current_hooks.alloc(size);
}

void *
an_alloc_array(size_t count, size_t elem_size)
{
	if (elem_size != 0 && count > SIZE_MAX / elem_size)
		return NULL;
	return current_hooks.alloc(count * elem_size);
}

void
an_free(void *ptr)
{
	if (ptr != NULL)
		current_hooks.release(ptr);
}

void
an_free_list(void *const *ptrs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		an_free(ptrs[i]);
}

bool
an_all_allocated_list(void *const *ptrs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ptrs[i] == NULL)
		{
			an_free_list(ptrs, n);
			return false;
		}
	return true;
}

void
an_check_interrupts(void)
{
	current_hooks.check_interrupts();
}

const char *
an_status_message(an_status status)
{
	switch (status)
	{
		case AN_OK:
			return "success";
		case AN_ENOMEM:
			return "out of memory";
		case AN_EINVAL:
			return "invalid argument";
		case AN_ETRUNCATED:
			return "model is truncated";
		case AN_EMAGIC:
			return "not an anomaly model (wrong magic number)";
		case AN_EVERSION:
			return "model format version is newer than this build reads";
		case AN_EKIND:
			return "unknown model kind";
		case AN_EFLAGS:
			return "unknown model flags";
		case AN_ECHECKSUM:
			return "model checksum mismatch";
		case AN_ELENGTH:
			return "model length mismatch";
		case AN_ECORRUPT:
			return "model payload is corrupt";
		case AN_ENONFINITE:
			return "non-finite value";
		case AN_ETOOMANY:
			return "too many points";
	}
	return "unknown status";
}
