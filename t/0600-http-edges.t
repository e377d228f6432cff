#!/usr/bin/perl
# HTTP edges that a plain client library hides: chunked bodies, bad
# Content-Length, raw percent-escapes in paths and query strings, trailing
# slashes. Sent over a raw socket to nginx.
use strict;
use warnings;
use Test::More;
use Telltale;

my $app = new_app('edges');
my $stored = 0;

sub chunked {
	my ($body, @sizes) = @_;
	my $out = '';
	my $i = 0;
	while (length $body) {
		my $n = $sizes[ $i++ % @sizes ];
		my $part = substr($body, 0, $n, '');
		$out .= sprintf("%x\r\n", length $part) . $part . "\r\n";
	}
	return $out . "0\r\n\r\n";
}

sub raw {
	my ($method, $path, $headers, $body) = @_;
	my $r;
	for (1 .. 20) {
		$r = parse_http(raw_http("$method $path HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
			. auth_line($method, $path) . ($headers // '') . "\r\n" . ($body // '')));
		last unless $r->{status} == 429;
		sleep 1;
	}
	return $r;
}

sub json_error_ok {
	my ($r, $statuses, $name) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my %ok = map { $_ => 1 } @$statuses;
	ok($ok{ $r->{status} }, "$name: status " . join(' or ', @$statuses)) or diag(substr($r->{raw}, 0, 400));
	like($r->{headers}{'content-type'} // '', qr{^application/json}i, "$name: JSON");
	ok(ref $r->{json} eq 'HASH' && defined $r->{json}{error} && defined $r->{json}{message},
	   "$name: the error body {error, message}");
}

my $KEY = "X-Ingest-Key: $app->{ingest_key}\r\n";
my $CT = "Content-Type: application/json\r\n";

# --- chunked request bodies ------------------------------------------------------------

{
	my $body = json_bytes(ev(message => 'chunked single', tags => { via => 'chunked' }));
	my $r = raw('POST', "/apps/$app->{id}/events", "$CT${KEY}Transfer-Encoding: chunked\r\n",
		    chunked($body, 7, 1, 30));
	is($r->{status}, 201, 'a chunked event body is accepted') or diag($r->{raw});
	like($r->{headers}{'content-type'} // '', qr{^application/json}i, 'JSON');
	$stored++ if $r->{status} == 201;
	my $got = $r->{json} && req('GET', "/apps/$app->{id}/events/$r->{json}{id}")->{json};
	is($got && $got->{message}, 'chunked single', 'and stored whole');
	is_deeply($got && $got->{tags}, { via => 'chunked' }, 'tags too');

	my $bulk = json_bytes([ map { ev(message => "chunked-bulk-$_-" . ('z' x 3000)) } 0 .. 999 ]);
	ok(length($bulk) > 1024 * 1024, '(a chunked bulk body over 1 MiB)');
	$r = raw('POST', "/apps/$app->{id}/events", "$CT${KEY}Transfer-Encoding: chunked\r\n",
		 chunked($bulk, 65536, 1000, 333333));
	is($r->{status}, 201, 'a chunked bulk body of 3 MB is accepted') or diag(substr($r->{raw}, 0, 300));
	is($r->{json} && $r->{json}{accepted}, 1000, 'all 1000 events');
	$stored += 1000 if $r->{status} == 201;

	$r = raw('POST', "/apps/$app->{id}/events", "$CT${KEY}Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n",
		 chunked(json_bytes(ev(message => 'expect')), 10));
	$r = parse_http($r->{raw} =~ s{^HTTP/1\.1 100 Continue\r\n\r\n}{}r) if $r->{status} == 100;
	is($r->{status}, 201, 'a chunked body with Expect: 100-continue is accepted') or diag($r->{raw});
	$stored++ if $r->{status} == 201;

	$r = raw('POST', "/apps/$app->{id}/events", "$CT${KEY}Transfer-Encoding: chunked\r\n",
		 chunked('{"occurred_at":"2026-02-10T10:00:00Z","level":"nope","message":"m"}', 5));
	error_ok($r, 422, 'VALIDATION', 'level', 'a bad chunked event is 422 like any other');
	$r = raw('POST', "/apps/$app->{id}/events", "$CT${KEY}Transfer-Encoding: chunked\r\n",
		 chunked('{"occurred_at":', 5));
	error_ok($r, 400, 'BAD_REQUEST', undef, 'a cut-off chunked document is 400');

	my $huge = '[' . join(',', (json_bytes(ev(message => 'h' x 10000))) x 1100) . ']';
	ok(length($huge) > 10 * 1024 * 1024, '(a chunked body over 10 MiB)');
	$r = raw('POST', "/apps/$app->{id}/events", "$CT${KEY}Transfer-Encoding: chunked\r\n",
		 chunked($huge, 1 << 20));
	error_ok($r, 413, 'PAYLOAD_TOO_LARGE', undef, 'a chunked body over 10 MiB is 413 JSON');

	my $two = '{"pad":"' . ('p' x 2_000_000) . '"}';
	my $name = "chunked-big-$$";
	$r = raw('POST', "/apps/$name", "${CT}Transfer-Encoding: chunked\r\n", chunked($two, 100_000));
	error_ok($r, 413, 'PAYLOAD_TOO_LARGE', undef, 'a chunked 2 MB body to POST /apps/{name} is 413 JSON');
	ok(!(grep { $_->{name} eq $name } @{ list_all('/apps') }), 'and creates no app');

	is(count_events($app), $stored, 'exactly the accepted events are stored');
}

# --- Content-Length ----------------------------------------------------------------------

{
	my $body = json_bytes(ev(message => 'length'));
	my $r = raw('POST', "/apps/$app->{id}/events", "$CT${KEY}Content-Length: " . length($body) . "\r\n", $body);
	is($r->{status}, 201, 'a body with an exact Content-Length is accepted');
	$stored++ if $r->{status} == 201;

	for my $case ([ 'abc', 'a non-numeric Content-Length' ], [ '-1', 'a negative Content-Length' ],
		      [ '1x', 'a Content-Length with trailing junk' ]) {
		my ($cl, $what) = @$case;
		$r = raw('POST', "/apps/$app->{id}/events", "$CT${KEY}Content-Length: $cl\r\n", $body);
		json_error_ok($r, [400], "$what");
	}
	$r = raw('POST', "/apps/$app->{id}/events",
		 "$CT${KEY}Content-Length: " . length($body) . "\r\nContent-Length: 3\r\n", $body);
	json_error_ok($r, [400], 'two different Content-Length headers');
	$r = raw('POST', "/apps/$app->{id}/events",
		 "$CT${KEY}Content-Length: " . length($body) . "\r\nTransfer-Encoding: chunked\r\n", chunked($body, 9));
	json_error_ok($r, [400], 'Content-Length together with Transfer-Encoding: chunked');

	# A Content-Length shorter than the body: the rest is the next request (garbage here).
	$r = raw('POST', "/apps/$app->{id}/events", "$CT${KEY}Content-Length: 10\r\n", $body);
	error_ok($r, 400, 'BAD_REQUEST', undef, 'a Content-Length cutting the JSON short is 400 from the worker');
	is(count_events($app), $stored, 'none of the broken requests stored anything');
}

# --- percent-escapes in the path ------------------------------------------------------------

{
	my $id = $app->{id};
	for my $path ('/apps/%zz', "/apps/$id/%zz", "/apps/$id/events/%zz", '/apps/%', '/apps/%4', "/apps/$id%zz") {
		my $r = raw('GET', $path);
		json_error_ok($r, [ 400, 404 ], "GET $path (a broken escape)");
	}
	my $r = raw('POST', '/apps/bad%zzname');
	json_error_ok($r, [ 400, 404, 422 ], 'POST /apps/bad%zzname');
	ok(!(grep { $_->{name} =~ /^bad/ } @{ list_all('/apps') }), 'creates no app');

	(my $enc = $id) =~ s/(\d)/sprintf '%%%02X', ord $1/ge;
	$r = raw('GET', "/apps/$enc");
	is($r->{status}, 200, "GET /apps/$enc (the id percent-encoded) is the app");
	is($r->{json} && $r->{json}{id}, $id, 'the same app');
	$r = raw('GET', "/apps/$id/%65vents");
	is($r->{status}, 200, 'GET /apps/{id}/%65vents is the event list');
	ok($r->{json} && ref $r->{json}{items} eq 'ARRAY', 'with items');
	$r = raw('GET', "/apps/$id%2Fevents");
	json_error_ok($r, [404], 'GET /apps/{id}%2Fevents (an escaped slash is not a separator)');
	$r = raw('GET', "/apps/$id%00");
	json_error_ok($r, [ 400, 404 ], 'GET /apps/{id}%00');
	$r = raw('POST', '/apps/nul%00name');
	json_error_ok($r, [ 400, 422 ], 'POST /apps/nul%00name');
}

# --- trailing slashes -----------------------------------------------------------------------------

{
	my $id = $app->{id};
	for my $path ("/apps/$id/", "/apps/$id/events/", "/apps/$id/stats/by-level/",
		      "/apps/$id/stats/timeseries/", "/apps/$id/stats/top-messages/", '/apps/', '/v1/health/') {
		is(req('GET', $path)->{status}, 200, "GET $path answers 200 (trailing slash ignored)");
	}
	my $r = req('POST', "/apps/$id/events/", json => ev(message => 'slash'),
		    headers => { 'X-Ingest-Key' => $app->{ingest_key} });
	is($r->{status}, 201, 'POST /apps/{id}/events/ ingests');
	$stored++ if $r->{status} == 201;
	my $name = "slash-$$-" . time();
	$r = req('POST', "/apps/$name/");
	is($r->{status}, 201, 'POST /apps/{name}/ creates the app');
	is($r->{json} && $r->{json}{name}, $name, 'without the slash in its name');
	$r = req('POST', "/apps/$r->{json}{id}/ingest-key/");
	is($r->{status}, 200, 'POST /apps/{id}/ingest-key/ rotates');
	is(req('DELETE', "/apps/$r->{json}{id}/")->{status}, 204, 'DELETE /apps/{id}/ deletes');
}

# --- query strings --------------------------------------------------------------------------------

{
	my $id = $app->{id};
	for my $case ([ 'events', 'limit=%zz', 'limit' ], [ 'events', 'offset=%4', 'offset' ],
		      [ 'events', 'level=%zz', 'level' ], [ 'events', 'since=%', 'since' ],
		      [ 'events', 'until=2026-01-01%zz', 'until' ],
		      [ 'stats/timeseries', 'interval=%zz', 'interval' ],
		      [ 'stats/timeseries', 'since=%G0', 'since' ],
		      [ 'stats/by-level', 'until=%zz', 'until' ],
		      [ 'stats/top-messages', 'limit=1%', 'limit' ],
		      [ 'stats/top-messages', 'level=%E', 'level' ]) {
		my ($what, $q, $field) = @$case;
		my $r = raw('GET', "/apps/$id/$what?$q");
		error_ok($r, 422, 'VALIDATION', $field, "GET $what?$q (a broken escape in $field) is 422");
	}
	my $r = raw('GET', "/apps/$id/events?x=%zz&%zz=1&limit=2");
	is($r->{status}, 200, 'a broken escape in an unknown parameter is ignored');
	is(scalar @{ $r->{json} ? $r->{json}{items} : [] }, 2, 'and the known one still applies');
	$r = raw('GET', "/apps/$id/events?%6Cimit=3");
	is(scalar @{ $r->{json} ? $r->{json}{items} : [] }, 3, 'an escaped parameter name is decoded');
	$r = raw('GET', "/apps/$id/events?level=%65rror&limit=50");
	is($r->{status}, 200, 'an escaped value is decoded (level=%65rror)');
	my @items = @{ $r->{json} ? $r->{json}{items} : [] };
	is(scalar @items, $stored < 50 ? $stored : 50, 'and matches the ERROR events');
	is(scalar(grep { $_->{level} ne 'ERROR' } @items), 0, 'only ERROR events');
	$r = raw('GET', "/apps/$id/events?level=ERROR+");
	error_ok($r, 422, 'VALIDATION', 'level', 'a + in a value is a blank (level=ERROR+ is 422)');
	$r = raw('GET', "/apps/$id/events?limit=5&limit=abc");
	ok($r->{status} == 200 || $r->{status} == 422, 'a repeated parameter is not a 500');
}

done_testing;
