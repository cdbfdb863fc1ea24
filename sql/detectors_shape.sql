-- Detector runs score new rows with context (ts_anomaly): a detector with the
-- shape component flags a cycle of the wrong shape whose values stay inside
-- the band; its stored scores are ts_anomaly's over the same rows (warm-up
-- included), and a run split in two gives the same shape scores as one run.
\set SHOW_CONTEXT never
SET extra_float_digits = 0;
SET timezone = 'UTC';

-- One series, a row a minute: a sine of period 50 rows (amplitude 10) plus a
-- deterministic noise in [-0.5, 0.5].  Rows 0..2999 train the model.
CREATE TABLE shape_metrics (ts timestamptz, v float8);
INSERT INTO shape_metrics
SELECT timestamptz '2026-01-01' + i * interval '1 minute', 10 * sin(2 * pi() * i / 50) + ((i * 7919) % 101) / 100.0 - 0.5
FROM generate_series(0, 2999) AS i;

-- Two detectors with the same options: one_run scores the test rows in one
-- run, two_runs in two batches.
SELECT anomaly_create_detector('one_run', 'shape_metrics', 'ts', 'v', NULL, '{"shape": true, "late_window": "10 minutes"}');
SELECT anomaly_create_detector('two_runs', 'shape_metrics', 'ts', 'v', NULL, '{"shape": true, "late_window": "10 minutes"}');
SELECT fitted, rows_scored, failures FROM anomaly_run('one_run');
SELECT fitted, rows_scored, failures FROM anomaly_run('two_runs');
-- the model has the shape component, window 50 (the period), as ts_fit gives it
SELECT m.detector, m.info -> 'shape' ->> 'window' AS window,
       m.model = (SELECT ts_fit(x.ts, x.v, '{"shape": true}') FROM shape_metrics x) AS same_model
FROM anomaly_models m ORDER BY m.detector;

-- Test rows 3000..3499; rows 3200..3249 (one cycle) carry a square wave of
-- 0.6 times the band's half-width: every value inside the band.
CREATE TABLE shape_test AS
SELECT i, s.ts, s.value
  + CASE WHEN i BETWEEN 3200 AND 3249 THEN 0.6 * (d.upper - d.expected) * sign(sin(2 * pi() * (i + 0.5) / 10)) ELSE 0 END
  AS value
FROM (SELECT i, timestamptz '2026-01-01' + i * interval '1 minute' AS ts,
             10 * sin(2 * pi() * i / 50) + ((i * 7919) % 101) / 100.0 - 0.5 AS value
      FROM generate_series(3000, 3499) AS i) s,
     anomaly_models m, ts_detect(m.model, s.ts, s.value) d
WHERE m.detector = 'one_run';

-- two_runs gets rows 3000..3224 first (the batch ends inside the distorted cycle) ...
INSERT INTO shape_metrics SELECT ts, value FROM shape_test WHERE i <= 3224;
SELECT fitted, rows_scored, failures FROM anomaly_run('two_runs');
-- ... then the rest; one_run scores all 500 rows at once.
INSERT INTO shape_metrics SELECT ts, value FROM shape_test WHERE i > 3224;
SELECT fitted, rows_scored, failures FROM anomaly_run('two_runs');
SELECT fitted, rows_scored, failures FROM anomaly_run('one_run');

-- The training rows (the first run) have every component; the first w - 1
-- rows have no shape score.
SELECT detector, count(*) AS n, count(point_score) AS points, count(shape_score) AS shapes, count(shift_score) AS shifts
FROM anomaly_results WHERE ts < timestamptz '2026-01-01' + interval '3000 minutes'
GROUP BY detector ORDER BY detector;

-- The distorted cycle is flagged by its shape alone: the points stay in the
-- band (point_score < 1), the shape does not (shape_score > 1), and score is
-- the larger of the two.  The rows before it are normal.
SELECT r.detector, t.i BETWEEN 3200 AND 3249 + 49 AS distorted_window,
       max(r.point_score) < 1 AS points_in_band, max(r.shape_score) > 1 AS shape_above,
       bool_or(r.is_anomaly) AS flagged,
       bool_and(r.score = greatest(r.point_score, r.shape_score)) AS score_is_max,
       bool_and(r.is_anomaly = (r.score > 1)) AS flag_is_score
FROM anomaly_results r JOIN shape_test t ON t.ts = r.ts
WHERE t.i >= 3049 AND t.i < 3299
GROUP BY 1, 2 ORDER BY 1, 2;

-- Independent check: ts_anomaly over the rows from the warm-up on (the rows
-- within 2 (w - 1) + 1 = 99 sampling intervals before the watermark, row 2999:
-- rows 2901..) to row 3499, computed here, equals what one_run stored for
-- rows 3000..3499 (every field).
SELECT count(*) AS n,
       bool_and(r.expected = a.expected AND r.lower = a.lower AND r.upper = a.upper) AS same_band,
       bool_and(r.score = a.score AND r.is_anomaly = a.is_anomaly) AS same_score,
       bool_and(r.point_score = a.point_score) AS same_point,
       bool_and(r.shape_score = a.shape_score) AS same_shape,
       bool_and(r.shift_score = a.shift_score) AS same_shift
FROM anomaly_results r
JOIN (SELECT x.ts, (ts_anomaly(m.model, x.ts, x.v) OVER (ORDER BY x.ts)).*
      FROM shape_metrics x, anomaly_models m
      WHERE m.detector = 'one_run' AND x.ts >= timestamptz '2026-01-01' + interval '2901 minutes') a ON a.ts = r.ts
WHERE r.detector = 'one_run' AND r.ts >= timestamptz '2026-01-01' + interval '3000 minutes';

-- The run split in two gives the same point and shape scores (hence score and
-- flag) as the one run: the second batch's first rows read the warm-up rows.
SELECT count(*) AS n,
       bool_and(a.point_score = b.point_score) AS same_point,
       bool_and(a.shape_score = b.shape_score) AS same_shape,
       bool_and(a.score = b.score AND a.is_anomaly = b.is_anomaly) AS same_score,
       count(*) FILTER (WHERE a.shape_score IS NULL) AS no_shape
FROM anomaly_results a JOIN anomaly_results b ON b.ts = a.ts
WHERE a.detector = 'one_run' AND b.detector = 'two_runs' AND a.ts >= timestamptz '2026-01-01' + interval '3000 minutes';

-- A late row (older than the watermark, without a result) is scored on its
-- own: score and flag are its point score's (ts_detect's), shape and shift NULL.
DELETE FROM anomaly_results WHERE detector = 'one_run' AND ts = timestamptz '2026-01-01' + interval '3498 minutes';
SELECT fitted, rows_scored, failures FROM anomaly_run('one_run');
SELECT r.score = d.score AS score_is_detect, r.is_anomaly = d.is_anomaly AS flag_is_detect,
       r.point_score = d.score AS point_is_detect, r.shape_score IS NULL AS no_shape, r.shift_score IS NULL AS no_shift
FROM anomaly_results r JOIN anomaly_models m ON m.model_id = r.model_id, ts_detect(m.model, r.ts, r.value) d
WHERE r.detector = 'one_run' AND r.ts = timestamptz '2026-01-01' + interval '3498 minutes';

SELECT anomaly_drop_detector('one_run');
SELECT anomaly_drop_detector('two_runs');
DROP TABLE shape_metrics, shape_test;
