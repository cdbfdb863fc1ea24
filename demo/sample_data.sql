-- A month of hourly request counts for 50 services, with daily and weekly
-- cycles, noise, and a few incidents injected into the last week.
SELECT setseed(0.42);

CREATE TABLE metrics AS
SELECT format('svc-%s', lpad(s::text, 2, '0')) AS service,
       ts,
       round((100 + 20 * s)                                        -- each service has its own level
             * (1 + 0.6 * sin(2 * pi() * (extract(hour FROM ts) - 8) / 24))   -- daily cycle, peak mid-afternoon
             * CASE WHEN extract(isodow FROM ts) >= 6 THEN 0.55 ELSE 1 END   -- quiet weekends
             * (1 + 0.05 * (random() - 0.5) * 2))::float8 AS requests          -- +-5% noise
FROM generate_series(1, 50) s,
     generate_series(timestamptz '2026-10-01 00:00+00', timestamptz '2026-10-31 23:00+00', interval '1 hour') ts;

-- incidents in the last week: a traffic spike, an outage, a slow leak of traffic
UPDATE metrics SET requests = requests * 3.5
 WHERE service = 'svc-07' AND ts BETWEEN '2026-10-27 14:00+00' AND '2026-10-27 16:00+00';
UPDATE metrics SET requests = round(requests * 0.05)
 WHERE service = 'svc-15' AND ts BETWEEN '2026-10-29 03:00+00' AND '2026-10-29 05:00+00';
UPDATE metrics SET requests = requests * 4
 WHERE service = 'svc-23' AND ts = '2026-10-30 22:00+00';
UPDATE metrics SET requests = requests * 0.1
 WHERE service = 'svc-41' AND ts BETWEEN '2026-10-26 09:00+00' AND '2026-10-26 12:00+00';
CREATE INDEX ON metrics (service, ts);
ANALYZE metrics;
