/*
 * ts_blocks.h: the blocks that later format versions append after a
 * time-series kind's own fields, read in one place for every kind.  Kept
 * apart from ts_common.h because it depends on the shape and discord
 * components, which themselves use ts_common (no file cycle).
 */
#ifndef ANOMALY_TS_BLOCKS_H
#define ANOMALY_TS_BLOCKS_H

#include "core/model_format.h"
#include "core/ts/ts_model.h"

/*
 * Read the appended blocks as m->format_version has them: the tail block
 * (version 2 on), the shape block (3 on), the discord block (4 on), the
 * analog block (5).  Each
 * validates itself and fails the reader on corrupt input.
 */
void		an_ts_get_blocks(an_reader *r, an_ts_model *m);

#endif
