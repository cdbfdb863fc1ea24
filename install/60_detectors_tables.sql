
-- ---------------------------------------------------------------------------
-- Detectors on a schedule: a registry of detectors over user tables, an
-- incremental run (fit, score new rows, write results, advance watermarks),
-- pg_cron scheduling, tables and views for BI tools, NOTIFY alerts.
--
-- This part: the tables of detectors, models, series state, results and
-- runs, registered for pg_dump, and the trigger that deletes the results of
-- a deleted series.  The parts 61 to 65 add privileges and row-level
-- security, views, the registry, the run and the pg_cron schedule.
-- Parts 60 and 61 are created once: an upgrade does not run them again, but
-- runs their sections of what is new in this version (see the Makefile), and
-- adds new columns in install/updates/ (their comments are in sections here).
-- ---------------------------------------------------------------------------

CREATE TABLE @extschema@.anomaly_detectors (
	name          text        PRIMARY KEY CHECK (name <> '' AND octet_length(name) <= 55),
	source        regclass    NOT NULL,
	time_column   text        NOT NULL,
	value_column  text,
	series_column text,
	options       jsonb       NOT NULL DEFAULT '{}',
	owner         regrole     NOT NULL,
	created_at    timestamptz NOT NULL DEFAULT now(),
	value_columns text[],
	-- A detector reads one value column (ts_fit) or several (mv_fit).
	-- value_columns is last because version 0.4.0 added it.
	CONSTRAINT anomaly_detectors_values CHECK ((value_column IS NULL) <> (value_columns IS NULL))
);
COMMENT ON TABLE @extschema@.anomaly_detectors IS
	'anomaly: registered detectors (one row per anomaly_create_detector call)';
COMMENT ON COLUMN @extschema@.anomaly_detectors.source IS 'table or view the detector reads';
-- new in 0.4.0:
COMMENT ON COLUMN @extschema@.anomaly_detectors.options IS
	'ts_fit options (mv_fit options for a multivariate detector) plus the refit and missing-data policy keys';
COMMENT ON COLUMN @extschema@.anomaly_detectors.value_column IS 'the value column of a univariate (ts_fit) detector';
COMMENT ON COLUMN @extschema@.anomaly_detectors.value_columns IS
	'the value columns of a multivariate (mv_fit) detector, in the order of its feature vectors';
-- end of new in 0.4.0
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
-- new in 0.4.0:
COMMENT ON COLUMN @extschema@.anomaly_models.info IS
	'ts_model_info(model); for a multivariate detector mv_model_info(model) and the sampling interval';
-- end of new in 0.4.0

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
	retired_at     timestamptz,
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
-- new in 0.4.0:
COMMENT ON COLUMN @extschema@.anomaly_series.retired_at IS
	'set by anomaly_retire_series: the series raises no missing-data events until it has new rows';
-- end of new in 0.4.0

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
	-- Multivariate detectors only; last because version 0.4.0 added them.
	contributions float8[],
	top_column    text,
	-- Univariate detectors only (ts_anomaly); last because version 0.4.0 added them.
	point_score   float8,
	shape_score   float8,
	shift_score   float8,
	PRIMARY KEY (ts, series_id)
);
COMMENT ON TABLE @extschema@.anomaly_results IS
	'anomaly: one scored row per detector, series and timestamp (written by anomaly_run)';
COMMENT ON COLUMN @extschema@.anomaly_results.model_id IS 'anomaly_models.model_id of the model that scored the row';
COMMENT ON COLUMN @extschema@.anomaly_results.run_id IS 'anomaly_runs.run_id of the run that wrote the row';
COMMENT ON COLUMN @extschema@.anomaly_results.series_id IS 'anomaly_series.series_id of the detector and series';
-- new in 0.4.0:
COMMENT ON COLUMN @extschema@.anomaly_results.contributions IS
	'multivariate detectors: each value column''s share of the anomaly (mv_detect), in the order of value_columns';
COMMENT ON COLUMN @extschema@.anomaly_results.top_column IS
	'multivariate detectors: the value column with the largest contribution (value holds its value)';
COMMENT ON COLUMN @extschema@.anomaly_results.point_score IS
	'univariate detectors: the row''s own score (ts_score); score is the larger of it and shape_score';
COMMENT ON COLUMN @extschema@.anomaly_results.shape_score IS
	'univariate detectors with the shape component: the score of the window of the last w rows ending at the row (NULL for late rows)';
COMMENT ON COLUMN @extschema@.anomaly_results.shift_score IS
	'univariate detectors: the sustained level and spread shift score (CUSUM), not part of score (NULL for late rows)';
-- end of new in 0.4.0

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
	run_by          name        NOT NULL DEFAULT current_user,
	missing_events  integer     NOT NULL DEFAULT 0
);
ALTER SEQUENCE @extschema@.anomaly_runs_run_id_seq OWNED BY @extschema@.anomaly_runs.run_id;
CREATE INDEX anomaly_runs_detector ON @extschema@.anomaly_runs (detector, started_at);
COMMENT ON TABLE @extschema@.anomaly_runs IS 'anomaly: log of detector runs (one row per anomaly_run call that committed)';
COMMENT ON COLUMN @extschema@.anomaly_runs.failure_details IS
	'array of {series, stage, sqlstate, message}, one element per series that failed';
-- new in 0.4.0:
COMMENT ON COLUMN @extschema@.anomaly_runs.missing_events IS
	'new events of kind missing (gaps and stale series), included in new_events';
-- end of new in 0.4.0

-- new in 0.4.0:
-- Missing data: one row per stretch of a series where rows were expected and
-- did not come, found by a run (see anomaly_run).  cause 'gap': between two
-- scored rows; cause 'stale': the series' newest row was too old at a run
-- (is_open while it stays so).  The key makes a stretch be recorded once.
CREATE TABLE @extschema@.anomaly_missing (
	detector          text        NOT NULL,
	series            text        NOT NULL,
	series_id         bigint      NOT NULL REFERENCES @extschema@.anomaly_series (series_id) ON DELETE CASCADE,
	cause             text        NOT NULL CHECK (cause IN ('gap', 'stale')),
	started_at        timestamptz NOT NULL,
	ended_at          timestamptz NOT NULL CHECK (ended_at >= started_at),
	missing_rows      bigint      NOT NULL CHECK (missing_rows >= 1),
	sampling_interval interval    NOT NULL,
	is_open           boolean     NOT NULL DEFAULT false CHECK (NOT is_open OR cause = 'stale'),
	run_id            bigint      NOT NULL,
	detected_at       timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (series_id, started_at)
);
CREATE UNIQUE INDEX anomaly_missing_open ON @extschema@.anomaly_missing (series_id) WHERE is_open;
CREATE INDEX anomaly_missing_run ON @extschema@.anomaly_missing (run_id);
COMMENT ON TABLE @extschema@.anomaly_missing IS
	'anomaly: stretches of missing rows (gaps between scored rows, stale series) found by anomaly_run';
COMMENT ON COLUMN @extschema@.anomaly_missing.started_at IS 'expected time of the first missing row';
COMMENT ON COLUMN @extschema@.anomaly_missing.ended_at IS 'expected time of the last missing row';
COMMENT ON COLUMN @extschema@.anomaly_missing.missing_rows IS
	'expected rows that did not come (stale: the most missing at one run)';
COMMENT ON COLUMN @extschema@.anomaly_missing.sampling_interval IS 'the model''s sampling interval';
COMMENT ON COLUMN @extschema@.anomaly_missing.is_open IS 'stale series still without new rows at the last run';
COMMENT ON COLUMN @extschema@.anomaly_missing.run_id IS 'anomaly_runs.run_id of the run that found it';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.anomaly_missing', '');
-- end of new in 0.4.0

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
