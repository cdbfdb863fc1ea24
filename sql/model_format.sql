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
DO $$
DECLARE
  model bytea := (SELECT m FROM mf);
  errors int := 0;
  accepted int := 0;
BEGIN
  FOR cut IN 0 .. length(model) - 1 LOOP
    BEGIN
      PERFORM ts_model_info(substring(model FROM 1 FOR cut));
      accepted := accepted + 1;
    EXCEPTION WHEN OTHERS THEN errors := errors + 1;
    END;
  END LOOP;
  FOR pos IN 0 .. length(model) - 1 LOOP
    BEGIN
      PERFORM ts_model_info(set_byte(model, pos, (get_byte(model, pos) + 101) % 256));
      accepted := accepted + 1;
    EXCEPTION WHEN OTHERS THEN errors := errors + 1;
    END;
  END LOOP;
  RAISE NOTICE 'corrupted models rejected: %, accepted: %', errors, accepted;
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
