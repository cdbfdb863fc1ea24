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
