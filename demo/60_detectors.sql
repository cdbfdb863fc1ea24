-- demo/detectors.sql: a scheduled detector, end to end.
--
-- Called by the demo after it has created metrics(service text, ts
-- timestamptz, requests float8).  Builds a detector per service, runs it,
-- shows the events, lets new rows arrive (one of them a spike), runs it again
-- incrementally with a LISTEN open for the alert, and schedules it with
-- pg_cron when pg_cron is installed in this database.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

-- Start over when the demo is run again.
DO $$ BEGIN PERFORM anomaly_drop_detector(name) FROM anomaly_detectors WHERE name = 'requests_per_service'; END $$;

\echo '== a detector on metrics.requests, one series per service'
SELECT anomaly_create_detector(
	'requests_per_service', 'metrics', 'ts', 'requests', 'service',
	'{"threshold": 4, "train_window": "28 days", "refit_every": "1 day", "late_window": "2 hours"}');

\echo '== first run: fits every service, scores every row'
SELECT series, fitted, rows_scored, anomalies, new_events, failures FROM anomaly_run('requests_per_service');

\echo '== the biggest events so far'
SELECT series, started_at, ended_at, anomalous_rows, round(peak_score::numeric, 1) AS peak_score, peak_value
FROM anomaly_events WHERE detector = 'requests_per_service' AND kind = 'anomaly'
ORDER BY peak_score DESC LIMIT 5;

\echo '== twelve new rows per service arrive; the first service spikes at the sixth'
-- each new hour looks like the same hour one week earlier, give or take 2%
INSERT INTO metrics (service, ts, requests)
SELECT m.service, m.last + k * interval '1 hour',
       round(w.requests * (0.98 + 0.04 * random()))
         * CASE WHEN k = 6 AND m.service = (SELECT min(service) FROM metrics) THEN 5 ELSE 1 END
FROM (SELECT service, max(ts) AS last FROM metrics GROUP BY service) m,
     generate_series(1, 12) k,
     LATERAL (SELECT requests FROM metrics p
              WHERE p.service = m.service AND p.ts = m.last + k * interval '1 hour' - interval '7 days') w;

\echo '== second run, incremental: only the new rows are scored; the alert arrives on LISTEN anomaly'
LISTEN anomaly;
SELECT series, fitted, rows_scored, anomalies, new_events, failures FROM anomaly_run('requests_per_service');
UNLISTEN anomaly;

\echo '== a third run finds nothing new'
SELECT series, fitted, rows_scored, anomalies, new_events FROM anomaly_run('requests_per_service');

\echo '== latest state of the series (what a dashboard shows), highest score first'
SELECT series, ts, round(value::numeric, 1) AS value, round(expected::numeric, 1) AS expected,
       round(score::numeric, 2) AS score, is_anomaly
FROM anomaly_latest WHERE detector = 'requests_per_service' ORDER BY score DESC, series LIMIT 5;

\echo '== the run log'
SELECT run_id, series, fitted, rows_scored, anomalies, new_events, failures, finished_at - started_at AS took
FROM anomaly_runs WHERE detector = 'requests_per_service' ORDER BY run_id;

-- pg_cron can be created where it is preloaded and this is its database.
SELECT coalesce(current_setting('cron.database_name', true) = current_database(), false)
       AND current_setting('shared_preload_libraries') LIKE '%pg_cron%' AS can_pg_cron \gset
\if :can_pg_cron
CREATE EXTENSION IF NOT EXISTS pg_cron;
\endif
SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') AS has_pg_cron \gset
\if :has_pg_cron
\echo '== scheduled every 5 minutes with pg_cron'
SELECT anomaly_schedule('requests_per_service', '*/5 * * * *') AS job_id;
SELECT jobname, schedule, command FROM cron.job WHERE jobname = 'anomaly:requests_per_service';
\else
\echo '== pg_cron is not installed in this database; with it, this would schedule the detector:'
\echo '   SELECT anomaly_schedule(''requests_per_service'', ''*/5 * * * *'');'
\endif
