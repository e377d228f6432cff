-- OTLP logs name no application: their ingest key alone finds it
-- (docs/api.md, "OpenTelemetry ingest"). Keys are 128 random bits, so no two
-- applications share one; the index says so.
CREATE UNIQUE INDEX applications_ingest_key ON applications (ingest_key_sha256);
