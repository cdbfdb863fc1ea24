# test/integration/lib/check.sh: sourced by the shell integration tests.
# PSQL runs psql for bare output that stops at the first error; check counts
# one comparison and prints it; report prints "N passed, N failed" and fails
# when any check did.  The tests of the demo parts and of the README work
# in a database of their own: db_fresh makes it (with the extension), db_q
# runs one query there for its bare output, db_part runs a file there as
# demo/run_demo.sh runs the demo's parts (one check: it runs without an
# error), db_drop removes it.

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

db_fresh() { # db_fresh NAME
	db=$1
	psql -X -q -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null 2>&1
	psql -X -q -d "$db" -c "CREATE EXTENSION anomaly" >/dev/null
}

db_q() { # db_q SQL
	psql -X -At -d "$db" -c "$1"
}

db_part() { # db_part FILE
	if psql -X -q -d "$db" -v ON_ERROR_STOP=1 --pset=footer=off -f "$1" >"/tmp/$db.out" 2>&1; then
		check "$1 runs without an error" ok ok
	else
		check "$1 runs without an error" "$(tail -5 "/tmp/$db.out")" ok
	fi
}

db_drop() {
	psql -X -q -c "DROP DATABASE $db" >/dev/null
}
