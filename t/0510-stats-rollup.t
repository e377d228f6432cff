#!/usr/bin/perl
# Statistics read whole hours from the hourly counts that telltale-rollup keeps,
# the whole minutes at a window's edges (and every minute of a series by
# minute) from its minute counts, and the seconds left at each end from the
# events themselves. This test stores events at known past instants (with
# psql: ingest always stamps "now"), has the counts rebuilt from scratch, and
# checks every statistic over windows whose edges fall inside hours, on hour
# boundaries, and inside a single hour, against counts computed here; and over windows whose edges fall inside minutes, with
# events in the minute before and after each edge and on it, against counts
# the database makes from the events themselves. Then events ingested after
# the last rollup run (the raw tail) must add up with the rolled ones, and
# deleting the application must remove its hourly and minute rows.
use strict;
use warnings;

use Test::More;
use Telltale;

my $app = new_app('rollup');
my $HOUR = 3600 * 1_000_000;
my $MIN = 60 * 1_000_000;
my $h0 = int(now_usec() / $HOUR) * $HOUR - 75 * $HOUR;   # three days ago and more, on the hour

# [offset from h0 in minutes, how many, level, message]
my @points = (
	[10, 3, 'ERROR', 'disk full'],
	[50, 2, 'WARNING', 'slow query'],
	[65, 4, 'ERROR', 'disk full'],
	[119, 1, 'INFO', 'started'],
	[120, 5, 'ERROR', 'timeout'],
	[179, 2, 'CRITICAL', 'disk full'],
	[210, 6, 'INFO', 'started'],
	[215, 1, 'ERROR', 'timeout'],
	[1500, 3, 'ERROR', 'disk full'],     # the next days: whole days for the daily table
	[2000, 2, 'WARNING', 'slow query'],
	[2890, 4, 'ERROR', 'timeout'],
	[3100, 1, 'INFO', 'started'],
	[4300, 2, 'CRITICAL', 'disk full'],
);
my @events;   # [received_usec, level, message]
for my $p (@points) {
	for my $i (1 .. $p->[1]) {
		push @events, [ $h0 + $p->[0] * $MIN + $i * 1000, $p->[2], $p->[3] ];
	}
}

# Edges inside minutes (offsets from h0 in microseconds): around each, events
# in the minute before, in its own minute before and after it, on it, on the
# next minute's first instant and in the minute after.
my $SEC = 1_000_000;
my %edge = (
	a => 20 * $MIN + 30 * $SEC + 500_000,      # 00:20:30.5 of h0's hour
	b => 212 * $MIN + 45 * $SEC + 250_000,     # 03:32:45.25
	c => 2890 * $MIN + 15 * $SEC,              # two days on, 00:10:15
	d => 60 * $MIN + 500_000,                  # 01:00:00.5, just past an hour
);
my @around = (-61 * $SEC, -30 * $SEC, -1, 0, 1, 29 * $SEC + 500_000, 60 * $SEC);
my @kinds = ([ 'ERROR', 'edge one' ], [ 'WARNING', 'edge two' ], [ 'ERROR', 'disk full' ],
	     [ 'INFO', 'edge one' ]);
my $k = 0;
for my $e (sort values %edge) {
	for my $d (@around) {
		push @events, [ $h0 + $e + $d, @{ $kinds[ $k++ % @kinds ] } ];
	}
}

my $values = join ', ', map {
	sprintf("(%d, usec_to_ts(%d), usec_to_ts(%d), '%s', '%s')",
		$app->{id}, $_->[0], $_->[0], $_->[1], $_->[2])
} @events;
ok(db_query("INSERT INTO events (application_id, occurred_at, received_at, level, message)"
	    . " VALUES $values"), 'events stored at past instants');

# Rebuild the counts from scratch.
ok(rollup_rebuild(7369731, 'rollup_state',
		  [qw(event_counts_hourly message_counts_hourly message_counts_daily
		      event_counts_minutely message_counts_minutely)], 20),
   'telltale-rollup counts them again');
my $rows = db_query("SELECT sum(count) FROM event_counts_hourly WHERE application_id = $app->{id}"
		    . " AND hour < usec_to_ts(" . ($h0 + 5 * $HOUR) . ")");
is($rows && $rows->[0][0], scalar(grep { $_->[0] < $h0 + 5 * $HOUR } @events),
   'the hourly table holds the past events');
$rows = db_query("SELECT sum(count) FROM message_counts_daily WHERE application_id = $app->{id}");
is($rows && $rows->[0][0], scalar @events, 'so does the daily message table');
# Each minute's counts are its events', by level and by message.
$rows = db_query("SELECT count(*) FROM (SELECT minute_floor(received_at), level, count(*)"
		 . "  FROM events WHERE application_id = $app->{id} GROUP BY 1, 2"
		 . " EXCEPT SELECT minute, level, count FROM event_counts_minutely"
		 . "  WHERE application_id = $app->{id}) x");
is($rows && $rows->[0][0], 0, 'the minute table holds each minute\'s events by level');
$rows = db_query("SELECT count(*) FROM (SELECT minute_floor(received_at), level, md5(message)::uuid,"
		 . "  min(message), count(*), max(received_at)"
		 . "  FROM events WHERE application_id = $app->{id} GROUP BY 1, 2, 3"
		 . " EXCEPT SELECT minute, level, message_md5, message, count, last_seen"
		 . "  FROM message_counts_minutely WHERE application_id = $app->{id}) x");
is($rows && $rows->[0][0], 0, 'the minute message table holds them by message');
$rows = db_query("SELECT (SELECT sum(count) FROM event_counts_minutely WHERE application_id = $app->{id}),"
		 . " (SELECT sum(count) FROM message_counts_minutely WHERE application_id = $app->{id})");
is_deeply($rows, [ [ scalar @events, scalar @events ] ], 'each event once in each minute table');

sub in_window {
	my ($since, $until, $level) = @_;
	return grep { $_->[0] >= $since && $_->[0] < $until && (!$level || $_->[1] eq $level) } @events;
}

sub expect_by_level {
	my %n;
	$n{ $_->[1] }++ for in_window(@_);
	return [ map { { level => $_, count => $n{$_} } }
		 sort { $n{$b} <=> $n{$a} || $a cmp $b } keys %n ];
}

sub expect_top {
	my ($since, $until, $level) = @_;
	my (%n, %last);
	for my $e (in_window($since, $until, $level)) {
		$n{ $e->[2] }++;
		$last{ $e->[2] } = $e->[0] if !$last{ $e->[2] } || $e->[0] > $last{ $e->[2] };
	}
	return [ map { [ $_, $n{$_}, $last{$_} ] }
		 sort { $n{$b} <=> $n{$a} || $last{$b} <=> $last{$a} } keys %n ];
}

sub expect_series {
	my ($since, $until, $width, $level) = @_;
	my %n;
	$n{ int($_->[0] / $width) * $width }++ for in_window($since, $until, $level);
	my @s;
	for (my $b = int($since / $width) * $width; $b <= int($until / $width) * $width; $b += $width) {
		push @s, [ $b, $n{$b} // 0 ];
	}
	return \@s;
}

my @windows = (
	[ 'edges inside hours', $h0 + 20 * $MIN, $h0 + 212 * $MIN ],
	[ 'edges on the hour', $h0, $h0 + 4 * $HOUR ],
	[ 'since at an event, until at another', $h0 + 10 * $MIN + 1000, $h0 + 120 * $MIN + 1000 ],
	[ 'inside one hour', $h0 + 5 * $MIN, $h0 + 55 * $MIN ],
	[ 'one whole hour', $h0 + $HOUR, $h0 + 2 * $HOUR ],
	[ 'up to now', $h0 - $HOUR, now_usec() ],
	[ 'whole days and hours around them', $h0 + 20 * $MIN, $h0 + 4350 * $MIN ],
	[ 'days on the edges', int($h0 / (24 * $HOUR)) * 24 * $HOUR, $h0 + 72 * $HOUR ],
);

# window_ok($name, $since, $until, $want, @intervals): by-level and
# top-messages (of all levels and of ERROR) over the window, and its series
# by each interval [NAME, width, of ERROR too], against what $want's by_level,
# top and series give.
sub window_ok {
	my ($name, $since, $until, $want, @intervals) = @_;
	my $q = 'since=' . fmt_usec($since) . '&until=' . fmt_usec($until);
	my $base = "/apps/$app->{id}/stats";

	my $r = req('GET', "$base/by-level?$q");
	is_deeply($r->{json}{items}, $want->{by_level}->($since, $until), "$name: by-level");
	for my $level (undef, 'ERROR') {
		my $lq = $level ? "&level=$level" : '';
		my $label = $level ? " ($level)" : '';
		$r = req('GET', "$base/top-messages?$q&limit=100$lq");
		my @got = map { [ $_->{message}, $_->{count}, ts_usec($_->{last_seen}) ] }
			@{ $r->{json}{items} || [] };
		is_deeply(\@got, $want->{top}->($since, $until, $level), "$name: top-messages$label");
		for my $iv (@intervals) {
			my ($iname, $width, $by_level) = @$iv;
			next if $level && !$by_level;
			$r = req('GET', "$base/timeseries?$q&interval=$iname$lq");
			my @series = map { [ ts_usec($_->{bucket_start}), $_->{count} ] }
				@{ $r->{json}{series} || [] };
			is_deeply(\@series, $want->{series}->($since, $until, $width, $level),
				  "$name: series by $iname$label");
		}
	}
}

my %expected = (by_level => \&expect_by_level, top => \&expect_top, series => \&expect_series);
for my $w (@windows) {
	my ($name, $since, $until) = @$w;
	window_ok($name, $since, $until, \%expected, [ HOUR => $HOUR, 1 ],
		  $until - $since <= 5 * $HOUR ? ([ MINUTE => $MIN, 0 ]) : ());
}

# Windows whose edges fall inside minutes, against the events themselves: the
# statement reads the whole minutes next to each edge from the minute counts,
# and the seconds between the edge and the minute from events.
sub db_by_level {
	my ($since, $until) = @_;
	return [ map { { level => $_->[0], count => $_->[1] } } @{ db_query(
		"SELECT level, count(*) FROM events WHERE application_id = $app->{id}"
		. " AND received_at >= usec_to_ts($since) AND received_at < usec_to_ts($until)"
		. " GROUP BY level ORDER BY 2 DESC, 1") } ];
}

sub db_top {
	my ($since, $until, $level) = @_;
	my $lw = $level ? " AND level = '$level'" : '';
	return db_query("SELECT min(message), count(*), ts_to_usec(max(received_at)) FROM events"
			. " WHERE application_id = $app->{id} AND received_at >= usec_to_ts($since)"
			. " AND received_at < usec_to_ts($until)$lw"
			. " GROUP BY md5(message) ORDER BY 2 DESC, 3 DESC");
}

sub db_series {
	my ($since, $until, $width, $level) = @_;
	my $lw = $level ? " AND level = '$level'" : '';
	my %n = map { $_->[0] => $_->[1] } @{ db_query(
		"SELECT ts_to_usec(date_bin($width * interval '1 microsecond', received_at,"
		. " timestamptz 'epoch')), count(*) FROM events WHERE application_id = $app->{id}"
		. " AND received_at >= usec_to_ts($since) AND received_at < usec_to_ts($until)$lw"
		. " GROUP BY 1") };
	my @s;
	for (my $b = int($since / $width) * $width; $b <= int($until / $width) * $width; $b += $width) {
		push @s, [ $b, $n{$b} // 0 ];
	}
	return \@s;
}

my @minute_windows = (
	[ 'mid-minute edges, hours between', $edge{a}, $edge{b} ],
	[ 'mid-minute edges, days between', $edge{a}, $edge{c} ],
	[ 'mid-minute edges in one hour', $edge{a}, $edge{a} + 17 * $MIN + 10 * $SEC ],
	[ 'both edges in one minute', $edge{a}, $edge{a} + 20 * $SEC ],
	[ 'since on the minute after an edge', $edge{a} + 29 * $SEC + 500_000, $edge{b} ],
	[ 'until a microsecond past an edge', $edge{d}, $edge{b} + 1 ],
	[ 'since just past an hour', $edge{d}, $edge{d} + 2 * $HOUR + 59 * $SEC ],
	[ 'until a minute before an edge', $edge{a} - 61 * $SEC, $edge{b} - 60 * $SEC ],
);
my %from_events = (by_level => \&db_by_level, top => \&db_top, series => \&db_series);
for my $w (@minute_windows) {
	window_ok($w->[0], $h0 + $w->[1], $h0 + $w->[2], \%from_events,
		  map { [ @$_, 1 ] } [ MINUTE => $MIN ], [ HOUR => $HOUR ], [ DAY => 24 * $HOUR ]);
}

# Ingested while the rollup is held off (its lock taken by another session):
# read from events, even in a window reaching hours past now.
my $holder = db_session('SELECT pg_advisory_lock(7369731), pg_sleep(30)');
ok(wait_for(10, sub {
	my $x = db_query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 7369731 AND granted");
	return $x && $x->[0][0] > 0;
}), 'the rollup is held off');
my @fresh = map { ingest($app, ev(level => 'DEBUG', message => 'fresh')) } 1 .. 3;
is(scalar(grep { $_->{status} == 201 } @fresh), 3, 'three fresh events ingested');
my $r = req('GET', "/apps/$app->{id}/stats/by-level?since=" . fmt_usec($h0 - $HOUR)
	    . '&until=' . fmt_usec(now_usec() + 3 * $HOUR));
my %count = map { $_->{level} => $_->{count} } @{ $r->{json}{items} || [] };
is($count{DEBUG}, 3, 'the fresh events count before they are rolled up');
is($count{ERROR}, scalar(grep { $_->[1] eq 'ERROR' } @events), 'with the rolled-up ones');
# The server keeps a session's sleep going after its client is gone: end it there.
ok(db_query("SELECT pg_terminate_backend(pid) FROM pg_locks"
	    . " WHERE locktype = 'advisory' AND objid = 7369731 AND granted"), 'the rollup is let go');
waitpid $holder, 0;

ok(wait_for(20, sub {
	my $x = db_query("SELECT coalesce(sum(count), 0) FROM event_counts_hourly"
			 . " WHERE application_id = $app->{id} AND level = 'DEBUG'");
	return $x && $x->[0][0] == 3;
}), 'and are rolled up within seconds');
$r = req('GET', "/apps/$app->{id}/stats/by-level?since=" . fmt_usec($h0 - $HOUR) . "&level=DEBUG");
my ($debug) = grep { $_->{level} eq 'DEBUG' } @{ $r->{json}{items} || [] };
is($debug && $debug->{count}, 3, 'counted once, not twice, after the rollup');
$rows = db_query("SELECT (SELECT sum(count) FROM event_counts_minutely"
		 . "  WHERE application_id = $app->{id} AND level = 'DEBUG'),"
		 . " (SELECT sum(count) FROM message_counts_minutely"
		 . "  WHERE application_id = $app->{id} AND level = 'DEBUG')");
is_deeply($rows, [ [ 3, 3 ] ], 'and once in each minute table');

is(req('DELETE', "/apps/$app->{id}")->{status}, 204, 'the application is deleted');
$rows = db_query("SELECT (SELECT count(*) FROM event_counts_hourly WHERE application_id = $app->{id})"
		 . " + (SELECT count(*) FROM message_counts_hourly WHERE application_id = $app->{id})"
		 . " + (SELECT count(*) FROM event_counts_minutely WHERE application_id = $app->{id})"
		 . " + (SELECT count(*) FROM message_counts_minutely WHERE application_id = $app->{id})");
is($rows && $rows->[0][0], 0, 'and its hourly and minute counts with it');

done_testing;
