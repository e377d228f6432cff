#!/usr/bin/perl
# What a page of another site can do with a stack its visitor's browser can
# reach: nothing. A Host the stack does not serve is 421 (DNS rebinding); a
# change to the management API from another site's page is 403, before
# anything is read or changed; a JSON body must say it is JSON.
use strict;
use warnings;
use Test::More;
use Telltale;
use Telltale::HTTP qw(host_port);

my ($host, $port) = host_port();
my $self = "http://$host:$port";

# --- Host names ---------------------------------------------------------------------
sub get_as {
	my ($name, $path) = @_;
	return parse_http(raw_http("GET $path HTTP/1.1\r\nHost: $name\r\nConnection: close\r\n\r\n"));
}
for my $name ('evil.example', "evil.example:$port", '127.0.0.1.nip.io', 'localhost.evil.example') {
	for my $path ('/v1/health', '/apps', '/dashboard/') {
		my $res = get_as($name, $path);
		error_ok($res, 421, 'MISDIRECTED', undef, "GET $path with Host $name: 421");
	}
}
for my $name ("127.0.0.1:$port", "localhost:$port", "LOCALHOST:$port", "[::1]:$port", 'localhost') {
	is(get_as($name, '/v1/health')->{status}, 200, "Host $name is served");
}

# --- changes from another site's page ------------------------------------------------
my $app = new_app('other-sites');
my %evil = (Origin => 'http://evil.example');
my $before = list_all('/v1/services');

my $res = req('POST', '/v1/services', json => { name => "from-evil-$$" }, headers => \%evil);
error_ok($res, 403, 'FORBIDDEN', undef, 'POST /v1/services with another site\'s Origin: 403');
is_deeply(list_all('/v1/services'), $before, '  and no service was made');

$res = req('POST', "/apps/$app->{id}/ingest-key", headers => \%evil);
error_ok($res, 403, 'FORBIDDEN', undef, 'a body-less POST rotating a key from another site: 403');
is(req('POST', "/apps/$app->{id}/events", json => ev(message => 'old key still good'),
       headers => { 'X-Ingest-Key' => $app->{ingest_key} })->{status}, 201, '  and the key still works');

$res = req('POST', "/apps/$app->{id}/ingest-key", headers => { 'Sec-Fetch-Site' => 'cross-site' });
error_ok($res, 403, 'FORBIDDEN', undef, 'Sec-Fetch-Site: cross-site without an Origin: 403');

$res = req('DELETE', "/apps/$app->{id}", headers => { Origin => "http://$host:" . ($port + 1) });
error_ok($res, 403, 'FORBIDDEN', undef, 'DELETE from another port of the same host: 403');
is(req('GET', "/apps/$app->{id}")->{status}, 200, '  and the application is still there');

$res = req('POST', '/v1/services', json => { name => "from-self-$$" }, headers => { Origin => $self });
is($res->{status}, 201, 'the dashboard\'s own Origin may make a service');
$res = req('POST', '/v1/services', json => { name => "same-origin-$$" }, headers => { 'Sec-Fetch-Site' => 'same-origin' });
is($res->{status}, 201, 'Sec-Fetch-Site: same-origin may too');

is(req('GET', '/apps', headers => \%evil)->{status}, 200, 'reading is not a change: GET with another Origin is 200');
is(req('POST', "/apps/$app->{id}/events", json => ev(message => 'from a page'),
       headers => { %evil, 'X-Ingest-Key' => $app->{ingest_key} })->{status}, 201,
   'ingest, which needs its key, is not refused for its Origin');

# --- JSON must say JSON ---------------------------------------------------------------
for my $ct (undef, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x') {
	my $name = "ct-$$-" . (defined $ct ? length $ct : 0);
	my $raw = "POST /v1/services HTTP/1.1\r\nHost: $host:$port\r\nConnection: close\r\n"
		. auth_line('POST', '/v1/services') . (defined $ct ? "Content-Type: $ct\r\n" : '')
		. 'Content-Length: ' . length(qq({"name":"$name"})) . "\r\n\r\n" . qq({"name":"$name"});
	my $r = parse_http(raw_http($raw));
	error_ok($r, 400, 'BAD_REQUEST', undef, 'a JSON body sent as ' . ($ct // 'no Content-Type') . ': 400');
	ok(!grep({ $_->{name} eq $name } @{ list_all('/v1/services') }), '  and nothing was made');
}

done_testing();
