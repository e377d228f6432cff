#!/usr/bin/perl
# Applications: POST /apps/{name}, GET /apps, GET /apps/{id}, DELETE /apps/{id},
# POST /apps/{id}/ingest-key, and the router's 404/405 answers around them.
use strict;
use warnings;
use Test::More;
use Telltale;
use Digest::SHA qw(sha256_hex);

my $uniq = "$$-t" . time();   # no digit run a card number could be

sub app_ok {
	my ($res, $status, $name) = @_;
	my $j = $res->{json} || {};
	subtest $name => sub {
		is($res->{status}, $status, "status $status") or diag($res->{body});
		like($res->{headers}{'content-type'} // '', qr{^application/json}i, 'JSON');
		like($j->{id} // '', qr/^[1-9][0-9]*\z/, 'id is a positive integer');
		ok(defined $j->{id} && !ref $j->{id} && $res->{body} =~ /"id"\s*:\s*\d/, 'id is a JSON number');
		like($j->{ingest_key} // '', qr/^[0-9a-f]{32}\z/i, 'ingest_key is 32 hex digits');
		ok(is_rfc3339_z($j->{created_at}), 'created_at is RFC 3339 UTC with Z')
			or diag($j->{created_at});
		my $t = ts_usec($j->{created_at}) // 0;
		ok(abs($t - now_usec()) < 120_000_000, 'created_at is about now');
	};
	return $j;
}

# --- POST /apps/{name} -------------------------------------------------------

{
	my $name = "apps-shape-$uniq";
	my $res = req('POST', "/apps/$name");
	my $app = app_ok($res, 201, 'POST /apps/{name} answers 201 with the new app');
	is($app->{name}, $name, 'the name is echoed');

	my $res2 = req('POST', "/apps/apps-shape2-$uniq");
	isnt($res2->{json}{ingest_key}, $app->{ingest_key}, 'two apps get different keys');
	cmp_ok($res2->{json}{id}, '>', $app->{id}, 'ids increase');

	my $dup = req('POST', "/apps/$name");
	error_ok($dup, 409, 'CONFLICT', '*', 'the same name again is 409 CONFLICT');

	my $dup2 = req('POST', "/apps/%20$name%20%20");
	error_ok($dup2, 409, 'CONFLICT', '*', 'the same name with blanks around it is 409 too');
}

{
	my $res = req('POST', "/apps/%20%20trim-$uniq%20%09");
	my $app = app_ok($res, 201, 'a name with blanks around it is accepted');
	is($app->{name}, "trim-$uniq", 'the name is trimmed');

	$res = req('POST', "/apps/my%20app-$uniq");
	$app = app_ok($res, 201, 'a percent-encoded name is accepted');
	is($app->{name}, "my app-$uniq", 'the name is URL-decoded ("my%20app" is "my app")');
	is(req('GET', "/apps/$app->{id}")->{json}{name}, "my app-$uniq", 'and stored decoded');

	$res = req('POST', "/apps/caf%C3%A9-$uniq");
	$app = app_ok($res, 201, 'a UTF-8 name is accepted');
	is($app->{name}, "caf\x{e9}-$uniq", 'the UTF-8 name round-trips');

	$res = req('POST', "/apps/%E3%80%80nbsp%C2%A0-$uniq%C2%A0");
	$app = app_ok($res, 201, 'a name with Unicode blanks around it is accepted');
	is($app->{name}, "nbsp\x{a0}-$uniq", 'Unicode blanks at the ends are trimmed, inner ones kept');
}

for my $case (
	[ '%20',                'a single blank' ],
	[ '%20%20%09%20',       'blanks only' ],
	[ '%E3%80%80%C2%A0',    'Unicode blanks only' ],
) {
	my ($seg, $what) = @$case;
	error_ok(req('POST', "/apps/$seg"), 422, 'VALIDATION', 'name', "a name of $what is 422");
}

{
	my $len255 = 'n' x (255 - length("-$uniq")) . "-$uniq";
	is(length $len255, 255, '(a 255-character name)');
	my $res = req('POST', "/apps/$len255");
	my $app = app_ok($res, 201, 'a name of 255 characters is accepted');
	is($app->{name}, $len255, 'and kept whole');

	error_ok(req('POST', "/apps/x$len255"), 422, 'VALIDATION', 'name',
		 'a name of 256 characters is 422');
	error_ok(req('POST', '/apps/' . ('y' x 1000)), 422, 'VALIDATION', 'name',
		 'a name of 1000 characters is 422');

	my $u = "-$uniq";
	my $wide = ('%C3%A9' x (255 - length $u)) . $u;
	$res = req('POST', "/apps/$wide");
	$app = app_ok($res, 201, 'a name of 255 two-byte characters (more than 255 bytes) is accepted');
	is(length($app->{name} // ''), 255, 'the limit counts characters, not bytes');
	error_ok(req('POST', "/apps/%C3%A9$wide"), 422, 'VALIDATION', 'name',
		 'a name of 256 two-byte characters is 422');

	my $padded = "%20%20" . substr($len255, 1) . "z%20";
	$res = req('POST', "/apps/$padded");
	$app = app_ok($res, 201, 'a name of 255 characters once trimmed is accepted');
	is(length($app->{name} // ''), 255, 'trimming happens before counting');
}

for my $case (
	[ "ctl%01x-$uniq",     'U+0001' ],
	[ "ctl%0Ax-$uniq",     'a newline inside' ],
	[ "ctl%09x-$uniq",     'a tab inside' ],
	[ "ctl%1Bx-$uniq",     'ESC' ],
	[ "ctl%7Fx-$uniq",     'DEL' ],
	[ "ctl%C2%85x-$uniq",  'the C1 control U+0085' ],
) {
	my ($seg, $what) = @$case;
	error_ok(req('POST', "/apps/$seg"), 422, 'VALIDATION', 'name', "a name with $what is 422");
}
error_ok(req('POST', "/apps/bad%FFutf8-$uniq"), 422, 'VALIDATION', 'name',
	 'a name that decodes to invalid UTF-8 is 422');
error_ok(req('POST', "/apps/bad%C0%AFutf8-$uniq"), 422, 'VALIDATION', 'name',
	 'a name with an overlong UTF-8 form is 422');

{
	my $res = req('POST', '/apps');
	error_ok($res, 405, 'METHOD_NOT_ALLOWED', undef, 'POST /apps without a name is 405');
	is($res->{headers}{allow} // '', 'GET', 'with Allow: GET');
}

# --- the key is shown once: only its SHA-256 is stored ----------------------------

{
	my $app = new_app('digest');
	my $rows = db_query("SELECT ingest_key_sha256, ingest_key_prefix, row_to_json(a)::text"
			    . " FROM applications a WHERE id = $app->{id}");
	ok($rows && @$rows, 'the application row can be read with psql');
	my ($digest, $prefix, $json) = @{ $rows->[0] };
	is($digest, sha256_hex($app->{ingest_key}), 'the database holds the SHA-256 of the key');
	is($prefix, substr($app->{ingest_key}, 0, 8), 'and its first 8 characters');
	unlike($json, qr/\Q$app->{ingest_key}\E/i, 'but not the key itself');
	my $cols = db_query("SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns"
			    . " WHERE table_name = 'applications' AND column_name ILIKE '%key%'");
	is($cols && $cols->[0][0], 'ingest_key_prefix,ingest_key_sha256', 'no other key column');
}

# --- GET /apps, /apps/ ---------------------------------------------------------

{
	my @mine = map { new_app("list$_") } 1 .. 3;
	for my $path ('/apps', '/apps/') {
		my $res = req('GET', $path);
		is($res->{status}, 200, "GET $path answers 200");
		like($res->{headers}{'content-type'} // '', qr{^application/json}i, "GET $path is JSON");
		is(ref $res->{json}, 'ARRAY', "GET $path is a plain array") or next;
		my $list = list_all($path);     # a thousand an answer: the stack may hold more
		my @ids = map { $_->{id} } @$list;
		is_deeply(\@ids, [ sort { $a <=> $b } @ids ], "GET $path is ordered by id");
		my %by_id = map { $_->{id} => $_ } @$list;
		my @seen = grep { $by_id{$_} } map { $_->{id} } @mine;
		is(scalar @seen, 3, "GET $path lists the new apps");
		my @pos = grep { my $id = $list->[$_]{id}; grep { $_->{id} == $id } @mine } 0 .. $#$list;
		is_deeply([ map { $list->[$_]{id} } @pos ], [ map { $_->{id} } @mine ],
			  "GET $path lists them in creation order");
		my @with_key = grep { exists $_->{ingest_key} } @$list;
		is(scalar @with_key, 0, "GET $path never shows an ingest_key");
		for my $ap (@mine) {
			my $item = $by_id{ $ap->{id} } or next;
			is_deeply([ sort keys %$item ],
				  [qw(created_at id ingest_key_prefix mask_fields name retention_days webhook_url)],
				  "GET $path item $ap->{id} has id, name, ingest_key_prefix, created_at, mask_fields,"
				  . " retention_days, webhook_url");
			is($item->{ingest_key_prefix}, substr($ap->{ingest_key}, 0, 8),
			   'ingest_key_prefix is the first 8 characters of the key');
			is($item->{name}, $ap->{name}, 'name');
			is(ts_usec($item->{created_at}), ts_usec($ap->{created_at}),
			   'created_at is the instant of creation');
			ok(is_rfc3339_z($item->{created_at}), 'created_at format');
		}
	}

	# --- GET /apps/{id} ---
	my $first = $mine[0];
	my $res = req('GET', "/apps/$first->{id}");
	is($res->{status}, 200, 'GET /apps/{id} answers 200');
	my $listed = (grep { $_->{id} == $first->{id} } @{ list_all('/apps') })[0];
	is_deeply($res->{json}, $listed, 'GET /apps/{id} is the object of the list');
	ok(!exists $res->{json}{ingest_key}, 'GET /apps/{id} does not show the key');
	is(req('GET', "/apps/$first->{id}/")->{status}, 200, 'GET /apps/{id}/ (trailing slash) answers 200');
}

for my $id ('abc', '0', '-1', '00', '1.5', '1e3', '+1', '%201', '99999999999999999999',
	    '9223372036854775808', '9223372036854775807', '18446744073709551616') {
	error_ok(req('GET', "/apps/$id"), 404, 'NOT_FOUND', undef, "GET /apps/$id is 404");
}
error_ok(req('DELETE', '/apps/abc'), 404, 'NOT_FOUND', undef, 'DELETE /apps/abc is 404');
error_ok(req('DELETE', '/apps/99999999999999999999'), 404, 'NOT_FOUND', undef,
	 'DELETE /apps/99999999999999999999 is 404');
error_ok(req('DELETE', '/apps/9223372036854775807'), 404, 'NOT_FOUND', undef,
	 'DELETE of an unknown id is 404');

# --- DELETE /apps/{id} ---------------------------------------------------------

{
	my $app = new_app('del');
	my $other = new_app('keep');
	my $e = ingest($app, ev(message => 'doomed'));
	is($e->{status}, 201, 'an event to delete with the app');
	is(ingest($other, ev(message => 'survivor'))->{status}, 201, 'an event of another app');

	my $res = req('DELETE', "/apps/$app->{id}");
	is($res->{status}, 204, 'DELETE /apps/{id} answers 204');
	is($res->{body} // '', '', '204 has no body');

	error_ok(req('GET', "/apps/$app->{id}"), 404, 'NOT_FOUND', undef, 'the app is gone');
	error_ok(req('DELETE', "/apps/$app->{id}"), 404, 'NOT_FOUND', undef, 'deleting it again is 404');
	ok(!(grep { $_->{id} == $app->{id} } @{ list_all('/apps') }),
	   'the app is not listed any more');
	error_ok(req('GET', "/apps/$app->{id}/events"), 404, 'NOT_FOUND', undef,
		 'its event list is 404');
	error_ok(req('GET', "/apps/$app->{id}/events/$e->{json}{id}"), 404, 'NOT_FOUND', undef,
		 'its event is gone');
	my $late = ingest($app, ev());
	error_ok($late, 403, 'FORBIDDEN', undef, 'an ingest with the deleted app\'s key is 403');
	is($late->{json}{message}, 'Invalid application or ingest key', 'with the usual message');
	error_ok(req('POST', "/apps/$app->{id}/ingest-key"), 404, 'NOT_FOUND', undef,
		 'rotating the key of a deleted app is 404');

	my @left = events_of($other);
	is(scalar @left, 1, 'the other app keeps its event');
	{
		my $rows = db_query("SELECT count(*) FROM events WHERE application_id = $app->{id}");
		is($rows && $rows->[0][0], 0, 'no event row of the deleted app is left in the database');
	}

	my $again = req('POST', "/apps/$app->{name}");
	is($again->{status}, 201, 'the name of a deleted app can be used again');
	is(count_events($again->{json}), 0, 'the new app starts without the old events');
}

# Deleting an application while bulk ingests into it are in flight: each
# ingest is stored whole before the delete (201) or refused after it (403), and
# no event of the application is left behind. Each client pauses 10 ms before
# each request: the refusals after the delete come back in a millisecond, and
# unpaced they would pass the key's rate limit (1000 a second) and meet 429.
{
	my $app = new_app('del-under-load');
	my $bulk = json_bytes([ map { ev(message => "racing $_") } 1 .. 200 ]);
	my $load = load_start(clients => 4, secs => 20, request => sub {
		Time::HiRes::sleep(0.01);
		return ('POST', "/apps/$app->{id}/events",
			{ 'X-Ingest-Key' => $app->{ingest_key}, 'Content-Type' => 'application/json' },
			$bulk);
	});
	my $stored = sub { db_query("SELECT count(*) FROM events WHERE application_id = $app->{id}")->[0][0] };
	ok(wait_for(15, sub { $stored->() >= 1000 }), 'bulk ingests are going in');
	is(req('DELETE', "/apps/$app->{id}")->{status}, 204, 'the app is deleted under load');
	Time::HiRes::sleep(0.5);
	my @answers = @{ load_stop($load)->{results} };
	my %by = map { $_->{status} => 1 } @answers;
	ok($by{201} && $by{403}, 'ingests were stored before the delete and refused after it')
		or diag explain [ keys %by ];
	is_deeply([ grep { $_ != 201 && $_ != 403 } keys %by ], [], 'and answered nothing else');
	is($stored->(), 0, 'no event of the deleted app is left in the database');
}

# --- POST /apps/{id}/ingest-key --------------------------------------------------

{
	my $app = new_app('rotate');
	my $old = $app->{ingest_key};
	is(ingest($app, ev())->{status}, 201, 'the first key works');

	my $res = req('POST', "/apps/$app->{id}/ingest-key");
	is($res->{status}, 200, 'POST /apps/{id}/ingest-key answers 200');
	like($res->{headers}{'content-type'} // '', qr{^application/json}i, 'JSON');
	my $new = $res->{json}{ingest_key} // '';
	like($new, qr/^[0-9a-f]{32}\z/i, 'a new 32-hex key');
	isnt($new, $old, 'the key changed');
	is($res->{json}{id}, $app->{id}, 'the answer names the app');
	is($res->{json}{name}, $app->{name}, 'and its name');

	my $got = req('GET', "/apps/$app->{id}")->{json};
	is($got->{ingest_key_prefix}, substr($new, 0, 8), 'ingest_key_prefix follows the new key');
	is(ts_usec($got->{created_at}), ts_usec($app->{created_at}), 'created_at is unchanged');

	my $r_old = ingest($app, ev(), key => $old);
	error_ok($r_old, 403, 'FORBIDDEN', undef, 'the old key is refused at once');
	is($r_old->{json}{message}, 'Invalid application or ingest key', 'with the usual message');
	is(ingest($app, ev(), key => $new)->{status}, 201, 'the new key works');

	my $res2 = req('POST', "/apps/$app->{id}/ingest-key");
	my $newer = $res2->{json}{ingest_key};
	is(ingest($app, ev(), key => $new)->{status}, 403, 'a second rotation retires the first new key');
	is(ingest($app, ev(), key => $newer)->{status}, 201, 'and the newest key works');
	is(count_events($app), 3, 'only the accepted events are stored');

	error_ok(req('POST', '/apps/9223372036854775807/ingest-key'), 404, 'NOT_FOUND', undef,
		 'rotating the key of an unknown app is 404');
	error_ok(req('POST', '/apps/abc/ingest-key'), 404, 'NOT_FOUND', undef,
		 'rotating the key of /apps/abc is 404');
}

# --- 405 and 404 ---------------------------------------------------------------

sub allow_set {
	my ($res) = @_;
	return join ',', sort map { s/^\s+|\s+$//gr } split /,/, ($res->{headers}{allow} // '');
}

{
	my $app = new_app('methods');
	my $id = $app->{id};
	for my $case (
		[ 'PUT',    "/apps/$id",             'DELETE,GET,PATCH,POST' ],
		[ 'DELETE', '/apps',                 'GET' ],
		[ 'PUT',    '/apps/',                'GET' ],
		[ 'GET',    "/apps/$id/ingest-key",  'POST' ],
		[ 'DELETE', "/apps/$id/events",      'GET,POST' ],
		[ 'POST',   "/apps/$id/events/1",    'GET' ],
		[ 'POST',   "/apps/$id/stats/by-level", 'GET' ],
	) {
		my ($m, $path, $allow) = @$case;
		my $res = req($m, $path, $m =~ /^P/ ? (json => {}) : ());
		error_ok($res, 405, 'METHOD_NOT_ALLOWED', undef, "$m $path is 405");
		is(allow_set($res), $allow, "$m $path: Allow lists $allow");
	}
	is(req('GET', "/apps/$id")->{status}, 200, 'the app survived the wrong methods');

	for my $path ("/apps/$id/nothing", "/apps/$id/events/1/extra", "/apps/$id/stats",
		      "/apps/$id/stats/unknown", '/v1/nothing') {
		error_ok(req('GET', $path), 404, 'NOT_FOUND', undef, "GET $path is 404 JSON");
	}
}

done_testing;
