#!/usr/bin/perl
# Routes of request logs (docs/api.md, "Routes"): the route a log names, or
# the one derived from its path; the list's route and trace_id filters; and
# GET /v1/metrics/routes, per method and route, with its sorts and bad input.
use strict;
use warnings;
use Test::More;
use Telltale;

my $svc = new_service('routes');
my $key = new_key($svc)->{raw_key};

sub stored {
	my (%o) = @_;
	my $res = ingest_log($key, log_ev(%o));
	return $res->{status} == 201 ? $res->{json} : { status => $res->{status} };
}

my $derived = stored(path => '/v1/orders/42/items/9f86d081-88a9-4b1e-9f3c-1a2b3c4d5e6f',
		     url => 'https://shop.example/v1/orders/42/items/9f86d081-88a9-4b1e-9f3c-1a2b3c4d5e6f');
is($derived->{route}, '/v1/orders/{id}/items/{uuid}', 'a route is derived from the path');
is(req('GET', "/v1/logs/$derived->{id}")->{json}{route}, '/v1/orders/{id}/items/{uuid}', '  and stored');
my $named = stored(path => '/v1/orders/42', route => '/v1/orders/:order_id');
is($named->{route}, '/v1/orders/:order_id', 'a route the log names is kept');
my $card = stored(path => '/v1/cards/4111-1111-1111-1111');
is($card->{route}, '/v1/cards/***MASKED***', 'a card number in the path does not reach the route');
is($derived->{trace_id}, undef, 'a log of /v1/logs has no trace');

for my $bad ('', 5, "/a\nb", 'r' x 513) {
	error_ok(ingest_log($key, log_ev(route => $bad)), 422, 'VALIDATION', 'route',
		 'route ' . substr(JSON::PP->new->allow_nonref->encode($bad), 0, 20));
}

# --- the list's filters ---------------------------------------------------------------------
is_deeply([ map { $_->{id} } logs_of("service_id=$svc->{id}&route=%2Fv1%2Forders%2F%3Aorder_id") ], [ $named->{id} ],
	  'GET /v1/logs?route= finds the logs of a route');
my $trace = sprintf('%032x', $$ * 7919 + time);
db_query("UPDATE logs SET trace_id = '$trace', span_id = '00f067aa0ba902b7' WHERE id = '$named->{id}'");
my @of_trace = logs_of("trace_id=$trace");
is_deeply([ map { $_->{id} } @of_trace ], [ $named->{id} ], 'GET /v1/logs?trace_id= finds the logs of a trace');
is($of_trace[0]{span_id}, '00f067aa0ba902b7', '  with their span');

# --- per-route metrics ---------------------------------------------------------------------------
my $m = new_service('route-metrics');
my $mkey = new_key($m)->{raw_key};
my @plan = (
	# path, status, latency: /items/{id} is busy and quick, /pay slow, /boom failing
	(map { [ "/items/$_", 200, 10 * $_ ] } 1 .. 10),
	(map { [ '/pay', 200, 1000 + $_ ] } 1 .. 3),
	(map { [ '/boom', 500, 5 ] } 1 .. 4),
	[ '/boom', 200, 5 ],
);
for my $p (@plan) {
	my ($path, $status, $latency) = @$p;
	is(ingest_log($mkey, log_ev(path => $path, url => "https://m.example$path", status_code => $status,
				   latency_ms => $latency))->{status}, 201, "log of $path") or last;
}
my $routes = req('GET', "/v1/metrics/routes?service_id=$m->{id}");
is($routes->{status}, 200, 'GET /v1/metrics/routes');
my %by = map { ("$_->{method} $_->{route}" => $_) } @{ $routes->{json}{items} || [] };
is_deeply([ map { "$_->{method} $_->{route}" } @{ $routes->{json}{items} } ],
	  [ 'GET /items/{id}', 'GET /boom', 'GET /pay' ], '  a row per method and route, the busiest first');
my $items = $by{'GET /items/{id}'} || {};
is($items->{count}, 10, '  its count');
is($items->{error_count}, 0, '  its errors');
is($items->{p50_latency_ms}, 55, '  its median latency (exact: 50 and 60 around it)');
is($items->{p99_latency_ms} + 0, 99.1, '  its p99');
my $boom = $by{'GET /boom'} || {};
is("$boom->{error_count}/$boom->{count}", '4/5', 'the failing route: 4 errors in 5');
is($boom->{error_rate}, 0.8, '  error rate 0.8');
is($routes->{json}{items}[0]{route} ne '' && defined $routes->{json}{since} && defined $routes->{json}{until} ? 1 : 0,
   1, 'the window is stated (the last 24 hours by default)');
is_deeply([ map { $_->{route} } @{ req('GET', "/v1/metrics/routes?service_id=$m->{id}&sort=error_rate")->{json}{items} } ],
	  [ '/boom', '/items/{id}', '/pay' ], 'sort=error_rate');
is(req('GET', "/v1/metrics/routes?service_id=$m->{id}&sort=p95&limit=1")->{json}{items}[0]{route}, '/pay',
   'sort=p95 and limit=1: the slowest route alone');
my $later = req('GET', "/v1/metrics/routes?service_id=$m->{id}&since=2100-01-01T00:00:00Z&until=2100-01-02T00:00:00Z");
is(scalar @{ $later->{json}{items} }, 0, 'a window without logs has no routes');
error_ok(req('GET', "/v1/metrics/routes?service_id=$m->{id}&sort=slowest"), 422, 'VALIDATION', 'sort', 'an unknown sort');
error_ok(req('GET', "/v1/metrics/routes?limit=0"), 422, 'VALIDATION', 'limit', 'limit 0');
error_ok(req('GET', '/v1/metrics/routes?service_id=nope'), 422, 'VALIDATION', 'service_id', 'a malformed service_id');
error_ok(req('GET', '/v1/metrics/routes?since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z'), 400, 'BAD_REQUEST',
	 undef, 'since after until');
is(req('GET', '/v1/metrics/routes', anonymous => 1)->{status}, 401, 'no one without a credential');

done_testing();
