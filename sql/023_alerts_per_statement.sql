-- The alert rules run once per insert statement instead of once per log. An
-- OTLP export stores hundreds of logs in one statement, and the row trigger
-- of sql/010 (as sql/013 redefined it) ran its rule query for each of them:
-- 30 microseconds a log for a service without any rule, two fifths of the
-- statement's time (docs/benchmarks.md, "OTLP span exports"). The statement
-- trigger reads the new logs from its transition table and asks once which
-- rules any of them fires.
--
-- What fires is what the row trigger fired: a rule with a cooldown fires once
-- (for one of the logs that match it) and not again until the cooldown is
-- over; a rule without one fires for every log that matches it. Only the
-- rules that fire are locked, in the order of their ids, as before: ingests
-- whose logs fire nothing take no lock, and two that fire one rule with a
-- cooldown are ordered by it (the second sees the first's last_fired_at once
-- the first commits, and stays quiet). Recording an alert event that fails is
-- undone alone and reported as a WARNING, as before.
-- sql/013's comparison of a log's value with a rule, as a function the
-- planner inlines: the log's field as a number against rule_value, firing
-- when rule_mask has the bit of their order. A log without the field (NULL)
-- matches nothing.
CREATE FUNCTION alert_rule_matches(rule_field smallint, rule_mask smallint,
                                   rule_value double precision, status_code smallint,
                                   latency_ms double precision, is_error boolean)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT (rule_mask >> (btfloat8cmp(CASE rule_field WHEN 1 THEN status_code
	                                                  WHEN 2 THEN latency_ms
	                                                  ELSE is_error::int END,
	                                  rule_value) + 1)) & 1 = 1
$$;

CREATE FUNCTION logs_fire_alerts_of_statement() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	r record;
	fired bigint;
BEGIN
	FOR r IN SELECT a.id, a.condition_field, a.webhook_url IS NOT NULL AS deliver,
	                a.cooldown_seconds > 0 AS once
	           FROM alerts a
	          WHERE a.service_id IN (SELECT DISTINCT service_id FROM new_logs)
	            AND (a.cooldown_seconds = 0 OR a.last_fired_at IS NULL
	                 OR a.last_fired_at + a.cooldown_seconds * interval '1 second' <= now())
	            AND EXISTS (SELECT 1 FROM new_logs l
	                         WHERE l.service_id = a.service_id
	                           AND alert_rule_matches(a.rule_field, a.rule_mask, a.rule_value,
	                                                  l.status_code, l.latency_ms, l.is_error))
	          ORDER BY a.id FOR UPDATE OF a
	LOOP
		BEGIN
			WITH events AS (
				INSERT INTO alert_events (alert_id, log_id, field, observed_value,
				                          delivery_status, next_attempt_at)
				SELECT r.id, l.id, r.condition_field,
				       alert_observed(r.condition_field, l.status_code, l.latency_ms,
				                      l.is_error),
				       CASE WHEN r.deliver THEN 'pending' ELSE 'none' END,
				       CASE WHEN r.deliver THEN now() END
				  FROM alerts a JOIN new_logs l ON l.service_id = a.service_id
				 WHERE a.id = r.id
				   AND alert_rule_matches(a.rule_field, a.rule_mask, a.rule_value,
				                          l.status_code, l.latency_ms, l.is_error)
				 LIMIT CASE WHEN r.once THEN 1 END
				RETURNING 1
			)
			SELECT count(*) INTO fired FROM events;
			IF fired > 0 THEN
				UPDATE alerts SET last_fired_at = greatest(last_fired_at, now()) WHERE id = r.id;
				IF r.deliver THEN
					PERFORM pg_notify('telltale_alerts', '');
				END IF;
			END IF;
		EXCEPTION WHEN OTHERS THEN
			RAISE WARNING 'alerts: logs stored without the alert event of rule %: %',
				r.id, SQLERRM;
		END;
	END LOOP;
	RETURN NULL;
END
$$;

DROP TRIGGER logs_fire_alerts ON logs;
DROP FUNCTION logs_fire_alerts();
CREATE TRIGGER logs_fire_alerts AFTER INSERT ON logs
	REFERENCING NEW TABLE AS new_logs
	FOR EACH STATEMENT EXECUTE FUNCTION logs_fire_alerts_of_statement();
