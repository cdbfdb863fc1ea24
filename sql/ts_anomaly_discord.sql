-- ts_fit's discord component ("discord": true): the training rows kept in
-- the model, and ts_anomaly's shape_score as the larger of the shape
-- component's score and the discord's (distance to the nearest window of
-- ALL kept rows / edge).  The discord is recomputed here by brute force from
-- its definition: every window normalised on its own, (x - mean) /
-- max(sd, floor), compared value by value with every training window.
SET extra_float_digits = 0;
-- a sine of period 24 rows (one row a minute) plus a deterministic noise
CREATE TEMP TABLE dtrain AS
SELECT i, timestamptz '2026-01-01' + i * interval '1 minute' AS ts,
       10 * sin(2 * pi() * i / 24) + ((i * 7919) % 101) / 100.0 - 0.5 AS value
FROM generate_series(0, 299) AS i;
CREATE TEMP TABLE dm AS
SELECT ts_fit(ts, value, '{"discord": true}') AS model,
       ts_fit(ts, value, '{"shape": true}') AS shape_only
FROM dtrain;

-- format version 4; the discord keeps every training row (fewer than 16,384)
-- with the shape component's window; "discord" implies "shape"
SELECT ts_model_info(model) ->> 'format_version' AS version,
       ts_model_info(model) -> 'discord' ->> 'rows' AS kept,
       ts_model_info(model) -> 'discord' ->> 'window' AS w,
       ts_model_info(model) -> 'shape' ->> 'window' AS shape_w,
       (ts_model_info(model) -> 'discord' ->> 'edge')::float8 > 0 AS has_edge,
       ts_model_info(shape_only) ->> 'format_version' AS shape_only_version,
       ts_model_info(shape_only) ? 'discord' AS shape_only_has_discord
FROM dm;
-- the last discord_rows rows; the option's bounds and type
SELECT ts_model_info(ts_fit(ts, value, '{"discord": true, "discord_rows": 100}')) -> 'discord' ->> 'rows' FROM dtrain;
SELECT ts_fit(ts, value, '{"discord": true, "discord_rows": 10}') FROM dtrain;
SELECT ts_fit(ts, value, '{"discord": true, "discord_rows": 100000}') FROM dtrain;
SELECT ts_fit(ts, value, '{"discord": 1}') FROM dtrain;
-- too few rows for an edge (fewer than 2w): a shape-only model
SELECT ts_model_info(ts_fit(ts, value, '{"discord": true, "window": 24}')) ? 'discord' AS has_discord
FROM dtrain WHERE i < 47;
-- the bytes do not depend on row order; ts_fit_merge gives the same model
SELECT (SELECT ts_fit(ts, value, '{"discord": true}' ORDER BY value) FROM dtrain) =
       (SELECT ts_fit(ts, value, '{"discord": true}' ORDER BY ts DESC) FROM dtrain) AS order_free,
       (SELECT ts_fit_merge(st) FROM (SELECT ts_fit_state(ts, value, '{"discord": true}') AS st FROM dtrain
                                      GROUP BY i % 3) s) = (SELECT model FROM dm) AS merge_same;
-- a truncated model is refused
SELECT ts_anomaly_score(substring(model FROM 1 FOR length(model) - 8), now(), 1) OVER () FROM dm;

-- test rows 300..419; rows 360..371 (half a cycle) replaced by a faster sine
CREATE TEMP TABLE dtest AS
SELECT i, timestamptz '2026-01-01' + i * interval '1 minute' AS ts,
       CASE WHEN i BETWEEN 360 AND 371 THEN 10 * sin(2 * pi() * i / 8)
            ELSE 10 * sin(2 * pi() * i / 24) + ((i * 7919) % 101) / 100.0 - 0.5 END AS value
FROM generate_series(300, 419) AS i;

-- the discord by brute force: windows of w rows ending at each row
CREATE TEMP TABLE dparams AS
SELECT (ts_model_info(model) -> 'discord' ->> 'window')::int AS w,
       (ts_model_info(model) -> 'discord' ->> 'floor')::float8 AS floor,
       (ts_model_info(model) -> 'discord' ->> 'edge')::float8 AS edge
FROM dm;
CREATE TEMP TABLE dwin AS
WITH rows AS (
	SELECT 'train' AS side, i, value FROM dtrain UNION ALL SELECT 'test', i, value FROM dtest
), win AS (
	-- window ending at row e: rows e - w + 1 .. e of the same side
	SELECT r.side, r.i AS e, x.i - (r.i - p.w + 1) AS t, x.value
	FROM rows r, dparams p, rows x
	WHERE x.side = r.side AND x.i BETWEEN r.i - p.w + 1 AND r.i
), stats AS (
	SELECT side, e, count(*) AS n, avg(value) AS mean, stddev_pop(value) AS sd, min(value) = max(value) AS constant
	FROM win GROUP BY side, e
)
SELECT w.side, w.e, w.t,
       CASE WHEN s.constant THEN 0 ELSE (w.value - s.mean) / greatest(s.sd, p.floor) END AS z
FROM win w JOIN stats s USING (side, e), dparams p
WHERE s.n = p.w;
CREATE TEMP TABLE brute AS
SELECT q.e AS i, sqrt(min(d2)) / (SELECT edge FROM dparams) AS discord_score
FROM (SELECT q.e, r.e AS re, sum((q.z - r.z) ^ 2) AS d2
      FROM dwin q JOIN dwin r ON r.side = 'train' AND r.t = q.t
      WHERE q.side = 'test' GROUP BY q.e, r.e) q
GROUP BY q.e;

CREATE TEMP TABLE dscored AS
SELECT i, (ts_anomaly(dm.model, ts, value) OVER (ORDER BY ts)).*,
       (ts_anomaly(dm.shape_only, ts, value) OVER (ORDER BY ts)).shape_score AS shape_only_score
FROM dtest, dm;
-- every window: shape_score = greatest(the shape-only model's, the brute-force discord), within 1e-9
SELECT count(*) AS windows,
       count(*) FILTER (WHERE abs(s.shape_score - greatest(s.shape_only_score, b.discord_score))
                              > 1e-9 * greatest(1, s.shape_score)) AS mismatches,
       count(*) FILTER (WHERE b.discord_score > s.shape_only_score) AS discord_larger
FROM dscored s JOIN brute b USING (i);
-- the first w - 1 rows have none
SELECT count(*) FILTER (WHERE shape_score IS NULL) AS no_shape FROM dscored;
-- the faster cycle stands out: above the edge in it, below it before
SELECT max(shape_score) FILTER (WHERE i < 360) < 1 AS normal_before,
       max(shape_score) FILTER (WHERE i BETWEEN 360 AND 371 + 23) > 1 AS found
FROM dscored;
-- with lookahead, the mean of the windows that contain each row, as for the shape component
SELECT count(*) FILTER (WHERE abs(l.shape_score - c.mean) > 1e-12 * greatest(1, c.mean)) AS lookahead_mismatches
FROM (SELECT i, (ts_anomaly(dm.model, ts, value, lookahead => true) OVER (ORDER BY ts)).shape_score
      FROM dtest, dm) l
JOIN (SELECT i, avg(shape_score) OVER (ORDER BY i ROWS BETWEEN CURRENT ROW AND 23 FOLLOWING) AS mean
      FROM dscored) c USING (i);

-- a detector with the option scores new rows with it: its stored scores are
-- ts_anomaly's over the warm-up rows (2 (w - 1) + 1 = 47 intervals before the
-- watermark, row 299: rows 252..) and the new rows, computed here, to 1e-9:
-- the discord's running products carry rounding from where a stream started,
-- so scores from streams started at different rows differ in the last bits
CREATE TABLE discord_metrics AS SELECT ts, value AS v FROM dtrain;
SELECT anomaly_create_detector('discord_det', 'discord_metrics', 'ts', 'v', NULL, '{"discord": true, "late_window": "10 minutes"}');
SELECT fitted, rows_scored, failures FROM anomaly_run('discord_det');
SELECT m.model = (SELECT model FROM dm) AS same_model FROM anomaly_models m WHERE m.detector = 'discord_det';
INSERT INTO discord_metrics SELECT ts, value FROM dtest;
SELECT fitted, rows_scored, failures FROM anomaly_run('discord_det');
SELECT count(*) AS n,
       count(*) FILTER (WHERE abs(r.shape_score - a.shape_score) > 1e-9 * greatest(1, a.shape_score)) AS shape_mismatches,
       count(*) FILTER (WHERE abs(r.score - a.score) > 1e-9 * greatest(1, a.score)) AS score_mismatches,
       count(*) FILTER (WHERE r.is_anomaly) AS flagged_rows,
       count(*) FILTER (WHERE a.is_anomaly) AS flagged_here,
       count(*) FILTER (WHERE r.shape_score > 1 AND r.point_score < 1) AS by_shape_alone
FROM anomaly_results r
JOIN (SELECT x.ts, (ts_anomaly(m.model, x.ts, x.v) OVER (ORDER BY x.ts)).*
      FROM discord_metrics x, anomaly_models m
      WHERE m.detector = 'discord_det' AND x.ts >= timestamptz '2026-01-01' + interval '252 minutes') a ON a.ts = r.ts
WHERE r.detector = 'discord_det' AND r.ts >= timestamptz '2026-01-01' + interval '300 minutes';
SELECT anomaly_drop_detector('discord_det');
DROP TABLE discord_metrics;
