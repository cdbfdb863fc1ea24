-- Multivariate detectors: anomaly_create_detector over several value columns
-- fits one mv_fit model per series over their vector, scores new rows with
-- mv_detect and writes the score, the contributions and the top column.
-- Host metrics: CPU, memory and latency of three hosts follow one load (each
-- with its own noise).  On h2 at 2026-05-03 03:40 CPU and latency say high
-- load and memory says idle: each metric lies within its own range, the
-- joint relation is broken, and memory is the odd one out.
\set SHOW_CONTEXT never
SET extra_float_digits = 0;
SET timezone = 'UTC';

CREATE TABLE mv_src (host text, ts timestamptz, cpu float8, mem float8, lat numeric, label text);
CREATE FUNCTION mv_row(h integer, i integer) RETURNS mv_src LANGUAGE sql IMMUTABLE AS $$
	SELECT 'h' || h, timestamptz '2026-05-01 00:00+00' + i * interval '10 minutes',
	       round((10 + 70 * l + (abs(hashint4(h * 100000 + i * 3)) % 1000) / 1000.0 * 3)::numeric, 2)::float8,
	       round((20 + 40 * l + (abs(hashint4(h * 100000 + i * 3 + 1)) % 1000) / 1000.0 * 3)::numeric, 2)::float8,
	       round((30 + 50 * l + (abs(hashint4(h * 100000 + i * 3 + 2)) % 1000) / 1000.0 * 4)::numeric, 2), 'x'
	FROM (SELECT (abs(hashint4(h * 7919 + i)) % 10000) / 10000.0 AS l) x
$$;
-- Training: rows 0 .. 299 (10-minute samples, May 1 00:00 .. May 3 01:50).
INSERT INTO mv_src SELECT (mv_row(h, i)).* FROM generate_series(1, 3) h, generate_series(0, 299) i;
CREATE TABLE mv_upto (upto timestamptz);
INSERT INTO mv_upto VALUES ('2026-05-03 01:50+00');
CREATE VIEW mv_view AS SELECT * FROM mv_src WHERE ts <= (SELECT upto FROM mv_upto);

-- Bad calls.
SELECT anomaly_create_detector('mv_x', 'mv_view', 'ts', ARRAY['cpu', 'nope'], 'host');
SELECT anomaly_create_detector('mv_x', 'mv_view', 'ts', ARRAY['cpu', 'label'], 'host');
SELECT anomaly_create_detector('mv_x', 'mv_view', 'ts', ARRAY['cpu'], 'host');
SELECT anomaly_create_detector('mv_x', 'mv_view', 'ts', ARRAY[]::text[], 'host');
SELECT anomaly_create_detector('mv_x', 'mv_view', 'ts', ARRAY['cpu', 'mem', 'cpu'], 'host');
SELECT anomaly_create_detector('mv_x', 'mv_view', 'ts', ARRAY['cpu', NULL], 'host');
SELECT anomaly_create_detector('mv_x', 'mv_view', 'ts', NULL::text[], 'host');
SELECT anomaly_create_detector('mv_x', 'mv_view', 'ts', ARRAY[['cpu', 'mem'], ['lat', 'cpu']], 'host');
SELECT anomaly_create_detector('mv_x', 'mv_view', 'cpu', ARRAY['mem', 'lat'], 'host');
-- mv_fit's own errors, at creation (terse: their hints list mv_fit's options, which grow).
\set VERBOSITY terse
SELECT anomaly_create_detector('mv_x', 'mv_view', 'ts', ARRAY['cpu', 'mem'], 'host', '{"method": "nope"}');
SELECT anomaly_create_detector('mv_x', 'mv_view', 'ts', ARRAY['cpu', 'mem'], 'host', '{"method": "pca", "components": 2}');
\set VERBOSITY default
SELECT anomaly_create_detector('mv_x', 'mv_view', 'ts', ARRAY['cpu', 'mem'], 'host', '{"refit_every": "soon"}');
SELECT count(*) AS detectors FROM anomaly_detectors;

-- The detector: refits after 25 new rows, takes rows up to 6 hours late.
SELECT anomaly_create_detector('mv', 'mv_view', 'ts', ARRAY['cpu', 'mem', 'lat'], 'host',
                               '{"refit_every": 25, "late_window": "6 hours"}');
SELECT name, value_column, value_columns, series_column, options FROM anomaly_detectors;

-- Run 1 fits the three hosts and scores their training rows: none is flagged.
SELECT series, fitted, rows_scored, anomalies, new_events, failures FROM anomaly_run('mv');
SELECT series, train_points, info ->> 'method' AS method, info -> 'dimensions' AS dimensions,
       info -> 'interval_seconds' AS interval_seconds
FROM anomaly_models WHERE detector = 'mv' ORDER BY series;

-- New rows 300 .. 329: the broken row on h2 (row 310), a NULL memory and a
-- NaN CPU on h1 (rows 305, 306: left out, like a NULL value of a univariate
-- detector), and h3 misses rows 315 .. 319 (a gap of 5 rows).
INSERT INTO mv_src
SELECT (mv_row(h, i)).* FROM generate_series(1, 3) h, generate_series(300, 329) i
WHERE NOT (h = 3 AND i BETWEEN 315 AND 319) AND NOT (h = 1 AND i IN (305, 306)) AND NOT (h = 2 AND i = 310);
INSERT INTO mv_src VALUES ('h2', '2026-05-03 03:40+00', 73, 22, 75, 'x'),
                          ('h1', '2026-05-03 02:50+00', 40, NULL, 50, 'x'),
                          ('h1', '2026-05-03 03:00+00', 'NaN', 35, 50, 'x');
-- The premise: each metric of the broken row lies inside the range h2 covers in training.
SELECT bool_and(b.cpu BETWEEN t.cpu_min AND t.cpu_max) AS cpu_in_range,
       bool_and(b.mem BETWEEN t.mem_min AND t.mem_max) AS mem_in_range,
       bool_and(b.lat BETWEEN t.lat_min AND t.lat_max) AS lat_in_range
FROM mv_src b,
     (SELECT min(cpu) AS cpu_min, max(cpu) AS cpu_max, min(mem) AS mem_min, max(mem) AS mem_max,
             min(lat) AS lat_min, max(lat) AS lat_max
      FROM mv_src WHERE host = 'h2' AND ts <= '2026-05-03 01:50+00') t
WHERE b.host = 'h2' AND b.ts = '2026-05-03 03:40+00';

-- Run 2, listening: psql prints the notification into the file of \o,
-- read back below (its line names a process id that changes from run to run).
\getenv abs_builddir PG_ABS_BUILDDIR
\set notify_file :abs_builddir '/results/detectors_mv_notify.txt'
UPDATE mv_upto SET upto = '2026-05-03 06:50+00';
LISTEN anomaly;
\o :notify_file
SELECT series, fitted, rows_scored, anomalies, new_events, failures FROM anomaly_run('mv');
\o
UNLISTEN anomaly;
\set payload `sed -n 's/^Asynchronous notification "anomaly" with payload "\(.*\)" received from server process with PID [0-9]*\.$/\1/p' :notify_file`
SELECT p -> 'detector' AS detector, p -> 'new_events' AS new_events, p -> 'anomalies' AS anomalies,
       p -> 'missing_events' AS missing_events, jsonb_path_query_array(p, '$.top_series[*].series') AS top_series,
       jsonb_path_query_array(p, '$.top_series[*].top_column') AS top_column
FROM (SELECT :'payload'::jsonb AS p) x;
SELECT series, fitted, rows_scored, anomalies, new_events, missing_events FROM anomaly_runs
WHERE detector = 'mv' ORDER BY run_id;

-- The one flagged row, its top column and the value written (that column's).
SELECT series, ts, value, round(score::numeric, 3) AS score, top_column,
       array_length(contributions, 1) AS n_contributions, expected, lower, upper
FROM anomaly_results WHERE detector = 'mv' AND is_anomaly;
-- Rows without a result: the NULL and NaN rows of h1.
SELECT s.host, s.ts FROM mv_src s
WHERE NOT EXISTS (SELECT 1 FROM anomaly_results r WHERE r.detector = 'mv' AND r.series = s.host AND r.ts = s.ts)
ORDER BY 1, 2;

-- Every stored score equals mv_score of the stored model on the source row,
-- and the contributions and top column those of mv_detect.
SELECT count(*) AS results,
       count(*) FILTER (WHERE r.score = mv_score(m.model, ARRAY[s.cpu, s.mem, s.lat::float8])) AS same_score,
       count(*) FILTER (WHERE r.is_anomaly = (r.score > 1)) AS same_flag,
       count(*) FILTER (WHERE r.contributions = (mv_detect(m.model, ARRAY[s.cpu, s.mem, s.lat::float8])).contributions)
           AS same_contributions,
       count(*) FILTER (WHERE r.value = CASE r.top_column WHEN 'cpu' THEN s.cpu WHEN 'mem' THEN s.mem
                                                        ELSE s.lat::float8 END) AS value_of_top_column
FROM anomaly_results r
JOIN anomaly_models m ON m.model_id = r.model_id
JOIN mv_src s ON s.host = r.series AND s.ts = r.ts
WHERE r.detector = 'mv';

-- The same, computed independently from the location, covariance and
-- threshold in the model's info: the Mahalanobis distance with the inverse
-- covariance by cofactors, and each column's share w_k^2 / (C^-1)_kk
-- (w = C^-1 u), the top column being the largest.
CREATE FUNCTION mv_check(info jsonb, x float8[], OUT distance float8, OUT top integer, OUT shares float8[])
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	c float8[] := ARRAY(SELECT (info #>> ARRAY['covariance', (i - 1)::text, (j - 1)::text])::float8
	                    FROM generate_series(1, 3) i, generate_series(1, 3) j ORDER BY i, j);
	a float8[];
	det float8;
	u float8[];
	w float8[] := '{0,0,0}';
	r float8[];
BEGIN
	-- c[(i-1)*3+j] = C_ij; a: the adjugate (inverse times the determinant)
	a := ARRAY[c[5] * c[9] - c[6] * c[8], c[3] * c[8] - c[2] * c[9], c[2] * c[6] - c[3] * c[5],
	           c[6] * c[7] - c[4] * c[9], c[1] * c[9] - c[3] * c[7], c[3] * c[4] - c[1] * c[6],
	           c[4] * c[8] - c[5] * c[7], c[2] * c[7] - c[1] * c[8], c[1] * c[5] - c[2] * c[4]];
	det := c[1] * a[1] + c[2] * a[4] + c[3] * a[7];
	u := ARRAY(SELECT x[k] - (info #>> ARRAY['location', (k - 1)::text])::float8 FROM generate_series(1, 3) k ORDER BY k);
	FOR i IN 1 .. 3 LOOP
		w[i] := (a[(i - 1) * 3 + 1] * u[1] + a[(i - 1) * 3 + 2] * u[2] + a[(i - 1) * 3 + 3] * u[3]) / det;
	END LOOP;
	distance := sqrt(u[1] * w[1] + u[2] * w[2] + u[3] * w[3]);
	r := ARRAY[w[1] ^ 2 / (a[1] / det), w[2] ^ 2 / (a[5] / det), w[3] ^ 2 / (a[9] / det)];
	shares := ARRAY[r[1] / (r[1] + r[2] + r[3]), r[2] / (r[1] + r[2] + r[3]), r[3] / (r[1] + r[2] + r[3])];
	top := CASE WHEN r[1] >= greatest(r[2], r[3]) THEN 1 WHEN r[2] >= r[3] THEN 2 ELSE 3 END;
END
$$;
SELECT count(*) AS results,
       count(*) FILTER (WHERE abs(r.score - k.distance / (m.info ->> 'threshold')::float8) <= 1e-9 * greatest(r.score, 1))
           AS score_within_1e_9,
       count(*) FILTER (WHERE r.top_column = (ARRAY['cpu', 'mem', 'lat'])[k.top]) AS same_top_column,
       count(*) FILTER (WHERE abs(r.contributions[1] - k.shares[1]) <= 1e-9 AND abs(r.contributions[2] - k.shares[2]) <= 1e-9
                          AND abs(r.contributions[3] - k.shares[3]) <= 1e-9) AS shares_within_1e_9
FROM anomaly_results r
JOIN anomaly_models m ON m.model_id = r.model_id
JOIN mv_src s ON s.host = r.series AND s.ts = r.ts,
LATERAL mv_check(m.info, ARRAY[s.cpu, s.mem, s.lat::float8]) k
WHERE r.detector = 'mv';
-- The threshold of score 1 is the default: sqrt of the chi-square(3) quantile at 1 - 0.001.
SELECT DISTINCT round((info ->> 'threshold')::numeric, 4) AS threshold, round(sqrt(16.266236196238)::numeric, 4) AS expected
FROM anomaly_models WHERE detector = 'mv';

-- The views name the top column: the event at its peak, the latest row of each series.
SELECT detector, series, kind, started_at, ended_at, anomalous_rows, round(peak_score::numeric, 3) AS peak_score,
       peak_value, top_column, missing_rows
FROM anomaly_events WHERE detector = 'mv' ORDER BY kind, series;
SELECT l.series, l.ts, l.top_column = r.top_column AS same_top, l.contributions = r.contributions AS same_contributions
FROM anomaly_latest l JOIN anomaly_results r ON r.detector = l.detector AND r.series = l.series AND r.ts = l.ts
WHERE l.detector = 'mv' ORDER BY l.series;

-- Run 3: a late row of h1 (02:50, before the watermark, within late_window)
-- is scored, and every series is refitted (25 or more rows since the fit) on
-- its rows up to its watermark.
UPDATE mv_src SET mem = 35 WHERE host = 'h1' AND ts = '2026-05-03 02:50+00';
SELECT series, fitted, rows_scored, anomalies, new_events, failures FROM anomaly_run('mv');
SELECT r.series, r.ts, r.is_anomaly, r.score = mv_score(m.model, ARRAY[40, 35, 50]::float8[]) AS same_score
FROM anomaly_results r JOIN anomaly_models m ON m.model_id = r.model_id
WHERE r.detector = 'mv' AND r.run_id = (SELECT max(run_id) FROM anomaly_runs WHERE detector = 'mv');
SELECT series, count(*) AS models, count(*) FILTER (WHERE is_current) AS current,
       max(train_points) FILTER (WHERE is_current) AS train_points,
       max(train_to) FILTER (WHERE is_current) AS train_to
FROM anomaly_models WHERE detector = 'mv' GROUP BY series ORDER BY series;

-- The training rows are chosen as for one column: the newest 50 points (the
-- NaN row of h1 and the gap of h3 do not count), or the rows less than 3
-- hours older than the newest (04:00 .. 06:50: 18 rows, 13 on h3, which
-- misses 04:30 .. 05:10).
SELECT anomaly_create_detector('mv_tp', 'mv_src', 'ts', ARRAY['cpu', 'mem', 'lat'], 'host', '{"train_window": 50}');
SELECT anomaly_create_detector('mv_tw', 'mv_src', 'ts', ARRAY['cpu', 'mem', 'lat'], 'host', '{"train_window": "3 hours"}');
SELECT series, fitted, rows_scored, failures FROM anomaly_run('mv_tp');
SELECT series, fitted, rows_scored, failures FROM anomaly_run('mv_tw');
SELECT detector, series, train_points, train_from, train_to FROM anomaly_models
WHERE detector IN ('mv_tp', 'mv_tw') ORDER BY detector, series;
SELECT anomaly_drop_detector('mv_tp');
SELECT anomaly_drop_detector('mv_tw');

-- Owner's rights: a role that may not read one of the value columns can
-- neither create the detector nor run it; a superuser's run reads as the owner.
CREATE ROLE regress_mv_owner;
GRANT SELECT (host, ts, cpu, mem) ON mv_src TO regress_mv_owner;
SET ROLE regress_mv_owner;
SELECT anomaly_create_detector('mv_sec', 'mv_src', 'ts', ARRAY['cpu', 'mem', 'lat'], 'host');
RESET ROLE;
GRANT SELECT (lat) ON mv_src TO regress_mv_owner;
SET ROLE regress_mv_owner;
SELECT anomaly_create_detector('mv_sec', 'mv_src', 'ts', ARRAY['cpu', 'mem', 'lat'], 'host');
RESET ROLE;
SELECT series, fitted, rows_scored, anomalies, failures FROM anomaly_run('mv_sec');
SELECT run_by FROM anomaly_runs WHERE detector = 'mv_sec';
REVOKE SELECT (lat) ON mv_src FROM regress_mv_owner;
SELECT * FROM anomaly_run('mv_sec');

SELECT anomaly_drop_detector('mv_sec');
SELECT anomaly_drop_detector('mv');
SELECT count(*) AS results_left FROM anomaly_results WHERE detector IN ('mv', 'mv_sec');
DROP OWNED BY regress_mv_owner;
DROP ROLE regress_mv_owner;
DROP FUNCTION mv_check(jsonb, float8[]);
DROP FUNCTION mv_row(integer, integer);
DROP VIEW mv_view;
DROP TABLE mv_src, mv_upto;
