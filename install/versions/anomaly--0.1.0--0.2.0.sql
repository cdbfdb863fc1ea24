-- anomaly 0.1.0 -> 0.2.0: results keyed by (ts, series_id) instead of
-- (detector, ts, series); anomaly_run faster (events from the sorted anomalies,
-- no JIT).  Existing detectors, series, models, results and runs are kept.
-- anomaly_results is rewritten once (new column and primary key).

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION anomaly UPDATE TO '0.2.0'" to load this file. \quit

-- Every series gets a number, unique over all detectors.
CREATE SEQUENCE @extschema@.anomaly_series_series_id_seq;
COMMENT ON SEQUENCE @extschema@.anomaly_series_series_id_seq IS 'anomaly: identifiers of detector series';
ALTER TABLE @extschema@.anomaly_series
	ADD COLUMN series_id bigint NOT NULL DEFAULT nextval('@extschema@.anomaly_series_series_id_seq') UNIQUE;
ALTER SEQUENCE @extschema@.anomaly_series_series_id_seq OWNED BY @extschema@.anomaly_series.series_id;
COMMENT ON COLUMN @extschema@.anomaly_series.series_id IS
	'number of the series, unique over all detectors (anomaly_results.series_id)';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.anomaly_series_series_id_seq', '');
GRANT USAGE ON SEQUENCE @extschema@.anomaly_series_series_id_seq TO PUBLIC;

-- Results whose series state was deleted by hand (0.1.0 allowed it): the
-- series of a detector that still exists gets its state back, scored up to its
-- newest result and waiting for a model, so that a later run neither scores
-- those rows again nor gives the series a second number.
INSERT INTO @extschema@.anomaly_series (detector, series, watermark, rows_scored, rows_since_fit, last_scored_at)
SELECT r.detector, r.series, max(r.ts), count(*), 0, max(r.scored_at)
FROM @extschema@.anomaly_results r
JOIN @extschema@.anomaly_detectors d ON d.name = r.detector
WHERE NOT EXISTS (SELECT 1 FROM @extschema@.anomaly_series s WHERE s.detector = r.detector AND s.series = r.series)
GROUP BY r.detector, r.series;

-- Results carry the number of their series.  Results of detectors deleted by
-- hand (not with anomaly_drop_detector) get a number of their own.
ALTER TABLE @extschema@.anomaly_results ADD COLUMN series_id bigint;
UPDATE @extschema@.anomaly_results r SET series_id = s.series_id
FROM @extschema@.anomaly_series s
WHERE s.detector = r.detector AND s.series = r.series;
WITH orphan AS (
	SELECT o.detector, o.series, nextval('@extschema@.anomaly_series_series_id_seq') AS series_id
	FROM (SELECT DISTINCT r.detector, r.series FROM @extschema@.anomaly_results r WHERE r.series_id IS NULL) o
)
UPDATE @extschema@.anomaly_results r SET series_id = orphan.series_id
FROM orphan
WHERE r.series_id IS NULL AND r.detector = orphan.detector AND r.series = orphan.series;
ALTER TABLE @extschema@.anomaly_results ALTER COLUMN series_id SET NOT NULL;
ALTER TABLE @extschema@.anomaly_results DROP CONSTRAINT anomaly_results_pkey;
ALTER TABLE @extschema@.anomaly_results ADD PRIMARY KEY (ts, series_id);
COMMENT ON COLUMN @extschema@.anomaly_results.series_id IS 'anomaly_series.series_id of the detector and series';

CREATE FUNCTION @extschema@._anomaly_series_deleted()
RETURNS trigger
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	DELETE FROM @extschema@.anomaly_results r WHERE r.series_id IN (SELECT g.series_id FROM gone g);
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_series_deleted() IS
	'anomaly (internal): deletes the results of deleted anomaly_series rows';
CREATE TRIGGER anomaly_series_deleted AFTER DELETE ON @extschema@.anomaly_series
	REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._anomaly_series_deleted();
COMMENT ON TRIGGER anomaly_series_deleted ON @extschema@.anomaly_series IS
	'deletes the results of the series deleted';

CREATE OR REPLACE VIEW @extschema@.anomaly_latest WITH (security_invoker = true) AS
SELECT s.detector,
       s.series,
       r.ts,
       r.value,
       r.expected,
       r.lower,
       r.upper,
       r.score,
       r.is_anomaly,
       r.scored_at,
       s.watermark,
       s.rows_scored,
       s.model_id,
       m.fitted_at,
       s.last_error,
       s.last_error_at
FROM @extschema@.anomaly_series s
LEFT JOIN @extschema@.anomaly_models m ON m.model_id = s.model_id
-- The latest scored row of a series is the one at its watermark.
LEFT JOIN @extschema@.anomaly_results r ON r.ts = s.watermark AND r.series_id = s.series_id;

DROP FUNCTION @extschema@._anomaly_score(@extschema@.anomaly_detectors, interval, bigint, text, boolean);

CREATE FUNCTION @extschema@._anomaly_score(d @extschema@.anomaly_detectors, late_window interval, run_id bigint,
                                           only_series text, skip_duplicates boolean,
                                           OUT rows_scored bigint, OUT anomalies bigint,
                                           OUT ev_series_id bigint[], OUT ev_series text[], OUT ev_starts bigint[],
                                           OUT ev_peak float8[], OUT u_series_id bigint[], OUT u_ts timestamptz[],
                                           OUT recount bigint[])
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	bound timestamptz;
BEGIN
	-- Rows older than every series' watermark minus late_window need not be read.
	SELECT min(coalesce(s.watermark - late_window, '-infinity')) INTO bound
	FROM @extschema@.anomaly_series s
	WHERE s.detector = d.name AND s.model_id IS NOT NULL AND (only_series IS NULL OR s.series = only_series);
	IF bound IS NULL THEN
		rows_scored := 0;
		anomalies := 0;
		RETURN;
	END IF;
	-- The join reads the tables (not st, whose statistics the planner does not
	-- know) and the late-row check stays out of it (j): the planner then hashes
	-- the series and streams the source through in its own order.
	-- OFFSET 0 keeps ts_detect to one call per row.
	--
	-- Events: an anomaly starts one when the row before it (in its series) is
	-- normal.  Sorting every row of the run by series and time to find that
	-- row costs as much as the scoring, so only the anomalies are sorted
	-- (anoms); each normal row newer than the old watermark is then placed
	-- between two anomalies of its series by a binary search (width_bucket):
	-- gap k holds the normal rows after the k-th anomaly and before the next.
	-- The k-th anomaly starts an event ('s') when gap k-1 is not empty, and
	-- continues one ('c') when it is and the (k-1)-th anomaly is newer than the
	-- old watermark, so that no row of an earlier run lies between them.
	-- Otherwise ('u') the caller looks its neighbours up.  Series with a single
	-- anomaly and no row at or below the old watermark need no gaps: gap 0 is
	-- not empty exactly when the anomaly is not their oldest row of the run.
	EXECUTE format($q$
		WITH st AS MATERIALIZED (
			SELECT s.series_id, s.series, s.watermark, m.train_to
			FROM @extschema@.anomaly_series s
			JOIN @extschema@.anomaly_models m ON m.model_id = s.model_id
			WHERE s.detector = $1%s
		), scored AS (
			INSERT INTO @extschema@.anomaly_results AS r
				(detector, series, ts, value, expected, lower, upper, score, is_anomaly, model_id, run_id, scored_at,
				 series_id)
			SELECT $1, q.series, q.ts, q.value, (q.d).expected, (q.d).lower, (q.d).upper, (q.d).score,
			       (q.d).is_anomaly, q.model_id, $3, now(), q.series_id
			FROM (SELECT j.series, j.series_id, j.ts, j.value, j.model_id,
			             @extschema@.ts_detect(j.model, j.ts, j.value) AS d
			      FROM (SELECT src.series, s.series_id, src.ts, src.value, m.model_id, m.model, s.watermark
			            FROM (%s) src
			            JOIN @extschema@.anomaly_series s ON s.detector = $1 AND s.series = src.series%s
			            JOIN @extschema@.anomaly_models m ON m.model_id = s.model_id
			            WHERE src.ts > $2%s AND (s.watermark IS NULL OR src.ts > s.watermark - $4)
			            OFFSET 0) j
			      WHERE j.watermark IS NULL OR j.ts > j.watermark
			         OR NOT EXISTS (SELECT 1 FROM @extschema@.anomaly_results o
			                        WHERE o.ts = j.ts AND o.series_id = j.series_id AND o.ts > $2)
			      OFFSET 0) q
			%s
			RETURNING r.series_id, r.ts, r.is_anomaly, CASE WHEN r.is_anomaly THEN r.score END AS score
		), per AS (
			SELECT sc.series_id, max(sc.ts) AS newest, min(sc.ts) AS oldest, count(*) AS n,
			       count(*) FILTER (WHERE sc.is_anomaly) AS a
			FROM scored sc
			GROUP BY sc.series_id
		), upd AS (
			-- rows_since_fit counts rows newer than the training range; when some
			-- rows of this run are not, the caller counts them exactly.
			UPDATE @extschema@.anomaly_series s
			SET watermark = greatest(s.watermark, per.newest), rows_scored = s.rows_scored + per.n,
			    rows_since_fit = s.rows_since_fit + CASE WHEN per.oldest > st.train_to THEN per.n ELSE 0 END,
			    last_scored_at = now()
			FROM per JOIN st ON st.series_id = per.series_id
			WHERE s.detector = $1 AND s.series_id = per.series_id
			RETURNING per.series_id, per.n, per.a, per.oldest > st.train_to AS all_fresh
		), anoms AS (
			SELECT a.series_id, a.ts, a.score, st.series, st.watermark, per.oldest,
			       cardinality(a.ts) > 1 OR coalesce(per.oldest <= st.watermark, false) AS needs_gaps
			FROM (SELECT sc.series_id, array_agg(sc.ts ORDER BY sc.ts) AS ts, array_agg(sc.score ORDER BY sc.ts) AS score
			      FROM scored sc
			      WHERE sc.is_anomaly
			      GROUP BY sc.series_id) a
			JOIN st ON st.series_id = a.series_id
			JOIN per ON per.series_id = a.series_id
		), gaps AS (
			SELECT DISTINCT sc.series_id, width_bucket(sc.ts, an.ts) AS gap
			FROM scored sc
			JOIN (SELECT an.series_id, an.ts, an.watermark FROM anoms an WHERE an.needs_gaps) an
			  ON an.series_id = sc.series_id
			WHERE NOT sc.is_anomaly AND (an.watermark IS NULL OR sc.ts > an.watermark)
		), marked AS (
			SELECT an.series_id, an.series, u.ts, u.score,
			       CASE WHEN g.gap IS NOT NULL OR (NOT an.needs_gaps AND u.ts > an.oldest) THEN 's'
			            WHEN u.k > 1 AND (an.watermark IS NULL OR an.ts[u.k - 1] > an.watermark) THEN 'c'
			            ELSE 'u' END AS mark
			FROM anoms an
			CROSS JOIN LATERAL unnest(an.ts, an.score) WITH ORDINALITY AS u(ts, score, k)
			LEFT JOIN gaps g ON g.series_id = an.series_id AND g.gap = u.k - 1
		)
		SELECT (SELECT coalesce(sum(n), 0) FROM upd)::bigint,
		       (SELECT coalesce(sum(a), 0) FROM upd)::bigint,
		       e.series_id, e.series, e.starts, e.peak, un.series_id, un.ts,
		       (SELECT array_agg(series_id) FROM upd WHERE NOT all_fresh)
		FROM (SELECT coalesce(array_agg(m.series_id ORDER BY m.series), '{}') AS series_id,
		             coalesce(array_agg(m.series ORDER BY m.series), '{}') AS series,
		             coalesce(array_agg(m.starts ORDER BY m.series), '{}') AS starts,
		             coalesce(array_agg(m.peak ORDER BY m.series), '{}') AS peak
		      FROM (SELECT m.series_id, m.series, count(*) FILTER (WHERE m.mark = 's') AS starts, max(m.score) AS peak
		            FROM marked m GROUP BY m.series_id, m.series) m) e,
		     (SELECT coalesce(array_agg(m.series_id ORDER BY m.series_id, m.ts), '{}') AS series_id,
		             coalesce(array_agg(m.ts ORDER BY m.series_id, m.ts), '{}') AS ts
		      FROM marked m WHERE m.mark = 'u') un
		$q$,
		CASE WHEN only_series IS NULL THEN '' ELSE ' AND s.series = $5' END,
		@extschema@._anomaly_source_sql(d, true),
		CASE WHEN only_series IS NULL THEN '' ELSE ' AND s.series = $5' END,
		CASE WHEN only_series IS NULL THEN '' ELSE ' AND src.series = $5' END,
		CASE WHEN skip_duplicates THEN ' ON CONFLICT (ts, series_id) DO NOTHING' ELSE '' END)
	INTO rows_scored, anomalies, ev_series_id, ev_series, ev_starts, ev_peak, u_series_id, u_ts, recount
	USING d.name, bound, run_id, late_window, only_series;
END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_score(@extschema@.anomaly_detectors, interval, bigint, text, boolean) IS
	'anomaly (internal): scores new and late rows of a detector and advances the watermarks';

-- OR REPLACE keeps the privileges granted on anomaly_run.
CREATE OR REPLACE FUNCTION @extschema@.anomaly_run(
	name text,
	OUT run_id bigint,
	OUT series integer,
	OUT fitted integer,
	OUT rows_scored bigint,
	OUT anomalies bigint,
	OUT new_events integer,
	OUT failures integer,
	OUT duration interval)
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
-- Each statement of a run is planned and executed once over many rows: the
-- JIT compiler took about a second to compile the scoring statement, more
-- than it saved (measured with test/bench/detectors/bench.sh).
SET jit = off
AS $$
DECLARE
	started timestamptz := clock_timestamp();
	d @extschema@.anomaly_detectors;
	p record;
	col text;
	discover_bound timestamptz;
	known text[];
	need_series text[];
	need_cutoff timestamptz[];
	fails jsonb := '[]';
	one record;
	i integer;
	s text;
	ev_series_id bigint[] := '{}';
	ev_series text[] := '{}';
	ev_starts bigint[] := '{}';
	ev_peak float8[] := '{}';
	u_series_id bigint[] := '{}';
	u_ts timestamptz[] := '{}';
	recount bigint[];
	top jsonb;
	msg text;
	state text;
	payload text;
BEGIN
	d := @extschema@._anomaly_lock_detector(name);
	IF NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = d.source) THEN
		RAISE EXCEPTION 'source table of detector "%" does not exist', name
			USING ERRCODE = 'undefined_table',
			      DETAIL = 'The table or view was dropped after the detector was created.';
	END IF;
	-- Checked up front so that the error names the table, not a series.
	FOREACH col IN ARRAY ARRAY[d.time_column, d.value_column, d.series_column] LOOP
		CONTINUE WHEN col IS NULL;
		IF NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = d.source AND a.attname = col
		               AND a.attnum > 0 AND NOT a.attisdropped) THEN
			RAISE EXCEPTION 'column "%" of relation % does not exist', col, d.source
				USING ERRCODE = 'undefined_column';
		END IF;
		IF NOT has_column_privilege(d.source, col, 'SELECT') THEN
			RAISE EXCEPTION 'permission denied for table %', d.source
				USING ERRCODE = 'insufficient_privilege',
				      DETAIL = format('Detector "%s" reads column "%s", which you may not select.', name, col);
		END IF;
	END LOOP;
	p := @extschema@._anomaly_policy(d.options);
	run_id := nextval('@extschema@.anomaly_runs_run_id_seq');
	fitted := 0;

	-- 1. Discover new series among the rows not older than every watermark.
	--    The known series are passed as an array, which the executor hashes:
	--    rows of known series are dropped in the scan instead of aggregated.
	SELECT coalesce(min(x.watermark - p.late_window) FILTER (WHERE x.watermark IS NOT NULL), '-infinity'),
	       coalesce(array_agg(x.series), '{}')
	INTO discover_bound, known
	FROM @extschema@.anomaly_series x WHERE x.detector = d.name;
	EXECUTE format('INSERT INTO @extschema@.anomaly_series AS s (detector, series)
	                SELECT DISTINCT $1, src.series FROM (%s) src WHERE src.ts > $2 AND src.series <> ALL ($3)
	                ON CONFLICT (detector, series) DO NOTHING', @extschema@._anomaly_source_sql(d, false))
	USING d.name, discover_bound, known;

	-- 2. Fit the series without a model (on all their rows) and those the
	--    refit policy selects (on the rows up to their watermark).
	SELECT array_agg(x.series ORDER BY x.series),
	       array_agg(CASE WHEN x.model_id IS NULL THEN 'infinity' ELSE coalesce(x.watermark, 'infinity') END
	                 ORDER BY x.series)
	INTO need_series, need_cutoff
	FROM @extschema@.anomaly_series x
	LEFT JOIN @extschema@.anomaly_models m ON m.model_id = x.model_id
	WHERE x.detector = d.name
	  AND (x.model_id IS NULL
	       OR x.rows_since_fit >= p.refit_points
	       OR x.watermark - m.train_to >= p.refit_interval);
	IF need_series IS NOT NULL THEN
		BEGIN
			fitted := @extschema@._anomaly_fit(d, need_series, need_cutoff, NULL);
		EXCEPTION WHEN OTHERS THEN
			-- One series failed: fit them one by one to find it and keep the others.
			fitted := 0;
			FOR i IN 1 .. cardinality(need_series) LOOP
				BEGIN
					fitted := fitted + @extschema@._anomaly_fit(d, need_series[i:i], need_cutoff[i:i], need_series[i]);
				EXCEPTION WHEN OTHERS THEN
					GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, state = RETURNED_SQLSTATE;
					fails := fails || jsonb_build_object('series', need_series[i], 'stage', 'fit',
					                                     'sqlstate', state, 'message', msg);
					UPDATE @extschema@.anomaly_series x SET last_error = 'fit: ' || msg, last_error_at = now()
					WHERE x.detector = d.name AND x.series = need_series[i];
					RAISE WARNING 'detector "%": fitting series "%" failed: %', name, need_series[i], msg;
				END;
			END LOOP;
		END;
	END IF;

	-- 3. Score.
	BEGIN
		BEGIN
			SELECT * INTO one FROM @extschema@._anomaly_score(d, p.late_window, run_id, NULL, false);
		EXCEPTION WHEN unique_violation THEN
			-- The source has several rows for one series and timestamp: keep one.
			SELECT * INTO one FROM @extschema@._anomaly_score(d, p.late_window, run_id, NULL, true);
		END;
		rows_scored := one.rows_scored;
		anomalies := one.anomalies;
		ev_series_id := one.ev_series_id;
		ev_series := one.ev_series;
		ev_starts := one.ev_starts;
		ev_peak := one.ev_peak;
		u_series_id := one.u_series_id;
		u_ts := one.u_ts;
		recount := one.recount;
	EXCEPTION WHEN OTHERS THEN
		rows_scored := 0;
		anomalies := 0;
		FOR s IN SELECT x.series FROM @extschema@.anomaly_series x
		         WHERE x.detector = d.name AND x.model_id IS NOT NULL ORDER BY x.series LOOP
			BEGIN
				SELECT * INTO one FROM @extschema@._anomaly_score(d, p.late_window, run_id, s, true);
				rows_scored := rows_scored + one.rows_scored;
				anomalies := anomalies + one.anomalies;
				ev_series_id := ev_series_id || one.ev_series_id;
				ev_series := ev_series || one.ev_series;
				ev_starts := ev_starts || one.ev_starts;
				ev_peak := ev_peak || one.ev_peak;
				u_series_id := u_series_id || one.u_series_id;
				u_ts := u_ts || one.u_ts;
				recount := recount || one.recount;
			EXCEPTION WHEN OTHERS THEN
				GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, state = RETURNED_SQLSTATE;
				fails := fails || jsonb_build_object('series', s, 'stage', 'score', 'sqlstate', state, 'message', msg);
				UPDATE @extschema@.anomaly_series x SET last_error = 'score: ' || msg, last_error_at = now()
				WHERE x.detector = d.name AND x.series = s;
				RAISE WARNING 'detector "%": scoring series "%" failed: %', name, s, msg;
			END;
		END LOOP;
	END;

	-- rows_since_fit counts rows newer than the model's training range; the
	-- scoring statement counted all rows of the series listed here, some of
	-- which are not (a first fit scores its own training rows).
	IF recount IS NOT NULL THEN
		UPDATE @extschema@.anomaly_series x
		SET rows_since_fit = (SELECT count(*) FROM @extschema@.anomaly_results r
		                      WHERE r.series_id = x.series_id AND r.model_id = x.model_id
		                        AND r.ts > (SELECT m.train_to FROM @extschema@.anomaly_models m WHERE m.model_id = x.model_id))
		WHERE x.detector = d.name AND x.series_id = ANY (recount);
	END IF;

	-- 4. New events: anomalous rows of this run that start an event, i.e. whose
	--    previous row is not anomalous and whose next row, if scored by an
	--    earlier run (a late row), is not anomalous either.  The scoring
	--    statement counted most of them (ev_starts); the others (u_*) are
	--    looked up here, where the rows it wrote are visible.
	WITH looked AS (
		SELECT u.series_id, count(*) AS starts
		FROM unnest(u_series_id, u_ts) AS u(series_id, ts)
		WHERE NOT coalesce((SELECT o.is_anomaly FROM @extschema@.anomaly_results o
		                    WHERE o.series_id = u.series_id AND o.ts < u.ts
		                    ORDER BY o.ts DESC LIMIT 1), false)
		  AND NOT coalesce((SELECT o.is_anomaly AND o.run_id <> anomaly_run.run_id FROM @extschema@.anomaly_results o
		                    WHERE o.series_id = u.series_id AND o.ts > u.ts
		                    ORDER BY o.ts LIMIT 1), false)
		GROUP BY u.series_id
	), ranked AS (
		SELECT e.series, e.starts + coalesce(l.starts, 0) AS events, e.peak
		FROM unnest(ev_series_id, ev_series, ev_starts, ev_peak) AS e(series_id, series, starts, peak)
		LEFT JOIN looked l ON l.series_id = e.series_id
		WHERE e.starts + coalesce(l.starts, 0) > 0
	)
	SELECT coalesce(sum(r.events), 0),
	       coalesce(jsonb_agg(jsonb_build_object('series', left(r.series, 100), 'new_events', r.events,
	                                             'peak_score', r.peak)
	                          ORDER BY r.peak DESC NULLS LAST, r.series)
	                FILTER (WHERE r.rank <= 5), '[]')
	INTO new_events, top
	FROM (SELECT ranked.*, row_number() OVER (ORDER BY ranked.peak DESC NULLS LAST, ranked.series) AS rank
	      FROM ranked) r;

	IF new_events > 0 THEN
		payload := jsonb_build_object('detector', name, 'run_id', run_id, 'new_events', new_events,
		                              'anomalies', anomalies, 'top_series', top)::text;
		PERFORM pg_notify('anomaly', payload);
	END IF;

	SELECT count(*) INTO series FROM @extschema@.anomaly_series x WHERE x.detector = d.name;
	failures := jsonb_array_length(fails);
	duration := clock_timestamp() - started;
	INSERT INTO @extschema@.anomaly_runs (run_id, detector, started_at, finished_at, series, fitted, rows_scored,
	                                      anomalies, new_events, failures, failure_details)
	VALUES (run_id, d.name, started, started + duration, series, fitted, rows_scored,
	        anomalies, new_events, failures, fails);
END
$$;
COMMENT ON FUNCTION @extschema@.anomaly_run(text) IS
	'anomaly: one incremental run of a detector (fit where needed, score new and late rows, write results, advance watermarks, notify)';
