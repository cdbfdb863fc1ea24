#!/usr/bin/python3
"""mv_fit method gmm against scikit-learn's GaussianMixture.

Runs against the server named by PGHOST/PGPORT/PGUSER/PGDATABASE, through
psql (test/integration/lib/pgtest.py).  Data are sent with 17 significant
digits, so both sides see the same doubles.

1. For a fixed k (min_components = components = k), scikit-learn's
   GaussianMixture(covariance_type="full", init_params="k-means++",
   means_init=<our "init_means" from mv_model_info: the k-means++ centres, or,
   with more rows than the subsample that chooses k (mv_gmm.c; the 5-D k=4
   and 4-D k=5 sets here), the means the subsample fit reached>, reg_covar, tol=1e-3,
   max_iter=100) starts where we start (weights equal, covariances reg_covar *
   I: see src/core/mv/mv_gmm_em.c) and must land where we land: the same
   number of EM steps and convergence flag, log-likelihoods (score_samples
   against mv_log_likelihood) within 1e-6 relative, weights, means and
   covariances within 1e-6 relative, the lower bound and BIC within 1e-9.
   With standardize on, the same comparison on the standardised data
   (center / scale from mv_model_info), the log-likelihoods shifted by the
   log of the scaling's Jacobian.
2. BIC picks the true k on well-separated data (k = 1, 2, 3, 4).
3. The score: mv_score = sqrt(2 (peak - LL)) / threshold, and the threshold
   is the root of sum_j w_j P(chi2_d > t^2 - c_j) = false_alarm_rate (scipy's
   brentq), both within 1e-9; on 200,000 rows drawn from the fitted mixture
   the share flagged is at most false_alarm_rate (plus sampling noise).
4. Contributions: those of the Mahalanobis distance to the component with
   the highest posterior (scikit-learn's predict), computed with numpy.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from mvtest import check, chi2, fit_info, floats, np, tally  # noqa: E402
from pgtest import fresh_schema, load_vectors, psql, rel_error, run_main, table_name  # noqa: E402
from scipy.optimize import brentq  # noqa: E402
from sklearn.mixture import GaussianMixture  # noqa: E402

SCHEMA = "mv_gmm_it"


def blobs(rng, sizes, d, spread=12.0):
    """Well-separated Gaussian clusters with random shapes, rows shuffled."""
    parts = []
    for i, m in enumerate(sizes):
        A = rng.normal(size=(d, d)) * 0.4 + np.eye(d)
        parts.append(rng.normal(size=(m, d)) @ A.T + rng.uniform(-1, 1, size=d) * spread * (i + 1) / 2)
    X = np.vstack(parts)
    return X[rng.permutation(len(X))]


def fit(name, X, options):
    return fit_info(SCHEMA, name, X, dict(options, method="gmm"))


def exact(label, X, k, standardize, reg=1e-6):
    name = table_name("e", label)
    info = fit(name, X, {"components": k, "min_components": k, "standardize": standardize, "reg_covar": reg})
    g = info["gmm"]
    if standardize:
        center, scale = np.array(info["center"]), np.array(info["scale"])
    else:
        center, scale = np.zeros(X.shape[1]), np.ones(X.shape[1])
    Xs = (X - center) / scale
    init = (np.array(g["init_means"]) - center) / scale
    sk = GaussianMixture(n_components=k, covariance_type="full", init_params="k-means++", means_init=init,
                         reg_covar=reg, tol=1e-3, max_iter=100, random_state=0).fit(Xs)
    jac = np.log(scale).sum()
    ll = floats("SELECT mv_log_likelihood(m, f) FROM %s.%s, %s.m_%s ORDER BY id" % (SCHEMA, name, SCHEMA, name))
    sk_ll = sk.score_samples(Xs) - jac
    e_ll = (np.abs(ll - sk_ll) / np.maximum(np.abs(sk_ll), 1.0)).max()
    means = (np.array(g["means"]) - center) / scale
    covs = np.array(g["covariances"]) / np.outer(scale, scale)
    what = "n=%d d=%d k=%d, %d steps (sklearn %d)" % (X.shape[0], X.shape[1], k, g["iterations"], sk.n_iter_)
    check("%s: EM steps and convergence as sklearn" % label,
          g["iterations"] == sk.n_iter_ and g["converged"] == sk.converged_, what)
    check("%s: log-likelihoods within 1e-6 relative" % label, e_ll <= 1e-6, "%s, max rel. error %.1e" % (what, e_ll))
    e_w, e_m, e_c = rel_error(g["weights"], sk.weights_), rel_error(means, sk.means_), rel_error(covs, sk.covariances_)
    check("%s: weights, means, covariances within 1e-6" % label, max(e_w, e_m, e_c) <= 1e-6,
          "rel. error weights %.1e means %.1e covariances %.1e" % (e_w, e_m, e_c))
    bic = g["bic"][0]["bic"]
    sk_bic = sk.bic(Xs) + 2 * X.shape[0] * jac
    e_lb = abs(g["lower_bound"] - (sk.lower_bound_ - jac)) / abs(sk.lower_bound_ - jac)
    check("%s: lower bound and BIC as sklearn's" % label, e_lb <= 1e-9 and abs(bic - sk_bic) / abs(sk_bic) <= 1e-9,
          "lower bound %.10g (sklearn %.10g), BIC %.10g (sklearn %.10g)"
          % (g["lower_bound"], sk.lower_bound_ - jac, bic, sk_bic))
    return name, info, sk, center, scale


def select(label, X, true_k):
    name = table_name("s", label)
    info = fit(name, X, {})
    g = info["gmm"]
    bics = [b["bic"] for b in g["bic"]]
    check("%s: BIC picks k=%d" % (label, true_k), g["components"] == true_k,
          "chose %d, BIC %s" % (g["components"], ", ".join("%.1f" % b for b in bics)))


def score_rule(label, X, far):
    name, info, sk, center, scale = exact(label, X, 3, False)
    d = X.shape[1]
    g = info["gmm"]
    w = np.array(g["weights"])
    log_norm = np.log(w) - 0.5 * np.array([np.linalg.slogdet(c)[1] for c in g["covariances"]]) \
        - 0.5 * d * np.log(2 * np.pi)
    peak = log_norm.max()
    c = 2 * (peak - log_norm)
    t2 = brentq(lambda t: sum(w[j] * chi2(d).sf(t - c[j]) for j in range(len(w))) - far, 0, c.max() + chi2(d).isf(far) + 1,
                xtol=1e-14, rtol=1e-15)
    check("%s: threshold is the root of the bound" % label, abs(info["threshold"] - np.sqrt(t2)) <= 1e-9 * np.sqrt(t2),
          "threshold %.12g, scipy %.12g" % (info["threshold"], np.sqrt(t2)))
    check("%s: peak log-likelihood" % label, abs(g["peak_log_likelihood"] - peak) <= 1e-9 * abs(peak),
          "%.12g vs %.12g" % (g["peak_log_likelihood"], peak))
    rng = np.random.default_rng(7)
    Q = np.vstack([X[:50], rng.normal(size=(50, d)) * 8])
    load_vectors(SCHEMA, name + "_q", Q)
    s = floats("SELECT mv_score(m, f) FROM %s.%s_q, %s.m_%s ORDER BY id" % (SCHEMA, name, SCHEMA, name))
    expect = np.sqrt(np.maximum(0, 2 * (peak - sk.score_samples(Q)))) / info["threshold"]
    check("%s: mv_score = sqrt(2 (peak - LL)) / threshold" % label, rel_error(s, expect) <= 1e-9,
          "rel. error %.1e, %d of 100 flagged" % (rel_error(s, expect), (s > 1).sum()))
    S, _ = sk.sample(200000)
    D = np.sqrt(np.maximum(0, 2 * (peak - sk.score_samples(S))))
    rate = (D > info["threshold"]).mean()
    noise = 4 * np.sqrt(far / 200000)
    check("%s: false-alarm rate under the mixture <= %g" % (label, far), rate <= far + noise,
          "%.5f of 200000 sampled rows flagged" % rate)
    # 4. contributions under the most responsible component
    det = psql("SELECT (mv_detect(m, f)).contributions FROM %s.%s_q, %s.m_%s ORDER BY id"
               % (SCHEMA, name, SCHEMA, name)).split()
    ours = np.array([[float(v) for v in r.strip("{}").split(",")] for r in det])
    top = sk.predict(Q)
    want = []
    for i, q in enumerate(Q):
        P = np.linalg.inv(sk.covariances_[top[i]])
        z = P @ (q - sk.means_[top[i]])
        r = z * z / np.diag(P)
        want.append(r / r.sum())
    check("%s: contributions under the most responsible component" % label, rel_error(ours, np.array(want)) <= 1e-6,
          "max abs. error %.1e" % np.abs(ours - np.array(want)).max())


def main():
    rng = np.random.default_rng(20261203)
    fresh_schema(SCHEMA)
    # 1. fixed k, from our k-means++ centres
    exact("2-D k=2", blobs(rng, [300, 200], 2), 2, False)
    exact("3-D k=3", blobs(rng, [400, 250, 150], 3), 3, False)
    exact("3-D k=3 standardized", blobs(rng, [400, 250, 150], 3), 3, True)
    exact("5-D k=4 overlapping", blobs(rng, [500, 500, 300, 200], 5, spread=3.0), 4, False)
    exact("4-D k=2 reg 1e-3", blobs(rng, [300, 300], 4), 2, False, reg=1e-3)
    exact("2-D k=1", rng.normal(size=(500, 2)) @ np.array([[2.0, 0.5], [0.0, 1.0]]), 1, False)
    # overlapping clusters: many EM steps, and still the same path as scikit-learn's
    exact("2-D k=3 overlapping", blobs(rng, [300, 300, 300], 2, spread=2.0), 3, False)
    exact("4-D k=5 overlapping standardized", blobs(rng, [400, 300, 300, 200, 200], 4, spread=2.5), 5, True)
    # 2. BIC on well-separated clusters
    select("1 cluster 3-D", rng.normal(size=(600, 3)) + 5, 1)
    select("2 clusters 2-D", blobs(rng, [400, 300], 2, spread=20.0), 2)
    select("3 clusters 4-D", blobs(rng, [500, 400, 300], 4, spread=20.0), 3)
    select("4 clusters 3-D", blobs(rng, [400, 400, 300, 300], 3, spread=25.0), 4)
    # 3.-4. the score and the contributions
    score_rule("score 3-D", blobs(rng, [500, 300, 200], 3), 0.001)
    psql("DROP SCHEMA %s CASCADE" % SCHEMA)


run_main(main, tally)
