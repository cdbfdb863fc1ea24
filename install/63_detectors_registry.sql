
-- ---------------------------------------------------------------------------
-- Detectors: the registry.  anomaly_create_detector checks and registers a
-- detector (its options are parsed by _anomaly_policy), anomaly_drop_detector
-- removes it; _anomaly_lock_detector is shared with the run and the schedule.
-- ---------------------------------------------------------------------------

-- Parses the detector keys out of the options; the rest goes to ts_fit.
CREATE OR REPLACE FUNCTION @extschema@._anomaly_policy(
	options jsonb,
	OUT fit_options jsonb,
	OUT train_window interval,
	OUT train_points bigint,
	OUT refit_interval interval,
	OUT refit_points bigint,
	OUT min_train_points bigint,
	OUT late_window interval,
	OUT missing_after float8,
	OUT missing_clock text)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	k text;
	v jsonb;
	iv interval;
	n numeric;
BEGIN
	IF options IS NULL OR jsonb_typeof(options) <> 'object' THEN
		RAISE EXCEPTION 'detector options must be a JSON object'
			USING ERRCODE = 'invalid_parameter_value',
			      DETAIL = format('Got %s.', coalesce(jsonb_typeof(options), 'NULL'));
	END IF;
	fit_options := options - ARRAY['train_window', 'refit_every', 'min_train_points', 'late_window',
	                               'missing_after', 'missing_clock'];
	min_train_points := 10;
	late_window := interval '1 hour';
	-- Missing data: on by default, judged against the detector's own newest
	-- row (see docs/detectors.md, Missing data); false turns it off.
	missing_after := 3;
	missing_clock := 'source';
	v := options -> 'missing_after';
	IF v IS NOT NULL AND jsonb_typeof(v) <> 'null' THEN
		IF v = 'false'::jsonb THEN
			missing_after := NULL;
		ELSIF jsonb_typeof(v) = 'number' AND v::numeric >= 1 AND v::numeric <= 1000000 THEN
			missing_after := v::numeric::float8;
		ELSE
			RAISE EXCEPTION 'invalid value for option "missing_after"'
				USING ERRCODE = 'invalid_parameter_value',
				      DETAIL = format('Got %s; expected a number of sampling intervals from 1 to 1000000, or false.', v);
		END IF;
	END IF;
	v := options -> 'missing_clock';
	IF v IS NOT NULL AND jsonb_typeof(v) <> 'null' THEN
		IF v NOT IN ('"source"'::jsonb, '"run"'::jsonb) THEN
			RAISE EXCEPTION 'invalid value for option "missing_clock"'
				USING ERRCODE = 'invalid_parameter_value',
				      DETAIL = format('Got %s; expected "source" or "run".', v);
		END IF;
		missing_clock := v #>> '{}';
	END IF;
	FOR k, v IN SELECT e.key, e.value FROM jsonb_each(options) e
		WHERE e.key IN ('train_window', 'refit_every', 'min_train_points', 'late_window') AND jsonb_typeof(e.value) <> 'null'
	LOOP
		iv := NULL;
		n := NULL;
		IF jsonb_typeof(v) = 'string' AND k <> 'min_train_points' THEN
			BEGIN
				iv := (v #>> '{}')::interval;
			EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow OR interval_field_overflow THEN
				iv := NULL;
			END;
			IF iv IS NULL OR iv < interval '0' OR (iv = interval '0' AND k <> 'late_window') THEN
				RAISE EXCEPTION 'invalid value for option "%"', k
					USING ERRCODE = 'invalid_parameter_value',
					      DETAIL = format('Got %s; expected a %s interval such as ''28 days''.', v,
					                      CASE WHEN k = 'late_window' THEN 'non-negative' ELSE 'positive' END);
			END IF;
		ELSIF jsonb_typeof(v) = 'number' AND k <> 'late_window' THEN
			n := v::numeric;
			IF n < 1 OR n <> trunc(n) OR n > 9223372036854775807 THEN
				RAISE EXCEPTION 'invalid value for option "%"', k
					USING ERRCODE = 'invalid_parameter_value',
					      DETAIL = format('Got %s; expected a whole number of points of at least 1.', v);
			END IF;
		ELSE
			RAISE EXCEPTION 'invalid value for option "%"', k
				USING ERRCODE = 'invalid_parameter_value',
				      DETAIL = format('Got %s; expected %s.', v,
				                      CASE k WHEN 'min_train_points' THEN 'a whole number of points'
				                             WHEN 'late_window' THEN 'an interval such as ''1 hour'''
				                             ELSE 'an interval such as ''28 days'' or a number of points' END);
		END IF;
		CASE k
			WHEN 'train_window' THEN train_window := iv; train_points := n;
			WHEN 'refit_every' THEN refit_interval := iv; refit_points := n;
			WHEN 'min_train_points' THEN min_train_points := n;
			WHEN 'late_window' THEN late_window := iv;
		END CASE;
	END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_policy(jsonb) IS
	'anomaly (internal): splits detector options into the ts_fit options, the refit policy and the missing-data policy';

-- Checks and registers a detector: value_column for a univariate (ts_fit)
-- detector, value_columns (at least 2) for a multivariate (mv_fit) one.
CREATE OR REPLACE FUNCTION @extschema@._anomaly_create_detector(
	name text,
	source regclass,
	time_column text,
	value_column text,
	value_columns text[],
	series_column text,
	options jsonb)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	policy record;
	col text;
	typ oid;
	me regrole;
BEGIN
	IF name = '' OR octet_length(name) > 55 THEN
		RAISE EXCEPTION 'invalid detector name'
			USING ERRCODE = 'invalid_parameter_value',
			      DETAIL = 'A detector name has 1 to 55 bytes, so that its pg_cron job name fits.';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = source AND c.relkind IN ('r', 'p', 'v', 'm', 'f')) THEN
		RAISE EXCEPTION 'source % is not a table or view', source
			USING ERRCODE = 'wrong_object_type';
	END IF;
	policy := @extschema@._anomaly_policy(coalesce(options, '{}'));

	FOREACH col IN ARRAY ARRAY[time_column, value_column, series_column] || value_columns LOOP
		CONTINUE WHEN col IS NULL;
		SELECT a.atttypid INTO typ FROM pg_attribute a
		WHERE a.attrelid = source AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'column "%" of relation % does not exist', col, source
				USING ERRCODE = 'undefined_column';
		END IF;
		IF NOT has_column_privilege(source, col, 'SELECT') THEN
			RAISE EXCEPTION 'permission denied for table %', source
				USING ERRCODE = 'insufficient_privilege',
				      DETAIL = format('The detector reads column "%s", which you may not select.', col);
		END IF;
		IF col = time_column AND typ <> 'timestamptz'::regtype THEN
			RAISE EXCEPTION 'time column "%" must be of type timestamp with time zone', col
				USING ERRCODE = 'datatype_mismatch',
				      DETAIL = format('Column "%s" is of type %s.', col, format_type(typ, NULL)),
				      HINT = 'Point the detector at a view that converts it, for example ts AT TIME ZONE ''UTC''.';
		END IF;
		IF (col = value_column OR col = ANY (value_columns))
		   AND NOT EXISTS (SELECT 1 FROM pg_type t WHERE t.oid = typ AND t.typcategory = 'N') THEN
			RAISE EXCEPTION 'value column "%" must be numeric', col
				USING ERRCODE = 'datatype_mismatch',
				      DETAIL = format('Column "%s" is of type %s.', col, format_type(typ, NULL));
		END IF;
	END LOOP;

	-- The fitting function validates its own options; ask it now rather than at the first run.
	IF value_columns IS NULL THEN
		PERFORM @extschema@._anomaly_check_fit_options(policy.fit_options);
	ELSE
		PERFORM @extschema@._anomaly_check_mv_fit_options(policy.fit_options, cardinality(value_columns));
	END IF;

	SELECT r.oid::regrole INTO me FROM pg_roles r WHERE r.rolname = current_user;
	BEGIN
		INSERT INTO @extschema@.anomaly_detectors (name, source, time_column, value_column, series_column, options, owner,
		                                           value_columns)
		VALUES (name, source, time_column, value_column, series_column, coalesce(options, '{}'), me, value_columns);
	EXCEPTION WHEN unique_violation THEN
		-- Names are unique over all roles (they name the pg_cron jobs and key the
		-- other tables).  A detector the caller may not see is not confirmed:
		-- the name is only said to be taken.
		IF EXISTS (SELECT 1 FROM @extschema@.anomaly_detectors x WHERE x.name = _anomaly_create_detector.name) THEN
			RAISE EXCEPTION 'detector "%" already exists', name USING ERRCODE = 'duplicate_object';
		END IF;
		RAISE EXCEPTION 'detector name "%" is not available', name
			USING ERRCODE = 'duplicate_object',
			      DETAIL = 'Detector names are unique in the database, over all roles.',
			      HINT = 'Choose another name.';
	END;
END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_create_detector(text, regclass, text, text, text[], text, jsonb) IS
	'anomaly (internal): checks and registers a univariate or multivariate detector';

CREATE OR REPLACE FUNCTION @extschema@.anomaly_create_detector(
	name text,
	source regclass,
	time_column text,
	value_column text,
	series_column text DEFAULT NULL,
	options jsonb DEFAULT '{}')
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF name IS NULL OR source IS NULL OR time_column IS NULL OR value_column IS NULL THEN
		RAISE EXCEPTION 'name, source, time_column and value_column must not be NULL'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	PERFORM @extschema@._anomaly_create_detector(name, source, time_column, value_column, NULL, series_column, options);
END
$$;
COMMENT ON FUNCTION @extschema@.anomaly_create_detector(text, regclass, text, text, text, jsonb) IS
	'anomaly: registers a detector over a table or view (time, value and optional series columns; ts_fit options plus train_window, refit_every, min_train_points, late_window, missing_after, missing_clock)';

-- A multivariate detector: one mv_fit model per series over the vector of the
-- value columns, in their order.  One column is refused rather than taken as
-- a one-feature mv model: the one-column call (value_column text) fits ts_fit,
-- which knows the seasonality that a one-feature mv model would not.
CREATE OR REPLACE FUNCTION @extschema@.anomaly_create_detector(
	name text,
	source regclass,
	time_column text,
	value_columns text[],
	series_column text DEFAULT NULL,
	options jsonb DEFAULT '{}')
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF name IS NULL OR source IS NULL OR time_column IS NULL OR value_columns IS NULL THEN
		RAISE EXCEPTION 'name, source, time_column and value_columns must not be NULL'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF array_ndims(value_columns) > 1 THEN
		RAISE EXCEPTION 'value_columns must be a one-dimensional array of column names'
			USING ERRCODE = 'invalid_parameter_value',
			      DETAIL = format('Got an array of %s dimensions.', array_ndims(value_columns));
	END IF;
	IF array_position(value_columns, NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'value_columns must not contain NULL'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF cardinality(value_columns) < 2 THEN
		RAISE EXCEPTION 'a multivariate detector needs at least 2 value columns'
			USING ERRCODE = 'invalid_parameter_value',
			      DETAIL = format('Got %s.', cardinality(value_columns)),
			      HINT = 'For one column pass its name as text, not as an array: the detector then fits ts_fit.';
	END IF;
	IF cardinality(value_columns) > 1024 THEN
		RAISE EXCEPTION 'a multivariate detector reads at most 1024 value columns'
			USING ERRCODE = 'invalid_parameter_value',
			      DETAIL = format('Got %s.', cardinality(value_columns));
	END IF;
	IF (SELECT count(DISTINCT c) FROM unnest(value_columns) c) < cardinality(value_columns) THEN
		RAISE EXCEPTION 'value column "%" is given more than once',
			(SELECT c FROM unnest(value_columns) c GROUP BY c HAVING count(*) > 1 ORDER BY min(c) LIMIT 1)
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM @extschema@._anomaly_create_detector(name, source, time_column, NULL, value_columns, series_column, options);
END
$$;
COMMENT ON FUNCTION @extschema@.anomaly_create_detector(text, regclass, text, text[], text, jsonb) IS
	'anomaly: registers a multivariate detector over a table or view (time column, 2 or more value columns scored jointly by one mv_fit model per series, optional series column; mv_fit options plus train_window, refit_every, min_train_points, late_window, missing_after, missing_clock)';

CREATE OR REPLACE FUNCTION @extschema@.anomaly_drop_detector(name text)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	d @extschema@.anomaly_detectors;
BEGIN
	d := @extschema@._anomaly_lock_detector(name);
	IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
		PERFORM @extschema@.anomaly_unschedule(name);
	END IF;
	DELETE FROM @extschema@.anomaly_results r WHERE r.detector = d.name;
	DELETE FROM @extschema@.anomaly_detectors x WHERE x.name = d.name;
END
$$;

-- Finds a detector and locks it against concurrent runs and changes.
CREATE OR REPLACE FUNCTION @extschema@._anomaly_lock_detector(name text)
RETURNS @extschema@.anomaly_detectors
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	d @extschema@.anomaly_detectors;
	owner_role regrole;
BEGIN
	SELECT x.owner INTO owner_role FROM @extschema@.anomaly_detectors x WHERE x.name = _anomaly_lock_detector.name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'detector "%" does not exist', name USING ERRCODE = 'undefined_object';
	END IF;
	SELECT * INTO d FROM @extschema@.anomaly_detectors x WHERE x.name = _anomaly_lock_detector.name FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'permission denied for detector "%"', name
			USING ERRCODE = 'insufficient_privilege',
			      DETAIL = format('Only members of role %s may run or change it.', owner_role);
	END IF;
	RETURN d;
END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_lock_detector(text) IS
	'anomaly (internal): returns a detector row locked FOR UPDATE, or raises an error';
COMMENT ON FUNCTION @extschema@.anomaly_drop_detector(text) IS
	'anomaly: drops a detector with its models, results and run log, and unschedules it';

-- Asks ts_fit to validate its options on a synthetic series (four weeks of
-- hourly points with a daily cycle), so that a bad option fails at
-- anomaly_create_detector rather than at the first run.  Only parameter errors
-- (22023) are passed on.
CREATE OR REPLACE FUNCTION @extschema@._anomaly_check_fit_options(fit_options jsonb)
RETURNS void
LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM @extschema@.ts_fit(g.ts, g.value, fit_options)
	FROM (SELECT timestamptz '2000-01-01 00:00+00' + i * interval '1 hour' AS ts,
	             10 + sin(i * pi() / 12) + (i % 7) * 0.1 AS value
	      FROM generate_series(0, 671) i) g;
EXCEPTION
	WHEN invalid_parameter_value THEN RAISE;
	WHEN OTHERS THEN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_check_fit_options(jsonb) IS
	'anomaly (internal): raises the ts_fit option error, if any, for the given options';

-- The same for mv_fit, on synthetic vectors of the detector's dimension (an
-- option such as the number of pca components is valid for some dimensions
-- only): 200 rows, or dims + 50 when that is more.
CREATE OR REPLACE FUNCTION @extschema@._anomaly_check_mv_fit_options(fit_options jsonb, dims integer)
RETURNS void
LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM @extschema@.mv_fit(g.v, fit_options)
	FROM (SELECT array_agg(sin(i * (k + 1) * 0.7) + cos(i * 0.3 + k) + ((i * (k + 3)) % 11) * 0.1 ORDER BY k) AS v
	      FROM generate_series(0, greatest(199, dims + 49)) i, generate_series(1, dims) k
	      GROUP BY i) g;
EXCEPTION
	WHEN invalid_parameter_value THEN RAISE;
	WHEN OTHERS THEN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_check_mv_fit_options(jsonb, integer) IS
	'anomaly (internal): raises the mv_fit option error, if any, for the given options and number of value columns';

-- Marks a series as retired (dropped from the source): it raises no more
-- missing-data events, and its open stale event is closed.  New rows of the
-- series bring it back (anomaly_run clears retired_at).
CREATE OR REPLACE FUNCTION @extschema@.anomaly_retire_series(detector text, series text, retired boolean DEFAULT true)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	d @extschema@.anomaly_detectors := @extschema@._anomaly_lock_detector(detector);
	sid bigint;
BEGIN
	UPDATE @extschema@.anomaly_series x
	SET retired_at = CASE WHEN retired THEN coalesce(x.retired_at, now()) END
	WHERE x.detector = d.name AND x.series = anomaly_retire_series.series
	RETURNING x.series_id INTO sid;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'series "%" of detector "%" does not exist', series, d.name
			USING ERRCODE = 'undefined_object',
			      HINT = 'anomaly_series lists the series a detector has found.';
	END IF;
	IF retired THEN
		UPDATE @extschema@.anomaly_missing m SET is_open = false WHERE m.series_id = sid AND m.is_open;
	END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.anomaly_retire_series(text, text, boolean) IS
	'anomaly: marks a series of a detector as retired (no missing-data events until it has new rows), or not';
