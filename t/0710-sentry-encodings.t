#!/usr/bin/perl
# The Sentry ingest's bodies: Content-Encoding gzip, deflate (zlib-wrapped and
# raw), br and identity; broken streams; the 10 MiB (envelope) and 1 MiB (store)
# limits after decompression, to the byte; decompression bombs, which must be a
# 413 without the worker's memory growing with them; chunked bodies.
use strict;
use warnings;
use Test::More;
use IO::Compress::Deflate qw(deflate $DeflateError);
use IO::Compress::Gzip qw(gzip $GzipError);
use IO::Compress::RawDeflate qw(rawdeflate $RawDeflateError);
use Telltale;

my $MiB = 1024 * 1024;
my $app = new_app('sentry-enc');

sub gz  { my ($in) = @_; gzip(\$in => \my $out) or die $GzipError; return $out }
sub zl  { my ($in) = @_; deflate(\$in => \my $out) or die $DeflateError; return $out }
sub raw { my ($in) = @_; rawdeflate(\$in => \my $out) or die $RawDeflateError; return $out }

# 50 MiB of zeros in 93 bytes, and one event, compressed by libbrotlienc (quality 11):
# {"event_id":"b7c2f0e1a3d44c5e9f8a7b6c5d4e3f21","level":"warning","message":"brotli store body","platform":"perl"}
my $br_bomb = pack 'H*', 'cbffff3ff82700e2b14020f7fe8fffff7ff04f00c4611180eefd1fffffffe09f0088c30200ddfb3ffeffffc13f'
	. '0110870500baf77ffcffff837f02200e0b0074effff8ffff07ff04401c1600e8deffe5ffff07fe0980382c00d0bdff00';
my $br_event = pack 'H*', '1b7000a01d07ce693d76b1abb73611b3b561acb2445b643cd7ad226e2cf5e562301d04414c1d963ec738601fe8'
	. '9a3f1f74301c3c6493323e8d3ec3afd2482f9e050a69d536dc39e1b9cb5a21c3244163afa561916f7ff262c08810898a1b03';

sub post {
	my ($kind, $bytes, $encoding, %o) = @_;
	my %h = %{ $o{headers} || {} };
	$h{'Content-Encoding'} = $encoding if defined $encoding;
	return sentry_post($o{app} || $app, $kind, $bytes, %o, headers => \%h);
}

# A request that must work after an attack: the worker pool still serves.
sub still_serving {
	my ($name) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $id = new_event_id();
	sentry_accepted(post('store', json_bytes({ event_id => $id, message => 'still here' })),
			"$name: the next request is served");
}

# --- decompression bombs first, while the workers' peak memory is low ----------------

{
	my @pids_before = worker_pids();
	my $zeros = "\0" x (100 * $MiB);
	my $gzip_bomb = gz($zeros);
	my $raw_bomb = raw($zeros);
	my $zlib_bomb = zl($zeros);
	undef $zeros;
	ok(length($gzip_bomb) < 200 * 1024, 'a gzip bomb: 100 MiB of zeros in ' . length($gzip_bomb) . ' bytes');
	my $n = count_events($app);
	# Expanded, the bomb alone would take 100 MiB; capped, a worker needs the
	# 10 MiB cap and the buffers it grew through (more under AddressSanitizer,
	# whose quarantine keeps freed blocks for a while).
	my %before = worker_peaks();
	error_ok(post('envelope', $gzip_bomb, 'gzip'), 413, 'PAYLOAD_TOO_LARGE', undef, 'envelope: a gzip bomb is 413');
	my %after = worker_peaks();
	my @grew = grep { defined $before{$_} && $after{$_} - $before{$_} > 64 * 1024 } keys %after;
	my @gone = grep { !defined $after{$_} } keys %before;
	SKIP: {
		skip('the workers\' peak memory (VmHWM of /proc/PID/status) cannot be read here', 1)
			unless %before;
		ok(!@grew && !@gone, 'no worker\'s peak memory grew by 64 MiB (the bomb expands to 100 MiB)')
			or diag(join ', ', (map { "$_: $before{$_} -> $after{$_} KiB" } @grew),
				map { "$_: gone" } @gone);
	}
	still_serving('after a gzip bomb');
	error_ok(post('store', $gzip_bomb, 'gzip'), 413, 'PAYLOAD_TOO_LARGE', undef, 'store: a gzip bomb is 413');
	error_ok(post('envelope', $raw_bomb, 'deflate'), 413, 'PAYLOAD_TOO_LARGE', undef, 'a raw deflate bomb is 413');
	error_ok(post('envelope', $zlib_bomb, 'deflate'), 413, 'PAYLOAD_TOO_LARGE', undef, 'a zlib deflate bomb is 413');
	error_ok(post('envelope', $br_bomb, 'br'), 413, 'PAYLOAD_TOO_LARGE', undef, 'a brotli bomb (50 MiB in 93 bytes) is 413');
	error_ok(post('envelope', $gzip_bomb, 'gzip', key => 'f' x 32), 403, 'FORBIDDEN', undef,
		 'a bomb with a wrong key is 403');
	my @res = map { post('envelope', $gzip_bomb, 'gzip') } 1 .. 6;
	is(scalar(grep { $_->{status} == 413 } @res), 6, 'six bombs in a row, more than the workers: six 413s');
	still_serving('after the bombs');
	is(count_events($app), $n + 2, 'the bombs stored nothing (the two events are still_serving\'s)');
	is_deeply([ worker_pids() ], \@pids_before, 'no worker died') if @pids_before;
}

# --- each encoding, store and envelope ----------------------------------------------

{
	my %encoders = (
		gzip                => [ 'gzip', \&gz ],
		'x-gzip'            => [ 'x-gzip', \&gz ],
		'deflate (zlib)'    => [ 'deflate', \&zl ],
		'deflate (raw)'     => [ 'deflate', \&raw ],
		'br'                => [ 'br', \&brotli_stored ],
		'identity'          => [ 'identity', sub { $_[0] } ],
		'none'              => [ undef, sub { $_[0] } ],
		'GZIP in capitals'  => [ 'GZIP', \&gz ],
	);
	for my $what (sort keys %encoders) {
		my ($name, $enc) = @{ $encoders{$what} };
		my $id = new_event_id();
		sentry_accepted(post('store', $enc->(json_bytes({ event_id => $id, message => "store $what", level => 'info' })), $name),
			 "store, $what");
		my $got = events_with_event_id($app, $id);
		is($got->[0] && $got->[0]{message}, "store $what", "store, $what: read back");

		my $eid = new_event_id();
		my $payload = "{\"event_id\":\"$eid\",\n \"message\": \"envelope\\n$what\"\n}";
		my $body = "{}\n" . json_bytes({ type => 'event', length => length $payload }) . "\n$payload\n";
		sentry_accepted(post('envelope', $enc->($body), $name), "envelope, $what, a payload with newlines");
		$got = events_with_event_id($app, $eid);
		is($got->[0] && $got->[0]{message}, "envelope\n$what", "envelope, $what: read back");
	}
	sentry_accepted(post('store', $br_event, 'br'), 'store, br compressed by libbrotlienc');
	my $got = events_with_event_id($app, 'b7c2f0e1a3d44c5e9f8a7b6c5d4e3f21');
	is($got->[0] && $got->[0]{level}, 'WARNING', 'its level');
	is_deeply($got->[0] && $got->[0]{tags}, { platform => 'perl' }, 'its tags');
	my $id = new_event_id();
	my $event = json_bytes({ event_id => $id, message => 'gzip members' });
	my $half = int(length($event) / 2);
	sentry_accepted(post('store', gz(substr $event, 0, $half) . gz(substr $event, $half), 'gzip'),
		 'gzip: concatenated members are one body');
	$got = events_with_event_id($app, $id);
	is($got->[0] && $got->[0]{message}, 'gzip members', 'read back');
}

# --- refused encodings and broken streams -----------------------------------------

{
	my $n = count_events($app);
	my $event = json_bytes({ message => 'never stored' });
	my $gz = gz($event);
	for my $case (
		[ 'compress', $event, 'an unknown encoding (compress)' ],
		[ 'zstd', $event, 'zstd' ],
		[ 'gzip, br', $gz, 'a list of encodings' ],
		[ 'gzip', $event, 'gzip declared, plain text sent' ],
		[ 'gzip', substr($gz, 0, length($gz) - 4), 'a truncated gzip stream' ],
		[ 'gzip', $gz . 'junk', 'junk after the gzip stream' ],
		[ 'deflate', substr(zl($event), 0, 10), 'a truncated deflate stream' ],
		[ 'deflate', "\xff\xff\xff\xff", 'deflate garbage' ],
		[ 'br', "\xff\xff\xff\xff\xff\xff", 'brotli garbage' ],
		[ 'br', substr(brotli_stored($event), 0, 10), 'a truncated brotli stream' ],
		[ 'gzip', '', 'an empty gzip body' ],
	) {
		my ($enc, $body, $what) = @$case;
		error_ok(post('store', $body, $enc), 400, 'BAD_REQUEST', undef, "store: $what is 400");
		error_ok(post('envelope', $body, $enc), 400, 'BAD_REQUEST', undef, "envelope: $what is 400");
	}
	is(count_events($app), $n, 'nothing stored');
}

# --- the limits after decompression, to the byte -----------------------------------

{
	my $limits = new_app('sentry-limits');
	# An envelope of exactly 10 MiB: header, one attachment, one event.
	my $id = new_event_id();
	my $event = json_bytes({ event_id => $id, message => 'at the limit' });
	my $head = "{}\n" . json_bytes({ type => 'event' }) . "\n$event\n";
	my $fill = 10 * $MiB - length($head) - length(qq({"type":"attachment","length":00000000}\n)) - 1;
	my $item = sprintf(qq({"type":"attachment","length":%08d}\n), $fill);
	my $body = $head . $item . ('a' x $fill) . "\n";
	is(length $body, 10 * $MiB, 'the envelope is exactly 10 MiB');
	sentry_accepted(post('envelope', gz($body), 'gzip', app => $limits),
			'an envelope of exactly 10 MiB after gzip is fine');
	is(scalar @{ events_with_event_id($limits, $id) }, 1, 'and its event is stored');
	my $over = $head . sprintf(qq({"type":"attachment","length":%08d}\n), $fill + 1) . ('a' x ($fill + 1)) . "\n";
	error_ok(post('envelope', gz($over), 'gzip', app => $limits), 413, 'PAYLOAD_TOO_LARGE', undef,
		 'one byte more is 413');
	error_ok(post('envelope', brotli_stored($over), 'br', app => $limits), 413, 'PAYLOAD_TOO_LARGE', undef,
		 'one byte more in brotli is 413');

	# A store body of exactly 1 MiB.
	my $sid = new_event_id();
	my $skeleton = json_bytes({ event_id => $sid, message => 'one MiB', extra => '' });
	my $store = json_bytes({ event_id => $sid, message => 'one MiB', extra => 'x' x ($MiB - length($skeleton)) });
	is(length $store, $MiB, 'the store body is exactly 1 MiB');
	sentry_accepted(post('store', gz($store), 'gzip', app => $limits),
			'a store body of exactly 1 MiB after gzip is fine');
	my $sid2 = new_event_id();
	my $store2 = json_bytes({ event_id => $sid2, message => 'one MiB', extra => 'x' x ($MiB - length($skeleton) + 1) });
	error_ok(post('store', gz($store2), 'gzip', app => $limits), 413, 'PAYLOAD_TOO_LARGE', undef,
		 'one byte more is 413');
	is(count_events($limits), 2, 'exactly the two bodies at the limits were stored');
}

# --- chunked bodies (the Node SDK sends no Content-Length) --------------------------

{
	for my $enc (undef, 'gzip') {
		my $id = new_event_id();
		my $body = sentry_envelope({ event_id => $id }, [ { type => 'event' }, { message => 'chunked' } ]);
		$body = gz($body) if $enc;
		my $chunked = '';
		for (my $off = 0; $off < length $body; $off += 17) {
			my $c = substr($body, $off, 17);
			$chunked .= sprintf("%x\r\n%s\r\n", length $c, $c);
		}
		$chunked .= "0\r\n\r\n";
		my $r = parse_http(raw_http("POST /api/$app->{id}/envelope/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
			. 'X-Sentry-Auth: ' . sentry_auth($app->{ingest_key}) . "\r\n"
			. ($enc ? "Content-Encoding: $enc\r\n" : '')
			. "Transfer-Encoding: chunked\r\n\r\n$chunked"));
		my $what = $enc ? "gzip, chunked" : 'chunked';
		is($r->{status}, 200, "$what: 200") or diag($r->{raw});
		is($r->{json} && $r->{json}{id}, $id, "$what: the id");
		is(scalar @{ events_with_event_id($app, $id) }, 1, "$what: stored");
	}
}

done_testing();
