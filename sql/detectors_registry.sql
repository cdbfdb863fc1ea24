-- Detector registry: creating, validating and dropping detectors, and the
-- error anomaly_schedule raises where pg_cron is not installed.
\set SHOW_CONTEXT never
SET extra_float_digits = 0;

CREATE TABLE reg_metrics (service text, ts timestamptz, requests float8, hits integer, label text, day date);
CREATE VIEW reg_view AS SELECT service, ts, requests FROM reg_metrics;

-- A detector over a table, and one over a view without a series column.
SELECT anomaly_create_detector('reg_a', 'reg_metrics', 'ts', 'requests', 'service');
SELECT anomaly_create_detector('reg_b', 'reg_view'::regclass, 'ts', 'requests',
                               options => '{"threshold": 5, "train_window": "28 days", "refit_every": 100, "min_train_points": 20, "late_window": "2 hours"}');
SELECT anomaly_create_detector('reg_c', 'reg_metrics', 'ts', 'hits', 'day',
                               '{"train_window": 500, "refit_every": "1 day", "late_window": null}');
SELECT name, source, time_column, value_column, series_column, options, owner::text = current_user AS mine
FROM anomaly_detectors ORDER BY name;

-- The options split into ts_fit's and the policy, with the defaults.
SELECT * FROM _anomaly_policy('{"threshold": 5, "train_window": "28 days", "refit_every": 100}');
SELECT * FROM _anomaly_policy('{"train_window": 500, "refit_every": "1 day", "min_train_points": 3, "late_window": "0"}');

-- Bad input.
SELECT anomaly_create_detector('reg_a', 'reg_metrics', 'ts', 'requests', 'service');
SELECT anomaly_create_detector('', 'reg_metrics', 'ts', 'requests');
SELECT anomaly_create_detector(repeat('x', 56), 'reg_metrics', 'ts', 'requests');
SELECT anomaly_create_detector(NULL, 'reg_metrics', 'ts', 'requests');
SELECT anomaly_create_detector('reg_x', 'reg_metrics', 'nope', 'requests');
SELECT anomaly_create_detector('reg_x', 'reg_metrics', 'ts', 'requests', 'nope');
SELECT anomaly_create_detector('reg_x', 'reg_metrics', 'day', 'requests');
SELECT anomaly_create_detector('reg_x', 'reg_metrics', 'ts', 'label');
SELECT anomaly_create_detector('reg_x', 'reg_no_such_table', 'ts', 'label');
CREATE SEQUENCE reg_seq;
SELECT anomaly_create_detector('reg_x', 'reg_seq', 'ts', 'requests');
SELECT anomaly_create_detector('reg_x', 'reg_metrics', 'ts', 'requests', options => '[1]');
SELECT anomaly_create_detector('reg_x', 'reg_metrics', 'ts', 'requests', options => '{"train_window": "soon"}');
SELECT anomaly_create_detector('reg_x', 'reg_metrics', 'ts', 'requests', options => '{"train_window": 0}');
SELECT anomaly_create_detector('reg_x', 'reg_metrics', 'ts', 'requests', options => '{"train_window": "-1 day"}');
SELECT anomaly_create_detector('reg_x', 'reg_metrics', 'ts', 'requests', options => '{"refit_every": 2.5}');
SELECT anomaly_create_detector('reg_x', 'reg_metrics', 'ts', 'requests', options => '{"refit_every": true}');
SELECT anomaly_create_detector('reg_x', 'reg_metrics', 'ts', 'requests', options => '{"min_train_points": "1 day"}');
SELECT anomaly_create_detector('reg_x', 'reg_metrics', 'ts', 'requests', options => '{"late_window": 5}');
-- ts_fit's own options are checked by ts_fit.
SELECT anomaly_create_detector('reg_x', 'reg_metrics', 'ts', 'requests', options => '{"thresold": 4}');
SELECT anomaly_create_detector('reg_x', 'reg_metrics', 'ts', 'requests', options => '{"threshold": -1}');
SELECT count(*) AS still_three FROM anomaly_detectors;

-- pg_cron is not installed in the regression database.
SELECT anomaly_schedule('reg_a', '* * * * *');
SELECT anomaly_unschedule('reg_a');
SELECT anomaly_schedule('reg_nope', '* * * * *');

-- Unknown detectors.
SELECT * FROM anomaly_run('reg_nope');
SELECT anomaly_drop_detector('reg_nope');
SELECT * FROM anomaly_run(NULL);

-- A dropped source makes runs fail with a clear error.
CREATE TABLE reg_gone (ts timestamptz, v float8);
SELECT anomaly_create_detector('reg_gone', 'reg_gone', 'ts', 'v');
DROP TABLE reg_gone;
SELECT * FROM anomaly_run('reg_gone');

-- Dropping removes the detector and everything that belongs to it.
INSERT INTO reg_metrics SELECT 'web', timestamptz '2026-01-01 00:00+00' + i * interval '1 hour', 100 + i % 3, i, 'x', '2026-01-01'
FROM generate_series(0, 29) i;
SELECT series, fitted, rows_scored, failures FROM anomaly_run('reg_a');
SELECT anomaly_drop_detector('reg_a');
SELECT anomaly_drop_detector('reg_b');
SELECT anomaly_drop_detector('reg_c');
SELECT anomaly_drop_detector('reg_gone');
SELECT (SELECT count(*) FROM anomaly_detectors) AS detectors, (SELECT count(*) FROM anomaly_series) AS series,
       (SELECT count(*) FROM anomaly_models) AS models, (SELECT count(*) FROM anomaly_results) AS results,
       (SELECT count(*) FROM anomaly_runs) AS runs;

-- The tables holding user data are dumped by pg_dump.
SELECT c.relname FROM pg_extension e, unnest(e.extconfig) AS t(oid) JOIN pg_class c ON c.oid = t.oid
WHERE e.extname = 'anomaly' ORDER BY 1;

-- The views apply the caller's row-level security.
SELECT relname, reloptions FROM pg_class WHERE relname IN ('anomaly_events', 'anomaly_latest') ORDER BY 1;

DROP VIEW reg_view;
DROP TABLE reg_metrics;
DROP SEQUENCE reg_seq;
