-- anomaly: anomaly detection in SQL.
-- This script is assembled by the Makefile from install/*.sql, one file per concern.

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION anomaly" to load this file. \quit
-- Time-series models: ts_fit aggregates, scoring, forecasts and model info.

CREATE FUNCTION ts_fit_transition2(internal, timestamptz, float8)
RETURNS internal AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ts_fit_transition2(internal, timestamptz, float8) IS
  'transition function of ts_fit(ts, value): collects points in the aggregate memory context';

CREATE FUNCTION ts_fit_transition3(internal, timestamptz, float8, jsonb)
RETURNS internal AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ts_fit_transition3(internal, timestamptz, float8, jsonb) IS
  'transition function of ts_fit(ts, value, options): collects points, parses the options once';

CREATE FUNCTION ts_fit_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ts_fit_combine(internal, internal) IS
  'combine function of ts_fit: merges partial states of parallel workers';

CREATE FUNCTION ts_fit_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ts_fit_serialize(internal) IS
  'serial function of ts_fit: partial state to bytea';

CREATE FUNCTION ts_fit_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ts_fit_deserialize(bytea, internal) IS
  'deserial function of ts_fit: bytea to partial state';

CREATE FUNCTION ts_fit_final(internal)
RETURNS bytea AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ts_fit_final(internal) IS
  'final function of ts_fit: sorts the points and fits the model (NULL for an empty group)';

-- SSPACE is the planner's estimate of a group's state: 16 bytes a point, here
-- a 1,000-point series (the state grows as needed); 1 MB made it sort the
-- whole input instead of hashing even a few thousand groups.
CREATE AGGREGATE ts_fit(timestamptz, float8) (
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

CREATE AGGREGATE ts_fit(timestamptz, float8, jsonb) (
  SFUNC = ts_fit_transition3,
  STYPE = internal,
  SSPACE = 16384,
  COMBINEFUNC = ts_fit_combine,
  SERIALFUNC = ts_fit_serialize,
  DESERIALFUNC = ts_fit_deserialize,
  FINALFUNC = ts_fit_final,
  FINALFUNC_MODIFY = READ_WRITE,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE ts_fit(timestamptz, float8, jsonb) IS
  'fits a time-series anomaly model to (ts, value) rows with options (method, period, trend, threshold, confidence, interval, direction)';

CREATE TYPE ts_detection AS (
  expected float8,
  lower float8,
  upper float8,
  score float8,
  is_anomaly boolean,
  level float8,
  seasonal float8
);
COMMENT ON TYPE ts_detection IS
  'result of ts_detect: expected value, normal band, score (> 1 outside the band), flag, and the parts of the expectation';

CREATE FUNCTION ts_score(model bytea, ts timestamptz, value float8)
RETURNS float8 AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ts_score(bytea, timestamptz, float8) IS
  'anomaly score of value at ts: 0 at the expected value, 1 at the edge of the normal band, above 1 outside it';

CREATE FUNCTION ts_detect(model bytea, ts timestamptz, value float8)
RETURNS ts_detection AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ts_detect(bytea, timestamptz, float8) IS
  'expected value, normal band, score, anomaly flag and expectation parts for value at ts';

CREATE FUNCTION ts_forecast(model bytea, start timestamptz, steps integer,
                            OUT ts timestamptz, OUT expected float8, OUT lower float8, OUT upper float8)
RETURNS SETOF record AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION ts_forecast(bytea, timestamptz, integer) IS
  'expected value and normal band at start and every sampling interval after it, steps rows';

CREATE FUNCTION ts_model_info(model bytea)
RETURNS jsonb AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ts_model_info(bytea) IS
  'what a time-series model learned: kind, training range, points, interval, level, spread, threshold, period, trend';
-- Alerting on episodes: one alert at the first row of each run of anomalous
-- rows, and none within a refractory period after the previous alert.

CREATE FUNCTION ts_alert_step(state int8[], is_anomaly boolean, refractory integer)
RETURNS int8[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  since int8 := CASE WHEN state[1] IS NULL THEN NULL ELSE state[1] + 1 END;
  anomalous boolean := coalesce(is_anomaly, false);
  alert boolean;
BEGIN
  IF refractory IS NULL OR refractory < 0 THEN
    RAISE EXCEPTION 'ts_alert refractory must be a non-negative number of rows'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass 0 to alert at the start of every anomalous episode.';
  END IF;
  -- state: {rows since the last alert (NULL: none yet), previous row anomalous, this row alerts}
  alert := anomalous AND state[2] = 0 AND (since IS NULL OR since > refractory);
  RETURN ARRAY[CASE WHEN alert THEN 0 ELSE since END, anomalous::int, alert::int]::int8[];
END
$$;
COMMENT ON FUNCTION ts_alert_step(int8[], boolean, integer) IS
  'transition function of ts_alert: tracks the previous row and the rows since the last alert';

CREATE FUNCTION ts_alert_step_default(state int8[], is_anomaly boolean)
RETURNS int8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT @extschema@.ts_alert_step(state, is_anomaly, 150) $$;
COMMENT ON FUNCTION ts_alert_step_default(int8[], boolean) IS
  'transition function of ts_alert(boolean): ts_alert_step with the default refractory period of 150 rows (chosen on the NAB corpus, see docs/time-series.md)';

CREATE FUNCTION ts_alert_final(state int8[])
RETURNS boolean LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS
$$ SELECT state[3] = 1 $$;
COMMENT ON FUNCTION ts_alert_final(int8[]) IS
  'final function of ts_alert: whether the current row raises an alert';

CREATE AGGREGATE ts_alert(is_anomaly boolean, refractory integer) (
  SFUNC = ts_alert_step,
  STYPE = int8[],
  FINALFUNC = ts_alert_final,
  INITCOND = '{NULL,0,0}'
);
COMMENT ON AGGREGATE ts_alert(boolean, integer) IS
  'window function use: ts_alert(is_anomaly, refractory) OVER (PARTITION BY series ORDER BY ts ROWS UNBOUNDED PRECEDING) is true on the first row of each anomalous episode, unless within refractory rows of the previous alert';

CREATE AGGREGATE ts_alert(is_anomaly boolean) (
  SFUNC = ts_alert_step_default,
  STYPE = int8[],
  FINALFUNC = ts_alert_final,
  INITCOND = '{NULL,0,0}'
);
COMMENT ON AGGREGATE ts_alert(boolean) IS
  'ts_alert(is_anomaly, 150): one alert per anomalous episode with a refractory period of 150 rows';

-- ---------------------------------------------------------------------------
-- catch22 / catch24 time-series features (Lubba et al., 2019)
-- ---------------------------------------------------------------------------

CREATE FUNCTION catch22(series float8[]) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'catch22_array'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION catch22(float8[]) IS
	'the 22 catch22 features of a series (in array order), in the order of catch22_names(); NaN for a constant series';

CREATE FUNCTION catch24(series float8[]) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'catch24_array'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION catch24(float8[]) IS
	'catch22 plus the mean and the sample standard deviation of the series, in the order of catch24_names()';

CREATE FUNCTION catch22_names() RETURNS text[]
	AS 'MODULE_PATHNAME', 'catch22_names'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION catch22_names() IS 'full names of the 22 catch22 features, in output order';

CREATE FUNCTION catch24_names() RETURNS text[]
	AS 'MODULE_PATHNAME', 'catch24_names'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION catch24_names() IS 'full names of the 24 catch24 features, in output order';

CREATE FUNCTION catch22_short_names() RETURNS text[]
	AS 'MODULE_PATHNAME', 'catch22_short_names'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION catch22_short_names() IS 'short names of the 22 catch22 features (mode_5, ...), in output order';

CREATE FUNCTION catch24_short_names() RETURNS text[]
	AS 'MODULE_PATHNAME', 'catch24_short_names'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION catch24_short_names() IS 'short names of the 24 catch24 features (mode_5, ..., mean, std), in output order';

CREATE FUNCTION catch22_features(series float8[])
	RETURNS TABLE (feature int, name text, short_name text, value float8)
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	AS $$
	SELECT f.feature::int, f.name, f.short_name, f.value
	FROM unnest(@extschema@.catch22(series), @extschema@.catch22_names(), @extschema@.catch22_short_names())
		WITH ORDINALITY AS f(value, name, short_name, feature)
	$$;
COMMENT ON FUNCTION catch22_features(float8[]) IS
	'the 22 catch22 features of a series as (feature, name, short_name, value) rows, for BI tools';

CREATE FUNCTION catch24_features(series float8[])
	RETURNS TABLE (feature int, name text, short_name text, value float8)
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	AS $$
	SELECT f.feature::int, f.name, f.short_name, f.value
	FROM unnest(@extschema@.catch24(series), @extschema@.catch24_names(), @extschema@.catch24_short_names())
		WITH ORDINALITY AS f(value, name, short_name, feature)
	$$;
COMMENT ON FUNCTION catch24_features(float8[]) IS
	'the 24 catch24 features of a series as (feature, name, short_name, value) rows, for BI tools';

-- Aggregates: collect (ts, value) rows, order them by ts (then value) in the final function.
-- FINALFUNC_MODIFY = READ_ONLY (the default, spelled out): the final function only reorders
-- the collected rows in place, never consumes them, so it may run again after more rows
-- arrive (window use, which PostgreSQL allows only for READ_ONLY) and catch22 and catch24
-- over the same rows may share one state.

CREATE FUNCTION catch22_agg_trans(internal, timestamptz, float8) RETURNS internal
	AS 'MODULE_PATHNAME', 'catch22_agg_trans'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION catch22_agg_trans(internal, timestamptz, float8) IS
	'transition function of the catch22 and catch24 aggregates (skips rows with a NULL)';

CREATE FUNCTION catch22_agg_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'catch22_agg_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION catch22_agg_combine(internal, internal) IS
	'combine function of the catch22 and catch24 aggregates';

CREATE FUNCTION catch22_agg_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'catch22_agg_serialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION catch22_agg_serialize(internal) IS
	'serialize function of the catch22 and catch24 aggregates';

CREATE FUNCTION catch22_agg_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'catch22_agg_deserialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION catch22_agg_deserialize(bytea, internal) IS
	'deserialize function of the catch22 and catch24 aggregates';

CREATE FUNCTION catch22_agg_final(internal) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'catch22_agg_final'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION catch22_agg_final(internal) IS 'final function of the catch22 aggregate';

CREATE FUNCTION catch24_agg_final(internal) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'catch24_agg_final'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION catch24_agg_final(internal) IS 'final function of the catch24 aggregate';

CREATE AGGREGATE catch22(ts timestamptz, value float8) (
	SFUNC = catch22_agg_trans,
	STYPE = internal,
	SSPACE = 16384,
	FINALFUNC = catch22_agg_final,
	FINALFUNC_MODIFY = READ_ONLY,
	COMBINEFUNC = catch22_agg_combine,
	SERIALFUNC = catch22_agg_serialize,
	DESERIALFUNC = catch22_agg_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE catch22(timestamptz, float8) IS
	'the 22 catch22 features of the series formed by the rows ordered by ts (no ORDER BY needed); rows with a NULL are skipped';

CREATE AGGREGATE catch24(ts timestamptz, value float8) (
	SFUNC = catch22_agg_trans,
	STYPE = internal,
	SSPACE = 16384,
	FINALFUNC = catch24_agg_final,
	FINALFUNC_MODIFY = READ_ONLY,
	COMBINEFUNC = catch22_agg_combine,
	SERIALFUNC = catch22_agg_serialize,
	DESERIALFUNC = catch22_agg_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE catch24(timestamptz, float8) IS
	'catch22 plus the mean and standard deviation of the rows ordered by ts; rows with a NULL are skipped';

-- ---------------------------------------------------------------------------
-- DBSCAN: exact, with scikit-learn's labelling (src/core/dbscan).
-- ---------------------------------------------------------------------------

CREATE FUNCTION dbscan_outliers(features float8[], eps float8, min_points int)
RETURNS boolean
AS 'MODULE_PATHNAME', 'dbscan_outliers'
LANGUAGE C IMMUTABLE STRICT WINDOW PARALLEL SAFE;

COMMENT ON FUNCTION dbscan_outliers(float8[], float8, int) IS
'Window function: true when the row is DBSCAN noise within its partition (Euclidean distance, a neighbour is within eps, min_points counts the point itself; as scikit-learn''s DBSCAN). NULL features give NULL. eps and min_points are read from the partition''s first row.';

CREATE FUNCTION dbscan_outliers(features float8[], eps float8, min_points int, standardize boolean)
RETURNS boolean
AS 'MODULE_PATHNAME', 'dbscan_outliers'
LANGUAGE C IMMUTABLE STRICT WINDOW PARALLEL SAFE;

COMMENT ON FUNCTION dbscan_outliers(float8[], float8, int, boolean) IS
'Window function: as dbscan_outliers(features, eps, min_points), after scaling each feature to mean 0 and standard deviation 1 over the partition when standardize is true.';

CREATE FUNCTION dbscan_cluster(features float8[], eps float8, min_points int)
RETURNS int
AS 'MODULE_PATHNAME', 'dbscan_cluster'
LANGUAGE C IMMUTABLE STRICT WINDOW PARALLEL SAFE;

COMMENT ON FUNCTION dbscan_cluster(float8[], float8, int) IS
'Window function: the row''s DBSCAN cluster within its partition, numbered from 0 in order of discovery along the window''s ORDER BY, NULL for noise and for NULL features. Labels equal scikit-learn''s DBSCAN on the same rows in the same order.';

CREATE FUNCTION dbscan_cluster(features float8[], eps float8, min_points int, standardize boolean)
RETURNS int
AS 'MODULE_PATHNAME', 'dbscan_cluster'
LANGUAGE C IMMUTABLE STRICT WINDOW PARALLEL SAFE;

COMMENT ON FUNCTION dbscan_cluster(float8[], float8, int, boolean) IS
'Window function: as dbscan_cluster(features, eps, min_points), after scaling each feature to mean 0 and standard deviation 1 over the partition when standardize is true.';

CREATE FUNCTION dbscan_fit_trans(internal, float8[], float8, int)
RETURNS internal
AS 'MODULE_PATHNAME', 'dbscan_fit_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION dbscan_fit_trans(internal, float8[], float8, int) IS
'Transition function of dbscan_fit: collects the feature vectors.';

CREATE FUNCTION dbscan_fit_trans(internal, float8[], float8, int, boolean)
RETURNS internal
AS 'MODULE_PATHNAME', 'dbscan_fit_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION dbscan_fit_trans(internal, float8[], float8, int, boolean) IS
'Transition function of dbscan_fit with standardize: collects the feature vectors.';

CREATE FUNCTION dbscan_fit_combine(internal, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'dbscan_fit_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION dbscan_fit_combine(internal, internal) IS
'Combine function of dbscan_fit: concatenates two partial states with the same parameters.';

CREATE FUNCTION dbscan_fit_serial(internal)
RETURNS bytea
AS 'MODULE_PATHNAME', 'dbscan_fit_serial'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION dbscan_fit_serial(internal) IS
'Serialisation function of dbscan_fit.';

CREATE FUNCTION dbscan_fit_deserial(bytea, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'dbscan_fit_deserial'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION dbscan_fit_deserial(bytea, internal) IS
'Deserialisation function of dbscan_fit; validates the state.';

CREATE FUNCTION dbscan_fit_final(internal)
RETURNS bytea
AS 'MODULE_PATHNAME', 'dbscan_fit_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION dbscan_fit_final(internal) IS
'Final function of dbscan_fit: clusters the rows and encodes the core points as a model.';

CREATE AGGREGATE dbscan_fit(features float8[], eps float8, min_points int) (
    SFUNC = dbscan_fit_trans,
    STYPE = internal,
    FINALFUNC = dbscan_fit_final,
    COMBINEFUNC = dbscan_fit_combine,
    SERIALFUNC = dbscan_fit_serial,
    DESERIALFUNC = dbscan_fit_deserial,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE dbscan_fit(float8[], float8, int) IS
'Clusters the rows with DBSCAN and returns a model (bytea) holding the core points and their clusters, for dbscan_score. Independent of row order: clusters are numbered in the order of the points'' coordinates.';

CREATE AGGREGATE dbscan_fit(features float8[], eps float8, min_points int, standardize boolean) (
    SFUNC = dbscan_fit_trans,
    STYPE = internal,
    FINALFUNC = dbscan_fit_final,
    COMBINEFUNC = dbscan_fit_combine,
    SERIALFUNC = dbscan_fit_serial,
    DESERIALFUNC = dbscan_fit_deserial,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE dbscan_fit(float8[], float8, int, boolean) IS
'As dbscan_fit(features, eps, min_points), after scaling each feature to mean 0 and standard deviation 1 when standardize is true; the model keeps the scaling and dbscan_score applies it.';

CREATE FUNCTION dbscan_score(model bytea, features float8[])
RETURNS int
AS 'MODULE_PATHNAME', 'dbscan_score'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION dbscan_score(bytea, float8[]) IS
'The cluster of a dbscan_fit model that a new point would join (the smallest-numbered cluster with a core point within eps), or NULL for an outlier.';

-- ---------------------------------------------------------------------------
-- Detectors on a schedule: a registry of detectors over user tables, an
-- incremental run (fit, score new rows, write results, advance watermarks),
-- pg_cron scheduling, tables and views for BI tools, NOTIFY alerts.
--
-- This part: the tables of detectors, models, series state, results and
-- runs, registered for pg_dump, and the trigger that deletes the results of
-- a deleted series.  The parts 61 to 65 add privileges and row-level
-- security, views, the registry, the run and the pg_cron schedule.
-- ---------------------------------------------------------------------------

CREATE TABLE @extschema@.anomaly_detectors (
	name          text        PRIMARY KEY CHECK (name <> '' AND octet_length(name) <= 55),
	source        regclass    NOT NULL,
	time_column   text        NOT NULL,
	value_column  text        NOT NULL,
	series_column text,
	options       jsonb       NOT NULL DEFAULT '{}',
	owner         regrole     NOT NULL,
	created_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE @extschema@.anomaly_detectors IS
	'anomaly: registered detectors (one row per anomaly_create_detector call)';
COMMENT ON COLUMN @extschema@.anomaly_detectors.source IS 'table or view the detector reads';
COMMENT ON COLUMN @extschema@.anomaly_detectors.options IS 'ts_fit options plus the refit policy keys';
COMMENT ON COLUMN @extschema@.anomaly_detectors.owner IS 'role whose members may change and run the detector';

CREATE SEQUENCE @extschema@.anomaly_models_model_id_seq;
COMMENT ON SEQUENCE @extschema@.anomaly_models_model_id_seq IS 'anomaly: identifiers of fitted models';

CREATE TABLE @extschema@.anomaly_models (
	model_id     bigint      PRIMARY KEY DEFAULT nextval('@extschema@.anomaly_models_model_id_seq'),
	detector     text        NOT NULL REFERENCES @extschema@.anomaly_detectors (name) ON DELETE CASCADE,
	series       text        NOT NULL,
	model        bytea       NOT NULL,
	fitted_at    timestamptz NOT NULL DEFAULT now(),
	train_from   timestamptz NOT NULL,
	train_to     timestamptz NOT NULL,
	train_points bigint      NOT NULL,
	info         jsonb,
	is_current   boolean     NOT NULL DEFAULT true
);
ALTER SEQUENCE @extschema@.anomaly_models_model_id_seq OWNED BY @extschema@.anomaly_models.model_id;
CREATE INDEX anomaly_models_series ON @extschema@.anomaly_models (detector, series);
COMMENT ON TABLE @extschema@.anomaly_models IS
	'anomaly: every model a detector fitted, per series; is_current marks the one in use';
COMMENT ON COLUMN @extschema@.anomaly_models.train_from IS 'oldest timestamp of the training rows';
COMMENT ON COLUMN @extschema@.anomaly_models.train_to IS 'newest timestamp of the training rows';
COMMENT ON COLUMN @extschema@.anomaly_models.info IS 'ts_model_info(model)';

CREATE SEQUENCE @extschema@.anomaly_series_series_id_seq;
COMMENT ON SEQUENCE @extschema@.anomaly_series_series_id_seq IS 'anomaly: identifiers of detector series';

-- Per-series state of a detector: the model in use and the watermark.
-- series_id is last because version 0.2.0 added it (an upgraded table has the
-- same column order as a new one).
CREATE TABLE @extschema@.anomaly_series (
	detector       text        NOT NULL REFERENCES @extschema@.anomaly_detectors (name) ON DELETE CASCADE,
	series         text        NOT NULL,
	model_id       bigint,
	watermark      timestamptz,
	rows_scored    bigint      NOT NULL DEFAULT 0,
	rows_since_fit bigint      NOT NULL DEFAULT 0,
	first_seen_at  timestamptz NOT NULL DEFAULT now(),
	last_scored_at timestamptz,
	last_error     text,
	last_error_at  timestamptz,
	series_id      bigint      NOT NULL DEFAULT nextval('@extschema@.anomaly_series_series_id_seq') UNIQUE,
	PRIMARY KEY (detector, series)
);
ALTER SEQUENCE @extschema@.anomaly_series_series_id_seq OWNED BY @extschema@.anomaly_series.series_id;
COMMENT ON TABLE @extschema@.anomaly_series IS
	'anomaly: per-series state of each detector (model in use, watermark, last error)';
COMMENT ON COLUMN @extschema@.anomaly_series.watermark IS 'newest timestamp scored so far';
COMMENT ON COLUMN @extschema@.anomaly_series.rows_since_fit IS
	'rows newer than the training range scored by the current model';
COMMENT ON COLUMN @extschema@.anomaly_series.series_id IS
	'number of the series, unique over all detectors (anomaly_results.series_id)';

-- No foreign key here: a per-row RI check would cost as much as the scoring.
-- anomaly_drop_detector deletes the rows of a detector.  The key is one row
-- per series (series_id stands for detector and series) and timestamp.  It
-- starts with the time: new rows are appended at the right edge of the index
-- (where btree insertion takes a fast path) and dashboards filter by time.
-- Two fixed-width columns cost half as much per inserted row as the
-- (detector, ts, series) text key of version 0.1.0.
CREATE TABLE @extschema@.anomaly_results (
	detector   text        NOT NULL,
	series     text        NOT NULL,
	ts         timestamptz NOT NULL,
	value      float8      NOT NULL,
	expected   float8,
	lower      float8,
	upper      float8,
	score      float8,
	is_anomaly boolean,
	model_id   bigint      NOT NULL,
	run_id     bigint      NOT NULL,
	scored_at  timestamptz NOT NULL DEFAULT now(),
	series_id  bigint      NOT NULL,
	PRIMARY KEY (ts, series_id)
);
COMMENT ON TABLE @extschema@.anomaly_results IS
	'anomaly: one scored row per detector, series and timestamp (written by anomaly_run)';
COMMENT ON COLUMN @extschema@.anomaly_results.model_id IS 'anomaly_models.model_id of the model that scored the row';
COMMENT ON COLUMN @extschema@.anomaly_results.run_id IS 'anomaly_runs.run_id of the run that wrote the row';
COMMENT ON COLUMN @extschema@.anomaly_results.series_id IS 'anomaly_series.series_id of the detector and series';

CREATE SEQUENCE @extschema@.anomaly_runs_run_id_seq;
COMMENT ON SEQUENCE @extschema@.anomaly_runs_run_id_seq IS 'anomaly: identifiers of detector runs';

CREATE TABLE @extschema@.anomaly_runs (
	run_id          bigint      PRIMARY KEY DEFAULT nextval('@extschema@.anomaly_runs_run_id_seq'),
	detector        text        NOT NULL REFERENCES @extschema@.anomaly_detectors (name) ON DELETE CASCADE,
	started_at      timestamptz NOT NULL,
	finished_at     timestamptz NOT NULL,
	series          integer     NOT NULL,
	fitted          integer     NOT NULL,
	rows_scored     bigint      NOT NULL,
	anomalies       bigint      NOT NULL,
	new_events      integer     NOT NULL,
	failures        integer     NOT NULL,
	failure_details jsonb       NOT NULL DEFAULT '[]',
	run_by          name        NOT NULL DEFAULT current_user
);
ALTER SEQUENCE @extschema@.anomaly_runs_run_id_seq OWNED BY @extschema@.anomaly_runs.run_id;
CREATE INDEX anomaly_runs_detector ON @extschema@.anomaly_runs (detector, started_at);
COMMENT ON TABLE @extschema@.anomaly_runs IS 'anomaly: log of detector runs (one row per anomaly_run call that committed)';
COMMENT ON COLUMN @extschema@.anomaly_runs.failure_details IS
	'array of {series, stage, sqlstate, message}, one element per series that failed';

-- pg_dump keeps user data of extension tables only when they are registered.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.anomaly_detectors', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.anomaly_models', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.anomaly_series', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.anomaly_results', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.anomaly_runs', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.anomaly_models_model_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.anomaly_runs_run_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.anomaly_series_series_id_seq', '');

-- anomaly_results.series_id stands for the detector and series: deleting the
-- state of a series deletes its results too, so that the series, found again
-- by a later run under a new series_id, cannot get a second result for one
-- timestamp.  One statement-level trigger, so a deletion scans the results once.
CREATE FUNCTION @extschema@._anomaly_series_deleted()
RETURNS trigger
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	DELETE FROM @extschema@.anomaly_results r WHERE r.series_id IN (SELECT g.series_id FROM gone g);
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_series_deleted() IS
	'anomaly (internal): deletes the results of deleted anomaly_series rows';
CREATE TRIGGER anomaly_series_deleted AFTER DELETE ON @extschema@.anomaly_series
	REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._anomaly_series_deleted();
COMMENT ON TRIGGER anomaly_series_deleted ON @extschema@.anomaly_series IS
	'deletes the results of the series deleted';

-- ---------------------------------------------------------------------------
-- Detectors: privileges and row-level security
--
-- Everything runs with the caller's rights (no SECURITY DEFINER).  The tables
-- are granted to PUBLIC and guarded by row-level security:
--   * a detector and everything derived from it (series state, models,
--     results, runs) is visible to members of its owner role and to roles with
--     SELECT on its source table (the results hold the source's values);
--   * only members of the owner role can change or run it, and a run also
--     needs SELECT on the source's columns.
-- The views are security_invoker, so they apply the same policies.
-- ---------------------------------------------------------------------------

-- Access: granted to everyone, filtered by the policies below.
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.anomaly_detectors, @extschema@.anomaly_models,
	@extschema@.anomaly_series, @extschema@.anomaly_results, @extschema@.anomaly_runs TO PUBLIC;
GRANT USAGE ON SEQUENCE @extschema@.anomaly_models_model_id_seq, @extschema@.anomaly_runs_run_id_seq,
	@extschema@.anomaly_series_series_id_seq TO PUBLIC;

ALTER TABLE @extschema@.anomaly_detectors ENABLE ROW LEVEL SECURITY;
CREATE POLICY anomaly_detectors_read ON @extschema@.anomaly_detectors FOR SELECT
	USING (pg_catalog.pg_has_role(owner, 'MEMBER') OR pg_catalog.has_table_privilege(source, 'SELECT'));
CREATE POLICY anomaly_detectors_write ON @extschema@.anomaly_detectors FOR ALL
	USING (pg_catalog.pg_has_role(owner, 'MEMBER')) WITH CHECK (pg_catalog.pg_has_role(owner, 'MEMBER'));
COMMENT ON POLICY anomaly_detectors_read ON @extschema@.anomaly_detectors IS
	'members of the owner role and roles with SELECT on the source see a detector';
COMMENT ON POLICY anomaly_detectors_write ON @extschema@.anomaly_detectors IS
	'only members of the owner role change a detector';

ALTER TABLE @extschema@.anomaly_models ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.anomaly_series ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.anomaly_results ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.anomaly_runs ENABLE ROW LEVEL SECURITY;

-- The subqueries read anomaly_detectors under its own policies, so a row is
-- visible exactly when its detector is.
CREATE POLICY anomaly_models_read ON @extschema@.anomaly_models FOR SELECT
	USING (detector IN (SELECT d.name FROM @extschema@.anomaly_detectors d));
CREATE POLICY anomaly_models_write ON @extschema@.anomaly_models FOR ALL
	USING (detector IN (SELECT d.name FROM @extschema@.anomaly_detectors d WHERE pg_catalog.pg_has_role(d.owner, 'MEMBER')))
	WITH CHECK (detector IN (SELECT d.name FROM @extschema@.anomaly_detectors d WHERE pg_catalog.pg_has_role(d.owner, 'MEMBER')));
CREATE POLICY anomaly_series_read ON @extschema@.anomaly_series FOR SELECT
	USING (detector IN (SELECT d.name FROM @extschema@.anomaly_detectors d));
CREATE POLICY anomaly_series_write ON @extschema@.anomaly_series FOR ALL
	USING (detector IN (SELECT d.name FROM @extschema@.anomaly_detectors d WHERE pg_catalog.pg_has_role(d.owner, 'MEMBER')))
	WITH CHECK (detector IN (SELECT d.name FROM @extschema@.anomaly_detectors d WHERE pg_catalog.pg_has_role(d.owner, 'MEMBER')));
CREATE POLICY anomaly_results_read ON @extschema@.anomaly_results FOR SELECT
	USING (detector IN (SELECT d.name FROM @extschema@.anomaly_detectors d));
CREATE POLICY anomaly_results_write ON @extschema@.anomaly_results FOR ALL
	USING (detector IN (SELECT d.name FROM @extschema@.anomaly_detectors d WHERE pg_catalog.pg_has_role(d.owner, 'MEMBER')))
	WITH CHECK (detector IN (SELECT d.name FROM @extschema@.anomaly_detectors d WHERE pg_catalog.pg_has_role(d.owner, 'MEMBER')));
CREATE POLICY anomaly_runs_read ON @extschema@.anomaly_runs FOR SELECT
	USING (detector IN (SELECT d.name FROM @extschema@.anomaly_detectors d));
CREATE POLICY anomaly_runs_write ON @extschema@.anomaly_runs FOR ALL
	USING (detector IN (SELECT d.name FROM @extschema@.anomaly_detectors d WHERE pg_catalog.pg_has_role(d.owner, 'MEMBER')))
	WITH CHECK (detector IN (SELECT d.name FROM @extschema@.anomaly_detectors d WHERE pg_catalog.pg_has_role(d.owner, 'MEMBER')));
COMMENT ON POLICY anomaly_models_read ON @extschema@.anomaly_models IS 'visible when the detector is';
COMMENT ON POLICY anomaly_models_write ON @extschema@.anomaly_models IS 'written by members of the detector owner';
COMMENT ON POLICY anomaly_series_read ON @extschema@.anomaly_series IS 'visible when the detector is';
COMMENT ON POLICY anomaly_series_write ON @extschema@.anomaly_series IS 'written by members of the detector owner';
COMMENT ON POLICY anomaly_results_read ON @extschema@.anomaly_results IS 'visible when the detector is';
COMMENT ON POLICY anomaly_results_write ON @extschema@.anomaly_results IS 'written by members of the detector owner';
COMMENT ON POLICY anomaly_runs_read ON @extschema@.anomaly_runs IS 'visible when the detector is';
COMMENT ON POLICY anomaly_runs_write ON @extschema@.anomaly_runs IS 'written by members of the detector owner';

-- ---------------------------------------------------------------------------
-- Detectors: views for BI tools
-- ---------------------------------------------------------------------------

-- Consecutive anomalous rows of a series form one event.  "island" counts the
-- normal rows up to each row, so it is constant along a run of anomalies.
CREATE VIEW @extschema@.anomaly_events WITH (security_invoker = true) AS
SELECT x.detector,
       x.series,
       min(x.ts)                                        AS started_at,
       max(x.ts)                                        AS ended_at,
       count(*)                                         AS anomalous_rows,
       max(x.score)                                     AS peak_score,
       (array_agg(x.ts ORDER BY x.score DESC, x.ts))[1]    AS peak_at,
       (array_agg(x.value ORDER BY x.score DESC, x.ts))[1] AS peak_value,
       bool_or(x.ts = x.newest)                         AS is_open
FROM (SELECT r.detector, r.series, r.ts, r.value, r.score, r.is_anomaly,
             count(*) FILTER (WHERE NOT r.is_anomaly)
                 OVER (PARTITION BY r.detector, r.series ORDER BY r.ts) AS island,
             max(r.ts) OVER (PARTITION BY r.detector, r.series) AS newest
      FROM @extschema@.anomaly_results r) x
WHERE x.is_anomaly
GROUP BY x.detector, x.series, x.island;
COMMENT ON VIEW @extschema@.anomaly_events IS
	'anomaly: consecutive anomalous rows of a series merged into one event (start, end, peak)';

CREATE VIEW @extschema@.anomaly_latest WITH (security_invoker = true) AS
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
       s.last_error_at
FROM @extschema@.anomaly_series s
LEFT JOIN @extschema@.anomaly_models m ON m.model_id = s.model_id
-- The latest scored row of a series is the one at its watermark.
LEFT JOIN @extschema@.anomaly_results r ON r.ts = s.watermark AND r.series_id = s.series_id;
GRANT SELECT ON @extschema@.anomaly_events, @extschema@.anomaly_latest TO PUBLIC;
COMMENT ON VIEW @extschema@.anomaly_latest IS
	'anomaly: latest scored row and state of every series of every detector';

-- ---------------------------------------------------------------------------
-- Detectors: the registry.  anomaly_create_detector checks and registers a
-- detector (its options are parsed by _anomaly_policy), anomaly_drop_detector
-- removes it; _anomaly_lock_detector is shared with the run and the schedule.
-- ---------------------------------------------------------------------------

-- Parses the detector keys out of the options; the rest goes to ts_fit.
CREATE FUNCTION @extschema@._anomaly_policy(
	options jsonb,
	OUT fit_options jsonb,
	OUT train_window interval,
	OUT train_points bigint,
	OUT refit_interval interval,
	OUT refit_points bigint,
	OUT min_train_points bigint,
	OUT late_window interval)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	k text;
	v jsonb;
	iv interval;
	n numeric;
BEGIN
	IF options IS NULL OR jsonb_typeof(options) <> 'object' THEN
		RAISE EXCEPTION 'detector options must be a JSON object'
			USING ERRCODE = 'invalid_parameter_value',
			      DETAIL = format('Got %s.', coalesce(jsonb_typeof(options), 'NULL'));
	END IF;
	fit_options := options - ARRAY['train_window', 'refit_every', 'min_train_points', 'late_window'];
	min_train_points := 10;
	late_window := interval '1 hour';
	FOR k, v IN SELECT e.key, e.value FROM jsonb_each(options) e
		WHERE e.key IN ('train_window', 'refit_every', 'min_train_points', 'late_window') AND jsonb_typeof(e.value) <> 'null'
	LOOP
		iv := NULL;
		n := NULL;
		IF jsonb_typeof(v) = 'string' AND k <> 'min_train_points' THEN
			BEGIN
				iv := (v #>> '{}')::interval;
			EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow OR interval_field_overflow THEN
				iv := NULL;
			END;
			IF iv IS NULL OR iv < interval '0' OR (iv = interval '0' AND k <> 'late_window') THEN
				RAISE EXCEPTION 'invalid value for option "%"', k
					USING ERRCODE = 'invalid_parameter_value',
					      DETAIL = format('Got %s; expected a %s interval such as ''28 days''.', v,
					                      CASE WHEN k = 'late_window' THEN 'non-negative' ELSE 'positive' END);
			END IF;
		ELSIF jsonb_typeof(v) = 'number' AND k <> 'late_window' THEN
			n := v::numeric;
			IF n < 1 OR n <> trunc(n) OR n > 9223372036854775807 THEN
				RAISE EXCEPTION 'invalid value for option "%"', k
					USING ERRCODE = 'invalid_parameter_value',
					      DETAIL = format('Got %s; expected a whole number of points of at least 1.', v);
			END IF;
		ELSE
			RAISE EXCEPTION 'invalid value for option "%"', k
				USING ERRCODE = 'invalid_parameter_value',
				      DETAIL = format('Got %s; expected %s.', v,
				                      CASE k WHEN 'min_train_points' THEN 'a whole number of points'
				                             WHEN 'late_window' THEN 'an interval such as ''1 hour'''
				                             ELSE 'an interval such as ''28 days'' or a number of points' END);
		END IF;
		CASE k
			WHEN 'train_window' THEN train_window := iv; train_points := n;
			WHEN 'refit_every' THEN refit_interval := iv; refit_points := n;
			WHEN 'min_train_points' THEN min_train_points := n;
			WHEN 'late_window' THEN late_window := iv;
		END CASE;
	END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_policy(jsonb) IS
	'anomaly (internal): splits detector options into the ts_fit options and the refit policy';

CREATE FUNCTION @extschema@.anomaly_create_detector(
	name text,
	source regclass,
	time_column text,
	value_column text,
	series_column text DEFAULT NULL,
	options jsonb DEFAULT '{}')
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	policy record;
	col text;
	typ oid;
	me regrole;
BEGIN
	IF name IS NULL OR source IS NULL OR time_column IS NULL OR value_column IS NULL THEN
		RAISE EXCEPTION 'name, source, time_column and value_column must not be NULL'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF name = '' OR octet_length(name) > 55 THEN
		RAISE EXCEPTION 'invalid detector name'
			USING ERRCODE = 'invalid_parameter_value',
			      DETAIL = 'A detector name has 1 to 55 bytes, so that its pg_cron job name fits.';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = source AND c.relkind IN ('r', 'p', 'v', 'm', 'f')) THEN
		RAISE EXCEPTION 'source % is not a table or view', source
			USING ERRCODE = 'wrong_object_type';
	END IF;
	policy := @extschema@._anomaly_policy(coalesce(options, '{}'));

	FOREACH col IN ARRAY ARRAY[time_column, value_column, series_column] LOOP
		CONTINUE WHEN col IS NULL;
		SELECT a.atttypid INTO typ FROM pg_attribute a
		WHERE a.attrelid = source AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'column "%" of relation % does not exist', col, source
				USING ERRCODE = 'undefined_column';
		END IF;
		IF NOT has_column_privilege(source, col, 'SELECT') THEN
			RAISE EXCEPTION 'permission denied for table %', source
				USING ERRCODE = 'insufficient_privilege',
				      DETAIL = format('The detector reads column "%s", which you may not select.', col);
		END IF;
		IF col = time_column AND typ <> 'timestamptz'::regtype THEN
			RAISE EXCEPTION 'time column "%" must be of type timestamp with time zone', col
				USING ERRCODE = 'datatype_mismatch',
				      DETAIL = format('Column "%s" is of type %s.', col, format_type(typ, NULL)),
				      HINT = 'Point the detector at a view that converts it, for example ts AT TIME ZONE ''UTC''.';
		END IF;
		IF col = value_column AND NOT EXISTS (SELECT 1 FROM pg_type t WHERE t.oid = typ AND t.typcategory = 'N') THEN
			RAISE EXCEPTION 'value column "%" must be numeric', col
				USING ERRCODE = 'datatype_mismatch',
				      DETAIL = format('Column "%s" is of type %s.', col, format_type(typ, NULL));
		END IF;
	END LOOP;

	-- ts_fit validates its own options; ask it now rather than at the first run.
	PERFORM @extschema@._anomaly_check_fit_options(policy.fit_options);

	SELECT r.oid::regrole INTO me FROM pg_roles r WHERE r.rolname = current_user;
	BEGIN
		INSERT INTO @extschema@.anomaly_detectors (name, source, time_column, value_column, series_column, options, owner)
		VALUES (name, source, time_column, value_column, series_column, coalesce(options, '{}'), me);
	EXCEPTION WHEN unique_violation THEN
		-- Names are unique over all roles (they name the pg_cron jobs and key the
		-- other tables).  A detector the caller may not see is not confirmed:
		-- the name is only said to be taken.
		IF EXISTS (SELECT 1 FROM @extschema@.anomaly_detectors x WHERE x.name = anomaly_create_detector.name) THEN
			RAISE EXCEPTION 'detector "%" already exists', name USING ERRCODE = 'duplicate_object';
		END IF;
		RAISE EXCEPTION 'detector name "%" is not available', name
			USING ERRCODE = 'duplicate_object',
			      DETAIL = 'Detector names are unique in the database, over all roles.',
			      HINT = 'Choose another name.';
	END;
END
$$;
COMMENT ON FUNCTION @extschema@.anomaly_create_detector(text, regclass, text, text, text, jsonb) IS
	'anomaly: registers a detector over a table or view (time, value and optional series columns; ts_fit options plus train_window, refit_every, min_train_points, late_window)';

CREATE FUNCTION @extschema@.anomaly_drop_detector(name text)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	d @extschema@.anomaly_detectors;
BEGIN
	d := @extschema@._anomaly_lock_detector(name);
	IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
		PERFORM @extschema@.anomaly_unschedule(name);
	END IF;
	DELETE FROM @extschema@.anomaly_results r WHERE r.detector = d.name;
	DELETE FROM @extschema@.anomaly_detectors x WHERE x.name = d.name;
END
$$;

-- Finds a detector and locks it against concurrent runs and changes.
CREATE FUNCTION @extschema@._anomaly_lock_detector(name text)
RETURNS @extschema@.anomaly_detectors
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	d @extschema@.anomaly_detectors;
	owner_role regrole;
BEGIN
	SELECT x.owner INTO owner_role FROM @extschema@.anomaly_detectors x WHERE x.name = _anomaly_lock_detector.name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'detector "%" does not exist', name USING ERRCODE = 'undefined_object';
	END IF;
	SELECT * INTO d FROM @extschema@.anomaly_detectors x WHERE x.name = _anomaly_lock_detector.name FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'permission denied for detector "%"', name
			USING ERRCODE = 'insufficient_privilege',
			      DETAIL = format('Only members of role %s may run or change it.', owner_role);
	END IF;
	RETURN d;
END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_lock_detector(text) IS
	'anomaly (internal): returns a detector row locked FOR UPDATE, or raises an error';
COMMENT ON FUNCTION @extschema@.anomaly_drop_detector(text) IS
	'anomaly: drops a detector with its models, results and run log, and unschedules it';

-- Asks ts_fit to validate its options on a synthetic series (four weeks of
-- hourly points with a daily cycle), so that a bad option fails at
-- anomaly_create_detector rather than at the first run.  Only parameter errors
-- (22023) are passed on.
CREATE FUNCTION @extschema@._anomaly_check_fit_options(fit_options jsonb)
RETURNS void
LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM @extschema@.ts_fit(g.ts, g.value, fit_options)
	FROM (SELECT timestamptz '2000-01-01 00:00+00' + i * interval '1 hour' AS ts,
	             10 + sin(i * pi() / 12) + (i % 7) * 0.1 AS value
	      FROM generate_series(0, 671) i) g;
EXCEPTION
	WHEN invalid_parameter_value THEN RAISE;
	WHEN OTHERS THEN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_check_fit_options(jsonb) IS
	'anomaly (internal): raises the ts_fit option error, if any, for the given options';

-- ---------------------------------------------------------------------------
-- Detectors: the incremental run.  anomaly_run discovers new series, fits
-- (_anomaly_fit) and scores (_anomaly_score) them, writes the results,
-- advances the watermarks and sends a NOTIFY on channel anomaly when there
-- are new events.
-- ---------------------------------------------------------------------------

-- The source rows a detector reads, as (series text, ts timestamptz, value float8).
-- Rows with a NULL time, a NULL series or a NULL, NaN or infinite value are left out.
-- Without with_value, the value column is neither read nor checked (series discovery).
CREATE FUNCTION @extschema@._anomaly_source_sql(d @extschema@.anomaly_detectors, with_value boolean)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT format('SELECT %s AS series, %I AS ts%s FROM %s WHERE %I IS NOT NULL%s%s',
	              CASE WHEN d.series_column IS NULL THEN '''''::text' ELSE format('(%I)::text', d.series_column) END,
	              d.time_column,
	              CASE WHEN with_value THEN format(', (%I)::float8 AS value', d.value_column) ELSE '' END,
	              d.source::text, d.time_column,
	              CASE WHEN with_value THEN format(' AND abs((%I)::float8) < ''Infinity''::float8', d.value_column) ELSE '' END,
	              CASE WHEN d.series_column IS NULL THEN '' ELSE format(' AND %I IS NOT NULL', d.series_column) END)
$$;
COMMENT ON FUNCTION @extschema@._anomaly_source_sql(@extschema@.anomaly_detectors, boolean) IS
	'anomaly (internal): the query reading a detector''s source as (series, ts[, value])';

-- Fits the series in need_series (training rows up to need_cutoff, within the
-- training window), stores the models and points the series at them.
-- only_series restricts it to one series (the fallback after a failure).
-- Returns the number of models stored.
CREATE FUNCTION @extschema@._anomaly_fit(d @extschema@.anomaly_detectors, need_series text[],
                                         need_cutoff timestamptz[], only_series text)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p record := @extschema@._anomaly_policy(d.options);
	q text;
	lower_bound timestamptz := '-infinity';
	fitted_series text[];
	fitted_ids bigint[];
BEGIN
	IF p.train_window IS NOT NULL THEN
		SELECT min(c) - p.train_window INTO lower_bound FROM unnest(need_cutoff) c WHERE c < 'infinity';
		IF lower_bound IS NULL OR EXISTS (SELECT 1 FROM unnest(need_cutoff) c WHERE c = 'infinity') THEN
			lower_bound := '-infinity';
		END IF;
	END IF;
	q := format($q$
		WITH fit AS (
			SELECT t.series, @extschema@.ts_fit(t.ts, t.value, $3) AS model,
			       min(t.ts) AS train_from, max(t.ts) AS train_to, count(*) AS n
			FROM (SELECT src.series, src.ts, src.value%s
			      FROM (%s) src
			      JOIN unnest($1::text[], $2::timestamptz[]) AS need(series, cutoff) ON need.series = src.series
			      WHERE src.ts <= need.cutoff AND src.ts > $4%s) t
			%s
			GROUP BY t.series
			HAVING count(*) >= $5
		), ins AS (
			INSERT INTO @extschema@.anomaly_models (detector, series, model, train_from, train_to, train_points, info)
			SELECT $8, fit.series, fit.model, fit.train_from, fit.train_to, fit.n, @extschema@.ts_model_info(fit.model)
			FROM fit WHERE fit.model IS NOT NULL
			RETURNING model_id, series
		), upd AS (
			UPDATE @extschema@.anomaly_series s
			SET model_id = ins.model_id, rows_since_fit = 0, last_error = NULL, last_error_at = NULL
			FROM ins WHERE s.detector = $8 AND s.series = ins.series
			RETURNING s.series, s.model_id
		)
		SELECT array_agg(series), array_agg(model_id) FROM upd
		$q$,
		CASE WHEN p.train_window IS NOT NULL THEN ', max(src.ts) OVER (PARTITION BY src.series) AS newest'
		     WHEN p.train_points IS NOT NULL THEN ', row_number() OVER (PARTITION BY src.series ORDER BY src.ts DESC) AS rn'
		     ELSE '' END,
		@extschema@._anomaly_source_sql(d, true),
		CASE WHEN only_series IS NULL THEN '' ELSE ' AND src.series = $9' END,
		CASE WHEN p.train_window IS NOT NULL THEN 'WHERE t.ts > t.newest - $6'
		     WHEN p.train_points IS NOT NULL THEN 'WHERE t.rn <= $7'
		     ELSE '' END);
	EXECUTE q INTO fitted_series, fitted_ids
		USING need_series, need_cutoff, p.fit_options, lower_bound, p.min_train_points,
		      p.train_window, p.train_points, d.name, only_series;
	IF fitted_series IS NULL THEN
		RETURN 0;
	END IF;
	UPDATE @extschema@.anomaly_models m SET is_current = false
	WHERE m.detector = d.name AND m.series = ANY (fitted_series) AND m.is_current AND m.model_id <> ALL (fitted_ids);
	RETURN cardinality(fitted_series);
END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_fit(@extschema@.anomaly_detectors, text[], timestamptz[], text) IS
	'anomaly (internal): fits and stores the models of the given series';

-- Scores the rows of series with a model that are newer than their watermark
-- (and the late rows within late_window that have no result yet), writes the
-- results and advances the watermarks.  only_series restricts it to one series.
-- ev_* give, per series with anomalies in this run, the anomalies
-- known to start an event (ev_starts) and the highest score; u_* list the
-- anomalies for which the caller must look at the neighbouring rows in
-- anomaly_results (rows this statement writes are not visible to it).
-- Without skip_duplicates, a source with two rows for one series and timestamp
-- makes it fail with unique_violation: ON CONFLICT costs 60% more per row
-- (speculative insertion), so the caller retries with it only then.
CREATE FUNCTION @extschema@._anomaly_score(d @extschema@.anomaly_detectors, late_window interval, run_id bigint,
                                           only_series text, skip_duplicates boolean,
                                           OUT rows_scored bigint, OUT anomalies bigint,
                                           OUT ev_series_id bigint[], OUT ev_series text[], OUT ev_starts bigint[],
                                           OUT ev_peak float8[], OUT u_series_id bigint[], OUT u_ts timestamptz[])
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	bound timestamptz;
BEGIN
	-- Rows older than every series' watermark minus late_window need not be read.
	SELECT min(coalesce(s.watermark - late_window, '-infinity')) INTO bound
	FROM @extschema@.anomaly_series s
	WHERE s.detector = d.name AND s.model_id IS NOT NULL AND (only_series IS NULL OR s.series = only_series);
	IF bound IS NULL THEN
		rows_scored := 0;
		anomalies := 0;
		RETURN;
	END IF;
	-- The join reads the tables (not st, whose statistics the planner does not
	-- know) and the late-row check stays out of it (j): the planner then hashes
	-- the series and streams the source through in its own order.
	-- OFFSET 0 keeps ts_detect to one call per row.
	--
	-- Events: an anomaly starts one when the row before it (in its series) is
	-- normal.  Sorting every row of the run by series and time to find that
	-- row costs as much as the scoring, so only the anomalies are sorted
	-- (anoms); each normal row newer than the old watermark is then placed
	-- between two anomalies of its series by a binary search (width_bucket):
	-- gap k holds the normal rows after the k-th anomaly and before the next.
	-- The k-th anomaly starts an event ('s') when gap k-1 is not empty, and
	-- continues one ('c') when it is and the (k-1)-th anomaly is newer than the
	-- old watermark, so that no row of an earlier run lies between them.
	-- Otherwise ('u') the caller looks its neighbours up.  Series with a single
	-- anomaly and no row at or below the old watermark need no gaps: gap 0 is
	-- not empty exactly when the anomaly is not their oldest row of the run.
	-- An anomaly newer than the old watermark that is still unresolved has no
	-- row of this run before it, so the row before it is the one at the
	-- watermark (prev, read by the key only for those anomalies: a join let the
	-- planner read all results; no earlier run wrote a row after it),
	-- and a series never scored before (no watermark) has no row before its
	-- first anomaly.  Only late anomalies are left to the caller ('u'), whose
	-- lookup scans back through the results of every series (the key starts
	-- with ts).
	--
	-- rows_since_fit counts the results of the current model newer than its
	-- training range: each run adds its own such rows, so that the count
	-- costs O(new rows) however many results the series has.  Usually all of
	-- a series' rows are (oldest > train_to); the rows of the other series
	-- only are compared one by one (stale, a join that ends at once when
	-- there is no such series).
	EXECUTE format($q$
		WITH st AS MATERIALIZED (
			SELECT s.series_id, s.series, s.watermark, m.train_to
			FROM @extschema@.anomaly_series s
			JOIN @extschema@.anomaly_models m ON m.model_id = s.model_id
			WHERE s.detector = $1%s
		), scored AS (
			INSERT INTO @extschema@.anomaly_results AS r
				(detector, series, ts, value, expected, lower, upper, score, is_anomaly, model_id, run_id, scored_at,
				 series_id)
			SELECT $1, q.series, q.ts, q.value, (q.d).expected, (q.d).lower, (q.d).upper, (q.d).score,
			       (q.d).is_anomaly, q.model_id, $3, now(), q.series_id
			FROM (SELECT j.series, j.series_id, j.ts, j.value, j.model_id,
			             @extschema@.ts_detect(j.model, j.ts, j.value) AS d
			      FROM (SELECT src.series, s.series_id, src.ts, src.value, m.model_id, m.model, s.watermark
			            FROM (%s) src
			            JOIN @extschema@.anomaly_series s ON s.detector = $1 AND s.series = src.series%s
			            JOIN @extschema@.anomaly_models m ON m.model_id = s.model_id
			            WHERE src.ts > $2%s AND (s.watermark IS NULL OR src.ts > s.watermark - $4)
			            OFFSET 0) j
			      WHERE j.watermark IS NULL OR j.ts > j.watermark
			         OR NOT EXISTS (SELECT 1 FROM @extschema@.anomaly_results o
			                        WHERE o.ts = j.ts AND o.series_id = j.series_id AND o.ts > $2)
			      OFFSET 0) q
			%s
			RETURNING r.series_id, r.ts, r.is_anomaly, CASE WHEN r.is_anomaly THEN r.score END AS score
		), per AS (
			SELECT sc.series_id, max(sc.ts) AS newest, min(sc.ts) AS oldest, count(*) AS n,
			       count(*) FILTER (WHERE sc.is_anomaly) AS a
			FROM scored sc
			GROUP BY sc.series_id
		), stale AS (
			SELECT sc.series_id, count(*) AS fresh
			FROM (SELECT per.series_id, st.train_to FROM per JOIN st ON st.series_id = per.series_id
			      WHERE per.oldest <= st.train_to) ns
			JOIN scored sc ON sc.series_id = ns.series_id AND sc.ts > ns.train_to
			GROUP BY sc.series_id
		), upd AS (
			UPDATE @extschema@.anomaly_series s
			SET watermark = greatest(s.watermark, per.newest), rows_scored = s.rows_scored + per.n,
			    rows_since_fit = s.rows_since_fit
			                     + CASE WHEN per.oldest > st.train_to THEN per.n ELSE coalesce(stale.fresh, 0) END,
			    last_scored_at = now()
			FROM per
			JOIN st ON st.series_id = per.series_id
			LEFT JOIN stale ON stale.series_id = per.series_id
			WHERE s.detector = $1 AND s.series_id = per.series_id
			RETURNING per.series_id, per.n, per.a
		), anoms AS (
			SELECT a.series_id, a.ts, a.score, st.series, st.watermark, per.oldest,
			       cardinality(a.ts) > 1 OR coalesce(per.oldest <= st.watermark, false) AS needs_gaps
			FROM (SELECT sc.series_id, array_agg(sc.ts ORDER BY sc.ts) AS ts, array_agg(sc.score ORDER BY sc.ts) AS score
			      FROM scored sc
			      WHERE sc.is_anomaly
			      GROUP BY sc.series_id) a
			JOIN st ON st.series_id = a.series_id
			JOIN per ON per.series_id = a.series_id
		), gaps AS (
			SELECT DISTINCT sc.series_id, width_bucket(sc.ts, an.ts) AS gap
			FROM scored sc
			JOIN (SELECT an.series_id, an.ts, an.watermark FROM anoms an WHERE an.needs_gaps) an
			  ON an.series_id = sc.series_id
			WHERE NOT sc.is_anomaly AND (an.watermark IS NULL OR sc.ts > an.watermark)
		), marked AS (
			SELECT an.series_id, an.series, u.ts, u.score,
			       CASE WHEN g.gap IS NOT NULL OR (NOT an.needs_gaps AND u.ts > an.oldest) THEN 's'
			            WHEN u.k = 1 AND an.watermark IS NULL THEN 's'
			            WHEN u.k > 1 AND (an.watermark IS NULL OR an.ts[u.k - 1] > an.watermark) THEN 'c'
			            WHEN u.ts > an.watermark THEN
			                 CASE WHEN (SELECT prev.is_anomaly FROM @extschema@.anomaly_results prev
			                            WHERE prev.ts = an.watermark AND prev.series_id = an.series_id) THEN 'c'
			                      ELSE 's' END
			            ELSE 'u' END AS mark
			FROM anoms an
			CROSS JOIN LATERAL unnest(an.ts, an.score) WITH ORDINALITY AS u(ts, score, k)
			LEFT JOIN gaps g ON g.series_id = an.series_id AND g.gap = u.k - 1
		)
		SELECT (SELECT coalesce(sum(n), 0) FROM upd)::bigint,
		       (SELECT coalesce(sum(a), 0) FROM upd)::bigint,
		       e.series_id, e.series, e.starts, e.peak, un.series_id, un.ts
		FROM (SELECT coalesce(array_agg(m.series_id ORDER BY m.series), '{}') AS series_id,
		             coalesce(array_agg(m.series ORDER BY m.series), '{}') AS series,
		             coalesce(array_agg(m.starts ORDER BY m.series), '{}') AS starts,
		             coalesce(array_agg(m.peak ORDER BY m.series), '{}') AS peak
		      FROM (SELECT m.series_id, m.series, count(*) FILTER (WHERE m.mark = 's') AS starts, max(m.score) AS peak
		            FROM marked m GROUP BY m.series_id, m.series) m) e,
		     (SELECT coalesce(array_agg(m.series_id ORDER BY m.series_id, m.ts), '{}') AS series_id,
		             coalesce(array_agg(m.ts ORDER BY m.series_id, m.ts), '{}') AS ts
		      FROM marked m WHERE m.mark = 'u') un
		$q$,
		CASE WHEN only_series IS NULL THEN '' ELSE ' AND s.series = $5' END,
		@extschema@._anomaly_source_sql(d, true),
		CASE WHEN only_series IS NULL THEN '' ELSE ' AND s.series = $5' END,
		CASE WHEN only_series IS NULL THEN '' ELSE ' AND src.series = $5' END,
		CASE WHEN skip_duplicates THEN ' ON CONFLICT (ts, series_id) DO NOTHING' ELSE '' END)
	INTO rows_scored, anomalies, ev_series_id, ev_series, ev_starts, ev_peak, u_series_id, u_ts
	USING d.name, bound, run_id, late_window, only_series;
END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_score(@extschema@.anomaly_detectors, interval, bigint, text, boolean) IS
	'anomaly (internal): scores new and late rows of a detector and advances the watermarks';

-- The run itself, as the detector's owner (see anomaly_run, which calls it).
-- caller is the role that called anomaly_run (anomaly_runs.run_by).
CREATE FUNCTION @extschema@._anomaly_run(
	name text,
	caller name,
	OUT run_id bigint,
	OUT series integer,
	OUT fitted integer,
	OUT rows_scored bigint,
	OUT anomalies bigint,
	OUT new_events integer,
	OUT failures integer,
	OUT duration interval)
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
-- Each statement of a run is planned and executed once over many rows: the
-- JIT compiler took about a second to compile the scoring statement, more
-- than it saved (measured with test/bench/detectors/bench.sh).
SET jit = off
AS $$
DECLARE
	started timestamptz := clock_timestamp();
	d @extschema@.anomaly_detectors;
	p record;
	col text;
	discover_bound timestamptz;
	known text[];
	need_series text[];
	need_cutoff timestamptz[];
	fails jsonb := '[]';
	one record;
	i integer;
	s text;
	ev_series_id bigint[] := '{}';
	ev_series text[] := '{}';
	ev_starts bigint[] := '{}';
	ev_peak float8[] := '{}';
	u_series_id bigint[] := '{}';
	u_ts timestamptz[] := '{}';
	top jsonb;
	msg text;
	state text;
	payload text;
BEGIN
	d := @extschema@._anomaly_lock_detector(name);
	IF d.owner IS DISTINCT FROM (SELECT r.oid FROM pg_roles r WHERE r.rolname = current_user) THEN
		RAISE EXCEPTION 'detector "%" must be run as its owner %', name, d.owner
			USING ERRCODE = 'insufficient_privilege', HINT = 'Call anomaly_run.';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = d.source) THEN
		RAISE EXCEPTION 'source table of detector "%" does not exist', name
			USING ERRCODE = 'undefined_table',
			      DETAIL = 'The table or view was dropped after the detector was created.';
	END IF;
	-- Checked up front so that the error names the table, not a series.
	FOREACH col IN ARRAY ARRAY[d.time_column, d.value_column, d.series_column] LOOP
		CONTINUE WHEN col IS NULL;
		IF NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = d.source AND a.attname = col
		               AND a.attnum > 0 AND NOT a.attisdropped) THEN
			RAISE EXCEPTION 'column "%" of relation % does not exist', col, d.source
				USING ERRCODE = 'undefined_column';
		END IF;
		IF NOT has_column_privilege(d.source, col, 'SELECT') THEN
			RAISE EXCEPTION 'permission denied for table %', d.source
				USING ERRCODE = 'insufficient_privilege',
				      DETAIL = format('Detector "%s" reads column "%s", which you may not select.', name, col);
		END IF;
	END LOOP;
	p := @extschema@._anomaly_policy(d.options);
	run_id := nextval('@extschema@.anomaly_runs_run_id_seq');
	fitted := 0;

	-- 1. Discover new series among the rows not older than every watermark.
	--    The known series are passed as an array, which the executor hashes:
	--    rows of known series are dropped in the scan instead of aggregated.
	SELECT coalesce(min(x.watermark - p.late_window) FILTER (WHERE x.watermark IS NOT NULL), '-infinity'),
	       coalesce(array_agg(x.series), '{}')
	INTO discover_bound, known
	FROM @extschema@.anomaly_series x WHERE x.detector = d.name;
	EXECUTE format('INSERT INTO @extschema@.anomaly_series AS s (detector, series)
	                SELECT DISTINCT $1, src.series FROM (%s) src WHERE src.ts > $2 AND src.series <> ALL ($3)
	                ON CONFLICT (detector, series) DO NOTHING', @extschema@._anomaly_source_sql(d, false))
	USING d.name, discover_bound, known;

	-- 2. Fit the series without a model (on all their rows) and those the
	--    refit policy selects (on the rows up to their watermark).
	SELECT array_agg(x.series ORDER BY x.series),
	       array_agg(CASE WHEN x.model_id IS NULL THEN 'infinity' ELSE coalesce(x.watermark, 'infinity') END
	                 ORDER BY x.series)
	INTO need_series, need_cutoff
	FROM @extschema@.anomaly_series x
	LEFT JOIN @extschema@.anomaly_models m ON m.model_id = x.model_id
	WHERE x.detector = d.name
	  AND (x.model_id IS NULL
	       OR x.rows_since_fit >= p.refit_points
	       OR x.watermark - m.train_to >= p.refit_interval);
	IF need_series IS NOT NULL THEN
		BEGIN
			fitted := @extschema@._anomaly_fit(d, need_series, need_cutoff, NULL);
		EXCEPTION WHEN OTHERS THEN
			-- One series failed: fit them one by one to find it and keep the others.
			fitted := 0;
			FOR i IN 1 .. cardinality(need_series) LOOP
				BEGIN
					fitted := fitted + @extschema@._anomaly_fit(d, need_series[i:i], need_cutoff[i:i], need_series[i]);
				EXCEPTION WHEN OTHERS THEN
					GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, state = RETURNED_SQLSTATE;
					fails := fails || jsonb_build_object('series', need_series[i], 'stage', 'fit',
					                                     'sqlstate', state, 'message', msg);
					UPDATE @extschema@.anomaly_series x SET last_error = 'fit: ' || msg, last_error_at = now()
					WHERE x.detector = d.name AND x.series = need_series[i];
					RAISE WARNING 'detector "%": fitting series "%" failed: %', name, need_series[i], msg;
				END;
			END LOOP;
		END;
	END IF;

	-- 3. Score.
	BEGIN
		BEGIN
			SELECT * INTO one FROM @extschema@._anomaly_score(d, p.late_window, run_id, NULL, false);
		EXCEPTION WHEN unique_violation THEN
			-- The source has several rows for one series and timestamp: keep one.
			SELECT * INTO one FROM @extschema@._anomaly_score(d, p.late_window, run_id, NULL, true);
		END;
		rows_scored := one.rows_scored;
		anomalies := one.anomalies;
		ev_series_id := one.ev_series_id;
		ev_series := one.ev_series;
		ev_starts := one.ev_starts;
		ev_peak := one.ev_peak;
		u_series_id := one.u_series_id;
		u_ts := one.u_ts;
	EXCEPTION WHEN OTHERS THEN
		rows_scored := 0;
		anomalies := 0;
		FOR s IN SELECT x.series FROM @extschema@.anomaly_series x
		         WHERE x.detector = d.name AND x.model_id IS NOT NULL ORDER BY x.series LOOP
			BEGIN
				SELECT * INTO one FROM @extschema@._anomaly_score(d, p.late_window, run_id, s, true);
				rows_scored := rows_scored + one.rows_scored;
				anomalies := anomalies + one.anomalies;
				ev_series_id := ev_series_id || one.ev_series_id;
				ev_series := ev_series || one.ev_series;
				ev_starts := ev_starts || one.ev_starts;
				ev_peak := ev_peak || one.ev_peak;
				u_series_id := u_series_id || one.u_series_id;
				u_ts := u_ts || one.u_ts;
			EXCEPTION WHEN OTHERS THEN
				GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, state = RETURNED_SQLSTATE;
				fails := fails || jsonb_build_object('series', s, 'stage', 'score', 'sqlstate', state, 'message', msg);
				UPDATE @extschema@.anomaly_series x SET last_error = 'score: ' || msg, last_error_at = now()
				WHERE x.detector = d.name AND x.series = s;
				RAISE WARNING 'detector "%": scoring series "%" failed: %', name, s, msg;
			END;
		END LOOP;
	END;

	-- 4. New events: anomalous rows of this run that start an event, i.e. whose
	--    previous row is not anomalous and whose next row, if scored by an
	--    earlier run (a late row), is not anomalous either.  The scoring
	--    statement counted most of them (ev_starts); the others (u_*) are
	--    looked up here, where the rows it wrote are visible.
	WITH looked AS (
		SELECT u.series_id, count(*) AS starts
		FROM unnest(u_series_id, u_ts) AS u(series_id, ts)
		WHERE NOT coalesce((SELECT o.is_anomaly FROM @extschema@.anomaly_results o
		                    WHERE o.series_id = u.series_id AND o.ts < u.ts
		                    ORDER BY o.ts DESC LIMIT 1), false)
		  AND NOT coalesce((SELECT o.is_anomaly AND o.run_id <> _anomaly_run.run_id FROM @extschema@.anomaly_results o
		                    WHERE o.series_id = u.series_id AND o.ts > u.ts
		                    ORDER BY o.ts LIMIT 1), false)
		GROUP BY u.series_id
	), ranked AS (
		SELECT e.series, e.starts + coalesce(l.starts, 0) AS events, e.peak
		FROM unnest(ev_series_id, ev_series, ev_starts, ev_peak) AS e(series_id, series, starts, peak)
		LEFT JOIN looked l ON l.series_id = e.series_id
		WHERE e.starts + coalesce(l.starts, 0) > 0
	)
	SELECT coalesce(sum(r.events), 0),
	       coalesce(jsonb_agg(jsonb_build_object('series', left(r.series, 100), 'new_events', r.events,
	                                             'peak_score', r.peak)
	                          ORDER BY r.peak DESC NULLS LAST, r.series)
	                FILTER (WHERE r.rank <= 5), '[]')
	INTO new_events, top
	FROM (SELECT ranked.*, row_number() OVER (ORDER BY ranked.peak DESC NULLS LAST, ranked.series) AS rank
	      FROM ranked) r;

	IF new_events > 0 THEN
		payload := jsonb_build_object('detector', name, 'run_id', run_id, 'new_events', new_events,
		                              'anomalies', anomalies, 'top_series', top)::text;
		PERFORM pg_notify('anomaly', payload);
	END IF;

	SELECT count(*) INTO series FROM @extschema@.anomaly_series x WHERE x.detector = d.name;
	failures := jsonb_array_length(fails);
	duration := clock_timestamp() - started;
	INSERT INTO @extschema@.anomaly_runs (run_id, detector, started_at, finished_at, series, fitted, rows_scored,
	                                      anomalies, new_events, failures, failure_details, run_by)
	VALUES (run_id, d.name, started, started + duration, series, fitted, rows_scored,
	        anomalies, new_events, failures, fails, caller);
END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_run(text, name) IS
	'anomaly (internal): the run of anomaly_run, called as the detector''s owner';

-- A run reads the source (a view may call any function) with the rights of
-- the detector's owner, never the caller's: a superuser's job that runs
-- everyone's detectors must not lend its rights to code the owners wrote.
-- SET ROLE would not do: code run under it may RESET ROLE back to the
-- session user.  Unless caller and session are the owner, the run goes
-- through a temporary SECURITY DEFINER function owned by the owner, inside
-- which PostgreSQL refuses SET ROLE and SET SESSION AUTHORIZATION.  The
-- function lives in the caller's pg_temp for the length of the call.
CREATE FUNCTION @extschema@.anomaly_run(
	name text,
	OUT run_id bigint,
	OUT series integer,
	OUT fitted integer,
	OUT rows_scored bigint,
	OUT anomalies bigint,
	OUT new_events integer,
	OUT failures integer,
	OUT duration interval)
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	-- Checks that the caller is a member of the owner, and locks the detector.
	d @extschema@.anomaly_detectors := @extschema@._anomaly_lock_detector(name);
	caller name := current_user;
BEGIN
	IF caller = session_user AND d.owner = (SELECT r.oid FROM pg_roles r WHERE r.rolname = caller) THEN
		SELECT * INTO run_id, series, fitted, rows_scored, anomalies, new_events, failures, duration
		FROM @extschema@._anomaly_run(name, caller);
		RETURN;
	END IF;
	CREATE OR REPLACE FUNCTION pg_temp._anomaly_run_as_owner(text, name, OUT run_id bigint, OUT series integer,
	                                              OUT fitted integer, OUT rows_scored bigint, OUT anomalies bigint,
	                                              OUT new_events integer, OUT failures integer, OUT duration interval)
	LANGUAGE sql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS 'SELECT * FROM @extschema@._anomaly_run($1, $2)';
	EXECUTE format('ALTER FUNCTION pg_temp._anomaly_run_as_owner(text, name) OWNER TO %s', d.owner);
	EXECUTE 'SELECT * FROM pg_temp._anomaly_run_as_owner($1, $2)'
	INTO run_id, series, fitted, rows_scored, anomalies, new_events, failures, duration
	USING name, caller;
	DROP FUNCTION pg_temp._anomaly_run_as_owner(text, name);
END
$$;
COMMENT ON FUNCTION @extschema@.anomaly_run(text) IS
	'anomaly: one incremental run of a detector (fit where needed, score new and late rows, write results, advance watermarks, notify)';

-- ---------------------------------------------------------------------------
-- Detectors: scheduling with pg_cron
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@._anomaly_require_pg_cron()
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
		RAISE EXCEPTION 'extension "pg_cron" is not installed in this database'
			USING ERRCODE = 'undefined_object',
			      DETAIL = 'Detectors are scheduled with pg_cron.',
			      HINT = 'Install pg_cron (Debian package postgresql-15-cron), add it to shared_preload_libraries, and run CREATE EXTENSION pg_cron in the database named by cron.database_name.';
	END IF;
END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_require_pg_cron() IS
	'anomaly (internal): raises an error naming pg_cron when it is not installed';

CREATE FUNCTION @extschema@.anomaly_schedule(name text, schedule text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	d @extschema@.anomaly_detectors;
	job bigint;
BEGIN
	d := @extschema@._anomaly_lock_detector(name);
	PERFORM @extschema@._anomaly_require_pg_cron();
	EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO job
		USING 'anomaly:' || d.name, schedule, format('SELECT * FROM %s.anomaly_run(%L)', '@extschema@', d.name);
	RETURN job;
END
$$;
COMMENT ON FUNCTION @extschema@.anomaly_schedule(text, text) IS
	'anomaly: runs a detector on a pg_cron schedule (job name anomaly:<name>); returns the pg_cron job id';

CREATE FUNCTION @extschema@.anomaly_unschedule(name text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	d @extschema@.anomaly_detectors;
	found_job boolean;
BEGIN
	d := @extschema@._anomaly_lock_detector(name);
	PERFORM @extschema@._anomaly_require_pg_cron();
	EXECUTE 'SELECT EXISTS (SELECT 1 FROM cron.job WHERE jobname = $1)' INTO found_job USING 'anomaly:' || d.name;
	IF found_job THEN
		EXECUTE 'SELECT cron.unschedule($1::name)' USING 'anomaly:' || d.name;
	END IF;
	RETURN found_job;
END
$$;
COMMENT ON FUNCTION @extschema@.anomaly_unschedule(text) IS
	'anomaly: removes the pg_cron job of a detector; returns false when it had none';
