#!/usr/bin/perl
# Statistics read whole hours from the hourly counts that telltale-rollup keeps,
# and the edges of a window from the events themselves. This test stores events
# at known past instants (with psql: ingest always stamps "now"), has the counts
# rebuilt from scratch, and checks every statistic over windows whose edges fall
# inside hours, on hour boundaries, and inside a single hour, against counts
# computed here. Then events ingested after the last rollup run (the raw tail)
# must add up with the rolled ones, and deleting the application must remove
# its hourly rows.
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

my $values = join ', ', map {
	sprintf("(%d, usec_to_ts(%d), usec_to_ts(%d), '%s', '%s')",
		$app->{id}, $_->[0], $_->[0], $_->[1], $_->[2])
} @events;
ok(db_query("INSERT INTO events (application_id, occurred_at, received_at, level, message)"
	    . " VALUES $values"), 'events stored at past instants');

# Rebuild the counts from scratch.
ok(rollup_rebuild(7369731, 'rollup_state',
		  [qw(event_counts_hourly message_counts_hourly message_counts_daily)], 20),
   'telltale-rollup counts them again');
my $rows = db_query("SELECT sum(count) FROM event_counts_hourly WHERE application_id = $app->{id}"
		    . " AND hour < usec_to_ts(" . ($h0 + 5 * $HOUR) . ")");
is($rows && $rows->[0][0], scalar(grep { $_->[0] < $h0 + 5 * $HOUR } @events),
   'the hourly table holds the past events');
$rows = db_query("SELECT sum(count) FROM message_counts_daily WHERE application_id = $app->{id}");
is($rows && $rows->[0][0], scalar @events, 'so does the daily message table');

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

for my $w (@windows) {
	my ($name, $since, $until) = @$w;
	my $q = 'since=' . fmt_usec($since) . '&until=' . fmt_usec($until);
	my $base = "/apps/$app->{id}/stats";

	my $r = req('GET', "$base/by-level?$q");
	is_deeply($r->{json}{items}, expect_by_level($since, $until), "$name: by-level");

	for my $level (undef, 'ERROR') {
		my $lq = $level ? "&level=$level" : '';
		my $label = $level ? " ($level)" : '';
		$r = req('GET', "$base/top-messages?$q&limit=100$lq");
		my @got = map { [ $_->{message}, $_->{count}, ts_usec($_->{last_seen}) ] }
			@{ $r->{json}{items} || [] };
		is_deeply(\@got, expect_top($since, $until, $level), "$name: top-messages$label");

		$r = req('GET', "$base/timeseries?$q&interval=HOUR$lq");
		my @series = map { [ ts_usec($_->{bucket_start}), $_->{count} ] }
			@{ $r->{json}{series} || [] };
		is_deeply(\@series, expect_series($since, $until, $HOUR, $level),
			  "$name: hourly series$label");
	}
	if ($until - $since <= 5 * $HOUR) {
		$r = req('GET', "$base/timeseries?$q&interval=MINUTE");
		my @series = map { [ ts_usec($_->{bucket_start}), $_->{count} ] }
			@{ $r->{json}{series} || [] };
		is_deeply(\@series, expect_series($since, $until, $MIN), "$name: series by minute");
	}
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

is(req('DELETE', "/apps/$app->{id}")->{status}, 204, 'the application is deleted');
$rows = db_query("SELECT (SELECT count(*) FROM event_counts_hourly WHERE application_id = $app->{id})"
		 . " + (SELECT count(*) FROM message_counts_hourly WHERE application_id = $app->{id})");
is($rows && $rows->[0][0], 0, 'and its hourly counts with it');

done_testing;
