#!/usr/bin/env bash
# test/bench/detectors/mv.sh: the incremental run of a multivariate detector
# (three value columns, mv_fit / mv_detect) against a univariate one (one
# column, ts_fit / ts_detect) over the same rows, and the bare cost of
# mv_detect on those rows (SELECT only, no writes).
#
# SERIES series of 5-minute rows with three correlated columns; both
# detectors fit on the first 200 rows per series (run 1, not compared), then
# NEW rows per series arrive and run 2 scores them (timed).  Each is repeated
# REPEAT times on fresh detectors and the best time printed.  The tables are
# analysed before run 2: without it, whether autovacuum had analysed the
# results of run 1 decided the plan, and run 2 of the univariate detector
# took from 0.8 s to 46 s (also before multivariate detectors existed).
# Run by hand (holds the install lock):
#   test/bench/detectors/mv.sh [SERIES] [NEW] [REPEAT]
set -euo pipefail
cd "$(dirname "$0")/../../.."
. test/lib.sh
SERIES=${1:-1000}
NEW=${2:-100}
REPEAT=${3:-3}
locked_cluster >/dev/null
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -At)
"${PSQL[@]}" <<SQL
CREATE EXTENSION anomaly;
CREATE TABLE src (host text, ts timestamptz, cpu float8, mem float8, lat float8);
INSERT INTO src
SELECT 'h' || h, timestamptz '2026-05-01 00:00+00' + i * interval '5 minutes',
       10 + 70 * l + 3 * random(), 20 + 40 * l + 3 * random(), 30 + 50 * l + 4 * random()
FROM generate_series(1, $SERIES) h, generate_series(0, 199 + $NEW) i, LATERAL (SELECT random() AS l) x;
ANALYZE src;
CREATE TABLE clock (upto timestamptz);
CREATE VIEW feed AS SELECT * FROM src WHERE ts <= (SELECT upto FROM clock);
SQL
echo "series $SERIES, new rows per series $NEW, rows scored in run 2: $((SERIES * NEW))"
best() { sort -n | head -1; }
for kind in univariate multivariate; do
	times=""
	for r in $(seq 1 "$REPEAT"); do
		cols="'cpu'"; [ $kind = multivariate ] && cols="ARRAY['cpu', 'mem', 'lat']"
		t=$("${PSQL[@]}" <<SQL
SET client_min_messages = warning;
DELETE FROM clock; INSERT INTO clock VALUES (timestamptz '2026-05-01 00:00+00' + 199 * interval '5 minutes');
SELECT anomaly_drop_detector(name) FROM anomaly_detectors;
SELECT anomaly_create_detector('b', 'feed', 'ts', $cols, 'host');
SELECT 1 FROM anomaly_run('b');
UPDATE clock SET upto = 'infinity';
ANALYZE anomaly_results, anomaly_series, anomaly_models;
SELECT extract(epoch FROM duration) FROM anomaly_run('b');
SQL
)
		times="$times $(echo "$t" | tail -1)"
	done
	b=$(echo $times | tr ' ' '\n' | best)
	echo "$kind anomaly_run (run 2): best ${b}s of$times; $(python3 -c "print(round($SERIES * $NEW / $b))") rows/s"
done
t=$("${PSQL[@]}" <<SQL
\\timing on
SELECT count(*) FILTER (WHERE (d).is_anomaly) FROM (SELECT mv_detect(m.model, ARRAY[s.cpu, s.mem, s.lat]) AS d
  FROM src s JOIN anomaly_models m ON m.series = s.host AND m.is_current
  WHERE s.ts > timestamptz '2026-05-01 00:00+00' + 199 * interval '5 minutes' OFFSET 0) x;
SQL
)
echo "bare mv_detect over the same rows (SELECT, no writes): $(echo "$t" | grep -o 'Time: [0-9.]* ms')"
