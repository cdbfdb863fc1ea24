
-- ---------------------------------------------------------------------------
-- DBSCAN: exact, with scikit-learn's labelling (src/core/dbscan).
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION dbscan_outliers(features float8[], eps float8, min_points int)
RETURNS boolean
AS 'MODULE_PATHNAME', 'dbscan_outliers'
LANGUAGE C IMMUTABLE STRICT WINDOW PARALLEL SAFE;

COMMENT ON FUNCTION dbscan_outliers(float8[], float8, int) IS
'Window function: true when the row is DBSCAN noise within its partition (Euclidean distance, a neighbour is within eps, min_points counts the point itself; as scikit-learn''s DBSCAN). NULL features give NULL. eps and min_points are read from the partition''s first row.';

CREATE OR REPLACE FUNCTION dbscan_outliers(features float8[], eps float8, min_points int, standardize boolean)
RETURNS boolean
AS 'MODULE_PATHNAME', 'dbscan_outliers'
LANGUAGE C IMMUTABLE STRICT WINDOW PARALLEL SAFE;

COMMENT ON FUNCTION dbscan_outliers(float8[], float8, int, boolean) IS
'Window function: as dbscan_outliers(features, eps, min_points), after scaling each feature to mean 0 and standard deviation 1 over the partition when standardize is true.';

CREATE OR REPLACE FUNCTION dbscan_cluster(features float8[], eps float8, min_points int)
RETURNS int
AS 'MODULE_PATHNAME', 'dbscan_cluster'
LANGUAGE C IMMUTABLE STRICT WINDOW PARALLEL SAFE;

COMMENT ON FUNCTION dbscan_cluster(float8[], float8, int) IS
'Window function: the row''s DBSCAN cluster within its partition, numbered from 0 in order of discovery along the window''s ORDER BY, NULL for noise and for NULL features. Labels equal scikit-learn''s DBSCAN on the same rows in the same order.';

CREATE OR REPLACE FUNCTION dbscan_cluster(features float8[], eps float8, min_points int, standardize boolean)
RETURNS int
AS 'MODULE_PATHNAME', 'dbscan_cluster'
LANGUAGE C IMMUTABLE STRICT WINDOW PARALLEL SAFE;

COMMENT ON FUNCTION dbscan_cluster(float8[], float8, int, boolean) IS
'Window function: as dbscan_cluster(features, eps, min_points), after scaling each feature to mean 0 and standard deviation 1 over the partition when standardize is true.';

CREATE OR REPLACE FUNCTION dbscan_fit_trans(internal, float8[], float8, int)
RETURNS internal
AS 'MODULE_PATHNAME', 'dbscan_fit_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION dbscan_fit_trans(internal, float8[], float8, int) IS
'Transition function of dbscan_fit: collects the feature vectors.';

CREATE OR REPLACE FUNCTION dbscan_fit_trans(internal, float8[], float8, int, boolean)
RETURNS internal
AS 'MODULE_PATHNAME', 'dbscan_fit_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION dbscan_fit_trans(internal, float8[], float8, int, boolean) IS
'Transition function of dbscan_fit with standardize: collects the feature vectors.';

CREATE OR REPLACE FUNCTION dbscan_fit_combine(internal, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'dbscan_fit_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION dbscan_fit_combine(internal, internal) IS
'Combine function of dbscan_fit: concatenates two partial states with the same parameters.';

CREATE OR REPLACE FUNCTION dbscan_fit_serial(internal)
RETURNS bytea
AS 'MODULE_PATHNAME', 'dbscan_fit_serial'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION dbscan_fit_serial(internal) IS
'Serialisation function of dbscan_fit.';

CREATE OR REPLACE FUNCTION dbscan_fit_deserial(bytea, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'dbscan_fit_deserial'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION dbscan_fit_deserial(bytea, internal) IS
'Deserialisation function of dbscan_fit; validates the state.';

CREATE OR REPLACE FUNCTION dbscan_fit_final(internal)
RETURNS bytea
AS 'MODULE_PATHNAME', 'dbscan_fit_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION dbscan_fit_final(internal) IS
'Final function of dbscan_fit: clusters the rows and encodes the core points as a model.';

CREATE OR REPLACE AGGREGATE dbscan_fit(features float8[], eps float8, min_points int) (
    SFUNC = dbscan_fit_trans,
    STYPE = internal,
    FINALFUNC = dbscan_fit_final,
    COMBINEFUNC = dbscan_fit_combine,
    SERIALFUNC = dbscan_fit_serial,
    DESERIALFUNC = dbscan_fit_deserial,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE dbscan_fit(float8[], float8, int) IS
'Clusters the rows with DBSCAN and returns a model (bytea) holding the core points and their clusters, for dbscan_score. Independent of row order: clusters are numbered in the order of the points'' coordinates.';

-- With standardize: the same state and final function (part 01).
SELECT _create_aggregate_like('dbscan_fit(float8[], float8, int)',
    'dbscan_fit(features float8[], eps float8, min_points int, standardize boolean)', 'dbscan_fit_trans', comment =>
'As dbscan_fit(features, eps, min_points), after scaling each feature to mean 0 and standard deviation 1 when standardize is true; the model keeps the scaling and dbscan_score applies it.');

CREATE OR REPLACE FUNCTION dbscan_score(model bytea, features float8[])
RETURNS int
AS 'MODULE_PATHNAME', 'dbscan_score'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION dbscan_score(bytea, float8[]) IS
'The cluster of a dbscan_fit model that a new point would join (the smallest-numbered cluster with a core point within eps), or NULL for an outlier.';
