-- issue_events_page APP ISSUE BEFORE N: the newest N events of an issue
-- with an id below BEFORE (0: no bound), past none of its application's
-- retention; the statement behind an issue's events (src/api/issues.c).
--
-- Nothing in it bounds received_at by a constant, so no partition of events
-- can be left out when the statement is planned for its values. Such a plan
-- reads every partition's statistics and indexes: 26 ms with 99 partitions,
-- against 1.5 ms to run it. Which kind of plan the server keeps for a
-- prepared statement depends on the statistics of the day's partition; this
-- function always keeps the generic one, made once a session. The oldest
-- time the application keeps is one of its parameters: the partitions before
-- it are left out as each call starts (docs/benchmarks.md).
CREATE FUNCTION issue_events_page(app bigint, issue bigint, before bigint, n bigint)
RETURNS SETOF events LANGUAGE plpgsql STABLE ROWS 50
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
	oldest timestamptz := event_floor(app);
BEGIN
	RETURN QUERY
	SELECT * FROM events e
	 WHERE e.issue_id = issue AND e.application_id = app AND (before = 0 OR e.id < before)
	   AND e.received_at >= oldest
	 ORDER BY e.id DESC LIMIT n;
END $$;
