-- ts_fit under parallel query: the plan is a parallel one, and the model
-- bytes are identical to those of a serial run.

CREATE TABLE par_data AS
SELECT (i % 4) AS series,
       timestamptz '2026-01-01' + (i / 4) * interval '1 minute' AS ts,
       ((i * 7919) % 1000) / 10.0 AS value
FROM generate_series(0, 199999) i;
ANALYZE par_data;

-- serial
SET max_parallel_workers_per_gather = 0;
CREATE TABLE par_serial AS
SELECT series, ts_fit(ts, value) AS m, ts_fit(ts, value, '{"threshold": 5}') AS m5
FROM par_data GROUP BY series;

-- serially: options that differ between rows
\i sql/include/ts_fit_mixed_options.sql

-- parallel, forced
\i sql/include/force_parallel.sql
SET enable_hashagg = off;

EXPLAIN (COSTS OFF)
SELECT series, ts_fit(ts, value) FROM par_data GROUP BY series;

CREATE TABLE par_parallel AS
SELECT series, ts_fit(ts, value) AS m, ts_fit(ts, value, '{"threshold": 5}') AS m5
FROM par_data GROUP BY series;

SELECT s.series, s.m = p.m AS same_bytes, s.m5 = p.m5 AS same_bytes_with_options,
       (ts_model_info(p.m)->>'points')::int AS points
FROM par_serial s JOIN par_parallel p USING (series) ORDER BY series;

EXPLAIN (COSTS OFF)
SELECT ts_fit(ts, value, NULL::jsonb) FROM par_data WHERE series = 0;
-- in parallel: the same options that differ between rows
\i sql/include/ts_fit_mixed_options.sql

-- whole-table aggregate (no GROUP BY) in parallel too
EXPLAIN (COSTS OFF) SELECT ts_fit(ts, value) FROM par_data;
SELECT (SELECT ts_fit(ts, value) FROM par_data) =
       (SELECT ts_fit(ts, value ORDER BY ts) FROM par_data) AS whole_table_same;

RESET ALL;
