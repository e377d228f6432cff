package Telltale::Sentry;

# The Sentry-compatible ingest (/api/{app_id}/store/ and /envelope/): DSNs,
# auth headers, envelopes, posting, the check of an accepted event, and a
# brotli encoder.

use strict;
use warnings;

use Carp qw(croak);
use Exporter qw(import);
use Test::More;
use Time::HiRes ();

use Telltale::HTTP qw(:DEFAULT host_port);
use Telltale::Util qw(json_bytes);

our @EXPORT = qw(new_event_id sentry_auth sentry_dsn sentry_envelope sentry_post sentry_accepted
		 brotli_stored);

my $event_counter = 0;

# A new event_id, 32 hex digits: this process's pid, the time and a count.
sub new_event_id {
	return sprintf('%08x%08x%08x%08x', $$, time, ++$event_counter, int rand 0xffffffff);
}

# The X-Sentry-Auth value an SDK sends for $key.
sub sentry_auth {
	my ($key) = @_;
	return "Sentry sentry_key=$key, sentry_version=7, sentry_client=telltale-it/1.0";
}

# The DSN an SDK is given for $app: http://<ingest_key>[:secret]@<host>:<port>/<app_id>.
sub sentry_dsn {
	my ($app, %o) = @_;
	my ($host, $port) = host_port();
	my $secret = defined $o{secret} ? ":$o{secret}" : '';
	return "http://$app->{ingest_key}$secret\@$host:$port/$app->{id}";
}

# sentry_envelope(\%header, [\%item_header, $payload], ...): the bytes of an
# envelope, each item as header line, payload and newline. A payload that is a
# reference is sent as JSON; an item header's length is left as given.
sub sentry_envelope {
	my ($header, @items) = @_;
	my $out = json_bytes($header) . "\n";
	for my $item (@items) {
		my ($h, $payload) = @$item;
		$payload = json_bytes($payload) if ref $payload;
		$out .= json_bytes($h) . "\n" . $payload . "\n";
	}
	return $out;
}

# sentry_post($app, 'store'|'envelope', $bytes, key => KEY, headers => {...},
#             query => 'a=b', app_id => ID, path => '/api/...')
# POSTs to /api/{app_id}/{kind}/ with X-Sentry-Auth for key (default: the
# app's; undef sends none); waits out 429s. Returns req()'s answer.
sub sentry_post {
	my ($app, $kind, $bytes, %o) = @_;
	my $key = exists $o{key} ? $o{key} : $app->{ingest_key};
	my %headers = ('Content-Type' => $kind eq 'envelope' ? 'application/x-sentry-envelope'
					: 'application/json', %{ $o{headers} || {} });
	$headers{'X-Sentry-Auth'} = sentry_auth($key) if defined $key;
	my $id = exists $o{app_id} ? $o{app_id} : $app->{id};
	my $path = $o{path} // "/api/$id/$kind/" . (defined $o{query} ? "?$o{query}" : '');
	my $res;
	for my $try (1 .. 30) {
		$res = req('POST', $path, body => $bytes, headers => \%headers);
		last unless $res->{status} == 429;
		Time::HiRes::sleep(($res->{headers}{'retry-after'} || 1) * 1.0);
	}
	return $res;
}

# sentry_accepted($res, $name): one assertion that the answer is what an SDK
# is given for an event taken: 200, Content-Type application/json,
# Access-Control-Allow-Origin *, and a body of only {"id": <32 hex digits>}.
# Returns the id.
sub sentry_accepted {
	my ($res, $name) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $j = ref $res->{json} eq 'HASH' ? $res->{json} : undef;
	my $ok = ok($res->{status} == 200 && $j && join(',', keys %$j) eq 'id'
		    && ($j->{id} // '') =~ /\A[0-9a-f]{32}\z/
		    && ($res->{headers}{'content-type'} // '') =~ m{^application/json}
		    && ($res->{headers}{'access-control-allow-origin'} // '') eq '*', $name);
	diag("status $res->{status}: " . substr($res->{body} // '', 0, 300)) unless $ok;
	return $j && $j->{id};
}

# A brotli stream (RFC 7932) holding $bytes in stored (uncompressed)
# meta-blocks: no encoder in Perl's core, and this is brotli all the same. Bits
# go out least significant first: WBITS 0 (a 64 KiB window), then per chunk of
# up to 65536 bytes ISLAST 0, MNIBBLES 0 (four nibbles), MLEN-1 (16 bits),
# ISUNCOMPRESSED 1, zero padding to a byte and the bytes; then ISLAST 1 and
# ISLASTEMPTY 1.
sub brotli_stored {
	my ($data) = @_;
	my ($out, $bits, $nbits) = ('', 0, 1);
	for (my $off = 0; $off < length $data; $off += 65536) {
		my $chunk = substr($data, $off, 65536);
		$bits |= (((length($chunk) - 1) << 3) | (1 << 19)) << $nbits;
		$nbits += 20;
		while ($nbits > 0) {
			$out .= chr($bits & 0xff);
			$bits >>= 8;
			$nbits = $nbits > 8 ? $nbits - 8 : 0;
		}
		$out .= $chunk;
		$bits = 0;
	}
	$bits |= 3 << $nbits;
	return $out . chr($bits & 0xff);
}

1;
