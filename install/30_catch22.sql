
-- ---------------------------------------------------------------------------
-- catch22 / catch24 time-series features (Lubba et al., 2019)
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION catch22(series float8[]) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'catch22_array'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION catch22(float8[]) IS
	'the 22 catch22 features of a series (in array order), in the order of catch22_names(); NaN for a constant series';

CREATE OR REPLACE FUNCTION catch24(series float8[]) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'catch24_array'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION catch24(float8[]) IS
	'catch22 plus the mean and the sample standard deviation of the series, in the order of catch24_names()';

CREATE OR REPLACE FUNCTION catch22_names() RETURNS text[]
	AS 'MODULE_PATHNAME', 'catch22_names'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION catch22_names() IS 'full names of the 22 catch22 features, in output order';

CREATE OR REPLACE FUNCTION catch24_names() RETURNS text[]
	AS 'MODULE_PATHNAME', 'catch24_names'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION catch24_names() IS 'full names of the 24 catch24 features, in output order';

CREATE OR REPLACE FUNCTION catch22_short_names() RETURNS text[]
	AS 'MODULE_PATHNAME', 'catch22_short_names'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION catch22_short_names() IS 'short names of the 22 catch22 features (mode_5, ...), in output order';

CREATE OR REPLACE FUNCTION catch24_short_names() RETURNS text[]
	AS 'MODULE_PATHNAME', 'catch24_short_names'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION catch24_short_names() IS 'short names of the 24 catch24 features (mode_5, ..., mean, std), in output order';

CREATE OR REPLACE FUNCTION catch22_features(series float8[])
	RETURNS TABLE (feature int, name text, short_name text, value float8)
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	AS $$
	SELECT f.feature::int, f.name, f.short_name, f.value
	FROM unnest(@extschema@.catch22(series), @extschema@.catch22_names(), @extschema@.catch22_short_names())
		WITH ORDINALITY AS f(value, name, short_name, feature)
	$$;
COMMENT ON FUNCTION catch22_features(float8[]) IS
	'the 22 catch22 features of a series as (feature, name, short_name, value) rows, for BI tools';

CREATE OR REPLACE FUNCTION catch24_features(series float8[])
	RETURNS TABLE (feature int, name text, short_name text, value float8)
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	AS $$
	SELECT f.feature::int, f.name, f.short_name, f.value
	FROM unnest(@extschema@.catch24(series), @extschema@.catch24_names(), @extschema@.catch24_short_names())
		WITH ORDINALITY AS f(value, name, short_name, feature)
	$$;
COMMENT ON FUNCTION catch24_features(float8[]) IS
	'the 24 catch24 features of a series as (feature, name, short_name, value) rows, for BI tools';

-- Aggregates: collect (ts, value) rows, order them by ts (then value) in the final function.
-- FINALFUNC_MODIFY = READ_ONLY (the default, spelled out): the final function only reorders
-- the collected rows in place, never consumes them, so it may run again after more rows
-- arrive (window use, which PostgreSQL allows only for READ_ONLY) and catch22 and catch24
-- over the same rows may share one state.

CREATE OR REPLACE FUNCTION catch22_agg_trans(internal, timestamptz, float8) RETURNS internal
	AS 'MODULE_PATHNAME', 'catch22_agg_trans'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION catch22_agg_trans(internal, timestamptz, float8) IS
	'transition function of the catch22 and catch24 aggregates (skips rows with a NULL)';

CREATE OR REPLACE FUNCTION catch22_agg_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'catch22_agg_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION catch22_agg_combine(internal, internal) IS
	'combine function of the catch22 and catch24 aggregates';

CREATE OR REPLACE FUNCTION catch22_agg_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'catch22_agg_serialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION catch22_agg_serialize(internal) IS
	'serialize function of the catch22 and catch24 aggregates';

CREATE OR REPLACE FUNCTION catch22_agg_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'catch22_agg_deserialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION catch22_agg_deserialize(bytea, internal) IS
	'deserialize function of the catch22 and catch24 aggregates';

CREATE OR REPLACE FUNCTION catch22_agg_final(internal) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'catch22_agg_final'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION catch22_agg_final(internal) IS 'final function of the catch22 aggregate';

CREATE OR REPLACE FUNCTION catch24_agg_final(internal) RETURNS float8[]
	AS 'MODULE_PATHNAME', 'catch24_agg_final'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION catch24_agg_final(internal) IS 'final function of the catch24 aggregate';

CREATE OR REPLACE AGGREGATE catch22(ts timestamptz, value float8) (
	SFUNC = catch22_agg_trans,
	STYPE = internal,
	SSPACE = 16384,
	FINALFUNC = catch22_agg_final,
	FINALFUNC_MODIFY = READ_ONLY,
	COMBINEFUNC = catch22_agg_combine,
	SERIALFUNC = catch22_agg_serialize,
	DESERIALFUNC = catch22_agg_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE catch22(timestamptz, float8) IS
	'the 22 catch22 features of the series formed by the rows ordered by ts (no ORDER BY needed); rows with a NULL are skipped';

-- catch24 shares catch22's state (part 01): only the final function differs.
SELECT _create_aggregate_like('catch22(timestamptz, float8)', 'catch24(ts timestamptz, value float8)',
	'catch22_agg_trans', 'catch24_agg_final',
	'catch22 plus the mean and standard deviation of the rows ordered by ts; rows with a NULL are skipped');
