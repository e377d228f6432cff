#!/usr/bin/perl
# OpenTelemetry ingest (docs/api.md, "OpenTelemetry ingest"), with exports
# written by hand in both encodings: spans become request logs of the key's
# service, log records error events of the key's application, metrics are
# taken and dropped; the answers of the OTLP/HTTP specification; and hostile
# bodies, each refused whole with nothing stored.
use strict;
use warnings;
use Test::More;
use IO::Compress::Gzip qw(gzip);
use Telltale;

my $svc = new_service('otlp');
my $key = new_key($svc)->{raw_key};
my $app = new_app('otlp');
my $ingest_key = $app->{ingest_key};
my $now = otlp_now_ns();
my $trace = sprintf('%08x', $$) . 'a' x 24;
my $n_span = 0;

# A span of $trace, $ms long, ending now, with %o over its fields.
sub span {
	my (%o) = @_;
	return { trace_id => $trace, span_id => sprintf('%016x', 0x1000 + ++$n_span), kind => 2,
		 start => $now - ($o{ms} // 25) * 1_000_000, end => $now, %o };
}

my $resource = [ 'service.name' => 'shop', 'deployment.environment' => 'prod', 'service.version' => '2.3.1' ];
my @spans = (
	span(name => 'GET /orders/{id}', ms => 42, attrs => [
		'http.request.method' => 'GET', 'url.scheme' => 'https', 'server.address' => 'shop.example',
		'url.path' => '/orders/42', 'url.query' => 'page=2&token=abc', 'http.route' => '/orders/{id}',
		'http.response.status_code' => { int => 200 }, 'client.address' => '203.0.113.9',
		'http.request.header.authorization' => { array => [ 'Bearer hunter2' ] },
		'http.request.header.accept' => { array => [ 'text/html', 'application/json' ] },
		'http.response.header.content-type' => { array => [ 'application/json' ] } ]),
	span(name => 'POST /pay', kind => 3, ms => 120, status => { code => 2, message => 'card declined' }, attrs => [
		'http.request.method' => 'POST', 'url.full' => 'https://psp.example/v2/charges/ch_9f86d081884c7d659a2feaa0c55ad015',
		'http.response.status_code' => { int => 502 } ]),
	span(name => 'old', ms => 7, attrs => [
		'http.method' => 'DELETE', 'http.scheme' => 'http', 'http.host' => 'legacy.example:8080',
		'http.target' => '/carts/7?x=1', 'http.status_code' => { int => 500 }, 'net.peer.ip' => '198.51.100.4' ],
	     events => [ { name => 'exception', attrs => [ 'exception.type' => 'KeyError', 'exception.message' => "'cart'" ] } ]),
	span(name => 'internal work', kind => 1, attrs => [ 'http.request.method' => 'GET', 'url.path' => '/internal' ]),
	span(name => 'no http', kind => 2, attrs => [ 'rpc.system' => 'grpc' ]),
);

# --- traces in protobuf -------------------------------------------------------------------
my $res = otlp_post('traces', $key, otlp_traces_pb([ { resource => $resource, spans => \@spans } ]));
is($res->{status}, 200, 'a protobuf traces export is taken');
like($res->{headers}{'content-type'} // '', qr{^application/x-protobuf}, '  answered in protobuf');
is(length($res->{body} // ''), 0, '  a full success is an empty ExportTraceServiceResponse');

my %by_span = map { $_->{span_id} => $_ } logs_of("service_id=$svc->{id}");
is(scalar keys %by_span, 3, 'the server and client spans with a method became logs; the others were skipped');
my $get = $by_span{ $spans[0]{span_id} } ? req('GET', "/v1/logs/$by_span{ $spans[0]{span_id} }{id}")->{json} : {};
is($get->{method}, 'GET', 'a SERVER span: method');
is($get->{url}, 'https://shop.example/orders/42?page=2&token=***MASKED***', '  url from scheme, address, path and query, masked');
is($get->{path}, '/orders/42', '  path');
is($get->{route}, '/orders/{id}', '  route from http.route');
is($get->{status_code}, 200, '  status code');
ok(abs(($get->{latency_ms} // 0) - 42) < 0.001, '  latency is end - start') or diag("latency $get->{latency_ms}");
is($get->{source_ip}, '203.0.113.9', '  source_ip from client.address');
is($get->{trace_id}, $trace, '  trace_id');
is($get->{span_id}, $spans[0]{span_id}, '  span_id');
is($get->{request_headers}{authorization}, '***MASKED***', '  a secret request header is masked');
is($get->{request_headers}{accept}, 'text/html, application/json', '  a header of several values is joined');
is($get->{response_headers}{'content-type'}, 'application/json', '  response headers');
is_deeply([ sort @{ $get->{tags} || [] } ],
	  [ 'deployment.environment=prod', 'service.name=shop', 'service.version=2.3.1' ], '  tags from the resource');
is($get->{error}, undef, '  no error');

my $pay = $by_span{ $spans[1]{span_id} } || {};
is($pay->{method}, 'POST', 'a CLIENT span is a log too');
is($pay->{url}, 'https://psp.example/v2/charges/ch_9f86d081884c7d659a2feaa0c55ad015', '  url from url.full');
is($pay->{route}, '/v2/charges/ch_9f86d081884c7d659a2feaa0c55ad015', '  route derived from the path (no http.route)');
is($pay->{error}, 'card declined', "  error: the span's error status message");
is($pay->{status_code}, 502, '  status');

my $old = $by_span{ $spans[2]{span_id} } || {};
is($old->{method}, 'DELETE', 'the older attribute names: http.method');
is($old->{url}, 'http://legacy.example:8080/carts/7?x=1', '  http.scheme, http.host and http.target');
is($old->{path}, '/carts/7', '  the path of http.target');
is($old->{route}, '/carts/{id}', '  the derived route');
is($old->{status_code}, 500, '  http.status_code');
is($old->{source_ip}, '198.51.100.4', '  net.peer.ip');
is($old->{error}, "KeyError: 'cart'", "  error from the span's exception event");

is_deeply([ sort map { $_->{span_id} } logs_of("trace_id=$trace") ],
	  [ sort map { $_->{span_id} } @spans[0 .. 2] ], 'GET /v1/logs?trace_id= finds the trace');
is_deeply([ map { $_->{span_id} } logs_of("service_id=$svc->{id}&route=%2Forders%2F%7Bid%7D") ],
	  [ $spans[0]{span_id} ], 'GET /v1/logs?route= finds the route');
my $routes = req('GET', "/v1/metrics/routes?service_id=$svc->{id}")->{json}{items} || [];
ok((grep { $_->{route} eq '/orders/{id}' && $_->{method} eq 'GET' && $_->{count} == 1 } @$routes),
   'the span counts in GET /v1/metrics/routes');

# --- traces in JSON, gzip, partial success -----------------------------------------------------
my $before = () = logs_of("service_id=$svc->{id}");
my @json_spans = (
	span(attrs => [ 'http.request.method' => 'PUT', 'url.path' => '/items/1', 'http.response.status_code' => { int => 204 } ]),
	span(attrs => [ 'http.request.method' => 'NOT A METHOD', 'url.path' => '/bad' ]),
	span(attrs => [ 'http.request.method' => 'PATCH', 'url.path' => '/items/2' ]),
);
$res = otlp_post('traces', $key, otlp_traces_json([ { resource => $resource, spans => \@json_spans } ]),
		 type => 'application/json');
is($res->{status}, 200, 'a JSON traces export with one bad span is taken');
like($res->{headers}{'content-type'} // '', qr{^application/json}, '  answered in JSON');
is($res->{json}{partialSuccess}{rejectedSpans}, '1', '  partialSuccess counts the span left out (an int64 as a string)');
like($res->{json}{partialSuccess}{errorMessage} // '', qr/^span 1: .*method/, '  and says which and why');
is(scalar(() = logs_of("service_id=$svc->{id}")), $before + 2, '  the two good spans are stored');

my $gz;
gzip(\otlp_traces_pb([ { resource => $resource, spans => [ span(attrs => [ 'http.request.method' => 'HEAD', 'url.path' => '/gz' ]) ] } ]) => \$gz);
$res = otlp_post('traces', $key, $gz, headers => { 'Content-Encoding' => 'gzip' });
is($res->{status}, 200, 'a gzip protobuf export is taken');
is(scalar(grep { $_->{path} eq '/gz' } logs_of("service_id=$svc->{id}")), 1, '  and stored');

$res = otlp_post('traces', $key, otlp_traces_json([ { resource => $resource, spans => [ span(attrs => [
	'http.request.method' => 'GET', 'url.path' => '/charset' ]) ] } ]), type => 'application/json; charset=utf-8');
is($res->{status}, 200, 'a Content-Type with parameters is read by its type');

# One export of more spans than the workers send the database at a time.
my @many = map { span(attrs => [ 'http.request.method' => 'GET', 'url.path' => "/bulk/$_",
				  'http.response.status_code' => { int => 200 } ]) } 1 .. 2500;
$res = otlp_post('traces', $key, otlp_traces_pb([ { resource => $resource, spans => \@many } ]));
is($res->{status}, 200, 'an export of 2,500 spans is taken');
is(scalar(grep { $_->{path} =~ m{^/bulk/} } logs_of("service_id=$svc->{id}")), 2500, '  every span stored');

# --- alert rules: once per export's statement, firing as for single logs ---------------------------
{
	my $s = new_service('otlp-alerts');
	my $k = new_key($s)->{raw_key};
	my $every = new_alert($s, condition_field => 'status_code', condition_operator => '>=', condition_value => '500');
	my $once = new_alert($s, condition_field => 'status_code', condition_operator => '==', condition_value => '201',
			     cooldown_seconds => 3600);
	my $never = new_alert($s, condition_field => 'latency_ms', condition_operator => '>', condition_value => '100000');
	my @alerting = ((map { span(attrs => [ 'http.request.method' => 'GET', 'url.path' => "/fail/$_",
					       'http.response.status_code' => { int => 503 } ]) } 1 .. 3),
			(map { span(attrs => [ 'http.request.method' => 'POST', 'url.path' => "/made/$_",
					       'http.response.status_code' => { int => 201 } ]) } 1 .. 2));
	is(otlp_post('traces', $k, otlp_traces_pb([ { resource => $resource, spans => \@alerting } ]))->{status}, 200,
	   'an export whose spans fire alert rules is taken');
	my @fired = alert_events_of($every);
	is(scalar @fired, 3, 'a rule without a cooldown fires for each span it matches');
	is_deeply([ sort map { $_->{observed_value} } @fired ], [ ('503') x 3 ], '  with the value each observed')
		or diag(json_bytes(\@fired));
	is(scalar alert_events_of($once), 1, 'a rule with a cooldown fires once for the export');
	is(scalar alert_events_of($never), 0, 'a rule no span matches fires nothing');
	otlp_post('traces', $k, otlp_traces_pb([ { resource => $resource, spans => [ $alerting[3] ] } ]));
	is(scalar alert_events_of($once), 1, '  and not again for the next export, within its cooldown');
	ingest_log($k, log_ev(status_code => 500));
	is(scalar alert_events_of($every), 4, 'a single POST /v1/logs after the exports still fires its rule');
}

# --- who may send -----------------------------------------------------------------------
my $count = () = logs_of("service_id=$svc->{id}");
my $one = otlp_traces_pb([ { resource => $resource, spans => [ span(attrs => [ 'http.request.method' => 'GET', 'url.path' => '/k' ]) ] } ]);

sub status_ok {
	my ($res, $http, $grpc, $name) = @_;
	my $fields = pb_fields_of($res->{body} // '') || [];
	my ($code) = map { $_->[2] } grep { $_->[0] == 1 && $_->[1] == 0 } @$fields;
	my ($message) = map { $_->[2] } grep { $_->[0] == 2 && $_->[1] == 2 } @$fields;
	ok($res->{status} == $http && ($res->{headers}{'content-type'} // '') =~ m{^application/x-protobuf}
	   && ($code // -1) == $grpc && length($message // ''), $name)
		or diag("status $res->{status}, type " . ($res->{headers}{'content-type'} // '') . ', code ' . ($code // 'none'));
}
status_ok(otlp_post('traces', undef, $one), 401, 16, 'no key: 401 with a Status UNAUTHENTICATED, in protobuf');
ok((otlp_post('traces', undef, $one)->{headers}{'www-authenticate'} // '') =~ /^Bearer/, '  with WWW-Authenticate');
status_ok(otlp_post('traces', 'mkey_' . 'A' x 43, $one), 401, 16, 'an unknown service key: 401');
status_ok(otlp_post('traces', $ingest_key, $one), 401, 16, "an application's ingest key does not send traces");
error_ok(otlp_post('traces', undef, otlp_traces_json([]), type => 'application/json'), 401, 'UNAUTHORIZED', undef,
	 'a JSON export without a key: the JSON error body');
my $revoked = new_key($svc);
req('DELETE', "/v1/services/$svc->{id}/keys/$revoked->{id}");
status_ok(otlp_post('traces', $revoked->{raw_key}, $one), 401, 16, 'a revoked key: 401');
error_ok(otlp_post('traces', $key, $one, type => 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE', undef,
	 'another content type: 415');
error_ok(otlp_post('traces', $key, $one, headers => { 'Content-Type' => undef }), 415, 'UNSUPPORTED_MEDIA_TYPE', undef,
	 'no content type: 415');
is(scalar(() = logs_of("service_id=$svc->{id}")), $count, 'nothing was stored by a refused export');

# --- hostile bodies: refused whole, nothing stored ------------------------------------------------
my $good = pb_bytes(2, pb_bytes(2, pb_bytes(1, pack('H*', 'ab' x 16)) . pb_bytes(2, pack('H*', 'cd' x 8))
				 . pb_field(6, 2) . attrs_one('http.request.method', 'GET') . attrs_one('url.path', '/h')));
sub attrs_one { my ($k, $v) = @_; return pb_bytes(9, pb_bytes(1, $k) . pb_bytes(2, pb_bytes(1, $v))) }
my $ok_export = pb_bytes(1, $good);
is(otlp_post('traces', $key, $ok_export)->{status}, 200, 'the hand-made export the cases below spoil is good');
$count = () = logs_of("service_id=$svc->{id}");
my $bomb;
gzip(\("\0" x (11 * 1024 * 1024)) => \$bomb);
my %hostile = (
	'garbage' => "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
	'a truncated export' => substr($ok_export . $ok_export, 0, length($ok_export) + 20),
	'a length past the end' => pb_varint(1 << 3 | 2) . pb_varint(1000) . 'abc',
	'a wrong wire type' => pb_field(1, 7),
	'a trace id of 15 bytes' => pb_bytes(1, pb_bytes(2, pb_bytes(2, pb_bytes(1, 'x' x 15) . pb_bytes(2, 'y' x 8)))),
	'an all-zero span id' => pb_bytes(1, pb_bytes(2, pb_bytes(2, pb_bytes(1, 'x' x 16) . pb_bytes(2, "\0" x 8)))),
	'deep nesting' => pb_bytes(1, pb_bytes(2, pb_bytes(2, pb_bytes(1, 'x' x 16) . pb_bytes(2, 'y' x 8)
		. pb_bytes(9, pb_bytes(1, 'k') . pb_bytes(2, deep(200)))))),
	'a million empty spans' => pb_bytes(1, pb_bytes(2, "\x12\x00" x 1_000_000)),
);
sub deep { my ($n) = @_; my $v = pb_bytes(1, 'leaf'); $v = pb_bytes(5, pb_bytes(1, $v)) for 1 .. $n; return $v }
for my $what (sort keys %hostile) {
	my $r = otlp_post('traces', $key, $hostile{$what});
	status_ok($r, 400, 3, "$what: 400 with a Status INVALID_ARGUMENT");
}
$res = otlp_post('traces', $key, $bomb, headers => { 'Content-Encoding' => 'gzip' });
status_ok($res, 413, 8, 'a gzip bomb: 413 with a Status RESOURCE_EXHAUSTED');
$res = otlp_post('traces', $key, "\x1f\x8b\x08\x00garbage", headers => { 'Content-Encoding' => 'gzip' });
status_ok($res, 400, 3, 'a broken gzip stream: 400');
error_ok(otlp_post('traces', $key, '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"abcd","spanId":"0102030405060708"}]}]}]}',
		   type => 'application/json'), 400, 'BAD_REQUEST', 'resourceSpans[0].scopeSpans[0].spans[0].traceId',
	 'JSON with a trace id of the wrong length: 400 naming it');
error_ok(otlp_post('traces', $key, '{"resourceSpans": [', type => 'application/json'), 400, 'BAD_REQUEST', '*',
	 'JSON cut short: 400');
error_ok(otlp_post('traces', $key, '[' x 100000, type => 'application/json'), 400, 'BAD_REQUEST', '*',
	 'JSON nested past the bound: 400');
is(scalar(() = logs_of("service_id=$svc->{id}")), $count, 'nothing was stored by a hostile export');
is(req('GET', '/v1/health')->{status}, 200, 'and the stack still answers');

# --- logs become events ------------------------------------------------------------------------
my $js_stack = "TypeError: Cannot read properties of undefined (reading 'id')\n"
	. "    at loadOrder (/srv/shop/orders.js:42:17)\n"
	. "    at handle (/srv/shop/server.js:10:5)\n"
	. "    at Layer.handle (/srv/shop/node_modules/express/lib/router/layer.js:95:5)";
my $log_trace = sprintf('%032x', $$ * 31 + 7);
my @records = (
	{ time => $now, severity => 17, severity_text => 'ERROR', body => 'order lookup failed',
	  trace_id => $log_trace, span_id => '00f067aa0ba902b7',
	  attrs => [ 'exception.type' => 'TypeError', 'exception.message' => "Cannot read properties of undefined (reading 'id')",
		     'exception.stacktrace' => $js_stack, 'order.id' => { int => 42 }, 'password' => 'hunter2' ] },
	{ time => $now, severity => 9, body => 'user signed in' },
	{ time => $now, severity => 13, body => 'slow query' },
	{ time => $now, severity => 5, body => 'cache miss' },
	{ time => $now, severity => 21, body => 'out of memory' },
	{ time => $now, severity_text => 'warn', body => 'from the text' },
	{ observed => $now, body => 'no severity' },
);
$res = otlp_post('logs', $ingest_key, otlp_logs_pb([ { resource => $resource, logs => \@records } ]));
is($res->{status}, 200, 'a protobuf logs export is taken with the ingest key');
is(length($res->{body} // ''), 0, '  a full success');
my %by_message = map { $_->{message} => $_ } events_of($app);
is(scalar keys %by_message, scalar @records, 'every log record became an event');
my $err = $by_message{'order lookup failed'} || {};
is($err->{level}, 'ERROR', 'severity 17: ERROR');
is($err->{stack}{type}, 'TypeError', '  the exception type makes the stack');
is_deeply([ map { $_->{function} } @{ $err->{stack}{frames} || [] } ], [ 'Layer.handle', 'handle', 'loadOrder' ],
	  '  frames parsed from the stack trace, the outermost first') or diag(json_bytes($err->{stack}));
is($err->{tags}{trace_id}, $log_trace, '  the trace id is kept');
is($err->{tags}{'order.id'}, '42', "  the record's attributes are tags");
is($err->{tags}{'service.name'}, 'shop', "  and the resource's");
is($err->{tags}{password}, '***MASKED***', '  a secret attribute is masked');
is($err->{environment}, 'prod', '  environment from deployment.environment');
is($err->{release}, '2.3.1', '  release from service.version');
ok($err->{issue_id}, '  it has an issue');
my %levels = ('user signed in' => 'INFO', 'slow query' => 'WARNING', 'cache miss' => 'DEBUG',
	      'out of memory' => 'CRITICAL', 'from the text' => 'WARNING', 'no severity' => 'INFO');
is(($by_message{$_} || {})->{level}, $levels{$_}, "'$_': $levels{$_}") for sort keys %levels;

$res = otlp_post('logs', $ingest_key, otlp_logs_json([ { resource => $resource, logs => [
	{ time => $now, severity => 17, body => 'json record', attrs => [ 'exception.type' => 'ValueError' ] } ] } ]),
		 type => 'application/json');
is($res->{status}, 200, 'a JSON logs export is taken');
is_deeply($res->{json}, {}, '  a full success is {}');
is(scalar(grep { $_->{message} eq 'json record' } events_of($app)), 1, '  and stored');

my $events = () = events_of($app);
status_ok(otlp_post('logs', $key, otlp_logs_pb([ { logs => [ { body => 'x' } ] } ])), 401, 16,
	  'a service key does not send logs');
status_ok(otlp_post('logs', '0' x 32, otlp_logs_pb([ { logs => [ { body => 'x' } ] } ])), 401, 16,
	  'an unknown ingest key: 401');
status_ok(otlp_post('logs', $ingest_key, "\x0a\xff"), 400, 3, 'a broken logs export: 400');
is(scalar(() = events_of($app)), $events, 'nothing was stored by a refused logs export');

# --- metrics are taken and dropped --------------------------------------------------------------
$res = otlp_post('metrics', undef, "\x0a\x00");
ok($res->{status} == 200 && length($res->{body} // '') == 0, 'POST /otlp/v1/metrics answers 200 in protobuf');
$res = otlp_post('metrics', undef, '{"resourceMetrics":[]}', type => 'application/json');
is_deeply([ $res->{status}, $res->{json} ], [ 200, {} ], '  and {} in JSON');
is(otlp_post('metrics', undef, 'x', type => 'text/plain')->{status}, 415, '  another type: 415');
is(req('GET', '/otlp/v1/traces')->{status}, 405, 'GET /otlp/v1/traces: 405');

done_testing();
