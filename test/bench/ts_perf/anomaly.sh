#!/usr/bin/env bash
# ts_anomaly's throughput and the cost of the shape component in ts_fit, on
# ts_perf's data (a daily sine at 5 minutes plus noise), on a throwaway
# cluster with this checkout's build installed.  Run by hand:
#   test/bench/ts_perf/anomaly.sh [series] [points_per_series]    (default 1000 1000)
# Prints ts_fit's time without and with {"shape": true}, and the rows per
# second of ts_score (a join), of row_number() over the same join and window
# (the join, sort and window machinery alone) and of ts_anomaly (a window over
# each series),
# without parallel workers.
set -euo pipefail
cd "$(dirname "$0")/../../.."
. test/lib.sh
SERIES=${1:-1000}
POINTS=${2:-1000}
locked_cluster "max_parallel_workers_per_gather = 0" "work_mem = '256MB'" >/dev/null
psql -X -q -c "CREATE EXTENSION anomaly"
psql -X -q <<SQL
CREATE TABLE series AS
SELECT s AS series, '2026-01-01'::timestamptz + i * interval '5 minutes' AS ts,
       100 + s % 7 + 10 * sin(2 * pi() * i / 288) + random() AS value
  FROM generate_series(1, $SERIES) s, generate_series(0, $POINTS - 1) i;
VACUUM ANALYZE series;
SQL
run() { # label sql -> seconds
	local t0 t1
	t0=$(date +%s.%N)
	psql -X -q -c "$2" >/dev/null
	t1=$(date +%s.%N)
	echo "$(echo "$t1 - $t0" | bc)"
}
ROWS=$((SERIES * POINTS))
fit0=$(run fit "CREATE TABLE m0 AS SELECT series, ts_fit(ts, value) AS model FROM series GROUP BY series")
fit1=$(run fit "CREATE TABLE m1 AS SELECT series, ts_fit(ts, value, '{\"shape\": true}') AS model FROM series GROUP BY series")
echo "rows=$ROWS: ts_fit ${fit0}s, with the shape component ${fit1}s (ratio $(echo "scale=2; $fit1 / $fit0" | bc))"
psql -X -q -At -c "SELECT 'shape window ' || (ts_model_info(model)->'shape'->>'window') || ', references ' || (ts_model_info(model)->'shape'->>'references') || ', model bytes ' || octet_length(model) FROM m1 LIMIT 1"
sc=$(run score "SELECT count(*) FILTER (WHERE ts_score(model, ts, value) > 1) FROM series JOIN m1 USING (series)")
echo "rows=$ROWS: ts_score join ${sc}s ($(echo "$ROWS / $sc" | bc) rows/s)"
# the same join, sort and window with a trivial window function: the floor under ts_anomaly's time
rn=$(run plumbing "SELECT count(*) FROM (SELECT row_number() OVER (PARTITION BY series ORDER BY ts) AS a FROM series JOIN m1 USING (series)) x")
echo "rows=$ROWS: row_number window (m1) ${rn}s ($(echo "$ROWS / $rn" | bc) rows/s)"
for m in m0 m1; do
	an=$(run anomaly "SELECT count(*) FILTER (WHERE (a).score > 1) FROM (SELECT ts_anomaly(model, ts, value) OVER (PARTITION BY series ORDER BY ts) AS a FROM series JOIN $m USING (series)) x")
	echo "rows=$ROWS: ts_anomaly window ($m) ${an}s ($(echo "$ROWS / $an" | bc) rows/s)"
done
