package Telltale;

# Helpers for telltale's integration tests. Core modules only.
#
# The tests talk to a running stack: TELLTALE_URL (http://127.0.0.1:PORT),
# TELLTALE_STATE_DIR and TELLTALE_ROOT (the checkout holding ./stack).

use strict;
use warnings;

use Carp qw(croak);
use Exporter qw(import);
use HTTP::Tiny;
use IO::Select;
use IO::Socket::INET;
use Socket qw(IPPROTO_TCP TCP_NODELAY);
use JSON::PP;
use Test::More;
use Time::HiRes ();
use Time::Local qw(timegm_modern);

our @EXPORT = qw(
	url req new_app ingest error_ok raw_http parse_http stack_cmd
	ev events_of count_events json_bytes
	ts_usec fmt_usec now_usec is_rfc3339_z is_valid_utf8
	worker_pids wait_for db_query
);

# ---------------------------------------------------------------------------
# HTTP

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

my $JSON = JSON::PP->new->utf8->canonical->allow_nonref;
my $http = HTTP::Tiny->new(timeout => 120, agent => 'telltale-it/1', keep_alive => 1);

# The base URL of the stack under test, without a trailing slash.
sub url {
	my $u = $ENV{TELLTALE_URL};
	croak "TELLTALE_URL is not set (e.g. http://127.0.0.1:18090)" unless $u;
	$u =~ s{/+\z}{};
	return $u;
}

# (host, port) of the stack's nginx.
sub _host_port {
	my ($host, $port) = url() =~ m{^https?://([^/:]+)(?::(\d+))?} or croak "bad TELLTALE_URL";
	return ($host, $port || 80);
}

# JSON text of a Perl structure (UTF-8 bytes, sorted keys).
sub json_bytes { return $JSON->encode($_[0]) }

sub _decode_json {
	my ($body) = @_;
	return undef unless defined $body && length $body;
	my $v = eval { $JSON->decode($body) };
	return $v;
}

# req($method, $path, json => DATA | body => BYTES, headers => {...})
# Returns {status, reason, headers (lower-case names), body, json}.
sub req {
	my ($method, $path, %o) = @_;
	my %headers = %{ $o{headers} || {} };
	my %opt;

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
	$res->{json} = _decode_json($res->{body});
	if ($r->{status} == 599) {
		diag("transport error on $method $path: " . ($r->{content} // ''));
	}
	return $res;
}

# ---------------------------------------------------------------------------
# Applications and events

my $app_counter = 0;

# Creates an application with a unique name; returns {id, name, ingest_key, created_at}.
sub new_app {
	my ($label) = @_;
	$label = defined $label ? "-$label" : '';
	$label =~ s/[^A-Za-z0-9_.-]/_/g;
	$app_counter++;
	my $name = "t-$$-$app_counter-" . time() . $label;
	my $res = req('POST', "/apps/$name");
	croak "cannot create app $name: $res->{status} " . ($res->{body} // '')
		unless $res->{status} == 201 && $res->{json} && $res->{json}{id};
	return { %{ $res->{json} } };
}

# A valid event, with fields overridden by %o (a value of undef deletes the field).
sub ev {
	my (%o) = @_;
	my %e = (occurred_at => '2026-02-10T10:00:00Z', level => 'ERROR', message => 'boom');
	for my $k (keys %o) {
		if (defined $o{$k}) { $e{$k} = $o{$k} } else { delete $e{$k} }
	}
	return \%e;
}

# ingest($app, \%event | \@events, key => KEY, body => BYTES, headers => {...})
# POSTs to /apps/{id}/events with the app's key; waits out 429s.
sub ingest {
	my ($app, $event, %o) = @_;
	my $key = exists $o{key} ? $o{key} : $app->{ingest_key};
	my %headers = %{ $o{headers} || {} };
	$headers{'X-Ingest-Key'} = $key if defined $key;
	my $id = exists $o{app_id} ? $o{app_id} : $app->{id};
	my @payload = exists $o{body} ? (body => $o{body}) : (json => $event);
	my $res;
	for my $try (1 .. 30) {
		$res = req('POST', "/apps/$id/events", @payload, headers => \%headers);
		last unless $res->{status} == 429;
		Time::HiRes::sleep(($res->{headers}{'retry-after'} || 1) * 1.0);
	}
	return $res;
}

# Every event of the app, newest first (pages through the list).
sub events_of {
	my ($app, $query) = @_;
	my @items;
	my $offset = 0;
	$query = defined $query ? "&$query" : '';
	for (1 .. 10000) {
		my $res = req('GET', "/apps/$app->{id}/events?limit=50&offset=$offset$query");
		croak "listing events of app $app->{id}: $res->{status} " . ($res->{body} // '')
			unless $res->{status} == 200 && $res->{json};
		push @items, @{ $res->{json}{items} };
		last unless defined $res->{json}{next_offset};
		$offset = $res->{json}{next_offset};
	}
	return @items;
}

sub count_events { my @e = events_of(@_); return scalar @e }

# ---------------------------------------------------------------------------
# Assertions

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

# 1 when the Perl string of bytes is valid UTF-8.
sub is_valid_utf8 {
	my ($bytes) = @_;
	my $copy = $bytes;
	return utf8::decode($copy) ? 1 : 0;
}

# ---------------------------------------------------------------------------
# Raw HTTP

# Sends bytes to nginx and returns everything read back until the server closes
# the connection (or $timeout seconds pass without data).
sub raw_http {
	my ($bytes, %o) = @_;
	my $timeout = $o{timeout} || 30;
	my ($host, $port) = _host_port();
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
	return { status => $status // 0, headers => \%h, body => $body, json => _decode_json($body),
		 raw => $raw };
}

# ---------------------------------------------------------------------------
# The stack

# stack_cmd(@args): runs "$TELLTALE_ROOT/stack @args" for this stack; returns
# the exit status in scalar context, (status, output) in list context.
sub stack_cmd {
	my (@args) = @_;
	my $root = $ENV{TELLTALE_ROOT} or croak 'TELLTALE_ROOT is not set';
	my $state = $ENV{TELLTALE_STATE_DIR} or croak 'TELLTALE_STATE_DIR is not set';
	my (undef, $port) = _host_port();
	local $ENV{STATE_DIR} = $state;
	local $ENV{PORT} = $port;
	my $pid = open(my $fh, '-|') // croak "fork: $!";
	if (!$pid) {
		open STDERR, '>&', \*STDOUT;
		exec "$root/stack", @args or do { print "exec $root/stack: $!\n"; exit 127 };
	}
	local $/;
	my $out = <$fh> // '';
	close $fh;
	my $rc = $? >> 8;
	return wantarray ? ($rc, $out) : $rc;
}

# The pids of this stack's workers: `pgrep -f telltale-worker`, narrowed to the
# children of the stack's multiwatch ($STATE_DIR/run/workers.pid) when that file
# is there, else to the processes whose environment names TELLTALE_STATE_DIR.
sub worker_pids {
	my @all = grep { /^\d+$/ && $_ != $$ } split /\s+/, (`pgrep -f telltale-worker` // '');
	my @workers = grep { (_slurp("/proc/$_/comm") // '') =~ /^telltale-worke/ } @all;
	my $state = $ENV{TELLTALE_STATE_DIR} // "\0none";
	$state =~ s{/+\z}{};
	my $parent = _slurp("$state/run/workers.pid");
	my @mine;
	if (defined $parent && $parent =~ /^\s*(\d+)\s*$/) {
		my $ppid = $1;
		@mine = grep {
			my ($pp) = (_slurp("/proc/$_/stat") // '') =~ /^\d+ \(.*\) \S (\d+)/;
			defined $pp && $pp == $ppid;
		} @workers;
	} else {
		@mine = grep {
			my $env = _slurp("/proc/$_/environ") // '';
			index($env, "$state/") >= 0;
		} @workers;
	}
	return sort { $a <=> $b } @mine;
}

sub _slurp {
	my ($path) = @_;
	open my $fh, '<', $path or return undef;
	local $/;
	my $s = <$fh>;
	return $s;
}

# db_query($sql): runs $sql with psql against the stack's database (the conninfo
# in $STATE_DIR/run/database_url) and returns its rows as array refs, or undef
# when the database cannot be queried that way (the caller skips).
sub db_query {
	my ($sql) = @_;
	my $state = $ENV{TELLTALE_STATE_DIR} or return undef;
	my $conninfo = _slurp("$state/run/database_url") or return undef;
	chomp $conninfo;
	my $pid = open(my $fh, '-|') // return undef;
	if (!$pid) {
		open STDERR, '>', '/dev/null';
		exec 'psql', '-X', '-q', '-A', '-t', '-F', "\t", '-v', 'ON_ERROR_STOP=1', '-d', $conninfo, '-c', $sql
			or exit 127;
	}
	my @rows = map { chomp; [ split /\t/, $_, -1 ] } <$fh>;
	close $fh;
	return undef if $?;
	return \@rows;
}

# Polls $check every $step seconds until it returns true or $secs pass.
# Returns the last result.
sub wait_for {
	my ($secs, $check, $step) = @_;
	$step ||= 0.2;
	my $deadline = Time::HiRes::time() + $secs;
	my $r;
	while (1) {
		$r = $check->();
		return $r if $r;
		last if Time::HiRes::time() >= $deadline;
		Time::HiRes::sleep($step);
	}
	return $r;
}

# ---------------------------------------------------------------------------
# Time

# Microseconds since the epoch of an RFC 3339 timestamp (Z or offset, optional
# fraction) or a bare date; undef when it is not one.
sub ts_usec {
	my ($s) = @_;
	return undef unless defined $s;
	my ($y, $mo, $d, $h, $mi, $se, $frac, $zone) = $s =~
		/^(\d{4})-(\d\d)-(\d\d)(?:[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?([Zz]|[+-]\d\d:\d\d))?\z/
		or return undef;
	my $secs = eval { timegm_modern($se // 0, $mi // 0, $h // 0, $d, $mo - 1, $y) };
	return undef unless defined $secs;
	my $usec = $secs * 1_000_000;
	if (defined $frac) {
		$usec += substr($frac . '000000', 0, 6) + 0;
	}
	if (defined $zone && $zone =~ /^([+-])(\d\d):(\d\d)\z/) {
		my $off = ($2 * 3600 + $3 * 60) * 1_000_000;
		$usec += $1 eq '+' ? -$off : $off;
	}
	return $usec;
}

# RFC 3339 UTC text of microseconds: fraction only when non-zero, no trailing zeros.
sub fmt_usec {
	my ($usec) = @_;
	my $secs = int($usec / 1_000_000);
	my $frac = $usec - $secs * 1_000_000;
	if ($frac < 0) { $secs -= 1; $frac += 1_000_000 }
	my @t = gmtime($secs);
	my $s = sprintf('%04d-%02d-%02dT%02d:%02d:%02d', $t[5] + 1900, $t[4] + 1, @t[3, 2, 1, 0]);
	if ($frac) {
		my $f = sprintf('%06d', $frac);
		$f =~ s/0+\z//;
		$s .= ".$f";
	}
	return "${s}Z";
}

sub now_usec { return int(Time::HiRes::time() * 1_000_000) }

# 1 when $s is RFC 3339 UTC with Z and, if any, a fraction of 1-6 digits without
# trailing zeros.
sub is_rfc3339_z {
	my ($s) = @_;
	return 0 unless defined $s && !ref $s;
	return 0 unless $s =~ /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.(\d{1,6}))?Z\z/;
	return 0 if defined $1 && $1 =~ /0\z/;
	return defined ts_usec($s) ? 1 : 0;
}


# ---------------------------------------------------------------------------
# Sentry-compatible ingest (/api)

push @EXPORT, qw(sentry_auth sentry_dsn sentry_envelope sentry_post brotli_stored);

# The X-Sentry-Auth value an SDK sends for $key.
sub sentry_auth {
	my ($key) = @_;
	return "Sentry sentry_key=$key, sentry_version=7, sentry_client=telltale-it/1.0";
}

# The DSN an SDK is given for $app: http://<ingest_key>[:secret]@<host>:<port>/<app_id>.
sub sentry_dsn {
	my ($app, %o) = @_;
	my ($host, $port) = _host_port();
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


# ---------------------------------------------------------------------------
# API monitoring (/v1): services, keys, request logs

push @EXPORT, qw(new_service new_key log_ev ingest_log logs_of is_uuid);

my $service_counter = 0;

# 1 when $s is a UUID in its lower-case 8-4-4-4-12 form.
sub is_uuid {
	my ($s) = @_;
	return defined $s && !ref $s && $s =~ /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\z/ ? 1 : 0;
}

# Creates a service with a unique name (and %fields); returns the SERVICE.
sub new_service {
	my ($label, %fields) = @_;
	$label = defined $label ? "-$label" : '';
	$service_counter++;
	my $name = "s-$$-$service_counter-" . time() . $label;
	my $res = req('POST', '/v1/services', json => { name => $name, %fields });
	croak "cannot create service $name: $res->{status} " . ($res->{body} // '')
		unless $res->{status} == 201 && $res->{json} && $res->{json}{id};
	return { %{ $res->{json} } };
}

# Creates a key of $service; returns the key object with raw_key.
sub new_key {
	my ($service, $name) = @_;
	my $res = req('POST', "/v1/services/$service->{id}/keys", json => { name => $name // 'test key' });
	croak "cannot create a key for $service->{id}: $res->{status} " . ($res->{body} // '')
		unless $res->{status} == 201 && $res->{json} && $res->{json}{raw_key};
	return { %{ $res->{json} } };
}

# A valid request log, with fields overridden by %o (undef deletes the field).
sub log_ev {
	my (%o) = @_;
	my %l = (method => 'GET', url => 'https://api.example.com/v1/items?page=1',
		 path => '/v1/items', status_code => 200, latency_ms => 12.5);
	for my $k (keys %o) {
		if (defined $o{$k}) { $l{$k} = $o{$k} } else { delete $l{$k} }
	}
	return \%l;
}

# ingest_log($raw_key, \%log, body => BYTES, headers => {...}, auth => HEADER)
# POSTs to /v1/logs with "Authorization: Bearer $raw_key" (auth replaces the
# whole header; undef $raw_key and no auth send none); waits out 429s.
sub ingest_log {
	my ($key, $log, %o) = @_;
	my %headers = %{ $o{headers} || {} };
	if (exists $o{auth}) {
		$headers{Authorization} = $o{auth} if defined $o{auth};
	} elsif (defined $key) {
		$headers{Authorization} = "Bearer $key";
	}
	my @payload = exists $o{body} ? (body => $o{body}) : (json => $log);
	my $res;
	for my $try (1 .. 30) {
		$res = req('POST', '/v1/logs', @payload, headers => \%headers);
		last unless $res->{status} == 429;
		Time::HiRes::sleep(($res->{headers}{'retry-after'} || 1) * 1.0);
	}
	return $res;
}

# Every log that GET /v1/logs?$query lists, newest first (pages through).
sub logs_of {
	my ($query) = @_;
	my @items;
	my $offset = 0;
	$query = defined $query && length $query ? "&$query" : '';
	for (1 .. 10000) {
		my $res = req('GET', "/v1/logs?limit=500&offset=$offset$query");
		croak "listing logs ($query): $res->{status} " . ($res->{body} // '')
			unless $res->{status} == 200 && $res->{json};
		push @items, @{ $res->{json}{items} };
		last unless defined $res->{json}{next_offset};
		$offset = $res->{json}{next_offset};
	}
	return @items;
}

1;
