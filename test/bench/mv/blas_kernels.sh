#!/usr/bin/env bash
# test/bench/mv/blas_kernels.sh: the md5 of the same two mv_fit models with
# each of OpenBLAS's kernels (OPENBLAS_CORETYPE, read when the server starts),
# to show how far mv model bytes depend on the CPU (docs/multivariate.md).
set -uo pipefail
cd "$(dirname "$0")/../../.."
. test/lib.sh
exec 9>/tmp/anomaly-install.lock
flock 9
build_and_install >/dev/null || exit 1
sql="CREATE EXTENSION IF NOT EXISTS anomaly;
SELECT md5(mv_fit(ARRAY(SELECT ((i * 7919 + k * 104729 + i * k * 31) % 1009) / 1009.0
                        FROM generate_series(1, 64) k))) || ' ' ||
       md5((SELECT mv_fit(ARRAY[sin(i), cos(i * 1.3), sin(i * 0.7) + 0.1 * i]) FROM generate_series(1, 2000) i))
FROM generate_series(1, 300) i;"
echo "kernel        64 features                      3 features"
for kernel in "" Haswell Zen Sandybridge; do
	export OPENBLAS_CORETYPE=$kernel
	start_cluster >/dev/null 2>&1 || exit 1
	printf '%-13s %s\n' "${kernel:-default}" "$(psql -X -At -c "$sql" | tail -1)"
	stop_cluster >/dev/null 2>&1
done
