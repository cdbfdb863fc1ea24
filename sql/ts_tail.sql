-- The band from the residuals' tail: option false_alarm_rate (and
-- exclude_outliers), what ts_model_info reports, the fallback, the errors.
SET extra_float_digits = 0;
SET timezone = 'UTC';

-- 30 days of 5-minute data: a daily cycle of amplitude 10 around 50 plus
-- standard normal noise by Box-Muller from md5 of i (deterministic); the
-- first 6000 rows train, the next 20000 are fresh data from the same process.
CREATE TABLE noisy AS
SELECT i, '2026-01-01'::timestamptz + i * interval '5 minutes' AS ts,
       50 + 10 * sin(2 * pi() * (i % 288) / 288)
          + sqrt(-2 * ln((abs(('x' || substr(md5(i::text), 1, 8))::bit(32)::int) % 1000000 + 0.5) / 1e6))
            * cos(2 * pi() * (abs(('x' || substr(md5(i::text), 9, 8))::bit(32)::int) % 1000000 + 0.5) / 1e6) AS value
  FROM generate_series(0, 25999) AS i;
CREATE TABLE tm AS
SELECT ts_fit(ts, value, '{"false_alarm_rate": 0.002}') AS model FROM noisy WHERE i < 6000;

-- a format version 2 model whose band comes from the tail of out-of-sample residuals
SELECT info->>'kind' AS kind, (info->>'format_version')::int AS format_version, info->>'band' AS band,
       (info->>'false_alarm_rate')::float8 AS rate, info->'tail'->>'status' AS status,
       info->'tail'->>'residuals' AS residuals, (info->'tail'->>'points')::int + (info->'tail'->>'excluded')::int AS rows,
       info->'tail'->'upper'->>'method' AS method, (info->'tail'->'upper'->>'peaks')::int AS peaks_up,
       (info->'tail'->'lower'->>'peaks')::int AS peaks_down
  FROM (SELECT ts_model_info(model) AS info FROM tm) s;
-- each edge near the normal quantile of its side's rate, Phi^-1(1 - 0.001) = 3.09 noise sigmas,
-- the fit of the peaks good (Kolmogorov-Smirnov distance), the band the one ts_detect draws
SELECT abs((info->>'band_above')::float8 / 3.0902 - 1) < 0.15 AS upper_near_normal,
       abs((info->>'band_below')::float8 / 3.0902 - 1) < 0.15 AS lower_near_normal,
       (info->'tail'->'upper'->>'ks')::float8 < 0.25 AS fits_up,
       (info->'tail'->'lower'->>'ks')::float8 < 0.25 AS fits_down,
       abs(d.upper - d.expected - (info->>'band_above')::float8) < 1e-9 AS detect_upper,
       abs(d.expected - d.lower - (info->>'band_below')::float8) < 1e-9 AS detect_lower
  FROM (SELECT model, ts_model_info(model) AS info FROM tm) s,
       LATERAL ts_detect(s.model, '2026-03-01 10:00+00', 0) AS d;
-- the score keeps its meaning: 1 at the edge of the band, 2 at twice the distance
SELECT round(ts_score(model, '2026-03-01 10:00+00', d.upper)::numeric, 9) AS at_upper,
       round(ts_score(model, '2026-03-01 10:00+00', d.expected - 2 * (d.expected - d.lower))::numeric, 9) AS twice_below
  FROM tm, LATERAL ts_detect(tm.model, '2026-03-01 10:00+00', 0) AS d;
-- on fresh data from the same process about the asked fraction of rows is flagged (0.002 of 20000 = 40)
SELECT count(*) FILTER (WHERE ts_score(model, ts, value) > 1) BETWEEN 15 AND 100 AS rate_kept
  FROM noisy, tm WHERE i >= 6000;

-- an incident inside the training data (60 rows, 15 noise sigmas up) is left out
-- of the tail fit: the band stays within 5 %; without the rule it widens
WITH hit AS (SELECT i, ts, value + CASE WHEN i BETWEEN 3000 AND 3059 THEN 15 ELSE 0 END AS value
               FROM noisy WHERE i < 6000),
     infos AS (SELECT ts_model_info(ts_fit(ts, value, '{"false_alarm_rate": 0.002}')) AS kept,
                      ts_model_info(ts_fit(ts, value, '{"false_alarm_rate": 0.002, "exclude_outliers": false}')) AS raw
                 FROM hit)
SELECT (kept->'tail'->>'excluded')::int BETWEEN 60 AND 70 AS incident_excluded,
       abs((kept->>'band_above')::float8 / (SELECT (ts_model_info(model)->>'band_above')::float8 FROM tm) - 1) < 0.05 AS upper_within_5pct,
       abs((kept->>'band_below')::float8 / (SELECT (ts_model_info(model)->>'band_below')::float8 FROM tm) - 1) < 0.05 AS lower_within_5pct,
       (raw->'tail'->>'excluded')::int AS raw_excluded,
       (raw->>'band_above')::float8 > 1.5 * (kept->>'band_above')::float8 AS raw_wider
  FROM infos;

-- the robust level model takes the option too
SELECT info->>'kind' AS kind, info->'tail'->>'status' AS status,
       abs(((info->>'upper')::float8 - (info->>'median')::float8) / 10.5 - 1) < 0.25 AS upper_plausible
  FROM (SELECT ts_model_info(ts_fit(ts, value, '{"false_alarm_rate": 0.002, "method": "robust"}')) AS info
          FROM noisy WHERE i < 6000) s;

-- too few points for a tail fit (300 rows: 6 peaks a side): the fallback band of threshold 3, said so
SELECT info->>'kind' AS kind, info->'tail'->>'status' AS status, (info->>'threshold')::float8 AS threshold,
       (SELECT ts_score(ts_fit(ts, value, '{"false_alarm_rate": 0.002}'), '2026-01-01 12:00+00', 70)
          FROM noisy WHERE i < 300) =
       (SELECT ts_score(ts_fit(ts, value), '2026-01-01 12:00+00', 70) FROM noisy WHERE i < 300) AS scores_as_threshold_3
  FROM (SELECT ts_model_info(ts_fit(ts, value, '{"false_alarm_rate": 0.002}')) AS info FROM noisy WHERE i < 300) s;

-- without the option nothing changes: a format version 1 model, no tail members
SELECT (info->>'format_version')::int AS format_version, info->>'band' AS band, info ? 'tail' AS has_tail
  FROM (SELECT ts_model_info(ts_fit(ts, value)) AS info FROM noisy WHERE i < 6000) s;

-- errors
SELECT ts_fit(ts, value, '{"false_alarm_rate": 0}') FROM noisy WHERE i < 10;
SELECT ts_fit(ts, value, '{"false_alarm_rate": 0.5}') FROM noisy WHERE i < 10;
SELECT ts_fit(ts, value, '{"false_alarm_rate": "rare"}') FROM noisy WHERE i < 10;
SELECT ts_fit(ts, value, '{"false_alarm_rate": null}') FROM noisy WHERE i < 10;
SELECT ts_fit(ts, value, '{"false_alarm_rate": 1e-400}') FROM noisy WHERE i < 10;
SELECT ts_fit(ts, value, '{"false_alarm_rate": 0.001, "threshold": 3}') FROM noisy WHERE i < 10;
SELECT ts_fit(ts, value, '{"confidence": 0.99, "false_alarm_rate": 0.001}') FROM noisy WHERE i < 10;
SELECT ts_fit(ts, value, '{"exclude_outliers": "yes"}') FROM noisy WHERE i < 10;

-- a corrupt byte in the tail block is refused (the checksum; the block's own checks are unit-tested)
WITH m AS (SELECT ts_fit(ts, value, '{"false_alarm_rate": 0.002, "method": "robust"}') AS b FROM noisy WHERE i < 6000)
SELECT ts_model_info(set_byte(b, 16 + 73, 9)) FROM m;
