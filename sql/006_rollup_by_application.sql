-- The rollup reads the events received in [done, upto) through each
-- application's (application_id, received_at) index. A condition on
-- received_at alone has no index to use, and scanning the whole table every
-- second costs more the more events are stored. An index on received_at alone
-- would cost every ingest an extra insert; the number of applications is small.
CREATE FUNCTION new_events(done timestamptz, upto timestamptz)
RETURNS SETOF events
LANGUAGE sql STABLE AS $$
	SELECT e.* FROM applications a
	 CROSS JOIN LATERAL (SELECT * FROM events
	                      WHERE application_id = a.id
	                        AND received_at >= done AND received_at < upto) e
$$;

-- Counts the events received since the last run. An event's received_at is
-- the start of the transaction that inserts it, so every event received before
-- the start of the oldest transaction still running is committed (or never
-- will be): that instant is how far a run may go. Returns rolled_until, or
-- NULL when another run holds the lock.
CREATE OR REPLACE FUNCTION rollup_events() RETURNS timestamptz
LANGUAGE plpgsql AS $$
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

	INSERT INTO event_counts_hourly AS c (application_id, hour, level, count)
	SELECT application_id, hour_floor(received_at), level, count(*)
	  FROM new_events(done, upto)
	 GROUP BY 1, 2, 3
	ON CONFLICT (application_id, hour, level)
	DO UPDATE SET count = c.count + excluded.count;

	-- One pass over the new events feeds both message tables.
	WITH new_messages AS (
		SELECT application_id, hour_floor(received_at) AS hour, level,
		       md5(message)::uuid AS message_md5, min(message) AS message,
		       count(*) AS count, max(received_at) AS last_seen
		  FROM new_events(done, upto)
		 GROUP BY 1, 2, 3, 4
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
