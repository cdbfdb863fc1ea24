#!/usr/bin/env bash
# test/regress.sh [test ...]: for development, run some pg_regress tests (all
# without arguments) against this checkout on a throwaway cluster, holding the
# install lock so that other checkouts on the machine wait.
#   test/regress.sh upgrade ts_fit
set -uo pipefail
cd "$(dirname "$0")/.."
. test/lib.sh
locked_cluster "shared_preload_libraries = 'pg_cron'" "cron.use_background_workers = on" || exit 1
rm -rf results regression.diffs regression.out
if [ $# -gt 0 ]; then
	make -s installcheck PG_CONFIG=/usr/bin/pg_config REGRESS="$*"
else
	make -s installcheck PG_CONFIG=/usr/bin/pg_config
fi
status=$?
[ -f regression.diffs ] && head -100 regression.diffs
exit $status
