/*
 * seed_file.h: writes one seed file for the fuzzers (shared by the make_*seeds programs).
 */
#ifndef ANOMALY_SEED_FILE_H
#define ANOMALY_SEED_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static void
write_seed(const char *dir, const char *name, const uint8_t *buf, size_t len)
{
	char		path[1024];
	FILE	   *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(buf, 1, len, f) != len)
	{
		perror(path);
		exit(1);
	}
	fclose(f);
}

#endif
