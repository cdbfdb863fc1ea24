-- ts_discords: the top-k discords by an exact matrix-profile self-join,
-- against hand-derived values and a brute-force computation in SQL (every
-- window z-normalised on its own, every pair outside the exclusion zone
-- |i - j| <= ceil(w/4) compared), then the aggregate form, parallel query
-- and bad input.
SET extra_float_digits = 0;

-- The oracle: each window's nearest non-trivial neighbour by brute force
-- (a constant window z-normalises to the zero vector).
CREATE FUNCTION pg_temp.brute_profile(y float8[], w int)
RETURNS TABLE (i int, d float8, nn int) LANGUAGE sql AS $$
	WITH v AS (SELECT s AS i, t, y[s + t] AS x
	           FROM generate_series(1, array_length(y, 1) - w + 1) s, generate_series(0, w - 1) t),
	st AS (SELECT i, avg(x) AS mu, max(x) = min(x) AS flat FROM v GROUP BY i),
	sd AS (SELECT v.i, sqrt(avg((v.x - st.mu) ^ 2)) AS sd FROM v JOIN st USING (i) GROUP BY v.i),
	z AS (SELECT v.i, v.t, CASE WHEN st.flat THEN 0 ELSE (v.x - st.mu) / sd.sd END AS z
	      FROM v JOIN st USING (i) JOIN sd USING (i)),
	pairs AS (SELECT a.i, b.i AS j, sqrt(sum((a.z - b.z) ^ 2)) AS d
	          FROM z a JOIN z b ON a.t = b.t AND abs(a.i - b.i) > ceil(w / 4.0)
	          GROUP BY a.i, b.i)
	SELECT DISTINCT ON (i) i, d, j FROM pairs ORDER BY i, d, j
$$;

-- Checks discords against the oracle: each distance is the brute-force
-- profile at its window (1e-9 relative), the neighbour is at that distance,
-- the discords do not overlap, and each is the largest profile value among
-- the windows that overlap none of the earlier ones (to 1e-9: the brute force
-- and the diagonal traversal round differently, so which of two windows
-- 1e-15 apart comes first is not for a test to say).
CREATE FUNCTION pg_temp.check_discords(y float8[], w int, k int)
RETURNS TABLE (discords int, distances_ok bool, neighbors_ok bool, greedy_ok bool) LANGUAGE sql AS $$
	WITH d AS (SELECT * FROM unnest(ts_discords(y, w, k))),
	p AS (SELECT * FROM pg_temp.brute_profile(y, w)),
	nd AS (SELECT d.rank, sqrt(sum((a.z - b.z) ^ 2)) AS dist
	       FROM d,
	            LATERAL (SELECT t, CASE WHEN max(y[d.start_index + t]) OVER () = min(y[d.start_index + t]) OVER () THEN 0
	                              ELSE (y[d.start_index + t] - avg(y[d.start_index + t]) OVER ())
	                                   / sqrt(avg(y[d.start_index + t] ^ 2) OVER () - avg(y[d.start_index + t]) OVER () ^ 2) END AS z
	                     FROM generate_series(0, w - 1) t) a
	            JOIN LATERAL (SELECT t, CASE WHEN max(y[d.neighbor_index + t]) OVER () = min(y[d.neighbor_index + t]) OVER () THEN 0
	                              ELSE (y[d.neighbor_index + t] - avg(y[d.neighbor_index + t]) OVER ())
	                                   / sqrt(avg(y[d.neighbor_index + t] ^ 2) OVER () - avg(y[d.neighbor_index + t]) OVER () ^ 2) END AS z
	                     FROM generate_series(0, w - 1) t) b USING (t)
	       GROUP BY d.rank)
	SELECT (SELECT count(*)::int FROM d),
	       (SELECT bool_and(abs(d.distance - p.d) <= 1e-9 * p.d) FROM d JOIN p ON p.i = d.start_index),
	       (SELECT bool_and(abs(d.distance - nd.dist) <= 1e-9 * d.distance
	                        AND abs(d.neighbor_index - d.start_index) > ceil(w / 4.0)) FROM d JOIN nd USING (rank)),
	       (SELECT bool_and(NOT EXISTS (
	            SELECT 1 FROM p WHERE p.d > d.distance * (1 + 1e-9)
	              AND NOT EXISTS (SELECT 1 FROM d e WHERE e.rank < d.rank AND abs(e.start_index - p.i) < w)))
	          AND bool_and(NOT EXISTS (SELECT 1 FROM d e WHERE e.rank < d.rank AND abs(e.start_index - d.start_index) < w))
	        FROM d)
$$;

-- Hand-derived: 3 3 3 3 3 1 2 3 with w = 4.  Windows 1 and 2 are constant,
-- 3, 4, 5 are not; every window has a partner of the other kind outside the
-- exclusion zone (|i - j| <= 1) and the distance between a constant and a
-- non-constant window is sqrt(4) = 2, which is the nearest for every window
-- (windows 3 and 5, the only non-constant pair, are 3.49 apart).  So the
-- first discord is window 1 at distance 2, the next one that overlaps
-- window 1 nowhere is window 5, and nothing else fits.
SELECT rank, start_index, distance, ts IS NULL AS no_ts FROM unnest(ts_discords('{3,3,3,3,3,1,2,3}', 4, 5));
SELECT * FROM pg_temp.check_discords('{3,3,3,3,3,1,2,3}', 4, 5);

-- A constant series: every distance is 0; the discords are the earliest
-- windows that fit: starts 1, 5, 9.
SELECT rank, start_index, distance FROM unnest(ts_discords(array_fill(5.0::float8, ARRAY[20]), 4, 3));

-- A sine of period 20 with one distorted cycle (rows 121-140 at twice the
-- frequency): the first discord overlaps the distorted cycle, and the first
-- two agree with brute force (the third would be one of the windows with an
-- exact repeat, at distance 0 up to rounding).
CREATE TEMP TABLE sine AS
SELECT i, timestamptz '2026-01-01' + make_interval(mins => i) AS ts,
       CASE WHEN i BETWEEN 121 AND 140 THEN sin(4 * pi() * i / 20) ELSE sin(2 * pi() * i / 20) END AS v
FROM generate_series(1, 200) i;
SELECT rank, start_index BETWEEN 121 - 20 + 1 AND 140 AS in_distorted_cycle
FROM unnest(ts_discords((SELECT array_agg(v ORDER BY i) FROM sine), 20, 1));
SELECT * FROM pg_temp.check_discords((SELECT array_agg(v ORDER BY i) FROM sine), 20, 2);

-- A jagged series with a flat stretch, windows of several lengths.
CREATE TEMP TABLE jag AS
SELECT i, CASE WHEN i BETWEEN 60 AND 75 THEN 1.5 ELSE sin(i * 0.4) + ((i * 7919) % 101) / 100.0 END AS v
FROM generate_series(1, 150) i;
SELECT w, c.* FROM unnest(ARRAY[4, 5, 12, 37, 75]) w,
	LATERAL pg_temp.check_discords((SELECT array_agg(v ORDER BY i) FROM jag), w, 4) c;

-- The aggregate: rows in any order, with NULL rows skipped, give the array
-- form's discords, with the timestamps of their windows.
SELECT rank, start_index, ts, round(distance::numeric, 9) AS distance, neighbor_index, neighbor_ts
FROM unnest((SELECT ts_discords(ts, v, 20, 2) FROM (SELECT * FROM sine ORDER BY md5(i::text)) s));
CREATE FUNCTION pg_temp.no_ts(d ts_discord[]) RETURNS text LANGUAGE sql AS $$
	SELECT string_agg(format('%s %s %s %s', rank, start_index, distance, neighbor_index), '; ' ORDER BY rank) FROM unnest(d)
$$;
SELECT pg_temp.no_ts((SELECT ts_discords(ts, v, 20, 3) FROM (SELECT ts, v FROM sine UNION ALL SELECT NULL, 1 UNION ALL SELECT now(), NULL) s))
     = pg_temp.no_ts((SELECT ts_discords(array_agg(v ORDER BY i), 20, 3) FROM sine)) AS agg_equals_array;
-- the timestamps are those of the rows at the indexes
SELECT bool_and(d.ts = a.ts AND d.neighbor_ts = b.ts) AS timestamps_ok
FROM unnest((SELECT ts_discords(ts, v, 20, 3) FROM sine)) d JOIN sine a ON a.i = d.start_index JOIN sine b ON b.i = d.neighbor_index;
-- an empty group: NULL
SELECT ts_discords(ts, v, 20, 2) IS NULL AS empty_is_null FROM sine WHERE false;

-- Many series at once, and a parallel plan with the same result.
CREATE TABLE disc_many AS
SELECT g AS series, timestamptz '2026-01-01' + make_interval(mins => i) AS ts,
       sin(i * 2 * pi() / 25) + CASE WHEN i BETWEEN 100 + g AND 110 + g THEN 0.8 ELSE 0 END + ((i * 7919 + g) % 97) / 970.0 AS value
FROM generate_series(1, 12) g, generate_series(1, 300) i;
ANALYZE disc_many;
SELECT series, d.start_index, d.start_index BETWEEN 100 + series - 25 AND 110 + series AS at_bump
FROM (SELECT series, ts_discords(ts, value, 25, 1) AS ds FROM disc_many GROUP BY series) s, unnest(s.ds) d
ORDER BY series;
SELECT md5(string_agg(ds::text, ';' ORDER BY series)) AS serial_hash
FROM (SELECT series, ts_discords(ts, value, 25, 3) AS ds FROM disc_many GROUP BY series) s \gset
\i sql/include/force_parallel.sql
EXPLAIN (COSTS OFF) SELECT ts_discords(ts, value, 25, 3) FROM disc_many WHERE series = 1;
SELECT pg_temp.no_ts(ts_discords(ts, value, 25, 3)) = (SELECT pg_temp.no_ts(ts_discords(array_agg(value ORDER BY ts), 25, 3)) FROM disc_many WHERE series = 1)
	AS parallel_values_equal FROM disc_many WHERE series = 1;
SELECT md5(string_agg(ds::text, ';' ORDER BY series)) = :'serial_hash' AS parallel_equals_serial
FROM (SELECT series, ts_discords(ts, value, 25, 3) AS ds FROM disc_many GROUP BY series) s;
RESET ALL;
SET extra_float_digits = 0;
DROP TABLE disc_many;

-- As a window function: frames shorter than twice the window are NULL.
SELECT count(*) FILTER (WHERE d IS NULL) AS null_frames, count(d) AS computed
FROM (SELECT ts_discords(ts, v, 20, 1) OVER (ORDER BY i ROWS BETWEEN 44 PRECEDING AND CURRENT ROW) AS d
      FROM sine WHERE i <= 60) s;

-- Bad input.
SELECT ts_discords('{1,2,3,4,5,6,7,8,9,10}', 3, 1);
SELECT ts_discords('{1,2,3,4,5,6,7,8,9,10}', 6, 1);
SELECT ts_discords('{1,2,3,4,5,6,7,8,9,10}', 5, 0);
SELECT ts_discords('{}', 4, 1);
SELECT ts_discords('{1,2,3,4,NULL,6,7,8,9,10}', 4, 1);
SELECT ts_discords('{{1,2,3,4},{5,6,7,8}}', 4, 1);
SELECT ts_discords('{1,2,3,4,NaN,6,7,8,9,10}', 4, 1);
SELECT ts_discords('{1,2,3,4,5,6,7,8,9,-Infinity}', 4, 1);
SELECT ts_discords('{1e300,-1e300,1,2,3,4,5,6,7,8}', 4, 1);
SELECT ts_discords(NULL::float8[], 4, 1) IS NULL AS strict_null;
SELECT ts_discords(ts, v, 3, 1) FROM sine;
SELECT ts_discords(ts, v, 101, 1) FROM sine;
SELECT ts_discords(ts, v, 20, -1) FROM sine;
SELECT ts_discords(ts, v, 20 + (i > 100)::int, 1) FROM sine;
SELECT ts_discords(ts, v, 20, 1) FROM (SELECT ts, v FROM sine UNION ALL SELECT now(), 'NaN') s;
SELECT ts_discords(ts, v, 20, 1) FROM (SELECT ts, v FROM sine UNION ALL SELECT 'infinity', 1) s;
