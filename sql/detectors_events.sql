-- New events counted by anomaly_run against the anomaly_events view, which
-- recomputes the events from all results (a window over each series).  Runs
-- split the data at hours that cut events in two, so that an event may start
-- in one run and go on in the next, may begin with the first row of a run,
-- and series may have one or many anomalies per run.  Without late rows every
-- event starts in exactly one run: the new events of all runs add up to the
-- events of the view, and those of each run to the view's events starting
-- inside that run.
SET extra_float_digits = 0;
SET timezone = 'UTC';

-- 40 series, hourly values 100 .. 100.9 except the spikes (1000).  Series k
-- has spikes where a hash of (k, hour) falls below a rate that grows with k
-- (none for series 0 .. 3), and a 3-hour spike at hours 199 .. 201 (series
-- 8 .. 15), 200 .. 202 (16 .. 23) or 201 .. 203 (24 .. 31): runs end at
-- hours 199, 219, 249 and 279, so those events cross the first boundary.
CREATE TABLE ev_src (svc text, ts timestamptz, v float8);
INSERT INTO ev_src
SELECT 's' || k, timestamptz '2026-01-01 00:00+00' + i * interval '1 hour',
       CASE WHEN i >= 150 AND (abs(hashint4(k * 1000 + i)) % 1000) < (k / 4) * 12 THEN 1000
            WHEN k BETWEEN 8 AND 15 AND i BETWEEN 199 AND 201 THEN 1000
            WHEN k BETWEEN 16 AND 23 AND i BETWEEN 200 AND 202 THEN 1000
            WHEN k BETWEEN 24 AND 31 AND i BETWEEN 201 AND 203 THEN 1000
            ELSE 100 + (abs(hashint4(k * 7 + i)) % 10) * 0.1 END
FROM generate_series(0, 39) k, generate_series(0, 279) i;
CREATE TABLE ev_upto (upto timestamptz);
CREATE VIEW ev_view AS SELECT * FROM ev_src WHERE ts <= (SELECT upto FROM ev_upto);
-- Training: the first 150 hours, without spikes.
INSERT INTO ev_upto VALUES (timestamptz '2026-01-01 00:00+00' + 149 * interval '1 hour');
SELECT anomaly_create_detector('ev', 'ev_view', 'ts', 'v', 'svc', '{"threshold": 4, "method": "robust"}');
SELECT series, fitted, rows_scored, anomalies, new_events FROM anomaly_run('ev');

CREATE TABLE ev_runs (run_id bigint, upto timestamptz, new_events integer, anomalies bigint, rows_scored bigint);
CREATE FUNCTION ev_step(hour integer) RETURNS void LANGUAGE sql AS $$
	UPDATE ev_upto SET upto = timestamptz '2026-01-01 00:00+00' + hour * interval '1 hour';
	INSERT INTO ev_runs SELECT r.run_id, u.upto, r.new_events, r.anomalies, r.rows_scored
	FROM anomaly_run('ev') r, ev_upto u;
$$;
SELECT ev_step(199);
SELECT ev_step(219);
SELECT ev_step(249);
SELECT ev_step(279);
SELECT rows_scored, anomalies, new_events FROM ev_runs ORDER BY run_id;

-- Every spike was flagged and nothing else.
SELECT count(*) FILTER (WHERE is_anomaly) AS flagged, count(*) FILTER (WHERE is_anomaly <> (value = 1000)) AS wrong
FROM anomaly_results WHERE detector = 'ev';

-- Each run's new events are the events of the view that start inside it.
SELECT r.rows_scored, r.new_events,
       (SELECT count(*) FROM anomaly_events e
        WHERE e.detector = 'ev' AND e.started_at <= r.upto
          AND e.started_at > coalesce((SELECT max(p.upto) FROM ev_runs p WHERE p.run_id < r.run_id),
                                      timestamptz '2026-01-01 00:00+00' + 149 * interval '1 hour')) AS view_events
FROM ev_runs r ORDER BY r.run_id;
SELECT (SELECT sum(new_events) FROM ev_runs) AS run_events, (SELECT count(*) FROM anomaly_events WHERE detector = 'ev') AS view_events;

-- The events crossing the first boundary (counted once above, in the first
-- run): series 8 .. 15, and series 19, whose hash spike at hour 199 runs into
-- its spike at hours 200 .. 202: 9.
SELECT count(*) AS crossing_events FROM anomaly_events
WHERE detector = 'ev' AND started_at <= timestamptz '2026-01-01 00:00+00' + 199 * interval '1 hour'
  AND ended_at > timestamptz '2026-01-01 00:00+00' + 199 * interval '1 hour';

SELECT anomaly_drop_detector('ev');
DROP FUNCTION ev_step(integer);
DROP VIEW ev_view;
DROP TABLE ev_src, ev_upto, ev_runs;
