-- Time-series models: ts_fit aggregates, scoring, forecasts and model info
-- (the types ts_detection and ts_anomaly_result are created in part 05).

CREATE OR REPLACE FUNCTION ts_fit_transition2(internal, timestamptz, float8)
RETURNS internal AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ts_fit_transition2(internal, timestamptz, float8) IS
  'transition function of ts_fit(ts, value): collects points in the aggregate memory context';

CREATE OR REPLACE FUNCTION ts_fit_transition3(internal, timestamptz, float8, jsonb)
RETURNS internal AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ts_fit_transition3(internal, timestamptz, float8, jsonb) IS
  'transition function of ts_fit(ts, value, options): collects points, parses the options once';

CREATE OR REPLACE FUNCTION ts_fit_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ts_fit_combine(internal, internal) IS
  'combine function of ts_fit: merges partial states of parallel workers';

CREATE OR REPLACE FUNCTION ts_fit_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ts_fit_serialize(internal) IS
  'serial function of ts_fit: partial state to bytea';

CREATE OR REPLACE FUNCTION ts_fit_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ts_fit_deserialize(bytea, internal) IS
  'deserial function of ts_fit: bytea to partial state';

CREATE OR REPLACE FUNCTION ts_fit_final(internal)
RETURNS bytea AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ts_fit_final(internal) IS
  'final function of ts_fit: sorts the points and fits the model (NULL for an empty group)';

-- SSPACE is the planner's estimate of a group's state: 16 bytes a point, here
-- a 1,000-point series (the state grows as needed); 1 MB made it sort the
-- whole input instead of hashing even a few thousand groups.
CREATE OR REPLACE AGGREGATE ts_fit(timestamptz, float8) (
  SFUNC = ts_fit_transition2,
  STYPE = internal,
  SSPACE = 16384,
  COMBINEFUNC = ts_fit_combine,
  SERIALFUNC = ts_fit_serialize,
  DESERIALFUNC = ts_fit_deserialize,
  FINALFUNC = ts_fit_final,
  FINALFUNC_MODIFY = READ_WRITE,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE ts_fit(timestamptz, float8) IS
  'fits a time-series anomaly model to (ts, value) rows with default options; returns the model as bytea';

-- With options: ts_fit's state, another transition function (part 01).
SELECT _create_aggregate_like('ts_fit(timestamptz, float8)', 'ts_fit(timestamptz, float8, jsonb)',
  sfunc => 'ts_fit_transition3', comment =>
  'fits a time-series anomaly model to (ts, value) rows with options (method, period, trend, threshold, confidence, false_alarm_rate, exclude_outliers, interval, direction, shape, window)');

CREATE OR REPLACE FUNCTION ts_score(model bytea, ts timestamptz, value float8)
RETURNS float8 AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ts_score(bytea, timestamptz, float8) IS
  'anomaly score of value at ts: 0 at the expected value, 1 at the edge of the normal band, above 1 outside it';

COMMENT ON TYPE ts_detection IS
  'result of ts_detect: expected value, normal band, score (> 1 outside the band), flag, and the parts of the expectation';

CREATE OR REPLACE FUNCTION ts_detect(model bytea, ts timestamptz, value float8)
RETURNS ts_detection AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ts_detect(bytea, timestamptz, float8) IS
  'expected value, normal band, score, anomaly flag and expectation parts for value at ts';

CREATE OR REPLACE FUNCTION ts_forecast(model bytea, start timestamptz, steps integer,
                                       OUT ts timestamptz, OUT expected float8, OUT lower float8, OUT upper float8)
RETURNS SETOF record AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION ts_forecast(bytea, timestamptz, integer) IS
  'expected value and normal band at start and every sampling interval after it, steps rows';

CREATE OR REPLACE FUNCTION ts_model_info(model bytea)
RETURNS jsonb AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ts_model_info(bytea) IS
  'what a time-series model learned: kind, training range, points, interval, level, spread, threshold, period, trend';

COMMENT ON TYPE ts_anomaly_result IS
  'result of ts_anomaly: ts_detect''s fields (score the larger of point_score and shape_score), and the point, shape and shift scores (1 = edge of normal)';

CREATE OR REPLACE FUNCTION ts_anomaly(model bytea, ts timestamptz, value float8)
RETURNS ts_anomaly_result AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE WINDOW PARALLEL SAFE;
COMMENT ON FUNCTION ts_anomaly(bytea, timestamptz, float8) IS
  'window function: scores each row with its context (point, shape of the last window, sustained shifts); use OVER (PARTITION BY series ORDER BY ts)';

CREATE OR REPLACE FUNCTION ts_anomaly_score(model bytea, ts timestamptz, value float8)
RETURNS float8 AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE WINDOW PARALLEL SAFE;
COMMENT ON FUNCTION ts_anomaly_score(bytea, timestamptz, float8) IS
  'window function: ts_anomaly''s score alone (no composite to build); use OVER (PARTITION BY series ORDER BY ts)';

-- lookahead => true: a row's shape score is the mean of those of the windows
-- that contain it, which reads up to w - 1 rows after it (core/ts/ts_lookahead.h).
CREATE OR REPLACE FUNCTION ts_anomaly(model bytea, ts timestamptz, value float8, lookahead boolean)
RETURNS ts_anomaly_result AS 'MODULE_PATHNAME', 'ts_anomaly' LANGUAGE C IMMUTABLE WINDOW PARALLEL SAFE;
COMMENT ON FUNCTION ts_anomaly(bytea, timestamptz, float8, boolean) IS
  'window function: with lookahead => true, each row''s shape score is the mean over the windows that contain it (reads the w - 1 rows after it); use OVER (PARTITION BY series ORDER BY ts)';

CREATE OR REPLACE FUNCTION ts_anomaly_score(model bytea, ts timestamptz, value float8, lookahead boolean)
RETURNS float8 AS 'MODULE_PATHNAME', 'ts_anomaly_score' LANGUAGE C IMMUTABLE WINDOW PARALLEL SAFE;
COMMENT ON FUNCTION ts_anomaly_score(bytea, timestamptz, float8, boolean) IS
  'window function: ts_anomaly''s score alone, with or without lookahead; use OVER (PARTITION BY series ORDER BY ts)';
