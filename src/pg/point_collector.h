/*
 * point_collector.h: the transition state shared by the aggregates that
 * collect (timestamp, value) points: ts_fit, catch22(ts, value), ...
 *
 * Points go into chunks allocated in the aggregate memory context: 64, 64,
 * 128, 256, ... points' worth, each as large as all the chunks before it, up
 * to PC_CHUNK_POINTS, then PC_CHUNK_POINTS each (the first cache line of
 * each goes to aligning it, see alloc_chunk).  One palloc per chunk, never
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

#include "core/group_limit.h"
#include "core/sort.h"

/* Chunk sizes: PC_FIRST_CHUNK_POINTS twice, then doubling up to PC_CHUNK_POINTS (both powers of two). */
#define PC_FIRST_CHUNK_POINTS 64
#define PC_CHUNK_POINTS 65536
/* At most this many points (exactly: see core/group_limit.h, which every check goes through). */
#define PC_MAX_POINTS AN_GROUP_MAX_POINTS

/* Points a row adds go to line[] first; a full line is one cache line of a chunk. */
#define PC_LINE_POINTS 4

typedef struct PointCollector
{
	int64		npoints;		/* all points: those in the chunks, then the pending ones */
	an_point   *cur;			/* where the next line goes; cur == end: no room */
	an_point   *end;
	int			nchunks;
	int			maxchunks;
	an_point  **chunks;			/* 64-byte aligned; chunk c holds pc_chunk_capacity(c) points, the last one up to that */
	int			pending;		/* points in line[], not yet in a chunk */
	an_point	line[PC_LINE_POINTS];
} PointCollector;

/*
 * The number of points chunk c holds when full: its allocation is 64, 64,
 * 128, ... points' worth (a power of two that palloc does not round up), of
 * which the first line goes to aligning the chunk (see alloc_chunk).
 */
static inline int64
pc_chunk_allocation(int c)
{
	/* 64 << 10 is PC_CHUNK_POINTS */
	return c == 0 ? PC_FIRST_CHUNK_POINTS : (c > 10 ? PC_CHUNK_POINTS : (int64) PC_FIRST_CHUNK_POINTS << (c - 1));
}

static inline int64
pc_chunk_capacity(int c)
{
	return pc_chunk_allocation(c) - PC_LINE_POINTS;
}

/* The error for a group past PC_MAX_POINTS. */
void		pc_too_many(const char *fname) pg_attribute_noreturn();

/* Make room for at least one point (cur < end afterwards). */
void		pc_reserve(PointCollector *pc, MemoryContext ctx, const char *fname);

/* Move the pending points of a full line[] into the chunks. */
void		pc_flush_line(PointCollector *pc, MemoryContext ctx, const char *fname);

/*
 * Add one point.  Inline, and touching only the collector itself: with rows
 * of many groups interleaved (metrics arrive time by time), every row goes
 * to another group, and a point written straight into its chunk would pull
 * that chunk's cache line in for each row and push it out again later, 16
 * bytes at a time.  The points wait in line[] instead, and every fourth
 * point sends the whole line to the chunk at once, past the caches where
 * the processor can (see pc_flush_line): the hash table of the groups stays
 * in the cache.
 */
static inline void
pc_add(PointCollector *pc, MemoryContext ctx, int64 ts, double value, const char *fname)
{
	an_point   *p = &pc->line[pc->pending];

	if (unlikely(!an_group_fits(pc->npoints, 1, PC_MAX_POINTS)))
		pc_too_many(fname);
	p->ts = ts;
	p->value = value;
	pc->npoints++;
	if (++pc->pending == PC_LINE_POINTS)
		pc_flush_line(pc, ctx, fname);
}
void		pc_append(PointCollector *dst, MemoryContext ctx, const PointCollector *src, const char *fname);

/* Append n points (already checked by the caller: finite values); pc_too_many past PC_MAX_POINTS. */
void		pc_add_points(PointCollector *pc, MemoryContext ctx, const an_point *src, int64 n, const char *fname);

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
 * Gather all points into one new array (palloc'd in CurrentMemoryContext,
 * huge allowed), sorted, for the caller to pfree; the chunks are freed as
 * they are copied.  Leaves pc empty.
 */
an_point   *pc_take_sorted(PointCollector *pc, size_t *n, const char *fname);

/*
 * All points sorted by (ts, value), without consuming pc: for a final
 * function that may run again after more points arrive (an aggregate used
 * as a window function) or that shares its state with another aggregate.
 * With all points in one chunk (up to pc_chunk_capacity(0) points, none
 * pending in line[]) that chunk is sorted in place and returned: *copied =
 * false, do not free it, and do not use it after the next pc_add /
 * pc_append.  Otherwise they are gathered into a new sorted array (palloc'd
 * in CurrentMemoryContext, huge allowed): *copied = true, for the caller to
 * pfree.  Either way pc still
 * holds the same multiset of points and stays usable (add, append,
 * serialize, view again).  NULL with *n = 0 when pc is empty.
 */
const an_point *pc_sorted_view(PointCollector *pc, size_t *n, bool *copied, const char *fname);

#endif
