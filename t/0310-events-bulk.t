#!/usr/bin/perl
# Bulk ingest: POST /apps/{app_id}/events with a JSON array of 1-1000 events, in
# one transaction; the 10 MiB body limit of bulk ingest against 1 MiB elsewhere.
use strict;
use warnings;
use Test::More;
use Telltale;

my $app = new_app('bulk');
my $stored = 0;            # events this test has had accepted into $app (see refused_ok)

sub batch {
	my ($n, $tag, %o) = @_;
	return [ map { ev(message => "$tag-$_", %o) } 0 .. $n - 1 ];
}

# --- 201 ---------------------------------------------------------------------------

{
	my $res = ingest($app, batch(3, 'three'));
	is($res->{status}, 201, 'an array of 3 events answers 201') or diag($res->{body});
	like($res->{headers}{'content-type'} // '', qr{^application/json}i, 'JSON');
	my $j = $res->{json} || {};
	is_deeply([ sort keys %$j ], [qw(accepted ids)], 'the answer is {accepted, ids}');
	is($j->{accepted}, 3, 'accepted is 3');
	is(scalar @{ $j->{ids} || [] }, 3, 'three ids');
	$stored += 3;
	my @msgs = map { req('GET', "/apps/$app->{id}/events/$_")->{json}{message} } @{ $j->{ids} || [] };
	is_deeply(\@msgs, [qw(three-0 three-1 three-2)], 'ids are in the order of the array');
	is(count_events($app), $stored, 'all three are stored');

	$res = ingest($app, batch(1, 'one'));
	is($res->{status}, 201, 'an array of 1 event answers 201');
	is($res->{json}{accepted}, 1, 'accepted is 1');
	is(scalar @{ $res->{json}{ids} || [] }, 1, 'one id');
	$stored += 1;

	$res = ingest($app, [ ev(level => 'debug', message => 'lower', tags => { a => 1 },
				 occurred_at => '2026-02-10T12:00:00+02:00') ]);
	my $got = req('GET', "/apps/$app->{id}/events/$res->{json}{ids}[0]")->{json} || {};
	$stored += 1;
	is($got->{level}, 'DEBUG', 'bulk events follow the single-event rules: level uppercased');
	is(ts_usec($got->{occurred_at}), ts_usec('2026-02-10T10:00:00Z'), 'occurred_at converted to UTC');
	is_deeply($got->{tags}, { a => 1 }, 'tags stored');
}

# --- 422: the whole batch or nothing ---------------------------------------------------

refused_ok($app, \$stored, ingest($app, []), 422, 'VALIDATION', '*', 'an empty array is 422');
refused_ok($app, \$stored, ingest($app, batch(1001, 'too-many')),
	422, 'VALIDATION', '*', 'an array of 1001 events is 422');

for my $case (
	[ 7,  { level => 'NOPE' },                 '[7].level' ],
	[ 7,  { level => undef },                  '[7].level' ],
	[ 0,  { occurred_at => 'yesterday' },      '[0].occurred_at' ],
	[ 9,  { message => '' },                   '[9].message' ],
	[ 3,  { stack => [ 1 ] },                  '[3].stack' ],
	[ 4,  { tags => 'x' },                     '[4].tags' ],
	[ 2,  { event_id => 'nope' },              '[2].event_id' ],
) {
	my ($i, $change, $field) = @$case;
	my $events = batch(10, 'bad');
	my %e = %{ $events->[$i] };
	for (keys %$change) { if (defined $change->{$_}) { $e{$_} = $change->{$_} } else { delete $e{$_} } }
	$events->[$i] = \%e;
	refused_ok($app, \$stored, ingest($app, $events),
		422, 'VALIDATION', $field, "one bad element is 422 naming $field");
}
{
	my $events = batch(20, 'late');
	$events->[12]{level} = 'LOUD';
	refused_ok($app, \$stored, ingest($app, $events),
		422, 'VALIDATION', '[12].level', 'a bad element 12 of 20 is named [12].level');

	$events = batch(10, 'late');
	$events->[9] = ev(level => 'x' );
	$events->[3] = ev(level => 'y' );
	my $res = ingest($app, $events);
	refused_ok($app, \$stored, $res,
		422, 'VALIDATION', '[3].level', 'with two bad elements, the first is named');

	$events = batch(5, 'notobj');
	$events->[4] = 'a string';
	$res = ingest($app, $events);
	refused_ok($app, \$stored, $res, 422, 'VALIDATION', '*', 'an element that is not an object is 422');
	like($res->{json}{field} // '', qr/^\[4\]/, 'and is named [4]');

	refused_ok($app, \$stored, ingest($app, [ batch(2, 'nested') ]),
		422, 'VALIDATION', '*', 'an array of arrays is 422');

	my $body = '[' . join(',', map { json_bytes($_) } @{ batch(6, 'utf8') }) . ','
		. '{"occurred_at":"2026-02-10T10:00:00Z","level":"ERROR","message":"m","tags":{"k":"' . "\xff" . '"}}]';
	refused_ok($app, \$stored, ingest($app, undef, body => $body), 422, 'VALIDATION', '[6].tags.k',
		'invalid UTF-8 in element 6 is 422 naming [6].tags.k');
	$body = '[' . json_bytes(ev()) . ',{"occurred_at":"2026-02-10T10:00:00Z","level":"ERROR","message":"a\u0000"}]';
	refused_ok($app, \$stored, ingest($app, undef, body => $body), 422, 'VALIDATION', '[1].message',
		'\u0000 in element 1 is 422 naming [1].message');
	refused_ok($app, \$stored, ingest($app, undef, body => '[' . json_bytes(ev()) . ',]'),
		400, 'BAD_REQUEST', undef, 'a trailing comma in the array is 400');
	refused_ok($app, \$stored, ingest($app, undef, body => json_bytes(batch(2, 'x')) . '[]'),
		400, 'BAD_REQUEST', undef, 'an array followed by another is 400');

	my $wrong = 'f' x 32;
	refused_ok($app, \$stored, ingest($app, batch(3, 'wrongkey'), key => $wrong), 403, 'FORBIDDEN', undef,
		'a batch with a wrong key is 403');
	my $bad = batch(3, 'wrongkey');
	$bad->[1]{level} = 'NOPE';
	refused_ok($app, \$stored, ingest($app, $bad, key => $wrong), 403, 'FORBIDDEN', undef,
		'a bad batch with a wrong key is 403, not 422');
}

# --- event_id in a batch ---------------------------------------------------------------------

{
	my $x = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1';
	my $res = ingest($app, [ ev(event_id => $x, message => 'dup-first'), ev(message => 'dup-plain'),
				 ev(event_id => $x, message => 'dup-second') ]);
	is($res->{status}, 201, 'a batch repeating an event_id answers 201') or diag($res->{body});
	my @ids = @{ $res->{json}{ids} || [] };
	is(scalar @ids, 3, 'an id for every element');
	is($ids[2], $ids[0], 'the repeat answers the id of the first');
	isnt($ids[1], $ids[0], 'the other element has its own id');
	$stored += 2;
	is(count_events($app), $stored, 'two events stored');
	is(req('GET', "/apps/$app->{id}/events/$ids[0]")->{json}{message}, 'dup-first',
	   'the stored one is the first');

	my $y = 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbb2';
	my $single = ingest($app, ev(event_id => $y, message => 'stored-before'));
	is($single->{status}, 201, 'an event with an id');
	$stored++;
	$res = ingest($app, [ ev(message => 'new-one'), ev(event_id => 'BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB2') ]);
	is($res->{status}, 201, 'a batch repeating a stored event_id answers 201');
	is($res->{json}{ids}[1], $single->{json}{id}, 'the repeat answers the stored id');
	$stored++;
	is(count_events($app), $stored, 'only the new event is stored');

	my $z = 'cccccccccccccccccccccccccccccc03';
	$res = ingest($app, [ ev(event_id => $z), ev(event_id => 'cccccccc-cccc-cccc-cccc-cccccccccc03') ]);
	is($res->{status}, 201, 'a batch with both spellings of one id answers 201');
	is($res->{json}{ids}[1], $res->{json}{ids}[0], 'both spellings are one event');
	$stored++;
	is(count_events($app), $stored, 'stored once');

	my @with = grep { defined $_->{event_id} } events_of($app);
	my %by;
	$by{ lc($_->{event_id} =~ s/-//gr) }++ for @with;
	is_deeply([ grep { $by{$_} != 1 } keys %by ], [], 'no event_id is stored twice');
}

{
	my $res = ingest($app, batch(1000, 'thousand'));
	is($res->{status}, 201, 'an array of 1000 events answers 201') or diag($res->{body});
	is($res->{json}{accepted}, 1000, 'accepted is 1000');
	my @ids = @{ $res->{json}{ids} || [] };
	is(scalar @ids, 1000, '1000 ids');
	my %seen;
	is(scalar(grep { !$seen{$_}++ } @ids), 1000, 'all different');
	$stored += 1000;
	is(count_events($app), $stored, 'all 1000 are stored');
	for my $i (0, 499, 999) {
		next unless $ids[$i];
		is(req('GET', "/apps/$app->{id}/events/$ids[$i]")->{json}{message}, "thousand-$i",
		   "ids[$i] is element $i");
	}
}

# --- body size ---------------------------------------------------------------------------------

{
	my $n = 1000;
	my $events = [ map { ev(message => "big-$_-" . ('x' x 5000)) } 0 .. $n - 1 ];
	my $body = json_bytes($events);
	ok(length($body) > 4_500_000 && length($body) < 10 * 1024 * 1024,
	   sprintf('(a bulk body of %.1f MB)', length($body) / 1e6));
	my $res = ingest($app, undef, body => $body);
	is($res->{status}, 201, 'a bulk body of about 5 MB is accepted') or diag(substr($res->{body} // '', 0, 300));
	is($res->{json}{accepted}, $n, "all $n accepted");
	$stored += $n if $res->{status} == 201;
	is(count_events($app), $stored, 'and stored');

	my $near = [ map { ev(message => "near-$_-" . ('y' x 10300)) } 0 .. 999 ];
	$body = json_bytes($near);
	ok(length($body) > 10_000_000 && length($body) < 10 * 1024 * 1024,
	   sprintf('(a bulk body of %d bytes, just under 10 MiB)', length $body));
	$res = ingest($app, undef, body => $body);
	is($res->{status}, 201, 'a bulk body just under 10 MiB is accepted') or diag(substr($res->{body} // '', 0, 300));
	$stored += 1000 if $res->{status} == 201;
}

sub raw_post_head {
	my ($path, $length, $extra) = @_;
	my $raw = raw_http("POST $path HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
		. "Content-Type: application/json\r\nX-Ingest-Key: $app->{ingest_key}\r\n"
		. "Content-Length: $length\r\n\r\n" . ($extra // '[{"occurred_at"'));
	return parse_http($raw);
}

{
	my $res = raw_post_head("/apps/$app->{id}/events", 10 * 1024 * 1024 + 1);
	error_ok($res, 413, 'PAYLOAD_TOO_LARGE', undef, 'a bulk body of 10 MiB + 1 byte is 413 JSON');
	$res = raw_post_head("/apps/$app->{id}/events", 50 * 1024 * 1024);
	error_ok($res, 413, 'PAYLOAD_TOO_LARGE', undef, 'a bulk body of 50 MiB is 413 JSON');

	# The same, really sent: 1001 events of 10.5 KB each are over 10 MiB.
	my $over = json_bytes([ map { ev(message => 'o' x 10500) } 1 .. 1001 ]);
	ok(length($over) > 10 * 1024 * 1024, '(a real body over 10 MiB)');
	$res = ingest($app, undef, body => $over);
	error_ok($res, 413, 'PAYLOAD_TOO_LARGE', undef, 'a real body over 10 MiB is 413 JSON');
	is(count_events($app), $stored, 'nothing stored');

	# 2 MB to endpoints that are not bulk ingest: 1 MiB is their limit.
	my $name = "big-body-$$-" . time();
	my $two = '{"pad":"' . ('p' x (2 * 1000 * 1000)) . '"}';
	$res = req('POST', "/apps/$name", body => $two);
	error_ok($res, 413, 'PAYLOAD_TOO_LARGE', undef, 'POST /apps/{name} with a 2 MB body is 413 JSON');
	ok(!(grep { $_->{name} eq $name } @{ list_all('/apps') }), 'and creates no app');
	$res = req('POST', "/apps/$app->{id}/ingest-key", body => $two);
	error_ok($res, 413, 'PAYLOAD_TOO_LARGE', undef, 'POST /apps/{id}/ingest-key with a 2 MB body is 413 JSON');
	is(ingest($app, ev(message => 'key still valid'))->{status}, 201, 'and the key was not rotated');
	$stored++;
	$res = raw_post_head("/apps/$name", 2 * 1000 * 1000);
	error_ok($res, 413, 'PAYLOAD_TOO_LARGE', undef, 'a 2 MB Content-Length on POST /apps/{name} is 413 JSON');
}

is(count_events($app), $stored, "the app holds exactly the $stored accepted events");

done_testing;
