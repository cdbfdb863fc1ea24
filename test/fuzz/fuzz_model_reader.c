/*
 * fuzz_model_reader.c: libFuzzer target for every model reader.
 *
 * Arbitrary bytes go through the envelope check and each kind's decoder;
 * whatever is accepted is then used (info, scoring), so a decoder that lets
 * an inconsistent model through shows up as a sanitizer report here.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/model_format.h"
#include "core/time_units.h"
#include "core/ts/ts_model.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	an_model_header h;
	const uint8_t *payload;
	an_ts_model *m = NULL;

	(void) an_model_open(data, size, &h, &payload);
	if (an_ts_model_load(data, size, &m) == AN_OK)
	{
		char	   *json = NULL;
		an_ts_detection d;

		if (an_ts_model_info_json(m, &json) == AN_OK)
			an_free(json);
		an_ts_detect(m, m->t_first, 1.0, &d);
		an_ts_detect(m, m->t_last + AN_USECS_PER_DAY * 365, -1e300, &d);
		an_ts_expect(m, -AN_USECS_PER_DAY * 365, &d);
		an_ts_model_free(m);
	}
	return 0;
}
