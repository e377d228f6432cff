-- A rule's field, operator and value in the form the trigger compares them,
-- stored with the rule. The trigger's query is planned once per session, but
-- its filter is compiled again for every log it runs on, and sql/011's
-- expression took each rule's field and operator apart as text and parsed its
-- value (a float8 or a boolean) for every rule and every log. Stored here once,
-- when the rule is made, the filter is a third of the size and the comparison
-- reads numbers: 653,815 instructions per stored log before, 619,016 after
-- (callgrind of a server backend over 200 inserts with five rules; docs/benchmarks.md).
--
-- rule_field: 1 status_code, 2 latency_ms, 3 error (the log's value as a
-- number: a status code, a latency, 1 or 0). rule_mask: the orders of the
-- log's value against rule_value that fire, a bit each: 1 less, 2 equal,
-- 4 greater (as in sql/011). rule_value: the value, as a number. The CHECK
-- constraints of sql/005 and sql/010 hold the text forms these are computed
-- from, so the casts cannot fail for a rule the database takes.
ALTER TABLE alerts
	ADD COLUMN rule_field smallint NOT NULL GENERATED ALWAYS AS (
		CASE condition_field WHEN 'status_code' THEN 1 WHEN 'latency_ms' THEN 2
		WHEN 'error' THEN 3 END) STORED,
	ADD COLUMN rule_mask smallint NOT NULL GENERATED ALWAYS AS (
		CASE condition_operator WHEN '<' THEN 1 WHEN '==' THEN 2 WHEN '<=' THEN 3
		WHEN '>' THEN 4 WHEN '!=' THEN 5 WHEN '>=' THEN 6 END) STORED,
	ADD COLUMN rule_value double precision NOT NULL GENERATED ALWAYS AS (
		CASE condition_field WHEN 'error' THEN condition_value::boolean::int
		ELSE condition_value::float8 END) STORED;

-- As sql/010's, with the comparison on the stored columns. A log without the
-- field (NULL) fires nothing: the comparison is NULL.
CREATE OR REPLACE FUNCTION logs_fire_alerts() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT a.id, a.condition_field, a.webhook_url IS NOT NULL AS deliver
	           FROM alerts a
	          WHERE a.service_id = NEW.service_id
	            AND (a.rule_mask >> (btfloat8cmp(CASE a.rule_field
	                                             WHEN 1 THEN NEW.status_code
	                                             WHEN 2 THEN NEW.latency_ms
	                                             ELSE NEW.is_error::int END,
	                                             a.rule_value) + 1)) & 1 = 1
	            AND (a.cooldown_seconds = 0 OR a.last_fired_at IS NULL
	                 OR a.last_fired_at + a.cooldown_seconds * interval '1 second' <= now())
	          ORDER BY a.id FOR UPDATE
	LOOP
		BEGIN
			UPDATE alerts SET last_fired_at = greatest(last_fired_at, now()) WHERE id = r.id;
			INSERT INTO alert_events (alert_id, log_id, field, observed_value, delivery_status,
			                          next_attempt_at)
			VALUES (r.id, NEW.id, r.condition_field,
			        alert_observed(r.condition_field, NEW.status_code, NEW.latency_ms,
			                       NEW.is_error),
			        CASE WHEN r.deliver THEN 'pending' ELSE 'none' END,
			        CASE WHEN r.deliver THEN now() END);
			IF r.deliver THEN
				PERFORM pg_notify('telltale_alerts', '');
			END IF;
		EXCEPTION WHEN OTHERS THEN
			RAISE WARNING 'alerts: log %: stored without the alert event of rule %: %',
				NEW.id, r.id, SQLERRM;
		END;
	END LOOP;
	RETURN NULL;
END
$$;

DROP FUNCTION alert_rule_fires(text, text, text, smallint, float8, boolean);
