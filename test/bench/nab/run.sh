#!/usr/bin/env bash
# Runs the NAB benchmark (nab_bench.py, arguments passed through) on a
# throwaway cluster with this checkout's build installed.  Run by hand.
set -euo pipefail
cd "$(dirname "$0")/../../.."
. test/lib.sh
locked_cluster >/dev/null
psql -X -q -c "CREATE EXTENSION anomaly"
python3 test/bench/nab/nab_bench.py "$@"
