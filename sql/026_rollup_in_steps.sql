-- The issues' counts are brought up to date a day of events at a time.
--
-- rollup_issues (sql/020) counted everything since its last run in one
-- statement: after a recount from scratch, or a rollup stopped for long, tens
-- of millions of events were one run, which outlasted telltale-rollup's
-- statement timeout (ten minutes), was cancelled, and began again, for ever.
-- A run now ends at most a day after the first event it counts: a backlog is
-- worked off in runs of bounded size, one a second, each committed.

-- The received_at of the first event received at or after t (NULL: none),
-- through each application's (application_id, received_at) index.
CREATE FUNCTION first_event_after(t timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
	SELECT min(e.received_at) FROM applications a,
	       LATERAL (SELECT received_at FROM events
	                 WHERE application_id = a.id AND received_at >= t
	                 ORDER BY received_at LIMIT 1) e
$$;

-- As sql/020 made it, with the end of a run capped.
CREATE OR REPLACE FUNCTION rollup_issues() RETURNS timestamptz
LANGUAGE plpgsql AS $$
DECLARE
	done timestamptz;
	upto timestamptz;
BEGIN
	IF NOT pg_try_advisory_xact_lock(7369733) THEN
		RETURN NULL;
	END IF;
	SELECT issues_rolled_until INTO done FROM rollup_state;
	SELECT least(now(), min(xact_start)) INTO upto FROM pg_stat_activity
	 WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid();
	IF upto <= done THEN
		RETURN done;
	END IF;
	-- least() passes over NULL: with no event left, the run goes to upto.
	upto := least(upto, first_event_after(done) + interval '1 day');
	PERFORM new_grouped_table();
	-- new_events as rollup_events reads them, with nothing added that could
	-- change their plan (a condition on issue_id chose a scan of every event).
	INSERT INTO new_grouped
	SELECT issue_id, application_id, environment, release, hour_floor(received_at), tags,
	       count(*), min(received_at), max(received_at), max(id)
	  FROM new_events(done, upto) GROUP BY 1, 2, 3, 4, 5, 6;
	DELETE FROM new_grouped WHERE issue_id IS NULL;
	PERFORM issue_add_counts();
	UPDATE rollup_state SET issues_rolled_until = upto;
	RETURN upto;
END
$$;
ALTER FUNCTION rollup_issues() SET plan_cache_mode = force_custom_plan;
