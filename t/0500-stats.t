#!/usr/bin/perl
# Statistics over received_at: /stats/timeseries, /stats/by-level, /stats/top-messages.
# Expected counts are computed here from the received_at values ingest answered.
use strict;
use warnings;
use Test::More;
use Telltale;

use constant {
	MIN  => 60 * 1_000_000,
	HOUR => 3600 * 1_000_000,
	DAY  => 86400 * 1_000_000,
	WEEK => 7 * 86400 * 1_000_000,
};
my %WIDTH = (MINUTE => MIN, HOUR => HOUR, DAY => DAY, WEEK => WEEK);
my $MONDAY = 4 * DAY;      # 1970-01-05, the first Monday after the epoch

sub floor_bucket {
	my ($usec, $iv) = @_;
	my $w = $WIDTH{$iv};
	my $origin = $iv eq 'WEEK' ? $MONDAY : 0;
	my $d = $usec - $origin;
	my $q = int($d / $w);
	$q-- if $q * $w > $d;
	return $origin + $q * $w;
}

my $app = new_app('stats');

# message, level, in this order: A=3, B=2, C=2 (C seen last of the two), D=1, E=1 (E after D).
my @plan = ([ 'A', 'ERROR' ], [ 'B', 'ERROR' ], [ 'A', 'ERROR' ], [ 'B', 'ERROR' ], [ 'A', 'ERROR' ],
	    [ 'C', 'WARNING' ], [ 'D', 'WARNING' ], [ 'C', 'WARNING' ], [ 'E', 'INFO' ]);
my @got;     # {message, level, received_at (usec), text}
for my $p (@plan) {
	my ($msg, $level) = @$p;
	my $res = ingest($app, ev(message => $msg, level => $level));
	die "ingest: $res->{status} $res->{body}" unless $res->{status} == 201;
	push @got, { message => $msg, level => $level, received_at => ts_usec($res->{json}{received_at}),
		     text => $res->{json}{received_at} };
	Time::HiRes::sleep(0.002);
}
my ($first, $last) = (sort { $a <=> $b } map { $_->{received_at} } @got)[0, -1];

sub stat_get {
	my ($what, $query, $app_id) = @_;
	$app_id //= $app->{id};
	return req('GET', "/apps/$app_id/stats/$what" . (defined $query && length $query ? "?$query" : ''));
}

# The series expected for [since, until) at interval iv, optionally for one level.
sub expected_series {
	my ($iv, $since, $until, $level) = @_;
	my %n;
	for (@got) {
		next if defined $level && $_->{level} ne $level;
		next unless $_->{received_at} >= $since && $_->{received_at} < $until;
		$n{ floor_bucket($_->{received_at}, $iv) }++;
	}
	my @s;
	for (my $bk = floor_bucket($since, $iv); $bk <= floor_bucket($until, $iv); $bk += $WIDTH{$iv}) {
		push @s, [ $bk, $n{$bk} // 0 ];
	}
	return \@s;
}

# The bucket starts of a timeseries answer, and a list of timestamps, as instants.
sub starts_of { my ($res) = @_; return [ map { ts_usec($_->{bucket_start}) } @{ $res->{json}{series} || [] } ] }
sub instants { return [ map { ts_usec($_) } @_ ] }

sub series_of {
	my ($res) = @_;
	return [ map { [ ts_usec($_->{bucket_start}), $_->{count} ] } @{ $res->{json}{series} || [] } ];
}

# --- timeseries --------------------------------------------------------------------

for my $case (
	[ 'MINUTE', 'minute', $first - 7 * MIN - 123_456, $last + 3 * MIN ],
	[ 'HOUR',   'Hour',   $first - 5 * HOUR,          $last + 2 * HOUR ],
	[ 'DAY',    'dAy',    $first - 9 * DAY,           $last + DAY + 1 ],
	[ 'WEEK',   'week',   $first - 60 * DAY,          $last + 8 * DAY ],
) {
	my ($iv, $spell, $since, $until) = @$case;
	my ($s, $u) = (fmt_usec($since), fmt_usec($until));
	my $res = stat_get('timeseries', "interval=$spell&since=$s&until=$u");
	is($res->{status}, 200, "timeseries interval=$spell answers 200") or diag($res->{body});
	like($res->{headers}{'content-type'} // '', qr{^application/json}i, 'JSON');
	my $j = $res->{json} || {};
	is($j->{interval}, $iv, "interval=$spell is echoed as $iv");
	is(ts_usec($j->{since}), $since, 'since is echoed');
	is(ts_usec($j->{until}), $until, 'until is echoed');
	ok(is_rfc3339_z($j->{since}) && is_rfc3339_z($j->{until}), 'since and until are RFC 3339 UTC');
	my $want = expected_series($iv, $since, $until);
	is_deeply(series_of($res), $want,
		  sprintf('%s: every bucket from bucket(since) to bucket(until), %d of them, counts right',
			  $iv, scalar @$want));
	my @bad = grep { join(',', sort keys %$_) ne 'bucket_start,count' || !is_rfc3339_z($_->{bucket_start}) }
		@{ $j->{series} || [] };
	is(scalar @bad, 0, 'each point is {bucket_start, count} with an RFC 3339 bucket_start');
	my $sum = 0;
	$sum += $_->{count} for @{ $j->{series} || [] };
	is($sum, scalar @got, 'the counts add up to the events in the window');
	if ($iv eq 'WEEK') {
		my @not_monday = grep {
			my @t = gmtime(int(ts_usec($_->{bucket_start}) / 1_000_000));
			$t[6] != 1 || $t[2] || $t[1] || $t[0];
		} @{ $j->{series} || [] };
		is(scalar @not_monday, 0, 'WEEK buckets start on Monday 00:00Z');
		my $b0 = ts_usec($j->{series}[0]{bucket_start}) // 0;
		ok($b0 <= $since && $since < $b0 + WEEK, 'the first WEEK bucket holds since');
	}
}

{
	# Buckets are UTC boundaries even when since is given with an offset.
	my $since = floor_bucket($first, 'HOUR') - 3 * HOUR + 30 * MIN;
	my $s = fmt_usec($since + 5 * HOUR + 30 * MIN) =~ s/Z\z/%2B05:30/r;
	my $res = stat_get('timeseries', "interval=HOUR&since=$s&until=" . fmt_usec($last + 1));
	is(ts_usec($res->{json}{since}), $since, 'since with +05:30 is the same instant');
	is_deeply(series_of($res), expected_series('HOUR', $since, $last + 1), 'buckets on UTC hours');
	is(ts_usec($res->{json}{series}[0]{bucket_start}), $since - 30 * MIN, 'the first bucket starts on the hour');
}

{
	# A window with no events: zeros in every bucket, including the one holding until.
	my $res = stat_get('timeseries', 'interval=HOUR&since=2020-01-01T00:00:00Z&until=2020-01-02T00:00:00Z');
	is($res->{status}, 200, 'a window without events answers 200');
	my @s = @{ $res->{json}{series} || [] };
	is(scalar @s, 25, 'one day at HOUR: 25 buckets (the one holding until included)');
	is(scalar(grep { $_->{count} != 0 } @s), 0, 'all zero');
	is(ts_usec($s[0]{bucket_start}), ts_usec('2020-01-01T00:00:00Z'), 'first bucket');
	is(ts_usec($s[-1]{bucket_start}), ts_usec('2020-01-02T00:00:00Z'), 'last bucket');

	$res = stat_get('timeseries', 'interval=DAY&since=2026-03-04T10:00:00Z&until=2026-03-05T09:00:00Z');
	is_deeply(starts_of($res), instants('2026-03-04T00:00:00Z', '2026-03-05T00:00:00Z'),
		  'DAY buckets start at 00:00Z');
	$res = stat_get('timeseries', 'interval=WEEK&since=2026-03-04T10:00:00Z&until=2026-03-20T00:00:00Z');
	is_deeply(starts_of($res), instants('2026-03-02T00:00:00Z', '2026-03-09T00:00:00Z', '2026-03-16T00:00:00Z'),
		  'WEEK buckets of March 2026 start on the Mondays 2, 9 and 16');
	$res = stat_get('timeseries', 'interval=WEEK&since=2026-03-09T00:00:00Z&until=2026-03-15T23:59:59Z');
	is_deeply(starts_of($res), instants('2026-03-09T00:00:00Z'), 'Monday to Sunday is one WEEK bucket');
	$res = stat_get('timeseries', 'interval=MINUTE&since=2026-03-04T10:00:30Z&until=2026-03-04T10:02:00Z');
	is_deeply(starts_of($res), instants('2026-03-04T10:00:00Z', '2026-03-04T10:01:00Z', '2026-03-04T10:02:00Z'),
		  'MINUTE buckets');
}

{
	# The level filter.
	my ($since, $until) = ($first - 2 * MIN, $last + MIN);
	my $q = 'interval=MINUTE&since=' . fmt_usec($since) . '&until=' . fmt_usec($until);
	for my $level (qw(ERROR WARNING INFO DEBUG)) {
		my $res = stat_get('timeseries', "$q&level=" . lc $level);
		is_deeply(series_of($res), expected_series('MINUTE', $since, $until, $level),
			  "timeseries level=" . lc($level) . " counts only $level");
	}
	error_ok(stat_get('timeseries', "$q&level=LOUD"), 422, 'VALIDATION', 'level', 'a bad level is 422');

	# since inclusive, until exclusive.
	my $mid = $got[4];
	my $res = stat_get('timeseries', "interval=DAY&since=$mid->{text}&until=" . fmt_usec($last + 1));
	my $sum = 0;
	$sum += $_->{count} for @{ $res->{json}{series} || [] };
	is($sum, scalar(grep { $_->{received_at} >= $mid->{received_at} } @got), 'since is inclusive');
	$res = stat_get('timeseries', 'interval=DAY&since=' . fmt_usec($first - 1) . "&until=$mid->{text}");
	$sum = 0;
	$sum += $_->{count} for @{ $res->{json}{series} || [] };
	is($sum, scalar(grep { $_->{received_at} < $mid->{received_at} } @got), 'until is exclusive');
}

{
	# Defaults: HOUR, until = now, since = until - 24 h.
	my $before = now_usec();
	my $res = stat_get('timeseries', '');
	my $after = now_usec();
	is($res->{status}, 200, 'timeseries without parameters answers 200');
	my $j = $res->{json} || {};
	is($j->{interval}, 'HOUR', 'the default interval is HOUR');
	my ($s, $u) = (ts_usec($j->{since}), ts_usec($j->{until}));
	ok(defined $u && $u >= $before - 5_000_000 && $u <= $after + 5_000_000, 'until defaults to now')
		or diag("until $j->{until}");
	is(defined $u && defined $s ? $u - $s : undef, DAY, 'since defaults to until - 24 h exactly');
	is_deeply(series_of($res), expected_series('HOUR', $s // 0, $u // 0), 'the default window has the events');
	my $n = @{ $j->{series} || [] };
	ok($n == 24 || $n == 25, "24 h at HOUR is 24 or 25 buckets ($n)");

	my $until = $last + 10 * MIN;
	$res = stat_get('timeseries', 'until=' . fmt_usec($until));
	is(ts_usec($res->{json}{since}), $until - DAY, 'with only until, since is until - 24 h');
	$res = stat_get('timeseries', 'since=' . fmt_usec($first - HOUR));
	my $u2 = ts_usec($res->{json}{until}) // 0;
	ok(abs($u2 - now_usec()) < 10_000_000, 'with only since, until is now');
	$res = stat_get('timeseries', 'since=' . fmt_usec(now_usec() + HOUR));
	error_ok($res, 400, 'BAD_REQUEST', undef, 'only since, in the future (so after now) is 400');
}

{
	# More than 10,000 buckets.
	my $t0 = ts_usec('2020-01-01T00:00:00Z');
	my $res = stat_get('timeseries', 'interval=MINUTE&since=2020-01-01T00:00:00Z&until=' . fmt_usec($t0 + 9999 * MIN));
	is($res->{status}, 200, 'exactly 10,000 MINUTE buckets answer 200');
	is(scalar @{ $res->{json}{series} || [] }, 10_000, 'with 10,000 buckets');
	$res = stat_get('timeseries', 'interval=MINUTE&since=2020-01-01T00:00:00Z&until=' . fmt_usec($t0 + 10_000 * MIN));
	error_ok($res, 422, 'VALIDATION', 'interval', '10,001 MINUTE buckets are 422 naming interval');
	error_ok(stat_get('timeseries', 'interval=MINUTE&since=2026-01-01&until=2026-02-01'), 422, 'VALIDATION',
		 'interval', 'a month at MINUTE is 422');
	error_ok(stat_get('timeseries', 'interval=HOUR&since=2020-01-01&until=2026-01-01'), 422, 'VALIDATION',
		 'interval', 'six years at HOUR is 422');
	error_ok(stat_get('timeseries', 'interval=DAY&since=1900-01-01&until=2026-01-01'), 422, 'VALIDATION',
		 'interval', '126 years at DAY is 422');
	error_ok(stat_get('timeseries', 'interval=WEEK&since=0001-01-01&until=9999-12-31'), 422, 'VALIDATION',
		 'interval', 'all of time at WEEK is 422');
	is(stat_get('timeseries', 'interval=DAY&since=2000-01-01&until=2026-01-01')->{status}, 200,
	   '26 years at DAY (9498 buckets) answer 200');
}

for my $bad ('SECOND', '', 'hours', 'MONTH', '%zz', '1') {
	error_ok(stat_get('timeseries', "interval=$bad"), 422, 'VALIDATION', 'interval', "interval=$bad is 422");
}

# --- by-level ------------------------------------------------------------------------------

{
	my ($since, $until) = (fmt_usec($first - MIN), fmt_usec($last + MIN));
	my $res = stat_get('by-level', "since=$since&until=$until");
	is($res->{status}, 200, 'by-level answers 200');
	like($res->{headers}{'content-type'} // '', qr{^application/json}i, 'JSON');
	my $j = $res->{json} || {};
	is_deeply($j->{items}, [ { level => 'ERROR', count => 5 }, { level => 'WARNING', count => 3 },
				 { level => 'INFO', count => 1 } ],
		  'by-level: counts descending, levels without events left out');
	is(ts_usec($j->{since}), ts_usec($since), 'since echoed');
	is(ts_usec($j->{until}), ts_usec($until), 'until echoed');

	$res = stat_get('by-level', "since=$got[5]{text}&until=$until");
	is_deeply($res->{json}{items}, [ { level => 'WARNING', count => 3 }, { level => 'INFO', count => 1 } ],
		  'since is inclusive (from the first WARNING on)');
	$res = stat_get('by-level', "since=$since&until=$got[5]{text}");
	is_deeply($res->{json}{items}, [ { level => 'ERROR', count => 5 } ], 'until is exclusive');

	$res = stat_get('by-level', '');
	is($res->{status}, 200, 'by-level without a window answers 200');
	is_deeply($res->{json}{items}, [ { level => 'ERROR', count => 5 }, { level => 'WARNING', count => 3 },
					 { level => 'INFO', count => 1 } ], 'the default window (last 24 h) has them');
	is((ts_usec($res->{json}{until}) // 0) - (ts_usec($res->{json}{since}) // 0), DAY,
	   'the default window is 24 h');

	$res = stat_get('by-level', 'since=2020-01-01&until=2020-01-02');
	is_deeply($res->{json}{items}, [], 'an empty window has no items');
}

# --- top-messages --------------------------------------------------------------------------

{
	my %last;
	for (@got) { $last{ $_->{message} } = $_->{received_at} }
	my ($since, $until) = (fmt_usec($first - MIN), fmt_usec($last + MIN));
	my $res = stat_get('top-messages', "since=$since&until=$until");
	is($res->{status}, 200, 'top-messages answers 200');
	like($res->{headers}{'content-type'} // '', qr{^application/json}i, 'JSON');
	my $j = $res->{json} || {};
	is($j->{limit}, 10, 'the default limit is 10 and echoed');
	my @items = @{ $j->{items} || [] };
	is_deeply([ map { "$_->{message}=$_->{count}" } @items ], [qw(A=3 C=2 B=2 E=1 D=1)],
		  'ordered by count desc, then last_seen desc');
	my @bad = grep { join(',', sort keys %$_) ne 'count,last_seen,message' } @items;
	is(scalar @bad, 0, 'each item is {message, count, last_seen}');
	is_deeply({ map { $_->{message} => ts_usec($_->{last_seen}) } @items }, \%last,
		  'last_seen is the last received_at of the message');
	is(scalar(grep { !is_rfc3339_z($_->{last_seen}) } @items), 0, 'last_seen is RFC 3339 UTC');

	$res = stat_get('top-messages', "since=$since&until=$until&limit=2");
	is($res->{json}{limit}, 2, 'limit=2 is echoed');
	is_deeply([ map { $_->{message} } @{ $res->{json}{items} || [] } ], [qw(A C)], 'limit=2 keeps the top 2');
	$res = stat_get('top-messages', "since=$since&until=$until&limit=100");
	is($res->{json}{limit}, 100, 'limit=100 is allowed');
	is(scalar @{ $res->{json}{items} || [] }, 5, 'and lists all 5 messages');
	$res = stat_get('top-messages', "since=$since&until=$until&limit=1");
	is_deeply([ map { $_->{message} } @{ $res->{json}{items} || [] } ], [qw(A)], 'limit=1');

	$res = stat_get('top-messages', "since=$since&until=$until&level=warning");
	is_deeply([ map { "$_->{message}=$_->{count}" } @{ $res->{json}{items} || [] } ], [qw(C=2 D=1)],
		  'level=warning counts only WARNING events');
	$res = stat_get('top-messages', "since=$since&until=$until&level=CRITICAL");
	is_deeply($res->{json}{items}, [], 'a level without events has no items');
	error_ok(stat_get('top-messages', 'level=nope'), 422, 'VALIDATION', 'level', 'a bad level is 422');

	$res = stat_get('top-messages', "since=$got[2]{text}&until=$got[7]{text}");
	is_deeply([ map { "$_->{message}=$_->{count}" } @{ $res->{json}{items} || [] } ], [qw(A=2 D=1 C=1 B=1)],
		  'the window [3rd event, 8th event) counts A twice, then D, C, B by last_seen');

	for my $bad ('0', '101', '-1', 'abc', '', '1.5', '%zz') {
		error_ok(stat_get('top-messages', "limit=$bad"), 422, 'VALIDATION', 'limit', "limit=$bad is 422");
	}
	$res = stat_get('top-messages', '');
	is($res->{status}, 200, 'top-messages without parameters answers 200');
	is(scalar @{ $res->{json}{items} || [] }, 5, 'the default window has the 5 messages');
}

# --- errors shared by all three ---------------------------------------------------------------

for my $what (qw(timeseries by-level top-messages)) {
	my $res = stat_get($what, 'since=2026-02-10T10:00:00Z&until=2026-02-10T09:00:00Z');
	error_ok($res, 400, 'BAD_REQUEST', undef, "$what: since after until is 400");
	is($res->{json}{message}, 'since must be earlier than until', "$what: the message");
	$res = stat_get($what, 'since=2026-02-10T10:00:00Z&until=2026-02-10T12:00:00%2B02:00');
	error_ok($res, 400, 'BAD_REQUEST', undef, "$what: since equal to until (other offset) is 400");
	error_ok(stat_get($what, 'since=yesterday'), 422, 'VALIDATION', 'since', "$what: a bad since is 422");
	error_ok(stat_get($what, 'until=2026-02-30'), 422, 'VALIDATION', 'until', "$what: a bad until is 422");
	error_ok(stat_get($what, '', '9223372036854775807'), 404, 'NOT_FOUND', undef, "$what: an unknown app is 404");
	error_ok(stat_get($what, '', 'abc'), 404, 'NOT_FOUND', undef, "$what: /apps/abc is 404");
	my $empty = new_app("stats-empty-$what");
	$res = stat_get($what, '', $empty->{id});
	is($res->{status}, 200, "$what: an app without events answers 200");
}

{
	my $empty = new_app('stats-empty');
	my $res = stat_get('timeseries', 'interval=DAY&since=2026-01-01&until=2026-01-03', $empty->{id});
	is_deeply([ map { $_->{count} } @{ $res->{json}{series} || [] } ], [ 0, 0, 0 ],
		  'an app without events has zero buckets');
	is_deeply(stat_get('by-level', '', $empty->{id})->{json}{items}, [], 'and no levels');
	is_deeply(stat_get('top-messages', '', $empty->{id})->{json}{items}, [], 'and no messages');
}

done_testing;
