#!/usr/bin/perl
# The Sentry-compatible ingest with hand-made bodies: /api/{id}/store/ and
# /api/{id}/envelope/, the mapping of docs/api.md read back through /apps, envelope
# items with and without length, items that are skipped, malformed envelopes,
# every place a key may come from, de-duplication by event_id, limits, CORS and
# the preflight. Content-Encoding has its own file (0710), real SDKs too (0720).
use strict;
use warnings;
use Test::More;
use Telltale;

my $app = new_app('sentry');

# Exactly one stored event with $id; returns it.
sub one_event {
	my ($a, $id, $name) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $got = events_with_event_id($a, $id);
	is(scalar @$got, 1, "$name: stored once") or return {};
	return $got->[0];
}

sub store { my ($event, %o) = @_; return sentry_post($o{app} || $app, 'store', json_bytes($event), %o) }

sub envelope { my ($bytes, %o) = @_; return sentry_post($o{app} || $app, 'envelope', $bytes, %o) }

# --- store: the mapping -------------------------------------------------------

{
	my $id = new_event_id();
	my $res = store({
		event_id => $id, level => 'warning', message => 'disk almost full',
		timestamp => '2026-02-10T10:00:00.25Z', platform => 'python', server_name => 'web-1',
		environment => 'production', release => 'shop@1.2.3', logger => 'root',
		sdk => { name => 'sentry.python', version => '1.9.10' },
		tags => { region => 'eu', shard => 7 },
	});
	is(sentry_accepted($res, 'store answers 200 {"id"}'), $id, 'the id is the event_id');
	my $e = one_event($app, $id, 'store');
	is($e->{level}, 'WARNING', 'level warning -> WARNING');
	is($e->{message}, 'disk almost full', 'message');
	is($e->{occurred_at}, '2026-02-10T10:00:00.25Z', 'occurred_at is the timestamp');
	ok(is_rfc3339_z($e->{received_at}), 'received_at');
	is_deeply($e->{tags}, { region => 'eu', shard => '7', environment => 'production',
				release => 'shop@1.2.3', platform => 'python', server_name => 'web-1',
				'sdk.name' => 'sentry.python' }, 'tags, plus environment, release, platform, server_name, sdk.name');
	is($e->{stack}, undef, 'no exception: stack is null');
}

{
	my $id = new_event_id();
	my $frames = [ { filename => 'app.py', function => 'outer', lineno => 10 },
		       { filename => 'app.py', function => 'inner', lineno => 20, vars => { x => '1' } } ];
	my $res = store({
		event_id => $id, timestamp => 1770717600.5,
		exception => { values => [
			{ type => 'KeyError', value => "'id'", stacktrace => { frames => [ { function => 'lookup' } ] } },
			{ type => 'RuntimeError', value => 'lookup failed', module => 'app',
			  mechanism => { type => 'generic', handled => JSON::PP::false },
			  stacktrace => { frames => $frames } },
		] },
		tags => [ [ 'a', 'b' ], [ 'n', 1 ] ],
	});
	sentry_accepted($res, 'an exception event');
	my $e = one_event($app, $id, 'exception');
	is($e->{level}, 'ERROR', 'no level: ERROR');
	is($e->{message}, 'RuntimeError: lookup failed', 'message: the last exception\'s "type: value"');
	is($e->{occurred_at}, '2026-02-10T10:00:00.5Z', 'a Unix timestamp');
	is_deeply([ map { $_->{type} } @{ $e->{stack}{values} || [] } ], [qw(KeyError RuntimeError)],
		  'stack: the exception values in order');
	is_deeply($e->{stack}{values}[1]{stacktrace}{frames}, $frames, 'with their frames, whole');
	is($e->{stack}{values}[1]{mechanism}{type}, 'generic', 'and the rest of the value');
	is_deeply($e->{tags}, { a => 'b', n => '1' }, 'tags as [key, value] pairs');
}

{
	my $id = new_event_id();
	sentry_accepted(store({ event_id => $id, exception => [ { type => 'ZeroDivisionError', value => 'division by zero',
		stacktrace => { frames => [ { function => 'f' } ] } } ] }), 'a legacy bare exception list');
	my $e = one_event($app, $id, 'bare list');
	is($e->{message}, 'ZeroDivisionError: division by zero', 'its message');
	is($e->{stack}{values}[0]{stacktrace}{frames}[0]{function}, 'f', 'its frames');
}

for my $case (
	[ { logentry => { formatted => 'formatted text', message => 'raw %s' }, message => 'plain',
	    exception => { values => [ { type => 'T', value => 'v' } ] } }, 'formatted text', 'logentry.formatted first' ],
	[ { logentry => { message => 'raw %s', params => ['x'] }, message => 'plain' }, 'raw %s', 'then logentry.message' ],
	[ { message => 'plain', exception => { values => [ { type => 'T', value => 'v' } ] } }, 'plain', 'then message' ],
	[ { message => { formatted => 'from an object' } }, 'from an object', 'message as {formatted}' ],
	[ { exception => { values => [ { type => 'OnlyType' } ] } }, 'OnlyType', 'an exception with only a type' ],
	[ { level => 'info' }, '<unlabeled event>', 'nothing to name it: <unlabeled event>' ],
	[ { message => 'x' x 9000 }, 'x' x 8192, 'a long message is cut to 8192 bytes' ],
) {
	my ($event, $want, $name) = @$case;
	my $id = new_event_id();
	sentry_accepted(store({ %$event, event_id => $id }), "message: $name (accepted)");
	is(one_event($app, $id, $name)->{message}, $want, "message: $name");
}

for my $case ([ fatal => 'CRITICAL' ], [ critical => 'CRITICAL' ], [ error => 'ERROR' ], [ warning => 'WARNING' ],
	      [ info => 'INFO' ], [ log => 'INFO' ], [ debug => 'DEBUG' ], [ DEBUG => 'DEBUG' ],
	      [ nonsense => 'ERROR' ]) {
	my ($in, $want) = @$case;
	my $id = new_event_id();
	sentry_accepted(store({ event_id => $id, message => "level $in", level => $in }), "level $in accepted");
	is(one_event($app, $id, "level $in")->{level}, $want, "level $in -> $want");
}

{
	my $before = now_usec();
	my $res = store({ message => 'no id, no timestamp' });
	my $id = sentry_accepted($res, 'an event without event_id');
	my $e = one_event($app, $id // '', 'a generated id');
	is($e->{event_id}, $id, 'the generated id is stored as the event_id');
	my $t = ts_usec($e->{occurred_at}) // 0;
	ok($t >= $before - 5_000_000 && $t <= now_usec() + 5_000_000, 'occurred_at defaults to now');
}

{
	my $id = new_event_id();
	my $upper = uc(substr($id, 0, 8) . '-' . substr($id, 8, 4) . '-' . substr($id, 12, 4) . '-'
		       . substr($id, 16, 4) . '-' . substr($id, 20));
	is(sentry_accepted(store({ event_id => $upper, message => 'a UUID' }), 'an event_id as an upper-case UUID'),
	   $id, 'answered as 32 lower-case hex digits');
}

# --- de-duplication -------------------------------------------------------------

{
	my $id = new_event_id();
	my $ev = { event_id => $id, message => 'sent twice' };
	is(sentry_accepted(store($ev), 'first send'), $id, 'first send: the id');
	is(sentry_accepted(store({ %$ev, message => 'the retry differs' }), 'a retry is 200 too'), $id,
	   'the retry: the same id');
	my $env = sentry_envelope({ event_id => $id }, [ { type => 'event' }, $ev ]);
	is(sentry_accepted(envelope($env), 'and again in an envelope'), $id, 'the envelope: the same id');
	my $e = one_event($app, $id, 'sent three times');
	is($e->{message}, 'sent twice', 'the first one is kept');
	my $twice = new_event_id();
	sentry_accepted(envelope(sentry_envelope({}, [ { type => 'event' }, { event_id => $twice, message => 'a' } ],
					  [ { type => 'event' }, { event_id => $twice, message => 'b' } ])),
		 'one envelope holding the same event_id twice');
	one_event($app, $twice, 'the same id twice in one envelope');
}

# --- envelopes -----------------------------------------------------------------

{
	my $id = new_event_id();
	my $payload = JSON::PP->new->canonical->pretty->encode({ event_id => $id, message => "line one\nline two",
								  level => 'error', tags => { k => 'v' } });
	ok(($payload =~ tr/\n//) > 3, 'the pretty payload holds newlines');
	my $body = qq({"event_id":"$id","sent_at":"2026-02-10T10:00:00Z"}\n)
		. qq({"type":"attachment","length":8,"filename":"a.txt"}\nab\ncd\nef\n)
		. qq({"type":"event","length":) . length($payload) . qq(,"content_type":"application/json"}\n$payload\n)
		. qq({"type":"client_report"}\n{"discarded_events":[]}\n);
	is(sentry_accepted(envelope($body), 'an envelope with length-delimited items holding newlines'), $id, 'its id');
	my $e = one_event($app, $id, 'the event with a length');
	is($e->{message}, "line one\nline two", 'its message, newline and all');
	is_deeply($e->{tags}, { k => 'v' }, 'its tags');
}

{
	my $id = new_event_id();
	my $body = qq({"event_id":"$id"}\n{"type":"event"}\n{"message":"no length, no final newline"});
	sentry_accepted(envelope($body), 'an item without length and without the final newline');
	is(one_event($app, $id, 'no length')->{message}, 'no length, no final newline', 'stored');
}

{
	my $id = new_event_id();
	my $body = sentry_envelope({ event_id => $id }, [ { type => 'event' }, { message => 'the header names it' } ]);
	is(sentry_accepted(envelope($body), 'an event without its own event_id'), $id, 'answered with the header\'s');
	is(one_event($app, $id, 'the header\'s event_id')->{message}, 'the header names it',
	   'the event is stored under the header\'s event_id');
}

{
	my ($a, $b) = (new_event_id(), new_event_id());
	sentry_accepted(envelope(sentry_envelope({}, [ { type => 'session' }, { sid => 'x' } ],
					  [ { type => 'event' }, { event_id => $a, message => 'one' } ],
					  [ { type => 'event' }, { event_id => $b, message => 'two' } ])),
		 'two events in one envelope');
	one_event($app, $a, 'the first of two');
	one_event($app, $b, 'the second of two');
}

{
	my $other = new_app('sentry-skip');
	my $id = new_event_id();
	my @items = map { [ { type => $_ }, { x => 1 } ] }
		qw(session sessions transaction client_report check_in profile replay_event replay_recording
		   log span statsd metric_buckets feedback user_report unknown_type);
	push @items, [ { type => 'attachment', length => 7 }, "a\nb\nc\n\n" ];
	my $res = envelope(sentry_envelope({ event_id => $id }, @items), app => $other);
	is(sentry_accepted($res, 'an envelope of only non-event items is 200'), $id,
	   'answered with the header\'s event_id');
	is(count_events($other), 0, 'and nothing is stored');
	my $res2 = envelope(qq({}\n{"type":"session"}\n{"sid":"1"}\n), app => $other);
	sentry_accepted($res2, 'non-event items without an event_id: 200 with a generated id');
	is(count_events($other), 0, 'still nothing stored');
	sentry_accepted(envelope("{}\n", app => $other), 'an envelope with a header and no items');
	sentry_accepted(envelope(sentry_envelope({}, [ { type => 'transaction' }, 'not even JSON' ]), app => $other),
		 'the payload of a skipped item is not read');
}

# --- malformed bodies ------------------------------------------------------------

{
	my $n = count_events($app);
	for my $case (
		[ '', 'an empty body' ],
		[ "not json\n{\"type\":\"event\"}\n{}", 'a header that is not JSON' ],
		[ "[]\n", 'a header that is not an object' ],
		[ qq({}\n{"length":2}\n{}\n), 'an item header without type' ],
		[ qq({}\n{"type":"event","length":500}\n{"message":"short"}\n), 'a length past the end of the body' ],
		[ qq({}\n{"type":"event","length":3}\n{"message":"m"}\n), 'no newline after a length-delimited payload' ],
		[ qq({}\n{"type":"event","length":-1}\n{}\n), 'a negative length' ],
		[ qq({}\n{"type":"session"}\n{}\ngarbage\n{}\n), 'garbage where an item header belongs' ],
		[ qq({}\n{"type":"event"}\n{"message":"m"}\n{"type":"event"}\nnot json\n), 'an event that is not JSON' ],
		[ qq({}\n{"type":"event"}\n[1,2]\n), 'an event that is not an object' ],
	) {
		my ($body, $what) = @$case;
		error_ok(envelope($body), 400, 'BAD_REQUEST', undef, "envelope: $what is 400");
	}
	error_ok(store(undef, app => $app) , 400, 'BAD_REQUEST', undef, 'store: null is 400');
	error_ok(sentry_post($app, 'store', '{"message":'), 400, 'BAD_REQUEST', undef, 'store: broken JSON is 400');
	error_ok(sentry_post($app, 'store', '[{"message":"m"}]'), 400, 'BAD_REQUEST', undef, 'store: an array is 400');
	error_ok(sentry_post($app, 'store', ''), 400, 'BAD_REQUEST', undef, 'store: an empty body is 400');
	error_ok(sentry_post($app, 'store', '{"message":"a\u0000b"}'), 422, 'VALIDATION', 'message',
		 'store: a NUL in a string is 422 naming it');
	error_ok(sentry_post($app, 'store', qq({"tags":{"k":"\xff"}})), 422, 'VALIDATION', 'tags.k',
		 'store: invalid UTF-8 is 422 naming it');
	error_ok(envelope(qq({}\n{"type":"event"}\n{"message":"ok"}\n{"type":"event"}\n{"extra":"\\u0000"}\n)),
		 422, 'VALIDATION', 'extra', 'envelope: a NUL in the second event is 422, and the first is not stored');
	is(count_events($app), $n, 'none of the malformed bodies stored anything');
}

# --- the key ------------------------------------------------------------------------

{
	my $keyed = new_app('sentry-keys');
	my $key = $keyed->{ingest_key};
	my %ways = (
		'X-Sentry-Auth' => sub { store($_[0], app => $keyed) },
		'X-Sentry-Auth without the Sentry prefix' => sub {
			store($_[0], app => $keyed, key => undef,
			      headers => { 'X-Sentry-Auth' => "sentry_version=7,sentry_key=$key" }) },
		'Authorization: Sentry' => sub {
			store($_[0], app => $keyed, key => undef,
			      headers => { Authorization => "Sentry sentry_key=$key, sentry_version=7" }) },
		'the sentry_key query parameter' => sub {
			store($_[0], app => $keyed, key => undef, query => "sentry_version=7&sentry_key=$key") },
		'the envelope header dsn' => sub {
			envelope(sentry_envelope({ dsn => sentry_dsn($keyed) }, [ { type => 'event' }, $_[0] ]),
				 app => $keyed, key => undef) },
		'the envelope header dsn with :secret' => sub {
			envelope(sentry_envelope({ dsn => sentry_dsn($keyed, secret => 'ignored') },
						 [ { type => 'event' }, $_[0] ]), app => $keyed, key => undef) },
	);
	for my $way (sort keys %ways) {
		my $id = new_event_id();
		sentry_accepted($ways{$way}->({ event_id => $id, message => "key via $way" }), "the key via $way");
		one_event($keyed, $id, "the key via $way");
	}

	my $wrong = join '', map { sprintf '%x', int rand 16 } 1 .. 32;
	my $stranger = new_app('sentry-stranger');
	my %refused = (
		'no key at all (store)' => store({ message => 'm' }, app => $keyed, key => undef),
		'no key at all (envelope)' => envelope(sentry_envelope({}, [ { type => 'event' }, { message => 'm' } ]),
						      app => $keyed, key => undef),
		'a wrong key in X-Sentry-Auth' => store({ message => 'm' }, app => $keyed, key => $wrong),
		'another app\'s key' => store({ message => 'm' }, app => $keyed, key => $stranger->{ingest_key}),
		'a wrong Authorization: Sentry key' => store({ message => 'm' }, app => $keyed, key => undef,
			headers => { Authorization => "Sentry sentry_key=$wrong" }),
		'a Bearer token is not a Sentry key' => store({ message => 'm' }, app => $keyed, key => undef,
			headers => { Authorization => "Bearer $key" }),
		'a wrong sentry_key query parameter' => store({ message => 'm' }, app => $keyed, key => undef,
			query => "sentry_key=$wrong"),
		'a wrong dsn' => envelope(sentry_envelope({ dsn => "http://$wrong\@localhost/$keyed->{id}" },
							  [ { type => 'event' }, { message => 'm' } ]), app => $keyed, key => undef),
		'a dsn without a key' => envelope(sentry_envelope({ dsn => "http://localhost/$keyed->{id}" },
							  [ { type => 'event' }, { message => 'm' } ]), app => $keyed, key => undef),
		'an unknown application' => store({ message => 'm' }, app => $keyed, app_id => '9223372036854775807'),
		'a wrong key, malformed envelope' => envelope("nonsense", app => $keyed, key => $wrong),
		'a wrong key, malformed event' => sentry_post($keyed, 'store', '{', key => $wrong),
		'a wrong key, only non-event items' => envelope(qq({}\n{"type":"session"}\n{}\n), app => $keyed, key => $wrong),
		'no key, malformed envelope' => envelope("nonsense", app => $keyed, key => undef),
	);
	for my $what (sort keys %refused) {
		error_ok($refused{$what}, 403, 'FORBIDDEN', undef, "$what is 403");
		is($refused{$what}{headers}{'access-control-allow-origin'}, '*', "$what: the 403 carries CORS too");
	}
	is(count_events($keyed), scalar keys %ways, 'no refused request stored anything');

	my $id = new_event_id();
	sentry_accepted(envelope(sentry_envelope({ dsn => "http://$wrong\@localhost/1" }, [ { type => 'event' },
		{ event_id => $id, message => 'the header key wins' } ]), app => $keyed),
		 'a right X-Sentry-Auth key comes before a wrong dsn');
	one_event($keyed, $id, 'header before dsn');
	error_ok(sentry_post($keyed, 'store', '{}', path => '/api/abc/store/'), 404, 'NOT_FOUND', undef,
		 'an application id that is not a number is 404');
}

# --- paths, methods, limits --------------------------------------------------------

{
	my $id = new_event_id();
	sentry_accepted(sentry_post($app, 'store', json_bytes({ event_id => $id, message => 'no slash' }),
			     path => "/api/$app->{id}/store"), 'store without the trailing slash');
	my $id2 = new_event_id();
	sentry_accepted(sentry_post($app, 'envelope', sentry_envelope({}, [ { type => 'event' }, { event_id => $id2, message => 'x' } ]),
			     path => "/api/$app->{id}/envelope"), 'envelope without the trailing slash');
	one_event($app, $id2, 'no slash');
	my $id3 = new_event_id();
	sentry_accepted(store({ event_id => $id3, message => 'text/plain' }, headers => { 'Content-Type' => 'text/plain;charset=UTF-8' }),
		 'any Content-Type (browsers send text/plain to skip the preflight)');
	my $res = req('GET', "/api/$app->{id}/store/");
	error_ok($res, 405, 'METHOD_NOT_ALLOWED', undef, 'GET on store is 405');
	like($res->{headers}{allow} // '', qr/POST/, 'Allow names POST');
}

{
	my $big = json_bytes({ message => 'big', extra => 'x' x (1024 * 1024) });
	error_ok(sentry_post($app, 'store', $big), 413, 'PAYLOAD_TOO_LARGE', undef, 'a store body over 1 MiB is 413');
	error_ok(envelope(sentry_envelope({}, [ { type => 'event' }, $big ])), 413, 'PAYLOAD_TOO_LARGE', undef,
		 'an event item over 1 MiB is 413');
	my $id = new_event_id();
	my $attachment = 'a' x (3 * 1024 * 1024);
	sentry_accepted(envelope(sentry_envelope({}, [ { type => 'attachment', length => length $attachment }, $attachment ],
					  [ { type => 'event' }, { event_id => $id, message => 'beside 3 MiB' } ])),
		 'an envelope of 3 MiB is fine');
	one_event($app, $id, 'beside a large attachment');
	my $many = new_app('sentry-many');
	my @events = map { [ { type => 'event' }, { message => "m$_" } ] } 1 .. 1001;
	error_ok(envelope(sentry_envelope({}, @events), app => $many), 413, 'PAYLOAD_TOO_LARGE', undef,
		 'an envelope of 1001 events is 413');
	is(count_events($many), 0, 'and stores nothing');
	sentry_accepted(envelope(sentry_envelope({}, @events[0 .. 999]), app => $many),
			'an envelope of 1000 events is fine');
	is(count_events($many), 1000, 'all 1000 are stored');
}

# --- large events ----------------------------------------------------------------
# A row past 4 KB takes its own statement (events_ingest_large, which reads
# the rows as jsonb): the same mapping, masking and de-duplication.

{
	my $big = new_app('sentry-large');
	my @frames = map { { filename => "app/step_$_.py", function => "step_$_", lineno => $_,
			     context_line => "    return step_" . ($_ + 1) . "(request)",
			     vars => { password => "hunter$_", n => $_ } } } 1 .. 60;
	my $id = new_event_id();
	my $event = { event_id => $id, level => 'error', message => 'a deep failure',
		      exception => { values => [ { type => 'KeyError', value => 'shipping',
						   stacktrace => { frames => \@frames } } ] },
		      breadcrumbs => { values => [ map { { message => "step $_ began" } } 1 .. 100 ] },
		      user => { id => '7', ip_address => '10.0.0.7' } };
	ok(length(json_bytes($event)) > 8192, 'the event is large (' . length(json_bytes($event)) . ' bytes)');
	is(sentry_accepted(store($event, app => $big), 'a large event is stored'), $id, '  under its event_id');
	is(sentry_accepted(store($event, app => $big), 'sent again'), $id, '  and again under the same id');
	my $e = one_event($big, $id, 'a large event');
	my $frames = $e->{stack}{values}[0]{stacktrace}{frames} // [];
	is(scalar @$frames, 60, '  its 60 frames are stored');
	is($frames->[59]{function}, 'step_60', '  in order');
	is($frames->[0]{vars}{password}, '***MASKED***', '  with their passwords masked');
	is($frames->[0]{vars}{n}, 1, '  and the rest kept');
	is(scalar @{ $e->{context}{breadcrumbs}{values} // [] }, 100, '  its 100 breadcrumbs too');
	is($e->{level}, 'ERROR', '  at its level');
}

# --- visible through /apps at once ------------------------------------------------

{
	my $seen = new_app('sentry-stats');
	sentry_accepted(store({ message => 'for the stats', level => 'fatal' }, app => $seen), 'one event');
	my $res = req('GET', "/apps/$seen->{id}/stats/by-level");
	is_deeply($res->{json}{items}, [ { level => 'CRITICAL', count => 1 } ], 'the statistics count it');
}

# --- CORS and the preflight --------------------------------------------------------

for my $path ("/api/$app->{id}/store/", "/api/$app->{id}/envelope/", "/api/$app->{id}/envelope") {
	my $res = req('OPTIONS', $path, headers => { Origin => 'https://shop.example', 'Access-Control-Request-Method' => 'POST',
						     'Access-Control-Request-Headers' => 'content-type,x-sentry-auth' });
	my $h = $res->{headers};
	ok($res->{status} >= 200 && $res->{status} < 300, "OPTIONS $path: 2xx") or diag($res->{status});
	is($h->{'access-control-allow-origin'}, '*', "OPTIONS $path: Allow-Origin *");
	my %methods = map { lc($_) => 1 } split /\s*,\s*/, $h->{'access-control-allow-methods'} // '';
	ok($methods{post} && $methods{options}, "OPTIONS $path: Allow-Methods POST and OPTIONS");
	my %allowed = map { lc($_) => 1 } split /\s*,\s*/, $h->{'access-control-allow-headers'} // '';
	my @missing = grep { !$allowed{$_} } qw(x-sentry-auth content-type content-encoding sentry-trace baggage authorization);
	ok(!@missing, "OPTIONS $path: Allow-Headers has what the SDKs send") or diag("missing @missing");
}
is(req('OPTIONS', "/api/$app->{id}/store/")->{headers}{'access-control-allow-origin'}, '*',
   'the preflight needs no key');

done_testing();
