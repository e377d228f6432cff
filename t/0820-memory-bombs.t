#!/usr/bin/perl
# Small requests that would make a worker build hundreds of MB: a MiB of
# "{}," is 350,000 objects to a parser. Each is refused with a 4xx, before
# its body is parsed (or read, when its key is wrong), and no worker's peak
# memory grows by 64 MiB.
use strict;
use warnings;
use Test::More;
use IO::Compress::Gzip qw(gzip $GzipError);
use Telltale;

my $MiB = 1024 * 1024;
my $app = new_app('memory-bombs');
my $service = new_service('memory-bombs');
my $key = new_key($service);

# {"a":[{},{},...]} of about $bytes bytes.
sub empties {
	my ($bytes) = @_;
	return '{"a":[' . join(',', ('{}') x int($bytes / 3)) . ']}';
}

# Runs $send, checks what it answered and that no worker's peak memory grew
# by 64 MiB meanwhile.
sub bomb_ok {
	my ($name, $send, $status, $code) = @_;
	my %before = worker_peaks();
	my $res = $send->();
	my %after = worker_peaks();
	error_ok($res, $status, $code, undef, "$name: $status $code");
	SKIP: {
		skip('the workers\' peak memory (VmHWM of /proc/PID/status) cannot be read here', 1) unless %before;
		my @grew = grep { defined $before{$_} && $after{$_} - $before{$_} > 64 * 1024 } keys %after;
		ok(!@grew, "$name: no worker's peak memory grew by 64 MiB")
			or diag(join ', ', map { "$_: $before{$_} -> $after{$_} KiB" } @grew);
	}
}

my $ingest = sub {
	my ($body, $key) = @_;
	return sub { req('POST', "/apps/$app->{id}/events", body => $body, headers => { 'X-Ingest-Key' => $key }) };
};
my $mib_of_empties = empties($MiB - 100);
bomb_ok('1 MiB of {} as one event', $ingest->($mib_of_empties, $app->{ingest_key}), 413, 'PAYLOAD_TOO_LARGE');
bomb_ok('the same with a made-up key', $ingest->($mib_of_empties, "made-up-$$"), 403, 'FORBIDDEN');
bomb_ok('9 MiB of {} in one element of a bulk', $ingest->('[' . empties(9 * $MiB) . ']', $app->{ingest_key}),
	413, 'PAYLOAD_TOO_LARGE');
bomb_ok('5 MiB as one event (not an array)',
	$ingest->('{"message":"' . ('x' x (5 * $MiB)) . '"}', $app->{ingest_key}), 413, 'PAYLOAD_TOO_LARGE');
bomb_ok('a made-up key with 9 MiB it never reads', $ingest->('[' . ('0,' x (4 * $MiB)) . '0]', "made-up-$$"),
	403, 'FORBIDDEN');

gzip(\ (empties($MiB - 100)) => \ my $gz) or die $GzipError;
ok(length($gz) < 8 * 1024, 'a MiB of {} gzipped to ' . length($gz) . ' bytes');
bomb_ok('Sentry store: a gzipped MiB of {}',
	sub { sentry_post($app, 'store', $gz, headers => { 'Content-Encoding' => 'gzip' }) }, 413, 'PAYLOAD_TOO_LARGE');
bomb_ok('Sentry store: the same with a made-up key',
	sub { sentry_post($app, 'store', $gz, key => "made-up-$$", headers => { 'Content-Encoding' => 'gzip' }) },
	403, 'FORBIDDEN');

bomb_ok('/v1/logs: a MiB of {} in a log',
	sub { req('POST', '/v1/logs', body => empties($MiB - 100), headers => { Authorization => "Bearer $key->{raw_key}" }) },
	413, 'PAYLOAD_TOO_LARGE');
bomb_ok('/v1/logs: the same with a made-up key',
	sub { req('POST', '/v1/logs', body => empties($MiB - 100),
		  headers => { Authorization => 'Bearer mkey_' . ('Q' x 43) }) },
	401, 'UNAUTHORIZED');

# Still serving, and the ordinary sizes still pass.
is(req('POST', "/apps/$app->{id}/events", json => ev(message => 'after the bombs'),
       headers => { 'X-Ingest-Key' => $app->{ingest_key} })->{status}, 201, 'an event after the bombs is stored');
my @bulk = map { ev(message => "bulk $_", tags => { map { ("k$_" => 'v') } 1 .. 50 }) } 1 .. 1000;
is(req('POST', "/apps/$app->{id}/events", json => \@bulk,
       headers => { 'X-Ingest-Key' => $app->{ingest_key} })->{status}, 201,
   'a bulk of 1000 events of 100 values each (100,000 in all) is stored');

done_testing();
