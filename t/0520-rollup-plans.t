#!/usr/bin/perl
# telltale-rollup runs every second for as long as it lives, and each run must
# read only what arrived since the one before, through an index. Its first run
# after an outage counts days at once; the runs after it must not inherit a
# plan made for that: a plan that reads the whole events or logs table would
# do so every second from then on.
#
# A session keeps a plpgsql statement's generic plan once that looks no
# dearer than the average of the plans made for each run so far, and a
# catch-up over a million rows raises that average enough: from then on each
# run read the whole table. The functions therefore plan every run for its own
# range, and this test checks that they are set to.
#
# At the scale a test can afford the planner keeps choosing well either way,
# so the rest checks the behaviour around it: the test stores a week of
# events and logs in the past (with psql), rewinds both rollups and restarts
# telltale-rollup, so that the catch-up is the first run of a new session, as
# after an outage. Once it has caught up, and while nothing new arrives, its
# runs must read next to no logs (bench/run shows the difference at a million
# rows). Events are not counted there: the events rollup looks each
# application's new events up in that application's index, and with as many
# applications as the test suite has made and as few events, the planner
# rightly reads the events table whole instead (docs/architecture.md, "The rollup").
use strict;
use warnings;

use Test::More;
use Telltale;

my $ROWS = 60_000;
my %LOCKS = (events => 7369731, logs => 7369732);
my %STATE = (events => 'rollup_state', logs => 'log_rollup_state');
my %ROLLED = (
	events => [qw(event_counts_hourly message_counts_hourly message_counts_daily
		      event_counts_minutely message_counts_minutely)],
	logs => log_rollup_tables(),
);

my $config = db_query("SELECT proname, array_to_string(proconfig, ',') FROM pg_proc"
		      . " WHERE proname IN ('rollup_events', 'rollup_logs') ORDER BY proname");
is_deeply($config, [ [ 'rollup_events', 'plan_cache_mode=force_custom_plan' ],
		     [ 'rollup_logs', 'plan_cache_mode=force_custom_plan' ] ],
	  'both rollups plan each run for the range it counts');

my $app = new_app('rollup-plans');
my $service = new_service('rollup-plans');

db_query("INSERT INTO events (application_id, occurred_at, received_at, level, message)"
	 . " SELECT $app->{id}, t, t, 'ERROR', 'message ' || (i % 20)"
	 . " FROM generate_series(1, $ROWS) i, LATERAL (SELECT now() - i * interval '10 seconds') x(t)");
db_query("INSERT INTO logs (service_id, method, url, path, status_code, latency_ms, received_at)"
	 . " SELECT '$service->{id}', 'GET', 'https://example.com/a', '/a', 200, i % 500,"
	 . "  now() - i * interval '10 seconds' FROM generate_series(1, $ROWS) i");
db_query('ANALYZE events');
db_query('ANALYZE logs');
# Each table holds the $ROWS rows, all received within the last week and the
# oldest more than six days ago: the catch-up below has days to count.
my $spread = " count(*) FILTER (WHERE received_at > now() - interval '7 days' AND received_at <= now()),"
	. " min(received_at) < now() - interval '6 days'";
is_deeply(db_query("SELECT $spread FROM events WHERE application_id = $app->{id}"
		   . " UNION ALL SELECT $spread FROM logs WHERE service_id = '$service->{id}'"),
	  [ [ $ROWS, 't' ], [ $ROWS, 't' ] ], "$ROWS events and $ROWS logs stored over the last week");

# The rollup's session, and the process behind it (its application_name).
sub rollup_pid {
	my $r = db_query("SELECT application_name FROM pg_stat_activity"
			 . " WHERE application_name LIKE 'telltale-rollup[%'");
	return @$r && $r->[0][0] =~ /\[(\d+)\]/ ? $1 : undef;
}

# Between two of its sessions (it starts a new one after its first search of
# old events) it has none for up to a second.
my $old;
wait_for(10, sub { $old = rollup_pid() });
ok($old, "telltale-rollup has its session (pid $old)") or BAIL_OUT('no rollup to test');

# Both rollups are held off by a session that takes their locks, empties the
# rolled tables and rewinds them, and commits only after telltale-rollup has
# been restarted: the new process's first run is the catch-up.
my $reset = join ' ', map { rollup_reset_sql($LOCKS{$_}, $STATE{$_}, $ROLLED{$_}) } sort keys %LOCKS;
my $holder = db_session("BEGIN; $reset SELECT pg_sleep(3); COMMIT;");
ok(wait_for(10, sub {
	my $x = db_query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
			 . " AND objid IN ($LOCKS{events}, $LOCKS{logs}) AND granted");
	return $x->[0][0] == 2;
}), 'both rollups are held off');

ok(kill_on_purpose('TERM', $old, 'rollup'), 'telltale-rollup is stopped');
my $new = wait_for(10, sub { my $p = rollup_pid(); return $p && $p != $old ? $p : undef });
ok($new, "and replaced (pid $new)");
waitpid $holder, 0;
is($?, 0, 'the rollups are rewound');

my $t = now_usec();
ok(wait_for(60, sub {
	my $x = db_query("SELECT (SELECT rolled_until > usec_to_ts($t) FROM rollup_state)"
			 . " AND (SELECT rolled_until > usec_to_ts($t) FROM log_rollup_state)");
	return $x->[0][0] eq 't';
}), 'the new rollup catches up over the week');

my $rows = db_query("SELECT sum(count) FROM event_counts_hourly WHERE application_id = $app->{id}");
is($rows->[0][0], $ROWS, 'every event is counted');
# The catch-up's runs, a day each, split the week by minute too, each event once.
$rows = db_query("SELECT (SELECT sum(count) FROM event_counts_minutely WHERE application_id = $app->{id}),"
		 . " (SELECT sum(count) FROM message_counts_minutely WHERE application_id = $app->{id})");
is_deeply($rows, [ [ $ROWS, $ROWS ] ], 'and counted once in each minute table');
$rows = db_query("SELECT sum(count) FROM log_counts_hourly WHERE service_id = '$service->{id}'");
is($rows->[0][0], $ROWS, 'every log is counted');

# The logs read, by scans of the table and of its indexes. A session's counts
# reach pg_stat_user_tables within a second or two of it going idle; the
# rollup goes idle after every run.
sub logs_read {
	my $r = db_query("SELECT t.seq_tup_read + coalesce((SELECT sum(i.idx_tup_read)"
			 . " FROM pg_stat_user_indexes i WHERE i.relid = t.relid), 0)"
			 . " FROM pg_stat_user_tables t WHERE t.relname = 'logs'");
	return $r->[0][0];
}
sleep 2;
my $before = logs_read();
my $runs_from = now_usec();
sleep 10;
my $after = logs_read();
$rows = db_query("SELECT (SELECT rolled_until > usec_to_ts($runs_from + 5000000) FROM rollup_state)"
		 . " AND (SELECT rolled_until > usec_to_ts($runs_from + 5000000) FROM log_rollup_state)");
is($rows->[0][0], 't', 'the rollup kept running for ten seconds');
# Nothing arrives meanwhile. A run that finds nothing new reads an index entry
# or so; one that scans reads every log (at least $ROWS) each second.
my $read = $after - $before;
ok($read < 1000, "and its runs read $read logs in all");

is(req('DELETE', "/apps/$app->{id}")->{status}, 204, 'the application is deleted');
is(req('DELETE', "/v1/services/$service->{id}")->{status}, 204, 'the service is deleted');

done_testing;
