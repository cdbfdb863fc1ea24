/*
 * point_collector.h: the transition state shared by the aggregates that
 * collect (timestamp, value) points: ts_fit, catch22(ts, value), ...
 *
 * Points go into chunks allocated in the aggregate memory context: 64, 64,
 * 128, 256, ... points, each as large as all the chunks before it, up to
 * PC_CHUNK_POINTS, then PC_CHUNK_POINTS each.  One palloc per chunk, never
 * one per row, and nothing is copied or freed while a group grows: with the
 * rows of many groups interleaved (metrics stored time by time) every group
 * grows at once, and chunks freed on growing could serve no other group, so
 * growing in place by doubling would leave half again as much memory
 * stranded (and faulted in) as the points themselves.  A group of 1,000
 * points takes 16 kB.  The final function gets the points as one array
 * sorted by (ts, value), so the result never depends on row order or on how
 * parallel workers split the input: pc_take_sorted consumes the collector
 * (ts_fit, whose final function is READ_WRITE), pc_sorted_view leaves it
 * intact (catch22, whose final function runs again as a window frame grows).
 */
#ifndef ANOMALY_POINT_COLLECTOR_H
#define ANOMALY_POINT_COLLECTOR_H

#include "postgres.h"

#include "core/sort.h"

/* Chunk sizes: PC_FIRST_CHUNK_POINTS twice, then doubling up to PC_CHUNK_POINTS (both powers of two). */
#define PC_FIRST_CHUNK_POINTS 64
#define PC_CHUNK_POINTS 65536
/* 16 bytes a point: 2^28 points is 4 GiB, well past what one group should hold. */
#define PC_MAX_POINTS ((int64) 1 << 28)

typedef struct PointCollector
{
	int64		npoints;
	an_point   *cur;			/* where the next point goes; cur == end: no room */
	an_point   *end;
	int			nchunks;
	int			maxchunks;
	an_point  **chunks;			/* chunk c holds pc_chunk_capacity(c) points, the last one up to that */
} PointCollector;

/* The number of points chunk c holds when full. */
static inline int64
pc_chunk_capacity(int c)
{
	/* 64 << 10 is PC_CHUNK_POINTS */
	return c == 0 ? PC_FIRST_CHUNK_POINTS : (c > 10 ? PC_CHUNK_POINTS : (int64) PC_FIRST_CHUNK_POINTS << (c - 1));
}

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
 * single chunk itself when there is only one (up to 64 points: no copy), else a new array
 * (palloc'd in CurrentMemoryContext, huge allowed) with the chunks freed.
 * Leaves pc empty.
 */
an_point   *pc_take_sorted(PointCollector *pc, size_t *n, const char *fname);

/*
 * All points sorted by (ts, value), without consuming pc: for a final
 * function that may run again after more points arrive (an aggregate used
 * as a window function) or that shares its state with another aggregate.
 * With one chunk (up to PC_FIRST_CHUNK_POINTS points) that chunk is
 * sorted in place and returned: *copied = false, do not free it, and do not
 * use it after the next pc_add / pc_append.  With several chunks they are
 * gathered into a new sorted array (palloc'd in CurrentMemoryContext, huge
 * allowed): *copied = true, for the caller to pfree.  Either way pc still
 * holds the same multiset of points and stays usable (add, append,
 * serialize, view again).  NULL with *n = 0 when pc is empty.
 */
const an_point *pc_sorted_view(PointCollector *pc, size_t *n, bool *copied, const char *fname);

#endif
