-- Incremental detector runs: results against direct ts_fit/ts_detect calls,
-- idempotence, late rows, series still short of min_train_points, the refit
-- policy, events and latest state, and series whose fit or scoring fails.
\set SHOW_CONTEXT never
SET extra_float_digits = 0;
SET timezone = 'UTC';

CREATE TABLE run_metrics (service text, ts timestamptz, v float8);
-- Two series, hourly, values 100..103; series a has anomalies at hours 10-12
-- (one event) and 30 (another).  Hours 20 and 44 of series a are missing:
-- they arrive late below.
INSERT INTO run_metrics
SELECT s, timestamptz '2026-01-01 00:00+00' + i * interval '1 hour',
       CASE WHEN s = 'a' AND i BETWEEN 10 AND 12 THEN 200 WHEN s = 'a' AND i = 30 THEN 0 ELSE 100 + i % 4 END
FROM unnest(ARRAY['a', 'b']) s, generate_series(0, 47) i
WHERE NOT (s = 'a' AND i IN (20, 44));

SELECT anomaly_create_detector('run_a', 'run_metrics', 'ts', 'v', 'service', '{"threshold": 4, "late_window": "6 hours"}');

-- First run: fits both series on all their rows and scores every row.
SELECT run_id > 0 AS has_id, series, fitted, rows_scored, anomalies, new_events, failures, duration >= interval '0' AS timed
FROM anomaly_run('run_a');

-- The stored models are exactly what ts_fit gives on the same rows (without
-- the detector-only option), and the results are ts_detect of each row.
SELECT m.series, m.train_points, m.train_from, m.train_to, m.is_current,
       m.model = (SELECT ts_fit(x.ts, x.v, '{"threshold": 4}') FROM run_metrics x WHERE x.service = m.series) AS same_model,
       m.info = ts_model_info(m.model) AS same_info
FROM anomaly_models m WHERE m.detector = 'run_a' ORDER BY m.series;
SELECT r.series, count(*) AS n,
       bool_and((r.expected, r.lower, r.upper, r.score, r.is_anomaly)
                = ((ts_detect(m.model, r.ts, r.value)).expected, (ts_detect(m.model, r.ts, r.value)).lower,
                   (ts_detect(m.model, r.ts, r.value)).upper, (ts_detect(m.model, r.ts, r.value)).score,
                   (ts_detect(m.model, r.ts, r.value)).is_anomaly)) AS same_detection,
       bool_and(r.value = x.v) AS same_value,
       bool_and(r.model_id = s.model_id) AS current_model
FROM anomaly_results r
JOIN anomaly_models m ON m.model_id = r.model_id
JOIN anomaly_series s ON s.detector = r.detector AND s.series = r.series
JOIN run_metrics x ON x.service = r.series AND x.ts = r.ts
WHERE r.detector = 'run_a' GROUP BY r.series ORDER BY r.series;
SELECT series, extract(hour FROM ts - timestamptz '2026-01-01 00:00+00') + 24 * extract(day FROM ts - timestamptz '2026-01-01 00:00+00') AS hour, value
FROM anomaly_results WHERE detector = 'run_a' AND is_anomaly ORDER BY series, ts;
SELECT series, watermark, rows_scored, rows_since_fit FROM anomaly_series WHERE detector = 'run_a' ORDER BY series;

-- Idempotence: a second run finds nothing new and changes nothing.
CREATE TEMP TABLE run_snapshot AS SELECT * FROM anomaly_results WHERE detector = 'run_a';
SELECT series, fitted, rows_scored, anomalies, new_events, failures FROM anomaly_run('run_a');
SELECT (SELECT count(*) FROM (SELECT * FROM anomaly_results WHERE detector = 'run_a' EXCEPT SELECT * FROM run_snapshot) x) AS added,
       (SELECT count(*) FROM (SELECT * FROM run_snapshot EXCEPT SELECT * FROM anomaly_results WHERE detector = 'run_a') x) AS removed;

-- New rows, late rows and rows that are never scored:
--   hours 48-51 of a and b are new (b 50 is an anomaly);
--   hour 44 of a is late (3 hours before the watermark, within late_window) and an anomaly;
--   hour 20 of a is late by 27 hours, beyond late_window: not scored;
--   a second row for b at hour 47 duplicates a scored timestamp: not scored;
--   b has two rows for the new hour 51: one is scored;
--   NULL and NaN values of b are skipped;
--   series c appears with 5 rows, fewer than min_train_points (10): waiting.
INSERT INTO run_metrics
SELECT s, timestamptz '2026-01-01 00:00+00' + i * interval '1 hour', CASE WHEN s = 'b' AND i = 50 THEN 500 ELSE 100 + i % 4 END
FROM unnest(ARRAY['a', 'b']) s, generate_series(48, 51) i;
INSERT INTO run_metrics VALUES
	('a', timestamptz '2026-01-01 00:00+00' + interval '44 hours', 300),
	('a', timestamptz '2026-01-01 00:00+00' + interval '20 hours', 100),
	('b', timestamptz '2026-01-01 00:00+00' + interval '47 hours', 999),
	('b', timestamptz '2026-01-01 00:00+00' + interval '51 hours', 103),
	('b', timestamptz '2026-01-01 00:00+00' + interval '52 hours', NULL),
	('b', timestamptz '2026-01-01 00:00+00' + interval '53 hours', 'NaN'),
	(NULL, timestamptz '2026-01-01 00:00+00' + interval '53 hours', 1);
INSERT INTO run_metrics SELECT 'c', timestamptz '2026-01-01 00:00+00' + i * interval '1 hour', 50 FROM generate_series(46, 50) i;
SELECT series, fitted, rows_scored, anomalies, new_events, failures FROM anomaly_run('run_a');
SELECT series, ts - timestamptz '2026-01-01 00:00+00' AS at, value, is_anomaly, run_id = (SELECT max(run_id) FROM anomaly_runs) AS this_run
FROM anomaly_results WHERE detector = 'run_a' AND ts >= timestamptz '2026-01-01 00:00+00' + interval '44 hours'
  AND (ts <> timestamptz '2026-01-01 00:00+00' + interval '47 hours' OR series = 'b')
ORDER BY series, ts;
SELECT count(*) AS hour_20_scored FROM anomaly_results WHERE detector = 'run_a' AND series = 'a' AND ts = timestamptz '2026-01-01 00:00+00' + interval '20 hours';
SELECT series, model_id IS NULL AS waiting, watermark, rows_scored FROM anomaly_series WHERE detector = 'run_a' ORDER BY series;

-- Series c reaches min_train_points: fitted on its 10 rows, all of them scored.
INSERT INTO run_metrics SELECT 'c', timestamptz '2026-01-01 00:00+00' + i * interval '1 hour', 50 + i % 2 FROM generate_series(51, 55) i;
SELECT series, fitted, rows_scored, anomalies, new_events, failures FROM anomaly_run('run_a');
SELECT series, train_points, train_from, train_to FROM anomaly_models WHERE detector = 'run_a' AND series = 'c';

-- Events: consecutive anomalous rows merged, with the peak.  Series a and b
-- end at hour 51 while c goes on to 55: both are stale (hours 52 .. 55, kind
-- missing; see detectors_missing).
SELECT series, started_at, ended_at, anomalous_rows, peak_value, peak_at, is_open, peak_score >= 1 AS scored_high
FROM anomaly_events WHERE detector = 'run_a' ORDER BY series, started_at;
-- The latest state of every series.
SELECT series, ts, value, is_anomaly, watermark = ts AS at_watermark, rows_scored, fitted_at IS NOT NULL AS fitted
FROM anomaly_latest WHERE detector = 'run_a' ORDER BY series;
-- The run log.
SELECT series, fitted, rows_scored, anomalies, new_events, failures, finished_at >= started_at AS ordered
FROM anomaly_runs WHERE detector = 'run_a' ORDER BY run_id;

-- Refit policy, by number of points.
CREATE TABLE refit_src (ts timestamptz, v float8);
INSERT INTO refit_src SELECT timestamptz '2026-02-01 00:00+00' + i * interval '1 hour', 100 + i % 4 FROM generate_series(0, 29) i;
SELECT anomaly_create_detector('run_refit', 'refit_src', 'ts', 'v', options => '{"refit_every": 5, "threshold": 4}');
SELECT series, fitted, rows_scored FROM anomaly_run('run_refit');
INSERT INTO refit_src SELECT timestamptz '2026-02-01 00:00+00' + i * interval '1 hour', 100 + i % 4 FROM generate_series(30, 35) i;
-- 6 new rows scored by the first model: no refit yet (policy checked before scoring).
SELECT series, fitted, rows_scored FROM anomaly_run('run_refit');
SELECT series, rows_since_fit FROM anomaly_series WHERE detector = 'run_refit';
INSERT INTO refit_src SELECT timestamptz '2026-02-01 00:00+00' + i * interval '1 hour', 100 + i % 4 FROM generate_series(36, 38) i;
-- 6 >= 5: refit on the rows up to the watermark, then score the 3 new rows.
SELECT series, fitted, rows_scored FROM anomaly_run('run_refit');
SELECT series = '' AS single_series, train_points, train_to, is_current,
       model = (SELECT ts_fit(x.ts, x.v, '{"threshold": 4}') FROM refit_src x WHERE x.ts <= m.train_to) AS same_model
FROM anomaly_models m WHERE detector = 'run_refit' ORDER BY model_id;
SELECT min(ts), max(ts), count(*) FROM anomaly_results r
WHERE detector = 'run_refit' AND model_id = (SELECT max(model_id) FROM anomaly_models WHERE detector = 'run_refit');
SELECT rows_since_fit FROM anomaly_series WHERE detector = 'run_refit';

-- Refit policy by interval, with a training window as an interval.
SELECT anomaly_create_detector('run_window', 'refit_src', 'ts', 'v',
                               options => '{"refit_every": "6 hours", "train_window": "12 hours", "min_train_points": 5}');
SELECT series, fitted, rows_scored FROM anomaly_run('run_window');
INSERT INTO refit_src SELECT timestamptz '2026-02-01 00:00+00' + i * interval '1 hour', 100 + i % 4 FROM generate_series(39, 44) i;
SELECT series, fitted, rows_scored FROM anomaly_run('run_window');
INSERT INTO refit_src SELECT timestamptz '2026-02-01 00:00+00' + i * interval '1 hour', 100 + i % 4 FROM generate_series(45, 46) i;
SELECT series, fitted, rows_scored FROM anomaly_run('run_window');
SELECT train_points, train_from, train_to,
       model = (SELECT ts_fit(x.ts, x.v) FROM refit_src x WHERE x.ts > m.train_to - interval '12 hours' AND x.ts <= m.train_to) AS same_model
FROM anomaly_models m WHERE detector = 'run_window' ORDER BY model_id;

-- A training window as a number of points.
SELECT anomaly_create_detector('run_points', 'refit_src', 'ts', 'v', options => '{"train_window": 10}');
SELECT series, fitted, rows_scored FROM anomaly_run('run_points');
SELECT train_points, train_from, train_to FROM anomaly_models WHERE detector = 'run_points';

-- A series whose fit fails is skipped and logged; the others go on.
CREATE TABLE fail_src (service text, ts timestamptz, v float8);
INSERT INTO fail_src SELECT s, timestamptz '2026-03-01 00:00+00' + i * interval '1 hour', 10 + i % 3
FROM unnest(ARRAY['bad', 'good', 'other']) s, generate_series(0, 19) i;
CREATE VIEW fail_view AS SELECT service, ts, CASE WHEN service = 'bad' THEN v / 0 ELSE v END AS v FROM fail_src;
SELECT anomaly_create_detector('run_fail', 'fail_view', 'ts', 'v', 'service');
SELECT series, fitted, rows_scored, failures FROM anomaly_run('run_fail');
SELECT failure_details FROM anomaly_runs WHERE detector = 'run_fail';
SELECT series, model_id IS NOT NULL AS has_model, rows_scored, last_error FROM anomaly_series WHERE detector = 'run_fail' ORDER BY series;
-- A series whose scoring fails (here: a damaged model) is skipped too, and its
-- watermark stays where it was, so its rows are scored once it is repaired.
UPDATE anomaly_models SET model = '\x00'::bytea WHERE detector = 'run_fail' AND series = 'good';
INSERT INTO fail_src SELECT s, timestamptz '2026-03-01 00:00+00' + i * interval '1 hour', 10 + i % 3
FROM unnest(ARRAY['bad', 'good', 'other']) s, generate_series(20, 21) i;
SELECT series, fitted, rows_scored, failures FROM anomaly_run('run_fail');
SELECT jsonb_path_query_array(failure_details, '$[*] ? (@.stage == "score")') AS score_failures
FROM anomaly_runs WHERE detector = 'run_fail' ORDER BY run_id DESC LIMIT 1;
SELECT series, watermark, rows_scored, last_error IS NOT NULL AS failed FROM anomaly_series WHERE detector = 'run_fail' ORDER BY series;
UPDATE anomaly_models m SET model = (SELECT ts_fit(x.ts, x.v) FROM fail_src x WHERE x.service = 'good' AND x.ts <= m.train_to)
WHERE detector = 'run_fail' AND series = 'good';
SELECT series, fitted, rows_scored, failures FROM anomaly_run('run_fail');
SELECT series, watermark, rows_scored FROM anomaly_series WHERE detector = 'run_fail' ORDER BY series;

SELECT anomaly_drop_detector(name) FROM anomaly_detectors WHERE name LIKE 'run\_%' ORDER BY name;
DROP VIEW fail_view;
DROP TABLE fail_src, refit_src, run_metrics;
