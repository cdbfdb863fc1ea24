#!/usr/bin/python3
"""ts_discords on the tsad corpus, and its speed against a numpy peer.

A benchmark, not a test: it prints numbers (docs/discords.md quotes them).
Run by test/bench/discords/run.sh, which computes the numpy timings first
(without the install lock), then starts a throwaway cluster for the SQL part.

  bench.py peer OUT.json      numpy timings (n = 10,000 and 100,000, w = 100)
  bench.py sql PEER.json      corpus accuracy and ts_discords timings, with ratios

Accuracy: for every series of ../shared/data/tsad (its test part, a
self-join: no training, no model), the top discord with window = the
series' period_size from datasets.csv (rounded, at least 4) or 100 when the
period is unknown, at most half the series.  A hit: some labelled anomalous
row lies within 100 rows of the discord's window [start, start + w).  Next
to it the hit rate of a window placed uniformly at random (exact: the share
of the possible starts that would be hits), to show what chance gives.

Speed: the same random-walk-plus-sine series for both sides, w = 100.  The
peer is numpy, the same algorithm (an exact self-join, the z-normalised
profile with the ceil(w/4) exclusion zone): STOMP row by row, each row a
vector over all columns, its first row by MASS (the sliding dot product by
FFT).
"""
import csv
import json
import math
import os
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
TSAD = os.path.join(ROOT, "..", "shared", "data", "tsad")
SIZES = (10000, 100000)
W = 100


def series(n):
    rng = np.random.default_rng(n)
    t = np.arange(n)
    return np.sin(2 * np.pi * t / 97) + 0.3 * np.cumsum(rng.standard_normal(n)) / np.sqrt(n) + 0.1 * rng.standard_normal(n)


def mass_first_row(x, w):
    """Sliding dot products of the first window with every window, by FFT."""
    n = len(x)
    size = 1 << (2 * n - 1).bit_length()
    q = x[:w][::-1]
    prod = np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(q, size), size)
    return prod[w - 1:n]


def numpy_discord(x, w):
    """The matrix profile by STOMP in numpy; returns (index, distance) of the top discord."""
    n = len(x)
    m = n - w + 1
    excl = -(-w // 4)
    cs = np.concatenate([[0.0], np.cumsum(x)])
    cs2 = np.concatenate([[0.0], np.cumsum(x * x)])
    mu = (cs[w:] - cs[:-w]) / w
    sig = np.sqrt(np.maximum((cs2[w:] - cs2[:-w]) / w - mu * mu, 0.0))
    sig[sig < 1e-12] = np.inf          # constant windows: none in these series
    qt_first = mass_first_row(x, w)
    qt = qt_first.copy()
    profile = np.full(m, np.inf)
    idx = np.arange(m)
    for i in range(m):
        if i > 0:
            qt[1:] = qt[:-1] - x[i - 1] * x[:m - 1] + x[i + w - 1] * x[w:n]
            qt[0] = qt_first[i]
        d2 = 2 * w * (1 - (qt - w * mu[i] * mu) / (w * sig[i] * sig))
        lo, hi = max(0, i - excl), min(m, i + excl + 1)
        d2[lo:hi] = np.inf
        profile[i] = d2.min()
    top = int(np.argmax(profile))
    return top, math.sqrt(max(profile[top], 0.0))


def psql(sql, stdin=None):
    r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-F", ",", "-c", sql],
                       input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip())
    return r.stdout


def load(values):
    psql("DROP TABLE IF EXISTS bench_series; CREATE TABLE bench_series (i int, v float8)")
    psql("COPY bench_series FROM STDIN", stdin="".join("%d\t%r\n" % (i, float(v)) for i, v in enumerate(values)))


def ours_top(w):
    t0 = time.time()
    out = psql("SELECT start_index, distance FROM unnest((SELECT ts_discords(array_agg(v ORDER BY i), %d, 1) FROM bench_series))" % w)
    elapsed = time.time() - t0
    a, b = out.split(",")
    return int(a) - 1, float(b), elapsed


def peer(out_path):
    res = {}
    for n in SIZES:
        x = series(n)
        t0 = time.process_time()
        top, dist = numpy_discord(x, W)
        res[str(n)] = {"seconds": time.process_time() - t0, "index": top, "distance": dist}
        print("numpy STOMP+MASS  n = %7d  w = %d: %.2f s cpu, top discord %d at %.6f" % (n, W, res[str(n)]["seconds"], top, dist))
    with open(out_path, "w") as f:
        json.dump(res, f)


def read_csv(path):
    vals, labels = [], []
    with open(path) as f:
        r = csv.reader(f)
        next(r)
        for row in r:
            vals.append(float(row[1]))
            labels.append(int(float(row[2])))
    return np.array(vals), np.array(labels)


def accuracy():
    per = {}
    with open(os.path.join(TSAD, "datasets.csv")) as f:
        rows = list(csv.DictReader(f))
    total_seconds = 0.0
    for row in rows:
        x, lab = read_csv(os.path.join(TSAD, row["test_path"]))
        n = len(x)
        w = int(round(float(row["period_size"]))) if row["period_size"] else 100
        w = min(max(w, 4), n // 2)
        load(x)
        top, dist, secs = ours_top(w)
        total_seconds += secs
        anom = np.flatnonzero(lab)
        m = n - w + 1
        # hit: an anomalous row in [start - 100, start + w - 1 + 100]
        starts = np.arange(m)
        if len(anom):
            pos = np.searchsorted(anom, starts - 100)
            hit_any = (pos < len(anom)) & (anom[np.minimum(pos, len(anom) - 1)] <= starts + w - 1 + 100)
        else:
            hit_any = np.zeros(m, dtype=bool)
        hit = bool(hit_any[top])
        c = per.setdefault(row["collection_name"], {"series": 0, "hits": 0, "chance": 0.0, "seconds": 0.0, "points": 0})
        c["series"] += 1
        c["hits"] += hit
        c["chance"] += hit_any.mean()
        c["seconds"] += secs
        c["points"] += n
        print("%-20s %-60s n = %6d w = %4d top %6d (%.3f) %s %.2f s"
              % (row["collection_name"], row["dataset_name"][:60], n, w, top, dist, "hit " if hit else "miss", secs))
    print()
    print("%-20s %6s %6s %8s %8s %9s" % ("collection", "series", "hits", "hit %", "chance %", "seconds"))
    allc = {"series": 0, "hits": 0, "chance": 0.0, "seconds": 0.0}
    for name in sorted(per):
        c = per[name]
        print("%-20s %6d %6d %7.0f%% %7.0f%% %9.1f" % (name, c["series"], c["hits"], 100.0 * c["hits"] / c["series"],
                                                       100.0 * c["chance"] / c["series"], c["seconds"]))
        for k in allc:
            allc[k] += c[k]
    print("%-20s %6d %6d %7.0f%% %7.0f%% %9.1f" % ("all", allc["series"], allc["hits"], 100.0 * allc["hits"] / allc["series"],
                                                   100.0 * allc["chance"] / allc["series"], allc["seconds"]))


def speed(peer_path):
    with open(peer_path) as f:
        res = json.load(f)
    print()
    for n in SIZES:
        x = series(n)
        load(x)
        best = None
        for _ in range(2):
            top, dist, secs = ours_top(W)
            best = secs if best is None else min(best, secs)
        p = res[str(n)]
        same = top == p["index"] and abs(dist - p["distance"]) <= 1e-6 * p["distance"]
        print("n = %7d  w = %d: ts_discords %.2f s (wall, best of 2), numpy %.2f s (cpu): ratio %.1fx; same top discord: %s (%d at %.6f)"
              % (n, W, best, p["seconds"], p["seconds"] / best, same, top, dist))


if __name__ == "__main__":
    if sys.argv[1] == "peer":
        peer(sys.argv[2])
    else:
        accuracy()
        speed(sys.argv[2])
