#!/usr/bin/env bash
# Peak memory of ts_fit on one long series, on a throwaway cluster with this
# checkout's build installed.  Run by hand:
#   test/bench/ts_perf/memory.sh [points]        (default 10000000)
# Reads the backend's peak resident set (VmHWM in /proc/<pid>/status) after a
# scan of the table alone and after ts_fit over it; the difference over the
# number of points is the memory ts_fit needs per point, fixed part included.
# Done for half the points and for all of them, in new sessions: the growth
# between the two is the cost of a point without the fixed part.
set -euo pipefail
cd "$(dirname "$0")/../../.."
. test/lib.sh
POINTS=${1:-10000000}
locked_cluster "max_parallel_workers_per_gather = 0" >/dev/null
psql -X -q -c "CREATE EXTENSION anomaly"
psql -X -q -c "CREATE TABLE one AS SELECT i, '2026-01-01'::timestamptz + i * interval '5 minutes' AS ts,
	100 + 10 * sin(2 * pi() * i / 288) + random() AS value FROM generate_series(0, $POINTS - 1) i"
psql -X -q -c "VACUUM ANALYZE one"
hwm() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
# measure N: in a new session, note its pid, scan the first N points, read the
# peak, fit them, read the peak again; prints "N before_kB after_kB"
measure() {
	local n=$1 pid len before after t0 t1
	coproc PSQL { psql -X -q -At 2>&1; }
	echo "SELECT pg_backend_pid();" >&"${PSQL[1]}"
	read -r pid <&"${PSQL[0]}"
	# the library and what it loads (OpenBLAS) are in the baseline: not ts_fit's memory
	echo "SELECT length(ts_fit(ts, value)) FROM one WHERE i < 3;" >&"${PSQL[1]}"
	read -r _ <&"${PSQL[0]}"
	echo "SELECT count(*), sum(value) FROM one WHERE i < $n;" >&"${PSQL[1]}"
	read -r _ <&"${PSQL[0]}"
	before=$(hwm "$pid")
	t0=$(date +%s.%N)
	echo "SELECT length(ts_fit(ts, value)) FROM one WHERE i < $n;" >&"${PSQL[1]}"
	read -r len <&"${PSQL[0]}"
	t1=$(date +%s.%N)
	after=$(hwm "$pid")
	echo "\\q" >&"${PSQL[1]}"
	wait "$PSQL_PID" || true
	echo "one series of $n points: model $len bytes in $(echo "$t1 - $t0" | bc)s;" \
		"peak RSS $before kB after the scan, $after kB after ts_fit:" \
		"$(echo "scale=1; ($after - $before) * 1024 / $n" | bc) bytes a point" >&2
	echo "$n $before $after"
}
read -r n1 b1 a1 < <(measure $((POINTS / 2)))
read -r n2 b2 a2 < <(measure "$POINTS")
# the growth from half the points to all of them: the cost of one more point, without the fixed part
echo "marginal memory from $n1 to $n2 points: $(echo "scale=2; (($a2 - $b2) - ($a1 - $b1)) * 1024 / ($n2 - $n1)" | bc) bytes a point;" \
	"fixed part: $(echo "(($a1 - $b1) * 1024 - (($a2 - $b2) - ($a1 - $b1)) * 1024 / ($n2 - $n1) * $n1) / 1048576" | bc) MB"
