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
	worker_pids wait_for db_query db_session db_sessions worker_lock_waits in_background
	rollup_rebuild rollup_reset_sql
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
	my $conninfo = _database_url('db_query');
	my $pid = open(my $fh, '-|') // croak "db_query: fork: $!";
	if (!$pid) {
		open STDERR, '>', '/dev/null';
		exec 'psql', '-X', '-q', '-A', '-t', '-F', "\t", '-v', 'ON_ERROR_STOP=1', '-d', $conninfo, '-c', $sql
			or exit 127;
	}
	my @rows = map { chomp; [ split /\t/, $_, -1 ] } <$fh>;
	close $fh;
	# The test stack's database is always reachable: a failure is the test's.
	croak "db_query failed (psql exit $?): $sql" if $?;
	return \@rows;
}

# db_session(@commands): a psql session against the stack's database, in the
# background, running each command in turn (as -c) with its output discarded:
# for a test that holds a lock or a transaction open while it goes on. Returns
# the session's pid; the caller reaps it.
sub db_session {
	my (@commands) = @_;
	my $conninfo = _database_url('db_session');
	my $pid = fork // croak "db_session: fork: $!";
	if (!$pid) {
		open STDOUT, '>', '/dev/null';
		open STDERR, '>', '/dev/null';
		exec('psql', '-X', '-q', '-d', $conninfo, map { ('-c', $_) } @commands) or POSIX::_exit(127);
	}
	return $pid;
}

# db_sessions($where): how many of the database's sessions match $where, a
# condition on pg_stat_activity (for a test that waits for a lock wait).
sub db_sessions {
	my ($where) = @_;
	return db_query("SELECT count(*) FROM pg_stat_activity WHERE $where")->[0][0];
}

# worker_lock_waits(): how many workers' sessions wait for a lock.
sub worker_lock_waits {
	return db_sessions("wait_event_type = 'Lock' AND application_name LIKE 'telltale-worker[%'");
}

# in_background($code): runs $code in a child process while the test goes on
# (a request that is to wait for a lock the test holds). Returns a sub that
# waits for the child and returns the line $code returned.
sub in_background {
	my ($code) = @_;
	pipe(my $r, my $w) or croak "in_background: pipe: $!";
	my $pid = fork // croak "in_background: fork: $!";
	if (!$pid) {
		close $r;
		syswrite($w, $code->() . "\n");
		POSIX::_exit(0);
	}
	close $w;
	return sub {
		chomp(my $line = <$r> // '');
		close $r;
		waitpid($pid, 0);
		return $line;
	};
}

# The stack's conninfo ($STATE_DIR/run/database_url); croaks in $who without it.
sub _database_url {
	my ($who) = @_;
	my $state = $ENV{TELLTALE_STATE_DIR} or croak "$who: TELLTALE_STATE_DIR is not set";
	my $conninfo = _slurp("$state/run/database_url") or croak "$who: no $state/run/database_url";
	chomp $conninfo;
	return $conninfo;
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

# rollup_rebuild(LOCK, STATE_TABLE, \@TABLES, SECS): empties the rolled tables
# and rewinds the state row, under the rollup's own advisory lock in one
# transaction, then waits up to SECS for telltale-rollup to count everything
# stored before now again. Returns true when it has.
sub rollup_rebuild {
	my ($lock, $state, $tables, $secs) = @_;
	db_query(rollup_reset_sql($lock, $state, $tables)) or return 0;
	my $t = now_usec();
	return wait_for($secs, sub {
		my $r = db_query("SELECT rolled_until > usec_to_ts($t) FROM $state");
		return $r->[0][0] eq 't';
	});
}

# rollup_reset_sql(LOCK, STATE_TABLE, \@TABLES): the statements that take a
# rollup's advisory lock, empty its rolled tables and rewind its state row, to
# run in one transaction.
sub rollup_reset_sql {
	my ($lock, $state, $tables) = @_;
	return "SELECT pg_advisory_xact_lock($lock);" . join('', map { " DELETE FROM $_;" } @$tables)
		. " UPDATE $state SET rolled_until = '-infinity';";
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



# ---------------------------------------------------------------------------
# Faults under load (t/095N-faults*.t): one-shot raw HTTP, forked load
# clients, the private PostgreSQL cluster's processes, a second stack.

push @EXPORT, qw(http_once load_start load_stop load_event_id ingest_interval
		 pg_cluster pg_postmaster_pid pg_ready pg_cluster_pids pg_freeze pg_thaw
		 pg_thaw_watchdog pg_guardian pg_ctl stored_event_ids stack_at free_port worker_busy
		 stack_worker_binary psql_at);

use Cwd ();
use File::Temp ();
use POSIX ();

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
	$r{json} = _decode_json($rest);
	return \%r;
}

# A 32-hex-digit event_id unique to ($nonce, $client, $seq).
sub load_event_id {
	my ($nonce, $client, $seq) = @_;
	return sprintf('%08x%08x%04x%012x', $nonce & 0xffffffff, ($nonce >> 32) & 0xffffffff,
		       $client & 0xffff, $seq);
}

# The seconds one load client waits between two ingests with one key so that
# $secs of it stay well inside the stack's per-key ingest limit (rate and burst
# from $STATE_DIR/nginx/nginx.conf); 0 when there is no limit to mind.
sub ingest_interval {
	my ($secs, $state) = @_;
	$state //= $ENV{TELLTALE_STATE_DIR};
	my $conf = _slurp("$state/nginx/nginx.conf") // '';
	my ($rate) = $conf =~ /zone=\S+\s+rate=(\d+)r\/s/;
	my ($burst) = $conf =~ /limit_req\s+zone=\S+\s+burst=(\d+)/;
	return 0 unless defined $rate;
	my $allowed = 0.7 * (($burst // 0) + $rate * $secs);
	return $allowed >= 100_000 ? 0 : $secs / $allowed;
}

# load_start(clients => N, secs => MAX, host => H, port => P, request => CODE,
#            interval => SECS, timeout => SECS): forks N clients, each sending
# one request after another, each on its own connection (http_once), until
# load_stop or MAX seconds. CODE->($client, $seq) returns ($method, $path,
# \%headers, $body, \%meta). A client starts request k no earlier than
# k * interval seconds after the start. Host and port default to the stack
# under test. Returns the load's handle for load_stop, whose answers are
# {%meta, client, seq, status, t0, t1, bytes, complete, error (as http_once),
# json (1 when the body is JSON), json_error, database, id (those fields of
# a JSON object body), retry_after, content_type, body (the first 300 bytes,
# unless 2xx)}.
sub load_start {
	my (%o) = @_;
	my ($host, $port) = $o{host} ? ($o{host}, $o{port}) : _host_port();
	my $dir = File::Temp::tempdir('telltale-load-XXXXXX', TMPDIR => 1, CLEANUP => 1);
	my $t0 = Time::HiRes::time();
	my %load = (dir => $dir, stop => "$dir/stop", t0 => $t0, until => $t0 + $o{secs}, pids => []);
	for my $c (0 .. $o{clients} - 1) {
		my $pid = fork // croak "fork: $!";
		if (!$pid) {
			my $ok = eval {
				open my $out, '>', "$dir/client-$c" or die "$dir/client-$c: $!";
				for (my $seq = 0; ; $seq++) {
					my $at = $t0 + $seq * ($o{interval} || 0);
					my $wait = $at - Time::HiRes::time();
					Time::HiRes::sleep($wait) if $wait > 0;
					last if Time::HiRes::time() >= $load{until} || -e $load{stop};
					my ($method, $path, $headers, $body, $meta) = $o{request}->($c, $seq);
					my $r = http_once($host, $port, $method, $path, headers => $headers,
							  body => $body, timeout => $o{timeout} || 20);
					my $j = ref $r->{json} eq 'HASH' ? $r->{json} : {};
					print $out json_bytes({
						%{ $meta || {} }, client => $c, seq => $seq,
						map({ $_ => $r->{$_} } qw(status t0 t1 bytes complete error)),
						json => ref $r->{json} ? 1 : 0,
						json_error => $j->{error}, database => $j->{database},
						id => $j->{id}, retry_after => $r->{headers}{'retry-after'},
						content_type => $r->{headers}{'content-type'},
						body => $r->{status} =~ /^2/ ? undef : substr($r->{body}, 0, 300),
					}), "\n";
					# Nothing listens (a stopping stack): do not spin.
					Time::HiRes::sleep(0.02) if ($r->{error} // '') =~ /^connect/;
				}
				close $out or die "$dir/client-$c: $!";
				1;
			};
			print STDERR "load client $c: $@" unless $ok;
			POSIX::_exit($ok ? 0 : 1);
		}
		push @{ $load{pids} }, $pid;
	}
	return \%load;
}

# load_stop($load, grace => SECS): tells the clients to stop, waits up to
# grace seconds (default 30) for their requests in flight, kills what is left.
# Returns {results => [answer...] (in order of t1), broken => number of
# clients that failed or had to be killed}.
sub load_stop {
	my ($load, %o) = @_;
	if (open my $fh, q{>}, $load->{stop}) { close $fh }
	my $deadline = Time::HiRes::time() + ($o{grace} // 30);
	my %left = map { $_ => 1 } @{ $load->{pids} };
	my $broken = 0;
	while (%left) {
		for my $pid (keys %left) {
			next unless waitpid($pid, POSIX::WNOHANG()) == $pid;
			$broken++ if $?;
			delete $left{$pid};
		}
		last if Time::HiRes::time() >= $deadline;
		Time::HiRes::sleep(0.02) if %left;
	}
	for my $pid (keys %left) {
		kill 'KILL', $pid;
		waitpid($pid, 0);
		$broken++;
	}
	my @results;
	for my $file (glob "$load->{dir}/client-*") {
		open my $in, '<', $file or next;
		push @results, map { $JSON->decode($_) } <$in>;
	}
	@results = sort { $a->{t1} <=> $b->{t1} } @results;
	return { results => \@results, broken => $broken };
}

# Every event_id stored for the apps, as {event_id => the event's id}, read
# through GET /apps/{id}/events.
sub stored_event_ids {
	my (@apps) = @_;
	my %ids;
	for my $app (@apps) {
		$ids{ $_->{event_id} } = $_->{id} for grep { defined $_->{event_id} } events_of($app);
	}
	return \%ids;
}

# The stack's private cluster: {data, pgdir, bin, conninfo}, or undef when
# the stack uses an external database (DATABASE_URL) or has none.
sub pg_cluster {
	my ($state) = @_;
	$state //= $ENV{TELLTALE_STATE_DIR} or return undef;
	my $pgdir = "$state/pg";
	my $version = _slurp("$pgdir/data/PG_VERSION") or return undef;
	chomp $version;
	my $bin = "/usr/lib/postgresql/$version/bin";
	my $conninfo = _slurp("$state/run/database_url") // '';
	chomp $conninfo;
	# ./stack's conninfo for its own cluster; anything else is DATABASE_URL.
	my ($host) = $conninfo =~ /^host=(\S+) port=5432 user=telltale dbname=telltale\z/ or return undef;
	my $real = Cwd::abs_path($pgdir) // return undef;
	return undef unless -x "$bin/pg_ctl" && ($host eq $real || $host =~ m{^/tmp/telltale-pg-});
	return { data => "$real/data", pgdir => $real, bin => $bin, conninfo => $conninfo };
}

# The postmaster's pid (the first line of postmaster.pid), or undef; in list
# context also its status line ("starting", "stopping", "ready" (accepting
# connections), "standby"), undef before it writes one.
sub pg_postmaster_pid {
	my ($pg) = @_;
	my $s = _slurp("$pg->{data}/postmaster.pid") // return;
	my @lines = split /\n/, $s;
	return unless @lines && $lines[0] =~ /^(\d+)\z/;
	my $status = defined $lines[7] && $lines[7] =~ /(\w+)/ ? $1 : undef;
	return wantarray ? ($lines[0], $status) : $lines[0];
}

# 1 when the cluster accepts connections (pg_isready).
sub pg_ready {
	my ($pg) = @_;
	my $pid = fork // return 0;
	if (!$pid) {
		open STDOUT, '>', '/dev/null';
		open STDERR, '>', '/dev/null';
		exec("$pg->{bin}/pg_isready", '-q', '-t', '2', '-d', $pg->{conninfo}) or POSIX::_exit(127);
	}
	waitpid($pid, 0);
	return $? == 0 ? 1 : 0;
}

# pg_ctl($pg, [\%opt,] @args): runs the cluster's pg_ctl -D DATA @args as the
# cluster's owner (the postgres user when we are root); returns its exit
# status, or with {background => 1} its pid at once (the caller reaps it).
sub pg_ctl {
	my ($pg, @args) = @_;
	my %opt = ref $args[0] eq 'HASH' ? %{ shift @args } : ();
	my @cmd = ("$pg->{bin}/pg_ctl", '-D', $pg->{data}, @args);
	unshift @cmd, 'runuser', '-u', 'postgres', '--' if $> == 0;
	my $pid = fork // croak "fork: $!";
	if (!$pid) {
		chdir '/';
		open STDOUT, '>', '/dev/null';
		open STDERR, '>', '/dev/null';
		exec(@cmd) or POSIX::_exit(127);
	}
	return $pid if $opt{background};
	waitpid($pid, 0);
	return $? >> 8;
}

# The postmaster and every process it forked (its backends and helpers).
sub pg_cluster_pids {
	my ($pg) = @_;
	my $pm = pg_postmaster_pid($pg) // return ();
	return () unless kill 0, $pm;
	my @kids;
	for my $stat (glob '/proc/[0-9]*/stat') {
		my ($pid, $ppid) = (_slurp($stat) // '') =~ /^(\d+) \(.*\) \S (\d+)/s or next;
		push @kids, $pid if $ppid == $pm;
	}
	return ($pm, sort { $a <=> $b } @kids);
}

# Stops (SIGSTOP) the postmaster, then its children, until no child of it is
# left running. Returns the pids stopped.
sub pg_freeze {
	my ($pg) = @_;
	my %stopped;
	for (1 .. 20) {
		my @todo = grep { !$stopped{$_} } pg_cluster_pids($pg);
		last unless @todo;
		for (@todo) { kill 'STOP', $_; $stopped{$_} = 1 }
	}
	return sort { $a <=> $b } keys %stopped;
}

# Continues (SIGCONT) the cluster's processes and any pids given.
sub pg_thaw {
	my ($pg, @pids) = @_;
	my %all = map { $_ => 1 } @pids, pg_cluster_pids($pg);
	kill 'CONT', keys %all if %all;
	return scalar keys %all;
}

# Forks a process of its own session that thaws the cluster (and @pids) after
# $secs, even when the test is killed; the caller kills it (TERM) once it has
# thawed the cluster itself. Returns its pid.
sub pg_thaw_watchdog {
	my ($pg, $secs, @pids) = @_;
	my $pid = fork // croak "fork: $!";
	return $pid if $pid;
	_detach();
	$SIG{TERM} = sub { POSIX::_exit(0) };
	Time::HiRes::sleep($secs);
	pg_thaw($pg, @pids);
	POSIX::_exit(0);
}

# Forks a process of its own session that waits for this one to end, however
# it ends (SIGKILL included), then continues (SIGCONT) the cluster's processes
# and, when the cluster does not accept connections within 5 s, starts it
# with `./stack db start`. Returns its pid; it ends by itself.
sub pg_guardian {
	my ($pg) = @_;
	my $parent = $$;
	my $pid = fork // croak "fork: $!";
	return $pid if $pid;
	_detach();
	Time::HiRes::sleep(0.2) while getppid() == $parent;
	pg_thaw($pg);
	stack_cmd('db', 'start') unless wait_for(5, sub { pg_ready($pg) }, 0.2);
	POSIX::_exit(0);
}

# In a forked helper: a session of its own, and no hold on the test's output
# (the harness reads it until every writer has closed it).
sub _detach {
	POSIX::setsid();
	open STDIN, '<', '/dev/null';
	open STDOUT, '>', '/dev/null';
	open STDERR, '>', '/dev/null';
}

# 1 when worker $pid holds a FastCGI connection (a request in its hands): a
# socket of its own, other than the listening one, whose /proc/net/unix entry
# names the stack's worker socket.
sub worker_busy {
	my ($pid, $state) = @_;
	$state //= $ENV{TELLTALE_STATE_DIR};
	my $path = Cwd::abs_path("$state/run") . '/worker.sock';
	my %inodes;
	for (split /\n/, _slurp('/proc/net/unix') // '') {
		my @f = split ' ';
		$inodes{ $f[6] } = 1 if @f >= 8 && $f[7] eq $path;
	}
	my $listen = readlink("/proc/$pid/fd/0") // '';
	for my $fd (glob "/proc/$pid/fd/*") {
		my $l = readlink($fd) // next;
		next if $l eq $listen;
		return 1 if $l =~ /^socket:\[(\d+)\]\z/ && $inodes{$1};
	}
	return 0;
}

# A TCP port free on 127.0.0.1 now.
sub free_port {
	my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1:0', ReuseAddr => 1)
		or croak "no free port: $!";
	return $s->sockport;
}

# The worker binary the stack under test runs (from $STATE_DIR/run/workers.stamp).
sub stack_worker_binary {
	my ($state) = @_;
	$state //= $ENV{TELLTALE_STATE_DIR};
	my $stamp = _slurp("$state/run/workers.stamp") // return undef;
	my ($bin) = $stamp =~ /^(\S+)/;
	return $bin;
}

# stack_at(\%env, @args): runs "$TELLTALE_ROOT/stack @args" with the
# environment changed by %env (a value of undef deletes the variable); for
# another stack than the one under test. Returns (status, output).
sub stack_at {
	my ($env, @args) = @_;
	my $root = $ENV{TELLTALE_ROOT} or croak 'TELLTALE_ROOT is not set';
	my $pid = open(my $fh, '-|') // croak "fork: $!";
	if (!$pid) {
		for my $k (keys %$env) {
			if (defined $env->{$k}) { $ENV{$k} = $env->{$k} } else { delete $ENV{$k} }
		}
		open STDERR, '>&', \*STDOUT;
		exec "$root/stack", @args or do { print "exec $root/stack: $!\n"; POSIX::_exit(127) };
	}
	local $/;
	my $out = <$fh> // '';
	close $fh;
	return ($? >> 8, $out);
}

# psql_at($conninfo, $sql): the rows of $sql as array refs, or undef on error.
sub psql_at {
	my ($conninfo, $sql) = @_;
	my $pid = open(my $fh, '-|') // return undef;
	if (!$pid) {
		open STDERR, '>', '/dev/null';
		exec 'psql', '-X', '-q', '-A', '-t', '-F', "\t", '-v', 'ON_ERROR_STOP=1', '-d', $conninfo, '-c', $sql
			or POSIX::_exit(127);
	}
	my @rows = map { chomp; [ split /\t/, $_, -1 ] } <$fh>;
	close $fh;
	return $? ? undef : \@rows;
}


# ---------------------------------------------------------------------------
# Alerts (/v1/alerts) and the webhook notifier

push @EXPORT, qw(new_alert alert_events_of notifier_pids);

my $alert_counter = 0;

# new_alert($service, %fields): creates a rule of $service (by default
# status_code >= 500, no cooldown) with %fields over the defaults; returns the
# ALERT. Croaks unless the answer is 201.
sub new_alert {
	my ($service, %fields) = @_;
	$alert_counter++;
	my %body = (service_id => $service->{id}, name => "rule $alert_counter",
		    condition_field => 'status_code', condition_operator => '>=',
		    condition_value => '500', %fields);
	my $res = req('POST', '/v1/alerts', json => \%body);
	croak "cannot create an alert: $res->{status} " . ($res->{body} // '')
		unless $res->{status} == 201 && $res->{json} && $res->{json}{id};
	return { %{ $res->{json} } };
}

# Every ALERT EVENT of $alert (a rule or its id), newest first (pages through).
sub alert_events_of {
	my ($alert) = @_;
	my $id = ref $alert ? $alert->{id} : $alert;
	my @items;
	my $offset = 0;
	for (1 .. 10000) {
		my $res = req('GET', "/v1/alerts/$id/events?limit=500&offset=$offset");
		croak "listing the events of alert $id: $res->{status} " . ($res->{body} // '')
			unless $res->{status} == 200 && $res->{json};
		push @items, @{ $res->{json}{items} };
		last unless defined $res->{json}{next_offset};
		$offset = $res->{json}{next_offset};
	}
	return @items;
}

# The pids of this stack's telltale-notifier processes: the children of the
# multiwatch in $STATE_DIR/run/notifier.pid.
sub notifier_pids {
	my $state = $ENV{TELLTALE_STATE_DIR} // return ();
	my $parent = _slurp("$state/run/notifier.pid") // return ();
	my ($ppid) = $parent =~ /^\s*(\d+)/ or return ();
	my @pids;
	for my $stat (glob '/proc/[0-9]*/stat') {
		my ($pid, $comm, $pp) = (_slurp($stat) // '') =~ /^(\d+) \((.*)\) \S (\d+)/s or next;
		push @pids, $pid if $pp == $ppid && $comm =~ /^telltale-notif/;
	}
	return sort { $a <=> $b } @pids;
}

1;
