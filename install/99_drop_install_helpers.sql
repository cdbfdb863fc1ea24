
-- The helpers of part 01 served this script only.
DROP FUNCTION @extschema@._create_aggregate_like(regprocedure, text, text, text, text);
DROP FUNCTION @extschema@._guard_by_detector(regclass);
