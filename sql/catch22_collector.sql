-- catch22(ts, value) / catch24(ts, value) on the shared point collector:
-- results independent of row order (ties by value), a state shared by
-- catch22 and catch24, groups spanning several collector chunks (more than
-- 65,536 rows) in a plain aggregate, a growing window frame and a parallel
-- plan, and the row limit.  Every result is compared with the array form on
-- the values sorted by SQL itself.

-- Shuffled rows with duplicate timestamps: the aggregate equals the array form
-- on the values ordered by (ts, value), for each of three orders of the same rows.
CREATE TEMP TABLE shuf AS
SELECT g, timestamptz '2026-01-01' + make_interval(mins => (i / 3)::int) AS ts,
       round((sin(i * g / 7.0) * 100)::numeric, 0)::float8 AS v, i
FROM generate_series(1, 3) g, generate_series(1, 500) i;
CREATE TEMP VIEW shuf_arrays AS
SELECT g, array_agg(v ORDER BY ts, v) AS y FROM shuf GROUP BY g;
SELECT o.name, count(*) AS groups, count(*) FILTER (WHERE r.f = catch22(a.y)) AS equal_to_array_form
FROM (VALUES ('as stored'), ('md5'), ('reversed')) AS o(name)
CROSS JOIN LATERAL (
	SELECT g, catch22(ts, v) AS f
	FROM (SELECT * FROM shuf ORDER BY CASE o.name WHEN 'md5' THEN md5(g || ':' || i) ELSE '' END,
	                                  CASE o.name WHEN 'reversed' THEN -i ELSE i END
	      OFFSET 0) s
	GROUP BY g) r
JOIN shuf_arrays a USING (g)
GROUP BY o.name ORDER BY o.name;

-- catch22 and catch24 over the same rows in one query (they may share one
-- transition state; the first final function must leave it intact for the second).
SELECT g, c22 = catch22(a.y) AS c22_ok, c24 = catch24(a.y) AS c24_ok, c24[1:22] = c22 AS prefix_ok
FROM (SELECT g, catch22(ts, v) AS c22, catch24(ts, v) AS c24
      FROM (SELECT * FROM shuf ORDER BY md5(i || ':' || g) OFFSET 0) s GROUP BY g) r
JOIN shuf_arrays a USING (g) ORDER BY g;

-- One group of 70,000 rows (two chunks of the collector), stored shuffled.
CREATE TEMP TABLE big AS
SELECT timestamptz '2026-01-01' + make_interval(secs => i) AS ts,
       sin(i / 50.0) + ((i * 7919) % 1000) / 1000.0 AS v, i
FROM generate_series(1, 70000) i
ORDER BY md5(i::text);
SELECT catch24(ts, v) = (SELECT catch24(array_agg(v ORDER BY ts)) FROM big) AS big_group_ok,
       catch22(ts, v) = (SELECT catch22(array_agg(v ORDER BY ts)) FROM big) AS big_shared_state_ok
FROM big;

-- A growing window frame over the same rows: frames of 66,000, 68,000 and
-- 70,000 rows (peers share a frame, so the final function runs three times,
-- each time after more rows arrived, each time on several chunks).
WITH rolled AS MATERIALIZED (
	SELECT upto, count(*) AS n, min(w) AS w_min, max(w) AS w_max
	FROM (SELECT CASE WHEN i <= 66000 THEN 66000 WHEN i <= 68000 THEN 68000 ELSE 70000 END AS upto,
	             catch22(ts, v) OVER (ORDER BY CASE WHEN i <= 66000 THEN 1 WHEN i <= 68000 THEN 2 ELSE 3 END) AS w
	      FROM big) b
	GROUP BY upto
), expected AS MATERIALIZED (
	SELECT upto, (SELECT catch22(array_agg(v ORDER BY ts)) FROM big WHERE i <= upto) AS f
	FROM (VALUES (66000), (68000), (70000)) AS u(upto)
)
SELECT r.upto AS frame_rows, r.n AS rows_with_frame, r.w_min = e.f AND r.w_max = e.f AS frame_ok
FROM rolled r JOIN expected e USING (upto) ORDER BY r.upto;

-- A frame read while some of its points still wait in the collector's line
-- of four (frames of 7, 14, 21, ... rows: 3, 2, 1, 0 pending in turn), in one
-- chunk and across several, against the array form of the same rows.
CREATE TEMP TABLE odd AS
SELECT i, timestamptz '2026-01-01' + make_interval(mins => i) AS ts, sin(i * 0.37) + (i % 11) / 10.0 AS v
FROM generate_series(1, 1003) i;
SELECT count(*) AS frames,
       count(*) FILTER (WHERE f.w = (SELECT catch22(array_agg(o.v ORDER BY o.ts)) FROM odd o WHERE o.i / 7 <= f.k)) AS frames_ok
FROM (SELECT DISTINCT i / 7 AS k, catch22(ts, v) OVER (ORDER BY i / 7) AS w FROM odd) f
WHERE f.k >= 1;

-- Parallel plan: workers each collect part of the big group, the leader
-- combines the deserialized states; the result equals the serial one.
CREATE TABLE c22_big_par AS SELECT * FROM big;
ANALYZE c22_big_par;
\i sql/include/force_parallel.sql
EXPLAIN (COSTS OFF) SELECT catch22(ts, v) FROM c22_big_par;
SELECT catch22(ts, v) = (SELECT catch22(array_agg(v ORDER BY ts)) FROM big) AS parallel_big_ok FROM c22_big_par;
RESET ALL;
DROP TABLE c22_big_par;

-- Frames of fewer than 3 rows are NULL in window use.
SELECT count(*) FILTER (WHERE w IS NULL) AS null_frames, count(w) AS computed
FROM (SELECT catch22(ts, v) OVER (ORDER BY i ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS w
      FROM shuf WHERE g = 1 AND i <= 10) s;

-- More than 4,000,000 rows in one group.
SELECT catch22(timestamptz '2026-01-01' + make_interval(secs => i), 1.0) FROM generate_series(1, 4000001) i;
