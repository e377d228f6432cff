#!/usr/bin/perl
# Window alert rules (docs/api.md, "Alerting"): a service's request metric
# over a window, an application's event count, new and reopened issues. The
# stack evaluates window rules every second here (TELLTALE_ALERT_INTERVAL_S=1);
# a rule turns firing once, stays quiet while it stays firing, and resolves
# once. Bad rules are refused whole, naming the member; PATCH, the series and
# the preview; rules of one application are not reachable through another.
use strict;
use warnings;
use Test::More;
use Telltale;

my $tag = "win$$-" . time();

sub rules_of { my ($svc) = @_; return @{ req('GET', "/v1/alerts?service_id=$svc->{id}")->{json} || [] } }
sub rule { my ($id) = @_; return req('GET', "/v1/alerts/$id")->{json} || {} }
sub state_is {
	my ($id, $state) = @_;
	return wait_for(15, sub { (rule($id)->{state} // '') eq $state });
}
sub send_logs {
	my ($key, $n, %log) = @_;
	ingest_log($key, log_ev(%log))->{status} == 201 or return 0 for 1 .. $n;
	return 1;
}
sub window_rule {
	my ($svc, %fields) = @_;
	return req('POST', '/v1/alerts', json => { service_id => $svc->{id}, kind => 'window',
		name => 'w', metric => 'error_rate', operator => '>', threshold => 0.5,
		window_seconds => 60, %fields });
}

my $svc = new_service("windows-$tag");
my $key = new_key($svc)->{raw_key};
my $chan = req('POST', '/v1/channels', json => { name => "c-$tag", kind => 'ntfy',
	url => 'https://ntfy.example.com/topic' })->{json}{id};
ok(is_uuid($chan), 'a channel to name');

# --- Bad input: 422 naming the member; nothing stored. ---------------------
my $missing_channel = '00000000-0000-4000-8000-000000000001';
my @bad = (
	[ 'an unknown kind', { kind => 'sliding' }, 'kind' ],
	[ 'no metric', { metric => undef }, 'metric' ],
	[ 'a metric of applications', { metric => 'event_count' }, 'metric' ],
	[ 'a metric of none', { metric => 'cpu' }, 'metric' ],
	[ 'an operator of none', { operator => '=>' }, 'operator' ],
	[ 'a threshold as a string', { threshold => '0.5' }, 'threshold' ],
	[ 'a threshold past 1e12', { threshold => 1e13 }, 'threshold' ],
	[ 'no threshold', { threshold => undef }, 'threshold' ],
	[ 'a window of 59 s', { window_seconds => 59 }, 'window_seconds' ],
	[ 'a window of 86401 s', { window_seconds => 86401 }, 'window_seconds' ],
	[ 'a window of 60.5 s', { window_seconds => 60.5 }, 'window_seconds' ],
	[ 'no window', { window_seconds => undef }, 'window_seconds' ],
	[ 'a route without /', { route => 'orders' }, 'route' ],
	[ 'a route with a line break', { route => "/a\nb" }, 'route' ],
	[ 'a method with a digit', { method => 'GET1' }, 'method' ],
	[ 'a method of 17 letters', { method => 'A' x 17 }, 'method' ],
	[ 'min_requests below 0', { min_requests => -1 }, 'min_requests' ],
	[ 'a level on a service rule', { level => 'ERROR' }, 'level' ],
	[ 'channel_ids not a list', { channel_ids => $chan }, 'channel_ids' ],
	[ 'a channel id not a UUID', { channel_ids => ['nope'] }, 'channel_ids[0]' ],
	[ 'a channel that does not exist', { channel_ids => [$missing_channel] }, 'channel_ids[0]' ],
	[ 'a second channel that does not exist', { channel_ids => [ $chan, $missing_channel ] }, 'channel_ids[1]' ],
	[ 'a channel named twice', { channel_ids => [ $chan, $chan ] }, 'channel_ids[1]' ],
	[ 'twenty-one channels', { channel_ids => [ ($chan) x 21 ] }, 'channel_ids' ],
);
for my $b (@bad) {
	my ($name, $over, $field) = @$b;
	my %body = (service_id => $svc->{id}, kind => 'window', name => 'w', metric => 'error_rate',
		    operator => '>', threshold => 0.5, window_seconds => 60, %$over);
	delete $body{$_} for grep { !defined $body{$_} } keys %body;
	error_ok(req('POST', '/v1/alerts', json => \%body), 422, 'VALIDATION', $field, "$name: 422 naming $field");
}
error_ok(window_rule({ id => '00000000-0000-4000-8000-000000000002' }), 422, 'VALIDATION', 'service_id',
	 'an unknown service: 422 naming service_id');
is(scalar(rules_of($svc)), 0, 'none of them was stored');

# --- A rule, as made. ---------------------------------------------------------
my $made = window_rule($svc, name => 'checkout errors', route => '/orders/{id}', method => 'post',
		       min_requests => 5, channel_ids => [$chan]);
is($made->{status}, 201, 'a window rule: 201') or diag($made->{body});
my $r = $made->{json} || {};
is_deeply([ sort keys %$r ], [ sort qw(id kind service_id name description metric operator threshold
	window_seconds route method min_requests enabled state last_value last_evaluated_at
	channel_ids created_at) ], '  with the members of a window rule');
is_deeply([ @$r{qw(kind metric operator threshold window_seconds route method min_requests)} ],
	  [ 'window', 'error_rate', '>', 0.5, 60, '/orders/{id}', 'POST', 5 ], '  as sent, the method in upper case');
is_deeply([ $r->{state}, $r->{enabled} ? 1 : 0, $r->{last_value} ], [ 'ok', 1, undef ], '  ok, enabled, no value yet');
is_deeply($r->{channel_ids}, [$chan], '  with its channel');

# --- Firing and resolving on the error rate. --------------------------------
my $rate = window_rule($svc, name => 'error rate', min_requests => 5)->{json}{id};
ok(send_logs($key, 4, status_code => 500), 'four 5xx');
ok(wait_for(15, sub { defined rule($rate)->{last_value} && rule($rate)->{last_evaluated_at} }), 'the rule is evaluated');
sleep 2;
is(rule($rate)->{state}, 'ok', 'four requests are under min_requests 5: still ok');
is(rule($rate)->{last_value}, 1, '  though its value is 1');
ok(send_logs($key, 2, status_code => 503), 'two more 5xx');
ok(state_is($rate, 'firing'), 'the rule fires');
my @ev = alert_events_of($rate);
is(scalar @ev, 1, 'one alert event');
is_deeply([ @{ $ev[0] }{qw(state value window_seconds log_id field)} ], [ 'firing', 1, 60, undef, 'error_rate' ],
	  '  firing, with the value, the window, and no log');
ok(send_logs($key, 3, status_code => 500), 'three more 5xx while it fires');
sleep 3;
is(scalar(alert_events_of($rate)), 1, '  no second event while it stays firing');
# The ten arrive while the rule's row is held, so that no evaluation reads
# them part-way (at 9 errors of 18 the rate is already not above 0.5).
my $hold = db_session('BEGIN', "SELECT 1 FROM alerts WHERE id = '$rate' FOR UPDATE",
		      'SELECT pg_sleep(30)', 'COMMIT');
ok(wait_for(10, sub { db_sessions("query = 'SELECT pg_sleep(30)' AND state = 'active'") }, 0.05),
   'the rule is held from evaluation');
ok(send_logs($key, 10, status_code => 200), 'ten 200s: 9 errors of 19');
# The server keeps a session's sleep going after its client is gone: end it there.
ok(db_query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)'"),
   'the rule is let go');
waitpid $hold, 0;
ok(state_is($rate, 'ok'), 'the rule resolves');
@ev = alert_events_of($rate);
is_deeply([ map { $_->{state} } @ev ], [ 'resolved', 'firing' ], 'a resolved event follows the firing one');
ok(abs($ev[0]{value} - 9 / 19) < 1e-9, '  with the rate that resolved it (9/19)') or diag($ev[0]{value});

# --- Routes, methods, counts, percentiles. ------------------------------------
my $svc2 = new_service("windows2-$tag");
my $key2 = new_key($svc2)->{raw_key};
my $posts = window_rule($svc2, metric => 'request_count', operator => '>=', threshold => 3,
			route => '/orders/{id}', method => 'POST')->{json}{id};
my $gets = window_rule($svc2, metric => 'request_count', operator => '>=', threshold => 100,
		       route => '/orders/{id}', method => 'GET')->{json}{id};
my $p95 = window_rule($svc2, metric => 'p95_latency_ms', operator => '>', threshold => 150,
		      window_seconds => 300)->{json}{id};
my $quiet_svc = new_service("windows3-$tag");
my $silence = window_rule($quiet_svc, metric => 'request_count', operator => '<', threshold => 1)->{json}{id};
my @lat = map { 10 * $_ } 1 .. 20;
for my $i (0 .. 2) {
	ingest_log($key2, log_ev(method => 'POST', path => "/orders/$i", url => "https://x/orders/$i",
				 latency_ms => $lat[$i]));
}
for my $i (3 .. 19) {
	ingest_log($key2, log_ev(method => 'GET', path => "/orders/$i", url => "https://x/orders/$i",
				 latency_ms => $lat[$i]));
}
ok(state_is($posts, 'firing'), 'three POSTs to /orders/{id} fire request_count >= 3 of that route and method');
is(rule($posts)->{last_value}, 3, '  value 3');
ok(wait_for(15, sub { (rule($gets)->{last_value} // -1) == 17 }), 'the GETs of the route are counted apart: 17');
is(rule($gets)->{state}, 'ok', '  under 100: ok');
my @sorted = sort { $a <=> $b } @lat;
my $rank = 0.95 * (@sorted - 1);
my $exact = $sorted[int $rank] + ($rank - int $rank) * ($sorted[int($rank) + 1] - $sorted[int $rank]);
ok(wait_for(15, sub { defined rule($p95)->{last_value} }), 'p95 over 300 s is evaluated');
my $got = rule($p95)->{last_value} // 0;
ok(abs($got - $exact) <= 0.0625 * $exact, "p95 $got is within 6.25 % of the exact $exact");
ok(state_is($p95, 'firing'), '  above 150 ms: firing');
ok(state_is($silence, 'firing'), 'a service without requests fires request_count < 1');
is(rule($silence)->{last_value}, 0, '  value 0');

# --- PATCH. ------------------------------------------------------------------
{
	my $res = req('PATCH', "/v1/alerts/$rate", json => { threshold => 0.9, channel_ids => [$chan] });
	is($res->{status}, 200, 'PATCH threshold and channel_ids: 200') or diag($res->{body});
	is_deeply([ $res->{json}{threshold}, $res->{json}{channel_ids} ], [ 0.9, [$chan] ], '  changed');
	$res = req('PATCH', "/v1/alerts/$rate", json => { channel_ids => [] });
	is_deeply($res->{json}{channel_ids}, [], 'PATCH channel_ids [] clears them');
	error_ok(req('PATCH', "/v1/alerts/$rate", json => { channel_ids => [$missing_channel] }), 422, 'VALIDATION',
		 'channel_ids[0]', 'PATCH with a channel that does not exist: 422');
	is_deeply(rule($rate)->{channel_ids}, [], '  and nothing changed');
	error_ok(req('PATCH', "/v1/alerts/$rate", json => { enabled => 'no' }), 422, 'VALIDATION', 'enabled',
		 'enabled not a boolean: 422');
	error_ok(req('PATCH', "/v1/alerts/$rate", json => {}), 422, 'VALIDATION', undef, 'PATCH naming nothing: 422');
	my $threshold_rule = new_alert($svc);
	error_ok(req('PATCH', "/v1/alerts/$threshold_rule->{id}", json => { threshold => 3 }), 422, 'VALIDATION',
		 'threshold', 'a threshold rule has no threshold to PATCH');
	error_ok(req('PATCH', "/v1/alerts/$missing_channel", json => { enabled => JSON::PP::false }), 404,
		 'NOT_FOUND', undef, 'PATCH of no rule: 404');

	# A disabled threshold rule fires nothing.
	is(req('PATCH', "/v1/alerts/$threshold_rule->{id}", json => { enabled => JSON::PP::false })->{json}{enabled},
	   JSON::PP::false, 'a threshold rule disabled');
	send_logs($key, 1, status_code => 500);
	my $live = new_alert($svc);
	send_logs($key, 1, status_code => 500);
	ok(wait_for(10, sub { scalar(alert_events_of($live)) == 1 }), '  an enabled one fires on a 5xx');
	is(scalar(alert_events_of($threshold_rule)), 0, '  the disabled one does not');
	my ($fired) = alert_events_of($live);
	is($fired->{state}, 'fired', '  its event is "fired"');

	# Disabling a firing rule sets it ok quietly; enabling it fires again.
	ok(state_is($silence, 'firing'), 'the silence rule fires');
	my $n = scalar alert_events_of($silence);
	my $off = req('PATCH', "/v1/alerts/$silence", json => { enabled => JSON::PP::false })->{json};
	is_deeply([ $off->{state}, $off->{enabled} ? 1 : 0 ], [ 'ok', 0 ], 'disabled: ok at once');
	sleep 2;
	is(scalar(alert_events_of($silence)), $n, '  with no event, and none while disabled');
	req('PATCH', "/v1/alerts/$silence", json => { enabled => JSON::PP::true });
	ok(state_is($silence, 'firing'), 'enabled again: it fires again');
	is(scalar(alert_events_of($silence)), $n + 1, '  one more firing event');
}

# --- Series and preview. ----------------------------------------------------
{
	my $res = req('GET', "/v1/alerts/$posts/series");
	is($res->{status}, 200, 'the series of a window rule: 200');
	my @points = @{ $res->{json}{points} || [] };
	is(scalar @points, 288, '  288 points over the last day');
	ok(!grep({ !defined $_->{t} || $_->{t} !~ /Z\z/ } @points), '  each with its time');
	is($points[-1]{value}, 3, '  the last point is the current value');
	my $threshold_rule = new_alert($svc2);
	error_ok(req('GET', "/v1/alerts/$threshold_rule->{id}/series"), 409, 'CONFLICT', undef,
		 'a threshold rule has no series: 409');
	error_ok(req('GET', "/v1/alerts/$missing_channel/series"), 404, 'NOT_FOUND', undef, 'no rule: 404');
	$res = req('POST', '/v1/alerts/preview', json => { service_id => $svc2->{id}, metric => 'request_count',
		window_seconds => 3600 });
	is($res->{status}, 200, 'a preview: 200') or diag($res->{body});
	@points = @{ $res->{json}{points} || [] };
	is(scalar @points, 288, '  288 points');
	is($points[-1]{value}, 20, '  the last hour holds the 20 requests');
	error_ok(req('POST', '/v1/alerts/preview', json => { service_id => $missing_channel, metric => 'error_rate',
		window_seconds => 60 }), 422, 'VALIDATION', 'service_id', 'a preview of no service: 422');
	error_ok(req('POST', '/v1/alerts/preview', json => { service_id => $svc2->{id}, metric => 'error_rate',
		window_seconds => 30 }), 422, 'VALIDATION', 'window_seconds', 'a preview of a 30 s window: 422');
}

# --- An application's rules. --------------------------------------------------
my $app = new_app("windows-$tag");
my $other = new_app("windows-other-$tag");
{
	my @bad_app = (
		[ 'a service metric', { metric => 'error_rate', threshold => 1, window_seconds => 60 }, 'metric' ],
		[ 'a route', { metric => 'event_count', threshold => 1, window_seconds => 60, route => '/x' }, 'route' ],
		[ 'a window on new_issue', { metric => 'new_issue', window_seconds => 60 }, 'window_seconds' ],
		[ 'a threshold on regression', { metric => 'regression', threshold => 1 }, 'threshold' ],
		[ 'an unknown level', { metric => 'new_issue', level => 'FATAL' }, 'level' ],
		[ 'event_count without a window', { metric => 'event_count', threshold => 1 }, 'window_seconds' ],
	);
	for my $b (@bad_app) {
		error_ok(req('POST', "/apps/$app->{id}/alerts", json => $b->[1]), 422, 'VALIDATION', $b->[2],
			 "application rule with $b->[0]: 422 naming $b->[2]");
	}
	is(scalar @{ req('GET', "/apps/$app->{id}/alerts")->{json} || [] }, 0, '  none stored');
	error_ok(req('POST', '/apps/999999999/alerts', json => { metric => 'new_issue' }), 404, 'NOT_FOUND', undef,
		 'a rule of no application: 404');
}
my $count = req('POST', "/apps/$app->{id}/alerts", json => { metric => 'event_count', level => 'ERROR',
	threshold => 3, window_seconds => 60 });
is($count->{status}, 201, 'an event_count rule: 201') or diag($count->{body});
is_deeply([ @{ $count->{json} }{qw(kind application_id name metric operator level)} ],
	  [ 'window', $app->{id}, 'event_count', 'event_count', '>=', 'ERROR' ], '  named after its metric, >= by default');
my $issues = req('POST', "/apps/$app->{id}/alerts", json => { name => 'new issues', metric => 'new_issue' })->{json};
is_deeply([ @$issues{qw(kind metric state)} ], [ 'issue', 'new_issue', 'ok' ], 'a new_issue rule');
ingest($app, [ map { ev(level => 'INFO', message => "info $_") } 1 .. 5 ]);
ingest($app, [ map { ev(level => 'ERROR', message => "failure $tag") } 1 .. 2 ]);
sleep 2;
is(rule($count->{json}{id})->{state}, 'ok', 'two ERROR events of five INFO: ok');
ingest($app, ev(level => 'ERROR', message => "failure $tag"));
ok(state_is($count->{json}{id}, 'firing'), 'the third ERROR event fires it');
is(rule($count->{json}{id})->{last_value}, 3, '  value 3');
my @issue_events = alert_events_of($issues->{id});
my %issue_ids = map { $_->{issue_id} => 1 } @issue_events;
is(scalar(keys %issue_ids), 2, 'the new_issue rule fired once for each of the two new issues');
ok(!grep({ $_->{state} ne 'fired' } @issue_events), '  each "fired"');

my $listed = req('GET', "/apps/$app->{id}/alerts")->{json} || [];
is(scalar @$listed, 2, 'GET /apps/{id}/alerts lists both');
is(scalar @{ req('GET', "/v1/alerts?application_id=$app->{id}&state=firing")->{json} || [] }, 1,
   'GET /v1/alerts?application_id&state=firing lists the firing one');
is(scalar @{ req('GET', "/v1/alerts?application_id=$app->{id}&kind=issue")->{json} || [] }, 1, '  kind=issue the other');
error_ok(req('GET', '/v1/alerts?state=burning'), 422, 'VALIDATION', 'state', 'a state of none: 422');
is(req('GET', "/apps/$app->{id}/alerts/$issues->{id}")->{status}, 200, 'an application rule by its path');
error_ok(req('GET', "/apps/$other->{id}/alerts/$issues->{id}"), 404, 'NOT_FOUND', undef,
	 'through another application: 404');
error_ok(req('DELETE', "/apps/$other->{id}/alerts/$issues->{id}"), 404, 'NOT_FOUND', undef,
	 '  nor deleted through it');
error_ok(req('PATCH', "/apps/$other->{id}/alerts/$issues->{id}", json => { enabled => JSON::PP::false }), 404,
	 'NOT_FOUND', undef, '  nor changed through it');
is(req('PATCH', "/apps/$app->{id}/alerts/$issues->{id}", json => { enabled => JSON::PP::false })->{status}, 200,
   'changed through its own');
is(req('DELETE', "/apps/$app->{id}/alerts/$issues->{id}")->{status}, 204, 'deleted through its own');

# --- Window events outlive the logs they summarised. ---------------------------
db_query("DELETE FROM logs WHERE service_id = '$svc->{id}'");
is(scalar(alert_events_of($rate)), 2, "a window rule's events outlive its service's logs");

done_testing();
