#!/usr/bin/env bash
# test/bench/catch22/crosscheck.sh: side-by-side exactness check against the reference
# catch22 on stress series that the shared test data does not cover: integer random walks,
# small-integer and binary noise, quantised sines, Gaussian noise, lengths 10-1,000
# (the lengths around powers of two included).  Integer data makes the ACF exactly zero or
# tied at some lags, which is where a non-bit-exact ACF would disagree (spec section 1.3).
#
#   CATCH22_REF=/path/to/catch22-checkout test/bench/catch22/crosscheck.sh [COUNT] [SEED]
#
# Builds the reference from CATCH22_REF into a temporary directory (never into this
# repository) and prints "N passed, N failed" over all compared values.  Run by hand.
set -euo pipefail
cd "$(dirname "$0")/../../.."
: "${CATCH22_REF:?set CATCH22_REF to a checkout of the catch22 reference repository}"
COUNT=${1:-300}
SEED=${2:-7}
TMP=$(mktemp -d /tmp/c22cross.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

gcc -O2 -ffp-contract=off -w -o "$TMP/ref" "$CATCH22_REF"/C/*.c -lm
gcc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -ffp-contract=off -Isrc -o "$TMP/ours" \
	test/bench/catch22/bench_core.c src/core/core.c src/core/catch22/*.c -lm

python3 - "$TMP" "$COUNT" "$SEED" <<'PY'
import math, random, sys
tmp, count, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(seed)
k = 0
while k < count:
    n = random.choice([10, 11, 12, 13, 16, 20, 31, 32, 33, 50, 64, 100, 127, 128, 129, 200, 256, 300, 500, 1000])
    kind = k % 6
    if kind == 0:
        v, vals = 0, []
        for _ in range(n):
            v += random.choice([-1, 1]); vals.append(v)
    elif kind == 1:
        vals = [random.randint(-3, 3) for _ in range(n)]
    elif kind == 2:
        p = random.uniform(1, 10)
        vals = [round(math.sin(i / p) * 5) for i in range(n)]
    elif kind == 3:
        v, vals = 0, []
        for _ in range(n):
            v += random.choice([-1, 0, 1]); vals.append(v)
    elif kind == 4:
        vals = [random.gauss(0, 1) for _ in range(n)]
    else:
        vals = [random.choice([0, 0, 0, 1]) for _ in range(n)]
    if len(set(vals)) < 2:
        continue
    with open(f"{tmp}/s{k}.txt", "w") as f:
        f.write("\n".join(repr(float(x)) for x in vals) + "\n")
    k += 1
PY

for f in "$TMP"/s*.txt; do
	echo 1 | "$TMP/ref" "$f" "$f.ref" >/dev/null
	"$TMP/ours" time "$f" 1 > "$f.ours"
done
python3 - "$TMP" <<'PY'
import glob, math, sys
passed = failed = 0
for f in sorted(glob.glob(sys.argv[1] + "/s*.txt")):
    ref = {}
    for line in open(f + ".ref"):
        p = [x.strip() for x in line.split(",")]
        if len(p) >= 3:
            ref[p[1]] = float(p[0])
    ours = {}
    for line in open(f + ".ours").readlines()[1:]:
        v, name = line.split()
        ours[name] = float(v)
    for name, v in ref.items():
        o = ours[name]
        ok = (math.isnan(v) and math.isnan(o)) or abs(v - o) <= 1e-12 or abs(v - o) <= 1e-9 * max(abs(v), abs(o))
        if ok:
            passed += 1
        else:
            failed += 1
            print("MISMATCH", f.rsplit("/", 1)[-1], name, v, o)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
