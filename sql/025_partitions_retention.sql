-- Events and request logs in time partitions, and how long each application
-- and service keeps them (docs/operations.md "Retention").
--
-- events and logs become tables partitioned by day on received_at (never on
-- the client's occurred_at): events_pYYYYMMDD and logs_pYYYYMMDD, UTC days,
-- made ahead of time by telltale-maintain (partitions_ensure), detached
-- CONCURRENTLY and dropped once older than the longest retention of their
-- table (partitions_expired, partition_drop). A row past its own tenant's
-- shorter retention is hidden from reads and deleted in batches
-- (retention_delete). There is no DEFAULT partition: PostgreSQL detaches
-- CONCURRENTLY only from a table without one. A row is received now, so
-- its day's partition exists as long as telltale-maintain runs; the past
-- days of the default retention are made at the start, for a row written
-- with an earlier received_at by hand (a restore, a benchmark's seed).
--
-- The tables of a populated database are not copied: each old table becomes
-- one partition, <table>_before, holding every day up to the end of the day
-- of the migration, and is dropped whole when that day leaves the longest
-- retention. The migration reads each table once (to prove the partition's
-- bound) and builds one index on it (the id index that replaces its primary
-- key); docs/operations.md "Upgrading to partitions" gives its duration.
--
-- What partitioning asks of the schema:
-- - A unique index of a partitioned table must hold the partition key, so
--   the event_id of an event is kept unique per application in event_ids, a
--   table of its own; ingest claims the event_id there first.
-- - A partitioned table cannot have an identity column (PostgreSQL 15):
--   events.id takes its values from the sequence events_id_seq, as before.
-- - Foreign keys to logs would stop a partition from going: replays and
--   alert events keep their log_id without one. A replay gains its log's
--   service_id, whose deletion takes it along; partition_drop and
--   retention_delete delete the replays of the logs they delete. An alert
--   event outlives its log, as an event of a window rule does.
-- Hourly and daily counts outlive the raw rows: prune_rollups keeps 400 days.

ALTER TABLE applications ADD COLUMN retention_days integer NOT NULL DEFAULT 90
	CHECK (retention_days BETWEEN 1 AND 3650);
ALTER TABLE services ADD COLUMN retention_days integer NOT NULL DEFAULT 30
	CHECK (retention_days BETWEEN 1 AND 3650);

-- --- event_id, unique per application across partitions --------------------

CREATE TABLE event_ids (
	application_id bigint NOT NULL,
	event_id       uuid NOT NULL,
	id             bigint NOT NULL,
	received_at    timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (application_id, event_id)
);
-- retention_delete's way to an application's expired rows.
CREATE INDEX event_ids_app_received ON event_ids (application_id, received_at);
INSERT INTO event_ids (application_id, event_id, id, received_at)
SELECT application_id, event_id, id, received_at FROM events WHERE event_id IS NOT NULL;

ALTER TABLE replays DROP CONSTRAINT replays_log_id_fkey;
-- A replay carries its service, as a log does: deleting the service deletes
-- its replays with its logs, which no longer cascade to them.
ALTER TABLE replays ADD COLUMN service_id uuid REFERENCES services (id) ON DELETE CASCADE;
UPDATE replays r SET service_id = l.service_id FROM logs l WHERE l.id = r.log_id;
ALTER TABLE replays ALTER COLUMN service_id SET NOT NULL;
ALTER TABLE alert_events DROP CONSTRAINT alert_events_log_id_fkey;

-- --- the partitioned tables ---------------------------------------------------

-- The partitions of events and logs with their bounds, from the catalog: lo
-- is -infinity for a _before partition.
-- detaching is a DETACH CONCURRENTLY that did not finish.
CREATE VIEW partition_ranges AS
SELECT i.inhparent::regclass AS parent, c.oid::regclass AS part,
       CASE WHEN b.expr LIKE 'FOR VALUES FROM (MINVALUE)%' THEN '-infinity'::timestamptz
            ELSE substring(b.expr FROM 'FROM \(''([^'']+)''\)')::timestamptz END AS lo,
       substring(b.expr FROM 'TO \(''([^'']+)''\)')::timestamptz AS hi,
       i.inhdetachpending AS detaching
  FROM pg_inherits i
  JOIN pg_class c ON c.oid = i.inhrelid,
  LATERAL (SELECT pg_get_expr(c.relpartbound, c.oid) AS expr) b
 WHERE i.inhparent IN (to_regclass('events'), to_regclass('logs'));

-- partition_table NAME: turns the table NAME into NAME partitioned by day, the
-- old table becoming its partition NAME_before (or going, when empty), with
-- no other partition yet. The old indexes serve the partitioned ones under
-- their names; its primary key becomes a plain index on id, and its unique
-- indexes go (nothing unique can span partitions without received_at).
-- Its foreign keys are the partitioned table's, made before it is attached,
-- which then finds them on it and validates nothing. Attaching it needs its
-- bound proven: a CHECK constraint, validated by one read of the table,
-- spares ATTACH a second.
CREATE FUNCTION partition_table(name text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	old text := name || '_before';
	idx record;
	bound timestamptz;
BEGIN
	EXECUTE format('ALTER TABLE %I RENAME TO %I', name, old);
	FOR idx IN SELECT c.relname, i.indisunique
	             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
	            WHERE i.indrelid = old::regclass LOOP
		IF idx.indisunique THEN
			EXECUTE format('ALTER TABLE %I DROP CONSTRAINT IF EXISTS %I', old, idx.relname);
			EXECUTE format('DROP INDEX IF EXISTS %I', idx.relname);
		ELSE
			EXECUTE format('ALTER INDEX %I RENAME TO %I', idx.relname, old || '_' || idx.relname);
		END IF;
	END LOOP;
	EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING GENERATED'
	               ' INCLUDING CONSTRAINTS) PARTITION BY RANGE (received_at)', name, old);
	FOR idx IN SELECT c.relname, pg_get_indexdef(i.indexrelid) AS def
	             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
	            WHERE i.indrelid = old::regclass LOOP
		EXECUTE replace(replace(idx.def, 'INDEX ' || idx.relname || ' ',
		                        'INDEX ' || substr(idx.relname, length(old) + 2) || ' '),
		                ' ON public.' || old || ' ', ' ON public.' || name || ' ');
	END LOOP;
	EXECUTE format('CREATE INDEX %I ON %I (id)', name || '_id', name);
	FOR idx IN SELECT conname AS relname, pg_get_constraintdef(oid) AS def
	             FROM pg_constraint WHERE conrelid = old::regclass AND contype = 'f' LOOP
		EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s', name, idx.relname, idx.def);
	END LOOP;
	EXECUTE format('SELECT max(received_at) FROM %I', old) INTO bound;
	IF bound IS NULL THEN
		EXECUTE format('DROP TABLE %I', old);
		RETURN;
	END IF;
	bound := greatest(day_floor(bound), day_floor(now())) + interval '1 day';
	EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (received_at < %L)',
	               old, old || '_bound', bound);
	EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (MINVALUE) TO (%L)',
	               name, old, bound);
	EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', old, old || '_bound');
END $$;

-- new_events (sql/006) returns rows of the events table's type, which would
-- follow the old table; it is made again below, for the partitioned one.
DROP FUNCTION new_events(timestamptz, timestamptz);

-- events.id keeps its sequence and its values; the identity goes, with
-- the sequence it owned, so a new sequence of the same name goes on where
-- it stopped.
ALTER TABLE events ALTER COLUMN id DROP IDENTITY;
CREATE SEQUENCE events_id_seq;
SELECT setval('events_id_seq', coalesce((SELECT max(id) FROM events), 0) + 1, false);
-- The alert trigger is the partitioned table's, made again below: the old
-- table's own would fire a second time for its rows.
DROP TRIGGER logs_fire_alerts ON logs;

SELECT partition_table('events');
SELECT partition_table('logs');
DROP FUNCTION partition_table(text);

ALTER TABLE events ALTER COLUMN id SET DEFAULT nextval('events_id_seq');
ALTER SEQUENCE events_id_seq OWNED BY events.id;
CREATE TRIGGER logs_fire_alerts AFTER INSERT ON logs
	FOR EACH ROW EXECUTE FUNCTION logs_fire_alerts();

-- As sql/006 made it: each application's new events through its index.
CREATE FUNCTION new_events(done timestamptz, upto timestamptz)
RETURNS SETOF events
LANGUAGE sql STABLE AS $$
	SELECT e.* FROM applications a
	 CROSS JOIN LATERAL (SELECT * FROM events
	                      WHERE application_id = a.id
	                        AND received_at >= done AND received_at < upto) e
$$;

-- As sql/020 made it, with three changes. Each item names its event's
-- received_at ("at", microseconds), so that the event is looked up in its
-- partition alone. And an event, or an application, that someone else has
-- locked is left for a later batch: deleting an application locks its row,
-- then its events partition by partition, while this locks an event, then
-- (making its issue) the application's row: waiting, each would wait for
-- the other.
CREATE OR REPLACE FUNCTION issue_group_old_events(batch json) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	b record;
	e events;
	found_id bigint;
	n integer := 0;
BEGIN
	PERFORM pg_advisory_xact_lock(7369733);
	PERFORM new_grouped_table();
	FOR b IN SELECT * FROM json_to_recordset(batch)
	           AS x(id bigint, at bigint, fp text, title text, culprit text)
	LOOP
		SELECT * INTO e FROM events
		 WHERE id = b.id AND received_at = usec_to_ts(b.at) AND issue_id IS NULL
		   AND received_at < (SELECT issues_rolled_until FROM rollup_state)
		   FOR UPDATE SKIP LOCKED;
		CONTINUE WHEN NOT FOUND;
		PERFORM FROM applications WHERE id = e.application_id FOR KEY SHARE SKIP LOCKED;
		CONTINUE WHEN NOT FOUND;
		found_id := issue_for(e.application_id, b.fp, b.title, b.culprit, e.level, e.release, false);
		-- An issue made here starts at its events' time, not now.
		UPDATE issues SET first_seen = e.received_at, last_seen = e.received_at
		 WHERE id = found_id AND count = 0 AND latest_event_id IS NULL;
		UPDATE events SET issue_id = found_id WHERE id = e.id AND received_at = e.received_at;
		e.issue_id := found_id;
		INSERT INTO new_grouped
		VALUES (found_id, e.application_id, e.environment, e.release, hour_floor(e.received_at),
		        e.tags, 1, e.received_at, e.received_at, e.id);
		n := n + 1;
	END LOOP;
	PERFORM issue_add_counts();
	RETURN n;
END
$$;

-- As sql/020 made it, but the latest event of each issue is looked up in
-- the partitions of its time only: by id alone, every partition's index is
-- read for it.
CREATE OR REPLACE FUNCTION issue_add_counts() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	WITH sums AS (
		SELECT issue_id, sum(n) AS n, min(first_at) AS first_at, max(last_at) AS last_at,
		       max(latest_id) AS latest_id,
		       array_agg(DISTINCT environment) FILTER (WHERE environment IS NOT NULL) AS envs,
		       array_agg(DISTINCT release) FILTER (WHERE release IS NOT NULL) AS rels,
		       (array_agg(release ORDER BY last_at DESC, latest_id DESC)
		          FILTER (WHERE release IS NOT NULL))[1] AS last_release
		  FROM new_grouped GROUP BY issue_id
	), latest AS (
		SELECT s.*, e.level, e.stack FROM sums s
		  JOIN events e ON e.id = s.latest_id AND e.received_at BETWEEN s.first_at AND s.last_at
	)
	UPDATE issues i SET
		count = i.count + l.n,
		first_seen = least(i.first_seen, l.first_at),
		last_seen = greatest(i.last_seen, l.last_at),
		level = CASE WHEN l.last_at >= i.last_seen THEN l.level ELSE i.level END,
		last_release = coalesce(l.last_release, i.last_release),
		environments = CASE WHEN coalesce(l.envs, '{}') <@ i.environments THEN i.environments
		                    ELSE ARRAY(SELECT DISTINCT unnest(i.environments || l.envs) ORDER BY 1) END,
		releases = CASE WHEN coalesce(l.rels, '{}') <@ i.releases THEN i.releases
		                ELSE ARRAY(SELECT DISTINCT unnest(i.releases || l.rels) ORDER BY 1) END,
		latest_event_id = CASE WHEN l.last_at >= i.last_seen OR i.latest_event_id IS NULL
		                       THEN l.latest_id ELSE i.latest_event_id END,
		exception = CASE WHEN l.last_at >= i.last_seen OR i.latest_event_id IS NULL
		                 THEN l.stack ELSE i.exception END
	  FROM latest l
	 WHERE i.id = l.issue_id;

	INSERT INTO issue_counts_hourly AS c (issue_id, hour, count)
	SELECT issue_id, hour, sum(n) FROM new_grouped GROUP BY 1, 2
	ON CONFLICT (issue_id, hour) DO UPDATE SET count = c.count + excluded.count;

	INSERT INTO releases AS r (application_id, name, first_seen)
	SELECT application_id, release, min(first_at) FROM new_grouped
	 WHERE release IS NOT NULL GROUP BY 1, 2
	ON CONFLICT (application_id, name) DO UPDATE SET first_seen = least(r.first_seen, excluded.first_seen)
	WHERE excluded.first_seen < r.first_seen;

	INSERT INTO issue_tags AS c (issue_id, name, value, count)
	SELECT issue_id, name, value, sum(n) FROM (
		SELECT g.issue_id, t.key AS name, t.value, g.n FROM new_grouped g,
		       jsonb_each_text(coalesce(g.tags, '{}')) t
		 WHERE t.key NOT IN ('environment', 'release')
		UNION ALL
		SELECT issue_id, 'environment', environment, n FROM new_grouped WHERE environment IS NOT NULL
		UNION ALL
		SELECT issue_id, 'release', release, n FROM new_grouped WHERE release IS NOT NULL
	) t GROUP BY 1, 2, 3
	ON CONFLICT (issue_id, name, value) DO UPDATE SET count = c.count + excluded.count;
	TRUNCATE new_grouped;
END
$$;

-- --- making and dropping partitions -------------------------------------------

-- partition_add PARENT DAY: the day partition [DAY, DAY + 1 day) of PARENT
-- (events or logs); false when a partition already holds some of that day.
-- The table is made apart and attached, which locks PARENT only against
-- other changes of its schema (CREATE TABLE ... PARTITION OF would stop its
-- readers and writers); its range is a constraint first, so that attaching
-- it reads no rows.
CREATE FUNCTION partition_add(parent regclass, day_start timestamptz) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
	day_end timestamptz := day_start + interval '1 day';
	part text := parent::text || '_p' || to_char(day_start AT TIME ZONE 'UTC', 'YYYYMMDD');
BEGIN
	IF EXISTS (SELECT 1 FROM partition_ranges r
	            WHERE r.parent = partition_add.parent AND r.lo < day_end AND r.hi > day_start) THEN
		RETURN false;
	END IF;
	EXECUTE format('CREATE TABLE %I (LIKE %s INCLUDING DEFAULTS INCLUDING GENERATED'
	               ' INCLUDING CONSTRAINTS)', part, parent);
	EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (received_at >= %L AND received_at < %L)',
	               part, part || '_range', day_start, day_end);
	EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
	               parent, part, day_start, day_end);
	EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', part, part || '_range');
	RETURN true;
END $$;

-- partitions_ensure SINCE UPTO: a day partition of events and of logs for
-- every UTC day from the one holding SINCE to the one holding UPTO that no
-- partition holds yet. Returns how many it made.
CREATE FUNCTION partitions_ensure(since timestamptz, upto timestamptz) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	made integer := 0;
	day timestamptz;
BEGIN
	FOR day IN SELECT generate_series(day_floor(since), day_floor(upto), interval '1 day') LOOP
		made := made + partition_add('events', day)::integer + partition_add('logs', day)::integer;
	END LOOP;
	RETURN made;
END $$;

-- How long each table's rows are kept at most: the longest retention of its
-- tenants, or the default given when there is none.
CREATE FUNCTION retention_horizon(parent regclass, default_days integer) RETURNS interval
LANGUAGE sql STABLE AS $$
	SELECT make_interval(days => coalesce(CASE parent
		WHEN 'events'::regclass THEN (SELECT max(retention_days) FROM applications)
		ELSE (SELECT max(retention_days) FROM services) END, default_days))
$$;

-- What partition maintenance has to do, a row a partition: statement is
-- the DETACH to run first (CONCURRENTLY, or FINALIZE for one that did not
-- finish; it cannot run inside a function, so the caller runs it), NULL
-- when the table is detached already (a drop that did not happen); then
-- partition_drop(part). A partition goes once all of it is older than its
-- table's horizon.
CREATE FUNCTION partitions_expired(event_days integer, log_days integer)
RETURNS TABLE (part regclass, statement text) LANGUAGE sql STABLE AS $$
	SELECT r.part, format('ALTER TABLE %s DETACH PARTITION %s %s', r.parent, r.part,
	                      CASE WHEN r.detaching THEN 'FINALIZE' ELSE 'CONCURRENTLY' END)
	  FROM partition_ranges r
	 WHERE r.hi <= now() - retention_horizon(r.parent,
	                         CASE r.parent WHEN 'events'::regclass THEN event_days ELSE log_days END)
	UNION ALL
	SELECT c.oid::regclass, NULL
	  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	 WHERE n.nspname = 'public' AND c.relkind = 'r'
	   AND c.relname ~ '^(events|logs)_(p[0-9]{8}|before)$'
	   AND NOT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = c.oid)
$$;

-- partition_drop PART: drops a detached partition of events or logs, with the
-- replays of the logs it holds. Refuses anything else.
CREATE FUNCTION partition_drop(part regclass) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	name text := (SELECT relname FROM pg_class WHERE oid = part);
BEGIN
	IF name !~ '^(events|logs)_(p[0-9]{8}|before)$'
	   OR EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = part) THEN
		RAISE EXCEPTION 'partition_drop: % is not a detached partition', part;
	END IF;
	IF name LIKE 'logs%' THEN
		EXECUTE format('DELETE FROM replays WHERE log_id IN (SELECT id FROM %s)', part);
	END IF;
	EXECUTE format('DROP TABLE %s', part);
END $$;

-- --- rows past their tenant's retention --------------------------------------

-- The oldest received_at an application's events, or a service's logs, are
-- read from; what is older is hidden, then deleted.
CREATE FUNCTION event_floor(app bigint) RETURNS timestamptz LANGUAGE sql STABLE AS $$
	SELECT now() - make_interval(days => retention_days) FROM applications WHERE id = app
$$;
CREATE FUNCTION log_floor(service uuid) RETURNS timestamptz LANGUAGE sql STABLE AS $$
	SELECT now() - make_interval(days => retention_days) FROM services WHERE id = service
$$;

-- retention_delete BATCH: deletes at most BATCH expired rows of each kind
-- (the events of an application, its event_ids, the logs of a service with
-- their replays), oldest first, through the indexes by tenant and time. Returns how many it deleted; the caller runs
-- it again while that is not 0. Rows in a partition that is about to go
-- whole are deleted too when their tenant keeps less than the horizon.
CREATE FUNCTION retention_delete(batch integer, event_days integer, log_days integer)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	t record;
	n bigint;
	total bigint := 0;
	event_horizon timestamptz := now() - retention_horizon('events', event_days);
	log_horizon timestamptz := now() - retention_horizon('logs', log_days);
BEGIN
	FOR t IN SELECT id, now() - make_interval(days => retention_days) AS floor FROM applications LOOP
		IF t.floor > event_horizon THEN
			DELETE FROM events e
			 USING (SELECT id, received_at FROM events
			         WHERE application_id = t.id AND received_at < t.floor
			         ORDER BY received_at LIMIT batch) x
			 WHERE e.application_id = t.id AND e.received_at = x.received_at AND e.id = x.id;
			GET DIAGNOSTICS n = ROW_COUNT;
			total := total + n;
		END IF;
		DELETE FROM event_ids d
		 USING (SELECT event_id FROM event_ids
		         WHERE application_id = t.id AND received_at < t.floor LIMIT batch) x
		 WHERE d.application_id = t.id AND d.event_id = x.event_id;
		GET DIAGNOSTICS n = ROW_COUNT;
		total := total + n;
	END LOOP;
	FOR t IN SELECT id, now() - make_interval(days => retention_days) AS floor FROM services LOOP
		IF t.floor > log_horizon THEN
			WITH gone AS (
				DELETE FROM logs l
				 USING (SELECT id, received_at FROM logs
				         WHERE service_id = t.id AND received_at < t.floor
				         ORDER BY received_at LIMIT batch) x
				 WHERE l.service_id = t.id AND l.received_at = x.received_at AND l.id = x.id
				RETURNING l.id
			), replays_gone AS (
				DELETE FROM replays WHERE log_id IN (SELECT id FROM gone)
			) SELECT count(*) INTO n FROM gone;
			total := total + n;
		END IF;
	END LOOP;
	RETURN total;
END $$;

-- Hourly and daily counts are kept 400 days: statistics over long windows
-- answer after the raw rows are gone.
CREATE FUNCTION prune_rollups() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	t record;
	n bigint;
	total bigint := 0;
BEGIN
	FOR t IN SELECT * FROM (VALUES
		('event_counts_hourly', 'hour'), ('message_counts_hourly', 'hour'),
		('message_counts_daily', 'day'), ('issue_counts_hourly', 'hour'),
		('log_counts_hourly', 'hour'), ('log_counts_daily', 'day'),
		('log_latency_hourly', 'hour'), ('log_latency_daily', 'day')) AS x(tab, col) LOOP
		EXECUTE format('DELETE FROM %I WHERE %I < $1', t.tab, t.col) USING now() - interval '400 days';
		GET DIAGNOSTICS n = ROW_COUNT;
		total := total + n;
	END LOOP;
	RETURN total;
END $$;

-- The days of partitions made ahead, for /v1/health: the fewer of the two
-- tables' (from now to the end of its last partition).
CREATE FUNCTION partition_runway() RETURNS interval LANGUAGE sql STABLE AS $$
	SELECT least((SELECT max(hi) FROM partition_ranges WHERE parent = 'events'::regclass),
	             (SELECT max(hi) FROM partition_ranges WHERE parent = 'logs'::regclass)) - now()
$$;

-- A week ahead, as telltale-maintain keeps it, and the 90 days back of the
-- default retention of events (the days an old table holds are skipped);
-- telltale-maintain drops what no retention keeps.
SELECT partitions_ensure(now() - interval '90 days', now() + interval '8 days');
ANALYZE events;
ANALYZE logs;
