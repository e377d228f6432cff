package Telltale::Receiver;

# A webhook receiver on 127.0.0.1 for the notifier's deliveries (the stack
# must admit it: REPLAY_ALLOW=127.0.0.1/32). It answers by path: /ok/... 200;
# /slow/... 200 after 2 s; /fail/... 500; /flaky/N/... 500 to the first N
# requests on that path, then 200. Every request is recorded with the status
# it got. receiver_start() forks it; it stops when the test ends.

use strict;
use warnings;

use Digest::SHA qw(hmac_sha256_hex);
use Exporter qw(import);
use File::Temp ();
use IO::Socket::INET;
use JSON::PP;
use POSIX ();
use Test::More;
use Time::HiRes ();

use Telltale::Util qw(json_bytes);

our @EXPORT = qw(receiver_start received_all received hook signed_ok);

my ($dir, $port, $receiver);

END { if ($receiver) { local $?; kill 'TERM', $receiver; waitpid($receiver, 0) } }

# Reads one request off $conn: (path, {lower-case header => value}, body,
# method), or ().
sub read_request {
	my ($conn) = @_;
	my $raw = '';
	while ($raw !~ /\r\n\r\n/) {
		my $n = sysread($conn, my $buf, 65536) or return;
		$raw .= $buf;
	}
	my ($head, $body) = split /\r\n\r\n/, $raw, 2;
	my ($line, @lines) = split /\r\n/, $head;
	my ($path) = $line =~ m{^\S+ (\S+) HTTP/1\.[01]\z} or return;
	my %h;
	for (@lines) {
		next unless /^([^:]+):\s*(.*?)\s*\z/;
		$h{ lc $1 } = exists $h{ lc $1 } ? "$h{ lc $1 }, $2" : $2;    # repeated: joined
	}
	while (length $body < ($h{'content-length'} // 0)) {
		my $n = sysread($conn, my $buf, 65536) or return;
		$body .= $buf;
	}
	return ($path, \%h, $body, $line =~ /^(\S+)/);
}

sub receive_forever {
	my ($sock, $file) = @_;
	my %seen;
	$SIG{ALRM} = sub { die "timeout\n" };
	while (my $conn = $sock->accept) {
		eval {
			alarm 10;
			my ($path, $h, $body, $method) = read_request($conn);
			if (defined $path) {
				my $n = ++$seen{$path};
				sleep 2 if $path =~ m{^/slow/};
				my $status = $path =~ m{^/fail/} ? 500
					: $path =~ m{^/flaky/(\d+)/} && $n <= $1 ? 500 : 200;
				open my $out, '>>', $file or die "$file: $!";
				print $out json_bytes({ path => $path, method => $method, headers => $h,
							body => $body, status => $status,
							at => Time::HiRes::time() }), "\n";
				close $out;
				print $conn "HTTP/1.1 $status X\r\nContent-Type: text/plain\r\n"
					. "Content-Length: 2\r\nConnection: close\r\n\r\nok";
			}
			alarm 0;
		};
		close $conn;
	}
}

# Starts the receiver; returns its port.
sub receiver_start {
	$dir = File::Temp::tempdir('telltale-webhooks-XXXXXX', TMPDIR => 1, CLEANUP => 1);
	my $listen = IO::Socket::INET->new(Listen => 16, LocalAddr => '127.0.0.1', LocalPort => 0,
					   ReuseAddr => 1) or die "listen: $!";
	$port = $listen->sockport;
	$receiver = fork // die "fork: $!";
	if (!$receiver) {
		receive_forever($listen, "$dir/requests");
		POSIX::_exit(0);
	}
	close $listen;
	return $port;
}

# Every request the receiver got, in order.
sub received_all {
	open my $in, '<', "$dir/requests" or return ();
	my $json = JSON::PP->new->utf8;
	return map { $json->decode($_) } <$in>;
}

# The requests the receiver got on $path, in order.
sub received {
	my ($path) = @_;
	return grep { $_->{path} eq $path } received_all();
}

# The receiver's URL for $path.
sub hook { my ($path) = @_; return "http://127.0.0.1:$port$path" }

# One assertion that $r (a received request) is signed for $secret:
# X-Telltale-Signature t=<unix seconds, within 5 minutes>,v1=<hex HMAC-SHA256
# of "<t>.<body>">, as docs/api.md tells a receiver to check it.
sub signed_ok {
	my ($r, $secret, $name) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my ($t, $v1) = ($r->{headers}{'x-telltale-signature'} // '') =~ /^t=(\d+),v1=([0-9a-f]{64})\b/;
	return ok($t && abs($t - time) < 300 && $v1 eq hmac_sha256_hex("$t." . ($r->{body} // ''), $secret // ''),
		  $name) || diag('X-Telltale-Signature: ' . ($r->{headers}{'x-telltale-signature'} // '(none)'));
}

1;
