#!/usr/bin/perl
# GET /v1/metrics reads whole days and hours from the counts and latency
# histograms that telltale-rollup keeps, and the edges of a window from the
# logs themselves. This test stores logs at known past instants (with psql:
# ingest always stamps "now"), has the rollup rebuilt from scratch, and checks
# every figure over windows whose edges fall inside hours, on hour boundaries
# and inside a single hour, per service and across services, against
# PostgreSQL's own aggregates over the raw logs (percentiles to the last digit)
# and against counts computed here. Then logs ingested after the last rollup
# run (the raw tail) must add up with the rolled ones, and deleting a service
# must remove its rolled rows.
use strict;
use warnings;

use Test::More;
use JSON::PP ();
use Telltale;
use Telltale::DB qw(database_url);

my $HOUR = 3600 * 1_000_000;
my $MIN = 60 * 1_000_000;
my $DAY = 24 * $HOUR;
my $h0 = int(now_usec() / $HOUR) * $HOUR - 100 * $HOUR;   # four days ago and more, on the hour
my $LOCK = 7369732;                                        # rollup_logs()'s advisory lock
my @TEXT_FIELDS = qw(total_requests error_count error_rate p50_latency_ms p95_latency_ms p99_latency_ms);

my %svc = map { $_ => new_service("rollup-$_") } qw(a c d);
# Minutes after h0 at which logs are stored: inside hours, on the hour, and
# over the next days so that whole days are rolled too.
my @minutes = (10, 50, 60, 65, 119, 120, 179, 210, 215, 1500, 2000, 2890, 3100, 4300, 4400);
my @logs;   # {service, at, method, status, error, latency}: latency is SQL text or undef

# a: mixed methods and statuses, some without a status or a latency, errors
# below 500, and latencies rounded to the millisecond so that some are equal.
srand(1210);
my @methods = qw(GET GET GET POST PUT DELETE);
my @statuses = (200, 200, 200, 201, 404, 429, 500, 503, undef);
for my $m (@minutes) {
	for my $i (1 .. 5 + int(rand(20))) {
		push @logs, { service => 'a', at => $h0 + $m * $MIN + $i * 1000,
			      method => $methods[rand @methods], status => $statuses[rand @statuses],
			      error => rand() < 0.1 ? 'reset' : undef,
			      latency => rand() < 0.1 ? undef : sprintf('%.0f', -40 * log(1 - rand())) };
	}
}
# c: many equal latencies, most of them exactly on bucket bounds (64 and 68
# start buckets; the next double below 64 ends one), zero and a subnormal.
# Over all of c the median falls between the last 64 and the first 68, and
# p99 between a 72 and 1000.
my @c_latencies = (('0') x 3, '5e-324', ('63.99999999999999') x 4, ('64') x 42, ('68') x 28,
		   ('72') x 21, '1000', undef);
for my $i (0 .. $#c_latencies) {
	push @logs, { service => 'c', at => $h0 + $minutes[$i % @minutes] * $MIN + 500_000 + $i,
		      method => 'GET', status => 200, latency => $c_latencies[$i] };
}
# d: no latencies at all.
for my $i (0 .. 5) {
	push @logs, { service => 'd', at => $h0 + $minutes[$i * 2] * $MIN + 700_000,
		      method => 'HEAD', status => 204, latency => undef };
}

my $values = join ', ', map {
	sprintf("('%s', '%s', 'https://r.example.com/x', '/x', %s, %s, %s, usec_to_ts(%d))",
		$svc{ $_->{service} }{id}, $_->{method}, $_->{status} // 'NULL',
		defined $_->{latency} ? "'$_->{latency}'" : 'NULL',
		defined $_->{error} ? "'$_->{error}'" : 'NULL', $_->{at})
} @logs;
ok(db_query("INSERT INTO logs (service_id, method, url, path, status_code, latency_ms, error, received_at)"
	    . " VALUES $values"), scalar(@logs) . ' logs stored at past instants');

# Rebuild the rollup from scratch.
ok(rollup_rebuild($LOCK, 'log_rollup_state', log_rollup_tables(), 60),
   'telltale-rollup counts them again');

sub of_service { my ($s) = @_; return grep { $_->{service} eq $s } @logs }

for my $table (qw(log_counts_hourly log_counts_daily)) {
	my $r = db_query("SELECT sum(count), sum(latency_count) FROM $table WHERE service_id = '$svc{a}{id}'");
	is_deeply($r->[0], [ scalar(of_service('a')), scalar(grep { defined $_->{latency} } of_service('a')) ],
		  "$table holds every log of a and its latencies");
}
for my $table (qw(log_latency_hourly log_latency_daily)) {
	my $r = db_query("SELECT sum(count) FROM $table WHERE service_id = '$svc{c}{id}'");
	is($r->[0][0], scalar(grep { defined } @c_latencies), "$table holds every latency of c");
}

# Each latency lies in its bucket: at or above the bucket's least latency and
# below the next bucket's, bounds included.
my $bounds = db_query("SELECT x, latency_floor(latency_bucket(x)) <= x AND x < latency_floor(latency_bucket(x) + 1)"
		      . " FROM unnest('{0, 5e-324, 1e-310, 0.001, 1.5, 63.99999999999999, 64, 67.99999999999999,"
		      . " 68, 72, 1000, 1e12}'::float8[]) x");
is_deeply([ grep { $_->[1] ne 't' } @$bounds ], [], 'latencies on and next to bucket bounds fall in their bucket');

# --- the figures -----------------------------------------------------------------------------

# The figures as the raw logs give them: [texts of @TEXT_FIELDS, average,
# by_method, by_status].
sub raw_figures {
	my ($sid, $since, $until) = @_;
	my $w = join ' AND ', 'true', ($sid ? ("service_id = '$sid'") : ()),
		(defined $since ? ("received_at >= usec_to_ts($since)") : ()),
		(defined $until ? ("received_at < usec_to_ts($until)") : ());
	my $r = db_query("SELECT count(*), count(*) FILTER (WHERE is_error),"
		. " CASE count(*) WHEN 0 THEN 0 ELSE (count(*) FILTER (WHERE is_error))::float8 / count(*) END,"
		. join('', map { " percentile_cont($_) WITHIN GROUP (ORDER BY latency_ms)," } 0.5, 0.95, 0.99)
		. " avg(latency_ms),"
		. " (SELECT coalesce(jsonb_object_agg(method, n), '{}') FROM"
		. "   (SELECT method, count(*) AS n FROM logs WHERE $w GROUP BY 1) m),"
		. " (SELECT coalesce(jsonb_object_agg(status_code, n), '{}') FROM"
		. "   (SELECT status_code, count(*) AS n FROM logs WHERE $w AND status_code IS NOT NULL GROUP BY 1) s)"
		. " FROM logs WHERE $w")->[0];
	my @texts = map { length $_ ? $_ : 'null' } @$r[0 .. 5];
	return [ @texts, length $r->[6] ? $r->[6] : undef, JSON::PP::decode_json($r->[7]),
		 JSON::PP::decode_json($r->[8]) ];
}

# The counts of the logs of service $s stored here, in [since, until).
sub counted_here {
	my ($s, $since, $until) = @_;
	my @in = grep { (!defined $since || $_->{at} >= $since) && (!defined $until || $_->{at} < $until) }
		of_service($s);
	my (%method, %status);
	$method{ $_->{method} }++ for @in;
	$status{ $_->{status} }++ for grep { defined $_->{status} } @in;
	my $errors = grep { defined $_->{error} || ($_->{status} // 0) >= 500 } @in;
	return [ scalar @in, $errors, \%method, \%status ];
}

# metrics_ok($service or undef, $since, $until, $name): one subtest that
# GET /v1/metrics over the window answers what the raw logs give (the
# percentiles, counts and rates to the last digit), and for a service of this
# test what its logs stored here give. Returns the answer.
sub metrics_ok {
	my ($s, $since, $until, $name) = @_;
	my $sid = $s && $svc{$s}{id};
	my $q = join '&', ($sid ? ("service_id=$sid") : ()), (defined $since ? ('since=' . fmt_usec($since)) : ()),
		(defined $until ? ('until=' . fmt_usec($until)) : ());
	my $res = req('GET', "/v1/metrics?$q");
	my $got = $res->{json} || {};
	my $want = raw_figures($sid, $since, $until);
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	subtest $name => sub {
		is($res->{status}, 200, 'status 200') or diag($res->{body});
		for my $i (0 .. $#TEXT_FIELDS) {
			my ($text) = ($res->{body} // '') =~ /"$TEXT_FIELDS[$i]":(null|[^,}]+)/;
			is($text, $want->[$i], "$TEXT_FIELDS[$i] as PostgreSQL computes it");
		}
		my ($avg, $want_avg) = ($got->{avg_latency_ms}, $want->[6]);
		ok(defined $avg ? defined $want_avg && abs($avg - $want_avg) <= 1e-12 * abs($want_avg)
		   : !defined $want_avg, 'avg_latency_ms, but for the order of the sum')
			or diag('got ' . ($avg // 'null') . ', want ' . ($want_avg // 'null'));
		is_deeply([ $got->{by_method}, $got->{by_status} ], [ @$want[7, 8] ], 'by_method and by_status');
		if ($s) {
			is_deeply([ @$got{qw(total_requests error_count by_method by_status)} ],
				  counted_here($s, $since, $until), 'the counts of the logs stored here');
		}
	};
	return $got;
}

my @windows = (
	[ 'edges inside hours', $h0 + 20 * $MIN, $h0 + 212 * $MIN ],
	[ 'edges on the hour', $h0, $h0 + 4 * $HOUR ],
	[ 'since at a log, until at another', $h0 + 10 * $MIN + 1000, $h0 + 120 * $MIN + 1000 ],
	[ 'inside one hour', $h0 + 5 * $MIN, $h0 + 55 * $MIN ],
	[ 'one microsecond: a single log of c', $h0 + 10 * $MIN + 500_000, $h0 + 10 * $MIN + 500_001 ],
	[ 'one whole hour', $h0 + $HOUR, $h0 + 2 * $HOUR ],
	[ 'whole days and hours around them', $h0 + 20 * $MIN, $h0 + 4350 * $MIN ],
	[ 'days on the edges', int($h0 / $DAY) * $DAY, int($h0 / $DAY) * $DAY + 3 * $DAY ],
	[ 'since alone', $h0 + 30 * $MIN, undef ],
	[ 'until alone', undef, $h0 + 3000 * $MIN ],
	[ 'no window', undef, undef ],
	[ 'after every log', $h0 + 5000 * $MIN, $h0 + 5100 * $MIN ],
);
for my $w (@windows) {
	my ($name, $since, $until) = @$w;
	metrics_ok($_, $since, $until, "$name: $_") for qw(a c d);
	metrics_ok(undef, $since, $until, "$name: every service");
}

{
	my $c = metrics_ok('c', undef, undef, 'c over all its logs');
	is_deeply([ @$c{qw(p50_latency_ms p95_latency_ms)} ], [ 66, 72 ],
		  'its median lies between two buckets, its p95 among equal latencies');
	ok($c->{p99_latency_ms} > 72 && $c->{p99_latency_ms} < 1000, 'its p99 between a 72 and the 1000');
	my $d = metrics_ok('d', undef, undef, 'd over all its logs');
	ok($d->{total_requests} == 6 && !defined $d->{p50_latency_ms} && !defined $d->{avg_latency_ms},
	   'without latencies: counted, but no average and no percentiles');
}

# The rolled rows are what answers whole days and hours: a count changed in
# them shows, and goes when changed back. The day holding minute 2000 lies
# inside the first window; the second holds no whole day.
for my $case ([ 'log_counts_daily', 'day', int(($h0 + 2000 * $MIN) / $DAY) * $DAY, $h0 + 20 * $MIN,
		$h0 + 4350 * $MIN ],
	      [ 'log_counts_hourly', 'hour', $h0 + 2 * $HOUR, $h0 + 20 * $MIN, $h0 + 212 * $MIN ]) {
	my ($table, $col, $at, $since, $until) = @$case;
	my $q = "/v1/metrics?service_id=$svc{a}{id}&since=" . fmt_usec($since) . '&until=' . fmt_usec($until);
	# One row, named once: an UPDATE moves a row, so a "first row" looked up
	# again could be another one.
	my $in = "service_id = '$svc{a}{id}' AND $col = usec_to_ts($at)";
	my ($method, $status, $is_error) = @{ db_query("SELECT method, status_code, is_error FROM $table"
		. " WHERE $in AND status_code IS NOT NULL ORDER BY 1, 2, 3 LIMIT 1")->[0] };
	my $row = "$in AND method = '$method' AND status_code = $status AND is_error = '$is_error'";
	my $before = req('GET', $q)->{json};
	my $up = db_query("UPDATE $table SET count = count + 1000 WHERE $row RETURNING 1");
	my $changed = req('GET', $q)->{json};
	my $down = db_query("UPDATE $table SET count = count - 1000 WHERE $row RETURNING 1");
	is(scalar(@$up) . ' ' . scalar(@$down), '1 1', "$table: one $col row changed and changed back");
	is($changed->{total_requests}, $before->{total_requests} + 1000, "$table answers the whole ${col}s");
	metrics_ok('a', $since, $until, 'and all is as before when changed back');
}

# --- the raw tail ------------------------------------------------------------------------

# A session inserts a log and keeps its transaction open until the rollup has
# come exactly up to that log's received_at (the start of the transaction),
# then takes the rollup's lock, commits and holds the lock: the log lies right
# on the edge between the rolled rows and the raw tail. Logs ingested after it
# are in the tail too, even in a window reaching hours past now.
my $holder = db_session('BEGIN',
	"INSERT INTO logs (service_id, method, url, path, status_code, latency_ms)"
	. " VALUES ('$svc{a}{id}', 'OPTIONS', 'https://r.example.com/x', '/x', 200, 7.25)",
	'DO $$BEGIN WHILE (SELECT rolled_until FROM log_rollup_state) < now()'
	. " AND clock_timestamp() < now() + interval '20 seconds' LOOP PERFORM pg_sleep(0.05);"
	. ' END LOOP; END$$',
	"SELECT pg_advisory_lock($LOCK)", 'COMMIT', 'SELECT pg_sleep(60)');
ok(wait_for(30, sub {
	my $x = db_query("SELECT count(*) FROM pg_locks l JOIN logs ON service_id = '$svc{a}{id}'"
			 . " AND method = 'OPTIONS' WHERE locktype = 'advisory' AND objid = $LOCK AND granted");
	return $x && $x->[0][0] > 0;
}), 'a log is committed and the rollup held off');
my $r = db_query("SELECT ts_to_usec(received_at), received_at = rolled_until FROM logs, log_rollup_state"
		 . " WHERE service_id = '$svc{a}{id}' AND method = 'OPTIONS'");
is($r->[0][1], 't', 'the rollup stopped right at that log');
push @logs, { service => 'a', at => $r->[0][0], method => 'OPTIONS', status => 200 };
my $key = new_key($svc{a}, 'tail');
my @fresh = map { ingest_log($key->{raw_key}, log_ev(method => 'PATCH', status_code => 502, latency_ms => $_)) }
	(64, 1.5, 2500);
is(scalar(grep { $_->{status} == 201 } @fresh), 3, 'three fresh logs ingested');
push @logs, map { { service => 'a', at => ts_usec($_->{json}{received_at}), method => 'PATCH', status => 502 } } @fresh;
my $until = now_usec() + 3 * $HOUR;
my $tail = metrics_ok('a', $h0 - $HOUR, $until, 'the fresh logs count before they are rolled up');
is_deeply([ @{ $tail->{by_method} }{qw(OPTIONS PATCH)} ], [ 1, 3 ], 'every one of them');
metrics_ok(undef, $h0 - $HOUR, $until, 'and across services');
metrics_ok('a', $r->[0][0], $until, 'a window from that log on');
metrics_ok('a', $h0 - $HOUR, $r->[0][0], 'a window up to that log');
# The server keeps a session's sleep going after its client is gone: end it there.
ok(db_query("SELECT pg_terminate_backend(pid) FROM pg_locks"
	    . " WHERE locktype = 'advisory' AND objid = $LOCK AND granted"), 'the rollup is let go');
waitpid $holder, 0;

ok(wait_for(20, sub {
	my $x = db_query("SELECT coalesce(sum(count), 0) FROM log_counts_hourly"
			 . " WHERE service_id = '$svc{a}{id}' AND method = 'PATCH'");
	return $x && $x->[0][0] == 3;
}), 'and are rolled up within seconds');
my $rolled = metrics_ok('a', $h0 - $HOUR, $until, 'counted once, not twice, after the rollup');
delete $_->{avg_latency_ms} for $rolled, $tail;
is_deeply($rolled, $tail, 'the same answer as before the rollup (the average aside)');

# --- a window without an end -------------------------------------------------------------
# Without until, the functions read the logs up to the database's clock as
# they run (every log they can see is older), not up to 'infinity': the
# plans of their statements, which auto_explain reports, leave out the
# partitions made for the week ahead. The counts are those of an end hours
# ahead.
{
	my $since = $h0 - $HOUR;
	my ($tomorrow) = @{ db_query("SELECT to_char(now() + interval '1 day', 'YYYYMMDD')")->[0] };
	my $conninfo = database_url('t/1210');
	my $out = `psql -X -q -At -d '$conninfo' 2>&1 <<'SQL'
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_level = notice;
SELECT total_requests FROM log_metrics('$svc{a}{id}', $since, NULL);
SELECT sum(n) FROM log_route_metrics('$svc{a}{id}', $since, NULL);
SQL
`;
	is($?, 0, 'log_metrics and log_route_metrics run without an end') or diag($out);
	my @days = $out =~ /logs_p(\d{8})\b/g;
	ok(@days && !grep({ $_ gt $tomorrow } @days),
	   'their plans read no partition of logs beyond tomorrow (' . scalar(@days) . ' read)') or diag($out);
	my @open = grep { /^\d+$/ } split /\n/, $out;
	my $ahead = db_query("SELECT (SELECT total_requests FROM log_metrics('$svc{a}{id}', $since, $until)),"
			     . " (SELECT sum(n) FROM log_route_metrics('$svc{a}{id}', $since, $until))")->[0];
	is_deeply(\@open, $ahead, "  and count what an end hours ahead counts (@$ahead)");
}

# --- deleting a service --------------------------------------------------------------------

is(req('DELETE', "/v1/services/$svc{a}{id}")->{status}, 204, 'service a is deleted');
$r = db_query("SELECT " . join(" + ", map { "(SELECT count(*) FROM $_ WHERE service_id = '$svc{a}{id}')" }
		   @{ log_rollup_tables() }));
is($r->[0][0], 0, 'and its rolled rows with it');
@logs = grep { $_->{service} ne 'a' } @logs;
metrics_ok(undef, $h0, $h0 + 4350 * $MIN, 'the metrics across services go without it');

done_testing;
