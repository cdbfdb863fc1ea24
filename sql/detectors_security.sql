-- Detector security: runs use the owner's rights, a role without SELECT on
-- the source can neither create nor run a detector, results are visible only
-- to the owner and to roles allowed to read the source, and identifiers are
-- quoted in the dynamic SQL.
\set SHOW_CONTEXT never
SET extra_float_digits = 0;
SET timezone = 'UTC';

CREATE ROLE regress_anomaly_owner;
CREATE ROLE regress_anomaly_reader;
CREATE ROLE regress_anomaly_outsider;

-- Names that need quoting everywhere.
CREATE TABLE "Sec Src; drop" ("Service Name" text, "Time" timestamptz, "value""q" numeric);
INSERT INTO "Sec Src; drop"
SELECT 'svc ' || s, timestamptz '2026-04-01 00:00+00' + i * interval '1 hour', 10 + i % 3 + CASE WHEN i = 15 THEN 90 ELSE 0 END
FROM generate_series(1, 2) s, generate_series(0, 23) i;
GRANT SELECT ON "Sec Src; drop" TO regress_anomaly_owner, regress_anomaly_reader;

-- The outsider may not read the source, so may not build a detector on it.
SET ROLE regress_anomaly_outsider;
SELECT anomaly_create_detector('sec', '"Sec Src; drop"', 'Time', 'value"q', 'Service Name');
RESET ROLE;

SET ROLE regress_anomaly_owner;
SELECT anomaly_create_detector('sec', '"Sec Src; drop"', 'Time', 'value"q', 'Service Name', '{"threshold": 4}');
SELECT series, fitted, rows_scored, anomalies, failures FROM anomaly_run('sec');
SELECT series, ts, value FROM anomaly_results WHERE detector = 'sec' AND is_anomaly ORDER BY series;
RESET ROLE;

-- The reader sees the results (it may read the source) but may not run or change the detector.
SET ROLE regress_anomaly_reader;
SELECT count(*) AS results FROM anomaly_results WHERE detector = 'sec';
SELECT count(*) AS events FROM anomaly_events WHERE detector = 'sec';
SELECT count(*) AS latest FROM anomaly_latest WHERE detector = 'sec';
SELECT * FROM anomaly_run('sec');
SELECT anomaly_drop_detector('sec');
DELETE FROM anomaly_results WHERE detector = 'sec';
RESET ROLE;
SELECT count(*) AS results_kept FROM anomaly_results WHERE detector = 'sec';

-- The outsider sees nothing and cannot run, change or write into the detector.
SET ROLE regress_anomaly_outsider;
SELECT (SELECT count(*) FROM anomaly_detectors) AS detectors, (SELECT count(*) FROM anomaly_series) AS series,
       (SELECT count(*) FROM anomaly_models) AS models, (SELECT count(*) FROM anomaly_results) AS results,
       (SELECT count(*) FROM anomaly_runs) AS runs, (SELECT count(*) FROM anomaly_events) AS events,
       (SELECT count(*) FROM anomaly_latest) AS latest;
SELECT * FROM anomaly_run('sec');
UPDATE anomaly_detectors SET source = 'pg_class' WHERE name = 'sec';
INSERT INTO anomaly_results (detector, series, ts, value, model_id, run_id) VALUES ('sec', 'svc 1', now(), 1, 1, 1);
INSERT INTO anomaly_detectors (name, source, time_column, value_column, owner)
VALUES ('sec_fake', '"Sec Src; drop"', 'Time', 'value"q', 'regress_anomaly_owner');
RESET ROLE;
SELECT name, source FROM anomaly_detectors;

-- Detector names are unique over all roles.  Taking a name in use says
-- "already exists" only to a role that can see that detector; the outsider,
-- who cannot, learns only that the name is not available.
CREATE TABLE sec_other (ts timestamptz, v float8);
GRANT SELECT ON sec_other TO regress_anomaly_outsider, regress_anomaly_reader;
SET ROLE regress_anomaly_outsider;
SELECT anomaly_create_detector('sec', 'sec_other', 'ts', 'v');
SELECT anomaly_create_detector('sec_outsider', 'sec_other', 'ts', 'v');
RESET ROLE;
SET ROLE regress_anomaly_reader;
SELECT anomaly_create_detector('sec', 'sec_other', 'ts', 'v');
RESET ROLE;
-- Nor is the outsider's detector confirmed to the owner, who cannot see it.
SET ROLE regress_anomaly_owner;
SELECT anomaly_create_detector('sec_outsider', '"Sec Src; drop"', 'Time', 'value"q');
RESET ROLE;
SELECT name, owner FROM anomaly_detectors ORDER BY name;
SELECT anomaly_drop_detector('sec_outsider');
DROP TABLE sec_other;

-- Once the owner loses SELECT on the source, it cannot run its detector either.
REVOKE SELECT ON "Sec Src; drop" FROM regress_anomaly_owner;
SET ROLE regress_anomaly_owner;
SELECT * FROM anomaly_run('sec');
RESET ROLE;
-- Column privileges are enough.
GRANT SELECT ("Service Name", "Time", "value""q") ON "Sec Src; drop" TO regress_anomaly_owner;
INSERT INTO "Sec Src; drop" VALUES ('svc 1', timestamptz '2026-04-02 00:00+00', 11);
SET ROLE regress_anomaly_owner;
SELECT series, fitted, rows_scored, failures FROM anomaly_run('sec');
RESET ROLE;
-- A member of the owner (not a superuser) runs it too, as the owner; the log
-- names the member.
CREATE ROLE regress_anomaly_member IN ROLE regress_anomaly_owner;
INSERT INTO "Sec Src; drop" VALUES ('svc 1', timestamptz '2026-04-02 01:00+00', 11);
SET ROLE regress_anomaly_member;
SELECT series, fitted, rows_scored, failures FROM anomaly_run('sec');
SELECT run_by FROM anomaly_runs WHERE detector = 'sec' ORDER BY run_id;
SELECT anomaly_drop_detector('sec');
RESET ROLE;
DROP ROLE regress_anomaly_member;

SELECT count(*) AS left_over FROM anomaly_detectors WHERE name = 'sec';
DROP TABLE "Sec Src; drop";

-- A run uses the rights of the detector's owner, whoever calls it.  A role
-- builds a detector over a view that calls its function, which tries to make
-- the role superuser: directly, after RESET ROLE and after SET SESSION
-- AUTHORIZATION.  A superuser running that detector (a job running everyone's
-- detectors), directly or after SET ROLE, must lend it none of its rights.
CREATE ROLE regress_anomaly_mallory;
CREATE SCHEMA regress_mal AUTHORIZATION regress_anomaly_mallory;
SET ROLE regress_anomaly_mallory;
CREATE TABLE regress_mal.src (ts timestamptz, v float8);
INSERT INTO regress_mal.src
SELECT timestamptz '2026-04-01 00:00+00' + i * interval '1 hour', 10 + i % 3 FROM generate_series(0, 23) i;
CREATE TABLE regress_mal.seen (who name, attempt text, outcome text);
CREATE FUNCTION regress_mal.probe() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	attempt text;
BEGIN
	-- ALTER ROLE directly, then after RESET ROLE, then after SET SESSION AUTHORIZATION.
	FOREACH attempt IN ARRAY ARRAY['ALTER ROLE', 'RESET ROLE', 'SET SESSION AUTHORIZATION'] LOOP
		BEGIN
			IF attempt = 'RESET ROLE' THEN
				RESET ROLE;
			ELSIF attempt = 'SET SESSION AUTHORIZATION' THEN
				SET SESSION AUTHORIZATION DEFAULT;
			END IF;
			ALTER ROLE regress_anomaly_mallory SUPERUSER;
			INSERT INTO regress_mal.seen VALUES (current_user, attempt, 'done');
		EXCEPTION WHEN OTHERS THEN
			INSERT INTO regress_mal.seen VALUES (current_user, attempt, SQLERRM);
		END;
	END LOOP;
	-- Temporary objects that would stand in for names the caller uses later.
	CREATE OR REPLACE TEMP VIEW anomaly_detectors AS SELECT 'shadow' AS name;
	IF to_regtype('pg_temp.mal_domain') IS NULL THEN
		CREATE TEMP TABLE mal_table (x int);
		CREATE TEMP SEQUENCE mal_sequence;
		CREATE DOMAIN pg_temp.mal_domain AS int;
	END IF;
	RETURN true;
END
$$;
CREATE VIEW regress_mal.v AS SELECT ts, v FROM regress_mal.src WHERE regress_mal.probe();
SELECT anomaly_create_detector('sec_mal', 'regress_mal.v', 'ts', 'v', NULL, '{"threshold": 4}');
RESET ROLE;
TRUNCATE regress_mal.seen;
SELECT series, fitted, rows_scored, failures FROM anomaly_run('sec_mal');
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_anomaly_mallory';
SELECT who, attempt, outcome, count(*) > 0 AS seen FROM regress_mal.seen GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
-- The run is logged as the caller's, and the caller is itself again.
SELECT run_by = session_user AS run_by_caller FROM anomaly_runs WHERE detector = 'sec_mal';
SELECT current_user = session_user AS caller_restored;
-- What the owner's code created in the caller's temporary schema is gone.
SELECT count(*) AS anomaly_detectors FROM anomaly_detectors WHERE name = 'sec_mal';
SELECT c.relname, t.typname FROM pg_class c FULL JOIN pg_type t ON false
WHERE c.relnamespace = pg_my_temp_schema() OR (t.typnamespace = pg_my_temp_schema() AND t.typtype = 'd');
-- The same after SET ROLE to the owner (RESET ROLE would otherwise give the
-- session user back).
TRUNCATE regress_mal.seen;
INSERT INTO regress_mal.src VALUES (timestamptz '2026-04-02 00:00+00', 11);
SET ROLE regress_anomaly_mallory;
-- A temporary table of the owner's from before the run is its own: it stays.
CREATE TEMP TABLE mal_own (x int);
SELECT series, fitted, rows_scored, failures FROM anomaly_run('sec_mal');
SELECT c.relname, t.typname FROM pg_class c FULL JOIN pg_type t ON false
WHERE c.relnamespace = pg_my_temp_schema() OR (t.typnamespace = pg_my_temp_schema() AND t.typtype = 'd');
DROP TABLE mal_own;
RESET ROLE;
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_anomaly_mallory';
SELECT who, attempt, outcome, count(*) > 0 AS seen FROM regress_mal.seen GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
-- No temporary function is left behind.
SELECT count(*) AS temp_functions FROM pg_proc WHERE proname = '_anomaly_run_as_owner';
SELECT anomaly_drop_detector('sec_mal');
DROP SCHEMA regress_mal CASCADE;
DROP ROLE regress_anomaly_mallory;
DROP ROLE regress_anomaly_owner;
DROP ROLE regress_anomaly_reader;
DROP ROLE regress_anomaly_outsider;
