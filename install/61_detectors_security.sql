
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
	@extschema@.anomaly_series, @extschema@.anomaly_results, @extschema@.anomaly_runs,
	@extschema@.anomaly_missing TO PUBLIC;
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
ALTER TABLE @extschema@.anomaly_missing ENABLE ROW LEVEL SECURITY;

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
CREATE POLICY anomaly_missing_read ON @extschema@.anomaly_missing FOR SELECT
	USING (detector IN (SELECT d.name FROM @extschema@.anomaly_detectors d));
CREATE POLICY anomaly_missing_write ON @extschema@.anomaly_missing FOR ALL
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
COMMENT ON POLICY anomaly_missing_read ON @extschema@.anomaly_missing IS 'visible when the detector is';
COMMENT ON POLICY anomaly_missing_write ON @extschema@.anomaly_missing IS 'written by members of the detector owner';
