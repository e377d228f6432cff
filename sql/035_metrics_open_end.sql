-- The metrics of a window without an end read the logs after the rollup's
-- progress up to 'infinity', and the plan for those values read every
-- partition of logs from there to the week ahead that partitions are made
-- for. A log's received_at is the database's clock when it was stored, and
-- the functions read with their caller's snapshot, taken before they start:
-- clock_timestamp() there is past every log they can see. So the logs are
-- read up to it instead, a constant to the plan, which leaves the later
-- partitions out; the window's split between the rollups and the logs is
-- still made from the end as it was given (docs/benchmarks.md).
--
-- Each function is its definition from sql/028 with these texts changed:
-- metrics_window (of log_route_metrics) answers that time as its until,
-- and log_metrics reads the logs up to it.
DO $$
DECLARE
	f record;
	def text;
BEGIN
	FOR f IN SELECT * FROM (VALUES
		('metrics_window(bigint,bigint)'::regprocedure,
		 'ELSE s.since END, s.until', 'ELSE s.since END, least(s.until, clock_timestamp())'),
		('log_metrics(uuid,bigint,bigint)'::regprocedure,
		 E'\tw record;', E'\tseen timestamptz := least(until, clock_timestamp());\n\tw record;'),
		('log_metrics(uuid,bigint,bigint)'::regprocedure,
		 'AND received_at < until', 'AND received_at < seen')) v (fn, was, becomes)
	LOOP
		def := pg_get_functiondef(f.fn);
		IF position(f.was IN def) = 0 THEN
			RAISE EXCEPTION 'sql/035: % is not as sql/028 left it', f.fn;
		END IF;
		EXECUTE replace(def, f.was, f.becomes);
	END LOOP;
END $$;
