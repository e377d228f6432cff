#!/usr/bin/perl
# /v1 request logs: POST /v1/logs (the Bearer key, every field rule, masking
# before storage, bodies cut at 64 KiB), GET /v1/logs (every filter alone and
# combined, pagination) and GET /v1/logs/{id}.
use strict;
use warnings;
use Test::More;
use Telltale;

my $uniq = "$$-t" . time();   # no digit run a card number could be
my $UNKNOWN = '00000000-0000-4000-8000-000000000000';
my $M = '***MASKED***';

my $svc = new_service('logs');
my $key = new_key($svc, 'logs key');

# How many logs $svc holds (the list pages through them all).
sub stored { return scalar logs_of("service_id=$svc->{id}") }

my @LOG_FIELDS = qw(id service_id method url path status_code latency_ms query_params
		    body_truncated request_body_truncated response_body_truncated error
		    source_ip tags route trace_id span_id received_at);
my @DETAIL_FIELDS = qw(request_headers response_headers request_body response_body);

# --- a full log -------------------------------------------------------------------------

my $full;
{
	my $log = log_ev(method => 'post', url => 'https://api.example.com/v1/orders?page=2',
			 path => '/v1/orders', status_code => 201, latency_ms => 48.25,
			 query_params => { page => '2', sort => [ 'a', 'b' ] },
			 request_headers => { Accept => 'application/json', 'X-Request-Id' => 'r-1' },
			 response_headers => { 'Content-Type' => 'application/json' },
			 request_body => '{"item":"book","qty":2}', response_body => 'created',
			 error => undef, source_ip => '2001:DB8:0:0::1', tags => [ 'checkout', 'v2' ]);
	my $res = ingest_log($key->{raw_key}, $log);
	is($res->{status}, 201, 'POST /v1/logs answers 201') or diag($res->{body});
	like($res->{headers}{'content-type'} // '', qr{^application/json}i, 'as JSON');
	$full = $res->{json} || {};
	is_deeply([ sort keys %$full ], [ sort @LOG_FIELDS, @DETAIL_FIELDS ], 'with every field of LOG');
	ok(is_uuid($full->{id}), 'id is a UUID');
	is($full->{service_id}, $svc->{id}, 'service_id is the key\'s service');
	is($full->{method}, 'POST', 'method is upper-cased');
	is($full->{url}, $log->{url}, 'url as sent');
	is($full->{path}, '/v1/orders', 'path as sent');
	is($full->{status_code}, 201, 'status_code as sent');
	is($full->{latency_ms}, 48.25, 'latency_ms as sent');
	is_deeply($full->{query_params}, $log->{query_params}, 'query_params as sent');
	is_deeply($full->{request_headers}, $log->{request_headers}, 'request_headers as sent');
	is_deeply($full->{response_headers}, $log->{response_headers}, 'response_headers as sent');
	is($full->{request_body}, $log->{request_body}, 'request_body as sent');
	is($full->{response_body}, 'created', 'response_body as sent');
	ok(JSON::PP::is_bool($full->{body_truncated}) && !$full->{body_truncated}, 'body_truncated is false');
	ok(exists $full->{error} && !defined $full->{error}, 'error is null when absent');
	is($full->{source_ip}, '2001:db8::1', 'source_ip in its canonical form');
	is_deeply($full->{tags}, [ 'checkout', 'v2' ], 'tags as sent');
	ok(is_rfc3339_z($full->{received_at}), 'received_at is RFC 3339 UTC with Z');
	ok(abs((ts_usec($full->{received_at}) // 0) - now_usec()) < 120_000_000, 'received_at is about now');

	my $got = req('GET', "/v1/logs/$full->{id}");
	is($got->{status}, 200, 'GET /v1/logs/{id} answers 200');
	is_deeply($got->{json}, $full, 'with the full log as the ingest answered it');

	my $least = ingest_log($key->{raw_key}, { method => 'get', url => 'http://h', path => '/' });
	is($least->{status}, 201, 'a log with only method, url and path is accepted') or diag($least->{body});
	my $l = $least->{json} || {};
	ok(!defined $l->{status_code} && !defined $l->{latency_ms} && !defined $l->{query_params}
	   && !defined $l->{request_headers} && !defined $l->{request_body} && !defined $l->{source_ip},
	   'its optional fields are null');
	is_deeply($l->{tags}, [], 'and its tags []');

	# Tags that a PostgreSQL array literal must quote or escape.
	my @odd = ('a"b', 'c\\d', 'x,y', '{z}', 'NULL', ' sp ', "\x{e9}\x{2713}");
	my $tagged = ingest_log($key->{raw_key}, log_ev(tags => \@odd));
	is_deeply(($tagged->{json} || {})->{tags}, \@odd, 'such tags as sent');
	is_deeply(req('GET', "/v1/logs/" . (($tagged->{json} || {})->{id} // 'none'))->{json}{tags}, \@odd,
		  '  and as stored');

	my $nulls = ingest_log($key->{raw_key}, undef, body => json_bytes({ %{ log_ev() }, map { $_ => undef } qw(status_code latency_ms
				query_params request_headers response_headers request_body response_body error
				source_ip tags) }));
	is($nulls->{status}, 201, 'null optional fields are accepted') or diag($nulls->{body});
	my $empty_err = ingest_log($key->{raw_key}, log_ev(error => ''));
	ok($empty_err->{status} == 201 && !defined $empty_err->{json}{error}, 'an empty error is stored as none');
	my $ipv4 = ingest_log($key->{raw_key}, log_ev(source_ip => '192.0.2.7', error => 'timeout'));
	is($ipv4->{json}{source_ip}, '192.0.2.7', 'an IPv4 source_ip');
	is($ipv4->{json}{error}, 'timeout', 'error as sent');
	accepted_unknown_fields();
}

sub accepted_unknown_fields {
	my $res = ingest_log($key->{raw_key}, log_ev(extra => 'ignored', nested => { a => 1 }));
	is($res->{status}, 201, 'unknown fields are ignored');
	ok(!exists $res->{json}{extra}, 'and not echoed');
}

# --- the key ------------------------------------------------------------------------------

{
	my $before = stored();
	my $unknown = 'mkey_' . join('', map { ('A' .. 'Z', 'a' .. 'z', 0 .. 9, '-', '_')[rand 64] } 1 .. 43);
	my $flipped = $key->{raw_key};
	substr($flipped, -5, 1) = substr($flipped, -5, 1) eq 'A' ? 'B' : 'A';
	for my $case (
		[ undef,                                'no Authorization header' ],
		[ '',                                   'an empty Authorization header' ],
		[ 'Bearer',                             'Bearer without a key' ],
		[ 'Bearer ',                            'Bearer and a blank' ],
		[ 'Bearer abc',                         'a Bearer that is not an mkey_ key' ],
		[ "Bearer mkey_short",                  'a short mkey_ key' ],
		[ "Bearer $key->{raw_key}x",            'a key with a character too many' ],
		[ 'Bearer ' . substr($key->{raw_key}, 0, 47), 'a key with a character too few' ],
		[ "Bearer $key->{raw_key} extra",       'a key followed by more' ],
		[ "Basic $key->{raw_key}",              'the key under Basic' ],
		[ $key->{raw_key},                      'the key without a scheme' ],
		[ "Bearer $unknown",                    'a well-formed unknown key' ],
		[ "Bearer $flipped",                    'the key with one character changed' ],
		[ 'Bearer ' . uc $key->{raw_key},       'the key upper-cased' ],
	) {
		my ($auth, $what) = @$case;
		my $res = ingest_log(undef, log_ev(path => '/refused'), auth => $auth);
		error_ok($res, 401, 'UNAUTHORIZED', undef, "$what is 401 UNAUTHORIZED");
		like($res->{headers}{'www-authenticate'} // '', qr/^Bearer\b/, '  with WWW-Authenticate: Bearer');
	}
	is(ingest_log(undef, log_ev(), auth => "bearer  $key->{raw_key} ")->{status}, 201,
	   'the scheme in lower case, extra blanks around the key: accepted');
	error_ok(ingest_log($unknown, { method => 1 }), 401, 'UNAUTHORIZED', undef,
		 'an unknown key with a bad body is 401, not 422');
	error_ok(ingest_log(undef, undef, body => '{"method":', auth => undef), 401, 'UNAUTHORIZED', undef,
		 'no key and an unparsable body is 401');

	my $revoked = new_key($svc, 'to revoke');
	is(ingest_log($revoked->{raw_key}, log_ev())->{status}, 201, 'a new key ingests');
	is(req('DELETE', "/v1/services/$svc->{id}/keys/$revoked->{id}")->{status}, 204, '(revoked)');
	error_ok(ingest_log($revoked->{raw_key}, log_ev(path => '/refused')), 401, 'UNAUTHORIZED', undef,
		 'a revoked key is 401');
	error_ok(ingest_log($revoked->{raw_key}, { method => 1 }), 401, 'UNAUTHORIZED', undef,
		 'a revoked key with a bad body is 401');
	is(stored(), $before + 2, 'none of the refused logs was stored');
	is(scalar(grep { $_->{path} eq '/refused' } logs_of("service_id=$svc->{id}")), 0,
	   'no /refused log anywhere in the service');

	my $other = new_service('other');
	my $okey = new_key($other, 'other');
	my $res = ingest_log($okey->{raw_key}, log_ev(path => '/other'));
	is($res->{json}{service_id}, $other->{id}, 'the key decides the service');
}

# --- masking ----------------------------------------------------------------------------------

{
	my %req_headers = (
		'Authorization' => 'Bearer sekrit-authorization', 'Cookie' => 'sid=sekrit-cookie',
		'X-API-Key' => 'sekrit-x-api-key', 'Proxy-Authorization' => 'Basic sekrit-proxy',
		'x-auth-token' => 'sekrit-auth-token', 'X-CSRF-Token' => 'sekrit-csrf',
		'X-Ingest-Key' => 'sekrit-ingest', 'X-Refresh-Token' => 'sekrit-refresh',
		'X-Client-Secret' => 'sekrit-client', 'X-Password' => 'sekrit-password-header',
		'X-Session-Id' => 'sekrit-session', 'X-My-Api-Key' => 'sekrit-my-api-key',
		'X-Apikey' => 'sekrit-apikey', 'AUTHORIZATION' => 'Bearer sekrit-upper',
		'Accept' => 'application/json', 'X-Request-Id' => 'req-1',
	);
	my %resp_headers = ('Set-Cookie' => 'sid=sekrit-set-cookie; HttpOnly', 'set-cookie' => 'b=sekrit-lower',
			    'Content-Type' => 'application/json', 'X-Trace' => 't-1');
	my $req_body = json_bytes({
		user => { name => 'ann', credentials => { password => 'sekrit-nested-password' } },
		items => [ { sku => 'b-1', secret => 'sekrit-in-array' }, { card => '4111 1111 1111 1111' } ],
		note => 'order 4111111111111112 ships',
		api_key => 'sekrit-body-api-key',
	});
	my $log = log_ev(
		url => 'https://api.example.com/login?token=sekrit-url-token&page=2&API_KEY=sekrit-url-key'
			. '&card=4111+1111+1111+1111&ref=4111111111111112',
		path => '/login',
		query_params => { token => 'sekrit-qp-token', page => '2',
				  filter => { password => 'sekrit-qp-password', name => 'x' },
				  card => '4111-1111-1111-1111' },
		request_headers => \%req_headers, response_headers => \%resp_headers,
		request_body => $req_body,
		response_body => "token=sekrit-not-json&ok=1\ncard 5500-0000-0000-0004 end",
	);
	my $res = ingest_log($key->{raw_key}, $log);
	is($res->{status}, 201, 'a log full of secrets is accepted') or diag($res->{body});
	my $got = req('GET', "/v1/logs/$res->{json}{id}")->{json} || {};
	is_deeply($got, $res->{json}, 'and stored as answered');

	my %want_req = %req_headers;
	$want_req{$_} = $M for grep { !/^(Accept|X-Request-Id)\z/ } keys %want_req;
	is_deeply($got->{request_headers}, \%want_req,
		  'request headers: Authorization, Cookie, X-API-Key and every other sensitive name masked, the rest kept');
	for my $h (qw(Authorization Cookie X-API-Key Proxy-Authorization x-auth-token X-CSRF-Token
		      X-Ingest-Key X-Refresh-Token X-Client-Secret X-Password X-Session-Id X-My-Api-Key
		      X-Apikey AUTHORIZATION)) {
		is($got->{request_headers}{$h}, $M, "  $h is masked");
	}
	is_deeply($got->{response_headers}, { 'Set-Cookie' => $M, 'set-cookie' => $M,
		'Content-Type' => 'application/json', 'X-Trace' => 't-1' },
		  'response headers: Set-Cookie masked (any case), the rest kept');
	is($got->{url}, "https://api.example.com/login?token=$M&page=2&API_KEY=$M&card=$M&ref=4111111111111112",
	   "url: the token and API_KEY parameters and the card number masked, a non-Luhn number kept");
	is_deeply($got->{query_params}, { token => $M, page => '2', filter => { password => $M, name => 'x' },
					  card => $M },
		  'query_params: token, a nested password and a card number masked');
	my $body = eval { JSON::PP->new->decode($got->{request_body}) };
	ok($body, 'the JSON request body is still JSON');
	is($body->{user}{credentials}, $M, 'request body: a credentials object is masked whole');
	is($body->{items}[0]{secret}, $M, 'request body: a secret inside an array is masked');
	is($body->{items}[1]{card}, $M, 'request body: a card number is masked');
	is($body->{api_key}, $M, 'request body: api_key is masked');
	is($body->{note}, 'order 4111111111111112 ships', 'request body: a non-Luhn number is kept');
	is($body->{user}{name}, 'ann', 'request body: the rest is kept');
	is($got->{response_body}, "token=sekrit-not-json&ok=1\ncard $M end",
	   'a body that is not JSON is stored as sent but for its card number');

	my $rows = db_query("SELECT count(*) FROM logs WHERE id = '$res->{json}{id}' AND"
		. " concat_ws(' ', url, path, query_params::text, request_headers::text,"
		. " response_headers::text, request_body)"
		. " ~ '(sekrit|4111111111111111|4111 1111|4111-1111|4111\\+1111|5500)'");
	SKIP: {
		is($rows->[0][0], 0, 'no secret and no card number reached the database'
		   . ' (but the non-JSON body\'s own text)');
	}

	my $listed = (grep { $_->{id} eq $res->{json}{id} } logs_of("service_id=$svc->{id}"))[0] || {};
	is($listed->{url}, $got->{url}, 'the list shows the masked url');
	is_deeply($listed->{query_params}, $got->{query_params}, 'and the masked query_params');

	my $plain = ingest_log($key->{raw_key}, log_ev(request_body => 'password=hunter2&user=ann',
						       response_body => '{"password": not json}'));
	is($plain->{json}{request_body}, "password=$M&user=ann", 'a form body is masked as a query string');
	is($plain->{json}{response_body}, qq({"password": "$M" json}), 'a broken JSON body is masked by key');
	my $cut = ingest_log($key->{raw_key}, log_ev(response_body => "\x{feff}{\"user\":\"u\",\"token\":\"abc",
						     error => 'declined 4111 1111 1111 1111', tags => [ 'card 4111-1111-1111-1111' ],
						     path => '/cards/4111111111111111',
						     url => 'https://h/cb#access_token=abc&state=s'));
	is($cut->{status}, 201, 'a log with secrets in the other places is stored');
	is($cut->{json}{response_body}, qq(\x{feff}{"user":"u","token":"$M"), '  a cut JSON body after a BOM is masked by key');
	is($cut->{json}{error}, "declined $M", '  a card number in error is masked');
	is_deeply($cut->{json}{tags}, [ "card $M" ], '  and in tags');
	is($cut->{json}{path}, "/cards/$M", '  and in the path');
	is($cut->{json}{url}, "https://h/cb#access_token=$M&state=$M", '  a fragment of pairs is masked as a query');
	my $deep = '{"a":' x 60 . '{"password":"sekrit"}' . '}' x 60;
	my $d = ingest_log($key->{raw_key}, log_ev(request_body => $deep));
	is($d->{json}{request_body}, '{"a":' x 60 . "{\"password\":\"$M\"}" . '}' x 60,
	   'a password 61 objects deep in a body is masked');
}

# --- bodies: 64 KiB, then cut and flagged ----------------------------------------------------------

{
	my $k64 = 64 * 1024;
	my $res = ingest_log($key->{raw_key}, log_ev(request_body => 'a' x $k64, response_body => 'b' x $k64));
	is($res->{status}, 201, 'bodies of exactly 64 KiB are accepted');
	my $got = req('GET', "/v1/logs/$res->{json}{id}")->{json} || {};
	is(length $got->{request_body}, $k64, 'the request body is kept whole');
	is(length $got->{response_body}, $k64, 'the response body is kept whole');
	ok(!$got->{body_truncated} && !$got->{request_body_truncated} && !$got->{response_body_truncated},
	   'and nothing is flagged');

	$res = ingest_log($key->{raw_key}, log_ev(request_body => 'c' x ($k64 + 1), response_body => 'd'));
	$got = req('GET', "/v1/logs/$res->{json}{id}")->{json} || {};
	is(length $got->{request_body}, $k64, 'a request body of 64 KiB + 1 is cut to 64 KiB');
	ok($got->{body_truncated} && JSON::PP::is_bool($got->{body_truncated}), 'body_truncated is true');
	ok($got->{request_body_truncated} && !$got->{response_body_truncated}, 'and says which body');
	is($got->{response_body}, 'd', 'the other body is whole');

	$res = ingest_log($key->{raw_key}, log_ev(response_body => "\x{20ac}" x 30000));
	$got = req('GET', "/v1/logs/$res->{json}{id}")->{json} || {};
	my $bytes = $got->{response_body} // '';
	utf8::encode($bytes);
	ok(length($bytes) <= $k64 && length($bytes) > $k64 - 4, 'a multi-byte body is cut to at most 64 KiB');
	is($got->{response_body}, "\x{20ac}" x int($k64 / 3), 'at a character boundary');
	ok($got->{response_body_truncated}, 'and flagged');

	my $secret_late = json_bytes({ pad => 'p' x ($k64 - 10), password => 'sekrit-late' });
	$got = ingest_log($key->{raw_key}, log_ev(request_body => $secret_late))->{json} || {};
	unlike($got->{request_body} // 'sekrit', qr/sekrit/, 'a secret past the cut is masked, not half kept');
	my $list_item = (grep { $_->{id} eq $got->{id} } logs_of("service_id=$svc->{id}"))[0] || {};
	ok($list_item->{body_truncated}, 'the list shows body_truncated too');
}

# --- field rules -------------------------------------------------------------------------------------

{
	my $before = stored();
	for my $case (
		[ method => undef ], [ method => '' ], [ method => 'G3T' ], [ method => 'GE T' ],
		[ method => 'M-SEARCH' ], [ method => 'A' x 17 ], [ method => 5 ], [ method => [ 'GET' ] ],
		[ url => undef ], [ url => '' ], [ url => '/relative' ], [ url => 'ftp://h/x' ],
		[ url => 'http://' ], [ url => 'https://h/a b' ], [ url => 42 ],
		[ path => undef ], [ path => '' ], [ path => {} ],
		[ status_code => 99 ], [ status_code => 600 ], [ status_code => '200' ], [ status_code => 200.5 ],
		[ status_code => JSON::PP::true ],
		[ latency_ms => -1 ], [ latency_ms => -0.001 ], [ latency_ms => 1e308 ], [ latency_ms => 1.5e12 ], [ latency_ms => '12' ], [ latency_ms => [] ],
		[ query_params => [] ], [ query_params => 'a=1' ],
		[ request_headers => [] ], [ request_headers => { A => 1 } ], [ request_headers => { A => [ 'x' ] } ],
		[ request_headers => 'A: b' ], [ response_headers => { A => undef } ], [ response_headers => 7 ],
		[ request_body => { a => 1 } ], [ request_body => 12 ], [ response_body => [ 'x' ] ],
		[ error => JSON::PP::true ], [ error => { m => 1 } ],
		[ source_ip => '192.0.2.256' ], [ source_ip => '10.0.0.0/8' ], [ source_ip => 'localhost' ],
		[ source_ip => '' ], [ source_ip => 3232235777 ],
		[ tags => 'a' ], [ tags => [ 1 ] ], [ tags => [ 'a', undef ] ], [ tags => [ '' ] ],
		[ tags => [ 't' x 129 ] ], [ tags => [ ('t') x 101 ] ], [ tags => { a => 'b' } ],
	) {
		my ($field, $value) = @$case;
		my $shown = json_bytes($value);
		$shown = substr($shown, 0, 40) . '...' if length $shown > 40;
		error_ok(ingest_log($key->{raw_key}, log_ev($field => undef),
				    body => json_bytes({ %{ log_ev() }, $field => $value })),
			 422, 'VALIDATION', $field, "$field $shown is 422 naming $field");
	}
	for my $field (qw(method url path)) {
		error_ok(ingest_log($key->{raw_key}, log_ev($field => undef)), 422, 'VALIDATION', $field,
			 "a missing $field is 422 naming it");
	}
	my $good = json_bytes(log_ev());
	my $head = substr($good, 0, -1);
	error_ok(ingest_log($key->{raw_key}, undef, body => $head . ',"request_body":"a\u0000b"}'),
		 422, 'VALIDATION', 'request_body', '\u0000 in request_body is 422 naming it');
	error_ok(ingest_log($key->{raw_key}, undef, body => $head . ',"request_headers":{"X-A":"a\u0000"}}'),
		 422, 'VALIDATION', 'request_headers.X-A', '\u0000 in a header is 422 naming it');
	error_ok(ingest_log($key->{raw_key}, undef, body => $head . qq{,"response_body":"\xff"\}}),
		 422, 'VALIDATION', 'response_body', 'invalid UTF-8 in response_body is 422 naming it');
	error_ok(ingest_log($key->{raw_key}, undef, body => $head . ',"error":"\ud800"}'),
		 422, 'VALIDATION', 'error', 'a lone surrogate in error is 422 naming it');
	my $nest = 1;
	$nest = { a => $nest } for 1 .. 32;
	error_ok(ingest_log($key->{raw_key}, log_ev(query_params => $nest)), 422, 'VALIDATION', '*',
		 'nesting deeper than 32 is 422');
	error_ok(ingest_log($key->{raw_key}, [ log_ev() ]), 422, 'VALIDATION', undef, 'a JSON array is 422');
	error_ok(ingest_log($key->{raw_key}, undef, body => 'null'), 422, 'VALIDATION', '*', 'null is 422');
	error_ok(ingest_log($key->{raw_key}, undef, body => '{"method":'), 400, 'BAD_REQUEST', undef,
		 'unparsable JSON is 400');
	error_ok(ingest_log($key->{raw_key}, undef, body => ''), 400, 'BAD_REQUEST', undef, 'an empty body is 400');
	error_ok(ingest_log($key->{raw_key}, log_ev(), headers => { 'Content-Type' => 'text/plain' }),
		 400, 'BAD_REQUEST', undef, 'a non-JSON Content-Type is 400');
	error_ok(ingest_log($key->{raw_key}, undef, body => json_bytes(log_ev(request_body => 'x' x (1024 * 1024)))),
		 413, 'PAYLOAD_TOO_LARGE', undef, 'a body over 1 MiB is 413');
	is(stored(), $before, 'none of the refused logs was stored');

	my $res = ingest_log($key->{raw_key}, log_ev(method => 'ABCDEFGHIJKLMNOP', status_code => 100,
		latency_ms => 0, tags => [ 't' x 128, ('x') x 99 ]));
	is($res->{status}, 201, 'the limits themselves are accepted (16 letters, 100, 0, 100 tags, 128 characters)')
		or diag($res->{body});
	is(ingest_log($key->{raw_key}, log_ev(status_code => 599, latency_ms => 1e12))->{status}, 201,
	   'status_code 599 and a latency of 1e12 ms are accepted');
}

# --- GET /v1/logs/{id} --------------------------------------------------------------------------------

error_ok(req('GET', "/v1/logs/$UNKNOWN"), 404, 'NOT_FOUND', undef, 'an unknown log id is 404');
for my $bad ('not-a-uuid', '123', "$UNKNOWN-0", substr($UNKNOWN, 1), 'z' . substr($UNKNOWN, 1)) {
	error_ok(req('GET', "/v1/logs/$bad"), 404, 'NOT_FOUND', undef, "a malformed log id '$bad' is 404");
}
error_ok(req('PUT', "/v1/logs/$full->{id}", json => {}), 405, 'METHOD_NOT_ALLOWED', undef,
	 'PUT /v1/logs/{id} is 405');

# --- search ------------------------------------------------------------------------------------------

# Two services with logs made to tell every filter apart; a tag and a path
# piece shared by both and by nothing else let the filters run without
# service_id too.
my $mark = "m$$" . "t" . time();   # no digit run a card number could be
my $sa = new_service('search-a');
my $sb = new_service('search-b');
my $ka = new_key($sa, 'a');
my $kb = new_key($sb, 'b');
my @plan = (
	[ $ka, 'GET',    "/$mark/orders",      200, 10,    undef,     [ $mark, 'checkout' ] ],
	[ $ka, 'POST',   "/$mark/orders",      201, 120.5, undef,     [ $mark, 'checkout', 'beta' ] ],
	[ $ka, 'GET',    "/$mark/orders/1",    404, 50,    undef,     [ $mark ] ],
	[ $ka, 'DELETE', "/$mark/orders/1",    500, 300,   undef,     [ $mark, 'beta' ] ],
	[ $ka, 'GET',    "/$mark/users",       200, 5.25,  'timeout', [ $mark, 'checkout' ] ],
	[ $ka, 'PUT',    "/$mark/a_b",         200, undef, undef,     [ $mark ] ],
	[ $ka, 'GET',    "/$mark/axb",         503, 50,    undef,     [ $mark, 'beta' ] ],
	[ $ka, 'PATCH',  "/$mark/100%/x",      204, 75,    undef,     [] ],
	[ $ka, 'GET',    "/$mark/orders",      200, 12.5,  undef,     [ $mark, 'checkout' ] ],
	[ $kb, 'GET',    "/$mark/orders",      200, 20,    undef,     [ $mark, 'checkout' ] ],
	[ $kb, 'POST',   "/$mark/users",       500, 600,   'boom',    [ $mark ] ],
	[ $kb, 'GET',    "/$mark/health",      200, 1,     undef,     [] ],
);
my @logs;
for my $p (@plan) {
	my ($k, $method, $path, $status, $latency, $error, $tags) = @$p;
	my $res = ingest_log($k->{raw_key}, log_ev(method => $method, path => $path,
		url => "https://api.example.com$path", status_code => $status,
		latency_ms => $latency, error => $error, tags => $tags));
	die "ingest failed: $res->{status} $res->{body}" unless $res->{status} == 201;
	push @logs, $res->{json};
}
# Newest first: received_at descending, then id descending.
sub newest_first {
	return sort { ts_usec($b->{received_at}) <=> ts_usec($a->{received_at}) || $b->{id} cmp $a->{id} } @_;
}
my @all = newest_first(@logs);
is(scalar(grep { $_->{service_id} eq $sa->{id} } @all), 9, '(nine logs in service a, three in b)');

# Ids are time-ordered (UUID version 7): the millisecond the worker made the id
# in its first 48 bits, so that each new primary-key entry lands beside the
# last. The twelve logs went in one after another.
is(scalar(grep { $_->{id} =~ /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/ } @logs),
   scalar(@logs), 'every id is a version 7 UUID (version 7, variant 10)');
is(scalar(grep { my $ms = hex(substr($_->{id}, 0, 8)) * 65536 + hex(substr($_->{id}, 9, 4));
		 abs($ms * 1000 - ts_usec($_->{received_at})) < 5_000_000 } @logs),
   scalar(@logs), 'each id starts with its log\'s time (within 5 s of received_at)');
is(scalar(grep { $logs[$_]{id} gt $logs[$_ - 1]{id} } 1 .. $#logs), $#logs,
   'each id is greater than the one ingested before it');

# search_ok($query, $filter, $name): GET /v1/logs?$query lists exactly the logs
# of @all for which $filter is true, newest first.
sub search_ok {
	my ($query, $filter, $name) = @_;
	my @want = map { $_->{id} } grep { $filter->($_) } @all;
	my @got = map { $_->{id} } logs_of($query);
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	ok(@want > 0 || $name =~ /no log|none|empty/, "($name: the filter selects something)");
	is_deeply(\@got, \@want, $name) or diag("query $query: got " . scalar(@got) . ', want ' . scalar(@want));
}

my $in_a = sub { $_[0]{service_id} eq $sa->{id} };
my $ours = sub { grep { $_ eq $mark } @{ $_[0]{tags} } };
my $error = sub { defined $_[0]{error} || ($_[0]{status_code} // 0) >= 500 };
my $lat = sub { $_[0]{latency_ms} };
my $t5 = $logs[4]{received_at};
my $u5 = ts_usec($t5);

search_ok("service_id=$sa->{id}", $in_a, 'service_id alone');
search_ok("service_id=$sb->{id}", sub { $_[0]{service_id} eq $sb->{id} }, 'service_id of the other service');
search_ok("tag=$mark", $ours, 'tag alone (across services)');
search_ok("path=/$mark/", sub { 1 }, 'path alone, as a substring (across services)');
search_ok("service_id=$sa->{id}&method=GET", sub { $in_a->($_[0]) && $_[0]{method} eq 'GET' }, 'method=GET');
search_ok("service_id=$sa->{id}&method=post", sub { $in_a->($_[0]) && $_[0]{method} eq 'POST' },
	  'method is case-insensitive (post)');
search_ok("service_id=$sa->{id}&method=DeLeTe", sub { $in_a->($_[0]) && $_[0]{method} eq 'DELETE' },
	  'method is case-insensitive (DeLeTe)');
search_ok("service_id=$sa->{id}&path=orders", sub { $in_a->($_[0]) && $_[0]{path} =~ /orders/ },
	  'path=orders (substring)');
search_ok("service_id=$sa->{id}&path=orders/1", sub { $in_a->($_[0]) && $_[0]{path} =~ m{orders/1} },
	  'path=orders/1');
search_ok("service_id=$sa->{id}&path=a_b", sub { $in_a->($_[0]) && $_[0]{path} =~ /a_b/ },
	  "path=a_b: '_' is literal, not a wildcard");
search_ok("service_id=$sa->{id}&path=100%25", sub { $in_a->($_[0]) && $_[0]{path} =~ /100%/ },
	  "path=100%: '%' is literal");
search_ok("path=$mark/users", sub { $_[0]{path} =~ m{$mark/users} }, 'path across services');
search_ok("service_id=$sa->{id}&status_code=200",
	  sub { $in_a->($_[0]) && ($_[0]{status_code} // 0) == 200 }, 'status_code=200');
search_ok("service_id=$sa->{id}&status_code=404",
	  sub { $in_a->($_[0]) && ($_[0]{status_code} // 0) == 404 }, 'status_code=404');
search_ok("service_id=$sa->{id}&min_latency_ms=50",
	  sub { $in_a->($_[0]) && defined $lat->($_[0]) && $lat->($_[0]) >= 50 }, 'min_latency_ms=50 (inclusive)');
search_ok("service_id=$sa->{id}&max_latency_ms=50",
	  sub { $in_a->($_[0]) && defined $lat->($_[0]) && $lat->($_[0]) <= 50 }, 'max_latency_ms=50 (inclusive)');
search_ok("service_id=$sa->{id}&min_latency_ms=50&max_latency_ms=50",
	  sub { $in_a->($_[0]) && defined $lat->($_[0]) && $lat->($_[0]) == 50 }, 'min = max = 50');
search_ok("service_id=$sa->{id}&min_latency_ms=12.5&max_latency_ms=120.5",
	  sub { $in_a->($_[0]) && defined $lat->($_[0]) && $lat->($_[0]) >= 12.5 && $lat->($_[0]) <= 120.5 },
	  'fractional latency bounds');
search_ok("service_id=$sa->{id}&has_error=true", sub { $in_a->($_[0]) && $error->($_[0]) },
	  'has_error=true: error set or status >= 500');
search_ok("service_id=$sa->{id}&has_error=false", sub { $in_a->($_[0]) && !$error->($_[0]) },
	  'has_error=false');
search_ok("tag=$mark&has_error=TRUE", sub { $ours->($_[0]) && $error->($_[0]) }, 'has_error=TRUE across services');
search_ok("service_id=$sa->{id}&tag=checkout",
	  sub { $in_a->($_[0]) && grep { $_ eq 'checkout' } @{ $_[0]{tags} } }, 'tag=checkout');
search_ok("service_id=$sa->{id}&tag=beta",
	  sub { $in_a->($_[0]) && grep { $_ eq 'beta' } @{ $_[0]{tags} } }, 'tag=beta');
search_ok("service_id=$sa->{id}&tag=chec", sub { 0 }, 'a tag matches whole: tag=chec finds none');
search_ok("service_id=$sa->{id}&since=$t5", sub { $in_a->($_[0]) && ts_usec($_[0]{received_at}) >= $u5 },
	  'since (inclusive)');
search_ok("service_id=$sa->{id}&until=$t5", sub { $in_a->($_[0]) && ts_usec($_[0]{received_at}) < $u5 },
	  'until (exclusive)');
{
	my $t2 = $logs[1]{received_at};
	my $t8 = $logs[7]{received_at};
	search_ok("service_id=$sa->{id}&since=$t2&until=$t8",
		  sub { $in_a->($_[0]) && ts_usec($_[0]{received_at}) >= ts_usec($t2)
			&& ts_usec($_[0]{received_at}) < ts_usec($t8) }, 'since and until');
	my $unix = sprintf('%.6f', ts_usec($t2) / 1e6);
	search_ok("service_id=$sa->{id}&since=$unix", sub { $in_a->($_[0]) && ts_usec($_[0]{received_at}) >= ts_usec($t2) },
		  'since as Unix seconds');
}
search_ok("service_id=$sa->{id}&method=get&status_code=200&tag=checkout&min_latency_ms=10",
	  sub { $in_a->($_[0]) && $_[0]{method} eq 'GET' && $_[0]{status_code} == 200
		&& (grep { $_ eq 'checkout' } @{ $_[0]{tags} }) && ($lat->($_[0]) // -1) >= 10 },
	  'method, status_code, tag and min_latency_ms combined');
search_ok("tag=$mark&has_error=true&path=users",
	  sub { $ours->($_[0]) && $error->($_[0]) && $_[0]{path} =~ /users/ },
	  'tag, has_error and path combined (across services)');
search_ok("service_id=$sa->{id}&has_error=false&max_latency_ms=50&path=orders&since=$logs[0]{received_at}",
	  sub { $in_a->($_[0]) && !$error->($_[0]) && ($lat->($_[0]) // 1e9) <= 50 && $_[0]{path} =~ /orders/ },
	  'has_error, max_latency_ms, path and since combined');
search_ok("service_id=$sb->{id}&method=POST&has_error=true&tag=$mark&status_code=500&min_latency_ms=600&max_latency_ms=600",
	  sub { $_[0]{service_id} eq $sb->{id} && $_[0]{method} eq 'POST' && $error->($_[0]) },
	  'everything at once');
search_ok("service_id=$sa->{id}&method=GET&status_code=201", sub { 0 }, 'filters that exclude each other: none');
search_ok("service_id=$UNKNOWN", sub { 0 }, 'an unknown service_id lists none');
search_ok("service_id=$sa->{id}&foo=bar&tag=checkout",
	  sub { $in_a->($_[0]) && grep { $_ eq 'checkout' } @{ $_[0]{tags} } }, 'unknown parameters are ignored');

{
	my $res = req('GET', "/v1/logs?service_id=$sa->{id}");
	is($res->{status}, 200, 'GET /v1/logs answers 200');
	is_deeply([ sort keys %{ $res->{json} } ], [ 'items', 'next_cursor', 'next_offset' ],
		  'with items, next_cursor and next_offset');
	my $item = $res->{json}{items}[0] || {};
	is_deeply([ sort keys %$item ], [ sort @LOG_FIELDS ], 'items are LOGs without headers and bodies');
	my ($newest) = grep { $_->{id} eq $item->{id} } @logs;
	my %want = %{ $newest || {} };
	delete @want{@DETAIL_FIELDS};
	is_deeply($item, \%want, 'the item is the log as ingested, without headers and bodies');
}

error_ok(req('GET', "/v1/logs?since=$t5&until=$t5"), 400, 'BAD_REQUEST', undef, 'since = until is 400');
error_ok(req('GET', "/v1/logs?since=$t5&until=$logs[0]{received_at}"), 400, 'BAD_REQUEST', undef,
	 'since > until is 400');
for my $case (
	[ service_id => 'abc' ], [ service_id => "$UNKNOWN-1" ], [ method => 'G3T' ], [ method => '' ],
	[ method => 'A' x 17 ], [ status_code => 'abc' ], [ status_code => 99 ], [ status_code => 600 ],
	[ status_code => '2e2' ], [ min_latency_ms => -1 ], [ min_latency_ms => 'fast' ], [ min_latency_ms => '1e3' ],
	[ max_latency_ms => 'x' ], [ max_latency_ms => '' ], [ has_error => 'maybe' ], [ has_error => '' ],
	[ since => 'yesterday' ], [ until => '2026-02-30' ], [ limit => 0 ], [ limit => 501 ], [ limit => 'ten' ],
	[ offset => -1 ], [ offset => 'x' ], [ path => '%FF' ], [ tag => 'a%00b' ], [ tag => '%zz' ],
) {
	my ($name, $value) = @$case;
	error_ok(req('GET', "/v1/logs?$name=$value"), 422, 'VALIDATION', $name, "$name=$value is 422 naming $name");
}

# --- pagination ---------------------------------------------------------------------------------------

{
	my $ps = new_service('pages');
	my $pk = new_key($ps, 'pages');
	my @ids = map { ingest_log($pk->{raw_key}, log_ev(path => "/page/$_"))->{json}{id} } 1 .. 7;
	my @want = reverse @ids;
	my (@seen, @offsets);
	my $offset = 0;
	for my $page (1 .. 5) {
		my $res = req('GET', "/v1/logs?service_id=$ps->{id}&limit=3&offset=$offset");
		push @seen, map { $_->{id} } @{ $res->{json}{items} };
		push @offsets, $res->{json}{next_offset};
		last unless defined $res->{json}{next_offset};
		$offset = $res->{json}{next_offset};
	}
	is_deeply(\@offsets, [ 3, 6, undef ], 'limit=3 over 7 logs: next_offset 3, 6, then null');
	is_deeply(\@seen, \@want, 'the pages hold every log once, newest first');
	my $exact = req('GET', "/v1/logs?service_id=$ps->{id}&limit=7")->{json};
	ok(@{ $exact->{items} } == 7 && !defined $exact->{next_offset}, 'limit=7: seven items, next_offset null');
	my $six = req('GET', "/v1/logs?service_id=$ps->{id}&limit=6")->{json};
	ok(@{ $six->{items} } == 6 && ($six->{next_offset} // 0) == 6, 'limit=6: six items, next_offset 6');
	my $past = req('GET', "/v1/logs?service_id=$ps->{id}&offset=7")->{json};
	ok(@{ $past->{items} } == 0 && !defined $past->{next_offset}, 'an offset past the end: no item, null');
	my $mid = req('GET', "/v1/logs?service_id=$ps->{id}&limit=2&offset=3")->{json};
	is_deeply([ map { $_->{id} } @{ $mid->{items} } ], [ @want[3, 4] ], 'limit=2&offset=3 is the 4th and 5th');
	is($mid->{next_offset}, 5, 'with next_offset 5');
	my $filtered = req('GET', "/v1/logs?service_id=$ps->{id}&path=/page/1&limit=1")->{json};
	ok(@{ $filtered->{items} } == 1 && !defined $filtered->{next_offset},
	   'pages count filtered logs: one match, next_offset null');

	push @ids, map { ingest_log($pk->{raw_key}, log_ev(path => "/page/more/$_"))->{json}{id} } 8 .. 51;
	my $first = req('GET', "/v1/logs?service_id=$ps->{id}")->{json};
	is(scalar @{ $first->{items} }, 50, 'without limit a page holds 50 logs');
	is($first->{next_offset}, 50, 'and next_offset is 50');
	my $second = req('GET', "/v1/logs?service_id=$ps->{id}&offset=50")->{json};
	ok(@{ $second->{items} } == 1 && !defined $second->{next_offset}, 'the 51st log is alone on the last page');
	is($second->{items}[0]{id}, $ids[0], 'and it is the oldest');
	my $max = req('GET', "/v1/logs?service_id=$ps->{id}&limit=500");
	ok($max->{status} == 200 && @{ $max->{json}{items} } == 51 && !defined $max->{json}{next_offset},
	   'limit=500 is allowed');
}

done_testing;
