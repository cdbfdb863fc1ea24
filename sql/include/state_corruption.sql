-- sql/include/state_corruption.sql: read by the two-level tests with
-- \i sql/include/state_corruption.sql (pg_regress runs psql from the project root).
-- pg_temp.reseal(b) rewrites the payload length and the CRC-32C of a model or
-- state after an edit, as a forger would, so that the damage reaches the reader
-- behind a valid checksum.  pg_temp.corrupt_every_byte(state, merge) feeds every
-- single-byte corruption and every cut of a state, resealed, to the aggregate
-- named merge, and counts what it rejects (an error) and what it accepts (still a
-- valid state): a crash fails the test.
CREATE FUNCTION pg_temp.crc32c(b bytea) RETURNS bigint LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE crc bigint := 4294967295;
BEGIN
  FOR i IN 0 .. length(b) - 1 LOOP
    crc := crc # get_byte(b, i);
    FOR k IN 1 .. 8 LOOP
      crc := CASE WHEN crc & 1 = 1 THEN (crc >> 1) # 2197175160 ELSE crc >> 1 END;
    END LOOP;
  END LOOP;
  RETURN crc # 4294967295;
END $$;
CREATE FUNCTION pg_temp.reseal(b bytea) RETURNS bytea LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE crc bigint := pg_temp.crc32c(substring(b FROM 17));
BEGIN
  b := set_byte(b, 8, (length(b) - 16) % 256);
  b := set_byte(b, 9, (length(b) - 16) / 256);
  FOR k IN 0 .. 3 LOOP
    b := set_byte(b, 12 + k, ((crc >> (8 * k)) & 255)::int);
  END LOOP;
  RETURN b;
END $$;
CREATE FUNCTION pg_temp.corrupt_every_byte(state bytea, merge text, OUT rejected int, OUT accepted int)
LANGUAGE plpgsql AS $$
DECLARE
  query text := format('SELECT %I(s) FROM (SELECT pg_temp.reseal($1) AS s) x', merge);
BEGIN
  rejected := 0;
  accepted := 0;
  FOR pos IN 16 .. length(state) - 1 LOOP
    BEGIN
      EXECUTE query USING set_byte(state, pos, (get_byte(state, pos) + 101) % 256);
      accepted := accepted + 1;
    EXCEPTION WHEN OTHERS THEN rejected := rejected + 1;
    END;
  END LOOP;
  FOR cut IN 16 .. length(state) - 1 LOOP
    BEGIN
      EXECUTE query USING substring(state FROM 1 FOR cut);
      accepted := accepted + 1;
    EXCEPTION WHEN OTHERS THEN rejected := rejected + 1;
    END;
  END LOOP;
END $$;
