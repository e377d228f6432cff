-- The rollups are brought up to date a day of rows at a time.
--
-- rollup_issues (sql/020), rollup_events (sql/023) and rollup_logs (sql/007)
-- counted everything since their last run in one statement: after a recount
-- from scratch, or a rollup stopped for long, tens of millions of rows were
-- one run, which could outlast telltale-rollup's statement timeout (ten
-- minutes), be cancelled, and begin again, for ever (the issues' pass did,
-- at 20 M events). A run now ends at most a day after the first row it
-- counts: a backlog is worked off in runs of bounded size, one a second,
-- each committed. (rollup_log_minutes never goes back more than 49 hours.)

-- The received_at of the first event received at or after t (NULL: none),
-- through each application's (application_id, received_at) index.
CREATE FUNCTION first_event_after(t timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
	SELECT min(e.received_at) FROM applications a,
	       LATERAL (SELECT received_at FROM events
	                 WHERE application_id = a.id AND received_at >= t
	                 ORDER BY received_at LIMIT 1) e
$$;

-- The received_at of the first log received at or after t (NULL: none),
-- through logs_received.
CREATE FUNCTION first_log_after(t timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
	SELECT received_at FROM logs WHERE received_at >= t ORDER BY received_at LIMIT 1
$$;

-- The end of a run from done: upto, or a day after the first row of the
-- table that the run would count, when that is sooner. Only a backlog of
-- more than a day looks for that row; least() passes over a NULL (none).
CREATE FUNCTION capped(done timestamptz, upto timestamptz, tab text) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN done >= upto - interval '1 day' THEN upto
	            WHEN tab = 'events' THEN least(upto, first_event_after(done) + interval '1 day')
	            ELSE least(upto, first_log_after(done) + interval '1 day') END
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
	upto := capped(done, upto, 'events');
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

-- As sql/023 made it, with the end of a run capped.
CREATE OR REPLACE FUNCTION rollup_events() RETURNS timestamptz
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
DECLARE
	done timestamptz;
	upto timestamptz;
BEGIN
	IF NOT pg_try_advisory_xact_lock(7369731) THEN
		RETURN NULL;
	END IF;
	SELECT rolled_until INTO done FROM rollup_state;
	SELECT least(now(), min(xact_start)) INTO upto FROM pg_stat_activity
	 WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid();
	IF upto <= done THEN
		RETURN done;
	END IF;
	upto := capped(done, upto, 'events');

	-- One pass over the new events feeds the three tables.
	WITH new_messages AS (
		SELECT application_id, hour_floor(received_at) AS hour, level,
		       md5(message)::uuid AS message_md5, min(message) AS message,
		       count(*) AS count, max(received_at) AS last_seen
		  FROM new_events(done, upto)
		 GROUP BY 1, 2, 3, 4
	), counts AS (
		INSERT INTO event_counts_hourly AS c (application_id, hour, level, count)
		SELECT application_id, hour, level, sum(count) FROM new_messages GROUP BY 1, 2, 3
		ON CONFLICT (application_id, hour, level)
		DO UPDATE SET count = c.count + excluded.count
	), hourly AS (
		INSERT INTO message_counts_hourly AS c
		       (application_id, hour, level, message_md5, message, count, last_seen)
		SELECT application_id, hour, level, message_md5, message, count, last_seen
		  FROM new_messages
		ON CONFLICT (application_id, hour, level, message_md5)
		DO UPDATE SET count = c.count + excluded.count,
		              last_seen = greatest(c.last_seen, excluded.last_seen)
	)
	INSERT INTO message_counts_daily AS c
	       (application_id, day, level, message_md5, message, count, last_seen)
	SELECT application_id, day_floor(hour), level, message_md5, min(message), sum(count),
	       max(last_seen)
	  FROM new_messages GROUP BY 1, 2, 3, 4
	ON CONFLICT (application_id, day, level, message_md5)
	DO UPDATE SET count = c.count + excluded.count,
	              last_seen = greatest(c.last_seen, excluded.last_seen);

	UPDATE rollup_state SET rolled_until = upto;
	RETURN upto;
END
$$;

-- As sql/007 made it, with the end of a run capped.
CREATE OR REPLACE FUNCTION rollup_logs() RETURNS timestamptz
LANGUAGE plpgsql AS $$
DECLARE
	done timestamptz;
	upto timestamptz;
BEGIN
	IF NOT pg_try_advisory_xact_lock(7369732) THEN
		RETURN NULL;
	END IF;
	SELECT rolled_until INTO done FROM log_rollup_state;
	upto := rollup_horizon();
	IF upto <= done THEN
		RETURN done;
	END IF;
	upto := capped(done, upto, 'logs');

	-- One pass over the new logs feeds the four tables.
	WITH new_logs AS (
		SELECT service_id, hour_floor(received_at) AS hour, method,
		       coalesce(status_code, 0) AS status_code, is_error, latency_ms
		  FROM logs WHERE received_at >= done AND received_at < upto
	), new_counts AS (
		SELECT service_id, hour, method, status_code, is_error, count(*) AS count,
		       count(latency_ms) AS latency_count, coalesce(sum(latency_ms), 0) AS latency_sum
		  FROM new_logs GROUP BY 1, 2, 3, 4, 5
	), new_latencies AS (
		SELECT service_id, hour, latency_bucket(latency_ms) AS bucket, count(*) AS count
		  FROM new_logs WHERE latency_ms IS NOT NULL GROUP BY 1, 2, 3
	), counts_hourly AS (
		INSERT INTO log_counts_hourly AS c
		SELECT * FROM new_counts
		ON CONFLICT (service_id, hour, method, status_code, is_error)
		DO UPDATE SET count = c.count + excluded.count,
		              latency_count = c.latency_count + excluded.latency_count,
		              latency_sum = c.latency_sum + excluded.latency_sum
	), counts_daily AS (
		INSERT INTO log_counts_daily AS c
		SELECT service_id, day_floor(hour), method, status_code, is_error, sum(count),
		       sum(latency_count), sum(latency_sum)
		  FROM new_counts GROUP BY 1, 2, 3, 4, 5
		ON CONFLICT (service_id, day, method, status_code, is_error)
		DO UPDATE SET count = c.count + excluded.count,
		              latency_count = c.latency_count + excluded.latency_count,
		              latency_sum = c.latency_sum + excluded.latency_sum
	), latencies_hourly AS (
		INSERT INTO log_latency_hourly AS c
		SELECT * FROM new_latencies
		ON CONFLICT (service_id, hour, bucket) DO UPDATE SET count = c.count + excluded.count
	)
	INSERT INTO log_latency_daily AS c
	SELECT service_id, day_floor(hour), bucket, sum(count) FROM new_latencies GROUP BY 1, 2, 3
	ON CONFLICT (service_id, day, bucket) DO UPDATE SET count = c.count + excluded.count;

	UPDATE log_rollup_state SET rolled_until = upto;
	RETURN upto;
END
$$;
ALTER FUNCTION rollup_logs() SET plan_cache_mode = force_custom_plan;
