#!/usr/bin/env bash
# The demo's multivariate part (demo/40_host_metrics.sql), run as the demo
# runs it, must find the incident it injects and nothing per-metric may:
# host-042 leaks memory from 2026-10-31 02:00 to 04:50 (18 rows) while every
# metric stays inside its own daily range.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/integration/lib/check.sh
db_fresh demo_host_metrics
db_part demo/40_host_metrics.sql
window="ts >= '2026-10-31 02:00+00' AND ts < '2026-10-31 05:00+00'"

# the premise: in the incident, memory stays within what host-042 reached on each of the training days
check "incident memory above host-042's lowest daily maximum" "$(db_q "
  SELECT count(*) FROM host_metrics WHERE host = 'host-042' AND $window
     AND mem > (SELECT min(m) FROM (SELECT max(mem) AS m FROM host_metrics
                                    WHERE host = 'host-042' AND ts < '2026-10-31' GROUP BY ts::date) d)")" "0"
# mv_detect: the highest-scoring host is host-042, its flagged rows all lie in the window, most of the window is flagged
check "host with the highest mv score" "$(db_q "SELECT host FROM host_scored ORDER BY score DESC LIMIT 1")" "host-042"
check "host-042 flagged rows outside the window" "$(db_q "SELECT count(*) FROM host_scored WHERE host = 'host-042' AND is_anomaly AND NOT ($window)")" "0"
check "window rows flagged (at least 15 of 18)" "$(db_q "SELECT count(*) >= 15 FROM host_scored WHERE host = 'host-042' AND is_anomaly AND $window")" "t"
check "top contributor at the peak" "$(db_q "SELECT top_metric FROM host_scored ORDER BY score DESC LIMIT 1")" "mem"
check "top contributor on every flagged window row" "$(db_q "SELECT string_agg(DISTINCT top_metric, ',') FROM host_scored WHERE host = 'host-042' AND is_anomaly")" "mem"
# top_metric is the argmax of the contributions, recomputed independently
check "top_metric is the largest contribution" "$(db_q "
  SELECT count(*) FROM host_scored
  WHERE top_metric <> CASE WHEN contributions[1] >= greatest(contributions[2], contributions[3]) THEN 'cpu'
                           WHEN contributions[2] >= contributions[3] THEN 'mem' ELSE 'latency_ms' END")" "0"
# other hosts: at most the false alarms of the default rate (0.001 of 14,400 rows, doubled), each at the edge
check "false alarms on other hosts (few, score < 1.1)" "$(db_q "
  SELECT count(*) <= 29 AND coalesce(max(score), 0) < 1.1 FROM host_scored WHERE host <> 'host-042' AND is_anomaly")" "t"
# per-metric views of the same rows flag nothing in the window
check "window rows with a per-metric ts_score > 1" "$(db_q "
  SELECT count(*) FROM host_metrics x JOIN host_metric_models USING (host)
  WHERE host = 'host-042' AND $window
    AND greatest(ts_score(cpu_model, ts, cpu), ts_score(mem_model, ts, mem), ts_score(latency_model, ts, latency_ms)) > 1")" "0"
check "window rows with a per-metric |z| > 3" "$(db_q "
  SELECT count(*) FROM host_metrics x JOIN host_metric_models USING (host)
  WHERE host = 'host-042' AND $window
    AND greatest(abs(cpu - cpu_avg) / cpu_sd, abs(mem - mem_avg) / mem_sd, abs(latency_ms - latency_avg) / latency_sd) > 3")" "0"
# the detector over the same columns fits the same models on October 28-30: its results for October 31 are host_scored's
check "detector results equal mv_detect's (rows, mismatches)" "$(db_q "
  SELECT count(*) || ' ' || count(*) FILTER (WHERE r.score <> s.score OR r.is_anomaly <> s.is_anomaly
                                             OR r.top_column <> s.top_metric OR r.contributions <> s.contributions)
  FROM anomaly_results r JOIN host_scored s ON s.host = r.series AND s.ts = r.ts
  WHERE r.detector = 'host_joint'")" "14400 0"
check "detector's biggest event: host-042, memory, inside the window" "$(db_q "
  SELECT series || ' ' || top_column || ' ' || (started_at >= '2026-10-31 02:00+00' AND ended_at < '2026-10-31 05:00+00')
  FROM anomaly_events WHERE detector = 'host_joint' AND kind = 'anomaly' ORDER BY peak_score DESC LIMIT 1")" "host-042 mem true"
db_drop
report
