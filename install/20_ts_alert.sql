-- Alerting on episodes: one alert at the first row of each run of anomalous
-- rows, and none within a refractory period after the previous alert.

CREATE OR REPLACE FUNCTION ts_alert_step(state int8[], is_anomaly boolean, refractory integer)
RETURNS int8[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  since int8 := CASE WHEN state[1] IS NULL THEN NULL ELSE state[1] + 1 END;
  anomalous boolean := coalesce(is_anomaly, false);
  alert boolean;
BEGIN
  IF refractory IS NULL OR refractory < 0 THEN
    RAISE EXCEPTION 'ts_alert refractory must be a non-negative number of rows'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass 0 to alert at the start of every anomalous episode.';
  END IF;
  -- state: {rows since the last alert (NULL: none yet), previous row anomalous, this row alerts}
  alert := anomalous AND state[2] = 0 AND (since IS NULL OR since > refractory);
  RETURN ARRAY[CASE WHEN alert THEN 0 ELSE since END, anomalous::int, alert::int]::int8[];
END
$$;
COMMENT ON FUNCTION ts_alert_step(int8[], boolean, integer) IS
  'transition function of ts_alert: tracks the previous row and the rows since the last alert';

CREATE OR REPLACE FUNCTION ts_alert_step_default(state int8[], is_anomaly boolean)
RETURNS int8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT @extschema@.ts_alert_step(state, is_anomaly, 150) $$;
COMMENT ON FUNCTION ts_alert_step_default(int8[], boolean) IS
  'transition function of ts_alert(boolean): ts_alert_step with the default refractory period of 150 rows (chosen on the NAB corpus, see docs/time-series.md)';

CREATE OR REPLACE FUNCTION ts_alert_final(state int8[])
RETURNS boolean LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS
$$ SELECT state[3] = 1 $$;
COMMENT ON FUNCTION ts_alert_final(int8[]) IS
  'final function of ts_alert: whether the current row raises an alert';

CREATE OR REPLACE AGGREGATE ts_alert(is_anomaly boolean, refractory integer) (
  SFUNC = ts_alert_step,
  STYPE = int8[],
  FINALFUNC = ts_alert_final,
  INITCOND = '{NULL,0,0}'
);
COMMENT ON AGGREGATE ts_alert(boolean, integer) IS
  'window function use: ts_alert(is_anomaly, refractory) OVER (PARTITION BY series ORDER BY ts ROWS UNBOUNDED PRECEDING) is true on the first row of each anomalous episode, unless within refractory rows of the previous alert';

CREATE OR REPLACE AGGREGATE ts_alert(is_anomaly boolean) (
  SFUNC = ts_alert_step_default,
  STYPE = int8[],
  FINALFUNC = ts_alert_final,
  INITCOND = '{NULL,0,0}'
);
COMMENT ON AGGREGATE ts_alert(boolean) IS
  'ts_alert(is_anomaly, 150): one alert per anomalous episode with a refractory period of 150 rows';
