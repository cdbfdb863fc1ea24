#!/usr/bin/env bash
# demo/run_demo.sh: the main job, on a fresh Debian 12 machine.
#
# Installs what is missing, builds and installs the extension, starts a
# throwaway PostgreSQL, loads a month of hourly request counts for 50
# services with a few injected incidents, fits one model per service,
# scores the last week and prints the anomalies it found; then runs the
# demo/NN_*.sql parts in order (DBSCAN on taxi rides, catch22, a memory
# leak on one of 100 hosts found by mv_detect, two sensor incidents found by
# ts_anomaly's context, a scheduled detector).  The cluster is removed at the
# end.
set -euo pipefail
cd "$(dirname "$0")/.."
. test/lib.sh

ensure_packages
locked_cluster "shared_preload_libraries = 'pg_cron'" "cron.use_background_workers = on"
echo "== throwaway PostgreSQL on $PGHOST port $PGPORT"

PSQL=(psql -X -q -v ON_ERROR_STOP=1 --pset=footer=off)
"${PSQL[@]}" -c "CREATE EXTENSION anomaly"
"${PSQL[@]}" -f demo/sample_data.sql >/dev/null
echo "== sample data: $("${PSQL[@]}" -Atc "SELECT count(*) || ' rows, ' || count(DISTINCT service) || ' services, ' || min(ts)::date || ' to ' || max(ts)::date FROM metrics")"
"${PSQL[@]}" -f demo/detect.sql
for part in demo/[0-9][0-9]_*.sql; do
	[ -e "$part" ] || continue
	"${PSQL[@]}" -f "$part"
done
