-- A log's status code held to 100–599 by a domain, as sql/012 did for the
-- other columns and for the same reason: the server parses, plans and compiles
-- a table's CHECK constraint from its text for every INSERT statement, and a
-- domain's check once per session. That was 25,000 of the 561,000
-- instructions the server spends to store a log (docs/benchmarks.md).
--
-- is_error is generated from status_code, and a column a generated column
-- reads cannot change its type: is_error goes, with the three indexes that
-- hold it, and comes back with the same definition, as do the indexes.
CREATE DOMAIN http_status AS smallint CHECK (VALUE BETWEEN 100 AND 599);

ALTER TABLE logs DROP COLUMN is_error;
ALTER TABLE logs DROP CONSTRAINT logs_status_code_check,
	ALTER COLUMN status_code TYPE http_status,
	ADD COLUMN is_error boolean NOT NULL
	    GENERATED ALWAYS AS (error IS NOT NULL OR coalesce(status_code >= 500, false)) STORED;

CREATE INDEX logs_service_received ON logs (service_id, received_at DESC, id DESC)
	INCLUDE (method, status_code, latency_ms, is_error);
CREATE INDEX logs_received ON logs (received_at DESC, id DESC)
	INCLUDE (method, status_code, latency_ms, is_error);
CREATE INDEX logs_service_errors ON logs (service_id, received_at DESC, id DESC) WHERE is_error;
