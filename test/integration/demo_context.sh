#!/usr/bin/env bash
# The demo's context part (demo/50_context.sql), run as the demo runs it,
# must find the two incidents it injects with ts_anomaly while ts_detect,
# row by row, flags nothing: pump-7's odd cycle (2026-11-06 13:00 to 13:59)
# and mixer-2's jump to another run of its process (15:00).
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/integration/lib/check.sh
db_fresh demo_context
db_part demo/50_context.sql
cycle="ts >= '2026-11-06 13:00+00' AND ts < '2026-11-06 14:00+00'"
jump="ts >= '2026-11-06 14:55+00' AND ts < '2026-11-06 15:05+00'"

# the premise: no reading of either incident is out of its band, row by row
check "rows ts_detect flags on the scored day" "$(db_q "SELECT count(*) FROM sensor_scored WHERE row_flag")" "0"
# pump-7: most of the odd cycle is flagged, and nothing more than half a cycle away from it
check "pump-7 cycle rows flagged (at least 40 of 60)" "$(db_q "SELECT count(*) >= 40 FROM sensor_scored WHERE sensor = 'pump-7' AND is_anomaly AND $cycle")" "t"
check "pump-7 flagged rows far from the cycle" "$(db_q "SELECT count(*) FROM sensor_scored WHERE sensor = 'pump-7' AND is_anomaly
  AND NOT (ts >= '2026-11-06 12:30+00' AND ts < '2026-11-06 14:30+00')")" "0"
# mixer-2: the highest score is at the jump, far above the edge; elsewhere at most a few rows at the edge
check "mixer-2 top-scored row at the jump" "$(db_q "SELECT $jump FROM sensor_scored WHERE sensor = 'mixer-2' ORDER BY score DESC LIMIT 1")" "t"
check "mixer-2 top score above 5" "$(db_q "SELECT max(score) > 5 FROM sensor_scored WHERE sensor = 'mixer-2'")" "t"
check "mixer-2 flagged rows away from the jump (few, at the edge)" "$(db_q "
  SELECT count(*) <= 5 AND coalesce(max(score), 0) < 1.1 FROM sensor_scored WHERE sensor = 'mixer-2' AND is_anomaly AND NOT ($jump)")" "t"
# the analogues carry the jump: the model without them scores it at a fifth or less
check "mixer-2 jump: analogues over the discord alone (> 5 times)" "$(db_q "
  SELECT (SELECT max(score) FROM sensor_scored WHERE sensor = 'mixer-2' AND $jump) > 5 * max((a).score)
  FROM (SELECT s.ts, ts_anomaly(m.model, s.ts, s.value, true) OVER (ORDER BY s.ts) AS a
        FROM sensor s, (SELECT ts_fit(ts, value, '{\"discord\": true}') AS model FROM sensor
                        WHERE sensor = 'mixer-2' AND ts < '2026-11-06') m
        WHERE s.sensor = 'mixer-2' AND s.ts >= '2026-11-06') x WHERE $jump")" "t"
db_drop
report
