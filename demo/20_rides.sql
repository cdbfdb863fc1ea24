-- DBSCAN over the rows of a table: which rides belong to no cluster?
\echo
\echo '== taxi rides of 2026-10-31 clustered by (distance, duration) with DBSCAN; the rides in no cluster =='
SELECT id, round(km::numeric, 1) AS km, round(minutes::numeric, 1) AS minutes
FROM (SELECT r.*, dbscan_outliers(ARRAY[km, minutes], 0.2, 20, true) OVER (ORDER BY id) AS odd
      FROM rides r) s
WHERE odd
ORDER BY id;

SELECT cluster, count(*) AS rides, round(avg(km)::numeric, 1) AS avg_km, round(avg(minutes)::numeric, 1) AS avg_minutes
FROM (SELECT r.*, dbscan_cluster(ARRAY[km, minutes], 0.2, 20, true) OVER (ORDER BY id) AS cluster
      FROM rides r) s
GROUP BY cluster ORDER BY cluster NULLS LAST;
