#!/usr/bin/perl
# A statistic without until counts up to the moment its statement runs, from
# the hourly counts for every hour that telltale-rollup has reached. The worker
# used to send its own clock as the window's end. The rollup may move past
# that instant before the statement runs (it counts every second), and then
# the window's last hour can no longer come from its hourly count, which
# holds events after the end: the statement read the hour's events one by
# one instead, every one of them (seconds, with a million events an hour).
#
# The test makes that moment last: with the events of this hour counted, it
# moves the rollup's progress ten seconds ahead (under the rollup's lock, and
# back afterwards; nothing is stored meanwhile), asks for each statistic
# without until, and counts the rows the statements read from events
# (pg_stat_user_tables, which a session reports within a second or two of
# going idle, or up to ten seconds later when it reported less than a second
# before: the requests go a second and more apart). Next to none, where the
# hour's events are 20,000. Meanwhile a session holds the rollups' locks, so
# that their runs (which may read events table-wide when there are many
# applications) do not count.
use strict;
use warnings;

use Test::More;
use Time::HiRes qw(sleep);
use Telltale;

my $BULKS = 20;
my $LOCK = 7369731;          # the events' rollup
my $ISSUES_LOCK = 7369733;   # the issues' rollup

# Events stored now, and asked for at once, must fall in one hour.
my $into_hour = (now_usec() / 1_000_000) % 3600;
sleep(3600 - $into_hour + 1) if $into_hour > 3600 - 60;

my $app = new_app('stats-window-end');
my @bulk = map { ev(message => "window end $_") } 1 .. 1000;
for (1 .. $BULKS) {
	is(ingest($app, \@bulk)->{status}, 201, "a bulk of 1000 events is stored") or last;
}
my $stored = now_usec();
ok(wait_for(30, sub {
	db_query("SELECT rolled_until > usec_to_ts($stored) AND issues_rolled_until > usec_to_ts($stored)"
		 . " FROM rollup_state")->[0][0] eq 't';
}), 'the rollup has counted them, for the statistics and for their issue');

sub events_read {
	my $r = db_query("SELECT seq_tup_read + coalesce(idx_tup_fetch, 0) FROM pg_stat_user_tables"
			 . " WHERE relname = 'events'");
	return $r->[0][0];
}

my $saved = db_query("SELECT rolled_until FROM rollup_state")->[0][0];
db_query("SELECT pg_advisory_xact_lock($LOCK);"
	 . " UPDATE rollup_state SET rolled_until = now() + interval '10 seconds'");
my $hold = db_session("SELECT pg_advisory_lock($LOCK), pg_advisory_lock($ISSUES_LOCK)", 'SELECT pg_sleep(12)');
ok(wait_for(10, sub {
	db_query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
		 . " AND objid IN ($LOCK, $ISSUES_LOCK)")->[0][0] == 2;
}), 'a session holds the rollups\' locks');
sleep 2;
my $before = events_read();
my %answers;
for my $stat (qw(by-level timeseries top-messages)) {
	$answers{$stat} = req('GET', "/apps/$app->{id}/stats/$stat");
	sleep 1.2;
}
sleep 1.5;
my $read = events_read() - $before;
kill 'TERM', $hold;
waitpid($hold, 0);
db_query("SELECT pg_advisory_xact_lock($LOCK); UPDATE rollup_state SET rolled_until = '$saved'");

is($answers{$_}{status}, 200, "$_ answers") for sort keys %answers;
my $total = $BULKS * 1000;
my ($error) = grep { $_->{level} eq 'ERROR' } @{ $answers{'by-level'}{json}{items} // [] };
is($error && $error->{count}, $total, "by-level counts the $total events");
my $series = 0;
$series += $_->{count} for @{ $answers{timeseries}{json}{series} // [] };
is($series, $total, 'so does the timeseries');
is(scalar @{ $answers{'top-messages'}{json}{items} // [] }, 10, 'top-messages lists ten messages');
ok($read < 1000, "the three statements read $read events (the hour holds $total)");

# The end the statements are given, for a request without until, is the
# worker's clock and a minute: a constant above every stored event, which
# leaves out the partitions made for the week ahead when a statement is
# planned. Each answers, last, whether the database's clock was still within
# it (should it not be, the worker runs the statement again without it).
# Each statistic's own statement, planned for its values, with the split
# stats_window reads for a window without an end.
{
	my ($pid) = worker_pids();
	my $worker = readlink "/proc/$pid/exe";
	my $now = db_query("SELECT ts_to_usec(now())")->[0][0];
	my $since = $now - 86_400_000_000;
	my ($tomorrow) = @{ db_query("SELECT to_char(now() + interval '1 day', 'YYYYMMDD')")->[0] };
	my $split_sql = `$worker --statement stats_window`;
	my $split = join ', ', @{ db_query("PREPARE w AS $split_sql; EXECUTE w($since, NULL)")->[0] };
	my %tail = (stats_timeseries => ", 3600000000, 0", stats_by_level => '', stats_top_messages => ', 10');
	for my $name (sort keys %tail) {
		my $sql = `$worker --statement $name`;
		my $run = sub {
			my ($end, $explain) = @_;
			my $args = "$app->{id}, $since, $end, NULL, NULL, NULL, $split$tail{$name}";
			return db_query("SET plan_cache_mode = force_custom_plan; PREPARE q AS $sql;"
					. ($explain ? ' EXPLAIN (COSTS OFF)' : '') . " EXECUTE q($args)");
		};
		is($run->($now + 600_000_000)->[0][-1], 't', "$name: an end above the clock holds");
		is($run->($now - 60_000_000)->[0][-1], 'f', '  one a minute below it does not');
		my $plan = join "\n", map { $_->[0] } @{ $run->($now + 600_000_000, 1) };
		my @days = $plan =~ /events_p(\d{8})\b/g;
		ok(@days && !grep({ $_ gt $tomorrow } @days),
		   "  its plan reads no partition of events beyond tomorrow (@{[ scalar @days ]} read)") or diag($plan);
	}
}

is(req('DELETE', "/apps/$app->{id}")->{status}, 204, 'the application is deleted');

done_testing;
