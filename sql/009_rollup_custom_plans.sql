-- Each run of a rollup plans its queries for the range it counts. A session
-- keeps a plpgsql statement's plan once a generic one looks no dearer than the
-- average of the plans made so far; after a long catch-up (a first run over
-- days of events) that average is high, and the generic plan, which cannot
-- know that the range is a second wide, reads the whole table. The rollup
-- runs every second for as long as it lives, so that would be a scan of every
-- stored event or log each second. Planning each run costs far less.
ALTER FUNCTION rollup_events() SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION rollup_logs() SET plan_cache_mode = force_custom_plan;
