-- Missing data as events: gaps between scored rows (also across runs), stale
-- series judged against the detector's newest row ("source" clock) or the
-- run's time ("run"), once per gap and once per stale episode, the tolerance
-- (missing_after) and turning it off, retired series, the events and latest
-- views, the run log, and bad input.  The expected stretches are written out
-- by hand from the rows inserted (hourly series: the sampling interval that
-- ts_fit infers is one hour).  The NOTIFY payload is checked by
-- test/integration/detectors_cron.sh (psql prints a process id with it).
\set SHOW_CONTEXT never
SET extra_float_digits = 0;
SET timezone = 'UTC';

CREATE TABLE miss_src (svc text, ts timestamptz, v float8);
CREATE FUNCTION miss_rows(svc text, hours int[]) RETURNS void LANGUAGE sql AS $$
	INSERT INTO miss_src SELECT svc, timestamptz '2026-01-01 00:00+00' + h * interval '1 hour', 100 + h % 4
	FROM unnest(hours) h;
$$;
CREATE FUNCTION miss_hours(lo int, hi int, except_ int[] DEFAULT '{}') RETURNS int[] LANGUAGE sql AS $$
	SELECT array_agg(h ORDER BY h) FROM generate_series(lo, hi) h WHERE h <> ALL (except_);
$$;
-- Hours since 2026-01-01 00:00 UTC, to read the stretches.
CREATE FUNCTION miss_h(t timestamptz) RETURNS int LANGUAGE sql AS $$
	SELECT (extract(epoch FROM t - timestamptz '2026-01-01 00:00+00') / 3600)::int;
$$;
-- full: hours 0 .. 99.  gappy: without 40 .. 43 (a gap of 4 rows), 60 .. 61
-- (2 rows: 3 intervals between the rows around it, not more than the
-- default missing_after of 3) and 70 .. 72 (3 rows, 4 intervals).  quiet:
-- ends at hour 89, 10 intervals before the detector's newest row (99).
-- gone: ends at hour 49.
SELECT miss_rows('full', miss_hours(0, 99));
SELECT miss_rows('gappy', miss_hours(0, 99, ARRAY[40, 41, 42, 43, 60, 61, 70, 71, 72]));
SELECT miss_rows('quiet', miss_hours(0, 89));
SELECT miss_rows('gone', miss_hours(0, 49));
SELECT anomaly_create_detector('miss', 'miss_src', 'ts', 'v', 'svc', '{"threshold": 4}');
CREATE VIEW miss_events AS
SELECT e.detector, e.series, e.kind, m.cause, miss_h(e.started_at) AS start_h, miss_h(e.ended_at) AS end_h,
       e.missing_rows, e.is_open,
       (SELECT count(*) FROM anomaly_runs r WHERE r.detector = e.detector AND r.run_id <= m.run_id) AS run
FROM anomaly_events e
LEFT JOIN anomaly_missing m ON m.detector = e.detector AND m.series = e.series AND m.started_at = e.started_at
WHERE e.kind = 'missing';

-- Run 1: two gaps of gappy, quiet stale since hour 90 (10 rows missing by
-- hour 99), gone since hour 50 (50 rows).  No anomaly in the values.
SELECT series, fitted, rows_scored, anomalies, new_events FROM anomaly_run('miss');
SELECT * FROM miss_events WHERE detector = 'miss' ORDER BY series, start_h;
SELECT new_events, missing_events FROM anomaly_runs WHERE detector = 'miss' ORDER BY run_id;
SELECT series, sampling_interval, detected_at <= now() AS detected_before FROM anomaly_missing WHERE detector = 'miss' ORDER BY series, started_at;

-- gone is retired: its open event closes, and it raises no more.
SELECT anomaly_retire_series('miss', 'gone');
SELECT series, retired_at IS NOT NULL AS retired, miss_h(missing_since) AS missing_since_h, missing_rows
FROM anomaly_latest WHERE detector = 'miss' ORDER BY series;

-- Run 2: full goes on to hour 109; gappy's next rows start at hour 104, so
-- hours 100 .. 103 are a gap across the runs; quiet is still stale: its
-- event is extended to hour 109 (20 rows) without a new event.
SELECT miss_rows('full', miss_hours(100, 109));
SELECT miss_rows('gappy', miss_hours(104, 109));
SELECT series, rows_scored, new_events FROM anomaly_run('miss');
SELECT * FROM miss_events WHERE detector = 'miss' ORDER BY series, start_h;

-- Run 3, no new rows: nothing new, nothing recorded twice.
SELECT rows_scored, new_events FROM anomaly_run('miss');
SELECT count(*) AS stretches, count(DISTINCT (series, started_at)) AS distinct_stretches FROM anomaly_missing WHERE detector = 'miss';

-- Run 4: quiet comes back at hour 110 (its silence was the stale event: no
-- gap event, and the event closes); gone has a row again at hour 112: it is
-- no longer retired, and the silence while retired raises nothing.
SELECT miss_rows(s, miss_hours(110, 112)) FROM unnest(ARRAY['full', 'gappy', 'quiet']) s;
SELECT miss_rows('gone', ARRAY[112]);
SELECT series, rows_scored, new_events FROM anomaly_run('miss');
SELECT * FROM miss_events WHERE detector = 'miss' ORDER BY series, start_h;
SELECT series, retired_at IS NOT NULL AS retired, missing_since FROM anomaly_latest WHERE detector = 'miss' ORDER BY series;
-- The run log: new_events includes the missing events.
SELECT new_events, missing_events FROM anomaly_runs WHERE detector = 'miss' ORDER BY run_id;

-- The same rows with other tolerances, fitted and scored in one run.  With
-- missing_after 4 the gaps of 3 rows (4 intervals) are not reported; the
-- silences of quiet (hours 90 .. 109) and gone (50 .. 111) are gaps now.
SELECT anomaly_create_detector('miss_4', 'miss_src', 'ts', 'v', 'svc', '{"threshold": 4, "missing_after": 4}');
SELECT new_events FROM anomaly_run('miss_4');
SELECT * FROM miss_events WHERE detector = 'miss_4' ORDER BY series, start_h;
-- With missing_after 1 every missing row counts; 1.5 is the same on hourly rows.
SELECT anomaly_create_detector('miss_1', 'miss_src', 'ts', 'v', 'svc', '{"threshold": 4, "missing_after": 1}');
SELECT new_events FROM anomaly_run('miss_1');
SELECT series, start_h, end_h, missing_rows FROM miss_events WHERE detector = 'miss_1' ORDER BY series, start_h;
SELECT anomaly_create_detector('miss_15', 'miss_src', 'ts', 'v', 'svc', '{"threshold": 4, "missing_after": 1.5}');
SELECT new_events FROM anomaly_run('miss_15');
-- Turned off: nothing.
SELECT anomaly_create_detector('miss_off', 'miss_src', 'ts', 'v', 'svc', '{"threshold": 4, "missing_after": false}');
SELECT new_events FROM anomaly_run('miss_off');
SELECT count(*) AS off_events FROM anomaly_missing WHERE detector = 'miss_off';

-- Turning it off closes an open stale event; a series that is stale again
-- at the same newest row reopens it without a new event.
SELECT miss_rows('full', miss_hours(113, 120));
SELECT new_events FROM anomaly_run('miss');
SELECT series, start_h, end_h, missing_rows, is_open, run FROM miss_events WHERE detector = 'miss' AND start_h >= 113 ORDER BY series;
UPDATE anomaly_detectors SET options = '{"threshold": 4, "missing_after": false}' WHERE name = 'miss';
SELECT new_events FROM anomaly_run('miss');
SELECT count(*) AS open_events FROM anomaly_missing WHERE detector = 'miss' AND is_open;
UPDATE anomaly_detectors SET options = '{"threshold": 4}' WHERE name = 'miss';
SELECT new_events FROM anomaly_run('miss');
SELECT series, start_h, end_h, missing_rows, is_open, run FROM miss_events WHERE detector = 'miss' AND start_h >= 113 ORDER BY series;

-- Jitter and the documented blind spot (docs/detectors.md, Cost), with the
-- interval given (1 hour).  jit: each row 10 minutes early to 10 minutes
-- late, hours 20 .. 23 missing: the gap is found, from 20:05 to 23:05 (hour
-- 19's row is at 19:05).  dense: the same hours missing, but 5 extra rows at
-- 0:30 .. 4:30 make the run's rows as many as the grid's slots: no gap.
CREATE TABLE miss_jit (svc text, ts timestamptz, v float8);
INSERT INTO miss_jit
SELECT 'jit', timestamptz '2026-01-01 00:00+00' + h * interval '1 hour' + ((7 * h) % 5 - 2) * interval '5 minutes', 100 + h % 4
FROM generate_series(0, 49) h WHERE h NOT BETWEEN 20 AND 23
UNION ALL
SELECT 'dense', timestamptz '2026-01-01 00:00+00' + h * interval '30 minutes', 100 + h % 4
FROM generate_series(0, 98) h WHERE h % 2 = 0 AND h / 2 NOT BETWEEN 20 AND 23 OR h < 10;
SELECT anomaly_create_detector('miss_jit', 'miss_jit', 'ts', 'v', 'svc', '{"threshold": 4, "interval": "1 hour"}');
SELECT rows_scored FROM anomaly_run('miss_jit');
SELECT missing_events FROM anomaly_runs WHERE detector = 'miss_jit';
SELECT series, cause, started_at, ended_at, missing_rows FROM anomaly_missing WHERE detector = 'miss_jit';

-- The "run" clock: staleness against the run's time.  Rows every hour up to
-- 10 hours before the start of the current hour, inserted and run in one
-- transaction (one now()): 10 rows are missing (newest + 1 h .. newest +
-- 10 h), whatever the minute.
CREATE TABLE miss_live (ts timestamptz, v float8);
SELECT anomaly_create_detector('miss_live', 'miss_live', 'ts', 'v', options => '{"missing_clock": "run"}');
BEGIN;
INSERT INTO miss_live SELECT date_trunc('hour', now()) - i * interval '1 hour', 100 + i % 4 FROM generate_series(10, 60) i;
SELECT new_events FROM anomaly_run('miss_live');
SELECT cause, started_at = date_trunc('hour', now()) - interval '9 hours' AS starts_after_newest,
       ended_at = date_trunc('hour', now()) AS ends_at_last_expected, missing_rows, is_open
FROM anomaly_missing WHERE detector = 'miss_live';
COMMIT;

-- Deleting a series deletes its missing events; dropping a detector too.
DELETE FROM anomaly_series WHERE detector = 'miss_4' AND series = 'gone';
SELECT series, count(*) FROM anomaly_missing WHERE detector = 'miss_4' GROUP BY series ORDER BY series;

-- Row-level security: a role that may not read the source sees nothing.
CREATE ROLE regress_anomaly_missing_outsider;
SET ROLE regress_anomaly_missing_outsider;
SELECT count(*) AS visible FROM anomaly_missing;
SELECT anomaly_retire_series('miss', 'quiet');
RESET ROLE;
DROP ROLE regress_anomaly_missing_outsider;

-- Bad input.
SELECT anomaly_create_detector('miss_x', 'miss_src', 'ts', 'v', options => '{"missing_after": 0.5}');
SELECT anomaly_create_detector('miss_x', 'miss_src', 'ts', 'v', options => '{"missing_after": 0}');
SELECT anomaly_create_detector('miss_x', 'miss_src', 'ts', 'v', options => '{"missing_after": "3"}');
SELECT anomaly_create_detector('miss_x', 'miss_src', 'ts', 'v', options => '{"missing_after": true}');
SELECT anomaly_create_detector('miss_x', 'miss_src', 'ts', 'v', options => '{"missing_after": 1e7}');
SELECT anomaly_create_detector('miss_x', 'miss_src', 'ts', 'v', options => '{"missing_clock": "wall"}');
SELECT anomaly_create_detector('miss_x', 'miss_src', 'ts', 'v', options => '{"missing_clock": 1}');
SELECT * FROM _anomaly_policy('{"missing_after": null, "missing_clock": null}');
SELECT missing_after, missing_clock FROM _anomaly_policy('{"missing_after": 2.5, "missing_clock": "run"}');
SELECT anomaly_retire_series('miss', 'nope');
SELECT anomaly_retire_series('nope', 'quiet');
SELECT anomaly_retire_series(NULL, 'quiet') IS NULL AS strict_null, anomaly_retire_series('miss', NULL) IS NULL AS strict_null;
-- Un-retiring by hand.
SELECT anomaly_retire_series('miss', 'quiet');
SELECT anomaly_retire_series('miss', 'quiet', false);
SELECT retired_at FROM anomaly_series WHERE detector = 'miss' AND series = 'quiet';

SELECT anomaly_drop_detector(name) FROM anomaly_detectors WHERE name LIKE 'miss%' ORDER BY name;
SELECT count(*) AS left_over FROM anomaly_missing;
DROP VIEW miss_events;
DROP FUNCTION miss_rows(text, int[]), miss_hours(int, int, int[]), miss_h(timestamptz);
DROP TABLE miss_src, miss_live, miss_jit;
