-- The large values of events and request logs (a Sentry event's stack and
-- context, a log's headers and bodies) are compressed with lz4 instead of
-- pglz, PostgreSQL's default, where the server is built with it (Debian's
-- is): the values come out about as small, and writing them costs less.
-- 46 KB Sentry events through /api/{id}/store/ went from about 760 to 800
-- a second (docs/benchmarks.md). Rows stored before keep pglz; both are
-- read alike.
--
-- Each column is set on events and logs and on each of their partitions,
-- and partition_add copies the setting into the partitions it makes.
DO $$
DECLARE
	c record;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_settings
	                WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
		RETURN;
	END IF;
	FOR c IN SELECT a.attrelid::regclass AS tab, a.attname
	           FROM pg_attribute a
	          WHERE (a.attrelid IN ('events'::regclass, 'logs'::regclass)
	                 OR a.attrelid IN (SELECT inhrelid FROM pg_inherits
	                                    WHERE inhparent IN ('events'::regclass, 'logs'::regclass)))
	            AND a.attnum > 0 AND NOT a.attisdropped AND a.attstorage IN ('x', 'm')
	          ORDER BY a.attrelid, a.attnum LOOP
		EXECUTE format('ALTER TABLE %s ALTER COLUMN %I SET COMPRESSION lz4', c.tab, c.attname);
	END LOOP;
END $$;

-- As sql/025 made it, with INCLUDING COMPRESSION.
CREATE OR REPLACE FUNCTION partition_add(parent regclass, day_start timestamptz) RETURNS boolean
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
	               ' INCLUDING CONSTRAINTS INCLUDING COMPRESSION)', part, parent);
	EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (received_at >= %L AND received_at < %L)',
	               part, part || '_range', day_start, day_end);
	EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
	               parent, part, day_start, day_end);
	EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', part, part || '_range');
	RETURN true;
END $$;
