-- Two-level aggregates: <name>_state(...) returns a partial state as a self-contained,
-- versioned bytea (no OIDs, no host byte order), <name>_merge(state) aggregates such
-- states into what the one-level aggregate returns over all their rows, byte for byte.
-- Shards (postgres_fdw, Citus) or time partitions compute states where the rows are; one
-- node merges them (docs/scaling.md).  The support functions are ts_fit's and catch22's.

CREATE OR REPLACE FUNCTION ts_fit_state_final(internal)
RETURNS bytea AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ts_fit_state_final(internal) IS
  'final function of ts_fit_state: the points sorted and the options, as a ts_fit_state value (NULL for an empty group)';

CREATE OR REPLACE FUNCTION ts_fit_merge_transition(internal, bytea)
RETURNS internal AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ts_fit_merge_transition(internal, bytea) IS
  'transition function of ts_fit_merge and ts_fit_state(bytea): validates a state and adds its points (NULL states are skipped)';

CREATE OR REPLACE AGGREGATE ts_fit_state(timestamptz, float8) (
  SFUNC = ts_fit_transition2,
  STYPE = internal,
  SSPACE = 16384,
  COMBINEFUNC = ts_fit_combine,
  SERIALFUNC = ts_fit_serialize,
  DESERIALFUNC = ts_fit_deserialize,
  FINALFUNC = ts_fit_state_final,
  FINALFUNC_MODIFY = READ_WRITE,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE ts_fit_state(timestamptz, float8) IS
  'partial state of ts_fit(ts, value) as bytea, for ts_fit_merge';

CREATE OR REPLACE AGGREGATE ts_fit_state(timestamptz, float8, jsonb) (
  SFUNC = ts_fit_transition3,
  STYPE = internal,
  SSPACE = 16384,
  COMBINEFUNC = ts_fit_combine,
  SERIALFUNC = ts_fit_serialize,
  DESERIALFUNC = ts_fit_deserialize,
  FINALFUNC = ts_fit_state_final,
  FINALFUNC_MODIFY = READ_WRITE,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE ts_fit_state(timestamptz, float8, jsonb) IS
  'partial state of ts_fit(ts, value, options) as bytea, for ts_fit_merge';

CREATE OR REPLACE AGGREGATE ts_fit_state(state bytea) (
  SFUNC = ts_fit_merge_transition,
  STYPE = internal,
  SSPACE = 16384,
  COMBINEFUNC = ts_fit_combine,
  SERIALFUNC = ts_fit_serialize,
  DESERIALFUNC = ts_fit_deserialize,
  FINALFUNC = ts_fit_state_final,
  FINALFUNC_MODIFY = READ_WRITE,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE ts_fit_state(bytea) IS
  'merges ts_fit_state values into one (rollups, adding new rows to a kept state)';

CREATE OR REPLACE AGGREGATE ts_fit_merge(state bytea) (
  SFUNC = ts_fit_merge_transition,
  STYPE = internal,
  SSPACE = 16384,
  COMBINEFUNC = ts_fit_combine,
  SERIALFUNC = ts_fit_serialize,
  DESERIALFUNC = ts_fit_deserialize,
  FINALFUNC = ts_fit_final,
  FINALFUNC_MODIFY = READ_WRITE,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE ts_fit_merge(bytea) IS
  'the model ts_fit returns over all the rows of the ts_fit_state values merged';

CREATE OR REPLACE FUNCTION catch22_state_final(internal)
RETURNS bytea AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION catch22_state_final(internal) IS
  'final function of catch22_state: the points sorted, as a catch22_state value (NULL for an empty group)';

CREATE OR REPLACE FUNCTION catch22_merge_transition(internal, bytea)
RETURNS internal AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION catch22_merge_transition(internal, bytea) IS
  'transition function of catch22_merge, catch24_merge and catch22_state(bytea): validates a state and adds its points';

CREATE OR REPLACE AGGREGATE catch22_state(ts timestamptz, value float8) (
  SFUNC = catch22_agg_trans,
  STYPE = internal,
  SSPACE = 16384,
  FINALFUNC = catch22_state_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = catch22_agg_combine,
  SERIALFUNC = catch22_agg_serialize,
  DESERIALFUNC = catch22_agg_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE catch22_state(timestamptz, float8) IS
  'partial state of catch22(ts, value) and catch24(ts, value) as bytea, for catch22_merge and catch24_merge';

CREATE OR REPLACE AGGREGATE catch22_state(state bytea) (
  SFUNC = catch22_merge_transition,
  STYPE = internal,
  SSPACE = 16384,
  FINALFUNC = catch22_state_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = catch22_agg_combine,
  SERIALFUNC = catch22_agg_serialize,
  DESERIALFUNC = catch22_agg_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE catch22_state(bytea) IS
  'merges catch22_state values into one';

CREATE OR REPLACE AGGREGATE catch22_merge(state bytea) (
  SFUNC = catch22_merge_transition,
  STYPE = internal,
  SSPACE = 16384,
  FINALFUNC = catch22_agg_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = catch22_agg_combine,
  SERIALFUNC = catch22_agg_serialize,
  DESERIALFUNC = catch22_agg_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE catch22_merge(bytea) IS
  'the 22 catch22 features catch22(ts, value) returns over all the rows of the catch22_state values merged';

CREATE OR REPLACE AGGREGATE catch24_merge(state bytea) (
  SFUNC = catch22_merge_transition,
  STYPE = internal,
  SSPACE = 16384,
  FINALFUNC = catch24_agg_final,
  FINALFUNC_MODIFY = READ_ONLY,
  COMBINEFUNC = catch22_agg_combine,
  SERIALFUNC = catch22_agg_serialize,
  DESERIALFUNC = catch22_agg_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE catch24_merge(bytea) IS
  'the 24 catch24 features catch24(ts, value) returns over all the rows of the catch22_state values merged';
