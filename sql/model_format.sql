-- Model bytes are validated before use: every kind of damage gives an error
-- that says what is wrong, never a crash.

CREATE TABLE mf AS
SELECT ts_fit(ts, v, '{"method": "robust"}') AS m
FROM (SELECT timestamptz '2026-01-01' + i * interval '1 minute' AS ts, (i % 13)::float8 AS v
      FROM generate_series(1, 100) i) s;

-- the envelope: magic "ANOM", version 1, kind 1 (ts_level), flags 0, payload length, CRC-32C
SELECT substring(m FROM 1 FOR 4) AS magic, get_byte(m, 4) AS version, get_byte(m, 5) AS kind,
       get_byte(m, 6) + 256 * get_byte(m, 7) AS flags,
       get_byte(m, 8) + 256 * get_byte(m, 9) AS payload_len, length(m) AS total_len
FROM mf;

-- foreign bytes
SELECT ts_score('\xdeadbeef'::bytea, now(), 1);
SELECT ts_model_info(''::bytea);
SELECT ts_model_info('hello, this is not a model at all'::bytea);
-- truncated
SELECT ts_model_info(substring(m FROM 1 FOR 20)) FROM mf;
SELECT ts_model_info(substring(m FROM 1 FOR length(m) - 1)) FROM mf;
-- trailing bytes
SELECT ts_model_info(m || '\x00'::bytea) FROM mf;
-- a newer format version
SELECT ts_model_info(set_byte(m, 4, 6)) FROM mf;
-- a version 1 payload labelled version 5 lacks the tail, shape, discord and analog blocks that version 5 ends with
SELECT ts_model_info(set_byte(m, 4, 5)) FROM mf;
-- a version 1 payload labelled version 4 lacks the tail, shape and discord blocks that version 4 ends with
SELECT ts_model_info(set_byte(m, 4, 4)) FROM mf;
-- a version 1 payload labelled version 3 lacks the tail and shape blocks that version 3 ends with
SELECT ts_model_info(set_byte(m, 4, 3)) FROM mf;
-- a version 1 payload labelled version 2 lacks the tail block that version 2 ends with
SELECT ts_model_info(set_byte(m, 4, 2)) FROM mf;
-- an unknown kind, and a valid envelope of another kind
SELECT ts_model_info(set_byte(m, 5, 77)) FROM mf;
SELECT ts_score(set_byte(m, 5, 3), now(), 1) FROM mf;
-- unknown flag bits
SELECT ts_model_info(set_byte(m, 7, 1)) FROM mf;
-- a payload byte flipped: the checksum catches it
SELECT ts_model_info(set_byte(m, 30, get_byte(m, 30) # 1)) FROM mf;
-- a checksum byte flipped
SELECT ts_model_info(set_byte(m, 12, get_byte(m, 12) # 128)) FROM mf;
-- a declared payload length far beyond the data
SELECT ts_model_info(set_byte(m, 11, 127)) FROM mf;

-- every truncation and every single-byte corruption of the header is an error, none crashes
\i sql/include/state_corruption.sql
DO $$
DECLARE
  r record;
BEGIN
  SELECT * INTO r FROM pg_temp.count_rejected('SELECT ts_model_info($1)', ARRAY(SELECT pg_temp.damaged(m, 0) FROM mf));
  RAISE NOTICE 'corrupted models rejected: %, accepted: %', r.rejected, r.accepted;
END $$;

-- the intact model still works
SELECT ts_model_info(m)->>'kind' AS kind FROM mf;

-- A model frozen from format version 1 (test/fixtures/ts_level_v1.hex: ts_fit of
-- 100 ten-minute points i*i % 17, i = 0..99, from 2026-01-01 00:00 UTC, robust,
-- threshold 3.5).  Every later build must keep reading it to the same values:
-- median 8, MAD 6, sigma 1.4826 * 6.
SELECT i->>'kind' AS kind, i->>'points' AS points, i->>'train_start' AS train_start,
       i->>'train_end' AS train_end, (i->>'interval_seconds')::float8 AS interval_seconds,
       (i->>'median')::float8 AS median, (i->>'mad')::float8 AS mad,
       (i->>'sigma')::float8 = 1.482602218505602 * 6 AS sigma_ok, (i->>'threshold')::float8 AS threshold
FROM (SELECT ts_model_info('\x414e4f4d010100004100000054c3feb30060e80a47ea020000726cdf54ea020064000000000000000046c3230000000000000000000020400000000000001840d780f1d38dca21400000000000000c4000'::bytea) AS i) s;

-- A seasonal model frozen from format version 1 (test/fixtures/ts_seasonal_v1.hex:
-- ts_fit of 336 hourly points 10 + (i % 24) - 11.5, i = 0..335, from 2026-01-01
-- 00:00 UTC, '{"method": "seasonal", "period": 24, "trend": "none"}').  The series
-- is its own seasonal profile, so at hour h of any later day the expectation is
-- 10 + h - 11.5 (-1.5 at 00:00, 4.5 at 06:00, 21.5 at 23:00), the profile spans 23,
-- and the band is expected -/+ band_below/band_above as ts_model_info prints them.
CREATE TEMP TABLE fx_seasonal AS
SELECT '\x414e4f4d010200003a0100007cef7c510060e80a47ea020000fc1bd65feb0200500100000000000000a493d60000000000000000000008400001010000000000000000005830f4ffdf15573e5830f4ffdf15573e0000000000000000000000000000000001010060d71d140000000060e80a47ea020018000000000000000000000000000000000027c000000000000025c000000000000023c000000000000021c00000000000001ec00000000000001ac000000000000016c000000000000012c00000000000000cc000000000000004c0000000000000f8bf000000000000e0bf000000000000e03f000000000000f83f00000000000004400000000000000c40000000000000124000000000000016400000000000001a400000000000001e4000000000000021400000000000002340000000000000254000000000000027400000000000002440'::bytea AS m;
SELECT i->>'kind' AS kind, (i->>'format_version')::int AS format_version, (i->>'points')::int AS points,
       i->>'train_start' AS train_start, i->>'train_end' AS train_end, (i->>'period')::int AS period_seconds,
       (i->>'level_at_end')::float8 AS level_at_end, (i->'periods'->0->>'amplitude')::float8 AS amplitude
FROM (SELECT ts_model_info(m) AS i FROM fx_seasonal) s;
SELECT h, d.expected, d.expected = 10 + h - 11.5 AS expected_ok,
       abs(d.lower - (d.expected - (i->>'band_below')::float8)) < 1e-12 AS lower_ok,
       abs(d.upper - (d.expected + (i->>'band_above')::float8)) < 1e-12 AS upper_ok,
       d.score = 0 AS score_at_expected_is_0
FROM fx_seasonal, ts_model_info(m) i, unnest(ARRAY[0, 6, 23]) h,
     ts_detect(m, timestamptz '2026-01-15 00:00+00' + h * interval '1 hour', 10 + h - 11.5) d
ORDER BY h;

-- DBSCAN models frozen from format version 1.  test/fixtures/dbscan_v1.hex:
-- dbscan_fit(ARRAY[x], 1.5, 2) over x = 0, 1, 2, 10, 11, 12: every point is core,
-- clusters {0, 1, 2} = 0 and {10, 11, 12} = 1.  A point joins a cluster when within
-- 1.5 of one of its points: 1.4 and -1.5 join 0, 11.6 and 13.5 join 1, 5 and 13.6
-- are outliers (NULL).
SELECT x, dbscan_score('\x414e4f4d0103000065000000cb300eb101000000000000000000f83f02000000000000000002000000060000000000000000000000000000000000f03f0000000000000040000000000000244000000000000026400000000000002840000000000000000000000000010000000100000001000000'::bytea, ARRAY[x]) AS cluster
FROM unnest(ARRAY[1.4, -1.5, 5, 11.6, 13.5, 13.6]::float8[]) x;
-- test/fixtures/dbscan_scaled_v1.hex: dbscan_fit(ARRAY[x, y], 0.5, 2, true) over the
-- corners of the unit squares at (0, 0) and (10, 10).  Each column has mean 5.5 and
-- population deviation sqrt(25.25) = 5.02, so eps is 2.51 in raw units: (0.5, 0.5)
-- joins cluster 0, (12, 12) (1.41 from (11, 11)) cluster 1, (5.5, 5.5) (6.36 from both
-- squares) and (13, 13) (2.83 from (11, 11)) are outliers.
SELECT x, y, dbscan_score('\x414e4f4d01030000dd0000005484641b02000000000000000000e03f02000000000000000100000000000016400000000000001640f029234c89191440f029234c891914400200000008000000ca7f14543d83f1bfca7f14543d83f1bfca7f14543d83f1bfbf5c67cf35a8ecbfbf5c67cf35a8ecbfca7f14543d83f1bfbf5c67cf35a8ecbfbf5c67cf35a8ecbfbf5c67cf35a8ec3fbf5c67cf35a8ec3fbf5c67cf35a8ec3fca7f14543d83f13fca7f14543d83f13fbf5c67cf35a8ec3fca7f14543d83f13fca7f14543d83f13f0000000000000000000000000000000001000000010000000100000001000000'::bytea, ARRAY[x, y]) AS cluster
FROM (VALUES (0.5::float8, 0.5::float8), (12, 12), (5.5, 5.5), (13, 13)) v(x, y);
