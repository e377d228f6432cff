#!/usr/bin/perl
# /v1/alerts: the rules (create, list, get, delete, and every refusal), their
# evaluation on ingest (each field and operator fires exactly when it should,
# not within its cooldown, not twice under concurrent ingests, and never
# costs the ingest), the alert events newest first with pagination, and the
# cascades of deleting a rule or its service.
use strict;
use warnings;
use Test::More;
use POSIX ();
use Telltale;

my $UNKNOWN = '00000000-0000-4000-8000-000000000000';
my @ALERT_FIELDS = qw(id kind service_id name description condition_field condition_operator
		      condition_value cooldown_seconds webhook_url last_fired_at created_at
		      enabled state last_value last_evaluated_at channel_ids);
my @EVENT_FIELDS = qw(id alert_id log_id state field observed_value created_at delivery_status
		      delivery_attempts delivery_error last_attempt_at delivered_at deliveries);

my $svc = new_service('alerts');
my $key = new_key($svc, 'alerts key');

# Sends a log with $key (fields over log_ev's); returns the LOG, failing the
# test unless the ingest answers 201.
sub send_log {
	my ($k, %fields) = @_;
	my $res = ingest_log($k->{raw_key}, log_ev(%fields));
	is($res->{status}, 201, "ingest answers 201 with rules in place") or diag($res->{body});
	return $res->{json} || {};
}

# --- create, get, list, delete ----------------------------------------------------------

my $full;
{
	my %body = (service_id => $svc->{id}, name => '  5xx from checkout  ',
		    description => 'pages the on-call', condition_field => 'status_code',
		    condition_operator => '>=', condition_value => '500', cooldown_seconds => 300,
		    webhook_url => 'https://hooks.example.com/telltale?x=1');
	my $res = req('POST', '/v1/alerts', json => \%body);
	is($res->{status}, 201, 'POST /v1/alerts answers 201') or diag($res->{body});
	like($res->{headers}{'content-type'} // '', qr{^application/json}i, 'as JSON');
	$full = $res->{json} || {};
	is_deeply([ sort keys %$full ], [ sort @ALERT_FIELDS, 'webhook_secret' ],
		  'with every field of ALERT, and the webhook_secret of its webhook this once');
	like(delete $full->{webhook_secret} // '', qr/^whsec_[0-9a-f]{64}\z/, 'webhook_secret is whsec_ and 64 hex digits');
	ok(is_uuid($full->{id}), 'id is a UUID');
	is($full->{service_id}, $svc->{id}, 'service_id as sent');
	is($full->{name}, '5xx from checkout', 'name trimmed');
	is($full->{description}, 'pages the on-call', 'description as sent');
	is($full->{condition_field}, 'status_code', 'condition_field as sent');
	is($full->{condition_operator}, '>=', 'condition_operator as sent');
	is($full->{condition_value}, '500', 'condition_value as sent');
	like($res->{body}, qr/"condition_value":"500"/, 'condition_value is a JSON string');
	like($res->{body}, qr/"cooldown_seconds":300[,}]/, 'cooldown_seconds is a JSON integer');
	is($full->{webhook_url}, $body{webhook_url}, 'webhook_url as sent');
	ok(exists $full->{last_fired_at} && !defined $full->{last_fired_at}, 'last_fired_at is null');
	ok(is_rfc3339_z($full->{created_at}), 'created_at is RFC 3339 UTC');

	my $got = req('GET', "/v1/alerts/$full->{id}");
	is($got->{status}, 200, 'GET /v1/alerts/{id} answers 200');
	is_deeply($got->{json}, $full, 'with the rule as created');
	$got = req('GET', '/v1/alerts/' . uc $full->{id});
	is($got->{json}{id}, $full->{id}, 'the id in upper case finds it too');

	my $min = req('POST', '/v1/alerts', json => { service_id => $svc->{id}, name => 'slow',
		condition_field => 'latency_ms', condition_operator => '>', condition_value => '99.5' });
	is($min->{status}, 201, 'a rule without the optional fields') or diag($min->{body});
	my $m = $min->{json} || {};
	ok(!defined $m->{description} && !defined $m->{webhook_url}, 'description and webhook_url are null');
	is($m->{cooldown_seconds}, 0, 'cooldown_seconds defaults to 0');
	is($m->{condition_value}, '99.5', 'a latency value kept as given');
	my $nulls = req('POST', '/v1/alerts', json => { service_id => $svc->{id}, name => 'nulls',
		condition_field => 'error', condition_operator => '==', condition_value => 'TRUE',
		description => undef, cooldown_seconds => undef, webhook_url => undef });
	is($nulls->{status}, 201, 'null optional fields are accepted') or diag($nulls->{body});
	is($nulls->{json}{condition_value}, 'true', 'an error value is coerced to lower case');

	my $list = req('GET', "/v1/alerts?service_id=$svc->{id}");
	is($list->{status}, 200, 'GET /v1/alerts?service_id answers 200');
	is(ref $list->{json}, 'ARRAY', 'a plain array');
	is_deeply([ map { $_->{id} } @{ $list->{json} || [] } ], [ $full->{id}, $m->{id}, $nulls->{json}{id} ],
		  'the service\'s rules, oldest first');
	is_deeply(($list->{json} || [])->[0], $full, 'each as GET shows it');
	is(scalar(grep { $_->{service_id} eq $svc->{id} } @{ list_all('/v1/alerts') }), 3,
	   'GET /v1/alerts lists every service\'s rules');
	is_deeply(req('GET', "/v1/alerts?service_id=$UNKNOWN")->{json}, [], 'an unknown service_id lists none');
	error_ok(req('GET', '/v1/alerts?service_id=nope'), 422, 'VALIDATION', 'service_id',
		 'a malformed service_id is 422');

	is(req('DELETE', "/v1/alerts/$m->{id}")->{status}, 204, 'DELETE /v1/alerts/{id} answers 204');
	error_ok(req('GET', "/v1/alerts/$m->{id}"), 404, 'NOT_FOUND', undef, 'the rule is gone');
	error_ok(req('DELETE', "/v1/alerts/$m->{id}"), 404, 'NOT_FOUND', undef, 'deleting it again is 404');
	req('DELETE', "/v1/alerts/$nulls->{json}{id}");
	req('DELETE', "/v1/alerts/$full->{id}");
	is_deeply(req('GET', "/v1/alerts?service_id=$svc->{id}")->{json}, [], 'the service has no rule left');
}

# --- ids in paths -------------------------------------------------------------------------

for my $id ($UNKNOWN, 'nope', '123', '00000000-0000-4000-8000-00000000000', "$UNKNOWN-1",
	    '00000000-0000-4000-8000-00000000000g', 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz') {
	error_ok(req('GET', "/v1/alerts/$id"), 404, 'NOT_FOUND', undef, "GET /v1/alerts/$id is 404");
	error_ok(req('DELETE', "/v1/alerts/$id"), 404, 'NOT_FOUND', undef, "DELETE /v1/alerts/$id is 404");
	error_ok(req('GET', "/v1/alerts/$id/events"), 404, 'NOT_FOUND', undef,
		 "GET /v1/alerts/$id/events is 404");
}

# --- refusals -------------------------------------------------------------------------------

{
	my %ok = (service_id => $svc->{id}, name => 'r', condition_field => 'status_code',
		  condition_operator => '>=', condition_value => '500');
	my @cases = (
		[ { service_id => undef }, 'service_id', 'no service_id' ],
		[ { service_id => 'nope' }, 'service_id', 'a malformed service_id' ],
		[ { service_id => 42 }, 'service_id', 'a numeric service_id' ],
		[ { service_id => $UNKNOWN }, 'service_id', 'an unknown service_id' ],
		[ { name => undef }, 'name', 'no name' ],
		[ { name => '   ' }, 'name', 'a blank name' ],
		[ { name => 'x' x 129 }, 'name', 'a name of 129 characters' ],
		[ { name => "a\tb" }, 'name', 'a name with a control character' ],
		[ { name => 7 }, 'name', 'a numeric name' ],
		[ { description => 'x' x 513 }, 'description', 'a description of 513 characters' ],
		[ { description => [] }, 'description', 'a description that is not a string' ],
		[ { condition_field => undef }, 'condition_field', 'no condition_field' ],
		[ { condition_field => 'method' }, 'condition_field', 'an unknown condition_field' ],
		[ { condition_field => 'STATUS_CODE' }, 'condition_field', 'condition_field in upper case' ],
		[ { condition_operator => undef }, 'condition_operator', 'no condition_operator' ],
		[ { condition_operator => '=' }, 'condition_operator', 'the operator =' ],
		[ { condition_operator => '=>' }, 'condition_operator', 'the operator =>' ],
		[ { condition_operator => 'gt' }, 'condition_operator', 'the operator gt' ],
		[ { condition_value => undef }, 'condition_value', 'no condition_value' ],
		[ { condition_value => 500 }, 'condition_value', 'a numeric condition_value' ],
		[ { condition_value => '600' }, 'condition_value', 'status code 600' ],
		[ { condition_value => '99' }, 'condition_value', 'status code 99' ],
		[ { condition_value => '500.5' }, 'condition_value', 'a fractional status code' ],
		[ { condition_value => 'abc' }, 'condition_value', 'a status code that is not a number' ],
		[ { condition_field => 'latency_ms', condition_value => '-1' }, 'condition_value',
		  'a negative latency' ],
		[ { condition_field => 'latency_ms', condition_value => '1e3' }, 'condition_value',
		  'a latency with an exponent' ],
		[ { condition_field => 'latency_ms', condition_value => 'fast' }, 'condition_value',
		  'a latency that is not a number' ],
		[ { condition_field => 'error', condition_operator => '==', condition_value => 'yes' },
		  'condition_value', 'an error value other than true/false' ],
		[ { condition_field => 'error', condition_operator => '>=', condition_value => 'true' },
		  'condition_operator', 'error with >=' ],
		[ { condition_field => 'error', condition_operator => '<', condition_value => 'false' },
		  'condition_operator', 'error with <' ],
		[ { cooldown_seconds => -1 }, 'cooldown_seconds', 'a negative cooldown' ],
		[ { cooldown_seconds => 1.5 }, 'cooldown_seconds', 'a fractional cooldown' ],
		[ { cooldown_seconds => '60' }, 'cooldown_seconds', 'a cooldown as a string' ],
		[ { cooldown_seconds => 2**31 }, 'cooldown_seconds', 'a cooldown past 2^31 - 1' ],
		[ { webhook_url => 'ftp://example.com/' }, 'webhook_url', 'an ftp webhook_url' ],
		[ { webhook_url => 'example.com/hook' }, 'webhook_url', 'a webhook_url without a scheme' ],
		[ { webhook_url => 'http://exa mple.com/' }, 'webhook_url', 'a webhook_url with a blank' ],
		[ { webhook_url => 'https://example.com/' . 'a' x 2048 }, 'webhook_url', 'a webhook_url too long' ],
		[ { webhook_url => 1 }, 'webhook_url', 'a numeric webhook_url' ],
	);
	for my $case (@cases) {
		my ($over, $field, $what) = @$case;
		my %body = (%ok, %$over);
		delete $body{$_} for grep { !defined $over->{$_} && exists $over->{$_} } keys %$over;
		error_ok(req('POST', '/v1/alerts', json => \%body), 422, 'VALIDATION', $field, "$what is 422");
	}
	error_ok(req('POST', '/v1/alerts', json => [ \%ok ]), 422, 'VALIDATION', undef, 'an array body is 422');
	error_ok(req('POST', '/v1/alerts', body => '{"name":'), 400, 'BAD_REQUEST', undef,
		 'an unparsable body is 400');
	error_ok(req('POST', '/v1/alerts', body => json_bytes(\%ok), headers => { 'Content-Type' => 'text/plain' }),
		 400, 'BAD_REQUEST', undef, 'a text/plain body is 400');
	error_ok(req('POST', '/v1/alerts', body => '{"service_id":"a\u0000b"}'), 422, 'VALIDATION', '*',
		 'a NUL in the body is 422');
	is_deeply(req('GET', "/v1/alerts?service_id=$svc->{id}")->{json}, [], 'none of them was stored');
	my $huge = req('POST', '/v1/alerts', json => { %ok, cooldown_seconds => 2**31 - 1 });
	is($huge->{status}, 201, 'a cooldown of 2^31 - 1 is accepted') or diag($huge->{body});
	req('DELETE', "/v1/alerts/$huge->{json}{id}") if $huge->{json};
}

# --- every field and operator fires exactly when it should --------------------------------

{
	my $s = new_service('fire');
	my $k = new_key($s);
	# name => [field, operator, value, logs it fires on]
	my @rules = (
		[ 'status >= 500',  'status_code', '>=', '500',  [qw(L2 L6)] ],
		[ 'status > 499',   'status_code', '>',  '499',  [qw(L2 L6)] ],
		[ 'status < 300',   'status_code', '<',  '300',  [qw(L1 L4)] ],
		[ 'status <= 404',  'status_code', '<=', '404',  [qw(L1 L3 L4)] ],
		[ 'status == 404',  'status_code', '==', '404',  [qw(L3)] ],
		[ 'status != 200',  'status_code', '!=', '200',  [qw(L2 L3 L6)] ],
		[ 'status == 418',  'status_code', '==', '418',  [] ],
		[ 'latency > 1000', 'latency_ms',  '>',  '1000', [qw(L2)] ],
		[ 'latency >= 1000', 'latency_ms', '>=', '1000', [qw(L2 L6)] ],
		[ 'latency < 20',   'latency_ms',  '<',  '20',   [qw(L3)] ],
		[ 'latency <= 20',  'latency_ms',  '<=', '20',   [qw(L3 L4)] ],
		[ 'latency == 50.25', 'latency_ms', '==', '50.25', [qw(L1)] ],
		[ 'latency != 50.25', 'latency_ms', '!=', '50.25', [qw(L2 L3 L4 L6)] ],
		[ 'error == true',  'error',       '==', 'true',  [qw(L2 L4 L6)] ],
		[ 'error == false', 'error',       '==', 'false', [qw(L1 L3 L5)] ],
		[ 'error != true',  'error',       '!=', 'true',  [qw(L1 L3 L5)] ],
		[ 'error != false', 'error',       '!=', 'false', [qw(L2 L4 L6)] ],
	);
	my %alert;
	for my $r (@rules) {
		$alert{ $r->[0] } = new_alert($s, name => $r->[0], condition_field => $r->[1],
					      condition_operator => $r->[2], condition_value => $r->[3]);
	}
	# L5 has neither status code nor latency: no numeric rule fires on it.
	my %sent = (
		L1 => { status_code => 200, latency_ms => 50.25 },
		L2 => { status_code => 503, latency_ms => 1500 },
		L3 => { status_code => 404, latency_ms => 3 },
		L4 => { status_code => 200, latency_ms => 20, error => 'connection reset' },
		L5 => { status_code => undef, latency_ms => undef },
		L6 => { status_code => 500, latency_ms => 1000 },
	);
	my (%log, %name_of);
	for my $name (sort keys %sent) {
		$log{$name} = send_log($k, path => "/fire/$name", %{ $sent{$name} });
		$name_of{ $log{$name}{id} // '' } = $name;
	}
	my $is_error = sub { my $l = $sent{ $_[0] }; defined $l->{error} || ($l->{status_code} // 0) >= 500 };
	for my $r (@rules) {
		my ($name, $field, $op, $value, $want) = @$r;
		my @events = alert_events_of($alert{$name});
		is_deeply([ sort map { $name_of{ $_->{log_id} } // $_->{log_id} } @events ], $want,
			  "$name fires on " . (@$want ? "@$want" : 'nothing'));
		my @bad = grep {
			my $l = $name_of{ $_->{log_id} } // '';
			my $observed = $field eq 'error' ? ($is_error->($l) ? 1 : 0) : $sent{$l}{$field};
			$_->{field} ne $field || $_->{alert_id} ne $alert{$name}{id}
			    || !defined $_->{observed_value} || $_->{observed_value} != $observed
			    || ($field eq 'error' && !JSON::PP::is_bool($_->{observed_value}))
			    || $_->{created_at} ne $log{$l}{received_at}
		} @events;
		is(scalar @bad, 0, "  its events name the field, the observed value and the log's time");
		my $rule = req('GET', "/v1/alerts/$alert{$name}{id}")->{json} || {};
		if (@$want) {
			ok(is_rfc3339_z($rule->{last_fired_at}), '  its last_fired_at is set');
		} else {
			ok(!defined $rule->{last_fired_at}, '  its last_fired_at stays null');
		}
	}
	my ($one) = alert_events_of($alert{'status >= 500'});
	is_deeply([ sort keys %{ $one || {} } ], [ sort @EVENT_FIELDS ], 'an event has every field of ALERT EVENT');
	is($one->{delivery_status}, 'none', 'a rule without webhook: delivery_status none');
	is($one->{delivery_attempts}, 0, '  and no attempt');
	like(req('GET', "/v1/alerts/$alert{'status >= 500'}{id}/events")->{body}, qr/"observed_value":50[03][,}]/,
	     'an observed status code is a JSON integer');
	like(req('GET', "/v1/alerts/$alert{'error == true'}{id}/events")->{body}, qr/"observed_value":true[,}]/,
	     'an observed error is a JSON boolean');
	like(req('GET', "/v1/alerts/$alert{'latency == 50.25'}{id}/events")->{body}, qr/"observed_value":50\.25[,}]/,
	     'an observed latency is the number as stored');

	my $other = new_service('fire-other');
	my $ok = new_key($other);
	send_log($ok, status_code => 599, latency_ms => 9999, error => 'x');
	is(scalar alert_events_of($alert{'status >= 500'}), 2, 'another service\'s logs fire none of these rules');
	is(scalar logs_of("service_id=$s->{id}"), 6, 'every log was stored');
}

# --- cooldown -----------------------------------------------------------------------------------

{
	my $s = new_service('cooldown');
	my $k = new_key($s);
	my $hour = new_alert($s, cooldown_seconds => 3600);
	my $short = new_alert($s, condition_field => 'latency_ms', condition_operator => '>',
			      condition_value => '100', cooldown_seconds => 2);
	my $first = send_log($k, status_code => 500, latency_ms => 200);
	send_log($k, status_code => 502, latency_ms => 300);
	send_log($k, status_code => 200, latency_ms => 5);
	my @hour = alert_events_of($hour);
	is(scalar @hour, 1, 'a rule fires once within its cooldown');
	is($hour[0]{log_id}, $first->{id}, '  on the first log that matched');
	is(req('GET', "/v1/alerts/$hour->{id}")->{json}{last_fired_at}, $first->{received_at},
	   '  and last_fired_at is that log\'s time');
	is(scalar alert_events_of($short), 1, 'the 2 s rule fired once too');
	Time::HiRes::sleep(2.3);
	my $later = send_log($k, status_code => 503, latency_ms => 150);
	my @short = alert_events_of($short);
	is(scalar @short, 2, 'it fires again once its cooldown has passed');
	is($short[0]{log_id}, $later->{id}, '  on the log that came after');
	is(scalar alert_events_of($hour), 1, 'the hour-long rule stays quiet');
	send_log($k, status_code => 200, latency_ms => 101);
	is(scalar alert_events_of($short), 2, 'a match within the renewed cooldown does not fire');
}

# --- concurrent ingests -------------------------------------------------------------------------

# Sends $n logs (fields %fields) at once from $n processes, each on its own
# connection; returns their statuses.
sub send_at_once {
	my ($k, $n, %fields) = @_;
	my ($host, $port) = url() =~ m{^https?://([^/:]+):(\d+)};
	my $go = Time::HiRes::time() + 0.5;
	my @pids;
	pipe(my $r, my $w) or die "pipe: $!";
	for my $i (1 .. $n) {
		my $pid = fork // die "fork: $!";
		if (!$pid) {
			close $r;
			Time::HiRes::sleep($go - Time::HiRes::time()) if $go > Time::HiRes::time();
			my $res = http_once($host, $port, 'POST', '/v1/logs', body => json_bytes(log_ev(%fields)),
					    headers => { Authorization => "Bearer $k->{raw_key}",
							 'Content-Type' => 'application/json' });
			syswrite($w, "$res->{status}\n");
			POSIX::_exit(0);
		}
		push @pids, $pid;
	}
	close $w;
	my @statuses = map { chomp; $_ } <$r>;
	waitpid($_, 0) for @pids;
	return @statuses;
}

{
	my $s = new_service('race');
	my $k = new_key($s);
	my $once = new_alert($s, cooldown_seconds => 3600);
	my $every = new_alert($s, cooldown_seconds => 0);
	my @statuses = send_at_once($k, 8, status_code => 500);
	is_deeply([ sort @statuses ], [ (201) x 8 ], 'eight concurrent ingests all answer 201');
	is(scalar alert_events_of($once), 1, 'a rule with a cooldown fires once among them');
	is(scalar alert_events_of($every), 8, 'a rule without one fires for each');
	is(scalar logs_of("service_id=$s->{id}"), 8, 'every log was stored');
}

# --- a rule locked by another transaction -------------------------------------------------------
#
# A transaction holds both rules of a service: it has just fired the one with
# a cooldown (last_fired_at = now()) and touched the other. An ingest that
# matches both waits for it, then reads both rules again as committed: the
# first is within its cooldown now and stays quiet, the second fires.

{
	my $s = new_service('locked');
	my $k = new_key($s);
	my $once = new_alert($s, cooldown_seconds => 3600);
	my $every = new_alert($s, cooldown_seconds => 0);
	my $holder = db_session('BEGIN', "UPDATE alerts SET last_fired_at = now() WHERE id = '$once->{id}'",
				"UPDATE alerts SET name = name WHERE id = '$every->{id}'",
				'SELECT pg_sleep(2)', 'COMMIT');
	ok(wait_for(10, sub { db_sessions("query = 'SELECT pg_sleep(2)' AND state = 'active'") }, 0.05),
	   'another transaction holds the rules');
	my $status_of = in_background(sub { ingest_log($k->{raw_key}, log_ev(status_code => 500))->{status} });
	ok(wait_for(10, \&worker_lock_waits, 0.05), 'an ingest that matches them waits for it');
	my $status = $status_of->();
	waitpid($holder, 0);
	is($status, 201, 'and answers 201 once it has committed');
	is(scalar alert_events_of($once), 0, 'the rule fired meanwhile is within its cooldown: no event');
	is(scalar alert_events_of($every), 1, 'the rule without a cooldown fires');
}

# --- what the database holds a rule to ---------------------------------------------------------
#
# Every ingest evaluates the stored rules in SQL, casting their values: the
# database refuses a value in any form but the one creation coerces to.

# The same INSERT for the values taken and for those refused, so that a
# refusal is the constraint's and not the statement's.
sub raw_rule_sql {
	my ($field, $value) = @_;
	return "INSERT INTO alerts (service_id, name, condition_field, condition_operator, condition_value)"
		. " VALUES ('$svc->{id}', 'raw', '$field', '!=', '$value') RETURNING condition_value";
}

for my $good ([ status_code => '500' ], [ latency_ms => '250.5' ], [ latency_ms => '1000000000000' ],
	      [ error => 'false' ]) {
	my ($field, $value) = @$good;
	my $r = db_query(raw_rule_sql($field, $value));
	is($r->[0][0], $value, "the database takes a rule on $field with the value '$value'");
	db_query("DELETE FROM alerts WHERE service_id = '$svc->{id}' AND name = 'raw'");
}

for my $bad ([ status_code => 'abc' ], [ status_code => '99' ], [ status_code => '600' ],
	     [ status_code => '500.0' ], [ latency_ms => '1e3' ], [ latency_ms => '-1' ],
	     [ latency_ms => '.5' ], [ latency_ms => '1000000000001' ], [ error => 'TRUE' ],
	     [ error => '1' ]) {
	my ($field, $value) = @$bad;
	my $stored = eval { db_query(raw_rule_sql($field, $value)); 1 };
	ok(!$stored, "the database refuses a rule on $field with the value '$value'");
}
{
	my $s = new_service('observed');
	my $k = new_key($s);
	my $rule = new_alert($s, condition_field => 'latency_ms', condition_operator => '<', condition_value => '1');
	send_log($k, latency_ms => 0.1);
	like(req('GET', "/v1/alerts/$rule->{id}/events")->{body}, qr/"observed_value":0\.1[,}]/,
	     'an observed latency is spelt as its shortest exact decimal');
}

# --- events: newest first, pages ----------------------------------------------------------------

{
	my $s = new_service('pages');
	my $k = new_key($s);
	my $rule = new_alert($s, condition_field => 'error', condition_operator => '==',
			     condition_value => 'true');
	my @logs = map { send_log($k, path => "/p/$_", error => "e$_")->{id} } 1 .. 5;
	my @want = reverse @logs;
	my (@got, @offsets);
	my $offset = 0;
	for (1 .. 4) {
		my $res = req('GET', "/v1/alerts/$rule->{id}/events?limit=2&offset=$offset");
		is($res->{status}, 200, "a page at offset $offset");
		push @got, map { $_->{log_id} } @{ $res->{json}{items} || [] };
		push @offsets, $res->{json}{next_offset};
		last unless defined $res->{json}{next_offset};
		$offset = $res->{json}{next_offset};
	}
	is_deeply(\@got, \@want, 'pages of 2 hold every event, newest first');
	is_deeply(\@offsets, [ 2, 4, undef ], 'next_offset 2, 4, then null');
	my $all = req('GET', "/v1/alerts/$rule->{id}/events");
	is(scalar @{ $all->{json}{items} }, 5, 'the default page holds them all');
	ok(exists $all->{json}{next_offset} && !defined $all->{json}{next_offset}, '  with next_offset null');
	my $past = req('GET', "/v1/alerts/$rule->{id}/events?offset=10");
	is_deeply($past->{json}, { items => [], next_cursor => undef, next_offset => undef },
		  'past the end: an empty page');
	for my $q ('limit=0', 'limit=501', 'limit=x', 'offset=-1', 'offset=1.5') {
		my ($name) = $q =~ /^(\w+)/;
		error_ok(req('GET', "/v1/alerts/$rule->{id}/events?$q"), 422, 'VALIDATION', $name, "$q is 422");
	}
	my $quiet = new_alert($s, condition_value => '599');
	is_deeply(req('GET', "/v1/alerts/$quiet->{id}/events")->{json},
		  { items => [], next_cursor => undef, next_offset => undef }, 'a rule that never fired: an empty page');

	# Deleting a rule takes its events, not the logs.
	is(req('DELETE', "/v1/alerts/$rule->{id}")->{status}, 204, 'the rule is deleted');
	error_ok(req('GET', "/v1/alerts/$rule->{id}/events"), 404, 'NOT_FOUND', undef, 'its events are 404');
	my $rows = db_query("SELECT count(*) FROM alert_events WHERE alert_id = '$rule->{id}'");
	SKIP: {
		is($rows->[0][0], 0, 'its events are gone from the database');
	}
	is(scalar logs_of("service_id=$s->{id}"), 5, 'its logs stay');
	send_log($k, error => 'after the rule');
	is(scalar logs_of("service_id=$s->{id}"), 6, 'and ingest goes on without it');
}

# --- a failed evaluation never fails the ingest --------------------------------------------------
#
# A trigger makes recording this rule's events fail: the log is stored all the
# same (and answered 201), without the event, and the worker's log says so;
# another rule that the log fires records its event.

{
	my $s = new_service('broken');
	my $k = new_key($s);
	my $rule = new_alert($s);
	my $sound = new_alert($s);
	(my $fn = "t1300_refuse_$rule->{id}") =~ s/-/_/g;
	my $made = db_query("CREATE FUNCTION $fn() RETURNS trigger LANGUAGE plpgsql AS \$\$"
			    . " BEGIN IF NEW.alert_id = '$rule->{id}' THEN RAISE EXCEPTION 't/1300'; END IF;"
			    . " RETURN NEW; END \$\$;"
			    . " CREATE TRIGGER $fn BEFORE INSERT ON alert_events FOR EACH ROW EXECUTE FUNCTION $fn()");
	SKIP: {
		my $log = send_log($k, status_code => 500, path => '/broken');
		my $got = req('GET', "/v1/logs/" . ($log->{id} // 'none'));
		is($got->{status}, 200, 'the log is stored');
		is(scalar alert_events_of($rule), 0, '  without the alert event');
		ok(!defined req('GET', "/v1/alerts/$rule->{id}")->{json}{last_fired_at},
		   '  and the rule has not fired');
		is(scalar alert_events_of($sound), 1, 'another rule the log fires records its event');
		my $said = wait_for(10, sub {
			open(my $fh, '<', "$ENV{TELLTALE_STATE_DIR}/log/worker.log") or return 0;
			return scalar grep { /stored without the alert event of rule \Q$rule->{id}\E/ } <$fh>;
		});
		ok($said, "the worker's log says so");
		db_query("DROP TRIGGER $fn ON alert_events; DROP FUNCTION $fn()");
		send_log($k, status_code => 500, path => '/mended');
		is(scalar alert_events_of($rule), 1, 'the next log fires the rule again');
	}
}

# --- deleting the service -----------------------------------------------------------------------

{
	my $s = new_service('cascade');
	my $k = new_key($s);
	my $rule = new_alert($s);
	send_log($k, status_code => 500);
	is(scalar alert_events_of($rule), 1, 'a rule with an event');
	is(req('DELETE', "/v1/services/$s->{id}")->{status}, 204, 'its service is deleted');
	error_ok(req('GET', "/v1/alerts/$rule->{id}"), 404, 'NOT_FOUND', undef, 'the rule went with it');
	error_ok(req('GET', "/v1/alerts/$rule->{id}/events"), 404, 'NOT_FOUND', undef, 'and its events');
	my $rows = db_query("SELECT (SELECT count(*) FROM alerts WHERE service_id = '$s->{id}'),"
			    . " (SELECT count(*) FROM alert_events WHERE alert_id = '$rule->{id}')");
	SKIP: {
		is_deeply($rows->[0], [ 0, 0 ], 'no rule and no event of it is left in the database');
	}
	error_ok(req('POST', '/v1/alerts', json => { service_id => $s->{id}, name => 'late',
		condition_field => 'status_code', condition_operator => '>=', condition_value => '500' }),
		 422, 'VALIDATION', 'service_id', 'a rule for the deleted service is 422');
}

# --- at most TELLTALE_MAX_RULES_PER_SERVICE rules a service ----------------------------------------

{
	my $many = new_service('alerts-cap');
	my $max = $ENV{TELLTALE_MAX_RULES_PER_SERVICE} || 100;
	my $made = 0;
	for (1 .. $max) {
		$made++ if req('POST', '/v1/alerts', json => { service_id => $many->{id}, name => "r$_",
			condition_field => 'status_code', condition_operator => '>=', condition_value => '500' })->{status} == 201;
	}
	is($made, $max, "a service may have $max rules");
	error_ok(req('POST', '/v1/alerts', json => { service_id => $many->{id}, name => 'one more',
		condition_field => 'status_code', condition_operator => '>=', condition_value => '500' }),
		 409, 'CONFLICT', undef, 'one more is 409 CONFLICT');
	is(scalar @{ req('GET', "/v1/alerts?service_id=$many->{id}")->{json} || [] }, $max, '  and was not made');
	my ($first) = @{ req('GET', "/v1/alerts?service_id=$many->{id}&limit=1")->{json} || [] };
	is(req('DELETE', "/v1/alerts/$first->{id}")->{status}, 204, 'after one is deleted');
	is(req('POST', '/v1/alerts', json => { service_id => $many->{id}, name => 'in its place',
		condition_field => 'status_code', condition_operator => '>=', condition_value => '500' })->{status},
	   201, '  another may be made');
}

done_testing();
