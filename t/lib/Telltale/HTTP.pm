package Telltale::HTTP;

# HTTP to the stack under test (TELLTALE_URL, http://127.0.0.1:PORT): requests
# through HTTP::Tiny, raw bytes on a socket, one-shot requests on a connection
# of their own, and the assertion on telltale's JSON error bodies.

use strict;
use warnings;

use Carp qw(croak);
use Exporter qw(import);
use HTTP::Tiny;
use IO::Select;
use IO::Socket::INET;
use Socket qw(IPPROTO_TCP TCP_NODELAY);
use Test::More;
use Time::HiRes ();

use Telltale::Util qw(json_bytes json_value);

our @EXPORT = qw(url req error_ok raw_http parse_http http_once free_port flood flood_count list_all
	auth_line);
our @EXPORT_OK = qw(host_port);

# HTTP::Tiny writes a request's head and body in two writes; without TCP_NODELAY
# the body waits for the delayed ACK (40 ms a request).
{
	no warnings 'redefine';
	my $connect = \&HTTP::Tiny::Handle::connect;
	*HTTP::Tiny::Handle::connect = sub {
		my $self = $connect->(@_);
		setsockopt($self->{fh}, IPPROTO_TCP, TCP_NODELAY, 1) if ref $self && $self->{fh};
		return $self;
	};
}

my $http = HTTP::Tiny->new(timeout => 120, agent => 'telltale-it/1', keep_alive => 1);

# The base URL of the stack under test, without a trailing slash.
sub url {
	my $u = $ENV{TELLTALE_URL};
	croak "TELLTALE_URL is not set (e.g. http://127.0.0.1:18090)" unless $u;
	$u =~ s{/+\z}{};
	return $u;
}

# (host, port) of the stack's nginx.
sub host_port {
	my ($host, $port) = url() =~ m{^https?://([^/:]+)(?::(\d+))?} or croak "bad TELLTALE_URL";
	return ($host, $port || 80);
}

# req($method, $path, json => DATA | body => BYTES, headers => {...}, anonymous => 1)
# Returns {status, reason, headers (lower-case names), body, json}.
# The routes that take keys, not a principal: a request to them gets no token.
sub keyed_route {
	my ($method, $path) = @_;
	return 1 if $path =~ m{^/api/} || $path =~ m{^/otlp/} || $path =~ m{^/v1/health\b} || $path =~ m{^/v1/auth/login\b};
	return $method eq 'POST'
		&& ($path =~ m{^/apps/[^/?]+/events/?(?:\?|$)} || $path =~ m{^/v1/logs/?(?:\?|$)});
}

# The admin token the test run was given (t/run makes one with ./stack token
# new), sent with every request to a route that needs a principal unless the
# request names its own Authorization or asks for anonymous => 1.
sub auth_headers {
	my ($method, $path, $headers, $anonymous) = @_;
	return if $anonymous || !$ENV{TELLTALE_TOKEN} || keyed_route($method, $path);
	return if grep { lc $_ eq 'authorization' || lc $_ eq 'cookie' } keys %$headers;
	$headers->{Authorization} = "Bearer $ENV{TELLTALE_TOKEN}";
}

# auth_line($method, $path): the Authorization header line (with its CRLF) req
# would add, for requests written by hand; '' when it adds none.
sub auth_line {
	my ($method, $path) = @_;
	my %h;
	auth_headers($method, $path, \%h);
	return $h{Authorization} ? "Authorization: $h{Authorization}\r\n" : '';
}

sub req {
	my ($method, $path, %o) = @_;
	my %headers = %{ $o{headers} || {} };
	my %opt;

	auth_headers($method, $path, \%headers, $o{anonymous});

	if (exists $o{json}) {
		$opt{content} = json_bytes($o{json});
		$headers{'Content-Type'} = 'application/json'
			unless grep { lc $_ eq 'content-type' } keys %headers;
	} elsif (exists $o{body}) {
		$opt{content} = $o{body};
		$headers{'Content-Type'} = 'application/json'
			unless grep { lc $_ eq 'content-type' } keys %headers;
	}
	$opt{headers} = \%headers;
	my $r = $http->request($method, url() . $path, \%opt);
	my $res = {
		status  => $r->{status},
		reason  => $r->{reason},
		headers => $r->{headers} || {},
		body    => $r->{content},
	};
	$res->{json} = json_value($res->{body});
	if ($r->{status} == 599) {
		diag("transport error on $method $path: " . ($r->{content} // ''));
	}
	return $res;
}

# error_ok($res, $status, $code, $field, $name): one assertion that the response
# is $status with Content-Type application/json and the body
# {"error": $code, "message": "...", "field": $field} (no field when $field is
# undef; any field or none when $field is '*').
sub error_ok {
	my ($res, $status, $code, $field, $name) = @_;
	my @why;
	my $ct = $res->{headers}{'content-type'} // '';
	my $j  = $res->{json};

	push @why, "status $res->{status}, want $status" unless $res->{status} == $status;
	push @why, "content-type '$ct'" unless $ct =~ m{^application/json\b}i;
	if (ref $j ne 'HASH') {
		push @why, 'body is not a JSON object';
	} else {
		push @why, 'error ' . ($j->{error} // 'undef') . ", want $code"
			unless defined $j->{error} && $j->{error} eq $code;
		push @why, 'message missing or empty'
			unless defined $j->{message} && !ref $j->{message} && length $j->{message};
		if (defined $field && $field eq '*') {
			# the caller does not mind
		} elsif (defined $field) {
			push @why, 'field ' . ($j->{field} // 'undef') . ", want $field"
				unless defined $j->{field} && $j->{field} eq $field;
		} else {
			push @why, "unexpected field '" . ($j->{field} // 'null') . "'" if exists $j->{field};
		}
		my %known = map { $_ => 1 } qw(error message field);
		my @extra = grep { !$known{$_} } keys %$j;
		push @why, "unexpected keys @extra" if @extra;
	}
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $ok = ok(!@why, $name);
	diag(join('; ', @why) . "\n  body: " . (defined $res->{body} ? substr($res->{body}, 0, 500) : '(none)'))
		unless $ok;
	return $ok;
}

# Sends bytes to nginx and returns everything read back until the server closes
# the connection (or $timeout seconds pass without data).
sub raw_http {
	my ($bytes, %o) = @_;
	my $timeout = $o{timeout} || 30;
	my ($host, $port) = host_port();
	my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Proto => 'tcp',
					 Timeout => 10)
		or croak "cannot connect to $host:$port: $!";
	binmode $sock;
	$sock->autoflush(1);
	setsockopt($sock, IPPROTO_TCP, TCP_NODELAY, 1);
	local $SIG{PIPE} = 'IGNORE';
	my $off = 0;
	while ($off < length $bytes) {
		my $n = syswrite($sock, $bytes, 65536, $off);
		last unless defined $n && $n > 0;   # the server may answer early and close
		$off += $n;
	}
	shutdown($sock, 1) if $o{half_close};
	my $sel = IO::Select->new($sock);
	my $out = '';
	while ($sel->can_read($timeout)) {
		my $n = sysread($sock, my $buf, 65536);
		last unless $n;
		$out .= $buf;
	}
	close $sock;
	return $out;
}

# Parses a raw HTTP/1.x response into {status, headers, body, json}.
sub parse_http {
	my ($raw) = @_;
	my ($head, $body) = split /\r\n\r\n/, $raw, 2;
	$head //= '';
	$body //= '';
	my @lines = split /\r\n/, $head;
	my $first = shift(@lines) // '';
	my ($status) = $first =~ m{^HTTP/\d\.\d\s+(\d{3})};
	my %h;
	for (@lines) {
		my ($k, $v) = /^([^:]+):\s*(.*)$/ or next;
		$h{lc $k} = exists $h{lc $k} ? "$h{lc $k}, $v" : $v;
	}
	if (($h{'transfer-encoding'} // '') =~ /chunked/i) {
		my $plain = '';
		while ($body =~ s/^([0-9a-fA-F]+)[^\r\n]*\r\n//) {
			my $n = hex $1;
			last if $n == 0;
			$plain .= substr($body, 0, $n, '');
			$body =~ s/^\r\n//;
		}
		$body = $plain;
	} elsif (defined $h{'content-length'}) {
		$body = substr($body, 0, $h{'content-length'});
	}
	return { status => $status // 0, headers => \%h, body => $body, json => json_value($body),
		 raw => $raw };
}

# http_once($host, $port, $method, $path, headers => {...}, body => BYTES,
#           timeout => SECS): one request on its own connection (Connection:
# close), read until the server closes it. Returns {status (0 when no status
# line came), headers, body, json, bytes (all bytes read), complete (1 when a
# status line, the header block and exactly Content-Length bytes of body, or a
# whole chunked body, came), error (connect/write/read/timeout text or undef),
# t0, t1 (Time::HiRes times of the start and the end)}.
sub http_once {
	my ($host, $port, $method, $path, %o) = @_;
	my $timeout = $o{timeout} || 30;
	my $body = $o{body} // '';
	my %r = (status => 0, headers => {}, body => '', bytes => 0, complete => 0,
		 t0 => Time::HiRes::time());
	my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Proto => 'tcp',
					 Timeout => $timeout);
	if (!$sock) {
		$r{error} = "connect: $!";
		$r{t1} = Time::HiRes::time();
		return \%r;
	}
	setsockopt($sock, IPPROTO_TCP, TCP_NODELAY, 1);
	my %h = %{ $o{headers} || {} };
	$h{'Content-Length'} = length $body if length $body || $method =~ /^(POST|PUT|PATCH)\z/;
	my $req = "$method $path HTTP/1.1\r\nHost: $host:$port\r\nConnection: close\r\n"
		. join('', map { "$_: $h{$_}\r\n" } sort keys %h) . "\r\n" . $body;
	local $SIG{PIPE} = 'IGNORE';
	for (my $off = 0; $off < length $req;) {
		my $n = syswrite($sock, $req, length($req) - $off, $off);
		if (!defined $n) { $r{error} = "write: $!"; last }
		$off += $n;
	}
	# Read even after a failed write: an answer may be waiting.
	my ($raw, $sel, $deadline) = ('', IO::Select->new($sock), $r{t0} + $timeout);
	while (1) {
		my $left = $deadline - Time::HiRes::time();
		if ($left <= 0 || !$sel->can_read($left)) { $r{error} //= 'timeout'; last }
		my $n = sysread($sock, my $buf, 65536);
		if (!defined $n) { $r{error} //= "read: $!"; last }
		last if $n == 0;
		$raw .= $buf;
	}
	close $sock;
	$r{t1} = Time::HiRes::time();
	$r{bytes} = length $raw;
	my $end = index($raw, "\r\n\r\n");
	return \%r if $end < 0;
	my ($first, @lines) = split /\r\n/, substr($raw, 0, $end);
	my $rest = substr($raw, $end + 4);
	($r{status}) = ($first // '') =~ m{^HTTP/1\.[01] (\d{3}) };
	$r{status} //= 0;
	for (@lines) {
		my ($k, $v) = /^([^:]+):\s*(.*?)\s*\z/ or next;
		$r{headers}{lc $k} = exists $r{headers}{lc $k} ? "$r{headers}{lc $k}, $v" : $v;
	}
	my $cl = $r{headers}{'content-length'};
	if (($r{headers}{'transfer-encoding'} // '') =~ /chunked/i) {
		my $plain = '';
		while ($rest =~ s/^([0-9a-fA-F]+)[^\r\n]*\r\n//) {
			my $n = hex $1;
			if ($n == 0) { $r{complete} = $rest =~ /^(?:[^\r\n]+\r\n)*\r\n\z/ ? 1 : 0; last }
			last if length $rest < $n + 2;
			$plain .= substr($rest, 0, $n, '');
			last unless $rest =~ s/^\r\n//;
		}
		$rest = $plain;
	} elsif (defined $cl && $cl =~ /^\d+\z/) {
		$r{complete} = length $rest == $cl ? 1 : 0;
	}
	$r{complete} = 0 unless $r{status};
	$r{body} = $rest;
	$r{json} = json_value($rest);
	return \%r;
}

# A TCP port free on 127.0.0.1 now.
sub free_port {
	my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1:0', ReuseAddr => 1)
		or croak "no free port: $!";
	return $s->sockport;
}

# Sends each string of pipelined requests over its own connection, all at once;
# returns, for each connection, an array of its parsed responses. (nginx closes
# a connection after a 429, so a flooded connection ends with its first 429.)
sub flood {
	my (@streams) = @_;
	my ($host, $port) = url() =~ m{^https?://([^/:]+):?(\d*)};
	my (%conn, @order);
	for my $bytes (@streams) {
		my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port || 80, Proto => 'tcp')
			or die "connect: $!";
		$sock->blocking(0);
		$conn{ fileno $sock } = { sock => $sock, out => $bytes, in => '', open => 1 };
		push @order, fileno $sock;
	}
	my $deadline = Time::HiRes::time() + 120;
	while (grep { $_->{open} } values %conn) {
		last if Time::HiRes::time() > $deadline;
		my $r = IO::Select->new(map { $_->{sock} } grep { $_->{open} } values %conn);
		my $w = IO::Select->new(map { $_->{sock} } grep { $_->{open} && length $_->{out} } values %conn);
		my ($can_r, $can_w) = IO::Select->select($r, $w->count ? $w : undef, undef, 10);
		last unless $can_r || $can_w;
		for my $sock (@{ $can_w || [] }) {
			my $c = $conn{ fileno $sock };
			my $n = syswrite($sock, $c->{out}, 65536);
			substr($c->{out}, 0, $n, '') if $n;
		}
		for my $sock (@{ $can_r || [] }) {
			my $c = $conn{ fileno $sock };
			my $n = sysread($sock, my $buf, 262144);
			if ($n) { $c->{in} .= $buf } elsif (defined $n) { $c->{open} = 0; close $sock }
		}
	}
	my @per_conn;
	for my $fd (@order) {
		my $in = $conn{$fd}{in};
		my @responses;
		while ($in =~ /\A(HTTP\/1\.\d \d{3}.*?\r\n\r\n)/s) {
			my $head = $1;
			my ($len) = $head =~ /^Content-Length:\s*(\d+)/mi;
			$len //= 0;
			push @responses, parse_http(substr($in, 0, length($head) + $len, ''));
		}
		push @per_conn, \@responses;
	}
	return @per_conn;
}

# flood_count($count, $request): $count requests ($request, or
# $request->($n) for the n-th) pipelined over as many connections as nginx
# serves them on (fewer than its 1000 a connection, four at least), each
# ended by a health check that closes it, all at once. Returns every answer.
sub flood_count {
	my ($count, $request) = @_;
	my $conns = int($count / 900) + 1;
	$conns = 4 if $conns < 4;
	my $per_conn = int($count / $conns) + 1;
	my $make = ref $request eq 'CODE' ? $request : sub { $request };
	my $close = "GET /v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
	my $n = 0;
	return map { @$_ } flood(map { join('', map { $make->($n++) } 1 .. $per_conn) . $close } 1 .. $conns);
}

# list_all($path): every item of a collection that answers a plain array a
# thousand at a time (GET /apps, /v1/services, /v1/alerts), paging with
# limit and offset.
sub list_all {
	my ($path) = @_;
	my $sep = $path =~ /\?/ ? '&' : '?';
	my @all;
	for (my $offset = 0; ; $offset += 1000) {
		my $page = req('GET', "$path${sep}limit=1000&offset=$offset")->{json};
		last unless ref $page eq 'ARRAY';
		push @all, @$page;
		last if @$page < 1000;
	}
	return \@all;
}

1;
