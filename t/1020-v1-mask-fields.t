#!/usr/bin/perl
# A service's own mask fields (docs/api.md, "Masking"): names it adds to the
# built-in ones, masked in its logs' headers, query strings, fragments, form
# and JSON bodies and query_params, and in the answers its replays store;
# another service's logs keep those values. Bad lists are 422 and change
# nothing. Replays may be asked by a member's token as well as a service key.
use strict;
use warnings;
use Test::More;
use IO::Socket::INET;
use JSON::PP;
use Time::HiRes qw(sleep);
use Telltale;

my $MASK = '***MASKED***';
my $svc = new_service('mask-fields', mask_fields => [ 'ssn', 'X_Tenant_Id' ]);
is_deeply($svc->{mask_fields}, [ 'ssn', 'X_Tenant_Id' ], 'a service is made with its mask fields');
my $plain = new_service('mask-fields-none');
is_deeply($plain->{mask_fields}, [], 'a service without them has an empty list');
is_deeply(req('GET', "/v1/services/$svc->{id}")->{json}{mask_fields}, [ 'ssn', 'X_Tenant_Id' ],
	  'GET shows them');

# --- bad lists ------------------------------------------------------------------------
for my $case ([ 'a string', '"ssn"' ], [ 'an object', '{"a":1}' ], [ 'a number in it', '[5]' ],
	      [ 'an empty name', '[""]' ], [ 'a name of 65', '["' . ('n' x 65) . '"]' ],
	      [ 'a newline in a name', '["a\nb"]' ],
	      [ 'a NUL in a name', '["a\u0000b"]', 'mask_fields[0]' ],    # as a NUL anywhere is
	      [ '51 names', '[' . join(',', map { qq("n$_") } 1 .. 51) . ']' ]) {
	my ($what, $list, $field) = @$case;
	error_ok(req('PATCH', "/v1/services/$svc->{id}", body => qq({"mask_fields":$list})),
		 422, 'VALIDATION', $field // 'mask_fields', "PATCH with $what: 422");
	error_ok(req('POST', '/v1/services', body => qq({"name":"mf-$$-bad","mask_fields":$list})),
		 422, 'VALIDATION', $field // 'mask_fields', "POST with $what: 422");
}
error_ok(req('PATCH', "/v1/services/$svc->{id}", json => {}), 422, 'VALIDATION', undef,
	 'PATCH without mask_fields or retention_days: 422');
error_ok(req('PATCH', '/v1/services/00000000-0000-4000-8000-000000000000', json => { mask_fields => [] }),
	 404, 'NOT_FOUND', undef, 'PATCH of an unknown service: 404');
is_deeply(req('GET', "/v1/services/$svc->{id}")->{json}{mask_fields}, [ 'ssn', 'X_Tenant_Id' ],
	  'nothing was changed');
ok(!grep({ $_->{name} eq "mf-$$-bad" } @{ list_all('/v1/services') }), 'nor made');

my $changed = req('PATCH', "/v1/services/$svc->{id}", json => { mask_fields => [ 'ssn', 'X_Tenant_Id', 'mrn' ] });
is($changed->{status}, 200, 'PATCH replaces the list');
is_deeply($changed->{json}{mask_fields}, [ 'ssn', 'X_Tenant_Id', 'mrn' ], '  and answers the service');
sleep 1.2;    # a worker may use the list it read up to a second before

# --- the logs ---------------------------------------------------------------------------
my $log = log_ev(url => 'https://api.example.com/p?mrn=12&page=2#ssn=9',
		 query_params => { mrn => '12', page => '2' },
		 request_headers => { 'X-Tenant-Id' => 'acme', Accept => 'application/json' },
		 request_body => '{"patient":{"ssn":"123-45-6789","name":"Ann"}}',
		 response_body => 'mrn=12&ok=1', tags => ['mf']);
for my $s ([ $svc, 'the service with fields' ], [ $plain, 'a service without' ]) {
	my ($service, $what) = @$s;
	my $key = new_key($service)->{raw_key};
	my $res = ingest_log($key, $log);
	is($res->{status}, 201, "a log of $what") or diag($res->{body});
	my $stored = req('GET', "/v1/logs/$res->{json}{id}")->{json};
	my $masked = $service == $svc;
	is($stored->{request_headers}{'X-Tenant-Id'}, $masked ? $MASK : 'acme', "  X-Tenant-Id header");
	is($stored->{request_headers}{Accept}, 'application/json', '  Accept kept');
	is($stored->{url}, $masked ? "https://api.example.com/p?mrn=$MASK&page=2#ssn=$MASK"
		: 'https://api.example.com/p?mrn=12&page=2#ssn=9', '  query and fragment');
	is($stored->{query_params}{mrn}, $masked ? $MASK : '12', '  query_params');
	is($stored->{request_body}, $masked ? qq({"patient":{"ssn":"$MASK","name":"Ann"}})
		: '{"patient":{"ssn":"123-45-6789","name":"Ann"}}', '  the JSON body');
	is($stored->{response_body}, $masked ? "mrn=$MASK&ok=1" : 'mrn=12&ok=1', '  the form body');
}

# --- replays: a member's token, and the answer masked ---------------------------------------
my $listen = IO::Socket::INET->new(Listen => 4, LocalAddr => '127.0.0.1', LocalPort => 0, ReuseAddr => 1)
	or BAIL_OUT("listen: $!");
my $port = $listen->sockport;
my $pid = fork // BAIL_OUT("fork: $!");
if (!$pid) {
	while (my $c = $listen->accept) {
		my $head = '';
		while (defined(my $line = <$c>)) { $head .= $line; last if $line eq "\r\n" }
		my ($len) = $head =~ /Content-Length:\s*(\d+)/i;
		read($c, my $ignored, $len) if $len;
		my $body = '{"ssn":"987-65-4320","mrn":"7","ok":true}';
		print $c "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Tenant-Id: acme\r\n"
			. 'Content-Length: ' . length($body) . "\r\nConnection: close\r\n\r\n$body";
		close $c;
	}
	exit 0;
}
END { kill 'TERM', $pid if $pid }
my $key = new_key($svc)->{raw_key};
my $target = ingest_log($key, log_ev(method => 'POST', url => "http://127.0.0.1:$port/echo"))->{json};
my $member = req('POST', '/v1/users', json => { username => "mf-member-$$", password => 'member password', role => 'member' });
my $viewer = req('POST', '/v1/users', json => { username => "mf-viewer-$$", password => 'viewer password', role => 'viewer' });
is($member->{status} . $viewer->{status}, '201201', 'a member and a viewer');
my ($mtok, $vtok) = map {
	my $user = $_;
	my $in = HTTP::Tiny->new->request('POST', url() . '/v1/auth/login',
		{ headers => { 'Content-Type' => 'application/json' },
		  content => encode_json({ username => "mf-$user-$$", password => "$user password" }) });
	my ($c) = ($in->{headers}{'set-cookie'} // '') =~ /telltale_session=([^;]+)/;
	req('POST', '/v1/tokens', json => { name => 'replays' },
	    headers => { Cookie => "telltale_session=$c", Origin => url() })->{json}{token};
} qw(member viewer);
ok($mtok && $vtok, 'each makes a token');
error_ok(req('POST', "/v1/logs/$target->{id}/replay", json => {}, headers => { Authorization => "Bearer $vtok" }),
	 403, 'FORBIDDEN', undef, "a viewer's token cannot replay");
my $replay = req('POST', "/v1/logs/$target->{id}/replay", json => {}, headers => { Authorization => "Bearer $mtok" });
is($replay->{status}, 201, "a member's token replays without the service key") or diag($replay->{body});
is($replay->{json}{status_code}, 200, '  the target answered');
is($replay->{json}{response_headers}{'x-tenant-id'}, $MASK, "  the stored answer's header is masked by the service's fields");
is($replay->{json}{response_body}, qq({"ssn":"$MASK","mrn":"$MASK","ok":true}), '  and its body');
my $list = req('GET', "/v1/logs/$target->{id}/replays", headers => { Authorization => "Bearer $mtok" });
is($list->{status}, 200, "the member's token lists the replays");
is(scalar @{ $list->{json} || [] }, 1, '  the one made');
is(req('GET', "/v1/logs/$target->{id}/replays", headers => { Authorization => "Bearer $key" })->{status}, 200,
   'the service key still does too');

# --- an application's: its Sentry events' frames ---------------------------------------------
my $app = new_app('mask-fields');
is_deeply($app->{mask_fields}, [], 'an application starts with no mask fields');
error_ok(req('PATCH', "/apps/$app->{id}", json => { mask_fields => 'card_holder' }), 422, 'VALIDATION',
	 'mask_fields', 'PATCH /apps/{id} with a string: 422');
error_ok(req('PATCH', '/apps/999999999', json => { mask_fields => [] }), 404, 'NOT_FOUND', undef,
	 'PATCH of an unknown application: 404');
my $patched = req('PATCH', "/apps/$app->{id}", json => { mask_fields => ['card_holder'] });
is_deeply($patched->{json}{mask_fields}, ['card_holder'], 'PATCH /apps/{id} sets them');
is_deeply(req('GET', "/apps/$app->{id}")->{json}{mask_fields}, ['card_holder'], '  GET shows them');
sleep 1.2;
my $other = new_app('mask-fields-none');
my @ids;
for my $a ($app, $other) {
	my $id = new_event_id();
	push @ids, $id;
	my $res = sentry_post($a, 'store', encode_json({ event_id => $id, exception => { values => [
		{ type => 'ValueError', value => 'bad', stacktrace => { frames => [
			{ function => 'pay', vars => { Card_Holder => 'Ann Smith', amount => '12' } } ] } } ] } }));
	sentry_accepted($res, 'a Sentry event with frame vars');
}
my ($masked) = @{ events_with_event_id($app, $ids[0]) };
my ($kept) = @{ events_with_event_id($other, $ids[1]) };
my $vars = sub { $_[0]{stack}{values}[0]{stacktrace}{frames}[0]{vars} || {} };
is($vars->($masked)->{Card_Holder}, $MASK, "the application's field is masked in a frame's vars");
is($vars->($masked)->{amount}, '12', '  the others are kept');
is($vars->($kept)->{Card_Holder}, 'Ann Smith', "another application's events keep it");

done_testing;
