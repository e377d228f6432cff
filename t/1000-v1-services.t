#!/usr/bin/perl
# /v1 services and their keys: POST/GET/DELETE /v1/services, POST/GET
# /v1/services/{id}/keys, DELETE /v1/services/{id}/keys/{key_id}; the key
# format, revocation, 404 for malformed and unknown UUIDs, and the cascade of
# a deleted service.
use strict;
use warnings;
use Test::More;
use Digest::SHA qw(sha256_hex);
use Time::HiRes ();
use Telltale;

my $uniq = "$$-t" . time();   # no digit run a card number could be
my $UNKNOWN = '00000000-0000-4000-8000-000000000000';
my @MALFORMED = ('not-a-uuid', '123', "$UNKNOWN-0", substr($UNKNOWN, 1), 'g' . substr($UNKNOWN, 1),
		 '00000000000040008000000000000000', "%7B$UNKNOWN%7D", "%20$UNKNOWN");

# A SERVICE answer: the fields of docs/api.md with their types.
sub service_ok {
	my ($res, $status, $name) = @_;
	my $j = $res->{json} || {};
	subtest $name => sub {
		is($res->{status}, $status, "status $status") or diag($res->{body});
		like($res->{headers}{'content-type'} // '', qr{^application/json}i, 'JSON');
		ok(is_uuid($j->{id}), 'id is a UUID') or diag($j->{id});
		is_deeply([ sort keys %$j ], [ sort qw(id name description base_url created_at mask_fields retention_days) ],
			  'exactly the fields of SERVICE');
		ok(is_rfc3339_z($j->{created_at}), 'created_at is RFC 3339 UTC with Z');
		ok(abs((ts_usec($j->{created_at}) // 0) - now_usec()) < 120_000_000, 'created_at is about now');
	};
	return $j;
}

# --- POST /v1/services ------------------------------------------------------------

my $full;
{
	my $name = "svc-full-$uniq";
	$full = service_ok(req('POST', '/v1/services', json => { name => $name,
		description => 'the checkout API', base_url => 'https://api.example.com' }),
		201, 'POST /v1/services answers 201 with the SERVICE');
	is($full->{name}, $name, 'name is echoed');
	is($full->{description}, 'the checkout API', 'description is echoed');
	is($full->{base_url}, 'https://api.example.com', 'base_url is echoed');

	my $min = service_ok(req('POST', '/v1/services', json => { name => "svc-min-$uniq" }),
			     201, 'a service with a name only');
	ok(exists $min->{description} && !defined $min->{description}, 'description is null when absent');
	ok(exists $min->{base_url} && !defined $min->{base_url}, 'base_url is null when absent');
	isnt($min->{id}, $full->{id}, 'two services, two ids');

	my $nulls = service_ok(req('POST', '/v1/services', json => { name => "svc-nulls-$uniq",
		description => undef, base_url => undef }), 201, 'null description and base_url are accepted');

	error_ok(req('POST', '/v1/services', json => { name => $name }), 409, 'CONFLICT', 'name',
		 'a duplicate name is 409 CONFLICT');
	error_ok(req('POST', '/v1/services', json => { name => "  $name\t" }), 409, 'CONFLICT', 'name',
		 'the same name with blanks around it is 409 too');

	my $trim = service_ok(req('POST', '/v1/services', json => { name => "  svc-trim-$uniq  " }),
			      201, 'a name with blanks around it');
	is($trim->{name}, "svc-trim-$uniq", 'is trimmed');

	my $utf8 = service_ok(req('POST', '/v1/services', json => { name => "caf\x{e9}-$uniq" }),
			      201, 'a UTF-8 name');
	is($utf8->{name}, "caf\x{e9}-$uniq", 'round-trips');

	my $n128 = substr("n128-$uniq-" . ('x' x 128), 0, 128);
	service_ok(req('POST', '/v1/services', json => { name => $n128,
		description => 'd' x 512, base_url => 'http://[::1]:8080/base?x=1' }),
		201, 'a name of 128 characters, a description of 512, an IPv6 base_url');
}

for my $case (
	[ 'name', {},                                    'a missing name' ],
	[ 'name', { name => undef },                     'a null name' ],
	[ 'name', { name => '' },                        'an empty name' ],
	[ 'name', { name => "  \t " },                   'a name of blanks' ],
	[ 'name', { name => 'n' x 129 },                 'a name of 129 characters' ],
	[ 'name', { name => 42 },                        'a numeric name' ],
	[ 'name', { name => [ 'a' ] },                   'an array name' ],
	[ 'name', { name => "a\x{7}b-$uniq" },           'a name with a control character' ],
	[ 'description', { name => "d-$uniq", description => 'd' x 513 }, 'a description of 513 characters' ],
	[ 'description', { name => "d-$uniq", description => 5 },         'a numeric description' ],
	[ 'base_url', { name => "b-$uniq", base_url => 'ftp://example.com/' }, 'an ftp base_url' ],
	[ 'base_url', { name => "b-$uniq", base_url => 'example.com' },        'a base_url without scheme' ],
	[ 'base_url', { name => "b-$uniq", base_url => 'http://' },            'a base_url without host' ],
	[ 'base_url', { name => "b-$uniq", base_url => '' },                   'an empty base_url' ],
	[ 'base_url', { name => "b-$uniq", base_url => { u => 1 } },           'an object base_url' ],
) {
	my ($field, $body, $what) = @$case;
	error_ok(req('POST', '/v1/services', json => $body), 422, 'VALIDATION', $field,
		 "$what is 422 naming $field");
}
ok(!grep({ $_->{name} =~ /^[db]-\Q$uniq\E\z/ } @{ req('GET', '/v1/services')->{json} }),
   'none of the refused services was stored');

error_ok(req('POST', '/v1/services', json => [ { name => "arr-$uniq" } ]), 422, 'VALIDATION', undef,
	 'a JSON array body is 422');
error_ok(req('POST', '/v1/services', body => '{"name":'), 400, 'BAD_REQUEST', undef,
	 'unparsable JSON is 400');
error_ok(req('POST', '/v1/services', body => "{\"name\":\"x\"}",
	     headers => { 'Content-Type' => 'text/plain' }), 400, 'BAD_REQUEST', undef,
	 'a non-JSON Content-Type is 400');
error_ok(req('POST', '/v1/services', body => '{"name":"a\u0000b"}'), 422, 'VALIDATION', 'name',
	 '\u0000 in the name is 422 naming it');

# --- GET /v1/services, GET /v1/services/{id} ---------------------------------------------

{
	my $res = req('GET', '/v1/services');
	is($res->{status}, 200, 'GET /v1/services answers 200');
	is(ref $res->{json}, 'ARRAY', 'with a plain JSON array');
	my ($found) = grep { $_->{id} eq $full->{id} } @{ $res->{json} || [] };
	is_deeply($found, $full, 'holding the service as created');
	my @ours = grep { $_->{name} =~ /\Q$uniq\E/ } @{ $res->{json} || [] };
	my @times = map { ts_usec($_->{created_at}) } @ours;
	is_deeply(\@times, [ sort { $a <=> $b } @times ], 'ordered by creation');

	my $one = service_ok(req('GET', "/v1/services/$full->{id}"), 200, 'GET /v1/services/{id}');
	is_deeply($one, $full, 'is the service as created');
	service_ok(req('GET', '/v1/services/' . uc $full->{id}), 200, 'an upper-case UUID finds it too');

	error_ok(req('GET', "/v1/services/$UNKNOWN"), 404, 'NOT_FOUND', undef, 'an unknown UUID is 404');
	for my $bad (@MALFORMED) {
		error_ok(req('GET', "/v1/services/$bad"), 404, 'NOT_FOUND', undef, "a malformed id '$bad' is 404");
	}
	my $put = req('PUT', "/v1/services/$full->{id}", json => {});
	error_ok($put, 405, 'METHOD_NOT_ALLOWED', undef, 'PUT /v1/services/{id} is 405');
	like($put->{headers}{allow} // '', qr/\bGET\b.*\bDELETE\b/, 'with Allow: GET, DELETE');
}

# --- keys ---------------------------------------------------------------------------------

my ($svc, $k1, $k2);
{
	$svc = new_service('keys');
	my $res = req('POST', "/v1/services/$svc->{id}/keys", json => { name => 'production' });
	is($res->{status}, 201, 'POST /v1/services/{id}/keys answers 201') or diag($res->{body});
	$k1 = $res->{json} || {};
	ok(is_uuid($k1->{id}), 'the key id is a UUID');
	is($k1->{name}, 'production', 'name is echoed');
	like($k1->{raw_key} // '', qr/^mkey_[A-Za-z0-9_-]{43}\z/, 'raw_key is mkey_ and 43 URL-safe base64 characters');
	is($k1->{key_prefix}, substr($k1->{raw_key} // '', 0, 12), 'key_prefix is its first 12 characters');
	ok($k1->{is_active} && JSON::PP::is_bool($k1->{is_active}), 'is_active is true');
	ok(is_rfc3339_z($k1->{created_at}), 'created_at is RFC 3339 UTC with Z');

	$k2 = new_key($svc, '  staging ');
	is($k2->{name}, 'staging', 'a key name is trimmed');
	isnt($k2->{raw_key}, $k1->{raw_key}, 'two keys differ');

	my %seen;
	$seen{ new_key($svc, "k$_")->{raw_key} }++ for 1 .. 5;
	is(scalar keys %seen, 5, 'five more keys, all different');

	my $rows = db_query("SELECT key_sha256, key_prefix FROM service_keys WHERE id = '$k1->{id}'");
	SKIP: {
		is($rows->[0][0], sha256_hex($k1->{raw_key}), 'the database holds the SHA-256 of the key');
		my $raw = db_query("SELECT count(*) FROM service_keys WHERE key_sha256 = '$k1->{raw_key}'"
				   . " OR key_prefix = '$k1->{raw_key}' OR name = '$k1->{raw_key}'");
		is($raw->[0][0], 0, 'and nowhere the raw key');
	}

	my $list = req('GET', "/v1/services/$svc->{id}/keys");
	is($list->{status}, 200, 'GET /v1/services/{id}/keys answers 200');
	is(ref $list->{json}, 'ARRAY', 'with a plain JSON array');
	is(scalar @{ $list->{json} || [] }, 7, 'holding the seven keys');
	ok(!grep({ exists $_->{raw_key} } @{ $list->{json} || [] }), 'none with raw_key');
	my %want = %$k1;
	delete $want{raw_key};
	is_deeply($list->{json}[0], \%want, 'the first is the first key, as created but for raw_key');
	is_deeply(req('GET', "/v1/services/" . new_service('nokeys')->{id} . '/keys')->{json}, [],
		  'a service without keys lists []');

	for my $case (
		[ {},                        'a missing name' ],
		[ { name => '' },            'an empty name' ],
		[ { name => ' ' },           'a blank name' ],
		[ { name => 'k' x 129 },     'a name of 129 characters' ],
		[ { name => 7 },             'a numeric name' ],
		[ { name => "a\nb" },        'a name with a newline' ],
	) {
		my ($body, $what) = @$case;
		error_ok(req('POST', "/v1/services/$svc->{id}/keys", json => $body), 422, 'VALIDATION',
			 'name', "a key with $what is 422 naming name");
	}
	is(scalar @{ req('GET', "/v1/services/$svc->{id}/keys")->{json} }, 7, 'no refused key was stored');
	is(new_key($svc, 'k' x 128)->{name}, 'k' x 128, 'a key name of 128 characters is accepted');

	error_ok(req('POST', "/v1/services/$UNKNOWN/keys", json => { name => 'x' }), 404, 'NOT_FOUND',
		 undef, 'a key for an unknown service is 404');
	error_ok(req('GET', "/v1/services/$UNKNOWN/keys"), 404, 'NOT_FOUND', undef,
		 'the keys of an unknown service are 404');
	for my $bad (@MALFORMED) {
		error_ok(req('POST', "/v1/services/$bad/keys", json => { name => 'x' }), 404, 'NOT_FOUND',
			 undef, "a key for malformed service id '$bad' is 404");
		error_ok(req('GET', "/v1/services/$bad/keys"), 404, 'NOT_FOUND', undef,
			 "the keys of malformed service id '$bad' are 404");
	}
}

# --- revoking -------------------------------------------------------------------------------

{
	my $res = ingest_log($k1->{raw_key}, log_ev(path => '/before-revoke'));
	is($res->{status}, 201, 'a fresh key ingests') or diag($res->{body});

	$res = req('DELETE', "/v1/services/$svc->{id}/keys/$k1->{id}");
	is($res->{status}, 204, 'DELETE /v1/services/{id}/keys/{key_id} answers 204');
	is($res->{body} // '', '', 'with no body');
	my ($listed) = grep { $_->{id} eq $k1->{id} } @{ req('GET', "/v1/services/$svc->{id}/keys")->{json} };
	ok($listed && JSON::PP::is_bool($listed->{is_active}) && !$listed->{is_active},
	   'the revoked key is listed with is_active false');

	error_ok(ingest_log($k1->{raw_key}, log_ev(path => '/after-revoke')), 401, 'UNAUTHORIZED', undef,
		 'the revoked key is refused with 401');
	is(scalar(grep { $_->{path} eq '/after-revoke' } logs_of("service_id=$svc->{id}")), 0,
	   'and nothing was stored');
	is(ingest_log($k2->{raw_key}, log_ev(path => '/other-key'))->{status}, 201,
	   "the service's other key still ingests");

	is(req('DELETE', "/v1/services/$svc->{id}/keys/$k1->{id}")->{status}, 204,
	   'revoking it again is 204 too');
	my $other = new_service('other');
	error_ok(req('DELETE', "/v1/services/$other->{id}/keys/$k2->{id}"), 404, 'NOT_FOUND', undef,
		 "revoking a key through another service is 404");
	is(ingest_log($k2->{raw_key}, log_ev())->{status}, 201, 'and leaves the key working');
	error_ok(req('DELETE', "/v1/services/$svc->{id}/keys/$UNKNOWN"), 404, 'NOT_FOUND', undef,
		 'revoking an unknown key is 404');
	for my $bad (@MALFORMED) {
		error_ok(req('DELETE', "/v1/services/$svc->{id}/keys/$bad"), 404, 'NOT_FOUND', undef,
			 "revoking malformed key id '$bad' is 404");
		error_ok(req('DELETE', "/v1/services/$bad/keys/$k2->{id}"), 404, 'NOT_FOUND', undef,
			 "revoking under malformed service id '$bad' is 404");
	}
}

# --- DELETE /v1/services/{id}: the cascade ----------------------------------------------------

{
	my $doomed = new_service('doomed');
	my $key = new_key($doomed, 'doomed key');
	my @ids = map { ingest_log($key->{raw_key}, log_ev(path => "/doomed/$_"))->{json}{id} } 1 .. 3;
	is(scalar(grep { defined } @ids), 3, 'a service with a key and three logs');
	my $keep = new_service('kept');
	my $keep_key = new_key($keep, 'kept key');
	my $kept_log = ingest_log($keep_key->{raw_key}, log_ev(path => '/kept'))->{json}{id};

	my $res = req('DELETE', "/v1/services/$doomed->{id}");
	is($res->{status}, 204, 'DELETE /v1/services/{id} answers 204');
	is($res->{body} // '', '', 'with no body');
	error_ok(req('GET', "/v1/services/$doomed->{id}"), 404, 'NOT_FOUND', undef, 'the service is gone');
	error_ok(req('GET', "/v1/services/$doomed->{id}/keys"), 404, 'NOT_FOUND', undef, 'its keys with it');
	for my $id (@ids) {
		error_ok(req('GET', "/v1/logs/$id"), 404, 'NOT_FOUND', undef, "its log $id with it");
	}
	is(scalar logs_of("service_id=$doomed->{id}"), 0, 'no log of it is listed');
	error_ok(ingest_log($key->{raw_key}, log_ev()), 401, 'UNAUTHORIZED', undef, 'its key is refused');
	my $rows = db_query("SELECT (SELECT count(*) FROM service_keys WHERE service_id = '$doomed->{id}'),"
			    . " (SELECT count(*) FROM logs WHERE service_id = '$doomed->{id}')");
	SKIP: {
		is_deeply($rows->[0], [ 0, 0 ], 'no key row and no log row is left in the database');
	}
	is(req('GET', "/v1/logs/$kept_log")->{status}, 200, "another service's log stays");
	is(ingest_log($keep_key->{raw_key}, log_ev())->{status}, 201, "another service's key still ingests");

	error_ok(req('DELETE', "/v1/services/$doomed->{id}"), 404, 'NOT_FOUND', undef,
		 'deleting it again is 404');
	error_ok(req('DELETE', "/v1/services/$UNKNOWN"), 404, 'NOT_FOUND', undef, 'deleting an unknown UUID is 404');
	for my $bad (@MALFORMED) {
		error_ok(req('DELETE', "/v1/services/$bad"), 404, 'NOT_FOUND', undef,
			 "deleting malformed id '$bad' is 404");
	}
	ok(!grep({ $_->{id} eq $doomed->{id} } @{ req('GET', '/v1/services')->{json} }),
	   'the list no longer holds it');
	service_ok(req('POST', '/v1/services', json => { name => $doomed->{name} }), 201,
		   'its name can be used again');
}

# A service deleted while one of its logs is going in: the delete holds its
# transaction open, the ingest waits on it, then finds its service gone.
SKIP: {
	my $racing = new_service('racing');
	my $key = new_key($racing, 'racing');
	my $pid = fork // die "fork: $!";
	if (!$pid) {
		db_query("BEGIN; DELETE FROM services WHERE id = '$racing->{id}'; SELECT pg_sleep(3); COMMIT");
		exit 0;
	}
	# Ingest only once the delete holds its lock.
	ok(wait_for(10, sub {
		db_query("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid()"
			 . " AND query LIKE '%pg_sleep(3)%' AND query LIKE '%$racing->{id}%'")->[0][0] > 0;
	}), 'the delete of the service is under way');
	my $res = ingest_log($key->{raw_key}, log_ev(path => '/racing'));
	waitpid($pid, 0);
	error_ok($res, 401, 'UNAUTHORIZED', undef, 'an ingest racing the delete of its service is 401, not 500');
	error_ok(req('GET', "/v1/services/$racing->{id}"), 404, 'NOT_FOUND', undef, 'and the service is gone');
}

done_testing;
