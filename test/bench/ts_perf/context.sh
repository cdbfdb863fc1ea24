#!/usr/bin/env bash
# ts_anomaly's core (an_ts_context_push) without PostgreSQL, this checkout
# against REV (default main), each built from its own src/core with the
# extension's flags (-O2 -ffp-contract=off), run alternately three times
# with and without the shape component.  Equal checksums: the same scores,
# bit for bit.  Run by hand:
#   test/bench/ts_perf/context.sh [REV]
set -euo pipefail
cd "$(dirname "$0")/../../.."
REV=${1:-main}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/old"
git archive "$REV" src/core | tar -x -C "$TMP/old"
CFLAGS="-std=c11 -D_POSIX_C_SOURCE=200809L -O2 -ffp-contract=off -Wall -Wextra -Werror -Wno-unused-function $(pkg-config --cflags openblas 2>/dev/null || true)"
LIBS="$(pkg-config --libs openblas 2>/dev/null || echo -lopenblas) -lm"
# shellcheck disable=SC2086
cc $CFLAGS -I"$TMP/old/src" -o "$TMP/old_driver" test/bench/ts_perf/context_driver.c \
	$(find "$TMP/old/src/core" -name '*.c' | sort) $LIBS
# shellcheck disable=SC2086
cc $CFLAGS -Isrc -o "$TMP/new_driver" test/bench/ts_perf/context_driver.c $(find src/core -name '*.c' | sort) $LIBS
for i in 1 2 3; do
	for shape in 0 1; do
		echo "$REV:  $(OPENBLAS_NUM_THREADS=1 "$TMP/old_driver" $shape)"
		echo "this: $(OPENBLAS_NUM_THREADS=1 "$TMP/new_driver" $shape)"
	done
done
