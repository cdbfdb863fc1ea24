#!/usr/bin/env bash
# Checks that the fitted models are those of another revision: builds
# test/bench/ts_perf/fit_driver.c with src/core of REV (default main) and of
# this checkout, each from its own tree, and fits the same varied series
# (9 shapes x 11 lengths x 6 option sets) with both.  Identical bytes pass at once; otherwise every
# model must say the same in ts_model_info (periods, trend, reason, counts:
# exactly; numbers: within a relative 1e-9) and give the same expected,
# lower and upper at 40 timestamps (same tolerance): a change of summation
# order may move the last bits, never a decision.  Run by hand:
#   test/bench/ts_perf/compare_models.sh [REV]
set -euo pipefail
cd "$(dirname "$0")/../../.."
. test/bench/ts_perf/lib.sh
REV=${1:-main}
temp_dir
# each side with its own driver: the driver's switches follow the core it was written for
build_drivers "$REV" fit_driver.c rev
OPENBLAS_NUM_THREADS=1 "$TMP/old_driver" hash >"$TMP/old.txt"
OPENBLAS_NUM_THREADS=1 "$TMP/new_driver" hash >"$TMP/new.txt"
total=$(wc -l <"$TMP/old.txt")
if diff -q "$TMP/old.txt" "$TMP/new.txt" >/dev/null; then
	echo "$total passed, 0 failed (models byte for byte identical to $REV)"
	exit 0
fi
echo "$(grep -c -v -F -x -f "$TMP/old.txt" "$TMP/new.txt" || true) of $total models differ in bytes from $REV; comparing what they say"
OPENBLAS_NUM_THREADS=1 "$TMP/old_driver" describe >"$TMP/old.json"
OPENBLAS_NUM_THREADS=1 "$TMP/new_driver" describe >"$TMP/new.json"
python3 - "$TMP/old.json" "$TMP/new.json" "$REV" <<'PY'
import json, math, sys
old = [json.loads(l) for l in open(sys.argv[1])]
new = [json.loads(l) for l in open(sys.argv[2])]
TOL = 1e-9
worst = [0.0, ""]
first = {}
def same(a, b, path):
    ok = same_(a, b, path)
    if not ok and path.split(".")[0] not in first:
        first[path.split(".")[0]] = (path, a, b)
    return ok
def same_(a, b, path):
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k], path + "." + k) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(same(x, y, path) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        if not isinstance(b, (int, float)) or not isinstance(a, (int, float)):
            return False
        if a == b:
            return True
        rel = abs(a - b) / max(abs(a), abs(b))
        if rel > worst[0]:
            worst[:] = [rel, path]
        return rel <= TOL
    return a == b
failed = [o["case"] for o, n in zip(old, new) if not same(o, n, o["case"])]
if len(old) != len(new):
    failed.append("different number of cases")
for c in failed:
    where = first.get(c.split(".")[0])
    if where and not isinstance(where[1], (dict, list)):
        print(f"differs: {c}: {where[0]}: {where[1]} -> {where[2]}")
    else:
        print("differs:", c)
print(f"{len(old) - len(failed)} passed, {len(failed)} failed (against {sys.argv[3]}: largest relative difference {worst[0]:.3g} at {worst[1] or '-'})")
sys.exit(1 if failed else 0)
PY
