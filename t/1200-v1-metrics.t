#!/usr/bin/perl
# GET /v1/metrics: every figure checked against the same figure computed here
# from the logs the test sent (percentiles as PostgreSQL's percentile_cont
# computes them: linear interpolation between the two nearest ranks), per
# service, across services, and over a window of received time.
use strict;
use warnings;
use Test::More;
use POSIX qw(floor ceil);
use Telltale;

my $UNKNOWN = '00000000-0000-4000-8000-000000000000';
my @METRIC_FIELDS = qw(service_id since until total_requests error_count error_rate avg_latency_ms
		       p50_latency_ms p95_latency_ms p99_latency_ms by_method by_status);

# percentile_cont($p, @sorted): the value at fraction $p of the sorted values.
sub percentile_cont {
	my ($p, @v) = @_;
	return undef unless @v;
	my $pos = $p * $#v;
	my ($lo, $hi) = (floor($pos), ceil($pos));
	return $v[$lo] + ($pos - $lo) * ($v[$hi] - $v[$lo]);
}

# The metrics of docs/api.md for a list of logs (as sent), computed here.
sub expected {
	my (@logs) = @_;
	my @lat = sort { $a <=> $b } map { $_->{latency_ms} } grep { defined $_->{latency_ms} } @logs;
	my $errors = grep { defined $_->{error} || ($_->{status_code} // 0) >= 500 } @logs;
	my (%by_method, %by_status);
	$by_method{ uc $_->{method} }++ for @logs;
	$by_status{ $_->{status_code} }++ for grep { defined $_->{status_code} } @logs;
	my $sum = 0;
	$sum += $_ for @lat;
	return {
		total_requests => scalar @logs,
		error_count    => $errors,
		error_rate     => @logs ? $errors / @logs : 0,
		avg_latency_ms => @lat ? $sum / @lat : undef,
		p50_latency_ms => percentile_cont(0.5, @lat),
		p95_latency_ms => percentile_cont(0.95, @lat),
		p99_latency_ms => percentile_cont(0.99, @lat),
		by_method      => \%by_method,
		by_status      => \%by_status,
	};
}

sub close_enough {
	my ($got, $want) = @_;
	return !defined $got if !defined $want;
	return defined $got && !ref $got && abs($got - $want) <= 1e-9 * (abs($want) > 1 ? abs($want) : 1);
}

# metrics_ok($query, \@logs, $name): GET /v1/metrics?$query answers the
# figures of @logs.
sub metrics_ok {
	my ($query, $logs, $name) = @_;
	my $res = req('GET', "/v1/metrics?$query");
	my $got = $res->{json} || {};
	my $want = expected(@$logs);
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	subtest $name => sub {
		is($res->{status}, 200, 'status 200') or diag($res->{body});
		is_deeply([ sort keys %$got ], [ sort @METRIC_FIELDS ], 'every field of the metrics');
		for my $f (qw(total_requests error_count)) {
			is($got->{$f}, $want->{$f}, $f);
			like($res->{body}, qr/"$f":\d+[,}]/, "$f is a JSON integer");
		}
		for my $f (qw(error_rate avg_latency_ms p50_latency_ms p95_latency_ms p99_latency_ms)) {
			ok(close_enough($got->{$f}, $want->{$f}), "$f")
				or diag("got " . ($got->{$f} // 'null') . ", want " . ($want->{$f} // 'null'));
		}
		is_deeply($got->{by_method}, $want->{by_method}, 'by_method');
		is_deeply($got->{by_status}, $want->{by_status}, 'by_status');
	};
	return $got;
}

# Sends @logs with $key one after another; returns the answers.
sub send_all {
	my ($key, @logs) = @_;
	my @answers;
	for my $l (@logs) {
		my $res = ingest_log($key->{raw_key}, $l);
		die "ingest failed: $res->{status} $res->{body}" unless $res->{status} == 201;
		push @answers, $res->{json};
	}
	return @answers;
}

# --- a service's logs --------------------------------------------------------------------

srand(20260210);
my @methods = qw(GET GET GET POST POST PUT DELETE patch);
my @statuses = (200, 200, 200, 201, 204, 301, 400, 404, 429, 499, 500, 502, 503);
my @a_logs;
for my $i (1 .. 60) {
	# log_ev leaves out a field given as undef.
	my %l = (method => $methods[rand @methods], path => "/m/$i", url => "https://m.example.com/m/$i",
		 status_code => undef, latency_ms => undef);
	$l{status_code} = $statuses[rand @statuses] unless $i % 11 == 0;      # some without a status
	$l{latency_ms} = int(rand(200000)) / 100 unless $i % 7 == 0;          # some without a latency
	$l{error} = 'upstream reset' if $i % 9 == 0;                           # errors with any status
	push @a_logs, log_ev(%l);
}
ok((grep { !defined $_->{status_code} } @a_logs) && (grep { !defined $_->{latency_ms} } @a_logs)
   && (grep { defined $_->{error} && ($_->{status_code} // 0) < 500 } @a_logs),
   '(the logs include some without status, some without latency, errors below 500)');

my $sa = new_service('metrics-a');
my $ka = new_key($sa, 'a');
my @a_answers = send_all($ka, @a_logs);
my $m = metrics_ok("service_id=$sa->{id}", \@a_logs, 'one service: every figure');
is($m->{service_id}, $sa->{id}, 'service_id is echoed');
ok(!defined $m->{since} && !defined $m->{until}, 'no window: since and until are null');
is(metrics_ok('service_id=' . uc $sa->{id}, \@a_logs, 'an upper-case service_id')->{service_id}, $sa->{id},
   'and is echoed lower-case');

# --- a window of received time -------------------------------------------------------------

{
	my $t20 = $a_answers[20]{received_at};
	my $t40 = $a_answers[40]{received_at};
	my $w = metrics_ok("service_id=$sa->{id}&since=$t20", [ @a_logs[20 .. 59] ], 'since (inclusive)');
	is($w->{since}, $t20, 'since is echoed');
	metrics_ok("service_id=$sa->{id}&until=$t20", [ @a_logs[0 .. 19] ], 'until (exclusive)');
	metrics_ok("service_id=$sa->{id}&since=$t20&until=$t40", [ @a_logs[20 .. 39] ], 'since and until');
	my $unix = sprintf('%.6f', ts_usec($t20) / 1e6);
	metrics_ok("service_id=$sa->{id}&since=$unix", [ @a_logs[20 .. 59] ], 'since as Unix seconds');
	my $after = fmt_usec(ts_usec($a_answers[-1]{received_at}) + 1);
	my $none = metrics_ok("service_id=$sa->{id}&since=$after", [], 'a window after every log: zeros');
	ok(exists $none->{p50_latency_ms} && !defined $none->{p50_latency_ms}, 'percentiles are null without latencies');
	is($none->{error_rate}, 0, 'error_rate is 0 without requests');
	is_deeply([ $none->{by_method}, $none->{by_status} ], [ {}, {} ], 'by_method and by_status are {}');

	error_ok(req('GET', "/v1/metrics?service_id=$sa->{id}&since=$t40&until=$t20"), 400, 'BAD_REQUEST', undef,
		 'since > until is 400');
	error_ok(req('GET', "/v1/metrics?since=$t20&until=$t20"), 400, 'BAD_REQUEST', undef, 'since = until is 400');
}

# --- what counts as an error ------------------------------------------------------------------

{
	my $se = new_service('metrics-errors');
	my $ke = new_key($se, 'e');
	my @logs = (
		log_ev(status_code => 200, error => 'timeout'),       # error set, status fine: an error
		log_ev(status_code => 500),                           # 500: an error
		log_ev(status_code => 599),                           # 599: an error
		log_ev(status_code => 499),                           # 499: not
		log_ev(status_code => undef),                         # no status, no error: not
		log_ev(status_code => undef, error => 'refused'),     # no status, error set: an error
		log_ev(status_code => 200, error => ''),              # an empty error is none: not
		log_ev(status_code => 404, latency_ms => undef),      # not; no latency
	);
	send_all($ke, @logs);
	$logs[6]{error} = undef;
	my $got = metrics_ok("service_id=$se->{id}", \@logs, 'error: error set or status >= 500');
	is($got->{error_count}, 4, 'four of eight are errors');
	is($got->{error_rate}, 0.5, 'error_rate is 0.5');
	my $listed = req('GET', "/v1/logs?service_id=$se->{id}&has_error=true")->{json}{items};
	is(scalar @$listed, 4, 'and has_error=true lists the same four');
}

# --- single values and an empty service --------------------------------------------------------------

{
	my $s1 = new_service('metrics-one');
	my $k1 = new_key($s1, 'one');
	send_all($k1, log_ev(latency_ms => 42.125, status_code => 204, method => 'delete'));
	my $got = metrics_ok("service_id=$s1->{id}", [ log_ev(latency_ms => 42.125, status_code => 204,
		method => 'delete') ], 'a single log');
	is($got->{p99_latency_ms}, 42.125, 'every percentile of one latency is that latency');

	my $s0 = new_service('metrics-empty');
	$got = metrics_ok("service_id=$s0->{id}", [], 'a service without logs');
	ok(!defined $got->{avg_latency_ms}, 'avg_latency_ms is null');
	metrics_ok("service_id=$UNKNOWN", [], 'an unknown service_id: zeros');
}

# --- across services ----------------------------------------------------------------------------------

{
	my $sb = new_service('metrics-b');
	my $kb = new_key($sb, 'b');
	my @b_logs = map { log_ev(method => $_ % 2 ? 'GET' : 'HEAD', status_code => 200 + $_,
				  latency_ms => $_ * 3.5) } 1 .. 9;
	my $sc = new_service('metrics-c');
	my $kc = new_key($sc, 'c');
	my @c_logs = map { log_ev(method => 'OPTIONS', status_code => 500, latency_ms => 1000 + $_) } 1 .. 4;
	my @answers = (send_all($kb, @b_logs), send_all($kc, @c_logs));
	my $since = $answers[0]{received_at};
	my $until = fmt_usec(ts_usec($answers[-1]{received_at}) + 1);
	# Exact while no other test ingests logs at the same moment (tests run one at a time).
	my $both = metrics_ok("since=$since&until=$until", [ @b_logs, @c_logs ],
			      'no service_id: every service, over a window holding two services\' logs');
	ok(exists $both->{service_id} && !defined $both->{service_id}, 'service_id is null');
	metrics_ok("service_id=$sb->{id}&since=$since&until=$until", \@b_logs, 'and one of them alone');

	my $all = req('GET', '/v1/metrics')->{json} || {};
	my $floor = expected(@a_logs, @b_logs, @c_logs);
	ok(($all->{total_requests} // 0) >= $floor->{total_requests}, 'without any filter: at least every log sent here');
	ok(($all->{by_method}{OPTIONS} // 0) >= 4 && ($all->{by_status}{500} // 0) >= $floor->{by_status}{500},
	   'and counts by method and status over them');
}

# --- parameters ------------------------------------------------------------------------------------------

for my $case ([ service_id => 'abc' ], [ service_id => "$UNKNOWN-1" ], [ service_id => '' ],
	      [ since => 'yesterday' ], [ until => '2026-13-01' ], [ since => '' ]) {
	my ($name, $value) = @$case;
	error_ok(req('GET', "/v1/metrics?$name=$value"), 422, 'VALIDATION', $name, "$name='$value' is 422 naming $name");
}
is(req('GET', '/v1/metrics?foo=bar')->{status}, 200, 'unknown parameters are ignored');
error_ok(req('POST', '/v1/metrics', json => {}), 405, 'METHOD_NOT_ALLOWED', undef, 'POST /v1/metrics is 405');

done_testing;
