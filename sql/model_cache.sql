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

-- Both kinds of model stored in each storage form: a table per form and kind.
DO $$
DECLARE
	storage text;
BEGIN
	FOREACH storage IN ARRAY ARRAY['plain', 'main', 'external'] LOOP
		EXECUTE format('CREATE TABLE dm_%1$s (k int, model bytea);
		                ALTER TABLE dm_%1$s ALTER COLUMN model SET STORAGE %1$s;
		                INSERT INTO dm_%1$s SELECT k, dbscan_fit(f, 1.5, 2) FROM dbscan_points GROUP BY k;
		                CREATE TABLE tm_%1$s (k int, model bytea);
		                ALTER TABLE tm_%1$s ALTER COLUMN model SET STORAGE %1$s;
		                INSERT INTO tm_%1$s
		                SELECT k, ts_fit(ts, value, ''{"period": 400, "method": "seasonal"}'') FROM ts_points GROUP BY k',
		               storage);
	END LOOP;
END
$$;
CREATE VIEW dm AS
SELECT 'plain' AS storage, * FROM dm_plain UNION ALL
SELECT 'main', * FROM dm_main UNION ALL
SELECT 'external', * FROM dm_external;
CREATE VIEW tm AS
SELECT 'plain' AS storage, * FROM tm_plain UNION ALL
SELECT 'main', * FROM tm_main UNION ALL
SELECT 'external', * FROM tm_external;
-- how the models are stored: length, compressed, out of line
SELECT m.tab, m.k, octet_length(m.model) AS len, pg_column_compression(m.model) AS compression,
       (SELECT pg_relation_size(reltoastrelid) > 0 FROM pg_class WHERE relname = m.tab) AS toasted
FROM (SELECT 'dm_' || storage AS tab, k, model FROM dm UNION ALL SELECT 'tm_' || storage, k, model FROM tm) m
ORDER BY 1, 2;
-- Each query reads the rows of the two models of every form interleaved.
SELECT storage, k, dbscan_score(model, ARRAY[105::float8, 0]) AS at_105,
       dbscan_score(model, ARRAY[205::float8, 0]) AS at_205
FROM dm ORDER BY storage, k;
SELECT storage, p, k, dbscan_score(model, ARRAY[p::float8, 0]) AS cluster
FROM generate_series(100, 200, 100) p, dm ORDER BY storage, p, k;
SELECT storage, g, k,
       round((ts_detect(model, '2026-01-01 00:00+00'::timestamptz + g * interval '1 hour', 0)).expected::numeric, 6) AS expected,
       ts_model_info(model)->>'level_at_end' AS level
FROM generate_series(2000, 2300, 100) g, tm ORDER BY storage, g, k;

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

DROP VIEW dm, tm;
DROP TABLE dm_plain, dm_main, dm_external, tm_plain, tm_main, tm_external, lm;
