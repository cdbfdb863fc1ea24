#!/usr/bin/python3
"""mv_fit (method gaussian) against scikit-learn's MinCovDet.

Runs against the server named by PGHOST/PGPORT/PGUSER/PGDATABASE (test/run_all.sh
sets them), through psql.  Data are sent with 17 significant digits, so both
sides see the same doubles.  Models are fitted with standardize off, so that
mv_model_info's estimates are in the units of the data.

FastMCD starts from random subsets; scikit-learn's (30 starts, its generator)
and ours (500 starts, a fixed seed) reach different local minima of the MCD
objective, so the raw supports differ by a few rows even on clean data
(ours had the lower determinant on every data set tried).  So, per data set:
  1. d = 1: both compute the exact univariate MCD: location and covariance
     equal within 1e-9 relative (deterministic on both sides).
  2. the objective (d > 1): log det of our raw estimate <= scikit-learn's + 1e-9;
  3. our raw estimate is a C-step fixed point: the h rows nearest it have it
     as their mean and covariance (1e-9);
  4. the correction and the reweighting are MinCovDet's: its own
     correct_covariance and reweight_covariance, started from our raw
     estimate, give our location and covariance (1e-9 relative) and our
     squared distances (1e-8 relative), and flag the same rows;
  5. against MinCovDet's own fit: every planted outlier is flagged by both
     (d^2 > chi2_d.ppf(0.975)), and the covariances agree within 5e-2
     relative (the documented tolerance for different random subsets).
Method pca: the subspace of the reweighted support (the rows MinCovDet's
reweight_covariance keeps, started from our raw estimate as in 4.) equals
scikit-learn's PCA fitted on those rows: all eigenvalues (explained_variance_),
the explained variance ratios and the kept axes (signs normalised: the entry
of largest magnitude positive) within 1e-9 relative, and the same k.
The 1e-9 tolerances cover summation order (numpy sums pairwise, we sum in
row order; BLAS blocks its dot products).
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from mvtest import check, chi2, fit_info, floats, np, tally  # noqa: E402
from pgtest import fresh_schema, load_vectors, psql, rel_error, run_main, table_name  # noqa: E402
from sklearn.covariance import MinCovDet  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402

SCHEMA = "mv_it"


def mincovdet_from_raw(X, raw_loc, raw_cov):
    """Our raw support (the h rows nearest our raw estimate, stable order), and
    a MinCovDet that took its correction and reweighting steps from that raw
    estimate instead of its own."""
    n, d = X.shape
    h = int(np.ceil(0.5 * (n + d + 1)))
    raw_d2 = np.sum((X - raw_loc) @ np.linalg.pinv(raw_cov) * (X - raw_loc), axis=1)
    sup = np.argsort(raw_d2, kind="stable")[:h]
    m = MinCovDet(random_state=0)
    m.raw_location_, m.raw_covariance_ = raw_loc, raw_cov
    m.location_, m.support_ = raw_loc, np.isin(np.arange(n), sup)
    m.dist_ = raw_d2
    m.correct_covariance(X)
    m.reweight_covariance(X)
    return sup, m


def compare(label, X, planted):
    name = table_name("t", label)
    n, d = X.shape
    info = fit_info(SCHEMA, name, X, {"standardize": False})
    loc, cov = np.array(info["location"]), np.array(info["covariance"])
    raw_loc, raw_cov = np.array(info["raw_location"]), np.array(info["raw_covariance"])
    d2 = floats("SELECT (mv_detect(m, f)).distance FROM %s.%s, %s.m_%s ORDER BY id" % (SCHEMA, name, SCHEMA, name)) ** 2
    cut = chi2(d).ppf(0.975)
    sk = MinCovDet(random_state=0).fit(X)
    what = "n=%d d=%d" % (n, d)
    if d == 1:
        check("%s: exact univariate MCD" % label, rel_error(loc, sk.location_) <= 1e-9 and rel_error(cov, sk.covariance_) <= 1e-9,
              "%s, rel. error location %.1e covariance %.1e" % (what, rel_error(loc, sk.location_), rel_error(cov, sk.covariance_)))
    # 2. at least as good an optimum of the MCD objective (d = 1: both exact, see 3.)
    ours_ld, sk_ld = np.linalg.slogdet(raw_cov)[1], np.linalg.slogdet(sk.raw_covariance_)[1]
    if d > 1:
        check("%s: raw log det <= sklearn's" % label, ours_ld <= sk_ld + 1e-9,
              "%s, ours %.10f, sklearn %.10f" % (what, ours_ld, sk_ld))
    # 3. a C-step fixed point.  For d = 1 the raw location is the midpoint of the
    # shortest half, whose two ends are equally far from it: which end the support
    # drops is a tie (scikit-learn's argsort and our selection may differ), and
    # the final estimate does not depend on it (the correction rescales the
    # distances); there the raw locations must agree instead.
    sup, m = mincovdet_from_raw(X, raw_loc, raw_cov)
    if d == 1:
        check("%s: raw location is the shortest half's midpoint, as sklearn's" % label,
              rel_error(raw_loc, sk.raw_location_) <= 1e-12, what)
    else:
        fixed = rel_error(np.cov(X[sup].T, bias=True).reshape(d, d), raw_cov) <= 1e-9 and \
            rel_error(X[sup].mean(0), raw_loc) <= 1e-9 * max(1.0, np.abs(raw_loc).max())
        check("%s: raw estimate is a C-step fixed point" % label, fixed, what)
    # 4. MinCovDet's correction and reweighting, from our raw estimate (m)
    e_loc = np.abs(loc - m.location_).max() / max(np.abs(m.location_).max(), np.sqrt(np.abs(m.covariance_).max()))
    e_d2 = (np.abs(d2 - m.dist_) / np.maximum(m.dist_, 1e-12)).max()
    check("%s: correction and reweighting as MinCovDet" % label,
          e_loc <= 1e-9 and rel_error(cov, m.covariance_) <= 1e-9 and e_d2 <= 1e-8 and
          np.array_equal(d2 > cut, m.dist_ > cut),
          "%s, rel. error location %.1e covariance %.1e d^2 %.1e, %d rows kept"
          % (what, e_loc, rel_error(cov, m.covariance_), e_d2, info["reweighted"]))
    # 5. against MinCovDet's own fit
    check("%s: planted outliers flagged by both, covariance within 5e-2" % label,
          bool(np.all(d2[planted] > cut)) and bool(np.all(sk.dist_[planted] > cut)) and rel_error(cov, sk.covariance_) <= 5e-2,
          "%s, %d planted, flagged %d (sklearn %d), covariance rel. difference %.1e"
          % (what, planted.sum(), (d2 > cut).sum(), (sk.dist_ > cut).sum(), rel_error(cov, sk.covariance_)))


def support_mask(X, info):
    """The rows of the reweighted support: MinCovDet's steps from our raw estimate."""
    return mincovdet_from_raw(X, np.array(info["raw_location"]), np.array(info["raw_covariance"]))[1].support_


def signed(v):
    return v * np.sign(v[np.argmax(np.abs(v))])


def compare_pca(label, X, options):
    name = table_name("p", label)
    n, d = X.shape
    load_vectors(SCHEMA, name, X)
    opts = dict(options, method="pca", standardize=False)
    info = json.loads(psql("SELECT mv_model_info(mv_fit(f, '%s')) FROM %s.%s" % (json.dumps(opts), SCHEMA, name)))
    mask = support_mask(X, info)
    c = options.get("components", 0.9)
    sk = PCA(n_components=c if c < 1 else int(c), svd_solver="full").fit(X[mask])
    full = PCA(svd_solver="full").fit(X[mask])
    p = info["pca"]
    k = p["components"]
    eig = np.array(p["eigenvalues"])
    ratio = np.array(p["explained_variance_ratio"])
    axes = np.array([signed(np.array(a)) for a in p["axes"]])
    sk_axes = np.array([signed(a) for a in sk.components_])
    e_eig, e_ratio = rel_error(eig, full.explained_variance_), rel_error(ratio, full.explained_variance_ratio_)
    e_axes = rel_error(axes, sk_axes) if axes.shape == sk_axes.shape else float("inf")
    check("%s: pca equals sklearn PCA on the support" % label,
          mask.sum() == info["reweighted"] and k == min(sk.n_components_, d - 1) and
          e_eig <= 1e-9 and e_ratio <= 1e-9 and e_axes <= 1e-9,
          "n=%d d=%d k=%d (sklearn %d), support %d (ours %d), rel. error eigenvalues %.1e ratios %.1e axes %.1e"
          % (n, d, k, sk.n_components_, mask.sum(), info["reweighted"], e_eig, e_ratio, e_axes))


def contaminated(rng, n, d, frac, shift):
    A = rng.normal(size=(d, d)) * 0.5 + np.eye(d)
    X = rng.normal(size=(n, d)) @ A.T + rng.uniform(-5, 5, size=d)
    k = int(n * frac)
    X[:k] = rng.normal(size=(k, d)) * 0.5 + shift
    planted = np.zeros(n, dtype=bool)
    planted[:k] = True
    p = rng.permutation(n)
    return X[p], planted[p]


def main():
    rng = np.random.default_rng(20261203)
    fresh_schema(SCHEMA)
    # d = 1: the exact univariate MCD on both sides
    X = rng.standard_t(2, size=(300, 1))
    compare("1-D heavy tails", X, np.abs(X[:, 0] - np.median(X)) > 50)
    compare("1-D contaminated", *contaminated(rng, 1000, 1, 0.2, 15.0))
    # small n: both search all rows
    compare("2-D cluster of outliers", *contaminated(rng, 200, 2, 0.1, 12.0))
    compare("3-D cluster of outliers", *contaminated(rng, 400, 3, 0.15, 10.0))
    X, _ = contaminated(rng, 450, 5, 0.0, 0.0)
    compare("5-D scattered outliers", np.vstack([X, rng.uniform(30, 40, size=(30, 5)) * rng.choice([-1, 1], size=(30, 5))]),
            np.arange(480) >= 450)
    # large n: both use nested subsets (theirs of 300 rows, ours of a 1500-row sample)
    compare("2-D n=3000", *contaminated(rng, 3000, 2, 0.1, 12.0))
    compare("5-D n=10000", *contaminated(rng, 10000, 5, 0.05, 15.0))
    compare("8-D n=2000", *contaminated(rng, 2000, 8, 0.1, 12.0))
    # method pca: k by the default 90 % of variance, and fixed
    X, _ = contaminated(rng, 500, 4, 0.1, 12.0)
    compare_pca("pca 4-D default k", X, {})
    X, _ = contaminated(rng, 2000, 6, 0.05, 15.0)
    compare_pca("pca 6-D k=2", X, {"components": 2})
    compare_pca("pca 6-D 0.75 of variance", X, {"components": 0.75})
    psql("DROP SCHEMA %s CASCADE" % SCHEMA)


run_main(main, tally)
