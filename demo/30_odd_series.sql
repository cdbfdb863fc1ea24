-- catch22 + DBSCAN: which services behave unlike their peers?
\echo
\echo '== catch22 features per service (seven weeks), then DBSCAN on the 22-feature vectors: services unlike their peers =='
CREATE TABLE service_features AS
SELECT service, catch22(ts, requests) AS f FROM metrics GROUP BY service;

SELECT service, round(f[5]::numeric, 1) AS acf_timescale, round(f[14]::numeric, 2) AS entropy_pairs,
       f[19] AS periodicity
FROM (SELECT s.*, dbscan_outliers(f, 4.0, 5, true) OVER (ORDER BY service) AS odd
      FROM service_features s) x
WHERE odd;
