#!/usr/bin/env python3
"""
nab_bench.py: the Numenta Anomaly Benchmark, replayed the way a scheduled
detector runs, against the anomaly extension in a running PostgreSQL
(PGHOST/PGPORT/PGUSER/PGDATABASE; the extension must be installed there).

Protocol (per file): skip NAB's probationary rows, the first
min(floor(15%), 750); then every R rows refit ts_fit(ts, value) with DEFAULT
options on the trailing window of up to W rows, and score the next R rows
with that model (ts_detect).  Alerts: ts_alert(is_anomaly, G) over the
file's rows, i.e. the first row of each anomalous episode, none within G rows
of the previous alert.

Reports, with the NAB standard profile:
  * the fixed default threshold: the model's own band (k = 3), alerts as above;
  * the optimised threshold: the same refractory G applied to ts_score by
    nab_sweep.py over a list of thresholds (NAB's oracle choice on the data);
  * NAB's own optimiser on the raw per-row ts_score (no debouncing);
  * per file, so the weak series are visible.

    python3 test/bench/nab/nab_bench.py [--nab DIR] [--tools DIR] [--R 100] [--W 2000] [--G 300]
Run through test/bench/nab/run.sh, which installs the build and starts a
throwaway cluster.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))


def psql(sql, *extra):
    return subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", *extra, "-c", sql],
                          check=True, capture_output=True, text=True).stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nab", default=os.path.join(ROOT, "..", "shared", "data", "nab"))
    ap.add_argument("--tools", default=os.path.join(ROOT, "..", "shared", "tools"))
    ap.add_argument("--R", type=int, default=100, help="refit every R rows")
    ap.add_argument("--W", type=int, default=2000, help="trailing training window, rows")
    ap.add_argument("--G", type=int, default=150, help="refractory period of ts_alert, rows")
    ap.add_argument("--options", default=None, help="ts_fit options (jsonb); default: none")
    ap.add_argument("--out", default=None, help="keep score CSVs here")
    args = ap.parse_args()

    data_dir = os.path.join(args.nab, "data")
    labels = os.path.join(args.nab, "labels", "combined_windows.json")
    files = sorted(k for k in json.load(open(labels)) if os.path.exists(os.path.join(data_dir, k)))
    out = args.out or tempfile.mkdtemp(prefix="nab-anomaly-")

    # load every file into one table: (file, idx, ts, value)
    raw_ts = {}
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as tsv:
        for f in files:
            with open(os.path.join(data_dir, f)) as fh:
                rows = list(csv.reader(fh))[1:]
            raw_ts[f] = [r[0] for r in rows]
            for i, r in enumerate(rows):
                tsv.write(f"{f}\t{i}\t{r[0]}+00\t{r[1]}\n")
        tsv_path = tsv.name
    psql("DROP TABLE IF EXISTS nab; CREATE TABLE nab (file text, idx int, ts timestamptz, value float8, "
         "PRIMARY KEY (file, idx))")
    psql(f"\\copy nab FROM '{tsv_path}'")
    os.unlink(tsv_path)
    psql("ANALYZE nab")

    fit_call = "ts_fit(x.ts, x.value)" if args.options is None else \
        f"ts_fit(x.ts, x.value, '{args.options}'::jsonb)"
    query = f"""
      WITH files AS (
        SELECT file, count(*) AS n, least(floor(0.15 * count(*)), 750)::int AS prob FROM nab GROUP BY file),
      fits AS MATERIALIZED (
        SELECT f.file, s AS start,
               (SELECT {fit_call} FROM nab x
                 WHERE x.file = f.file AND x.idx >= s - {args.W} AND x.idx < s) AS model
          FROM files f, generate_series(f.prob, f.n - 1, {args.R}) AS s),
      scored AS (
        SELECT n.file, n.idx, d.score, d.is_anomaly
          FROM fits f JOIN nab n ON n.file = f.file AND n.idx >= f.start AND n.idx < f.start + {args.R},
               LATERAL ts_detect(f.model, n.ts, n.value) AS d)
      SELECT file, idx, score, is_anomaly,
             ts_alert(is_anomaly, {args.G}) OVER (PARTITION BY file ORDER BY idx ROWS UNBOUNDED PRECEDING)
        FROM scored ORDER BY file, idx"""
    t0 = time.time()
    res = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-F", ",", "-c", query],
                         check=True, capture_output=True, text=True).stdout
    elapsed = time.time() - t0
    scores = {f: {} for f in files}
    nrows = 0
    for line in res.splitlines():
        f, idx, score, anom, alert = line.split(",")
        scores[f][int(idx)] = (float(score), alert == "t")
        nrows += 1

    for kind in ("alerts", "raw"):
        for f in files:
            path = os.path.join(out, kind, f)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as fh:
                fh.write("timestamp,score\n")
                for i, t in enumerate(raw_ts[f]):
                    s = scores[f].get(i)
                    if kind == "alerts":
                        v = 1 if s and s[1] else 0
                    else:
                        v = s[0] if s else 0
                    fh.write(f"{t},{v}\n")

    scorer = os.path.join(args.tools, "nab_score.py")
    sweep = os.path.join(args.tools, "nab_sweep.py")
    common = ["--data", data_dir, "--labels", labels]
    print(f"NAB replay: {len(files)} files, {nrows} scored rows, R={args.R} W={args.W} G={args.G}, "
          f"options={args.options or 'default'}, {elapsed:.1f} s in PostgreSQL")
    print("== fixed default threshold (model band, k = 3), first row of each episode, refractory G")
    r = subprocess.run([sys.executable, scorer, "--scores", os.path.join(out, "alerts"), *common,
                        "--subset", "--threshold", "0.5", "--per-file"], capture_output=True, text=True)
    print(r.stdout + r.stderr)
    print(f"== optimised threshold on ts_score, refractory G={args.G} (nab_sweep.py, oracle)")
    r = subprocess.run([sys.executable, sweep, "--scores", os.path.join(out, "raw"), *common,
                        "--suppress", str(args.G),
                        "--thresholds", "0.5,0.75,1,1.25,1.5,2,2.5,3,4,5,6,8,10,15,20,30,50"],
                       capture_output=True, text=True)
    print(r.stdout + r.stderr)
    print("== NAB's optimiser on raw per-row ts_score (no debouncing, for reference)")
    r = subprocess.run([sys.executable, scorer, "--scores", os.path.join(out, "raw"), *common, "--subset"],
                       capture_output=True, text=True)
    print(r.stdout + r.stderr)
    print(f"score files in {out}")


if __name__ == "__main__":
    main()
