#!/usr/bin/perl
# Webhooks of alert rules, delivered by telltale-notifier to a receiver this
# test runs on 127.0.0.1 (the stack must admit it: REPLAY_ALLOW=127.0.0.1/32,
# and sign with TELLTALE_WEBHOOK_SECRET, which this test reads from its own
# environment). The webhook arrives once and signed; a 500 is retried with
# back-off until a 2xx, and never past five attempts; a target the outbound
# guard refuses fails with the reason; every outcome is recorded on the alert
# event; and a restarted notifier delivers nothing twice.
use strict;
use warnings;
use Test::More;
use Digest::SHA qw(hmac_sha256_hex);
use Telltale;

my $SECRET = $ENV{TELLTALE_WEBHOOK_SECRET};
BAIL_OUT('TELLTALE_WEBHOOK_SECRET is not set: the stack under test must sign with it')
	unless defined $SECRET && length $SECRET;

receiver_start();

my $uniq = "$$-t" . time();   # no digit run a card number could be

# The single event of $rule once its delivery_status is one of @states
# (waiting up to $secs), or the last seen.
sub event_when {
	my ($rule, $secs, @states) = @_;
	my %want = map { $_ => 1 } @states;
	my $ev;
	wait_for($secs, sub { ($ev) = alert_events_of($rule); $ev && $want{ $ev->{delivery_status} } });
	return $ev || {};
}

# The notifier's pid, once it is another than $old.
sub notifier_after {
	my ($old) = @_;
	my $new;
	wait_for(15, sub { ($new) = grep { $_ != ($old // 0) } notifier_pids(); $new });
	return $new;
}

# A service of its own for each case: every rule of a service sees its logs.
sub service_and_key { my $s = new_service(@_); return ($s, new_key($s)) }

# Slow cases first, checked last: five failed attempts take 1 + 2 + 4 + 8 s.
my $flop = new_service('webhooks-fail');
my $fail_rule = new_alert($flop, webhook_url => hook("/fail/$uniq"));
my $refused_rule = new_alert($flop, webhook_url => 'http://10.0.0.1:9/hook');
is(ingest_log(new_key($flop)->{raw_key}, log_ev(status_code => 500))->{status}, 201,
   'a log fires a rule whose receiver always fails, and one the guard refuses');

# --- arrives once, signed ----------------------------------------------------------------------

{
	my ($svc, $key) = service_and_key('webhooks-once');
	my $rule = new_alert($svc, name => 'once', webhook_url => hook("/ok/once-$uniq"));
	my $log = ingest_log($key->{raw_key}, log_ev(status_code => 503, latency_ms => 12.5));
	is($log->{status}, 201, 'the ingest answers 201');
	my @got;
	wait_for(20, sub { @got = received("/ok/once-$uniq") });
	is(scalar @got, 1, 'the webhook arrives');
	my $r = $got[0] || { headers => {} };
	my ($ev) = alert_events_of($rule);
	$ev ||= {};
	is($r->{method}, 'POST', 'as a POST');
	like($r->{headers}{'content-type'} // '', qr{^application/json\b}, 'of JSON');
	like($rule->{webhook_secret} // '', qr/^whsec_[0-9a-f]{64}\z/, 'the rule was made with its webhook_secret');
	signed_ok($r, $rule->{webhook_secret}, 'X-Telltale-Signature is t= and v1=, the HMAC of "<t>.<body>" under it');
	is($r->{headers}{'x-telltale-event'}, 'alert', 'X-Telltale-Event: alert');
	is($r->{headers}{'x-telltale-delivery'}, $ev->{id}, 'X-Telltale-Delivery is the event id');
	is($r->{headers}{'x-telltale-attempt'}, 1, 'X-Telltale-Attempt: 1');
	my $body = eval { JSON::PP->new->utf8->decode($r->{body}) } || {};
	is_deeply([ sort keys %$body ], [ sort qw(id alert_id log_id field observed_value created_at alert) ],
		  'the body is the ALERT EVENT and its rule');
	is($body->{$_}, $ev->{$_}, "  its $_ as the API shows it") for qw(id alert_id log_id field created_at);
	is($body->{observed_value}, 503, '  its observed_value');
	is($body->{log_id}, $log->{json}{id}, '  the log that fired it');
	is_deeply($body->{alert}, { map { $_ => $rule->{$_} } qw(id service_id name condition_field
				   condition_operator condition_value) }, '  and the rule');
	$ev = event_when($rule, 10, 'delivered');
	is($ev->{delivery_status}, 'delivered', 'the event is recorded as delivered');
	is($ev->{delivery_attempts}, 1, '  after one attempt');
	ok(is_rfc3339_z($ev->{delivered_at}), '  with delivered_at');
	ok(!defined $ev->{delivery_error}, '  and no error');
	Time::HiRes::sleep(2.5);
	is(scalar(received("/ok/once-$uniq")), 1, 'and it arrives only once');

	my ($t, $v1) = ($r->{headers}{'x-telltale-signature'} // '') =~ /^t=(\d+),v1=(\w+)/;
	(my $tampered = $r->{body} // '') =~ s/503/504/;
	isnt(hmac_sha256_hex(($t // '') . ".$tampered", $rule->{webhook_secret} // ''), $v1 // '',
	     'a changed body does not match the signature');
	ok(!defined req('GET', "/v1/alerts/$rule->{id}")->{json}{webhook_secret}, 'the secret is never shown again');
}

# --- a rotated secret; a rule made before secrets were per rule ---------------------------------

{
	my ($svc, $key) = service_and_key('webhooks-rotate');
	my $rule = new_alert($svc, name => 'rotate', webhook_url => hook("/ok/rotate-$uniq"), cooldown_seconds => 0);
	my $res = req('POST', "/v1/alerts/$rule->{id}/webhook-secret");
	is($res->{status}, 200, 'POST /v1/alerts/{id}/webhook-secret answers 200');
	my $new = $res->{json}{webhook_secret} // '';
	like($new, qr/^whsec_[0-9a-f]{64}\z/, '  with a new webhook_secret');
	isnt($new, $rule->{webhook_secret}, '  not the one before');
	ingest_log($key->{raw_key}, log_ev(status_code => 500));
	my @got;
	wait_for(20, sub { @got = received("/ok/rotate-$uniq") });
	signed_ok($got[0] || {}, $new, 'the next delivery is signed with the new secret');
	my ($t, $v1) = (($got[0] || {})->{headers}{'x-telltale-signature'} // '') =~ /^t=(\d+),v1=(\w+)/;
	isnt(hmac_sha256_hex(($t // '') . '.' . ($got[0]{body} // ''), $rule->{webhook_secret}), $v1 // '',
	     '  and not with the old one');

	my $plain = new_alert($svc, name => 'no hook');
	error_ok(req('POST', "/v1/alerts/$plain->{id}/webhook-secret"), 409, 'CONFLICT', undef,
		 'a rule without a webhook has no secret to rotate: 409');
	error_ok(req('POST', '/v1/alerts/00000000-0000-4000-8000-000000000000/webhook-secret'), 404,
		 'NOT_FOUND', undef, 'an unknown rule: 404');
	ok(!exists $plain->{webhook_secret}, 'a rule without a webhook is made without a secret');

	# A rule made before secrets were per rule has no nonce: it is signed with
	# the secret of an empty nonce and, for one release, as before too.
	my $old = new_alert($svc, name => 'before', webhook_url => hook("/ok/before-$uniq"));
	db_query("UPDATE alerts SET webhook_secret_nonce = NULL WHERE id = '$old->{id}'");
	ingest_log($key->{raw_key}, log_ev(status_code => 502));
	wait_for(20, sub { @got = received("/ok/before-$uniq") });
	my $r = $got[0] || { headers => {} };
	my @sigs = split /, /, $r->{headers}{'x-telltale-signature'} // '';
	is(scalar @sigs, 2, 'a rule of before gets two X-Telltale-Signature headers');
	signed_ok({ %$r, headers => { 'x-telltale-signature' => $sigs[0] // '' } },
		  'whsec_' . hmac_sha256_hex("webhook secret:$old->{id}:", $SECRET), '  t= and v1= under its derived secret');
	is($sigs[1], 'sha256=' . hmac_sha256_hex($r->{body} // '', $SECRET), '  and sha256= under the stack\'s key, as before');
}

# --- retried after a 500 --------------------------------------------------------------------------

{
	my ($svc, $key) = service_and_key('webhooks-flaky');
	my $rule = new_alert($svc, name => 'flaky', webhook_url => hook("/flaky/1/$uniq"));
	ingest_log($key->{raw_key}, log_ev(status_code => 500));
	my @got;
	wait_for(20, sub { @got = received("/flaky/1/$uniq"); @got >= 2 });
	is_deeply([ map { $_->{status} } @got ], [ 500, 200 ], 'answered 500, the webhook comes again and gets 200');
	is($got[1]{body}, $got[0]{body}, 'the same body both times');
	signed_ok($got[$_], $rule->{webhook_secret}, "attempt " . ($_ + 1) . ' is signed') for 0, 1;
	is_deeply([ map { $_->{headers}{'x-telltale-attempt'} } @got ], [ 1, 2 ], 'attempts 1 and 2');
	ok(@got == 2 && $got[1]{at} - $got[0]{at} >= 0.9, 'the second about a second after the first')
		or diag(@got == 2 ? $got[1]{at} - $got[0]{at} : 'missing');
	my $ev = event_when($rule, 10, 'delivered');
	is($ev->{delivery_status}, 'delivered', 'recorded as delivered');
	is($ev->{delivery_attempts}, 2, '  after two attempts');
}

# --- a restarted notifier delivers nothing twice ----------------------------------------------------
#
# Two restarts (multiwatch gives up on a child that dies too often).

{
	my ($old) = notifier_pids();
	ok($old, 'the notifier runs') or diag('no notifier under ' . ($ENV{TELLTALE_STATE_DIR} // '?'));

	# Stopped between a failed attempt and the retry: the new one retries, once.
	my ($svc, $key) = service_and_key('webhooks-restart');
	my $rule = new_alert($svc, name => 'restart retry', webhook_url => hook("/flaky/1/restart-$uniq"));
	ingest_log($key->{raw_key}, log_ev(status_code => 500));
	wait_for(20, sub { received("/flaky/1/restart-$uniq") >= 1 });
	event_when($rule, 5, 'pending');
	kill_on_purpose('TERM', $old, 'notifier');    # multiwatch starts another
	my $new = notifier_after($old);
	ok($new, 'multiwatch starts a new notifier');
	my $ev = event_when($rule, 20, 'delivered');
	is($ev->{delivery_status}, 'delivered', 'the new notifier makes the retry');
	is_deeply([ map { $_->{status} } received("/flaky/1/restart-$uniq") ], [ 500, 200 ],
		  '  one failed attempt and one delivery, no more');

	# Stopped during an attempt (the receiver takes 2 s to answer): the
	# attempt is finished and recorded, and not made again.
	($svc, $key) = service_and_key('webhooks-restart-many');
	my $many = new_alert($svc, name => 'restart many', webhook_url => hook("/ok/restart-$uniq"));
	ingest_log($key->{raw_key}, log_ev(status_code => 500)) for 1 .. 3;
	my @events;
	wait_for(20, sub { @events = grep { $_->{delivery_status} eq 'delivered' } alert_events_of($many);
			   @events == 3 });
	is(scalar @events, 3, 'three events delivered');
	my $slow = new_alert($svc, name => 'slow receiver', webhook_url => hook("/slow/restart-$uniq"));
	ingest_log($key->{raw_key}, log_ev(status_code => 500));
	event_when($slow, 10, 'sending');
	kill_on_purpose('TERM', $new, 'notifier');
	$ev = event_when($slow, 10, 'delivered');
	is($ev->{delivery_status}, 'delivered', 'stopped mid-attempt, the notifier finishes and records it');
	my $third = notifier_after($new);
	ok($third, 'the notifier is restarted again');
	wait_for(20, sub { @events = grep { $_->{delivery_status} eq 'delivered' } alert_events_of($many);
			   @events == 4 });
	is(scalar @events, 4, 'the event the restart met is delivered too');
	Time::HiRes::sleep(2.5);
	is(scalar(received("/slow/restart-$uniq")), 1, 'the receiver that was slow got it once');
	my @got = received("/ok/restart-$uniq");
	is(scalar @got, 4, 'the other receiver got four requests');
	is_deeply([ sort map { $_->{headers}{'x-telltale-delivery'} } @got ], [ sort map { $_->{id} } @events ],
		  '  one for each event: none twice');
}

# --- an attempt cut short is never made again --------------------------------------------------------
#
# A notifier killed outright mid-attempt leaves its event 'sending': whether
# the receiver got it is unknown, so the next notifier marks it failed (after
# a minute; the row is made that old here) and never sends it.

{
	my ($svc, $key) = service_and_key('webhooks-stale');
	my $rule = new_alert($svc, name => 'stale', webhook_url => hook("/ok/stale-$uniq"));
	my $log = ingest_log($key->{raw_key}, log_ev(status_code => 200))->{json} || {};
	my $made = db_query("INSERT INTO alert_events (alert_id, log_id, field, observed_value,"
			    . " delivery_status, delivery_attempts, last_attempt_at)"
			    . " VALUES ('$rule->{id}', '$log->{id}', 'status_code', '200', 'sending', 1,"
			    . " now() - interval '2 minutes')");
	SKIP: {
		my $ev = event_when($rule, 10, 'failed');
		is($ev->{delivery_status}, 'failed', 'an attempt left in flight by a dead notifier is marked failed');
		like($ev->{delivery_error} // '', qr/unknown/, '  saying its outcome is unknown');
		is($ev->{delivery_attempts}, 1, '  with no further attempt');
		Time::HiRes::sleep(1);
		is(scalar(received("/ok/stale-$uniq")), 0, '  and nothing sent');
	}
}

# --- bounded retries, refused targets ---------------------------------------------------------------

{
	my $ev = event_when($fail_rule, 40, 'failed');
	is($ev->{delivery_status}, 'failed', 'a receiver that always answers 500: failed in the end');
	is($ev->{delivery_attempts}, 5, '  after five attempts');
	like($ev->{delivery_error} // '', qr/\b500\b/, '  the last error names the 500');
	ok(!defined $ev->{delivered_at}, '  delivered_at stays null');
	my @got = received("/fail/$uniq");
	is(scalar @got, 5, 'the receiver saw five attempts');
	my @gaps = map { $got[$_]{at} - $got[ $_ - 1 ]{at} } 1 .. $#got;
	ok(@gaps == 4 && $gaps[0] >= 0.9 && $gaps[1] >= 1.8 && $gaps[2] >= 3.6 && $gaps[3] >= 7.2,
	   'backing off 1, 2, 4, 8 s') or diag("gaps: @gaps");

	$ev = event_when($refused_rule, 20, 'failed');
	is($ev->{delivery_status}, 'failed', 'a webhook to 10.0.0.1 (not admitted) fails');
	ok(length($ev->{delivery_error} // ''), '  with the reason: ' . ($ev->{delivery_error} // 'none'));
}

# --- a rule that fires on every log is capped --------------------------------------------------------

{
	my ($svc, $key) = service_and_key('webhooks-cap');
	my $rule = new_alert($svc, name => 'every log', webhook_url => hook("/ok/cap-$uniq"), cooldown_seconds => 0);
	my $cap = $ENV{TELLTALE_WEBHOOK_MAX_PER_MINUTE} || 60;
	my $sent = 0;
	for (1 .. $cap + 15) {
		$sent++ if ingest_log($key->{raw_key}, log_ev(status_code => 500))->{status} == 201;
	}
	is($sent, $cap + 15, ($cap + 15) . ' logs fire the rule');
	my %by;
	wait_for(30, sub {
		%by = ();
		$by{ $_->{delivery_status} }++ for alert_events_of($rule);
		($by{delivered} // 0) + ($by{capped} // 0) == $cap + 15;
	}, 0.5);
	is($by{delivered}, $cap, "$cap are delivered in the minute");
	is($by{capped}, 15, 'the other 15 are recorded as capped');
	is(scalar(received("/ok/cap-$uniq")), $cap, "  and the receiver got $cap, no more");
	my ($capped) = grep { $_->{delivery_status} eq 'capped' } alert_events_of($rule);
	like($capped->{delivery_error} // '', qr/not sent/, '  a capped event says why');
	is($capped->{delivery_attempts}, 0, '  and that no attempt was made');
}

# --- across the whole run --------------------------------------------------------------------------

{
	my %ok;
	$ok{ $_->{headers}{'x-telltale-delivery'} // '' }++ for grep { $_->{status} == 200 } received_all();
	is(scalar(grep { $_ > 1 } values %ok), 0, 'no event was delivered twice in the whole run');
	is(scalar(received("/ok/once-$uniq")), 1, 'the first webhook still arrived only once');
}

done_testing();
