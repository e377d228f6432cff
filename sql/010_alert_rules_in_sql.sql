-- Alert rules are evaluated by the ingest statement itself (logs_ingest in
-- src/logs.c), so that a log and the alert events it fires go in with one
-- round trip and commit together.
--
-- A rule's value is coerced when the rule is created (src/alert_rule.c); the
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
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
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
-- single expressions, which the planner inlines into the ingest statement:
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
