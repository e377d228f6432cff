-- API monitoring: services, their mkey_ keys, and the request logs they push.

-- Substring search on logs.path uses a trigram index. pg_trgm is a trusted
-- extension (PostgreSQL 13+): a database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE services (
	id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	name        text NOT NULL UNIQUE CHECK (char_length(name) BETWEEN 1 AND 128),
	description text CHECK (char_length(description) <= 512),
	base_url    text,
	created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE service_keys (
	id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	service_id uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
	name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 128),
	-- Only the SHA-256 of the key (lower-case hex) is stored, with its first
	-- twelve characters so people can tell keys apart. A revoked key stays,
	-- inactive, so that the list shows it.
	key_sha256 text NOT NULL UNIQUE CHECK (key_sha256 ~ '^[0-9a-f]{64}$'),
	key_prefix text NOT NULL,
	is_active  boolean NOT NULL DEFAULT true,
	created_at timestamptz NOT NULL DEFAULT now(),
	revoked_at timestamptz
);

-- Listing a service's keys (the digest lookup of an ingest uses the UNIQUE index).
CREATE INDEX service_keys_service ON service_keys (service_id, created_at, id);

CREATE TABLE logs (
	id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	service_id              uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
	method                  text NOT NULL CHECK (method ~ '^[A-Z]{1,16}$'),
	url                     text NOT NULL,
	path                    text NOT NULL,
	status_code             smallint CHECK (status_code BETWEEN 100 AND 599),
	latency_ms              double precision CHECK (latency_ms >= 0),
	query_params            jsonb CHECK (jsonb_typeof(query_params) = 'object'),
	request_headers         jsonb CHECK (jsonb_typeof(request_headers) = 'object'),
	response_headers        jsonb CHECK (jsonb_typeof(response_headers) = 'object'),
	request_body            text,
	response_body           text,
	request_body_truncated  boolean NOT NULL DEFAULT false,
	response_body_truncated boolean NOT NULL DEFAULT false,
	error                   text,
	source_ip               inet,
	tags                    text[] NOT NULL DEFAULT '{}',
	received_at             timestamptz NOT NULL DEFAULT now(),
	-- docs/api.md's one definition of an error, for has_error, metrics and alerts.
	is_error                boolean NOT NULL
	                        GENERATED ALWAYS AS (error IS NOT NULL OR coalesce(status_code >= 500, false)) STORED
);

-- Searches are newest first (received_at DESC, id DESC), per service or across
-- all; each filter of GET /v1/logs has an index that leads with it after the
-- service. Metrics read a service's window from the first index alone.
CREATE INDEX logs_service_received ON logs (service_id, received_at DESC, id DESC)
	INCLUDE (method, status_code, latency_ms, is_error);
CREATE INDEX logs_received ON logs (received_at DESC, id DESC)
	INCLUDE (method, status_code, latency_ms, is_error);
CREATE INDEX logs_service_method ON logs (service_id, method, received_at DESC, id DESC);
CREATE INDEX logs_service_status ON logs (service_id, status_code, received_at DESC, id DESC);
CREATE INDEX logs_service_latency ON logs (service_id, latency_ms);
CREATE INDEX logs_service_errors ON logs (service_id, received_at DESC, id DESC) WHERE is_error;
CREATE INDEX logs_tags ON logs USING gin (tags);
CREATE INDEX logs_path ON logs USING gin (path gin_trgm_ops);
