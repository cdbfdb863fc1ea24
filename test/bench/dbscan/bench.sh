#!/usr/bin/env bash
# test/bench/dbscan/bench.sh: dbscan_cluster against scikit-learn's DBSCAN and
# PostGIS's ST_ClusterDBSCAN on the same data in the same run (run by hand,
# not by the test suite).  Needs python3-sklearn and postgresql-15-postgis-3.
#
#   test/bench/dbscan/bench.sh                       100,000 and 1,000,000 rides; 22-D at 100,000
#   test/bench/dbscan/bench.sh --sizes 100000 --sklearn-max 1000000   (sklearn at 1M needs ~22 GB)
#
# Builds and installs the extension and runs on a throwaway cluster.  The
# install lock is held while our functions run and released before the peers
# (which do not use our extension) run on the same cluster and data.
set -euo pipefail
cd "$(dirname "$0")/../../.."
. test/lib.sh
locked_cluster
/usr/bin/python3 test/bench/dbscan/bench.py --lock-fd 9 "$@"
