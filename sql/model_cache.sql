-- The model cache of dbscan_score, ts_score, ts_detect and ts_model_info is keyed
-- by content: interleaved rows of different models of the same length, in every
-- storage form, each get their own model.  (A compressed inline model is detoasted
-- into a per-row buffer that often lands at the same address for every row.)
--
-- DBSCAN: model k clusters the 10 x 2 grid x in k * 100 + 0..9, y in 0..1 (spacing 1,
-- eps 1.5, min_points 2): one cluster, 0.  (105, 0) is in model 1's cluster and far
-- from model 2's points, (205, 0) the other way round.
CREATE TEMP TABLE dbscan_points AS
SELECT k, ARRAY[(g % 10) + k * 100, (g / 10 % 2)]::float8[] AS f
FROM generate_series(1, 2) k, generate_series(0, 199) g;
-- time series: model k is fitted on k * 100 + 10 sin(2 pi g / 400), hourly, period
-- 400, so its expectation at hour g is k * 100 + 10 sin(2 pi g / 400): at g = 2000,
-- 2100, 2200, 2300 that is k * 100 + 0, 10, 0, -10.
CREATE TEMP TABLE ts_points AS
SELECT k, '2026-01-01 00:00+00'::timestamptz + g * interval '1 hour' AS ts,
       k * 100 + 10 * sin(2 * pi() * g / 400) AS value
FROM generate_series(1, 2) k, generate_series(0, 1999) g;

-- storage plain
CREATE TABLE dm_plain (k int, model bytea);
ALTER TABLE dm_plain ALTER COLUMN model SET STORAGE plain;
INSERT INTO dm_plain SELECT k, dbscan_fit(f, 1.5, 2) FROM dbscan_points GROUP BY k;
CREATE TABLE tm_plain (k int, model bytea);
ALTER TABLE tm_plain ALTER COLUMN model SET STORAGE plain;
INSERT INTO tm_plain SELECT k, ts_fit(ts, value, '{"period": 400, "method": "seasonal"}') FROM ts_points GROUP BY k;
-- how the models are stored: length, compressed, out of line
SELECT 'dm_plain' AS tab, k, octet_length(model) AS len, pg_column_compression(model) AS compression,
       (SELECT pg_relation_size(reltoastrelid) > 0 FROM pg_class WHERE relname = 'dm_plain') AS toasted
FROM dm_plain
UNION ALL
SELECT 'tm_plain', k, octet_length(model), pg_column_compression(model),
       (SELECT pg_relation_size(reltoastrelid) > 0 FROM pg_class WHERE relname = 'tm_plain')
FROM tm_plain ORDER BY 1, 2;
SELECT k, dbscan_score(model, ARRAY[105::float8, 0]) AS at_105, dbscan_score(model, ARRAY[205::float8, 0]) AS at_205
FROM dm_plain ORDER BY k;
SELECT p, k, dbscan_score(model, ARRAY[p::float8, 0]) AS cluster
FROM generate_series(100, 200, 100) p, dm_plain ORDER BY p, k;
SELECT g, k, round((ts_detect(model, '2026-01-01 00:00+00'::timestamptz + g * interval '1 hour', 0)).expected::numeric, 6) AS expected,
       ts_model_info(model)->>'level_at_end' AS level
FROM generate_series(2000, 2300, 100) g, tm_plain ORDER BY g, k;

-- storage main
CREATE TABLE dm_main (k int, model bytea);
ALTER TABLE dm_main ALTER COLUMN model SET STORAGE main;
INSERT INTO dm_main SELECT k, dbscan_fit(f, 1.5, 2) FROM dbscan_points GROUP BY k;
CREATE TABLE tm_main (k int, model bytea);
ALTER TABLE tm_main ALTER COLUMN model SET STORAGE main;
INSERT INTO tm_main SELECT k, ts_fit(ts, value, '{"period": 400, "method": "seasonal"}') FROM ts_points GROUP BY k;
-- how the models are stored: length, compressed, out of line
SELECT 'dm_main' AS tab, k, octet_length(model) AS len, pg_column_compression(model) AS compression,
       (SELECT pg_relation_size(reltoastrelid) > 0 FROM pg_class WHERE relname = 'dm_main') AS toasted
FROM dm_main
UNION ALL
SELECT 'tm_main', k, octet_length(model), pg_column_compression(model),
       (SELECT pg_relation_size(reltoastrelid) > 0 FROM pg_class WHERE relname = 'tm_main')
FROM tm_main ORDER BY 1, 2;
SELECT k, dbscan_score(model, ARRAY[105::float8, 0]) AS at_105, dbscan_score(model, ARRAY[205::float8, 0]) AS at_205
FROM dm_main ORDER BY k;
SELECT p, k, dbscan_score(model, ARRAY[p::float8, 0]) AS cluster
FROM generate_series(100, 200, 100) p, dm_main ORDER BY p, k;
SELECT g, k, round((ts_detect(model, '2026-01-01 00:00+00'::timestamptz + g * interval '1 hour', 0)).expected::numeric, 6) AS expected,
       ts_model_info(model)->>'level_at_end' AS level
FROM generate_series(2000, 2300, 100) g, tm_main ORDER BY g, k;

-- storage external
CREATE TABLE dm_external (k int, model bytea);
ALTER TABLE dm_external ALTER COLUMN model SET STORAGE external;
INSERT INTO dm_external SELECT k, dbscan_fit(f, 1.5, 2) FROM dbscan_points GROUP BY k;
CREATE TABLE tm_external (k int, model bytea);
ALTER TABLE tm_external ALTER COLUMN model SET STORAGE external;
INSERT INTO tm_external SELECT k, ts_fit(ts, value, '{"period": 400, "method": "seasonal"}') FROM ts_points GROUP BY k;
-- how the models are stored: length, compressed, out of line
SELECT 'dm_external' AS tab, k, octet_length(model) AS len, pg_column_compression(model) AS compression,
       (SELECT pg_relation_size(reltoastrelid) > 0 FROM pg_class WHERE relname = 'dm_external') AS toasted
FROM dm_external
UNION ALL
SELECT 'tm_external', k, octet_length(model), pg_column_compression(model),
       (SELECT pg_relation_size(reltoastrelid) > 0 FROM pg_class WHERE relname = 'tm_external')
FROM tm_external ORDER BY 1, 2;
SELECT k, dbscan_score(model, ARRAY[105::float8, 0]) AS at_105, dbscan_score(model, ARRAY[205::float8, 0]) AS at_205
FROM dm_external ORDER BY k;
SELECT p, k, dbscan_score(model, ARRAY[p::float8, 0]) AS cluster
FROM generate_series(100, 200, 100) p, dm_external ORDER BY p, k;
SELECT g, k, round((ts_detect(model, '2026-01-01 00:00+00'::timestamptz + g * interval '1 hour', 0)).expected::numeric, 6) AS expected,
       ts_model_info(model)->>'level_at_end' AS level
FROM generate_series(2000, 2300, 100) g, tm_external ORDER BY g, k;

-- in memory (never stored): the models of a subquery
WITH m AS MATERIALIZED (SELECT k, dbscan_fit(f, 1.5, 2) AS model FROM dbscan_points GROUP BY k)
SELECT p, k, dbscan_score(model, ARRAY[p::float8, 0]) AS cluster
FROM generate_series(105, 205, 100) p, m ORDER BY p, k;
WITH m AS MATERIALIZED (SELECT k, ts_fit(ts, value, '{"period": 400, "method": "seasonal"}') AS model FROM ts_points GROUP BY k)
SELECT g, k, round(ts_score(model, '2026-01-01 00:00+00'::timestamptz + g * interval '1 hour', k * 100 + 10)::numeric, 6) = 0 AS at_expected
FROM generate_series(2100, 2100) g, m ORDER BY g, k;

-- level models (small, stored as they are) interleaved: the values k * 100 + 0..6,
-- 100 times each, have the median k * 100 + 3
CREATE TABLE lm (k int, model bytea);
INSERT INTO lm SELECT k, ts_fit(ts, k * 100 + g % 7, '{"method": "robust"}')
FROM generate_series(1, 3) k, generate_series(0, 699) g, LATERAL (SELECT '2026-01-01 00:00+00'::timestamptz + g * interval '1 minute' AS ts) t
GROUP BY k;
SELECT r, k, octet_length(model) AS len, (ts_detect(model, '2026-02-01 00:00+00', 0)).expected,
       ts_model_info(model)->>'median' AS median
FROM generate_series(1, 2) r, lm ORDER BY r, k;

DROP TABLE dm_plain, dm_main, dm_external, tm_plain, tm_main, tm_external, lm;
