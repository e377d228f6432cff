#!/usr/bin/perl
# /v1 replay: POST /v1/logs/{id}/replay re-sends a logged request to a target
# server this test runs on 127.0.0.1 (the stack must run with
# REPLAY_ALLOW=127.0.0.1/32), with the overrides applied and without masked
# headers; the key rules (401, another service's key 404); the 422s; what is
# stored (success for any answer, failed for none or a refused target);
# redirects not followed, bodies cut at 1 MiB; GET /v1/logs/{id}/replays; the
# cascade from a service; and ingest staying quick while every replay worker
# waits on a target that never answers.
use strict;
use warnings;
use File::Temp ();
use IO::Socket::INET;
use POSIX ();
use Socket ();
use Test::More;
use Time::HiRes ();
use Telltale;

my $M = '***MASKED***';
my $UNKNOWN = '00000000-0000-4000-8000-000000000000';
my $JSON = JSON::PP->new->utf8->canonical;
my @REPLAY_FIELDS = qw(id log_id status status_code response_headers response_body
		       response_body_truncated latency_ms error created_at);

# --- the target server ---------------------------------------------------------------------

# A target on $addr: a forked server (its own process group, one process per
# connection) that records each request it gets as a JSON file in its
# directory, then answers by path: /hang never answers, /slow after 1.5 s,
# /status/N answers N,
# /redirect 302, /big 1.5 MiB, /secret a body with secrets, anything else 200.
sub target_start {
	my ($addr) = @_;
	my $dir = File::Temp::tempdir('tt-replay-target-XXXXXX', TMPDIR => 1, CLEANUP => 1);
	my $listen = IO::Socket::INET->new(Listen => 64, LocalAddr => "$addr:0", ReuseAddr => 1,
					   Proto => 'tcp') or die "cannot listen on $addr: $!";
	my $pid = fork // die "fork: $!";
	if (!$pid) {
		setpgrp(0, 0);
		$SIG{CHLD} = 'IGNORE';
		$SIG{PIPE} = 'IGNORE';
		while (1) {
			my $conn = $listen->accept or next;
			my $kid = fork;
			if (defined $kid && $kid == 0) {
				target_serve($conn, $dir);
				POSIX::_exit(0);
			}
			close $conn;
		}
	}
	my $port = $listen->sockport;
	close $listen;
	return { pid => $pid, port => $port, dir => $dir, base => "http://$addr:$port" };
}

sub target_stop {
	my ($t) = @_;
	kill 'KILL', -$t->{pid};
	waitpid($t->{pid}, 0);
}

# Reads one request: (method, target, [[name, value]...], body), or () at EOF.
sub read_request {
	my ($conn) = @_;
	my $raw = '';
	while (index($raw, "\r\n\r\n") < 0) {
		my $n = sysread($conn, my $buf, 65536);
		return () unless $n;
		$raw .= $buf;
	}
	my ($head, $body) = split /\r\n\r\n/, $raw, 2;
	my ($first, @lines) = split /\r\n/, $head;
	my ($method, $target) = split / /, $first;
	my @headers = map { /^([^:]+):[ \t]*(.*?)[ \t]*\z/ ? [ $1, $2 ] : () } @lines;
	my ($cl) = map { $_->[1] } grep { lc $_->[0] eq 'content-length' } @headers;
	while (defined $cl && length $body < $cl) {
		my $n = sysread($conn, my $buf, 65536);
		last unless $n;
		$body .= $buf;
	}
	return ($method, $target, \@headers, $body);
}

sub target_serve {
	my ($conn, $dir) = @_;
	my ($method, $target, $headers, $body) = read_request($conn) or return;
	my $file = sprintf('%s/%.6f-%d', $dir, Time::HiRes::time(), $$);
	open my $fh, '>', "$file.tmp" or return;
	print $fh $JSON->encode({ method => $method, target => $target, headers => $headers, body => $body });
	close $fh;
	rename "$file.tmp", "$file.json";
	my ($status, $extra, $answer) = (200, "Content-Type: application/json\r\nX-Target: yes\r\n"
		. "Set-Cookie: sid=42\r\n", '{"ok":true}');
	if ($target =~ m{/hang}) {
		sleep 60;
		return;
	} elsif ($target =~ m{/slow}) {
		Time::HiRes::sleep(1.5);
	} elsif ($target =~ m{/status/(\d{3})}) {
		($status, $answer) = ($1, "status $1");
	} elsif ($target =~ m{/redirect}) {
		($status, $extra, $answer) = (302, "Location: /landed\r\n", 'moved');
	} elsif ($target =~ m{/big}) {
		($extra, $answer) = ("Content-Type: text/plain\r\n", 'a' x (1536 * 1024));
	} elsif ($target =~ m{/secret}) {
		$answer = '{"token":"t0k3n","card":"4111 1111 1111 1111","name":"ann"}';
	}
	my $out = "HTTP/1.1 $status Whatever\r\n${extra}Content-Length: " . length($answer)
		. "\r\nConnection: close\r\n\r\n$answer";
	for (my $off = 0; $off < length $out;) {
		my $n = syswrite($conn, $out, length($out) - $off, $off);
		last unless $n;
		$off += $n;
	}
}

# The requests the target got whose path starts with $prefix, oldest first.
sub got {
	my ($t, $prefix) = @_;
	my @all;
	for my $file (sort glob("$t->{dir}/*.json")) {
		open my $fh, '<', $file or next;
		local $/;
		my $r = eval { $JSON->decode(<$fh>) } or next;
		push @all, $r if index($r->{target}, $prefix) == 0;
	}
	return @all;
}

# The value of header $name in a recorded request (any case), or undef.
sub header_of {
	my ($r, $name) = @_;
	my @v = map { $_->[1] } grep { lc $_->[0] eq lc $name } @{ $r->{headers} };
	return @v ? join(', ', @v) : undef;
}

# --- helpers ---------------------------------------------------------------------------------

sub replay {
	my ($key, $log_id, $overrides, %o) = @_;
	my %headers = defined $key ? (Authorization => "Bearer $key") : ();
	%headers = (%headers, %{ $o{headers} }) if $o{headers};
	return req('POST', "/v1/logs/$log_id/replay", defined $overrides ? (json => $overrides) : (),
		   exists $o{body} ? (body => $o{body}) : (), headers => \%headers);
}

sub replays_of {
	my ($key, $log_id, $query) = @_;
	return req('GET', "/v1/logs/$log_id/replays" . ($query ? "?$query" : ''),
		   headers => defined $key ? { Authorization => "Bearer $key" } : {});
}

# How many replays the log has, as its service's key lists them.
sub count_replays {
	my ($key, $log_id) = @_;
	my $res = replays_of($key, $log_id, 'limit=100');
	return ref $res->{json} eq 'ARRAY' ? scalar @{ $res->{json} } : -1;
}

sub new_log {
	my ($key, %fields) = @_;
	my $res = ingest_log($key, log_ev(%fields));
	die "cannot ingest a log: $res->{status} $res->{body}" unless $res->{status} == 201;
	return $res->{json};
}

# One REPLAY of the contract's shape.
sub replay_ok {
	my ($res, $log, $status, $name) = @_;
	my $r = $res->{json} || {};
	my @why;
	push @why, "status $res->{status}" unless $res->{status} == 201;
	push @why, 'fields ' . join(',', sort keys %$r) unless
		join(',', sort keys %$r) eq join(',', sort @REPLAY_FIELDS);
	push @why, 'id' unless is_uuid($r->{id});
	push @why, 'log_id' unless ($r->{log_id} // '') eq $log->{id};
	push @why, "replay status $r->{status}" unless ($r->{status} // '') eq $status;
	push @why, 'latency_ms' unless defined $r->{latency_ms} && $r->{latency_ms} >= 0;
	push @why, 'created_at' unless is_rfc3339_z($r->{created_at});
	push @why, 'error' unless $status eq 'success' ? !defined $r->{error}
		: defined $r->{error} && length $r->{error};
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	ok(!@why, $name) or diag(join('; ', @why) . "\n  body: " . substr($res->{body} // '', 0, 400));
	return $r;
}

# A host name that resolves to 127.0.0.2 and nothing else, given in
# TELLTALE_NAME_127_0_0_2 where DNS or /etc/hosts has one, or undef; the
# numeric spellings of 127.0.0.2 above are refused either way. The lookup runs
# in a child that is given up on after 5 s.
sub name_for_127_0_0_2 {
	for my $name (grep { defined && length } $ENV{TELLTALE_NAME_127_0_0_2}) {
		pipe(my $r, my $w) or return undef;
		my $pid = fork // return undef;
		if (!$pid) {
			close $r;
			my ($err, @res) = Socket::getaddrinfo($name, undef, { socktype => Socket::SOCK_STREAM });
			my @ips = $err ? () : map { (Socket::getnameinfo($_->{addr}, Socket::NI_NUMERICHOST))[1] } @res;
			print $w join(' ', @ips);
			POSIX::_exit(0);
		}
		close $w;
		my $sel = IO::Select->new($r);
		my $ips = $sel->can_read(5) ? do { local $/; <$r> } : '';
		kill 'KILL', $pid;
		waitpid($pid, 0);
		return $name if ($ips // '') eq '127.0.0.2';
	}
	return undef;
}

# The stack's replay workers: the children of its replay-workers multiwatch.
sub replay_worker_count {
	my $state = $ENV{TELLTALE_STATE_DIR} // return 2;
	open my $fh, '<', "$state/run/replay-workers.pid" or return 2;
	my ($parent) = <$fh> =~ /(\d+)/;
	my $n = 0;
	for my $stat (glob '/proc/[0-9]*/stat') {
		open my $s, '<', $stat or next;
		my ($ppid) = (<$s> // '') =~ /^\d+ \(.*\) \S (\d+)/;
		$n++ if defined $ppid && $ppid == $parent;
	}
	return $n || 2;
}

# Forks a client that POSTs a replay on a connection of its own; returns
# {pid, file} (its answer goes to file as JSON, with the seconds it took).
sub replay_in_background {
	my ($key, $log_id, $overrides) = @_;
	my ($host, $port) = url() =~ m{^https?://([^/:]+):(\d+)};
	my $file = File::Temp::tmpnam();
	my $pid = fork // die "fork: $!";
	if (!$pid) {
		my $body = json_bytes($overrides // {});
		my $r = http_once($host, $port, 'POST', "/v1/logs/$log_id/replay", timeout => 60, body => $body,
				  headers => { Authorization => "Bearer $key", 'Content-Type' => 'application/json' });
		open my $fh, '>', $file;
		print $fh $JSON->encode({ status => $r->{status}, json => $r->{json}, secs => $r->{t1} - $r->{t0} });
		close $fh;
		POSIX::_exit(0);
	}
	return { pid => $pid, file => $file };
}

sub background_result {
	my ($job) = @_;
	waitpid($job->{pid}, 0);
	open my $fh, '<', $job->{file} or return {};
	local $/;
	my $r = eval { $JSON->decode(<$fh>) } // {};
	unlink $job->{file};
	return $r;
}

# --- setup --------------------------------------------------------------------------------------

my $t = target_start('127.0.0.1');
my $elsewhere = target_start('127.0.0.2');          # not admitted: must never be reached
END { my $rc = $?; target_stop($_) for grep { defined } $t, $elsewhere; $? = $rc }   # keep the exit status

my $svc = new_service('replay');
my $key = new_key($svc, 'replay key')->{raw_key};
my $other = new_service('replay-other');
my $other_key = new_key($other, 'other key')->{raw_key};

my $log = new_log($key, method => 'POST', url => "$t->{base}/c1/orders/7?page=2&lang=en",
		  path => '/c1/orders/7', status_code => 201,
		  request_headers => { 'Content-Type' => 'application/json', 'X-Request-Id' => 'r-1',
				       Authorization => 'Bearer s3cr3t', 'X-Api-Key' => 'k-1',
				       Accept => 'application/json', Host => 'original.example' },
		  request_body => '{"item":"book","qty":2}');
is($log->{request_headers}{Authorization}, $M, 'the logged Authorization header is masked');

# --- a replay worker connects to the database at its first replay ------------------------------

{
	my @before = worker_pids('replay-workers');
	ok(@before >= 1, 'the stack runs a replay pool') or BAIL_OUT('no replay pool');
	kill 'TERM', $before[0];
	my @now;
	wait_for(10, sub { @now = worker_pids('replay-workers'); @now == @before && !grep { $_ == $before[0] } @now });
	my ($fresh) = grep { my $p = $_; !grep { $_ == $p } @before } @now;
	ok($fresh, 'a replay worker that ends is replaced');
	sleep 2;    # two rounds of its idle loop, which reconnects a worker that had connected
	is(db_query("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'telltale-worker[" .
		    ($fresh // 0) . "]'")->[0][0], 0, '  and holds no database session while no replay came');
}

# --- a replay reaches the target as logged ------------------------------------------------------

{
	my $res = replay($key, $log->{id});
	if (($res->{json}{error} // '') =~ /loopback/) {
		fail('the stack admits 127.0.0.1: start it with REPLAY_ALLOW=127.0.0.1/32');
		done_testing();
		exit 1;
	}
	my $r = replay_ok($res, $log, 'success', 'POST .../replay without a body answers 201 REPLAY, success');
	is($r->{status_code}, 200, '  the target\'s status_code');
	is($r->{response_body}, '{"ok":true}', '  its body');
	is($r->{response_headers}{'x-target'}, 'yes', '  its headers (names in lower case)');
	is($r->{response_headers}{'set-cookie'}, $M, '  masked: Set-Cookie');
	ok(JSON::PP::is_bool($r->{response_body_truncated}) && !$r->{response_body_truncated}, '  not truncated');
	like($res->{headers}{'content-type'} // '', qr{^application/json}i, '  as JSON');

	my @got = got($t, '/c1/');
	is(scalar @got, 1, 'the target got one request');
	my $g = $got[0] // { headers => [] };
	is($g->{method}, 'POST', '  with the original method');
	is($g->{target}, '/c1/orders/7?page=2&lang=en', '  path and query');
	is($g->{body}, '{"item":"book","qty":2}', '  body');
	is(header_of($g, 'X-Request-Id'), 'r-1', '  a header as logged');
	is(header_of($g, 'Content-Type'), 'application/json', '  Content-Type as logged');
	is(header_of($g, 'Accept'), 'application/json', '  Accept as logged');
	ok(!defined header_of($g, 'Authorization'), '  no masked Authorization header');
	ok(!defined header_of($g, 'X-Api-Key'), '  no masked X-Api-Key header');
	is(header_of($g, 'Host'), "127.0.0.1:$t->{port}", '  Host from the URL, not the logged one');
	is(header_of($g, 'Content-Length'), 23, '  Content-Length of the body');
	ok(!defined header_of($g, 'Expect') && !defined header_of($g, 'User-Agent'), '  nothing added');

	my $empty = replay($key, $log->{id}, {});
	replay_ok($empty, $log, 'success', 'an empty JSON object asks for no change');
	is(scalar got($t, '/c1/'), 2, '  and replays again');
}

# --- overrides --------------------------------------------------------------------------------

{
	my $res = replay($key, $log->{id}, {
		override_url => "$t->{base}/c2/other?x=1",
		override_headers => { Authorization => 'Bearer new', 'x-request-id' => 'r-2', 'X-Extra' => 'e',
				      Accept => undef, 'X-Empty' => '' },
		override_body => 'changed',
	});
	my $r = replay_ok($res, $log, 'success', 'a replay with every override');
	my ($g) = got($t, '/c2/');
	$g //= { headers => [] };
	is($g->{target}, '/c2/other?x=1', '  override_url');
	is($g->{method}, 'POST', '  the original method');
	is($g->{body}, 'changed', '  override_body');
	is(header_of($g, 'Authorization'), 'Bearer new', '  a masked header is sent when overridden');
	is(header_of($g, 'X-Request-Id'), 'r-2', '  an override replaces a header in any case');
	is(header_of($g, 'X-Extra'), 'e', '  an override adds a header');
	is(header_of($g, 'X-Empty'), '', '  an empty override is sent empty');
	ok(!defined header_of($g, 'Accept'), '  a null override leaves the header out');
	ok(!defined header_of($g, 'X-Api-Key'), '  the other masked header stays out');
	is(header_of($g, 'Content-Type'), 'application/json', '  the rest as logged');

	my $blank = replay($key, $log->{id}, { override_body => '' });
	replay_ok($blank, $log, 'success', 'an empty override_body');
	my @c1 = got($t, '/c1/');
	is($c1[-1]{body}, '', '  sends an empty body');

	my $nulls = replay($key, $log->{id}, { override_url => undef, override_headers => undef, override_body => undef });
	replay_ok($nulls, $log, 'success', 'null overrides are no overrides');
	@c1 = got($t, '/c1/');
	is($c1[-1]{body}, '{"item":"book","qty":2}', '  the logged body again');
}

# --- methods ------------------------------------------------------------------------------------

for my $method (qw(GET PUT DELETE PATCH)) {
	my $l = new_log($key, method => $method, url => "$t->{base}/c3/$method", path => "/c3/$method");
	my $res = replay($key, $l->{id});
	replay_ok($res, $l, 'success', "a $method log is replayed");
	my ($g) = got($t, "/c3/$method");
	is($g && $g->{method}, $method, "  as $method");
	ok($g && $g->{body} eq '' && !defined header_of($g, 'Content-Type'), '  without a body of its own');
}

# --- the key ------------------------------------------------------------------------------------

{
	my $before = count_replays($key, $log->{id});
	my $n_got = scalar got($t, '/c1/');
	my $revoked = new_key($svc, 'to revoke');
	is(req('DELETE', "/v1/services/$svc->{id}/keys/$revoked->{id}")->{status}, 204, 'a key revoked');
	my $unknown = 'mkey_' . ('A' x 43);
	for my $case (
		[ undef,                        'no Authorization header' ],
		[ 'Bearer',                     'Bearer without a key' ],
		[ 'Bearer abc',                 'a Bearer that is not an mkey_ key' ],
		[ "Basic $key",                 'the key under Basic' ],
		[ "Bearer $unknown",            'a well-formed unknown key' ],
		[ "Bearer $revoked->{raw_key}", 'a revoked key' ],
	) {
		my ($auth, $what) = @$case;
		my %h = defined $auth ? (Authorization => $auth) : ();
		for my $call ([ 'POST', 'replay' ], [ 'GET', 'replays' ]) {
			my $res = req($call->[0], "/v1/logs/$log->{id}/$call->[1]", headers => \%h, anonymous => 1,
				      $call->[0] eq 'POST' ? (json => { override_body => 'x' }) : ());
			error_ok($res, 401, 'UNAUTHORIZED', undef, "$call->[0] .../$call->[1], $what: 401");
			like($res->{headers}{'www-authenticate'} // '', qr/^Bearer\b/, '  with WWW-Authenticate: Bearer');
		}
	}
	error_ok(replay("$unknown", $log->{id}, undef, body => '{bad'), 401, 'UNAUTHORIZED', undef,
		 'an unknown key with a broken body: 401 first');
	error_ok(replay($other_key, $log->{id}), 404, 'NOT_FOUND', undef,
		 'another service\'s key: 404, as if the log did not exist');
	error_ok(replay($other_key, $log->{id}, { override_url => 'ftp://x' }), 404, 'NOT_FOUND', undef,
		 '  whatever the body holds');
	error_ok(replays_of($other_key, $log->{id}), 404, 'NOT_FOUND', undef, 'GET .../replays with it: 404');
	error_ok(replay($key, $UNKNOWN), 404, 'NOT_FOUND', undef, 'an unknown log: 404');
	error_ok(replays_of($key, $UNKNOWN), 404, 'NOT_FOUND', undef, 'GET .../replays of an unknown log: 404');
	error_ok(replay($key, 'not-a-uuid'), 404, 'NOT_FOUND', undef, 'a malformed id: 404');
	error_ok(replays_of($key, 'not-a-uuid'), 404, 'NOT_FOUND', undef, 'GET .../replays of a malformed id: 404');
	is(scalar got($t, '/c1/'), $n_got, 'none of them reached the target');
	is(count_replays($key, $log->{id}), $before, 'none of them stored a replay');
}

# --- validation ----------------------------------------------------------------------------------

{
	my $before = count_replays($key, $log->{id});
	my $n_got = scalar got($t, '/c1/');
	for my $case (
		[ { override_headers => { 'X-Foo' => "a\r\nInjected: 1" } }, 'override_headers.X-Foo', 'CR LF in a value' ],
		[ { override_headers => { 'X-Foo' => "a\rb" } },              'override_headers.X-Foo', 'CR in a value' ],
		[ { override_headers => { 'X-Foo' => "a\nb" } },              'override_headers.X-Foo', 'LF in a value' ],
		[ { override_headers => { 'X-Foo' => "a\x{0}b" } },           'override_headers.X-Foo', 'NUL in a value' ],
		[ { override_headers => { "X-Foo\r\nX-Bar" => 'v' } },       "override_headers.X-Foo\r\nX-Bar", 'CR LF in a name' ],
		[ { override_headers => { "X-Foo\n" => 'v' } },              "override_headers.X-Foo\n", 'LF in a name' ],
		[ { override_headers => { "X-F\x{0}oo" => 'v' } },           '*', 'NUL in a name' ],
		[ { override_headers => { 'Bad Name' => 'v' } },             'override_headers.Bad Name', 'a blank in a name' ],
		[ { override_headers => { 'X:Y' => 'v' } },                  'override_headers.X:Y', 'a colon in a name' ],
		[ { override_headers => { '' => 'v' } },                     'override_headers.', 'an empty name' ],
		[ { override_headers => { ("\x{e9}" x 300) => 'v' } },        '*', 'a long name that is not a token' ],
		[ { override_headers => { 'X-Foo' => 5 } },                  'override_headers.X-Foo', 'a number as a value' ],
		[ { override_headers => { 'X-Foo' => [ 'a' ] } },            'override_headers.X-Foo', 'an array as a value' ],
		[ { override_headers => [ 'X-Foo: a' ] },                    'override_headers', 'headers as an array' ],
		[ { override_headers => 'X-Foo: a' },                        'override_headers', 'headers as a string' ],
		[ { override_headers => { Host => 'internal.example' } },    'override_headers.Host', 'a Host header' ],
		[ { override_headers => { hOST => 'internal.example' } },    'override_headers.hOST', 'a Host header in any case' ],
		[ { override_headers => { map { ("X-H$_" => 'v') } 1 .. 101 } }, 'override_headers', '101 headers' ],
		[ { override_url => 'ftp://example.com/' },                  'override_url', 'an ftp URL' ],
		[ { override_url => 'file:///etc/passwd' },                  'override_url', 'a file URL' ],
		[ { override_url => '/relative' },                           'override_url', 'a relative URL' ],
		[ { override_url => 'http://' },                             'override_url', 'a URL without a host' ],
		[ { override_url => "http://x/\r\nHost: y" },                'override_url', 'a URL with CR LF' ],
		[ { override_url => 5 },                                     'override_url', 'a number as URL' ],
		[ { override_url => 'http://x/' . ('a' x 8200) },            'override_url', 'a URL over 8 KiB' ],
		[ { override_body => 5 },                                    'override_body', 'a number as body' ],
		[ { override_body => { a => 1 } },                           'override_body', 'an object as body' ],
		[ { override_body => "a\x{0}b" },                            'override_body', 'NUL in the body' ],
	) {
		my ($overrides, $field, $what) = @$case;
		error_ok(replay($key, $log->{id}, $overrides), 422, 'VALIDATION', $field, "$what: 422 naming $field");
	}
	error_ok(replay($key, $log->{id}, undef, body => '[1]'), 422, 'VALIDATION', undef, 'a body that is not an object: 422');
	error_ok(replay($key, $log->{id}, undef, body => '{"override_url": '), 400, 'BAD_REQUEST', undef, 'broken JSON: 400');
	error_ok(replay($key, $log->{id}, undef, body => 'x=1', headers => { 'Content-Type' => 'text/plain' }),
		 400, 'BAD_REQUEST', undef, 'a body that is not JSON: 400');
	my $huge = req('POST', "/v1/logs/$log->{id}/replay", body => json_bytes({ override_body => 'a' x (1024 * 1024) }),
		       headers => { Authorization => "Bearer $key" });
	error_ok($huge, 413, 'PAYLOAD_TOO_LARGE', undef, 'a body over 1 MiB: 413');
	is(scalar got($t, '/c1/'), $n_got, 'none of them reached the target');
	is(count_replays($key, $log->{id}), $before, 'none of them stored a replay');
}

# --- what comes back ------------------------------------------------------------------------------

{
	my $res = replay($key, $log->{id}, { override_url => "$t->{base}/c4/status/500" });
	my $r = replay_ok($res, $log, 'success', 'a target answering 500: success (it answered)');
	is($r->{status_code}, 500, '  status_code 500');
	is($r->{response_body}, 'status 500', '  and its body');

	$res = replay($key, $log->{id}, { override_url => "$t->{base}/c4/redirect" });
	$r = replay_ok($res, $log, 'success', 'a redirect is an answer');
	is($r->{status_code}, 302, '  302, not followed');
	is($r->{response_headers}{location}, '/landed', '  with its Location');
	is(scalar got($t, '/landed'), 0, '  which was never asked for');

	$res = replay($key, $log->{id}, { override_url => "$t->{base}/c4/big" });
	$r = replay_ok($res, $log, 'success', 'a 1.5 MiB answer');
	is(length($r->{response_body} // ''), 1024 * 1024, '  is cut to 1 MiB');
	ok($r->{response_body_truncated}, '  with response_body_truncated');
	is($r->{status_code}, 200, '  status_code 200');

	$res = replay($key, $log->{id}, { override_url => "$t->{base}/c4/secret" });
	$r = replay_ok($res, $log, 'success', 'an answer holding secrets');
	my $body = eval { JSON::PP->new->decode($r->{response_body}) } || {};
	is_deeply($body, { token => $M, card => $M, name => 'ann' }, '  is stored masked, as log bodies are');

	$res = replay($key, $log->{id}, { override_url => 'http://127.0.0.1:1/c4/closed' });
	$r = replay_ok($res, $log, 'failed', 'a port nobody listens on: failed');
	ok(!defined $r->{status_code} && !defined $r->{response_body} && !defined $r->{response_headers},
	   '  without status_code, headers or body');
}

# --- refused targets --------------------------------------------------------------------------------

{
	my $name = name_for_127_0_0_2();
	my @cases = (
		[ 'http://169.254.169.254/latest/meta-data/', qr/cloud metadata/, 'the cloud metadata address' ],
		[ 'http://10.0.0.1/',                          qr/10\.0\.0\.1.*private/, '10.0.0.1' ],
		[ 'http://192.168.1.1:8080/x',                 qr/private/, '192.168.1.1' ],
		[ 'http://100.64.0.1/',                        qr/CGNAT/, 'a CGNAT address' ],
		[ 'http://[::1]/',                             qr/loopback/, '::1' ],
		[ 'http://[fd00:ec2::254]/',                   qr/cloud metadata/, 'the IPv6 metadata address' ],
		[ 'http://[::ffff:10.0.0.1]/',                 qr/private/, 'an IPv4-mapped 10.0.0.1' ],
		[ "http://127.0.0.2:$elsewhere->{port}/c5/",  qr/127\.0\.0\.2.*loopback/, '127.0.0.2 (not admitted)' ],
		[ "http://2130706434:$elsewhere->{port}/c5/", qr/127\.0\.0\.2.*loopback/, '127.0.0.2 as one number' ],
		[ 'http://0.0.0.0/',                           qr/unspecified/, '0.0.0.0' ],
	);
	push @cases, [ "http://$name:$elsewhere->{port}/c5/", qr/\Q$name\E resolves to a non-public address\z/,
		       "$name, which resolves to 127.0.0.2 (not told)" ] if $name;
	for my $case (@cases) {
		my ($url, $reason, $what) = @$case;
		my $res = replay($key, $log->{id}, { override_url => $url });
		my $r = replay_ok($res, $log, 'failed', "$what: 201, failed");
		like($r->{error} // '', qr/^refused: .*$reason/, '  with the reason') or diag($r->{error});
		ok(!defined $r->{status_code}, '  and no status_code');
	}
	is(scalar got($elsewhere, '/'), 0, 'the server on 127.0.0.2 got no connection');
	my $list = replays_of($key, $log->{id}, 'limit=1');
	like($list->{json}[0]{error} // '', qr/refused/, 'a refused replay is stored');
}

# --- the list -----------------------------------------------------------------------------------------

{
	my $l = new_log($key, method => 'GET', url => "$t->{base}/c6/list", path => '/c6/list');
	my $empty = replays_of($key, $l->{id});
	is($empty->{status}, 200, 'GET .../replays of a log never replayed: 200');
	is_deeply($empty->{json}, [], '  []');
	my @ids = map { replay($key, $l->{id})->{json}{id} } 1 .. 3;
	push @ids, replay($key, $l->{id}, { override_url => 'http://10.0.0.1/' })->{json}{id};
	my $res = replays_of($key, $l->{id});
	is($res->{status}, 200, 'GET .../replays: 200');
	like($res->{headers}{'content-type'} // '', qr{^application/json}i, '  as JSON');
	is(ref $res->{json}, 'ARRAY', '  a plain array');
	is_deeply([ map { $_->{id} } @{ $res->{json} || [] } ], [ reverse @ids ], '  newest first');
	is_deeply([ sort keys %{ $res->{json}[0] || {} } ], [ sort @REPLAY_FIELDS ], '  of REPLAY objects');
	is_deeply([ map { $_->{status} } @{ $res->{json} || [] } ], [ qw(failed success success success) ],
		  '  failed and successful alike');
	my $one = replays_of($key, $l->{id}, 'limit=1');
	is_deeply([ map { $_->{id} } @{ $one->{json} || [] } ], [ $ids[-1] ], 'limit=1: the newest');
	error_ok(replays_of($key, $l->{id}, 'limit=0'), 422, 'VALIDATION', 'limit', 'limit=0: 422');
	error_ok(replays_of($key, $l->{id}, 'limit=101'), 422, 'VALIDATION', 'limit', 'limit=101: 422');
	error_ok(replays_of($key, $l->{id}, 'limit=x'), 422, 'VALIDATION', 'limit', 'limit=x: 422');
	is(req('GET', "/v1/logs/$l->{id}/replay", headers => { Authorization => "Bearer $key" })->{status}, 405,
	   'GET .../replay: 405');
}

# --- a target that never answers, with every replay worker held --------------------------------------

{
	my $workers = replay_worker_count();
	my $l = new_log($key, method => 'GET', url => "$t->{base}/c7/hang", path => '/c7/hang');
	my $quick = new_log($key, method => 'GET', url => "$t->{base}/c8/queued", path => '/c8/queued');
	my $t0 = Time::HiRes::time();
	my @hanging = map { replay_in_background($key, $l->{id}) } 1 .. $workers;
	ok(wait_for(8, sub { scalar(got($t, '/c7/')) >= $workers }),
	   "$workers replays (one per replay worker) wait on a target that never answers");
	my $queued = replay_in_background($key, $quick->{id});
	Time::HiRes::sleep(0.3);
	my @secs;
	for my $i (1 .. 5) {
		my $s = Time::HiRes::time();
		my $res = ingest_log($key, log_ev(path => "/c7/ingest-$i"));
		push @secs, Time::HiRes::time() - $s;
		is($res->{status}, 201, "  meanwhile POST /v1/logs answers 201 ($i)");
	}
	my $s = Time::HiRes::time();
	is(req('GET', "/v1/logs/$l->{id}")->{status}, 200, '  and GET /v1/logs/{id} 200');
	push @secs, Time::HiRes::time() - $s;
	my $slowest = (sort { $b <=> $a } @secs)[0];
	ok($slowest < 2, sprintf('  each within 2 s (slowest %.3f s)', $slowest));
	ok(Time::HiRes::time() - $t0 < 9, '  while the replays were still waiting');

	for my $job (@hanging) {
		my $r = background_result($job);
		my $j = $r->{json} || {};
		is($r->{status}, 201, 'a replay to a target that never answers: 201');
		is($j->{status}, 'failed', '  failed');
		like($j->{error} // '', qr/timed out after 10 s/, '  timed out') or diag($j->{error});
		ok(($j->{latency_ms} // 0) >= 9500 && $j->{latency_ms} < 12000, "  after about 10 s ($j->{latency_ms} ms)");
		ok(!defined $j->{status_code}, '  without a status_code');
	}
	my $q = background_result($queued);
	is($q->{status}, 201, 'the replay queued behind them is served once a worker is free');
	is(($q->{json} || {})->{status}, 'success', '  and succeeds');
}

# --- deleting the service takes the replays along ------------------------------------------------------

{
	my $gone = new_service('replay-gone');
	my $gone_key = new_key($gone, 'k')->{raw_key};
	my $l = new_log($gone_key, method => 'GET', url => "$t->{base}/c9/x", path => '/c9/x');
	replay_ok(replay($gone_key, $l->{id}), $l, 'success', 'a replay of a service about to go');
	is(count_replays($gone_key, $l->{id}), 1, '  listed');
	is(req('DELETE', "/v1/services/$gone->{id}")->{status}, 204, 'the service deleted');
	error_ok(replays_of($gone_key, $l->{id}), 401, 'UNAUTHORIZED', undef, '  its key is gone: 401');
	error_ok(replays_of($key, $l->{id}), 404, 'NOT_FOUND', undef, '  its log is gone: 404');
	my $rows = db_query("SELECT count(*) FROM replays WHERE log_id = '$l->{id}'");
	SKIP: {
		is($rows->[0][0], 0, '  and its replays with it');
	}

	# The service goes while a replay of its log waits on the target.
	my $racing = new_service('replay-racing');
	my $racing_key = new_key($racing, 'k')->{raw_key};
	my $rl = new_log($racing_key, method => 'GET', url => "$t->{base}/c10/slow", path => '/c10/slow');
	my $job = replay_in_background($racing_key, $rl->{id});
	ok(wait_for(5, sub { scalar got($t, '/c10/') }), 'a replay waits on a slow target');
	is(req('DELETE', "/v1/services/$racing->{id}")->{status}, 204, '  while its service is deleted');
	my $r = background_result($job);
	is($r->{status}, 404, '  the replay answers 404: its log is gone, nothing is stored')
		or diag(json_bytes($r));
	$rows = db_query("SELECT count(*) FROM replays WHERE log_id = '$rl->{id}'");
	SKIP: {
		is($rows->[0][0], 0, '  no replay row');
	}
}

done_testing();
