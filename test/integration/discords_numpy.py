#!/usr/bin/python3
"""ts_discords against a numpy brute-force matrix profile.

Runs against the server named by PGHOST/PGPORT/PGUSER/PGDATABASE (test/run_all.sh
sets them), through psql.  Series are sent with 17 significant digits, so both
sides see the same doubles.  numpy z-normalises every window on its own (a
constant window to the zero vector), computes every distance directly as the
norm of the difference (no correlation), excludes |i - j| <= ceil(w/4), and
picks the discords greedily (largest profile value, earliest on a tie, none
overlapping an earlier one); distances must agree to 1e-9 relative (see
check).  Last, statement_timeout stops a long self-join.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from pgtest import Tally, error_with_timeout, missing_package, psql as psql_with, run_main  # noqa: E402

try:
    import numpy as np
except ImportError:
    missing_package("python3-numpy is not installed")

tally = Tally()


def psql(sql):
    return psql_with(sql, separator=",")


def znorm_windows(x, w):
    win = np.lib.stride_tricks.sliding_window_view(x, w)
    mu = win.mean(axis=1, keepdims=True)
    sd = np.sqrt(((win - mu) ** 2).mean(axis=1, keepdims=True))
    flat = (win == win[:, :1]).all(axis=1)
    z = np.where(flat[:, None], 0.0, (win - mu) / np.where(flat[:, None], 1.0, sd))
    return z


def brute_profile(x, w):
    z = znorm_windows(x, w)
    m = len(z)
    excl = -(-w // 4)
    dist = np.empty(m)
    nn = np.empty(m, dtype=int)
    idx = np.arange(m)
    for i in range(m):
        d = np.sqrt(((z - z[i]) ** 2).sum(axis=1))
        d[np.abs(idx - i) <= excl] = np.inf
        nn[i] = int(np.argmin(d))
        dist[i] = d[nn[i]]
    return dist, nn


def brute_discords(x, w, k):
    dist, nn = brute_profile(x, w)
    p = dist.copy()
    out = []
    while len(out) < k:
        i = int(np.argmax(p))      # earliest on a tie
        if p[i] < 0:
            break
        out.append((i + 1, dist[i], nn[i] + 1))
        p[max(0, i - w + 1):i + w] = -1.0
    return out, dist, nn


def ours(x, w, k):
    arr = "{" + ",".join(repr(float(v)) for v in x) + "}"
    out = psql("SELECT start_index, distance, neighbor_index FROM unnest(ts_discords('%s'::float8[], %d, %d)) ORDER BY rank"
               % (arr, w, k))
    rows = []
    for line in out.split():
        a, b, c = line.split(",")
        rows.append((int(a), float(b), int(c)))
    return rows


def check(label, x, w, k):
    """Ours must be what the greedy choice on the brute-force profile allows:
    each discord's distance the profile at its window (1e-9 relative), none
    larger among the windows overlapping no earlier discord, its neighbour at
    that distance.  Windows whose profile values differ by 1e-15 may come in
    either order (the two computations round differently): the indexes must
    be the brute-force ones except on such a near tie, which is counted."""
    want, dist, nn = brute_discords(x, w, k)
    got = ours(x, w, k)
    z = znorm_windows(x, w)
    m = len(dist)
    allowed = np.ones(m, dtype=bool)
    ok = len(got) == len(want)
    near_ties = 0
    for (gi, gd, gn), (wi, wd, wn) in zip(got, want):
        i, j = gi - 1, gn - 1
        ok = ok and allowed[i] and abs(gd - dist[i]) <= 1e-9 * dist[i]
        ok = ok and dist[allowed].max() <= gd * (1 + 1e-9)
        ok = ok and abs(i - j) > -(-w // 4) and abs(np.sqrt(((z[i] - z[j]) ** 2).sum()) - gd) <= 1e-9 * gd
        if gi != wi:
            near_ties += 1
        allowed[max(0, i - w + 1):i + w] = False
    if ok:
        found = ", ".join("%d at %.6f" % (i, d) for i, d, _ in got)
        tally.record(True, "%s (n = %d, w = %d): %s%s"
                     % (label, len(x), w, found, " (%d near ties)" % near_ties if near_ties else ""))
    else:
        tally.record(False, "%s (n = %d, w = %d)\n  got  %s\n  want %s" % (label, len(x), w, got, want))


def main():
    rng = np.random.default_rng(20261203)
    check("gaussian noise", rng.standard_normal(700), 16, 5)
    check("gaussian noise, w = 4", rng.standard_normal(300), 4, 8)
    walk = 1e6 + np.cumsum(rng.standard_normal(600))
    check("random walk at 1e6", walk, 30, 3)
    t = np.arange(1500)
    s = np.sin(2 * np.pi * t / 50) + 0.05 * rng.standard_normal(len(t))
    s[900:950] = np.sin(4 * np.pi * t[900:950] / 50)
    check("sine with a distorted cycle", s, 50, 3)
    flat = np.sin(t[:500] * 0.3) + 0.3 * rng.standard_normal(500)
    flat[200:260] = 2.0
    check("flat stretch", flat, 10, 4)
    ecg = np.tile(np.concatenate([np.zeros(30), np.hanning(10) * 3, -np.hanning(6), np.zeros(14)]), 20)
    ecg = ecg + 0.01 * rng.standard_normal(len(ecg))
    ecg[620:640] += np.hanning(20)
    check("spiky periodic series with a bump", ecg, 60, 2)
    check("odd window, more diagonals than a block", rng.standard_normal(900).cumsum(), 37, 4)

    # statement_timeout stops the diagonal loop promptly: 300,000 points take
    # far longer than the 1 s allowed.
    err, elapsed = error_with_timeout("SELECT ts_discords(array_agg(sin(i * 0.01) + random()), 100, 1) "
                                      "FROM generate_series(1, 300000) i")
    if "statement timeout" in err and elapsed < 2.5:
        tally.passed += 1
    else:
        tally.record(False, "statement_timeout did not cancel within 2.5 s")


run_main(main, tally)
