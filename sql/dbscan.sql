-- dbscan_outliers, dbscan_cluster, dbscan_fit, dbscan_score.
-- Expected labels were derived by hand (see the comments) and agree with
-- scikit-learn's DBSCAN (test/integration/dbscan_sklearn.py checks the same
-- kind of data against sklearn itself).
SET extra_float_digits = 0;

-- Two groups on a line, eps 1, min_points 4.  2.0 reaches only 1.0 and 3.0
-- (and itself: 3 < 4), so it is a border point of both clusters and goes to
-- the one discovered first along the window's ORDER BY.  10.0 is noise; the
-- NULL row is not clustered.
CREATE TABLE line (id int, f float8[]);
INSERT INTO line VALUES
  (1, '{2.0}'), (2, '{3.0}'), (3, '{3.2}'), (4, '{3.4}'), (5, '{3.6}'),
  (6, '{1.0}'), (7, '{0.8}'), (8, '{0.6}'), (9, '{0.4}'), (10, NULL), (11, '{10.0}');

SELECT id, f,
       dbscan_cluster(f, 1.0, 4) OVER (ORDER BY id) AS cluster,
       dbscan_outliers(f, 1.0, 4) OVER (ORDER BY id) AS outlier
FROM line ORDER BY id;

-- The reverse order discovers the 0.4-1.0 group first: the border point follows.
SELECT id, dbscan_cluster(f, 1.0, 4) OVER (ORDER BY id DESC) AS cluster
FROM line ORDER BY id;

-- min_points 1: every point is core; 2.0 links both groups into one cluster.
SELECT id, dbscan_cluster(f, 1.0, 1) OVER (ORDER BY id) AS cluster FROM line ORDER BY id;

-- Pairs at exactly eps are neighbours (3-4-5 triangles: distance exactly 5).
SELECT p, dbscan_cluster(p, 5, 2) OVER (ORDER BY p) AS at_eps,
          dbscan_cluster(p, 4.999999999, 2) OVER (ORDER BY p) AS below_eps
FROM (VALUES ('{0,0}'::float8[]), ('{3,4}'), ('{6,8}'), ('{6,13}')) v(p) ORDER BY p;

-- Partitions are clustered independently.
SELECT day, id, dbscan_cluster(ARRAY[x], 1, 2) OVER (PARTITION BY day ORDER BY id) AS cluster
FROM (VALUES (1, 1, 0.0), (1, 2, 0.5), (1, 3, 5.0), (2, 4, 5.0), (2, 5, 5.5), (2, 6, 0.0)) v(day, id, x)
ORDER BY id;

-- Standardisation: distance in km, duration in seconds.  Unscaled, seconds
-- swamp kilometres and the 9 km ride in 610 s looks normal; scaled to mean 0
-- and standard deviation 1 (the population deviation, as sklearn's
-- StandardScaler) it stands out.  Checked with StandardScaler + DBSCAN.
CREATE TABLE rides (id int, km float8, secs float8);
INSERT INTO rides VALUES (1, 1.0, 600), (2, 1.2, 640), (3, 0.9, 580), (4, 1.1, 620),
  (5, 9.0, 610), (6, 1.0, 590), (7, 1.3, 650), (8, 0.8, 570);
SELECT id,
       dbscan_outliers(ARRAY[km, secs], 60, 3) OVER (ORDER BY id) AS raw,
       dbscan_outliers(ARRAY[km, secs], 60, 3, false) OVER (ORDER BY id) AS unscaled,
       dbscan_outliers(ARRAY[km, secs], 0.8, 3, true) OVER (ORDER BY id) AS scaled
FROM rides ORDER BY id;

-- NULL parameters give NULL everywhere (the function is strict).
SELECT count(*) FILTER (WHERE c IS NULL) AS nulls
FROM (SELECT dbscan_cluster(f, NULL, 4) OVER () AS c FROM line) s;

-- Bad input.
SELECT dbscan_cluster(f, 0, 4) OVER () FROM line;
SELECT dbscan_cluster(f, -1, 4) OVER () FROM line;
SELECT dbscan_cluster(f, 'NaN', 4) OVER () FROM line;
SELECT dbscan_cluster(f, 'Infinity', 4) OVER () FROM line;
SELECT dbscan_cluster(f, 1, 0) OVER () FROM line;
SELECT dbscan_outliers(CASE WHEN id = 3 THEN '{1,2}' ELSE f END, 1, 4) OVER (ORDER BY id) FROM line;
SELECT dbscan_outliers(CASE WHEN id = 4 THEN '{NaN}' ELSE f END, 1, 4) OVER (ORDER BY id) FROM line;
SELECT dbscan_outliers(CASE WHEN id = 4 THEN '{-Infinity}' ELSE f END, 1, 4) OVER (ORDER BY id) FROM line;
SELECT dbscan_outliers(CASE WHEN id = 5 THEN '{NULL}' ELSE f END, 1, 4) OVER (ORDER BY id) FROM line;
SELECT dbscan_outliers(CASE WHEN id = 5 THEN '{}' ELSE f END, 1, 4) OVER (ORDER BY id) FROM line;
SELECT dbscan_outliers(CASE WHEN id = 5 THEN '{{1},{2}}' ELSE f END, 1, 4) OVER (ORDER BY id) FROM line;

-- A fitted model scores new points: the cluster whose core point is within
-- eps, NULL for an outlier.  The model numbers clusters in coordinate order
-- (0.4-1.0 first), whatever the row order.
CREATE TABLE m AS SELECT dbscan_fit(f, 1.0, 4) AS model FROM line;
SELECT q, dbscan_score(model, q) FROM m,
  (VALUES ('{0.0}'::float8[]), ('{1.9}'), ('{2.0}'), ('{2.5}'), ('{4.6}'), ('{4.7}'), ('{10}')) v(q) ORDER BY q;
SELECT (SELECT dbscan_fit(f, 1.0, 4 ORDER BY id) FROM line) = (SELECT dbscan_fit(f, 1.0, 4 ORDER BY id DESC) FROM line) AS order_independent;
SELECT dbscan_fit(f, 1.0, 4) IS NULL AS no_rows FROM line WHERE false;
-- A model where no point is core (min_points above the row count) flags everything.
SELECT dbscan_score((SELECT dbscan_fit(f, 1.0, 100) FROM line), '{1}') IS NULL AS outlier;

-- A model fitted with standardize applies the scaling to new points.
SELECT dbscan_score(model, ARRAY[1.05, 603]) AS near, dbscan_score(model, ARRAY[1.05, 700]) AS slow,
       dbscan_score(model, ARRAY[5.0, 603]) AS long
FROM (SELECT dbscan_fit(ARRAY[km, secs], 0.8, 3, true) AS model FROM rides WHERE id <> 5) s;

-- Model errors.
SELECT dbscan_score(model, '{1,2}') FROM m;
SELECT dbscan_score(model, '{NaN}') FROM m;
SELECT dbscan_score('\x00'::bytea, '{1}');
SELECT dbscan_score('\x414e4f4d'::bytea, '{1}');
SELECT dbscan_score(substring(model from 1 for length(model) - 1), '{1}') FROM m;
SELECT dbscan_score(overlay(model placing '\xff'::bytea from 30 for 1), '{1}') FROM m;
SELECT dbscan_score(overlay(model placing '\x09'::bytea from 5 for 1), '{1}') FROM m;
SELECT dbscan_score(overlay(model placing '\x7f'::bytea from 6 for 1), '{1}') FROM m;
-- The kind byte is outside the checksum: a valid model of another kind.
SELECT dbscan_score(overlay(model placing '\x01'::bytea from 6 for 1), '{1}') FROM m;
SELECT dbscan_score(overlay(model placing '\x01'::bytea from 7 for 1), '{1}') FROM m;
SELECT dbscan_fit(f, 1, 4 + (id > 5)::int) FROM line;
SELECT dbscan_fit(CASE WHEN id = 3 THEN '{1,2}' ELSE f END, 1, 4) FROM line;
SELECT dbscan_fit(f, 0, 4) FROM line;

-- Parallel aggregation gives the same model as a serial plan.
CREATE TABLE grid2 AS
  SELECT g AS id, ARRAY[(g % 97)::float8 / 10, (g % 89)::float8 / 10] AS f FROM generate_series(1, 20000) g;
ANALYZE grid2;
CREATE TABLE serial_model AS SELECT dbscan_fit(f, 0.15, 5) AS model FROM grid2;
\i sql/include/force_parallel.sql
EXPLAIN (COSTS OFF) SELECT dbscan_fit(f, 0.15, 5) FROM grid2;
SELECT (SELECT dbscan_fit(f, 0.15, 5) FROM grid2) = model AS same_as_serial FROM serial_model;
\i sql/include/reset_parallel.sql

-- Scoring the training points reproduces the clustering of the sorted rows.
SELECT count(*) AS disagreements
FROM (SELECT f, dbscan_cluster(f, 0.15, 5) OVER (ORDER BY f) AS c FROM grid2) s, serial_model
WHERE dbscan_score(model, f) IS DISTINCT FROM c;

DROP TABLE line, rides, m, grid2, serial_model;

-- eps whose square is not a finite double: an error, not one cluster of everything
SELECT x, dbscan_cluster(ARRAY[x], 1e155, 1) OVER (ORDER BY x) FROM (VALUES (0::float8), (1e300)) v(x);
SELECT dbscan_fit(ARRAY[x], 1e155, 1) FROM (VALUES (0::float8), (1e300)) v(x);
-- the largest eps allowed keeps 0 and 1e300 apart
SELECT x, dbscan_cluster(ARRAY[x], 1.3407807929942596e154, 1) OVER (ORDER BY x) FROM (VALUES (0::float8), (1e300)) v(x);
