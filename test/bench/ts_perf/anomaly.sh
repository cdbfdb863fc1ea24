#!/usr/bin/env bash
# ts_anomaly's throughput and the cost of the shape component in ts_fit, on
# ts_perf's data (a daily sine at 5 minutes plus noise), on a throwaway
# cluster with this checkout's build installed.  Run by hand:
#   test/bench/ts_perf/anomaly.sh [series] [points_per_series]    (default 1000 1000)
#   REPS=3 JIT=on test/bench/ts_perf/anomaly.sh                   (the defaults)
# Prints ts_fit's time without and with {"shape": true} (and with
# {"discord": true} when the build has it: models m2; and with
# {"analog": true}: models m3, the analogues' skill per model), then the rows per
# second of ts_score (a join), of row_number() over the same join and window
# with its result, the model and the value carried through (the join, sort
# and window machinery alone: the floor under ts_anomaly's time), and of
# ts_anomaly and ts_anomaly_score (when the build has it) over each series,
# and both with lookahead => true (when the build has it);
# then the floor and the window functions again with an index on
# (series, ts), which spares the sort.  Each query runs REPS times in its
# own psql session and the best time is printed; no parallel workers.
set -euo pipefail
cd "$(dirname "$0")/../../.."
. test/lib.sh
. test/bench/ts_perf/lib.sh
REPS=${REPS:-3}
JIT=${JIT:-on}
series_cluster "${1:-1000}" "${2:-1000}" "max_parallel_workers_per_gather = 0" "work_mem = '256MB'" "jit = $JIT"
best() { # sql -> the least of REPS runs, seconds
	local b="" t i
	for ((i = 0; i < REPS; i++)); do
		t=$(seconds "$1")
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; fi
	done
	echo "$b"
}
ROWS=$((SERIES * POINTS))
line() { # label seconds
	printf 'rows=%s: %s %.2fs (%s rows/s)\n' "$ROWS" "$1" "$2" "$(echo "$ROWS / $2" | bc)"
}
fit0=$(seconds "CREATE TABLE m0 AS SELECT series, ts_fit(ts, value) AS model FROM series GROUP BY series")
fit1=$(seconds "CREATE TABLE m1 AS SELECT series, ts_fit(ts, value, '{\"shape\": true}') AS model FROM series GROUP BY series")
psql -X -q -c "VACUUM ANALYZE m0" -c "VACUUM ANALYZE m1"
echo "rows=$ROWS: ts_fit ${fit0}s, with the shape component ${fit1}s (ratio $(echo "scale=2; $fit1 / $fit0" | bc))"
have_discord=f
if fit2=$(seconds "CREATE TABLE m2 AS SELECT series, ts_fit(ts, value, '{\"discord\": true}') AS model FROM series GROUP BY series" 2>/dev/null); then
	have_discord=t
	psql -X -q -c "VACUUM ANALYZE m2"
	echo "rows=$ROWS: ts_fit with the discord component ${fit2}s (ratio $(echo "scale=2; $fit2 / $fit0" | bc))"
fi
have_analog=f
if fit3=$(seconds "CREATE TABLE m3 AS SELECT series, ts_fit(ts, value, '{\"analog\": true}') AS model FROM series GROUP BY series" 2>/dev/null); then
	have_analog=t
	psql -X -q -c "VACUUM ANALYZE m3"
	echo "rows=$ROWS: ts_fit with the analog component ${fit3}s (ratio $(echo "scale=2; $fit3 / $fit0" | bc))"
	psql -X -q -At -c "SELECT 'analogues used in ' || count(*) FILTER (WHERE (ts_model_info(model)->'analog'->>'used')::boolean) || ' of ' || count(*) || ' models, skill ' || round(min((ts_model_info(model)->'analog'->>'skill')::numeric), 3) || '..' || round(max((ts_model_info(model)->'analog'->>'skill')::numeric), 3) || ', span ' || min((ts_model_info(model)->'analog'->>'span')::int) || '..' || max((ts_model_info(model)->'analog'->>'span')::int) FROM m3"
fi
psql -X -q -At -c "SELECT 'shape window ' || (ts_model_info(model)->'shape'->>'window') || ', references ' || (ts_model_info(model)->'shape'->>'references') || ', model bytes ' || octet_length(model) FROM m1 LIMIT 1"
echo "best of $REPS runs, jit = $JIT"
line "ts_score join" "$(best "SELECT count(*) FILTER (WHERE ts_score(model, ts, value) > 1) FROM series JOIN m1 USING (series)")"
have_score=$(psql -X -q -At -c "SELECT to_regprocedure('ts_anomaly_score(bytea, timestamptz, float8)') IS NOT NULL")
have_lookahead=$(psql -X -q -At -c "SELECT to_regprocedure('ts_anomaly_score(bytea, timestamptz, float8, boolean)') IS NOT NULL")
windows() { # label suffix
	# the same join, sort and window with a trivial window function whose
	# result is used (else the planner drops the window and the sort) and
	# the model and the value carried through (else an index-only scan):
	# the floor under ts_anomaly's time
	line "row_number window$1" "$(best "SELECT count(*) FILTER (WHERE a > 1 AND m IS NOT NULL AND v IS NOT NULL) FROM (SELECT row_number() OVER (PARTITION BY series ORDER BY ts) AS a, model AS m, value AS v FROM series JOIN m1 USING (series)) x")"
	for m in m0 m1 $([ "$have_discord" = t ] && echo m2) $([ "$have_analog" = t ] && echo m3); do
		line "ts_anomaly window ($m)$1" "$(best "SELECT count(*) FILTER (WHERE (a).score > 1) FROM (SELECT ts_anomaly(model, ts, value) OVER (PARTITION BY series ORDER BY ts) AS a FROM series JOIN $m USING (series)) x")"
		[ "$have_score" = t ] || continue
		line "ts_anomaly_score window ($m)$1" "$(best "SELECT count(*) FILTER (WHERE s > 1) FROM (SELECT ts_anomaly_score(model, ts, value) OVER (PARTITION BY series ORDER BY ts) AS s FROM series JOIN $m USING (series)) x")"
	done
	[ "$have_lookahead" = t ] || return 0
	line "ts_anomaly lookahead (m1)$1" "$(best "SELECT count(*) FILTER (WHERE (a).score > 1) FROM (SELECT ts_anomaly(model, ts, value, true) OVER (PARTITION BY series ORDER BY ts) AS a FROM series JOIN m1 USING (series)) x")"
	line "ts_anomaly_score lookahead (m1)$1" "$(best "SELECT count(*) FILTER (WHERE s > 1) FROM (SELECT ts_anomaly_score(model, ts, value, true) OVER (PARTITION BY series ORDER BY ts) AS s FROM series JOIN m1 USING (series)) x")"
	[ "$have_discord" = t ] || return 0
	line "ts_anomaly_score lookahead (m2)$1" "$(best "SELECT count(*) FILTER (WHERE s > 1) FROM (SELECT ts_anomaly_score(model, ts, value, true) OVER (PARTITION BY series ORDER BY ts) AS s FROM series JOIN m2 USING (series)) x")"
	[ "$have_analog" = t ] || return 0
	line "ts_anomaly_score lookahead (m3)$1" "$(best "SELECT count(*) FILTER (WHERE s > 1) FROM (SELECT ts_anomaly_score(model, ts, value, true) OVER (PARTITION BY series ORDER BY ts) AS s FROM series JOIN m3 USING (series)) x")"
}
windows ""
psql -X -q -c "CREATE INDEX ON series (series, ts)" -c "VACUUM ANALYZE series"
windows ", index on (series, ts)"
