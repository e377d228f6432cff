-- Daily message counts beside the hourly ones: top-messages over a month then
-- reads about thirty rows a message instead of seven hundred. The window's
-- whole days come from here, its whole hours at either end from the hourly
-- table, and the rest from events (stats_days below).

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

-- What the hourly table holds so far, under the rollup's lock so that no run
-- counts an event twice or not at all.
SELECT pg_advisory_xact_lock(7369731);
INSERT INTO message_counts_daily
       (application_id, day, level, message_md5, message, count, last_seen)
SELECT application_id, day_floor(hour), level, message_md5, min(message), sum(count),
       max(last_seen)
  FROM message_counts_hourly
 GROUP BY 1, 2, 3, 4;

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
