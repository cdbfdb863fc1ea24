#!/usr/bin/env bash
# ts_discords on the tsad corpus and against a numpy peer (bench.py).  Run by
# hand: test/bench/discords/run.sh.  The numpy timings run first, without the
# install lock; the SQL part holds it (a throwaway cluster with this build).
set -euo pipefail
cd "$(dirname "$0")/../../.."
peer=$(mktemp)
trap 'rm -f "$peer"' EXIT
OPENBLAS_NUM_THREADS=1 /usr/bin/python3 test/bench/discords/bench.py peer "$peer"
(
	. test/lib.sh
	locked_cluster >/dev/null
	psql -X -q -c "CREATE EXTENSION anomaly"
	/usr/bin/python3 test/bench/discords/bench.py sql "$peer"
)
