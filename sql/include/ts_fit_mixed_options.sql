-- sql/include/ts_fit_mixed_options.sql: read by parallel.sql in a serial plan
-- and again in a parallel one.  Options are compared by content, and NULL
-- options do not mix with options given, whatever rows each worker sees
-- (terse: the error may come from a worker or from the leader).
\set VERBOSITY terse
SELECT ts_fit(ts, value, ('{"threshold": ' || (3 + (value > 50)::int) || '}')::jsonb) FROM par_data WHERE series = 0;
SELECT ts_fit(ts, value, CASE WHEN value > 50 THEN '{"threshold": 5}'::jsonb END) FROM par_data WHERE series = 0;
SELECT ts_fit(ts, value, CASE WHEN value <= 50 THEN '{"threshold": 5}'::jsonb END) FROM par_data WHERE series = 0;
\set VERBOSITY default
SELECT ts_fit(ts, value, NULL::jsonb) = ts_fit(ts, value) AS null_options_are_defaults,
       ts_fit(ts, value, ('{"threshold": ' || 5 || '}')::jsonb) = ts_fit(ts, value, '{"threshold": 5}') AS same_options
FROM par_data WHERE series = 0;
