-- ts_fit's analog component ("analog": true): the method of analogues on the
-- discord's kept rows, and ts_anomaly's shape_score as the larger of the
-- window's score and the row's analog score, |value - prediction| / edge.
-- The prediction is recomputed here by brute force from its definition:
-- the delay vector of the dim rows lag apart before the row, its squared
-- distance to that of every training row, the mean value of the k nearest.
SET extra_float_digits = 0;
-- the logistic map at r = 3.9 (chaotic), scaled to [0, 100), one row a minute
CREATE TEMP TABLE amap AS
WITH RECURSIVE m(i, u) AS (
	SELECT 0, 0.3::float8
	UNION ALL
	SELECT i + 1, 3.9 * u * (1 - u) FROM m WHERE i < 1299)
SELECT i, timestamptz '2026-01-01' + i * interval '1 minute' AS ts, 100 * u AS value FROM m;
-- the same map from another start, spliced in from row 1150 on
CREATE TEMP TABLE aother AS
WITH RECURSIVE m(i, u) AS (
	SELECT 0, 0.71::float8
	UNION ALL
	SELECT i + 1, 3.9 * u * (1 - u) FROM m WHERE i < 1299)
SELECT i, 100 * u AS value FROM m;
CREATE TEMP TABLE atrain AS SELECT i, ts, value FROM amap WHERE i < 1000;
-- the scored rows: 1000 .. 1299, the splice from 1150, and a gap of ten
-- minutes before row 1200 (rows 1190 .. 1199 are missing)
CREATE TEMP TABLE ascored AS
SELECT a.i, a.ts, CASE WHEN a.i >= 1150 THEN o.value ELSE a.value END AS value
FROM amap a JOIN aother o USING (i)
WHERE a.i >= 1000 AND a.i NOT BETWEEN 1190 AND 1199;
CREATE TEMP TABLE am AS
SELECT ts_fit(ts, value, '{"analog": true, "window": 24}') AS model,
       ts_fit(ts, value, '{"discord": true, "window": 24}') AS discord_only
FROM atrain;

-- format version 5; "analog" implies "discord" (whose rows it reads) and
-- "shape"; dim 4, k 8; the delay is the first lag whose autocorrelation is
-- below 0.5, which is lag 1 here (computed beside it); the map is far more
-- predictable from its analogues than from its last value (skill < 1: used)
SELECT ts_model_info(model) ->> 'format_version' AS version,
       ts_model_info(model) -> 'discord' ->> 'rows' AS kept,
       ts_model_info(model) -> 'analog' ->> 'dim' AS dim,
       ts_model_info(model) -> 'analog' ->> 'k' AS k,
       ts_model_info(model) -> 'analog' ->> 'lag' AS lag,
       ts_model_info(model) -> 'analog' ->> 'span' AS span,
       (ts_model_info(model) -> 'analog' ->> 'skill')::float8 < 0.5 AS skilful,
       ts_model_info(model) -> 'analog' ->> 'used' AS used,
       ts_model_info(discord_only) ->> 'format_version' AS discord_only_version,
       ts_model_info(discord_only) ? 'analog' AS discord_only_has_analog
FROM am;
SELECT round(corr(a.value, b.value)::numeric, 2) < 0.5 AS acf1_below_half
FROM atrain a JOIN atrain b ON b.i = a.i + 1;

-- The causal analog score by brute force.  Rows 1204 .. 1222 follow the gap
-- by 4 to 22 rows: the window (24 rows) has restarted and has no score, the
-- prediction has its 4 rows, so shape_score is the analog score alone.
CREATE TEMP TABLE alag AS SELECT i, value,
       lag(value, 1) OVER w AS p1, lag(value, 2) OVER w AS p2,
       lag(value, 3) OVER w AS p3, lag(value, 4) OVER w AS p4
FROM atrain WINDOW w AS (ORDER BY i);
CREATE TEMP TABLE aq AS SELECT i, value,
       lag(value, 1) OVER w AS p1, lag(value, 2) OVER w AS p2,
       lag(value, 3) OVER w AS p3, lag(value, 4) OVER w AS p4
FROM ascored WINDOW w AS (ORDER BY i);
CREATE TEMP TABLE abrute AS
SELECT q.i, abs(q.value - (SELECT avg(n.value) FROM (
	SELECT t.value FROM alag t WHERE t.i >= 4
	ORDER BY (t.p1 - q.p1) ^ 2 + (t.p2 - q.p2) ^ 2 + (t.p3 - q.p3) ^ 2 + (t.p4 - q.p4) ^ 2 LIMIT 8) n))
	/ (SELECT (ts_model_info(model) -> 'analog' ->> 'edge')::float8 FROM am) AS want
FROM aq q WHERE q.i BETWEEN 1204 AND 1222;
CREATE TEMP TABLE acausal AS
SELECT s.i, ts_anomaly(am.model, s.ts, s.value) OVER (ORDER BY s.ts) AS d
FROM ascored s, am;
SELECT count(*) AS compared,
       max(abs((c.d).shape_score - b.want) / b.want) < 1e-9 AS analog_matches
FROM abrute b JOIN acausal c USING (i);
-- right after the gap neither the window nor the prediction has its rows
SELECT i, (d).shape_score IS NULL AS no_shape_score, (d).point_score IS NOT NULL AS has_point
FROM acausal WHERE i BETWEEN 1200 AND 1203 ORDER BY i;

-- With lookahead, each row's analog score is the mean of the predictions
-- that read it (the row and the 4 after it): the splice at row 1150 scores
-- far above every row before it, and far above the model without analogues,
-- to which a splice of the same map looks normal.
CREATE TEMP TABLE aahead AS
SELECT s.i, ts_anomaly(am.model, s.ts, s.value, lookahead => true) OVER (ORDER BY s.ts) AS d,
       ts_anomaly(am.discord_only, s.ts, s.value, lookahead => true) OVER (ORDER BY s.ts) AS d0
FROM ascored s, am;
SELECT (SELECT max((d).score) FROM aahead WHERE i BETWEEN 1146 AND 1155) >
       3 * (SELECT max((d).score) FROM aahead WHERE i BETWEEN 1010 AND 1140) AS splice_stands_out,
       (SELECT max((d).score) FROM aahead WHERE i BETWEEN 1146 AND 1155) >
       3 * (SELECT max((d0).score) FROM aahead WHERE i BETWEEN 1146 AND 1155) AS analog_finds_it,
       (SELECT bool_or((d).is_anomaly) FROM aahead WHERE i BETWEEN 1146 AND 1155) AS flagged;

-- A random walk (steps from a hash of the row number, uniform in [-1, 1)):
-- the analogues predict no better than the last value, so the block is
-- written (its skill shown) but does not score: ts_anomaly gives exactly
-- the discord-only model's results.
CREATE TEMP TABLE awalk AS
SELECT i, timestamptz '2026-01-01' + i * interval '1 minute' AS ts,
       sum(hashint4(i) / 2147483648.0) OVER (ORDER BY i) AS value
FROM generate_series(0, 1499) AS i;
CREATE TEMP TABLE awm AS
SELECT ts_fit(ts, value, '{"analog": true}') AS model, ts_fit(ts, value, '{"discord": true}') AS discord_only
FROM awalk WHERE i < 1000;
SELECT ts_model_info(model) ->> 'format_version' AS version,
       (ts_model_info(model) -> 'analog' ->> 'skill')::float8 >= 1 AS no_skill,
       ts_model_info(model) -> 'analog' ->> 'used' AS used
FROM awm;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE a IS NOT DISTINCT FROM b) AS same
FROM (SELECT ts_anomaly(awm.model, ts, value, true) OVER (ORDER BY ts) AS a,
             ts_anomaly(awm.discord_only, ts, value, true) OVER (ORDER BY ts) AS b
      FROM awalk, awm WHERE i >= 1000) s;

-- the bytes do not depend on row order; ts_fit_merge gives the same model
SELECT (SELECT ts_fit(ts, value, '{"analog": true, "window": 24}' ORDER BY value) FROM atrain) =
       (SELECT ts_fit(ts, value, '{"analog": true, "window": 24}' ORDER BY ts DESC) FROM atrain) AS order_free,
       (SELECT ts_fit_merge(st) FROM (SELECT ts_fit_state(ts, value, '{"analog": true, "window": 24}') AS st
                                      FROM atrain GROUP BY i % 3) s) = (SELECT model FROM am) AS merge_same;
-- the option's type
SELECT ts_fit(ts, value, '{"analog": 1}') FROM atrain;

-- a detector reads the larger of w - 1 and the analogues' span before its
-- watermark (in intervals, twice, plus one: the step rule), at least 10
SELECT _anomaly_warm_span('{"interval_seconds": 60, "shape": {"window": 8},
                                   "analog": {"span": 40, "used": true}}') AS analog_used,
       _anomaly_warm_span('{"interval_seconds": 60, "shape": {"window": 8},
                                   "analog": {"span": 40, "used": false}}') AS analog_unused,
       _anomaly_warm_span('{"interval_seconds": 60, "shape": {"window": 30},
                                   "analog": {"span": 4, "used": true}}') AS window_larger;

-- A detector with the option: its runs read the warm-up rows the analogues
-- need.  A noisy sine of period 50 with the window forced to 8 rows: the
-- delay is 8 rows (the autocorrelation falls below 0.5 there), the span 25,
-- more than w - 1 = 7 and than the 10 rows read at least.  A run split in
-- two gives the same scores as one run over the same rows.
\set SHOW_CONTEXT never
SET timezone = 'UTC';
CREATE TABLE analog_metrics (ts timestamptz, v float8);
INSERT INTO analog_metrics
SELECT timestamptz '2026-01-01' + i * interval '1 minute', 10 * sin(2 * pi() * i / 50) + ((i * 7919) % 101) / 100.0 - 0.5
FROM generate_series(0, 1999) AS i;
SELECT anomaly_create_detector('analog_one', 'analog_metrics', 'ts', 'v', NULL, '{"analog": true, "window": 8}');
SELECT anomaly_create_detector('analog_two', 'analog_metrics', 'ts', 'v', NULL, '{"analog": true, "window": 8}');
SELECT fitted, rows_scored, failures FROM anomaly_run('analog_one');
SELECT fitted, rows_scored, failures FROM anomaly_run('analog_two');
SELECT detector, info -> 'analog' ->> 'lag' AS lag, info -> 'analog' ->> 'span' AS span,
       info -> 'analog' ->> 'used' AS used
FROM anomaly_models WHERE detector LIKE 'analog_%' ORDER BY detector;
-- rows 2000 .. 2199; analog_two runs after row 2099 and again at the end
INSERT INTO analog_metrics
SELECT timestamptz '2026-01-01' + i * interval '1 minute', 10 * sin(2 * pi() * i / 50) + ((i * 7919) % 101) / 100.0 - 0.5
FROM generate_series(2000, 2099) AS i;
SELECT rows_scored FROM anomaly_run('analog_two');
INSERT INTO analog_metrics
SELECT timestamptz '2026-01-01' + i * interval '1 minute', 10 * sin(2 * pi() * i / 50) + ((i * 7919) % 101) / 100.0 - 0.5
FROM generate_series(2100, 2199) AS i;
SELECT rows_scored FROM anomaly_run('analog_two');
SELECT rows_scored FROM anomaly_run('analog_one');
SELECT count(*) AS rows, count(o.shape_score) AS with_shape_score,
       count(*) FILTER (WHERE o.shape_score IS NOT DISTINCT FROM t.shape_score AND o.score = t.score) AS same
FROM anomaly_results o JOIN anomaly_results t USING (ts)
WHERE o.detector = 'analog_one' AND t.detector = 'analog_two' AND o.ts >= timestamptz '2026-01-01' + interval '2000 minutes';
