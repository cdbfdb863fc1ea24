-- Two-level aggregates: ts_fit_merge(ts_fit_state(...)) and catch22_merge /
-- catch24_merge(catch22_state(...)) over any split of the rows give the same
-- bytes as ts_fit / catch22 / catch24 over all of them.

-- 4 series of 24 * 14 hourly points (daily seasonality plus noise), with NULL
-- values and timestamps, duplicate timestamps, and series 4 all NULL
CREATE TABLE tl AS
SELECT s AS series,
       CASE WHEN i % 89 = 0 THEN NULL
            ELSE timestamptz '2026-01-01 00:00+00' + (i - (i % 53 = 0)::int) * interval '1 hour' END AS ts,
       CASE WHEN s = 4 OR i % 61 = 0 THEN NULL
            ELSE 100 * s + 10 * sin(2 * pi() * i / 24)
                 + (('x' || substr(md5(s || ':' || i), 1, 8))::bit(32)::int / 2147483648.0) END AS v
FROM generate_series(1, 4) s, generate_series(0, 24 * 14 - 1) i;

CREATE TABLE tl_opts (series int, opts jsonb);
INSERT INTO tl_opts VALUES (1, NULL), (2, '{"method": "seasonal", "period": 24}'),
  (3, '{"method": "robust", "threshold": 4}'), (4, '{}');

-- reference: the one-level aggregates over all the rows of a series
CREATE TABLE tl_ref AS
SELECT series, ts_fit(ts, v) AS fit2, ts_fit(ts, v, o.opts) AS fit3,
       catch22(ts, v) AS c22, catch24(ts, v) AS c24
FROM tl JOIN tl_opts o USING (series) GROUP BY series;
SELECT series, fit2 IS NULL AS fit2_null, fit3 IS NULL AS fit3_null, ts_model_info(fit3)->>'kind' AS kind3,
       cardinality(c22) AS n22, cardinality(c24) AS n24
FROM tl_ref ORDER BY series;

-- 40 random splits into 1 to 6 parts (a part may hold only NULL rows or none)
SELECT setseed(0.17);
CREATE TABLE tl_split AS
SELECT t, series, ts, v, floor(random() * (1 + t % 6))::int AS part
FROM generate_series(1, 40) t, tl;
CREATE TABLE tl_states AS
SELECT t, series, part, ts_fit_state(ts, v) AS s2, ts_fit_state(ts, v, o.opts) AS s3,
       catch22_state(ts, v) AS c
FROM tl_split JOIN tl_opts o USING (series) GROUP BY t, series, part;
CREATE TABLE tl_merged AS
SELECT t, series, ts_fit_merge(s2) AS fit2, ts_fit_merge(s3) AS fit3,
       catch22_merge(c) AS c22, catch24_merge(c) AS c24, count(*) AS parts
FROM tl_states GROUP BY t, series;
SELECT count(*) AS merged, count(DISTINCT parts) AS part_counts,
       count(*) FILTER (WHERE m.fit2 IS NOT DISTINCT FROM r.fit2) AS fit2_identical,
       count(*) FILTER (WHERE m.fit3 IS NOT DISTINCT FROM r.fit3) AS fit3_identical,
       count(*) FILTER (WHERE m.c22 IS NOT DISTINCT FROM r.c22) AS c22_identical,
       count(*) FILTER (WHERE m.c24 IS NOT DISTINCT FROM r.c24) AS c24_identical
FROM tl_merged m JOIN tl_ref r USING (series);

-- the same in a parallel plan (states combined by parallel workers)
\i sql/include/force_parallel.sql
SELECT count(*) FILTER (WHERE m.fit3 IS NOT DISTINCT FROM r.fit3) AS fit3_identical_parallel
FROM (SELECT series, ts_fit_merge(s3) AS fit3 FROM tl_states WHERE t <= 10 GROUP BY series, t) m
JOIN tl_ref r USING (series);
\i sql/include/reset_parallel.sql

-- a state is canonical: the sorted points, whatever the split and the row order;
-- merging states into a state (rollup) gives the state of all the rows
SELECT count(*) AS series_checked,
       count(*) FILTER (WHERE rolled IS NOT DISTINCT FROM whole) AS rollup_identical
FROM (SELECT series, ts_fit_state(s3) AS rolled FROM tl_states WHERE t = 7 GROUP BY series) a
JOIN (SELECT series, ts_fit_state(ts, v, o.opts ORDER BY md5(ts::text)) AS whole
      FROM tl JOIN tl_opts o USING (series) GROUP BY series) b USING (series);
SELECT count(*) FILTER (WHERE rolled IS NOT DISTINCT FROM whole) AS catch22_rollup_identical
FROM (SELECT series, catch22_state(c) AS rolled FROM tl_states WHERE t = 7 GROUP BY series) a
JOIN (SELECT series, catch22_state(ts, v) AS whole FROM tl GROUP BY series) b USING (series);

-- "update a model with this week's rows": keep last state, merge it with the new rows' state
SELECT ts_fit_merge(s) = (SELECT ts_fit(ts, v) FROM tl WHERE series = 1) AS updated_identical
FROM (SELECT ts_fit_state(ts, v) AS s FROM tl WHERE series = 1 AND ts < '2026-01-08'
      UNION ALL
      SELECT ts_fit_state(ts, v) FROM tl WHERE series = 1 AND ts >= '2026-01-08') u;

-- the layout (independent of the code: header 16 bytes, payload version,
-- options seen, options length, the options text, n, then 16 bytes a point:
-- microseconds since 2000-01-01 UTC and the value, little-endian, sorted)
CREATE FUNCTION pg_temp.le64(b bytea, off int) RETURNS numeric LANGUAGE sql IMMUTABLE AS
$$ SELECT sum(get_byte(b, off + k)::numeric * 256 ^ k) FROM generate_series(0, 7) k $$;
SELECT series, substring(s FROM 1 FOR 4) AS magic, get_byte(s, 4) AS format, get_byte(s, 5) AS kind,
       get_byte(s, 16) AS payload_version, get_byte(s, 17) AS options_seen,
       convert_from(substring(s FROM 23 FOR get_byte(s, 18)), 'UTF8') AS options,
       length(s) = 16 + 1 + 1 + 4 + get_byte(s, 18) + 8 + 16 * n AS length_ok,
       pg_temp.le64(s, 22 + get_byte(s, 18)) = n AS n_ok,
       pg_temp.le64(s, 30 + get_byte(s, 18)) = extract(epoch FROM t0 - timestamptz '2000-01-01 00:00+00') * 1000000 AS first_ts_ok
FROM (SELECT series, ts_fit_state(ts, v, o.opts) AS s, count(ts) FILTER (WHERE v IS NOT NULL) AS n,
             min(ts) FILTER (WHERE v IS NOT NULL) AS t0
      FROM tl JOIN tl_opts o USING (series) GROUP BY series) x
ORDER BY series;
SELECT get_byte(s, 5) AS kind, get_byte(s, 17) AS options_seen, length(s) AS len
FROM (SELECT catch22_state(ts, v) AS s FROM (VALUES ('2026-01-01'::timestamptz, 1.0::float8)) t(ts, v)) x;

-- States frozen from payload version 1 (test/fixtures/ts_fit_state_v1.hex and
-- catch22_state_v1.hex: the states of 10 hourly points (i * i) % 7, i = 0..9, from
-- 2026-01-01 00:00 UTC, ts_fit_state with '{"threshold": 4}' and catch22_state).
-- Every later build must merge them into what the aggregates give over those rows.
CREATE TEMP TABLE fx_rows AS
SELECT timestamptz '2026-01-01 00:00+00' + i * interval '1 hour' AS ts, (i * i % 7)::float8 AS v
FROM generate_series(0, 9) i;
SELECT ts_fit_merge('\x414e4f4d01050000be000000dd2a72280102100000007b227468726573686f6c64223a20347d0a000000000000000060e80a47ea0200000000000000000000047ce147ea0200000000000000f03f00a80fb848ea02000000000000001040004ca38e49ea0200000000000000004000f036654aea020000000000000000400094ca3b4bea0200000000000000104000385e124cea0200000000000000f03f00dcf1e84cea02000000000000000000008085bf4dea0200000000000000f03f002419964eea02000000000000001040'::bytea) = (SELECT ts_fit(ts, v, '{"threshold": 4}') FROM fx_rows) AS ts_fit_state_v1_ok,
       catch22_merge('\x414e4f4d01060000ae000000681f45b70100000000000a000000000000000060e80a47ea0200000000000000000000047ce147ea0200000000000000f03f00a80fb848ea02000000000000001040004ca38e49ea0200000000000000004000f036654aea020000000000000000400094ca3b4bea0200000000000000104000385e124cea0200000000000000f03f00dcf1e84cea02000000000000000000008085bf4dea0200000000000000f03f002419964eea02000000000000001040'::bytea) = (SELECT catch22(ts, v) FROM fx_rows) AS catch22_state_v1_ok,
       catch24_merge('\x414e4f4d01060000ae000000681f45b70100000000000a000000000000000060e80a47ea0200000000000000000000047ce147ea0200000000000000f03f00a80fb848ea02000000000000001040004ca38e49ea0200000000000000004000f036654aea020000000000000000400094ca3b4bea0200000000000000104000385e124cea0200000000000000f03f00dcf1e84cea02000000000000000000008085bf4dea0200000000000000f03f002419964eea02000000000000001040'::bytea) = (SELECT catch24(ts, v) FROM fx_rows) AS catch24_state_v1_ok;

-- empty groups and NULL rows: no state, and merging nothing gives NULL like ts_fit
SELECT ts_fit_state(ts, v) IS NULL AS empty_state, catch22_state(ts, v) IS NULL AS empty_c22_state
FROM tl WHERE series = 4;
SELECT ts_fit_merge(s) IS NULL AS merge_none, ts_fit_merge(NULL::bytea) IS NULL AS merge_null,
       catch22_merge(s) IS NULL AS c22_merge_none
FROM (SELECT NULL::bytea AS s WHERE false) x;
SELECT ts_fit_merge(s) = (SELECT ts_fit('2026-01-01'::timestamptz, 1.0::float8)) AS nulls_skipped
FROM (SELECT NULL::bytea AS s UNION ALL SELECT ts_fit_state('2026-01-01'::timestamptz, 1.0::float8)
      UNION ALL SELECT NULL) t;
-- a state from the two-argument form merges with states of either form
SELECT ts_fit_merge(s) = (SELECT ts_fit(ts, v, '{"threshold": 4}') FROM tl WHERE series = 1) AS mixed_forms
FROM (SELECT ts_fit_state(ts, v) AS s FROM tl WHERE series = 1 AND ts < '2026-01-05'
      UNION ALL
      SELECT ts_fit_state(ts, v, '{"threshold": 4}') FROM tl WHERE series = 1 AND ts >= '2026-01-05') u;

-- ts_fit's errors, from the state or from the merge
SELECT ts_fit_state(ts, v) FROM (VALUES ('2026-01-01'::timestamptz, 'NaN'::float8)) t(ts, v);
SELECT ts_fit_state(ts, v) FROM (VALUES ('infinity'::timestamptz, 1.0::float8)) t(ts, v);
SELECT catch22_state(ts, v) FROM (VALUES ('2026-01-01'::timestamptz, 'Infinity'::float8)) t(ts, v);
SELECT ts_fit_state(ts, v, '{"treshold": 4}') FROM tl WHERE series = 1;
-- options that differ between states, and NULL options mixed with options given
SELECT ts_fit_merge(s) FROM (
  SELECT ts_fit_state(ts, v, '{"threshold": 4}') AS s FROM tl WHERE series = 1 AND ts < '2026-01-05'
  UNION ALL SELECT ts_fit_state(ts, v, '{"threshold": 5}') FROM tl WHERE series = 1 AND ts >= '2026-01-05') u;
SELECT ts_fit_merge(s) FROM (
  SELECT ts_fit_state(ts, v, NULL) AS s FROM tl WHERE series = 1 AND ts < '2026-01-05'
  UNION ALL SELECT ts_fit_state(ts, v, '{}') FROM tl WHERE series = 1 AND ts >= '2026-01-05') u;
-- the same options written differently are still the same jsonb
SELECT ts_fit_merge(s) = (SELECT ts_fit(ts, v, '{"threshold": 4, "direction": "up"}') FROM tl WHERE series = 1) AS same_jsonb
FROM (SELECT ts_fit_state(ts, v, '{"direction": "up", "threshold": 4}') AS s FROM tl WHERE series = 1 AND ts < '2026-01-05'
      UNION ALL SELECT ts_fit_state(ts, v, '{"threshold":4,"direction":"up"}') FROM tl WHERE series = 1 AND ts >= '2026-01-05') u;
-- an error of the fit itself comes from the merge, as from ts_fit
SELECT ts_fit(ts, v, '{"method": "seasonal", "period": 24}') FROM tl WHERE series = 1 AND ts < '2026-01-02';
SELECT ts_fit_merge(s) FROM (SELECT ts_fit_state(ts, v, '{"method": "seasonal", "period": 24}') AS s
                              FROM tl WHERE series = 1 AND ts < '2026-01-02') u;
-- catch22 needs 3 points, over the merged states too
SELECT catch22(ts, v) FROM tl WHERE series = 1 AND ts < '2026-01-01 02:00';
SELECT catch22_merge(s) FROM (SELECT catch22_state(ts, v) AS s FROM tl WHERE series = 1 AND ts < '2026-01-01 02:00') u;

-- corrupt states are errors, never crashes
CREATE TABLE tl_bad AS
SELECT ts_fit_state(ts, v, '{"threshold": 4}') AS s FROM tl WHERE series = 1 AND ts < '2026-01-01 03:00';
SELECT length(s) AS len FROM tl_bad;
SELECT ts_fit_merge(substring(s FROM 1 FOR 40)) FROM tl_bad;
SELECT ts_fit_merge(s || '\x00'::bytea) FROM tl_bad;
SELECT ts_fit_merge(set_byte(s, 40, get_byte(s, 40) # 1)) FROM tl_bad;
SELECT ts_fit_merge('\x0102'::bytea);
SELECT ts_fit_merge(m) FROM (SELECT ts_fit(ts, v) AS m FROM tl WHERE series = 1) x;
SELECT ts_fit_merge(c) FROM (SELECT catch22_state(ts, v) AS c FROM tl WHERE series = 1) x;
SELECT catch22_merge(s) FROM tl_bad;
SELECT ts_score(s, now(), 1) FROM tl_bad;
-- damage behind a valid checksum: pg_temp.reseal recomputes the CRC-32C
\i sql/include/state_corruption.sql
-- resealing the intact state changes nothing
SELECT pg_temp.reseal(s) = s AS reseal_ok FROM tl_bad;
-- a newer payload version, an unknown options code, options with no options code
SELECT ts_fit_merge(pg_temp.reseal(set_byte(s, 16, 2))) FROM tl_bad;
SELECT ts_fit_merge(pg_temp.reseal(set_byte(s, 16, 0))) FROM tl_bad;
SELECT ts_fit_merge(pg_temp.reseal(set_byte(s, 17, 3))) FROM tl_bad;
SELECT ts_fit_merge(pg_temp.reseal(set_byte(s, 17, 1))) FROM tl_bad;
-- options in a catch22 state
SELECT catch22_merge(pg_temp.reseal(set_byte(s, 5, 6))) FROM tl_bad;
-- options that are not JSON, and JSON that is not valid options
SELECT ts_fit_merge(pg_temp.reseal(set_byte(s, 22, ascii('[')))) FROM tl_bad;
SELECT ts_fit_merge(pg_temp.reseal(overlay(s PLACING convert_to('{"threshold":-4}', 'UTF8') FROM 23))) FROM tl_bad;
-- a NUL byte in the options
SELECT ts_fit_merge(pg_temp.reseal(set_byte(s, 25, 0))) FROM tl_bad;
-- point counts: zero (and no points), one more than there are, far too many
SELECT ts_fit_merge(pg_temp.reseal(set_byte(substring(s FROM 1 FOR 30 + get_byte(s, 18)), 22 + get_byte(s, 18), 0))) FROM tl_bad;
SELECT ts_fit_merge(pg_temp.reseal(set_byte(s, 22 + get_byte(s, 18), 4))) FROM tl_bad;
SELECT ts_fit_merge(pg_temp.reseal(set_byte(s, 29 + get_byte(s, 18), 255))) FROM tl_bad;
-- a points' bytes cut short (length of the payload resealed)
SELECT ts_fit_merge(pg_temp.reseal(substring(s FROM 1 FOR length(s) - 8))) FROM tl_bad;
-- points out of order (the first timestamp after the second), a NaN value, an infinite timestamp
SELECT ts_fit_merge(pg_temp.reseal(set_byte(s, 30 + get_byte(s, 18) + 6, 255))) FROM tl_bad;
SELECT ts_fit_merge(pg_temp.reseal(overlay(s PLACING '\x000000000000f87f'::bytea FROM 31 + get_byte(s, 18) + 8))) FROM tl_bad;
SELECT ts_fit_merge(pg_temp.reseal(overlay(s PLACING '\xffffffffffffff7f'::bytea FROM 31 + get_byte(s, 18) + 32))) FROM tl_bad;
-- with only the CRC kept right, every single-byte corruption and every cut is an error or
-- still a valid state (a changed value or timestamp that keeps the order), never a crash
SELECT * FROM pg_temp.corrupt_every_byte((SELECT s FROM tl_bad), 'ts_fit_merge');

DROP TABLE tl, tl_opts, tl_ref, tl_split, tl_states, tl_merged, tl_bad;
