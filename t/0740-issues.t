#!/usr/bin/perl
# Error issues (docs/api.md, "Error issues"): events grouped by fingerprint
# at ingest, the counts the rollup keeps, the list's filters, sorts and
# cursor, status changes and regressions, merges, each issue's events, the
# grouping of events stored before issues existed, and bad input.
use strict;
use warnings;
use Test::More;
use Telltale;

my $tag = "iss$$";

# The frames of an /apps stack: in-app ones from $module's $function.
sub stack_of {
	my ($type, $function, $line, $module) = @_;
	return { type => $type, frames => [
		{ module => 'lib.vendor', function => 'call', lineno => 1, in_app => JSON::PP::false },
		{ module => $module // 'shop.checkout', function => $function, lineno => $line, in_app => JSON::PP::true },
	] };
}

sub issues_of {
	my ($app, $query) = @_;
	my $res = req('GET', "/apps/$app->{id}/issues" . (defined $query ? "?$query" : ''));
	return $res->{status} == 200 ? $res->{json}{items} : [];
}

sub issue {
	my ($app, $id) = @_;
	my $res = req('GET', "/apps/$app->{id}/issues/$id");
	return $res->{status} == 200 ? $res->{json} : { status_code => $res->{status} };
}

# The issue of the event stored as $id.
sub issue_of_event {
	my ($app, $id) = @_;
	return req('GET', "/apps/$app->{id}/events/$id")->{json}{issue_id};
}

# Ingests one event and answers its issue's id.
sub group_of {
	my ($app, %e) = @_;
	my $res = ingest($app, ev(%e));
	return undef unless $res->{status} == 201;
	return issue_of_event($app, $res->{json}{id});
}

# Waits until issue $id has $n events counted (the rollup's lag).
sub counted {
	my ($app, $id, $n) = @_;
	my $issue;
	wait_for(10, sub { $issue = issue($app, $id); ($issue->{count} // -1) == $n });
	return $issue;
}

sub change {
	my ($app, $id, %body) = @_;
	return req('PATCH', "/apps/$app->{id}/issues/$id", json => \%body);
}

# --- grouping ------------------------------------------------------------------------------
my $app = new_app("issues-$tag");
my $a1 = group_of($app, message => 'Order 1041 failed', stack => stack_of('ValueError', 'pay', 10),
		  environment => 'production', release => 'shop@1.0', tags => { host => 'web-1' });
my $a2 = group_of($app, message => 'Order 7 failed for bob@example.com', stack => stack_of('ValueError', 'pay', 99),
		  environment => 'staging', release => 'shop@1.1', tags => { host => 'web-2' });
my $b_issue = group_of($app, message => 'Order 1041 failed', stack => stack_of('ValueError', 'refund', 10));
my $c = group_of($app, message => 'Order 1041 failed', stack => stack_of('KeyError', 'pay', 10));
ok($a1, 'an event is stored with an issue');
is($a2, $a1, 'the same exception from the same place, other line and value: one issue');
isnt($b_issue, $a1, 'the same exception from another function: another issue');
isnt($c, $a1, 'another exception type from the same place: another issue');

my $m1 = group_of($app, message => 'user 42 not found in 3.5 s (id 9f86d081-88a9-4b1e-9f3c-1a2b3c4d5e6f)');
my $m2 = group_of($app, message => 'user 7 not found in 12.25 s (id 0b2c5e4e-1111-4222-8333-444455556666)');
my $m3 = group_of($app, message => 'user 7 was deleted');
is($m2, $m1, 'messages differing only in numbers and ids: one issue');
isnt($m3, $m1, 'another message: another issue');

my $f1 = group_of($app, message => 'timeout talking to stripe', fingerprint => ['stripe-outage']);
my $f2 = group_of($app, message => 'connection reset by stripe', fingerprint => ['stripe-outage']);
my $f3 = group_of($app, message => 'timeout talking to stripe', fingerprint => ['{{ default }}', 'eu']);
my $f4 = group_of($app, message => 'timeout talking to stripe', fingerprint => ['{{ default }}', 'us']);
is($f2, $f1, 'a custom fingerprint groups different messages');
isnt($f3, $f4, '{{ default }} with different extra parts: two issues');
isnt($f3, $f1, '  and neither is the custom one');

# --- what an issue holds -------------------------------------------------------------------------------
my $issue = counted($app, $a1, 2);
is($issue->{count}, 2, 'the rollup counts the issue\'s events');
is($issue->{title}, 'ValueError: Order 1041 failed', 'the title is the first event\'s type and message');
is($issue->{culprit}, 'shop.checkout in pay', 'the culprit is the in-app frame\'s module and function');
is($issue->{level}, 'ERROR', 'its level');
is($issue->{status}, 'unresolved', 'new issues are unresolved');
is($issue->{first_release}, 'shop@1.0', 'first_release');
is($issue->{last_release}, 'shop@1.1', 'last_release');
is_deeply($issue->{environments}, [ 'production', 'staging' ], 'environments');
ok($issue->{first_seen} le $issue->{last_seen}, 'first_seen is not after last_seen');
is_deeply([ sort map { $_->{value} } @{ $issue->{tags}{host} || [] } ], [ 'web-1', 'web-2' ],
	  'tag breakdowns: host');
is_deeply([ map { [ $_->{value}, $_->{count} ] } @{ $issue->{tags}{environment} || [] } ],
	  [ [ 'production', 1 ], [ 'staging', 1 ] ], '  environment is a tag');
ok(($issue->{tags}{release} || [])->[0], '  and release');
is(scalar @{ $issue->{series} || [] }, 24, '24 hourly counts');
my $sum = 0;
$sum += $_->{count} for @{ $issue->{series} || [] };
is($sum, 2, '  adding up to the count');
is($issue->{exception}{type}, 'ValueError', 'the latest event\'s exception is kept with the issue');
ok($issue->{latest_event_id}, 'and its id');

my $events = req('GET', "/apps/$app->{id}/issues/$a1/events?limit=1");
is($events->{status}, 200, 'the issue\'s events');
is(scalar @{ $events->{json}{items} }, 1, '  one a page with limit=1');
is($events->{json}{items}[0]{release}, 'shop@1.1', '  newest first, with its release');
is($events->{json}{items}[0]{environment}, 'staging', '  and environment');
my $older = req('GET', "/apps/$app->{id}/issues/$a1/events?limit=1&cursor=$events->{json}{next_cursor}");
is($older->{json}{items}[0]{release}, 'shop@1.0', '  the cursor leads to the older one');
is($older->{json}{next_cursor}, undef, '  and no further');

# --- environment and release as filters of events and statistics ----------------------------------
is_deeply([ map { $_->{message} } events_of($app, 'environment=staging') ], [ 'Order 7 failed for bob@example.com' ],
	  'the event list filters by environment');
is_deeply([ map { $_->{environment} } events_of($app, 'release=shop@1.0') ], [ 'production' ],
	  '  and by release');
my $by_level = req('GET', "/apps/$app->{id}/stats/by-level?environment=production");
is_deeply($by_level->{json}{items}, [ { level => 'ERROR', count => 1 } ], 'statistics by level of one environment');
my $series = req('GET', "/apps/$app->{id}/stats/timeseries?release=shop\@1.1");
my $in_series = 0;
$in_series += $_->{count} for @{ $series->{json}{series} || [] };
is($in_series, 1, '  a time series of one release');
my $top = req('GET', "/apps/$app->{id}/stats/top-messages?environment=production&release=shop\@1.0");
is_deeply([ map { [ $_->{message}, $_->{count} ] } @{ $top->{json}{items} || [] } ],
	  [ [ 'Order 1041 failed', 1 ] ], '  the top messages of both');
is(scalar @{ req('GET', "/apps/$app->{id}/stats/by-level?environment=nowhere")->{json}{items} }, 0,
   '  none of an environment that never sent');

# --- the list ------------------------------------------------------------------------------------
counted($app, $f1, 2);
my @all = map { $_->{id} } @{ issues_of($app, 'limit=100') };
is(scalar @all, 8, q{the application has eight issues});
is_deeply([ map { $_->{id} } @{ issues_of($app, 'environment=staging') } ], [ $a1 ], 'environment filter');
is_deeply([ map { $_->{id} } @{ issues_of($app, 'release=shop@1.0') } ], [ $a1 ], 'release filter');
is_deeply([ sort map { $_->{id} } @{ issues_of($app, 'query=REFUND') } ], [ $b_issue ],
	  'query matches the culprit, any case');
is_deeply([ sort { $a <=> $b } map { $_->{id} } @{ issues_of($app, 'query=%3Cint%3E%20NOT%20found') } ], [ $m1 ],
	  '  and the title');
is(scalar @{ issues_of($app, 'level=warning') }, 0, 'level filter');
my $by_count = issues_of($app, 'sort=count');
ok($by_count->[0]{count} >= $by_count->[-1]{count}, 'sort=count puts the most frequent first');
my (@walked, $cursor);
for (1 .. 10) {
	my $page = req('GET', "/apps/$app->{id}/issues?sort=first_seen&limit=2" . ($cursor ? "&cursor=$cursor" : ''));
	push @walked, map { $_->{id} } @{ $page->{json}{items} };
	last unless $cursor = $page->{json}{next_cursor};
}
is_deeply([ sort { $a <=> $b } @walked ], [ sort { $a <=> $b } @all ], 'paging by cursor visits each issue once');
is_deeply(\@walked, [ sort { $b <=> $a } @walked ], '  newest first');

# --- status ------------------------------------------------------------------------------------
my $res = change($app, $b_issue, status => 'resolved');
is($res->{status}, 200, 'resolve');
is($res->{json}{status}, 'resolved', '  the issue is resolved');
ok($res->{json}{resolved_at}, '  with resolved_at');
is(scalar(grep { $_->{id} == $b_issue } @{ issues_of($app) }), 0, 'the list leaves resolved issues out by default');
is(scalar(grep { $_->{id} == $b_issue } @{ issues_of($app, 'status=resolved') }), 1, '  status=resolved shows them');
is(group_of($app, message => 'again', stack => stack_of('ValueError', 'refund', 11)), $b_issue,
   'the next event of a resolved issue lands in it');
$issue = issue($app, $b_issue);
is($issue->{status}, 'unresolved', '  and reopens it');
ok($issue->{regressed_at}, '  marked as regressed');

group_of($app, message => 'old release', stack => stack_of('TypeError', 'ship', 1), release => 'shop@1.0');
my $t = group_of($app, message => 'r', stack => stack_of('TypeError', 'ship', 1), release => 'shop@2.0');
# The rollup records a release with the events it counts.
counted($app, $t, 2);
$res = change($app, $t, status => 'resolved', resolved_in_release => 'shop@2.0');
is($res->{json}{resolved_in_release}, 'shop@2.0', 'resolve in a release');
group_of($app, message => 'r', stack => stack_of('TypeError', 'ship', 2), release => 'shop@1.0');
is(issue($app, $t)->{status}, 'resolved', '  an event of an older release does not reopen it');
group_of($app, message => 'r', stack => stack_of('TypeError', 'ship', 2));
is(issue($app, $t)->{status}, 'resolved', '  nor one without a release');
group_of($app, message => 'r', stack => stack_of('TypeError', 'ship', 3), release => 'shop@2.1');
is(issue($app, $t)->{status}, 'unresolved', '  a release first seen after it does');

# In one bulk array, each release's first event decides, in the array's order.
my $u = group_of($app, message => 'u', stack => stack_of('OSError', 'bulk', 1), release => 'shop@2.0');
counted($app, $u, 1);
change($app, $u, status => 'resolved', resolved_in_release => 'shop@2.0');
my $bulk = ingest($app, [ map { ev(message => 'u', stack => stack_of('OSError', 'bulk', 1), release => $_) }
			   'shop@1.0', 'shop@1.0' ]);
is(issue($app, $u)->{status}, 'resolved', 'a bulk of events of an older release leaves it resolved');
$bulk = ingest($app, [ (map { ev(message => 'u', stack => stack_of('OSError', 'bulk', 1), release => $_) }
			 'shop@1.0', 'shop@2.1', 'shop@1.0'),
			ev(message => 'v', stack => stack_of('OSError', 'other', 1)) ]);
is($bulk->{status}, 201, 'a bulk of three releases and another fingerprint is stored');
my @of_bulk = map { issue_of_event($app, $_) } @{ $bulk->{json}{ids} || [] };
is_deeply([ @of_bulk[0 .. 2] ], [ ($u) x 3 ], '  one with a later release among them: all in the issue');
isnt($of_bulk[3], $u, '  another fingerprint in the array: another issue');
ok($of_bulk[3], '  which it has');
$issue = issue($app, $u);
is($issue->{status}, 'unresolved', '  and the later release reopens it');
ok($issue->{regressed_at}, '  as a regression');

my $n = group_of($app, message => 'n', stack => stack_of('IOError', 'read', 1), release => 'shop@2.1');
$res = change($app, $n, status => 'resolved', resolved_in_release => 'next');
is($res->{json}{resolved_in_release}, 'next', 'resolve in the next release');
group_of($app, message => 'n', stack => stack_of('IOError', 'read', 1), release => 'shop@2.0');
is(issue($app, $n)->{status}, 'resolved', '  a release seen before the resolve does not reopen it');
group_of($app, message => 'n', stack => stack_of('IOError', 'read', 1), release => "shop\@3.0-$tag");
is(issue($app, $n)->{status}, 'unresolved', '  a new release does');

$res = change($app, $c, status => 'ignored');
is($res->{json}{status}, 'ignored', 'ignore');
group_of($app, message => 'Order 1 failed', stack => stack_of('KeyError', 'pay', 10));
$issue = counted($app, $c, 2);
is($issue->{count}, 2, '  its events are still counted');
is($issue->{status}, 'ignored', '  and it stays ignored');
is(change($app, $c, status => 'unresolved')->{json}{status}, 'unresolved', 'reopen');

# --- merge ----------------------------------------------------------------------------------
counted($app, $m1, 2);
counted($app, $m3, 1);
$res = req('POST', "/apps/$app->{id}/issues/merge", json => { ids => [ $m1, $m3 ] });
is($res->{status}, 200, 'merge two issues');
is($res->{json}{id}, $m1, '  into the first');
is($res->{json}{count}, 3, '  which counts the events of both');
is(req('GET', "/apps/$app->{id}/issues/$m3")->{status}, 404, '  the other is gone');
is(scalar(grep { $_->{issue_id} != $m1 } @{ req('GET', "/apps/$app->{id}/issues/$m1/events")->{json}{items} }), 0,
   '  its events moved');
is(scalar @{ req('GET', "/apps/$app->{id}/issues/$m1/events")->{json}{items} }, 3, '  all three');
is(group_of($app, message => 'user 1 was deleted'), $m1, 'a later event of the merged fingerprint lands in it');

# --- bad input ------------------------------------------------------------------------------------
my $other = new_app("issues-other-$tag");
my $theirs = group_of($other, message => 'elsewhere');
my $stored = count_events($app);
for my $case ([ { fingerprint => [] }, 'fingerprint' ], [ { fingerprint => 'x' }, 'fingerprint' ],
	      [ { fingerprint => [ 'x' x 513 ] }, 'fingerprint' ], [ { fingerprint => [ (1) ] }, 'fingerprint' ],
	      [ { fingerprint => [ ('p') x 33 ] }, 'fingerprint' ], [ { environment => '' }, 'environment' ],
	      [ { environment => 'e' x 65 }, 'environment' ], [ { environment => "a\tb" }, 'environment' ],
	      [ { release => { v => 1 } }, 'release' ], [ { release => 'r' x 201 }, 'release' ]) {
	my ($over, $field) = @$case;
	refused_ok($app, \$stored, ingest($app, ev(%$over)), 422, 'VALIDATION', $field,
		   "ingest with a bad $field (" . substr(JSON::PP->new->canonical->encode($over), 0, 40) . ')');
}
error_ok(req('GET', "/apps/$app->{id}/issues?status=open"), 422, 'VALIDATION', 'status', 'an unknown status');
error_ok(req('GET', "/apps/$app->{id}/issues?sort=title"), 422, 'VALIDATION', 'sort', 'an unknown sort');
error_ok(req('GET', "/apps/$app->{id}/issues?cursor=x_1"), 422, 'VALIDATION', 'cursor', 'a made-up cursor');
my $count_cursor = req('GET', "/apps/$app->{id}/issues?sort=count&limit=1")->{json}{next_cursor};
error_ok(req('GET', "/apps/$app->{id}/issues?cursor=$count_cursor"), 422, 'VALIDATION', 'cursor',
	 'a cursor of sort=count in the list by last_seen');
error_ok(req('GET', "/apps/$app->{id}/issues?since=2026-12-01T00:00:00Z&until=2026-11-01T00:00:00Z"), 400,
	 'BAD_REQUEST', undef, 'since after until');
error_ok(req('GET', "/apps/$app->{id}/issues?limit=101"), 422, 'VALIDATION', 'limit', 'limit over 100');
error_ok(req('GET', "/apps/$app->{id}/issues?query=" . ('q' x 201)), 422, 'VALIDATION', 'query', 'a query over 200 bytes');
error_ok(req('GET', "/apps/$app->{id}/issues?level=loud"), 422, 'VALIDATION', 'level', 'an unknown level');
error_ok(req('GET', '/apps/999999999/issues'), 404, 'NOT_FOUND', undef, 'the issues of no application');
error_ok(req('GET', "/apps/$app->{id}/issues/$theirs"), 404, 'NOT_FOUND', undef,
	 'another application\'s issue is not found under this one');
error_ok(req('GET', "/apps/$app->{id}/issues/$theirs/events"), 404, 'NOT_FOUND', undef, '  nor its events');
error_ok(change($app, $a1, status => 'closed'), 422, 'VALIDATION', 'status', 'PATCH with an unknown status');
error_ok(change($app, $a1), 422, 'VALIDATION', 'status', 'PATCH without a status');
error_ok(change($app, $a1, status => 'ignored', resolved_in_release => 'next'), 422, 'VALIDATION',
	 'resolved_in_release', 'resolved_in_release without status resolved');
error_ok(change($app, $a1, status => 'resolved', resolved_in_release => "x\ny"), 422, 'VALIDATION',
	 'resolved_in_release', 'a release name with a control character');
error_ok(change($app, $a1, status => 'resolved', resolved_in_release => "never-seen-$tag"), 422, 'VALIDATION',
	 'resolved_in_release', 'a release the application never sent');
error_ok(change($other, $a1, status => 'resolved'), 404, 'NOT_FOUND', undef,
	 'PATCH of an issue through another application');
is(issue($app, $a1)->{status}, 'unresolved', '  none of which changed the issue');
for my $ids ([ $a1 ], [ $a1, $a1 ], [ $a1, 'x' ], [ $a1, -3 ], [ 1 .. 101 ], 'x') {
	error_ok(req('POST', "/apps/$app->{id}/issues/merge", json => { ids => $ids }), 422, 'VALIDATION', 'ids',
		 'merge of ' . (ref $ids ? scalar(@$ids) . ' ids' : 'a string'));
}
my $before = issue($app, $a1)->{count};
error_ok(req('POST', "/apps/$app->{id}/issues/merge", json => { ids => [ $a1, $theirs ] }), 404, 'NOT_FOUND', 'ids',
	 'merge with another application\'s issue');
is(issue($app, $a1)->{count}, $before, '  changes nothing here');
ok(issue($other, $theirs)->{id}, '  nor there');
my $viewer = req('POST', '/v1/tokens', json => { name => "viewer-$tag", role => 'viewer' })->{json}{token};
my $as_viewer = { Authorization => "Bearer $viewer" };
is(req('GET', "/apps/$app->{id}/issues", headers => $as_viewer)->{status}, 200, 'a viewer reads issues');
error_ok(req('PATCH', "/apps/$app->{id}/issues/$a1", json => { status => 'ignored' }, headers => $as_viewer),
	 403, 'FORBIDDEN', undef, 'a viewer cannot change one');
error_ok(req('POST', "/apps/$app->{id}/issues/merge", json => { ids => [ $a1, $b_issue ] }, headers => $as_viewer),
	 403, 'FORBIDDEN', undef, 'nor merge');
is(req('GET', "/apps/$app->{id}/issues", anonymous => 1)->{status}, 401, 'no one without a credential');

# --- events stored before issues ----------------------------------------------------------------------
# As an upgrade leaves them: no issue, received before the rollup's mark,
# and the rollup told to look for them (sql/031: it stops looking once it
# has found none).
my $old = new_app("issues-old-$tag");
# The rollup's session: its backend's pid and start.
sub rollup_backend {
	my $row = db_query(q{SELECT pid || ' ' || backend_start FROM pg_stat_activity
			      WHERE application_name LIKE 'telltale-rollup%'})->[0];
	return $row && $row->[0];
}
my $rollup_before;
wait_for(10, sub { $rollup_before = rollup_backend() });
db_query(qq{INSERT INTO events (application_id, occurred_at, received_at, level, message)
	    SELECT $old->{id}, now() - interval '2 days', now() - interval '2 days' + g * interval '1 minute',
	           'ERROR', 'legacy failure ' || g FROM generate_series(1, 5) g;
	    UPDATE rollup_state SET old_events_grouped = false});
my $grouped;
wait_for(20, sub { $grouped = issues_of($old); @$grouped && $grouped->[0]{count} == 5 });
is(scalar @$grouped, 1, 'events stored before issues are grouped by the rollup');
is($grouped->[0]{count}, 5, '  and counted');
is($grouped->[0]{title}, 'legacy failure <int>', '  by the same fingerprint as at ingest');
my ($first) = @{ db_query(qq{SELECT to_char(min(received_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI')
			     FROM events WHERE application_id = $old->{id}}) };
is(substr($grouped->[0]{first_seen}, 0, 16), $first->[0], '  first seen when its first event was received');
is(db_query("SELECT count(*) FROM issue_notifications WHERE application_id = $old->{id}")->[0][0], 0,
   '  and no webhook is told of them');
is(group_of($old, message => 'legacy failure 99'), $grouped->[0]{id}, 'a new event joins the grouped issue');
wait_for(20, sub { db_query('SELECT old_events_grouped FROM rollup_state')->[0][0] eq 't' });
is(db_query('SELECT old_events_grouped FROM rollup_state')->[0][0], 't',
   'once none is left, the rollup stops looking');
# The look opened every partition of events; the session that cached them ends.
my $rollup_now;
wait_for(10, sub { $rollup_now = rollup_backend(); $rollup_now && $rollup_now ne $rollup_before });
isnt($rollup_now, $rollup_before, '  and connects again, leaving the cache of that look behind');

# A second with no new event counts nothing and plans no partition of events.
my $locked = db_query(q{BEGIN; SELECT new_grouped_table(); SELECT issue_add_counts();
	SELECT 'locked', count(*) FROM pg_locks l JOIN pg_inherits i ON i.inhrelid = l.relation
	 WHERE l.pid = pg_backend_pid() AND i.inhparent = 'events'::regclass; ROLLBACK});
my ($partitions) = map { $_->[1] } grep { ($_->[0] // '') eq 'locked' } @$locked;
is($partitions, 0, 'adding no new event to its issues opens no partition of events');

done_testing();
