-- Replays of logged requests (POST /v1/logs/{id}/replay): each attempt and
-- what came back. A replay goes with its log, and so with its service.

CREATE TABLE replays (
	id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	log_id                  uuid NOT NULL REFERENCES logs (id) ON DELETE CASCADE,
	-- success: the target answered (any status); failed: no answer came, or
	-- the outbound guard refused the target. error says why it failed.
	status                  text NOT NULL CHECK (status IN ('success', 'failed')),
	status_code             smallint CHECK (status_code BETWEEN 100 AND 999),
	response_headers        jsonb CHECK (jsonb_typeof(response_headers) = 'object'),
	response_body           text CHECK (octet_length(response_body) <= 1048576),
	response_body_truncated boolean NOT NULL DEFAULT false,
	latency_ms              double precision NOT NULL CHECK (latency_ms >= 0),
	error                   text,
	created_at              timestamptz NOT NULL DEFAULT now(),
	CHECK ((status = 'failed') = (error IS NOT NULL))
);

-- A log's replays, newest first.
CREATE INDEX replays_log ON replays (log_id, created_at DESC, id DESC);
