/*
 * point_collector.c: chunked (ts, value) storage for aggregates.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/memutils.h"

#include "pg/agg_support.h"
#include "pg/error_report.h"
#include "pg/point_collector.h"

#ifdef __SSE2__
#include <emmintrin.h>
/* whole cache lines go to the chunks by non-temporal stores */
#define PC_STREAMING 1
#endif

#define PC_ALIGN 64

/*
 * A chunk of cap points starting on a cache line (palloc aligns to 8 bytes
 * only), with the pointer to free stored just before it.  The allocation is
 * one line more than cap, so that it stays the power of two
 * pc_chunk_allocation says.
 */
static an_point *
alloc_chunk(MemoryContext ctx, int64 cap)
{
	char	   *raw = MemoryContextAlloc(ctx, sizeof(an_point) * (cap + PC_LINE_POINTS));
	char	   *aligned = (char *) TYPEALIGN(PC_ALIGN, raw + sizeof(void *));

	((void **) aligned)[-1] = raw;
	return (an_point *) aligned;
}

static void
free_chunk(an_point *chunk)
{
	pfree(((void **) chunk)[-1]);
}

/*
 * Non-temporal stores are ordered only by a fence: before the chunks are
 * read (or reordered) in place.
 */
static inline void
chunks_settled(void)
{
#ifdef PC_STREAMING
	_mm_sfence();
#endif
}

void
pc_too_many(const char *fname)
{
	report_status(AN_ETOOMANY, fname, "At most %lld points can be aggregated into one result.",
				  (long long) PC_MAX_POINTS);
	pg_unreachable();
}

/*
 * Point cur and end at a new chunk, the next in size (see
 * pc_chunk_capacity): chunks are never reallocated, so the points already
 * collected stay where they are.
 */
void
pc_reserve(PointCollector *pc, MemoryContext ctx, const char *fname)
{
	int64		cap = pc_chunk_capacity(pc->nchunks);

	if (pc->nchunks == pc->maxchunks)
	{
		int			newmax = pc->maxchunks ? pc->maxchunks * 2 : 8;

		if (pc->chunks == NULL)
			pc->chunks = MemoryContextAlloc(ctx, sizeof(an_point *) * newmax);
		else
			pc->chunks = repalloc(pc->chunks, sizeof(an_point *) * newmax);
		pc->maxchunks = newmax;
	}
	pc->cur = pc->chunks[pc->nchunks++] = alloc_chunk(ctx, cap);
	pc->end = pc->cur + cap;
}

/* Append n points from src, filling the last chunk first. */
static void
append_points(PointCollector *pc, MemoryContext ctx, const an_point *src, int64 n, const char *fname)
{
	while (n > 0)
	{
		int64		take;

		if (pc->cur == pc->end)
			pc_reserve(pc, ctx, fname);
		take = Min(n, pc->end - pc->cur);
		memcpy(pc->cur, src, sizeof(an_point) * take);
		pc->cur += take;
		pc->npoints += take;
		src += take;
		n -= take;
	}
}

/* Called by pc_add with line[] full. */
void
pc_flush_line(PointCollector *pc, MemoryContext ctx, const char *fname)
{
	if (pc->cur == pc->end)
		pc_reserve(pc, ctx, fname);
#ifdef PC_STREAMING
	StaticAssertStmt(sizeof(an_point) * PC_LINE_POINTS == PC_ALIGN, "a line of points is a cache line");
	/* chunk capacities are multiples of a line, so cur stays aligned unless pc_append wrote single points */
	if (((uintptr_t) pc->cur % PC_ALIGN) == 0 && pc->end - pc->cur >= PC_LINE_POINTS)
	{
		__m128i    *dst = (__m128i *) pc->cur;
		const char *src = (const char *) pc->line;

		_mm_stream_si128(dst, _mm_loadu_si128((const __m128i *) src));
		_mm_stream_si128(dst + 1, _mm_loadu_si128((const __m128i *) (src + 16)));
		_mm_stream_si128(dst + 2, _mm_loadu_si128((const __m128i *) (src + 32)));
		_mm_stream_si128(dst + 3, _mm_loadu_si128((const __m128i *) (src + 48)));
		pc->cur += PC_LINE_POINTS;
		pc->pending = 0;
		return;
	}
#endif
	/* append_points counts them again */
	pc->pending = 0;
	pc->npoints -= PC_LINE_POINTS;
	append_points(pc, ctx, pc->line, PC_LINE_POINTS, fname);
}

void
pc_add_points(PointCollector *pc, MemoryContext ctx, const an_point *src, int64 n, const char *fname)
{
	if (!an_group_fits(pc->npoints, n, PC_MAX_POINTS))
		pc_too_many(fname);
	/* the pending points stay last: order does not matter, the final functions sort */
	append_points(pc, ctx, src, n, fname);
}

void
pc_append(PointCollector *dst, MemoryContext ctx, const PointCollector *src, const char *fname)
{
	int64		in_chunks = src->npoints - src->pending,
				done = 0;

	if (!an_group_fits(dst->npoints, src->npoints, PC_MAX_POINTS))
		pc_too_many(fname);
	chunks_settled();
	for (int c = 0; c < src->nchunks; c++)
	{
		int64		n = Min(pc_chunk_capacity(c), in_chunks - done);

		append_points(dst, ctx, src->chunks[c], n, fname);
		done += n;
	}
	append_points(dst, ctx, src->line, src->pending, fname);
}

bytea *
pc_serialize(const PointCollector *pc, uint32 tag, const char *extra, uint32 extra_len)
{
	Size		points_bytes = mul_size(sizeof(an_point), (Size) pc->npoints);
	Size		total = add_size(add_size(VARHDRSZ + 8 + 8, extra_len), points_bytes);
	bytea	   *out;
	char	   *p;

	if (total > MaxAllocSize)
		ereport(ERROR,
				errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				errmsg("aggregate state too large to pass between parallel workers"),
				errhint("Disable parallel query for this statement (SET max_parallel_workers_per_gather = 0)."));
	out = palloc(total);
	SET_VARSIZE(out, total);
	p = VARDATA(out);
	memcpy(p, &tag, 4);
	memcpy(p + 4, &extra_len, 4);
	p += 8;
	if (extra_len)
		memcpy(p, extra, extra_len);
	p += extra_len;
	memcpy(p, &pc->npoints, 8);
	p += 8;
	chunks_settled();
	for (int64 c = 0, done = 0, in_chunks = pc->npoints - pc->pending; c < pc->nchunks; c++)
	{
		int64		n = Min(pc_chunk_capacity((int) c), in_chunks - done);

		memcpy(p, pc->chunks[c], sizeof(an_point) * n);
		p += sizeof(an_point) * n;
		done += n;
	}
	memcpy(p, pc->line, sizeof(an_point) * pc->pending);
	return out;
}

const char *
pc_deserialize(bytea *b, uint32 tag, PointCollector *pc, MemoryContext ctx,
			   uint32 *extra_len, const char *fname)
{
	Size		len = VARSIZE_ANY_EXHDR(b);
	const char *p = VARDATA_ANY(b);
	const char *extra;
	uint32		got_tag;
	int64		n;

	if (len < 8)
		report_bad_state(fname);
	memcpy(&got_tag, p, 4);
	memcpy(extra_len, p + 4, 4);
	if (got_tag != tag || *extra_len > len - 8 || len - 8 - *extra_len < 8)
		report_bad_state(fname);
	extra = p + 8;
	p = extra + *extra_len;
	memcpy(&n, p, 8);
	p += 8;
	if (!an_group_fits(0, n, PC_MAX_POINTS) || (Size) n * sizeof(an_point) != len - 16 - *extra_len)
		report_bad_state(fname);
	for (int64 i = 0; i < n; i++)
	{
		double		v;

		memcpy(&v, p + i * sizeof(an_point) + offsetof(an_point, value), sizeof(double));
		if (!isfinite(v))
			report_bad_state(fname);
	}
	append_points(pc, ctx, (const an_point *) p, n, fname);
	return extra;
}

/*
 * Copy all points into one new array (palloc'd in CurrentMemoryContext, huge
 * allowed), chunk by chunk; with free_chunks, each chunk is freed once copied.
 */
static an_point *
gather(PointCollector *pc, bool free_chunks, const char *fname)
{
	an_point   *all;
	int64		in_chunks = pc->npoints - pc->pending,
				done = 0;

	all = palloc_extended(Max(sizeof(an_point) * (Size) pc->npoints, 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
	if (all == NULL)
		report_status(AN_ENOMEM, fname, "Failed to gather %lld points.", (long long) pc->npoints);
	chunks_settled();
	for (int c = 0; c < pc->nchunks; c++)
	{
		int64		take = Min(pc_chunk_capacity(c), in_chunks - done);

		memcpy(all + done, pc->chunks[c], sizeof(an_point) * take);
		done += take;
		if (free_chunks)
		{
			free_chunk(pc->chunks[c]);
			pc->chunks[c] = NULL;
		}
	}
	memcpy(all + done, pc->line, sizeof(an_point) * pc->pending);
	return all;
}

an_point *
pc_take_sorted(PointCollector *pc, size_t *n, const char *fname)
{
	an_point   *all;

	*n = (size_t) pc->npoints;
	all = gather(pc, true, fname);
	pc->npoints = 0;
	pc->nchunks = 0;
	pc->pending = 0;
	pc->cur = pc->end = NULL;
	an_sort_points(all, *n);
	return all;
}

const an_point *
pc_sorted_view(PointCollector *pc, size_t *n, bool *copied, const char *fname)
{
	an_point   *all;

	*n = (size_t) pc->npoints;
	*copied = false;
	if (pc->npoints == 0)
		return NULL;
	if (pc->nchunks == 1 && pc->pending == 0)
	{
		/*
		 * Reordering the points inside the chunk leaves the collector the
		 * same multiset with the same count, so cur still marks the first
		 * free slot.
		 */
		chunks_settled();
		all = pc->chunks[0];
	}
	else
	{
		all = gather(pc, false, fname);
		*copied = true;
	}
	an_sort_points(all, *n);
	return all;
}
