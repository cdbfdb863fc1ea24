
-- ---------------------------------------------------------------------------
-- Detectors: the incremental run.  anomaly_run discovers new series, fits
-- (_anomaly_fit) and scores (_anomaly_score) them, writes the results,
-- advances the watermarks and sends a NOTIFY on channel anomaly when there
-- are new events.
-- ---------------------------------------------------------------------------

-- The source rows a detector reads, as (series text, ts timestamptz, value
-- float8), or for a multivariate detector value float8[] (the value columns
-- in their order).  Rows with a NULL time, a NULL series or a NULL, NaN or
-- infinite value (in any of the value columns) are left out.
-- Without with_value, the value columns are neither read nor checked (series discovery).
CREATE OR REPLACE FUNCTION @extschema@._anomaly_source_sql(d @extschema@.anomaly_detectors, with_value boolean)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT format('SELECT %s AS series, %I AS ts%s FROM %s WHERE %I IS NOT NULL%s%s',
	              CASE WHEN d.series_column IS NULL THEN '''''::text' ELSE format('(%I)::text', d.series_column) END,
	              d.time_column,
	              CASE WHEN NOT with_value THEN ''
	                   WHEN d.value_columns IS NULL THEN format(', (%I)::float8 AS value', d.value_column)
	                   ELSE format(', ARRAY[%s] AS value',
	                               (SELECT string_agg(format('(%I)::float8', v.c), ', ' ORDER BY v.k)
	                                FROM unnest(d.value_columns) WITH ORDINALITY AS v(c, k))) END,
	              d.source::text, d.time_column,
	              CASE WHEN NOT with_value THEN ''
	                   ELSE (SELECT string_agg(format(' AND abs((%I)::float8) < ''Infinity''::float8', v.c), '' ORDER BY v.k)
	                         FROM unnest(coalesce(d.value_columns, ARRAY[d.value_column])) WITH ORDINALITY AS v(c, k)) END,
	              CASE WHEN d.series_column IS NULL THEN '' ELSE format(' AND %I IS NOT NULL', d.series_column) END)
$$;
COMMENT ON FUNCTION @extschema@._anomaly_source_sql(@extschema@.anomaly_detectors, boolean) IS
	'anomaly (internal): the query reading a detector''s source as (series, ts[, value])';

-- Fits the series in need_series (training rows up to need_cutoff, within the
-- training window), stores the models and points the series at them.
-- only_series restricts it to one series (the fallback after a failure).
-- Returns the number of models stored.
CREATE OR REPLACE FUNCTION @extschema@._anomaly_fit(d @extschema@.anomaly_detectors, need_series text[],
                                                    need_cutoff timestamptz[], only_series text)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	p record := @extschema@._anomaly_policy(d.options);
	mv boolean := d.value_columns IS NOT NULL;
	q text;
	lower_bound timestamptz := '-infinity';
	fitted_series text[];
	fitted_ids bigint[];
BEGIN
	IF p.train_window IS NOT NULL THEN
		SELECT min(c) - p.train_window INTO lower_bound FROM unnest(need_cutoff) c WHERE c < 'infinity';
		IF lower_bound IS NULL OR EXISTS (SELECT 1 FROM unnest(need_cutoff) c WHERE c = 'infinity') THEN
			lower_bound := '-infinity';
		END IF;
	END IF;
	q := format($q$
		WITH fit AS (
			SELECT t.series, %s AS model,
			       min(t.ts) AS train_from, max(t.ts) AS train_to, count(*) AS n%s
			FROM %s(SELECT src.series, src.ts, src.value%s
			      FROM (%s) src
			      JOIN unnest($1::text[], $2::timestamptz[]) AS need(series, cutoff) ON need.series = src.series
			      WHERE src.ts <= need.cutoff AND src.ts > $4%s) t
			%s%s
			GROUP BY t.series
			HAVING count(*) >= $5
		), ins AS (
			INSERT INTO @extschema@.anomaly_models (detector, series, model, train_from, train_to, train_points, info)
			SELECT $8, fit.series, fit.model, fit.train_from, fit.train_to, fit.n, %s
			FROM fit WHERE fit.model IS NOT NULL
			RETURNING model_id, series
		), upd AS (
			UPDATE @extschema@.anomaly_series s
			SET model_id = ins.model_id, rows_since_fit = 0, last_error = NULL, last_error_at = NULL
			FROM ins WHERE s.detector = $8 AND s.series = ins.series
			RETURNING s.series, s.model_id
		)
		SELECT array_agg(series), array_agg(model_id) FROM upd
		$q$,
		CASE WHEN mv THEN '@extschema@.mv_fit(t.value, $3)' ELSE '@extschema@.ts_fit(t.ts, t.value, $3)' END,
		-- An mv model knows no time: the sampling interval that missing-data
		-- events need is the median spacing of the distinct timestamps of the
		-- training rows (as ts_fit infers it, to the microsecond), added to
		-- the model's info as interval_seconds (0: unknown, as in ts_fit).
		CASE WHEN mv THEN ', coalesce(round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t.gap))'
		                  ' FILTER (WHERE t.gap > interval ''0''))::numeric, 6)::float8, 0) AS spacing' ELSE '' END,
		CASE WHEN mv THEN '(SELECT t.*, t.ts - lag(t.ts) OVER (PARTITION BY t.series ORDER BY t.ts) AS gap FROM ' ELSE '' END,
		CASE WHEN p.train_window IS NOT NULL THEN ', max(src.ts) OVER (PARTITION BY src.series) AS newest'
		     WHEN p.train_points IS NOT NULL THEN ', row_number() OVER (PARTITION BY src.series ORDER BY src.ts DESC) AS rn'
		     ELSE '' END,
		@extschema@._anomaly_source_sql(d, true),
		CASE WHEN only_series IS NULL THEN '' ELSE ' AND src.series = $9' END,
		CASE WHEN p.train_window IS NOT NULL THEN 'WHERE t.ts > t.newest - $6'
		     WHEN p.train_points IS NOT NULL THEN 'WHERE t.rn <= $7'
		     ELSE '' END,
		CASE WHEN mv THEN ') t' ELSE '' END,
		CASE WHEN mv THEN '@extschema@.mv_model_info(fit.model) || jsonb_build_object(''interval_seconds'', fit.spacing)'
		     ELSE '@extschema@.ts_model_info(fit.model)' END);
	EXECUTE q INTO fitted_series, fitted_ids
		USING need_series, need_cutoff, p.fit_options, lower_bound, p.min_train_points,
		      p.train_window, p.train_points, d.name, only_series;
	IF fitted_series IS NULL THEN
		RETURN 0;
	END IF;
	UPDATE @extschema@.anomaly_models m SET is_current = false
	WHERE m.detector = d.name AND m.series = ANY (fitted_series) AND m.is_current AND m.model_id <> ALL (fitted_ids);
	RETURN cardinality(fitted_series);
END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_fit(@extschema@.anomaly_detectors, text[], timestamptz[], text) IS
	'anomaly (internal): fits and stores the models of the given series';

-- The warm-up span of a univariate model: how far before a series' watermark
-- a run reads rows to give ts_anomaly the context of the first new rows.
-- The shape window of a new row is its last w rows, with no step longer than
-- two sampling intervals between them (else ts_anomaly restarts the window),
-- so the w - 1 rows before it lie within 2 (w - 1) intervals of it; one more
-- interval absorbs the rounding of interval_seconds.  A model whose analog
-- component scores reads the span rows before a row (its prediction), with
-- the same rule on steps, so the larger of w - 1 and span counts.  At least
-- 10 rows are read even without the shape component, so that the shift CUSUMs of a
-- run's first rows are not started from nothing (a run of one row a minute
-- would otherwise never see a shift).  NULL without a sampling interval
-- (no warm-up).
CREATE OR REPLACE FUNCTION @extschema@._anomaly_warm_span(info jsonb)
RETURNS interval
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE WHEN (info ->> 'interval_seconds')::float8 > 0 THEN
	       make_interval(secs => (2 * greatest(coalesce((info -> 'shape' ->> 'window')::int - 1, 0),
	                                           CASE WHEN (info -> 'analog' ->> 'used')::boolean
	                                                THEN (info -> 'analog' ->> 'span')::int END,
	                                           10) + 1)
	                             * (info ->> 'interval_seconds')::float8) END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_warm_span(jsonb) IS
	'anomaly (internal): how far before the watermark a run reads warm-up rows for a univariate model';

-- The rows a multivariate run scores (q in _anomaly_score): the rows newer
-- than the watermark and the late rows without a result, each scored on its
-- own by mv_detect.  one_series: restricted to the series $5.
CREATE OR REPLACE FUNCTION @extschema@._anomaly_rows_mv_sql(d @extschema@.anomaly_detectors, one_series boolean)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT format($q$(SELECT j.series, j.series_id, j.ts, j.value, j.model_id,
			             @extschema@.mv_detect(j.model, j.value) AS d
			      FROM (SELECT src.series, s.series_id, src.ts, src.value, m.model_id, m.model, s.watermark
			            FROM (%s) src
			            JOIN @extschema@.anomaly_series s ON s.detector = $1 AND s.series = src.series%s
			            JOIN @extschema@.anomaly_models m ON m.model_id = s.model_id
			            WHERE src.ts > $2%s AND (s.watermark IS NULL OR src.ts > s.watermark - $4)
			            OFFSET 0) j
			      WHERE j.watermark IS NULL OR j.ts > j.watermark
			         OR NOT EXISTS (SELECT 1 FROM @extschema@.anomaly_results o
			                        WHERE o.ts = j.ts AND o.series_id = j.series_id AND o.ts > $2)
			      OFFSET 0) q$q$,
	              @extschema@._anomaly_source_sql(d, true),
	              CASE WHEN one_series THEN ' AND s.series = $5' ELSE '' END,
	              CASE WHEN one_series THEN ' AND src.series = $5' ELSE '' END)
$$;
COMMENT ON FUNCTION @extschema@._anomaly_rows_mv_sql(@extschema@.anomaly_detectors, boolean) IS
	'anomaly (internal): the rows a run of a multivariate detector scores, with mv_detect';

-- The rows a univariate run scores (q in _anomaly_score), with their context:
-- ts_anomaly runs over each series' rows in time order, from the warm-up rows
-- (the source rows at or before the watermark within its model's warm-up
-- span, _anomaly_warm_span) to the newest, and only the rows newer than the
-- watermark (new) and the late rows without a result (late) are kept.  The
-- warm-up rows give the first new rows the shape window they would have had
-- in one run over all rows; the shift CUSUMs start at the warm-up's first
-- row.  A late row is scored on its own: its score and flag are the point
-- score's (as ts_detect's), its shape and shift scores NULL, since its
-- context is not read in full and rows after it were scored without it.
-- The model's warm-up span is computed once per model (OFFSET 0), not per row.
CREATE OR REPLACE FUNCTION @extschema@._anomaly_rows_ts_sql(d @extschema@.anomaly_detectors, one_series boolean)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT format($q$(SELECT k.series, k.series_id, k.ts, k.value, k.model_id, k.late, k.d
			      FROM (SELECT j.*, @extschema@.ts_anomaly(j.model, j.ts, j.value)
			                          OVER (PARTITION BY j.series_id ORDER BY j.ts) AS d
			            FROM (SELECT j.*, j.watermark IS NULL OR j.ts > j.watermark AS new,
			                         j.watermark IS NOT NULL AND j.ts <= j.watermark AND j.ts > j.watermark - $4
			                         AND NOT EXISTS (SELECT 1 FROM @extschema@.anomaly_results o
			                                         WHERE o.ts = j.ts AND o.series_id = j.series_id
			                                           AND o.ts > $2) AS late
			                  FROM (SELECT src.series, s.series_id, src.ts, src.value, m.model_id, m.model,
			                               s.watermark, m.warm_span
			                        FROM (%s) src
			                        JOIN @extschema@.anomaly_series s ON s.detector = $1 AND s.series = src.series%s
			                        JOIN (SELECT m.model_id, m.model, @extschema@._anomaly_warm_span(m.info) AS warm_span
			                              FROM @extschema@.anomaly_models m WHERE m.detector = $1 OFFSET 0) m
			                          ON m.model_id = s.model_id
			                        WHERE src.ts > $2%s
			                          AND (s.watermark IS NULL OR src.ts > s.watermark - greatest($4, m.warm_span))
			                        OFFSET 0) j
			                  OFFSET 0) j
			            WHERE j.new OR j.late OR j.ts > j.watermark - j.warm_span) k
			      WHERE k.new OR k.late) q$q$,
	              @extschema@._anomaly_source_sql(d, true),
	              CASE WHEN one_series THEN ' AND s.series = $5' ELSE '' END,
	              CASE WHEN one_series THEN ' AND src.series = $5' ELSE '' END)
$$;
COMMENT ON FUNCTION @extschema@._anomaly_rows_ts_sql(@extschema@.anomaly_detectors, boolean) IS
	'anomaly (internal): the rows a run of a univariate detector scores, with ts_anomaly over their context';

-- Scores the rows of series with a model that are newer than their watermark
-- (and the late rows within late_window that have no result yet), writes the
-- results and advances the watermarks.  only_series restricts it to one series.
-- ev_* give, per series with anomalies in this run, the anomalies
-- known to start an event (ev_starts), the highest score and (multivariate
-- detectors) the top column of the row with that score; u_* list the
-- anomalies for which the caller must look at the neighbouring rows in
-- anomaly_results (rows this statement writes are not visible to it).
-- Without skip_duplicates, a source with two rows for one series and timestamp
-- makes it fail with unique_violation: ON CONFLICT costs 60% more per row
-- (speculative insertion), so the caller retries with it only then.
-- It also records the gaps between the rows it scores newer than the old
-- watermark (and between the watermark and the first of them) in
-- anomaly_missing, and brings retired series with new rows back.
CREATE OR REPLACE FUNCTION @extschema@._anomaly_score(d @extschema@.anomaly_detectors, late_window interval, run_id bigint,
                                                      only_series text, skip_duplicates boolean,
                                                      OUT rows_scored bigint, OUT anomalies bigint,
                                                      OUT ev_series_id bigint[], OUT ev_series text[], OUT ev_starts bigint[],
                                                      OUT ev_peak float8[], OUT u_series_id bigint[], OUT u_ts timestamptz[],
                                                      OUT ev_top text[])
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	bound timestamptz;
	missing_after float8 := (@extschema@._anomaly_policy(d.options)).missing_after;
	mv boolean := d.value_columns IS NOT NULL;
BEGIN
	-- Rows older than every series' watermark minus late_window (and, for a
	-- univariate detector, minus the warm-up span of its model) need not be read.
	SELECT min(coalesce(s.watermark - greatest(late_window,
	                                           CASE WHEN NOT mv THEN @extschema@._anomaly_warm_span(m.info) END),
	                    '-infinity')) INTO bound
	FROM @extschema@.anomaly_series s
	JOIN @extschema@.anomaly_models m ON m.model_id = s.model_id
	WHERE s.detector = d.name AND (only_series IS NULL OR s.series = only_series);
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
	-- An anomaly newer than the old watermark that is still unresolved has no
	-- row of this run before it, so the row before it is the one at the
	-- watermark (prev, read by the key only for those anomalies: a join let the
	-- planner read all results; no earlier run wrote a row after it),
	-- and a series never scored before (no watermark) has no row before its
	-- first anomaly.  Only late anomalies are left to the caller ('u'), whose
	-- lookup scans back through the results of every series (the key starts
	-- with ts).
	--
	-- rows_since_fit counts the results of the current model newer than its
	-- training range: each run adds its own such rows, so that the count
	-- costs O(new rows) however many results the series has.  Usually all of
	-- a series' rows are (oldest > train_to); the rows of the other series
	-- only are compared one by one (stale, a join that ends at once when
	-- there is no such series).
	--
	-- Gaps: the rows newer than the old watermark, in order with the row
	-- before each (lag; the watermark before the first), more than
	-- missing_after sampling intervals (the model's) after it.  The gap
	-- after the watermark is left to the stale event of a series that has an
	-- open one (that event covers it) and skipped for a retired series.
	-- Without missing_after ($6 NULL) step is NULL and adj is empty.
	-- Ordering every row of the run made the run 40% slower, so only the
	-- series whose new rows span more sampling intervals than they have rows
	-- (by more than half an interval: a row is missing on the grid), and
	-- those with late rows, are ordered (cand).  A series whose rows came
	-- closer together than the interval elsewhere in the run can hide a
	-- gap that way; on a regular grid (jitter under a quarter interval) none is.
	EXECUTE format($q$
		WITH st AS MATERIALIZED (
			SELECT s.series_id, s.series, s.watermark, m.train_to,
			       s.retired_at IS NOT NULL AS retired, o.series_id IS NOT NULL AS stale_open,
			       CASE WHEN $6 IS NOT NULL AND (m.info ->> 'interval_seconds')::float8 > 0
			            THEN make_interval(secs => (m.info ->> 'interval_seconds')::float8) END AS step
			FROM @extschema@.anomaly_series s
			JOIN @extschema@.anomaly_models m ON m.model_id = s.model_id
			LEFT JOIN @extschema@.anomaly_missing o ON o.series_id = s.series_id AND o.is_open
			WHERE s.detector = $1%s
		), scored AS (
			INSERT INTO @extschema@.anomaly_results AS r
				(detector, series, ts, value, expected, lower, upper, score, is_anomaly, model_id, run_id, scored_at,
				 series_id, contributions, top_column, point_score, shape_score, shift_score)
			SELECT $1, q.series, q.ts, %s, %s,
			       %s, q.model_id, $3, now(), q.series_id, %s, %s
			FROM %s%s
			%s
			RETURNING r.series_id, r.ts, r.is_anomaly, CASE WHEN r.is_anomaly THEN r.score END AS score, r.top_column
		), per AS (
			SELECT sc.series_id, max(sc.ts) AS newest, min(sc.ts) AS oldest, count(*) AS n,
			       count(*) FILTER (WHERE sc.is_anomaly) AS a
			FROM scored sc
			GROUP BY sc.series_id
		), stale AS (
			SELECT sc.series_id, count(*) AS fresh
			FROM (SELECT per.series_id, st.train_to FROM per JOIN st ON st.series_id = per.series_id
			      WHERE per.oldest <= st.train_to) ns
			JOIN scored sc ON sc.series_id = ns.series_id AND sc.ts > ns.train_to
			GROUP BY sc.series_id
		), upd AS (
			UPDATE @extschema@.anomaly_series s
			SET watermark = greatest(s.watermark, per.newest), rows_scored = s.rows_scored + per.n,
			    rows_since_fit = s.rows_since_fit
			                     + CASE WHEN per.oldest > st.train_to THEN per.n ELSE coalesce(stale.fresh, 0) END,
			    last_scored_at = now(),
			    retired_at = CASE WHEN per.newest > s.watermark OR s.watermark IS NULL THEN NULL ELSE s.retired_at END
			FROM per
			JOIN st ON st.series_id = per.series_id
			LEFT JOIN stale ON stale.series_id = per.series_id
			WHERE s.detector = $1 AND s.series_id = per.series_id
			RETURNING per.series_id, per.n, per.a
		), cand AS (
			SELECT st.*
			FROM per JOIN st ON st.series_id = per.series_id
			WHERE st.step IS NOT NULL
			  AND (per.oldest <= st.watermark
			       OR per.newest - coalesce(st.watermark, per.oldest)
			          > st.step * (per.n - CASE WHEN st.watermark IS NULL THEN 1 ELSE 0 END + 0.5))
		), adj AS (
			SELECT sc.series_id, sc.ts, c.series, c.step, c.watermark, c.retired, c.stale_open,
			       lag(sc.ts, 1, c.watermark) OVER (PARTITION BY sc.series_id ORDER BY sc.ts) AS prev
			FROM scored sc JOIN cand c ON c.series_id = sc.series_id
			WHERE c.watermark IS NULL OR sc.ts > c.watermark
		), gap AS (
			SELECT g.*, (round(extract(epoch FROM g.ts - g.prev) / extract(epoch FROM g.step)) - 1)::bigint AS m
			FROM adj g
			WHERE g.ts - g.prev > g.step * $6
			  AND NOT (g.prev = g.watermark AND (g.retired OR g.stale_open))
		), gap_ins AS (
			INSERT INTO @extschema@.anomaly_missing
				(detector, series, series_id, cause, started_at, ended_at, missing_rows, sampling_interval, run_id)
			SELECT $1, g.series, g.series_id, 'gap', g.prev + g.step, g.prev + g.step * g.m, g.m, g.step, $3
			FROM gap g WHERE g.m >= 1
			ON CONFLICT (series_id, started_at) DO NOTHING
		), anoms AS (
			SELECT a.series_id, a.ts, a.score, a.top, st.series, st.watermark, per.oldest,
			       cardinality(a.ts) > 1 OR coalesce(per.oldest <= st.watermark, false) AS needs_gaps
			FROM (SELECT sc.series_id, array_agg(sc.ts ORDER BY sc.ts) AS ts, array_agg(sc.score ORDER BY sc.ts) AS score,
			             array_agg(sc.top_column ORDER BY sc.ts) AS top
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
			SELECT an.series_id, an.series, u.ts, u.score, u.top,
			       CASE WHEN g.gap IS NOT NULL OR (NOT an.needs_gaps AND u.ts > an.oldest) THEN 's'
			            WHEN u.k = 1 AND an.watermark IS NULL THEN 's'
			            WHEN u.k > 1 AND (an.watermark IS NULL OR an.ts[u.k - 1] > an.watermark) THEN 'c'
			            WHEN u.ts > an.watermark THEN
			                 CASE WHEN (SELECT prev.is_anomaly FROM @extschema@.anomaly_results prev
			                            WHERE prev.ts = an.watermark AND prev.series_id = an.series_id) THEN 'c'
			                      ELSE 's' END
			            ELSE 'u' END AS mark
			FROM anoms an
			CROSS JOIN LATERAL unnest(an.ts, an.score, an.top) WITH ORDINALITY AS u(ts, score, top, k)
			LEFT JOIN gaps g ON g.series_id = an.series_id AND g.gap = u.k - 1
		)
		SELECT (SELECT coalesce(sum(n), 0) FROM upd)::bigint,
		       (SELECT coalesce(sum(a), 0) FROM upd)::bigint,
		       e.series_id, e.series, e.starts, e.peak, un.series_id, un.ts, e.top
		FROM (SELECT coalesce(array_agg(m.series_id ORDER BY m.series), '{}') AS series_id,
		             coalesce(array_agg(m.series ORDER BY m.series), '{}') AS series,
		             coalesce(array_agg(m.starts ORDER BY m.series), '{}') AS starts,
		             coalesce(array_agg(m.peak ORDER BY m.series), '{}') AS peak,
		             coalesce(array_agg(m.top ORDER BY m.series), '{}') AS top
		      FROM (SELECT m.series_id, m.series, count(*) FILTER (WHERE m.mark = 's') AS starts, max(m.score) AS peak,
		                   (array_agg(m.top ORDER BY m.score DESC NULLS LAST, m.ts))[1] AS top
		            FROM marked m GROUP BY m.series_id, m.series) m) e,
		     (SELECT coalesce(array_agg(m.series_id ORDER BY m.series_id, m.ts), '{}') AS series_id,
		             coalesce(array_agg(m.ts ORDER BY m.series_id, m.ts), '{}') AS ts
		      FROM marked m WHERE m.mark = 'u') un
		$q$,
		CASE WHEN only_series IS NULL THEN '' ELSE ' AND s.series = $5' END,
		-- value, expected, lower, upper; score; is_anomaly; contributions,
		-- top_column; point, shape and shift scores; the rows with their scores.
		-- A multivariate row's value is that of its top column (the first of
		-- the largest contributions; at distance 0 they are all 0: the first column).
		CASE WHEN mv THEN 'q.value[top.k], NULL, NULL, NULL' ELSE 'q.value, (q.d).expected, (q.d).lower, (q.d).upper' END,
		-- score, is_anomaly: a late row's are its point score's (row-wise, as ts_detect's)
		CASE WHEN mv THEN '(q.d).score' ELSE 'CASE WHEN q.late THEN (q.d).point_score ELSE (q.d).score END' END,
		CASE WHEN mv THEN '(q.d).is_anomaly' ELSE 'CASE WHEN q.late THEN (q.d).point_score > 1 ELSE (q.d).is_anomaly END' END,
		CASE WHEN mv THEN '(q.d).contributions, $7[top.k]' ELSE 'NULL, NULL' END,
		CASE WHEN mv THEN 'NULL::float8, NULL::float8, NULL::float8'
		     ELSE '(q.d).point_score, CASE WHEN NOT q.late THEN (q.d).shape_score END, '
		          'CASE WHEN NOT q.late THEN (q.d).shift_score END' END,
		CASE WHEN mv THEN @extschema@._anomaly_rows_mv_sql(d, only_series IS NOT NULL)
		     ELSE @extschema@._anomaly_rows_ts_sql(d, only_series IS NOT NULL) END,
		CASE WHEN mv THEN E'\n\t\t\tCROSS JOIN LATERAL (SELECT array_position((q.d).contributions, '
		                  '(SELECT max(c) FROM unnest((q.d).contributions) c)) AS k) top' ELSE '' END,
		-- ts_anomaly gives the rows series by series; inserted so, they would
		-- land all over the results' key (ts, series_id) instead of at its right
		-- edge: sorting them back into time order costs less (docs/performance.md).
		CASE WHEN mv THEN '' ELSE E'\n\t\t\tORDER BY q.ts, q.series_id' END
		|| CASE WHEN skip_duplicates THEN ' ON CONFLICT (ts, series_id) DO NOTHING' ELSE '' END)
	INTO rows_scored, anomalies, ev_series_id, ev_series, ev_starts, ev_peak, u_series_id, u_ts, ev_top
	USING d.name, bound, run_id, late_window, only_series, missing_after, d.value_columns;
END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_score(@extschema@.anomaly_detectors, interval, bigint, text, boolean) IS
	'anomaly (internal): scores new and late rows of a detector and advances the watermarks';

-- The series of a detector that can be stale (with a scored row and a model
-- that knows its sampling interval), how many sampling intervals (m) their
-- newest row is older than the clock, and whether that is more than
-- missing_after and the series is not retired.
CREATE OR REPLACE FUNCTION @extschema@._anomaly_stale(detector text, clock timestamptz, missing_after float8,
                                                      OUT series_id bigint, OUT series text, OUT watermark timestamptz,
                                                      OUT step interval, OUT m bigint, OUT stale boolean)
RETURNS SETOF record
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT c.series_id, c.series, c.watermark, c.step,
	       floor(extract(epoch FROM $2 - c.watermark) / extract(epoch FROM c.step))::bigint,
	       c.retired_at IS NULL AND $2 - c.watermark > c.step * $3
	FROM (SELECT x.series_id, x.series, x.watermark, x.retired_at,
	             make_interval(secs => (m.info ->> 'interval_seconds')::float8) AS step
	      FROM @extschema@.anomaly_series x
	      JOIN @extschema@.anomaly_models m ON m.model_id = x.model_id
	      WHERE x.detector = $1 AND x.watermark IS NOT NULL
	        AND (m.info ->> 'interval_seconds')::float8 > 0) c
$$;
COMMENT ON FUNCTION @extschema@._anomaly_stale(text, timestamptz, float8) IS
	'anomaly (internal): the series of a detector that can be stale, and whether they are at the given clock';

-- The run itself, as the detector's owner (see anomaly_run, which calls it).
-- caller is the role that called anomaly_run (anomaly_runs.run_by).
CREATE OR REPLACE FUNCTION @extschema@._anomaly_run(
	name text,
	caller name,
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
-- No nested-loop joins: the statistics of the result tables, and the row
-- estimates of data-modifying CTEs, lag behind a run (a new detector's tables
-- were empty when last analysed), and with an estimate of one row the planner
-- joined 200,000 scored rows to 1,000 series by a nested loop: 97 s for the
-- first run of 1,000 series instead of about 2 s (docs/performance.md).  Lookups of
-- single rows stay index scans (subplans are not joins).
SET enable_nestloop = off
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
	ev_top text[] := '{}';
	u_series_id bigint[] := '{}';
	u_ts timestamptz[] := '{}';
	top jsonb;
	clock timestamptz;
	missing_events integer;
	top_missing jsonb;
	msg text;
	state text;
	payload text;
BEGIN
	d := @extschema@._anomaly_lock_detector(name);
	IF d.owner IS DISTINCT FROM (SELECT r.oid FROM pg_roles r WHERE r.rolname = current_user) THEN
		RAISE EXCEPTION 'detector "%" must be run as its owner %', name, d.owner
			USING ERRCODE = 'insufficient_privilege', HINT = 'Call anomaly_run.';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = d.source) THEN
		RAISE EXCEPTION 'source table of detector "%" does not exist', name
			USING ERRCODE = 'undefined_table',
			      DETAIL = 'The table or view was dropped after the detector was created.';
	END IF;
	-- Checked up front so that the error names the table, not a series.
	FOREACH col IN ARRAY ARRAY[d.time_column, d.value_column, d.series_column] || d.value_columns LOOP
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
		ev_top := one.ev_top;
		u_series_id := one.u_series_id;
		u_ts := one.u_ts;
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
				ev_top := ev_top || one.ev_top;
				u_series_id := u_series_id || one.u_series_id;
				u_ts := u_ts || one.u_ts;
			EXCEPTION WHEN OTHERS THEN
				GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, state = RETURNED_SQLSTATE;
				fails := fails || jsonb_build_object('series', s, 'stage', 'score', 'sqlstate', state, 'message', msg);
				UPDATE @extschema@.anomaly_series x SET last_error = 'score: ' || msg, last_error_at = now()
				WHERE x.detector = d.name AND x.series = s;
				RAISE WARNING 'detector "%": scoring series "%" failed: %', name, s, msg;
			END;
		END LOOP;
	END;

	-- 4. Stale series: a series whose newest scored row is more than
	--    missing_after sampling intervals older than the clock (the newest
	--    row of the detector over all series, or with missing_clock "run" the
	--    run's time) gets one open stale event, extended while it stays so
	--    and closed when it is no longer stale or is retired.
	IF p.missing_after IS NULL THEN
		UPDATE @extschema@.anomaly_missing o SET is_open = false WHERE o.detector = d.name AND o.is_open;
	ELSE
		clock := CASE WHEN p.missing_clock = 'run' THEN now()
		              ELSE (SELECT max(x.watermark) FROM @extschema@.anomaly_series x WHERE x.detector = d.name) END;
		UPDATE @extschema@.anomaly_missing o
		SET is_open = coalesce(c.stale, false),
		    ended_at = CASE WHEN c.stale THEN greatest(o.ended_at, c.watermark + c.step * c.m) ELSE o.ended_at END,
		    missing_rows = CASE WHEN c.stale THEN greatest(o.missing_rows, c.m) ELSE o.missing_rows END
		FROM @extschema@.anomaly_missing o2
		LEFT JOIN @extschema@._anomaly_stale(d.name, clock, p.missing_after) c ON c.series_id = o2.series_id
		WHERE o2.detector = d.name AND o2.is_open
		  AND o.series_id = o2.series_id AND o.started_at = o2.started_at;
		-- A series that comes back to a stretch recorded before (same
		-- watermark, e.g. after missing_after was raised and lowered again)
		-- reopens it without a new event.
		INSERT INTO @extschema@.anomaly_missing AS o
			(detector, series, series_id, cause, started_at, ended_at, missing_rows, sampling_interval, is_open, run_id)
		SELECT d.name, c.series, c.series_id, 'stale', c.watermark + c.step, c.watermark + c.step * c.m, c.m, c.step,
		       true, run_id
		FROM @extschema@._anomaly_stale(d.name, clock, p.missing_after) c
		WHERE c.stale
		  AND NOT EXISTS (SELECT 1 FROM @extschema@.anomaly_missing x WHERE x.series_id = c.series_id AND x.is_open)
		ON CONFLICT (series_id, started_at) DO UPDATE
		SET is_open = true, ended_at = greatest(o.ended_at, excluded.ended_at),
		    missing_rows = greatest(o.missing_rows, excluded.missing_rows);
	END IF;
	SELECT count(*), coalesce(jsonb_agg(jsonb_build_object('series', left(t.series, 100), 'cause', t.cause,
	                                                       'started_at', t.started_at, 'ended_at', t.ended_at,
	                                                       'missing_rows', t.missing_rows)
	                                    ORDER BY t.missing_rows DESC, t.series, t.started_at)
	                          FILTER (WHERE t.rank <= 5), '[]')
	INTO missing_events, top_missing
	FROM (SELECT o.*, row_number() OVER (ORDER BY o.missing_rows DESC, o.series, o.started_at) AS rank
	      FROM @extschema@.anomaly_missing o WHERE o.run_id = _anomaly_run.run_id) t;

	-- 5. New events: anomalous rows of this run that start an event, i.e. whose
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
		  AND NOT coalesce((SELECT o.is_anomaly AND o.run_id <> _anomaly_run.run_id FROM @extschema@.anomaly_results o
		                    WHERE o.series_id = u.series_id AND o.ts > u.ts
		                    ORDER BY o.ts LIMIT 1), false)
		GROUP BY u.series_id
	), ranked AS (
		SELECT e.series, e.starts + coalesce(l.starts, 0) AS events, e.peak, e.top
		FROM unnest(ev_series_id, ev_series, ev_starts, ev_peak, ev_top) AS e(series_id, series, starts, peak, top)
		LEFT JOIN looked l ON l.series_id = e.series_id
		WHERE e.starts + coalesce(l.starts, 0) > 0
	)
	SELECT coalesce(sum(r.events), 0),
	       coalesce(jsonb_agg(jsonb_build_object('series', left(r.series, 100), 'new_events', r.events,
	                                             'peak_score', r.peak)
	                          -- multivariate detectors: the column that contributes most at the peak
	                          || CASE WHEN r.top IS NOT NULL THEN jsonb_build_object('top_column', r.top) ELSE '{}' END
	                          ORDER BY r.peak DESC NULLS LAST, r.series)
	                FILTER (WHERE r.rank <= 5), '[]')
	INTO new_events, top
	FROM (SELECT ranked.*, row_number() OVER (ORDER BY ranked.peak DESC NULLS LAST, ranked.series) AS rank
	      FROM ranked) r;

	new_events := new_events + missing_events;
	IF new_events > 0 THEN
		payload := jsonb_build_object('detector', name, 'run_id', run_id, 'new_events', new_events,
		                              'anomalies', anomalies, 'top_series', top,
		                              'missing_events', missing_events, 'missing', top_missing)::text;
		PERFORM pg_notify('anomaly', payload);
	END IF;

	SELECT count(*) INTO series FROM @extschema@.anomaly_series x WHERE x.detector = d.name;
	failures := jsonb_array_length(fails);
	duration := clock_timestamp() - started;
	INSERT INTO @extschema@.anomaly_runs (run_id, detector, started_at, finished_at, series, fitted, rows_scored,
	                                      anomalies, new_events, failures, failure_details, run_by, missing_events)
	VALUES (run_id, d.name, started, started + duration, series, fitted, rows_scored,
	        anomalies, new_events, failures, fails, caller, missing_events);
END
$$;
COMMENT ON FUNCTION @extschema@._anomaly_run(text, name) IS
	'anomaly (internal): the run of anomaly_run, called as the detector''s owner';

-- A run reads the source (a view may call any function) with the rights of
-- the detector's owner, never the caller's: a superuser's job that runs
-- everyone's detectors must not lend its rights to code the owners wrote.
-- SET ROLE would not do: code run under it may RESET ROLE back to the
-- session user.  Unless caller and session are the owner, the run goes
-- through a temporary SECURITY DEFINER function owned by the owner, inside
-- which PostgreSQL refuses SET ROLE and SET SESSION AUTHORIZATION.  The
-- function lives in the caller's pg_temp for the length of the call.
-- The relations and types that a role owns in this session's temporary schema,
-- with the DROP statement's kind and qualified name of each (the row types and
-- array types made with a relation or type go with it).
CREATE OR REPLACE FUNCTION @extschema@._anomaly_temp_objects(owner oid, OUT oid oid, OUT kind text, OUT name text)
RETURNS SETOF record
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT c.oid,
	       CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
	                      WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'c' THEN 'TYPE' ELSE 'TABLE' END,
	       format('%I.%I', n.nspname, c.relname)
	FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE c.relnamespace = pg_my_temp_schema() AND c.relowner = owner AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c')
	UNION ALL
	SELECT t.oid, CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, format('%I.%I', n.nspname, t.typname)
	FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
	WHERE t.typnamespace = pg_my_temp_schema() AND t.typowner = owner AND t.typtype IN ('d', 'e', 'r')
$$;
COMMENT ON FUNCTION @extschema@._anomaly_temp_objects(oid) IS
	'anomaly (internal): the relations and types a role owns in the session''s temporary schema';

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
AS $$
DECLARE
	-- Checks that the caller is a member of the owner, and locks the detector.
	d @extschema@.anomaly_detectors := @extschema@._anomaly_lock_detector(name);
	caller name := current_user;
	had oid[];
	left_over record;
BEGIN
	IF caller = session_user AND d.owner = (SELECT r.oid FROM pg_roles r WHERE r.rolname = caller) THEN
		SELECT * INTO run_id, series, fitted, rows_scored, anomalies, new_events, failures, duration
		FROM @extschema@._anomaly_run(name, caller);
		RETURN;
	END IF;
	CREATE OR REPLACE FUNCTION pg_temp._anomaly_run_as_owner(text, name, OUT run_id bigint, OUT series integer,
	                                              OUT fitted integer, OUT rows_scored bigint, OUT anomalies bigint,
	                                              OUT new_events integer, OUT failures integer, OUT duration interval)
	LANGUAGE sql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS 'SELECT * FROM @extschema@._anomaly_run($1, $2)';
	EXECUTE format('ALTER FUNCTION pg_temp._anomaly_run_as_owner(text, name) OWNER TO %s', d.owner);
	-- The owner's temporary relations and types before the run: the ones its
	-- code adds during the run are dropped after it (see below).
	SELECT coalesce(array_agg(o.oid), '{}') INTO had FROM @extschema@._anomaly_temp_objects(d.owner) o;
	EXECUTE 'SELECT * FROM pg_temp._anomaly_run_as_owner($1, $2)'
	INTO run_id, series, fitted, rows_scored, anomalies, new_events, failures, duration
	USING name, caller;
	DROP FUNCTION pg_temp._anomaly_run_as_owner(text, name);
	-- The owner's code ran in the caller's session.  pg_temp comes first in the
	-- session's search_path for relations and types, so a temporary view it left
	-- could stand in for a table that the caller names later without a schema,
	-- and run the owner's functions with the caller's rights: drop what it added.
	-- (Functions in pg_temp are never found without the schema's name.)
	FOR left_over IN SELECT o.kind, o.name FROM @extschema@._anomaly_temp_objects(d.owner) o
	                 WHERE o.oid <> ALL (had) LOOP
		EXECUTE format('DROP %s IF EXISTS %s CASCADE', left_over.kind, left_over.name);
	END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.anomaly_run(text) IS
	'anomaly: one incremental run of a detector (fit where needed, score new and late rows, write results, advance watermarks, notify)';
