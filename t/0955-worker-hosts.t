#!/usr/bin/perl
# Workers on several hosts (WORKER_LISTEN, WORKER_HOSTS, WORKER_ALLOW;
# docs/scaling.md). A second stack of its own (a temporary STATE_DIR with its
# own cluster, a free port, the worker binary of the stack under test) runs
# nginx and pool A on 127.0.0.2; pool B runs alone on 127.0.0.3 through
# `./stack workers up` (a STATE_DIR of its own, the first stack's database),
# as on another host. Linux answers all of 127/8 on loopback.
#
# A pool on a wildcard or public address is refused; a pool binds its one
# address; a FastCGI connection from an address the pool does not admit is
# closed unanswered. nginx spreads requests over both pools. Then 4 clients
# ingest events with unique event_ids while pool A (its multiwatch and every
# worker) is killed: every request begun once pool A is gone is answered 201
# by pool B, nginx still answers afterwards, and every event answered 201 is
# stored exactly once. Both stacks are stopped whatever happens; their
# directories are removed, or kept when something failed. About 20 s.
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time sleep);
use File::Temp ();
use IO::Socket::INET;
use List::Util qw(min);
use Telltale;
use Telltale::Util qw(slurp);

my $port_a = free_port_at('127.0.0.2');
my $port_b = free_port_at('127.0.0.3');
my $pool_a = "127.0.0.2:$port_a";
my $pool_b = "127.0.0.3:$port_b";
my %common = (WORKERS => 2, TELLTALE_PG_FAST => 1, TELLTALE_WEBHOOK_SECRET => "hosts-$$",
	      WORKER_ALLOW => undef, TELLTALE_WORKER => second_stack_worker());
my %env = second_stack_env('hosts', %common, WORKER_LISTEN => $pool_a, WORKER_HOSTS => "$pool_a,$pool_b",
			   # No rate limit to mind: this is about the pools.
			   TELLTALE_INGEST_RATE => 100000, TELLTALE_INGEST_BURST => 100000);
my ($state, $port) = @env{qw(STATE_DIR PORT)};
my $state_b = File::Temp::tempdir('/tmp/telltale-hosts-b-XXXXXX');
chmod 0755, $state_b;    # as $state: the postgres and telltale users reach them
my %env_b = (%common, STATE_DIR => $state_b, WORKER_LISTEN => $pool_b, WORKER_HOSTS => undef);
my $running = 0;    # something of the second stack may run
second_stack_down_at_end(\%env, \$running, time_limit => 150,
			 first => [[\%env_b, 'workers', 'down']], dirs => [$state_b]);

# A TCP port free on $addr now.
sub free_port_at {
	my ($addr) = @_;
	my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => "$addr:0", ReuseAddr => 1)
		or die "no free port on $addr: $!";
	return $s->sockport;
}

# The local addresses listening on TCP port $p, from /proc/net/tcp.
sub listeners_of {
	my ($p) = @_;
	my @found;
	open my $fh, '<', '/proc/net/tcp' or return ();
	while (<$fh>) {
		my (undef, $local, undef, $st) = split;
		my ($hex, $hport) = ($local // '') =~ /^([0-9A-F]{8}):([0-9A-F]{4})$/ or next;
		next unless $st eq '0A' && hex($hport) == $p;
		push @found, join('.', reverse unpack('C4', pack('N', hex $hex)));
	}
	return @found;
}

# One FastCGI request for GET /v1/health to the pool at $peer, from the
# local address $from; returns what came back (empty when the pool closed
# the connection unanswered), or undef when the connection failed.
sub fastcgi_health {
	my ($peer, $from) = @_;
	my $s = IO::Socket::INET->new(PeerAddr => $peer, LocalAddr => $from, Timeout => 5) or return undef;
	my $record = sub {
		my ($type, $content) = @_;
		my $pad = (8 - length($content) % 8) % 8;
		return pack('CCnnCC', 1, $type, 1, length $content, $pad, 0) . $content . ("\0" x $pad);
	};
	my $params = join '', map { pack('CC', length $_->[0], length $_->[1]) . $_->[0] . $_->[1] }
		[REQUEST_METHOD => 'GET'], [REQUEST_URI => '/v1/health'], [QUERY_STRING => ''],
		[REMOTE_ADDR => '127.0.0.1'], [SERVER_PROTOCOL => 'HTTP/1.1'];
	# BEGIN_REQUEST (role responder), PARAMS, their end, an empty STDIN.
	print $s $record->(1, pack('nCx5', 1, 0)) . $record->(4, $params) . $record->(4, '')
		. $record->(5, '');
	my $got = '';
	while (1) {
		my $n = sysread($s, my $chunk, 65536);
		last unless $n;
		$got .= $chunk;
	}
	return $got;
}

sub count_lines {
	my ($file, $re) = @_;
	open my $fh, '<', $file or return 0;
	return scalar grep { /$re/ } <$fh>;
}

# --- refusals ---------------------------------------------------------------------------
for my $bad ("0.0.0.0:$port_b", "[::]:$port_b", "198.51.100.7:$port_b") {
	my ($rc, $out) = stack_at({ %env_b, WORKER_LISTEN => $bad, DATABASE_URL => 'host=/nonexistent' },
				  'workers', 'up');
	isnt($rc, 0, "./stack workers up refuses WORKER_LISTEN=$bad");
	like($out, qr/private/, '  saying a pool binds a private address');
}
my ($rc, $out) = stack_at({ %env, WORKER_LISTEN => "0.0.0.0:$port_a" }, 'up');
isnt($rc, 0, './stack up refuses WORKER_LISTEN=0.0.0.0:PORT too');
($rc, $out) = stack_at({ %env_b, WORKER_LISTEN => "10.1.2.3:$port_b", DATABASE_URL => 'host=/nonexistent' },
		       'workers', 'up');
like($out, qr/WORKER_ALLOW/, 'a pool off loopback is refused until WORKER_ALLOW names nginx\'s addresses');
is_deeply([ listeners_of($port_a), listeners_of($port_b) ], [], '  and nothing listens');

# --- two pools behind one nginx ---------------------------------------------------------
$running = 1;
($rc, $out) = stack_at(\%env, 'up');
is($rc, 0, "a second stack comes up on port $port with pool A on $pool_a") or do { diag($out); done_testing; exit 1 };
my $conninfo = do { open my $fh, '<', "$state/run/database_url"; local $/; <$fh> } // '';
chomp $conninfo;
# Pool B connects as the workers do: the application role, its passfile in
# the first stack's runtime directory.
my $runtime = socket_dir($state);
$runtime =~ s{/web\z}{} if -e "$state/run/pool.env";
(my $app_conninfo = $conninfo) =~ s/\buser=telltale\b/user=telltale_app/;
$app_conninfo =~ s/\bpassfile=\S+/passfile=$runtime\/app-pgpass/;
$env_b{DATABASE_URL} = $app_conninfo;
($rc, $out) = stack_at(\%env_b, 'workers', 'up');
is($rc, 0, "./stack workers up starts pool B alone on $pool_b") or do { diag($out); done_testing; exit 1 };
like((stack_at(\%env_b, 'workers', 'status'))[1], qr/^workers: running/m, '  ./stack workers status says so');
like((stack_at(\%env, 'status'))[1], qr/^worker hosts: \Q$pool_a,$pool_b\E/m,
     '  ./stack status names both pools');

is_deeply([ listeners_of($port_a) ], ['127.0.0.2'], 'pool A listens on its one address');
is_deeply([ listeners_of($port_b) ], ['127.0.0.3'], 'pool B listens on its one address');
like(fastcgi_health($pool_b, '127.0.0.1') // '', qr/Status: 200/,
     'pool B answers FastCGI from nginx\'s address (WORKER_ALLOW, 127.0.0.1)');
is(fastcgi_health($pool_b, '127.0.0.9'), '', '  and closes a connection from 127.0.0.9 unanswered');
is(fastcgi_health($pool_a, '127.0.0.9'), '', '  as pool A does');

# nginx sends requests to both pools (each logs the ones it served once idle).
my $probe = "/v1/hosts-probe-$$";
my $spread = wait_for(20, sub {
	http_once('127.0.0.1', $port, 'GET', $probe) for 1 .. 2;
	return count_lines("$state/log/worker.log", qr/GET \Q$probe\E /)
		&& count_lines("$state_b/log/worker.log", qr/GET \Q$probe\E /);
}, 0.3);
ok($spread, 'nginx spreads requests over both pools');

my $created = new_app_at(\%env, "hosts-$$-" . int(time));
my $app = $created->{json};
is($created->{status}, 201, 'an app on the second stack') or do { done_testing; exit 1 };

# --- pool A killed under load -----------------------------------------------------------
my $load = load_ingest_start(host => '127.0.0.1', port => $port, clients => 4, secs => 60, timeout => 30,
			     app => $app, label => 'hosts');
sleep 1.5;
# spawn-fcgi ran setsid: its multiwatch leads a process group of its own,
# which its workers share. A killed process is gone once only its zombie is
# left (state Z, for whoever inherited it to reap).
my ($group) = (slurp("$state/run/workers.pid") // '') =~ /(\d+)/;
my $in_group = sub {
	return grep {
		my ($st, $pgrp) = (slurp("/proc/$_/stat") // '') =~ /^\d+ \(.*\) (\S) \d+ (\d+) /s;
		defined $pgrp && $pgrp == $group && $st ne 'Z';
	} map { m{/proc/(\d+)/} } glob '/proc/[0-9]*/stat';
};
my @pool_a = $in_group->();
ok(@pool_a >= 3, scalar(@pool_a) . " processes in pool A's group (multiwatch and its workers)");
my $t_kill = time;
kill 'KILL', -$group if $group;
my $gone = wait_for(10, sub { !$in_group->() }, 0.05);
my $t_gone = time;
ok($gone, 'pool A is killed: its multiwatch and every worker');
is_deeply([ listeners_of($port_a) ], [], '  nothing listens on its address any more');
sleep 2;
my $done = load_stop($load);
my @res = @{ $done->{results} };
is($done->{broken}, 0, 'the 4 clients ran to the end');

sub describe {
	my ($r) = @_;
	return sprintf('c%d#%d: %s at %+.2f s (kill at 0) after %.2f s%s%s', $r->{client}, $r->{seq},
		       $r->{status} || 'no status', $r->{t0} - $t_kill, $r->{t1} - $r->{t0},
		       $r->{error} ? " [$r->{error}]" : '', defined $r->{body} ? ' ' . substr($r->{body}, 0, 120) : '');
}

my @created = grep { $_->{status} == 201 } @res;
my @before = grep { $_->{t1} < $t_kill } @created;
my @after = grep { $_->{t0} > $t_gone } @res;
my @failed = grep { $_->{status} != 201 } @res;
note(sprintf('%d requests: %d answered 201 (%d before the kill), %d begun once pool A was gone; '
	     . 'pool A took %.2f s to go; %d not 201: %s', scalar @res, scalar @created, scalar @before,
	     scalar @after, $t_gone - $t_kill, scalar @failed,
	     join(', ', map { $_->{status} || 'none' } @failed[0 .. min(9, $#failed)]) || '-'));
ok(@before > 0, 'events were answered 201 before the kill');
ok(@after > 0, 'requests were sent once pool A was gone');
my @after_bad = grep { $_->{status} != 201 } @after;
ok(!@after_bad, 'every one of them answered 201, by pool B')
	or diag(join("\n", map { describe($_) } @after_bad[0 .. min(14, $#after_bad)]));
my @odd = grep { $_->{status} != 502 || $_->{t0} > $t_gone } @failed;
ok(!@odd, 'the only failures are 502s of requests begun before pool A was gone (in its hands)')
	or diag(join("\n", map { describe($_) } @odd[0 .. min(14, $#odd)]));
is(http_once('127.0.0.1', $port, 'GET', '/v1/health')->{status}, 200, 'nginx still answers /v1/health');

# Every acknowledged event is stored, once.
my $rows = psql_at($conninfo, "SELECT replace(event_id::text, '-', ''), id FROM events WHERE application_id = $app->{id}");
ok($rows, 'the events are read with psql') or diag("psql with '$conninfo' failed");
my (%stored, %times);
for (@{ $rows || [] }) {
	$stored{ $_->[0] } = $_->[1];
	$times{ $_->[0] }++;
}
my @missing = grep { !defined $stored{ $_->{event_id} } || $stored{ $_->{event_id} } != ($_->{id} // -1) } @created;
ok(!@missing, sprintf('all %d acknowledged events are stored under their ids (%d stored)',
		      scalar @created, scalar keys %stored))
	or diag(join("\n", map { describe($_) . " $_->{event_id}" } @missing[0 .. min(14, $#missing)]));
my @twice = grep { $times{$_} > 1 } keys %times;
ok(!@twice, '  each once') or diag("@twice[0 .. min(9, $#twice)]");
my %sent = map { $_->{event_id} => 1 } @res;
my @phantom = grep { !$sent{$_} } keys %stored;
ok(!@phantom, 'nothing is stored that was not sent') or diag("@phantom[0 .. min(9, $#phantom)]");

# --- stopped ----------------------------------------------------------------------------
($rc, $out) = stack_at(\%env_b, 'workers', 'down');
is($rc, 0, './stack workers down stops pool B') or diag($out);
is_deeply([ listeners_of($port_b) ], [], '  nothing listens on its address any more');
($rc, $out) = stack_at(\%env, 'down');
is($rc, 0, 'the second stack is stopped') or diag($out);
$running = 0 if $rc == 0;

# Nothing alarming in the logs (t/stack-test's clean-log check): no nginx
# alert, no sanitizer report or crash. Pool A died with its multiwatch, which
# could not log a worker's death.
my @alarming = log_alarms($state, $state_b);
ok(!@alarming, 'no alert, crash or process death in their logs') or diag(join('', @alarming[0 .. min(9, $#alarming)]));

done_testing;
