#!/usr/bin/perl
# Paging at depth (docs/api.md, "Paging"): the collections listed newest first
# (an application's events, request logs, a rule's alert events) take a
# cursor and answer next_cursor; a walk by cursor sees every row once, and
# rows that arrive meanwhile do not shift it. offset works up to 10,000:
# past it, and with a cursor, 422; next_offset is null past 10,000.
use strict;
use warnings;
use Test::More;
use Telltale;

my $tag = "page$$-" . time();

# Walks $path (with its query) by cursor, $limit a page; returns the ids
# seen, in order, and the number of pages. $between runs after the first page.
sub walk {
	my ($path, $limit, $between) = @_;
	my (@ids, $cursor);
	my $pages = 0;
	for (1 .. 1000) {
		my $sep = $path =~ /\?/ ? '&' : '?';
		my $res = req('GET', "$path${sep}limit=$limit" . (defined $cursor ? "&cursor=$cursor" : ''));
		return (undef, "status $res->{status}: " . ($res->{body} // '')) unless $res->{status} == 200;
		$pages++;
		push @ids, map { $_->{id} } @{ $res->{json}{items} };
		$cursor = $res->{json}{next_cursor};
		$between->() if $between && $pages == 1;
		last unless defined $cursor;
		return (undef, "next_offset beside a cursor page") if defined $res->{json}{next_offset} && $pages > 1;
	}
	return (\@ids, $pages);
}

sub distinct { my %s; return scalar grep { !$s{$_}++ } @_ }

# --- request logs ----------------------------------------------------------------
my $svc = new_service("paging-$tag");
my $key = new_key($svc)->{raw_key};
for my $i (1 .. 45) {
	ingest_log($key, log_ev(path => "/v1/page/$i", status_code => 200 + $i % 3));
}
my @all = map { $_->{id} } logs_of("service_id=$svc->{id}");
is(scalar @all, 45, '45 logs of the service');
{
	my ($ids, $pages) = walk("/v1/logs?service_id=$svc->{id}", 10, sub {
		ingest_log($key, log_ev(path => "/v1/page/late-$_")) for 1 .. 5;
	});
	is_deeply($ids, \@all, 'a walk by cursor, 10 a page, sees the 45 logs once, in order,'
		  . ' though 5 arrived after its first page') or diag("pages: $pages");
	is($pages, 5, '  in five pages');
	my ($filtered) = walk("/v1/logs?service_id=$svc->{id}&status_code=201", 4);
	my @want = map { $_->{id} } logs_of("service_id=$svc->{id}&status_code=201");
	is_deeply($filtered, \@want, 'a filtered walk by cursor sees the filtered logs');
	my $first = req('GET', "/v1/logs?service_id=$svc->{id}&limit=10")->{json};
	like($first->{next_cursor} // '', qr/\A[A-Za-z0-9._~-]+\z/, 'next_cursor is URL-safe');
	is($first->{next_offset}, 10, 'a first page answers next_offset too');
	my $second = req('GET', "/v1/logs?service_id=$svc->{id}&limit=10&cursor=$first->{next_cursor}")->{json};
	ok(!defined $second->{next_offset}, '  a page by cursor answers next_offset null');
}

# --- offsets: up to 10,000 -----------------------------------------------------------
{
	my $res = req('GET', "/v1/logs?service_id=$svc->{id}&limit=20&offset=10000");
	is($res->{status}, 200, 'offset 10,000 is answered');
	my $near = req('GET', '/v1/logs?limit=50&offset=9990')->{json};
	ok(!defined $near->{next_offset}, 'next_offset is null past 10,000 (offset 9,990 + 50)');
	error_ok(req('GET', "/v1/logs?offset=10001"), 422, 'VALIDATION', 'offset', 'offset 10,001: 422 naming offset');
	like(req('GET', '/v1/logs?offset=10001')->{json}{message} // '', qr/cursor/, '  pointing to cursor');
	my $c = req('GET', "/v1/logs?service_id=$svc->{id}&limit=10")->{json}{next_cursor};
	error_ok(req('GET', "/v1/logs?cursor=$c&offset=0"), 422, 'VALIDATION', 'cursor', 'a cursor with an offset: 422');
	for my $bad ('x', '1.2', "1.$svc->{id}x", '%27%20OR%201%3D1', '99999999999999999999.' . $svc->{id}) {
		error_ok(req('GET', "/v1/logs?cursor=$bad"), 422, 'VALIDATION', 'cursor', "cursor '$bad': 422");
	}
	error_ok(req('GET', "/apps/1/events?offset=20000"), 422, 'VALIDATION', 'offset', 'events: offset 20,000: 422');
}

# --- an application's events ---------------------------------------------------------
{
	my $app = new_app("paging-$tag");
	ingest($app, [ map { ev(message => "page event $_", level => $_ % 2 ? 'ERROR' : 'INFO') } 1 .. 23 ]);
	my @want = map { $_->{id} } @{ req('GET', "/apps/$app->{id}/events?limit=50")->{json}{items} };
	is(scalar @want, 23, '23 events');
	my ($ids, $pages) = walk("/apps/$app->{id}/events", 5, sub {
		ingest($app, ev(message => 'late event'));
	});
	is_deeply($ids, \@want, "a walk by cursor sees the application's 23 events once, in order");
	is($pages, 5, '  in five pages');
	my ($errors) = walk("/apps/$app->{id}/events?level=ERROR", 4);
	is(distinct(@$errors), 13, '  and, filtered, its 13 ERROR events (the late one among them)');
	error_ok(req('GET', "/apps/$app->{id}/events?cursor=1.$svc->{id}"), 422, 'VALIDATION', 'cursor',
		 "an events cursor with a UUID id: 422");
}

# --- rows over several days ------------------------------------------------------------
# A list looks at the day below its page's top first and at all days when
# that does not fill the page: pages that cross days, and an application
# whose newest rows are days old, are answered as one look would answer them.
{
	my $app = new_app("days-$tag");
	ingest($app, [ map { ev(message => "day event $_") } 1 .. 30 ]);
	my $dsvc = new_service("days-$tag");
	my $dkey = new_key($dsvc)->{raw_key};
	ingest_log($dkey, log_ev(path => "/v1/day/$_")) for 1 .. 30;
	# Ten rows three days back, ten ten days back: to other partitions.
	for my $t ([ 'events', "application_id = $app->{id}" ], [ 'logs', "service_id = '$dsvc->{id}'" ]) {
		my ($table, $where) = @$t;
		db_query("UPDATE $table t SET received_at = t.received_at - make_interval(days => s.back)
			    FROM (SELECT id, CASE WHEN row_number() OVER (ORDER BY id) <= 10 THEN 10 ELSE 3 END AS back
			            FROM $table WHERE $where ORDER BY id LIMIT 20) s WHERE t.id = s.id");
	}
	my %lists = (events => [ "/apps/$app->{id}/events", "application_id = $app->{id}" ],
		     logs => [ "/v1/logs?service_id=$dsvc->{id}", "service_id = '$dsvc->{id}'" ]);
	for my $table (sort keys %lists) {
		my ($path, $where) = @{ $lists{$table} };
		my $sep = $path =~ /\?/ ? '&' : '?';
		my $order = "ORDER BY received_at DESC, id DESC";
		my @want = map { $_->[0] } @{ db_query("SELECT id FROM $table WHERE $where $order") };
		my ($ids, $pages) = walk($path, 7);
		is_deeply($ids, \@want, "$table over three days: a walk by cursor, 7 a page, sees all 30 in order");
		is($pages, 5, '  in five pages');
		my @by_offset = map { map { $_->{id} } @{ req('GET', "$path${sep}limit=7&offset=" . 7 * $_)->{json}{items} } } 0 .. 4;
		is_deeply(\@by_offset, \@want, '  and so does a walk by offset');
		my $until = db_query("SELECT ts_to_usec(now() - interval '2 days')")->[0][0];
		my $since = db_query("SELECT ts_to_usec(now() - interval '5 days')")->[0][0];
		my @old = map { $_->[0] } @{ db_query("SELECT id FROM $table WHERE $where"
			. " AND received_at < usec_to_ts($until) $order") };
		is(scalar @old, 20, '  20 of them older than two days');
		($ids) = walk("$path${sep}until=" . fmt_usec($until), 6);
		is_deeply($ids, \@old, '  until two days ago: the 20 older rows, newest first, though the last day has none');
		my $first = req('GET', "$path${sep}limit=50&since=" . fmt_usec($since))->{json}{items};
		is(scalar @$first, 20, '  since five days ago: the 20 newer rows');
	}
	my $gone = new_app("days-old-$tag");
	ingest($gone, [ map { ev(message => "old event $_") } 1 .. 3 ]);
	db_query("UPDATE events SET received_at = received_at - interval '20 days' WHERE application_id = $gone->{id}");
	is(scalar @{ req('GET', "/apps/$gone->{id}/events")->{json}{items} }, 3,
	   'an application whose events are all 20 days old lists them');
}

# --- the first look's upper bound -----------------------------------------------------
# The first look also stops a minute above the worker's clock, which leaves
# out the partitions made for the week ahead, and its last column says
# whether the database's clock was within that bound (should the worker's
# clock be behind by more, the list looks again without it). Each list's own
# statement, from the running worker, planned for a first look's values.
{
	my ($pid) = worker_pids();
	my $worker = readlink "/proc/$pid/exe";
	my $now = db_query("SELECT ts_to_usec(now())")->[0][0];
	my $day = 86_400_000_000;
	my ($tomorrow) = @{ db_query("SELECT to_char(now() + interval '1 day', 'YYYYMMDD')")->[0] };
	my ($ahead) = @{ db_query("SELECT count(*) FROM partition_ranges WHERE parent = 'events'::regclass"
				  . " AND lo > now() + interval '1 day'")->[0] };
	ok($ahead > 0, "$ahead partitions of events are made beyond tomorrow");
	# A row of each, ten minutes old, which every bound below keeps.
	my $app = new_app("bound-$tag");
	ingest($app, ev(message => 'bound'));
	my $svc = new_service("bound-$tag");
	ingest_log(new_key($svc)->{raw_key}, log_ev(path => '/bound'));
	db_query("UPDATE events SET received_at = now() - interval '10 minutes' WHERE application_id = $app->{id};"
		 . " UPDATE logs SET received_at = now() - interval '10 minutes' WHERE service_id = '$svc->{id}'");
	# Each list's arguments before its two bounds, on a first page.
	my %args = (events_list => "$app->{id}, NULL, NULL, NULL, 21, 0, NULL, NULL, NULL, NULL",
		    logs_list => "'$svc->{id}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 21, 0,"
		    . " NULL, NULL, NULL, NULL");
	for my $stmt (sort keys %args) {
		my $sql = `$worker --statement $stmt`;
		my $run = sub {
			my ($above, $explain) = @_;
			my $args = "$args{$stmt}, " . ($now - $day) . ", " . ($now + $above);
			my $out = db_query("SET plan_cache_mode = force_custom_plan; PREPARE q AS $sql;"
					   . ($explain ? " EXPLAIN (COSTS OFF)" : "") . " EXECUTE q($args)");
			return $explain ? join("\n", map { $_->[0] } @$out) : $out;
		};
		my $rows = $run->(600_000_000);
		is_deeply([ scalar @$rows, $rows->[0][-1] ], [ 1, 't' ], "$stmt: the row, and a bound above the clock holds");
		$rows = $run->(-60_000_000);
		is_deeply([ scalar @$rows, $rows->[0][-1] ], [ 1, 'f' ], '  one a minute below it does not');
		my $plan = $run->(600_000_000, 1);
		my @days = $plan =~ /_p(\d{8})\b/g;
		ok(@days && !grep({ $_ gt $tomorrow } @days),
		   "  the first look plans no partition beyond tomorrow (@{[ scalar @days ]} planned)") or diag($plan);
	}
	# One event or log by id looks at the same day first, then at all days.
	my ($yesterday) = @{ db_query("SELECT to_char(now() - interval '1 day', 'YYYYMMDD')")->[0] };
	my ($event) = @{ db_query("SELECT id FROM events WHERE application_id = $app->{id}")->[0] };
	my ($log) = @{ db_query("SELECT id FROM logs WHERE service_id = '$svc->{id}'")->[0] };
	my %get = (events_get_recent => "$app->{id}, $event", logs_get_recent => "'$log'");
	for my $stmt (sort keys %get) {
		my $sql = `$worker --statement $stmt`;
		my $args = "$get{$stmt}, " . ($now - $day) . ", " . ($now + 600_000_000);
		my $plan = join "\n", map { $_->[0] } @{ db_query("SET plan_cache_mode = force_custom_plan;"
			. " PREPARE q AS $sql; EXPLAIN (COSTS OFF) EXECUTE q($args)") };
		my @days = $plan =~ /_p(\d{8})\b/g;
		ok(@days && !grep({ $_ gt $tomorrow || $_ lt $yesterday } @days),
		   "$stmt plans the partitions of the last day only (@days)") or diag($plan);
		is(scalar @{ db_query("PREPARE q AS $sql; EXECUTE q($args)") }, 1, '  and finds the row');
	}
	is(req('GET', "/apps/$app->{id}/events/$event")->{status}, 200, 'the event is read');
	is(req('GET', "/v1/logs/$log")->{status}, 200, 'so is the log');
	db_query("UPDATE events SET received_at = now() - interval '5 days' WHERE id = $event;"
		 . " UPDATE logs SET received_at = now() - interval '5 days' WHERE id = '$log'");
	is(req('GET', "/apps/$app->{id}/events/$event")->{json}{id}, $event, '  and five days old, still read');
	is(req('GET', "/v1/logs/$log")->{json}{id}, $log, '  and so is the log');
}

# --- a rule's alert events -----------------------------------------------------------
{
	my $rule = new_alert($svc, name => "every 5xx $tag");
	ingest_log($key, log_ev(status_code => 500, path => "/v1/fail/$_")) for 1 .. 7;
	my @want = map { $_->{id} } alert_events_of($rule);
	is(scalar @want, 7, 'seven alert events');
	my ($ids) = walk("/v1/alerts/$rule->{id}/events", 3);
	is_deeply($ids, \@want, 'a walk by cursor sees them once, in order');
}

done_testing();
