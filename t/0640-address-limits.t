#!/usr/bin/perl
# Limits a client cannot step around by choosing its keys: ingest is limited
# per client address as well as per key (a new key each request, or none,
# is still counted), a client sending its request slowly is let go, and one
# address may have only so many requests in hand at once.
use strict;
use warnings;
use Test::More;
use IO::Select;
use IO::Socket::INET;
use Time::HiRes ();
use Telltale;

my ($rate, $burst, $connections) = @{ rate_limits() }{qw(address_rate address_burst connections)};
ok($rate && $burst && $connections, "per address: $rate a second, bursts of $burst, $connections at once");

my $app = new_app('address-limits');

# Floods a route from this one address past its rate and burst, the requests
# made by $one->(n); answers the statuses of what came back.
sub flood_address {
	my ($one) = @_;
	my %by;
	$by{ $_->{status} }++ for flood_count(($burst + $rate) * 2 + 700, $one);
	note(join ', ', map { "$_ x $by{$_}" } sort keys %by);
	return \%by;
}

# Waits until the address is served again after a flood.
sub served_again {
	return wait_for(10, sub { req('GET', "/apps/$app->{id}/events")->{status} == 200
		&& req('POST', "/apps/$app->{id}/events", json => ev(), headers => { 'X-Ingest-Key' => $app->{ingest_key} })->{status} != 429 }, 0.5);
}

my $junk = sub {
	my ($header) = @_;
	return "POST /apps/$app->{id}/events HTTP/1.1\r\nHost: localhost\r\n$header"
		. "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}";
};
my $by = flood_address(sub { $junk->("X-Ingest-Key: t0640-$$-$_[0]\r\n") });
ok($by->{429}, 'a new key each request: the address limit answers 429');
ok(served_again(), '  and the address is served again after the flood');

$by = flood_address(sub { $junk->('') });
ok($by->{429}, 'no key at all: the address limit answers 429');
ok(served_again(), '  and the address is served again');

my $envelope = qq({"dsn":"http://k$$\@localhost/$app->{id}"}\n);
$by = flood_address(sub {
	"POST /api/$app->{id}/envelope HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n"
		. 'Content-Length: ' . length($envelope) . "\r\n\r\n$envelope";
});
ok($by->{429}, 'a Sentry key only inside the envelope: the address limit answers 429');
ok(served_again(), '  and the address is served again');

# --- slow clients ----------------------------------------------------------------

my ($host, $port) = url() =~ m{^https?://([^/:]+):(\d+)};
sub open_with {
	my ($bytes) = @_;
	my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Proto => 'tcp') or die "connect: $!";
	syswrite($s, $bytes);
	return $s;
}
my $slow_head = open_with("GET /v1/health HTTP/1.1\r\nHost: localhost\r\n");
my $slow_body = open_with("POST /v1/services HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
	. "Content-Length: 100\r\n\r\n{\"name\":");
my $started = Time::HiRes::time();
my %closed;
my $sel = IO::Select->new($slow_head, $slow_body);
while ($sel->count && Time::HiRes::time() - $started < 30) {
	for my $s ($sel->can_read(1)) {
		my $n = sysread($s, my $buf, 4096);
		next if $n;
		$closed{ $s == $slow_head ? 'head' : 'body' } = Time::HiRes::time() - $started;
		$sel->remove($s);
	}
}
ok(defined $closed{head} && $closed{head} < 20,
   sprintf('a request head sent slowly is let go (after %.1f s)', $closed{head} // -1));
ok(defined $closed{body} && $closed{body} < 20,
   sprintf('a request body sent slowly is let go (after %.1f s)', $closed{body} // -1));

# --- requests in hand at once ------------------------------------------------------

my @held = map { open_with("POST /v1/services HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
	. "Content-Length: 100\r\n\r\n{") } 1 .. $connections;
Time::HiRes::sleep(0.5);
my $over = parse_http(raw_http("GET /v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
is($over->{status}, 429, "with $connections requests in hand, one more from the address is 429");
close $_ for @held;
ok(wait_for(10, sub { req('GET', '/v1/health')->{status} == 200 }, 0.2), '  and served once they are gone');

done_testing();
