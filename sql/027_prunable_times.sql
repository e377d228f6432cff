-- usec_to_ts becomes IMMUTABLE, so that a statement's time bounds given as
-- microseconds prune day partitions (sql/025) when it is planned: the
-- planner folds only immutable functions of constants, and a bound it
-- cannot fold leaves every partition to plan and open (at 98 partitions,
-- about 4.5 ms a list page). The value is the same: adding microseconds to a
-- timestamp without time zone and reading it as UTC does not depend on the
-- session's time zone, as timestamptz + interval may (for days and months).
CREATE OR REPLACE FUNCTION usec_to_ts(bigint) RETURNS timestamptz
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN timezone('UTC', timestamp 'epoch' + $1 * interval '1 microsecond');
