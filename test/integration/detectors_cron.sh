#!/usr/bin/env bash
# test/integration/detectors_cron.sh: detectors with the real pg_cron, and the
# NOTIFY alert.  pg_cron runs its jobs in the database named by
# cron.database_name ('postgres' in the test cluster, see test/lib.sh), so this
# works there rather than in pg_regress's database.  The cluster must start
# with shared_preload_libraries = 'pg_cron' and cron.use_background_workers =
# on (test/run_all.sh does both).
#
# Schedules a detector every minute, waits (up to 130 s) until
# cron.job_run_details shows its run succeeded, and checks that the run wrote
# its results and its log row.  Prints "N passed, N failed".
set -uo pipefail
export PGDATABASE=postgres
. "$(dirname "$0")/lib/check.sh"

finish() {
	"${PSQL[@]}" -c "SELECT anomaly_drop_detector(name) FROM anomaly_detectors WHERE name LIKE 'it\_%'" >/dev/null 2>&1
	"${PSQL[@]}" -c "DROP SCHEMA IF EXISTS detectors_it CASCADE" >/dev/null 2>&1
	report
	exit
}
trap finish EXIT

"${PSQL[@]}" <<'SQL' || { failed=$((failed + 1)); echo "not ok - setup"; exit 1; }
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_cron;
CREATE EXTENSION IF NOT EXISTS anomaly;
DROP SCHEMA IF EXISTS detectors_it CASCADE;
CREATE SCHEMA detectors_it;
-- Three services, 200 five-minute points each; web has one spike.
CREATE TABLE detectors_it.metrics (service text, ts timestamptz, requests float8);
INSERT INTO detectors_it.metrics
SELECT s, timestamptz '2026-05-01 00:00+00' + i * interval '5 minutes',
       100 + (i % 7) + CASE WHEN s = 'web' AND i = 150 THEN 400 ELSE 0 END
FROM unnest(ARRAY['api', 'db', 'web']) s, generate_series(0, 199) i;
SELECT anomaly_create_detector('it_cron', 'detectors_it.metrics', 'ts', 'requests', 'service', '{"threshold": 5}');
SELECT anomaly_create_detector('it_notify', 'detectors_it.metrics', 'ts', 'requests', 'service', '{"threshold": 5}');
-- Two hosts, 200 five-minute points of CPU and memory that follow one load;
-- on b at point 150 memory says idle while CPU says half load.
CREATE TABLE detectors_it.hosts (host text, ts timestamptz, cpu float8, mem float8);
INSERT INTO detectors_it.hosts
SELECT h, timestamptz '2026-05-01 00:00+00' + i * interval '5 minutes',
       10 + 80 * ((i * 37) % 100) / 100.0 + (i % 5) * 0.3,
       CASE WHEN h = 'b' AND i = 150 THEN 20 ELSE 20 + 60 * ((i * 37) % 100) / 100.0 + (i % 3) * 0.4 END
FROM unnest(ARRAY['a', 'b']) h, generate_series(0, 199) i;
SELECT anomaly_create_detector('it_mv_notify', 'detectors_it.hosts', 'ts', ARRAY['cpu', 'mem'], 'host');
SELECT anomaly_create_detector('it_mv_cron', 'detectors_it.hosts', 'ts', ARRAY['cpu', 'mem'], 'host');
SQL

# --- NOTIFY: one message per run that finds new events, none otherwise -------
out=$("${PSQL[@]}" -c "LISTEN anomaly" -c "SELECT new_events FROM anomaly_run('it_notify')" -c "SELECT 1" 2>&1)
check "first run finds one new event" "$(echo "$out" | sed -n 1p)" "1"
payload=$(echo "$out" | sed -n 's/^Asynchronous notification "anomaly" with payload "\(.*\)" received from server process with PID [0-9]*\.$/\1/p')
check "one notification on channel anomaly" "$(echo "$out" | grep -c '^Asynchronous notification "anomaly"')" "1"
check "payload names the detector" "$(echo "$payload" | python3 -c 'import json,sys; print(json.load(sys.stdin)["detector"])' 2>&1)" "it_notify"
check "payload counts new events" "$(echo "$payload" | python3 -c 'import json,sys; print(json.load(sys.stdin)["new_events"])' 2>&1)" "1"
check "payload names the top series" "$(echo "$payload" | python3 -c 'import json,sys; t=json.load(sys.stdin)["top_series"]; print(len(t), t[0]["series"], t[0]["new_events"], t[0]["peak_score"] >= 1)' 2>&1)" "1 web 1 True"
out=$("${PSQL[@]}" -c "LISTEN anomaly" -c "SELECT new_events FROM anomaly_run('it_notify')" -c "SELECT 1" 2>&1)
check "a run without new events sends nothing" "$(echo "$out" | grep -c 'Asynchronous notification')" "0"

# --- NOTIFY of a multivariate detector names the top column -----------------
out=$("${PSQL[@]}" -c "LISTEN anomaly" -c "SELECT new_events FROM anomaly_run('it_mv_notify')" -c "SELECT 1" 2>&1)
payload=$(echo "$out" | sed -n 's/^Asynchronous notification "anomaly" with payload "\(.*\)" received from server process with PID [0-9]*\.$/\1/p')
check "multivariate: one new event, notified" "$(echo "$out" | sed -n 1p)|$(echo "$out" | grep -c '^Asynchronous notification "anomaly"')" "1|1"
check "multivariate: payload names the series and its top column" \
	"$(echo "$payload" | python3 -c 'import json,sys; p=json.load(sys.stdin); print(";".join("%s %s" % (s["series"], s["top_column"]) for s in p["top_series"]))' 2>&1)" "b mem"

# --- NOTIFY of missing data: a stale series and a gap --------------------------
# Five-minute rows from 00:00: "on" 0 .. 99, "off" stops after row 79 (20 rows
# missing by row 99, from 06:40 to 08:15), "holey" lacks rows 30 .. 34 (02:30
# to 02:50).  Default missing_after (3) and clock (the newest row, 08:15).
"${PSQL[@]}" <<'SQL' >/dev/null
CREATE TABLE detectors_it.feed (service text, ts timestamptz, requests float8);
INSERT INTO detectors_it.feed
SELECT s, timestamptz '2026-05-01 00:00+00' + i * interval '5 minutes', 100 + (i % 7)
FROM unnest(ARRAY['on', 'off', 'holey']) s, generate_series(0, 99) i
WHERE NOT (s = 'off' AND i >= 80) AND NOT (s = 'holey' AND i BETWEEN 30 AND 34);
SELECT anomaly_create_detector('it_missing', 'detectors_it.feed', 'ts', 'requests', 'service', '{"threshold": 5}');
SQL
out=$(PGTZ=UTC "${PSQL[@]}" -c "LISTEN anomaly" -c "SELECT new_events FROM anomaly_run('it_missing')" -c "SELECT 1" 2>&1)
check "missing data: two new events" "$(echo "$out" | sed -n 1p)" "2"
payload=$(echo "$out" | sed -n 's/^Asynchronous notification "anomaly" with payload "\(.*\)" received from server process with PID [0-9]*\.$/\1/p')
check "missing data: payload counts" "$(echo "$payload" | python3 -c 'import json,sys; p=json.load(sys.stdin); print(p["new_events"], p["missing_events"], p["anomalies"], len(p["top_series"]))' 2>&1)" "2 2 0 0"
check "missing data: payload lists the stretches, most rows first" \
	"$(echo "$payload" | python3 -c 'import json,sys; print(";".join("%s %s %s %s %d" % (m["series"], m["cause"], m["started_at"], m["ended_at"], m["missing_rows"]) for m in json.load(sys.stdin)["missing"]))' 2>&1)" \
	"off stale 2026-05-01T06:40:00+00:00 2026-05-01T08:15:00+00:00 20;holey gap 2026-05-01T02:30:00+00:00 2026-05-01T02:50:00+00:00 5"
out=$("${PSQL[@]}" -c "LISTEN anomaly" -c "SELECT new_events FROM anomaly_run('it_missing')" -c "SELECT 1" 2>&1)
check "missing data: the next run raises nothing again" "$(echo "$out" | grep -c 'Asynchronous notification')|$(echo "$out" | sed -n 1p)" "0|0"

# --- anomaly_drop_detector removes the detector's pg_cron job ---------------
"${PSQL[@]}" -c "SELECT anomaly_schedule('it_notify', '0 3 * * *')" >/dev/null
check "job registered" "$("${PSQL[@]}" -c "SELECT count(*) FROM cron.job WHERE jobname = 'anomaly:it_notify'")" "1"
"${PSQL[@]}" -c "SELECT anomaly_drop_detector('it_notify')" >/dev/null
check "dropping the detector unschedules it" "$("${PSQL[@]}" -c "SELECT count(*) FROM cron.job WHERE jobname = 'anomaly:it_notify'")" "0"

# --- a detector run by pg_cron every minute -----------------------------------
job=$("${PSQL[@]}" -c "SELECT anomaly_schedule('it_cron', '* * * * *')")
job_mv=$("${PSQL[@]}" -c "SELECT anomaly_schedule('it_mv_cron', '* * * * *')")
check "schedule returns the job id" "$("${PSQL[@]}" -c "SELECT count(*) FROM cron.job WHERE jobid = ${job:-0} AND schedule = '* * * * *' AND command LIKE '%anomaly_run(''it_cron'')'")" "1"
status=""; status_mv=""
for _ in $(seq 1 130); do
	status=$("${PSQL[@]}" -c "SELECT status FROM cron.job_run_details WHERE jobid = ${job:-0} AND status IN ('succeeded', 'failed') ORDER BY start_time LIMIT 1")
	status_mv=$("${PSQL[@]}" -c "SELECT status FROM cron.job_run_details WHERE jobid = ${job_mv:-0} AND status IN ('succeeded', 'failed') ORDER BY start_time LIMIT 1")
	[ -n "$status" ] && [ -n "$status_mv" ] && break
	sleep 1
done
check "pg_cron ran the detector" "$status" "succeeded"
[ "$status" = "failed" ] && "${PSQL[@]}" -c "SELECT return_message FROM cron.job_run_details WHERE jobid = ${job:-0}"
check "the scheduled run wrote its results" \
	"$("${PSQL[@]}" -c "SELECT count(*), count(*) FILTER (WHERE is_anomaly) FROM anomaly_results WHERE detector = 'it_cron'")" "600|1"
check "the scheduled run is logged" \
	"$("${PSQL[@]}" -c "SELECT series, fitted, rows_scored, failures, run_by FROM anomaly_runs WHERE detector = 'it_cron' ORDER BY run_id LIMIT 1")" "3|3|600|0|postgres"
check "the anomaly is one event" \
	"$("${PSQL[@]}" -c "SELECT series, anomalous_rows FROM anomaly_events WHERE detector = 'it_cron'")" "web|1"
check "pg_cron ran the multivariate detector" "$status_mv" "succeeded"
[ "$status_mv" = "failed" ] && "${PSQL[@]}" -c "SELECT return_message FROM cron.job_run_details WHERE jobid = ${job_mv:-0}"
check "the scheduled multivariate run: results, anomaly, event and top column" \
	"$("${PSQL[@]}" -c "SELECT count(*), count(*) FILTER (WHERE is_anomaly), (SELECT string_agg(series || ' ' || top_column, ',') FROM anomaly_events WHERE detector = 'it_mv_cron') FROM anomaly_results WHERE detector = 'it_mv_cron'")" \
	"400|1|b mem"
check "unschedule the multivariate job" "$("${PSQL[@]}" -c "SELECT anomaly_unschedule('it_mv_cron')")" "t"
check "unschedule finds the job" "$("${PSQL[@]}" -c "SELECT anomaly_unschedule('it_cron')")" "t"
check "unschedule again finds none" "$("${PSQL[@]}" -c "SELECT anomaly_unschedule('it_cron')")" "f"
check "no job left" "$("${PSQL[@]}" -c "SELECT count(*) FROM cron.job WHERE jobname LIKE 'anomaly:it\_%'")" "0"
