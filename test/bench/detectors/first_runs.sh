#!/usr/bin/env bash
# test/bench/detectors/first_runs.sh: the first two runs of a new detector,
# before autovacuum has analysed its result tables (autovacuum is off here so
# that it never does).  SERIES series of 5-minute rows; run 1 fits on the
# first 200 rows per series and scores none, then NEW rows per series arrive
# and run 2 scores them.  With stale statistics the planner once joined the
# scored rows to the series by nested loops (docs/performance.md).
# Run by hand (holds the install lock):
#   test/bench/detectors/first_runs.sh [SERIES] [NEW]
set -euo pipefail
cd "$(dirname "$0")/../../.."
. test/lib.sh
SERIES=${1:-1000}
NEW=${2:-200}
locked_cluster "autovacuum = off" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -At <<SQL
SET client_min_messages = warning;
CREATE EXTENSION anomaly;
CREATE TABLE src (host text, ts timestamptz, cpu float8);
INSERT INTO src
SELECT 'h' || h, timestamptz '2026-05-01 00:00+00' + i * interval '5 minutes', 10 + 70 * random()
FROM generate_series(1, $SERIES) h, generate_series(0, 199 + $NEW) i;
ANALYZE src;
CREATE TABLE clock (upto timestamptz);
CREATE VIEW feed AS SELECT * FROM src WHERE ts <= (SELECT upto FROM clock);
INSERT INTO clock VALUES (timestamptz '2026-05-01 00:00+00' + 199 * interval '5 minutes');
SELECT anomaly_create_detector('b', 'feed', 'ts', 'cpu', 'host');
SELECT 'run 1: ' || round(extract(epoch FROM duration)::numeric, 2) || ' s, ' || fitted || ' fitted' FROM anomaly_run('b');
UPDATE clock SET upto = 'infinity';
SELECT 'run 2: ' || round(extract(epoch FROM duration)::numeric, 2) || ' s, ' || rows_scored || ' rows scored'
FROM anomaly_run('b');
SQL
