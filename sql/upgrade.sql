-- Upgrading an installation of version 0.1.0 or 0.2.0 (ALTER EXTENSION
-- anomaly UPDATE, through every later release) keeps its detectors, series,
-- models, results and runs, gives the same schema as a new installation, and
-- anomaly_run goes on where it stopped.  0.1.0 is upgraded in two steps, to
-- 0.2.0 and on to the current version.
-- Runs in databases of its own and reconnects to the regression database.
SET client_min_messages = warning;
SET extra_float_digits = 0;

-- A signature of the extension's objects: definitions of its functions,
-- tables, columns, indexes, constraints, policies, views, triggers, comments,
-- privileges and dumped tables.
SELECT $sig$
WITH ext AS (
	SELECT d.classid, d.objid FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
	WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND e.extname = 'anomaly'
), rels AS (
	SELECT c.oid, c.relname FROM pg_class c JOIN ext ON ext.classid = 'pg_class'::regclass AND ext.objid = c.oid
), items AS (
	SELECT 'function ' || pg_get_functiondef(p.oid) || coalesce(obj_description(p.oid, 'pg_proc'), '') || coalesce(p.proacl::text, '') AS item
	FROM pg_proc p JOIN ext ON ext.classid = 'pg_proc'::regclass AND ext.objid = p.oid WHERE p.prokind = 'f'
	UNION ALL
	SELECT 'aggregate ' || p.oid::regprocedure::text || coalesce(obj_description(p.oid, 'pg_proc'), '')
	FROM pg_proc p JOIN ext ON ext.classid = 'pg_proc'::regclass AND ext.objid = p.oid WHERE p.prokind <> 'f'
	UNION ALL
	SELECT 'relation ' || r.relname || ' ' || c.relkind::text || ' ' || coalesce(obj_description(c.oid, 'pg_class'), '')
	       || coalesce(c.relacl::text, '') || c.relrowsecurity::text
	       || coalesce(CASE WHEN c.relkind = 'v' THEN pg_get_viewdef(c.oid) END, '')
	FROM rels r JOIN pg_class c ON c.oid = r.oid
	UNION ALL
	SELECT 'column ' || r.relname || '.' || a.attnum || ' ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
	       || ' ' || a.attnotnull::text || ' ' || coalesce(pg_get_expr(ad.adbin, ad.adrelid), '')
	       || ' ' || coalesce(col_description(r.oid, a.attnum), '')
	FROM rels r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
	LEFT JOIN pg_attrdef ad ON ad.adrelid = r.oid AND ad.adnum = a.attnum
	UNION ALL
	SELECT 'index ' || pg_get_indexdef(i.indexrelid) FROM rels r JOIN pg_index i ON i.indrelid = r.oid
	UNION ALL
	SELECT 'constraint ' || r.relname || ' ' || co.conname || ' ' || pg_get_constraintdef(co.oid)
	FROM rels r JOIN pg_constraint co ON co.conrelid = r.oid
	UNION ALL
	SELECT 'policy ' || r.relname || ' ' || po.polname || ' ' || po.polcmd::text || ' ' || coalesce(pg_get_expr(po.polqual, po.polrelid), '')
	       || ' ' || coalesce(pg_get_expr(po.polwithcheck, po.polrelid), '') || coalesce(obj_description(po.oid, 'pg_policy'), '')
	FROM rels r JOIN pg_policy po ON po.polrelid = r.oid
	UNION ALL
	SELECT 'sequence owner ' || s.relname || ' ' || coalesce(t.relname || '.' || a.attname, '')
	FROM rels s JOIN pg_class sc ON sc.oid = s.oid AND sc.relkind = 'S'
	LEFT JOIN pg_depend dp ON dp.classid = 'pg_class'::regclass AND dp.objid = s.oid AND dp.deptype = 'a'
	LEFT JOIN pg_class t ON t.oid = dp.refobjid
	LEFT JOIN pg_attribute a ON a.attrelid = dp.refobjid AND a.attnum = dp.refobjsubid
	UNION ALL
	SELECT 'config ' || coalesce((SELECT string_agg(c::regclass::text, ',' ORDER BY c::regclass::text) FROM unnest(e.extconfig) c), '')
	FROM pg_extension e WHERE e.extname = 'anomaly'
	UNION ALL
	SELECT 'trigger ' || pg_get_triggerdef(tg.oid) || coalesce(obj_description(tg.oid, 'pg_trigger'), '')
	FROM rels r JOIN pg_trigger tg ON tg.tgrelid = r.oid AND NOT tg.tgisinternal
	UNION ALL
	SELECT 'type ' || t.typname FROM pg_type t JOIN ext ON ext.classid = 'pg_type'::regclass AND ext.objid = t.oid
)
SELECT count(*) AS schema_items, md5(string_agg(item, E'\n' ORDER BY item)) AS schema_md5 FROM items
$sig$ AS schema_sig_sql \gset

SELECT current_database() AS regress_db \gset
DROP DATABASE IF EXISTS regression_anomaly_new;
DROP DATABASE IF EXISTS regression_anomaly_upgrade;
DROP DATABASE IF EXISTS regression_anomaly_v020;
CREATE DATABASE regression_anomaly_new;
CREATE DATABASE regression_anomaly_upgrade;
CREATE DATABASE regression_anomaly_v020;

-- The schema of a new installation.
\c regression_anomaly_new
SET client_min_messages = warning;
CREATE EXTENSION anomaly;
SELECT extversion FROM pg_extension WHERE extname = 'anomaly';
:schema_sig_sql \gset new_

-- Version 0.2.0.  Like pgvector, the project keeps the install script of its
-- first version only, and an upgrade script per release: PostgreSQL installs
-- 0.2.0 as 0.1.0 followed by the upgrade to 0.2.0.  That this gives the schema
-- the released 0.2.0 script created was checked when 0.2.0 was frozen (the
-- script of commit b455298 and the upgraded schema had the same signature);
-- neither can change since.
\c regression_anomaly_v020
SET client_min_messages = warning;
CREATE EXTENSION anomaly VERSION '0.2.0';
SELECT extversion FROM pg_extension WHERE extname = 'anomaly';

-- Version 0.1.0 with two detectors.  The values stay within 10 .. 10.9 except
-- the spikes (100): hour 60 of series a, hours 62 and 63 of series b.
\c regression_anomaly_upgrade
SET client_min_messages = warning;
SET extra_float_digits = 0;
CREATE EXTENSION anomaly VERSION '0.1.0';
SELECT extversion FROM pg_extension WHERE extname = 'anomaly';
CREATE TABLE m (svc text, ts timestamptz, v float8);
INSERT INTO m
SELECT s, timestamptz '2026-01-01 00:00+00' + i * interval '1 hour',
       CASE WHEN (s, i) IN (('a', 60), ('b', 62), ('b', 63)) THEN 100 ELSE 10 + ((i * 7) % 10) * 0.1 END
FROM unnest(ARRAY['a', 'b', 'c']) s, generate_series(0, 47) i;
SELECT anomaly_create_detector('up', 'm', 'ts', 'v', 'svc', '{"threshold": 4, "method": "robust"}');
SELECT anomaly_create_detector('up_other', 'm', 'ts', 'v', NULL, '{"threshold": 4, "method": "robust"}');
SELECT series, fitted, rows_scored, anomalies, new_events FROM anomaly_run('up');
INSERT INTO m
SELECT s, timestamptz '2026-01-01 00:00+00' + i * interval '1 hour',
       CASE WHEN (s, i) IN (('a', 60), ('b', 62), ('b', 63)) THEN 100 ELSE 10 + ((i * 7) % 10) * 0.1 END
FROM unnest(ARRAY['a', 'b', 'c']) s, generate_series(48, 71) i;
SELECT series, fitted, rows_scored, anomalies, new_events FROM anomaly_run('up');
-- up_other reads the three series as one: one row per timestamp is scored.
SELECT series, fitted, rows_scored FROM anomaly_run('up_other');
-- 0.1.0 let the state of a series be deleted while its results stay.
DELETE FROM anomaly_series WHERE detector = 'up' AND series = 'c';

-- What must survive the upgrade.
SELECT count(*) AS n,
       md5(string_agg(concat_ws(',', detector, series, ts, value, expected, lower, upper, score, is_anomaly, model_id,
                                run_id, scored_at), ';' ORDER BY detector, series, ts)) AS md5
FROM anomaly_results \gset results_
SELECT count(*) AS n, md5(string_agg(concat_ws(',', model_id, detector, series, md5(model), fitted_at, train_from,
                                               train_to, train_points, info, is_current), ';' ORDER BY model_id)) AS md5
FROM anomaly_models \gset models_
SELECT count(*) AS n, md5(string_agg(concat_ws(',', detector, series, model_id, watermark, rows_scored, rows_since_fit,
                                               first_seen_at, last_scored_at, last_error), ';' ORDER BY detector, series)) AS md5
FROM anomaly_series \gset series_
SELECT count(*) AS n, md5(string_agg(to_jsonb(r)::text, ';' ORDER BY run_id)) AS md5 FROM anomaly_runs r \gset runs_
SELECT count(*) AS n, md5(string_agg(to_jsonb(d)::text, ';' ORDER BY name)) AS md5 FROM anomaly_detectors d \gset detectors_
SELECT :results_n AS results, :models_n AS models, :series_n AS series, :runs_n AS runs, :detectors_n AS detectors;

ALTER EXTENSION anomaly UPDATE TO '0.2.0';
SELECT extversion FROM pg_extension WHERE extname = 'anomaly';
ALTER EXTENSION anomaly UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'anomaly';
:schema_sig_sql \gset upgraded_
SELECT :'upgraded_schema_items' = :'new_schema_items' AS same_objects,
       :'upgraded_schema_md5' = :'new_schema_md5' AS same_definitions;

-- Every row is still there, unchanged (the columns 0.4.0 added, last, hold
-- their defaults).
SELECT (SELECT count(*) = :results_n AND md5(string_agg(concat_ws(',', detector, series, ts, value, expected, lower, upper,
                                                                  score, is_anomaly, model_id, run_id, scored_at), ';'
                                                        ORDER BY detector, series, ts)) = :'results_md5'
        FROM anomaly_results) AS results_kept,
       (SELECT md5(string_agg(concat_ws(',', model_id, detector, series, md5(model), fitted_at, train_from, train_to,
                                        train_points, info, is_current), ';' ORDER BY model_id)) = :'models_md5'
        FROM anomaly_models) AS models_kept,
       (SELECT md5(string_agg(concat_ws(',', detector, series, model_id, watermark, rows_scored, rows_since_fit,
                                        first_seen_at, last_scored_at, last_error), ';' ORDER BY detector, series)) = :'series_md5'
        FROM anomaly_series WHERE NOT (detector = 'up' AND series = 'c')) AS series_kept,
       (SELECT md5(string_agg((to_jsonb(r) - 'missing_events')::text, ';' ORDER BY run_id)) = :'runs_md5'
               AND bool_and(r.missing_events = 0) FROM anomaly_runs r) AS runs_kept,
       (SELECT md5(string_agg((to_jsonb(d) - 'value_columns')::text, ';' ORDER BY name)) = :'detectors_md5'
               AND bool_and(d.value_columns IS NULL) FROM anomaly_detectors d) AS detectors_kept;
-- Series c got its state back (scored up to its newest result, no model);
-- each result has the number of its own series.
SELECT detector, series, model_id IS NULL AS waiting, watermark, rows_scored FROM anomaly_series ORDER BY detector, series;
SELECT count(*) AS results, count(DISTINCT s.series_id) AS series,
       count(*) FILTER (WHERE s.detector = r.detector AND s.series = r.series) AS matching
FROM anomaly_results r LEFT JOIN anomaly_series s ON s.series_id = r.series_id;

-- Runs go on: 8 new hours per series, a spike at hour 75 of series c (its
-- first since the deleted state).  Series c is fitted again and scores only
-- its new rows; up_other scores one row per new hour.
INSERT INTO m
SELECT s, timestamptz '2026-01-01 00:00+00' + i * interval '1 hour',
       CASE WHEN (s, i) = ('c', 75) THEN 100 ELSE 10 + ((i * 7) % 10) * 0.1 END
FROM unnest(ARRAY['a', 'b', 'c']) s, generate_series(72, 79) i;
SELECT series, fitted, rows_scored, anomalies, new_events FROM anomaly_run('up');
SELECT series, fitted, rows_scored, anomalies, new_events FROM anomaly_run('up');
SELECT series, fitted, rows_scored FROM anomaly_run('up_other');
SELECT series, fitted, rows_scored FROM anomaly_run('up_other');
SELECT series, ts, value FROM anomaly_results WHERE detector = 'up' AND is_anomaly ORDER BY series, ts;
SELECT series, watermark, rows_scored FROM anomaly_series WHERE detector = 'up' ORDER BY series;
SELECT series, started_at, ended_at, anomalous_rows, is_open FROM anomaly_events WHERE detector = 'up' ORDER BY series, started_at;
SELECT series, ts, value, is_anomaly FROM anomaly_latest WHERE detector = 'up' ORDER BY series;
SELECT count(*) AS results, count(DISTINCT (detector, series, ts)) AS distinct_keys FROM anomaly_results;

-- Dropping a detector removes its results; deleting a series' state now
-- removes the series' results with it.
SELECT anomaly_drop_detector('up_other');
DELETE FROM anomaly_series WHERE detector = 'up' AND series = 'b';
SELECT detector, series, count(*) FROM anomaly_results GROUP BY detector, series ORDER BY detector, series;

-- rows_since_fit is what it counts: the results of the current model newer
-- than its training range.
SELECT s.series, s.rows_since_fit,
       (SELECT count(*) FROM anomaly_results r JOIN anomaly_models m ON m.model_id = r.model_id
        WHERE r.series_id = s.series_id AND r.model_id = s.model_id AND r.ts > m.train_to) AS counted
FROM anomaly_series s WHERE s.detector = 'up' ORDER BY s.series;

-- Version 0.2.0, run before and after the upgrade to the current version: a
-- detector refitted every 30 points, and late rows (older than the watermark)
-- that the current model scores within its training range.
\c regression_anomaly_v020
SET client_min_messages = warning;
SET extra_float_digits = 0;
CREATE TABLE m (svc text, ts timestamptz, v float8);
INSERT INTO m
SELECT s, timestamptz '2026-01-01 00:00+00' + i * interval '1 hour',
       CASE WHEN (s, i) IN (('a', 40), ('b', 41)) THEN 100 ELSE 10 + ((i * 7) % 10) * 0.1 END
FROM unnest(ARRAY['a', 'b']) s, generate_series(0, 47) i WHERE i % 5 <> 2;
SELECT anomaly_create_detector('up2', 'm', 'ts', 'v', 'svc',
                               '{"threshold": 4, "method": "robust", "refit_every": 30, "late_window": "1 day"}');
SELECT series, fitted, rows_scored, anomalies, new_events FROM anomaly_run('up2');
SELECT count(*) AS n, md5(string_agg(to_jsonb(r)::text, ';' ORDER BY ts, series_id)) AS md5 FROM anomaly_results r \gset results_
SELECT count(*) AS n, md5(string_agg(to_jsonb(s)::text, ';' ORDER BY series_id)) AS md5 FROM anomaly_series s \gset series_
SELECT count(*) AS n, md5(string_agg(to_jsonb(r)::text, ';' ORDER BY run_id)) AS md5 FROM anomaly_runs r \gset runs_
ALTER EXTENSION anomaly UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'anomaly';
:schema_sig_sql \gset upgraded_
SELECT :'upgraded_schema_items' = :'new_schema_items' AS same_objects,
       :'upgraded_schema_md5' = :'new_schema_md5' AS same_definitions;
SELECT (SELECT md5(string_agg((to_jsonb(r) - ARRAY['contributions', 'top_column', 'point_score', 'shape_score',
                                                  'shift_score'])::text, ';' ORDER BY ts, series_id))
               = :'results_md5' AND bool_and(r.contributions IS NULL AND r.top_column IS NULL AND r.point_score IS NULL
                                             AND r.shape_score IS NULL AND r.shift_score IS NULL)
        FROM anomaly_results r) AS results_kept,
       (SELECT md5(string_agg((to_jsonb(s) - 'retired_at')::text, ';' ORDER BY series_id)) = :'series_md5'
               AND bool_and(s.retired_at IS NULL) FROM anomaly_series s) AS series_kept,
       (SELECT md5(string_agg((to_jsonb(r) - 'missing_events')::text, ';' ORDER BY run_id)) = :'runs_md5'
               AND bool_and(r.missing_events = 0) FROM anomaly_runs r) AS runs_kept;
-- New rows, and the late rows (every fifth hour) arriving after them.
INSERT INTO m
SELECT s, timestamptz '2026-01-01 00:00+00' + i * interval '1 hour', 10 + ((i * 7) % 10) * 0.1
FROM unnest(ARRAY['a', 'b']) s, generate_series(48, 59) i;
SELECT series, fitted, rows_scored, anomalies, new_events FROM anomaly_run('up2');
INSERT INTO m
SELECT s, timestamptz '2026-01-01 00:00+00' + i * interval '1 hour',
       CASE WHEN (s, i) = ('a', 37) THEN 100 ELSE 10 + ((i * 7) % 10) * 0.1 END
FROM unnest(ARRAY['a', 'b']) s, generate_series(30, 47) i WHERE i % 5 = 2;
SELECT series, fitted, rows_scored, anomalies, new_events FROM anomaly_run('up2');
-- 20 more rows reach refit_every; the next run refits (on the rows up to the
-- watermark) and scores 4 rows past the new training range.
INSERT INTO m
SELECT s, timestamptz '2026-01-01 00:00+00' + i * interval '1 hour', 10 + ((i * 7) % 10) * 0.1
FROM unnest(ARRAY['a', 'b']) s, generate_series(60, 79) i;
SELECT series, fitted, rows_scored FROM anomaly_run('up2');
INSERT INTO m
SELECT s, timestamptz '2026-01-01 00:00+00' + i * interval '1 hour', 10 + ((i * 7) % 10) * 0.1
FROM unnest(ARRAY['a', 'b']) s, generate_series(80, 83) i;
SELECT series, fitted, rows_scored FROM anomaly_run('up2');
SELECT series, fitted, rows_scored FROM anomaly_run('up2');
SELECT s.series, s.watermark, s.rows_scored, s.rows_since_fit,
       (SELECT count(*) FROM anomaly_results r JOIN anomaly_models m ON m.model_id = r.model_id
        WHERE r.series_id = s.series_id AND r.model_id = s.model_id AND r.ts > m.train_to) AS counted
FROM anomaly_series s ORDER BY s.series;
SELECT series, started_at, anomalous_rows FROM anomaly_events ORDER BY series, started_at;
SELECT count(*) AS results, count(DISTINCT (series_id, ts)) AS distinct_keys FROM anomaly_results;
-- A multivariate detector works in the upgraded database: v and a column w
-- that follows it, except at hour 40 where w is doubled (the relation
-- breaks on both series); the spikes of v (w follows) are flagged too.
CREATE VIEW m2 AS SELECT svc, ts, v, CASE WHEN ts = timestamptz '2026-01-01 00:00+00' + interval '40 hours' THEN 2 ELSE 1 END
                                        * (2 * v + ((extract(epoch FROM ts)::bigint / 3600 * 3) % 7) * 0.01) AS w FROM m;
SELECT anomaly_create_detector('up_mv', 'm2', 'ts', ARRAY['v', 'w'], 'svc');
SELECT series, fitted, rows_scored, anomalies, new_events, failures FROM anomaly_run('up_mv');
SELECT r.series, r.ts, r.top_column, r.score = mv_score(m.model, ARRAY[x.v, x.w]::float8[]) AS same_score
FROM anomaly_results r JOIN anomaly_models m USING (model_id) JOIN m2 x ON x.svc = r.series AND x.ts = r.ts
WHERE r.detector = 'up_mv' AND r.is_anomaly ORDER BY 1, 2;

\c :regress_db
DROP DATABASE regression_anomaly_new;
DROP DATABASE regression_anomaly_upgrade;
DROP DATABASE regression_anomaly_v020;
SELECT extversion FROM pg_extension WHERE extname = 'anomaly';
