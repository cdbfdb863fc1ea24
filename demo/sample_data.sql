-- Seven weeks of hourly request counts for 50 services, with daily and weekly
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
     generate_series(timestamptz '2026-09-14 00:00+00', timestamptz '2026-10-31 23:00+00', interval '1 hour') ts;

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

-- one service that behaves unlike its peers: steady noisy traffic with no daily cycle
UPDATE metrics m SET requests = round(400 + 60 * (random() - 0.5) * 2)
 WHERE service = 'svc-33';
ANALYZE metrics;

-- a day of taxi rides: city trips, airport runs, and a few odd ones (GPS glitches, a forgotten meter)
CREATE TABLE rides (id bigserial PRIMARY KEY, day date, km float8, minutes float8);
INSERT INTO rides (day, km, minutes)
SELECT '2026-10-31', km, km / speed * 60 + random() * 4
FROM (SELECT CASE WHEN g % 10 < 7 THEN 1 + random() * 6 ELSE 28 + random() * 4 END AS km,
             CASE WHEN g % 10 < 7 THEN 18 + random() * 6 ELSE 55 + random() * 10 END AS speed
      FROM generate_series(1, 20000) g) r;
INSERT INTO rides (day, km, minutes) VALUES
  ('2026-10-31', 31, 1.5),     -- 31 km in 90 seconds: a GPS glitch
  ('2026-10-31', 1.2, 140),    -- 1.2 km in over two hours: a meter left running
  ('2026-10-31', 16, 34);      -- halfway between the city and the airport
