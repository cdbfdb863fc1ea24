-- Context: anomalies that no single row shows, found by ts_anomaly.
--
-- Self-contained (it makes its own data).  Two sensors, a reading a minute,
-- five days of training then one day scored:
--   pump-7   vibration, a cycle an hour plus noise; on the scored day one
--            cycle, 13:00 to 13:59, also shakes at twice its rate, while
--            every reading stays inside the normal band;
--   mixer-2  a chaotic process (the logistic map), whose next reading
--            follows from the last ones; at 15:00 on the scored day it
--            jumps to another run of the same process: every reading is one
--            the process makes, only the sequence breaks.
-- One model per sensor with the "analog" option (which keeps the shape, the
-- discord and the method of analogues); ts_detect judges each row alone and
-- flags nothing, ts_anomaly each row with the rows around it (lookahead =>
-- true: stored history) and flags both incidents, the jump at 20 times the
-- edge of normal, plus three rows of mixer-2 at the edge (1.02).
-- test/integration/demo_context.sh checks the result.
\echo
\echo '== context: two sensors whose anomalies no single reading shows (ts_detect row by row, ts_anomaly with context) =='
CREATE TABLE sensor AS
WITH RECURSIVE m(i, u, v) AS (          -- two runs of the logistic map, from 0.3 and from 0.71
	SELECT 0, 0.3::float8, 0.71::float8
	UNION ALL
	SELECT i + 1, 3.9 * u * (1 - u), 3.9 * v * (1 - v) FROM m WHERE i < 6 * 1440 - 1)
SELECT 'pump-7' AS sensor, timestamptz '2026-11-01' + i * interval '1 minute' AS ts,
       10 * sin(2 * pi() * i / 60)
       + CASE WHEN i >= 5 * 1440 + 13 * 60 AND i < 5 * 1440 + 14 * 60 THEN 2 * sin(2 * pi() * i / 30) ELSE 0 END
       + (hashint4(i) / 2147483648.0) AS value
FROM generate_series(0, 6 * 1440 - 1) AS i
UNION ALL
SELECT 'mixer-2', timestamptz '2026-11-01' + i * interval '1 minute',
       100 * CASE WHEN i >= 5 * 1440 + 15 * 60 THEN v ELSE u END
FROM m;

CREATE TABLE sensor_models AS
SELECT sensor, ts_fit(ts, value, '{"analog": true}') AS model
FROM sensor WHERE ts < '2026-11-06' GROUP BY sensor;
SELECT sensor, ts_model_info(model) -> 'shape' ->> 'window' AS "window",
       ts_model_info(model) -> 'analog' ->> 'lag' AS analog_lag,
       round((ts_model_info(model) -> 'analog' ->> 'skill')::numeric, 3) AS analog_skill,
       ts_model_info(model) -> 'analog' ->> 'used' AS analogues_used
FROM sensor_models ORDER BY sensor;

CREATE TABLE sensor_scored AS
SELECT x.sensor, x.ts, x.value, d.score AS row_score, d.is_anomaly AS row_flag, (a).score, (a).shape_score,
       (a).is_anomaly
FROM (SELECT s.*, m.model,
             ts_anomaly(m.model, s.ts, s.value, lookahead => true) OVER (PARTITION BY s.sensor ORDER BY s.ts) AS a
      FROM sensor s JOIN sensor_models m USING (sensor) WHERE s.ts >= '2026-11-06') x,
     LATERAL ts_detect(x.model, x.ts, x.value) d;

-- flagged stretches (rows at most 10 minutes apart), by each function
SELECT sensor, method, min(ts) AS first, max(ts) AS last, count(*) AS rows, round(max(score)::numeric, 2) AS top_score
FROM (SELECT sensor, method, ts, score,
             sum(CASE WHEN ts - prev > interval '10 minutes' THEN 1 ELSE 0 END) OVER (PARTITION BY sensor, method ORDER BY ts) AS stretch
      FROM (SELECT sensor, method, ts, score, lag(ts, 1, ts) OVER (PARTITION BY sensor, method ORDER BY ts) AS prev
            FROM (SELECT sensor, 'ts_detect' AS method, ts, row_score AS score FROM sensor_scored WHERE row_flag
                  UNION ALL
                  SELECT sensor, 'ts_anomaly', ts, score FROM sensor_scored WHERE is_anomaly) f) g) h
GROUP BY sensor, method, stretch
ORDER BY sensor, method, first;
