-- mv_fit method gmm: a Gaussian mixture by EM, k chosen by BIC.
-- The data: two tight 1-D clusters {0, 0.1, 0.2} and {10, 10.1, 10.2}.  By
-- hand: k = 2, means 0.1 and 10.1, variances v = 0.02 / 3 + 1e-6 (the biased
-- variance plus reg_covar), weights 1/2.  Both components have the same
-- height, so the threshold is gaussian's: sqrt(chi2_1.ppf(0.999)) =
-- 3.2905267314918945 (scipy), and a point x near the first cluster has
-- log-likelihood log(1/2) - log(2 pi v) / 2 - (x - 0.1)^2 / (2 v) and
-- distance |x - 0.1| / sqrt(v) (the far component adds exp(-1000s)).
SET extra_float_digits = 0;

CREATE TABLE two (i int, f float8[]);
INSERT INTO two VALUES (1, '{10.1}'), (2, '{0}'), (3, '{10.2}'), (4, '{0.1}'), (5, '{10}'), (6, '{0.2}');
CREATE TABLE gmodel AS SELECT mv_fit(f, '{"method": "gmm", "standardize": false, "components": 3}') AS m FROM two;

SELECT i->>'method' AS method, i->'gmm'->'components' AS k, i->'gmm'->'min_components' AS min_k,
       i->'gmm'->'max_components' AS max_k, jsonb_array_length(i->'gmm'->'bic') AS bics,
       (SELECT array_agg(round(w::numeric, 9)) FROM jsonb_array_elements_text(i->'gmm'->'weights') w) AS weights,
       (SELECT array_agg(round((mu->>0)::numeric, 9) ORDER BY (mu->>0)::float8) FROM jsonb_array_elements(i->'gmm'->'means') mu) AS means,
       (SELECT array_agg(round((c->0->>0)::numeric, 12)) FROM jsonb_array_elements(i->'gmm'->'covariances') c) AS variances,
       round(0.02 / 3 + 1e-6, 12) AS variance_by_hand,
       i->'gmm'->'converged' AS converged, i->'gmm'->'reg_covar' AS reg_covar,
       i->'regularized' AS regularized, round((i->>'threshold')::numeric, 12) AS threshold
FROM (SELECT mv_model_info(m) AS i FROM gmodel) s;
-- BIC chose the lowest of its list
SELECT (SELECT min((b->>'bic')::float8) FROM jsonb_array_elements(i->'gmm'->'bic') b) =
       (SELECT (b->>'bic')::float8 FROM jsonb_array_elements(i->'gmm'->'bic') b WHERE (b->>'components')::int = 2) AS bic_min_at_2
FROM (SELECT mv_model_info(m) AS i FROM gmodel) s;

-- 0.5 from the first mean: distance 0.5 / sqrt(v)
SELECT round(d.score::numeric, 9) AS score,
       round((0.5 / sqrt(0.02 / 3 + 1e-6) / 3.2905267314918945)::numeric, 9) AS by_hand,
       d.is_anomaly, round(d.distance::numeric, 9) AS distance, d.contributions,
       round(mv_log_likelihood(m, '{0.6}')::numeric, 9) AS log_likelihood,
       round((ln(0.5) - ln(2 * pi() * (0.02 / 3 + 1e-6)) / 2 - 0.25 / (2 * (0.02 / 3 + 1e-6)))::numeric, 9) AS ll_by_hand
FROM gmodel, mv_detect(m, '{0.6}') d;
-- at a mean: 0; the training rows are normal; between the clusters: far out
SELECT round(mv_score(m, '{10.1}')::numeric, 6) AS at_mean,
       (SELECT max(mv_score(m, f)) < 1 FROM two) AS training_normal,
       mv_score(m, '{5}') > 10 AS between
FROM gmodel;
-- an explicit threshold is the distance at score 1
SELECT round(mv_score(mv_fit(f, '{"method": "gmm", "standardize": false, "components": 3, "threshold": 2}'), '{0.6}')::numeric, 9) AS score,
       round((0.5 / sqrt(0.02 / 3 + 1e-6) / 2)::numeric, 9) AS by_hand
FROM two;
-- fixed k: min_components = components
SELECT mv_model_info(mv_fit(f, '{"method": "gmm", "components": 1, "min_components": 1}'))->'gmm'->'components' AS k1,
       mv_model_info(mv_fit(f, '{"method": "gmm", "components": 3, "min_components": 3}'))->'gmm'->'components' AS k3
FROM two;

-- With a bound of 5 on 6 rows, BIC prefers singletons (a component of variance reg_covar
-- on one row is very likely): tiny data sets need a small bound, as with scikit-learn.
SELECT mv_model_info(mv_fit(f, '{"method": "gmm", "standardize": false}'))->'gmm'->'components' AS k_default FROM two;

-- A constant feature: regularised by reg_covar and reported; it names itself when it moves.
CREATE TABLE flat AS SELECT i, ARRAY[f[1], 5.0] AS f FROM two;
SELECT i->'regularized' AS regularized, i->'gmm'->'regularized_features' AS features,
       (SELECT array_agg((c->1->>1)::float8) FROM jsonb_array_elements(i->'gmm'->'covariances') c) AS flat_variances,
       (SELECT array_agg(round(c::numeric, 6)) FROM unnest((mv_detect(m, '{0.1, 5.5}')).contributions) c) AS contributions,
       mv_score(m, '{0.1, 5.5}') > 100 AS flagged
FROM (SELECT mv_model_info(m) AS i, m FROM (SELECT mv_fit(f, '{"method": "gmm"}') AS m FROM flat) x) s;

-- Row order and plan do not change the model bytes.
SELECT (SELECT mv_fit(f, '{"method": "gmm"}' ORDER BY i) FROM two) =
       (SELECT mv_fit(f, '{"method": "gmm"}' ORDER BY i DESC) FROM two) AS order_independent;
CREATE TABLE gbig AS
SELECT g AS i, ARRAY[(g % 3) * 8 + sin(g * 1.7), (g % 3) * 3 + cos(g * 0.9) * (1 + g % 2)] AS f
FROM generate_series(1, 6000) g;
\i sql/include/force_parallel.sql
EXPLAIN (COSTS OFF) SELECT mv_fit(f, '{"method": "gmm"}') FROM gbig;
CREATE TABLE gpar AS SELECT mv_fit(f, '{"method": "gmm"}') AS m FROM gbig;
SET max_parallel_workers_per_gather = 0;
SELECT (SELECT m FROM gpar) = (SELECT mv_fit(f, '{"method": "gmm"}') FROM gbig) AS parallel_same,
       mv_model_info((SELECT m FROM gpar))->'gmm'->'components' AS k;
\i sql/include/reset_parallel.sql
-- The two-level form: states of parts merge into mv_fit's model, byte for byte,
-- and carry the options explicitly (the defaults too).
SELECT mv_fit_merge(s) = (SELECT mv_fit(f, '{"method": "gmm", "reg_covar": 1e-4}') FROM gbig) AS two_level_same
FROM (SELECT mv_fit_state(f, '{"method": "gmm", "reg_covar": 1e-4}') AS s FROM gbig GROUP BY i % 4) x;
CREATE TABLE gstate AS SELECT mv_fit_state(f, '{"method": "gmm", "components": 5, "reg_covar": 0.000001}') AS s FROM gbig;
SELECT (SELECT mv_fit_merge(s) FROM gstate) = (SELECT mv_fit(f, '{"method": "gmm"}') FROM gbig) AS defaults_same,
       position(convert_to('{"method": "gmm", "standardize": true, "false_alarm_rate": 0.001, "components": 5, "min_components": 1, "reg_covar": 1e-06}', 'UTF8') IN s) > 0 AS options_text
FROM gstate;
SELECT get_byte(m, 16) AS payload_version, get_byte(m, 17) AS method FROM gmodel;
-- The same model frozen from payload version 3 (test/fixtures/mv_gmm_v3.hex): read as written.
SELECT i->'gmm'->'components' AS k, i->'gmm'->'iterations' AS iterations,
       round(mv_score(b, '{0.6}')::numeric, 9) AS score,
       round((0.5 / sqrt(0.02 / 3 + 1e-6) / 3.2905267314918945)::numeric, 9) AS by_hand
FROM (SELECT b, mv_model_info(b) AS i FROM (SELECT '\x414e4f4d01040000c4000000fbb480b9030300000100000006000000000000000600000000000000060000000000000000000000c3f8d2adff520a40fca9f1d24d62503f0000000000000000000000000000f03f0200000001000000030000000300000003000000010000008dedb5a0f7c6b03ea3a2423fb62ad93f89642a3e7bf6434008ae4249c6f5104058ebd0b79e292240000000000000e03f000000000000e03f2f33333333332440959999999999b93f712662248e4f7b3fa92662248e4f7b3f66666666666624409a9999999999b93f'::bytea AS b) x) s;
-- mv_log_likelihood for the other methods: gaussian's robust Gaussian density, NULL for pca
SELECT round(mv_log_likelihood(m, '{0.6}')::numeric, 9) AS gaussian_ll,
       round((-(ln(2 * pi() * (i->'covariance'->0->>0)::float8) + (0.6 - (i->'location'->>0)::float8) ^ 2
                / (i->'covariance'->0->>0)::float8) / 2)::numeric, 9) AS by_hand
FROM (SELECT m, mv_model_info(m) AS i FROM (SELECT mv_fit(f, '{"standardize": false}') AS m FROM two) x) s;
SELECT mv_log_likelihood(mv_fit(f, '{"method": "pca"}'), '{0.1, 5}') AS pca_ll FROM flat;

-- Bad input.
\set VERBOSITY default
SELECT mv_fit(f, '{"method": "gmm", "components": 0}') FROM two;
SELECT mv_fit(f, '{"method": "gmm", "components": 17}') FROM two;
SELECT mv_fit(f, '{"method": "gmm", "components": 2.5}') FROM two;
SELECT mv_fit(f, '{"method": "gmm", "components": "3"}') FROM two;
SELECT mv_fit(f, '{"method": "gmm", "components": 2, "min_components": 3}') FROM two;
SELECT mv_fit(f, '{"method": "gmm", "min_components": 0}') FROM two;
SELECT mv_fit(f, '{"method": "gmm", "reg_covar": 0}') FROM two;
SELECT mv_fit(f, '{"method": "gmm", "reg_covar": -1e-6}') FROM two;
SELECT mv_fit(f, '{"reg_covar": 1e-3}') FROM two;
SELECT mv_fit(f, '{"method": "pca", "min_components": 2}') FROM flat;
SELECT mv_fit(f, '{"method": "gmm", "threshold": 2, "false_alarm_rate": 0.01}') FROM two;
-- fewer rows than min_components, fewer distinct rows than min_components
SELECT mv_fit(f, '{"method": "gmm", "min_components": 3}') FROM two WHERE i <= 2;
SELECT mv_fit(f, '{"method": "gmm", "min_components": 3}') FROM (VALUES ('{1}'::float8[]), ('{1}'), ('{2}'), ('{2}')) v(f);
-- but a bound above the rows is only a bound: k stays within the distinct rows
SELECT mv_model_info(mv_fit(f, '{"method": "gmm", "components": 16}'))->'gmm'->'max_components' AS max_k,
       jsonb_array_length(mv_model_info(mv_fit(f, '{"method": "gmm", "components": 16}'))->'gmm'->'bic') AS tried
FROM (VALUES ('{1}'::float8[]), ('{1}'), ('{2}'), ('{2}')) v(f);
SELECT mv_fit(f, '{"method": "gmm"}') FROM (VALUES ('{1,NaN}'::float8[]), ('{2,3}')) v(f);
SELECT mv_score(m, '{1,2}') FROM gmodel;
SELECT mv_score(m, '{Infinity}') FROM gmodel;
SELECT mv_score(substr(m, 1, length(m) - 1), '{1}') FROM gmodel;
-- a gmm payload (version 3) that claims method gaussian: corrupt (the envelope's crc is fixed up)
\i sql/include/state_corruption.sql
SELECT mv_model_info(pg_temp.reseal(overlay(m placing '\x01'::bytea from 18 for 1))) FROM gmodel;
-- weights that do not sum to 1 (the first weight's top byte changed): corrupt
SELECT mv_model_info(pg_temp.reseal(overlay(m placing '\x40'::bytea from 16 + 68 + 16 + 8 + 16 + 24 + 8 for 1))) FROM gmodel;
-- mv_log_likelihood: NULL in, NULL out; a vector of the wrong length, NaN,
-- damaged bytes and a model of another kind are errors, as for mv_score
SELECT mv_log_likelihood(NULL, '{1}') IS NULL AS null_model, mv_log_likelihood(m, NULL) IS NULL AS null_features FROM gmodel;
SELECT mv_log_likelihood(m, '{1,2}') FROM gmodel;
SELECT mv_log_likelihood(m, '{NaN}') FROM gmodel;
SELECT mv_log_likelihood(substr(m, 1, length(m) - 1), '{1}') FROM gmodel;
SELECT mv_log_likelihood(ts_fit(now() + i * interval '1 hour', i::float8), '{1}') FROM generate_series(1, 20) i;
