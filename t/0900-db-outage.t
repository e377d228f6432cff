#!/usr/bin/perl
# The database goes away and comes back: while it is down every endpoint answers
# 503 UNAVAILABLE with Retry-After (health: 503 "database": "unavailable"); once
# it is back the same workers (no restart) serve again within seconds.
# The database is restarted whatever happens (END block and signal handlers).
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time sleep);
use Telltale;

my $db_stopped = 0;

sub db_start {
	my ($rc, $out) = stack_cmd('db', 'start');
	$db_stopped = 0 if $rc == 0;
	return ($rc, $out);
}

END {
	if ($db_stopped) {
		my $status = $?;
		diag('restarting the database after an early exit');
		db_start();
		$? = $status;
	}
}
$SIG{$_} = sub { exit 1 } for qw(INT TERM HUP);
$SIG{__DIE__} = sub { db_start() if $db_stopped && !$^S };

my $app = new_app('outage');
my $first = ingest($app, ev(message => 'before the outage'));
is($first->{status}, 201, 'an ingest before the outage');
my $n_workers = scalar(my @pids_before = worker_pids());
ok($n_workers > 0, "the stack's workers are found ($n_workers: @pids_before)");
my $rounds = ($n_workers || 4) * 3;

my ($rc, $out) = stack_cmd('db', 'stop');
is($rc, 0, './stack db stop succeeds') or diag($out);
$db_stopped = 1;

sub unavailable_ok {
	my ($res, $name) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $ok = error_ok($res, 503, 'UNAVAILABLE', undef, $name);
	my $ra = $res->{headers}{'retry-after'} // '';
	$ok &&= ok($ra =~ /^\d+\z/ && $ra > 0, "$name: Retry-After is a positive number of seconds ($ra)");
	my $msg = $res->{json} ? $res->{json}{message} // '' : '';
	$ok &&= unlike($msg, qr/PQ|libpq|psql|SQL|socket|\/tmp|server closed|errno|5432/i,
		       "$name: the message leaks no internals");
	return $ok;
}

{
	my $t0 = time;
	# Several rounds, so that every worker meets the outage.
	my (@slow, @bad);
	for my $i (1 .. $rounds) {
		my $s = time;
		my $res = ingest($app, ev(message => "during the outage $i"));
		push @slow, $i if time - $s > 7;
		push @bad, "ingest $i: $res->{status} " . ($res->{headers}{'retry-after'} // '-') . " $res->{body}"
			unless $res->{status} == 503 && (($res->{json} || {})->{error} // '') eq 'UNAVAILABLE'
			&& ($res->{headers}{'retry-after'} // '') =~ /^\d+\z/;
	}
	is_deeply(\@bad, [], "$rounds ingests during the outage: all 503 UNAVAILABLE with Retry-After");
	is_deeply(\@slow, [], 'every 503 comes without waiting for long');
	unavailable_ok(ingest($app, ev(message => 'during the outage')), 'ingest during the outage');

	@bad = ();
	for my $i (1 .. $rounds) {
		my $res = req('GET', '/v1/health');
		push @bad, "health $i: $res->{status} " . ($res->{body} // '')
			unless $res->{status} == 503 && (($res->{json} || {})->{database} // '') eq 'unavailable'
			&& ($res->{json}{status} // '') ne 'ok';
	}
	is_deeply(\@bad, [], "$rounds health checks during the outage: all 503 with \"database\": \"unavailable\"");
	my $h = req('GET', '/v1/health');
	like($h->{headers}{'content-type'} // '', qr{^application/json}i, 'the 503 health answer is JSON');

	@bad = ();
	for my $i (1 .. $rounds) {
		my $res = req('GET', "/apps/$app->{id}/events");
		push @bad, "list $i: $res->{status} " . ($res->{body} // '')
			unless $res->{status} == 503 && (($res->{json} || {})->{error} // '') eq 'UNAVAILABLE'
			&& ($res->{headers}{'retry-after'} // '') =~ /^\d+\z/;
	}
	is_deeply(\@bad, [], "$rounds listings during the outage: all 503 UNAVAILABLE with Retry-After");
	unavailable_ok(req('GET', "/apps/$app->{id}/events"), 'listing events');
	unavailable_ok(req('GET', "/apps/$app->{id}/events/$first->{json}{id}"), 'reading an event');
	unavailable_ok(ingest($app, [ ev(), ev() ]), 'a bulk ingest');
	unavailable_ok(req('GET', '/apps'), 'listing apps');
	unavailable_ok(req('GET', "/apps/$app->{id}"), 'reading an app');
	unavailable_ok(req('POST', "/apps/outage-new-$$"), 'creating an app');
	unavailable_ok(req('POST', "/apps/$app->{id}/ingest-key"), 'rotating a key');
	unavailable_ok(req('DELETE', "/apps/$app->{id}"), 'deleting an app');
	unavailable_ok(req('GET', "/apps/$app->{id}/stats/timeseries"), 'timeseries');
	unavailable_ok(req('GET', "/apps/$app->{id}/stats/by-level"), 'by-level');
	unavailable_ok(req('GET', "/apps/$app->{id}/stats/top-messages"), 'top-messages');

	# What does not need the database still answers as before. (A management
	# route needs it to check the credential, unless a worker checked that
	# token in the last second: an ingest route's id comes before its key.)
	error_ok(req('POST', '/apps/abc/events', json => ev(), headers => { 'X-Ingest-Key' => $app->{ingest_key} }),
		 404, 'NOT_FOUND', undef, 'a bad id is still 404');
	error_ok(req('PUT', '/apps/1'), 405, 'METHOD_NOT_ALLOWED', undef, 'a wrong method is still 405');
	note(sprintf 'outage checks took %.1f s', time - $t0);
}

($rc, $out) = db_start();
is($rc, 0, './stack db start succeeds') or diag($out);

{
	my $t0 = time;
	my $res;
	my $back = wait_for(10, sub {
		$res = ingest($app, ev(message => 'after the outage'));
		return $res->{status} == 201;
	}, 0.25);
	ok($back, sprintf('ingest answers 201 again within 10 s (%.1f s)', time - $t0))
		or diag("last: $res->{status} $res->{body}");

	# Every worker reconnects, not just the one that answered: a worker reconnects on
	# its next request once its short back-off is over, so within a few seconds a
	# long run of database-backed requests all succeed.
	my ($streak, $tries) = (0, 0);
	my $all = wait_for(10, sub {
		my $r = $tries++ % 2 ? req('GET', "/apps/$app->{id}/events") : req('GET', '/v1/health');
		$streak = $r->{status} == 200 ? $streak + 1 : 0;
		return $streak >= 4 * $rounds;
	}, 0.02);
	ok($all, sprintf('then %d health checks and listings in a row answer 200 (%.1f s after the restart)',
			 4 * $rounds, time - $t0));

	my @pids_after = worker_pids();
	is_deeply(\@pids_after, \@pids_before, 'the same worker processes serve (none restarted)');

	my @events = events_of($app);
	is_deeply([ sort map { $_->{message} } @events ], [ 'after the outage', 'before the outage' ],
		  'the events from before and after are stored, none from during the outage');
	is(req('GET', "/apps/$app->{id}")->{status}, 200, 'the app survived the DELETE during the outage');
	ok(!(grep { $_->{name} eq "outage-new-$$" } @{ req('GET', '/apps')->{json} || [] }),
	   'the app created during the outage does not exist');
	my $after = ingest($app, ev(message => 'once more'));
	is($after->{status}, 201, 'the original key still works (the rotation did not happen)');
}

done_testing;
