-- sql/include/state_corruption.sql: read by the two-level tests and model_format
-- with \i sql/include/state_corruption.sql (pg_regress runs psql from the project
-- root).  pg_temp.reseal(b) rewrites the payload length and the CRC-32C of a model
-- or state after an edit, as a forger would, so that the damage reaches the reader
-- behind a valid checksum.  pg_temp.damaged(b, first) is every single-byte
-- corruption of b from byte first on, and every cut of b to a length from first
-- on.  pg_temp.count_rejected(query, inputs) runs query with each input as $1 and
-- counts what it rejects (an error) and what it accepts: a crash fails the test.
-- pg_temp.corrupt_every_byte(state, merge) counts them for every damaged state,
-- resealed, fed to the aggregate named merge.
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
CREATE FUNCTION pg_temp.damaged(b bytea, first int) RETURNS SETOF bytea LANGUAGE sql IMMUTABLE AS $$
  SELECT set_byte(b, pos, (get_byte(b, pos) + 101) % 256) FROM generate_series(first, length(b) - 1) pos
  UNION ALL
  SELECT substring(b FROM 1 FOR cut) FROM generate_series(first, length(b) - 1) cut
$$;
CREATE FUNCTION pg_temp.count_rejected(query text, inputs bytea[], OUT rejected int, OUT accepted int)
LANGUAGE plpgsql AS $$
DECLARE
  input bytea;
BEGIN
  rejected := 0;
  accepted := 0;
  FOREACH input IN ARRAY inputs LOOP
    BEGIN
      EXECUTE query USING input;
      accepted := accepted + 1;
    EXCEPTION WHEN OTHERS THEN rejected := rejected + 1;
    END;
  END LOOP;
END $$;
CREATE FUNCTION pg_temp.corrupt_every_byte(state bytea, merge text, OUT rejected int, OUT accepted int)
LANGUAGE sql AS $$
  SELECT * FROM pg_temp.count_rejected(format('SELECT %I(s) FROM (SELECT pg_temp.reseal($1) AS s) x', merge),
                                       ARRAY(SELECT pg_temp.damaged(state, 16)))
$$;
