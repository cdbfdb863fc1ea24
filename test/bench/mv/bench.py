#!/usr/bin/python3
"""The body of test/bench/mv/bench.sh (see there).

Data: per model, 10,000 points of a correlated 5-D Gaussian (a random mixing
matrix and centre per model) with 2 % of the points moved far away; vectors
to score are drawn the same way.  Ours: one aggregate over all models
(GROUP BY model, no parallel workers: one core) and one scoring query joining
every vector to its model (the model cache decodes each model once).  The
scoring query is also run with a trivial function in place of mv_score, to
show what the scan and the join alone cost.  Peer: MinCovDet(random_state=0)
per model, and MinCovDet.mahalanobis on each model's vectors (vectorised
numpy, the peer's fastest way).

Method gmm, on the first --gmm-models models (default 5) and their vectors:
ours mv_fit(f, '{"method": "gmm"}') (BIC over k = 1..5) and mv_score; peer
GaussianMixture(covariance_type="full", init_params="k-means++", reg_covar=1e-6,
tol=1e-3, max_iter=100, n_init=3 for k > 1) fitted for k = 1..5 with the lowest
BIC kept, and score_samples on the vectors.  Ours also tries 3 k-means++ starts
per k, but runs each for 5 EM steps and only the best to convergence, and
chooses k on a subsample (docs/multivariate.md).
"""
import argparse
import fcntl
import os
import subprocess
import sys
import time

import numpy as np
from sklearn.covariance import MinCovDet
from sklearn.mixture import GaussianMixture


def psql(sql, stdin=None):
    r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-c", sql],
                       input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip())
    return r.stdout


def timed(sql):
    t0 = time.perf_counter()
    out = psql(sql)
    return time.perf_counter() - t0, out


def data(rng, mix, centre, n):
    models, d = centre.shape
    X = np.einsum("mij,mnj->mni", mix, rng.normal(size=(models, n, d))) + centre[:, None, :]
    far = rng.random(size=(models, n)) < 0.02
    X[far] += rng.normal(size=(far.sum(), d)) * 10
    return X


def copy_in(table, X):
    m, n, d = X.shape
    lines = []
    for k in range(m):
        for row in X[k]:
            lines.append("%d\t{%s}\n" % (k, ",".join("%.17g" % v for v in row)))
    psql("DROP TABLE IF EXISTS %s; CREATE TABLE %s (model int, f float8[])" % (table, table))
    psql("COPY %s FROM STDIN" % table, stdin="".join(lines))
    psql("VACUUM ANALYZE %s" % table)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", type=int, default=20)
    ap.add_argument("--points", type=int, default=10000)
    ap.add_argument("--vectors", type=int, default=1000000)
    ap.add_argument("--dims", type=int, default=5)
    ap.add_argument("--gmm-models", type=int, default=5)
    ap.add_argument("--peer-models", type=int, default=None,
                    help="scikit-learn fits and scores only the first N models (their vectors); rates and "
                         "ratios are per model and per vector (default: all models)")
    ap.add_argument("--lock-fd", type=int, default=None)
    a = ap.parse_args()
    rng = np.random.default_rng(16)
    mix = rng.normal(size=(a.models, a.dims, a.dims)) * 0.5 + np.eye(a.dims)
    centre = rng.uniform(0, 100, size=(a.models, a.dims))
    X = data(rng, mix, centre, a.points)
    per = max(1, a.vectors // a.models)
    V = data(rng, mix, centre, per)
    print("== %d models x %d points x %d dims; %d vectors to score (OPENBLAS_NUM_THREADS=1, one core)"
          % (a.models, a.points, a.dims, a.models * per))
    psql("CREATE EXTENSION IF NOT EXISTS anomaly")
    copy_in("pts", X)
    copy_in("vecs", V)
    psql("CREATE FUNCTION noop_score(m bytea, f float8[]) RETURNS float8 LANGUAGE sql IMMUTABLE "
         "PARALLEL SAFE AS 'SELECT 0.0::float8'")
    settings = "SET max_parallel_workers_per_gather = 0; SET jit = off; "
    t_fit, _ = timed(settings + "CREATE TABLE models AS SELECT model, mv_fit(f) AS m FROM pts GROUP BY model")
    t_score, s = timed(settings + "SELECT sum(mv_score(m.m, v.f)) FROM vecs v JOIN models m USING (model)")
    t_base, _ = timed(settings + "SELECT sum(array_length(v.f, 1)) FROM vecs v JOIN models m USING (model)")
    flagged = float(psql(settings + "SELECT avg((mv_score(m.m, v.f) > 1)::int) FROM vecs v JOIN models m USING (model)"))
    g = min(a.gmm_models, a.models)
    t_gfit, _ = timed(settings + "CREATE TABLE gmodels AS SELECT model, mv_fit(f, '{\"method\": \"gmm\"}') AS m "
                      "FROM pts WHERE model < %d GROUP BY model" % g)
    # only the gmm models' vectors; the scan of the whole table is timed alone and taken off
    t_gscore, _ = timed(settings + "SELECT sum(mv_score(m.m, v.f)) FROM vecs v JOIN gmodels m USING (model)")
    t_gbase, _ = timed(settings + "SELECT sum(array_length(v.f, 1)) FROM vecs v JOIN gmodels m USING (model)")
    ks = psql("SELECT string_agg(mv_model_info(m)->'gmm'->>'components', ',' ORDER BY model) FROM gmodels").strip()
    if a.lock_fd is not None:
        fcntl.flock(a.lock_fd, fcntl.LOCK_UN)   # scikit-learn does not use our build

    p = a.models if a.peer_models is None else max(1, min(a.peer_models, a.models))
    t0 = time.perf_counter()
    fits = [MinCovDet(random_state=0).fit(X[k]) for k in range(p)]
    sk_fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    total = 0.0
    for k in range(p):
        total += np.sqrt(fits[k].mahalanobis(V[k])).sum()
    sk_score = time.perf_counter() - t0
    if p < a.models:
        print("== scikit-learn ran on the first %d of the %d models; its times are scaled by %d/%d below"
              % (p, a.models, a.models, p))
        sk_fit *= a.models / p
        sk_score *= a.models / p

    t0 = time.perf_counter()
    gfits = []
    for k in range(g):
        cands = [GaussianMixture(n_components=c, covariance_type="full", init_params="k-means++", reg_covar=1e-6,
                                 tol=1e-3, max_iter=100, n_init=1 if c == 1 else 3, random_state=0).fit(X[k]) for c in range(1, 6)]
        gfits.append(min(cands, key=lambda m: m.bic(X[k])))
    sk_gfit = time.perf_counter() - t0
    t0 = time.perf_counter()
    for k in range(g):
        total += gfits[k].score_samples(V[k]).sum()
    sk_gscore = time.perf_counter() - t0

    n_fit = a.models * a.points
    n_vec = a.models * per
    print("fit   ours (mv_fit, SQL, GROUP BY)   %8.2f s  %10.0f rows/s  %6.3f s/model" % (t_fit, n_fit / t_fit, t_fit / a.models))
    print("fit   scikit-learn MinCovDet         %8.2f s  %10.0f rows/s  %6.3f s/model" % (sk_fit, n_fit / sk_fit, sk_fit / a.models))
    print("fit   ratio scikit-learn / ours      %8.1f x" % (sk_fit / t_fit))
    print("score ours (mv_score, SQL, join)     %8.2f s  %10.0f vectors/s (scan + join alone: %.2f s)"
          % (t_score, n_vec / t_score, t_base))
    print("score ours net of scan + join        %8.2f s  %10.0f vectors/s" % (t_score - t_base, n_vec / max(t_score - t_base, 1e-9)))
    print("score scikit-learn mahalanobis       %8.2f s  %10.0f vectors/s (vectorised numpy per model)" % (sk_score, n_vec / sk_score))
    print("score ratio scikit-learn / ours      %8.2f x" % (sk_score / t_score))
    n_gfit, n_gvec = g * a.points, g * per
    print("== method gmm: %d models (k by BIC over 1..5: ours chose %s; sklearn chose %s)"
          % (g, ks, ",".join(str(m.n_components) for m in gfits)))
    print("fit   ours (mv_fit gmm, SQL)         %8.2f s  %10.0f rows/s  %6.3f s/model" % (t_gfit, n_gfit / t_gfit, t_gfit / g))
    print("fit   scikit-learn GaussianMixture   %8.2f s  %10.0f rows/s  %6.3f s/model" % (sk_gfit, n_gfit / sk_gfit, sk_gfit / g))
    print("fit   ratio scikit-learn / ours      %8.1f x" % (sk_gfit / t_gfit))
    print("score ours (mv_score gmm, SQL, join) %8.2f s  (scan + join alone: %.2f s: the table holds every model's vectors)"
          % (t_gscore, t_gbase))
    print("score ours gmm net of scan + join    %8.2f s  %10.0f vectors/s"
          % (t_gscore - t_gbase, n_gvec / max(t_gscore - t_gbase, 1e-9)))
    print("score scikit-learn score_samples     %8.2f s  %10.0f vectors/s" % (sk_gscore, n_gvec / sk_gscore))
    print("score ratio scikit-learn / ours net  %8.2f x" % (sk_gscore / max(t_gscore - t_gbase, 1e-9)))
    print("flagged by mv_score > 1: %.2f %% of the vectors (2 %% moved far + the 0.1 %% false-alarm rate)" % (100 * flagged))


main()
