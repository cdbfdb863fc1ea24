#!/usr/bin/env bash
# Accuracy benchmark over the whole development corpus: both protocols of
# ../shared/data/tsad/README.md ("fit once" and "scheduled") on its 89
# series, replayed by replay.c over src/core (the same numbers as SQL, see
# check_sql.py), and the NAB development files through test/bench/nab (SQL).
# Run by hand:
#   test/bench/accuracy/run.sh [key=value ...]        ts_fit options, e.g. threshold=4
#   NAB=0 test/bench/accuracy/run.sh                  the tsad corpus only (no cluster)
#   CHECK=1 test/bench/accuracy/run.sh                also replay a few series in SQL and compare
#   OUT=dir test/bench/accuracy/run.sh                keep the CSVs there (default: a temp dir)
#   SCORE=anomaly test/bench/accuracy/run.sh shape=true   score with ts_anomaly's core instead of
#                                                     ts_score (also shape, shift, pointshape: its parts)
#   SCORE=subpca test/bench/accuracy/run.sh shape=true    Sub-PCA beside the model (also anomaly_subpca,
#                                                     nnpca, anomaly_both; PCA_VARIANCE=f: replay.c)
#   SCORE=discord test/bench/accuracy/run.sh shape=true   the plain discord of issue 15 (exact AB-join
#                                                     to all training windows; also anomaly_discord)
# Prints tsad_metrics.py's per-collection table for each protocol, then the
# NAB scores.  The CSVs are series,i,label,score,flag (series = collection/name).
set -euo pipefail
cd "$(dirname "$0")/../../.."
SHARED=${SHARED:-../shared}
TSAD=$SHARED/data/tsad/datasets.csv
OUT=${OUT:-$(mktemp -d /tmp/accuracy.XXXXXX)}
mkdir -p "$OUT"
CFLAGS="-std=c11 -D_POSIX_C_SOURCE=200809L -O3 -ffp-contract=off -Wall -Wextra -Werror -Wno-unused-parameter \
-Wno-sign-compare -Wno-format-truncation"
# shellcheck disable=SC2086
cc $CFLAGS -Isrc -o "$OUT/replay" test/bench/accuracy/replay.c $(find src/core -name '*.c' | sort) \
	$(pkg-config --libs openblas 2>/dev/null || echo -lopenblas) -lm
export OPENBLAS_NUM_THREADS=1
for protocol in once scheduled; do
	t0=$(date +%s.%N)
	"$OUT/replay" "$protocol" "$TSAD" "$@" >"$OUT/$protocol.csv"
	echo "== tsad, protocol \"$protocol\", options: ${*:-default} ($(echo "$(date +%s.%N) - $t0" | bc | cut -c1-5) s)"
	python3 "$SHARED/tools/tsad_metrics.py" "$OUT/$protocol.csv"
done
# the options as jsonb for SQL: numbers and booleans as they are, the rest as strings
json=$(python3 -c 'import json, sys
def v(s):
    if s in ("true", "false"): return s == "true"
    try: return float(s)
    except ValueError: return s
print(json.dumps(dict((a.split("=", 1)[0], v(a.split("=", 1)[1])) for a in sys.argv[1:])))' "$@")
if [ "${CHECK:-0}" = 1 ]; then
	(
		. test/lib.sh
		locked_cluster >/dev/null
		psql -X -q -c "CREATE EXTENSION anomaly"
		python3 test/bench/accuracy/check_sql.py "$TSAD" "$OUT/once.csv" "$OUT/scheduled.csv" "$json" \
			GutenTAG/sinus-type-mean.semi-supervised NASA-MSL/C-2 NormA/Discords_annsgun \
			TSB-UAD-synthetic/YAHOO_flat_region_0.02-Yahoo_A1real_14_data MGAB/2
	)
fi
if [ "${NAB:-1}" = 1 ]; then
	echo "== NAB development files (test/bench/nab, SQL)"
	if [ $# -gt 0 ]; then
		test/bench/nab/run.sh --options "$json" --out "$OUT/nab"
	else
		test/bench/nab/run.sh --out "$OUT/nab"
	fi | grep -v '^  ' 
fi
echo "CSVs in $OUT"
