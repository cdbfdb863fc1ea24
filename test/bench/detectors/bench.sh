#!/usr/bin/env bash
# test/bench/detectors/bench.sh: anomaly_run against the same scoring written
# by hand as a single INSERT ... SELECT ts_detect(...).
#
# SERIES series are fitted on 100 hourly points each (not timed), then NEW new
# rows per series arrive and are scored (timed):
#   hand-made:    INSERT INTO a plain table with the documented columns of
#                 anomaly_results SELECT ts_detect(model, ts, value) FROM the
#                 source joined to the current models, rows newer than the
#                 watermark;
#   hand-made+pk: the same into a copy of anomaly_results (its primary key
#                 and series_id);
#   anomaly_run:  the detector's incremental run on the same rows (new-series
#                 discovery, late-row check, results with their primary key,
#                 watermarks, run log, events, NOTIFY).
# Each is measured REPEAT times on fresh tables; every repeat's times are
# printed, then the best times are compared.
# Run by hand (holds the install lock):
#   test/bench/detectors/bench.sh [SERIES] [NEW] [LAYOUT] [REPEAT]
#   test/bench/detectors/bench.sh history [SERIES] [RESULTS] [REPEAT]
# The history case times one run of SERIES series (default 1000) against
# RESULTS existing results (default 5000000): 10 new rows per series and one
# late row per series inside its model's training range, which makes the run
# count rows_since_fit exactly.  Each step of a run must cost O(new rows +
# series), not O(results) per series, whatever plan PostgreSQL picks:
# PLAN_SETTINGS (default none) is run before the timed run, e.g.
# PLAN_SETTINGS="SET enable_indexscan = off; SET enable_bitmapscan = off;".
# LATE_VALUE (default 100, a normal value) is the late rows' value: 1000 makes
# each an anomaly, whose neighbours the run looks up in the results.
# LAYOUT "time" (default) stores the new rows in arrival order, all series of
# one hour after another, as metrics arrive; "series" stores each series'
# rows together.  SHARED_BUFFERS (default 128MB, PostgreSQL's default) sets
# the cluster's shared_buffers; OPTIONS (default {"threshold": 4}) the
# detector's options.
set -euo pipefail
cd "$(dirname "$0")/../../.."
. test/lib.sh
MODE=default
if [ "${1:-}" = history ]; then MODE=history; shift; fi
SERIES=${1:-1000}
NEW=${2:-1000}
LAYOUT=${3:-time}
[ "$MODE" = default ] || LAYOUT=time
REPEAT=${4:-3}
OPTIONS=${OPTIONS:-'{"threshold": 4}'}
case "$LAYOUT" in
	time) ORDER="i, s" ;;
	series) ORDER="s, i" ;;
	*) echo "LAYOUT must be time or series" >&2; exit 2 ;;
esac

locked_cluster "shared_buffers = ${SHARED_BUFFERS:-128MB}"
createdb bench
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -d bench)
"${PSQL[@]}" -c "CREATE EXTENSION anomaly"

timed() { # timed SQL -> milliseconds
	"${PSQL[@]}" -c "CHECKPOINT" >/dev/null
	{ echo '\timing on'; echo "$1"; } | "${PSQL[@]}" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1
}

if [ "$MODE" = history ]; then
	RESULTS=${2:-5000000}
	REPEAT=${3:-1}
	HOURS=$((RESULTS / SERIES))
	[ "$HOURS" -gt 100 ] || { echo "RESULTS must exceed 100 x SERIES" >&2; exit 2; }
	for r in $(seq 1 "$REPEAT"); do
		"${PSQL[@]}" >/dev/null <<SQL
SET client_min_messages = warning;
SELECT anomaly_drop_detector('hist') FROM anomaly_detectors WHERE name = 'hist';
DROP TABLE IF EXISTS hsrc;
-- The last 100 hours before the timed run, fitted and scored by a first run.
CREATE TABLE hsrc (service text, ts timestamptz, requests float8);
INSERT INTO hsrc
SELECT 'svc' || s, timestamptz '2026-01-01 00:00+00' + i * interval '1 hour',
       100 + 10 * sin(i / 4.0 + s) + (hashint4(s * 100000 + i) % 100) / 25.0
FROM generate_series(1, $SERIES) s, generate_series($HOURS - 100, $HOURS - 1) i;
SELECT anomaly_create_detector('hist', 'hsrc', 'ts', 'requests', 'service', '{"threshold": 4}');
SELECT 1 FROM anomaly_run('hist');
-- The series' older history, as earlier runs would have written it.
INSERT INTO anomaly_results (detector, series, ts, value, expected, lower, upper, score, is_anomaly, model_id, run_id,
                             series_id)
SELECT 'hist', s.series, timestamptz '2026-01-01 00:00+00' + i * interval '1 hour', 100, 100, 90, 110, 0.1, false,
       s.model_id, 0, s.series_id
FROM anomaly_series s, generate_series(0, $HOURS - 101) i WHERE s.detector = 'hist';
UPDATE anomaly_series SET rows_scored = rows_scored + $HOURS - 100 WHERE detector = 'hist';
-- New rows: 10 per series, and a late row per series half an hour before its
-- watermark, inside the training range of its model.
INSERT INTO hsrc
SELECT 'svc' || s, timestamptz '2026-01-01 00:00+00' + i * interval '1 hour',
       100 + 10 * sin(i / 4.0 + s) + (hashint4(s * 100000 + i) % 100) / 25.0
FROM generate_series(1, $SERIES) s, generate_series($HOURS, $HOURS + 9) i;
INSERT INTO hsrc
SELECT 'svc' || s, timestamptz '2026-01-01 00:00+00' + ($HOURS - 1.5) * interval '1 hour', ${LATE_VALUE:-100}
FROM generate_series(1, $SERIES) s;
VACUUM ANALYZE hsrc;
VACUUM ANALYZE anomaly_results;
ANALYZE anomaly_series, anomaly_models;
SQL
		n=$("${PSQL[@]}" -At -c "SELECT count(*) FROM anomaly_results")
		t=$(timed "${PLAN_SETTINGS:-} SELECT 1 FROM anomaly_run('hist');")
		"${PSQL[@]}" -At -c "SELECT 'repeat $r: $SERIES series, $n existing results: anomaly_run ' || round($t) || ' ms, '
			|| rows_scored || ' rows scored; rows_since_fit right: '
			|| (SELECT bool_and(rows_since_fit = 10) FROM anomaly_series WHERE detector = 'hist')
			FROM anomaly_runs WHERE detector = 'hist' ORDER BY run_id DESC LIMIT 1"
	done
	flock -u 9
	exit 0
fi

setup() {
	"${PSQL[@]}" <<SQL
SET client_min_messages = warning;
SELECT anomaly_drop_detector('bench') FROM anomaly_detectors WHERE name = 'bench';
DROP TABLE IF EXISTS src, hand_results, hand_results_pk;
CREATE TABLE src (service text, ts timestamptz, requests float8);
INSERT INTO src
SELECT 'svc' || s, timestamptz '2026-01-01 00:00+00' + i * interval '1 hour',
       100 + 10 * sin(i / 4.0 + s) + (hashint4(s * 100000 + i) % 100) / 25.0
FROM generate_series(1, $SERIES) s, generate_series(0, 99) i;
SELECT anomaly_create_detector('bench', 'src', 'ts', 'requests', 'service', '$OPTIONS');
SELECT 1 FROM anomaly_run('bench');
ANALYZE anomaly_series, anomaly_models;
-- The new rows, with a few spikes.
INSERT INTO src
SELECT 'svc' || s, timestamptz '2026-01-01 00:00+00' + i * interval '1 hour',
       100 + 10 * sin(i / 4.0 + s) + (hashint4(s * 100000 + i) % 100) / 25.0
           + CASE WHEN hashint4(s * 7 + i) % 997 = 0 THEN 80 ELSE 0 END
FROM generate_series(1, $SERIES) s, generate_series(100, 99 + $NEW) i
ORDER BY $ORDER;
VACUUM ANALYZE src;
VACUUM ANALYZE anomaly_results;
CREATE TABLE hand_results (detector text NOT NULL, series text NOT NULL, ts timestamptz NOT NULL, value float8 NOT NULL,
	expected float8, lower float8, upper float8, score float8, is_anomaly boolean, model_id bigint NOT NULL,
	run_id bigint NOT NULL, scored_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE hand_results_pk (LIKE anomaly_results INCLUDING INDEXES);
CHECKPOINT;
SQL
}

hand_sql() { # hand_sql TABLE [EXTRA_COLUMN EXTRA_VALUE]
	cat <<SQL
INSERT INTO $1 (detector, series, ts, value, expected, lower, upper, score, is_anomaly, model_id, run_id, scored_at${2:+, $2})
SELECT 'bench', q.series, q.ts, q.value, (q.d).expected, (q.d).lower, (q.d).upper, (q.d).score, (q.d).is_anomaly,
       q.model_id, 0, now()${3:+, q.$3}
FROM (SELECT s.service AS series, s.ts, s.requests AS value, st.model_id,${3:+ st.$3,}
             ts_detect(m.model, s.ts, s.requests) AS d
      FROM src s
      JOIN anomaly_series st ON st.detector = 'bench' AND st.series = s.service
      JOIN anomaly_models m ON m.model_id = st.model_id
      WHERE s.ts > st.watermark
      OFFSET 0) q;
SQL
}

best_hand=""; best_pk=""; best_run=""
min() { python3 -c "import sys; v=[float(x) for x in sys.argv[1:] if x]; print(min(v))" "$@"; }
for r in $(seq 1 "$REPEAT"); do
	setup
	h=$(timed "$(hand_sql hand_results)")
	p=$(timed "$(hand_sql hand_results_pk series_id series_id)")
	a=$(timed "SELECT 1 FROM anomaly_run('bench');")
	echo "repeat $r: hand-made $h ms, hand-made+pk $p ms, anomaly_run $a ms;" \
	     "anomaly_run / hand-made = $(python3 -c "print('%.2f' % ($a / $h))")"
	best_hand=$(min $best_hand $h); best_pk=$(min $best_pk $p); best_run=$(min $best_run $a)
done
"${PSQL[@]}" -At -c "SELECT 'rows: hand-made ' || (SELECT count(*) FROM hand_results) || ', anomaly_run ' || rows_scored || ', fitted ' || fitted FROM anomaly_runs ORDER BY run_id DESC LIMIT 1"
"${PSQL[@]}" -At -c "SELECT 'same detections: ' || NOT EXISTS (
	SELECT series, ts, expected, lower, upper, score, is_anomaly FROM hand_results
	EXCEPT SELECT series, ts, expected, lower, upper, score, is_anomaly FROM anomaly_results WHERE run_id = (SELECT max(run_id) FROM anomaly_runs))"
"${PSQL[@]}" -At -c "SELECT 'anomalies flagged: ' || anomalies || ', new events: ' || new_events FROM anomaly_runs ORDER BY run_id DESC LIMIT 1"
python3 -c "print('series $SERIES x new rows $NEW, layout $LAYOUT, options $OPTIONS, best of $REPEAT: hand-made %.0f ms, hand-made+pk %.0f ms, anomaly_run %.0f ms; anomaly_run / hand-made = %.2f, / hand-made+pk = %.2f' % ($best_hand, $best_pk, $best_run, $best_run / $best_hand, $best_run / $best_pk))"
flock -u 9
