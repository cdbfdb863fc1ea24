#!/usr/bin/python3
"""dbscan_cluster / dbscan_outliers / dbscan_fit against scikit-learn's DBSCAN.

Runs against the server named by PGHOST/PGPORT/PGUSER/PGDATABASE (test/run_all.sh
sets them), through psql.  Every data set is sent with 17 significant digits, so
both sides see the same doubles, and the labels must be identical, noise and
border points included.  Data sets: Gaussian blobs with noise in 1, 2, 3, 5 and
22 dimensions, integer lattices with many pairs at exactly eps (3-4-5
triangles), many small clusters with a large min_points (border points in
reach of two clusters), duplicates, standardised features, partitions, and the
fitted model scoring its own training points.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from pgtest import (Tally, error_with_timeout, fresh_schema, load_vectors, missing_package, psql, run_main,  # noqa: E402
                    table_name)

try:
    import numpy as np
    from sklearn.cluster import DBSCAN
    from sklearn.preprocessing import StandardScaler
except ImportError:
    missing_package("python3-sklearn is not installed")

tally = Tally()
SCHEMA = "dbscan_it"


def ours(name, eps, min_points, extra="", order="id"):
    out = psql("SELECT coalesce(dbscan_cluster(f, %r, %d%s) OVER (ORDER BY %s), -1) FROM %s.%s ORDER BY id"
               % (float(eps), min_points, extra, order, SCHEMA, name))
    return np.array([int(v) for v in out.split()], dtype=int)


def check(label, got, want, describe=True):
    if got.shape == want.shape and np.array_equal(got, want):
        if describe:
            tally.record(True, "%s (%d points, %d clusters, %d noise)"
                         % (label, len(want), want.max() + 1, (want < 0).sum()))
        else:
            tally.record(True, label)
    else:
        bad = np.nonzero(got != want)[0] if got.shape == want.shape else []
        tally.record(False, "%s: %d of %d labels differ, first %s" % (label, len(bad), len(want), list(bad[:5])))


def compare(label, X, eps, min_points, algorithm="auto"):
    name = table_name("t", label)
    load_vectors(SCHEMA, name, X)
    want = DBSCAN(eps=eps, min_samples=min_points, algorithm=algorithm).fit(X).labels_
    check(label, ours(name, eps, min_points), want)
    # the outlier flag is the noise label
    out = psql("SELECT dbscan_outliers(f, %r, %d) OVER (ORDER BY id) FROM %s.%s ORDER BY id"
               % (float(eps), min_points, SCHEMA, name))
    check(label + " outliers", np.array([v == "t" for v in out.split()], dtype=int), (want < 0).astype(int), False)
    return name, want


def blobs(rng, n, d, centres, spread, noise):
    c = rng.uniform(0, 10, size=(centres, d))
    X = c[rng.integers(0, centres, n)] + rng.normal(0, spread, size=(n, d))
    k = int(n * noise)
    X[:k] = rng.uniform(-1, 11, size=(k, d))
    return X[rng.permutation(n)]


def main():
    rng = np.random.default_rng(20261122)
    fresh_schema(SCHEMA)

    for d, n, eps, mp in [(1, 2000, 0.05, 8), (2, 4000, 0.3, 10), (2, 4000, 0.2, 20), (3, 3000, 0.5, 10),
                          (5, 3000, 1.0, 10), (22, 2000, 2.5, 10)]:
        X = blobs(rng, n, d, 5, 0.4, 0.03)
        compare("blobs d=%d eps=%g min_points=%d" % (d, eps, mp), X, eps, mp)

    # taxi-like rides: two features in different units, z-scored
    n = 5000
    km = np.concatenate([rng.gamma(2.0, 1.5, n - 50), rng.uniform(0, 60, 50)])
    secs = np.concatenate([km[:n - 50] * 150 + rng.normal(0, 90, n - 50), rng.uniform(0, 7200, 50)])
    R = np.column_stack([km, secs])
    name = "rides"
    load_vectors(SCHEMA, name, R)
    Z = StandardScaler().fit_transform(R)
    want = DBSCAN(eps=0.15, min_samples=20).fit(Z).labels_
    check("rides standardize=true vs StandardScaler", ours(name, 0.15, 20, ", true"), want)

    # integer lattices: many pairs at exactly eps
    g = np.array([(i, j) for i in range(40) for j in range(40) if (7 * i + 3 * j) % 5 != 0], dtype=float)
    for eps, mp in [(1.0, 3), (1.0, 4), (1.0, 5), (np.sqrt(2.0), 5), (2.0, 9)]:
        compare("lattice eps=%g min_points=%d" % (eps, mp), g, eps, mp)
    t = np.array([(3.0 * i, 4.0 * j) for i in range(20) for j in range(20) if (i + 2 * j) % 3 == 0])
    for mp in (2, 3, 4):
        compare("3-4-5 lattice eps=5 min_points=%d" % mp, t, 5.0, mp)
    c3 = np.array([(i, j, k) for i in range(12) for j in range(12) for k in range(12) if (i + j + k) % 4], dtype=float)
    compare("3-D lattice eps=1 min_points=5", c3, 1.0, 5)
    c5 = rng.integers(0, 4, size=(1500, 5)).astype(float)
    compare("5-D lattice with duplicates eps=1 min_points=12 (sklearn kd_tree)", c5, 1.0, 12, "kd_tree")

    # many small clusters and a large min_points: contested border points
    for mp in (8, 12, 16):
        X = blobs(rng, 3000, 2, 40, 0.25, 0.05)
        _, want = compare("contested borders min_points=%d" % mp, X, 0.3, mp)
        # the data must really hold border points in reach of two clusters
        db = DBSCAN(eps=0.3, min_samples=mp).fit(X)
        core = np.zeros(len(X), dtype=bool)
        core[db.core_sample_indices_] = True
        contested = 0
        for i in np.nonzero(~core & (want >= 0))[0]:
            near = (((X - X[i]) ** 2).sum(axis=1) <= 0.09) & core
            contested += len(set(want[near])) > 1
        check("  ... with %d contested border points" % contested, np.array([contested > 0]), np.array([True]), False)

    # the window's order decides the numbering: reversed rows, reversed discovery
    X = blobs(rng, 2000, 2, 6, 0.4, 0.03)
    name, _ = compare("ordered", X, 0.3, 10)
    want = DBSCAN(eps=0.3, min_samples=10).fit(X[::-1]).labels_[::-1]
    check("ORDER BY id DESC", ours(name, 0.3, 10, order="id DESC"), want)

    # partitions are independent: each half against sklearn on that half
    out = psql("SELECT coalesce(dbscan_cluster(f, 0.3, 10) OVER (PARTITION BY id %% 2 ORDER BY id), -1) "
               "FROM %s.%s ORDER BY id" % (SCHEMA, name))
    got = np.array([int(v) for v in out.split()])
    ok = all(np.array_equal(got[h::2], DBSCAN(eps=0.3, min_samples=10).fit(X[h::2]).labels_) for h in (0, 1))
    check("PARTITION BY id % 2", np.array([int(ok)]), np.array([1]), False)

    # the model scores its training points as DBSCAN labelled them, in coordinate order
    X = blobs(rng, 3000, 3, 6, 0.4, 0.03)
    load_vectors(SCHEMA, "fit", X)
    order = np.lexsort(X.T[::-1])
    want = np.empty(len(X), dtype=int)
    want[order] = DBSCAN(eps=0.4, min_samples=10).fit(X[order]).labels_
    out = psql("SELECT coalesce(dbscan_score((SELECT dbscan_fit(f, 0.4, 10) FROM %s.fit), f), -1) FROM %s.fit ORDER BY id"
               % (SCHEMA, SCHEMA))
    check("dbscan_fit + dbscan_score on the training points", np.array([int(v) for v in out.split()]), want)
    # new points: the smallest cluster among core points within eps, else NULL
    Q = rng.uniform(-1, 11, size=(500, 3))
    db = DBSCAN(eps=0.4, min_samples=10).fit(X[order])
    core = X[order][db.core_sample_indices_]
    core_lab = db.labels_[db.core_sample_indices_]
    want = []
    for q in Q:
        within = ((core - q) ** 2).sum(axis=1) <= 0.4 ** 2
        want.append(core_lab[within].min() if within.any() else -1)
    load_vectors(SCHEMA, "queries", Q)
    out = psql("SELECT coalesce(dbscan_score((SELECT dbscan_fit(f, 0.4, 10) FROM %s.fit), f), -1) FROM %s.queries ORDER BY id"
               % (SCHEMA, SCHEMA))
    check("dbscan_score on new points", np.array([int(v) for v in out.split()]), np.array(want))

    # statement_timeout stops a long run inside the clustering loops promptly:
    # 200,000 uniform points in 22 dimensions take far longer than the 1 s
    # allowed, and reading the rows takes a fraction of it.
    psql("CREATE TABLE %s.big AS SELECT g AS id, ARRAY(SELECT random() + 0 * g FROM generate_series(1, 22)) AS f "
         "FROM generate_series(1, 200000) g" % SCHEMA)
    err, elapsed = error_with_timeout("SELECT count(c) FROM (SELECT dbscan_cluster(f, 1.0, 5) OVER () AS c "
                                      "FROM %s.big) s" % SCHEMA)
    check("statement_timeout cancels within 2 s", np.array([int("statement timeout" in err and elapsed < 2.0)]),
          np.array([1]), False)

    psql("DROP SCHEMA %s CASCADE" % SCHEMA)


run_main(main, tally)
