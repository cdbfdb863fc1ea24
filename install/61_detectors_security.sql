
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
-- Created once, as part 60 (see there).
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

-- Everything derived from a detector is visible exactly when the detector is.
SELECT @extschema@._guard_by_detector('@extschema@.anomaly_models');
SELECT @extschema@._guard_by_detector('@extschema@.anomaly_series');
SELECT @extschema@._guard_by_detector('@extschema@.anomaly_results');
SELECT @extschema@._guard_by_detector('@extschema@.anomaly_runs');
-- new in 0.4.0:
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.anomaly_missing TO PUBLIC;
SELECT @extschema@._guard_by_detector('@extschema@.anomaly_missing');
-- end of new in 0.4.0
