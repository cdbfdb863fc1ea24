
-- ---------------------------------------------------------------------------
-- Helpers that the later parts call while this script runs, so that what a
-- family of objects shares is written once.  The upgrade runs this part before
-- the sections new in this version of parts 05, 60 and 61 (see the Makefile).
-- The last part (99) drops them: neither an installation nor an upgrade keeps
-- them.
-- ---------------------------------------------------------------------------

-- _create_aggregate_like(model, signature, sfunc [, finalfunc], comment):
-- creates or replaces the aggregate signature with the state of the aggregate
-- model (its state type and SSPACE, combine, serial and deserial functions,
-- FINALFUNC_MODIFY and parallel safety), the transition function sfunc, and
-- finalfunc or else the model's final function.  The aggregates of one model
-- (ts_fit and ts_fit_state, say) differ only in what a row or a state adds
-- and in what the group returns.
CREATE OR REPLACE FUNCTION @extschema@._create_aggregate_like(model regprocedure, signature text,
	sfunc text, finalfunc text DEFAULT NULL, comment text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	a pg_catalog.pg_aggregate;
	parallel "char";
BEGIN
	SELECT * INTO STRICT a FROM pg_catalog.pg_aggregate WHERE aggfnoid = model;
	SELECT p.proparallel INTO STRICT parallel FROM pg_catalog.pg_proc p WHERE p.oid = model;
	EXECUTE format('CREATE OR REPLACE AGGREGATE %s (SFUNC = %s, STYPE = %s, SSPACE = %s, FINALFUNC = %s, '
	               'FINALFUNC_MODIFY = %s, COMBINEFUNC = %s, SERIALFUNC = %s, DESERIALFUNC = %s, PARALLEL = %s)',
		signature, sfunc, a.aggtranstype::regtype, a.aggtransspace, coalesce(finalfunc, a.aggfinalfn::text),
		CASE a.aggfinalmodify WHEN 'r' THEN 'READ_ONLY' WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END,
		a.aggcombinefn, a.aggserialfn, a.aggdeserialfn,
		CASE parallel WHEN 's' THEN 'SAFE' WHEN 'r' THEN 'RESTRICTED' ELSE 'UNSAFE' END);
	EXECUTE format('COMMENT ON AGGREGATE %s IS %L', signature, comment);
END
$$;

-- _guard_by_detector(tbl): row-level security on a table whose rows belong to
-- a detector (its column detector).  A row is visible exactly when its
-- detector is (the subqueries read anomaly_detectors under its own policies),
-- and written only by members of the detector's owner role.  The policies are
-- <table>_read and <table>_write.
CREATE OR REPLACE FUNCTION @extschema@._guard_by_detector(tbl regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	rel text := (SELECT c.relname FROM pg_catalog.pg_class c WHERE c.oid = tbl);
	writable text := $w$detector IN (SELECT d.name FROM @extschema@.anomaly_detectors d WHERE pg_catalog.pg_has_role(d.owner, 'MEMBER'))$w$;
BEGIN
	EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
	EXECUTE format('CREATE POLICY %I ON %s FOR SELECT USING (detector IN (SELECT d.name FROM @extschema@.anomaly_detectors d))',
		rel || '_read', tbl);
	EXECUTE format('CREATE POLICY %I ON %s FOR ALL USING (%s) WITH CHECK (%s)', rel || '_write', tbl, writable, writable);
	EXECUTE format('COMMENT ON POLICY %I ON %s IS %L', rel || '_read', tbl, 'visible when the detector is');
	EXECUTE format('COMMENT ON POLICY %I ON %s IS %L', rel || '_write', tbl, 'written by members of the detector owner');
END
$$;
