# test/bench/ts_perf/lib.sh: sourced by the ts_perf scripts, from the project root.

# series_table SERIES POINTS: the extension, and the table series of SERIES
# series of POINTS points 5 minutes apart (a daily sine, a level per series
# and uniform noise), analysed.
series_table() {
	psql -X -q -c "CREATE EXTENSION anomaly"
	psql -X -q <<SQL
CREATE TABLE series AS
SELECT s AS series, '2026-01-01'::timestamptz + i * interval '5 minutes' AS ts,
       100 + s % 7 + 10 * sin(2 * pi() * i / 288) + random() AS value
  FROM generate_series(1, $1) s, generate_series(0, $2 - 1) i;
VACUUM ANALYZE series;
SQL
}

# series_cluster SERIES POINTS [SETTING...]: a throwaway cluster with the
# SETTINGs and this checkout's build installed (test/lib.sh's locked_cluster,
# which holds the install lock to the end) and the table series of
# series_table; SERIES and POINTS are set for the caller.
series_cluster() {
	SERIES=$1 POINTS=$2
	shift 2
	locked_cluster "$@" >/dev/null
	series_table "$SERIES" "$POINTS"
}

# seconds SQL: the wall-clock seconds of a psql session running SQL.
seconds() {
	local t0 t1
	t0=$(date +%s.%N)
	psql -X -q -c "$1" >/dev/null
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc
}

# temp_dir: TMP, a new folder removed when the script exits.
temp_dir() {
	TMP=$(mktemp -d)
	trap 'rm -rf "$TMP"' EXIT
}

# build_drivers REV DRIVER [rev]: DRIVER (a .c file in test/bench/ts_perf)
# compiled with src/core of REV into $TMP/old_driver and with this
# checkout's into $TMP/new_driver, with the extension's flags (-O2
# -ffp-contract=off).  With "rev", REV's own DRIVER is compiled for the old
# side: the driver's switches follow the core it was written for.
build_drivers() {
	local rev=$1 driver=test/bench/ts_perf/$2 old_driver=test/bench/ts_perf/$2 cflags libs
	mkdir -p "$TMP/old"
	if [ "${3:-}" = rev ]; then
		git archive "$rev" src/core "$driver" | tar -x -C "$TMP/old"
		old_driver=$TMP/old/$driver
	else
		git archive "$rev" src/core | tar -x -C "$TMP/old"
	fi
	cflags="-std=c11 -D_POSIX_C_SOURCE=200809L -O2 -ffp-contract=off -Wall -Wextra -Werror -Wno-unused-function"
	cflags="$cflags $(pkg-config --cflags openblas 2>/dev/null || true)"
	libs="$(pkg-config --libs openblas 2>/dev/null || echo -lopenblas) -lm"
	# shellcheck disable=SC2086
	cc $cflags -I"$TMP/old/src" -o "$TMP/old_driver" "$old_driver" $(find "$TMP/old/src/core" -name '*.c' | sort) $libs
	# shellcheck disable=SC2086
	cc $cflags -Isrc -o "$TMP/new_driver" "$driver" $(find src/core -name '*.c' | sort) $libs
}
