-- ts_fit: the robust level model checked against an independent computation
-- in plain SQL (percentile_cont for the median and the MAD).

-- hourly noise with no seasonality, 3 series, with a few NULLs and outliers
CREATE TABLE fit_data AS
SELECT s AS series,
       timestamptz '2026-01-01 00:00+00' + i * interval '1 hour' AS ts,
       CASE WHEN i % 97 = 0 THEN NULL
            WHEN i % 211 = 0 THEN 500.0
            ELSE 100 * s + (('x' || substr(md5(s || ':' || i), 1, 8))::bit(32)::int / 2147483648.0) * 10
       END AS value
FROM generate_series(1, 3) s, generate_series(0, 999) i;

CREATE TABLE fit_models AS
SELECT series, ts_fit(ts, value, '{"method": "robust"}') AS model
FROM fit_data GROUP BY series;

-- independent robust statistics
CREATE TABLE fit_expected AS
WITH med AS (
  SELECT series, percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS median,
         count(value) AS n, min(ts) FILTER (WHERE value IS NOT NULL) AS t0,
         max(ts) FILTER (WHERE value IS NOT NULL) AS t1
  FROM fit_data GROUP BY series)
SELECT m.series, m.median, m.n, m.t0, m.t1,
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(d.value - m.median))
        FROM fit_data d WHERE d.series = m.series) AS mad
FROM med m;

SELECT e.series,
       (i->>'kind') AS kind,
       (i->>'points')::bigint = e.n AS points_ok,
       abs((i->>'median')::float8 - e.median) <= 1e-12 * abs(e.median) AS median_ok,
       abs((i->>'mad')::float8 - e.mad) <= 1e-12 * e.mad AS mad_ok,
       abs((i->>'sigma')::float8 - 1.482602218505602 * e.mad) <= 1e-12 * e.mad AS sigma_ok,
       (i->>'train_start')::timestamptz = e.t0 AS start_ok,
       (i->>'train_end')::timestamptz = e.t1 AS end_ok,
       (i->>'interval_seconds')::float8 AS interval_seconds,
       (i->>'threshold')::float8 AS threshold
FROM fit_expected e JOIN (SELECT series, ts_model_info(model) AS i FROM fit_models) m USING (series)
ORDER BY series;

-- the model does not depend on row order: same bytes for any ORDER BY
SELECT count(DISTINCT model) AS distinct_models
FROM (SELECT ts_fit(ts, value ORDER BY value) AS model FROM fit_data WHERE series = 1
      UNION ALL
      SELECT ts_fit(ts, value ORDER BY ts DESC) FROM fit_data WHERE series = 1
      UNION ALL
      SELECT ts_fit(ts, value ORDER BY md5(ts::text)) FROM fit_data WHERE series = 1) s;

-- the two-argument form uses the default options (threshold 3)
SELECT (ts_model_info(ts_fit(ts, value))->>'threshold')::float8 AS default_threshold
FROM fit_data WHERE series = 2;

-- rows with a NULL timestamp or value are skipped; an empty group gives NULL
SELECT ts_fit(ts, value) IS NULL AS empty_is_null FROM fit_data WHERE false;
SELECT ts_fit(NULL::timestamptz, value) IS NULL AS null_ts_is_null FROM fit_data WHERE series = 1;
SELECT ts_model_info(ts_fit(ts, v))->>'points' AS points
FROM (VALUES ('2026-01-01'::timestamptz, 1.0::float8), (NULL, 2.0), ('2026-01-02', NULL), ('2026-01-03', 3.0)) t(ts, v);

-- a single point: zero spread falls back on the floor, no interval
SELECT i->>'points' AS points, (i->>'median')::float8 AS median, (i->>'sigma')::float8 AS sigma,
       (i->>'interval_seconds')::float8 AS interval_seconds
FROM (SELECT ts_model_info(ts_fit('2026-01-01'::timestamptz, 42.0::float8)) AS i) s;

-- duplicate timestamps are kept as separate points of the level model
SELECT ts_model_info(ts_fit(ts, v))->>'points' AS points,
       (ts_model_info(ts_fit(ts, v))->>'median')::float8 AS median
FROM (VALUES ('2026-01-01'::timestamptz, 1.0::float8), ('2026-01-01', 2.0), ('2026-01-01', 4.0)) t(ts, v);

-- options
SELECT (ts_model_info(ts_fit(ts, value, '{"threshold": 4.5, "direction": "up", "interval": "30 minutes"}'))
        - 'train_start' - 'train_end' - 'median' - 'mad' - 'sigma' - 'lower' - 'upper' - 'points') AS info
FROM fit_data WHERE series = 1;
SELECT round((ts_model_info(ts_fit(ts, value, '{"confidence": 0.95}'))->>'threshold')::numeric, 12) AS k95
FROM fit_data WHERE series = 1;
SELECT ts_fit(ts, value, '{"treshold": 4}') FROM fit_data WHERE series = 1;
SELECT ts_fit(ts, value, '{"threshold": "high"}') FROM fit_data WHERE series = 1;
SELECT ts_fit(ts, value, '{"threshold": -1}') FROM fit_data WHERE series = 1;
SELECT ts_fit(ts, value, '{"threshold": 3, "confidence": 0.9}') FROM fit_data WHERE series = 1;
SELECT ts_fit(ts, value, '{"method": "magic"}') FROM fit_data WHERE series = 1;
SELECT ts_fit(ts, value, '{"interval": "soon"}') FROM fit_data WHERE series = 1;
-- numbers beyond the range of a double name their option, not all their digits
SELECT ts_fit(ts, value, '{"threshold": 1e309}') FROM fit_data WHERE series = 1;
SELECT ts_fit(ts, value, '{"threshold": 1e-400}') FROM fit_data WHERE series = 1;
SELECT ts_fit(ts, value, '{"period": 1e400}') FROM fit_data WHERE series = 1;
SELECT ts_fit(ts, value, '{"period": [24, -1e400]}') FROM fit_data WHERE series = 1;
SELECT ts_fit(ts, value, '{"interval": 1e309}') FROM fit_data WHERE series = 1;
SELECT ts_fit(ts, value, '{"confidence": 1e309}') FROM fit_data WHERE series = 1;
SELECT ts_fit(ts, value, '[1, 2]') FROM fit_data WHERE series = 1;
SELECT ts_fit(ts, value, jsonb_build_object('threshold', 3 + (value > 100)::int))
FROM fit_data WHERE series = 1;
-- NULL options (the defaults) do not mix with options given, not even '{}'
SELECT ts_fit(ts, value, CASE WHEN value > 100 THEN '{}'::jsonb END) FROM fit_data WHERE series = 1;

-- non-finite input is an error that says which
SELECT ts_fit(ts, v) FROM (VALUES ('2026-01-01'::timestamptz, 'NaN'::float8)) t(ts, v);
SELECT ts_fit(ts, v) FROM (VALUES ('2026-01-01'::timestamptz, '-Infinity'::float8)) t(ts, v);
SELECT ts_fit(ts, v) FROM (VALUES ('infinity'::timestamptz, 1.0::float8)) t(ts, v);
