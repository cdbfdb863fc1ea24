#!/usr/bin/env bash
# The README's quick start, pasted as written into psql, must run without
# error and find exactly the injected incident (host-2, 12:00 to 12:25).
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/integration/lib/check.sh
awk '/^## Quick start/{f=1} f&&/^```sql/{g=1;next} g&&/^```/{exit} g' README.md > /tmp/anomaly_quickstart.sql
db_fresh readme_quickstart
db_part /tmp/anomaly_quickstart.sql
# the anomalous rows of the last day: all of host-2 inside the incident window
flagged=$(db_q "
  SELECT count(*) FILTER (WHERE c.host = 'host-2' AND c.ts >= '2026-06-07 12:00+00' AND c.ts < '2026-06-07 12:30+00')
         || '/' || count(*)
  FROM cpu c JOIN cpu_models USING (host), LATERAL ts_detect(model, c.ts, c.pct) d
  WHERE c.ts >= '2026-06-07' AND d.is_anomaly")
check "incident rows found / all flagged rows" "$flagged" "6/6"
check "forecast rows" "$(db_q "SELECT count(*) FROM ts_forecast((SELECT model FROM cpu_models WHERE host = 'host-1'), '2026-06-08', 12)")" "12"
db_drop
report
