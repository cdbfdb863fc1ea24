-- ts_score, ts_detect, ts_forecast against the formula computed in SQL:
-- score = |value - median| / (k * sigma), band = median -+ k * sigma.

CREATE TABLE score_data AS
SELECT timestamptz '2026-02-01 00:00+00' + i * interval '5 minutes' AS ts,
       20 + (('x' || substr(md5(i::text), 1, 8))::bit(32)::int / 2147483648.0) AS value
FROM generate_series(0, 499) i;

CREATE TABLE score_model AS
SELECT ts_fit(ts, value, '{"method": "robust", "threshold": 4}') AS model FROM score_data;

CREATE TABLE score_params AS
SELECT (i->>'median')::float8 AS median, (i->>'sigma')::float8 AS sigma, (i->>'threshold')::float8 AS k
FROM (SELECT ts_model_info(model) AS i FROM score_model) s;

-- the score of every training row equals the formula
SELECT count(*) AS rows_checked,
       max(abs(ts_score(m.model, d.ts, d.value) - abs(d.value - p.median) / (p.k * p.sigma))) < 1e-12 AS formula_ok
FROM score_data d, score_model m, score_params p;

-- values at chosen distances from the median
SELECT x.dist, round(ts_score(m.model, '2026-03-01', p.median + x.dist * p.k * p.sigma)::numeric, 10) AS score,
       (ts_detect(m.model, '2026-03-01', p.median + x.dist * p.k * p.sigma)).is_anomaly
FROM score_model m, score_params p, (VALUES (-2.0), (-1.0001), (-0.5), (0.0), (0.5), (0.9999), (1.5)) x(dist)
ORDER BY x.dist;

-- ts_detect: expected, band and parts
SELECT abs(d.expected - p.median) = 0 AS expected_is_median,
       abs(d.lower - (p.median - p.k * p.sigma)) < 1e-12 AS lower_ok,
       abs(d.upper - (p.median + p.k * p.sigma)) < 1e-12 AS upper_ok,
       d.level = d.expected AS level_ok, d.seasonal
FROM score_model m, score_params p, LATERAL ts_detect(m.model, '2026-02-02', 25.0) d;

-- scoring long before or after the training range works
SELECT ts_score(model, '1990-01-01', 20.5) = ts_score(model, '2090-01-01', 20.5) AS time_invariant
FROM score_model;

-- direction "up": drops are never anomalies
SELECT ts_score(m, '2026-03-01', -1000) AS drop_score, ts_score(m, '2026-03-01', 1000) > 1 AS rise_flagged,
       (ts_detect(m, '2026-03-01', 0)).lower AS lower
FROM (SELECT ts_fit(ts, value, '{"direction": "up", "method": "robust"}') AS m FROM score_data) s;

-- ts_forecast steps by the inferred interval (5 minutes)
SELECT f.ts, f.expected = p.median AS expected_ok, abs(f.upper - f.lower - 2 * p.k * p.sigma) < 1e-12 AS width_ok
FROM score_model m, score_params p, ts_forecast(m.model, '2026-03-01 00:00+00', 3) f;
SELECT count(*) FROM score_model, ts_forecast(model, '2026-03-01', 0);
SELECT * FROM score_model, ts_forecast(model, '2026-03-01', -1);
SELECT * FROM (SELECT ts_fit('2026-01-01'::timestamptz, 1.0::float8) AS m) s, ts_forecast(s.m, '2026-03-01', 2);

-- bad scoring input
SELECT ts_score(model, '2026-03-01', 'NaN') FROM score_model;
SELECT ts_score(model, 'infinity', 1) FROM score_model;
SELECT ts_score(model, '2026-03-01', 'Infinity') AS inf_score FROM score_model;
SELECT ts_score(NULL, '2026-03-01', 1) IS NULL AS strict;

-- Rows of many series interleaved (stored time by time) against their stored,
-- toasted seasonal models: every model is decoded once and kept (the cache
-- holds all the query's models, not only the last one).  Reference: the band
-- of ts_forecast (which decodes the model afresh on every call) and the
-- documented score formula.
SELECT setseed(0.25);
CREATE TABLE inter_data AS
SELECT s, '2026-01-01'::timestamptz + i * interval '5 minutes' AS ts,
       10 * s + 5 * sin(2 * pi() * i / 288) + random() AS value
FROM generate_series(1, 40) s, generate_series(0, 288 * 4 - 1) i;
CREATE TABLE inter_models AS SELECT s, ts_fit(ts, value) AS model FROM inter_data GROUP BY s;
-- daily profiles of 288 bins: over 2 kB, stored in the toast table
SELECT count(*) AS daily_models, min(octet_length(model)) > 2304 AS large,
       (SELECT pg_relation_size(reltoastrelid) > 0 FROM pg_class WHERE relname = 'inter_models') AS toasted
FROM inter_models WHERE (ts_model_info(model)->>'period')::float8 = 86400;
CREATE TABLE inter_scores AS
SELECT d.s, d.ts + interval '4 days' AS ts, d.value + (d.s % 3) * 2 AS value,
       ts_score(m.model, d.ts + interval '4 days', d.value + (d.s % 3) * 2) AS score
FROM (SELECT * FROM inter_data ORDER BY ts, s) d JOIN inter_models m USING (s);
SELECT count(*) AS rows_scored,
       count(*) FILTER (WHERE abs(x.score - CASE WHEN x.value >= f.expected THEN (x.value - f.expected) / (f.upper - f.expected)
                                                 ELSE (f.expected - x.value) / (f.expected - f.lower) END) > 1e-9) AS differing
FROM inter_scores x JOIN inter_models m USING (s), ts_forecast(m.model, x.ts, 1) f;
DROP TABLE inter_data, inter_models, inter_scores;
