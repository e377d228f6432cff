#!/usr/bin/perl
# The FastCGI connections between nginx and the worker pool stay open from one
# request to the next (fastcgi_keep_conn, src/conns.c):
#   1. sequential requests go over the connections already open, not a new
#      one each;
#   2. a request whose body the worker never reads (a 404 before the body)
#      leaves its connection fit for the next request;
#   3. each worker stopped (SIGTERM) in turn, twice, while it holds
#      connections, under load (wrk and ingesting clients): multiwatch starts
#      another each time, and no request fails;
#   4. a request that waits for the database holds up no request sent on the
#      worker's other connections.
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time sleep);
use File::Temp ();
use POSIX ();
use List::Util qw(min);
use Telltale;

# Runs $run $n times and returns the connections seen open after a run that
# were not open before the first: a request on a new connection adds one, even
# when the connection is closed again by the next.
sub new_connections {
	my ($n, $run) = @_;
	my %before = map { $_ => 1 } worker_connections();
	my %new;
	for (1 .. $n) {
		$run->();
		$new{$_} = 1 for grep { !$before{$_} } worker_connections();
	}
	return scalar keys %new;
}

# Starts wrk (t/lib/statuses.lua) against $path with $conns connections for
# $secs seconds, sending $method; returns a sub that waits for it and returns
# {answers by status}, the socket errors and the slowest answer in ms.
sub wrk_start {
	my ($method, $path, $conns, $secs) = @_;
	my $out = File::Temp->new;
	my $pid = fork // die "fork: $!";
	if (!$pid) {
		open STDOUT, '>', $out->filename or POSIX::_exit(1);
		$ENV{STATUSES_METHOD} = $method;
		{ exec 'wrk', '-t2', "-c$conns", "-d${secs}s", '--timeout', '10s', '-s', "$ENV{TELLTALE_ROOT}/t/lib/statuses.lua",
			"$ENV{TELLTALE_URL}$path" }
		POSIX::_exit(127);    # wrk is missing: ./stack deps installs it
	}
	return sub {
		waitpid($pid, 0);
		my $ran = $? == 0;
		my ($line) = do { local @ARGV = ($out->filename); grep { /^STATUSES / } <> };
		$line //= '';
		my %by = $line =~ /(\d+):(\d+)/g;
		my ($errors) = $line =~ /socket_errors=(\d+)/;
		my ($max_ms) = $line =~ /max_ms=([\d.]+)/;
		return { ran => $ran, line => $line, by => \%by, socket_errors => $errors, max_ms => $max_ms };
	};
}

# nginx closes a connection after 1000 requests (keepalive_requests): one may
# reach it during a run, so one new connection is allowed for.

# 1. Kept connections
{
	is(req('GET', '/v1/health')->{status}, 200, 'a health check') for 1 .. 3;
	my @open = worker_connections();
	ok(@open >= 1, scalar(@open) . ' connection(s) to the pool stay open after the requests');
	my @statuses;
	my $new = new_connections(50, sub { push @statuses, req('GET', '/v1/health')->{status} });
	is_deeply([ grep { $_ != 200 } @statuses ], [], '50 more health checks answer 200');
	ok($new <= 1, "$new new connection(s) for 50 sequential requests");
}

# 2. A body the worker does not read
{
	my $body = '{"pad":"' . ('x' x 20_000) . '"}';
	my @bad;
	my $new = new_connections(10, sub {
		my $r = req('POST', '/v1/no-such-resource', body => $body);
		push @bad, "404 expected: $r->{status}" unless $r->{status} == 404
			&& (($r->{json} || {})->{error} // '') eq 'NOT_FOUND';
		my $h = req('GET', '/v1/health');
		push @bad, "health after it: $h->{status}" unless $h->{status} == 200;
	});
	is_deeply(\@bad, [], '10 times: a 20 kB body to an unknown path is 404, and the next request 200');
	ok($new <= 1, "$new new connection(s): the unread bodies were read to their end, and"
	   . ' their connections kept');
}

# 3. Workers stopped while they hold connections, one after another, under
# load: wrk's POSTs (32 connections, answered 404 by the worker) and 4 clients
# ingesting events. A stopping worker serves the requests nginx has already
# sent it, then closes its connections; one that nginx sends meanwhile meets a
# closed connection and is passed on another (fastcgi_next_upstream): without
# that, some of wrk's POSTs answered 502.
{
	my @apps = map { new_app("conns-stop-$_") } 1 .. 4;
	my $nonce = int(rand(2**31)) * 2**32 + int(time * 1000) % 2**32;
	my $load = load_start(
		clients => scalar @apps, secs => 30, interval => ingest_interval(30),
		request => sub {
			my ($c, $seq) = @_;
			my $eid = load_event_id($nonce, $c, $seq);
			return ('POST', "/apps/$apps[$c]{id}/events",
				{ 'X-Ingest-Key' => $apps[$c]{ingest_key}, 'Content-Type' => 'application/json' },
				json_bytes(ev(message => "stop $c/$seq", event_id => $eid)),
				{ event_id => $eid });
		});
	my $wrk = wrk_start('POST', '/v1/no-such-resource', 32, 6);
	sleep 0.5;
	# Each worker of the pool, then each of their successors (multiwatch
	# gives up on a child that dies three times in ten seconds).
	my ($stops, $held, $replaced) = (0, 0, 0);
	for my $round (1, 2) {
		my @workers = worker_pids();
		for my $victim (@workers) {
			$stops++;
			$held++ if worker_holds_connection($victim);
			# multiwatch may log the stop as a death ("Child[N] died"), which
			# the stack's clean-log check counts against this file.
			if (open my $fh, '>>', "$ENV{TELLTALE_STATE_DIR}/log/deliberate-kills") {
				print $fh scalar(gmtime) . " SIGTERM to worker $victim by $0\n";
			}
			kill 'TERM', $victim;
			$replaced++ if wait_for(5, sub {
				my @now = worker_pids();
				return @now == @workers && !grep { $_ == $victim } @now;
			}, 0.02);
			sleep 0.2;
		}
	}
	my $w = $wrk->();
	ok($w->{ran}, 'wrk ran');
	ok($held >= 1, "$held of $stops workers held a connection when stopped");
	is($replaced, $stops, "multiwatch started another worker in place of each of the $stops");
	ok(($w->{by}{404} // 0) >= 1000, 'wrk: ' . ($w->{by}{404} // 0) . ' POSTs answered 404 by the workers');
	is_deeply({ map { $_ => $w->{by}{$_} } grep { $_ != 404 } keys %{ $w->{by} } }, {}, 'wrk: no other answer')
		or diag($w->{line});
	is($w->{socket_errors}, 0, 'wrk: no connection failed');

	my @res = @{ load_stop($load)->{results} };
	ok(@res >= 100, scalar(@res) . ' ingests sent');
	my @failed = grep { $_->{status} != 201 } @res;
	ok(!@failed, 'every ingest answered 201')
		or diag(scalar(@failed) . ' failed, e.g.' . join("\n", map { " c$_->{client}#$_->{seq}: "
			. ($_->{status} || 'no status') . ' ' . ($_->{body} // $_->{error} // '') }
			@failed[0 .. min(4, $#failed)]));
	my $stored = stored_event_ids(@apps);
	my @missing = grep { !defined $stored->{ $_->{event_id} } } @res;
	ok(!@missing, 'and is stored (' . scalar(keys %$stored) . ' events)');
}

# 4. Slow requests hold up no other. nginx does not know which worker is
# busy, and may send a request on any connection a worker holds; once a
# request has waited 50 ms for the database, its worker closes its other
# connections, and nginx passes what it had sent on them to another worker.
# Here wrk first leaves connections to every worker in nginx's cache; then
# ingests wait 3 s for their application's row, locked by another
# transaction, in all workers but one, while wrk sends health checks over 4
# connections for 4 s (a check held up behind an ingest would take about 3 s).
{
	my $app = new_app('conns-slow');
	my $spread = wrk_start('GET', '/v1/health', 32, 1)->();
	ok($spread->{ran}, 'wrk opened connections to the workers');
	my $holder = db_session('BEGIN', "SELECT id FROM applications WHERE id = $app->{id} FOR UPDATE",
				'SELECT pg_sleep(3)', 'COMMIT');
	ok(wait_for(10, sub { db_sessions("query = 'SELECT pg_sleep(3)' AND state = 'active'") }, 0.05),
	   'another transaction holds the application\'s row');
	my @workers = worker_pids();
	my $slow = @workers - 1;
	my @status_of = map { in_background(sub { ingest($app, ev(message => 'slow'))->{status} }) } 1 .. $slow;
	ok(wait_for(10, sub { worker_lock_waits() >= 1 }, 0.05), 'ingests wait for it');
	my $w = wrk_start('GET', '/v1/health', 4, 4)->();
	ok($w->{ran} && ($w->{by}{200} // 0) >= 100, 'wrk: ' . ($w->{by}{200} // 0) . ' health checks answered 200')
		or diag($w->{line});
	is_deeply([ grep { $_ != 200 } keys %{ $w->{by} } ], [], 'wrk: and nothing else') or diag($w->{line});
	ok(defined $w->{max_ms} && $w->{max_ms} < 1000,
	   'the slowest health check took ' . ($w->{max_ms} // '?') . ' ms, not the ingests\' wait');
	is_deeply([ map { $_->() } @status_of ], [ (201) x $slow ], "the $slow ingests are stored once the row is free");
	waitpid($holder, 0);
}

done_testing;
