-- Multivariate: CPU, memory and latency of 100 hosts, and an incident that
-- no single metric shows.
--
-- Self-contained (it makes its own data).  Four days of 10-minute samples:
-- each host's load varies with traffic bursts that no clock predicts, and
-- its CPU, memory in use and latency follow the load, each with its own
-- noise.  On host-042, from 2026-10-31 02:00 to 04:50, memory leaks: it
-- climbs by up to 20 points above what the load explains, while the load
-- stays moderate, so memory never leaves the range it covers every day.
-- One mv model per host (hosts differ in size), fitted on the first three
-- days, scores the last day; per-metric ts models and z-scores over the same
-- rows are shown next to it.  test/integration/demo_host_metrics.sh checks
-- the result against the injected incident.
DO $$ BEGIN PERFORM setseed(0.16); END $$;   -- the same data on every run

CREATE TABLE host_metrics AS
SELECT format('host-%s', lpad(h::text, 3, '0')) AS host, ts,
       round((5 + h % 10 + (60 + h % 20) * load + 1.5 * n1)::numeric, 2)::float8 AS cpu,
       round((25 + h % 15 + 0.5 * (60 + h % 20) * load + 1.5 * n2 + leak)::numeric, 2)::float8 AS mem,
       round((20 + h % 5 + 40 * load + 2 * n3)::numeric, 2)::float8 AS latency_ms
FROM (SELECT h, ts,
             CASE WHEN incident THEN 0.15 + 0.3 * u ELSE u END AS load,
             CASE WHEN incident THEN 20 * (extract(epoch FROM ts - '2026-10-31 01:50+00') / 10800) ELSE 0 END AS leak,
             n1, n2, n3
      FROM (SELECT h, ts, random() AS u,
                   -- sums of three uniforms: bell-shaped noise, mean 0, standard deviation 0.5
                   random() + random() + random() - 1.5 AS n1,
                   random() + random() + random() - 1.5 AS n2,
                   random() + random() + random() - 1.5 AS n3,
                   h = 42 AND ts >= '2026-10-31 02:00+00' AND ts < '2026-10-31 05:00+00' AS incident
            FROM generate_series(1, 100) h,
                 generate_series(timestamptz '2026-10-28 00:00+00', timestamptz '2026-10-31 23:50+00', interval '10 minutes') ts) r
     ) s;
ANALYZE host_metrics;

\echo
\echo '== host metrics: 100 hosts, (cpu %, memory %, latency ms) every 10 minutes, October 28-31 =='
\echo '== one mv model per host over ARRAY[cpu, mem, latency_ms], fitted on October 28-30 =='
CREATE TABLE host_models AS
SELECT host, mv_fit(ARRAY[cpu, mem, latency_ms]) AS model
FROM host_metrics WHERE ts < '2026-10-31' GROUP BY host;

\echo
\echo '== scoring October 31 with mv_detect: the flagged episodes, with the metric that contributes most =='
CREATE TABLE host_scored AS
SELECT x.host, x.ts, x.cpu, x.mem, x.latency_ms, d.score, d.is_anomaly, d.contributions,
       (ARRAY['cpu', 'mem', 'latency_ms'])[(SELECT i FROM unnest(d.contributions) WITH ORDINALITY c(v, i)
                                            ORDER BY v DESC LIMIT 1)] AS top_metric
FROM host_metrics x JOIN host_models USING (host), LATERAL mv_detect(model, ARRAY[x.cpu, x.mem, x.latency_ms]) d
WHERE x.ts >= '2026-10-31';

SELECT host, min(ts) AS first_flagged, max(ts) AS last_flagged, count(*) AS rows,
       round(max(score)::numeric, 2) AS peak_score,
       (array_agg(top_metric ORDER BY score DESC))[1] AS top_metric,
       round(((array_agg(contributions ORDER BY score DESC))[1][2])::numeric, 2) AS mem_share
FROM host_scored WHERE is_anomaly
GROUP BY host ORDER BY peak_score DESC;
\echo '   (single rows just above 1 on other hosts are the false alarms of the default false_alarm_rate: 0.001 of 14,400 rows is about 14)'

\echo
\echo '== the same rows of host-042 through per-metric models: nothing stands out on its own =='
\echo '   (z = distance from the host''s own mean in standard deviations; ts_score: one ts_fit model per host and metric, > 1 is anomalous)'
CREATE TABLE host_metric_models AS
SELECT host, ts_fit(ts, cpu) AS cpu_model, ts_fit(ts, mem) AS mem_model, ts_fit(ts, latency_ms) AS latency_model,
       avg(cpu) AS cpu_avg, stddev(cpu) AS cpu_sd, avg(mem) AS mem_avg, stddev(mem) AS mem_sd,
       avg(latency_ms) AS latency_avg, stddev(latency_ms) AS latency_sd
FROM host_metrics WHERE ts < '2026-10-31' GROUP BY host;

SELECT s.ts, s.cpu, s.mem, s.latency_ms,
       round(((s.cpu - cpu_avg) / cpu_sd)::numeric, 1) AS z_cpu,
       round(((s.mem - mem_avg) / mem_sd)::numeric, 1) AS z_mem,
       round(((s.latency_ms - latency_avg) / latency_sd)::numeric, 1) AS z_latency,
       round(greatest(ts_score(cpu_model, s.ts, s.cpu), ts_score(mem_model, s.ts, s.mem),
                      ts_score(latency_model, s.ts, s.latency_ms))::numeric, 2) AS max_ts_score,
       round(s.score::numeric, 2) AS mv_score, s.top_metric
FROM host_scored s JOIN host_metric_models USING (host)
WHERE s.host = 'host-042' AND s.ts >= '2026-10-31 02:00+00' AND s.ts < '2026-10-31 05:00+00'
ORDER BY s.ts;

\echo
\echo '== rows of October 31 flagged, per-metric (ts_score > 1 or |z| > 3) vs mv_detect =='
SELECT count(*) AS rows_scored,
       count(*) FILTER (WHERE greatest(ts_score(cpu_model, s.ts, s.cpu), ts_score(mem_model, s.ts, s.mem),
                                       ts_score(latency_model, s.ts, s.latency_ms)) > 1) AS per_metric_ts,
       count(*) FILTER (WHERE greatest(abs(s.cpu - cpu_avg) / cpu_sd, abs(s.mem - mem_avg) / mem_sd,
                                       abs(s.latency_ms - latency_avg) / latency_sd) > 3) AS per_metric_z,
       count(*) FILTER (WHERE s.is_anomaly) AS mv_detect,
       count(*) FILTER (WHERE s.is_anomaly AND s.host = 'host-042') AS mv_detect_on_host_042
FROM host_scored s JOIN host_metric_models USING (host);

\echo
\echo '== the same, as a multivariate detector: one mv_fit model per host over (cpu, mem, latency_ms) =='
\echo '   (a view shows the rows up to a clock: the first run fits on October 28-30, the second scores October 31)'
DO $$ BEGIN PERFORM anomaly_drop_detector(name) FROM anomaly_detectors WHERE name = 'host_joint'; END $$;
CREATE TABLE host_clock (upto timestamptz);
INSERT INTO host_clock VALUES ('2026-10-30 23:50+00');
CREATE VIEW host_feed AS SELECT * FROM host_metrics WHERE ts <= (SELECT upto FROM host_clock);
SELECT anomaly_create_detector('host_joint', 'host_feed', 'ts', ARRAY['cpu', 'mem', 'latency_ms'], 'host');
SELECT series, fitted, rows_scored FROM anomaly_run('host_joint');
UPDATE host_clock SET upto = '2026-10-31 23:50+00';
SELECT series, fitted, rows_scored, anomalies, new_events FROM anomaly_run('host_joint');
SELECT series, started_at, ended_at, anomalous_rows, round(peak_score::numeric, 2) AS peak_score, top_column
FROM anomaly_events WHERE detector = 'host_joint' AND kind = 'anomaly' AND started_at >= '2026-10-31'
ORDER BY peak_score DESC LIMIT 3;
