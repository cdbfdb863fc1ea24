/*
 * point_collector.h: the transition state shared by the aggregates that
 * collect (timestamp, value) points: ts_fit, catch22(ts, value), ...
 *
 * Points go into fixed-size chunks allocated in the aggregate memory
 * context (one palloc per 65,536 rows, never one per row, and no doubling
 * copies).  The final function gets them as one array sorted by (ts, value),
 * so the result never depends on row order or on how parallel workers split
 * the input: pc_take_sorted consumes the collector (ts_fit, whose final
 * function is READ_WRITE), pc_sorted_view leaves it intact (catch22, whose
 * final function runs again as a window frame grows).
 */
#ifndef ANOMALY_POINT_COLLECTOR_H
#define ANOMALY_POINT_COLLECTOR_H

#include "postgres.h"

#include "core/sort.h"

#define PC_CHUNK_POINTS 65536
/* The first chunk starts this small and doubles up to PC_CHUNK_POINTS (groups are often small). */
#define PC_FIRST_CHUNK_POINTS 64
/* 16 bytes a point: 2^28 points is 4 GiB, well past what one group should hold. */
#define PC_MAX_POINTS ((int64) 1 << 28)

typedef struct PointCollector
{
	int64		npoints;
	an_point   *cur;			/* where the next point goes; cur == end: no room */
	an_point   *end;
	int			nchunks;
	int			maxchunks;
	int			first_cap;		/* capacity of chunks[0]; the others hold PC_CHUNK_POINTS */
	an_point  **chunks;
} PointCollector;

/* Make room for at least one point (cur < end afterwards). */
void		pc_reserve(PointCollector *pc, MemoryContext ctx, const char *fname);

/*
 * Add one point.  Inline, and touching only the collector itself on the
 * common path: with rows of many groups interleaved (metrics arrive time by
 * time), every extra pointer followed here is a cache miss per row.
 */
static inline void
pc_add(PointCollector *pc, MemoryContext ctx, int64 ts, double value, const char *fname)
{
	if (unlikely(pc->cur == pc->end))
		pc_reserve(pc, ctx, fname);
	pc->cur->ts = ts;
	pc->cur->value = value;
	pc->cur++;
	pc->npoints++;
}
void		pc_append(PointCollector *dst, MemoryContext ctx, const PointCollector *src, const char *fname);

/*
 * Serialize for parallel query: a 4-byte tag, extra_len bytes of caller data
 * (e.g. options), the point count, then the points.  Partial states live only
 * inside one server, so points are copied as they are in memory.
 */
bytea	   *pc_serialize(const PointCollector *pc, uint32 tag, const char *extra, uint32 extra_len);

/*
 * The inverse; checks the tag, every length and that every value is finite
 * (the sorts require no NaN; the transition functions reject them, so only
 * a corrupt state has one).  Returns a pointer to the extra bytes inside b
 * and their length.
 */
const char *pc_deserialize(bytea *b, uint32 tag, PointCollector *pc, MemoryContext ctx,
						   uint32 *extra_len, const char *fname);

/*
 * Gather all points into one array, sorted, for the caller to pfree: the
 * single chunk itself when there is only one (no copy), else a new array
 * (palloc'd in CurrentMemoryContext, huge allowed) with the chunks freed.
 * Leaves pc empty.
 */
an_point   *pc_take_sorted(PointCollector *pc, size_t *n, const char *fname);

/*
 * All points sorted by (ts, value), without consuming pc: for a final
 * function that may run again after more points arrive (an aggregate used
 * as a window function) or that shares its state with another aggregate.
 * With one chunk (every group under PC_CHUNK_POINTS points) that chunk is
 * sorted in place and returned: *copied = false, do not free it, and do not
 * use it after the next pc_add / pc_append.  With several chunks they are
 * gathered into a new sorted array (palloc'd in CurrentMemoryContext, huge
 * allowed): *copied = true, for the caller to pfree.  Either way pc still
 * holds the same multiset of points and stays usable (add, append,
 * serialize, view again).  NULL with *n = 0 when pc is empty.
 */
const an_point *pc_sorted_view(PointCollector *pc, size_t *n, bool *copied, const char *fname);

#endif
