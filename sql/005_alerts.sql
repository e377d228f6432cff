-- Threshold alerts on request logs (/v1/alerts): the rules, and the alert
-- events they fire, each with the state of its webhook delivery.
--
-- Every ingest reads its service's rules and, when some fire, inserts their
-- events and moves the rules' last_fired_at in the same transaction (see
-- src/api/logs.c). telltale-notifier delivers the webhooks: an insert of an event
-- to deliver sends NOTIFY telltale_alerts (at commit), which wakes it.

CREATE TABLE alerts (
	id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	service_id         uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
	name               text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 128),
	description        text CHECK (char_length(description) <= 512),
	condition_field    text NOT NULL CHECK (condition_field IN ('status_code', 'latency_ms', 'error')),
	condition_operator text NOT NULL CHECK (condition_operator IN ('>=', '<=', '==', '!=', '>', '<')),
	-- The value as coerced at creation (src/pure/alert_rule.c): "500", "250.5",
	-- "true". The worker reads it back with the same code, so a stored rule
	-- always evaluates.
	condition_value    text NOT NULL,
	cooldown_seconds   integer NOT NULL DEFAULT 0 CHECK (cooldown_seconds >= 0),
	webhook_url        text,
	-- When the rule last fired; it fires again once cooldown_seconds have
	-- passed since then (always, with a cooldown of 0).
	last_fired_at      timestamptz,
	created_at         timestamptz NOT NULL DEFAULT now()
);

-- A service's rules: the list, and the rules an ingest reads.
CREATE INDEX alerts_service ON alerts (service_id, created_at, id);

CREATE TABLE alert_events (
	id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	alert_id          uuid NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
	log_id            uuid NOT NULL REFERENCES logs (id) ON DELETE CASCADE,
	field             text NOT NULL,
	-- The log's value of the field: a JSON integer, number or boolean.
	observed_value    jsonb NOT NULL,
	created_at        timestamptz NOT NULL DEFAULT now(),
	-- none: the rule has no webhook. pending: to deliver at next_attempt_at.
	-- sending: an attempt is under way (claimed by a notifier). delivered:
	-- a 2xx came back. failed: every attempt failed, or an attempt was cut
	-- short with its outcome unknown (never sent again, so that no receiver
	-- sees an event twice).
	delivery_status   text NOT NULL DEFAULT 'none'
	                  CHECK (delivery_status IN ('none', 'pending', 'sending', 'delivered', 'failed')),
	delivery_attempts integer NOT NULL DEFAULT 0,
	delivery_error    text,
	last_attempt_at   timestamptz,
	next_attempt_at   timestamptz,
	delivered_at      timestamptz
);

-- A rule's events, newest first.
CREATE INDEX alert_events_alert ON alert_events (alert_id, created_at DESC, id DESC);
-- Deleting a log (its service) finds its events without a scan.
CREATE INDEX alert_events_log ON alert_events (log_id);
-- The notifier's queue: the events due for an attempt, and those in flight.
CREATE INDEX alert_events_queue ON alert_events (delivery_status, next_attempt_at)
	WHERE delivery_status IN ('pending', 'sending');
