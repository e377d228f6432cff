-- Metrics that cost the same at any number of logs: percentiles read from
-- the histogram once a bucket is too large to read, and per-route metrics
-- from hourly and daily counts by route.
--
-- log_metrics (sql/007) found each percentile exactly: the histogram tells
-- which bucket holds the rank, then the window's logs were read in latency
-- order through that bucket up to the rank. The read grows with the logs:
-- over 30 days of 20 M logs, a median's bucket holds about 400,000 of them
-- and its read took 30 ms of the 46. A bucket of more than
-- latency_read_max() latencies is no longer read: the percentile is
-- interpolated within it (latency_interpolated), within 6.25 % of the
-- exact value, as window alert rules measure them (sql/024).
--
-- GET /v1/metrics/routes read every log of its window: 730 ms over a month
-- of a million logs, past the statement timeout at 20 M. The rollup now also
-- counts logs by hour and by day, per method, route and latency bucket
-- (log_routes_hourly, log_routes_daily), in the pass that feeds the other
-- log tables; log_route_metrics answers whole days and hours from them and
-- the edges from the logs, and a window of at most latency_read_max() logs
-- from the logs alone, exactly.
--
-- The partial hours at a window's two ends were read from logs: at 28,000
-- logs an hour (20 M over 30 days), up to 28,000 rows each, which grew with
-- the logs. The rollup now also keeps the counts and latency histograms of
-- each minute (log_counts_minutely, log_latency_minutely), as long as the
-- service keeps its logs, and log_metrics reads the whole minutes of those
-- hours from them and only the seconds at each end from logs
-- (window_split).

-- latency_bucket(NULL) was 32752, the last bucket's (least() passes over a
-- NULL): log_minutes (sql/024), which means to count a log without a
-- latency under -1, counted it as an infinite one, and a window rule's p99
-- could read Infinity. It is NULL now.
CREATE OR REPLACE FUNCTION latency_bucket(ms double precision) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN ms IS NOT NULL
            THEN least((get_byte(float8send(abs(ms)), 0) << 8) | get_byte(float8send(abs(ms)), 1), 32752) END;

-- How many latencies a percentile may read exactly: about 2 ms.
CREATE FUNCTION latency_read_max() RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 10000;

-- The latency at rank r (from 0) of a histogram whose bucket holds the n
-- latencies of ranks below to below + n - 1: read as if they lay evenly
-- through the bucket. The last bucket (Infinity, NaN) answers its floor.
CREATE FUNCTION latency_interpolated(bucket integer, n bigint, below bigint, r double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN bucket >= 32752 THEN latency_floor(bucket)
            ELSE latency_floor(bucket) + (r - below + 0.5) / n
                 * (latency_floor(bucket + 1) - latency_floor(bucket)) END;

-- Splits a window [since, until) in five for a rollup counted up to rolled:
-- [lo, hi) is answered by the hourly counts, its whole days [dlo, dhi) by the
-- daily ones; [mlo, lo) and [hi, mhi) by the minute counts; and [since, mlo)
-- and [mhi, until) by the rows themselves, less than a minute each, or
-- whatever the rollup has not reached. mlo is the first minute boundary at
-- or after since; mhi is rolled when the window reaches it (the minute and
-- the hour holding rolled count exactly the rows before it), else the last
-- minute boundary before until; lo and hi likewise by hours. When no hour
-- fits, lo = hi = mlo (all minutes); when no minute fits, all are since (all
-- rows); when no day fits, dlo = dhi = hi. An open end is -infinity or
-- infinity.
--
-- A set-returning SQL function, so that the planner writes its body into
-- the statement that reads it (stats_bounds, sql/029): a function run as a
-- function is planned anew at each call.
CREATE FUNCTION window_split(since timestamptz, until timestamptz, rolled timestamptz)
RETURNS TABLE (mlo timestamptz, lo timestamptz, hi timestamptz, mhi timestamptz,
               dlo timestamptz, dhi timestamptz)
LANGUAGE sql STABLE AS $$
	SELECT b.mlo, b.lo, b.hi, b.mhi,
	       CASE WHEN d.hi > d.lo THEN d.lo ELSE b.hi END,
	       CASE WHEN d.hi > d.lo THEN d.hi ELSE b.hi END
	  FROM (SELECT minute_floor(since - interval '1 microsecond') + interval '1 minute' AS lo,
	               CASE WHEN until >= rolled THEN rolled ELSE minute_floor(until) END AS hi) m,
	       LATERAL (SELECT hour_floor(since - interval '1 microsecond') + interval '1 hour' AS lo,
	                       CASE WHEN until >= rolled THEN rolled ELSE hour_floor(until) END AS hi) h,
	       LATERAL (SELECT CASE WHEN m.hi > m.lo THEN m.lo ELSE since END AS mlo,
	                       CASE WHEN m.hi <= m.lo THEN since WHEN h.hi > h.lo THEN h.lo
	                            ELSE m.lo END AS lo,
	                       CASE WHEN m.hi <= m.lo THEN since WHEN h.hi > h.lo THEN h.hi
	                            ELSE m.lo END AS hi,
	                       CASE WHEN m.hi > m.lo THEN m.hi ELSE since END AS mhi) b,
	       LATERAL (SELECT day_floor(b.lo - interval '1 microsecond') + interval '1 day' AS lo,
	                       day_floor(b.hi) AS hi) d
$$;


-- The logs of each hour and day by method and route (the route, or the path
-- of a log stored before logs had routes) and latency bucket (-1: none).
CREATE TABLE log_routes_hourly (
	service_id uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
	hour       timestamptz NOT NULL,
	method     text NOT NULL,
	route      text NOT NULL,
	bucket     integer NOT NULL,
	count      bigint NOT NULL,
	errors     bigint NOT NULL,
	PRIMARY KEY (service_id, hour, method, route, bucket)
);
CREATE TABLE log_routes_daily (
	service_id uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
	day        timestamptz NOT NULL,
	method     text NOT NULL,
	route      text NOT NULL,
	bucket     integer NOT NULL,
	count      bigint NOT NULL,
	errors     bigint NOT NULL,
	PRIMARY KEY (service_id, day, method, route, bucket)
);
-- The counts and latency histograms of each minute, as of each hour in
-- log_counts_hourly and log_latency_hourly (sql/007).
CREATE TABLE log_counts_minutely (
	service_id    uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
	minute        timestamptz NOT NULL,
	method        text NOT NULL,
	status_code   smallint NOT NULL,
	is_error      boolean NOT NULL,
	count         bigint NOT NULL,
	latency_count bigint NOT NULL,
	latency_sum   double precision NOT NULL,
	PRIMARY KEY (service_id, minute, method, status_code, is_error)
);
CREATE TABLE log_latency_minutely (
	service_id uuid NOT NULL REFERENCES services (id) ON DELETE CASCADE,
	minute     timestamptz NOT NULL,
	bucket     integer NOT NULL,
	count      bigint NOT NULL,
	PRIMARY KEY (service_id, minute, bucket)
);
-- Metrics across all services read by time alone.
CREATE INDEX log_routes_hourly_hour ON log_routes_hourly (hour);
CREATE INDEX log_routes_daily_day ON log_routes_daily (day);
CREATE INDEX log_counts_minutely_minute ON log_counts_minutely (minute);
CREATE INDEX log_latency_minutely_minute ON log_latency_minutely (minute);

-- The logs counted so far (before log_rollup_state.rolled_until) are counted
-- by route and by minute too, with the rollup's lock held to the end of the
-- migration: the first run after it starts where these counts stop. On a
-- database of millions of logs this takes a while (see docs/operations.md,
-- "Upgrading"). The rows go in in time order, as the rollup writes them, so
-- that a window's edge reads a few pages.
SELECT pg_advisory_xact_lock(7369732);
CREATE TEMPORARY TABLE counted ON COMMIT DROP AS
SELECT service_id, minute_floor(received_at) AS minute, method::text AS method,
       coalesce(status_code, 0) AS status_code, is_error, coalesce(route, path) AS route,
       coalesce(latency_bucket(latency_ms), -1) AS bucket, count(*) AS count,
       count(latency_ms) AS latency_count, coalesce(sum(latency_ms), 0) AS latency_sum
  FROM logs WHERE received_at < (SELECT rolled_until FROM log_rollup_state)
 GROUP BY 1, 2, 3, 4, 5, 6, 7;
INSERT INTO log_routes_hourly
SELECT service_id, hour_floor(minute), method, route, bucket, sum(count),
       coalesce(sum(count) FILTER (WHERE is_error), 0)
  FROM counted GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2;
INSERT INTO log_routes_daily
SELECT service_id, day_floor(hour), method, route, bucket, sum(count), sum(errors)
  FROM log_routes_hourly GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2;
INSERT INTO log_counts_minutely
SELECT service_id, minute, method, status_code, is_error, sum(count), sum(latency_count),
       sum(latency_sum)
  FROM counted GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2;
INSERT INTO log_latency_minutely
SELECT service_id, minute, bucket, sum(count) FROM counted WHERE bucket >= 0
 GROUP BY 1, 2, 3 ORDER BY 1, 2;
ANALYZE log_routes_hourly, log_routes_daily, log_counts_minutely, log_latency_minutely;

CREATE OR REPLACE FUNCTION rollup_logs() RETURNS timestamptz
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
	upto := capped(done, upto, 'logs');

	-- One pass over the new logs feeds the eight tables: grouped by minute,
	-- method, status, route and latency bucket, then summed for each table.
	WITH new_logs AS (
		SELECT service_id, minute_floor(received_at) AS minute, method,
		       coalesce(status_code, 0) AS status_code, is_error, coalesce(route, path) AS route,
		       coalesce(latency_bucket(latency_ms), -1) AS bucket, count(*) AS count,
		       count(latency_ms) AS latency_count, coalesce(sum(latency_ms), 0) AS latency_sum
		  FROM logs WHERE received_at >= done AND received_at < upto
		 GROUP BY 1, 2, 3, 4, 5, 6, 7
	), new_routes AS (
		SELECT service_id, hour_floor(minute) AS hour, method, route, bucket,
		       sum(count) AS count, coalesce(sum(count) FILTER (WHERE is_error), 0) AS errors
		  FROM new_logs GROUP BY 1, 2, 3, 4, 5
	), routes_hourly AS (
		INSERT INTO log_routes_hourly AS c
		SELECT * FROM new_routes
		ON CONFLICT (service_id, hour, method, route, bucket)
		DO UPDATE SET count = c.count + excluded.count, errors = c.errors + excluded.errors
	), routes_daily AS (
		INSERT INTO log_routes_daily AS c
		SELECT service_id, day_floor(hour), method, route, bucket, sum(count), sum(errors)
		  FROM new_routes GROUP BY 1, 2, 3, 4, 5
		ON CONFLICT (service_id, day, method, route, bucket)
		DO UPDATE SET count = c.count + excluded.count, errors = c.errors + excluded.errors
	), minute_counts AS (
		SELECT service_id, minute, method, status_code, is_error, sum(count) AS count,
		       sum(latency_count) AS latency_count, sum(latency_sum) AS latency_sum
		  FROM new_logs GROUP BY 1, 2, 3, 4, 5
	), minute_latencies AS (
		SELECT service_id, minute, bucket, sum(count) AS count
		  FROM new_logs WHERE bucket >= 0 GROUP BY 1, 2, 3
	), new_counts AS (
		SELECT service_id, hour_floor(minute) AS hour, method, status_code, is_error,
		       sum(count) AS count, sum(latency_count) AS latency_count,
		       sum(latency_sum) AS latency_sum
		  FROM minute_counts GROUP BY 1, 2, 3, 4, 5
	), new_latencies AS (
		SELECT service_id, hour_floor(minute) AS hour, bucket, sum(count) AS count
		  FROM minute_latencies GROUP BY 1, 2, 3
	), counts_minutely AS (
		INSERT INTO log_counts_minutely AS c
		SELECT * FROM minute_counts
		ON CONFLICT (service_id, minute, method, status_code, is_error)
		DO UPDATE SET count = c.count + excluded.count,
		              latency_count = c.latency_count + excluded.latency_count,
		              latency_sum = c.latency_sum + excluded.latency_sum
	), latencies_minutely AS (
		INSERT INTO log_latency_minutely AS c
		SELECT * FROM minute_latencies
		ON CONFLICT (service_id, minute, bucket) DO UPDATE SET count = c.count + excluded.count
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
ALTER FUNCTION rollup_logs() SET plan_cache_mode = force_custom_plan;

-- The metrics of GET /v1/metrics over the logs of svc (every service's when
-- NULL) received in [since, until) (microseconds, NULL for an open end),
-- split by window_split: whole days and hours from the daily and hourly
-- tables, whole minutes from the minute ones, the seconds at each end (and
-- the logs the rollup has not reached) from logs. Percentiles are
-- percentile_cont's: for the fraction p of the N latencies, rank r = p * (N -
-- 1) and the latencies at ranks floor(r) and floor(r) + 1, interpolated. The
-- histogram tells which bucket holds rank floor(r) and how many latencies
-- lie below it; the logs are read in latency order from that bucket's least
-- latency, skipping those, through logs_latency or
-- logs_service_latency_received, while the bucket holds at most
-- latency_read_max() latencies; past that the rank is interpolated within
-- the bucket. The plans are made for the actual values (the service, the
-- window's split), which a generic plan would not know, and never compiled:
-- JIT compiling would cost more than the statement does.
CREATE OR REPLACE FUNCTION log_metrics(svc uuid, since_usec bigint, until_usec bigint,
                            OUT total_requests bigint, OUT error_count bigint,
                            OUT error_rate double precision, OUT avg_latency_ms double precision,
                            OUT p50_latency_ms double precision, OUT p95_latency_ms double precision,
                            OUT p99_latency_ms double precision, OUT by_method jsonb,
                            OUT by_status jsonb)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan SET jit = off AS $$
DECLARE
	since timestamptz := coalesce(usec_to_ts(since_usec), '-infinity');
	until timestamptz := coalesce(usec_to_ts(until_usec), 'infinity');
	w record;
BEGIN
	-- A STABLE function reads with its caller's snapshot: the split and the
	-- rolled rows agree.
	SELECT * INTO w FROM log_rollup_state r, LATERAL window_split(since, until, r.rolled_until);
	WITH edges AS (
		SELECT method, coalesce(status_code, 0) AS status_code, is_error, latency_ms FROM logs
		 WHERE (svc IS NULL OR service_id = svc) AND received_at >= since AND received_at < w.mlo
		UNION ALL
		SELECT method, coalesce(status_code, 0), is_error, latency_ms FROM logs
		 WHERE (svc IS NULL OR service_id = svc) AND received_at >= w.mhi AND received_at < until
	), counts AS (
		SELECT method, status_code, is_error, sum(n) AS n, sum(ln) AS ln, sum(ls) AS ls FROM (
			SELECT method, status_code, is_error, count AS n, latency_count AS ln,
			       latency_sum AS ls FROM log_counts_daily
			 WHERE (svc IS NULL OR service_id = svc) AND day >= w.dlo AND day < w.dhi
			UNION ALL
			SELECT method, status_code, is_error, count, latency_count, latency_sum
			  FROM log_counts_hourly WHERE (svc IS NULL OR service_id = svc)
			   AND (hour >= w.lo AND hour < w.dlo OR hour >= w.dhi AND hour < w.hi)
			UNION ALL
			SELECT method, status_code, is_error, count, latency_count, latency_sum
			  FROM log_counts_minutely WHERE (svc IS NULL OR service_id = svc)
			   AND (minute >= w.mlo AND minute < w.lo OR minute >= w.hi AND minute < w.mhi)
			UNION ALL
			SELECT method, status_code, is_error, 1, (latency_ms IS NOT NULL)::int,
			       coalesce(latency_ms, 0) FROM edges
		) x GROUP BY 1, 2, 3
	), buckets AS (
		-- The window's histogram, with how many latencies lie below each bucket.
		SELECT bucket, n, (sum(n) OVER (ORDER BY bucket) - n)::bigint AS below FROM (
			SELECT bucket, sum(n)::bigint AS n FROM (
				SELECT bucket, count AS n FROM log_latency_daily
				 WHERE (svc IS NULL OR service_id = svc) AND day >= w.dlo AND day < w.dhi
				UNION ALL
				SELECT bucket, count FROM log_latency_hourly WHERE (svc IS NULL OR service_id = svc)
				   AND (hour >= w.lo AND hour < w.dlo OR hour >= w.dhi AND hour < w.hi)
				UNION ALL
				SELECT bucket, count FROM log_latency_minutely WHERE (svc IS NULL OR service_id = svc)
				   AND (minute >= w.mlo AND minute < w.lo OR minute >= w.hi AND minute < w.mhi)
				UNION ALL
				SELECT latency_bucket(latency_ms), 1 FROM edges WHERE latency_ms IS NOT NULL
			) x GROUP BY bucket
		) h
	), ranks AS (
		-- For each percentile i: r, k = floor(r), the bucket holding rank k
		-- (the last one with at most k latencies below it) and how many to
		-- skip in it. None without latencies.
		SELECT i, r, k, b.bucket, b.n, b.below, k - b.below AS skip
		  FROM (SELECT sum(n) AS total FROM buckets) t,
		       LATERAL (SELECT i, p * (t.total - 1)::float8 AS r
		                  FROM (VALUES (1, 0.5::float8), (2, 0.95::float8), (3, 0.99::float8)) v (i, p)) x,
		       LATERAL (SELECT floor(r)::bigint AS k) f,
		       LATERAL (SELECT bucket, n, below FROM buckets WHERE below <= k
		                 ORDER BY bucket DESC LIMIT 1) b
	), percentiles AS (
		-- Exact while the bucket is small enough to read; past that, from
		-- the histogram.
		SELECT i, CASE WHEN n > latency_read_max() THEN latency_interpolated(bucket, n, below, r)
		               WHEN r = k THEN v[1] ELSE v[1] + (r - k) * (v[2] - v[1]) END AS value
		  FROM ranks, LATERAL (SELECT array_agg(latency_ms ORDER BY latency_ms) AS v FROM (
			SELECT latency_ms FROM logs
			 WHERE ranks.n <= latency_read_max() AND (svc IS NULL OR service_id = svc)
			   AND received_at >= since AND received_at < until
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

-- The metrics of GET /v1/metrics/routes: per method and route, the logs of
-- svc (every service's when NULL) received in [since, until) (microseconds,
-- NULL for an open end), their errors and latency percentiles. A window of
-- at most latency_read_max() logs is read whole, with percentile_cont's
-- exact percentiles. A larger one is split as log_metrics splits it: whole
-- days from log_routes_daily, whole hours from log_routes_hourly, the edges
-- from the logs; its counts are exact and its percentiles interpolated
-- within their histogram bucket (latency_interpolated).
CREATE FUNCTION log_route_metrics(svc uuid, since_usec bigint, until_usec bigint)
RETURNS TABLE (method text, route text, n bigint, errors bigint, p50 double precision,
               p95 double precision, p99 double precision)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan SET jit = off AS $$
DECLARE
	w record;
	d record;
BEGIN
	SELECT * INTO w FROM metrics_window(since_usec, until_usec);
	IF (SELECT count(*) FROM (SELECT FROM logs l WHERE (svc IS NULL OR l.service_id = svc)
	      AND l.received_at >= w.since AND l.received_at < w.until LIMIT latency_read_max() + 1) s)
	   <= latency_read_max() THEN
		RETURN QUERY
		SELECT x.method, x.route, x.n, x.errors, x.p[1], x.p[2], x.p[3]
		  FROM (SELECT l.method::text, coalesce(l.route, l.path) AS route, count(*) AS n,
		               count(*) FILTER (WHERE l.is_error) AS errors,
		               percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY l.latency_ms) AS p
		          FROM logs l WHERE (svc IS NULL OR l.service_id = svc)
		           AND l.received_at >= w.since AND l.received_at < w.until
		         GROUP BY 1, 2) x;
		RETURN;
	END IF;
	SELECT * INTO d FROM stats_days(w.lo, w.hi);
	RETURN QUERY
	WITH parts AS (
		SELECT r.method, r.route, r.bucket, r.count AS n, r.errors AS e FROM log_routes_daily r
		 WHERE (svc IS NULL OR r.service_id = svc) AND r.day >= d.dlo AND r.day < d.dhi
		UNION ALL
		SELECT r.method, r.route, r.bucket, r.count, r.errors FROM log_routes_hourly r
		 WHERE (svc IS NULL OR r.service_id = svc)
		   AND (r.hour >= w.lo AND r.hour < d.dlo OR r.hour >= d.dhi AND r.hour < w.hi)
		UNION ALL
		SELECT l.method::text, coalesce(l.route, l.path), coalesce(latency_bucket(l.latency_ms), -1), 1,
		       l.is_error::int FROM logs l
		 WHERE (svc IS NULL OR l.service_id = svc)
		   AND (l.received_at >= w.since AND l.received_at < w.lo
		        OR l.received_at >= w.hi AND l.received_at < w.until)
	), h AS (
		SELECT p.method, p.route, p.bucket, sum(p.n)::bigint AS n, sum(p.e)::bigint AS e
		  FROM parts p GROUP BY 1, 2, 3
	), lat AS (
		-- Each bucket with the latencies below it, and the last rank.
		SELECT h.method, h.route, h.bucket, h.n,
		       (sum(h.n) OVER (PARTITION BY h.method, h.route ORDER BY h.bucket) - h.n)::bigint AS below,
		       (sum(h.n) OVER (PARTITION BY h.method, h.route) - 1)::bigint AS last
		  FROM h WHERE h.bucket >= 0
	), ranks AS (
		-- Each percentile's r, and the ranks k = floor(r) and k + 1 (at most
		-- the last) that percentile_cont interpolates between.
		SELECT g.method, g.route, q.i, q.p * g.last AS r, floor(q.p * g.last)::bigint AS k,
		       least(floor(q.p * g.last)::bigint + 1, g.last) AS k1
		  FROM (SELECT DISTINCT lat.method, lat.route, lat.last FROM lat) g,
		       (VALUES (1, 0.5::float8), (2, 0.95::float8), (3, 0.99::float8)) q (i, p)
	), at_ranks AS (
		-- The latencies at k and k + 1, each within its bucket: ranks that lie
		-- in two buckets far apart (a few slow requests) are interpolated
		-- between as percentile_cont does, so the value stays within 6.25 %.
		SELECT rk.method, rk.route, rk.i, rk.r, rk.k,
		       max(latency_interpolated(l.bucket, l.n, l.below, rk.k))
		           FILTER (WHERE l.below <= rk.k AND rk.k < l.below + l.n) AS vk,
		       max(latency_interpolated(l.bucket, l.n, l.below, rk.k1))
		           FILTER (WHERE l.below <= rk.k1 AND rk.k1 < l.below + l.n) AS vk1
		  FROM ranks rk JOIN lat l ON l.method = rk.method AND l.route = rk.route
		 GROUP BY 1, 2, 3, 4, 5
	), pct AS (
		SELECT a.method, a.route,
		       max(a.v) FILTER (WHERE a.i = 1) AS p50, max(a.v) FILTER (WHERE a.i = 2) AS p95,
		       max(a.v) FILTER (WHERE a.i = 3) AS p99
		  FROM (SELECT x.method, x.route, x.i,
		               CASE WHEN x.r = x.k THEN x.vk ELSE x.vk + (x.r - x.k) * (x.vk1 - x.vk) END AS v
		          FROM at_ranks x) a
		 GROUP BY 1, 2
	), totals AS (
		SELECT h.method, h.route, sum(h.n)::bigint AS n, sum(h.e)::bigint AS e FROM h GROUP BY 1, 2
	)
	SELECT t.method, t.route, t.n, t.e, p.p50, p.p95, p.p99
	  FROM totals t LEFT JOIN pct p ON p.method = t.method AND p.route = t.route;
END
$$;

