#!/usr/bin/perl
# nginx's logs keep no key: a Sentry SDK may send its key in the query string,
# and neither the access log nor the error log (where a refused request would
# be recorded with its request line) may hold it.
use strict;
use warnings;
use Test::More;
use Telltale;
use Telltale::Util qw(slurp);

my $app = new_app('logs-no-keys');
my $secret = "k$$" . 'x' x 20;
my ($rate, $burst) = @{ rate_limits() }{qw(key_rate key_burst)};
my $one = "POST /api/$app->{id}/store/?sentry_key=$secret HTTP/1.1\r\nHost: localhost\r\n"
	. "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
my @res = flood_count(($burst + $rate) * 2 + 200, $one);
ok((grep { $_->{status} == 429 } @res), 'requests with a key in the query string were refused for their rate');

# A body past the route's limit, announced with the key in the query string:
# nginx refuses it itself (413), and logs such a refusal with the request line.
for my $path ("/api/$app->{id}/store/", "/api/$app->{id}/envelope/", "/api/$app->{id}/nowhere") {
	my $big = parse_http(raw_http("POST $path?sentry_key=$secret HTTP/1.1\r\nHost: localhost\r\n"
		. "Content-Type: application/json\r\nContent-Length: " . (11 * 1024 * 1024) . "\r\nConnection: close\r\n\r\n{}"));
	is($big->{status}, 413, "$path with an 11 MiB body announced: 413 from nginx");
}

# The access log is written in batches of up to a second.
sleep 2;
my $log = "$ENV{TELLTALE_STATE_DIR}/log";
my $access = slurp("$log/nginx-access.log") // '';
like($access, qr{/api/$app->{id}/store/}, 'the access log has the requests');
unlike($access, qr/\Q$secret\E/, '  without the key');
unlike(slurp("$log/nginx-error.log") // '', qr/\Q$secret\E/, 'the error log holds no key');

ok(wait_for(10, sub { req('GET', '/v1/health')->{status} == 200 }), 'and the stack serves on');
done_testing();
