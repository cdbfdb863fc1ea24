-- anomaly 0.3.0 -> 0.4.0 (ALTER EXTENSION anomaly UPDATE TO '0.4.0').
-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "ALTER EXTENSION anomaly UPDATE TO '0.4.0'" to load this file. \quit

-- Every object added or changed since 0.3.0, as the install script of 0.4.0
-- defines it; upgrade.sql checks that the upgraded schema is the same as a new
-- installation's.  Each section below names the change it belongs to.

-- anomaly_run drops the temporary relations and types that the owner's code
-- created in the caller's session (issue 13).
-- The relations and types that a role owns in this session's temporary schema,
-- with the DROP statement's kind and qualified name of each (the row types and
-- array types made with a relation or type go with it).
CREATE FUNCTION @extschema@._anomaly_temp_objects(owner oid, OUT oid oid, OUT kind text, OUT name text)
RETURNS SETOF record
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT c.oid,
	       CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
	                      WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'c' THEN 'TYPE' ELSE 'TABLE' END,
	       format('%I.%I', n.nspname, c.relname)
	FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE c.relnamespace = pg_my_temp_schema() AND c.relowner = owner AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c')
	UNION ALL
	SELECT t.oid, CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, format('%I.%I', n.nspname, t.typname)
	FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
	WHERE t.typnamespace = pg_my_temp_schema() AND t.typowner = owner AND t.typtype IN ('d', 'e', 'r')
$$;
COMMENT ON FUNCTION @extschema@._anomaly_temp_objects(oid) IS
	'anomaly (internal): the relations and types a role owns in the session''s temporary schema';

CREATE OR REPLACE FUNCTION @extschema@.anomaly_run(
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
	had oid[];
	left_over record;
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
	-- The owner's temporary relations and types before the run: the ones its
	-- code adds during the run are dropped after it (see below).
	SELECT coalesce(array_agg(o.oid), '{}') INTO had FROM @extschema@._anomaly_temp_objects(d.owner) o;
	EXECUTE 'SELECT * FROM pg_temp._anomaly_run_as_owner($1, $2)'
	INTO run_id, series, fitted, rows_scored, anomalies, new_events, failures, duration
	USING name, caller;
	DROP FUNCTION pg_temp._anomaly_run_as_owner(text, name);
	-- The owner's code ran in the caller's session.  pg_temp comes first in the
	-- session's search_path for relations and types, so a temporary view it left
	-- could stand in for a table that the caller names later without a schema,
	-- and run the owner's functions with the caller's rights: drop what it added.
	-- (Functions in pg_temp are never found without the schema's name.)
	FOR left_over IN SELECT o.kind, o.name FROM @extschema@._anomaly_temp_objects(d.owner) o
	                 WHERE o.oid <> ALL (had) LOOP
		EXECUTE format('DROP %s IF EXISTS %s CASCADE', left_over.kind, left_over.name);
	END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.anomaly_run(text) IS
	'anomaly: one incremental run of a detector (fit where needed, score new and late rows, write results, advance watermarks, notify)';

-- ts_discords: the top-k discords of a series by an exact matrix-profile
-- self-join (issue 15, item 4; docs/discords.md).

CREATE TYPE @extschema@.ts_discord AS (
	rank int,
	start_index int,
	ts timestamptz,
	distance float8,
	neighbor_index int,
	neighbor_ts timestamptz
);
COMMENT ON TYPE @extschema@.ts_discord IS
	'a discord: its rank, the 1-based index and timestamp where its window starts, the z-normalised distance to its nearest non-trivial neighbour and where that starts';

CREATE FUNCTION @extschema@.ts_discords(series float8[], "window" int, k int) RETURNS @extschema@.ts_discord[]
	AS 'MODULE_PATHNAME', 'ts_discords_array'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.ts_discords(float8[], int, int) IS
	'the top-k non-overlapping discords of a series (array order) for windows of the given length; ts and neighbor_ts are NULL';

CREATE FUNCTION @extschema@.ts_discords_trans(internal, timestamptz, float8, int, int) RETURNS internal
	AS 'MODULE_PATHNAME', 'ts_discords_trans'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.ts_discords_trans(internal, timestamptz, float8, int, int) IS
	'transition function of the ts_discords aggregate (skips rows with a NULL)';

CREATE FUNCTION @extschema@.ts_discords_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'ts_discords_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.ts_discords_combine(internal, internal) IS 'combine function of the ts_discords aggregate';

CREATE FUNCTION @extschema@.ts_discords_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'ts_discords_serialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.ts_discords_serialize(internal) IS 'serialize function of the ts_discords aggregate';

CREATE FUNCTION @extschema@.ts_discords_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'ts_discords_deserialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.ts_discords_deserialize(bytea, internal) IS 'deserialize function of the ts_discords aggregate';

CREATE FUNCTION @extschema@.ts_discords_final(internal) RETURNS @extschema@.ts_discord[]
	AS 'MODULE_PATHNAME', 'ts_discords_final'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.ts_discords_final(internal) IS 'final function of the ts_discords aggregate';

-- FINALFUNC_MODIFY = READ_ONLY: the final function only reorders the collected rows in place.
CREATE AGGREGATE @extschema@.ts_discords(ts timestamptz, value float8, "window" int, k int) (
	SFUNC = @extschema@.ts_discords_trans,
	STYPE = internal,
	SSPACE = 16384,
	FINALFUNC = @extschema@.ts_discords_final,
	FINALFUNC_MODIFY = READ_ONLY,
	COMBINEFUNC = @extschema@.ts_discords_combine,
	SERIALFUNC = @extschema@.ts_discords_serialize,
	DESERIALFUNC = @extschema@.ts_discords_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.ts_discords(timestamptz, float8, int, int) IS
	'the top-k non-overlapping discords of the series formed by the rows ordered by ts (no ORDER BY needed); rows with a NULL are skipped';
-- Two-level aggregates (issue #17): ts_fit_state / ts_fit_merge, catch22_state / catch22_merge / catch24_merge.
CREATE FUNCTION @extschema@.ts_fit_state_final(internal)
RETURNS bytea AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.ts_fit_state_final(internal) IS
  'final function of ts_fit_state: the points sorted and the options, as a ts_fit_state value (NULL for an empty group)';

CREATE FUNCTION @extschema@.ts_fit_merge_transition(internal, bytea)
RETURNS internal AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.ts_fit_merge_transition(internal, bytea) IS
  'transition function of ts_fit_merge and ts_fit_state(bytea): validates a state and adds its points (NULL states are skipped)';

CREATE AGGREGATE @extschema@.ts_fit_state(timestamptz, float8) (
  SFUNC = @extschema@.ts_fit_transition2,
  STYPE = internal,
  SSPACE = 16384,
  COMBINEFUNC = @extschema@.ts_fit_combine,
  SERIALFUNC = @extschema@.ts_fit_serialize,
  DESERIALFUNC = @extschema@.ts_fit_deserialize,
  FINALFUNC = @extschema@.ts_fit_state_final,
  FINALFUNC_MODIFY = READ_WRITE,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.ts_fit_state(timestamptz, float8) IS
  'partial state of ts_fit(ts, value) as bytea, for ts_fit_merge';

CREATE AGGREGATE @extschema@.ts_fit_state(timestamptz, float8, jsonb) (
  SFUNC = @extschema@.ts_fit_transition3,
  STYPE = internal,
  SSPACE = 16384,
  COMBINEFUNC = @extschema@.ts_fit_combine,
  SERIALFUNC = @extschema@.ts_fit_serialize,
  DESERIALFUNC = @extschema@.ts_fit_deserialize,
  FINALFUNC = @extschema@.ts_fit_state_final,
  FINALFUNC_MODIFY = READ_WRITE,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.ts_fit_state(timestamptz, float8, jsonb) IS
  'partial state of ts_fit(ts, value, options) as bytea, for ts_fit_merge';

CREATE AGGREGATE @extschema@.ts_fit_state(state bytea) (
  SFUNC = @extschema@.ts_fit_merge_transition,
  STYPE = internal,
  SSPACE = 16384,
  COMBINEFUNC = @extschema@.ts_fit_combine,
  SERIALFUNC = @extschema@.ts_fit_serialize,
  DESERIALFUNC = @extschema@.ts_fit_deserialize,
  FINALFUNC = @extschema@.ts_fit_state_final,
  FINALFUNC_MODIFY = READ_WRITE,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.ts_fit_state(bytea) IS
  'merges ts_fit_state values into one (rollups, adding new rows to a kept state)';

CREATE AGGREGATE @extschema@.ts_fit_merge(state bytea) (
  SFUNC = @extschema@.ts_fit_merge_transition,
  STYPE = internal,
  SSPACE = 16384,
  COMBINEFUNC = @extschema@.ts_fit_combine,
  SERIALFUNC = @extschema@.ts_fit_serialize,
  DESERIALFUNC = @extschema@.ts_fit_deserialize,
  FINALFUNC = @extschema@.ts_fit_final,
  FINALFUNC_MODIFY = READ_WRITE,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.ts_fit_merge(bytea) IS
  'the model ts_fit returns over all the rows of the ts_fit_state values merged';

CREATE FUNCTION @extschema@.catch22_state_final(internal)
RETURNS bytea AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.catch22_state_final(internal) IS
  'final function of catch22_state: the points sorted, as a catch22_state value (NULL for an empty group)';

CREATE FUNCTION @extschema@.catch22_merge_transition(internal, bytea)
RETURNS internal AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.catch22_merge_transition(internal, bytea) IS
  'transition function of catch22_merge, catch24_merge and catch22_state(bytea): validates a state and adds its points';

CREATE AGGREGATE @extschema@.catch22_state(ts timestamptz, value float8) (
  SFUNC = @extschema@.catch22_agg_trans,
  STYPE = internal,
  SSPACE = 16384,
  FINALFUNC = @extschema@.catch22_state_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = @extschema@.catch22_agg_combine,
  SERIALFUNC = @extschema@.catch22_agg_serialize,
  DESERIALFUNC = @extschema@.catch22_agg_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.catch22_state(timestamptz, float8) IS
  'partial state of catch22(ts, value) and catch24(ts, value) as bytea, for catch22_merge and catch24_merge';

CREATE AGGREGATE @extschema@.catch22_state(state bytea) (
  SFUNC = @extschema@.catch22_merge_transition,
  STYPE = internal,
  SSPACE = 16384,
  FINALFUNC = @extschema@.catch22_state_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = @extschema@.catch22_agg_combine,
  SERIALFUNC = @extschema@.catch22_agg_serialize,
  DESERIALFUNC = @extschema@.catch22_agg_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.catch22_state(bytea) IS
  'merges catch22_state values into one';

CREATE AGGREGATE @extschema@.catch22_merge(state bytea) (
  SFUNC = @extschema@.catch22_merge_transition,
  STYPE = internal,
  SSPACE = 16384,
  FINALFUNC = @extschema@.catch22_agg_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = @extschema@.catch22_agg_combine,
  SERIALFUNC = @extschema@.catch22_agg_serialize,
  DESERIALFUNC = @extschema@.catch22_agg_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.catch22_merge(bytea) IS
  'the 22 catch22 features catch22(ts, value) returns over all the rows of the catch22_state values merged';

CREATE AGGREGATE @extschema@.catch24_merge(state bytea) (
  SFUNC = @extschema@.catch22_merge_transition,
  STYPE = internal,
  SSPACE = 16384,
  FINALFUNC = @extschema@.catch24_agg_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = @extschema@.catch22_agg_combine,
  SERIALFUNC = @extschema@.catch22_agg_serialize,
  DESERIALFUNC = @extschema@.catch22_agg_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.catch24_merge(bytea) IS
  'the 24 catch24 features catch24(ts, value) returns over all the rows of the catch22_state values merged';


-- ---------------------------------------------------------------------------
-- Missing data as events (issue 14, item 3): anomaly_missing, the options
-- missing_after and missing_clock, anomaly_retire_series, kind and
-- missing_rows in anomaly_events, the open stale event in anomaly_latest,
-- anomaly_runs.missing_events.  Existing rows are kept; new columns come last.
-- ---------------------------------------------------------------------------
ALTER TABLE @extschema@.anomaly_series ADD COLUMN retired_at timestamptz;
COMMENT ON COLUMN @extschema@.anomaly_series.retired_at IS
	'set by anomaly_retire_series: the series raises no missing-data events until it has new rows';
ALTER TABLE @extschema@.anomaly_runs ADD COLUMN missing_events integer NOT NULL DEFAULT 0;
COMMENT ON COLUMN @extschema@.anomaly_runs.missing_events IS
	'new events of kind missing (gaps and stale series), included in new_events';

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
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.anomaly_missing TO PUBLIC;
ALTER TABLE @extschema@.anomaly_missing ENABLE ROW LEVEL SECURITY;
CREATE POLICY anomaly_missing_read ON @extschema@.anomaly_missing FOR SELECT
	USING (detector IN (SELECT d.name FROM @extschema@.anomaly_detectors d));
CREATE POLICY anomaly_missing_write ON @extschema@.anomaly_missing FOR ALL
	USING (detector IN (SELECT d.name FROM @extschema@.anomaly_detectors d WHERE pg_catalog.pg_has_role(d.owner, 'MEMBER')))
	WITH CHECK (detector IN (SELECT d.name FROM @extschema@.anomaly_detectors d WHERE pg_catalog.pg_has_role(d.owner, 'MEMBER')));
COMMENT ON POLICY anomaly_missing_read ON @extschema@.anomaly_missing IS 'visible when the detector is';
COMMENT ON POLICY anomaly_missing_write ON @extschema@.anomaly_missing IS 'written by members of the detector owner';

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
       NULL::bigint                                     AS missing_rows
FROM (SELECT r.detector, r.series, r.ts, r.value, r.score, r.is_anomaly,
             count(*) FILTER (WHERE NOT r.is_anomaly)
                 OVER (PARTITION BY r.detector, r.series ORDER BY r.ts) AS island,
             max(r.ts) OVER (PARTITION BY r.detector, r.series) AS newest
      FROM @extschema@.anomaly_results r) x
WHERE x.is_anomaly
GROUP BY x.detector, x.series, x.island
UNION ALL
SELECT m.detector, m.series, m.started_at, m.ended_at, NULL::bigint, NULL::float8, NULL::timestamptz,
       NULL::float8, m.is_open, 'missing'::text, m.missing_rows
FROM @extschema@.anomaly_missing m;
COMMENT ON VIEW @extschema@.anomaly_events IS
	'anomaly: consecutive anomalous rows of a series merged into one event (start, end, peak), and stretches of missing rows (kind missing)';
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
       s.retired_at
FROM @extschema@.anomaly_series s
LEFT JOIN @extschema@.anomaly_models m ON m.model_id = s.model_id
-- The latest scored row of a series is the one at its watermark.
LEFT JOIN @extschema@.anomaly_results r ON r.ts = s.watermark AND r.series_id = s.series_id
-- The open stale event of a series, if any (at most one: anomaly_missing_open).
LEFT JOIN @extschema@.anomaly_missing o ON o.series_id = s.series_id AND o.is_open;
COMMENT ON VIEW @extschema@.anomaly_latest IS
	'anomaly: latest scored row and state of every series of every detector, with its open stale event';

-- _anomaly_policy returns the missing-data policy too.
DROP FUNCTION @extschema@._anomaly_policy(jsonb);
CREATE FUNCTION @extschema@._anomaly_policy(
	options jsonb,
	OUT fit_options jsonb,
	OUT train_window interval,
	OUT train_points bigint,
	OUT refit_interval interval,
	OUT refit_points bigint,
	OUT min_train_points bigint,
	OUT late_window interval,
	OUT missing_after float8,
	OUT missing_clock text)
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
	fit_options := options - ARRAY['train_window', 'refit_every', 'min_train_points', 'late_window',
	                               'missing_after', 'missing_clock'];
	min_train_points := 10;
	late_window := interval '1 hour';
	-- Missing data: on by default, judged against the detector's own newest
	-- row (see docs/detectors.md, Missing data); false turns it off.
	missing_after := 3;
	missing_clock := 'source';
	v := options -> 'missing_after';
	IF v IS NOT NULL AND jsonb_typeof(v) <> 'null' THEN
		IF v = 'false'::jsonb THEN
			missing_after := NULL;
		ELSIF jsonb_typeof(v) = 'number' AND v::numeric >= 1 AND v::numeric <= 1000000 THEN
			missing_after := v::numeric::float8;
		ELSE
			RAISE EXCEPTION 'invalid value for option "missing_after"'
				USING ERRCODE = 'invalid_parameter_value',
				      DETAIL = format('Got %s; expected a number of sampling intervals from 1 to 1000000, or false.', v);
		END IF;
	END IF;
	v := options -> 'missing_clock';
	IF v IS NOT NULL AND jsonb_typeof(v) <> 'null' THEN
		IF v NOT IN ('"source"'::jsonb, '"run"'::jsonb) THEN
			RAISE EXCEPTION 'invalid value for option "missing_clock"'
				USING ERRCODE = 'invalid_parameter_value',
				      DETAIL = format('Got %s; expected "source" or "run".', v);
		END IF;
		missing_clock := v #>> '{}';
	END IF;
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
	'anomaly (internal): splits detector options into the ts_fit options, the refit policy and the missing-data policy';

COMMENT ON FUNCTION @extschema@.anomaly_create_detector(text, regclass, text, text, text, jsonb) IS
	'anomaly: registers a detector over a table or view (time, value and optional series columns; ts_fit options plus train_window, refit_every, min_train_points, late_window, missing_after, missing_clock)';

CREATE FUNCTION @extschema@.anomaly_retire_series(detector text, series text, retired boolean DEFAULT true)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	d @extschema@.anomaly_detectors := @extschema@._anomaly_lock_detector(detector);
	sid bigint;
BEGIN
	UPDATE @extschema@.anomaly_series x
	SET retired_at = CASE WHEN retired THEN coalesce(x.retired_at, now()) END
	WHERE x.detector = d.name AND x.series = anomaly_retire_series.series
	RETURNING x.series_id INTO sid;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'series "%" of detector "%" does not exist', series, d.name
			USING ERRCODE = 'undefined_object',
			      HINT = 'anomaly_series lists the series a detector has found.';
	END IF;
	IF retired THEN
		UPDATE @extschema@.anomaly_missing m SET is_open = false WHERE m.series_id = sid AND m.is_open;
	END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.anomaly_retire_series(text, text, boolean) IS
	'anomaly: marks a series of a detector as retired (no missing-data events until it has new rows), or not';

CREATE OR REPLACE FUNCTION @extschema@._anomaly_score(d @extschema@.anomaly_detectors, late_window interval, run_id bigint,
                                           only_series text, skip_duplicates boolean,
                                           OUT rows_scored bigint, OUT anomalies bigint,
                                           OUT ev_series_id bigint[], OUT ev_series text[], OUT ev_starts bigint[],
                                           OUT ev_peak float8[], OUT u_series_id bigint[], OUT u_ts timestamptz[])
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	bound timestamptz;
	missing_after float8 := (@extschema@._anomaly_policy(d.options)).missing_after;
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
	--
	-- Gaps: the rows newer than the old watermark, in order with the row
	-- before each (lag; the watermark before the first), more than
	-- missing_after sampling intervals (the model's) after it.  The gap
	-- after the watermark is left to the stale event of a series that has an
	-- open one (that event covers it) and skipped for a retired series.
	-- Without missing_after ($6 NULL) step is NULL and adj is empty.
	-- Ordering every row of the run made the run 40% slower, so only the
	-- series whose new rows span more sampling intervals than they have rows
	-- (by more than half an interval: a row is missing on the grid), and
	-- those with late rows, are ordered (cand).  A series whose rows came
	-- closer together than the interval elsewhere in the run can hide a
	-- gap that way; on a regular grid (jitter under a quarter interval) none is.
	EXECUTE format($q$
		WITH st AS MATERIALIZED (
			SELECT s.series_id, s.series, s.watermark, m.train_to,
			       s.retired_at IS NOT NULL AS retired, o.series_id IS NOT NULL AS stale_open,
			       CASE WHEN $6 IS NOT NULL AND (m.info ->> 'interval_seconds')::float8 > 0
			            THEN make_interval(secs => (m.info ->> 'interval_seconds')::float8) END AS step
			FROM @extschema@.anomaly_series s
			JOIN @extschema@.anomaly_models m ON m.model_id = s.model_id
			LEFT JOIN @extschema@.anomaly_missing o ON o.series_id = s.series_id AND o.is_open
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
			    last_scored_at = now(),
			    retired_at = CASE WHEN per.newest > s.watermark OR s.watermark IS NULL THEN NULL ELSE s.retired_at END
			FROM per
			JOIN st ON st.series_id = per.series_id
			LEFT JOIN stale ON stale.series_id = per.series_id
			WHERE s.detector = $1 AND s.series_id = per.series_id
			RETURNING per.series_id, per.n, per.a
		), cand AS (
			SELECT st.*
			FROM per JOIN st ON st.series_id = per.series_id
			WHERE st.step IS NOT NULL
			  AND (per.oldest <= st.watermark
			       OR per.newest - coalesce(st.watermark, per.oldest)
			          > st.step * (per.n - CASE WHEN st.watermark IS NULL THEN 1 ELSE 0 END + 0.5))
		), adj AS (
			SELECT sc.series_id, sc.ts, c.series, c.step, c.watermark, c.retired, c.stale_open,
			       lag(sc.ts, 1, c.watermark) OVER (PARTITION BY sc.series_id ORDER BY sc.ts) AS prev
			FROM scored sc JOIN cand c ON c.series_id = sc.series_id
			WHERE c.watermark IS NULL OR sc.ts > c.watermark
		), gap AS (
			SELECT g.*, (round(extract(epoch FROM g.ts - g.prev) / extract(epoch FROM g.step)) - 1)::bigint AS m
			FROM adj g
			WHERE g.ts - g.prev > g.step * $6
			  AND NOT (g.prev = g.watermark AND (g.retired OR g.stale_open))
		), gap_ins AS (
			INSERT INTO @extschema@.anomaly_missing
				(detector, series, series_id, cause, started_at, ended_at, missing_rows, sampling_interval, run_id)
			SELECT $1, g.series, g.series_id, 'gap', g.prev + g.step, g.prev + g.step * g.m, g.m, g.step, $3
			FROM gap g WHERE g.m >= 1
			ON CONFLICT (series_id, started_at) DO NOTHING
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
	USING d.name, bound, run_id, late_window, only_series, missing_after;
END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_score(@extschema@.anomaly_detectors, interval, bigint, text, boolean) IS
	'anomaly (internal): scores new and late rows of a detector and advances the watermarks';

CREATE FUNCTION @extschema@._anomaly_stale(detector text, clock timestamptz, missing_after float8,
                                           OUT series_id bigint, OUT series text, OUT watermark timestamptz,
                                           OUT step interval, OUT m bigint, OUT stale boolean)
RETURNS SETOF record
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT c.series_id, c.series, c.watermark, c.step,
	       floor(extract(epoch FROM $2 - c.watermark) / extract(epoch FROM c.step))::bigint,
	       c.retired_at IS NULL AND $2 - c.watermark > c.step * $3
	FROM (SELECT x.series_id, x.series, x.watermark, x.retired_at,
	             make_interval(secs => (m.info ->> 'interval_seconds')::float8) AS step
	      FROM @extschema@.anomaly_series x
	      JOIN @extschema@.anomaly_models m ON m.model_id = x.model_id
	      WHERE x.detector = $1 AND x.watermark IS NOT NULL
	        AND (m.info ->> 'interval_seconds')::float8 > 0) c
$$;
COMMENT ON FUNCTION @extschema@._anomaly_stale(text, timestamptz, float8) IS
	'anomaly (internal): the series of a detector that can be stale, and whether they are at the given clock';

CREATE OR REPLACE FUNCTION @extschema@._anomaly_run(
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
	clock timestamptz;
	missing_events integer;
	top_missing jsonb;
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

	-- 4. Stale series: a series whose newest scored row is more than
	--    missing_after sampling intervals older than the clock (the newest
	--    row of the detector over all series, or with missing_clock "run" the
	--    run's time) gets one open stale event, extended while it stays so
	--    and closed when it is no longer stale or is retired.
	IF p.missing_after IS NULL THEN
		UPDATE @extschema@.anomaly_missing o SET is_open = false WHERE o.detector = d.name AND o.is_open;
	ELSE
		clock := CASE WHEN p.missing_clock = 'run' THEN now()
		              ELSE (SELECT max(x.watermark) FROM @extschema@.anomaly_series x WHERE x.detector = d.name) END;
		UPDATE @extschema@.anomaly_missing o
		SET is_open = coalesce(c.stale, false),
		    ended_at = CASE WHEN c.stale THEN greatest(o.ended_at, c.watermark + c.step * c.m) ELSE o.ended_at END,
		    missing_rows = CASE WHEN c.stale THEN greatest(o.missing_rows, c.m) ELSE o.missing_rows END
		FROM @extschema@.anomaly_missing o2
		LEFT JOIN @extschema@._anomaly_stale(d.name, clock, p.missing_after) c ON c.series_id = o2.series_id
		WHERE o2.detector = d.name AND o2.is_open
		  AND o.series_id = o2.series_id AND o.started_at = o2.started_at;
		-- A series that comes back to a stretch recorded before (same
		-- watermark, e.g. after missing_after was raised and lowered again)
		-- reopens it without a new event.
		INSERT INTO @extschema@.anomaly_missing AS o
			(detector, series, series_id, cause, started_at, ended_at, missing_rows, sampling_interval, is_open, run_id)
		SELECT d.name, c.series, c.series_id, 'stale', c.watermark + c.step, c.watermark + c.step * c.m, c.m, c.step,
		       true, run_id
		FROM @extschema@._anomaly_stale(d.name, clock, p.missing_after) c
		WHERE c.stale
		  AND NOT EXISTS (SELECT 1 FROM @extschema@.anomaly_missing x WHERE x.series_id = c.series_id AND x.is_open)
		ON CONFLICT (series_id, started_at) DO UPDATE
		SET is_open = true, ended_at = greatest(o.ended_at, excluded.ended_at),
		    missing_rows = greatest(o.missing_rows, excluded.missing_rows);
	END IF;
	SELECT count(*), coalesce(jsonb_agg(jsonb_build_object('series', left(t.series, 100), 'cause', t.cause,
	                                                       'started_at', t.started_at, 'ended_at', t.ended_at,
	                                                       'missing_rows', t.missing_rows)
	                                    ORDER BY t.missing_rows DESC, t.series, t.started_at)
	                          FILTER (WHERE t.rank <= 5), '[]')
	INTO missing_events, top_missing
	FROM (SELECT o.*, row_number() OVER (ORDER BY o.missing_rows DESC, o.series, o.started_at) AS rank
	      FROM @extschema@.anomaly_missing o WHERE o.run_id = _anomaly_run.run_id) t;

	-- 5. New events: anomalous rows of this run that start an event, i.e. whose
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

	new_events := new_events + missing_events;
	IF new_events > 0 THEN
		payload := jsonb_build_object('detector', name, 'run_id', run_id, 'new_events', new_events,
		                              'anomalies', anomalies, 'top_series', top,
		                              'missing_events', missing_events, 'missing', top_missing)::text;
		PERFORM pg_notify('anomaly', payload);
	END IF;

	SELECT count(*) INTO series FROM @extschema@.anomaly_series x WHERE x.detector = d.name;
	failures := jsonb_array_length(fails);
	duration := clock_timestamp() - started;
	INSERT INTO @extschema@.anomaly_runs (run_id, detector, started_at, finished_at, series, fitted, rows_scored,
	                                      anomalies, new_events, failures, failure_details, run_by, missing_events)
	VALUES (run_id, d.name, started, started + duration, series, fitted, rows_scored,
	        anomalies, new_events, failures, fails, caller, missing_events);
END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_run(text, name) IS
	'anomaly (internal): the run of anomaly_run, called as the detector''s owner';


-- issue 14, band from the residuals' tail: ts_fit's options false_alarm_rate and exclude_outliers
COMMENT ON AGGREGATE @extschema@.ts_fit(timestamptz, float8, jsonb) IS
  'fits a time-series anomaly model to (ts, value) rows with options (method, period, trend, threshold, confidence, false_alarm_rate, exclude_outliers, interval, direction)';


-- Multivariate models mv_fit / mv_score / mv_detect / mv_model_info (issue #16).

CREATE TYPE @extschema@.mv_detection AS (
    score float8,
    is_anomaly boolean,
    distance float8,
    contributions float8[]
);

COMMENT ON TYPE @extschema@.mv_detection IS
'result of mv_detect: score (0 at the centre, 1 at the edge of normal), flag (score > 1), robust Mahalanobis distance, and each feature''s share of the squared distance (they sum to 1)';

CREATE FUNCTION @extschema@.mv_fit_trans(internal, float8[])
RETURNS internal
AS 'MODULE_PATHNAME', 'mv_fit_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.mv_fit_trans(internal, float8[]) IS
'Transition function of mv_fit: collects the feature vectors.';

CREATE FUNCTION @extschema@.mv_fit_trans(internal, float8[], jsonb)
RETURNS internal
AS 'MODULE_PATHNAME', 'mv_fit_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.mv_fit_trans(internal, float8[], jsonb) IS
'Transition function of mv_fit with options: collects the feature vectors.';

CREATE FUNCTION @extschema@.mv_fit_combine(internal, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'mv_fit_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.mv_fit_combine(internal, internal) IS
'Combine function of mv_fit: concatenates two partial states with the same options.';

CREATE FUNCTION @extschema@.mv_fit_serial(internal)
RETURNS bytea
AS 'MODULE_PATHNAME', 'mv_fit_serial'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.mv_fit_serial(internal) IS
'Serialisation function of mv_fit.';

CREATE FUNCTION @extschema@.mv_fit_deserial(bytea, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'mv_fit_deserial'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.mv_fit_deserial(bytea, internal) IS
'Deserialisation function of mv_fit; validates the state.';

CREATE FUNCTION @extschema@.mv_fit_final(internal)
RETURNS bytea
AS 'MODULE_PATHNAME', 'mv_fit_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.mv_fit_final(internal) IS
'Final function of mv_fit: fits the robust location and covariance and encodes the model.';

CREATE AGGREGATE @extschema@.mv_fit(features float8[]) (
    SFUNC = @extschema@.mv_fit_trans,
    STYPE = internal,
    FINALFUNC = @extschema@.mv_fit_final,
    COMBINEFUNC = @extschema@.mv_fit_combine,
    SERIALFUNC = @extschema@.mv_fit_serial,
    DESERIALFUNC = @extschema@.mv_fit_deserial,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.mv_fit(float8[]) IS
'Fits a multivariate model (bytea) to the feature vectors of the group: robust location and covariance by FastMCD (method gaussian). Rows with NULL features are left out; NULL for no rows. Independent of row order.';

CREATE AGGREGATE @extschema@.mv_fit(features float8[], options jsonb) (
    SFUNC = @extschema@.mv_fit_trans,
    STYPE = internal,
    FINALFUNC = @extschema@.mv_fit_final,
    COMBINEFUNC = @extschema@.mv_fit_combine,
    SERIALFUNC = @extschema@.mv_fit_serial,
    DESERIALFUNC = @extschema@.mv_fit_deserial,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.mv_fit(float8[], jsonb) IS
'As mv_fit(features), with options: method ("gaussian"), standardize (default true), threshold (the Mahalanobis distance at score 1) or false_alarm_rate (default 0.001). NULL options are the defaults.';

CREATE FUNCTION @extschema@.mv_score(model bytea, features float8[])
RETURNS float8
AS 'MODULE_PATHNAME', 'mv_score'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.mv_score(bytea, float8[]) IS
'Score of a feature vector under an mv_fit model: the robust Mahalanobis distance divided by the threshold (0 at the centre, 1 at the edge of normal, > 1 outside).';

CREATE FUNCTION @extschema@.mv_detect(model bytea, features float8[])
RETURNS @extschema@.mv_detection
AS 'MODULE_PATHNAME', 'mv_detect'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.mv_detect(bytea, float8[]) IS
'Score, flag, distance and per-feature contributions (each feature''s share of the squared Mahalanobis distance, summing to 1) of a feature vector under an mv_fit model.';

CREATE FUNCTION @extschema@.mv_model_info(model bytea)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'mv_model_info'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.mv_model_info(bytea) IS
'What an mv_fit model holds, as jsonb: method, dimensions, rows, support sizes, threshold, regularisation, location and covariance in the units of the features.';

-- ---------------------------------------------------------------------------
-- Two-level mv_fit (issue 17): mv_fit_state(features [, options]) and
-- mv_fit_state(state) return kind mv_fit_state, mv_fit_merge(state) the mv_fit model.
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.mv_fit_state_final(internal)
RETURNS bytea AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mv_fit_state_final(internal) IS
  'final function of mv_fit_state: the vectors sorted and the options, as an mv_fit_state value (NULL for an empty group)';

CREATE FUNCTION @extschema@.mv_fit_merge_transition(internal, bytea)
RETURNS internal AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mv_fit_merge_transition(internal, bytea) IS
  'transition function of mv_fit_merge and mv_fit_state(bytea): validates a state and adds its vectors (NULL states are skipped)';

CREATE AGGREGATE @extschema@.mv_fit_state(features float8[]) (
  SFUNC = @extschema@.mv_fit_trans,
  STYPE = internal,
  FINALFUNC = @extschema@.mv_fit_state_final,
  COMBINEFUNC = @extschema@.mv_fit_combine,
  SERIALFUNC = @extschema@.mv_fit_serial,
  DESERIALFUNC = @extschema@.mv_fit_deserial,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mv_fit_state(float8[]) IS
  'partial state of mv_fit(features) as bytea, for mv_fit_merge';

CREATE AGGREGATE @extschema@.mv_fit_state(features float8[], options jsonb) (
  SFUNC = @extschema@.mv_fit_trans,
  STYPE = internal,
  FINALFUNC = @extschema@.mv_fit_state_final,
  COMBINEFUNC = @extschema@.mv_fit_combine,
  SERIALFUNC = @extschema@.mv_fit_serial,
  DESERIALFUNC = @extschema@.mv_fit_deserial,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mv_fit_state(float8[], jsonb) IS
  'partial state of mv_fit(features, options) as bytea, for mv_fit_merge';

CREATE AGGREGATE @extschema@.mv_fit_state(state bytea) (
  SFUNC = @extschema@.mv_fit_merge_transition,
  STYPE = internal,
  FINALFUNC = @extschema@.mv_fit_state_final,
  COMBINEFUNC = @extschema@.mv_fit_combine,
  SERIALFUNC = @extschema@.mv_fit_serial,
  DESERIALFUNC = @extschema@.mv_fit_deserial,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mv_fit_state(bytea) IS
  'merges mv_fit_state values into one (rollups, adding new rows to a kept state)';

CREATE AGGREGATE @extschema@.mv_fit_merge(state bytea) (
  SFUNC = @extschema@.mv_fit_merge_transition,
  STYPE = internal,
  FINALFUNC = @extschema@.mv_fit_final,
  COMBINEFUNC = @extschema@.mv_fit_combine,
  SERIALFUNC = @extschema@.mv_fit_serial,
  DESERIALFUNC = @extschema@.mv_fit_deserial,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mv_fit_merge(bytea) IS
  'the model mv_fit returns over all the rows of the mv_fit_state values merged';

-- ---------------------------------------------------------------------------
-- Two-level dbscan_fit (issue 17): dbscan_fit_state(features, eps, min_points
-- [, standardize]) and dbscan_fit_state(state) return kind dbscan_fit_state,
-- dbscan_fit_merge(state) the dbscan_fit model.
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.dbscan_fit_state_final(internal)
RETURNS bytea AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.dbscan_fit_state_final(internal) IS
  'final function of dbscan_fit_state: the vectors sorted and the parameters, as a dbscan_fit_state value (NULL for an empty group)';

CREATE FUNCTION @extschema@.dbscan_fit_merge_transition(internal, bytea)
RETURNS internal AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.dbscan_fit_merge_transition(internal, bytea) IS
  'transition function of dbscan_fit_merge and dbscan_fit_state(bytea): validates a state and adds its vectors (NULL states are skipped)';

CREATE AGGREGATE @extschema@.dbscan_fit_state(features float8[], eps float8, min_points int) (
  SFUNC = @extschema@.dbscan_fit_trans,
  STYPE = internal,
  FINALFUNC = @extschema@.dbscan_fit_state_final,
  COMBINEFUNC = @extschema@.dbscan_fit_combine,
  SERIALFUNC = @extschema@.dbscan_fit_serial,
  DESERIALFUNC = @extschema@.dbscan_fit_deserial,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.dbscan_fit_state(float8[], float8, int) IS
  'partial state of dbscan_fit(features, eps, min_points) as bytea, for dbscan_fit_merge';

CREATE AGGREGATE @extschema@.dbscan_fit_state(features float8[], eps float8, min_points int, standardize boolean) (
  SFUNC = @extschema@.dbscan_fit_trans,
  STYPE = internal,
  FINALFUNC = @extschema@.dbscan_fit_state_final,
  COMBINEFUNC = @extschema@.dbscan_fit_combine,
  SERIALFUNC = @extschema@.dbscan_fit_serial,
  DESERIALFUNC = @extschema@.dbscan_fit_deserial,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.dbscan_fit_state(float8[], float8, int, boolean) IS
  'partial state of dbscan_fit(features, eps, min_points, standardize) as bytea, for dbscan_fit_merge';

CREATE AGGREGATE @extschema@.dbscan_fit_state(state bytea) (
  SFUNC = @extschema@.dbscan_fit_merge_transition,
  STYPE = internal,
  FINALFUNC = @extschema@.dbscan_fit_state_final,
  COMBINEFUNC = @extschema@.dbscan_fit_combine,
  SERIALFUNC = @extschema@.dbscan_fit_serial,
  DESERIALFUNC = @extschema@.dbscan_fit_deserial,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.dbscan_fit_state(bytea) IS
  'merges dbscan_fit_state values into one (rollups, adding new rows to a kept state)';

CREATE AGGREGATE @extschema@.dbscan_fit_merge(state bytea) (
  SFUNC = @extschema@.dbscan_fit_merge_transition,
  STYPE = internal,
  FINALFUNC = @extschema@.dbscan_fit_final,
  COMBINEFUNC = @extschema@.dbscan_fit_combine,
  SERIALFUNC = @extschema@.dbscan_fit_serial,
  DESERIALFUNC = @extschema@.dbscan_fit_deserial,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.dbscan_fit_merge(bytea) IS
  'the model dbscan_fit returns over all the rows of the dbscan_fit_state values merged';

-- ---------------------------------------------------------------------------
-- Multivariate detectors (issue 16, item 3): anomaly_create_detector over
-- several value columns (one mv_fit model per series over their vector), the
-- per-column contributions and the top column in anomaly_results, the views
-- and the NOTIFY payload.  Detectors of earlier versions keep value_column.
-- ---------------------------------------------------------------------------

ALTER TABLE @extschema@.anomaly_detectors ALTER COLUMN value_column DROP NOT NULL;
ALTER TABLE @extschema@.anomaly_detectors ADD COLUMN value_columns text[];
ALTER TABLE @extschema@.anomaly_detectors
	ADD CONSTRAINT anomaly_detectors_values CHECK ((value_column IS NULL) <> (value_columns IS NULL));
COMMENT ON COLUMN @extschema@.anomaly_detectors.options IS
	'ts_fit options (mv_fit options for a multivariate detector) plus the refit and missing-data policy keys';
COMMENT ON COLUMN @extschema@.anomaly_detectors.value_column IS 'the value column of a univariate (ts_fit) detector';
COMMENT ON COLUMN @extschema@.anomaly_detectors.value_columns IS
	'the value columns of a multivariate (mv_fit) detector, in the order of its feature vectors';
COMMENT ON COLUMN @extschema@.anomaly_models.info IS
	'ts_model_info(model); for a multivariate detector mv_model_info(model) and the sampling interval';

ALTER TABLE @extschema@.anomaly_results ADD COLUMN contributions float8[], ADD COLUMN top_column text;
COMMENT ON COLUMN @extschema@.anomaly_results.contributions IS
	'multivariate detectors: each value column''s share of the anomaly (mv_detect), in the order of value_columns';
COMMENT ON COLUMN @extschema@.anomaly_results.top_column IS
	'multivariate detectors: the value column with the largest contribution (value holds its value)';

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
       r.contributions
FROM @extschema@.anomaly_series s
LEFT JOIN @extschema@.anomaly_models m ON m.model_id = s.model_id
-- The latest scored row of a series is the one at its watermark.
LEFT JOIN @extschema@.anomaly_results r ON r.ts = s.watermark AND r.series_id = s.series_id
-- The open stale event of a series, if any (at most one: anomaly_missing_open).
LEFT JOIN @extschema@.anomaly_missing o ON o.series_id = s.series_id AND o.is_open;

-- Checks and registers a detector: value_column for a univariate (ts_fit)
-- detector, value_columns (at least 2) for a multivariate (mv_fit) one.
CREATE FUNCTION @extschema@._anomaly_create_detector(
	name text,
	source regclass,
	time_column text,
	value_column text,
	value_columns text[],
	series_column text,
	options jsonb)
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

	FOREACH col IN ARRAY ARRAY[time_column, value_column, series_column] || value_columns LOOP
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
		IF (col = value_column OR col = ANY (value_columns))
		   AND NOT EXISTS (SELECT 1 FROM pg_type t WHERE t.oid = typ AND t.typcategory = 'N') THEN
			RAISE EXCEPTION 'value column "%" must be numeric', col
				USING ERRCODE = 'datatype_mismatch',
				      DETAIL = format('Column "%s" is of type %s.', col, format_type(typ, NULL));
		END IF;
	END LOOP;

	-- The fitting function validates its own options; ask it now rather than at the first run.
	IF value_columns IS NULL THEN
		PERFORM @extschema@._anomaly_check_fit_options(policy.fit_options);
	ELSE
		PERFORM @extschema@._anomaly_check_mv_fit_options(policy.fit_options, cardinality(value_columns));
	END IF;

	SELECT r.oid::regrole INTO me FROM pg_roles r WHERE r.rolname = current_user;
	BEGIN
		INSERT INTO @extschema@.anomaly_detectors (name, source, time_column, value_column, series_column, options, owner,
		                                           value_columns)
		VALUES (name, source, time_column, value_column, series_column, coalesce(options, '{}'), me, value_columns);
	EXCEPTION WHEN unique_violation THEN
		-- Names are unique over all roles (they name the pg_cron jobs and key the
		-- other tables).  A detector the caller may not see is not confirmed:
		-- the name is only said to be taken.
		IF EXISTS (SELECT 1 FROM @extschema@.anomaly_detectors x WHERE x.name = _anomaly_create_detector.name) THEN
			RAISE EXCEPTION 'detector "%" already exists', name USING ERRCODE = 'duplicate_object';
		END IF;
		RAISE EXCEPTION 'detector name "%" is not available', name
			USING ERRCODE = 'duplicate_object',
			      DETAIL = 'Detector names are unique in the database, over all roles.',
			      HINT = 'Choose another name.';
	END;
END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_create_detector(text, regclass, text, text, text[], text, jsonb) IS
	'anomaly (internal): checks and registers a univariate or multivariate detector';

CREATE OR REPLACE FUNCTION @extschema@.anomaly_create_detector(
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
BEGIN
	IF name IS NULL OR source IS NULL OR time_column IS NULL OR value_column IS NULL THEN
		RAISE EXCEPTION 'name, source, time_column and value_column must not be NULL'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	PERFORM @extschema@._anomaly_create_detector(name, source, time_column, value_column, NULL, series_column, options);
END
$$;
COMMENT ON FUNCTION @extschema@.anomaly_create_detector(text, regclass, text, text, text, jsonb) IS
	'anomaly: registers a detector over a table or view (time, value and optional series columns; ts_fit options plus train_window, refit_every, min_train_points, late_window, missing_after, missing_clock)';

-- A multivariate detector: one mv_fit model per series over the vector of the
-- value columns, in their order.  One column is refused rather than taken as
-- a one-feature mv model: the one-column call (value_column text) fits ts_fit,
-- which knows the seasonality that a one-feature mv model would not.
CREATE FUNCTION @extschema@.anomaly_create_detector(
	name text,
	source regclass,
	time_column text,
	value_columns text[],
	series_column text DEFAULT NULL,
	options jsonb DEFAULT '{}')
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF name IS NULL OR source IS NULL OR time_column IS NULL OR value_columns IS NULL THEN
		RAISE EXCEPTION 'name, source, time_column and value_columns must not be NULL'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF array_ndims(value_columns) > 1 THEN
		RAISE EXCEPTION 'value_columns must be a one-dimensional array of column names'
			USING ERRCODE = 'invalid_parameter_value',
			      DETAIL = format('Got an array of %s dimensions.', array_ndims(value_columns));
	END IF;
	IF array_position(value_columns, NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'value_columns must not contain NULL'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF cardinality(value_columns) < 2 THEN
		RAISE EXCEPTION 'a multivariate detector needs at least 2 value columns'
			USING ERRCODE = 'invalid_parameter_value',
			      DETAIL = format('Got %s.', cardinality(value_columns)),
			      HINT = 'For one column pass its name as text, not as an array: the detector then fits ts_fit.';
	END IF;
	IF cardinality(value_columns) > 1024 THEN
		RAISE EXCEPTION 'a multivariate detector reads at most 1024 value columns'
			USING ERRCODE = 'invalid_parameter_value',
			      DETAIL = format('Got %s.', cardinality(value_columns));
	END IF;
	IF (SELECT count(DISTINCT c) FROM unnest(value_columns) c) < cardinality(value_columns) THEN
		RAISE EXCEPTION 'value column "%" is given more than once',
			(SELECT c FROM unnest(value_columns) c GROUP BY c HAVING count(*) > 1 ORDER BY min(c) LIMIT 1)
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM @extschema@._anomaly_create_detector(name, source, time_column, NULL, value_columns, series_column, options);
END
$$;
COMMENT ON FUNCTION @extschema@.anomaly_create_detector(text, regclass, text, text[], text, jsonb) IS
	'anomaly: registers a multivariate detector over a table or view (time column, 2 or more value columns scored jointly by one mv_fit model per series, optional series column; mv_fit options plus train_window, refit_every, min_train_points, late_window, missing_after, missing_clock)';

-- The same for mv_fit, on synthetic vectors of the detector's dimension (an
-- option such as the number of pca components is valid for some dimensions
-- only): 200 rows, or dims + 50 when that is more.
CREATE FUNCTION @extschema@._anomaly_check_mv_fit_options(fit_options jsonb, dims integer)
RETURNS void
LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM @extschema@.mv_fit(g.v, fit_options)
	FROM (SELECT array_agg(sin(i * (k + 1) * 0.7) + cos(i * 0.3 + k) + ((i * (k + 3)) % 11) * 0.1 ORDER BY k) AS v
	      FROM generate_series(0, greatest(199, dims + 49)) i, generate_series(1, dims) k
	      GROUP BY i) g;
EXCEPTION
	WHEN invalid_parameter_value THEN RAISE;
	WHEN OTHERS THEN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_check_mv_fit_options(jsonb, integer) IS
	'anomaly (internal): raises the mv_fit option error, if any, for the given options and number of value columns';

-- The source rows a detector reads, as (series text, ts timestamptz, value
-- float8), or for a multivariate detector value float8[] (the value columns
-- in their order).  Rows with a NULL time, a NULL series or a NULL, NaN or
-- infinite value (in any of the value columns) are left out.
-- Without with_value, the value columns are neither read nor checked (series discovery).
CREATE OR REPLACE FUNCTION @extschema@._anomaly_source_sql(d @extschema@.anomaly_detectors, with_value boolean)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT format('SELECT %s AS series, %I AS ts%s FROM %s WHERE %I IS NOT NULL%s%s',
	              CASE WHEN d.series_column IS NULL THEN '''''::text' ELSE format('(%I)::text', d.series_column) END,
	              d.time_column,
	              CASE WHEN NOT with_value THEN ''
	                   WHEN d.value_columns IS NULL THEN format(', (%I)::float8 AS value', d.value_column)
	                   ELSE format(', ARRAY[%s] AS value',
	                               (SELECT string_agg(format('(%I)::float8', v.c), ', ' ORDER BY v.k)
	                                FROM unnest(d.value_columns) WITH ORDINALITY AS v(c, k))) END,
	              d.source::text, d.time_column,
	              CASE WHEN NOT with_value THEN ''
	                   ELSE (SELECT string_agg(format(' AND abs((%I)::float8) < ''Infinity''::float8', v.c), '' ORDER BY v.k)
	                         FROM unnest(coalesce(d.value_columns, ARRAY[d.value_column])) WITH ORDINALITY AS v(c, k)) END,
	              CASE WHEN d.series_column IS NULL THEN '' ELSE format(' AND %I IS NOT NULL', d.series_column) END)
$$;
COMMENT ON FUNCTION @extschema@._anomaly_source_sql(@extschema@.anomaly_detectors, boolean) IS
	'anomaly (internal): the query reading a detector''s source as (series, ts[, value])';

-- Fits the series in need_series (training rows up to need_cutoff, within the
-- training window), stores the models and points the series at them.
-- only_series restricts it to one series (the fallback after a failure).
-- Returns the number of models stored.
CREATE OR REPLACE FUNCTION @extschema@._anomaly_fit(d @extschema@.anomaly_detectors, need_series text[],
                                         need_cutoff timestamptz[], only_series text)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p record := @extschema@._anomaly_policy(d.options);
	mv boolean := d.value_columns IS NOT NULL;
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
			SELECT t.series, %s AS model,
			       min(t.ts) AS train_from, max(t.ts) AS train_to, count(*) AS n%s
			FROM %s(SELECT src.series, src.ts, src.value%s
			      FROM (%s) src
			      JOIN unnest($1::text[], $2::timestamptz[]) AS need(series, cutoff) ON need.series = src.series
			      WHERE src.ts <= need.cutoff AND src.ts > $4%s) t
			%s%s
			GROUP BY t.series
			HAVING count(*) >= $5
		), ins AS (
			INSERT INTO @extschema@.anomaly_models (detector, series, model, train_from, train_to, train_points, info)
			SELECT $8, fit.series, fit.model, fit.train_from, fit.train_to, fit.n, %s
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
		CASE WHEN mv THEN '@extschema@.mv_fit(t.value, $3)' ELSE '@extschema@.ts_fit(t.ts, t.value, $3)' END,
		-- An mv model knows no time: the sampling interval that missing-data
		-- events need is the median spacing of the distinct timestamps of the
		-- training rows (as ts_fit infers it, to the microsecond), added to
		-- the model's info as interval_seconds (0: unknown, as in ts_fit).
		CASE WHEN mv THEN ', coalesce(round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t.gap))'
		                  ' FILTER (WHERE t.gap > interval ''0''))::numeric, 6)::float8, 0) AS spacing' ELSE '' END,
		CASE WHEN mv THEN '(SELECT t.*, t.ts - lag(t.ts) OVER (PARTITION BY t.series ORDER BY t.ts) AS gap FROM ' ELSE '' END,
		CASE WHEN p.train_window IS NOT NULL THEN ', max(src.ts) OVER (PARTITION BY src.series) AS newest'
		     WHEN p.train_points IS NOT NULL THEN ', row_number() OVER (PARTITION BY src.series ORDER BY src.ts DESC) AS rn'
		     ELSE '' END,
		@extschema@._anomaly_source_sql(d, true),
		CASE WHEN only_series IS NULL THEN '' ELSE ' AND src.series = $9' END,
		CASE WHEN p.train_window IS NOT NULL THEN 'WHERE t.ts > t.newest - $6'
		     WHEN p.train_points IS NOT NULL THEN 'WHERE t.rn <= $7'
		     ELSE '' END,
		CASE WHEN mv THEN ') t' ELSE '' END,
		CASE WHEN mv THEN '@extschema@.mv_model_info(fit.model) || jsonb_build_object(''interval_seconds'', fit.spacing)'
		     ELSE '@extschema@.ts_model_info(fit.model)' END);
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
-- known to start an event (ev_starts), the highest score and (multivariate
-- detectors) the top column of the row with that score; u_* list the
-- anomalies for which the caller must look at the neighbouring rows in
-- anomaly_results (rows this statement writes are not visible to it).
-- Without skip_duplicates, a source with two rows for one series and timestamp
-- makes it fail with unique_violation: ON CONFLICT costs 60% more per row
-- (speculative insertion), so the caller retries with it only then.
-- It also records the gaps between the rows it scores newer than the old
-- watermark (and between the watermark and the first of them) in
-- anomaly_missing, and brings retired series with new rows back.
-- A new OUT parameter (ev_top): dropped and created again.
DROP FUNCTION @extschema@._anomaly_score(@extschema@.anomaly_detectors, interval, bigint, text, boolean);
CREATE FUNCTION @extschema@._anomaly_score(d @extschema@.anomaly_detectors, late_window interval, run_id bigint,
                                           only_series text, skip_duplicates boolean,
                                           OUT rows_scored bigint, OUT anomalies bigint,
                                           OUT ev_series_id bigint[], OUT ev_series text[], OUT ev_starts bigint[],
                                           OUT ev_peak float8[], OUT u_series_id bigint[], OUT u_ts timestamptz[],
                                           OUT ev_top text[])
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	bound timestamptz;
	missing_after float8 := (@extschema@._anomaly_policy(d.options)).missing_after;
	mv boolean := d.value_columns IS NOT NULL;
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
	--
	-- Gaps: the rows newer than the old watermark, in order with the row
	-- before each (lag; the watermark before the first), more than
	-- missing_after sampling intervals (the model's) after it.  The gap
	-- after the watermark is left to the stale event of a series that has an
	-- open one (that event covers it) and skipped for a retired series.
	-- Without missing_after ($6 NULL) step is NULL and adj is empty.
	-- Ordering every row of the run made the run 40% slower, so only the
	-- series whose new rows span more sampling intervals than they have rows
	-- (by more than half an interval: a row is missing on the grid), and
	-- those with late rows, are ordered (cand).  A series whose rows came
	-- closer together than the interval elsewhere in the run can hide a
	-- gap that way; on a regular grid (jitter under a quarter interval) none is.
	EXECUTE format($q$
		WITH st AS MATERIALIZED (
			SELECT s.series_id, s.series, s.watermark, m.train_to,
			       s.retired_at IS NOT NULL AS retired, o.series_id IS NOT NULL AS stale_open,
			       CASE WHEN $6 IS NOT NULL AND (m.info ->> 'interval_seconds')::float8 > 0
			            THEN make_interval(secs => (m.info ->> 'interval_seconds')::float8) END AS step
			FROM @extschema@.anomaly_series s
			JOIN @extschema@.anomaly_models m ON m.model_id = s.model_id
			LEFT JOIN @extschema@.anomaly_missing o ON o.series_id = s.series_id AND o.is_open
			WHERE s.detector = $1%s
		), scored AS (
			INSERT INTO @extschema@.anomaly_results AS r
				(detector, series, ts, value, expected, lower, upper, score, is_anomaly, model_id, run_id, scored_at,
				 series_id, contributions, top_column)
			SELECT $1, q.series, q.ts, %s, (q.d).score,
			       (q.d).is_anomaly, q.model_id, $3, now(), q.series_id, %s
			FROM (SELECT j.series, j.series_id, j.ts, j.value, j.model_id,
			             %s AS d
			      FROM (SELECT src.series, s.series_id, src.ts, src.value, m.model_id, m.model, s.watermark
			            FROM (%s) src
			            JOIN @extschema@.anomaly_series s ON s.detector = $1 AND s.series = src.series%s
			            JOIN @extschema@.anomaly_models m ON m.model_id = s.model_id
			            WHERE src.ts > $2%s AND (s.watermark IS NULL OR src.ts > s.watermark - $4)
			            OFFSET 0) j
			      WHERE j.watermark IS NULL OR j.ts > j.watermark
			         OR NOT EXISTS (SELECT 1 FROM @extschema@.anomaly_results o
			                        WHERE o.ts = j.ts AND o.series_id = j.series_id AND o.ts > $2)
			      OFFSET 0) q%s
			%s
			RETURNING r.series_id, r.ts, r.is_anomaly, CASE WHEN r.is_anomaly THEN r.score END AS score, r.top_column
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
			    last_scored_at = now(),
			    retired_at = CASE WHEN per.newest > s.watermark OR s.watermark IS NULL THEN NULL ELSE s.retired_at END
			FROM per
			JOIN st ON st.series_id = per.series_id
			LEFT JOIN stale ON stale.series_id = per.series_id
			WHERE s.detector = $1 AND s.series_id = per.series_id
			RETURNING per.series_id, per.n, per.a
		), cand AS (
			SELECT st.*
			FROM per JOIN st ON st.series_id = per.series_id
			WHERE st.step IS NOT NULL
			  AND (per.oldest <= st.watermark
			       OR per.newest - coalesce(st.watermark, per.oldest)
			          > st.step * (per.n - CASE WHEN st.watermark IS NULL THEN 1 ELSE 0 END + 0.5))
		), adj AS (
			SELECT sc.series_id, sc.ts, c.series, c.step, c.watermark, c.retired, c.stale_open,
			       lag(sc.ts, 1, c.watermark) OVER (PARTITION BY sc.series_id ORDER BY sc.ts) AS prev
			FROM scored sc JOIN cand c ON c.series_id = sc.series_id
			WHERE c.watermark IS NULL OR sc.ts > c.watermark
		), gap AS (
			SELECT g.*, (round(extract(epoch FROM g.ts - g.prev) / extract(epoch FROM g.step)) - 1)::bigint AS m
			FROM adj g
			WHERE g.ts - g.prev > g.step * $6
			  AND NOT (g.prev = g.watermark AND (g.retired OR g.stale_open))
		), gap_ins AS (
			INSERT INTO @extschema@.anomaly_missing
				(detector, series, series_id, cause, started_at, ended_at, missing_rows, sampling_interval, run_id)
			SELECT $1, g.series, g.series_id, 'gap', g.prev + g.step, g.prev + g.step * g.m, g.m, g.step, $3
			FROM gap g WHERE g.m >= 1
			ON CONFLICT (series_id, started_at) DO NOTHING
		), anoms AS (
			SELECT a.series_id, a.ts, a.score, a.top, st.series, st.watermark, per.oldest,
			       cardinality(a.ts) > 1 OR coalesce(per.oldest <= st.watermark, false) AS needs_gaps
			FROM (SELECT sc.series_id, array_agg(sc.ts ORDER BY sc.ts) AS ts, array_agg(sc.score ORDER BY sc.ts) AS score,
			             array_agg(sc.top_column ORDER BY sc.ts) AS top
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
			SELECT an.series_id, an.series, u.ts, u.score, u.top,
			       CASE WHEN g.gap IS NOT NULL OR (NOT an.needs_gaps AND u.ts > an.oldest) THEN 's'
			            WHEN u.k = 1 AND an.watermark IS NULL THEN 's'
			            WHEN u.k > 1 AND (an.watermark IS NULL OR an.ts[u.k - 1] > an.watermark) THEN 'c'
			            WHEN u.ts > an.watermark THEN
			                 CASE WHEN (SELECT prev.is_anomaly FROM @extschema@.anomaly_results prev
			                            WHERE prev.ts = an.watermark AND prev.series_id = an.series_id) THEN 'c'
			                      ELSE 's' END
			            ELSE 'u' END AS mark
			FROM anoms an
			CROSS JOIN LATERAL unnest(an.ts, an.score, an.top) WITH ORDINALITY AS u(ts, score, top, k)
			LEFT JOIN gaps g ON g.series_id = an.series_id AND g.gap = u.k - 1
		)
		SELECT (SELECT coalesce(sum(n), 0) FROM upd)::bigint,
		       (SELECT coalesce(sum(a), 0) FROM upd)::bigint,
		       e.series_id, e.series, e.starts, e.peak, un.series_id, un.ts, e.top
		FROM (SELECT coalesce(array_agg(m.series_id ORDER BY m.series), '{}') AS series_id,
		             coalesce(array_agg(m.series ORDER BY m.series), '{}') AS series,
		             coalesce(array_agg(m.starts ORDER BY m.series), '{}') AS starts,
		             coalesce(array_agg(m.peak ORDER BY m.series), '{}') AS peak,
		             coalesce(array_agg(m.top ORDER BY m.series), '{}') AS top
		      FROM (SELECT m.series_id, m.series, count(*) FILTER (WHERE m.mark = 's') AS starts, max(m.score) AS peak,
		                   (array_agg(m.top ORDER BY m.score DESC NULLS LAST, m.ts))[1] AS top
		            FROM marked m GROUP BY m.series_id, m.series) m) e,
		     (SELECT coalesce(array_agg(m.series_id ORDER BY m.series_id, m.ts), '{}') AS series_id,
		             coalesce(array_agg(m.ts ORDER BY m.series_id, m.ts), '{}') AS ts
		      FROM marked m WHERE m.mark = 'u') un
		$q$,
		CASE WHEN only_series IS NULL THEN '' ELSE ' AND s.series = $5' END,
		-- value, expected, lower, upper; contributions, top_column; the scoring.
		-- A multivariate row's value is that of its top column (the first of
		-- the largest contributions; at distance 0 they are all 0: the first column).
		CASE WHEN mv THEN 'q.value[top.k], NULL, NULL, NULL' ELSE 'q.value, (q.d).expected, (q.d).lower, (q.d).upper' END,
		CASE WHEN mv THEN '(q.d).contributions, $7[top.k]' ELSE 'NULL, NULL' END,
		CASE WHEN mv THEN '@extschema@.mv_detect(j.model, j.value)' ELSE '@extschema@.ts_detect(j.model, j.ts, j.value)' END,
		@extschema@._anomaly_source_sql(d, true),
		CASE WHEN only_series IS NULL THEN '' ELSE ' AND s.series = $5' END,
		CASE WHEN only_series IS NULL THEN '' ELSE ' AND src.series = $5' END,
		CASE WHEN mv THEN E'\n\t\t\tCROSS JOIN LATERAL (SELECT array_position((q.d).contributions, '
		                  '(SELECT max(c) FROM unnest((q.d).contributions) c)) AS k) top' ELSE '' END,
		CASE WHEN skip_duplicates THEN ' ON CONFLICT (ts, series_id) DO NOTHING' ELSE '' END)
	INTO rows_scored, anomalies, ev_series_id, ev_series, ev_starts, ev_peak, u_series_id, u_ts, ev_top
	USING d.name, bound, run_id, late_window, only_series, missing_after, d.value_columns;
END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_score(@extschema@.anomaly_detectors, interval, bigint, text, boolean) IS
	'anomaly (internal): scores new and late rows of a detector and advances the watermarks';

-- The run itself, as the detector's owner (see anomaly_run, which calls it).
-- caller is the role that called anomaly_run (anomaly_runs.run_by).
CREATE OR REPLACE FUNCTION @extschema@._anomaly_run(
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
	ev_top text[] := '{}';
	u_series_id bigint[] := '{}';
	u_ts timestamptz[] := '{}';
	top jsonb;
	clock timestamptz;
	missing_events integer;
	top_missing jsonb;
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
	FOREACH col IN ARRAY ARRAY[d.time_column, d.value_column, d.series_column] || d.value_columns LOOP
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
		ev_top := one.ev_top;
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
				ev_top := ev_top || one.ev_top;
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

	-- 4. Stale series: a series whose newest scored row is more than
	--    missing_after sampling intervals older than the clock (the newest
	--    row of the detector over all series, or with missing_clock "run" the
	--    run's time) gets one open stale event, extended while it stays so
	--    and closed when it is no longer stale or is retired.
	IF p.missing_after IS NULL THEN
		UPDATE @extschema@.anomaly_missing o SET is_open = false WHERE o.detector = d.name AND o.is_open;
	ELSE
		clock := CASE WHEN p.missing_clock = 'run' THEN now()
		              ELSE (SELECT max(x.watermark) FROM @extschema@.anomaly_series x WHERE x.detector = d.name) END;
		UPDATE @extschema@.anomaly_missing o
		SET is_open = coalesce(c.stale, false),
		    ended_at = CASE WHEN c.stale THEN greatest(o.ended_at, c.watermark + c.step * c.m) ELSE o.ended_at END,
		    missing_rows = CASE WHEN c.stale THEN greatest(o.missing_rows, c.m) ELSE o.missing_rows END
		FROM @extschema@.anomaly_missing o2
		LEFT JOIN @extschema@._anomaly_stale(d.name, clock, p.missing_after) c ON c.series_id = o2.series_id
		WHERE o2.detector = d.name AND o2.is_open
		  AND o.series_id = o2.series_id AND o.started_at = o2.started_at;
		-- A series that comes back to a stretch recorded before (same
		-- watermark, e.g. after missing_after was raised and lowered again)
		-- reopens it without a new event.
		INSERT INTO @extschema@.anomaly_missing AS o
			(detector, series, series_id, cause, started_at, ended_at, missing_rows, sampling_interval, is_open, run_id)
		SELECT d.name, c.series, c.series_id, 'stale', c.watermark + c.step, c.watermark + c.step * c.m, c.m, c.step,
		       true, run_id
		FROM @extschema@._anomaly_stale(d.name, clock, p.missing_after) c
		WHERE c.stale
		  AND NOT EXISTS (SELECT 1 FROM @extschema@.anomaly_missing x WHERE x.series_id = c.series_id AND x.is_open)
		ON CONFLICT (series_id, started_at) DO UPDATE
		SET is_open = true, ended_at = greatest(o.ended_at, excluded.ended_at),
		    missing_rows = greatest(o.missing_rows, excluded.missing_rows);
	END IF;
	SELECT count(*), coalesce(jsonb_agg(jsonb_build_object('series', left(t.series, 100), 'cause', t.cause,
	                                                       'started_at', t.started_at, 'ended_at', t.ended_at,
	                                                       'missing_rows', t.missing_rows)
	                                    ORDER BY t.missing_rows DESC, t.series, t.started_at)
	                          FILTER (WHERE t.rank <= 5), '[]')
	INTO missing_events, top_missing
	FROM (SELECT o.*, row_number() OVER (ORDER BY o.missing_rows DESC, o.series, o.started_at) AS rank
	      FROM @extschema@.anomaly_missing o WHERE o.run_id = _anomaly_run.run_id) t;

	-- 5. New events: anomalous rows of this run that start an event, i.e. whose
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
		SELECT e.series, e.starts + coalesce(l.starts, 0) AS events, e.peak, e.top
		FROM unnest(ev_series_id, ev_series, ev_starts, ev_peak, ev_top) AS e(series_id, series, starts, peak, top)
		LEFT JOIN looked l ON l.series_id = e.series_id
		WHERE e.starts + coalesce(l.starts, 0) > 0
	)
	SELECT coalesce(sum(r.events), 0),
	       coalesce(jsonb_agg(jsonb_build_object('series', left(r.series, 100), 'new_events', r.events,
	                                             'peak_score', r.peak)
	                          -- multivariate detectors: the column that contributes most at the peak
	                          || CASE WHEN r.top IS NOT NULL THEN jsonb_build_object('top_column', r.top) ELSE '{}' END
	                          ORDER BY r.peak DESC NULLS LAST, r.series)
	                FILTER (WHERE r.rank <= 5), '[]')
	INTO new_events, top
	FROM (SELECT ranked.*, row_number() OVER (ORDER BY ranked.peak DESC NULLS LAST, ranked.series) AS rank
	      FROM ranked) r;

	new_events := new_events + missing_events;
	IF new_events > 0 THEN
		payload := jsonb_build_object('detector', name, 'run_id', run_id, 'new_events', new_events,
		                              'anomalies', anomalies, 'top_series', top,
		                              'missing_events', missing_events, 'missing', top_missing)::text;
		PERFORM pg_notify('anomaly', payload);
	END IF;

	SELECT count(*) INTO series FROM @extschema@.anomaly_series x WHERE x.detector = d.name;
	failures := jsonb_array_length(fails);
	duration := clock_timestamp() - started;
	INSERT INTO @extschema@.anomaly_runs (run_id, detector, started_at, finished_at, series, fitted, rows_scored,
	                                      anomalies, new_events, failures, failure_details, run_by, missing_events)
	VALUES (run_id, d.name, started, started + duration, series, fitted, rows_scored,
	        anomalies, new_events, failures, fails, caller, missing_events);
END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_run(text, name) IS
	'anomaly (internal): the run of anomaly_run, called as the detector''s owner';

-- ---------------------------------------------------------------------------
-- mv-gmm: method gmm of mv_fit (a Gaussian mixture, k by BIC), its options in
-- the comment of mv_fit(float8[], jsonb), mv_log_likelihood, and the comment
-- of mv_detection (what distance means for gmm).
-- ---------------------------------------------------------------------------

COMMENT ON AGGREGATE @extschema@.mv_fit(float8[], jsonb) IS
'As mv_fit(features), with options: method ("gaussian", "pca" or "gmm"), standardize (default true), threshold (the distance at score 1) or false_alarm_rate (default 0.001); pca: components (share of variance or count); gmm: components (the most mixture components BIC chooses among, default 5, at most 16), min_components (default 1), reg_covar (default 1e-6). NULL options are the defaults.';

CREATE FUNCTION @extschema@.mv_log_likelihood(model bytea, features float8[])
RETURNS float8
AS 'MODULE_PATHNAME', 'mv_log_likelihood'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.mv_log_likelihood(bytea, float8[]) IS
'Log density of a feature vector under an mv_fit model, in the units of the features: the mixture''s for method gmm, the robust Gaussian''s for gaussian; NULL for pca.';

COMMENT ON TYPE @extschema@.mv_detection IS
'result of mv_detect: score (0 at the centre, 1 at the edge of normal), flag (score > 1), distance (robust Mahalanobis; for gmm sqrt(2 (peak - log-likelihood)); score = distance / threshold), and each feature''s share of the squared distance (they sum to 1)';

-- ---------------------------------------------------------------------------
-- Runs plan without nested-loop joins (stale statistics of a new detector's
-- tables made a first run of 1,000 series take 97 s).
-- ---------------------------------------------------------------------------
ALTER FUNCTION @extschema@._anomaly_run(text, name) SET enable_nestloop = off;

-- ---------------------------------------------------------------------------
-- ts-shape: the shape component of ts_fit (options shape and window, model
-- format version 3) and the window function ts_anomaly (issue 15).
-- ---------------------------------------------------------------------------
COMMENT ON AGGREGATE @extschema@.ts_fit(timestamptz, float8, jsonb) IS
  'fits a time-series anomaly model to (ts, value) rows with options (method, period, trend, threshold, confidence, false_alarm_rate, exclude_outliers, interval, direction, shape, window)';

CREATE TYPE @extschema@.ts_anomaly_result AS (
  expected float8,
  lower float8,
  upper float8,
  score float8,
  is_anomaly boolean,
  level float8,
  seasonal float8,
  point_score float8,
  shape_score float8,
  shift_score float8
);
COMMENT ON TYPE @extschema@.ts_anomaly_result IS
  'result of ts_anomaly: ts_detect''s fields (score the larger of point_score and shape_score), and the point, shape and shift scores (1 = edge of normal)';

CREATE FUNCTION @extschema@.ts_anomaly(model bytea, ts timestamptz, value float8)
RETURNS @extschema@.ts_anomaly_result AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE WINDOW PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.ts_anomaly(bytea, timestamptz, float8) IS
  'window function: scores each row with its context (point, shape of the last window, sustained shifts); use OVER (PARTITION BY series ORDER BY ts)';

-- ---------------------------------------------------------------------------
-- ts-anomaly-detectors: univariate detector runs score new rows with
-- ts_anomaly over warm-up + new rows, and results carry the point, shape and
-- shift scores (issue 15, item 3).
-- ---------------------------------------------------------------------------
ALTER TABLE @extschema@.anomaly_results
	ADD COLUMN point_score float8, ADD COLUMN shape_score float8, ADD COLUMN shift_score float8;
COMMENT ON COLUMN @extschema@.anomaly_results.point_score IS
	'univariate detectors: the row''s own score (ts_score); score is the larger of it and shape_score';
COMMENT ON COLUMN @extschema@.anomaly_results.shape_score IS
	'univariate detectors with the shape component: the score of the window of the last w rows ending at the row (NULL for late rows)';
COMMENT ON COLUMN @extschema@.anomaly_results.shift_score IS
	'univariate detectors: the sustained level and spread shift score (CUSUM), not part of score (NULL for late rows)';

-- The warm-up span of a univariate model: how far before a series' watermark
-- a run reads rows to give ts_anomaly the context of the first new rows.
-- The shape window of a new row is its last w rows, with no step longer than
-- two sampling intervals between them (else ts_anomaly restarts the window),
-- so the w - 1 rows before it lie within 2 (w - 1) intervals of it; one more
-- interval absorbs the rounding of interval_seconds.  At least 10 rows are
-- read even without the shape component, so that the shift CUSUMs of a
-- run's first rows are not started from nothing (a run of one row a minute
-- would otherwise never see a shift).  NULL without a sampling interval
-- (no warm-up).
CREATE FUNCTION @extschema@._anomaly_warm_span(info jsonb)
RETURNS interval
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE WHEN (info ->> 'interval_seconds')::float8 > 0 THEN
	       make_interval(secs => (2 * greatest(coalesce((info -> 'shape' ->> 'window')::int - 1, 0), 10) + 1)
	                             * (info ->> 'interval_seconds')::float8) END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_warm_span(jsonb) IS
	'anomaly (internal): how far before the watermark a run reads warm-up rows for a univariate model';

-- The rows a multivariate run scores (q in _anomaly_score): the rows newer
-- than the watermark and the late rows without a result, each scored on its
-- own by mv_detect.  one_series: restricted to the series $5.
CREATE FUNCTION @extschema@._anomaly_rows_mv_sql(d @extschema@.anomaly_detectors, one_series boolean)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT format($q$(SELECT j.series, j.series_id, j.ts, j.value, j.model_id,
			             @extschema@.mv_detect(j.model, j.value) AS d
			      FROM (SELECT src.series, s.series_id, src.ts, src.value, m.model_id, m.model, s.watermark
			            FROM (%s) src
			            JOIN @extschema@.anomaly_series s ON s.detector = $1 AND s.series = src.series%s
			            JOIN @extschema@.anomaly_models m ON m.model_id = s.model_id
			            WHERE src.ts > $2%s AND (s.watermark IS NULL OR src.ts > s.watermark - $4)
			            OFFSET 0) j
			      WHERE j.watermark IS NULL OR j.ts > j.watermark
			         OR NOT EXISTS (SELECT 1 FROM @extschema@.anomaly_results o
			                        WHERE o.ts = j.ts AND o.series_id = j.series_id AND o.ts > $2)
			      OFFSET 0) q$q$,
	              @extschema@._anomaly_source_sql(d, true),
	              CASE WHEN one_series THEN ' AND s.series = $5' ELSE '' END,
	              CASE WHEN one_series THEN ' AND src.series = $5' ELSE '' END)
$$;
COMMENT ON FUNCTION @extschema@._anomaly_rows_mv_sql(@extschema@.anomaly_detectors, boolean) IS
	'anomaly (internal): the rows a run of a multivariate detector scores, with mv_detect';

-- The rows a univariate run scores (q in _anomaly_score), with their context:
-- ts_anomaly runs over each series' rows in time order, from the warm-up rows
-- (the source rows at or before the watermark within its model's warm-up
-- span, _anomaly_warm_span) to the newest, and only the rows newer than the
-- watermark (new) and the late rows without a result (late) are kept.  The
-- warm-up rows give the first new rows the shape window they would have had
-- in one run over all rows; the shift CUSUMs start at the warm-up's first
-- row.  A late row is scored on its own: its score and flag are the point
-- score's (as ts_detect's), its shape and shift scores NULL, since its
-- context is not read in full and rows after it were scored without it.
-- The model's warm-up span is computed once per model (OFFSET 0), not per row.
CREATE FUNCTION @extschema@._anomaly_rows_ts_sql(d @extschema@.anomaly_detectors, one_series boolean)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT format($q$(SELECT k.series, k.series_id, k.ts, k.value, k.model_id, k.late, k.d
			      FROM (SELECT j.*, @extschema@.ts_anomaly(j.model, j.ts, j.value)
			                          OVER (PARTITION BY j.series_id ORDER BY j.ts) AS d
			            FROM (SELECT j.*, j.watermark IS NULL OR j.ts > j.watermark AS new,
			                         j.watermark IS NOT NULL AND j.ts <= j.watermark AND j.ts > j.watermark - $4
			                         AND NOT EXISTS (SELECT 1 FROM @extschema@.anomaly_results o
			                                         WHERE o.ts = j.ts AND o.series_id = j.series_id
			                                           AND o.ts > $2) AS late
			                  FROM (SELECT src.series, s.series_id, src.ts, src.value, m.model_id, m.model,
			                               s.watermark, m.warm_span
			                        FROM (%s) src
			                        JOIN @extschema@.anomaly_series s ON s.detector = $1 AND s.series = src.series%s
			                        JOIN (SELECT m.model_id, m.model, @extschema@._anomaly_warm_span(m.info) AS warm_span
			                              FROM @extschema@.anomaly_models m WHERE m.detector = $1 OFFSET 0) m
			                          ON m.model_id = s.model_id
			                        WHERE src.ts > $2%s
			                          AND (s.watermark IS NULL OR src.ts > s.watermark - greatest($4, m.warm_span))
			                        OFFSET 0) j
			                  OFFSET 0) j
			            WHERE j.new OR j.late OR j.ts > j.watermark - j.warm_span) k
			      WHERE k.new OR k.late) q$q$,
	              @extschema@._anomaly_source_sql(d, true),
	              CASE WHEN one_series THEN ' AND s.series = $5' ELSE '' END,
	              CASE WHEN one_series THEN ' AND src.series = $5' ELSE '' END)
$$;
COMMENT ON FUNCTION @extschema@._anomaly_rows_ts_sql(@extschema@.anomaly_detectors, boolean) IS
	'anomaly (internal): the rows a run of a univariate detector scores, with ts_anomaly over their context';

-- Scores the rows of series with a model that are newer than their watermark
-- (and the late rows within late_window that have no result yet), writes the
-- results and advances the watermarks.  only_series restricts it to one series.
-- ev_* give, per series with anomalies in this run, the anomalies
-- known to start an event (ev_starts), the highest score and (multivariate
-- detectors) the top column of the row with that score; u_* list the
-- anomalies for which the caller must look at the neighbouring rows in
-- anomaly_results (rows this statement writes are not visible to it).
-- Without skip_duplicates, a source with two rows for one series and timestamp
-- makes it fail with unique_violation: ON CONFLICT costs 60% more per row
-- (speculative insertion), so the caller retries with it only then.
-- It also records the gaps between the rows it scores newer than the old
-- watermark (and between the watermark and the first of them) in
-- anomaly_missing, and brings retired series with new rows back.
CREATE OR REPLACE FUNCTION @extschema@._anomaly_score(d @extschema@.anomaly_detectors, late_window interval, run_id bigint,
                                           only_series text, skip_duplicates boolean,
                                           OUT rows_scored bigint, OUT anomalies bigint,
                                           OUT ev_series_id bigint[], OUT ev_series text[], OUT ev_starts bigint[],
                                           OUT ev_peak float8[], OUT u_series_id bigint[], OUT u_ts timestamptz[],
                                           OUT ev_top text[])
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	bound timestamptz;
	missing_after float8 := (@extschema@._anomaly_policy(d.options)).missing_after;
	mv boolean := d.value_columns IS NOT NULL;
BEGIN
	-- Rows older than every series' watermark minus late_window (and, for a
	-- univariate detector, minus the warm-up span of its model) need not be read.
	SELECT min(coalesce(s.watermark - greatest(late_window,
	                                           CASE WHEN NOT mv THEN @extschema@._anomaly_warm_span(m.info) END),
	                    '-infinity')) INTO bound
	FROM @extschema@.anomaly_series s
	JOIN @extschema@.anomaly_models m ON m.model_id = s.model_id
	WHERE s.detector = d.name AND (only_series IS NULL OR s.series = only_series);
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
	--
	-- Gaps: the rows newer than the old watermark, in order with the row
	-- before each (lag; the watermark before the first), more than
	-- missing_after sampling intervals (the model's) after it.  The gap
	-- after the watermark is left to the stale event of a series that has an
	-- open one (that event covers it) and skipped for a retired series.
	-- Without missing_after ($6 NULL) step is NULL and adj is empty.
	-- Ordering every row of the run made the run 40% slower, so only the
	-- series whose new rows span more sampling intervals than they have rows
	-- (by more than half an interval: a row is missing on the grid), and
	-- those with late rows, are ordered (cand).  A series whose rows came
	-- closer together than the interval elsewhere in the run can hide a
	-- gap that way; on a regular grid (jitter under a quarter interval) none is.
	EXECUTE format($q$
		WITH st AS MATERIALIZED (
			SELECT s.series_id, s.series, s.watermark, m.train_to,
			       s.retired_at IS NOT NULL AS retired, o.series_id IS NOT NULL AS stale_open,
			       CASE WHEN $6 IS NOT NULL AND (m.info ->> 'interval_seconds')::float8 > 0
			            THEN make_interval(secs => (m.info ->> 'interval_seconds')::float8) END AS step
			FROM @extschema@.anomaly_series s
			JOIN @extschema@.anomaly_models m ON m.model_id = s.model_id
			LEFT JOIN @extschema@.anomaly_missing o ON o.series_id = s.series_id AND o.is_open
			WHERE s.detector = $1%s
		), scored AS (
			INSERT INTO @extschema@.anomaly_results AS r
				(detector, series, ts, value, expected, lower, upper, score, is_anomaly, model_id, run_id, scored_at,
				 series_id, contributions, top_column, point_score, shape_score, shift_score)
			SELECT $1, q.series, q.ts, %s, %s,
			       %s, q.model_id, $3, now(), q.series_id, %s, %s
			FROM %s%s
			%s
			RETURNING r.series_id, r.ts, r.is_anomaly, CASE WHEN r.is_anomaly THEN r.score END AS score, r.top_column
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
			    last_scored_at = now(),
			    retired_at = CASE WHEN per.newest > s.watermark OR s.watermark IS NULL THEN NULL ELSE s.retired_at END
			FROM per
			JOIN st ON st.series_id = per.series_id
			LEFT JOIN stale ON stale.series_id = per.series_id
			WHERE s.detector = $1 AND s.series_id = per.series_id
			RETURNING per.series_id, per.n, per.a
		), cand AS (
			SELECT st.*
			FROM per JOIN st ON st.series_id = per.series_id
			WHERE st.step IS NOT NULL
			  AND (per.oldest <= st.watermark
			       OR per.newest - coalesce(st.watermark, per.oldest)
			          > st.step * (per.n - CASE WHEN st.watermark IS NULL THEN 1 ELSE 0 END + 0.5))
		), adj AS (
			SELECT sc.series_id, sc.ts, c.series, c.step, c.watermark, c.retired, c.stale_open,
			       lag(sc.ts, 1, c.watermark) OVER (PARTITION BY sc.series_id ORDER BY sc.ts) AS prev
			FROM scored sc JOIN cand c ON c.series_id = sc.series_id
			WHERE c.watermark IS NULL OR sc.ts > c.watermark
		), gap AS (
			SELECT g.*, (round(extract(epoch FROM g.ts - g.prev) / extract(epoch FROM g.step)) - 1)::bigint AS m
			FROM adj g
			WHERE g.ts - g.prev > g.step * $6
			  AND NOT (g.prev = g.watermark AND (g.retired OR g.stale_open))
		), gap_ins AS (
			INSERT INTO @extschema@.anomaly_missing
				(detector, series, series_id, cause, started_at, ended_at, missing_rows, sampling_interval, run_id)
			SELECT $1, g.series, g.series_id, 'gap', g.prev + g.step, g.prev + g.step * g.m, g.m, g.step, $3
			FROM gap g WHERE g.m >= 1
			ON CONFLICT (series_id, started_at) DO NOTHING
		), anoms AS (
			SELECT a.series_id, a.ts, a.score, a.top, st.series, st.watermark, per.oldest,
			       cardinality(a.ts) > 1 OR coalesce(per.oldest <= st.watermark, false) AS needs_gaps
			FROM (SELECT sc.series_id, array_agg(sc.ts ORDER BY sc.ts) AS ts, array_agg(sc.score ORDER BY sc.ts) AS score,
			             array_agg(sc.top_column ORDER BY sc.ts) AS top
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
			SELECT an.series_id, an.series, u.ts, u.score, u.top,
			       CASE WHEN g.gap IS NOT NULL OR (NOT an.needs_gaps AND u.ts > an.oldest) THEN 's'
			            WHEN u.k = 1 AND an.watermark IS NULL THEN 's'
			            WHEN u.k > 1 AND (an.watermark IS NULL OR an.ts[u.k - 1] > an.watermark) THEN 'c'
			            WHEN u.ts > an.watermark THEN
			                 CASE WHEN (SELECT prev.is_anomaly FROM @extschema@.anomaly_results prev
			                            WHERE prev.ts = an.watermark AND prev.series_id = an.series_id) THEN 'c'
			                      ELSE 's' END
			            ELSE 'u' END AS mark
			FROM anoms an
			CROSS JOIN LATERAL unnest(an.ts, an.score, an.top) WITH ORDINALITY AS u(ts, score, top, k)
			LEFT JOIN gaps g ON g.series_id = an.series_id AND g.gap = u.k - 1
		)
		SELECT (SELECT coalesce(sum(n), 0) FROM upd)::bigint,
		       (SELECT coalesce(sum(a), 0) FROM upd)::bigint,
		       e.series_id, e.series, e.starts, e.peak, un.series_id, un.ts, e.top
		FROM (SELECT coalesce(array_agg(m.series_id ORDER BY m.series), '{}') AS series_id,
		             coalesce(array_agg(m.series ORDER BY m.series), '{}') AS series,
		             coalesce(array_agg(m.starts ORDER BY m.series), '{}') AS starts,
		             coalesce(array_agg(m.peak ORDER BY m.series), '{}') AS peak,
		             coalesce(array_agg(m.top ORDER BY m.series), '{}') AS top
		      FROM (SELECT m.series_id, m.series, count(*) FILTER (WHERE m.mark = 's') AS starts, max(m.score) AS peak,
		                   (array_agg(m.top ORDER BY m.score DESC NULLS LAST, m.ts))[1] AS top
		            FROM marked m GROUP BY m.series_id, m.series) m) e,
		     (SELECT coalesce(array_agg(m.series_id ORDER BY m.series_id, m.ts), '{}') AS series_id,
		             coalesce(array_agg(m.ts ORDER BY m.series_id, m.ts), '{}') AS ts
		      FROM marked m WHERE m.mark = 'u') un
		$q$,
		CASE WHEN only_series IS NULL THEN '' ELSE ' AND s.series = $5' END,
		-- value, expected, lower, upper; score; is_anomaly; contributions,
		-- top_column; point, shape and shift scores; the rows with their scores.
		-- A multivariate row's value is that of its top column (the first of
		-- the largest contributions; at distance 0 they are all 0: the first column).
		CASE WHEN mv THEN 'q.value[top.k], NULL, NULL, NULL' ELSE 'q.value, (q.d).expected, (q.d).lower, (q.d).upper' END,
		-- score, is_anomaly: a late row's are its point score's (row-wise, as ts_detect's)
		CASE WHEN mv THEN '(q.d).score' ELSE 'CASE WHEN q.late THEN (q.d).point_score ELSE (q.d).score END' END,
		CASE WHEN mv THEN '(q.d).is_anomaly' ELSE 'CASE WHEN q.late THEN (q.d).point_score > 1 ELSE (q.d).is_anomaly END' END,
		CASE WHEN mv THEN '(q.d).contributions, $7[top.k]' ELSE 'NULL, NULL' END,
		CASE WHEN mv THEN 'NULL::float8, NULL::float8, NULL::float8'
		     ELSE '(q.d).point_score, CASE WHEN NOT q.late THEN (q.d).shape_score END, '
		          'CASE WHEN NOT q.late THEN (q.d).shift_score END' END,
		CASE WHEN mv THEN @extschema@._anomaly_rows_mv_sql(d, only_series IS NOT NULL)
		     ELSE @extschema@._anomaly_rows_ts_sql(d, only_series IS NOT NULL) END,
		CASE WHEN mv THEN E'\n\t\t\tCROSS JOIN LATERAL (SELECT array_position((q.d).contributions, '
		                  '(SELECT max(c) FROM unnest((q.d).contributions) c)) AS k) top' ELSE '' END,
		-- ts_anomaly gives the rows series by series; inserted so, they would
		-- land all over the results' key (ts, series_id) instead of at its right
		-- edge: sorting them back into time order costs less (docs/performance.md).
		CASE WHEN mv THEN '' ELSE E'\n\t\t\tORDER BY q.ts, q.series_id' END
		|| CASE WHEN skip_duplicates THEN ' ON CONFLICT (ts, series_id) DO NOTHING' ELSE '' END)
	INTO rows_scored, anomalies, ev_series_id, ev_series, ev_starts, ev_peak, u_series_id, u_ts, ev_top
	USING d.name, bound, run_id, late_window, only_series, missing_after, d.value_columns;
END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_score(@extschema@.anomaly_detectors, interval, bigint, text, boolean) IS
	'anomaly (internal): scores new and late rows of a detector and advances the watermarks';

-- anomaly_latest: the component scores of the latest row.
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

-- ts_anomaly_score (anomaly-speed): ts_anomaly's score alone, without the composite.
CREATE FUNCTION ts_anomaly_score(model bytea, ts timestamptz, value float8)
RETURNS float8 AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE WINDOW PARALLEL SAFE;
COMMENT ON FUNCTION ts_anomaly_score(bytea, timestamptz, float8) IS
  'window function: ts_anomaly''s score alone (no composite to build); use OVER (PARTITION BY series ORDER BY ts)';
