
-- ---------------------------------------------------------------------------
-- Detectors: views for BI tools
-- ---------------------------------------------------------------------------

-- Consecutive anomalous rows of a series form one event.  "island" counts the
-- normal rows up to each row, so it is constant along a run of anomalies.
-- The stretches of missing rows (anomaly_missing) are events of kind missing;
-- kind and missing_rows come last because version 0.4.0 added them, and
-- top_column (multivariate detectors: the column that contributes most at
-- the peak) after them.
CREATE OR REPLACE VIEW @extschema@.anomaly_events WITH (security_invoker = true) AS
SELECT x.detector,
       x.series,
       min(x.ts)                                        AS started_at,
       max(x.ts)                                        AS ended_at,
       count(*)                                         AS anomalous_rows,
       max(x.score)                                     AS peak_score,
       (array_agg(x.ts ORDER BY x.score DESC, x.ts))[1]    AS peak_at,
       (array_agg(x.value ORDER BY x.score DESC, x.ts))[1] AS peak_value,
       bool_or(x.ts = x.newest)                         AS is_open,
       'anomaly'::text                                  AS kind,
       NULL::bigint                                     AS missing_rows,
       (array_agg(x.top_column ORDER BY x.score DESC, x.ts))[1] AS top_column
FROM (SELECT r.detector, r.series, r.ts, r.value, r.score, r.is_anomaly, r.top_column,
             count(*) FILTER (WHERE NOT r.is_anomaly)
                 OVER (PARTITION BY r.detector, r.series ORDER BY r.ts) AS island,
             max(r.ts) OVER (PARTITION BY r.detector, r.series) AS newest
      FROM @extschema@.anomaly_results r) x
WHERE x.is_anomaly
GROUP BY x.detector, x.series, x.island
UNION ALL
SELECT m.detector, m.series, m.started_at, m.ended_at, NULL::bigint, NULL::float8, NULL::timestamptz,
       NULL::float8, m.is_open, 'missing'::text, m.missing_rows, NULL::text
FROM @extschema@.anomaly_missing m;
COMMENT ON VIEW @extschema@.anomaly_events IS
	'anomaly: consecutive anomalous rows of a series merged into one event (start, end, peak, and for multivariate detectors the column that contributes most at the peak), and stretches of missing rows (kind missing)';

CREATE OR REPLACE VIEW @extschema@.anomaly_latest WITH (security_invoker = true) AS
SELECT s.detector,
       s.series,
       r.ts,
       r.value,
       r.expected,
       r.lower,
       r.upper,
       r.score,
       r.is_anomaly,
       r.scored_at,
       s.watermark,
       s.rows_scored,
       s.model_id,
       m.fitted_at,
       s.last_error,
       s.last_error_at,
       o.started_at AS missing_since,
       o.missing_rows,
       s.retired_at,
       r.top_column,
       r.contributions,
       r.point_score,
       r.shape_score,
       r.shift_score
FROM @extschema@.anomaly_series s
LEFT JOIN @extschema@.anomaly_models m ON m.model_id = s.model_id
-- The latest scored row of a series is the one at its watermark.
LEFT JOIN @extschema@.anomaly_results r ON r.ts = s.watermark AND r.series_id = s.series_id
-- The open stale event of a series, if any (at most one: anomaly_missing_open).
LEFT JOIN @extschema@.anomaly_missing o ON o.series_id = s.series_id AND o.is_open;
GRANT SELECT ON @extschema@.anomaly_events, @extschema@.anomaly_latest TO PUBLIC;
COMMENT ON VIEW @extschema@.anomaly_latest IS
	'anomaly: latest scored row and state of every series of every detector, with its open stale event';
