-- Hourly counts of events (and daily counts of messages), kept up to date by
-- telltale-rollup off the request path, so that statistics over a month read a
-- few thousand rows instead of a million. Ingest never touches these tables:
-- no counter row is locked by concurrent ingests. The whole days of a window
-- come from the daily table, its whole hours at either end from the hourly
-- ones, and the rest from events (stats_window and stats_days below).

CREATE TABLE event_counts_hourly (
	application_id bigint NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
	hour           timestamptz NOT NULL,
	level          text NOT NULL,
	count          bigint NOT NULL,
	PRIMARY KEY (application_id, hour, level)
);

CREATE TABLE message_counts_hourly (
	application_id bigint NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
	hour           timestamptz NOT NULL,
	level          text NOT NULL,
	message_md5    uuid NOT NULL,
	message        text NOT NULL,
	count          bigint NOT NULL,
	last_seen      timestamptz NOT NULL,
	PRIMARY KEY (application_id, hour, level, message_md5)
);

CREATE TABLE message_counts_daily (
	application_id bigint NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
	day            timestamptz NOT NULL,
	level          text NOT NULL,
	message_md5    uuid NOT NULL,
	message        text NOT NULL,
	count          bigint NOT NULL,
	last_seen      timestamptz NOT NULL,
	PRIMARY KEY (application_id, day, level, message_md5)
);

-- The UTC day holding t.
CREATE FUNCTION day_floor(t timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN date_bin('1 day', t, timestamptz '2000-01-01 00:00:00+00');

-- Every event received before rolled_until is counted in the tables above.
CREATE TABLE rollup_state (
	only_row     boolean PRIMARY KEY DEFAULT true CHECK (only_row),
	rolled_until timestamptz NOT NULL
);
INSERT INTO rollup_state (rolled_until) VALUES ('-infinity');

-- The hour holding t (UTC hours, whatever the session's time zone).
CREATE FUNCTION hour_floor(t timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN date_bin('1 hour', t, timestamptz '2000-01-01 00:00:00+00');

-- Counts the events received since the last run. An event's received_at is
-- the start of the transaction that inserts it, so every event received before
-- the start of the oldest transaction still running is committed (or never
-- will be): that instant is how far a run may go. Returns rolled_until, or
-- NULL when another run holds the lock.
CREATE FUNCTION rollup_events() RETURNS timestamptz
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
	  FROM events WHERE received_at >= done AND received_at < upto
	 GROUP BY 1, 2, 3
	ON CONFLICT (application_id, hour, level)
	DO UPDATE SET count = c.count + excluded.count;

	-- One pass over the new events feeds both message tables.
	WITH new_messages AS (
		SELECT application_id, hour_floor(received_at) AS hour, level,
		       md5(message)::uuid AS message_md5, min(message) AS message,
		       count(*) AS count, max(received_at) AS last_seen
		  FROM events WHERE received_at >= done AND received_at < upto
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

-- Splits a statistics window [since, until) in three: [lo, hi) is answered by
-- the hourly counts, and [since, lo) and [hi, until) by the events themselves.
-- lo is the first hour boundary at or after since. hi is rolled_until when the
-- window reaches it (the hour holding rolled_until counts exactly the events
-- before it), else the last hour boundary before until. lo = hi = since when no
-- hour fits.
CREATE FUNCTION stats_window(since timestamptz, until timestamptz,
                             OUT lo timestamptz, OUT hi timestamptz)
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN s.hi > s.lo THEN s.lo ELSE since END,
	       CASE WHEN s.hi > s.lo THEN s.hi ELSE since END
	  FROM (SELECT hour_floor(since - interval '1 microsecond') + interval '1 hour' AS lo,
	               CASE WHEN until >= r.rolled_until THEN r.rolled_until
	                    ELSE hour_floor(until) END AS hi
	          FROM rollup_state r) s
$$;

-- The whole days [dlo, dhi) inside the hourly part [lo, hi) of a window (see
-- stats_window): the days before dhi are complete, since hi is at most
-- rolled_until. dlo = dhi = hi when no whole day fits.
CREATE FUNCTION stats_days(lo timestamptz, hi timestamptz,
                           OUT dlo timestamptz, OUT dhi timestamptz)
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN s.dhi > s.dlo THEN s.dlo ELSE hi END,
	       CASE WHEN s.dhi > s.dlo THEN s.dhi ELSE hi END
	  FROM (SELECT day_floor(lo - interval '1 microsecond') + interval '1 day' AS dlo,
	               day_floor(hi) AS dhi) s
$$;
