#!/usr/bin/perl
# GET /apps/{app_id}/events (paging, order, filters) and GET /apps/{app_id}/events/{id}.
use strict;
use warnings;
use Test::More;
use Telltale;

my $app = new_app('list');
my @LEVELS = qw(DEBUG INFO WARNING ERROR CRITICAL);

# What the test stored: {id, received_at (usec), level, message}.
my @mine;
for my $i (0 .. 24) {
	my $level = $LEVELS[ $i % 5 ];
	my %extra = $i == 3 ? (event_id => 'dddddddddddddddddddddddddddddd03',
			       stack => { frames => [ { f => 'a.c', l => 3 } ] }, tags => { env => 'prod' })
		  : ();
	my $res = ingest($app, ev(level => lc $level, message => "list-$i", %extra));
	die "ingest $i: $res->{status} $res->{body}" unless $res->{status} == 201;
	push @mine, { id => $res->{json}{id}, received_at => ts_usec($res->{json}{received_at}),
		      received_text => $res->{json}{received_at}, level => $level, message => "list-$i" };
}
{
	# A batch is one transaction: its events may share received_at; then id decides.
	my $res = ingest($app, [ map { ev(level => 'INFO', message => "batch-$_") } 0 .. 2 ]);
	die "bulk: $res->{status}" unless $res->{status} == 201;
	for my $i (0 .. 2) {
		my $id = $res->{json}{ids}[$i];
		my $e = req('GET', "/apps/$app->{id}/events/$id")->{json};
		push @mine, { id => $id, received_at => ts_usec($e->{received_at}),
			      received_text => $e->{received_at}, level => 'INFO', message => "batch-$i" };
	}
}
my $total = @mine;     # 28

sub newest_first { return sort { $b->{received_at} <=> $a->{received_at} || $b->{id} <=> $a->{id} } @_ }
sub ids { return [ map { $_->{id} } @_ ] }

sub page {
	my ($query) = @_;
	my $res = req('GET', "/apps/$app->{id}/events" . (defined $query ? "?$query" : ''));
	return $res;
}

# --- shape and order ----------------------------------------------------------------

{
	my $res = page('limit=50');
	is($res->{status}, 200, 'GET /apps/{id}/events answers 200');
	like($res->{headers}{'content-type'} // '', qr{^application/json}i, 'JSON');
	is_deeply([ sort keys %{ $res->{json} || {} } ], [qw(items next_cursor next_offset)],
		  'the page is {items, next_cursor, next_offset}');
	my @items = @{ $res->{json}{items} || [] };
	is(scalar @items, $total, "all $total events on a page of 50");
	ok(exists $res->{json}{next_offset} && !defined $res->{json}{next_offset}, 'next_offset is null');
	is_deeply(ids(@items), ids(newest_first(@mine)), 'newest first: received_at desc, then id desc');

	my @bad = grep { join(',', sort keys %$_) ne
			 'application_id,context,environment,event_id,id,issue_id,level,message,occurred_at,'
			 . 'received_at,release,stack,tags' } @items;
	is(scalar @bad, 0, 'every item has exactly the EVENT fields');
	my ($three) = grep { $_->{message} eq 'list-3' } @items;
	is(lc($three->{event_id} =~ s/-//gr), 'dddddddddddddddddddddddddddddd03', 'event_id is listed');
	is_deeply($three->{stack}, { frames => [ { f => 'a.c', l => 3 } ] }, 'stack is listed as JSON');
	is_deeply($three->{tags}, { env => 'prod' }, 'tags are listed as JSON');
	my ($four) = grep { $_->{message} eq 'list-4' } @items;
	ok(exists $four->{event_id} && !defined $four->{event_id}, 'event_id null when absent');
	ok(exists $four->{stack} && !defined $four->{stack}, 'stack null when absent');
	ok(exists $four->{tags} && !defined $four->{tags}, 'tags null when absent');
	is($four->{level}, 'CRITICAL', 'level stored uppercase');
	is($four->{application_id}, $app->{id}, 'application_id');
	my @fmt = grep { !is_rfc3339_z($_->{received_at}) || !is_rfc3339_z($_->{occurred_at}) } @items;
	is(scalar @fmt, 0, 'timestamps are RFC 3339 UTC');
	my %rt = map { $_->{id} => $_->{received_at} } @mine;
	is_deeply({ map { $_->{id} => ts_usec($_->{received_at}) } @items }, \%rt,
		  'received_at in the list is what ingest answered');

	my @batch = grep { $_->{message} =~ /^batch-/ } @items;
	is_deeply(ids(@batch), [ sort { $b <=> $a } @{ ids(@batch) } ],
		  'events of one batch come newest id first');

	# GET one event
	my $one = req('GET', "/apps/$app->{id}/events/$three->{id}");
	is($one->{status}, 200, 'GET /apps/{id}/events/{id} answers 200');
	is_deeply($one->{json}, $three, 'and is the listed EVENT');
	is(req('GET', "/apps/$app->{id}/events/$three->{id}/")->{status}, 200, 'with a trailing slash too');
}

# --- limit, offset, next_offset ----------------------------------------------------------

{
	my $res = page();
	is(scalar @{ $res->{json}{items} || [] }, 20, 'the default limit is 20');
	is($res->{json}{next_offset}, 20, 'next_offset is 20');
	$res = page('offset=20');
	is(scalar @{ $res->{json}{items} || [] }, $total - 20, 'offset=20 shows the rest');
	ok(!defined $res->{json}{next_offset}, 'and next_offset is null on the last page');

	my @all = newest_first(@mine);
	for my $limit (1, 4, 5, 7, 50) {
		my ($offset, @seen, @offsets) = (0);
		for (1 .. 100) {
			my $r = page("limit=$limit&offset=$offset");
			last unless $r->{status} == 200;
			my @items = @{ $r->{json}{items} };
			push @seen, @items;
			push @offsets, $r->{json}{next_offset};
			last unless defined $r->{json}{next_offset};
			$offset = $r->{json}{next_offset};
		}
		is_deeply(ids(@seen), ids(@all), "paging by $limit visits every event once, in order");
		my $pages = int(($total + $limit - 1) / $limit);
		my @want = ((map { $_ * $limit } 1 .. $pages - 1), undef);
		is_deeply(\@offsets, \@want, "paging by $limit: next_offset " .
			  join(',', map { $_ // 'null' } @want));
	}
	# The exact-multiple case: 28 = 4 * 7, so the fourth page is the last.
	$res = page('limit=7&offset=21');
	is(scalar @{ $res->{json}{items} }, 7, 'limit=7&offset=21 shows the last 7');
	ok(exists $res->{json}{next_offset} && !defined $res->{json}{next_offset},
	   'next_offset is null when the last page is exactly full');
	$res = page('limit=7&offset=20');
	is($res->{json}{next_offset}, 27, 'next_offset is offset + limit when one more follows');
	$res = page('limit=5&offset=3');
	is_deeply(ids(@{ $res->{json}{items} }), ids(@all[3 .. 7]), 'offset=3&limit=5 shows events 3-7');
	is($res->{json}{next_offset}, 8, 'next_offset 8');
	$res = page("offset=$total");
	is_deeply($res->{json}{items}, [], 'an offset at the end gives no items');
	ok(!defined $res->{json}{next_offset}, 'and next_offset null');
	$res = page('offset=10000');
	is($res->{status}, 200, 'an offset far past the end (10,000) answers 200');
	is_deeply($res->{json}{items}, [], 'with no items');
	error_ok(page('offset=1000000'), 422, 'VALIDATION', 'offset', 'an offset past 10,000 is 422: page by cursor');
	is(page('limit=50&offset=0')->{status}, 200, 'limit=50 is allowed');
	is(scalar @{ page('limit=1')->{json}{items} }, 1, 'limit=1 gives one item');
	is(page('foo=bar&limit=2&x=%zz')->{status}, 200, 'unknown parameters are ignored, even malformed');

	for my $bad ('0', '51', '-1', 'abc', '1.5', '', '1e1', '%205', '5x', '99999999999999999999', '%zz', '0x10') {
		error_ok(page("limit=$bad"), 422, 'VALIDATION', 'limit', "limit=$bad is 422");
	}
	error_ok(page('limit'), 422, 'VALIDATION', 'limit', 'a bare limit is 422');
	for my $bad ('-1', 'abc', '1.5', '', '99999999999999999999', '%zz') {
		error_ok(page("offset=$bad"), 422, 'VALIDATION', 'offset', "offset=$bad is 422");
	}
}

# --- level ---------------------------------------------------------------------------------

for my $level (@LEVELS) {
	my @want = grep { $_->{level} eq $level } newest_first(@mine);
	for my $spell ($level, lc $level, ucfirst lc $level) {
		my $res = page("limit=50&level=$spell");
		is($res->{status}, 200, "level=$spell answers 200");
		is_deeply(ids(@{ $res->{json}{items} || [] }), ids(@want), "level=$spell lists the $level events");
	}
}
for my $bad ('FATAL', '', 'ERR', 'ERROR,INFO') {
	error_ok(page("level=$bad"), 422, 'VALIDATION', 'level', "level=$bad is 422");
}

# --- since / until on received_at -----------------------------------------------------------

{
	my @asc = reverse newest_first(@mine);
	my ($lo, $hi) = ($asc[5], $asc[15]);
	my $expect = sub {
		my ($since, $until) = @_;
		return ids(grep { (!defined $since || $_->{received_at} >= $since)
				   && (!defined $until || $_->{received_at} < $until) } newest_first(@mine));
	};

	my $res = page("limit=50&since=$lo->{received_text}");
	is_deeply(ids(@{ $res->{json}{items} || [] }), $expect->($lo->{received_at}, undef),
		  'since is inclusive (the event received at since is listed)');
	ok((grep { $_->{id} == $lo->{id} } @{ $res->{json}{items} || [] }), 'that event is there');

	$res = page("limit=50&until=$hi->{received_text}");
	is_deeply(ids(@{ $res->{json}{items} || [] }), $expect->(undef, $hi->{received_at}),
		  'until is exclusive (the event received at until is not listed)');
	ok(!(grep { $_->{id} == $hi->{id} } @{ $res->{json}{items} || [] }), 'that event is not there');

	$res = page("limit=50&since=$lo->{received_text}&until=$hi->{received_text}");
	is_deeply(ids(@{ $res->{json}{items} || [] }), $expect->($lo->{received_at}, $hi->{received_at}),
		  'since and until together');

	$res = page("limit=50&since=$lo->{received_text}&until=$hi->{received_text}&level=info");
	my @want = grep { my $id = $_; grep { $_->{id} == $id && $_->{level} eq 'INFO' } @mine }
		@{ $expect->($lo->{received_at}, $hi->{received_at}) };
	is_deeply(ids(@{ $res->{json}{items} || [] }), \@want, 'since, until and level together');

	$res = page("limit=2&since=$lo->{received_text}&until=$hi->{received_text}");
	is($res->{json}{next_offset}, 2, 'next_offset counts within the filter');

	# Other spellings of the same instants.
	my $unix = sprintf '%d.%06d', int($lo->{received_at} / 1e6), $lo->{received_at} % 1_000_000;
	$res = page("limit=50&since=$unix");
	is_deeply(ids(@{ $res->{json}{items} || [] }), $expect->($lo->{received_at}, undef),
		  'since as Unix seconds with a fraction');
	my $plus = fmt_usec($lo->{received_at} + 2 * 3600 * 1_000_000) =~ s/Z\z/+02:00/r;
	$res = page("limit=50&since=" . ($plus =~ s/\+/%2B/r));
	is_deeply(ids(@{ $res->{json}{items} || [] }), $expect->($lo->{received_at}, undef),
		  'since with a +02:00 offset (escaped)');
	$res = page("limit=50&since=$plus");
	is($res->{status}, 200, 'since with an unescaped + (read as a blank) answers 200');
	is_deeply(ids(@{ $res->{json}{items} || [] }), $expect->($lo->{received_at}, undef),
		  'and means the same instant');

	my $later = fmt_usec($lo->{received_at} + 1);
	$res = page("limit=50&since=$later");
	ok(!(grep { $_->{id} == $lo->{id} } @{ $res->{json}{items} || [] }),
	   'since one microsecond later leaves that event out');

	my $day = substr($lo->{received_text}, 0, 10);
	$res = page("limit=50&since=$day");
	is($res->{status}, 200, 'since as a bare date answers 200');
	my $tomorrow = fmt_usec(ts_usec($day) + 86400 * 1_000_000);
	$res = page("limit=50&since=$tomorrow");
	is_deeply($res->{json}{items}, [], 'since tomorrow lists nothing');

	for my $pair ([ $hi->{received_text}, $lo->{received_text}, 'since after until' ],
		      [ $lo->{received_text}, $lo->{received_text}, 'since equal to until' ]) {
		my ($s, $u, $what) = @$pair;
		$res = page("since=$s&until=$u");
		error_ok($res, 400, 'BAD_REQUEST', undef, "$what is 400");
		is($res->{json}{message}, 'since must be earlier than until', "$what: the message");
	}
	for my $bad ('yesterday', '2026-02-30', '2026-02-10T10:00:00+25:00', '', '1e308', '%zz', 'abc') {
		error_ok(page("since=$bad"), 422, 'VALIDATION', 'since', "since=$bad is 422");
		error_ok(page("until=$bad"), 422, 'VALIDATION', 'until', "until=$bad is 422");
	}
}

# --- 404s --------------------------------------------------------------------------------------

{
	my $other = new_app('list-other');
	my $theirs = ingest($other, ev(message => 'not yours'))->{json}{id};
	error_ok(req('GET', "/apps/$app->{id}/events/$theirs"), 404, 'NOT_FOUND', undef,
		 'another app\'s event is 404 here');
	is(req('GET', "/apps/$other->{id}/events/$theirs")->{status}, 200, 'and 200 under its app');
	is_deeply(ids(@{ req('GET', "/apps/$other->{id}/events")->{json}{items} || [] }), [ $theirs ],
		  'each app lists only its own events');
	for my $eid ('abc', '0', '-1', '99999999999999999999', '9223372036854775807', '1.0') {
		error_ok(req('GET', "/apps/$app->{id}/events/$eid"), 404, 'NOT_FOUND', undef,
			 "GET /apps/{id}/events/$eid is 404");
	}
	for my $aid ('9223372036854775807', 'abc', '0', '99999999999999999999') {
		error_ok(req('GET', "/apps/$aid/events"), 404, 'NOT_FOUND', undef, "GET /apps/$aid/events is 404");
		error_ok(req('GET', "/apps/$aid/events/$mine[0]{id}"), 404, 'NOT_FOUND', undef,
			 "GET /apps/$aid/events/{id} is 404");
	}
	my $empty = new_app('list-empty');
	my $res = req('GET', "/apps/$empty->{id}/events");
	is($res->{status}, 200, 'an app without events answers 200');
	is_deeply($res->{json}, { items => [], next_cursor => undef, next_offset => undef },
		  'with no items, next_cursor and next_offset null');
}

done_testing;
