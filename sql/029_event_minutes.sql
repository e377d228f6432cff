-- Per-minute counts of events, so that the edges of a statistics window cost
-- the same whatever the rows an hour. The statistics read whole days and
-- hours from the daily and hourly counts, and read the partial hours at a
-- window's two ends from events: at 28,000 events an hour (20 M over 30
-- days, one application) an edge was up to 28,000 rows, and by-level took
-- 4.71 ms where it took 2.08 ms at 1 M rows, top-messages 13.5 ms where it
-- took 3.78 (docs/benchmarks.md). The whole minutes of those partial hours
-- now come from the tables below, and only the seconds at each end (and what
-- the rollup has not reached) from events (stats_bounds): with since 43.5
-- minutes before an hour, 30 days ago, at 20 M rows, by-level went from 13.7
-- to 1.9 ms, the daily series from 17.9 to 3.3, top-messages from 31.0 to
-- 3.9 (EXPLAIN ANALYZE, median of 15, on a loaded machine).
--
-- A window's edge may be as old as the oldest event, so the minutes are kept
-- as long as the events (prune_rollups, docs/architecture.md "The rollup").

CREATE TABLE event_counts_minutely (
	application_id bigint NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
	minute         timestamptz NOT NULL,
	level          text NOT NULL,
	count          bigint NOT NULL,
	PRIMARY KEY (application_id, minute, level)
);

CREATE TABLE message_counts_minutely (
	application_id bigint NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
	minute         timestamptz NOT NULL,
	level          text NOT NULL,
	message_md5    uuid NOT NULL,
	message        text NOT NULL,
	count          bigint NOT NULL,
	last_seen      timestamptz NOT NULL,
	PRIMARY KEY (application_id, minute, level, message_md5)
);

-- The rollup's lock, held to the end of the migration: no run counts while
-- the tables are filled below, and the first run after it, with the
-- function made here, starts where the fill stopped (rolled_until). A run
-- in progress is waited for.
SELECT pg_advisory_xact_lock(7369731);

-- As sql/026 made it, counting by minute first: the hourly and daily counts
-- are sums of the minutes', in the same single pass over the new events.
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

	-- One pass over the new events feeds the five tables.
	WITH by_minute AS (
		SELECT application_id, minute_floor(received_at) AS minute, level,
		       md5(message)::uuid AS message_md5, min(message) AS message,
		       count(*) AS count, max(received_at) AS last_seen
		  FROM new_events(done, upto)
		 GROUP BY 1, 2, 3, 4
	), new_messages AS (
		SELECT application_id, hour_floor(minute) AS hour, level, message_md5,
		       min(message) AS message, sum(count) AS count, max(last_seen) AS last_seen
		  FROM by_minute
		 GROUP BY 1, 2, 3, 4
	), minute_counts AS (
		INSERT INTO event_counts_minutely AS c (application_id, minute, level, count)
		SELECT application_id, minute, level, sum(count) FROM by_minute GROUP BY 1, 2, 3
		ON CONFLICT (application_id, minute, level)
		DO UPDATE SET count = c.count + excluded.count
	), minute_messages AS (
		INSERT INTO message_counts_minutely AS c
		       (application_id, minute, level, message_md5, message, count, last_seen)
		SELECT application_id, minute, level, message_md5, message, count, last_seen
		  FROM by_minute
		ON CONFLICT (application_id, minute, level, message_md5)
		DO UPDATE SET count = c.count + excluded.count,
		              last_seen = greatest(c.last_seen, excluded.last_seen)
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

-- The events the rollup has counted so far, counted again by minute: every
-- event received before rolled_until, whatever its age (the rows past an
-- application's retention but not yet deleted too, as the hourly counts
-- hold them). The later runs count from rolled_until on, so no event is
-- counted twice. At 20 M events this takes about a minute, during which the
-- rollup waits (the statistics stay exact meanwhile: they read the events
-- past rolled_until). The rows go in in minute order, as the rollup writes
-- them, so that a window's edge reads a few pages: in the aggregate's order
-- each row of an edge was on a page of its own (4,340 pages for 4,300 rows,
-- 7 ms of top-messages).
INSERT INTO message_counts_minutely
       (application_id, minute, level, message_md5, message, count, last_seen)
SELECT application_id, minute_floor(received_at), level, md5(message)::uuid, min(message),
       count(*), max(received_at)
  FROM events WHERE received_at < (SELECT rolled_until FROM rollup_state)
 GROUP BY 1, 2, 3, 4
 ORDER BY 1, 2;

INSERT INTO event_counts_minutely (application_id, minute, level, count)
SELECT application_id, minute, level, sum(count) FROM message_counts_minutely GROUP BY 1, 2, 3
 ORDER BY 1, 2;

ANALYZE event_counts_minutely;
ANALYZE message_counts_minutely;

-- Splits a statistics window [since, until) as window_split (sql/028) does,
-- for the events' rollup: whole days and hours from the daily and hourly
-- counts, whole minutes from the minute counts, less than a minute at each
-- end (and what the rollup has not reached) from the events. A set-returning
-- SQL function, so that the planner writes its body into the statement:
-- each statistic reads a bound six times, and a function run as a function
-- was planned anew each time, about 0.2 ms a call (2.5 ms of the 7 ms
-- top-messages took).
CREATE FUNCTION stats_bounds(since timestamptz, until timestamptz)
RETURNS TABLE (mlo timestamptz, lo timestamptz, hi timestamptz, mhi timestamptz,
               dlo timestamptz, dhi timestamptz)
LANGUAGE sql STABLE AS $$
	SELECT s.* FROM rollup_state r, LATERAL window_split(since, until, r.rolled_until) s
$$;

-- The rollups are kept 400 days (the counts by route of sql/028 too), the
-- minutes of an application's events as long as its events, and those of a
-- service's logs as long as its logs: an edge older than that has no rows to
-- count.
CREATE OR REPLACE FUNCTION prune_rollups() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	t record;
	n bigint;
	total bigint := 0;
BEGIN
	FOR t IN SELECT * FROM (VALUES
		('event_counts_hourly', 'hour'), ('message_counts_hourly', 'hour'),
		('message_counts_daily', 'day'), ('issue_counts_hourly', 'hour'),
		('log_counts_hourly', 'hour'), ('log_counts_daily', 'day'),
		('log_latency_hourly', 'hour'), ('log_latency_daily', 'day'),
		('log_routes_hourly', 'hour'), ('log_routes_daily', 'day')) AS x(tab, col) LOOP
		EXECUTE format('DELETE FROM %I WHERE %I < $1', t.tab, t.col) USING now() - interval '400 days';
		GET DIAGNOSTICS n = ROW_COUNT;
		total := total + n;
	END LOOP;
	FOR t IN SELECT * FROM (VALUES
		('event_counts_minutely', 'applications', 'application_id'),
		('message_counts_minutely', 'applications', 'application_id'),
		('log_counts_minutely', 'services', 'service_id'),
		('log_latency_minutely', 'services', 'service_id')) AS x(tab, tenants, tenant) LOOP
		EXECUTE format('DELETE FROM %I m USING %I a WHERE m.%I = a.id'
		               ' AND m.minute < now() - make_interval(days => a.retention_days)',
		               t.tab, t.tenants, t.tenant);
		GET DIAGNOSTICS n = ROW_COUNT;
		total := total + n;
	END LOOP;
	RETURN total;
END $$;
