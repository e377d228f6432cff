#!/usr/bin/perl
# Metrics over many logs (docs/api.md, "Metrics" and "By route"): past
# 10,000 logs a window of GET /v1/metrics/routes is read from the hourly and
# daily counts by route that telltale-rollup keeps, with exact counts and
# percentiles within 6.25 % of percentile_cont's; GET /v1/metrics reads a
# percentile from its histogram once its bucket holds more than 10,000
# latencies. Up to that, both stay exact. The logs are stored at known past
# instants with psql (ingest always stamps "now") and the rollup rebuilt.
use strict;
use warnings;

use Test::More;
use JSON::PP ();
use Telltale;

my $HOUR = 3600 * 1_000_000;
my $MIN = 60 * 1_000_000;
my $LOCK = 7369732;    # rollup_logs()'s advisory lock
my $h0 = int(now_usec() / $HOUR) * $HOUR - 80 * $HOUR;    # over three days ago, on the hour
my $svc = new_service('histograms');
my $other = new_service('histograms-other');
my $N = 14_000;

# 14,000 logs over 72 hours: three routes (one only a path), two methods,
# every seventh a 500, every 50th without a latency. Latencies 50 to 51 ms
# (one histogram bucket, 50 to 52) for most, 100 to 400 ms for the rest.
ok(db_query(<<"SQL"), "$N logs stored at past instants");
INSERT INTO logs (service_id, method, url, path, route, status_code, latency_ms, received_at)
SELECT '$svc->{id}', (ARRAY['GET', 'POST'])[1 + i % 2]::http_method, 'https://h.example/x',
       '/path/' || (i % 3), CASE i % 3 WHEN 0 THEN '/items/{id}' WHEN 1 THEN '/pay' END,
       CASE WHEN i % 7 = 0 THEN 500 ELSE 200 END,
       CASE WHEN i % 50 = 0 THEN NULL WHEN i % 5 = 0 THEN 100 + (i * 7919) % 300
            ELSE 50 + (i % 997) / 1000.0 END,
       usec_to_ts($h0 + i * (72 * $HOUR / $N))
  FROM generate_series(1, $N) i
SQL
ok(db_query("INSERT INTO logs (service_id, method, url, path, status_code, latency_ms, received_at)"
	    . " VALUES ('$other->{id}', 'GET', 'https://o.example/y', '/other', 200, 7, usec_to_ts($h0 + 30 * $MIN))"),
   'and one log of another service');
ok(rollup_rebuild($LOCK, 'log_rollup_state', log_rollup_tables(), 60), 'telltale-rollup counts them again');
for my $table (qw(log_routes_hourly log_routes_daily)) {
	is(db_query("SELECT sum(count) FROM $table WHERE service_id = '$svc->{id}'")->[0][0], $N,
	   "$table holds every log of the service");
}

# The figures per method and route as the raw logs give them.
sub raw_routes {
	my ($sid, $since, $until) = @_;
	my $rows = db_query("SELECT method, coalesce(route, path), count(*), count(*) FILTER (WHERE is_error),"
		. " percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms),"
		. " percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms),"
		. " percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms)"
		. " FROM logs WHERE " . ($sid ? "service_id = '$sid'" : 'true')
		. " AND received_at >= usec_to_ts($since) AND received_at < usec_to_ts($until) GROUP BY 1, 2");
	return { map { ("$_->[0] $_->[1]" => $_) } @$rows };
}

sub within { my ($got, $want, $share) = @_; return abs($got - $want) <= $share * abs($want) }

# routes_ok($sid or undef, $since, $until, $exact, $name): GET /v1/metrics/routes
# over the window gives the raw logs' counts exactly, and their percentiles
# exactly or within 6.25 %.
sub routes_ok {
	my ($sid, $since, $until, $exact, $name) = @_;
	subtest $name => sub {
		my $q = join '&', ($sid ? ("service_id=$sid") : ()), 'since=' . fmt_usec($since),
			'until=' . fmt_usec($until), 'limit=500';
		my $res = req('GET', "/v1/metrics/routes?$q");
		is($res->{status}, 200, 'answered');
		my $want = raw_routes($sid, $since, $until);
		my %got = map { ("$_->{method} $_->{route}" => $_) } @{ $res->{json}{items} || [] };
		is_deeply([ sort keys %got ], [ sort keys %$want ], 'a row per method and route');
		for my $k (sort keys %$want) {
			my ($w, $g) = ($want->{$k}, $got{$k} || {});
			is("$g->{count}/$g->{error_count}", "$w->[2]/$w->[3]", "$k: count and errors");
			for my $p ([ 'p50_latency_ms', 4 ], [ 'p95_latency_ms', 5 ], [ 'p99_latency_ms', 6 ]) {
				my ($field, $col) = @$p;
				if (!length $w->[$col]) {
					is($g->{$field}, undef, "$k: $field null without latencies");
				} elsif ($exact) {
					is($g->{$field}, $w->[$col] + 0, "$k: $field exact");
				} else {
					ok(within($g->{$field} // -1, $w->[$col], 0.0625),
					   "$k: $field $g->{$field} within 6.25 % of $w->[$col]");
				}
			}
		}
	};
}

# Edges inside hours at both ends, then whole days and hours only.
routes_ok($svc->{id}, $h0 + 17 * $MIN + 3, $h0 + 70 * $HOUR + 41 * $MIN, 0,
	  '14,000 logs, edges inside hours: counts exact, percentiles within 6.25 %');
routes_ok($svc->{id}, $h0 + 24 * $HOUR - 20 * $HOUR, $h0 + 72 * $HOUR, 0, 'on hour boundaries');
routes_ok(undef, $h0 + 17 * $MIN + 3, $h0 + 70 * $HOUR + 41 * $MIN, 0, 'across services');
routes_ok($svc->{id}, $h0 + 10 * $HOUR + 5 * $MIN, $h0 + 40 * $HOUR + 7 * $MIN, 1,
	  'under 10,000 logs: read whole, percentiles exact');

# GET /v1/metrics: the median's bucket (50 to 52 ms) holds more than 10,000
# latencies over the whole window, fewer over a third of it.
sub metrics_vs_raw {
	my ($since, $until) = @_;
	my $got = req('GET', "/v1/metrics?service_id=$svc->{id}&since=" . fmt_usec($since) . '&until=' . fmt_usec($until))->{json};
	my $want = db_query("SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms),"
		. " percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms) FROM logs"
		. " WHERE service_id = '$svc->{id}' AND received_at >= usec_to_ts($since) AND received_at < usec_to_ts($until)")->[0];
	return ($got, $want);
}
my $in_bucket = db_query("SELECT count(*) FROM logs WHERE service_id = '$svc->{id}' AND latency_ms >= 50 AND latency_ms < 52")->[0][0];
cmp_ok($in_bucket, '>', 10_000, "$in_bucket latencies in the median's bucket");
my ($got, $want) = metrics_vs_raw($h0, $h0 + 73 * $HOUR);
is($got->{total_requests}, $want->[0], 'GET /v1/metrics over them all: every request');
ok(within($got->{p50_latency_ms}, $want->[1], 0.0625), "  p50 $got->{p50_latency_ms} within 6.25 % of $want->[1]");
ok($got->{p50_latency_ms} >= 50 && $got->{p50_latency_ms} < 52, '  and within its bucket');
is($got->{p99_latency_ms}, $want->[2] + 0, '  p99 exact: its bucket is small');
($got, $want) = metrics_vs_raw($h0 + 5 * $HOUR, $h0 + 29 * $HOUR + 13 * $MIN);
is($got->{p50_latency_ms}, $want->[1] + 0, 'over a third of them, p50 exact');

# Whole minutes at a window's edges come from the minute counts, the seconds
# from the logs: every count, the average and the figures by method and
# status are exact, with logs on both sides of each edge within its minute.
for my $w ([ 3 * $HOUR + 7 * $MIN + 13_500_000, 50 * $HOUR + 2 * $MIN + 41_000_000 ],
	   [ 59 * $MIN + 59_000_000, 61 * $MIN + 1 ], [ 25 * $MIN, 26 * $MIN + 30_000_000 ]) {
	my ($since, $until) = map { $h0 + $_ } @$w;
	my $got = req('GET', "/v1/metrics?service_id=$svc->{id}&since=" . fmt_usec($since) . '&until=' . fmt_usec($until))->{json};
	my $in = "service_id = '$svc->{id}' AND received_at >= usec_to_ts($since) AND received_at < usec_to_ts($until)";
	my $want = db_query("SELECT count(*), count(*) FILTER (WHERE is_error), avg(latency_ms),"
		. " (SELECT jsonb_object_agg(method, n) FROM (SELECT method, count(*) AS n FROM logs WHERE $in GROUP BY 1) m),"
		. " (SELECT jsonb_object_agg(status_code, n) FROM (SELECT status_code, count(*) AS n FROM logs WHERE $in GROUP BY 1) m)"
		. " FROM logs WHERE $in")->[0];
	my $label = fmt_usec($since) . ' to ' . fmt_usec($until);
	is("$got->{total_requests}/$got->{error_count}", "$want->[0]/$want->[1]", "$label: requests and errors exact");
	ok(abs($got->{avg_latency_ms} - $want->[2]) < 1e-9 * $want->[2], '  the average');
	is_deeply([ $got->{by_method}, $got->{by_status} ], [ JSON::PP::decode_json($want->[3]), JSON::PP::decode_json($want->[4]) ],
		  '  by method and by status');
}

# Deleting the service takes its counts by route and by minute along.
is(req('DELETE', "/v1/services/$svc->{id}")->{status}, 204, 'the service is deleted');
is(db_query("SELECT " . join(' + ', map { "(SELECT count(*) FROM $_ WHERE service_id = '$svc->{id}')" }
			 qw(log_routes_hourly log_routes_daily log_counts_minutely log_latency_minutely)))->[0][0], 0,
   '  and its counts by route and by minute');

done_testing;
