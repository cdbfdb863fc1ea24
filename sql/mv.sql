-- mv_fit, mv_score, mv_detect, mv_model_info: the multivariate model.
-- Distances are checked against the Mahalanobis distance computed here in
-- SQL from the location and covariance that mv_model_info reports (the
-- explicit inverse of a 2 x 2 or the solution of a 3 x 3 by Cramer's rule),
-- so the C scoring path is compared with an independent computation.
-- test/integration/mv_sklearn.py compares the estimates with scikit-learn.
SET extra_float_digits = 0;

-- Host metrics: memory and latency follow CPU.  CPU
-- 90 % with memory 30 % is inside the range of each metric alone, and far
-- outside their joint behaviour.
CREATE TABLE host AS
SELECT i,
       ARRAY[cpu, cpu * 0.95 + 3 * sin(i * 12.9898),
             50 + 0.5 * cpu + cos(i * 78.233)]::float8[] AS f
FROM (SELECT i, 20 + 70 * ((i * 0.6180339887498949) - floor(i * 0.6180339887498949)) AS cpu
      FROM generate_series(1, 500) i) s;

SELECT min(f[1]) < 90 AND max(f[1]) > 89 AS cpu_90_seen,
       min(f[2]) < 30 AND max(f[2]) > 30 AS mem_30_seen,
       min(f[3]) < 95 AND max(f[3]) > 95 AS latency_95_seen
FROM host;

CREATE TABLE models AS SELECT mv_fit(f) AS m FROM host;

SELECT (mv_detect(m, '{90, 85, 95}')).is_anomaly AS cpu90_mem85,
       (mv_detect(m, '{90, 30, 95}')).is_anomaly AS cpu90_mem30,
       mv_score(m, '{90, 30, 95}') > 5 AS far_out
FROM models;

-- The contributions say memory, not CPU or latency, and sum to 1: fixing
-- memory alone (to what CPU and latency predict) would make the vector normal;
-- fixing CPU alone would leave latency at odds with it.
SELECT round(c[1]::numeric, 2) AS cpu, round(c[2]::numeric, 2) AS memory, round(c[3]::numeric, 2) AS latency,
       c[2] > c[1] AND c[2] > c[3] AS memory_largest, abs(c[1] + c[2] + c[3] - 1) < 1e-12 AS sums_to_1
FROM (SELECT (mv_detect(m, '{90, 30, 95}')).contributions AS c FROM models) s;

-- The score is the distance over the threshold; the default threshold is
-- sqrt(chi2_3.ppf(0.999)) = sqrt(16.26623619623813) (scipy).
SELECT round((mv_model_info(m)->>'threshold')::numeric, 12) = round(sqrt(16.26623619623813)::numeric, 12) AS default_threshold,
       abs(d.score * (mv_model_info(m)->>'threshold')::float8 - d.distance) < 1e-12 AS score_is_ratio
FROM models, mv_detect(m, '{60, 50, 80}') d;

-- The distance against the Mahalanobis distance from mv_model_info's estimate,
-- computed here by Cramer's rule.
CREATE FUNCTION mahalanobis3(info jsonb, x float8[]) RETURNS float8 LANGUAGE sql AS $$
  WITH e AS (
    SELECT x[1] - (info->'location'->>0)::float8 AS u1,
           x[2] - (info->'location'->>1)::float8 AS u2,
           x[3] - (info->'location'->>2)::float8 AS u3,
           (info->'covariance'->0->>0)::float8 AS a, (info->'covariance'->0->>1)::float8 AS b,
           (info->'covariance'->0->>2)::float8 AS c, (info->'covariance'->1->>1)::float8 AS d,
           (info->'covariance'->1->>2)::float8 AS e, (info->'covariance'->2->>2)::float8 AS f
  ), det AS (
    SELECT *, a * (d * f - e * e) - b * (b * f - c * e) + c * (b * e - c * d) AS dt FROM e
  ), w AS (
    -- w = S^-1 u by Cramer's rule
    SELECT u1, u2, u3,
           (u1 * (d * f - e * e) - b * (u2 * f - e * u3) + c * (u2 * e - d * u3)) / dt AS w1,
           (a * (u2 * f - e * u3) - u1 * (b * f - c * e) + c * (b * u3 - c * u2)) / dt AS w2,
           (a * (d * u3 - u2 * e) - b * (b * u3 - u2 * c) + u1 * (b * e - c * d)) / dt AS w3
    FROM det
  )
  SELECT sqrt(u1 * w1 + u2 * w2 + u3 * w3) FROM w
$$;

SELECT x, abs((mv_detect(m, x)).distance - mahalanobis3(mv_model_info(m), x))
          < 1e-9 * mahalanobis3(mv_model_info(m), x) AS distance_matches
FROM models, (VALUES ('{90, 30, 95}'::float8[]), ('{60, 50, 80}'), ('{25, 20, 60}')) v(x);

-- Independent of row order and of parallel plans: the same bytes.
SELECT (SELECT mv_fit(f ORDER BY i) FROM host) = (SELECT mv_fit(f ORDER BY i DESC) FROM host) AS order_independent,
       (SELECT mv_fit(f ORDER BY f[3], i) FROM host) = (SELECT m FROM models) AS same_as_unordered;

CREATE TABLE big AS SELECT i, f FROM host, generate_series(0, 19) j;
\i sql/include/force_parallel.sql
EXPLAIN (COSTS OFF) SELECT mv_fit(f) FROM big;
CREATE TABLE par AS SELECT mv_fit(f) AS m FROM big;
SET max_parallel_workers_per_gather = 0;
SELECT (SELECT m FROM par) = (SELECT mv_fit(f) FROM big) AS parallel_same;
\i sql/include/reset_parallel.sql

-- Groups: one model per host; rows with NULL features are left out.
SELECT g, mv_model_info(mv_fit(f))->'rows' AS rows
FROM (SELECT i % 2 AS g, CASE WHEN i % 10 = 0 THEN NULL ELSE f END AS f FROM host) s
GROUP BY g ORDER BY g;

-- Options: threshold (score = distance / threshold), false_alarm_rate, standardize.
SELECT abs(d.score - d.distance / 2.5) < 1e-15 AS threshold_used,
       mv_model_info(m2)->'false_alarm_rate' AS far
FROM (SELECT mv_fit(f, '{"threshold": 2.5}') AS m2 FROM host) s, mv_detect(m2, '{60, 50, 80}') d;
SELECT round((mv_model_info(mv_fit(f, '{"false_alarm_rate": 0.01, "method": "gaussian"}'))->>'threshold')::numeric, 12)
       = round(sqrt(11.344866730144373)::numeric, 12) AS threshold_from_rate	-- chi2_3.ppf(0.99)
FROM host;
-- standardize only rescales: the distances are the same up to rounding
SELECT abs(mv_score(a, '{90, 30, 95}') / mv_score(b, '{90, 30, 95}') - 1) < 1e-9 AS affine_invariant
FROM (SELECT mv_fit(f) AS a, mv_fit(f, '{"standardize": false}') AS b FROM host) s;
SELECT mv_model_info(mv_fit(f, '{"standardize": false}')) ? 'scale' AS has_scale FROM host;
SELECT mv_fit(f, NULL) = mv_fit(f) AS null_options_default FROM host;

-- mv_model_info on a small exact case: 4 rows of 2 features, h = ceil(7/2) = 4
-- = all rows, so the location is the mean (2.5, 5) in raw units.
SELECT i->'kind' AS kind, i->'method' AS method, i->'dimensions' AS dims, i->'rows' AS rows,
       i->'support' AS support, i->'regularized' AS regularized, i->'location' AS location
FROM (SELECT mv_model_info(mv_fit(f, '{"standardize": false}')) AS i
      FROM (VALUES ('{1,4}'::float8[]), ('{2,6}'), ('{3,4}'), ('{4,6}')) v(f)) s;

-- The same model frozen from payload version 1 (test/fixtures/mv_gaussian_v1.hex).
-- By hand: all 4 rows are the support; the covariance is [[1.25, 0.5], [0.5, 1]]
-- (population), every row has d^2 = 2, so the consistency correction (median
-- 2 / chi2_2.ppf(0.5)) keeps every row and the estimate stays as it is.  (4, 6)
-- is at u = (1.5, 1): d^2 = 2, score sqrt(2) / sqrt(-2 ln 0.001) = 0.380476;
-- w = S^-1 u = (1, 0.5), (S^-1)_kk = (1, 1.25): shares 1 / 1.2 and 0.2 / 1.2.
SELECT i->'covariance' AS covariance, i->'location' AS location, i->'support' AS support,
       i->'reweighted' AS reweighted
FROM mv_model_info('\x414e4f4d01040000b40000002383220a010100000200000004000000000000000400000000000000040000000000000000000000261857b341bc0d40fca9f1d24d62503f00000000000000000000000000000000000000000000f03f000000000000f03f00000000000004400000000000001440000000000000f43f000000000000e03f000000000000e03f000000000000f03f00000000000004400000000000001440000000000000f43f000000000000e03f000000000000e03f000000000000f03f'::bytea) i;
SELECT round(d.distance::numeric, 12) = round(sqrt(2)::numeric, 12) AS distance_sqrt2,
       round(d.score::numeric, 12) = round((sqrt(2) / sqrt(-2 * ln(0.001)))::numeric, 12) AS score,
       round(d.contributions[1]::numeric, 12) = round(1 / 1.2, 12) AS share_x,
       round(d.contributions[2]::numeric, 12) = round(0.2 / 1.2, 12) AS share_y,
       d.is_anomaly
FROM mv_detect('\x414e4f4d01040000b40000002383220a010100000200000004000000000000000400000000000000040000000000000000000000261857b341bc0d40fca9f1d24d62503f00000000000000000000000000000000000000000000f03f000000000000f03f00000000000004400000000000001440000000000000f43f000000000000e03f000000000000e03f000000000000f03f00000000000004400000000000001440000000000000f43f000000000000e03f000000000000e03f000000000000f03f'::bytea, '{4, 6}') d;
SELECT mv_fit(f, '{"standardize": false}') = '\x414e4f4d01040000b40000002383220a010100000200000004000000000000000400000000000000040000000000000000000000261857b341bc0d40fca9f1d24d62503f00000000000000000000000000000000000000000000f03f000000000000f03f00000000000004400000000000001440000000000000f43f000000000000e03f000000000000e03f000000000000f03f00000000000004400000000000001440000000000000f43f000000000000e03f000000000000e03f000000000000f03f'::bytea AS same_bytes_as_frozen
FROM (VALUES ('{1,4}'::float8[]), ('{2,6}'), ('{3,4}'), ('{4,6}')) v(f);

-- A constant feature: the covariance is regularised and says so; a change
-- of the constant feature is far out, never a division by zero.
SELECT i->'regularized' AS regularized, i->'floored_eigenvalues' AS floored
FROM (SELECT mv_model_info(mv_fit(ARRAY[f[1], 7.0])) AS i FROM host) s;
SELECT mv_score(m, '{50, 7}') < 1 AS constant_kept, mv_score(m, '{50, 7.5}') > 100 AS constant_changed
FROM (SELECT mv_fit(ARRAY[f[1], 7.0]) AS m FROM host) s;
-- Fewer rows than dimensions + 1: regularised too.
SELECT mv_model_info(mv_fit(f))->'regularized' AS regularized FROM (VALUES ('{1,2,3}'::float8[]), ('{2,3,5}')) v(f);

-- 64 dimensions (the bound is 1024), on well-conditioned data (uniform on
-- [0, 1) by a modular recurrence; condition number of the covariance 5.9):
-- the centre of the cube is normal (sample Mahalanobis distance 0.98 by
-- numpy, threshold 10.2), a point 10 from the mean in one coordinate
-- (35 standard deviations) is not.  Nearly singular data would make the
-- first answer depend on the last bits of OpenBLAS's CPU-specific kernels.
SELECT mv_model_info(m)->'dimensions' AS dims, mv_score(m, array_fill(0.5::float8, ARRAY[64])) < 1 AS centre_normal,
       mv_score(m, 10.5::float8 || array_fill(0.5::float8, ARRAY[63])) > 1 AS far_out
FROM (SELECT mv_fit(ARRAY(SELECT ((i * 7919 + k * 104729 + i * k * 31) % 1009) / 1009.0 FROM generate_series(1, 64) k)) AS m
      FROM generate_series(1, 300) i) s;

-- No rows, all rows NULL: NULL.  NULL arguments of the scoring functions: NULL.
SELECT mv_fit(f) IS NULL AS no_rows FROM host WHERE false;
SELECT mv_fit(NULL::float8[]) IS NULL AS null_rows FROM generate_series(1, 3);
SELECT mv_score(NULL, '{1,2,3}') IS NULL AS null_model, mv_score(m, NULL) IS NULL AS null_features,
       mv_detect(m, NULL) IS NULL AS null_detect, mv_model_info(NULL) IS NULL AS null_info
FROM models;

-- Bad input.
\set VERBOSITY default
SELECT mv_fit(f) FROM (VALUES ('{1,2}'::float8[]), ('{1,2,3}')) v(f);
SELECT mv_fit(f) FROM (VALUES ('{1,2}'::float8[]), ('{1,NULL}')) v(f);
SELECT mv_fit(f) FROM (VALUES ('{1,2}'::float8[]), ('{1,NaN}')) v(f);
SELECT mv_fit(f) FROM (VALUES ('{1,2}'::float8[]), ('{Infinity,1}')) v(f);
SELECT mv_fit(f) FROM (VALUES ('{1,2}'::float8[])) v(f);
SELECT mv_fit(f) FROM (VALUES ('{}'::float8[]), ('{}')) v(f);
SELECT mv_fit(f) FROM (VALUES ('{{1,2},{3,4}}'::float8[]), ('{{1,2},{3,5}}')) v(f);
SELECT mv_fit(array_fill(1.0::float8, ARRAY[1025])) FROM generate_series(1, 2);
SELECT mv_fit(array_fill(1.0::float8, ARRAY[5000])) FROM generate_series(1, 2);
SELECT mv_fit(f, '{"method": "kmeans"}') FROM host;
SELECT mv_fit(f, '{"treshold": 3}') FROM host;
SELECT mv_fit(f, '{"threshold": -1}') FROM host;
SELECT mv_fit(f, '{"threshold": "3"}') FROM host;
SELECT mv_fit(f, '{"false_alarm_rate": 0.7}') FROM host;
SELECT mv_fit(f, '{"threshold": 3, "false_alarm_rate": 0.01}') FROM host;
SELECT mv_fit(f, '{"standardize": 1}') FROM host;
SELECT mv_fit(f, '[1, 2]') FROM host;
SELECT mv_fit(f, CASE WHEN i = 7 THEN '{"threshold": 4}' ELSE '{"threshold": 3}' END::jsonb) FROM host;
SELECT mv_score(m, '{1,2}') FROM models;
SELECT mv_score(m, '{1,2,NaN}') FROM models;
SELECT mv_score(m, '{1,NULL,3}') FROM models;
SELECT mv_score(m, '{}') FROM models;
SELECT mv_detect(m, '{{1,2,3}}') FROM models;
-- a model of another kind, and bytes that are not a model
SELECT mv_score(ts_fit(t, v), '{1}')
FROM (VALUES ('2026-01-01'::timestamptz, 1.0::float8), ('2026-01-02', 2.0), ('2026-01-03', 1.5)) v(t, v);
SELECT mv_model_info(dbscan_fit(f, 1.0, 2)) FROM host;
SELECT mv_score('\x00'::bytea, '{1,2,3}');
SELECT mv_score(substr(m, 1, length(m) - 1), '{1,2,3}') FROM models;
SELECT mv_model_info(overlay(m placing '\xff'::bytea from 40 for 1)) FROM models;
