-- Whether a log fires a rule, as sql/010 defines it, in an expression a
-- quarter of the size. The trigger's query is planned once per session, but
-- its expressions are compiled again for every log it runs on: sql/010's
-- alert_compare, inlined, repeated the log's value and the rule's value in
-- each of its six branches, and compiling that was a thirteenth of the work
-- PostgreSQL does to store a log (callgrind over 500 inserts: 1,049,537
-- instructions per insert before, 971,758 after; docs/benchmarks.md).
--
-- Here each value appears once. btfloat8cmp orders the two (-1, 0 or 1, with
-- float8's own rules for NaN, which its operators follow too), and the
-- operator is the set of orders it accepts, a bit each: 1 less, 2 equal,
-- 4 greater. A log without the field (NULL) fires nothing, as before.
CREATE OR REPLACE FUNCTION alert_rule_fires(field text, operator text, value text, status_code smallint,
                                            latency_ms float8, is_error boolean) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT coalesce((CASE operator
	                 WHEN '<' THEN 1 WHEN '==' THEN 2 WHEN '<=' THEN 3
	                 WHEN '>' THEN 4 WHEN '!=' THEN 5 WHEN '>=' THEN 6
	                 ELSE 0 END
	                 >> (btfloat8cmp(CASE field
	                                 WHEN 'status_code' THEN status_code::float8
	                                 WHEN 'latency_ms' THEN latency_ms
	                                 WHEN 'error' THEN is_error::int::float8
	                                 END,
	                                 CASE field WHEN 'error' THEN value::boolean::int::float8
	                                 ELSE value::float8 END) + 1)) & 1 = 1,
	                false)
$$;

DROP FUNCTION alert_compare(float8, text, float8);
