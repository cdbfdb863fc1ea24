#!/usr/bin/env bash
# Checks that the fitted models are byte for byte those of another revision:
# builds test/bench/ts_perf/fit_driver.c against src/core of REV (default
# main) and of this checkout, fits the same varied series with both and
# compares every model's length and hash.  Run by hand:
#   test/bench/ts_perf/compare_models.sh [REV]
set -euo pipefail
cd "$(dirname "$0")/../../.."
REV=${1:-main}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/old"
git archive "$REV" src/core | tar -x -C "$TMP/old"
CFLAGS="-std=c11 -D_POSIX_C_SOURCE=200809L -O2 -ffp-contract=off -Wall -Wextra -Werror -Wno-unused-function"
LIBS="$(pkg-config --libs openblas 2>/dev/null || echo -lopenblas) -lm"
# shellcheck disable=SC2086
cc $CFLAGS -I"$TMP/old/src" -o "$TMP/old_driver" test/bench/ts_perf/fit_driver.c \
	$(find "$TMP/old/src/core" -name '*.c' | sort) $LIBS
# shellcheck disable=SC2086
cc $CFLAGS -Isrc -o "$TMP/new_driver" test/bench/ts_perf/fit_driver.c $(find src/core -name '*.c' | sort) $LIBS
OPENBLAS_NUM_THREADS=1 "$TMP/old_driver" hash >"$TMP/old.txt"
OPENBLAS_NUM_THREADS=1 "$TMP/new_driver" hash >"$TMP/new.txt"
total=$(wc -l <"$TMP/old.txt")
if diff "$TMP/old.txt" "$TMP/new.txt" >"$TMP/diff.txt"; then
	echo "$total passed, 0 failed (models identical to $REV)"
else
	cat "$TMP/diff.txt"
	echo "$((total - $(grep -c '^<' "$TMP/diff.txt"))) passed, $(grep -c '^<' "$TMP/diff.txt") failed"
	exit 1
fi
