#!/usr/bin/env bash
# test/integration/parallel_null_rows.sh: a parallel worker whose rows all
# have a NULL timestamp or value has no state to pass on.  ts_fit's transition
# function used to hand back a NULL pointer as a non-NULL internal datum; the
# worker then serialized it and the server crashed (signal 11).  Every fitting
# aggregate must give the serial result instead.  Not a pg_regress test: the
# workers' share of the rows is not fixed, and a crash would abort the rest
# of a pg_regress file.  Prints "N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/lib/check.sh"
PARALLEL="SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off;"

"${PSQL[@]}" <<'SQL' || { echo "not ok - setup"; echo "0 passed, 1 failed"; exit 1; }
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS anomaly;
DROP SCHEMA IF EXISTS parallel_null_it CASCADE;
CREATE SCHEMA parallel_null_it;
-- group 0 has only NULL timestamps, group 1 only NULL values, 2 and 3 data
CREATE TABLE parallel_null_it.t AS
SELECT g % 4 AS grp,
       CASE WHEN g % 4 = 0 THEN NULL ELSE timestamptz '2026-01-01' + g * interval '1 minute' END AS ts,
       CASE WHEN g % 4 = 1 THEN NULL ELSE (g % 97)::float8 END AS v,
       CASE WHEN g % 4 < 2 THEN NULL ELSE ARRAY[(g % 97)::float8, (g % 13)::float8] END AS f
FROM generate_series(1, 200000) g;
ANALYZE parallel_null_it.t;
SQL

query="SELECT string_agg(grp || ':' || coalesce(md5(m), 'null') || ':' || coalesce(md5(c::text), 'null') || ':'
                         || coalesce(md5(d), 'null'), ' ' ORDER BY grp)
       FROM (SELECT grp, ts_fit(ts, v) AS m, catch22(ts, v) AS c, dbscan_fit(f, 1.0, 5) AS d
             FROM parallel_null_it.t GROUP BY grp) s"
serial=$("${PSQL[@]}" -c "SET max_parallel_workers_per_gather = 0; $query" 2>&1)
plan=$("${PSQL[@]}" -c "$PARALLEL EXPLAIN (COSTS OFF) $query" 2>&1 | grep -c 'Partial')
check "the query runs as a parallel aggregate" "$([ "$plan" -gt 0 ] && echo yes)" "yes"
parallel=$("${PSQL[@]}" -c "$PARALLEL $query" 2>&1)
check "groups without data, in parallel: the serial result" "$parallel" "$serial"
whole=$("${PSQL[@]}" -c "$PARALLEL SELECT ts_fit(ts, v) IS NULL, catch22(ts, v) IS NULL, dbscan_fit(f, 1.0, 5) IS NULL
                         FROM parallel_null_it.t WHERE grp < 2" 2>&1)
check "a whole table without data, in parallel: NULL" "$whole" "t|t|t"
check "the server is still up" "$("${PSQL[@]}" -c "SELECT 1" 2>&1)" "1"

"${PSQL[@]}" -c "DROP SCHEMA parallel_null_it CASCADE" >/dev/null 2>&1
report
