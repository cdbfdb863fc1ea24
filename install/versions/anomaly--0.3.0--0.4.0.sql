-- anomaly 0.3.0 -> 0.4.0 (ALTER EXTENSION anomaly UPDATE TO '0.4.0').
-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "ALTER EXTENSION anomaly UPDATE TO '0.4.0'" to load this file. \quit

-- Every object added or changed since 0.3.0, as the install script of 0.4.0
-- defines it; upgrade.sql checks that the upgraded schema is the same as a new
-- installation's.  Each section below names the change it belongs to.

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
