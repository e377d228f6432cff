#!/usr/bin/perl
# Alert channels and window rules, end to end: channels of every kind
# (webhook, slack, discord, teams, ntfy, email) made, read and refused; a
# test notice to each in its service's format; a window rule (error_rate over
# a minute) that fires once on a burst of 5xx, stays quiet while it stays
# firing and resolves once when 200s bring the rate down, each change of
# state told once to every channel; a threshold rule's log told to its
# channels; hostile names kept out of e-mail headers and escaped in HTML and
# Slack text; and a deleted channel dropped from its rules.
#
# The receivers run on 127.0.0.1 (the stack must admit it:
# REPLAY_ALLOW=127.0.0.1/32); e-mail goes to a mail sink this test starts on
# TELLTALE_SMTP_PORT, where the stack sends it (TELLTALE_SMTP_URL
# smtp://127.0.0.1:PORT, TELLTALE_SMTP_FROM telltale@localhost); window rules
# are evaluated every second (TELLTALE_ALERT_INTERVAL_S=1).
use strict;
use warnings;
use Test::More;
use Encode ();
use Telltale;
use Telltale::SMTP;
use Telltale::Util qw(json_value);

my $port = receiver_start();
my $smtp_port = $ENV{TELLTALE_SMTP_PORT};
ok($smtp_port, 'TELLTALE_SMTP_PORT names the port the stack sends e-mail to');
ok(smtp_start($smtp_port), 'the mail sink listens on it');

my $tag = "ch$$" . 't' . time();
my $FROM = 'telltale@localhost';
my $MASKED = "http://127.0.0.1:$port/\x{2026}";
my @KINDS = qw(webhook slack discord teams ntfy email);
my %JSON_KIND = map { $_ => 1 } qw(webhook slack discord teams);
my ($RED, $GREEN) = (0xE01E5A, 0x2EB67D);

# POST /v1/channels with %body.
sub channel_post { my (%body) = @_; return req('POST', '/v1/channels', json => \%body) }

# A channel of $kind named $name: posting to the receiver's /ok/$kind-... or
# mailing a fresh address. Returns {id, kind, name, path | to, secret, made
# (the answer's JSON)}; dies unless 201.
my $made = 0;
sub new_channel {
	my ($kind, $name, $what) = @_;
	$made++;
	my %c = (kind => $kind, name => $name);
	if ($kind eq 'email') {
		$c{to} = "$what-$tag-$made\@example.com";
	} else {
		$c{path} = "/ok/$what-$kind-$tag-$made";
	}
	my $res = channel_post(name => $name, kind => $kind,
			       $kind eq 'email' ? (to => $c{to}) : (url => hook($c{path})));
	die "cannot make a $kind channel: $res->{status} " . ($res->{body} // '') . "\n"
		unless $res->{status} == 201 && $res->{json} && $res->{json}{id};
	return { %c, id => $res->{json}{id}, secret => $res->{json}{webhook_secret}, made => $res->{json} };
}

# What $ch was sent, oldest first: the receiver's requests on its path, or
# the mail its address got (parsed).
sub notices {
	my ($ch) = @_;
	return map { mail_parse($_) } mail_to($ch->{to}) if $ch->{kind} eq 'email';
	return received($ch->{path});
}

# The body of a received request as JSON ({} when it is not).
sub body_of { my ($r) = @_; my $j = json_value($r->{body}); return ref $j eq 'HASH' ? $j : {} }

# The label a notice of $kind leads with, FIRING, RESOLVED, TEST or FIRED
# (a webhook's state, upper-cased), or ''.
sub label_of {
	my ($kind, $n) = @_;
	my $j = $JSON_KIND{$kind} ? body_of($n) : {};
	my $title = $kind eq 'slack' ? $j->{text}
		: $kind eq 'discord' ? $j->{content}
		: $kind eq 'teams' ? eval { $j->{attachments}[0]{content}{body}[0]{text} }
		: $kind eq 'ntfy' ? Encode::decode('MIME-Header', $n->{headers}{title} // '')
		: $kind eq 'email' ? $n->{subject}
		: '[' . uc($j->{state} // '') . ']';
	return ($title // '') =~ /^\[([A-Z]+)\]/ ? $1 : '';
}

# The notices $ch got that lead with $label.
sub labelled { my ($ch, $label) = @_; return grep { label_of($ch->{kind}, $_) eq $label } notices($ch) }

# Waits up to $secs for each of @channels to have $count notices labelled
# $label; returns {kind => how many each has}.
sub wait_labelled {
	my ($secs, $label, $count, @channels) = @_;
	my %n;
	wait_for($secs, sub {
		%n = map { ($_->{kind} => scalar(labelled($_, $label))) } @channels;
		!grep { $_ < $count } values %n;
	});
	return \%n;
}

# Waits up to $secs for $rule's state to be $state; returns the rule.
sub rule_when {
	my ($rule, $secs, $state) = @_;
	my $got = {};
	wait_for($secs, sub { $got = req('GET', "/v1/alerts/$rule->{id}")->{json} || {};
			      ($got->{state} // '') eq $state });
	return $got;
}

# Waits up to $secs for the event's deliveries to be made; returns the event.
sub delivered_event {
	my ($rule, $secs, $state) = @_;
	my $ev;
	wait_for($secs, sub {
		($ev) = grep { ($_->{state} // '') eq $state } alert_events_of($rule);
		$ev && @{ $ev->{deliveries} || [] }
			&& !grep { $_->{delivery_status} ne 'delivered' } @{ $ev->{deliveries} };
	});
	return $ev || { deliveries => [] };
}

# Assertions on an event's deliveries: one for each of @channels, delivered.
# Every delivery checked is kept in @deliveries_seen.
my @deliveries_seen;
sub deliveries_ok {
	my ($ev, $what, @channels) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my @d = @{ $ev->{deliveries} || [] };
	push @deliveries_seen, @d;
	is_deeply([ sort map { $_->{channel_id} } @d ], [ sort map { $_->{id} } @channels ],
		  "$what: a delivery for each channel");
	is_deeply([ map { "$_->{channel_id} $_->{delivery_status}" } grep { $_->{delivery_status} ne 'delivered' } @d ],
		  [], '  each delivered');
	is_deeply([ grep { $_->{delivery_attempts} != 1 || defined $_->{delivery_error} } @d ], [],
		  '  at the first attempt, with no error');
}

sub uuid_set { return [ sort @_ ] }

# --- bad input ---------------------------------------------------------------------------------

{
	my $n = 0;
	my $bad = sub { $n++; return "bad-$tag-$n" };
	my $where = sub { my $t = $bad->(); return (name => $t, url => hook("/ok/$t")) };
	my @cases = (
		[ 'kind', 'an unknown kind', { $where->(), kind => 'pager' } ],
		[ 'kind', 'no kind', { $where->() } ],
		[ 'kind', 'a kind not a string', { $where->(), kind => [ 'slack' ] } ],
		[ 'url', 'an ftp url', { name => $bad->(), kind => 'slack', url => "ftp://example.com/$tag" } ],
		[ 'url', 'a relative url', { name => $bad->(), kind => 'discord', url => "/hooks/$tag" } ],
		[ 'url', 'no url', { name => $bad->(), kind => 'teams' } ],
		[ 'url', 'a url of 2049 characters',
		  { name => $bad->(), kind => 'ntfy', url => 'http://example.com/' . ('a' x 2030) } ],
		[ 'url', 'a url that is a number', { name => $bad->(), kind => 'webhook', url => 5 } ],
		[ 'to', '"to" on a slack channel', { $where->(), kind => 'slack', to => "ops-$tag\@example.com" } ],
		[ 'url', '"url" on an e-mail channel',
		  { name => $bad->(), kind => 'email', to => "ops-$tag\@example.com", url => hook("/ok/$tag") } ],
		[ 'to', 'an e-mail "to" that is no address', { name => $bad->(), kind => 'email', to => "ops $tag" } ],
		[ 'to', 'two addresses', { name => $bad->(), kind => 'email', to => "a-$tag\@example.com, b\@example.com" } ],
		[ 'to', 'an address and a header',
		  { name => $bad->(), kind => 'email', to => "a-$tag\@example.com\r\nBcc: evil\@example.com" } ],
		[ 'to', 'a named address', { name => $bad->(), kind => 'email', to => "Ops <a-$tag\@example.com>" } ],
		[ 'to', 'an e-mail channel without "to"', { name => $bad->(), kind => 'email' } ],
		[ 'name', 'no name', { kind => 'slack', url => hook("/ok/bad-$tag-noname") } ],
		[ 'name', 'an empty name', { name => '', kind => 'webhook', url => hook("/ok/bad-$tag-empty") } ],
		[ 'name', 'a name of 129 characters', { name => "bad-$tag-" . ('n' x 129), kind => 'email', to => "c-$tag\@example.com" } ],
		[ 'name', 'a name with CR LF',
		  { name => "bad-$tag\r\nBcc: evil\@example.com", kind => 'email', to => "d-$tag\@example.com" } ],
	);
	for my $c (@cases) {
		my ($field, $what, $body) = @$c;
		error_ok(req('POST', '/v1/channels', json => $body), 422, 'VALIDATION', $field,
			 "POST /v1/channels with $what: 422 naming $field");
	}
	error_ok(req('POST', '/v1/channels', body => '[]'), 422, 'VALIDATION', '*', 'a body that is not an object: 422');
	my $stored = db_query("SELECT count(*) FROM channels WHERE name LIKE 'bad-$tag%' OR url LIKE '%$tag%'"
			      . " OR email_to LIKE '%$tag%'")->[0][0];
	is($stored, 0, 'none of them is stored');
	my @listed = grep { index($_->{name}, "bad-$tag") == 0 } @{ list_all('/v1/channels') };
	is(scalar @listed, 0, '  nor listed');
	error_ok(req('GET', '/v1/channels/00000000-0000-4000-8000-000000000000'), 404, 'NOT_FOUND', undef,
		 'GET an unknown channel: 404');
	error_ok(req('POST', '/v1/channels/00000000-0000-4000-8000-000000000000/test'), 404, 'NOT_FOUND', undef,
		 'POST /test to an unknown channel: 404');
}

# --- one channel of each kind, and a test notice to each ---------------------------------------

my %ch = map { ($_ => new_channel($_, "$_ of $tag", 'chan')) } @KINDS;

for my $kind (@KINDS) {
	my $c = $ch{$kind};
	my $m = $c->{made};
	ok(is_uuid($m->{id}) && $m->{kind} eq $kind && $m->{name} eq "$kind of $tag" && is_rfc3339_z($m->{created_at}),
	   "POST /v1/channels kind $kind: 201 with id, kind, name and created_at");
	if ($kind eq 'email') {
		ok(!defined $m->{url} && exists $m->{url} && $m->{to} eq $c->{to}, '  its url null, its "to" the address');
	} else {
		ok(exists $m->{to} && !defined $m->{to} && $m->{url} eq $MASKED, '  its url masked to the origin and "/...", "to" null')
			or diag(Encode::encode('UTF-8', "url: $m->{url}"));
	}
	if ($kind eq 'webhook') {
		like($m->{webhook_secret} // '', qr/^whsec_[0-9a-f]{64}\z/, '  and its webhook_secret, shown once');
	} else {
		ok(!exists $m->{webhook_secret}, '  and no webhook_secret');
	}
	my $got = req('GET', "/v1/channels/$c->{id}");
	is_deeply($got->{json}, { map { $_ => $m->{$_} } grep { $_ ne 'webhook_secret' } keys %$m },
		  '  GET /v1/channels/{id} answers it, without a secret');
}
my %listed = map { ($_->{id} => $_) } @{ list_all('/v1/channels') };
is_deeply([ grep { !$listed{ $ch{$_}{id} } } @KINDS ], [], 'GET /v1/channels lists all six');
ok(!grep({ exists $_->{webhook_secret} } values %listed), '  with no secret');

my %test;
for my $kind (@KINDS) {
	my $res = req('POST', "/v1/channels/$ch{$kind}{id}/test");
	$test{$kind} = $res->{json} || {};
	my $t = $test{$kind};
	is($res->{status}, 200, "POST /v1/channels/{id}/test, $kind: 200");
	ok(JSON::PP::is_bool($t->{delivered}) && $t->{delivered}, '  delivered true')
		or diag($res->{body});
	is($t->{status_code}, $kind eq 'email' ? undef : 200, '  status_code ' . ($kind eq 'email' ? 'null' : 200));
	ok(exists $t->{error} && !defined $t->{error}, '  error null');
	ok(defined $t->{latency_ms} && !ref $t->{latency_ms} && $t->{latency_ms} =~ /^[0-9.eE+-]+\z/ && $t->{latency_ms} >= 0,
	   '  latency_ms a number');
}

# Each got one notice, at once, in its format.
my %first;
for my $kind (@KINDS) {
	my @n;
	wait_for($kind eq 'email' ? 5 : 0.5, sub { @n = notices($ch{$kind}) });
	is(scalar @n, 1, "the $kind channel got one notice");
	is(label_of($kind, $n[0] || {}), 'TEST', '  of state test');
	$first{$kind} = $n[0] || { headers => $kind eq 'email' ? [] : {}, header => {} };
}

{
	my $r = $first{slack};
	my $j = body_of($r);
	is($r->{method}, 'POST', 'slack: a POST');
	like($r->{headers}{'content-type'} // '', qr{^application/json\b}, '  of application/json');
	my @blocks = @{ ref $j->{blocks} eq 'ARRAY' ? $j->{blocks} : [] };
	like($j->{text} // '', qr/^\[TEST\] /, '  "text" is the summary line');
	ok(($blocks[0]{type} // '') eq 'header' && ($blocks[0]{text}{type} // '') eq 'plain_text'
	   && ($blocks[0]{text}{text} // '') =~ /^\[TEST\] /, '  a header block of plain_text');
	my $section = $blocks[1] || {};
	ok(($section->{type} // '') eq 'section' && ($section->{text}{type} // '') eq 'mrkdwn'
	   && length($section->{text}{text} // ''), '  then a section of mrkdwn');
	my @fields = @{ ref $section->{fields} eq 'ARRAY' ? $section->{fields} : [] };
	ok(@fields && @fields <= 10 && !grep({ ($_->{type} // '') ne 'mrkdwn' } @fields),
	   '  with fields of mrkdwn');
	ok(grep({ ($_->{text} // '') =~ /\Q$ch{slack}{name}\E/ } @fields), '  one naming the channel');
}

{
	my $r = $first{discord};
	my $j = body_of($r);
	like($r->{headers}{'content-type'} // '', qr{^application/json\b}, 'discord: application/json');
	like($j->{content} // '', qr/^\[TEST\] /, '  "content" is the summary line');
	my @embeds = @{ ref $j->{embeds} eq 'ARRAY' ? $j->{embeds} : [] };
	is(scalar @embeds, 1, '  one embed');
	my $e = $embeds[0] || {};
	like($e->{title} // '', qr/^\[TEST\] /, '  its title');
	ok(length($e->{description} // ''), '  a description');
	ok(defined $e->{color} && $e->{color} =~ /^\d+\z/ && $e->{color} != $RED && $e->{color} != $GREEN,
	   '  a colour, neither red nor green') or diag("color " . ($e->{color} // 'undef'));
	my @f = @{ ref $e->{fields} eq 'ARRAY' ? $e->{fields} : [] };
	ok(@f && @f <= 25 && !grep({ !defined $_->{name} || !defined $_->{value} || !JSON::PP::is_bool($_->{inline}) } @f),
	   '  fields of name, value and inline');
	like($e->{timestamp} // '', qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\z/, '  an ISO 8601 timestamp');
	is_deeply($j->{allowed_mentions}, { parse => [] }, '  allowed_mentions parse []: no one pinged');
}

{
	my $r = $first{teams};
	my $j = body_of($r);
	like($r->{headers}{'content-type'} // '', qr{^application/json\b}, 'teams: application/json');
	is($j->{type}, 'message', '  type message');
	my @att = @{ ref $j->{attachments} eq 'ARRAY' ? $j->{attachments} : [] };
	is(scalar @att, 1, '  one attachment');
	my $a = $att[0] || {};
	is($a->{contentType}, 'application/vnd.microsoft.card.adaptive', '  an Adaptive Card');
	ok(exists $a->{contentUrl} && !defined $a->{contentUrl}, '  contentUrl null');
	my $card = ref $a->{content} eq 'HASH' ? $a->{content} : {};
	ok(($card->{type} // '') eq 'AdaptiveCard' && ($card->{version} // '') eq '1.4'
	   && ($card->{'$schema'} // '') eq 'http://adaptivecards.io/schemas/adaptive-card.json',
	   '  of type AdaptiveCard, version 1.4, with its $schema');
	my @body = @{ ref $card->{body} eq 'ARRAY' ? $card->{body} : [] };
	ok(($body[0]{type} // '') eq 'TextBlock' && ($body[0]{weight} // '') eq 'Bolder'
	   && ($body[0]{text} // '') =~ /^\[TEST\] /, '  whose first block is the title, bold');
	ok(grep({ ($_->{type} // '') eq 'FactSet' && ref $_->{facts} eq 'ARRAY' && @{ $_->{facts} } } @body),
	   '  and a FactSet');
}

{
	my $r = $first{ntfy};
	like($r->{headers}{'content-type'} // '', qr{^text/plain\b}, 'ntfy: text/plain');
	like($r->{headers}{title} // '', qr/^\[TEST\] /, '  Title is the summary line');
	is($r->{headers}{priority}, 2, '  Priority 2');
	is($r->{headers}{tags}, 'test_tube', '  Tags test_tube');
	like($r->{body} // '', qr/\Q$ch{ntfy}{name}\E/, '  the body names the channel');
}

{
	my $r = $first{webhook};
	my $j = body_of($r);
	like($r->{headers}{'content-type'} // '', qr{^application/json\b}, 'webhook: application/json');
	signed_ok($r, $ch{webhook}{secret}, '  signed with the channel\'s webhook_secret');
	is_deeply([ sort keys %$j ], [ sort qw(id alert_id state metric value threshold operator window_seconds
					       route method created_at alert) ], '  the documented members');
	is($j->{state}, 'test', '  state test');
	ok(ref $j->{alert} eq 'HASH' && exists $j->{alert}{name} && exists $j->{alert}{kind}, '  and an "alert"');
}

{
	my $m = $first{email};
	my @names = map { lc $_->[0] } @{ $m->{headers} || [] };
	like($m->{subject} // '', qr/^\[TEST\] /, 'email: the Subject says [TEST]');
	is_deeply([ @{ $m->{header}{from} || [] } ], [ $FROM ], '  From the stack\'s sender');
	is_deeply([ @{ $m->{header}{to} || [] } ], [ $ch{email}{to} ], '  To the channel\'s address');
	like(($m->{header}{'content-type'} || [])->[0] // '', qr{^multipart/alternative;\s*boundary=}i,
	     '  multipart/alternative');
	is_deeply([ map { "$_->{type} $_->{encoding}" } @{ $m->{parts} || [] } ], [ 'text/plain base64', 'text/html base64' ],
		  '  a text/plain and a text/html part, both base64');
	like($m->{text} // '', qr/\Q$ch{email}{name}\E/, '  the text names the channel');
	like($m->{html} // '', qr/<html\b.*<table\b.*\Q$ch{email}{name}\E/s, '  the HTML is a table naming it');
	ok(!grep({ $_ eq 'bcc' || $_ eq 'cc' } @names), '  no Cc or Bcc');
}

# A receiver that fails, and a target the guard refuses.
{
	my $fail = channel_post(name => "failing $tag", kind => 'slack', url => hook("/fail/slack-$tag"));
	is($fail->{status}, 201, 'a channel whose receiver answers 500');
	my $t = req('POST', "/v1/channels/$fail->{json}{id}/test")->{json} || {};
	ok(JSON::PP::is_bool($t->{delivered}) && !$t->{delivered}, '  its test: delivered false');
	is($t->{status_code}, 500, '  status_code 500');
	ok(defined $t->{error} && length $t->{error}, '  and an error') and note("error: $t->{error}");
	is(scalar(received("/fail/slack-$tag")), 1, '  tried once');

	my $before = () = received_all();
	my $guard = channel_post(name => "metadata $tag", kind => 'webhook', url => 'http://169.254.169.254/x');
	is($guard->{status}, 201, 'a channel at http://169.254.169.254/x');
	$t = req('POST', "/v1/channels/$guard->{json}{id}/test")->{json} || {};
	ok(JSON::PP::is_bool($t->{delivered}) && !$t->{delivered}, '  its test: delivered false');
	ok(exists $t->{status_code} && !defined $t->{status_code}, '  status_code null');
	like($t->{error} // '', qr/refused/, '  the error says it was refused');
	is(scalar(() = received_all()), $before, '  nothing was received');
}

# --- a window rule: firing once, quiet, resolved once --------------------------------------------

my @six = map { $ch{$_} } @KINDS;
my $svc = new_service('burst');
my $key = new_key($svc)->{raw_key};
my $rule_name = "error burst $tag";
my $created = req('POST', '/v1/alerts', json => { service_id => $svc->{id}, kind => 'window', name => $rule_name,
	metric => 'error_rate', operator => '>', threshold => 0.5, window_seconds => 60, min_requests => 5,
	channel_ids => [ map { $_->{id} } @six ] });
is($created->{status}, 201, 'POST /v1/alerts, a window rule error_rate > 0.5 over 60 s naming six channels: 201')
	or diag($created->{body});
my $rule = $created->{json} || {};
ok(($rule->{kind} // '') eq 'window' && ($rule->{state} // '') eq 'ok' && ($rule->{min_requests} // -1) == 5,
   '  kind window, state ok, min_requests 5');
is_deeply(uuid_set(@{ $rule->{channel_ids} || [] }), uuid_set(map { $_->{id} } @six), '  with its channel_ids');

my @sent = map { ingest_log($key, log_ev(status_code => 500, path => '/v1/pay'))->{status} } 1 .. 10;
is_deeply(\@sent, [ (201) x 10 ], 'ten logs with 500');
my $firing = rule_when($rule, 10, 'firing');
is($firing->{state}, 'firing', '  the rule fires');
is($firing->{last_value}, 1, '  its last_value 1');
my $listed = req('GET', "/v1/alerts?service_id=$svc->{id}&state=firing")->{json};
is_deeply([ map { $_->{id} } @{ ref $listed eq 'ARRAY' ? $listed : [] } ], [ $rule->{id} // '' ],
	  '  GET /v1/alerts?state=firing lists it');
my $counts = wait_labelled(10, 'FIRING', 1, @six);
is_deeply($counts, { map { $_ => 1 } @KINDS }, 'each of the six channels is told once: [FIRING]');

my @events = alert_events_of($rule);
is(scalar @events, 1, 'one alert event');
my $ev = $events[0] || {};
ok(($ev->{state} // '') eq 'firing' && ($ev->{value} // -1) == 1 && ($ev->{window_seconds} // 0) == 60
   && exists $ev->{log_id} && !defined $ev->{log_id}, '  state firing, value 1, window_seconds 60, log_id null');
$ev = delivered_event($rule, 10, 'firing');
deliveries_ok($ev, 'the firing event', @six);

{
	my ($r) = labelled($ch{webhook}, 'FIRING');
	my $j = body_of($r || {});
	is($r->{headers}{'x-telltale-event'}, 'alert', 'webhook: X-Telltale-Event: alert');
	signed_ok($r || {}, $ch{webhook}{secret}, '  signed with the channel\'s secret');
	is($r->{headers}{'x-telltale-delivery'}, $j->{id}, '  X-Telltale-Delivery is the body\'s id');
	ok($j->{state} eq 'firing' && $j->{value} == 1 && $j->{window_seconds} == 60 && $j->{metric} eq 'error_rate'
	   && $j->{threshold} == 0.5 && $j->{operator} eq '>', '  state firing, value 1, window_seconds 60, the condition')
		or diag($r->{body});
	is($j->{id}, $ev->{id}, '  its id the event\'s');
	is_deeply($j->{alert}, { id => $rule->{id}, name => $rule_name, kind => 'window', service_id => $svc->{id} },
		  '  and the rule');
	my ($m) = labelled($ch{email}, 'FIRING');
	like($m->{subject} // '', qr/^\[FIRING\] \Q$rule_name\E: error_rate .+ over 1m \(\Q$svc->{name}\E\)\z/,
	     'email: Subject "[FIRING] <rule>: error_rate ... over 1m (<service>)"');
	my ($d) = labelled($ch{discord}, 'FIRING');
	is(eval { body_of($d)->{embeds}[0]{color} }, $RED, 'discord: the embed red');
	my ($n) = labelled($ch{ntfy}, 'FIRING');
	ok(($n->{headers}{priority} // '') eq '4' && ($n->{headers}{tags} // '') eq 'rotating_light',
	   'ntfy: Priority 4, Tags rotating_light');
}

# Still failing: nothing more.
my %before = map { ($_->{kind} => scalar(notices($_))) } @six;
@sent = map { ingest_log($key, log_ev(status_code => 500, path => '/v1/pay'))->{status} } 1 .. 5;
is_deeply(\@sent, [ (201) x 5 ], 'five more logs with 500 while it fires');
Time::HiRes::sleep(3);
is(req('GET', "/v1/alerts/$rule->{id}")->{json}{state}, 'firing', '  three seconds on, it still fires');
is(scalar(alert_events_of($rule)), 1, '  with the one event');
is_deeply({ map { ($_->{kind} => scalar(notices($_))) } @six }, \%before, '  and no channel told again');

# 200s bring the rate under 0.5: resolved, once.
@sent = map { ingest_log($key, log_ev(status_code => 200, path => '/v1/pay'))->{status} } 1 .. 30;
is_deeply(\@sent, [ (201) x 30 ], 'thirty logs with 200');
my $ok = rule_when($rule, 10, 'ok');
is($ok->{state}, 'ok', '  the rule resolves');
$counts = wait_labelled(10, 'RESOLVED', 1, @six);
is_deeply($counts, { map { $_ => 1 } @KINDS }, 'each channel is told once: [RESOLVED]');
@events = alert_events_of($rule);
is_deeply([ map { $_->{state} } @events ], [ 'resolved', 'firing' ], 'two events: firing, then resolved');
my $resolved = delivered_event($rule, 10, 'resolved');
ok(defined $resolved->{value} && $resolved->{value} < 0.5 && ($resolved->{window_seconds} // 0) == 60,
   '  the resolved one with its value, under 0.5') or diag('value ' . ($resolved->{value} // 'undef'));
deliveries_ok($resolved, 'the resolved event', @six);
{
	my ($r) = labelled($ch{webhook}, 'RESOLVED');
	my $j = body_of($r || {});
	ok(($j->{state} // '') eq 'resolved' && defined $j->{value} && $j->{value} < 0.5 && ($j->{id} // '') eq $resolved->{id},
	   'webhook: state resolved, the value under 0.5, the event\'s id') or diag($r->{body});
	signed_ok($r || {}, $ch{webhook}{secret}, '  signed');
	my ($d) = labelled($ch{discord}, 'RESOLVED');
	is(eval { body_of($d)->{embeds}[0]{color} }, $GREEN, 'discord: the embed green');
}
is_deeply({ map { ($_->{kind} => scalar(notices($_))) } @six }, { map { $_ => 3 } @KINDS },
	  'each channel got three notices in all: test, firing, resolved');

# --- a threshold rule with channels ---------------------------------------------------------------

my $svc2 = new_service('fired');
my $key2 = new_key($svc2)->{raw_key};
my $slack2 = new_channel('slack', "on call $tag", 'fired');
my $hook2 = new_channel('webhook', "archive $tag", 'fired');
my $rule2 = new_alert($svc2, name => "5xx $tag", cooldown_seconds => 0, channel_ids => [ $slack2->{id}, $hook2->{id} ]);
is_deeply(uuid_set(@{ $rule2->{channel_ids} || [] }), uuid_set($slack2->{id}, $hook2->{id}),
	  'a threshold rule (status_code >= 500) with two channels');
my $log = ingest_log($key2, log_ev(status_code => 503, path => "/v1/checkout/$tag"));
is($log->{status}, 201, 'a log with 503');
wait_labelled(10, 'FIRED', 1, $slack2, $hook2);
my @s = labelled($slack2, 'FIRED');
is(scalar @s, 1, 'the slack channel is told once: [FIRED]');
{
	my $j = body_of($s[0] || {});
	like($j->{text} // '', qr/^\[FIRED\] \Q5xx $tag\E: status_code 503/, '  the text names the rule and the status');
	my @fields = map { $_->{text} // '' } @{ (eval { $j->{blocks}[1]{fields} }) || [] };
	ok(grep({ m{\QGET /v1/checkout/$tag\E.*503} } @fields), '  a field names the path of the log')
		or diag($s[0]{body});
	my ($w) = labelled($hook2, 'FIRED');
	my $b = body_of($w || {});
	ok(($b->{state} // '') eq 'fired' && ($b->{metric} // '') eq 'status_code' && ($b->{value} // 0) == 503
	   && ($b->{threshold} // 0) == 500 && ($b->{operator} // '') eq '>=' && ($b->{alert}{kind} // '') eq 'threshold',
	   'the webhook: state fired, status_code 503 >= 500, a threshold rule') or diag($w->{body});
	signed_ok($w || {}, $hook2->{secret}, '  signed');
	my $fired = delivered_event($rule2, 10, 'fired');
	is($fired->{log_id}, $log->{json}{id}, 'the event names the log');
	deliveries_ok($fired, 'the fired event', $slack2, $hook2);
}

# --- retries: a channel that fails twice gets the notice on the third attempt ---------------------

{
	my $svc3 = new_service('retried');
	my $key3 = new_key($svc3)->{raw_key};
	my $path = "/flaky/2/retried-$tag";
	my $flaky = channel_post(name => "flaky $tag", kind => 'slack', url => hook($path))->{json} || {};
	my $rule3 = new_alert($svc3, name => "retried $tag", channel_ids => [ $flaky->{id} ]);
	is(ingest_log($key3, log_ev(status_code => 500))->{status}, 201, 'a 5xx for a channel that fails twice');
	my $ev = wait_for(20, sub {
		my ($e) = alert_events_of($rule3);
		my ($d) = @{ ($e || {})->{deliveries} || [] };
		return $d && $d->{delivery_status} eq 'delivered' ? $d : undef;
	});
	is_deeply([ ($ev || {})->{delivery_status}, ($ev || {})->{delivery_attempts} ], [ 'delivered', 3 ],
		  '  delivered on the third attempt, after two retries');
	my @got = received($path);
	is_deeply([ map { $_->{status} } @got ], [ 500, 500, 200 ], '  the receiver saw three attempts, once answered');
}

# --- hostile names -------------------------------------------------------------------------------

{
	error_ok(req('POST', '/v1/alerts', json => { service_id => $svc2->{id}, name => "r\r\nBcc: evil\@example.com",
		condition_field => 'status_code', condition_operator => '>=', condition_value => '500' }),
		 422, 'VALIDATION', 'name', 'a rule name with CR LF: 422');

	my $H = "<script>alert(1)</script>\x{2028}Bcc: evil\@example.com & \"quoted\" 'single' caf\x{e9} $tag";
	my $svc3 = new_service('hostile');
	my $key3 = new_key($svc3)->{raw_key};
	my $mail = new_channel('email', $H, 'hostile');
	my $slack = new_channel('slack', $H, 'hostile');
	my $ntfy = new_channel('ntfy', $H, 'hostile');
	is($mail->{made}{name}, $H, 'channels named with markup, a line separator, a header, & and quotes');
	my $hostile = new_alert($svc3, name => $H, cooldown_seconds => 0,
				channel_ids => [ map { $_->{id} } $mail, $slack, $ntfy ]);
	is($hostile->{name}, $H, '  and a rule');
	is(ingest_log($key3, log_ev(status_code => 503, path => "/x\r\nBcc: evil\@example.com<b>&"))->{status}, 201,
	   '  fired by a log whose path holds CR LF and markup');
	my $t = req('POST', "/v1/channels/$mail->{id}/test")->{json} || {};
	ok(JSON::PP::is_bool($t->{delivered}) && $t->{delivered}, '  and a test notice to the e-mail channel');
	wait_labelled(10, 'FIRED', 1, $mail, $slack, $ntfy);
	deliveries_ok(delivered_event($hostile, 10, 'fired'), 'its event', $mail, $slack, $ntfy);

	my $clean = "<script>alert(1)</script> Bcc: evil\@example.com & \"quoted\" 'single' caf\x{e9} $tag";
	for my $label ('FIRED', 'TEST') {
		my ($m) = labelled($mail, $label);
		$m ||= { headers => [], header => {} };
		is_deeply([ sort map { lc $_->[0] } @{ $m->{headers} } ],
			  [ sort qw(from to subject date message-id mime-version auto-submitted content-type) ],
			  "email ($label): only its own headers, no Bcc");
		is_deeply($m->{header}{to}, [ $mail->{to} ], '  To the channel\'s address alone');
		my $subject = $m->{subject} // '';
		ok($subject =~ /^\[$label\] / && $subject !~ /[\r\n\x{2028}]/ && index($subject, $clean) >= 0,
		   '  the Subject one line, the name in it with the separator a space')
			or diag(Encode::encode('UTF-8', "Subject: $subject"));
		my $html = Encode::decode('UTF-8', $m->{html} // '');
		ok(index($html, '&lt;script&gt;alert(1)&lt;/script&gt;') >= 0 && $html !~ /<script/i,
		   '  the HTML has &lt;script&gt;, never <script');
		ok(index($html, '&amp;') >= 0 && index($html, '&quot;quoted&quot;') >= 0, '  & and quotes escaped');
		my $text = Encode::decode('UTF-8', $m->{text} // '');
		unlike($text, qr/^Bcc:/m, '  no line of the text begins "Bcc:"');
		if ($label eq 'FIRED') {
			ok(index($html, '&lt;b&gt;&amp;') >= 0 && $html !~ /<b>/, '  the log\'s path escaped as well');
		}
	}
	is(scalar(mail_to('evil@example.com')), 0, 'nothing was sent to evil@example.com');

	my ($sl) = labelled($slack, 'FIRED');
	my $j = body_of($sl || {});
	ok(index($j->{text} // '', '&lt;script&gt;alert(1)&lt;/script&gt;') >= 0 && ($j->{text} // '') !~ /<script/
	   && index($j->{text} // '', '&amp;') >= 0, 'slack: the text has &lt; and &amp; escaped');
	my $section = eval { $j->{blocks}[1] } || {};
	my @mrkdwn = grep { defined } ($section->{text}{text}, map { $_->{text} } @{ $section->{fields} || [] });
	ok(@mrkdwn && !grep({ /[<>]/ } @mrkdwn), '  no < or > in any mrkdwn text') or diag(Encode::encode('UTF-8', join("\n", @mrkdwn)));

	my ($nt) = labelled($ntfy, 'FIRED');
	my $title = $nt->{headers}{title} // '';
	ok(length $title && $title !~ /[\r\n]/ && $title =~ /^[\x20-\x7e]+\z/, 'ntfy: the Title header one line of ASCII')
		or diag("Title: $title");
	my $decoded = Encode::decode('MIME-Header', $title);
	ok($decoded =~ /^\[FIRED\] / && index($decoded, $clean) >= 0, '  which decodes to the name, the separator a space')
		or diag(Encode::encode('UTF-8', "decoded: $decoded"));
	ok(!exists $nt->{headers}{bcc}, '  and no Bcc header came with it');
}

# --- a deleted channel leaves its rules ----------------------------------------------------------

{
	my $del = req('DELETE', "/v1/channels/$hook2->{id}");
	is($del->{status}, 204, 'DELETE /v1/channels/{id} of a channel a rule uses: 204');
	error_ok(req('GET', "/v1/channels/$hook2->{id}"), 404, 'NOT_FOUND', undef, '  then GET: 404');
	error_ok(req('DELETE', "/v1/channels/$hook2->{id}"), 404, 'NOT_FOUND', undef, '  and DELETE again: 404');
	is_deeply(req('GET', "/v1/alerts/$rule2->{id}")->{json}{channel_ids}, [ $slack2->{id} ],
		  'the rule\'s channel_ids no longer list it');
	my ($fired) = alert_events_of($rule2);
	is_deeply([ map { $_->{channel_id} } @{ $fired->{deliveries} || [] } ], [ $slack2->{id} ],
		  '  and its deliveries go with it');
	ingest_log($key2, log_ev(status_code => 502, path => "/v1/checkout/$tag"));
	wait_labelled(10, 'FIRED', 2, $slack2);
	is(scalar(labelled($slack2, 'FIRED')), 2, 'the next log is told to the channel that is left');
	my @two;
	wait_for(10, sub { @two = alert_events_of($rule2);
			   @two == 2 && !grep { $_->{delivery_status} ne 'delivered' } @{ $two[0]{deliveries} || [] } });
	deliveries_ok($two[0] || {}, '  its event', $slack2);
	is(scalar(notices($hook2)), 1, '  and nothing went to the deleted one');
}

# Times as docs/api.md answers them all: RFC 3339 UTC with Z, a fraction
# only when not zero and without trailing zeros.
my @bad_times = grep { !is_rfc3339_z($_) } map { $_->{delivered_at} } @deliveries_seen;
ok(@deliveries_seen >= 10 && !@bad_times, 'every delivery\'s delivered_at is an RFC 3339 time as the API writes them')
	or diag(scalar(@deliveries_seen) . " deliveries; not so: @bad_times");

done_testing();
