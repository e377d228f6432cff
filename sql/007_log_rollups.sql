-- Hourly and daily counts and latency histograms of request logs, kept up to
-- date by telltale-rollup off the request path (rollup_logs below), so that
-- metrics over a month read a few thousand rows instead of a million. Ingest
-- never touches these tables. GET /v1/metrics (log_metrics below) answers the
-- whole days of a window from the daily tables, its whole hours at either end
-- from the hourly ones, and the rest from logs, as the event statistics do.
-- Its percentiles stay exact: the histogram tells which bucket holds each rank
-- needed, then the logs are read in latency order from that bucket on.

-- A log without a status code is counted under status_code 0 (a key column
-- cannot be NULL; real codes are 100 to 599).
CREATE TABLE log_counts_hourly (
	service_id    uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
	hour          timestamptz NOT NULL,
	method        text NOT NULL,
	status_code   smallint NOT NULL,
	is_error      boolean NOT NULL,
	count         bigint NOT NULL,
	latency_count bigint NOT NULL,
	latency_sum   double precision NOT NULL,
	PRIMARY KEY (service_id, hour, method, status_code, is_error)
);

CREATE TABLE log_counts_daily (
	service_id    uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
	day           timestamptz NOT NULL,
	method        text NOT NULL,
	status_code   smallint NOT NULL,
	is_error      boolean NOT NULL,
	count         bigint NOT NULL,
	latency_count bigint NOT NULL,
	latency_sum   double precision NOT NULL,
	PRIMARY KEY (service_id, day, method, status_code, is_error)
);

-- How many latencies of each bucket (see latency_bucket) an hour or a day holds.
CREATE TABLE log_latency_hourly (
	service_id uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
	hour       timestamptz NOT NULL,
	bucket     integer NOT NULL,
	count      bigint NOT NULL,
	PRIMARY KEY (service_id, hour, bucket)
);

CREATE TABLE log_latency_daily (
	service_id uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
	day        timestamptz NOT NULL,
	bucket     integer NOT NULL,
	count      bigint NOT NULL,
	PRIMARY KEY (service_id, day, bucket)
);

-- Metrics across all services read by time alone.
CREATE INDEX log_counts_hourly_hour ON log_counts_hourly (hour);
CREATE INDEX log_counts_daily_day ON log_counts_daily (day);
CREATE INDEX log_latency_hourly_hour ON log_latency_hourly (hour);
CREATE INDEX log_latency_daily_day ON log_latency_daily (day);

-- The histogram bucket of a latency: the top 16 bits of its IEEE 754 double
-- (sign, exponent and the first 4 bits of the fraction). Each power of two is
-- cut in 16 buckets, none more than 6.25% wide, and the buckets sort as the
-- latencies do. abs() clears the sign bit of -0, which the CHECK on logs
-- admits; Infinity and NaN (PostgreSQL sorts NaN above Infinity) share the
-- last bucket.
CREATE FUNCTION latency_bucket(ms double precision) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN least((get_byte(float8send(abs(ms)), 0) << 8) | get_byte(float8send(abs(ms)), 1), 32752);

-- The least latency of a bucket, exactly: bucket b holds the latencies x with
-- latency_floor(b) <= x < latency_floor(b + 1). Bucket 16e + f is
-- (16 + f) * 2^(e - 1027), or f * 2^-1026 for zero and the subnormals (e = 0).
CREATE FUNCTION latency_floor(bucket integer) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN bucket >= 32752 THEN 'Infinity'
            WHEN bucket < 16 THEN bucket * power(2::float8, -1026)
            ELSE (16 + bucket % 16) * power(2::float8, bucket / 16 - 1027) END;

-- Every log received before rolled_until is counted in the tables above.
CREATE TABLE log_rollup_state (
	only_row     boolean PRIMARY KEY DEFAULT true CHECK (only_row),
	rolled_until timestamptz NOT NULL
);
INSERT INTO log_rollup_state (rolled_until) VALUES ('-infinity');

-- How far a rollup may count: a row's received_at is the start of the
-- transaction that inserts it, so every row received before the start of the
-- oldest transaction still running is committed (or never will be).
CREATE FUNCTION rollup_horizon() RETURNS timestamptz
LANGUAGE sql STABLE AS $$
	SELECT least(now(), min(xact_start)) FROM pg_stat_activity
	 WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid()
$$;

-- Counts the logs received since the last run, through logs_received. Returns
-- rolled_until, or NULL when another run holds the lock.
CREATE FUNCTION rollup_logs() RETURNS timestamptz
LANGUAGE plpgsql AS $$
DECLARE
	done timestamptz;
	upto timestamptz;
BEGIN
	IF NOT pg_try_advisory_xact_lock(7369732) THEN
		RETURN NULL;
	END IF;
	SELECT rolled_until INTO done FROM log_rollup_state;
	upto := rollup_horizon();
	IF upto <= done THEN
		RETURN done;
	END IF;

	-- One pass over the new logs feeds the four tables.
	WITH new_logs AS (
		SELECT service_id, hour_floor(received_at) AS hour, method,
		       coalesce(status_code, 0) AS status_code, is_error, latency_ms
		  FROM logs WHERE received_at >= done AND received_at < upto
	), new_counts AS (
		SELECT service_id, hour, method, status_code, is_error, count(*) AS count,
		       count(latency_ms) AS latency_count, coalesce(sum(latency_ms), 0) AS latency_sum
		  FROM new_logs GROUP BY 1, 2, 3, 4, 5
	), new_latencies AS (
		SELECT service_id, hour, latency_bucket(latency_ms) AS bucket, count(*) AS count
		  FROM new_logs WHERE latency_ms IS NOT NULL GROUP BY 1, 2, 3
	), counts_hourly AS (
		INSERT INTO log_counts_hourly AS c
		SELECT * FROM new_counts
		ON CONFLICT (service_id, hour, method, status_code, is_error)
		DO UPDATE SET count = c.count + excluded.count,
		              latency_count = c.latency_count + excluded.latency_count,
		              latency_sum = c.latency_sum + excluded.latency_sum
	), counts_daily AS (
		INSERT INTO log_counts_daily AS c
		SELECT service_id, day_floor(hour), method, status_code, is_error, sum(count),
		       sum(latency_count), sum(latency_sum)
		  FROM new_counts GROUP BY 1, 2, 3, 4, 5
		ON CONFLICT (service_id, day, method, status_code, is_error)
		DO UPDATE SET count = c.count + excluded.count,
		              latency_count = c.latency_count + excluded.latency_count,
		              latency_sum = c.latency_sum + excluded.latency_sum
	), latencies_hourly AS (
		INSERT INTO log_latency_hourly AS c
		SELECT * FROM new_latencies
		ON CONFLICT (service_id, hour, bucket) DO UPDATE SET count = c.count + excluded.count
	)
	INSERT INTO log_latency_daily AS c
	SELECT service_id, day_floor(hour), bucket, sum(count) FROM new_latencies GROUP BY 1, 2, 3
	ON CONFLICT (service_id, day, bucket) DO UPDATE SET count = c.count + excluded.count;

	UPDATE log_rollup_state SET rolled_until = upto;
	RETURN upto;
END
$$;

-- Splits a metrics window in three, as stats_window does for events: [lo, hi)
-- is answered by the rolled tables, [since, lo) and [hi, until) by logs. Takes
-- the worker's microseconds, NULL for an open end, and returns the ends as
-- timestamps (an open end as -infinity or infinity).
CREATE FUNCTION metrics_window(since_usec bigint, until_usec bigint,
                               OUT since timestamptz, OUT lo timestamptz,
                               OUT hi timestamptz, OUT until timestamptz)
LANGUAGE sql STABLE AS $$
	SELECT s.since, CASE WHEN s.hi > s.lo THEN s.lo ELSE s.since END,
	       CASE WHEN s.hi > s.lo THEN s.hi ELSE s.since END, s.until
	  FROM (SELECT t.since, hour_floor(t.since - interval '1 microsecond') + interval '1 hour' AS lo,
	               CASE WHEN t.until >= r.rolled_until THEN r.rolled_until
	                    ELSE hour_floor(t.until) END AS hi, t.until
	          FROM (SELECT coalesce(usec_to_ts(since_usec), '-infinity') AS since,
	                       coalesce(usec_to_ts(until_usec), 'infinity') AS until) t,
	               log_rollup_state r) s
$$;

-- The metrics of GET /v1/metrics over the logs of svc (every service's when
-- NULL) received in [since, until) (microseconds, NULL for an open end).
-- Percentiles are percentile_cont's: for the fraction p of the N latencies,
-- rank r = p * (N - 1) and the latencies at ranks floor(r) and floor(r) + 1,
-- interpolated. The histogram tells which bucket holds rank floor(r) and how
-- many latencies lie below it; the logs are read in latency order from that
-- bucket's least latency, skipping those, through logs_latency or
-- logs_service_latency_received. The plans are made for the actual values
-- (the service, the window's split), which a generic plan would not know, and
-- never compiled: JIT compiling would cost more than the statement does.
CREATE FUNCTION log_metrics(svc uuid, since_usec bigint, until_usec bigint,
                            OUT total_requests bigint, OUT error_count bigint,
                            OUT error_rate double precision, OUT avg_latency_ms double precision,
                            OUT p50_latency_ms double precision, OUT p95_latency_ms double precision,
                            OUT p99_latency_ms double precision, OUT by_method jsonb,
                            OUT by_status jsonb)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan SET jit = off AS $$
DECLARE
	w record;
	d record;
BEGIN
	-- A STABLE function reads with its caller's snapshot: the split and the
	-- rolled rows agree.
	SELECT * INTO w FROM metrics_window(since_usec, until_usec);
	SELECT * INTO d FROM stats_days(w.lo, w.hi);
	WITH edges AS (
		SELECT method, coalesce(status_code, 0) AS status_code, is_error, latency_ms FROM logs
		 WHERE (svc IS NULL OR service_id = svc) AND received_at >= w.since AND received_at < w.lo
		UNION ALL
		SELECT method, coalesce(status_code, 0), is_error, latency_ms FROM logs
		 WHERE (svc IS NULL OR service_id = svc) AND received_at >= w.hi AND received_at < w.until
	), counts AS (
		SELECT method, status_code, is_error, sum(n) AS n, sum(ln) AS ln, sum(ls) AS ls FROM (
			SELECT method, status_code, is_error, count AS n, latency_count AS ln,
			       latency_sum AS ls FROM log_counts_daily
			 WHERE (svc IS NULL OR service_id = svc) AND day >= d.dlo AND day < d.dhi
			UNION ALL
			SELECT method, status_code, is_error, count, latency_count, latency_sum
			  FROM log_counts_hourly WHERE (svc IS NULL OR service_id = svc)
			   AND (hour >= w.lo AND hour < d.dlo OR hour >= d.dhi AND hour < w.hi)
			UNION ALL
			SELECT method, status_code, is_error, 1, (latency_ms IS NOT NULL)::int,
			       coalesce(latency_ms, 0) FROM edges
		) x GROUP BY 1, 2, 3
	), buckets AS (
		-- The window's histogram, with how many latencies lie below each bucket.
		SELECT bucket, n, (sum(n) OVER (ORDER BY bucket) - n)::bigint AS below FROM (
			SELECT bucket, sum(n)::bigint AS n FROM (
				SELECT bucket, count AS n FROM log_latency_daily
				 WHERE (svc IS NULL OR service_id = svc) AND day >= d.dlo AND day < d.dhi
				UNION ALL
				SELECT bucket, count FROM log_latency_hourly WHERE (svc IS NULL OR service_id = svc)
				   AND (hour >= w.lo AND hour < d.dlo OR hour >= d.dhi AND hour < w.hi)
				UNION ALL
				SELECT latency_bucket(latency_ms), 1 FROM edges WHERE latency_ms IS NOT NULL
			) x GROUP BY bucket
		) h
	), ranks AS (
		-- For each percentile i: r, k = floor(r), the bucket holding rank k
		-- (the last one with at most k latencies below it) and how many to
		-- skip in it. None without latencies.
		SELECT i, r, k, b.bucket, k - b.below AS skip
		  FROM (SELECT sum(n) AS total FROM buckets) t,
		       LATERAL (SELECT i, p * (t.total - 1)::float8 AS r
		                  FROM (VALUES (1, 0.5::float8), (2, 0.95::float8), (3, 0.99::float8)) v (i, p)) x,
		       LATERAL (SELECT floor(r)::bigint AS k) f,
		       LATERAL (SELECT bucket, below FROM buckets WHERE below <= k
		                 ORDER BY bucket DESC LIMIT 1) b
	), percentiles AS (
		SELECT i, CASE WHEN r = k THEN v[1] ELSE v[1] + (r - k) * (v[2] - v[1]) END AS value
		  FROM ranks, LATERAL (SELECT array_agg(latency_ms ORDER BY latency_ms) AS v FROM (
			SELECT latency_ms FROM logs
			 WHERE (svc IS NULL OR service_id = svc)
			   AND received_at >= w.since AND received_at < w.until
			   AND latency_ms >= latency_floor(ranks.bucket)
			 ORDER BY latency_ms OFFSET ranks.skip LIMIT 2) s) s
	)
	SELECT coalesce(sum(n), 0), coalesce(sum(n) FILTER (WHERE is_error), 0),
	       CASE WHEN sum(n) > 0
	            THEN coalesce(sum(n) FILTER (WHERE is_error), 0)::float8 / sum(n)::float8
	            ELSE 0 END,
	       sum(ls) / nullif(sum(ln), 0)::float8,
	       (SELECT value FROM percentiles WHERE i = 1),
	       (SELECT value FROM percentiles WHERE i = 2),
	       (SELECT value FROM percentiles WHERE i = 3),
	       (SELECT coalesce(jsonb_object_agg(method, n), '{}') FROM
	         (SELECT method, sum(n)::bigint AS n FROM counts GROUP BY method) m),
	       (SELECT coalesce(jsonb_object_agg(status_code, n), '{}') FROM
	         (SELECT status_code, sum(n)::bigint AS n FROM counts WHERE status_code <> 0
	           GROUP BY status_code) m)
	  INTO total_requests, error_count, error_rate, avg_latency_ms,
	       p50_latency_ms, p95_latency_ms, p99_latency_ms, by_method, by_status
	  FROM counts;
END
$$;

-- The percentiles read a window's logs in latency order from a bucket's least
-- latency on: per service, and across services, with received_at at hand so
-- that the scan never visits the table. The first replaces the index on
-- (service_id, latency_ms) alone, which served the latency filters of
-- GET /v1/logs as it will.
CREATE INDEX logs_service_latency_received ON logs (service_id, latency_ms) INCLUDE (received_at);
DROP INDEX logs_service_latency;
CREATE INDEX logs_latency ON logs (latency_ms) INCLUDE (received_at);
