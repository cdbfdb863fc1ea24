#!/usr/bin/env bash
# test/bench/catch22/agg_interleaved.sh: the catch22(ts, value) aggregate over
# SERIES series of POINTS points whose rows are stored time-interleaved (all
# series at t1, then all at t2, ... as metrics arrive), so every row goes to a
# different group than the one before: the transition function's per-row cost
# and cache behaviour show.  Serial plan (max_parallel_workers_per_gather = 0),
# best of REPEAT runs, in ms; also count(*) ... GROUP BY series for the cost of
# the scan and the hashing alone, and the array form on the same series.
# (The outer queries use the result: PostgreSQL drops unused subquery columns.)
#
#   test/bench/catch22/agg_interleaved.sh [SERIES] [POINTS] [REPEAT]
#
# Installs the extension into the system PostgreSQL under the shared install
# lock, held to the end, and runs on a throwaway cluster (test/lib.sh).
# Run by hand.
set -euo pipefail
cd "$(dirname "$0")/../../.."
. test/lib.sh
. test/bench/catch22/lib.sh
positional SERIES=2000 POINTS=1000 REPEAT=3 -- "$@"

locked_cluster "shared_buffers = '512MB'" "work_mem = '256MB'"
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION anomaly;
CREATE TABLE t AS
SELECT s, timestamptz '2026-01-01' + make_interval(secs => i * 60) AS ts,
       sin(i / 20.0 + s) + ((i * 7919 + s * 104729) % 1000) / 1000.0 AS v
FROM generate_series(1, $POINTS) i, generate_series(1, $SERIES) s
ORDER BY i, s;
SQL
analyse_with_arrays t s v

# best_of LABEL QUERY: the smallest "Time:" of REPEAT runs, in ms.
best_of() {
	local label=$1 query=$2
	local times
	times=$(for _ in $(seq "$REPEAT"); do
		psql -X -q -v ON_ERROR_STOP=1 <<SQL
SET max_parallel_workers_per_gather = 0;
\timing on
$query
SQL
	done | grep -Eo '^Time: [0-9.]+' | awk '{print $2}')
	printf '%-40s best %8.1f ms  (runs: %s)\n' "$label" "$(echo "$times" | sort -g | head -1)" "$(echo $times)"
}
psql -X -q -c 'SELECT count(*) FROM t' >/dev/null   # warm the cache
echo "$SERIES series x $POINTS points, time-interleaved rows, serial plan:"
best_of "count(*) GROUP BY s" "SELECT sum(n) FROM (SELECT s, count(*) AS n FROM t GROUP BY s) q;"
best_of "catch22(ts, v) GROUP BY s" "SELECT count(f[1]) FROM (SELECT s, catch22(ts, v) AS f FROM t GROUP BY s) q;"
best_of "catch22(y) over stored arrays" "SELECT count(f[1]) FROM (SELECT s, catch22(y) AS f FROM t_arrays) q;"
