-- Two-level mv_fit: mv_fit_merge(mv_fit_state(...)) over any split of the rows
-- gives the same bytes as mv_fit over all of them.

-- 4 groups of 150 rows of 3 correlated features (a few outliers), NULL rows
-- in every group, group 4 all NULL
CREATE TABLE mt AS
SELECT g, i,
       CASE WHEN g = 4 OR i % 37 = 0 THEN NULL
            ELSE ARRAY[a, 2 * a + b, CASE WHEN i % 50 = 7 THEN 40 ELSE b - a END]::float8[] END AS f
FROM (SELECT g, i,
             10 * g + (('x' || substr(md5(g || ':a:' || i), 1, 8))::bit(32)::int / 2147483648.0) AS a,
             (('x' || substr(md5(g || ':b:' || i), 1, 8))::bit(32)::int / 2147483648.0) AS b
      FROM generate_series(1, 4) g, generate_series(1, 150) i) x;
CREATE TABLE mt_opts (g int, opts jsonb);
INSERT INTO mt_opts VALUES (1, NULL), (2, '{"standardize": false}'),
  (3, '{"threshold": 3.5, "method": "gaussian"}'), (4, '{"false_alarm_rate": 0.01}');

-- reference: mv_fit over all the rows of a group
CREATE TABLE mt_ref AS
SELECT g, mv_fit(f) AS fit1, mv_fit(f, o.opts) AS fit2
FROM mt JOIN mt_opts o USING (g) GROUP BY g;
SELECT g, fit1 IS NULL AS fit1_null, (mv_model_info(fit2)->>'rows')::int AS rows2,
       (mv_model_info(fit2)->>'standardized') AS standardized, round((mv_model_info(fit2)->>'threshold')::numeric, 4) AS threshold
FROM mt_ref ORDER BY g;

-- 30 random splits into 1 to 6 parts (a part may hold only NULL rows or none)
SELECT setseed(0.23);
CREATE TABLE mt_split AS
SELECT t, g, f, floor(random() * (1 + t % 6))::int AS part
FROM generate_series(1, 30) t, mt;
CREATE TABLE mt_states AS
SELECT t, g, part, mv_fit_state(f) AS s1, mv_fit_state(f, o.opts) AS s2
FROM mt_split JOIN mt_opts o USING (g) GROUP BY t, g, part;
CREATE TABLE mt_merged AS
SELECT t, g, mv_fit_merge(s1) AS fit1, mv_fit_merge(s2) AS fit2, count(*) AS parts
FROM mt_states GROUP BY t, g;
SELECT count(*) AS merged, count(DISTINCT parts) AS part_counts,
       count(*) FILTER (WHERE m.fit1 IS NOT DISTINCT FROM r.fit1) AS fit1_identical,
       count(*) FILTER (WHERE m.fit2 IS NOT DISTINCT FROM r.fit2) AS fit2_identical
FROM mt_merged m JOIN mt_ref r USING (g);

-- the same in a parallel plan (states combined by parallel workers)
\i sql/include/force_parallel.sql
EXPLAIN (COSTS OFF) SELECT g, mv_fit_merge(s2) FROM mt_states GROUP BY g;
SELECT count(*) FILTER (WHERE m.fit2 IS NOT DISTINCT FROM r.fit2) AS fit2_identical_parallel
FROM (SELECT g, mv_fit_merge(s2) AS fit2 FROM mt_states WHERE t <= 10 GROUP BY g, t) m
JOIN mt_ref r USING (g);
SELECT count(*) FILTER (WHERE m.s IS NOT DISTINCT FROM r.s) AS state_identical_parallel
FROM (SELECT g, mv_fit_state(f, o.opts) AS s FROM mt JOIN mt_opts o USING (g) GROUP BY g) m
JOIN (SELECT g, mv_fit_state(s2) AS s FROM mt_states WHERE t = 5 GROUP BY g) r USING (g);
\i sql/include/reset_parallel.sql

-- a state is canonical: the sorted vectors, whatever the split and the row order;
-- merging states into a state (rollup) gives the state of all the rows
SELECT count(*) AS groups_checked,
       count(*) FILTER (WHERE rolled IS NOT DISTINCT FROM whole) AS rollup_identical
FROM (SELECT g, mv_fit_state(s2) AS rolled FROM mt_states WHERE t = 7 GROUP BY g) a
JOIN (SELECT g, mv_fit_state(f, o.opts ORDER BY md5(i::text)) AS whole
      FROM mt JOIN mt_opts o USING (g) GROUP BY g) b USING (g);
-- -0 sorts before +0, so the two orders of these rows give one state
SELECT (SELECT mv_fit_state(f ORDER BY k) FROM (VALUES (1, '{0,1}'::float8[]), (2, '{-0,1}'), (3, '{-0,0}')) r(k, f))
     = (SELECT mv_fit_state(f ORDER BY k DESC) FROM (VALUES (1, '{0,1}'::float8[]), (2, '{-0,1}'), (3, '{-0,0}')) r(k, f))
       AS signed_zero_canonical;

-- "update a model with this week's rows": keep the old state, merge it with the new rows'
SELECT mv_fit_merge(s) = (SELECT mv_fit(f) FROM mt WHERE g = 1) AS updated_identical
FROM (SELECT mv_fit_state(f) AS s FROM mt WHERE g = 1 AND i <= 100
      UNION ALL
      SELECT mv_fit_state(f) FROM mt WHERE g = 1 AND i > 100) u;
-- options equal in value are one state: defaults given, omitted or NULL; keys in another order
SELECT mv_fit_state(f) = mv_fit_state(f, NULL) AND mv_fit_state(f) = mv_fit_state(f, '{}')
       AND mv_fit_state(f) = mv_fit_state(f, '{"standardize": true, "false_alarm_rate": 0.001}') AS default_options_one_state
FROM mt WHERE g = 1;
SELECT mv_fit_merge(s) = (SELECT mv_fit(f, '{"threshold": 3.5}') FROM mt WHERE g = 3) AS mixed_forms
FROM (SELECT mv_fit_state(f, '{"method": "gaussian", "threshold": 3.5}') AS s FROM mt WHERE g = 3 AND i <= 70
      UNION ALL SELECT mv_fit_state(f, '{"threshold": 3.50}') FROM mt WHERE g = 3 AND i > 70) u;

-- the layout (independent of the code: header 16 bytes, payload version, options
-- length (u32), the options text, d (u32), n (u64), then the rows, 8 bytes a feature,
-- little-endian, sorted)
CREATE FUNCTION pg_temp.le(b bytea, off int, len int) RETURNS numeric LANGUAGE sql IMMUTABLE AS
$$ SELECT sum(get_byte(b, off + k)::numeric * 256 ^ k) FROM generate_series(0, len - 1) k $$;
-- float8send is big-endian: its bytes reversed
CREATE FUNCTION pg_temp.le_f8(x float8) RETURNS bytea LANGUAGE sql IMMUTABLE AS
$$ SELECT string_agg(substring(float8send(x) FROM 9 - k FOR 1), ''::bytea ORDER BY k) FROM generate_series(1, 8) k $$;
SELECT g, substring(s FROM 1 FOR 4) AS magic, get_byte(s, 4) AS format, get_byte(s, 5) AS kind,
       get_byte(s, 16) AS payload_version,
       convert_from(substring(s FROM 22 FOR get_byte(s, 17)), 'UTF8') AS options,
       pg_temp.le(s, 21 + get_byte(s, 17), 4) AS d,
       pg_temp.le(s, 25 + get_byte(s, 17), 8) = n AS n_ok,
       length(s) = 16 + 1 + 4 + get_byte(s, 17) + 4 + 8 + 3 * 8 * n AS length_ok,
       pg_temp.le_f8(first[1]) = substring(s FROM 34 + get_byte(s, 17) FOR 8) AS first_is_min
FROM (SELECT g, mv_fit_state(f, o.opts) AS s, count(f) AS n, min(f) AS first
      FROM mt JOIN mt_opts o USING (g) GROUP BY g) x
ORDER BY g;
-- the first feature, little-endian on the wire: 1.5 = 0x3FF8000000000000
SELECT substring(mv_fit_state(ARRAY[1.5]::float8[]) FROM 22 + 70 + 12 FOR 8) AS one_point_five;

-- empty groups and NULL rows: no state, and merging nothing gives NULL like mv_fit
SELECT mv_fit_state(f) IS NULL AS empty_state, mv_fit_state(f, '{}') IS NULL AS empty_state_opts
FROM mt WHERE g = 4;
SELECT mv_fit_merge(s) IS NULL AS merge_none, mv_fit_merge(NULL::bytea) IS NULL AS merge_null,
       mv_fit_state(s) IS NULL AS rollup_none
FROM (SELECT NULL::bytea AS s WHERE false) x;
SELECT mv_fit_merge(s) = (SELECT mv_fit(f) FROM mt WHERE g = 2) AS nulls_skipped
FROM (SELECT NULL::bytea AS s UNION ALL SELECT mv_fit_state(f) FROM mt WHERE g = 2
      UNION ALL SELECT NULL) t;

-- mv_fit's errors, from the state or from the merge
SELECT mv_fit_state(f) FROM (VALUES ('{1,NaN}'::float8[])) t(f);
SELECT mv_fit_state(f) FROM (VALUES ('{1,2}'::float8[]), ('{1,2,3}')) t(f);
SELECT mv_fit_state(f, '{"treshold": 4}') FROM mt WHERE g = 1;
SELECT mv_fit_state(f) FROM (VALUES ('{}'::float8[])) t(f);
SELECT mv_fit(f) FROM (VALUES ('{1,2}'::float8[])) t(f);
SELECT mv_fit_merge(s) FROM (SELECT mv_fit_state(f) AS s FROM (VALUES ('{1,2}'::float8[])) t(f)) u;
-- states of different dimensions, and of different options
SELECT mv_fit_merge(s) FROM (SELECT mv_fit_state(f) AS s FROM mt WHERE g = 1
                             UNION ALL SELECT mv_fit_state('{1,2}'::float8[])) u;
SELECT mv_fit_state(s) FROM (SELECT mv_fit_state(f) AS s FROM mt WHERE g = 1
                             UNION ALL SELECT mv_fit_state('{1,2}'::float8[])) u;
SELECT mv_fit_merge(s) FROM (
  SELECT mv_fit_state(f, '{"threshold": 4}') AS s FROM mt WHERE g = 1 AND i <= 70
  UNION ALL SELECT mv_fit_state(f, '{"threshold": 5}') FROM mt WHERE g = 1 AND i > 70) u;
SELECT mv_fit_merge(s) FROM (
  SELECT mv_fit_state(f, '{"standardize": false}') AS s FROM mt WHERE g = 1 AND i <= 70
  UNION ALL SELECT mv_fit_state(f) FROM mt WHERE g = 1 AND i > 70) u;

-- corrupt states are errors, never crashes
CREATE TABLE mt_bad AS
SELECT mv_fit_state(f, '{"threshold": 4}') AS s FROM mt WHERE g = 1 AND i <= 4;
SELECT length(s) AS len, convert_from(substring(s FROM 22 FOR get_byte(s, 17)), 'UTF8') AS options FROM mt_bad;
SELECT mv_fit_merge(substring(s FROM 1 FOR 40)) FROM mt_bad;
SELECT mv_fit_merge(s || '\x00'::bytea) FROM mt_bad;
SELECT mv_fit_merge(set_byte(s, 60, get_byte(s, 60) # 1)) FROM mt_bad;
SELECT mv_fit_merge('\x0102'::bytea);
-- other kinds: an mv model, a ts_fit state
SELECT mv_fit_merge(m) FROM (SELECT mv_fit(f) AS m FROM mt WHERE g = 1) x;
SELECT mv_fit_merge(s) FROM (SELECT ts_fit_state(now(), 1.0::float8) AS s) u;
SELECT ts_fit_merge(s) FROM mt_bad;
SELECT mv_score(s, '{1,2,3}') FROM mt_bad;
-- damage behind a valid checksum: pg_temp.reseal recomputes the CRC-32C
\i sql/include/state_corruption.sql
SELECT pg_temp.reseal(s) = s AS reseal_ok FROM mt_bad;
-- a newer payload version, version 0, the kind of another state
SELECT mv_fit_merge(pg_temp.reseal(set_byte(s, 16, 2))) FROM mt_bad;
SELECT mv_fit_merge(pg_temp.reseal(set_byte(s, 16, 0))) FROM mt_bad;
SELECT mv_fit_merge(pg_temp.reseal(set_byte(s, 5, 5))) FROM mt_bad;
-- options: not canonical (a space less, a number written longer, an unknown key), invalid values
SELECT mv_fit_merge(pg_temp.reseal(overlay(s PLACING convert_to('{"method":"gaussian", "standardize": true, "threshold": 4}', 'UTF8') FROM 22))) FROM mt_bad;
SELECT mv_fit_merge(pg_temp.reseal(overlay(s PLACING convert_to('{"method": "gaussian", "standardize": true, "threshold": 4.0}', 'UTF8') FROM 22 FOR 58))) FROM mt_bad;
SELECT mv_fit_merge(pg_temp.reseal(overlay(s PLACING convert_to('{"method": "gaussian", "standardize": true, "threshold": -4}', 'UTF8') FROM 22 FOR 58))) FROM mt_bad;
SELECT mv_fit_merge(pg_temp.reseal(overlay(s PLACING convert_to('{"method": "gaussian", "standardize": true, "treshold": 4}', 'UTF8') FROM 22 FOR 58))) FROM mt_bad;
-- an options length past the end, a NUL byte in the options
SELECT mv_fit_merge(pg_temp.reseal(set_byte(s, 18, 1))) FROM mt_bad;
SELECT mv_fit_merge(pg_temp.reseal(set_byte(s, 30, 0))) FROM mt_bad;
-- d 0, d too large, n 0, n one more than there are, n far too many
SELECT mv_fit_merge(pg_temp.reseal(set_byte(s, 21 + get_byte(s, 17), 0))) FROM mt_bad;
SELECT mv_fit_merge(pg_temp.reseal(set_byte(s, 22 + get_byte(s, 17), 8))) FROM mt_bad;
SELECT mv_fit_merge(pg_temp.reseal(set_byte(s, 25 + get_byte(s, 17), 0))) FROM mt_bad;
SELECT mv_fit_merge(pg_temp.reseal(set_byte(s, 25 + get_byte(s, 17), 5))) FROM mt_bad;
SELECT mv_fit_merge(pg_temp.reseal(set_byte(s, 32 + get_byte(s, 17), 255))) FROM mt_bad;
-- the rows cut short, one feature too many (the lengths resealed)
SELECT mv_fit_merge(pg_temp.reseal(substring(s FROM 1 FOR length(s) - 8))) FROM mt_bad;
SELECT mv_fit_merge(pg_temp.reseal(s || float8send(1))) FROM mt_bad;
-- rows out of order (the first row's first feature made huge), a NaN, an infinity
SELECT mv_fit_merge(pg_temp.reseal(overlay(s PLACING '\x000000000000e07f'::bytea FROM 34 + get_byte(s, 17)))) FROM mt_bad;
SELECT mv_fit_merge(pg_temp.reseal(overlay(s PLACING '\x000000000000f87f'::bytea FROM 34 + get_byte(s, 17) + 8))) FROM mt_bad;
SELECT mv_fit_merge(pg_temp.reseal(overlay(s PLACING '\x000000000000f07f'::bytea FROM length(s) - 7))) FROM mt_bad;
-- with only the CRC kept right, every single-byte corruption and every cut is an error or
-- still a valid state (a changed feature that keeps the order), never a crash
SELECT * FROM pg_temp.corrupt_every_byte((SELECT s FROM mt_bad), 'mv_fit_merge');

-- The pca method: its options (components as given, the default too) travel
-- in the state, so the merge of any split is mv_fit's model.
SELECT o.opts, t.g,
       (SELECT mv_fit_merge(s) FROM (SELECT mv_fit_state(f, o.opts::jsonb) AS s FROM mt_split p
                                     WHERE p.t = 7 AND p.g = t.g GROUP BY p.part) x)
       = (SELECT mv_fit(f, o.opts::jsonb) FROM mt m WHERE m.g = t.g) AS same_bytes,
       (SELECT mv_model_info(mv_fit(f, o.opts::jsonb))->'pca'->>'components' FROM mt m WHERE m.g = t.g) AS k
FROM (VALUES ('{"method": "pca"}'), ('{"method": "pca", "components": 1}'),
             ('{"method": "pca", "components": 0.5, "standardize": false}')) o(opts),
     generate_series(1, 4) t(g)
ORDER BY 1, 2;
SELECT convert_from(substr(s, 22, get_byte(s, 17) + 256 * get_byte(s, 18)), 'UTF8') AS options_text
FROM (SELECT mv_fit_state(f, '{"method": "pca", "components": 2}') AS s FROM mt WHERE g = 1) x;

DROP TABLE mt, mt_opts, mt_ref, mt_split, mt_states, mt_merged, mt_bad;
