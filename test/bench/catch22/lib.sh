# test/bench/catch22/lib.sh: sourced by the catch22 benchmarks, from the project root.

# analyse_with_arrays TABLE SERIES VALUE: TABLE (SERIES, ts, VALUE) analysed,
# and beside it TABLE_arrays (SERIES, y), y each series' VALUEs in ts order,
# analysed too: the array form of catch22 over the same series.
analyse_with_arrays() {
	psql -X -q -v ON_ERROR_STOP=1 <<SQL
VACUUM ANALYZE $1;
CREATE TABLE $1_arrays AS SELECT $2, array_agg($3 ORDER BY ts) AS y FROM $1 GROUP BY $2;
VACUUM ANALYZE $1_arrays;
SQL
}

# positional NAME=DEFAULT... -- ARG...: each NAME set to the ARG in its place,
# or to its DEFAULT where that ARG is missing or empty (a script's arguments).
positional() {
	local specs=() spec
	while [ "$1" != -- ]; do
		specs+=("$1")
		shift
	done
	shift
	for spec in "${specs[@]}"; do
		printf -v "${spec%%=*}" '%s' "${1:-${spec#*=}}"
		if [ $# -gt 0 ]; then shift; fi
	done
}
