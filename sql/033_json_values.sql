-- An event's stack and context, and an issue's copy of its latest exception,
-- are kept as json, the text the worker checked and masked, instead of
-- jsonb. Building the jsonb of a 46 KB Sentry event was the most of what
-- the server spent on storing it; json is checked in one reading and kept
-- as it is. Nothing reads into these values on the server: they are
-- written, copied and answered whole (docs/benchmarks.md).
--
-- Changing a column's type rewrites its table: every partition of events
-- is rewritten once, here (docs/operations.md, "Upgrading").

-- The rewrite compresses with the server's default, as a new type drops the
-- columns' own setting: lz4 for it too, where the server has it.
DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_settings
	            WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
		PERFORM set_config('default_toast_compression', 'lz4', true);
	END IF;
END $$;

-- A JSON object kept as its text, or NULL.
CREATE DOMAIN json_object_text AS json CHECK (json_typeof(VALUE) = 'object');

ALTER TABLE events
	ALTER stack TYPE json_object_text USING stack::json,
	ALTER context TYPE json_object_text USING context::json;

ALTER TABLE issues ALTER exception TYPE json USING exception::json;

-- And lz4 again as the columns' setting, as sql/030 set it, on events and
-- each of its partitions (partition_add copies the parent's).
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
	          WHERE (a.attrelid = 'events'::regclass
	                 OR a.attrelid IN (SELECT inhrelid FROM pg_inherits
	                                    WHERE inhparent = 'events'::regclass))
	            AND a.attname IN ('stack', 'context')
	          ORDER BY a.attrelid, a.attnum LOOP
		EXECUTE format('ALTER TABLE %s ALTER COLUMN %I SET COMPRESSION lz4', c.tab, c.attname);
	END LOOP;
END $$;
