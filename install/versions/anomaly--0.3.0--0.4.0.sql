-- anomaly 0.3.0 -> 0.4.0 (ALTER EXTENSION anomaly UPDATE TO '0.4.0').
-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "ALTER EXTENSION anomaly UPDATE TO '0.4.0'" to load this file. \quit

-- Every object added or changed since 0.3.0, as the install script of 0.4.0
-- defines it; upgrade.sql checks that the upgraded schema is the same as a new
-- installation's.  Each section below names the change it belongs to.

-- issue 14, band from the residuals' tail: ts_fit's options false_alarm_rate and exclude_outliers
COMMENT ON AGGREGATE @extschema@.ts_fit(timestamptz, float8, jsonb) IS
  'fits a time-series anomaly model to (ts, value) rows with options (method, period, trend, threshold, confidence, false_alarm_rate, exclude_outliers, interval, direction)';
