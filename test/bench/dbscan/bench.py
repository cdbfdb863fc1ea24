#!/usr/bin/python3
"""Benchmark: dbscan_cluster vs scikit-learn DBSCAN vs PostGIS ST_ClusterDBSCAN.

Same data, same run.  Data: synthetic taxi rides (distance km, duration s:
city, suburban and airport rides plus 1% arbitrary ones), z-scored, min_points
20, eps picked (with our implementation) as the smallest of a fixed list that
gives at most 3% noise and at most 10 clusters; 22-dimensional feature vectors (catch22-like: a few
latent factors seen through 22 correlated features, plus 2% odd vectors); and (--uniform22 N) N points
uniform in the 22-dimensional unit cube with eps 0.5 and min_points 20, where every point is noise (the
nearest neighbour is typically ~0.8 away; the cube's diagonal is 4.69): the worst case for any index.

Times: the whole SQL statement as psql's \\timing reports it (scan, window,
aggregate over the labels), best of --repeat runs for ours, one run for
PostGIS; sklearn's DBSCAN.fit alone.  Memory: peak RSS (VmHWM) of a fresh
backend running the statement, minus that of a backend running the same
statement with count(*) OVER () in place of the clustering (what PostgreSQL's
window machinery costs anyway); sklearn: peak RSS of the Python process.
Labels: ours must equal sklearn's exactly (rows in id order); PostGIS's noise
set is compared with ours (count and two checksums of the noise rows' ids).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

SKLEARN_SCRIPT = r"""
import resource, sys, time
import numpy as np
from sklearn.cluster import DBSCAN
X = np.load(sys.argv[1])
eps, mp = float(sys.argv[2]), int(sys.argv[3])
t = time.perf_counter()
labels = DBSCAN(eps=eps, min_samples=mp).fit(X).labels_
dt = time.perf_counter() - t
np.save(sys.argv[4], labels)
print(dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def uniform22(n, seed=3):
    return np.random.default_rng(seed).random((n, 22))


def rides(n, seed=1):
    rng = np.random.default_rng(seed)
    kind = rng.choice(4, size=n, p=[0.6, 0.25, 0.14, 0.01])
    dist = np.where(kind == 0, rng.gamma(2.0, 1.2, n),
                    np.where(kind == 1, rng.normal(14, 2.5, n), rng.normal(30, 2, n)))
    speed = np.where(kind == 0, rng.normal(20, 3, n),
                     np.where(kind == 1, rng.normal(40, 5, n), rng.normal(65, 6, n)))
    dist = np.abs(dist)
    speed = np.clip(speed, 5, None)
    dur = dist / speed * 3600 + rng.normal(0, 60, n)
    odd = kind == 3
    dist[odd] = rng.uniform(0, 45, odd.sum())
    dur[odd] = rng.uniform(60, 7200, odd.sum())
    X = np.column_stack([dist, dur])
    return (X - X.mean(0)) / X.std(0)


def features22(n, seed=2):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 10, size=(6, 3))
    z = centres[rng.integers(0, 6, n)] + rng.normal(0, 0.5, size=(n, 3))
    odd = rng.random(n) < 0.02
    z[odd] = rng.uniform(-1, 11, size=(odd.sum(), 3))
    A = rng.normal(size=(3, 22))
    X = z @ A + rng.normal(0, 0.05, size=(n, 22))
    return (X - X.mean(0)) / X.std(0)


def psql(sql, stdin=None):
    """Run a psql script (meta-commands allowed), or one statement fed stdin (COPY)."""
    if stdin is None:
        args, data = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At"], sql
    else:
        args, data = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-c", sql], stdin
    r = subprocess.run(args, input=data, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip())
    return r.stdout


def timed(query):
    """Run query in a fresh backend: (seconds, peak RSS bytes, output)."""
    script = ("\\timing on\n%s;\n\\timing off\n"
              "SELECT 'VmHWM ' || substring(pg_read_file('/proc/self/status') from 'VmHWM:\\s+(\\d+) kB');\n"
              % query)
    out = psql(script)
    ms = float(re.search(r"Time: ([0-9.]+) ms", out).group(1))
    hwm = int(re.search(r"VmHWM (\d+)", out).group(1)) * 1024
    rows = [line for line in out.splitlines() if not line.startswith(("Time:", "VmHWM"))]
    return ms / 1000.0, hwm, rows


def load(table, X, postgis):
    with tempfile.NamedTemporaryFile("w", delete=False, suffix=".tsv") as f:
        for i, row in enumerate(X):
            f.write("%d\t{%s}\n" % (i, ",".join(repr(float(v)) for v in row)))
        path = f.name
    os.chmod(path, 0o644)
    psql("DROP TABLE IF EXISTS %s; CREATE TABLE %s (id int, f float8[]);" % (table, table))
    with open(path) as f:
        psql("COPY %s FROM STDIN" % table, stdin=f.read())
    os.unlink(path)
    if postgis:
        psql("ALTER TABLE %s ADD COLUMN geom geometry; UPDATE %s SET geom = ST_MakePoint(f[1], f[2]);"
             % (table, table))
    psql("VACUUM ANALYZE %s" % table)


def sklearn_run(X, eps, mp):
    with tempfile.TemporaryDirectory() as d:
        np.save(d + "/x.npy", X)
        out = subprocess.run(["/usr/bin/python3", "-c", SKLEARN_SCRIPT, d + "/x.npy", repr(eps), str(mp),
                              d + "/labels.npy"], capture_output=True, text=True, check=True).stdout
        dt, rss = out.split()
        return float(dt), int(rss), np.load(d + "/labels.npy")


def ours_labels(table, eps, mp):
    out = psql("SELECT coalesce(dbscan_cluster(f, %r, %d) OVER (ORDER BY id), -1) FROM %s ORDER BY id"
               % (eps, mp, table))
    return np.array([int(v) for v in out.split()])


def clustered(fn, table, arg, eps, mp):
    """Noise count, cluster count, and two checksums of the noise rows' ids (rows come in id order)."""
    return ("SELECT count(*) FILTER (WHERE c IS NULL), count(DISTINCT c), "
            "coalesce(sum(id::numeric) FILTER (WHERE c IS NULL), 0), "
            "coalesce(sum(id::numeric * id) FILTER (WHERE c IS NULL), 0) FROM "
            "(SELECT id, %s(%s, %r, %d) OVER () AS c FROM %s) s" % (fn, arg, eps, mp, table))


def pick_eps(table, n, mp, candidates):
    """The smallest candidate with at most 3% noise and at most 10 clusters."""
    for eps in candidates:
        _, _, rows = timed(clustered("dbscan_cluster", table, "f", eps, mp))
        noise, k = map(int, rows[-1].split("|")[:2])
        if noise <= 0.03 * n and k <= 10:
            return eps, noise, k
    return candidates[-1], noise, k


def fmt_mb(b):
    return "%.0f MB" % (b / 1e6)


def measure_ours(case, repeat):
    """Phase 1 (holding the install lock): load, pick eps, time ours, keep our labels."""
    label, X, mp, candidates, with_sklearn, with_postgis = case
    n, d = X.shape
    table = "bench_%d_%d%s" % (n, d, "_u" if len(candidates) == 1 else "")
    print("\n== %s: %d points, %d dimensions, min_points %d" % (label, n, d, mp), flush=True)
    t0 = time.time()
    load(table, X, with_postgis)
    print("loaded in %.0f s" % (time.time() - t0), flush=True)
    if len(candidates) == 1:
        eps = candidates[0]
    else:
        eps, noise, k = pick_eps(table, n, mp, candidates)
    if len(candidates) == 1:
        print("eps %g (fixed)" % eps)
    else:
        print("eps %g: %d clusters, %d noise points (%.2f%%)" % (eps, k, noise, 100.0 * noise / n))
    base_t, base_rss, _ = timed("SELECT count(*), count(DISTINCT c) FROM (SELECT count(*) OVER () AS c FROM %s) s"
                                % table)
    runs = [timed(clustered("dbscan_cluster", table, "f", eps, mp)) for _ in range(repeat)]
    if len(candidates) == 1:
        noise, k = map(int, runs[0][2][-1].split("|")[:2])
        print("eps %g: %d clusters, %d noise points (%.2f%%)" % (eps, k, noise, 100.0 * noise / n))
    ours_t = min(r[0] for r in runs)
    ours_rss = max(r[1] for r in runs)
    extra = max(ours_rss - base_rss, 0)
    print("ours     %8.3f s   (count(*) OVER () alone: %.3f s)   peak backend RSS %s, %s over the "
          "count(*) OVER () baseline = %.0f bytes per point"
          % (ours_t, base_t, fmt_mb(ours_rss), fmt_mb(extra), extra / n), flush=True)
    print("ours, each run: %s s (median %.3f)" % (", ".join("%.3f" % r[0] for r in runs),
                                                 sorted(r[0] for r in runs)[len(runs) // 2]), flush=True)
    return {"case": case, "table": table, "eps": eps, "ours": ours_t, "noise": runs[0][2][-1].split("|"),
            "labels": ours_labels(table, eps, mp)}


def measure_peers(m):
    """Phase 2 (lock released: the peers do not use our extension): sklearn and PostGIS."""
    label, X, mp, candidates, with_sklearn, with_postgis = m["case"]
    n, d = X.shape
    eps, ours_t, table = m["eps"], m["ours"], m["table"]
    print("\n== %s: %d points, %d dimensions, min_points %d, eps %g: ours %.3f s"
          % (label, n, d, mp, eps, ours_t), flush=True)
    result = {"ours": ours_t}
    if with_sklearn:
        sk_t, sk_rss, sk_labels = sklearn_run(X, eps, mp)
        mine = m["labels"]
        same = np.array_equal(sk_labels, mine)
        print("sklearn  %8.3f s   peak RSS %s   labels identical to ours: %s   ratio %.1fx"
              % (sk_t, fmt_mb(sk_rss), "yes" if same else "NO (%d differ)" % (sk_labels != mine).sum(),
                 sk_t / ours_t), flush=True)
        result["sklearn"] = sk_t
    if with_postgis:
        pg_t, pg_rss, pg_rows = timed(clustered("ST_ClusterDBSCAN", table, "geom", eps, mp))
        pg_noise = pg_rows[-1].split("|")
        our_noise = m["noise"]
        same = pg_noise[0] == our_noise[0] and pg_noise[2:] == our_noise[2:]
        print("PostGIS  %8.3f s   peak backend RSS %s   same noise points as ours: %s   ratio %.1fx"
              % (pg_t, fmt_mb(pg_rss), "yes" if same else "NO (%s vs %s)" % (pg_noise, our_noise),
                 pg_t / ours_t), flush=True)
        result["postgis"] = pg_t
    psql("DROP TABLE %s" % table)
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--sklearn-max", type=int, default=100000,
                    help="largest 2-D size run with sklearn (1,000,000 needs about 22 GB)")
    ap.add_argument("--d22", type=int, default=100000, help="points in the 22-D case (0: skip)")
    ap.add_argument("--uniform22", type=int, default=0,
                    help="points in the all-noise uniform 22-D case, eps 0.5 (0: skip)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-postgis", action="store_true", help="skip PostGIS (ours and sklearn only)")
    ap.add_argument("--lock-fd", type=int, default=-1,
                    help="flock'ed install lock to release once our own runs are done")
    a = ap.parse_args()
    psql("CREATE EXTENSION IF NOT EXISTS anomaly;")
    if not a.no_postgis:
        psql("CREATE EXTENSION IF NOT EXISTS postgis;")
        print(psql("SELECT 'PostGIS ' || postgis_lib_version()").strip())
    print(psql("SELECT 'PostgreSQL ' || current_setting('server_version')").strip())
    import sklearn
    print("scikit-learn", sklearn.__version__, "| cores:", os.cpu_count(), "|",
          " ".join("%s=%s" % (k, v) for k, v in sorted(os.environ.items())
                   if k.startswith(("OPENBLAS", "OMP_", "MKL_"))) or "no OPENBLAS_*/OMP_* set")
    cases = []
    for n in [int(s) for s in a.sizes.split(",") if s]:
        cases.append(("2-D rides", rides(n), 20, [0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.06, 0.08],
                      n <= a.sklearn_max, not a.no_postgis))
    if a.d22:
        cases.append(("22-D features", features22(a.d22), 20, [0.3, 0.4, 0.5, 0.6, 0.8, 1.0], True, False))
    if a.uniform22:
        cases.append(("22-D uniform", uniform22(a.uniform22), 20, [0.5], True, False))
    ours = [measure_ours(c, a.repeat) for c in cases]
    if a.lock_fd >= 0:
        import fcntl
        fcntl.flock(a.lock_fd, fcntl.LOCK_UN)
        print("\n(install lock released; the peers run on the same cluster and data)", flush=True)
    summary = [(m["case"][0], m["case"][1].shape[0], measure_peers(m)) for m in ours]
    print("\n== summary (seconds; ratio = peer / ours)")
    for label, n, r in summary:
        peers = "  ".join("%s %.3f (%.1fx)" % (k, v, v / r["ours"]) for k, v in r.items() if k != "ours")
        print("%-14s %9d  ours %.3f  %s" % (label, n, r["ours"], peers))


if __name__ == "__main__":
    sys.exit(main())
