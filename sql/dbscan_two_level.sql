-- Two-level dbscan_fit: dbscan_fit_merge(dbscan_fit_state(...)) over any split of the rows
-- gives the same bytes as dbscan_fit over all of them.

-- 4 groups of 200 rows of 2 features: 3 blobs and scattered noise, rows repeated and
-- signed zeros among them (ties in the canonical order), NULL rows in every group,
-- group 4 all NULL
CREATE TABLE dt AS
SELECT g, i,
       CASE WHEN g = 4 OR i % 41 = 0 THEN NULL
            WHEN i % 53 = 0 THEN ARRAY[0, 0]::float8[]
            WHEN i % 59 = 0 THEN ARRAY[-0.0::float8, 0]
            WHEN i % 10 = 9 THEN ARRAY[20 * a - 10, 20 * b - 10]
            ELSE ARRAY[round((3 * (i % 3) + a)::numeric, 2), round((g * (i % 3) + b)::numeric, 2)]::float8[] END AS f
FROM (SELECT g, i,
             (('x' || substr(md5(g || ':a:' || i), 1, 8))::bit(32)::int / 4294967296.0 + 0.5) AS a,
             (('x' || substr(md5(g || ':b:' || i), 1, 8))::bit(32)::int / 4294967296.0 + 0.5) AS b
      FROM generate_series(1, 4) g, generate_series(1, 200) i) x;
CREATE TABLE dt_par (g int, eps float8, min_points int, standardize boolean);
INSERT INTO dt_par VALUES (1, 0.4, 5, false), (2, 0.5, 4, true), (3, 0.3, 8, false), (4, 0.5, 5, true);

-- reference: dbscan_fit over all the rows of a group
CREATE TABLE dt_ref AS
SELECT g, dbscan_fit(f, p.eps, p.min_points) AS fit3, dbscan_fit(f, p.eps, p.min_points, p.standardize) AS fit4
FROM dt JOIN dt_par p USING (g) GROUP BY g;
-- the models found clusters, and a row scores NULL exactly when the window function
-- calls it noise (an independent path: dbscan_outliers clusters the rows itself)
SELECT g, fit4 IS NULL AS fit4_null,
       (SELECT count(DISTINCT dbscan_score(r.fit4, d.f)) FROM dt d WHERE d.g = r.g) AS clusters,
       (SELECT count(*) FROM dt d WHERE d.g = r.g AND d.f IS NOT NULL AND dbscan_score(r.fit4, d.f) IS NULL) AS scored_noise,
       (SELECT count(*) FILTER (WHERE o) FROM (SELECT dbscan_outliers(d.f, p.eps, p.min_points, p.standardize) OVER () AS o
                                              FROM dt d JOIN dt_par p USING (g) WHERE d.g = r.g) w) AS window_noise
FROM dt_ref r ORDER BY g;

-- 30 random splits into 1 to 6 parts (a part may hold only NULL rows or none)
SELECT setseed(0.17);
CREATE TABLE dt_split AS
SELECT t, g, f, floor(random() * (1 + t % 6))::int AS part
FROM generate_series(1, 30) t, dt;
CREATE TABLE dt_states AS
SELECT t, g, part, dbscan_fit_state(f, p.eps, p.min_points) AS s3,
       dbscan_fit_state(f, p.eps, p.min_points, p.standardize) AS s4
FROM dt_split JOIN dt_par p USING (g) GROUP BY t, g, part;
CREATE TABLE dt_merged AS
SELECT t, g, dbscan_fit_merge(s3) AS fit3, dbscan_fit_merge(s4) AS fit4, count(*) AS parts
FROM dt_states GROUP BY t, g;
SELECT count(*) AS merged, count(DISTINCT parts) AS part_counts,
       count(*) FILTER (WHERE m.fit3 IS NOT DISTINCT FROM r.fit3) AS fit3_identical,
       count(*) FILTER (WHERE m.fit4 IS NOT DISTINCT FROM r.fit4) AS fit4_identical
FROM dt_merged m JOIN dt_ref r USING (g);

-- the same in a parallel plan (states combined by parallel workers)
\i sql/include/force_parallel.sql
EXPLAIN (COSTS OFF) SELECT g, dbscan_fit_merge(s4) FROM dt_states GROUP BY g;
SELECT count(*) FILTER (WHERE m.fit4 IS NOT DISTINCT FROM r.fit4) AS fit4_identical_parallel
FROM (SELECT g, dbscan_fit_merge(s4) AS fit4 FROM dt_states WHERE t <= 10 GROUP BY g, t) m
JOIN dt_ref r USING (g);
SELECT count(*) FILTER (WHERE m.s IS NOT DISTINCT FROM r.s) AS state_identical_parallel
FROM (SELECT g, dbscan_fit_state(f, p.eps, p.min_points, p.standardize) AS s FROM dt JOIN dt_par p USING (g) GROUP BY g) m
JOIN (SELECT g, dbscan_fit_state(s4) AS s FROM dt_states WHERE t = 5 GROUP BY g) r USING (g);
\i sql/include/reset_parallel.sql

-- a state is canonical: the sorted vectors, whatever the split and the row order;
-- merging states into a state (rollup) gives the state of all the rows
SELECT count(*) AS groups_checked,
       count(*) FILTER (WHERE rolled IS NOT DISTINCT FROM whole) AS rollup_identical
FROM (SELECT g, dbscan_fit_state(s4) AS rolled FROM dt_states WHERE t = 7 GROUP BY g) a
JOIN (SELECT g, dbscan_fit_state(f, p.eps, p.min_points, p.standardize ORDER BY md5(i::text)) AS whole
      FROM dt JOIN dt_par p USING (g) GROUP BY g) b USING (g);
-- -0 sorts before +0, so the two orders of these rows give one state, and one model
-- (min_points 1: every row is a core point stored in the model, with its sign)
SELECT (SELECT dbscan_fit_state(f, 1, 1 ORDER BY k) FROM (VALUES (1, '{0,1}'::float8[]), (2, '{-0,1}'), (3, '{-0,0}')) r(k, f))
     = (SELECT dbscan_fit_state(f, 1, 1 ORDER BY k DESC) FROM (VALUES (1, '{0,1}'::float8[]), (2, '{-0,1}'), (3, '{-0,0}')) r(k, f))
       AS signed_zero_canonical_state,
       (SELECT dbscan_fit(f, 1, 1 ORDER BY k) FROM (VALUES (1, '{0,1}'::float8[]), (2, '{-0,1}'), (3, '{-0,0}')) r(k, f))
     = (SELECT dbscan_fit(f, 1, 1 ORDER BY k DESC) FROM (VALUES (1, '{0,1}'::float8[]), (2, '{-0,1}'), (3, '{-0,0}')) r(k, f))
       AS signed_zero_canonical_model;

-- "update a model with this week's rows": keep the old state, merge it with the new rows'
SELECT dbscan_fit_merge(s) = (SELECT dbscan_fit(f, 0.4, 5) FROM dt WHERE g = 1) AS updated_identical
FROM (SELECT dbscan_fit_state(f, 0.4, 5) AS s FROM dt WHERE g = 1 AND i <= 120
      UNION ALL
      SELECT dbscan_fit_state(f, 0.4, 5) FROM dt WHERE g = 1 AND i > 120) u;
-- the three-argument form is standardize false: its states merge with the four-argument form's
SELECT dbscan_fit_state(f, 0.4, 5) = dbscan_fit_state(f, 0.4, 5, false) AS three_args_is_false
FROM dt WHERE g = 1;
SELECT dbscan_fit_merge(s) = (SELECT dbscan_fit(f, 0.4, 5) FROM dt WHERE g = 1) AS mixed_forms
FROM (SELECT dbscan_fit_state(f, 0.4, 5) AS s FROM dt WHERE g = 1 AND i <= 70
      UNION ALL SELECT dbscan_fit_state(f, 0.4, 5, false) FROM dt WHERE g = 1 AND i > 70) u;

-- the layout (independent of the code: header 16 bytes, payload version, d (u32), eps (f64),
-- min_points (i64), standardize (u8), n (u64), then the rows, 8 bytes a feature,
-- little-endian, sorted)
CREATE FUNCTION pg_temp.le(b bytea, off int, len int) RETURNS numeric LANGUAGE sql IMMUTABLE AS
$$ SELECT sum(get_byte(b, off + k)::numeric * 256 ^ k) FROM generate_series(0, len - 1) k $$;
-- float8send is big-endian: its bytes reversed
CREATE FUNCTION pg_temp.le_f8(x float8) RETURNS bytea LANGUAGE sql IMMUTABLE AS
$$ SELECT string_agg(substring(float8send(x) FROM 9 - k FOR 1), ''::bytea ORDER BY k) FROM generate_series(1, 8) k $$;
SELECT g, substring(s FROM 1 FOR 4) AS magic, get_byte(s, 4) AS format, get_byte(s, 5) AS kind,
       get_byte(s, 16) AS payload_version, pg_temp.le(s, 17, 4) AS d,
       substring(s FROM 22 FOR 8) = pg_temp.le_f8(eps) AS eps_ok,
       pg_temp.le(s, 29, 8) AS min_points, get_byte(s, 37) AS standardize,
       pg_temp.le(s, 38, 8) = n AS n_ok,
       length(s) = 16 + 1 + 4 + 8 + 8 + 1 + 8 + 2 * 8 * n AS length_ok,
       pg_temp.le_f8(first[1]) = substring(s FROM 47 FOR 8) AS first_is_min
FROM (SELECT g, p.eps, dbscan_fit_state(f, p.eps, p.min_points, p.standardize) AS s, count(f) AS n, min(f) AS first
      FROM dt JOIN dt_par p USING (g) GROUP BY g, p.eps) x
ORDER BY g;
-- the first feature, little-endian on the wire: 1.5 = 0x3FF8000000000000
SELECT substring(dbscan_fit_state(ARRAY[1.5]::float8[], 2, 3) FROM 47 FOR 8) AS one_point_five;

-- A state frozen from payload version 1 (test/fixtures/dbscan_fit_state_v1.hex, written
-- from the layout above by a Python script, not by this code): the corners of the unit
-- squares at (0, 0) and (10, 10), eps 0.5, min_points 2, standardize true.  The
-- aggregate writes these bytes, and every later build must merge them into dbscan_fit's
-- model over those rows (the model of test/fixtures/dbscan_scaled_v1.hex).
CREATE TEMP TABLE fx_rows AS
SELECT ARRAY[x + dx, y + dy]::float8[] AS f
FROM (VALUES (0, 0), (10, 10)) c(x, y), (VALUES (0, 0), (0, 1), (1, 0), (1, 1)) d(dx, dy);
SELECT dbscan_fit_state(f, 0.5, 2, true ORDER BY f DESC) = '\x414e4f4d010700009e000000bfc72d410102000000000000000000e03f0200000000000000010800000000000000000000000000000000000000000000000000000000000000000000000000f03f000000000000f03f0000000000000000000000000000f03f000000000000f03f00000000000024400000000000002440000000000000244000000000000026400000000000002640000000000000244000000000000026400000000000002640'::bytea AS dbscan_fit_state_v1_written,
       (SELECT dbscan_fit_merge('\x414e4f4d010700009e000000bfc72d410102000000000000000000e03f0200000000000000010800000000000000000000000000000000000000000000000000000000000000000000000000f03f000000000000f03f0000000000000000000000000000f03f000000000000f03f00000000000024400000000000002440000000000000244000000000000026400000000000002640000000000000244000000000000026400000000000002640'::bytea)) = dbscan_fit(f, 0.5, 2, true) AS dbscan_fit_state_v1_ok,
       dbscan_fit(f, 0.5, 2, true) = '\x414e4f4d01030000dd0000005484641b02000000000000000000e03f02000000000000000100000000000016400000000000001640f029234c89191440f029234c891914400200000008000000ca7f14543d83f1bfca7f14543d83f1bfca7f14543d83f1bfbf5c67cf35a8ecbfbf5c67cf35a8ecbfca7f14543d83f1bfbf5c67cf35a8ecbfbf5c67cf35a8ecbfbf5c67cf35a8ec3fbf5c67cf35a8ec3fbf5c67cf35a8ec3fca7f14543d83f13fca7f14543d83f13fbf5c67cf35a8ec3fca7f14543d83f13fca7f14543d83f13f0000000000000000000000000000000001000000010000000100000001000000'::bytea AS same_as_dbscan_scaled_v1
FROM fx_rows;

-- empty groups and NULL rows: no state, and merging nothing gives NULL like dbscan_fit
SELECT dbscan_fit_state(f, 0.5, 5) IS NULL AS empty_state, dbscan_fit_state(f, 0.5, 5, true) IS NULL AS empty_state4,
       dbscan_fit(f, 0.5, 5) IS NULL AS empty_fit
FROM dt WHERE g = 4;
SELECT dbscan_fit_merge(s) IS NULL AS merge_none, dbscan_fit_merge(NULL::bytea) IS NULL AS merge_null,
       dbscan_fit_state(s) IS NULL AS rollup_none
FROM (SELECT NULL::bytea AS s WHERE false) x;
SELECT dbscan_fit_merge(s) = (SELECT dbscan_fit(f, 0.5, 4, true) FROM dt WHERE g = 2) AS nulls_skipped
FROM (SELECT NULL::bytea AS s UNION ALL SELECT dbscan_fit_state(f, 0.5, 4, true) FROM dt WHERE g = 2
      UNION ALL SELECT NULL) t;
-- rows with a NULL parameter are left out, as by dbscan_fit
SELECT dbscan_fit_state(f, e, 5) = dbscan_fit_state(f, 0.4, 5) FILTER (WHERE e IS NOT NULL) AS null_eps_skipped
FROM (SELECT f, CASE WHEN i % 7 = 0 THEN NULL ELSE 0.4 END AS e FROM dt WHERE g = 1) x;

-- dbscan_fit's errors, from the state
SELECT dbscan_fit_state(f, 1, 2) FROM (VALUES ('{1,NaN}'::float8[])) t(f);
SELECT dbscan_fit_state(f, 1, 2) FROM (VALUES ('{1,2}'::float8[]), ('{1,2,3}')) t(f);
SELECT dbscan_fit_state(f, 0, 2) FROM (VALUES ('{1,2}'::float8[])) t(f);
SELECT dbscan_fit_state(f, 1, 0) FROM (VALUES ('{1,2}'::float8[])) t(f);
SELECT dbscan_fit_state(f, 1, 2) FROM (VALUES ('{}'::float8[])) t(f);
SELECT dbscan_fit_state(f, e, 2) FROM (VALUES ('{1,2}'::float8[], 1), ('{1,3}', 2)) t(f, e);
-- states of different dimensions, and of different parameters
SELECT dbscan_fit_merge(s) FROM (SELECT dbscan_fit_state(f, 0.4, 5) AS s FROM dt WHERE g = 1
                                 UNION ALL SELECT dbscan_fit_state('{1,2,3}'::float8[], 0.4, 5)) u;
SELECT dbscan_fit_state(s) FROM (SELECT dbscan_fit_state(f, 0.4, 5) AS s FROM dt WHERE g = 1
                                 UNION ALL SELECT dbscan_fit_state('{1,2,3}'::float8[], 0.4, 5)) u;
SELECT dbscan_fit_merge(s) FROM (
  SELECT dbscan_fit_state(f, 0.4, 5) AS s FROM dt WHERE g = 1 AND i <= 70
  UNION ALL SELECT dbscan_fit_state(f, 0.5, 5) FROM dt WHERE g = 1 AND i > 70) u;
SELECT dbscan_fit_merge(s) FROM (
  SELECT dbscan_fit_state(f, 0.4, 5) AS s FROM dt WHERE g = 1 AND i <= 70
  UNION ALL SELECT dbscan_fit_state(f, 0.4, 6) FROM dt WHERE g = 1 AND i > 70) u;
SELECT dbscan_fit_state(s) FROM (
  SELECT dbscan_fit_state(f, 0.4, 5) AS s FROM dt WHERE g = 1 AND i <= 70
  UNION ALL SELECT dbscan_fit_state(f, 0.4, 5, true) FROM dt WHERE g = 1 AND i > 70) u;

-- corrupt states are errors, never crashes
CREATE TABLE dt_bad AS
SELECT dbscan_fit_state(f, 0.4, 5) AS s FROM dt WHERE g = 1 AND i <= 4;
SELECT length(s) AS len, pg_temp.le(s, 38, 8) AS n FROM dt_bad;
SELECT dbscan_fit_merge(substring(s FROM 1 FOR 40)) FROM dt_bad;
SELECT dbscan_fit_merge(s || '\x00'::bytea) FROM dt_bad;
SELECT dbscan_fit_merge(set_byte(s, 60, get_byte(s, 60) # 1)) FROM dt_bad;
SELECT dbscan_fit_merge('\x0102'::bytea);
-- other kinds: a dbscan model, an mv_fit state; and a dbscan_fit state where others are expected
SELECT dbscan_fit_merge(m) FROM (SELECT dbscan_fit(f, 0.4, 5) AS m FROM dt WHERE g = 1) x;
SELECT dbscan_fit_merge(s) FROM (SELECT mv_fit_state(f) AS s FROM dt WHERE g = 1) u;
SELECT mv_fit_merge(s) FROM dt_bad;
SELECT dbscan_score(s, '{1,2}') FROM dt_bad;
-- damage behind a valid checksum: pg_temp.reseal recomputes the CRC-32C
\i sql/include/state_corruption.sql
SELECT pg_temp.reseal(s) = s AS reseal_ok FROM dt_bad;
-- a newer payload version, version 0, the kind of another state
SELECT dbscan_fit_merge(pg_temp.reseal(set_byte(s, 16, 2))) FROM dt_bad;
SELECT dbscan_fit_merge(pg_temp.reseal(set_byte(s, 16, 0))) FROM dt_bad;
SELECT dbscan_fit_merge(pg_temp.reseal(set_byte(s, 5, 8))) FROM dt_bad;
-- d 0, d 4097, d 3 (the rows too short for it)
SELECT dbscan_fit_merge(pg_temp.reseal(set_byte(s, 17, 0))) FROM dt_bad;
SELECT dbscan_fit_merge(pg_temp.reseal(set_byte(set_byte(s, 17, 1), 18, 16))) FROM dt_bad;
SELECT dbscan_fit_merge(pg_temp.reseal(set_byte(s, 17, 3))) FROM dt_bad;
-- eps 0, eps negative, eps NaN, eps past the largest whose square is finite
SELECT dbscan_fit_merge(pg_temp.reseal(overlay(s PLACING '\x0000000000000000'::bytea FROM 22))) FROM dt_bad;
SELECT dbscan_fit_merge(pg_temp.reseal(overlay(s PLACING '\x000000000000e0bf'::bytea FROM 22))) FROM dt_bad;
SELECT dbscan_fit_merge(pg_temp.reseal(overlay(s PLACING '\x000000000000f87f'::bytea FROM 22))) FROM dt_bad;
SELECT dbscan_fit_merge(pg_temp.reseal(overlay(s PLACING '\x000000000000007e'::bytea FROM 22))) FROM dt_bad;
-- min_points 0, 2^31, negative; standardize 2
SELECT dbscan_fit_merge(pg_temp.reseal(set_byte(s, 29, 0))) FROM dt_bad;
SELECT dbscan_fit_merge(pg_temp.reseal(set_byte(s, 33, 128))) FROM dt_bad;
SELECT dbscan_fit_merge(pg_temp.reseal(set_byte(s, 36, 255))) FROM dt_bad;
SELECT dbscan_fit_merge(pg_temp.reseal(set_byte(s, 37, 2))) FROM dt_bad;
-- n 0, n one more than there are, n one less, n far too many
SELECT dbscan_fit_merge(pg_temp.reseal(set_byte(s, 38, 0))) FROM dt_bad;
SELECT dbscan_fit_merge(pg_temp.reseal(set_byte(s, 38, 5))) FROM dt_bad;
SELECT dbscan_fit_merge(pg_temp.reseal(set_byte(s, 38, 3))) FROM dt_bad;
SELECT dbscan_fit_merge(pg_temp.reseal(set_byte(s, 45, 255))) FROM dt_bad;
-- the rows cut short, one feature too many (the lengths resealed)
SELECT dbscan_fit_merge(pg_temp.reseal(substring(s FROM 1 FOR length(s) - 8))) FROM dt_bad;
SELECT dbscan_fit_merge(pg_temp.reseal(s || float8send(1))) FROM dt_bad;
-- rows out of order (the first row's first feature made huge), a NaN, an infinity
SELECT dbscan_fit_merge(pg_temp.reseal(overlay(s PLACING '\x000000000000e07f'::bytea FROM 47))) FROM dt_bad;
SELECT dbscan_fit_merge(pg_temp.reseal(overlay(s PLACING '\x000000000000f87f'::bytea FROM 55))) FROM dt_bad;
SELECT dbscan_fit_merge(pg_temp.reseal(overlay(s PLACING '\x000000000000f07f'::bytea FROM length(s) - 7))) FROM dt_bad;
-- with only the CRC kept right, every single-byte corruption and every cut is an error or
-- still a valid state (a changed feature that keeps the order, a changed eps), never a crash
SELECT * FROM pg_temp.corrupt_every_byte((SELECT s FROM dt_bad), 'dbscan_fit_merge');

DROP TABLE dt, dt_par, dt_ref, dt_split, dt_states, dt_merged, dt_bad;
