#!/usr/bin/env python3
"""
check_sql.py: the same protocols as replay.c, in SQL (ts_fit / ts_detect) on
a running PostgreSQL with the extension (PGHOST/PGPORT), for a few series;
compares every score and flag with replay.c's CSVs.  Run by run.sh --check.

    check_sql.py DATASETS_CSV ONCE.csv SCHEDULED.csv OPTIONS_JSON SERIES...
"""
import csv
import json
import os
import subprocess
import sys
import tempfile


def psql(sql):
    return subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-F", ",", "-c", sql],
                          check=True, capture_output=True, text=True).stdout


def to_ts(t):
    # replay.c: a row number is that many seconds after 1970-01-01 00:00:00 UTC
    return t + "+00" if "-" in t else f"epoch {t}"


def main():
    datasets, once_csv, sched_csv, options = sys.argv[1:5]
    wanted = set(sys.argv[5:])
    base = os.path.dirname(os.path.abspath(datasets))
    rows = [r for r in csv.DictReader(open(datasets)) if f"{r['collection_name']}/{r['dataset_name']}" in wanted]
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as tsv:
        for r in rows:
            name = f"{r['collection_name']}/{r['dataset_name']}"
            for part, path in (("train", r["train_path"]), ("test", r["test_path"])):
                if not path:
                    continue
                with open(os.path.join(base, path)) as fh:
                    for i, rec in enumerate(list(csv.reader(fh))[1:]):
                        ts = rec[0] + "+00" if "-" in rec[0] else None
                        tsv.write(f"{name}\t{part}\t{i}\t{ts if ts else '1970-01-01 00:00:00+00'}\t"
                                  f"{0 if ts else rec[0]}\t{rec[1]}\n")
    psql("DROP TABLE IF EXISTS acc; CREATE TABLE acc (series text, part text, i int, t0 timestamptz, "
         "sec float8, value float8, PRIMARY KEY (series, part, i))")
    psql(f"\\copy acc FROM '{tsv.name}'")
    os.unlink(tsv.name)
    psql("ALTER TABLE acc ADD COLUMN ts timestamptz; UPDATE acc SET ts = t0 + sec * interval '1 second'; ANALYZE acc")
    fit = f"ts_fit(x.ts, x.value, '{options}'::jsonb)"
    once = psql(f"""
      WITH s AS (SELECT series, count(*) FILTER (WHERE part = 'test') AS n,
                        bool_or(part = 'train') AS sup FROM acc GROUP BY series),
      m AS MATERIALIZED (SELECT s.*, CASE WHEN sup THEN (SELECT {fit} FROM acc x WHERE x.series = s.series AND x.part = 'train')
                             ELSE (SELECT {fit} FROM acc x WHERE x.series = s.series AND x.part = 'test'
                                      AND x.i < floor(0.2 * s.n)) END AS model,
                        CASE WHEN sup THEN 0 ELSE floor(0.2 * s.n) END AS start FROM s)
      SELECT a.series, a.i, d.score, d.is_anomaly FROM m JOIN acc a ON a.series = m.series AND a.part = 'test'
             AND a.i >= m.start, LATERAL ts_detect(m.model, a.ts, a.value) d""")
    sched = psql(f"""
      WITH s AS (SELECT series, count(*) AS n, least(floor(0.15 * count(*)), 750)::int AS prob
                   FROM acc WHERE part = 'test' GROUP BY series),
      fits AS MATERIALIZED (
        SELECT s.series, st, (SELECT {fit} FROM acc x WHERE x.series = s.series AND x.part = 'test'
                                AND x.i >= st - 2000 AND x.i < st) AS model
          FROM s, generate_series(s.prob, s.n - 1, 100) st)
      SELECT a.series, a.i, d.score, d.is_anomaly FROM fits f JOIN acc a ON a.series = f.series
             AND a.part = 'test' AND a.i >= f.st AND a.i < f.st + 100, LATERAL ts_detect(f.model, a.ts, a.value) d""")
    worst = 0.0
    bad = 0
    for label, sql_out, path in (("once", once, once_csv), ("scheduled", sched, sched_csv)):
        ref = {(r["series"], int(r["i"])): r for r in csv.DictReader(open(path)) if r["series"] in wanted}
        seen = 0
        for line in sql_out.splitlines():
            name, i, score, flag = line.rsplit(",", 3)
            r = ref[(name, int(i))]
            seen += 1
            diff = abs(float(score) - float(r["score"])) / max(1.0, abs(float(r["score"])))
            worst = max(worst, diff)
            if diff > 1e-12 or (flag == "t") != (r["flag"] == "1"):
                bad += 1
        scored = sum(1 for r in ref.values() if r["score"] != "")
        if seen != scored:
            bad += 1
        print(f"{label}: {seen} rows scored in SQL, {scored} by replay")
    print(f"SQL against replay: {bad} differing rows, largest relative score difference {worst:.3g}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
