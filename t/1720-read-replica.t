#!/usr/bin/perl
# A read replica (docs/scaling.md, "A read replica"). On a second stack of its
# own with REPLICA=1 (a streaming replica of its private cluster, a pool of
# read workers on it), with the replica's replay paused so that what it
# serves is plainly older than the primary:
#   - a list read by another caller comes from the replica (without the new
#     app), and every read route answers there without passing anything on;
#   - the caller who made the app sees it at once, with the Telltale-LSN
#     header or the cookie its change answered;
#   - a garbage position is no position; a position ahead of any is the
#     primary's; a credential the replica does not know yet is the primary's
#     to check;
#   - a read worker reached on its socket answers no other route than a
#     read route's GET: it passes them to the primary and changes nothing;
#   - /v1/health shows the replica streaming, then down once it is stopped,
#     and the reads answer from the primary meanwhile; with the read pool
#     itself gone, nginx sends reads to the main pool.
# How soon another caller sees a change is the replica's lag: not asserted.
# The second stack is stopped whatever happens; its directory is removed, or
# kept (stopped) when something failed. About 30 s.
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time sleep);
use Telltale;
use Telltale::Util qw(slurp json_value);

my %env = second_stack_env('replica', READ_WORKERS => 2, REPLICA => 1, DATABASE_READ_URL => undef);
my ($state, $port) = @env{qw(STATE_DIR PORT)};
my $running = 0;
second_stack_down_at_end(\%env, \$running, time_limit => 180, pg_suffixes => ['-replica']);

$running = 1;
my ($rc, $out) = stack_at(\%env, 'up');
is($rc, 0, "a second stack comes up on port $port with a replica and 2 read workers")
	or do { diag($out); done_testing; exit 1 };

my %as = map { $_ => admin_token_at(\%env) } qw(writer other);

# call($who, $method, $path, %headers): a request to the second stack.
sub call {
	my ($who, $method, $path, %headers) = @_;
	$headers{Authorization} = "Bearer $as{$who}" if $who;
	return http_once('127.0.0.1', $port, $method, $path, headers => \%headers);
}

sub names {
	my ($res) = @_;
	return [ map { $_->{name} } @{ ref $res->{json} eq 'ARRAY' ? $res->{json} : [] } ];
}

sub listed {
	my ($res, $name) = @_;
	return $res->{status} == 200 && grep { $_ eq $name } @{ names($res) };
}

my $primary = slurp("$state/run/database_url") // '';
my $replica = slurp("$state/run/replica_database_url") // '';
chomp($primary, $replica);
ok($replica =~ /port=5433/, 'the replica has a conninfo of its own') or diag($replica);

# The replica has replayed everything the primary wrote so far.
sub caught_up {
	my $lsn = (psql_at($primary, 'SELECT pg_current_wal_lsn()') // [['']])->[0][0];
	return wait_for(30, sub {
		my $r = psql_at($replica, "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn");
		return $r && $r->[0][0] eq 't';
	});
}

# --- health --------------------------------------------------------------------
my $h = call(undef, 'GET', '/v1/health');
is($h->{status}, 200, 'health answers 200');
is($h->{json}{status}, 'ok', 'health: status ok');
is(($h->{json}{replica} || {})->{status}, 'streaming', 'health: the replica is streaming')
	or diag($h->{body});
like(($h->{json}{replica} || {})->{lag_seconds} // '', qr/^\d+(\.\d+)?$/, 'health: its lag in seconds');
like(($h->{json}{replica} || {})->{lag_bytes} // '', qr/^\d+$/, 'health: its lag in bytes');

# --- the data the reads need, replayed; then replay paused ---------------------
my $app = call('writer', 'POST', "/apps/replica-base-$$")->{json} || {};
my $svc = http_once('127.0.0.1', $port, 'POST', '/v1/services',
		    headers => { Authorization => "Bearer $as{writer}", 'Content-Type' => 'application/json' },
		    body => json_bytes({ name => "replica-svc-$$" }))->{json} || {};
ok($app->{id} && $svc->{id}, 'an app and a service on the primary');
# Both callers have used their tokens on the primary (a credential due its
# last-used stamp is passed there).
is(call($_, 'GET', '/v1/auth/me')->{status}, 200, "the $_ caller is known") for qw(writer other);
ok(caught_up(), 'the replica has caught up');
ok(psql_at($replica, 'SELECT pg_wal_replay_pause()'), "the replica's replay is paused");

my $log = "$state/log/worker.log";
my $log_size = -s $log;

# --- reads go to the replica ----------------------------------------------------
my $name = "replica-new-$$";
my $made = call('writer', 'POST', "/apps/$name");
is($made->{status}, 201, 'the writer makes an app');
my $lsn = $made->{headers}{'telltale-lsn'} // '';
like($lsn, qr{^[0-9A-F]{1,8}/[0-9A-F]{1,8}$}, "the change answers its WAL position ($lsn)");
my $cookie = $made->{headers}{'set-cookie'} // '';
like($cookie, qr{^telltale_lsn=\Q$lsn\E;.*HttpOnly.*SameSite=Strict.*Path=/}, 'and sets it in a cookie')
	or diag($cookie);

my $other = call('other', 'GET', '/apps');
is($other->{status}, 200, 'another caller lists the apps');
ok(!listed($other, $name), 'from the replica, which has not replayed the new app')
	or diag(join ' ', @{ names($other) });
ok(listed($other, "replica-base-$$"), '  but has what came before');

my @reads = ('/apps', "/apps/$app->{id}/events", "/apps/$app->{id}/issues",
	     "/apps/$app->{id}/alerts", "/apps/$app->{id}/stats/timeseries",
	     "/apps/$app->{id}/stats/by-level", "/apps/$app->{id}/stats/top-messages",
	     '/v1/services', "/v1/logs?service_id=$svc->{id}", "/v1/metrics?service_id=$svc->{id}",
	     "/v1/metrics/routes?service_id=$svc->{id}", '/v1/channels', '/v1/alerts', '/v1/audit');
my @bad = grep { call('other', 'GET', $_)->{status} != 200 } @reads;
is_deeply(\@bad, [], scalar(@reads) . ' read routes answer 200');
my @passed = grep { /replica: GET .* to the primary/ } split /\n/, substr(slurp($log) // '', $log_size);
is_deeply(\@passed, [], '  all of them from the replica: no read worker passed one on');

# --- the caller sees its own write ---------------------------------------------------
ok(listed(call('writer', 'GET', '/apps', 'Telltale-LSN' => $lsn), $name),
   'the writer, sending the position back, sees its app');
ok(listed(call('writer', 'GET', '/apps', Cookie => "telltale_lsn=$lsn"), $name),
   'the writer, sending the cookie back, sees its app');
ok(listed(call('other', 'GET', '/apps', Cookie => "x=1; telltale_lsn=$lsn; y=2"), $name),
   'so does anyone with the position: it is no secret, only a "not before"');

# --- hostile positions and new credentials ------------------------------------------
for my $junk ('garbage', '0/', '/0', '1FFFFFFFF/0', '-1/0', "0/1;x", '0/1 ', '') {
	my $res = call('other', 'GET', '/apps', 'Telltale-LSN' => $junk);
	ok($res->{status} == 200 && !listed($res, $name), "a position '$junk' is none: 200 from the replica");
}
my $res = call('other', 'GET', '/apps', Cookie => 'telltale_lsn=%00garbage');
ok($res->{status} == 200 && !listed($res, $name), 'a garbage cookie is none too');
ok(listed(call('other', 'GET', '/apps', 'Telltale-LSN' => 'FFFFFFFF/FFFFFFFF'), $name),
   'a position ahead of any sends the read to the primary');
$as{new} = admin_token_at(\%env);
ok(listed(call('new', 'GET', '/apps'), $name),
   'a token made since the pause is checked by the primary, which answers');
error_ok(call(undef, 'GET', '/apps'), 401, 'UNAUTHORIZED', undef,
	 'no credential: the primary refuses it, as ever');

# --- a read worker reached on its socket ----------------------------------------------
my $sock = socket_dir($state) . '/read.sock';
sub fcgi {
	my ($method, $uri) = @_;
	my $pid = open(my $fh, '-|') // return '';
	if (!$pid) {
		%ENV = (REQUEST_METHOD => $method, REQUEST_URI => $uri, SCRIPT_NAME => $uri,
			DOCUMENT_URI => $uri, QUERY_STRING => '', CONTENT_LENGTH => 0,
			SERVER_PROTOCOL => 'HTTP/1.1', REMOTE_ADDR => '127.0.0.1',
			HTTP_AUTHORIZATION => "Bearer $as{writer}", HTTP_ORIGIN => "http://127.0.0.1:$port",
			PATH => '/usr/bin:/bin');
		open STDIN, '<', '/dev/null';
		exec 'cgi-fcgi', '-bind', '-connect', $sock or POSIX::_exit(127);
	}
	local $/;
	my $text = <$fh> // '';
	close $fh;
	return $text;
}
for my $case (['POST', "/apps/replica-direct-$$"], ['DELETE', "/apps/$app->{id}"],
	      ['POST', "/apps/$app->{id}/ingest-key"], ['GET', "/apps/$app->{id}"]) {
	my $text = fcgi(@$case);
	like($text, qr/^Status: 421\b.*^X-Accel-Redirect: \@primary\r?$/ms,
	     "$case->[0] $case->[1] on the read socket: passed to the primary")
		or diag(substr($text, 0, 300));
}
is(call('writer', 'GET', "/apps/$app->{id}")->{status}, 200, '  the app is still there');
is(call('writer', 'GET', "/apps/replica-direct-$$")->{status}, 404, '  and no app was made');

# --- replay resumed; the replica stopped; the read pool gone ---------------------------
ok(psql_at($replica, 'SELECT pg_wal_replay_resume()'), 'replay resumes');
ok(wait_for(30, sub { listed(call('other', 'GET', '/apps'), $name) }),
   'and in time the other caller sees the app too');

($rc, $out) = stack_at(\%env, 'replica', 'stop');
is($rc, 0, './stack replica stop') or diag($out);
ok(wait_for(30, sub { (((call(undef, 'GET', '/v1/health')->{json} || {})->{replica} || {})->{status} // '') eq 'down' }),
   'health shows the replica down');
$h = call(undef, 'GET', '/v1/health');
is($h->{status}, 200, '  and still answers 200 ok') or diag($h->{body});
@bad = grep { call('other', 'GET', $_)->{status} != 200 } @reads;
is_deeply(\@bad, [], 'every read route answers 200 from the primary');
ok(listed(call('other', 'GET', '/apps'), $name), '  with what the primary has');

($rc, $out) = stack_at(\%env, 'replica', 'start');
is($rc, 0, './stack replica start') or diag($out);
ok(wait_for(30, sub { (((call(undef, 'GET', '/v1/health')->{json} || {})->{replica} || {})->{status} // '') eq 'streaming' }),
   'the replica streams again');

my $pool = slurp("$state/run/read-workers.pid") // '';
chomp $pool;
ok($pool =~ /^\d+$/ && kill('TERM', $pool), 'the read pool is stopped');
wait_for(10, sub { !kill 0, $pool });
ok(listed(call('other', 'GET', '/apps'), $name), 'a read still answers, from the main pool');

($rc, $out) = stack_at(\%env, 'down');
$running = 0 if $rc == 0;
is($rc, 0, 'the second stack stops, its replica too') or diag($out);
done_testing;
