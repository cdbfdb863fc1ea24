-- The composite types that functions return (their comments are with the
-- functions).  Types, like the tables of part 60, are created once: an upgrade
-- does not run this part again (see the Makefile): it runs the section of the
-- types new in this version instead, and alters in install/updates/ a type
-- that changed.

-- ts_detect (part 10).
CREATE TYPE ts_detection AS (
  expected float8,
  lower float8,
  upper float8,
  score float8,
  is_anomaly boolean,
  level float8,
  seasonal float8
);

-- new in 0.4.0:
-- ts_anomaly (part 10).
CREATE TYPE ts_anomaly_result AS (
  expected float8,
  lower float8,
  upper float8,
  score float8,
  is_anomaly boolean,
  level float8,
  seasonal float8,
  point_score float8,
  shape_score float8,
  shift_score float8
);

-- ts_discords (part 35).
CREATE TYPE ts_discord AS (
  rank int,
  start_index int,
  ts timestamptz,
  distance float8,
  neighbor_index int,
  neighbor_ts timestamptz
);

-- mv_detect (part 45).
CREATE TYPE mv_detection AS (
  score float8,
  is_anomaly boolean,
  distance float8,
  contributions float8[]
);
-- end of new in 0.4.0
