-- The two-level form of dbscan_fit (docs/scaling.md): dbscan_fit_state(features, eps,
-- min_points [, standardize]) returns the partial state as a self-contained bytea (kind
-- dbscan_fit_state: every row, as DBSCAN needs every point), dbscan_fit_merge(state) the
-- model dbscan_fit returns over all the rows, byte for byte.  The support functions are
-- dbscan_fit's: each aggregate has dbscan_fit's state (_create_aggregate_like, part 01).

CREATE OR REPLACE FUNCTION dbscan_fit_state_final(internal)
RETURNS bytea AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dbscan_fit_state_final(internal) IS
  'final function of dbscan_fit_state: the vectors sorted and the parameters, as a dbscan_fit_state value (NULL for an empty group)';

CREATE OR REPLACE FUNCTION dbscan_fit_merge_transition(internal, bytea)
RETURNS internal AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dbscan_fit_merge_transition(internal, bytea) IS
  'transition function of dbscan_fit_merge and dbscan_fit_state(bytea): validates a state and adds its vectors (NULL states are skipped)';

SELECT _create_aggregate_like('dbscan_fit(float8[], float8, int)', 'dbscan_fit_state(features float8[], eps float8, min_points int)',
  'dbscan_fit_trans', 'dbscan_fit_state_final',
  'partial state of dbscan_fit(features, eps, min_points) as bytea, for dbscan_fit_merge');

SELECT _create_aggregate_like('dbscan_fit(float8[], float8, int)', 'dbscan_fit_state(features float8[], eps float8, min_points int, standardize boolean)',
  'dbscan_fit_trans', 'dbscan_fit_state_final',
  'partial state of dbscan_fit(features, eps, min_points, standardize) as bytea, for dbscan_fit_merge');

SELECT _create_aggregate_like('dbscan_fit(float8[], float8, int)', 'dbscan_fit_state(state bytea)',
  'dbscan_fit_merge_transition', 'dbscan_fit_state_final',
  'merges dbscan_fit_state values into one (rollups, adding new rows to a kept state)');

SELECT _create_aggregate_like('dbscan_fit(float8[], float8, int)', 'dbscan_fit_merge(state bytea)',
  'dbscan_fit_merge_transition', 'dbscan_fit_final',
  'the model dbscan_fit returns over all the rows of the dbscan_fit_state values merged');
