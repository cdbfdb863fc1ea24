
-- ---------------------------------------------------------------------------
-- Detectors: scheduling with pg_cron
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION @extschema@._anomaly_require_pg_cron()
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
		RAISE EXCEPTION 'extension "pg_cron" is not installed in this database'
			USING ERRCODE = 'undefined_object',
			      DETAIL = 'Detectors are scheduled with pg_cron.',
			      HINT = 'Install pg_cron (Debian package postgresql-15-cron), add it to shared_preload_libraries, and run CREATE EXTENSION pg_cron in the database named by cron.database_name.';
	END IF;
END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_require_pg_cron() IS
	'anomaly (internal): raises an error naming pg_cron when it is not installed';

CREATE OR REPLACE FUNCTION @extschema@.anomaly_schedule(name text, schedule text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	d @extschema@.anomaly_detectors;
	job bigint;
BEGIN
	d := @extschema@._anomaly_lock_detector(name);
	PERFORM @extschema@._anomaly_require_pg_cron();
	EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO job
		USING 'anomaly:' || d.name, schedule, format('SELECT * FROM %s.anomaly_run(%L)', '@extschema@', d.name);
	RETURN job;
END
$$;
COMMENT ON FUNCTION @extschema@.anomaly_schedule(text, text) IS
	'anomaly: runs a detector on a pg_cron schedule (job name anomaly:<name>); returns the pg_cron job id';

CREATE OR REPLACE FUNCTION @extschema@.anomaly_unschedule(name text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	d @extschema@.anomaly_detectors;
	found_job boolean;
BEGIN
	d := @extschema@._anomaly_lock_detector(name);
	PERFORM @extschema@._anomaly_require_pg_cron();
	EXECUTE 'SELECT EXISTS (SELECT 1 FROM cron.job WHERE jobname = $1)' INTO found_job USING 'anomaly:' || d.name;
	IF found_job THEN
		EXECUTE 'SELECT cron.unschedule($1::name)' USING 'anomaly:' || d.name;
	END IF;
	RETURN found_job;
END
$$;
COMMENT ON FUNCTION @extschema@.anomaly_unschedule(text) IS
	'anomaly: removes the pg_cron job of a detector; returns false when it had none';
