-- anomaly: anomaly detection in SQL.
-- This script is assembled by the Makefile from install/*.sql, one file per concern.

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION anomaly" to load this file. \quit
