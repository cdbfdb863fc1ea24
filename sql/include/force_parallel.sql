-- sql/include/force_parallel.sql: plans parallel whatever the table size, with
-- the leader only gathering, so that every row reaches the aggregates through
-- the workers' states (serialized, deserialized and combined).
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
