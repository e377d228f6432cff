-- The route of each request log (docs/api.md, "Routes"): the one its service
-- named, or the one derived from its path (numbers, UUIDs and long hex
-- digits made {id}, {uuid}, {hex}); and the trace and span it belongs to,
-- for logs that come from OpenTelemetry spans. Logs stored before have no
-- route: the per-route metrics count them under their path.
ALTER TABLE logs
	ADD COLUMN route text,
	ADD COLUMN trace_id text,
	ADD COLUMN span_id text;

-- GET /v1/logs?route=... (a service's logs of one route, newest first) and
-- ?trace_id=... (a trace's logs).
CREATE INDEX logs_route ON logs (service_id, route, received_at DESC, id DESC);
CREATE INDEX logs_trace ON logs (trace_id) WHERE trace_id IS NOT NULL;
