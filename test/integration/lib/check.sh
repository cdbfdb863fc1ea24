# test/integration/lib/check.sh: sourced by the shell integration tests.
# PSQL runs psql for bare output that stops at the first error; check counts
# one comparison and prints it; report prints "N passed, N failed" and fails
# when any check did.

passed=0
failed=0
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -At)

check() { # check NAME ACTUAL EXPECTED
	if [ "$2" = "$3" ]; then
		passed=$((passed + 1)); echo "ok - $1"
	else
		failed=$((failed + 1)); echo "not ok - $1: got '$2', expected '$3'"
	fi
}

report() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
