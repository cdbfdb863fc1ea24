#!/usr/bin/env bash
# test/bench/mv/bench.sh: mv_fit / mv_score against scikit-learn's MinCovDet
# (method gaussian) and GaussianMixture (method gmm, --gmm-models models) on
# the same data in the same run (run by hand, not by the test suite).
#
#   test/bench/mv/bench.sh                                  20 models x 10,000 5-D points, 1,000,000 vectors
#   test/bench/mv/bench.sh --models 1000 --vectors 10000000 the issue's full size (scikit-learn alone takes ~85 min)
#   test/bench/mv/bench.sh --models 1000 --vectors 10000000 --peer-models 50
#                                                         the same, scikit-learn on 50 of the models, scaled
#
# The core alone (no SQL) is timed first by core_bench.c: CORE_MODELS (20)
# models of 10,000 points, CORE_VECTORS (10,000,000) vectors scored; then
# the same for method gmm with CORE_GMM_MODELS (5) models.
#
# Builds and installs the extension and runs on a throwaway cluster.  The
# install lock is held while our functions run and released before
# scikit-learn runs.
set -euo pipefail
cd "$(dirname "$0")/../../.."
. test/lib.sh
# one core on both sides (the extension sets OpenBLAS to one thread itself)
export OPENBLAS_NUM_THREADS=1
mkdir -p build/bench
cc -O3 -std=c11 -D_POSIX_C_SOURCE=200809L -ffp-contract=off -Isrc $(pkg-config --cflags openblas) \
	-o build/bench/mv_core_bench test/bench/mv/core_bench.c $(find src/core -name '*.c') \
	$(pkg-config --libs openblas) -lm
./build/bench/mv_core_bench "${CORE_MODELS:-20}" 10000 "${CORE_VECTORS:-10000000}"
./build/bench/mv_core_bench "${CORE_GMM_MODELS:-5}" 10000 "${CORE_VECTORS:-10000000}" gmm
locked_cluster
/usr/bin/python3 test/bench/mv/bench.py --lock-fd 9 "$@"
