#!/usr/bin/perl
# Access control (docs/api.md, "Access control"): every route but ingest,
# health and sign-in needs a principal; roles limit what it may do; tokens
# expire and are revoked; sessions come with a cookie that must not be usable
# from another site; sign-in is throttled; every refusal and change is in the
# audit trail. Sign-ins go out from addresses of their own (127.N.N.x), so
# that their failures do not throttle the rest of the run.
use strict;
use warnings;
use Test::More;
use HTTP::Tiny;
use JSON::PP;
use Telltale;
use Telltale::HTTP qw(host_port);

my ($host, $port) = host_port();
my $origin = "http://$host:$port";
my $tag = "t$$" . time % 100000;
my $json = JSON::PP->new->utf8->canonical;
# Addresses of this run's own (a rerun within five minutes starts afresh).
my $net = '127.' . ($$ % 250 + 1) . '.' . (time % 250 + 1) . '.';

# A request from local address $from (127.N.N.x) with the given headers.
sub from {
	my ($from, $method, $path, %o) = @_;
	my $http = HTTP::Tiny->new(local_address => $from, timeout => 30);
	my %headers = %{ $o{headers} || {} };
	my %opt = (headers => \%headers);
	if (exists $o{json}) {
		$opt{content} = $json->encode($o{json});
		$headers{'Content-Type'} //= 'application/json';
	}
	my $r = $http->request($method, url() . $path, \%opt);
	my $body = eval { $json->decode($r->{content}) };
	return { status => $r->{status}, headers => $r->{headers}, json => $body, body => $r->{content} };
}

sub login {
	my ($from, $user, $password) = @_;
	return from($from, 'POST', '/v1/auth/login', json => { username => $user, password => $password });
}

sub bearer { return { Authorization => "Bearer $_[0]" } }

sub audit_has {
	my ($action, $test) = @_;
	my $page = req('GET', '/v1/audit?limit=100')->{json};
	return grep { $_->{action} eq $action && $test->($_) } @{ $page->{items} || [] };
}

# --- users and tokens of each role -----------------------------------------------
my %user;
for my $role (qw(viewer member)) {
	my $name = "$role-$tag";
	my $res = req('POST', '/v1/users', json => { username => $name, password => "pw of $name!", role => $role });
	is($res->{status}, 201, "an admin makes the $role $name") or diag($res->{body});
	$user{$role} = $res->{json};
	my $in = login("${net}2", $name, "pw of $name!");
	is($in->{status}, 200, "$name signs in");
	my ($cookie) = ($in->{headers}{'set-cookie'} // '') =~ /telltale_session=([^;]+)/;
	$user{"$role-cookie"} = $cookie;
	my $tok = from("${net}2", 'POST', '/v1/tokens', json => { name => 'script' },
		       headers => { Cookie => "telltale_session=$cookie", Origin => $origin });
	is($tok->{status}, 201, "$name makes a token with the session");
	like($tok->{json}{token} // '', qr/^tt_[A-Za-z0-9_-]{43}$/, '  shown once, tt_ and 43 characters');
	is($tok->{json}{role}, $role, "  with ${name}'s role");
	$user{"$role-token"} = $tok->{json}{token};
}
my $set_cookie = login("${net}2", "viewer-$tag", "pw of viewer-$tag!")->{headers}{'set-cookie'} // '';
like($set_cookie, qr/HttpOnly/, 'the cookie is HttpOnly');
like($set_cookie, qr/SameSite=Strict/, 'and SameSite=Strict');
unlike($set_cookie, qr/Secure/, 'and not Secure over plain http');

# --- no, malformed, unknown credentials ---------------------------------------------
my $app = new_app('access');
my $before = scalar @{ list_all('/apps') };
for my $case ([ 'no credential', {} ],
	      [ 'a malformed header', { Authorization => 'Bearer' } ],
	      [ 'another scheme', { Authorization => 'Basic YWRtaW46YWRtaW4=' } ],
	      [ 'an unknown token', bearer('tt_' . ('A' x 43)) ],
	      [ 'a short token', bearer('tt_abc') ],
	      [ "the app's ingest key", bearer($app->{ingest_key}) ],
	      [ 'an ingest key header', { 'X-Ingest-Key' => $app->{ingest_key} } ],
	      [ 'an unknown cookie', { Cookie => 'telltale_session=' . ('x' x 43) } ]) {
	my ($name, $headers) = @$case;
	for my $call ([ 'GET', '/v1/logs' ], [ 'GET', '/apps' ], [ 'POST', "/apps/made-by-nobody-$tag" ],
		      [ 'DELETE', "/apps/$app->{id}" ], [ 'POST', '/v1/tokens' ]) {
		my $res = req(@$call, headers => $headers, anonymous => 1);
		error_ok($res, 401, 'UNAUTHORIZED', undef, "$call->[0] $call->[1] with $name: 401");
	}
}
my $www = req('GET', '/v1/logs', anonymous => 1)->{headers}{'www-authenticate'} // '';
is($www, 'Bearer realm="telltale"', 'a 401 names the scheme: Bearer realm="telltale"');
is(req('GET', "/apps/$app->{id}")->{status}, 200, 'the app is still there');
is(scalar @{ list_all('/apps') }, $before, 'and nothing was made');
ok(audit_has('auth.denied', sub { $_[0]{target} eq "/apps/$app->{id}" && $_[0]{detail}{method} eq 'DELETE' }),
   'the refused deletes are in the audit trail');

# A service's mkey_ key on a management route.
my $svc = req('POST', '/v1/services', json => { name => "access-$tag" })->{json};
my $key = req('POST', "/v1/services/$svc->{id}/keys", json => { name => 'k' })->{json}{raw_key};
my $res = req('GET', '/v1/services', headers => bearer($key));
error_ok($res, 401, 'UNAUTHORIZED', undef, 'an mkey_ service key on a management route: 401');
like($res->{json}{message} // '', qr/only ingests/, '  saying that keys only ingest');
is(req('GET', '/v1/health', anonymous => 1)->{status}, 200, 'health needs no credential');

# --- roles -------------------------------------------------------------------------------
my ($viewer, $member) = @user{qw(viewer-token member-token)};
is(req('GET', '/v1/logs', headers => bearer($viewer))->{status}, 200, 'a viewer reads logs');
is(req('GET', "/apps/$app->{id}/events", headers => bearer($viewer))->{status}, 200, 'and events');
for my $call ([ 'DELETE', "/apps/$app->{id}" ], [ 'POST', "/apps/$app->{id}/ingest-key" ],
	      [ 'POST', "/apps/by-viewer-$tag" ], [ 'DELETE', "/v1/services/$svc->{id}" ],
	      [ 'GET', '/v1/users' ], [ 'GET', '/v1/audit' ],
	      [ 'POST', '/v1/users', { username => "v-made-$tag", password => 'long enough pw', role => 'admin' } ]) {
	my ($method, $path, $body) = @$call;
	error_ok(req($method, $path, headers => bearer($viewer), $body ? (json => $body) : ()),
		 403, 'FORBIDDEN', undef, "a viewer: $method $path is 403");
}
is(req('GET', "/apps/$app->{id}")->{status}, 200, 'the app survived the viewer');
ok(audit_has('auth.denied', sub { ($_[0]{actor} // '') eq "viewer-$tag" && $_[0]{detail}{status} == 403 }),
   "the viewer's refusals are in the audit trail, by name");

for my $call ([ 'GET', '/v1/users' ], [ 'GET', '/v1/audit' ],
	      [ 'POST', '/v1/users', { username => "m-made-$tag", password => 'long enough pw', role => 'viewer' } ],
	      [ 'PATCH', "/v1/users/$user{viewer}{id}", { role => 'admin' } ],
	      [ 'DELETE', "/v1/users/$user{viewer}{id}" ]) {
	my ($method, $path, $body) = @$call;
	error_ok(req($method, $path, headers => bearer($member), $body ? (json => $body) : ()),
		 403, 'FORBIDDEN', undef, "a member managing users: $method $path is 403");
}
my $made = req('POST', "/apps/by-member-$tag", headers => bearer($member));
is($made->{status}, 201, 'a member makes an app');
is(req('DELETE', "/apps/$made->{json}{id}", headers => bearer($member))->{status}, 204, 'and deletes it');
ok(audit_has('app.create', sub { ($_[0]{actor} // '') eq "member-$tag" && $_[0]{via} eq 'token' }),
   'app.create is in the audit trail with its actor and "token"');

error_ok(req('POST', '/v1/tokens', headers => bearer($member), json => { name => 'up', role => 'admin' }),
	 422, 'VALIDATION', 'role', 'a token above its maker\'s role: 422 naming role');
my $down = req('POST', '/v1/tokens', headers => bearer($member), json => { name => 'down', role => 'viewer' });
is($down->{status}, 201, 'a member makes a viewer token');
is(req('DELETE', "/apps/$app->{id}", headers => bearer($down->{json}{token}))->{status}, 403,
   '  which cannot delete');
error_ok(req('PATCH', '/v1/users/me', headers => bearer($down->{json}{token}), json => { password => 'a new long password' }),
	 403, 'FORBIDDEN', undef, '  nor change its user\'s password');
my $mine = req('GET', '/v1/tokens', headers => bearer($member))->{json};
ok(!grep({ $_->{user}{username} ne "member-$tag" } @$mine), "a member lists only the member's own tokens");
ok(!grep({ exists $_->{token} } @$mine), 'and no token is shown again');
my ($admins) = grep { $_->{user}{username} eq 'admin' } @{ req('GET', '/v1/tokens')->{json} };
ok($admins, 'an admin lists everybody\'s tokens');
error_ok(req('DELETE', "/v1/tokens/$admins->{id}", headers => bearer($member)), 404, 'NOT_FOUND', undef,
	 "a member revoking the admin's token: 404");

# --- expired and revoked tokens -------------------------------------------------------------
my $short = req('POST', '/v1/tokens', json => { name => 'short', expires_at => '2099-01-01T00:00:00Z' })->{json};
is(req('GET', '/v1/logs', headers => bearer($short->{token}))->{status}, 200, 'a token with an expiry works');
error_ok(req('POST', '/v1/tokens', json => { name => 'past', expires_at => '2001-01-01T00:00:00Z' }),
	 422, 'VALIDATION', 'expires_at', 'an expiry in the past: 422');
db_query("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $short->{id}");
sleep 1.2;
error_ok(req('GET', '/v1/logs', headers => bearer($short->{token})), 401, 'UNAUTHORIZED', undef,
	 'an expired token: 401');
is(req('DELETE', "/v1/tokens/$down->{json}{id}", headers => bearer($member))->{status}, 204, 'a token is revoked');
sleep 1.2;
error_ok(req('GET', '/v1/logs', headers => bearer($down->{json}{token})), 401, 'UNAUTHORIZED', undef,
	 'a revoked token: 401');
ok(audit_has('token.revoke', sub { ($_[0]{actor} // '') eq "member-$tag" }), 'token.revoke is in the audit trail');

# --- the session cookie and other sites --------------------------------------------------------
my $cookie = { Cookie => "telltale_session=$user{'member-cookie'}" };
is(req('GET', '/v1/auth/me', headers => $cookie)->{json}{via}, 'session', '/v1/auth/me says "session"');
for my $case ([ 'no Origin', {} ], [ 'another Origin', { Origin => 'http://evil.example' } ],
	      [ 'a cross-site fetch', { 'Sec-Fetch-Site' => 'cross-site' } ]) {
	my ($name, $extra) = @$case;
	error_ok(req('POST', "/apps/csrf-$tag", headers => { %$cookie, %$extra }), 403, 'FORBIDDEN', undef,
		 "a cookie write with $name: 403");
}
my $form = req('POST', '/v1/services', body => "name=csrf-$tag",
	       headers => { %$cookie, Origin => $origin, 'Content-Type' => 'application/x-www-form-urlencoded' });
error_ok($form, 403, 'FORBIDDEN', undef, 'a form post with the cookie: 403');
ok(!grep({ $_->{name} =~ /^csrf-\Q$tag\E$/ } @{ list_all('/v1/services') }, @{ list_all('/apps') }),
   'nothing was made');
is(req('POST', "/apps/csrf-ok-$tag", headers => { %$cookie, Origin => $origin })->{status}, 201,
   'the same write from the dashboard\'s origin is done');
is(req('POST', '/v1/auth/logout', headers => { %$cookie, Origin => $origin })->{status}, 204, 'sign out: 204');
sleep 1.2;
error_ok(req('GET', '/v1/auth/me', headers => $cookie), 401, 'UNAUTHORIZED', undef, 'the session is gone');

# --- sign-in: names, passwords, throttling ---------------------------------------------------------
my $unknown = login("${net}3", "nobody-$tag", 'whatever password');
my $wrong = login("${net}3", "viewer-$tag", 'whatever password');
error_ok($unknown, 401, 'UNAUTHORIZED', undef, 'an unknown name: 401');
error_ok($wrong, 401, 'UNAUTHORIZED', undef, 'a wrong password: 401');
is($unknown->{body}, $wrong->{body}, 'the two answers are the same');
for my $name ("x' OR '1'='1", 'a' x 10240, "Robert'); DROP TABLE users;--") {
	error_ok(login("${net}4", $name, 'whatever password'), 401, 'UNAUTHORIZED', undef,
		 'a login as ' . substr($name, 0, 20) . '...: 401');
	error_ok(req('POST', '/v1/users', json => { username => $name, password => 'long enough pw' }),
		 422, 'VALIDATION', 'username', '  and no such user can be made');
}
is(req('GET', '/v1/users?limit=100')->{status}, 200, 'the users table is still there');
ok(audit_has('auth.login_failed', sub { length($_[0]{target} // '') <= 256 && ($_[0]{address} // '') eq "${net}4" }),
   'failed sign-ins are in the audit trail, their names cut short');

my $victim = "member-$tag";
my @status = map { login("${net}5", $victim, "wrong password $_")->{status} } 1 .. 10;
is_deeply(\@status, [ (401) x 10 ], 'ten wrong passwords: 401 each');
my $eleventh = login("${net}6", $victim, "pw of $victim!");
error_ok($eleventh, 429, 'RATE_LIMITED', undef, 'the eleventh, right password and another address: 429');
like($eleventh->{headers}{'retry-after'} // '', qr/^[1-9][0-9]*$/, '  with Retry-After');
cmp_ok($eleventh->{headers}{'retry-after'} // 0, '<=', 300, '  of at most five minutes');
ok(audit_has('auth.login_failed', sub { ($_[0]{detail}{reason} // '') eq 'throttled' }),
   'the throttled attempt is in the audit trail');
my @names = map { login("${net}7", "probe-$_-$tag", 'wrong password')->{status} } 1 .. 10;
error_ok(login("${net}7", "viewer-$tag", "pw of viewer-$tag!"), 429, 'RATE_LIMITED', undef,
	 'ten failures from one address: the eleventh sign-in from there is 429');
is(login("${net}8", "viewer-$tag", "pw of viewer-$tag!")->{status}, 200, 'another address still signs in');

# --- users: the last admin, deleting --------------------------------------------------------------
my ($admin) = grep { $_->{username} eq 'admin' } @{ req('GET', '/v1/users?limit=100')->{json}{items} };
error_ok(req('PATCH', "/v1/users/$admin->{id}", json => { role => 'member' }), 409, 'CONFLICT', undef,
	 'demoting the last admin: 409');
error_ok(req('DELETE', "/v1/users/$admin->{id}"), 409, 'CONFLICT', undef, 'deleting the last admin: 409');
error_ok(req('POST', '/v1/users', json => { username => "viewer-$tag", password => 'long enough pw' }),
	 409, 'CONFLICT', 'username', 'a second user of one name: 409');
error_ok(req('POST', '/v1/users', json => { username => "short-$tag", password => 'short' }),
	 422, 'VALIDATION', 'password', 'a password under 12 characters: 422');
my $changed = req('PATCH', "/v1/users/$user{viewer}{id}", json => { role => 'member' });
is($changed->{json}{role}, 'member', 'an admin changes a role');
ok(audit_has('user.role_change', sub { $_[0]{target} eq "/v1/users/$user{viewer}{id}" }),
   'user.role_change is in the audit trail');
is(req('DELETE', "/v1/users/$user{member}{id}")->{status}, 204, 'an admin deletes a user');
sleep 1.2;
error_ok(req('GET', '/v1/logs', headers => bearer($member)), 401, 'UNAUTHORIZED', undef,
	 'and their tokens stop');
my @entries = @{ req('GET', '/v1/audit?limit=2')->{json}{items} };
my $next = req('GET', '/v1/audit?limit=2')->{json}{next_cursor};
ok($next, 'the audit trail pages by cursor');
my $page2 = req('GET', "/v1/audit?limit=2&cursor=$next")->{json}{items};
ok($page2->[0]{id} < $entries[1]{id}, '  newest first, the next page older');
error_ok(req('GET', '/v1/audit?cursor=abc'), 422, 'VALIDATION', 'cursor', 'a made-up cursor: 422');
ok(!grep({ ($_->{detail} ? $json->encode($_->{detail}) : '') =~ /tt_[A-Za-z0-9_-]{20}|mkey_[A-Za-z0-9_-]{20}|pw of/ }
	 @{ req('GET', '/v1/audit?limit=100')->{json}{items} }), 'no entry holds a token, key or password');

done_testing;
