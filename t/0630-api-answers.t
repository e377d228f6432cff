#!/usr/bin/perl
# What every API answer carries, the worker's and nginx's own alike:
# X-Content-Type-Options: nosniff and Cache-Control: no-store. And the
# collections without pages of their own are bounded: applications,
# services and alert rules answer at most 1000 items, limit and offset
# taking the rest.
use strict;
use warnings;
use Test::More;
use Telltale;

my $app = new_app('answers');
my $service = new_service('answers');
my %answers = (
	'GET /v1/health (200)' => req('GET', '/v1/health'),
	'GET /apps (200)' => req('GET', '/apps'),
	'GET /apps/{id}/events (200)' => req('GET', "/apps/$app->{id}/events"),
	'GET /nowhere under /v1 (404)' => req('GET', '/v1/nowhere'),
	'PUT /apps (405)' => req('PUT', '/apps'),
	'POST /v1/services with a bad body (422)' => req('POST', '/v1/services', json => { name => '' }),
	'POST /apps/{id}/events without a key (403)' => req('POST', "/apps/$app->{id}/events", json => {}),
	'DELETE /apps/{id} (204)' => req('DELETE', '/apps/' . new_app('answers-gone')->{id}),
	'a body over the limit, from nginx (413)' =>
		req('POST', '/v1/services', body => 'x' x (1024 * 1024 + 1)),
	'a request nginx cannot parse (400)' => parse_http(raw_http("GET /v1/health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")),
);
for my $what (sort keys %answers) {
	my $h = $answers{$what}{headers};
	is($h->{'x-content-type-options'}, 'nosniff', "$what: X-Content-Type-Options: nosniff");
	is($h->{'cache-control'}, 'no-store', "$what: Cache-Control: no-store");
}

# limit and offset on the small collections.
my $other = new_service('answers-2');
new_alert($service) for 1 .. 3;
my @all_services = @{ list_all('/v1/services') };
cmp_ok(scalar @all_services, '>=', 2, 'GET /v1/services lists the services');
for my $case (
	[ '/apps', 'applications' ],
	[ '/v1/services', 'services' ],
	[ "/v1/alerts?service_id=$service->{id}", 'alert rules' ],
) {
	my ($path, $what) = @$case;
	my $sep = $path =~ /\?/ ? '&' : '?';
	my $all = req('GET', $path)->{json} || [];
	cmp_ok(scalar @$all, '>=', 2, "$what: at least two to page through");
	my $first = req('GET', "$path${sep}limit=1");
	is($first->{status}, 200, "$what: limit=1 answers 200");
	is_deeply($first->{json}, [ $all->[0] ], "$what: limit=1 answers the first alone");
	is_deeply(req('GET', "$path${sep}limit=1&offset=1")->{json}, [ $all->[1] ], "$what: offset=1 the second");
	for my $bad ('limit=0', 'limit=1001', 'limit=x', 'offset=-1', 'limit=%zz') {
		my ($name) = $bad =~ /^(\w+)/;
		error_ok(req('GET', "$path$sep$bad"), 422, 'VALIDATION', $name, "$what: $bad is 422");
	}
}

done_testing();
