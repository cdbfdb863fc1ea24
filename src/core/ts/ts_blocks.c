/*
 * ts_blocks.c: reading the appended blocks of a time-series payload (see
 * ts_blocks.h).  The writers stay with their owners: the kinds write the
 * tail block, ts_model.c appends the shape and discord blocks.
 */
#include "core/ts/ts_blocks.h"

#include "core/ts/ts_analog_model.h"
#include "core/ts/ts_discord_model.h"
#include "core/ts/ts_shape.h"
#include "core/ts/ts_tail.h"

void
an_ts_get_blocks(an_reader *r, an_ts_model *m)
{
	if (m->format_version >= 2)
		an_ts_tail_read(r, &m->tail);
	if (m->format_version >= 3)
		an_ts_shape_read(r, &m->shape);
	if (m->format_version >= 4)
		an_ts_discord_model_read(r, &m->discord);
	if (m->format_version >= 5)
		an_ts_analog_model_read(r, &m->analog);
}
