-- mv_fit method pca: a robust principal subspace scored by SPE and T^2.
-- The data: 4 points c +- 4 u1 + 0.1 n, c +- 2 u2 - 0.1 n with u1 = (1,2,2)/3,
-- u2 = (2,1,-2)/3, n = (2,-2,1)/3 orthonormal, c = (10,-5,2).  Every row is
-- in the support (n = d + 1), the covariance is diagonal in (u1, u2, n), so
-- by hand: eigenvalues (divided by n - 1) 32/3, 8/3, 0.04/3; k = 2 for 90 %
-- of the variance; the subspace is the plane through c spanned by u1, u2.
-- A point c + u1 + u2 + 3 n has SPE 9 (its squared distance to the plane) and
-- T^2 = 3/32 + 3/8; its contributions are n_j^2 = 4/9, 4/9, 1/9.
-- Limits at false_alarm_rate 0.001 (scipy): T^2 chi2(2).ppf(0.999) =
-- 13.815510557964274; SPE by Jackson-Mudholkar 0.1487632667120488.
SET extra_float_digits = 0;

CREATE FUNCTION plane_point(a float8, b float8, e float8) RETURNS float8[]
LANGUAGE sql IMMUTABLE AS $$
SELECT ARRAY[10 + a / 3 + 2 * b / 3 + 2 * e / 3,
             -5 + 2 * a / 3 + b / 3 - 2 * e / 3,
             2 + 2 * a / 3 - 2 * b / 3 + e / 3]
$$;
CREATE TABLE plane AS
SELECT i, plane_point(a, b, e) AS f
FROM (VALUES (1, 4.0, 0.0, 0.1), (2, -4.0, 0.0, 0.1), (3, 0.0, 2.0, -0.1), (4, 0.0, -2.0, -0.1)) v(i, a, b, e);
CREATE TABLE pmodel AS SELECT mv_fit(f, '{"method": "pca", "standardize": false}') AS m FROM plane;

SELECT i->>'method' AS method, i->'pca'->'components' AS k,
       round((i->'pca'->>'explained_variance')::numeric, 9) AS explained,
       (SELECT array_agg(round(e::numeric, 9)) FROM jsonb_array_elements_text(i->'pca'->'eigenvalues') e) AS eigenvalues,
       round((32.0 / 3 + 8.0 / 3) / (40.04 / 3), 9) AS explained_by_hand,
       round((i->'pca'->>'t2_threshold')::numeric, 9) AS t2_threshold,
       round((i->'pca'->>'spe_threshold')::numeric, 9) AS spe_threshold,
       i->'pca'->'components_option' AS option,
       jsonb_array_length(i->'pca'->'axes') AS axes
FROM (SELECT mv_model_info(m) AS i FROM pmodel) s;

-- off the plane by 3: SPE dominates, score sqrt(9 / 0.1487632667120488)
SELECT round(d.score::numeric, 9) AS score, round(sqrt(9 / 0.1487632667120488)::numeric, 9) AS by_hand,
       d.is_anomaly, round(d.distance::numeric, 9) AS distance,
       (SELECT array_agg(round(c::numeric, 9)) FROM unnest(d.contributions) c) AS contributions,
       round(mv_score(m, plane_point(1, 1, 3))::numeric, 9) AS mv_score
FROM pmodel, mv_detect(m, plane_point(1, 1, 3)) d;
-- in the plane, 20 along u1: T^2 = 37.5 dominates, contributions u1_j^2 = 1/9, 4/9, 4/9
SELECT round(d.score::numeric, 9) AS score, round(sqrt(37.5 / 13.815510557964274)::numeric, 9) AS by_hand,
       round(d.distance::numeric, 9) AS distance, round(sqrt(37.5)::numeric, 9) AS sqrt_t2,
       (SELECT array_agg(round(c::numeric, 9)) FROM unnest(d.contributions) c) AS contributions
FROM pmodel, mv_detect(m, plane_point(20, 0, 0)) d;
-- the training points are normal
SELECT max(mv_score(m, f)) < 1 AS training_normal FROM pmodel, plane;

-- components: a whole number, a share of variance; order independence
SELECT mv_model_info(mv_fit(f, '{"method": "pca", "components": 1}'))->'pca'->'components' AS k1,
       mv_model_info(mv_fit(f, '{"method": "pca", "components": 0.5, "standardize": false}'))->'pca'->'components' AS k_half,
       mv_model_info(mv_fit(f, '{"method": "pca", "components": 0.9999, "standardize": false}'))->'pca'->'components' AS k_capped
FROM plane;
SELECT (SELECT mv_fit(f, '{"method": "pca"}' ORDER BY i) FROM plane) =
       (SELECT mv_fit(f, '{"method": "pca"}' ORDER BY i DESC) FROM plane) AS order_independent;
-- a parallel plan (partial states serialised with the components option) gives the same bytes
CREATE TABLE pbig AS
SELECT g * 10 + i AS i, plane_point(a * (1 + g % 7) / 4, b * (1 + g % 5) / 3, e * (1 + g % 3) / 2) AS f
FROM (VALUES (1, 4.0, 0.0, 0.1), (2, -4.0, 0.0, 0.1), (3, 0.0, 2.0, -0.1), (4, 0.0, -2.0, -0.1)) v(i, a, b, e),
     generate_series(0, 2499) g;
\i sql/include/force_parallel.sql
EXPLAIN (COSTS OFF) SELECT mv_fit(f, '{"method": "pca", "components": 1}') FROM pbig;
CREATE TABLE ppar AS SELECT mv_fit(f, '{"method": "pca", "components": 1}') AS m FROM pbig;
SET max_parallel_workers_per_gather = 0;
SELECT (SELECT m FROM ppar) = (SELECT mv_fit(f, '{"method": "pca", "components": 1}') FROM pbig) AS parallel_same,
       mv_model_info((SELECT m FROM ppar))->'pca'->'components' AS k;
\i sql/include/reset_parallel.sql
SELECT get_byte(m, 16) AS payload_version, get_byte(m, 17) AS method FROM pmodel;

-- Bad input.
\set VERBOSITY default
SELECT mv_fit(f, '{"method": "pca", "components": 3}') FROM plane;
SELECT mv_fit(f, '{"method": "pca", "components": 1.5}') FROM plane;
SELECT mv_fit(f, '{"method": "pca", "components": 0}') FROM plane;
SELECT mv_fit(f, '{"method": "pca", "components": "2"}') FROM plane;
SELECT mv_fit(f, '{"method": "pca", "threshold": 3}') FROM plane;
SELECT mv_fit(f, '{"components": 2}') FROM plane;
SELECT mv_fit(ARRAY[f[1]], '{"method": "pca"}') FROM plane;
SELECT mv_score(m, '{1,2}') FROM pmodel;
SELECT mv_score(m, '{1,NaN,2}') FROM pmodel;
SELECT mv_score(substr(m, 1, length(m) - 1), '{1,2,3}') FROM pmodel;
SELECT mv_model_info(overlay(m placing '\x01'::bytea from 17 for 1)) FROM pmodel;
