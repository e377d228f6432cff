#!/usr/bin/perl
# Each statistic reads a window's edges (the seconds before the first whole
# minute and after the last one that telltale-rollup has counted, or has
# reached) from events through the application's index, and the whole minutes
# of its partial hours from the minute counts through theirs, whatever plan
# the session holds. A worker prepares
# its statements once, and PostgreSQL plans them either for the request's
# values or, soon, once for all (a generic plan). With the window's bounds
# joined to the statement as a row, the planner counted each bound as keeping
# a third of the rows: at a few million events in a few applications, plans
# of both kinds read the whole events table for every request (seconds each).
# The worker now reads the bounds first (stats_window) and gives them to the
# statistic as parameters: a plan for the values knows them, and a generic
# plan counts the range between two parameters as narrow.
#
# The planner's estimates depend on the table's statistics, which the other
# tests' events would blur: the test explains each statistic (the running
# worker's own SQL, from `telltale-worker --statement`) in a session where a
# temporary table of 200,000 events of one application over 30 days, analyzed,
# stands in for events, and temporary minute counts of them for the minute
# tables. For the last 24 hours and 30 days, with a generic plan and with a
# plan for the values, no plan may scan events or a minute table whole, and
# each edge must be estimated at under 1 % of its table (it was 2-33 %).
use strict;
use warnings;

use Test::More;
use Telltale;

my $ROWS = 200_000;
my $app = new_app('stats-plans');

my ($pid) = worker_pids();
ok($pid, "a worker runs (pid $pid)") or BAIL_OUT('no worker to read statements from');
my $worker = readlink "/proc/$pid/exe";
ok($worker && -x $worker, "its binary is $worker");

# random() in the select list, once a row: an uncorrelated LATERAL subquery,
# as this was, runs once and put every event at the same instant.
my $stand_in = "CREATE TEMPORARY TABLE events (LIKE public.events INCLUDING ALL);"
	. " INSERT INTO events (application_id, occurred_at, received_at, level, message)"
	. " SELECT $app->{id}, t, t, (ARRAY['DEBUG','INFO','WARNING','ERROR','CRITICAL'])[1 + i % 5],"
	. "  'message ' || (i % 50)"
	. " FROM (SELECT i, now() - random() * interval '30 days' FROM generate_series(1, $ROWS) i) x(i, t);"
	. " CREATE TEMPORARY TABLE message_counts_minutely (LIKE public.message_counts_minutely INCLUDING ALL);"
	. " INSERT INTO message_counts_minutely SELECT application_id, minute_floor(received_at), level,"
	. "  md5(message)::uuid, min(message), count(*), max(received_at) FROM events GROUP BY 1, 2, 3, 4;"
	. " CREATE TEMPORARY TABLE event_counts_minutely (LIKE public.event_counts_minutely INCLUDING ALL);"
	. " INSERT INTO event_counts_minutely SELECT application_id, minute, level, sum(count)"
	. "  FROM message_counts_minutely GROUP BY 1, 2, 3;"
	. " ANALYZE events; ANALYZE message_counts_minutely; ANALYZE event_counts_minutely;";

# The minute tables' sizes, about the same in every session's stand-in.
my ($counted) = @{ db_query("$stand_in SELECT (SELECT count(*) FROM event_counts_minutely),"
			    . " (SELECT count(*) FROM message_counts_minutely)") };
my %size = (event_counts_minutely => $counted->[0], message_counts_minutely => $counted->[1]);

my $now = now_usec();
my %since = ('24 hours' => $now - 86_400_000_000, '30 days' => $now - 30 * 86_400_000_000);
# The window's split, as the worker reads it before each statistic.
my $split_sql = `$worker --statement stats_window`;
ok($? == 0 && $split_sql =~ /stats_bounds/, 'stats_window reads the split');
my %split = map {
	my ($row) = @{ db_query("PREPARE w AS $split_sql; EXECUTE w($since{$_}, $now)") };
	($since{$_} => join(', ', @$row));
} keys %since;
my %args = (
	stats_timeseries   => sub { "$app->{id}, $_[0], $now, NULL, NULL, NULL, $split{$_[0]}, 3600000000, $_[0]" },
	stats_timeseries_minutes => sub { "$app->{id}, $_[0], $now, NULL, NULL, NULL, $split{$_[0]}, 60000000, $_[0]" },
	stats_by_level     => sub { "$app->{id}, $_[0], $now, NULL, NULL, NULL, $split{$_[0]}" },
	stats_top_messages => sub { "$app->{id}, $_[0], $now, NULL, NULL, NULL, $split{$_[0]}, 10" },
);
# The minute table each reads, and in how many parts: the edges on either
# side of the hours (narrow, through the index), or the whole window by
# minute (one read, which a plan for the values may make a scan of the whole
# table when the window holds all of it).
my %minute_parts = (
	stats_by_level           => [ 'event_counts_minutely', 2 ],
	stats_timeseries         => [ 'event_counts_minutely', 2 ],
	stats_timeseries_minutes => [ 'event_counts_minutely', 1, 'whole window' ],
	stats_top_messages       => [ 'message_counts_minutely', 2 ],
);
for my $name (sort keys %args) {
	my $sql = `$worker --statement $name`;
	ok($? == 0 && $sql =~ /\bevents\b/, "$name reads events");
	for my $mode (qw(force_generic_plan force_custom_plan)) {
		for my $window (sort keys %since) {
			my $plan = db_query("$stand_in SET jit = off; SET plan_cache_mode = $mode;"
					    . " PREPARE q AS $sql;"
					    . " EXPLAIN EXECUTE q(" . $args{$name}->($since{$window}) . ")");
			my $text = join "\n", map { $_->[0] } @$plan;
			my $what = "$name, $mode, $window";
			unlike($text, qr/Seq Scan on events\b/, "$what: no scan of all events");
			# The scans of events that return rows: an index scan, or a
			# bitmap heap scan (its index scan is estimated alike).
			my @rows = $text =~ /(?:Index Scan|Index Only Scan|Bitmap Heap Scan) (?:using \S+ )?on events\b[^\n]*rows=(\d+)/g;
			is(scalar @rows, 2, "$what: both edges read events through an index");
			my @wide = grep { $_ >= $ROWS / 100 } @rows;
			is("@wide", '', "$what: each edge is estimated under 1 % of the events (@rows)");
			my ($minutes, $parts, $whole) = @{ $minute_parts{$name} };
			if ($whole) {
				my @reads = $text =~ /(?:Seq Scan|Index Scan|Index Only Scan|Bitmap Heap Scan) (?:using \S+ )?on $minutes\b/g;
				is(scalar @reads, 1, "$what: one read of $minutes, its $whole");
				next;
			}
			unlike($text, qr/Seq Scan on $minutes\b/, "$what: no scan of all $minutes");
			my @minute_rows = $text =~ /(?:Index Scan|Index Only Scan|Bitmap Heap Scan) (?:using \S+ )?on $minutes\b[^\n]*rows=(\d+)/g;
			is(scalar @minute_rows, $parts, "$what: $parts read of $minutes through an index");
			@wide = grep { $_ >= $size{$minutes} / 100 } @minute_rows;
			is("@wide", '', "$what: each is estimated under 1 % of its $size{$minutes} rows"
			   . " (@minute_rows)");
		}
	}
}

is(req('DELETE', "/apps/$app->{id}")->{status}, 204, 'the application is deleted');

done_testing;
