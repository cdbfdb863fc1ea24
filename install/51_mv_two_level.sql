-- The two-level form of mv_fit (docs/scaling.md): mv_fit_state(features [, options])
-- returns the partial state as a self-contained bytea (kind mv_fit_state), mv_fit_merge(state)
-- the model mv_fit returns over all the rows, byte for byte.  The support functions are mv_fit's:
-- each aggregate has mv_fit's state (_create_aggregate_like, part 01).

CREATE OR REPLACE FUNCTION mv_fit_state_final(internal)
RETURNS bytea AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mv_fit_state_final(internal) IS
  'final function of mv_fit_state: the vectors sorted and the options, as an mv_fit_state value (NULL for an empty group)';

CREATE OR REPLACE FUNCTION mv_fit_merge_transition(internal, bytea)
RETURNS internal AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mv_fit_merge_transition(internal, bytea) IS
  'transition function of mv_fit_merge and mv_fit_state(bytea): validates a state and adds its vectors (NULL states are skipped)';

SELECT _create_aggregate_like('mv_fit(float8[])', 'mv_fit_state(features float8[])',
  'mv_fit_trans', 'mv_fit_state_final',
  'partial state of mv_fit(features) as bytea, for mv_fit_merge');

SELECT _create_aggregate_like('mv_fit(float8[])', 'mv_fit_state(features float8[], options jsonb)',
  'mv_fit_trans', 'mv_fit_state_final',
  'partial state of mv_fit(features, options) as bytea, for mv_fit_merge');

SELECT _create_aggregate_like('mv_fit(float8[])', 'mv_fit_state(state bytea)',
  'mv_fit_merge_transition', 'mv_fit_state_final',
  'merges mv_fit_state values into one (rollups, adding new rows to a kept state)');

SELECT _create_aggregate_like('mv_fit(float8[])', 'mv_fit_merge(state bytea)',
  'mv_fit_merge_transition', 'mv_fit_final',
  'the model mv_fit returns over all the rows of the mv_fit_state values merged');
