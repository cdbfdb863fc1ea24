
-- ---------------------------------------------------------------------------
-- Multivariate models: the joint behaviour of several metrics (src/core/mv);
-- the type mv_detection is created in part 05.
-- ---------------------------------------------------------------------------

COMMENT ON TYPE mv_detection IS
  'result of mv_detect: score (0 at the centre, 1 at the edge of normal), flag (score > 1), distance (robust Mahalanobis; for gmm sqrt(2 (peak - log-likelihood)); score = distance / threshold), and each feature''s share of the squared distance (they sum to 1)';

CREATE OR REPLACE FUNCTION mv_fit_trans(internal, float8[])
RETURNS internal
AS 'MODULE_PATHNAME', 'mv_fit_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION mv_fit_trans(internal, float8[]) IS
'Transition function of mv_fit: collects the feature vectors.';

CREATE OR REPLACE FUNCTION mv_fit_trans(internal, float8[], jsonb)
RETURNS internal
AS 'MODULE_PATHNAME', 'mv_fit_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION mv_fit_trans(internal, float8[], jsonb) IS
'Transition function of mv_fit with options: collects the feature vectors.';

CREATE OR REPLACE FUNCTION mv_fit_combine(internal, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'mv_fit_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION mv_fit_combine(internal, internal) IS
'Combine function of mv_fit: concatenates two partial states with the same options.';

CREATE OR REPLACE FUNCTION mv_fit_serial(internal)
RETURNS bytea
AS 'MODULE_PATHNAME', 'mv_fit_serial'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION mv_fit_serial(internal) IS
'Serialisation function of mv_fit.';

CREATE OR REPLACE FUNCTION mv_fit_deserial(bytea, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'mv_fit_deserial'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION mv_fit_deserial(bytea, internal) IS
'Deserialisation function of mv_fit; validates the state.';

CREATE OR REPLACE FUNCTION mv_fit_final(internal)
RETURNS bytea
AS 'MODULE_PATHNAME', 'mv_fit_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION mv_fit_final(internal) IS
'Final function of mv_fit: fits the robust location and covariance and encodes the model.';

CREATE OR REPLACE AGGREGATE mv_fit(features float8[]) (
    SFUNC = mv_fit_trans,
    STYPE = internal,
    FINALFUNC = mv_fit_final,
    COMBINEFUNC = mv_fit_combine,
    SERIALFUNC = mv_fit_serial,
    DESERIALFUNC = mv_fit_deserial,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE mv_fit(float8[]) IS
'Fits a multivariate model (bytea) to the feature vectors of the group: robust location and covariance by FastMCD (method gaussian). Rows with NULL features are left out; NULL for no rows. Independent of row order.';

-- With options: the same state and final function (part 01).
SELECT _create_aggregate_like('mv_fit(float8[])', 'mv_fit(features float8[], options jsonb)', 'mv_fit_trans', comment =>
'As mv_fit(features), with options: method ("gaussian", "pca" or "gmm"), standardize (default true), threshold (the distance at score 1) or false_alarm_rate (default 0.001); pca: components (share of variance or count); gmm: components (the most mixture components BIC chooses among, default 5, at most 16), min_components (default 1), reg_covar (default 1e-6). NULL options are the defaults.');

CREATE OR REPLACE FUNCTION mv_score(model bytea, features float8[])
RETURNS float8
AS 'MODULE_PATHNAME', 'mv_score'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION mv_score(bytea, float8[]) IS
'Score of a feature vector under an mv_fit model: the robust Mahalanobis distance divided by the threshold (0 at the centre, 1 at the edge of normal, > 1 outside).';

CREATE OR REPLACE FUNCTION mv_detect(model bytea, features float8[])
RETURNS mv_detection
AS 'MODULE_PATHNAME', 'mv_detect'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION mv_detect(bytea, float8[]) IS
'Score, flag, distance and per-feature contributions (each feature''s share of the squared Mahalanobis distance, summing to 1) of a feature vector under an mv_fit model.';

CREATE OR REPLACE FUNCTION mv_model_info(model bytea)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'mv_model_info'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION mv_model_info(bytea) IS
'What an mv_fit model holds, as jsonb: method, dimensions, rows, support sizes, threshold, regularisation, location and covariance in the units of the features.';

CREATE OR REPLACE FUNCTION mv_log_likelihood(model bytea, features float8[])
RETURNS float8
AS 'MODULE_PATHNAME', 'mv_log_likelihood'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION mv_log_likelihood(bytea, float8[]) IS
'Log density of a feature vector under an mv_fit model, in the units of the features: the mixture''s for method gmm, the robust Gaussian''s for gaussian; NULL for pca.';
