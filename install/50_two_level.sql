-- Two-level aggregates: <name>_state(...) returns a partial state as a self-contained,
-- versioned bytea (no OIDs, no host byte order), <name>_merge(state) aggregates such
-- states into what the one-level aggregate returns over all their rows, byte for byte.
-- Shards (postgres_fdw, Citus) or time partitions compute states where the rows are; one
-- node merges them (docs/scaling.md).  The support functions are ts_fit's and catch22's: each
-- aggregate has the state of ts_fit or catch22 (_create_aggregate_like, part 01).

CREATE OR REPLACE FUNCTION ts_fit_state_final(internal)
RETURNS bytea AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ts_fit_state_final(internal) IS
  'final function of ts_fit_state: the points sorted and the options, as a ts_fit_state value (NULL for an empty group)';

CREATE OR REPLACE FUNCTION ts_fit_merge_transition(internal, bytea)
RETURNS internal AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ts_fit_merge_transition(internal, bytea) IS
  'transition function of ts_fit_merge and ts_fit_state(bytea): validates a state and adds its points (NULL states are skipped)';

SELECT _create_aggregate_like('ts_fit(timestamptz, float8)', 'ts_fit_state(timestamptz, float8)',
  'ts_fit_transition2', 'ts_fit_state_final',
  'partial state of ts_fit(ts, value) as bytea, for ts_fit_merge');

SELECT _create_aggregate_like('ts_fit(timestamptz, float8)', 'ts_fit_state(timestamptz, float8, jsonb)',
  'ts_fit_transition3', 'ts_fit_state_final',
  'partial state of ts_fit(ts, value, options) as bytea, for ts_fit_merge');

SELECT _create_aggregate_like('ts_fit(timestamptz, float8)', 'ts_fit_state(state bytea)',
  'ts_fit_merge_transition', 'ts_fit_state_final',
  'merges ts_fit_state values into one (rollups, adding new rows to a kept state)');

SELECT _create_aggregate_like('ts_fit(timestamptz, float8)', 'ts_fit_merge(state bytea)',
  'ts_fit_merge_transition', 'ts_fit_final',
  'the model ts_fit returns over all the rows of the ts_fit_state values merged');

CREATE OR REPLACE FUNCTION catch22_state_final(internal)
RETURNS bytea AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION catch22_state_final(internal) IS
  'final function of catch22_state: the points sorted, as a catch22_state value (NULL for an empty group)';

CREATE OR REPLACE FUNCTION catch22_merge_transition(internal, bytea)
RETURNS internal AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION catch22_merge_transition(internal, bytea) IS
  'transition function of catch22_merge, catch24_merge and catch22_state(bytea): validates a state and adds its points';

SELECT _create_aggregate_like('catch22(timestamptz, float8)', 'catch22_state(ts timestamptz, value float8)',
  'catch22_agg_trans', 'catch22_state_final',
  'partial state of catch22(ts, value) and catch24(ts, value) as bytea, for catch22_merge and catch24_merge');

SELECT _create_aggregate_like('catch22(timestamptz, float8)', 'catch22_state(state bytea)',
  'catch22_merge_transition', 'catch22_state_final',
  'merges catch22_state values into one');

SELECT _create_aggregate_like('catch22(timestamptz, float8)', 'catch22_merge(state bytea)',
  'catch22_merge_transition', 'catch22_agg_final',
  'the 22 catch22 features catch22(ts, value) returns over all the rows of the catch22_state values merged');

SELECT _create_aggregate_like('catch22(timestamptz, float8)', 'catch24_merge(state bytea)',
  'catch22_merge_transition', 'catch24_agg_final',
  'the 24 catch24 features catch24(ts, value) returns over all the rows of the catch22_state values merged');
