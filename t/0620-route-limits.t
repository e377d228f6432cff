#!/usr/bin/perl
# nginx's API locations come from the worker's route table
# (telltale-worker --nginx-locations): every route's rate limit and body limit
# hold on its path with and without a trailing slash.
use strict;
use warnings;
use Test::More;
use JSON::PP;
use Telltale;

my $worker = stack_worker_binary() or BAIL_OUT('the stack names no worker binary');
my @routes = map { JSON::PP->new->decode($_) } grep { /\S/ } `"$worker" --routes`;
ok(@routes, "$worker --routes");

my ($rate, $burst) = @{ rate_limits() }{qw(key_rate key_burst)};
ok($rate && $burst, "the stack's rate ($rate/s) and burst ($burst)");

# A flood of requests with one made-up key past the rate and the burst: how
# many nginx refused with 429.
sub limited {
	my ($method, $path, $headers, $zone) = @_;
	my $one = "$method $path HTTP/1.1\r\nHost: localhost\r\n$headers"
		. "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}";
	my ($r, $b) = $zone eq 'ingest_address' ? @{ rate_limits() }{qw(address_rate address_burst)}
		: ($rate, $burst);
	return scalar grep { $_->{status} == 429 } flood_count(($b + $r) * 2 + 200, $one);
}

my $app = new_app('route-limits');
# How to call each rate-limited route: its path, and its key header for a
# made-up key (each flood uses a key of its own: the zones count per key).
my %call = (
	'POST /apps/*/events' => [ "/apps/$app->{id}/events", sub { "X-Ingest-Key: $_[0]\r\n" } ],
	'POST /v1/logs' => [ '/v1/logs', sub { 'Authorization: Bearer mkey_' . substr("$_[0]" . ('x' x 43), 0, 43) . "\r\n" } ],
	'POST /api/*/store' => [ "/api/$app->{id}/store", sub { "X-Sentry-Auth: Sentry sentry_key=$_[0]\r\n" } ],
	'POST /api/*/envelope' => [ "/api/$app->{id}/envelope", sub { "X-Sentry-Auth: Sentry sentry_key=$_[0]\r\n" } ],
	'POST /otlp/v1/traces' => [ '/otlp/v1/traces', sub { 'Authorization: Bearer mkey_' . substr("$_[0]" . ('x' x 43), 0, 43) . "\r\n" } ],
	'POST /otlp/v1/logs' => [ '/otlp/v1/logs', sub { "Authorization: Bearer $_[0]\r\n" } ],
	# Signing in and the dropped OTLP metrics are limited by address only.
	'POST /otlp/v1/metrics' => [ '/otlp/v1/metrics', sub { '' } ],
	'POST /v1/auth/login' => [ '/v1/auth/login', sub { '' } ],
);
my $n = 0;
for my $r (grep { $_->{rate_zone} } @routes) {
	my $name = "$r->{method} $r->{pattern}";
	ok($call{$name}, "$name: the test knows how to call it") or next;
	my ($path, $header) = @{ $call{$name} };
	for my $slash ('', '/') {
		my $key = "t0620k$$" . $n++;
		ok(limited($r->{method}, "$path$slash", $header->($key), $r->{rate_zone}) > 0,
		   "$r->{method} $path$slash meets the $r->{rate_zone} rate limit");
	}
}

# Body limits: a route that takes more than 1 MiB takes it with a trailing
# slash too, and the rest refuse past 1 MiB in nginx (413) before a worker.
my $big = 'x' x (2 * 1024 * 1024);
my $big_array = '[' . join(',', ('0') x (1024 * 1024)) . ']';
for my $r (grep { $_->{method} eq 'POST' && $_->{pattern} =~ m{^/apps/\*/events$} } @routes) {
	for my $slash ('', '/') {
		my $res = req('POST', "/apps/$app->{id}/events$slash", body => $big_array,
			      headers => { 'X-Ingest-Key' => $app->{ingest_key}, 'Content-Type' => 'application/json' });
		isnt($res->{status}, 413, "2 MiB to /apps/{id}/events$slash passes nginx (10 MiB route)");
	}
}
for my $slash ('', '/') {
	my $res = req('POST', "/v1/services$slash", body => $big, headers => { 'Content-Type' => 'application/json' });
	is($res->{status}, 413, "2 MiB to /v1/services$slash: 413 from nginx (1 MiB route)");
}

done_testing();
