
-- ---------------------------------------------------------------------------
-- ts_discords: the top-k discords of a series by an exact matrix-profile
-- self-join (docs/discords.md); the type ts_discord is created in part 05
-- ---------------------------------------------------------------------------

COMMENT ON TYPE ts_discord IS
	'a discord: its rank, the 1-based index and timestamp where its window starts, the z-normalised distance to its nearest non-trivial neighbour and where that starts';

CREATE OR REPLACE FUNCTION ts_discords(series float8[], "window" int, k int) RETURNS ts_discord[]
	AS 'MODULE_PATHNAME', 'ts_discords_array'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ts_discords(float8[], int, int) IS
	'the top-k non-overlapping discords of a series (array order) for windows of the given length; ts and neighbor_ts are NULL';

CREATE OR REPLACE FUNCTION ts_discords_trans(internal, timestamptz, float8, int, int) RETURNS internal
	AS 'MODULE_PATHNAME', 'ts_discords_trans'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ts_discords_trans(internal, timestamptz, float8, int, int) IS
	'transition function of the ts_discords aggregate (skips rows with a NULL)';

CREATE OR REPLACE FUNCTION ts_discords_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'ts_discords_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ts_discords_combine(internal, internal) IS 'combine function of the ts_discords aggregate';

CREATE OR REPLACE FUNCTION ts_discords_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'ts_discords_serialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ts_discords_serialize(internal) IS 'serialize function of the ts_discords aggregate';

CREATE OR REPLACE FUNCTION ts_discords_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'ts_discords_deserialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ts_discords_deserialize(bytea, internal) IS 'deserialize function of the ts_discords aggregate';

CREATE OR REPLACE FUNCTION ts_discords_final(internal) RETURNS ts_discord[]
	AS 'MODULE_PATHNAME', 'ts_discords_final'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ts_discords_final(internal) IS 'final function of the ts_discords aggregate';

-- FINALFUNC_MODIFY = READ_ONLY: the final function only reorders the collected rows in place.
CREATE OR REPLACE AGGREGATE ts_discords(ts timestamptz, value float8, "window" int, k int) (
	SFUNC = ts_discords_trans,
	STYPE = internal,
	SSPACE = 16384,
	FINALFUNC = ts_discords_final,
	FINALFUNC_MODIFY = READ_ONLY,
	COMBINEFUNC = ts_discords_combine,
	SERIALFUNC = ts_discords_serialize,
	DESERIALFUNC = ts_discords_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE ts_discords(timestamptz, float8, int, int) IS
	'the top-k non-overlapping discords of the series formed by the rows ordered by ts (no ORDER BY needed); rows with a NULL are skipped';
