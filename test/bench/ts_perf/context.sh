#!/usr/bin/env bash
# ts_anomaly's core (an_ts_context_push) without PostgreSQL, this checkout
# against REV (default main), each built from its own src/core with the
# extension's flags (-O2 -ffp-contract=off), run alternately three times
# with and without the shape component.  Equal checksums: the same scores,
# bit for bit; equal shape sums (12 digits): the same scores up to rounding.
# Run by hand:
#   test/bench/ts_perf/context.sh [REV]
set -euo pipefail
cd "$(dirname "$0")/../../.."
. test/bench/ts_perf/lib.sh
REV=${1:-main}
temp_dir
build_drivers "$REV" context_driver.c
for i in 1 2 3; do
	for shape in 0 1; do
		echo "$REV:  $(OPENBLAS_NUM_THREADS=1 "$TMP/old_driver" $shape)"
		echo "this: $(OPENBLAS_NUM_THREADS=1 "$TMP/new_driver" $shape)"
	done
done
