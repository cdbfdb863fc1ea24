#!/usr/bin/env bash
# test/integration/fdw_shards.sh: anomaly on PostgreSQL's own distribution.
# A coordinator (the cluster of PGHOST/PGPORT, in a database of its own) and
# two shard clusters started here (initdb each, private sockets) hold one
# table hash-partitioned by series_id over postgres_fdw foreign tables
# (extensions 'anomaly', async_capable, use_remote_estimate).  Checks that:
# - grouped by the partition key, ts_fit and catch22 run on the shards
#   (EXPLAIN VERBOSE shows them in the Remote SQL) and give the same bytes
#   as one node over the same rows;
# - ts_score, IMMUTABLE, is shipped in a remote WHERE, with the same count;
# - grouped by another key (region), the one-level aggregates ship every row,
#   while ts_fit_merge(ts_fit_state(...)) / catch22_merge(catch22_state(...))
#   with the states computed on the shards give the same models, and so does
#   dbscan_fit_merge(dbscan_fit_state(...));
# - a detector over the partitioned table whose partitions are foreign tables
#   runs and gives the results of one over the local copy.
# FDW_SERIES / FDW_POINTS scale the data (default 40 series of 300 points);
# with FDW_MEASURE=1, "measure:" lines give the rows shipped and the times
# (docs/scaling.md).
# Prints "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib.sh
. test/integration/lib/check.sh
SERIES=${FDW_SERIES:-40}
POINTS=${FDW_POINTS:-300}
DB=anomaly_fdw_it
SHARD_DIRS=()
SHARD_PORTS=()

finish() {
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
	for d in "${SHARD_DIRS[@]}"; do
		run_as_cluster_user "$PG_BINDIR/pg_ctl" -D "$d/data" -m immediate -w stop >/dev/null 2>&1
		rm -rf "$d"
	done
	report
	exit
}
trap finish EXIT

start_shard() { # start_shard N: initdb and start shard N on a private socket
	local d port
	d=$(mktemp -d /tmp/anomaly-shard.XXXXXX)
	chmod 755 "$d"
	[ "$(id -u)" -eq 0 ] && chown postgres "$d"
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	SHARD_DIRS[$1]=$d
	SHARD_PORTS[$1]=$port
}
# One initdb, copied for the second shard (a second initdb costs seconds).
# The servers must not inherit the install lock (file descriptor 9 of
# run_all.sh): a shard left behind would hold it for every other checkout.
init_shards() {
	run_as_cluster_user "$PG_BINDIR/initdb" -D "${SHARD_DIRS[0]}/data" -U postgres --auth=trust --no-sync \
		-E UTF8 --locale=C >"${SHARD_DIRS[0]}/initdb.log" 2>&1 || { cat "${SHARD_DIRS[0]}/initdb.log"; return 1; }
	run_as_cluster_user cp -a "${SHARD_DIRS[0]}/data" "${SHARD_DIRS[1]}/data" || return 1
	for n in 0 1; do
		printf "port = %s\nlisten_addresses = ''\nunix_socket_directories = '%s'\nfsync = off\n" \
			"${SHARD_PORTS[$n]}" "${SHARD_DIRS[$n]}" >>"${SHARD_DIRS[$n]}/data/postgresql.conf"
		run_as_cluster_user "$PG_BINDIR/pg_ctl" -D "${SHARD_DIRS[$n]}/data" -l "${SHARD_DIRS[$n]}/server.log" \
			-w start >/dev/null 9>&- || { cat "${SHARD_DIRS[$n]}/server.log"; return 1; }
	done
}
shard_psql() { # shard_psql N psql-args...
	local n=$1
	shift
	"${PSQL[@]}" -h "${SHARD_DIRS[$n]}" -p "${SHARD_PORTS[$n]}" -U postgres -d postgres "$@"
}

start_shard 0
start_shard 1
init_shards || { echo "not ok - shards start"; failed=$((failed + 1)); exit 1; }

for n in 0 1; do
	shard_psql $n <<'SQL' || { echo "not ok - shard $n setup"; failed=$((failed + 1)); exit 1; }
SET client_min_messages = warning;
CREATE EXTENSION anomaly;
CREATE TABLE metrics (series_id int NOT NULL, region text NOT NULL, ts timestamptz NOT NULL, v float8);
SQL
done

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null ||
	{ echo "not ok - coordinator database"; failed=$((failed + 1)); exit 1; }
export PGDATABASE=$DB
"${PSQL[@]}" -v series="$SERIES" -v points="$POINTS" \
	-v h0="${SHARD_DIRS[0]}" -v p0="${SHARD_PORTS[0]}" -v h1="${SHARD_DIRS[1]}" -v p1="${SHARD_PORTS[1]}" <<'SQL' ||
SET client_min_messages = warning;
CREATE EXTENSION anomaly;
CREATE EXTENSION postgres_fdw;
CREATE SERVER shard0 FOREIGN DATA WRAPPER postgres_fdw
  OPTIONS (host :'h0', port :'p0', dbname 'postgres', extensions 'anomaly', async_capable 'true',
           use_remote_estimate 'true', batch_size '1000');
CREATE SERVER shard1 FOREIGN DATA WRAPPER postgres_fdw
  OPTIONS (host :'h1', port :'p1', dbname 'postgres', extensions 'anomaly', async_capable 'true',
           use_remote_estimate 'true', batch_size '1000');
CREATE USER MAPPING FOR CURRENT_USER SERVER shard0 OPTIONS (user 'postgres');
CREATE USER MAPPING FOR CURRENT_USER SERVER shard1 OPTIONS (user 'postgres');
CREATE TABLE metrics (series_id int NOT NULL, region text NOT NULL, ts timestamptz NOT NULL, v float8)
  PARTITION BY HASH (series_id);
CREATE FOREIGN TABLE metrics_s0 PARTITION OF metrics FOR VALUES WITH (MODULUS 2, REMAINDER 0)
  SERVER shard0 OPTIONS (table_name 'metrics');
CREATE FOREIGN TABLE metrics_s1 PARTITION OF metrics FOR VALUES WITH (MODULUS 2, REMAINDER 1)
  SERVER shard1 OPTIONS (table_name 'metrics');
-- the single-node reference: the same rows in a local table; a daily cycle,
-- noise, a NULL now and then, 4 regions across the series
CREATE TABLE metrics_local AS
SELECT s AS series_id, 'region' || (s % 4) AS region,
       timestamptz '2026-01-01 00:00+00' + i * interval '1 hour' AS ts,
       CASE WHEN i % 97 = 0 THEN NULL
            ELSE 100 + s + 10 * sin(2 * pi() * i / 24)
                 + (('x' || substr(md5(s || ':' || i), 1, 8))::bit(32)::int / 2147483648.0)
                 + CASE WHEN i % 151 = 7 THEN 60 ELSE 0 END END AS v
FROM generate_series(1, :series) s, generate_series(0, :points - 1) i;
INSERT INTO metrics SELECT * FROM metrics_local;
ANALYZE metrics_local;
SQL
	{ echo "not ok - coordinator setup"; failed=$((failed + 1)); exit 1; }
for n in 0 1; do shard_psql $n -c "ANALYZE metrics" >/dev/null; done

SETTINGS="SET enable_partitionwise_aggregate = on; SET max_parallel_workers_per_gather = 0;"
q() { "${PSQL[@]}" -c "$SETTINGS $1" 2>&1; }
# the Remote SQL lines of a plan that contain $2
remote_with() { q "EXPLAIN (VERBOSE, COSTS OFF) $1" | grep 'Remote SQL:' | grep -c "$2"; }

check "rows routed to both shards" "$(shard_psql 0 -c "SELECT count(*) > 0 FROM metrics")|$(shard_psql 1 -c "SELECT count(*) > 0 FROM metrics")|$(q "SELECT count(*) = (SELECT count(*) FROM metrics_local) FROM metrics")" "t|t|t"
check "ts_score is IMMUTABLE (shippable)" "$(q "SELECT string_agg(DISTINCT provolatile::text, ',') FROM pg_proc WHERE proname IN ('ts_score', 'ts_fit_state_final', 'ts_fit_merge_transition')")" "i"

# 1. grouped by the partition key: the whole aggregate runs on each shard
by_series="SELECT string_agg(series_id || ':' || md5(m) || ':' || md5(c::text), ' ' ORDER BY series_id)
           FROM (SELECT series_id, ts_fit(ts, v, '{\"threshold\": 4}') AS m, catch22(ts, v) AS c FROM %s GROUP BY series_id) s"
check "ts_fit in the Remote SQL of each shard" \
	"$(remote_with "SELECT series_id, ts_fit(ts, v, '{\"threshold\": 4}') FROM metrics GROUP BY series_id" 'public.ts_fit(ts, v')" "2"
check "catch22 in the Remote SQL of each shard" \
	"$(remote_with "SELECT series_id, catch22(ts, v) FROM metrics GROUP BY series_id" 'public.catch22(ts, v)')" "2"
sharded=$(q "$(printf "$by_series" metrics)")
local_=$(q "$(printf "$by_series" metrics_local)")
check "ts_fit and catch22 by series: sharded = one node, byte for byte" "$sharded" "$local_"
check "every series has a model" "$(echo "$sharded" | wc -w)" "$SERIES"

# 2. ts_score shipped in a remote WHERE, with a model as a constant
model=$(q "SELECT ts_fit(ts, v) FROM metrics_local WHERE series_id = 1")
score_q() { echo "SELECT count(*) FROM $1 WHERE ts_score('$model'::bytea, ts, v) > 3"; }
check "ts_score in the Remote SQL of each shard" "$(remote_with "$(score_q metrics)" 'public.ts_score(')" "2"
local_count=$(q "$(score_q metrics_local)")
check "ts_score finds anomalies on one node" "$([ "$local_count" -gt 0 ] 2>/dev/null && echo yes)" "yes"
check "ts_score count: sharded = one node" "$(q "$(score_q metrics)")" "$local_count"

# 3. grouped by region (not the partition key)
one_level="SELECT region, ts_fit(ts, v) AS m, catch22(ts, v) AS c FROM %s GROUP BY region"
two_level="SELECT region, ts_fit_merge(s) AS m, catch22_merge(c) AS c
           FROM (SELECT region, series_id, ts_fit_state(ts, v) AS s, catch22_state(ts, v) AS c
                 FROM %s GROUP BY region, series_id) p GROUP BY region"
digest="SELECT string_agg(region || ':' || md5(m) || ':' || md5(c::text), ' ' ORDER BY region) FROM (%s) x"
check "one level by region: no aggregate in the Remote SQL (every row travels)" \
	"$(remote_with "$(printf "$one_level" metrics)" 'ts_fit')" "0"
check "two levels by region: ts_fit_state and catch22_state in the Remote SQL of each shard" \
	"$(remote_with "$(printf "$two_level" metrics)" 'public.ts_fit_state(ts, v), public.catch22_state(ts, v)')" "2"
reference=$(q "$(printf "$digest" "$(printf "$one_level" metrics_local)")")
check "two levels by region, states from the shards = ts_fit / catch22 on one node" \
	"$(q "$(printf "$digest" "$(printf "$two_level" metrics)")")" "$reference"
check "one level by region over the shards = one node" \
	"$(q "$(printf "$digest" "$(printf "$one_level" metrics)")")" "$reference"
# dbscan_fit the same way: the states (every row's features) come from the shards
dbscan_one="SELECT region, dbscan_fit(ARRAY[v, (series_id %% 10)::float8], 1.5, 5) AS m
            FROM %s WHERE v IS NOT NULL GROUP BY region"
dbscan_two="SELECT region, dbscan_fit_merge(s) AS m
            FROM (SELECT region, series_id, dbscan_fit_state(ARRAY[v, (series_id %% 10)::float8], 1.5, 5) AS s
                  FROM %s WHERE v IS NOT NULL GROUP BY region, series_id) p GROUP BY region"
dbscan_digest="SELECT count(m) || ' ' || string_agg(region || ':' || md5(m), ' ' ORDER BY region) FROM (%s) x"
check "two levels by region: dbscan_fit_state in the Remote SQL of each shard" \
	"$(remote_with "$(printf "$dbscan_two" metrics)" 'public.dbscan_fit_state(')" "2"
dbscan_reference=$(q "$(printf "$dbscan_digest" "$(printf "$dbscan_one" metrics_local)")")
check "dbscan_fit_merge of the shards' states = dbscan_fit on one node" \
	"$(q "$(printf "$dbscan_digest" "$(printf "$dbscan_two" metrics)")")|${dbscan_reference%% *}" "$dbscan_reference|4"

# rows coming back from the shards, and time (EXPLAIN ANALYZE: the Foreign Scan rows, summed)
shipped() {
	q "EXPLAIN (ANALYZE, VERBOSE, TIMING OFF, SUMMARY ON) $1" |
		awk '/Foreign Scan|Async Foreign Scan/ { if (match($0, /actual rows=[0-9]+/)) { split(substr($0, RSTART, RLENGTH), a, "="); s += a[2] } }
		     /Execution Time/ { t = $3 } END { printf "%d rows, %s ms", s, t }'
}
if [ -n "${FDW_MEASURE:-}" ]; then
echo "measure: $SERIES series x $POINTS points, grouped by region"
echo "measure: one level (ts_fit, catch22):            $(shipped "$(printf "$one_level" metrics)")"
echo "measure: two levels (*_state on shards, *_merge): $(shipped "$(printf "$two_level" metrics)")"
echo "measure: one node, local table:                   $(shipped "$(printf "$one_level" metrics_local)")"
fi

# 4. a detector over the partitioned table of foreign partitions, and one over the local copy
det=$(q "SELECT anomaly_create_detector('fdw_sharded', 'metrics', 'ts', 'v', 'series_id', '{\"threshold\": 4}');
         SELECT anomaly_create_detector('fdw_local', 'metrics_local', 'ts', 'v', 'series_id', '{\"threshold\": 4}');
         SELECT series || '|' || fitted || '|' || rows_scored || '|' || anomalies || '|' || failures FROM anomaly_run('fdw_sharded');
         SELECT series || '|' || fitted || '|' || rows_scored || '|' || anomalies || '|' || failures FROM anomaly_run('fdw_local');")
check "detector over foreign partitions: the run of one over the local table" \
	"$(echo "$det" | sed -n 3p)" "$(echo "$det" | sed -n 4p)"
check "detector over foreign partitions: every series fitted, no failure" \
	"$(echo "$det" | sed -n 3p | cut -d'|' -f1,2,5)" "$SERIES|$SERIES|0"
results="SELECT md5(string_agg(series || ts || score || is_anomaly, ',' ORDER BY series, ts)) FROM anomaly_results WHERE detector = '%s'"
check "detector over foreign partitions: the same results" "$(q "$(printf "$results" fdw_sharded)")" "$(q "$(printf "$results" fdw_local)")"
