#!/usr/bin/env bash
# The README's quick start, pasted as written into psql, must run without
# error and find exactly the injected incident (host-2, 12:00 to 12:25).
set -uo pipefail
cd "$(dirname "$0")/../.."
db=readme_quickstart
psql -X -q -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
awk '/^## Quick start/{f=1} f&&/^```sql/{g=1;next} g&&/^```/{exit} g' README.md > /tmp/anomaly_quickstart.sql
passed=0; failed=0
check() { if [ "$2" = "$3" ]; then passed=$((passed+1)); else failed=$((failed+1)); echo "FAIL $1: got '$2', expected '$3'"; fi; }

psql -X -q -d $db -c "CREATE EXTENSION anomaly" >/dev/null
if psql -X -q -d $db -v ON_ERROR_STOP=1 -f /tmp/anomaly_quickstart.sql >/tmp/anomaly_quickstart.out 2>&1; then
	passed=$((passed+1))
else
	failed=$((failed+1)); echo "FAIL the quick start raised an error:"; tail -5 /tmp/anomaly_quickstart.out
fi
# the anomalous rows of the last day: all of host-2 inside the incident window
flagged=$(psql -X -At -d $db -c "
  SELECT count(*) FILTER (WHERE c.host = 'host-2' AND c.ts >= '2026-06-07 12:00+00' AND c.ts < '2026-06-07 12:30+00')
         || '/' || count(*)
  FROM cpu c JOIN cpu_models USING (host), LATERAL ts_detect(model, c.ts, c.pct) d
  WHERE c.ts >= '2026-06-07' AND d.is_anomaly")
check "incident rows found / all flagged rows" "$flagged" "6/6"
check "forecast rows" "$(psql -X -At -d $db -c "SELECT count(*) FROM ts_forecast((SELECT model FROM cpu_models WHERE host = 'host-1'), '2026-06-08', 12)")" "12"
psql -X -q -c "DROP DATABASE $db" >/dev/null
echo "readme_quickstart: $passed passed, $failed failed"
[ $failed -eq 0 ]
