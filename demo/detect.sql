-- Fit one model per service on the first three weeks, score the last week.
\echo
\echo '== fitting one model per service (October 1-24) =='
CREATE TABLE service_models AS
SELECT service, ts_fit(ts, requests) AS model
FROM metrics
WHERE ts < '2026-10-25'
GROUP BY service;

SELECT count(*) AS models,
       count(*) FILTER (WHERE ts_model_info(model)->>'kind' = 'ts_seasonal') AS seasonal_models,
       min((ts_model_info(model)->>'points')::int) AS points_per_model
FROM service_models;

\echo
\echo '== scoring the last week (October 25-31) =='
CREATE TABLE scored AS
SELECT m.service, m.ts, m.requests, d.*
FROM metrics m
JOIN service_models USING (service),
LATERAL ts_detect(model, m.ts, m.requests) d
WHERE m.ts >= '2026-10-25';

SELECT count(*) AS rows_scored, count(*) FILTER (WHERE is_anomaly) AS anomalous_rows FROM scored;

\echo
\echo '== anomalous episodes (consecutive anomalous hours of one service merged) =='
WITH flagged AS (
  SELECT *, ts - row_number() OVER (PARTITION BY service ORDER BY ts) * interval '1 hour' AS episode
  FROM scored WHERE is_anomaly
)
SELECT service, min(ts) AS starts, max(ts) AS ends, count(*) AS hours,
       round(max(score)::numeric, 1) AS peak_score,
       round(avg(requests)::numeric) AS avg_requests, round(avg(expected)::numeric) AS avg_expected
FROM flagged
GROUP BY service, episode
ORDER BY max(score) DESC
LIMIT 15;
