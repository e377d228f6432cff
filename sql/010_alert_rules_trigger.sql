-- Alert rules are evaluated by a trigger on logs, in the statement that
-- stores a log: the log and the alert events it fires commit together, with
-- one round trip from the worker (logs_ingest in src/api/logs.c). This replaces
-- the evaluation in the worker that sql/005's comments describe.
--
-- A rule's value is coerced when the rule is created (src/pure/alert_rule.c); the
-- constraint below holds every stored value to the forms that coercion
-- writes, so the casts of alert_rule_fires can never fail an ingest.
ALTER TABLE alerts ADD CONSTRAINT alerts_condition_value_coerced CHECK (
	CASE condition_field
	WHEN 'status_code' THEN condition_value ~ '^[1-5][0-9][0-9]$'
	WHEN 'latency_ms' THEN condition_value ~ '^[0-9]+(\.[0-9]+)?$'
		AND condition_value::float8 <= 1e12
	WHEN 'error' THEN condition_value IN ('true', 'false')
	END);

-- A log's value of a rule's field, as a JSON integer, number or boolean: what
-- an alert event records as observed_value. NULL when the log has none (no
-- status code, no latency).
CREATE FUNCTION alert_observed(field text, status_code smallint, latency_ms float8,
                               is_error boolean) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT CASE field
	       WHEN 'status_code' THEN to_jsonb(status_code)
	       WHEN 'latency_ms' THEN to_jsonb(latency_ms)
	       WHEN 'error' THEN to_jsonb(is_error)
	       END
$$;

-- o OP r, for the operators of alert rules; false when o is NULL.
CREATE FUNCTION alert_compare(o float8, operator text, r float8) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT coalesce(CASE operator
	                WHEN '>=' THEN o >= r WHEN '<=' THEN o <= r
	                WHEN '==' THEN o = r WHEN '!=' THEN o <> r
	                WHEN '>' THEN o > r WHEN '<' THEN o < r
	                END, false)
$$;

-- Whether a log fires a rule: its value of the field OP the rule's value. A
-- log without the field fires nothing; error compares as 1 or 0, and only by
-- == and != (the API refuses the other operators for it). Both functions are
-- single expressions, which the planner inlines into the trigger's query:
-- called as functions, they would be planned again on every ingest.
CREATE FUNCTION alert_rule_fires(field text, operator text, value text, status_code smallint,
                                 latency_ms float8, is_error boolean) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT alert_compare(CASE field
	                     WHEN 'status_code' THEN status_code::float8
	                     WHEN 'latency_ms' THEN latency_ms
	                     WHEN 'error' THEN is_error::int::float8
	                     END,
	                     operator,
	                     CASE field WHEN 'error' THEN value::boolean::int::float8 ELSE value::float8 END)
$$;

-- Records the alert events of the rules a new log fires. A rule fires when the
-- log matches it and it is out of its cooldown, checked under the rules' row
-- locks, taken in id order so that two ingests cannot deadlock: of two
-- concurrent ingests firing one rule, the second waits for the first to
-- commit, then sees its last_fired_at and stays quiet. An event with a
-- webhook to deliver wakes telltale-notifier at commit. Recording an event
-- that fails (it should not) is undone alone and reported as a WARNING, which
-- the worker logs: an alert never costs an ingest. The wait for a rule's lock
-- is the one exception: the holders are other ingests and rule deletions, a
-- moment each, but a wait that outlasted the statement timeout would fail the
-- ingest whole (503, nothing stored).
CREATE FUNCTION logs_fire_alerts() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT a.id, a.condition_field, a.webhook_url IS NOT NULL AS deliver
	           FROM alerts a
	          WHERE a.service_id = NEW.service_id
	            AND alert_rule_fires(a.condition_field, a.condition_operator, a.condition_value,
	                                 NEW.status_code, NEW.latency_ms, NEW.is_error)
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

CREATE TRIGGER logs_fire_alerts AFTER INSERT ON logs
	FOR EACH ROW EXECUTE FUNCTION logs_fire_alerts();
