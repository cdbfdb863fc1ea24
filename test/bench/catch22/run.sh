#!/usr/bin/env bash
# test/bench/catch22/run.sh: catch22 speed against the reference C implementation,
# on the same Gaussian random walks (n = 1,000 / 10,000 / 100,000), with output check.
#
#   CATCH22_REF=/path/to/catch22-checkout test/bench/catch22/run.sh
#
# CATCH22_REF is a checkout of DynamicsAndNeuralSystems/catch22 (v0.5.0) made
# OUTSIDE this repository; its C/ folder is compiled into a temporary
# directory (gcc -O2 -ffp-contract=off) and never copied here.  The reference
# time is what its CLI itself reports: the sum of its per-feature CPU times
# (third column of its output, from clock()).  Ours is the median CPU time of
# an_catch22() (all 24 outputs, including z-scoring), built with the same
# flags as the extension.  Run by hand; not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/../../.."
: "${CATCH22_REF:?set CATCH22_REF to a checkout of the catch22 reference repository}"
TMP=$(mktemp -d /tmp/c22bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

gcc -O2 -ffp-contract=off -w -o "$TMP/ref" "$CATCH22_REF"/C/*.c -lm
gcc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -ffp-contract=off -Isrc -o "$TMP/ours" \
	test/bench/catch22/bench_core.c src/core/core.c src/core/catch22/*.c -lm

printf "%8s %14s %14s %8s %s\n" n "reference ms" "anomaly ms" ratio outputs
for spec in 1000:41 10000:15 100000:5; do
	n=${spec%%:*}; reps=${spec##*:}
	"$TMP/ours" gen "$n" 1 "$TMP/rw$n.txt"
	for r in $(seq "$reps"); do
		echo 1 | "$TMP/ref" "$TMP/rw$n.txt" "$TMP/ref$n.txt" >/dev/null
		awk -F', ' 'NF >= 3 {s += $3} END {printf "%.6f\n", s}' "$TMP/ref$n.txt"
	done | sort -g > "$TMP/reftimes"
	ref_ms=$(sed -n "$(( (reps + 1) / 2 ))p" "$TMP/reftimes")
	"$TMP/ours" time "$TMP/rw$n.txt" "$reps" > "$TMP/ours$n.txt"
	our_ms=$(head -1 "$TMP/ours$n.txt")
	check=$(python3 - "$TMP/ref$n.txt" "$TMP/ours$n.txt" <<'PY'
import sys
ref = {}
for line in open(sys.argv[1]):
    p = [x.strip() for x in line.split(',')]
    if len(p) >= 3:
        ref[p[1]] = float(p[0])
ours = {}
for line in open(sys.argv[2]).readlines()[1:]:
    v, name = line.split()
    ours[name] = float(v)
bad = [k for k, v in ref.items()
       if not (abs(v - ours[k]) <= 1e-12 or abs(v - ours[k]) <= 1e-9 * max(abs(v), abs(ours[k])))]
print("all %d match" % len(ref) if not bad else "MISMATCH: " + ", ".join(bad))
PY
)
	printf "%8d %14.3f %14.3f %7.1fx %s\n" "$n" "$ref_ms" "$our_ms" \
		"$(echo "$ref_ms / $our_ms" | bc -l)" "$check"
done
