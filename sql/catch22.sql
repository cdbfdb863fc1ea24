-- catch22 / catch24: names, exactness against the reference's own expected
-- outputs (read from ../shared/data/catch22, as CI has it), aggregates,
-- parallel query and bad input.
SET extra_float_digits = 0;

-- names
SELECT array_length(catch22_names(), 1) AS n22, array_length(catch24_names(), 1) AS n24,
       catch22_names() = (catch24_names())[1:22] AS prefix,
       (catch24_names())[23:24] AS extra, (catch22_short_names())[1:3] AS short3;

-- Reference data: one value per line in, "value, name, cpu time" per line out.
CREATE TEMP TABLE series_in (file text, line text, i serial);
CREATE TEMP TABLE series_out (file text, line text);
-- awk prefixes each line with the name of its file (basic/test_output.txt: test).
\copy series_in(file, line) FROM PROGRAM 'cd ../shared/data/catch22 && awk ''{ n = split(FILENAME, p, "/"); f = p[n]; sub(/(_output)?[.]txt$/, "", f); print f "|" $0 }'' basic/test.txt basic/testShort.txt basic/testSinusoid.txt simulated/testAR_L500_p2_nm_1_5.txt empirical/e1000_ts837.txt' WITH (DELIMITER '|')
\copy series_out(file, line) FROM PROGRAM 'cd ../shared/data/catch22 && awk ''{ n = split(FILENAME, p, "/"); f = p[n]; sub(/(_output)?[.]txt$/, "", f); print f "|" $0 }'' basic/test_output.txt basic/testShort_output.txt basic/testSinusoid_output.txt simulated/testAR_L500_p2_nm_1_5_output.txt empirical/e1000_ts837_output.txt' WITH (DELIMITER '|')

CREATE TEMP VIEW expected AS
SELECT file, split_part(line, ', ', 2) AS name, split_part(line, ', ', 1)::float8 AS value
FROM series_out WHERE line <> '';
CREATE TEMP VIEW series AS
SELECT file, array_agg(line::float8 ORDER BY i) AS y FROM series_in WHERE line <> '' GROUP BY file;

-- Every expected value: 1e-9 relative or 1e-12 absolute; integer-valued features exactly.
SELECT e.file, count(*) AS compared,
       count(*) FILTER (WHERE CASE WHEN f.short_name IN ('acf_first_min', 'stretch_high', 'stretch_decreasing',
                                                          'ami_timescale', 'periodicity')
                                   THEN f.value = e.value
                                   ELSE abs(f.value - e.value) <= greatest(1e-12, 1e-9 * greatest(abs(f.value), abs(e.value)))
                              END) AS matching
FROM series s
CROSS JOIN LATERAL catch24_features(s.y) f
JOIN expected e ON e.file = s.file AND e.name = f.name
GROUP BY e.file ORDER BY e.file;

-- The set-returning form, for basic/test.txt (values rounded for display).
SELECT feature, short_name, round(value::numeric, 10) AS value
FROM series s, catch22_features(s.y) WHERE s.file = 'test' ORDER BY feature;

-- catch24 = catch22 followed by mean and sample standard deviation.
SELECT (catch24(y))[1:22] = catch22(y) AS same_22,
       abs((catch24(y))[23] - (SELECT avg(v) FROM unnest(y) v)) < 1e-12 AS mean_ok,
       abs((catch24(y))[24] - (SELECT stddev_samp(v) FROM unnest(y) v)) < 1e-12 AS std_ok
FROM series WHERE file = 'test';

-- Aggregate: the rows are stored shuffled; the aggregate orders them by ts itself.
CREATE TEMP TABLE points AS
SELECT s.file, timestamptz '2026-01-01 00:00+00' + make_interval(mins => o.i::int) AS ts, o.v AS value
FROM series s, unnest(s.y) WITH ORDINALITY AS o(v, i)
ORDER BY md5(s.file || o.i);
SELECT p.file, catch24(p.ts, p.value) = (SELECT catch24(y) FROM series s WHERE s.file = p.file) AS agg_equals_array
FROM points p GROUP BY p.file ORDER BY p.file;

-- Rows with a NULL ts or value are skipped; no rows gives NULL.
INSERT INTO points VALUES ('test', NULL, 1e6), ('test', now(), NULL);
SELECT catch22(ts, value) = (SELECT catch22(y) FROM series WHERE file = 'test') AS nulls_skipped
FROM points WHERE file = 'test';
SELECT catch22(ts, value) IS NULL AS empty_is_null FROM points WHERE false;
DELETE FROM points WHERE ts IS NULL OR value IS NULL;

-- Duplicate timestamps are all kept and ordered by value, whatever the row order.
SELECT catch22(ts, v) = catch22(ARRAY[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]::float8[]) AS ties_by_value
FROM (VALUES (timestamptz '2026-01-01', 10.0), ('2026-01-01', 1), ('2026-01-01', 5), ('2026-01-01', 3),
             ('2026-01-01', 2), ('2026-01-01', 9), ('2026-01-01', 4), ('2026-01-01', 8),
             ('2026-01-01', 7), ('2026-01-01', 6)) AS t(ts, v);

-- As a window function: rolling features; frames of fewer than 3 rows give NULL.
CREATE TEMP TABLE roll AS
SELECT i, timestamptz '2026-01-01' + make_interval(mins => i) AS ts, sin(i / 3.0) + (i % 7) / 10.0 AS v
FROM generate_series(1, 60) i;
SELECT count(*) AS frames, count(w) AS non_null,
       count(*) FILTER (WHERE CASE WHEN i >= 3 THEN w = catch22(ARRAY(SELECT v FROM roll r2 WHERE r2.i BETWEEN r.i - 19 AND r.i ORDER BY r2.i)) END) AS equal_to_array_form
FROM (SELECT i, catch22(ts, v) OVER (ORDER BY ts ROWS BETWEEN 19 PRECEDING AND CURRENT ROW) AS w FROM roll) r;
-- Rows arriving in descending time order: each frame is still ordered by ts.
SELECT count(*) AS frames,
       count(*) FILTER (WHERE w = catch22(ARRAY(SELECT v FROM roll r2 WHERE r2.i >= r.i ORDER BY r2.i))) AS equal_to_array_form
FROM (SELECT i, catch22(ts, v) OVER (ORDER BY ts DESC) AS w FROM roll) r WHERE i <= 58;

-- Constant series: the z-score is undefined, so the 22 features are NaN; mean and std are exact.
SELECT c[1:22] = array_fill('NaN'::float8, ARRAY[22]) AS all_nan, c[23] AS mean, c[24] AS std
FROM catch24(array_fill(0.1::float8, ARRAY[100])) AS c;

-- Three values is the minimum.
SELECT array_length(catch22(ARRAY[0, 1, 0]::float8[]), 1) AS n3;
SELECT catch22(NULL::float8[]) IS NULL AS null_array;

-- Bad input.
SELECT catch22(ARRAY[1, 2]::float8[]);
SELECT catch24('{}'::float8[]);
SELECT catch22(ARRAY[1, 2, 'NaN', 4]::float8[]);
SELECT catch22(ARRAY[1, 2, 3, '-Infinity']::float8[]);
SELECT catch22(ARRAY[1, NULL, 3, 4]::float8[]);
SELECT catch22(ARRAY[[1, 2], [3, 4]]::float8[]);
SELECT catch22(array_fill(1.0::float8, ARRAY[4000001]));
SELECT catch22(ts, value) FROM (VALUES (now(), 1.0::float8), (now(), 'Infinity')) AS t(ts, value);
SELECT catch22(ts, value) FROM (VALUES (now(), 1.0::float8), (now(), 2)) AS t(ts, value);

-- Parallel query: the same result as a serial plan.
CREATE TABLE c22_many AS
SELECT g AS series, timestamptz '2026-01-01' + make_interval(secs => i) AS ts,
       sin(i * g / 50.0) + ((i * 7919 + g * 104729) % 1000) / 1000.0 AS value
FROM generate_series(1, 40) g, generate_series(1, 400) i;
ANALYZE c22_many;
\i sql/include/force_parallel.sql
EXPLAIN (COSTS OFF) SELECT series, catch22(ts, value) FROM c22_many GROUP BY series;
SET extra_float_digits = 3;
SELECT md5(string_agg(f::text, ';' ORDER BY series)) AS par_hash
FROM (SELECT series, catch24(ts, value) AS f FROM c22_many GROUP BY series) s \gset
RESET parallel_leader_participation;
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF) SELECT series, catch22(ts, value) FROM c22_many GROUP BY series;
SELECT md5(string_agg(f::text, ';' ORDER BY series)) = :'par_hash' AS parallel_equals_serial
FROM (SELECT series, catch24(ts, value) AS f FROM c22_many GROUP BY series) s;
SELECT count(*) AS series, count(*) FILTER (WHERE s.f = catch24(a.y)) AS equal_to_array_form
FROM (SELECT series, catch24(ts, value) AS f FROM c22_many GROUP BY series) s
JOIN (SELECT series, array_agg(value ORDER BY ts) AS y FROM c22_many GROUP BY series) a USING (series);
RESET ALL;
DROP TABLE c22_many;
