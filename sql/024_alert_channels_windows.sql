-- Alerting on windows, with states, through channels (docs/api.md, "Alerting").
--
-- Channels are where notifications go (a webhook, Slack, Discord, Teams, ntfy
-- or an e-mail address). A rule names its channels; each alert event it
-- records becomes one delivery per channel (alert_deliveries), sent by
-- telltale-notifier with the retries and bookkeeping of webhooks.
--
-- Window rules compare a metric of a service's requests (or an application's
-- events) over the last window_seconds with a threshold. telltale-rollup
-- evaluates them every TELLTALE_ALERT_INTERVAL_S (alert_windows_evaluate):
-- a rule is ok or firing, and each change records one alert event.
-- Service metrics are read from per-minute counts (log_minutes, kept by the
-- rollup for the last 49 hours) and, for the minutes not rolled yet, from
-- the logs themselves.

CREATE TABLE channels (
	id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 128),
	kind          text NOT NULL
	              CHECK (kind IN ('webhook', 'slack', 'discord', 'teams', 'ntfy', 'email')),
	url           text CHECK (char_length(url) <= 2048),
	email_to      text CHECK (char_length(email_to) <= 254),
	-- A webhook's secret is derived from the stack's key, secret_id (the
	-- channel's id, or "app-<id>" for an application's webhook_url) and
	-- this nonce (src/pure/signature.h); never stored.
	secret_nonce  text,
	secret_id     text,
	-- Set on the channel that stands for an application's webhook_url.
	application_id bigint UNIQUE REFERENCES applications (id) ON DELETE CASCADE,
	created_at    timestamptz NOT NULL DEFAULT now(),
	CHECK ((kind = 'email') = (email_to IS NOT NULL)),
	CHECK ((kind = 'email') = (url IS NULL))
);
CREATE INDEX channels_created ON channels (created_at, id);

-- Rules of every kind share the table. threshold (the per-log rules):
-- condition_*; window: metric, operator, threshold, window_seconds (route,
-- method, min_requests for a service; level for an application); issue
-- (an application's new_issue and regression rules): metric, level.
ALTER TABLE alerts
	ALTER COLUMN service_id DROP NOT NULL,
	ALTER COLUMN condition_field DROP NOT NULL,
	ALTER COLUMN condition_operator DROP NOT NULL,
	ALTER COLUMN condition_value DROP NOT NULL,
	ALTER COLUMN rule_field DROP NOT NULL,
	ALTER COLUMN rule_mask DROP NOT NULL,
	ALTER COLUMN rule_value DROP NOT NULL,
	ADD COLUMN kind text NOT NULL DEFAULT 'threshold'
	           CHECK (kind IN ('threshold', 'window', 'issue')),
	ADD COLUMN application_id bigint REFERENCES applications (id) ON DELETE CASCADE,
	ADD COLUMN metric text CHECK (metric IN ('request_count', 'error_count', 'error_rate',
	           'p50_latency_ms', 'p95_latency_ms', 'p99_latency_ms', 'event_count',
	           'new_issue', 'regression')),
	ADD COLUMN operator text CHECK (operator IN ('>=', '<=', '==', '!=', '>', '<')),
	ADD COLUMN threshold double precision CHECK (abs(threshold) <= 1e12),
	ADD COLUMN window_seconds integer CHECK (window_seconds BETWEEN 60 AND 86400),
	ADD COLUMN route text CHECK (char_length(route) <= 512),
	ADD COLUMN method text CHECK (method ~ '^[A-Z]{1,16}$'),
	ADD COLUMN min_requests bigint NOT NULL DEFAULT 0 CHECK (min_requests >= 0),
	ADD COLUMN level text CHECK (level IN ('DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL')),
	ADD COLUMN enabled boolean NOT NULL DEFAULT true,
	ADD COLUMN state text NOT NULL DEFAULT 'ok' CHECK (state IN ('ok', 'firing')),
	ADD COLUMN last_value double precision,
	ADD COLUMN last_evaluated_at timestamptz,
	-- The new_issue and regression rules that stand for an application's
	-- webhook_url: they go with it.
	ADD COLUMN for_app_webhook boolean NOT NULL DEFAULT false,
	ADD CONSTRAINT alerts_one_owner CHECK (num_nonnulls(service_id, application_id) = 1),
	ADD CONSTRAINT alerts_kind_columns CHECK (CASE kind
		WHEN 'threshold' THEN service_id IS NOT NULL AND condition_field IS NOT NULL
			AND condition_operator IS NOT NULL AND condition_value IS NOT NULL
		WHEN 'window' THEN metric IS NOT NULL AND operator IS NOT NULL
			AND threshold IS NOT NULL AND window_seconds IS NOT NULL
			AND (metric = 'event_count') = (application_id IS NOT NULL)
		WHEN 'issue' THEN application_id IS NOT NULL AND metric IN ('new_issue', 'regression')
		END);

-- The per-log trigger reads only a service's enabled threshold rules: window
-- rules, however many, cost an ingest nothing.
CREATE INDEX alerts_threshold_service ON alerts (service_id, id)
	WHERE kind = 'threshold' AND enabled;
CREATE INDEX alerts_window ON alerts (id) WHERE kind = 'window' AND enabled;
CREATE INDEX alerts_application ON alerts (application_id, created_at, id)
	WHERE application_id IS NOT NULL;
CREATE INDEX alerts_created ON alerts (created_at, id);

CREATE TABLE alert_channels (
	alert_id   uuid NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
	channel_id uuid NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
	PRIMARY KEY (alert_id, channel_id)
);
CREATE INDEX alert_channels_channel ON alert_channels (channel_id);

-- A window rule's events have a state and a value and no log: they outlive
-- the logs they summarised. An issue rule's event names its issue.
ALTER TABLE alert_events
	ALTER COLUMN log_id DROP NOT NULL,
	ADD COLUMN state text CHECK (state IN ('firing', 'resolved', 'fired')),
	ADD COLUMN value double precision,
	ADD COLUMN window_seconds integer,
	ADD COLUMN issue_id bigint REFERENCES issues (id) ON DELETE SET NULL;

-- One delivery of an alert event to one channel: the notifier's third queue,
-- with the columns and states of the other two (sql/005, sql/016).
CREATE TABLE alert_deliveries (
	id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	alert_event_id    uuid NOT NULL REFERENCES alert_events (id) ON DELETE CASCADE,
	channel_id        uuid NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
	created_at        timestamptz NOT NULL DEFAULT now(),
	delivery_status   text NOT NULL DEFAULT 'pending'
	                  CHECK (delivery_status IN ('pending', 'sending', 'delivered', 'failed', 'capped')),
	delivery_attempts integer NOT NULL DEFAULT 0,
	delivery_error    text,
	last_attempt_at   timestamptz,
	next_attempt_at   timestamptz DEFAULT now(),
	delivered_at      timestamptz
);
CREATE INDEX alert_deliveries_event ON alert_deliveries (alert_event_id);
CREATE INDEX alert_deliveries_channel ON alert_deliveries (channel_id, created_at);
CREATE INDEX alert_deliveries_queue ON alert_deliveries (delivery_status, next_attempt_at)
	WHERE delivery_status IN ('pending', 'sending');

-- Every alert event goes to its rule's channels, and wakes the notifier at
-- commit when it has any.
CREATE FUNCTION alert_event_deliveries() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO alert_deliveries (alert_event_id, channel_id)
	SELECT NEW.id, channel_id FROM alert_channels WHERE alert_id = NEW.alert_id;
	IF FOUND THEN
		PERFORM pg_notify('telltale_alerts', '');
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER alert_event_deliveries AFTER INSERT ON alert_events
	FOR EACH ROW EXECUTE FUNCTION alert_event_deliveries();

-- As sql/013's, on the enabled threshold rules only (alerts_threshold_service).
CREATE OR REPLACE FUNCTION logs_fire_alerts() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT a.id, a.condition_field, a.webhook_url IS NOT NULL AS deliver
	           FROM alerts a
	          WHERE a.service_id = NEW.service_id AND a.kind = 'threshold' AND a.enabled
	            AND (a.rule_mask >> (btfloat8cmp(CASE a.rule_field
	                                             WHEN 1 THEN NEW.status_code
	                                             WHEN 2 THEN NEW.latency_ms
	                                             ELSE NEW.is_error::int END,
	                                             a.rule_value) + 1)) & 1 = 1
	            AND (a.cooldown_seconds = 0 OR a.last_fired_at IS NULL
	                 OR a.last_fired_at + a.cooldown_seconds * interval '1 second' <= now())
	          ORDER BY a.id FOR UPDATE
	LOOP
		BEGIN
			UPDATE alerts SET last_fired_at = greatest(last_fired_at, now()) WHERE id = r.id;
			INSERT INTO alert_events (alert_id, log_id, field, observed_value, state,
			                          delivery_status, next_attempt_at)
			VALUES (r.id, NEW.id, r.condition_field,
			        alert_observed(r.condition_field, NEW.status_code, NEW.latency_ms,
			                       NEW.is_error),
			        'fired',
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

-- An issue made or reopened fires the application's issue rules of that
-- kind (and level, when the rule names one). The notifications of before
-- (issue_notifications) are no longer queued: an application's webhook_url
-- is a channel of two such rules (app_webhook_channel below). Pending ones
-- are still delivered.
CREATE OR REPLACE FUNCTION issue_notify(app bigint, issue bigint, what text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO alert_events (alert_id, field, observed_value, state, issue_id)
	SELECT a.id, a.metric, to_jsonb(issue), 'fired', issue FROM alerts a
	 WHERE a.application_id = app AND a.kind = 'issue' AND a.enabled
	   AND a.metric = CASE what WHEN 'created' THEN 'new_issue' ELSE 'regression' END
	   AND (a.level IS NULL OR a.level = (SELECT level FROM issues WHERE id = issue));
END
$$;

-- Keeps the channel and the two rules that stand for an application's
-- webhook_url: made with it, changed with it (its URL, its secret's nonce),
-- deleted with it.
CREATE FUNCTION app_webhook_sync(app applications) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	ch uuid;
	rule uuid;
	m text;
BEGIN
	IF app.webhook_url IS NULL THEN
		DELETE FROM alerts WHERE application_id = app.id AND for_app_webhook;
		DELETE FROM channels WHERE application_id = app.id;
		RETURN;
	END IF;
	UPDATE channels SET url = app.webhook_url, secret_nonce = app.webhook_secret_nonce
	 WHERE application_id = app.id RETURNING id INTO ch;
	IF FOUND THEN
		RETURN;
	END IF;
	INSERT INTO channels (name, kind, url, secret_nonce, secret_id, application_id)
	VALUES (left('webhook of ' || app.name, 128), 'webhook', app.webhook_url,
	        app.webhook_secret_nonce, 'app-' || app.id, app.id)
	RETURNING id INTO ch;
	FOREACH m IN ARRAY ARRAY['new_issue', 'regression'] LOOP
		INSERT INTO alerts (application_id, kind, metric, name, for_app_webhook)
		VALUES (app.id, 'issue', m, CASE m WHEN 'new_issue' THEN 'new issue' ELSE 'regression' END,
		        true)
		RETURNING id INTO rule;
		INSERT INTO alert_channels VALUES (rule, ch);
	END LOOP;
END
$$;

CREATE FUNCTION app_webhook_channel() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' AND NEW.webhook_url IS NOT NULL OR TG_OP = 'UPDATE' AND (NEW.webhook_url IS DISTINCT FROM OLD.webhook_url
	   OR NEW.webhook_secret_nonce IS DISTINCT FROM OLD.webhook_secret_nonce) THEN
		PERFORM app_webhook_sync(NEW);
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER app_webhook_channel AFTER INSERT OR UPDATE OF webhook_url, webhook_secret_nonce
	ON applications FOR EACH ROW EXECUTE FUNCTION app_webhook_channel();

SELECT app_webhook_sync(a) FROM applications a WHERE webhook_url IS NOT NULL;

-- Per-minute counts and latency histograms of request logs, by route and
-- method, for window rules. bucket is latency_bucket(latency_ms), or -1 for a
-- log without a latency; route is '' for a log without one.
CREATE TABLE log_minutes (
	service_id uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
	minute     timestamptz NOT NULL,
	route      text NOT NULL,
	method     text NOT NULL,
	bucket     integer NOT NULL,
	count      bigint NOT NULL,
	errors     bigint NOT NULL,
	PRIMARY KEY (service_id, minute, route, method, bucket)
);
-- A window of one route reads that route's minutes only. (There is no index
-- on the minute alone: windows would read it instead of their route's, and
-- the minutes are dropped once a minute, by one pass.)
CREATE INDEX log_minutes_route ON log_minutes (service_id, route, minute);

-- Every log received before rolled_until is counted in log_minutes (those
-- of the 49 hours before the migration too).
CREATE TABLE log_minute_state (
	only_row     boolean PRIMARY KEY DEFAULT true CHECK (only_row),
	rolled_until timestamptz NOT NULL
);
INSERT INTO log_minute_state (rolled_until) VALUES (now() - interval '49 hours');

CREATE FUNCTION minute_floor(t timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN date_bin('1 minute', t, timestamptz '2000-01-01 00:00:00+00');

-- Counts the logs received since the last run into log_minutes, and, when a
-- minute has begun since, drops the minutes older than 49 hours (the longest
-- window, a day, reaching back from a preview's first point, a day ago).
-- Returns rolled_until, or NULL when another run holds the lock.
CREATE FUNCTION rollup_log_minutes() RETURNS timestamptz
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
DECLARE
	done timestamptz;
	upto timestamptz;
BEGIN
	IF NOT pg_try_advisory_xact_lock(7369734) THEN
		RETURN NULL;
	END IF;
	SELECT rolled_until INTO done FROM log_minute_state;
	upto := rollup_horizon();
	IF upto <= done THEN
		RETURN done;
	END IF;
	done := greatest(done, now() - interval '49 hours');
	INSERT INTO log_minutes AS c
	SELECT service_id, minute_floor(received_at), coalesce(route, ''), method,
	       coalesce(latency_bucket(latency_ms), -1), count(*), count(*) FILTER (WHERE is_error)
	  FROM logs WHERE received_at >= done AND received_at < upto
	 GROUP BY 1, 2, 3, 4, 5
	ON CONFLICT (service_id, minute, route, method, bucket)
	DO UPDATE SET count = c.count + excluded.count, errors = c.errors + excluded.errors;
	IF minute_floor(upto) > minute_floor(done) THEN
		DELETE FROM log_minutes WHERE minute < now() - interval '49 hours';
	END IF;
	UPDATE log_minute_state SET rolled_until = upto;
	RETURN upto;
END
$$;

-- v OP t, for the operators of rules; false when v is NULL.
CREATE FUNCTION alert_holds(v double precision, op text, t double precision) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN coalesce(CASE op WHEN '>' THEN v > t WHEN '>=' THEN v >= t WHEN '<' THEN v < t
                        WHEN '<=' THEN v <= t WHEN '==' THEN v = t WHEN '!=' THEN v <> t END,
                false);

-- An application's events received in [lo, hi) (of one level, NULL: any):
-- whole hours from event_counts_hourly, up to where it is rolled, the rest
-- from the events.
CREATE FUNCTION app_window_events(app bigint, lvl text, lo timestamptz, hi timestamptz)
RETURNS bigint
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan SET jit = off AS $$
DECLARE
	a timestamptz := hour_floor(lo - interval '1 microsecond') + interval '1 hour';
	b timestamptz;
	n bigint;
BEGIN
	SELECT greatest(a, CASE WHEN rolled_until >= hi THEN hour_floor(hi) ELSE rolled_until END)
	  INTO b FROM rollup_state;
	SELECT coalesce((SELECT sum(count) FROM event_counts_hourly
	                  WHERE application_id = app AND hour >= a AND hour < b
	                    AND (lvl IS NULL OR level = lvl)), 0)
	       + (SELECT count(*) FROM events
	           WHERE application_id = app AND (lvl IS NULL OR level = lvl)
	             AND (received_at >= lo AND received_at < a OR received_at >= b AND received_at < hi))
	  INTO n;
	RETURN n;
END
$$;

-- A window to measure: the logs of a service (of one route and method, NULL:
-- any) or the events of an application (of one level) received in [lo, hi).
-- id names it among the windows measured together.
CREATE TYPE window_key AS (id integer, service_id uuid, application_id bigint, route text,
                           method text, level text, lo timestamptz, hi timestamptz);

-- The metrics of each window of keys, in one statement: a service's
-- requests, errors and latency percentiles, an application's events.
--
-- A service's whole minutes come from log_minutes, up to where it is rolled
-- (each key reads its route's minutes through log_minutes_route, or all of
-- its service's), the rest from the logs. Percentiles are read from the
-- latency histogram (buckets at most 6.25 % wide, see latency_bucket),
-- interpolated within the bucket holding the rank: within 6.25 % of the
-- exact value; NULL without latencies.
CREATE FUNCTION measure_windows(keys window_key[])
RETURNS TABLE (id integer, requests bigint, errors bigint, p50 double precision,
               p95 double precision, p99 double precision, events bigint)
LANGUAGE sql STABLE SET jit = off AS $$
	WITH k AS (
		-- [lo, a) and [b, hi) are read from the logs, the minutes of [a, b)
		-- from log_minutes.
		SELECT u.*, e.a, greatest(e.a, CASE WHEN s.rolled_until >= u.hi THEN minute_floor(u.hi)
		                                    ELSE s.rolled_until END) AS b
		  FROM unnest(keys) u, (SELECT (SELECT rolled_until FROM log_minute_state) AS rolled_until) s,
		       LATERAL (SELECT minute_floor(u.lo - interval '1 microsecond') + interval '1 minute' AS a) e
		 WHERE u.service_id IS NOT NULL
	), edges AS MATERIALIZED (
		-- The logs of the edges, read once for every key of a service whose
		-- window starts (or ends) at the same instant, by route, method and
		-- bucket: a busy minute is read once a round, not once a rule. Each
		-- edge is a range of logs_service_received (OFFSET 0 keeps the
		-- planner from joining all the logs of the service to the edges).
		SELECT e.service_id, e.f, e.t, l.route, l.method,
		       coalesce(latency_bucket(l.latency_ms), -1) AS bucket, count(*) AS n,
		       count(*) FILTER (WHERE l.is_error) AS e
		  FROM (SELECT service_id, lo AS f, a AS t FROM k UNION SELECT service_id, b, hi FROM k) e,
		       LATERAL (SELECT * FROM logs l WHERE l.service_id = e.service_id
		                   AND l.received_at >= e.f AND l.received_at < e.t OFFSET 0) l
		 GROUP BY 1, 2, 3, 4, 5, 6
	), parts AS (
		-- Each key's minutes, through the index of its route (or of its
		-- service), and its share of the edges.
		SELECT k.id, x.bucket, x.n, x.e FROM k, LATERAL (
			SELECT m.bucket, m.count AS n, m.errors AS e FROM log_minutes m
			 WHERE k.route IS NOT NULL AND m.service_id = k.service_id AND m.route = k.route
			   AND m.minute >= k.a AND m.minute < k.b AND (k.method IS NULL OR m.method = k.method)
			UNION ALL
			SELECT m.bucket, m.count, m.errors FROM log_minutes m
			 WHERE k.route IS NULL AND m.service_id = k.service_id
			   AND m.minute >= k.a AND m.minute < k.b AND (k.method IS NULL OR m.method = k.method)
		) x
		UNION ALL
		SELECT k.id, x.bucket, x.n, x.e FROM k JOIN edges x ON x.service_id = k.service_id
		   AND (x.f = k.lo AND x.t = k.a OR x.f = k.b AND x.t = k.hi)
		 WHERE (k.route IS NULL OR x.route = k.route) AND (k.method IS NULL OR x.method = k.method)
	), h AS (
		SELECT id, bucket, sum(n)::bigint AS n, sum(e)::bigint AS e FROM parts GROUP BY id, bucket
	), lat AS (
		-- Each bucket with the latencies below it, and the last rank.
		SELECT id, bucket, n, sum(n) OVER (PARTITION BY id ORDER BY bucket) - n AS below,
		       sum(n) OVER (PARTITION BY id) - 1 AS last
		  FROM h WHERE bucket >= 0
	), pct AS (
		SELECT lat.id,
		       max(v) FILTER (WHERE q.i = 1) AS p50, max(v) FILTER (WHERE q.i = 2) AS p95,
		       max(v) FILTER (WHERE q.i = 3) AS p99
		  FROM lat, (VALUES (1, 0.5::float8), (2, 0.95::float8), (3, 0.99::float8)) q (i, p),
		       LATERAL (SELECT floor(q.p * lat.last) AS r) x,
		       LATERAL (SELECT CASE WHEN lat.bucket >= 32752 THEN latency_floor(lat.bucket)
		                       ELSE latency_floor(lat.bucket) + (x.r - lat.below + 0.5) / lat.n
		                            * (latency_floor(lat.bucket + 1) - latency_floor(lat.bucket)) END AS v) y
		 WHERE lat.below <= x.r AND x.r < lat.below + lat.n
		 GROUP BY lat.id
	), totals AS (
		SELECT id, sum(n)::bigint AS requests, sum(e)::bigint AS errors FROM h GROUP BY id
	)
	SELECT k.id, coalesce(t.requests, 0), coalesce(t.errors, 0), p.p50, p.p95, p.p99, NULL::bigint
	  FROM k LEFT JOIN totals t ON t.id = k.id LEFT JOIN pct p ON p.id = k.id
	UNION ALL
	SELECT u.id, NULL, NULL, NULL, NULL, NULL, app_window_events(u.application_id, u.level, u.lo, u.hi)
	  FROM unnest(keys) u WHERE u.application_id IS NOT NULL
$$;

-- The value of metric among measure_windows' (error_rate is 0 without requests).
CREATE FUNCTION window_metric(metric text, requests bigint, errors bigint, p50 double precision,
                              p95 double precision, p99 double precision, events bigint)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE metric WHEN 'request_count' THEN requests WHEN 'error_count' THEN errors
       WHEN 'error_rate' THEN CASE WHEN requests > 0 THEN errors::float8 / requests ELSE 0 END
       WHEN 'p50_latency_ms' THEN p50 WHEN 'p95_latency_ms' THEN p95
       WHEN 'p99_latency_ms' THEN p99 WHEN 'event_count' THEN events END;

-- One round of the scheduler: every enabled window rule is evaluated at
-- now(); a rule that turns firing, or back to ok, records an alert event
-- ("firing" or "resolved", with the value and the window), which its
-- channels are sent. Rules that watch the same logs over the same window
-- (their service, route and method, or their application and level) share
-- one window, whatever their metric, and every window is measured in one
-- statement. The rules are locked for the round: a PATCH waits for it, and
-- is not undone by it. Returns how many rules changed state, or NULL when
-- another round holds the lock.
CREATE FUNCTION alert_windows_evaluate() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	changed integer;
BEGIN
	IF NOT pg_try_advisory_xact_lock(7369735) THEN
		RETURN NULL;
	END IF;
	WITH rules AS MATERIALIZED (
		SELECT * FROM alerts WHERE kind = 'window' AND enabled ORDER BY id FOR NO KEY UPDATE
	), windows AS MATERIALIZED (
		SELECT row_number() OVER ()::integer AS id, w.*
		  FROM (SELECT DISTINCT service_id, application_id, route, method, level, window_seconds
		          FROM rules) w
	), measured AS MATERIALIZED (
		SELECT w.*, m.requests, m.errors, m.p50, m.p95, m.p99, m.events
		  FROM measure_windows((SELECT array_agg(ROW(id, service_id, application_id, route, method,
		                                            level, now() - window_seconds * interval '1 second',
		                                            now())::window_key) FROM windows)) m
		  JOIN windows w ON w.id = m.id
	), judged AS (
		SELECT r.id, r.metric, r.window_seconds, r.state = 'firing' AS was_firing, x.value,
		       coalesce(m.requests >= r.min_requests, true)
		       AND alert_holds(x.value, r.operator, r.threshold) AS firing
		  FROM rules r
		  JOIN measured m ON m.service_id IS NOT DISTINCT FROM r.service_id
		   AND m.application_id IS NOT DISTINCT FROM r.application_id
		   AND m.route IS NOT DISTINCT FROM r.route AND m.method IS NOT DISTINCT FROM r.method
		   AND m.level IS NOT DISTINCT FROM r.level AND m.window_seconds = r.window_seconds,
		       LATERAL (SELECT window_metric(r.metric, m.requests, m.errors, m.p50, m.p95, m.p99,
		                                     m.events) AS value) x
	), updated AS (
		UPDATE alerts a SET last_value = j.value, last_evaluated_at = now(),
		       state = CASE WHEN j.firing THEN 'firing' ELSE 'ok' END
		  FROM judged j WHERE a.id = j.id
	), recorded AS (
		INSERT INTO alert_events (alert_id, field, observed_value, state, value, window_seconds)
		SELECT id, metric, coalesce(to_jsonb(value), 'null'),
		       CASE WHEN firing THEN 'firing' ELSE 'resolved' END, value, window_seconds
		  FROM judged WHERE firing <> was_firing
		RETURNING 1
	)
	SELECT count(*) INTO changed FROM recorded;
	RETURN changed;
END
$$;

-- The points of a window metric over the day before t: the value of the
-- window of w seconds (of a service's route and method, or an
-- application's level) ending at each step, from the oldest. The step is
-- five minutes, or a twelfth of the window when that is longer (at most 288
-- points). Every point is measured in one statement.
CREATE FUNCTION window_series(svc uuid, app bigint, metric text, p_route text, p_method text,
                              lvl text, w integer, t timestamptz)
RETURNS TABLE (point_at timestamptz, value double precision)
LANGUAGE sql STABLE AS $$
	WITH points AS (
		SELECT i, t - (s.n - i) * s.step AS at
		  FROM (SELECT greatest(300, w / 12) * interval '1 second' AS step,
		               floor(86400 / greatest(300, w / 12))::integer - 1 AS n) s,
		       generate_series(0, s.n) i
	)
	SELECT p.at, window_metric(metric, m.requests, m.errors, m.p50, m.p95, m.p99, m.events)
	  FROM measure_windows((SELECT array_agg(ROW(i, svc, app, p_route, p_method, lvl,
	                                             at - w * interval '1 second', at)::window_key)
	                          FROM points)) m
	  JOIN points p ON p.i = m.id
	 ORDER BY p.at
$$;
