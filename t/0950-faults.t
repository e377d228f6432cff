#!/usr/bin/perl
# Faults under load (issue 8), on the stack under test:
#   1. PostgreSQL restarted (pg_ctl restart -m fast) under 8 ingesting clients:
#      every 201 is stored, every other answer is 503 UNAVAILABLE or nginx's
#      502, ingest is back within 2 s of PostgreSQL accepting connections, and
#      the same workers serve.
#   1b. PostgreSQL restarted with no traffic: 2 s after it accepts connections,
#      every worker has reconnected by itself and every request succeeds.
#   2. PostgreSQL frozen (SIGSTOP of the cluster for 15 s): every request is
#      answered 503 within statement_timeout + 1 s (+ margin), never nginx's
#      504; ingest works again after SIGCONT.
#   3. A worker killed (SIGKILL) under load: multiwatch replaces it and at most
#      the request in its hands fails, with a 502.
#   4. A worker started while PostgreSQL is down stays up and answers 503; it
#      serves once the database is back.
# Whatever happens, the cluster is thawed and started again: END block, signal
# handlers, a guardian process that acts once this one is gone (even after a
# SIGKILL), and during the freeze a watchdog that thaws it after 25 s.
# About 40 s.
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time sleep);
use List::Util qw(min max first);
use Telltale;

my $main_pid = $$;
my $pg = pg_cluster();
my (@frozen, $watchdog, $db_touched);

sub restore_database {
	if (@frozen) {
		pg_thaw($pg, @frozen);
		@frozen = ();
	}
	if ($watchdog) {
		kill 'TERM', $watchdog;
		waitpid($watchdog, 0);
		undef $watchdog;
	}
	if ($db_touched && !wait_for(5, sub { pg_ready($pg) }, 0.2)) {
		diag('starting the database again after an early exit');
		stack_cmd('db', 'start');
	}
}
END {
	if ($$ == $main_pid) {
		my $status = $?;
		restore_database();
		$? = $status;
	}
}
$SIG{$_} = sub { exit 1 } for qw(INT TERM HUP);
# Should this process be killed outright, another one restores the database.
pg_guardian($pg) if $pg;
# Bounded whatever happens: the whole file takes about 40 s.
$SIG{ALRM} = sub { diag('time is up (120 s)'); exit 1 };
alarm 120;

# The workers' statement timeout (TELLTALE_STATEMENT_TIMEOUT_MS, 5000 by default).
sub statement_timeout_ms {
	my ($pid) = worker_pids();
	open my $fh, '<', "/proc/" . ($pid // 0) . "/environ" or return 5000;
	local $/;
	my ($ms) = (<$fh> // '') =~ /(?:^|\0)TELLTALE_STATEMENT_TIMEOUT_MS=(\d+)/;
	return $ms || 5000;
}

# Load answers (see load_start): a short description, and the kinds allowed.
sub describe {
	my ($r) = @_;
	return sprintf('%s c%d#%d: %s after %.2f s%s%s%s', $r->{kind} // 'request', $r->{client}, $r->{seq},
		       $r->{status} || 'no answer', $r->{t1} - $r->{t0},
		       $r->{complete} ? '' : " (incomplete, $r->{bytes} bytes)",
		       $r->{error} ? " [$r->{error}]" : '',
		       defined $r->{body} ? ' ' . substr($r->{body}, 0, 120) : '');
}

# A process's state letter (R, S, T for stopped, ...), '' when it is gone.
sub proc_state {
	my ($pid) = @_;
	open my $fh, '<', "/proc/$pid/stat" or return '';
	my ($state) = (<$fh> // '') =~ /^\d+ \(.*\) (\S)/s;
	return $state // '';
}

sub is_json { return ($_[0]{content_type} // '') =~ m{^application/json}i }

# The worker's 503 for an ingest: {"error": "UNAVAILABLE", ...} with Retry-After.
sub is_unavailable {
	my ($r) = @_;
	return $r->{status} == 503 && $r->{complete} && is_json($r)
		&& ($r->{json_error} // '') eq 'UNAVAILABLE' && ($r->{retry_after} // '') =~ /^[1-9]\d*\z/;
}

# The health check's 503: {"status": ..., "database": "unavailable"}.
sub is_health_unavailable {
	my ($r) = @_;
	return $r->{status} == 503 && $r->{complete} && is_json($r)
		&& ($r->{database} // '') eq 'unavailable';
}

# nginx's 502 when a worker dies with the request: its JSON error page.
sub is_nginx_502 {
	my ($r) = @_;
	return $r->{status} == 502 && $r->{complete} && is_json($r)
		&& ($r->{json_error} // '') eq 'UNAVAILABLE';
}

sub is_created {
	my ($r) = @_;
	return $r->{status} == 201 && $r->{complete} && is_json($r) && defined $r->{id};
}

# One client per app, each ingesting single events with unique event_ids (an
# app each, so that each key stays inside the rate limit) for at most $secs.
sub ingest_load {
	my ($apps, $secs, $label) = @_;
	my $nonce = int(rand(2**31)) * 2**32 + int(time * 1000) % 2**32;
	return load_start(
		clients => scalar @$apps, secs => $secs, interval => ingest_interval($secs),
		request => sub {
			my ($c, $seq) = @_;
			my $app = $apps->[$c];
			my $eid = load_event_id($nonce, $c, $seq);
			return ('POST', "/apps/$app->{id}/events",
				{ 'X-Ingest-Key' => $app->{ingest_key}, 'Content-Type' => 'application/json' },
				json_bytes(ev(message => "$label $c/$seq", event_id => $eid)),
				{ kind => 'ingest', event_id => $eid, app => $app->{id} });
		});
}

# Every acknowledged (201) event is stored, under the id the 201 gave; nothing
# is stored that was not sent.
sub stored_ok {
	my ($results, $apps, $name) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my @acked = grep { $_->{kind} eq 'ingest' && $_->{status} == 201 } @$results;
	my $stored = stored_event_ids(@$apps);
	my @missing = grep { !defined $stored->{ $_->{event_id} } } @acked;
	my @wrong = grep { defined $stored->{ $_->{event_id} } && $stored->{ $_->{event_id} } != ($_->{id} // -1) } @acked;
	my %sent = map { $_->{event_id} => 1 } grep { $_->{kind} eq 'ingest' } @$results;
	my @phantom = grep { !$sent{$_} } keys %$stored;
	my $ok = ok(!@missing && !@wrong, sprintf('%s: all %d acknowledged events are stored (%d stored)',
						  $name, scalar @acked, scalar keys %$stored));
	diag(scalar(@missing) . " missing, e.g.\n  " . join("\n  ", map { describe($_) . " $_->{event_id}" } @missing[0 .. min(9, $#missing)]))
		if @missing;
	diag(scalar(@wrong) . ' stored under another id than the 201 gave') if @wrong;
	ok(!@phantom, "$name: nothing is stored that was not sent") or diag("unknown event_ids: @phantom[0 .. min(9, $#phantom)]");
	return $ok;
}

sub bad_list {
	my ($name, @bad) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	ok(!@bad, $name) or diag(scalar(@bad) . " bad:\n  " . join("\n  ", map { describe($_) } @bad[0 .. min(14, $#bad)]));
}

# The workers (pids) without a database session: a worker names its session
# "telltale-worker[pid]".
sub without_session {
	my %session = map { $_->[0] => 1 } @{ db_query(
		q{SELECT application_name FROM pg_stat_activity WHERE application_name LIKE 'telltale-worker[%'}) };
	return grep { !$session{"telltale-worker[$_]"} } @_;
}

# Waits (up to 10 s) until every worker serves: each has a database session
# and 4 health checks per worker in a row answer 200. Each fault starts from
# there.
sub settle {
	my $ok = wait_for(10, sub {
		my @w = worker_pids();
		return 0 if without_session(@w);
		return !grep { req('GET', '/v1/health')->{status} != 200 } 1 .. 4 * max(1, scalar @w);
	}, 0.1);
	diag('not every worker has a database session and answers 200 to health checks') unless $ok;
	return $ok;
}

my @workers_initial = worker_pids();
ok(@workers_initial >= 2, 'the stack runs at least two workers (' . scalar(@workers_initial) . ')')
	or do { done_testing; exit 1 };
my $replacement;    # the worker test 3 brought in

# ---------------------------------------------------------------------------
# 1. PostgreSQL restarted under load
SKIP: {
	skip 'the stack uses an external database', 13 unless $pg;
	settle();
	note('1. pg_ctl restart -m fast under 8 ingesting clients');
	my @workers = worker_pids();
	my @apps = map { new_app("restart-$_") } 1 .. 8;
	my $old_pm = pg_postmaster_pid($pg);
	my $load = ingest_load(\@apps, 30, 'restart');
	sleep 1.5;

	$db_touched = 1;
	my $t_restart = time;
	my $ctl = pg_ctl($pg, { background => 1 }, 'restart', '-m', 'fast', '-w', '-t', '60',
			 '-l', "$pg->{pgdir}/postgres.log");
	# Accepting connections: postmaster.pid of a new postmaster says "ready"
	# (what pg_ctl waits for), and pg_isready agrees.
	my ($t_ready, $t_isready, $new_pm);
	while (time - $t_restart < 60) {
		my ($pm, $status) = pg_postmaster_pid($pg);
		if (defined $pm && $pm != $old_pm && ($status // '') eq 'ready') {
			$t_ready = time;
			$new_pm = $pm;
			if (wait_for(5, sub { pg_ready($pg) }, 0.01)) {
				$t_isready = time;
			}
			last;
		}
		sleep 0.005;
	}
	waitpid($ctl, 0);
	my $ctl_rc = $? >> 8;
	sleep 3;
	my $done = load_stop($load);
	my @res = @{ $done->{results} };

	is($ctl_rc, 0, 'pg_ctl restart -m fast succeeds');
	ok($new_pm && $new_pm != $old_pm, "a new postmaster ($old_pm -> " . ($new_pm // 'none') . ')');
	ok(defined $t_isready, 'pg_isready succeeds after the restart');
	is($done->{broken}, 0, 'the 8 clients ran to the end');
	my @before = grep { $_->{t1} < $t_restart } @res;
	my @created_before = grep { is_created($_) } @before;
	ok(@created_before >= 8, scalar(@created_before) . ' ingests answered 201 before the restart');

	bad_list('every answer is 201, 503 UNAVAILABLE with Retry-After (JSON), or a 502 from nginx',
		 grep { !is_created($_) && !is_unavailable($_) && !is_nginx_502($_) } @res);
	my @failed = grep { !is_created($_) } @res;
	my @n502 = grep { $_->{status} == 502 } @res;
	note(sprintf('%d answers: %d 201, %d 503, %d 502; PostgreSQL accepted connections %.2f s after the restart began (pg_isready: +%.2f s)',
		     scalar @res, @res - @failed, @failed - @n502, scalar @n502, ($t_ready // time) - $t_restart,
		     ($t_isready // $t_ready // time) - ($t_ready // time)));

	SKIP: {
		skip 'PostgreSQL did not come back', 2 unless defined $t_ready;
		my $first = first { is_created($_) && $_->{t1} >= $t_ready } @res;
		my $delay = $first ? $first->{t1} - $t_ready : undef;
		ok($first && $delay < 2, sprintf('ingest answers 201 again %.2f s after PostgreSQL accepts connections (< 2 s)',
						 $delay // -1));
		my @late = grep { !is_created($_) && $_->{t0} > $t_ready + 2 } @res;
		bad_list('from 2 s after that on, every ingest is 201', @late);
	}
	is_deeply([ worker_pids() ], \@workers, 'the same workers serve (none restarted)');
	settle();
	stored_ok(\@res, \@apps, 'restart');
	my @after = grep { is_created($_) && $_->{t0} > ($t_ready // 9e9) } @res;
	ok(@after >= 8, scalar(@after) . ' ingests answered 201 after the restart');
	ok(pg_ready($pg), 'the database is up');
}

# ---------------------------------------------------------------------------
# 1b. PostgreSQL restarted while no request comes: once it has accepted
# connections for 2 s, every worker has a new session (an idle worker notices
# that the server ended its session and reconnects, retrying while the server
# starts), and ingest succeeds on every worker.
SKIP: {
	skip 'the stack uses an external database', 4 unless $pg;
	settle();
	note('1b. pg_ctl restart -m fast with no traffic, then ingests 2 s after PostgreSQL is back');
	my @workers = worker_pids();
	my $app = new_app('idle-restart');
	$db_touched = 1;
	is(pg_ctl($pg, 'restart', '-m', 'fast', '-w', '-t', '60', '-l', "$pg->{pgdir}/postgres.log"), 0,
	   'pg_ctl restart -m fast succeeds');
	wait_for(10, sub { pg_ready($pg) }, 0.01);
	my $t_ready = time;
	sleep 2;
	my @idle = without_session(@workers);
	is_deeply(\@idle, [], 'every worker has reconnected by itself, with no request to prompt it');
	my @bad;
	my $n = 4 * @workers;
	for my $i (1 .. $n) {
		my $r = ingest($app, ev(message => "idle restart $i"));
		push @bad, sprintf('ingest %d, %.2f s after PostgreSQL was back: %s %s', $i, time - $t_ready,
				   $r->{status}, $r->{body} // '') unless $r->{status} == 201;
	}
	is_deeply(\@bad, [], "$n ingests from 2 s after PostgreSQL accepts connections: all 201");
	is_deeply([ worker_pids() ], \@workers, 'the same workers serve');
}

# ---------------------------------------------------------------------------
# 2. PostgreSQL frozen (SIGSTOP) for 15 s
SKIP: {
	skip 'the stack uses an external database', 15 unless $pg;
	my $FREEZE = 15;
	my $timeout_ms = statement_timeout_ms();
	my $limit = $timeout_ms / 1000 + 2;    # statement_timeout + 1 s, + 1 s of margin
	settle();
	note("2. the cluster frozen (SIGSTOP) for $FREEZE s; statement_timeout $timeout_ms ms");
	my @workers = worker_pids();
	# As many clients as workers at most, so no request waits for a free
	# worker; an app (a key) each, for the rate limit.
	my $clients = max(1, min(4, scalar @workers));
	my @apps = map { new_app("frozen-$_") } 1 .. $clients;
	my $app = $apps[0];
	is(ingest($app, ev(message => 'before the freeze'))->{status}, 201, 'an ingest before the freeze');

	$db_touched = 1;
	my @cluster = pg_cluster_pids($pg);
	@frozen = pg_freeze($pg);
	$watchdog = pg_thaw_watchdog($pg, $FREEZE + 10, @frozen);
	my $t_frozen = time;
	# A process stops once it leaves the kernel: one in an uninterruptible
	# wait (a write to disk) shows as stopped a moment later.
	my @running;
	wait_for(2, sub { !(@running = grep { proc_state($_) !~ /^[Tt]\z/ } @frozen) }, 0.01);
	ok(@frozen >= @cluster && @frozen >= 2 && !@running,
	   'the postmaster and its ' . (@frozen - 1) . ' children are stopped') or diag("still running: @running");

	my $nonce = int(rand(2**31)) * 2**32 + int(time * 1000) % 2**32;
	my $load = load_start(
		clients => $clients, secs => $FREEZE - 0.5, interval => ingest_interval($FREEZE),
		timeout => 40,
		request => sub {
			my ($c, $seq) = @_;
			return ('GET', '/v1/health', {}, '', { kind => 'health' }) if $seq % 2;
			my $eid = load_event_id($nonce, $c, $seq);
			return ('POST', "/apps/$apps[$c]{id}/events",
				{ 'X-Ingest-Key' => $apps[$c]{ingest_key}, 'Content-Type' => 'application/json' },
				json_bytes(ev(message => "frozen $c/$seq", event_id => $eid)),
				{ kind => 'ingest', event_id => $eid });
		});
	sleep(max(0, $t_frozen + $FREEZE - time));
	my $t_cont = time;
	pg_thaw($pg, @frozen);
	@frozen = ();
	kill 'TERM', $watchdog;
	waitpid($watchdog, 0);
	undef $watchdog;
	my $done = load_stop($load, grace => 40);
	my @res = @{ $done->{results} };

	my $t0 = time;
	my $res;
	my $back = wait_for(10, sub {
		$res = ingest($app, ev(message => 'after the freeze'));
		return $res->{status} == 201;
	}, 0.1);
	ok($back, sprintf('ingest answers 201 again %.2f s after SIGCONT', time - $t_cont))
		or diag("last: $res->{status} " . ($res->{body} // ''));
	# The other workers may still wait out their back-off after the connection
	# attempts that the freeze made time out.
	ok(settle(), sprintf('%.2f s after SIGCONT every worker has a database session and serves',
			     time - $t_cont));

	is($done->{broken}, 0, "the $clients clients ran to the end");
	my @frozen_answers = grep { $_->{t1} < $t_cont } @res;
	ok(@frozen_answers >= $clients, scalar(@frozen_answers) . ' requests answered during the freeze');
	ok((grep { $_->{kind} eq 'ingest' } @frozen_answers) && (grep { $_->{kind} eq 'health' } @frozen_answers),
	   'ingests and health checks among them');
	bad_list(sprintf('every request is answered within %.1f s (statement_timeout + 1 s + margin)', $limit),
		 grep { $_->{t1} - $_->{t0} >= $limit } @res);
	bad_list('no 504 (nor 502, nor a lost connection): the worker answers',
		 grep { $_->{status} == 504 || $_->{status} == 502 || !$_->{status} } @res);
	bad_list('during the freeze: ingests 503 UNAVAILABLE with Retry-After, health 503 "database": "unavailable"',
		 grep { $_->{kind} eq 'ingest' ? !is_unavailable($_) : !is_health_unavailable($_) } @frozen_answers);
	bad_list('answers that end after SIGCONT: 201/200 or the same 503s',
		 grep { $_->{t1} >= $t_cont
			&& !($_->{kind} eq 'ingest' ? is_created($_) || is_unavailable($_)
			     : $_->{status} == 200 || is_health_unavailable($_)) } @res);
	my @lat = sort { $a <=> $b } map { $_->{t1} - $_->{t0} } @res;
	note(sprintf('%d answers during the freeze; latency max %.2f s, median %.2f s',
		     scalar @res, $lat[-1] // 0, $lat[ $#lat / 2 ] // 0));

	is_deeply([ worker_pids() ], \@workers, 'the same workers serve (none exited)');
	stored_ok(\@res, \@apps, 'freeze');
	ok(pg_ready($pg), 'the database is up');
}

# ---------------------------------------------------------------------------
# 3. A worker killed (SIGKILL) under load
{
	settle();
	note('3. SIGKILL to a worker under 8 ingesting clients');
	my @workers = worker_pids();
	my @apps = map { new_app("kill-$_") } 1 .. 8;
	my $load = ingest_load(\@apps, 20, 'kill');
	sleep 1;
	# A worker with a request in its hands (a FastCGI connection open), if one
	# is seen within 3 s; else the first.
	my $victim;
	wait_for(3, sub { $victim = first { worker_busy($_) } @workers }, 0.001);
	my $busy = defined $victim;
	$victim //= $workers[0];
	my $t_kill = time;
	ok(kill_on_purpose('KILL', $victim, 'worker'),
	   "SIGKILL to worker $victim" . ($busy ? ' while it holds a request' : ' (not seen busy)'));
	my @now;
	my $replaced = wait_for(5, sub {
		@now = worker_pids();
		return @now == @workers && !grep { $_ == $victim } @now;
	}, 0.05);
	my $t_replaced = time;
	sleep 1;
	my $done = load_stop($load);
	my @res = @{ $done->{results} };

	my @new = grep { my $p = $_; !grep { $_ == $p } @workers } @now;
	ok($replaced, sprintf('multiwatch replaces it: %d workers again %.2f s later', scalar @now, $t_replaced - $t_kill))
		or diag("workers before: @workers; now: @now");
	is(scalar @new, 1, 'one new worker (' . join(' ', @new) . ')');
	$replacement = $new[0];
	is($done->{broken}, 0, 'the 8 clients ran to the end');
	my @failed = grep { !is_created($_) } @res;
	ok(@failed <= 1, sprintf('%d of %d requests failed: at most the one in the killed worker\'s hands',
				 scalar @failed, scalar @res))
		or diag(join("\n", map { describe($_) } @failed[0 .. min(14, $#failed)]));
	bad_list('a failed request is a 502 from nginx (JSON)', grep { !is_nginx_502($_) } @failed);
	ok((grep { is_created($_) && $_->{t0} > $t_replaced } @res) >= 8, 'ingests succeed after the replacement');
	settle();
	stored_ok(\@res, \@apps, 'kill');
}

# ---------------------------------------------------------------------------
# 4. A worker that starts while PostgreSQL is down
SKIP: {
	skip 'the stack uses an external database', 11 unless $pg;
	settle();
	note('4. a worker (re)started while PostgreSQL is down');
	my @workers = worker_pids();
	my $app = new_app('down-start');
	my ($rc, $out) = stack_cmd('db', 'stop');
	$db_touched = 1;
	is($rc, 0, './stack db stop succeeds') or diag($out);

	# Not the worker test 3 started: multiwatch gives up on a child that
	# dies 3 times in 10 s.
	my $victim = first { !defined $replacement || $_ != $replacement } @workers;
	kill_on_purpose('KILL', $victim, 'worker');
	my @now;
	my $replaced = wait_for(5, sub {
		@now = worker_pids();
		return @now == @workers && !grep { $_ == $victim } @now;
	}, 0.05);
	my ($new) = grep { my $p = $_; !grep { $_ == $p } @workers } @now;
	ok($replaced && $new, 'multiwatch starts a new worker (' . ($new // 'none') . ") in place of $victim");
	sleep 3;
	ok($new && kill(0, $new), "3 s later the new worker still runs (it does not exit while the database is away)");
	is_deeply([ worker_pids() ], \@now, 'and no worker was restarted meanwhile');

	my @bad;
	for my $i (1 .. 4 * @workers) {
		my $h = req('GET', '/v1/health');
		push @bad, "$h->{status} " . ($h->{body} // '')
			unless $h->{status} == 503 && (($h->{json} || {})->{database} // '') eq 'unavailable';
	}
	is_deeply(\@bad, [], 4 * @workers . ' health checks: all 503 "database": "unavailable"');
	my $r = ingest($app, ev(message => 'while down'));
	error_ok($r, 503, 'UNAVAILABLE', undef, 'an ingest while the database is down is 503 UNAVAILABLE');

	($rc, $out) = stack_cmd('db', 'start');
	is($rc, 0, './stack db start succeeds') or diag($out);
	my $t_start = time;
	my $back = wait_for(10, sub { ingest($app, ev(message => 'back'))->{status} == 201 }, 0.1);
	ok($back, sprintf('ingest answers 201 %.2f s after the database started', time - $t_start));
	my @streak;
	my $all = wait_for(5, sub {
		@streak = map { req('GET', '/v1/health')->{status} } 1 .. 4 * @workers;
		return !grep { $_ != 200 } @streak;
	}, 0.2);
	ok($all, 4 * @workers . ' health checks in a row answer 200');
	my @idle = @now;
	ok(wait_for(3, sub { !(@idle = without_session(@now)) }, 0.1),
	   'every worker has a database session again, the new one included, requests or not')
		or diag("without a session: @idle");
	is_deeply([ worker_pids() ], \@now, 'the same workers serve');
	is_deeply([ map { $_->{message} } events_of($app) ], ['back'], 'only the event after the outage is stored');
}

ok(pg_ready($pg), 'the database is up at the end') if $pg;
done_testing;
