-- The seasonal / trend model: fit, score, detect, forecast, info, options
-- errors, fallbacks, and the episode alert aggregate.
SET extra_float_digits = 0;
SET timezone = 'UTC';

-- 21 days of hourly data: a daily cycle of amplitude 30 around 100, plus a
-- deterministic pseudo-random wobble in [-0.6, 0.6] (from md5 of i, not periodic).
CREATE TABLE hourly AS
SELECT i, '2026-01-01'::timestamptz + i * interval '1 hour' AS ts,
       100 + 30 * sin(2 * pi() * (i % 24) / 24) + (abs(('x' || substr(md5(i::text), 1, 8))::bit(32)::int) % 1201 - 600) / 1000.0 AS value
  FROM generate_series(0, 24 * 21 - 1) AS i;
CREATE TABLE m AS SELECT ts_fit(ts, value) AS model FROM hourly;

-- a daily period is found, as a duration and in samples
SELECT info->>'kind' AS kind, info->>'method' AS method, (info->>'period')::float8 AS period_s,
       jsonb_array_length(info->'periods') AS nperiods, info->'periods'->0->>'samples' AS samples,
       info->'periods'->0->>'source' AS source, (info->>'points')::int AS points,
       info->>'train_start' AS train_start, info->>'train_end' AS train_end,
       (info->>'interval_seconds')::float8 AS interval_s, info->>'reason' AS reason
  FROM (SELECT ts_model_info(model) AS info FROM m) s;

-- the expectation follows the cycle (checked against the generating formula),
-- also a year later and before the training range: the phase comes from the timestamp
SELECT bool_and(abs(d.expected - (100 + 30 * sin(2 * pi() * h / 24))) < 0.7) AS follows_cycle,
       bool_and(abs(d.level + d.seasonal - d.expected) < 1e-9) AS parts_add_up,
       bool_and(d.lower < d.expected AND d.expected < d.upper) AS band_around_expected
  FROM m, generate_series(0, 23) AS h,
       LATERAL (VALUES ('2027-03-01'::timestamptz + h * interval '1 hour'),
                       ('2025-06-01'::timestamptz + h * interval '1 hour')) AS t(ts),
       LATERAL ts_detect(m.model, t.ts, 0) AS d;

-- scores: 0 at the expected value, exactly 1 at the band's edges, > 1 outside
SELECT round(ts_score(model, '2026-03-01 06:00+00', d.expected)::numeric, 9) AS at_expected,
       round(ts_score(model, '2026-03-01 06:00+00', d.upper)::numeric, 9) AS at_upper,
       round(ts_score(model, '2026-03-01 06:00+00', d.lower)::numeric, 9) AS at_lower,
       ts_score(model, '2026-03-01 06:00+00', d.upper + 1) > 1 AS above_upper,
       (ts_detect(model, '2026-03-01 06:00+00', d.upper + 1)).is_anomaly AS flagged
  FROM m, LATERAL ts_detect(m.model, '2026-03-01 06:00+00', 0) AS d;

-- a value normal at 06:00 (the peak) is anomalous at 18:00 (the trough)
SELECT (ts_detect(model, '2026-03-01 06:00+00', 130)).is_anomaly AS at_peak,
       (ts_detect(model, '2026-03-01 18:00+00', 130)).is_anomaly AS at_trough
  FROM m;

-- the training rows themselves: none anomalous; an injected spike is
SELECT count(*) FILTER (WHERE (ts_detect(model, ts, value)).is_anomaly) AS anomalies,
       count(*) AS rows
  FROM hourly, m;
SELECT (ts_detect(model, '2026-01-05 03:00+00', 160)).is_anomaly AS spike FROM m;

-- forecast: one row per interval, on the cycle
SELECT count(*) AS steps, min(ts) AS first, max(ts) AS last,
       bool_and(abs(expected - (100 + 30 * sin(2 * pi() * extract(hour FROM ts) / 24))) < 0.7) AS on_cycle,
       bool_and(lower < expected AND expected < upper) AS banded
  FROM m, ts_forecast(m.model, '2026-01-22 00:00+00', 48);

-- incidents inside the training data do not bend the profile
CREATE TABLE incident AS
SELECT ts, CASE WHEN i BETWEEN 100 AND 111 THEN 0 WHEN i % 24 = 3 AND i < 24 * 5 THEN 1000 ELSE value END AS value
  FROM hourly;
SELECT bool_and(abs(d.expected - (100 + 30 * sin(2 * pi() * h / 24))) < 0.7) AS profile_unbent
  FROM (SELECT ts_fit(ts, value, '{"period": "1 day"}') AS model FROM incident) f,
       generate_series(0, 23) AS h,
       LATERAL ts_detect(f.model, '2026-02-01'::timestamptz + h * interval '1 hour', 0) AS d;

-- gaps: a fifth of the rows missing and a 3-day hole: same period, same phase
SELECT info->'periods'->0->>'seconds' AS period_s,
       bool_and(abs(d.expected - (100 + 30 * sin(2 * pi() * h / 24))) < 0.7) AS follows_cycle
  FROM (SELECT ts_fit(ts, value) AS model FROM hourly WHERE i % 5 <> 1 AND i NOT BETWEEN 200 AND 272) f,
       LATERAL (SELECT ts_model_info(f.model) AS info) i,
       generate_series(0, 23) AS h,
       LATERAL ts_detect(f.model, '2026-02-01'::timestamptz + h * interval '1 hour', 0) AS d
 GROUP BY 1;

-- duplicate timestamps are accepted (each row is an observation of its phase)
SELECT ts_model_info(ts_fit(ts, value))->'periods'->0->>'seconds' AS period_s
  FROM (SELECT ts, value FROM hourly UNION ALL SELECT ts, value + 0.1 FROM hourly WHERE i % 5 = 0) d;

-- a given period: samples, a duration, a list; "period": "none" gives the level model
SELECT ts_model_info(ts_fit(ts, value, '{"period": 24}'))->'periods'->0->>'source' AS samples,
       ts_model_info(ts_fit(ts, value, '{"period": "1 day"}'))->'periods'->0->>'samples' AS duration,
       jsonb_array_length(ts_model_info(ts_fit(ts, value, '{"period": [24, "1 week"]}'))->'periods') AS list,
       ts_model_info(ts_fit(ts, value, '{"period": "none"}'))->>'kind' AS none
  FROM hourly;

-- trends: a linear drift is found and extrapolated
SELECT info->>'trend' AS trend, round((info->>'slope_per_day')::numeric, 1) AS slope_per_day,
       abs((ts_detect(model, '2026-02-01 06:00+00', 0)).expected - (130 + 0.5 * 31 * 24)) < 3 AS extrapolated
  FROM (SELECT ts_fit(ts, value + 0.5 * i, '{"trend": "linear"}') AS model FROM hourly) f,
       LATERAL (SELECT ts_model_info(f.model) AS info) i;
-- a level shift: the local trend carries the new level forward
SELECT info->>'trend' AS trend,
       abs((ts_detect(model, '2026-02-01 06:00+00', 0)).expected - 330) < 2 AS new_level
  FROM (SELECT ts_fit(ts, value + CASE WHEN i > 300 THEN 200 ELSE 0 END) AS model FROM hourly) f,
       LATERAL (SELECT ts_model_info(f.model) AS info) i;

-- asymmetric direction and a confidence level
SELECT (ts_detect(model, '2026-03-01 06:00+00', 0)).is_anomaly AS low_value_flagged,
       (ts_detect(model, '2026-03-01 06:00+00', 500)).is_anomaly AS high_value_flagged
  FROM (SELECT ts_fit(ts, value, '{"direction": "up"}') AS model FROM hourly) f;
SELECT (info->>'threshold')::numeric(10, 6) AS k_for_99
  FROM (SELECT ts_model_info(ts_fit(ts, value, '{"confidence": 0.99}')) AS info FROM hourly) f;

-- too little data for a requested period: an error under "seasonal" (with a hint) ...
SELECT ts_fit(ts, value, '{"method": "seasonal", "period": "1 week"}') FROM hourly WHERE i < 240;
-- ... and a non-seasonal fallback that says why under "auto"
SELECT info->>'kind' AS kind, info->>'period' AS period, info->>'reason' AS reason
  FROM (SELECT ts_model_info(ts_fit(ts, value, '{"period": "1 week"}')) AS info FROM hourly WHERE i < 240) f;
-- a period shorter than two samples
SELECT ts_fit(ts, value, '{"period": "1 hour"}') FROM hourly;
-- "seasonal" on data without a period: seasonal kind without period, and why
SELECT info->>'kind' AS kind, info->'periods' AS periods, info->>'reason' AS reason
  FROM (SELECT ts_model_info(ts_fit(ts, (abs(('x' || substr(md5(i::text), 1, 8))::bit(32)::int) % 1201)::float8, '{"method": "seasonal"}')) AS info FROM hourly) f;
-- "auto" on data without a period: the robust level model, unchanged
SELECT ts_model_info(ts_fit(ts, (abs(('x' || substr(md5(i::text), 1, 8))::bit(32)::int) % 1201)::float8))->>'kind' AS kind FROM hourly;
-- option errors
SELECT ts_fit(ts, value, '{"seasonality": 24}') FROM hourly;
SELECT ts_fit(ts, value, '{"trend": "cubic"}') FROM hourly;
SELECT ts_fit(ts, value, '{"period": 1}') FROM hourly;
-- NaN is an error that says so; NULL rows are skipped
SELECT ts_fit(ts, CASE WHEN i = 7 THEN 'NaN'::float8 ELSE value END) FROM hourly;
SELECT ts_model_info(ts_fit(ts, CASE WHEN i % 10 = 0 THEN NULL ELSE value END))->>'points' AS points FROM hourly;

-- a model of another kind: a clear error (kind byte 3 = dbscan; the checksum covers only the payload)
SELECT ts_score(set_byte(model, 5, 3), now(), 1) FROM m;

-- alerts: the first row of each anomalous episode, none within the refractory period
CREATE TABLE flags (i int, a boolean);
INSERT INTO flags VALUES (1, false), (2, true), (3, true), (4, false), (5, true), (6, false),
  (7, false), (8, false), (9, true), (10, true), (11, NULL), (12, true);
SELECT i, a, ts_alert(a, 0) OVER w AS g0, ts_alert(a, 3) OVER w AS g3, ts_alert(a) OVER w AS g150
  FROM flags WINDOW w AS (ORDER BY i ROWS UNBOUNDED PRECEDING) ORDER BY i;
SELECT ts_alert(a, -1) OVER (ORDER BY i) FROM flags;
