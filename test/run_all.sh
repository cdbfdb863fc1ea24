#!/usr/bin/env bash
# test/run_all.sh: every test of the project, on a fresh Debian 12 machine.
#
# Installs the missing Debian packages (as root; otherwise it says which),
# builds and installs the extension, runs the src/core unit tests under
# AddressSanitizer and UndefinedBehaviorSanitizer, starts a throwaway
# PostgreSQL cluster on a private socket, runs pg_regress and the
# integration tests against it, fuzzes each model reader for FUZZ_SECONDS
# (default 60), and ends with "N passed, N failed".  Exits non-zero on any
# failure.
set -uo pipefail
cd "$(dirname "$0")/.."
. test/lib.sh

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
passed=0
failed=0

# Adds the counts from lines "... N passed, N failed" in a log to the totals.
count_from() {
	local p f
	p=$(grep -Eo '[0-9]+ passed, [0-9]+ failed' "$1" | awk '{s+=$1} END {print s+0}')
	f=$(grep -Eo '[0-9]+ passed, [0-9]+ failed' "$1" | awk '{s+=$3} END {print s+0}')
	passed=$((passed + p)); failed=$((failed + f))
}

ensure_packages || exit 1
LOG=$(mktemp -d /tmp/anomaly-test-log.XXXXXX)
chmod 755 "$LOG"

echo "== unit tests (src/core, ASan + UBSan)"
if make -s unit >"$LOG/unit.log" 2>&1; then :; else
	grep -v '^make' "$LOG/unit.log" | tail -40
	grep -q 'passed, [0-9]* failed' "$LOG/unit.log" || failed=$((failed + 1))
fi
grep -E 'passed, [0-9]+ failed' "$LOG/unit.log"
count_from "$LOG/unit.log"

# Installing into the system PostgreSQL and testing against it is serialised,
# so that two checkouts on one machine never test each other's build.
exec 9>/tmp/anomaly-install.lock
flock 9

build_and_install || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
trap stop_cluster EXIT
start_cluster "shared_preload_libraries = 'pg_cron'" "cron.use_background_workers = on" || { echo "could not start PostgreSQL"; echo "$passed passed, $((failed + 1)) failed"; exit 1; }

echo "== pg_regress"
rm -rf results regression.diffs regression.out
make -s installcheck PG_CONFIG=/usr/bin/pg_config >"$LOG/regress.log" 2>&1
cat "$LOG/regress.log" | grep -E '^(ok|not ok|test |     )|tests (passed|failed)' | sed 's/^/  /'
rp=$(grep -Ec '^ok |^test .* \.\.\. ok| ok  +[0-9]+ ms$' "$LOG/regress.log")
rf=$(grep -Ec '^not ok |FAILED' "$LOG/regress.log")
if ! grep -qE 'All [0-9]+ tests passed' "$LOG/regress.log" && [ "$rf" -eq 0 ]; then rf=1; fi
[ -f regression.diffs ] && head -80 regression.diffs
echo "pg_regress: $rp passed, $rf failed"
passed=$((passed + rp)); failed=$((failed + rf))

echo "== integration tests"
for t in test/integration/*.sh test/integration/*.py; do
	[ -e "$t" ] || continue
	name=$(basename "$t")
	case "$t" in
		*.py) python3 "$t" >"$LOG/$name.log" 2>&1 ;;
		*) bash "$t" >"$LOG/$name.log" 2>&1 ;;
	esac
	rc=$?
	if ! grep -qE 'passed, [0-9]+ failed' "$LOG/$name.log"; then
		echo "$name: exited $rc without a count"; tail -20 "$LOG/$name.log"; failed=$((failed + 1))
	else
		[ $rc -ne 0 ] && tail -30 "$LOG/$name.log"
		echo "$name: $(grep -Eo '[0-9]+ passed, [0-9]+ failed' "$LOG/$name.log" | tail -1)"
		count_from "$LOG/$name.log"
		# A script that fails without counting a failure still fails the run.
		if [ $rc -ne 0 ] && ! grep -Eq 'passed, [1-9][0-9]* failed' "$LOG/$name.log"; then failed=$((failed + 1)); fi
	fi
done
stop_cluster
flock -u 9

echo "== fuzzing the model readers and the fit round trip, ${FUZZ_SECONDS}s each"
if make -s fuzz FUZZ_SECONDS="$FUZZ_SECONDS" >"$LOG/fuzz.log" 2>&1; then
	tail -3 "$LOG/fuzz.log"; passed=$((passed + 1))
else
	tail -40 "$LOG/fuzz.log"; failed=$((failed + 1))
fi

rm -rf "$LOG"
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
