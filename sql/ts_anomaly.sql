-- ts_anomaly: scoring rows with their context (shape of the last window,
-- sustained shifts).  The data: a sine of period 50 rows (one row a minute,
-- amplitude 10) plus a deterministic noise in [-0.5, 0.5].
SET extra_float_digits = 0;
CREATE TEMP TABLE train AS
SELECT timestamptz '2026-01-01' + i * interval '1 minute' AS ts,
       10 * sin(2 * pi() * i / 50) + ((i * 7919) % 101) / 100.0 - 0.5 AS value
FROM generate_series(0, 2999) AS i;
CREATE TEMP TABLE m AS SELECT ts_fit(ts, value, '{"shape": true}') AS model FROM train;
CREATE TEMP TABLE m_off AS SELECT ts_fit(ts, value) AS model FROM train;

-- the shape component: window = the detected period, format version 3
SELECT ts_model_info(model) -> 'shape' ->> 'window' AS window,
       ts_model_info(model) -> 'shape' ->> 'window_from' AS window_from,
       (ts_model_info(model) -> 'shape' ->> 'references')::int AS refs,
       ts_model_info(model) ->> 'format_version' AS version,
       ts_model_info(model) ->> 'period' AS period
FROM m;
-- without it (the default, or "shape": false): the model of before (version 1), the same point scores
SELECT (SELECT ts_fit(ts, value, '{"shape": false}') FROM train) = model AS same_bytes FROM m_off;
SELECT ts_model_info(o.model) ->> 'format_version' AS version_off,
       ts_model_info(o.model) ? 'shape' AS has_shape,
       (SELECT bool_and(ts_score(m.model, t.ts, t.value) = ts_score(o.model, t.ts, t.value)) FROM train t) AS same_scores
FROM m_off o, m;
-- the window option, and its bounds
SELECT ts_model_info(ts_fit(ts, value, '{"shape": true, "window": 20}')) -> 'shape' ->> 'window' FROM train;
SELECT ts_fit(ts, value, '{"window": 2}') FROM train;
SELECT ts_fit(ts, value, '{"shape": 1}') FROM train;
-- model bytes do not depend on row order
SELECT (SELECT ts_fit(ts, value, '{"shape": true}' ORDER BY value) FROM train) =
       (SELECT ts_fit(ts, value, '{"shape": true}' ORDER BY ts DESC) FROM train) AS order_free;

-- ts_fit_merge over states of parts of the rows: the same model, shape block included
SELECT (SELECT ts_fit_merge(st) FROM (SELECT ts_fit_state(ts, value, '{"shape": true}') AS st FROM train
                                      GROUP BY extract(minute FROM ts)::int % 3) s) = model AS merge_same
FROM m;

-- test rows: 3000..3499; rows 3200..3249 (one cycle) distorted by a square wave
-- of 0.6 times the band's half-width (every value inside the band); from row
-- 3350 on a sustained level shift of three sigma_high.
CREATE TEMP TABLE test AS
SELECT i, ts, value
  + CASE WHEN i BETWEEN 3200 AND 3249 THEN 0.6 * (d.upper - d.expected) * sign(sin(2 * pi() * (i + 0.5) / 10)) ELSE 0 END
  + CASE WHEN i >= 3350 THEN 3 * (ts_model_info(model) ->> 'sigma_high')::float8 ELSE 0 END AS value
FROM (SELECT i, timestamptz '2026-01-01' + i * interval '1 minute' AS ts,
             10 * sin(2 * pi() * i / 50) + ((i * 7919) % 101) / 100.0 - 0.5 AS value
      FROM generate_series(3000, 3499) AS i) s, m, ts_detect(m.model, s.ts, s.value) d;
CREATE TEMP TABLE scored AS
SELECT i, ts, value, (ts_anomaly(model, ts, value) OVER (ORDER BY ts)).* FROM test, m;

-- the first w - 1 rows have no shape score; every row has the others
SELECT count(*) FILTER (WHERE shape_score IS NULL) AS no_shape, count(point_score) AS points, count(shift_score) AS shifts
FROM scored;
-- the ts_detect fields are ts_detect's
SELECT bool_and(s.expected = d.expected AND s.lower = d.lower AND s.upper = d.upper AND s.point_score = d.score)
FROM scored s, m, ts_detect(m.model, s.ts, s.value) d;
-- before the distortion everything is normal; in it, the points are inside the band but the shape is not
SELECT 'normal' AS part, max(point_score) < 1 AS points_in_band, max(shape_score) < 1 AS shape_normal,
       max(shift_score) < 1 AS no_shift, bool_or(is_anomaly) AS flagged, max(score) > 1 AS score_above
FROM scored WHERE i BETWEEN 3049 AND 3199
UNION ALL
SELECT 'distorted', max(point_score) < 1, max(shape_score) < 1, max(shift_score) < 1, bool_or(is_anomaly), max(score) > 1
FROM scored WHERE i BETWEEN 3200 AND 3249
UNION ALL
SELECT 'after', max(point_score) < 1, max(shape_score) < 1, max(shift_score) < 1, bool_or(is_anomaly), max(score) > 1
FROM scored WHERE i BETWEEN 3300 AND 3349;
-- score is the larger of point_score and shape_score (shift_score stays apart), is_anomaly score > 1
SELECT bool_and(score = greatest(point_score, coalesce(shape_score, 0)) AND is_anomaly = (score > 1)) FROM scored;

-- the shift: three sigma from row 3350 on crosses 1 after about h / (3 - k) = 5 rows
SELECT min(i) - 3350 AS rows_to_cross FROM scored WHERE i >= 3350 AND shift_score > 1;
-- the same CUSUM computed independently from ts_detect: z = residual / sigma of its side, clipped to 3
WITH RECURSIVE z AS (
  SELECT s.i, greatest(-3, least(3, (s.value - d.expected) /
         CASE WHEN s.value > d.expected THEN (ts_model_info(m.model) ->> 'sigma_high')::float8
              ELSE (ts_model_info(m.model) ->> 'sigma_low')::float8 END)) AS z
  FROM scored s, m, ts_detect(m.model, s.ts, s.value) d
), c AS (
  SELECT i, greatest(0, z - 1) AS up, greatest(0, -z - 1) AS down, greatest(0, z * z - 4) AS var FROM z WHERE i = 3000
  UNION ALL
  SELECT z.i, greatest(0, c.up + z.z - 1), greatest(0, c.down - z.z - 1), greatest(0, c.var + z.z * z.z - 4)
  FROM c JOIN z ON z.i = c.i + 1
)
SELECT max(abs(greatest(c.up / 10, c.down / 10, c.var / 30) - s.shift_score)) < 1e-9 AS cusum_matches
FROM c JOIN scored s USING (i);

-- partitions: each series its own context; out-of-order rows are an error
SELECT series, count(*) FILTER (WHERE a IS NULL) AS nulls, count(shape_score) AS shapes
FROM (SELECT series, (ts_anomaly(model, ts, value) OVER (PARTITION BY series ORDER BY ts)).shape_score, NULL::int AS a
      FROM (SELECT 1 AS series, ts, value FROM test UNION ALL SELECT 2, ts, value FROM test WHERE i < 3100) t, m) x
GROUP BY series ORDER BY series;
SELECT count(s) FROM (SELECT (ts_anomaly(model, ts, value) OVER (ORDER BY ts DESC)).score AS s FROM test, m) x;
-- a gap of more than 2 intervals restarts the window: w rows without a shape score after it
SELECT count(*) FILTER (WHERE shape_score IS NULL) AS no_shape
FROM (SELECT (ts_anomaly(model, ts, value) OVER (ORDER BY ts)).* FROM test, m WHERE i < 3100 OR i >= 3103) x;
-- NULL rows give NULL and are skipped; a model without a shape gives no shape score
SELECT count(*) AS rows, count(r) AS results, count((r).shape_score) AS shapes
FROM (SELECT ts_anomaly(model, ts, CASE WHEN i % 10 = 0 THEN NULL ELSE value END) OVER (ORDER BY ts) AS r FROM test, m) x;
SELECT count((r).shape_score) AS shapes, count(r) AS results
FROM (SELECT ts_anomaly(model, ts, value) OVER (ORDER BY ts) AS r FROM test, m_off) x;
SELECT ts_anomaly(NULL, now(), 1) OVER ();
SELECT ts_anomaly('\x00'::bytea, now(), 1) OVER ();
-- bad input: a NaN value, damaged model bytes, a model of another kind
SELECT (ts_anomaly(model, ts, 'NaN'::float8) OVER (ORDER BY ts)).score FROM m, (SELECT now() AS ts) t;
SELECT ts_anomaly(substr(model, 1, length(model) - 1), now(), 1) OVER () FROM m;
SELECT ts_anomaly(mv_fit(ARRAY[i::float8, (i % 7)::float8]), now(), 1) OVER () FROM generate_series(1, 20) i;

-- the composite is the one a row constructor forms from its fields (binary image equal),
-- with and without a shape score
SELECT count(*) FILTER (WHERE (a).shape_score IS NULL) AS shape_null, count(a) AS rows,
       bool_and(a *= b) AS same_image
FROM (SELECT a, ROW((a).expected, (a).lower, (a).upper, (a).score, (a).is_anomaly, (a).level, (a).seasonal,
                    (a).point_score, (a).shape_score, (a).shift_score)::ts_anomaly_result AS b
      FROM (SELECT ts_anomaly(model, ts, value) OVER (ORDER BY ts) AS a FROM test, m) y) x;
-- ts_anomaly_score: ts_anomaly's score bit for bit, NULL where ts_anomaly is NULL, per partition
SELECT count(*) AS rows, count(s) AS scores,
       bool_and(float8send(s) IS NOT DISTINCT FROM float8send((a).score)) AS same_bits
FROM (SELECT ts_anomaly(model, ts, v) OVER w AS a, ts_anomaly_score(model, ts, v) OVER w AS s
      FROM (SELECT 1 AS series, ts, CASE WHEN i % 10 = 0 THEN NULL ELSE value END AS v FROM test
            UNION ALL SELECT 2, ts, value FROM test WHERE i < 3100) t, m
      WINDOW w AS (PARTITION BY series ORDER BY ts)) x;
SELECT ts_anomaly_score(NULL, now(), 1) OVER ();
SELECT ts_anomaly_score(model, ts, 'NaN'::float8) OVER (ORDER BY ts) FROM m, (SELECT now() AS ts) t;
SELECT count(s) FROM (SELECT ts_anomaly_score(model, ts, value) OVER (ORDER BY ts DESC) AS s FROM test, m) x;

-- ts_anomaly(..., lookahead => true): each row's shape score is the mean of
-- the shape scores of the windows that contain it, checked against the same
-- mean computed by SQL from the causal ts_anomaly (avg over the row and the
-- w - 1 = 49 rows after it).  The model m of above (w = 50).
-- test rows 3000..3499, two series: 'b' is 'a' shifted by 0.1; rows 3200..3249
-- carry a square wave of 0.6 times the band's half-width (inside the band)
CREATE TEMP TABLE la_test AS
SELECT sid, i, ts, value + CASE WHEN sid = 'b' THEN 0.1 ELSE 0 END
  + CASE WHEN i BETWEEN 3200 AND 3249 THEN 0.6 * (d.upper - d.expected) * sign(sin(2 * pi() * (i + 0.5) / 10)) ELSE 0 END AS value
FROM (SELECT i, timestamptz '2026-01-01' + i * interval '1 minute' AS ts,
             10 * sin(2 * pi() * i / 50) + ((i * 7919) % 101) / 100.0 - 0.5 AS value
      FROM generate_series(3000, 3499) AS i) s, m, ts_detect(m.model, s.ts, s.value) d,
     (VALUES ('a'), ('b')) AS v(sid);
CREATE TEMP TABLE la_scored AS
SELECT sid, i, ts, value,
       ts_anomaly(model, ts, value) OVER w AS c,
       ts_anomaly(model, ts, value, lookahead => true) OVER w AS l,
       ts_anomaly_score(model, ts, value, true) OVER w AS l_score
FROM la_test, m
WINDOW w AS (PARTITION BY sid ORDER BY ts);
-- the same mean from the causal shape scores, in SQL (avg skips the NULLs of the first w - 1 rows)
CREATE TEMP TABLE la_want AS
SELECT sid, i, avg((c).shape_score) OVER (PARTITION BY sid ORDER BY ts ROWS BETWEEN CURRENT ROW AND 49 FOLLOWING) AS shape
FROM la_scored;
SELECT count(*) AS rows,
       bool_and((l).shape_score IS NOT DISTINCT FROM w.shape
                OR abs((l).shape_score - w.shape) <= 1e-12 * w.shape) AS shape_is_the_mean,
       max(abs((l).shape_score - w.shape)) < 1e-12 AS within_1e12,
       count((l).shape_score) AS with_shape,
       bool_and((l).score = greatest((l).point_score, coalesce((l).shape_score, (l).point_score))) AS score_is_larger,
       bool_and((l).is_anomaly = ((l).score > 1)) AS flag_is_score_above_1,
       bool_and(l_score = (l).score) AS score_function_agrees
FROM la_scored s JOIN la_want w USING (sid, i);
-- the row's own parts are the causal ones
SELECT bool_and((l).expected = (c).expected AND (l).lower = (c).lower AND (l).upper = (c).upper
                AND (l).point_score = (c).point_score AND (l).shift_score = (c).shift_score
                AND (l).level = (c).level AND (l).seasonal = (c).seasonal) AS same_parts
FROM la_scored;
-- where the distortion is: the causal shape score peaks near its last row
-- (3249), where a window holds all of it; the attributed one inside it
SELECT sid,
       (SELECT i FROM la_scored t WHERE t.sid = s.sid ORDER BY (c).shape_score DESC NULLS LAST, i LIMIT 1) AS causal_peak,
       (SELECT i FROM la_scored t WHERE t.sid = s.sid ORDER BY (l).shape_score DESC NULLS LAST, i LIMIT 1)
         BETWEEN 3200 AND 3249 AS attributed_peak_inside,
       count(*) FILTER (WHERE (l).is_anomaly AND i BETWEEN 3200 AND 3249) >
       count(*) FILTER (WHERE (c).is_anomaly AND i BETWEEN 3200 AND 3249) AS more_flags_inside,
       count(*) FILTER (WHERE (l).is_anomaly AND i BETWEEN 3250 AND 3299) <
       count(*) FILTER (WHERE (c).is_anomaly AND i BETWEEN 3250 AND 3299) AS fewer_flags_after
FROM la_scored s GROUP BY sid ORDER BY sid;
-- one partition alone gives its rows of the query over both
SELECT bool_and(a.l = s.l) AS partition_alone
FROM (SELECT i, ts_anomaly(model, ts, value, true) OVER (ORDER BY ts) AS l FROM la_test, m WHERE sid = 'b') a
JOIN la_scored s ON s.sid = 'b' AND s.i = a.i;
-- a row with a NULL value gives NULL and is not a row of any window: the
-- other rows score as they do without it
SELECT count(*) FILTER (WHERE s.l IS NULL) AS null_rows,
       bool_and(n.l = s.l) FILTER (WHERE s.i <> 3225) AS as_without_the_row
FROM (SELECT i, ts_anomaly(model, ts, CASE WHEN i = 3225 THEN NULL ELSE value END, true) OVER (ORDER BY ts) AS l
      FROM la_test, m WHERE sid = 'a') s
LEFT JOIN (SELECT i, ts_anomaly(model, ts, value, true) OVER (ORDER BY ts) AS l
           FROM la_test, m WHERE sid = 'a' AND i <> 3225) n USING (i);
-- lookahead false or NULL is the causal ts_anomaly
SELECT bool_and(f = c AND n = c) AS false_and_null_are_causal
FROM (SELECT ts_anomaly(model, ts, value) OVER w AS c, ts_anomaly(model, ts, value, false) OVER w AS f,
             ts_anomaly(model, ts, value, NULL) OVER w AS n
      FROM la_test, m WHERE sid = 'a' WINDOW w AS (ORDER BY ts)) q;
-- a model without the shape component: no shape score, score = point_score
SELECT count((l).shape_score) AS shapes, bool_and((l).score = (l).point_score) AS score_is_point
FROM (SELECT ts_anomaly(o.model, ts, value, true) OVER (ORDER BY ts) AS l
      FROM la_test, (SELECT ts_fit(ts, value) AS model FROM train) o WHERE sid = 'a') q;
-- two models in one partition: each row's windows are those of its own model
SELECT bool_and(x.l = y.l) AS per_model
FROM (SELECT i, ts_anomaly(CASE WHEN i < 3250 THEN m.model ELSE m2.model END, ts, value, true) OVER (ORDER BY ts) AS l
      FROM la_test, m, (SELECT ts_fit(ts, value, '{"shape": true, "window": 20}') AS model FROM train) m2
      WHERE sid = 'a') x
JOIN (SELECT i, ts_anomaly(m.model, ts, value, true) OVER (ORDER BY ts) AS l FROM la_test, m WHERE sid = 'a' AND i < 3250
      UNION ALL
      SELECT i, ts_anomaly(m2.model, ts, value, true) OVER (ORDER BY ts)
      FROM la_test, (SELECT ts_fit(ts, value, '{"shape": true, "window": 20}') AS model FROM train) m2
      WHERE sid = 'a' AND i >= 3250) y USING (i);
-- errors: lookahead that changes within a partition; rows out of ts order
SELECT ts_anomaly(model, ts, value, i % 2 = 0) OVER (ORDER BY ts) FROM la_test, m WHERE sid = 'a';
SELECT ts_anomaly(model, ts, value, true) OVER (ORDER BY i % 7, ts) FROM la_test, m WHERE sid = 'a';
