#!/usr/bin/env bash
# ts_fit / ts_score throughput against plain SQL on the same table, on a
# throwaway cluster with this checkout's build installed.  Run by hand:
#   test/bench/ts_perf/run.sh [series] [points_per_series]     (default 10000 1000)
#   REPEAT=5 test/bench/ts_perf/run.sh                           (each measurement 5 times)
#   OPTIONS='{"false_alarm_rate": 0.001}' test/bench/ts_perf/run.sh   (ts_fit with these options)
# Prints the times, the ratios and rows per second, without parallel workers
# and then with 2.  With REPEAT > 1 the peer and ts_fit / ts_score alternate
# REPEAT times and the medians of the ratios follow: on a shared machine
# single runs move by a third.
set -euo pipefail
cd "$(dirname "$0")/../../.."
. test/lib.sh
. test/bench/ts_perf/lib.sh
REPEAT=${REPEAT:-1}
FIT="ts_fit(ts, value${OPTIONS:+, '$OPTIONS'::jsonb})"
series_cluster "${1:-10000}" "${2:-1000}" "max_parallel_workers_per_gather = 2" "work_mem = '256MB'"
ROWS=$((SERIES * POINTS))
echo "plan without workers:"
psql -X -q -At -c "SET max_parallel_workers_per_gather = 0; EXPLAIN (COSTS OFF) SELECT series, ts_fit(ts, value) FROM series GROUP BY series"
median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR] = $1} END {print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
for workers in 0 2; do
	SET="SET max_parallel_workers_per_gather = $workers;"
	stored="" alone="" scoring=""
	for rep in $(seq "$REPEAT"); do
		base=$(seconds "$SET DROP TABLE IF EXISTS x; CREATE TEMP TABLE x AS SELECT series, avg(value), stddev(value) FROM series GROUP BY series")
		fit=$(seconds "$SET DROP TABLE IF EXISTS models; CREATE TABLE models AS SELECT series, $FIT AS model FROM series GROUP BY series")
		# the queries alone, results neither stored nor sent: the models are not offered to TOAST
		qbase=$(seconds "$SET SELECT count(*) FROM (SELECT series, avg(value) a, stddev(value) s FROM series GROUP BY series) q WHERE a IS NOT NULL AND s IS NOT NULL")
		qfit=$(seconds "$SET SELECT count(*) FROM (SELECT series, $FIT AS model FROM series GROUP BY series) q WHERE model IS NOT NULL")
		psql -X -q -c "DROP TABLE IF EXISTS stats_t; CREATE TABLE stats_t AS SELECT series, avg(value) m, stddev(value) s FROM series GROUP BY series" >/dev/null
		sbase=$(seconds "$SET SELECT count(*) FILTER (WHERE (value - m) / s > 3) FROM series JOIN stats_t USING (series)")
		score=$(seconds "$SET SELECT count(*) FILTER (WHERE ts_score(model, ts, value) > 1) FROM series JOIN models USING (series)")
		stored="$stored $(echo "scale=3; $fit / $base" | bc)"
		alone="$alone $(echo "scale=3; $qfit / $qbase" | bc)"
		scoring="$scoring $(echo "scale=3; $score / $sbase" | bc)"
		echo "workers=$workers rows=$ROWS: avg+stddev ${base}s, ts_fit ${fit}s (ratio $(echo "scale=2; $fit / $base" | bc), $(echo "$ROWS / $fit" | bc) rows/s), stored with CREATE TABLE AS"
		echo "workers=$workers rows=$ROWS: avg+stddev ${qbase}s, ts_fit ${qfit}s (ratio $(echo "scale=2; $qfit / $qbase" | bc), $(echo "$ROWS / $qfit" | bc) rows/s), the query alone"
		echo "workers=$workers rows=$ROWS: (value-m)/s join ${sbase}s, ts_score join ${score}s (ratio $(echo "scale=2; $score / $sbase" | bc), $(echo "$ROWS / $score" | bc) rows/s)"
	done
	if [ "$REPEAT" -gt 1 ]; then
		echo "workers=$workers, medians of $REPEAT: ts_fit stored $(echo "$stored" | median), query alone $(echo "$alone" | median), ts_score $(echo "$scoring" | median)"
	fi
done
psql -X -q -At -c "SELECT ts_model_info(model)->>'kind', count(*) FROM models GROUP BY 1"
# One series of all the rows: must fit without error (memory: see docs/performance.md).
t0=$(date +%s.%N)
# the series laid end to end: one continuous 5-minute series of $ROWS points
psql -X -q -At -c "SET max_parallel_workers_per_gather = 0; SELECT ts_model_info(ts_fit(ts + (series - 1) * ($POINTS * interval '5 minutes'), value)) - 'periods' FROM series"
echo "one series of $ROWS points: $(echo "$(date +%s.%N) - $t0" | bc)s"
