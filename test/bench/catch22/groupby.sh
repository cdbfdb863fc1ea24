#!/usr/bin/env bash
# test/bench/catch22/groupby.sh: SELECT series, catch22(ts, value) ... GROUP BY series
# over SERIES series of POINTS points (default 10,000 x 1,000, random walks), in seconds,
# with the default parallel plan and with max_parallel_workers_per_gather = 0.
#
#   test/bench/catch22/groupby.sh [SERIES] [POINTS]
#
# Installs the extension into the system PostgreSQL under the shared install
# lock, which it holds to the end (another checkout could install over it),
# and runs on a throwaway cluster (test/lib.sh).  Run by hand.
set -euo pipefail
cd "$(dirname "$0")/../../.."
. test/lib.sh
. test/bench/catch22/lib.sh
positional SERIES=10000 POINTS=1000 -- "$@"

locked_cluster "shared_buffers = '1GB'" "work_mem = '256MB'" "max_parallel_workers_per_gather = 2"
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION anomaly;
CREATE TABLE rw AS
SELECT s AS series, timestamptz '2026-01-01' + make_interval(secs => i) AS ts,
       sum(random() - 0.5) OVER (PARTITION BY s ORDER BY i) AS value
FROM generate_series(1, $SERIES) s, generate_series(1, $POINTS) i;
SQL
analyse_with_arrays rw series value

run() {
	local label=$1 setting=$2
	psql -X -q -v ON_ERROR_STOP=1 <<SQL | grep -E '^(Time|label|workers)' || true
SET max_parallel_workers_per_gather = $setting;
SELECT count(*) FROM rw;   -- warm the cache
\timing on
SELECT count(*), sum(f[1]) IS NOT NULL FROM (SELECT series, catch22(ts, value) AS f FROM rw GROUP BY series) s;
\timing off
\echo label $label
SQL
}
run_arrays() {
	local label=$1 setting=$2
	psql -X -q -v ON_ERROR_STOP=1 <<SQL | grep -E '^(Time|label|.*Workers)' || true
SET max_parallel_workers_per_gather = $setting;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SELECT count(*) FROM rw_arrays;
EXPLAIN SELECT sum((catch22(y))[1]) FROM rw_arrays;
\timing on
SELECT sum((catch22(y))[1]) IS NOT NULL FROM rw_arrays;
\timing off
\echo label $label
SQL
}
echo "$SERIES series x $POINTS points, aggregate catch22(ts, value) ... GROUP BY series:"
run "parallel plan (2 workers planned)" 2
run "serial" 0
echo "the same from a table of one array per series, catch22(y):"
run_arrays "parallel scan (2 workers)" 2
run_arrays "serial" 0
