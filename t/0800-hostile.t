#!/usr/bin/perl
# Hostile input: a table of bad requests against every endpoint family. Each
# one must get its specific JSON 4xx, store nothing, and leave the workers
# serving. A row: [name, method, path, body or undef, headers, status, code, field].
# In paths and bodies, {app} is the application's id, {svc} the service's id;
# {key} in headers is the ingest key, {mkey} the service's log key.
use strict;
use warnings;

use IO::Compress::Gzip qw(gzip);
use Test::More;
use Telltale;

my $app = new_app('hostile');
my $svc = new_service('hostile');
my $mkey = new_key($svc)->{raw_key};

my %K = (key => $app->{ingest_key}, mkey => $mkey);
my $EVENT = '"occurred_at":"2026-02-10T10:00:00Z","level":"ERROR","message":"m"';
my $LOG = '"method":"GET","url":"https://a.example/x","path":"/x"';
my $ING = { 'X-Ingest-Key' => '{key}' };
my $BEARER = { Authorization => 'Bearer {mkey}' };
my $SENTRY = { 'X-Sentry-Auth' => 'Sentry sentry_key={key}, sentry_version=7' };

sub ev_with { return '{' . $EVENT . ',' . $_[0] . '}' }
sub ev_without {
	my ($field) = @_;
	my %f = (occurred_at => '"2026-02-10T10:00:00Z"', level => '"ERROR"', message => '"m"');
	delete $f{$field};
	return '{' . join(',', map { "\"$_\":$f{$_}" } sort keys %f) . '}';
}
sub ev_field { my ($f, $v) = @_; my $b = ev_without($f); $b =~ s/\}$/,"$f":$v}/; $b =~ s/^\{,/{/; return $b }
sub log_field { return '{' . $LOG . ',"' . $_[0] . '":' . $_[1] . '}' }
sub log_without {
	my ($field) = @_;
	my %f = (method => '"GET"', url => '"https://a.example/x"', path => '"/x"');
	delete $f{$field};
	return '{' . join(',', map { "\"$_\":$f{$_}" } sort keys %f) . '}';
}
sub log_set { my ($f, $v) = @_; my $b = log_without($f); $b =~ s/\}$/,"$f":$v}/; $b =~ s/^\{,/{/; return $b }

my $deep = ('[' x 100_000) . (']' x 100_000);
my $deep_stack = ev_with('"stack":' . ('{"a":' x 33) . '1' . ('}' x 33));
my $bulk_bad = '[' . join(',', (ev_with('"tags":null')) x 7, ev_field('level', '"LOUD"')) . ']';
my $bulk_1001 = '[' . join(',', ('{' . $EVENT . '}') x 1001) . ']';
my $long_name = 'n' x 300;
gzip(\("\0" x (20 * 1024 * 1024)) => \my $bomb);
my $env_head = '{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}';

my @cases = (
	# --- /apps ingest: bodies ---------------------------------------------------------
	['empty body', 'POST', '/apps/{app}/events', '', $ING, 400, 'BAD_REQUEST'],
	['white space only', 'POST', '/apps/{app}/events', "  \n ", $ING, 400, 'BAD_REQUEST'],
	['trailing garbage', 'POST', '/apps/{app}/events', '{' . $EVENT . '}x', $ING, 400, 'BAD_REQUEST'],
	['two documents', 'POST', '/apps/{app}/events', '{' . $EVENT . '}{' . $EVENT . '}', $ING, 400, 'BAD_REQUEST'],
	['NaN', 'POST', '/apps/{app}/events', ev_field('occurred_at', 'NaN'), $ING, 400, 'BAD_REQUEST'],
	['Infinity', 'POST', '/apps/{app}/events', ev_field('occurred_at', 'Infinity'), $ING, 400, 'BAD_REQUEST'],
	['-Infinity', 'POST', '/apps/{app}/events', ev_field('occurred_at', '-Infinity'), $ING, 400, 'BAD_REQUEST'],
	['single quotes', 'POST', '/apps/{app}/events', "{'level':'ERROR'}", $ING, 400, 'BAD_REQUEST'],
	['a comment', 'POST', '/apps/{app}/events', '/* x */' . ev_with('"tags":null'), $ING, 400, 'BAD_REQUEST'],
	['a trailing comma', 'POST', '/apps/{app}/events', '{' . $EVENT . ',}', $ING, 400, 'BAD_REQUEST'],
	['raw NUL outside strings', 'POST', '/apps/{app}/events', '{' . $EVENT . "}\0", $ING, 400, 'BAD_REQUEST'],
	['nesting 100,000 deep', 'POST', '/apps/{app}/events', $deep, $ING, 422, 'VALIDATION'],
	['nesting 34 deep in stack', 'POST', '/apps/{app}/events', $deep_stack, $ING, 422, 'VALIDATION', qr/^stack/],
	['invalid UTF-8', 'POST', '/apps/{app}/events', ev_field('message', "\"a\xffb\""), $ING, 422, 'VALIDATION', 'message'],
	['overlong UTF-8', 'POST', '/apps/{app}/events', ev_field('message', "\"\xc0\xaf\""), $ING, 422, 'VALIDATION', 'message'],
	['encoded surrogate', 'POST', '/apps/{app}/events', ev_field('message', "\"\xed\xa0\x80\""), $ING, 422, 'VALIDATION', 'message'],
	['lone high surrogate escape', 'POST', '/apps/{app}/events', ev_field('message', '"\ud800"'), $ING, 422, 'VALIDATION', 'message'],
	['lone low surrogate escape', 'POST', '/apps/{app}/events', ev_field('message', '"\udc00x"'), $ING, 422, 'VALIDATION', 'message'],
	['\u0000 in a value', 'POST', '/apps/{app}/events', ev_field('message', '"a\u0000b"'), $ING, 422, 'VALIDATION', 'message'],
	['\u0000 in a key', 'POST', '/apps/{app}/events', ev_with('"tags":{"a\u0000":"b"}'), $ING, 422, 'VALIDATION', qr/^tags\./],
	['raw NUL in a string', 'POST', '/apps/{app}/events', ev_field('message', "\"a\0b\""), $ING, 422, 'VALIDATION', 'message'],
	['invalid UTF-8 in a tag', 'POST', '/apps/{app}/events', ev_with("\"tags\":{\"k\":\"\xfe\"}"), $ING, 422, 'VALIDATION', 'tags.k'],
	['occurred_at beyond 64 bits', 'POST', '/apps/{app}/events', ev_field('occurred_at', '123456789012345678901234567890'), $ING, 422, 'VALIDATION', 'occurred_at'],
	['occurred_at 1e308', 'POST', '/apps/{app}/events', ev_field('occurred_at', '1e308'), $ING, 422, 'VALIDATION', 'occurred_at'],
	['occurred_at -1e308', 'POST', '/apps/{app}/events', ev_field('occurred_at', '-1e308'), $ING, 422, 'VALIDATION', 'occurred_at'],
	['occurred_at year 99999', 'POST', '/apps/{app}/events', ev_field('occurred_at', '"99999-01-01T00:00:00Z"'), $ING, 422, 'VALIDATION', 'occurred_at'],
	['occurred_at Feb 30', 'POST', '/apps/{app}/events', ev_field('occurred_at', '"2026-02-30T00:00:00Z"'), $ING, 422, 'VALIDATION', 'occurred_at'],
	['occurred_at +25:00', 'POST', '/apps/{app}/events', ev_field('occurred_at', '"2026-02-10T10:00:00+25:00"'), $ING, 422, 'VALIDATION', 'occurred_at'],
	['occurred_at 24:00', 'POST', '/apps/{app}/events', ev_field('occurred_at', '"2026-02-10T24:00:00Z"'), $ING, 422, 'VALIDATION', 'occurred_at'],
	['occurred_at true', 'POST', '/apps/{app}/events', ev_field('occurred_at', 'true'), $ING, 422, 'VALIDATION', 'occurred_at'],
	['occurred_at an object', 'POST', '/apps/{app}/events', ev_field('occurred_at', '{}'), $ING, 422, 'VALIDATION', 'occurred_at'],
	['occurred_at missing', 'POST', '/apps/{app}/events', ev_without('occurred_at'), $ING, 422, 'VALIDATION', 'occurred_at'],
	['level a number', 'POST', '/apps/{app}/events', ev_field('level', '5'), $ING, 422, 'VALIDATION', 'level'],
	['level null', 'POST', '/apps/{app}/events', ev_field('level', 'null'), $ING, 422, 'VALIDATION', 'level'],
	['level an array', 'POST', '/apps/{app}/events', ev_field('level', '["ERROR"]'), $ING, 422, 'VALIDATION', 'level'],
	['level unknown', 'POST', '/apps/{app}/events', ev_field('level', '"FATAL"'), $ING, 422, 'VALIDATION', 'level'],
	['level SQL-looking', 'POST', '/apps/{app}/events', ev_field('level', q("ERROR' OR '1'='1")), $ING, 422, 'VALIDATION', 'level'],
	['level missing', 'POST', '/apps/{app}/events', ev_without('level'), $ING, 422, 'VALIDATION', 'level'],
	['message an object', 'POST', '/apps/{app}/events', ev_field('message', '{}'), $ING, 422, 'VALIDATION', 'message'],
	['message a number', 'POST', '/apps/{app}/events', ev_field('message', '5'), $ING, 422, 'VALIDATION', 'message'],
	['message empty', 'POST', '/apps/{app}/events', ev_field('message', '""'), $ING, 422, 'VALIDATION', 'message'],
	['message missing', 'POST', '/apps/{app}/events', ev_without('message'), $ING, 422, 'VALIDATION', 'message'],
	['stack a string', 'POST', '/apps/{app}/events', ev_with('"stack":"x"'), $ING, 422, 'VALIDATION', 'stack'],
	['stack an array', 'POST', '/apps/{app}/events', ev_with('"stack":[]'), $ING, 422, 'VALIDATION', 'stack'],
	['tags a number', 'POST', '/apps/{app}/events', ev_with('"tags":5'), $ING, 422, 'VALIDATION', 'tags'],
	['tags an array', 'POST', '/apps/{app}/events', ev_with('"tags":["a"]'), $ING, 422, 'VALIDATION', 'tags'],
	['event_id not hex', 'POST', '/apps/{app}/events', ev_with('"event_id":"nope"'), $ING, 422, 'VALIDATION', 'event_id'],
	['event_id a number', 'POST', '/apps/{app}/events', ev_with('"event_id":12345'), $ING, 422, 'VALIDATION', 'event_id'],
	['event_id 33 hex', 'POST', '/apps/{app}/events', ev_with('"event_id":"' . ('a' x 33) . '"'), $ING, 422, 'VALIDATION', 'event_id'],
	['body null', 'POST', '/apps/{app}/events', 'null', $ING, 422, 'VALIDATION'],
	['body a string', 'POST', '/apps/{app}/events', '"event"', $ING, 422, 'VALIDATION'],
	['body a number', 'POST', '/apps/{app}/events', '5', $ING, 422, 'VALIDATION'],
	['bulk: one bad element', 'POST', '/apps/{app}/events', $bulk_bad, $ING, 422, 'VALIDATION', '[7].level'],
	['bulk: empty', 'POST', '/apps/{app}/events', '[]', $ING, 422, 'VALIDATION'],
	['bulk: 1001 events', 'POST', '/apps/{app}/events', $bulk_1001, $ING, 422, 'VALIDATION'],
	['bulk: an element not an object', 'POST', '/apps/{app}/events', '[' . ev_with('"tags":null') . ',5]', $ING, 422, 'VALIDATION', qr/^\[1\]/],
	['wrong content type', 'POST', '/apps/{app}/events', ev_with('"tags":null'), { %$ING, 'Content-Type' => 'text/plain' }, 400, 'BAD_REQUEST'],
	['form content type', 'POST', '/apps/{app}/events', ev_with('"tags":null'), { %$ING, 'Content-Type' => 'application/x-www-form-urlencoded' }, 400, 'BAD_REQUEST'],
	['over the bulk limit', 'POST', '/apps/{app}/events', 'x' x (11 * 1024 * 1024), $ING, 413, 'PAYLOAD_TOO_LARGE'],
	['one event over 1 MiB', 'POST', '/apps/{app}/events', ev_with('"tags":{"pad":"' . ('p' x (1100 * 1024)) . '"}'), $ING, 413, 'PAYLOAD_TOO_LARGE'],
	['no key', 'POST', '/apps/{app}/events', ev_with('"tags":null'), {}, 403, 'FORBIDDEN'],
	['a wrong key', 'POST', '/apps/{app}/events', ev_with('"tags":null'), { 'X-Ingest-Key' => '0' x 32 }, 403, 'FORBIDDEN'],

	# --- /apps: paths and query parameters ----------------------------------------------
	['app id beyond 64 bits', 'GET', '/apps/99999999999999999999', undef, {}, 404, 'NOT_FOUND'],
	['app id negative', 'GET', '/apps/-1', undef, {}, 404, 'NOT_FOUND'],
	['app id zero', 'GET', '/apps/0', undef, {}, 404, 'NOT_FOUND'],
	['app id 1e3', 'GET', '/apps/1e3', undef, {}, 404, 'NOT_FOUND'],
	['app id with SQL', 'GET', '/apps/1%20OR%201=1', undef, {}, 404, 'NOT_FOUND'],
	['event id beyond 64 bits', 'GET', '/apps/{app}/events/18446744073709551616', undef, {}, 404, 'NOT_FOUND'],
	['a bad escape in a path', 'GET', '/apps/%zz', undef, {}, 400, 'BAD_REQUEST'],
	['%00 in a path', 'POST', '/apps/a%00b', undef, {}, 400, 'BAD_REQUEST'],
	['an app name of 300 characters', 'POST', "/apps/$long_name", undef, {}, 422, 'VALIDATION', 'name'],
	['an app name of white space', 'POST', '/apps/%20%20', undef, {}, 422, 'VALIDATION', 'name'],
	['an app name with a newline', 'POST', '/apps/a%0Ab', undef, {}, 422, 'VALIDATION', 'name'],
	['an app name of invalid UTF-8', 'POST', '/apps/a%FFb', undef, {}, 422, 'VALIDATION', 'name'],
	['limit beyond 64 bits', 'GET', '/apps/{app}/events?limit=99999999999999999999', undef, {}, 422, 'VALIDATION', 'limit'],
	['limit 0', 'GET', '/apps/{app}/events?limit=0', undef, {}, 422, 'VALIDATION', 'limit'],
	['limit 51', 'GET', '/apps/{app}/events?limit=51', undef, {}, 422, 'VALIDATION', 'limit'],
	['limit not a number', 'GET', '/apps/{app}/events?limit=ten', undef, {}, 422, 'VALIDATION', 'limit'],
	['limit with a bad escape', 'GET', '/apps/{app}/events?limit=%zz', undef, {}, 422, 'VALIDATION', 'limit'],
	['offset negative', 'GET', '/apps/{app}/events?offset=-1', undef, {}, 422, 'VALIDATION', 'offset'],
	['offset beyond 64 bits', 'GET', '/apps/{app}/events?offset=99999999999999999999', undef, {}, 422, 'VALIDATION', 'offset'],
	['level filter unknown', 'GET', '/apps/{app}/events?level=LOUD', undef, {}, 422, 'VALIDATION', 'level'],
	['level filter SQL-looking', 'GET', q(/apps/{app}/events?level=ERROR'%20OR%20'1'='1), undef, {}, 422, 'VALIDATION', 'level'],
	['since not a time', 'GET', '/apps/{app}/events?since=yesterday', undef, {}, 422, 'VALIDATION', 'since'],
	['until Feb 30', 'GET', '/apps/{app}/events?until=2026-02-30', undef, {}, 422, 'VALIDATION', 'until'],
	['since after until', 'GET', '/apps/{app}/events?since=2026-02-11&until=2026-02-10', undef, {}, 400, 'BAD_REQUEST'],
	['interval unknown', 'GET', '/apps/{app}/stats/timeseries?interval=YEAR', undef, {}, 422, 'VALIDATION', 'interval'],
	['too many buckets', 'GET', '/apps/{app}/stats/timeseries?interval=MINUTE&since=2026-01-01&until=2026-02-01', undef, {}, 422, 'VALIDATION', 'interval'],
	['top-messages limit 101', 'GET', '/apps/{app}/stats/top-messages?limit=101', undef, {}, 422, 'VALIDATION', 'limit'],
	['stats since equal until', 'GET', '/apps/{app}/stats/by-level?since=2026-02-10&until=2026-02-10', undef, {}, 400, 'BAD_REQUEST'],
	['a method not allowed', 'PUT', '/apps/{app}', '{}', {}, 405, 'METHOD_NOT_ALLOWED'],
	['an unknown path', 'GET', '/apps/{app}/nothing', undef, {}, 404, 'NOT_FOUND'],

	# --- /v1 services and keys ----------------------------------------------------------
	['service: empty body', 'POST', '/v1/services', '', {}, 400, 'BAD_REQUEST'],
	['service: name empty', 'POST', '/v1/services', '{"name":""}', {}, 422, 'VALIDATION', 'name'],
	['service: name 129 characters', 'POST', '/v1/services', '{"name":"' . ('s' x 129) . '"}', {}, 422, 'VALIDATION', 'name'],
	['service: name a number', 'POST', '/v1/services', '{"name":5}', {}, 422, 'VALIDATION', 'name'],
	['service: description 513', 'POST', '/v1/services', '{"name":"d","description":"' . ('d' x 513) . '"}', {}, 422, 'VALIDATION', 'description'],
	['service: base_url ftp', 'POST', '/v1/services', '{"name":"d","base_url":"ftp://a.example/"}', {}, 422, 'VALIDATION', 'base_url'],
	['service: base_url not a URL', 'POST', '/v1/services', '{"name":"d","base_url":"a.example"}', {}, 422, 'VALIDATION', 'base_url'],
	['service: \u0000 in the name', 'POST', '/v1/services', '{"name":"a\u0000"}', {}, 422, 'VALIDATION', 'name'],
	['service: malformed UUID', 'GET', '/v1/services/not-a-uuid', undef, {}, 404, 'NOT_FOUND'],
	['service: unknown UUID', 'GET', '/v1/services/00000000-0000-4000-8000-000000000000', undef, {}, 404, 'NOT_FOUND'],
	['service: SQL in the id', 'DELETE', q(/v1/services/'%20OR%201=1--), undef, {}, 404, 'NOT_FOUND'],
	['key: name empty', 'POST', '/v1/services/{svc}/keys', '{"name":""}', {}, 422, 'VALIDATION', 'name'],
	['key: name 129', 'POST', '/v1/services/{svc}/keys', '{"name":"' . ('k' x 129) . '"}', {}, 422, 'VALIDATION', 'name'],
	['key: revoke a malformed id', 'DELETE', '/v1/services/{svc}/keys/nope', undef, {}, 404, 'NOT_FOUND'],

	# --- /v1 logs ---------------------------------------------------------------------
	['log: no key', 'POST', '/v1/logs', '{' . $LOG . '}', {}, 401, 'UNAUTHORIZED'],
	['log: an empty bearer', 'POST', '/v1/logs', '{' . $LOG . '}', { Authorization => 'Bearer ' }, 401, 'UNAUTHORIZED'],
	['log: a malformed key', 'POST', '/v1/logs', '{' . $LOG . '}', { Authorization => 'Bearer mkey_short' }, 401, 'UNAUTHORIZED'],
	['log: Basic auth', 'POST', '/v1/logs', '{' . $LOG . '}', { Authorization => 'Basic dXNlcjpwYXNz' }, 401, 'UNAUTHORIZED'],
	['log: method empty', 'POST', '/v1/logs', log_set('method', '""'), $BEARER, 422, 'VALIDATION', 'method'],
	['log: method with a digit', 'POST', '/v1/logs', log_set('method', '"G3T"'), $BEARER, 422, 'VALIDATION', 'method'],
	['log: method of 17 letters', 'POST', '/v1/logs', log_set('method', '"' . ('A' x 17) . '"'), $BEARER, 422, 'VALIDATION', 'method'],
	['log: method missing', 'POST', '/v1/logs', log_without('method'), $BEARER, 422, 'VALIDATION', 'method'],
	['log: url relative', 'POST', '/v1/logs', log_set('url', '"/x"'), $BEARER, 422, 'VALIDATION', 'url'],
	['log: url ftp', 'POST', '/v1/logs', log_set('url', '"ftp://a.example/x"'), $BEARER, 422, 'VALIDATION', 'url'],
	['log: url missing', 'POST', '/v1/logs', log_without('url'), $BEARER, 422, 'VALIDATION', 'url'],
	['log: path missing', 'POST', '/v1/logs', log_without('path'), $BEARER, 422, 'VALIDATION', 'path'],
	['log: status_code 99', 'POST', '/v1/logs', log_field('status_code', '99'), $BEARER, 422, 'VALIDATION', 'status_code'],
	['log: status_code 600', 'POST', '/v1/logs', log_field('status_code', '600'), $BEARER, 422, 'VALIDATION', 'status_code'],
	['log: status_code a string', 'POST', '/v1/logs', log_field('status_code', '"200"'), $BEARER, 422, 'VALIDATION', 'status_code'],
	['log: status_code beyond 64 bits', 'POST', '/v1/logs', log_field('status_code', '99999999999999999999'), $BEARER, 422, 'VALIDATION', 'status_code'],
	['log: latency_ms negative', 'POST', '/v1/logs', log_field('latency_ms', '-1'), $BEARER, 422, 'VALIDATION', 'latency_ms'],
	['log: latency_ms a string', 'POST', '/v1/logs', log_field('latency_ms', '"fast"'), $BEARER, 422, 'VALIDATION', 'latency_ms'],
	['log: latency_ms 1e308', 'POST', '/v1/logs', log_field('latency_ms', '1e308'), $BEARER, 422, 'VALIDATION', 'latency_ms'],
	['log: query_params an array', 'POST', '/v1/logs', log_field('query_params', '[]'), $BEARER, 422, 'VALIDATION', 'query_params'],
	['log: a header value a number', 'POST', '/v1/logs', log_field('request_headers', '{"a":5}'), $BEARER, 422, 'VALIDATION', qr/^request_headers/],
	['log: response_headers a string', 'POST', '/v1/logs', log_field('response_headers', '"x"'), $BEARER, 422, 'VALIDATION', 'response_headers'],
	['log: request_body a number', 'POST', '/v1/logs', log_field('request_body', '5'), $BEARER, 422, 'VALIDATION', 'request_body'],
	['log: error a number', 'POST', '/v1/logs', log_field('error', '5'), $BEARER, 422, 'VALIDATION', 'error'],
	['log: source_ip out of range', 'POST', '/v1/logs', log_field('source_ip', '"999.1.1.1"'), $BEARER, 422, 'VALIDATION', 'source_ip'],
	['log: source_ip a name', 'POST', '/v1/logs', log_field('source_ip', '"localhost"'), $BEARER, 422, 'VALIDATION', 'source_ip'],
	['log: tags a string', 'POST', '/v1/logs', log_field('tags', '"eu"'), $BEARER, 422, 'VALIDATION', 'tags'],
	['log: a tag a number', 'POST', '/v1/logs', log_field('tags', '[5]'), $BEARER, 422, 'VALIDATION', qr/^tags/],
	['log: 101 tags', 'POST', '/v1/logs', log_field('tags', '[' . join(',', map {"\"t$_\""} 1 .. 101) . ']'), $BEARER, 422, 'VALIDATION', 'tags'],
	['log: \u0000 in error', 'POST', '/v1/logs', log_field('error', '"a\u0000"'), $BEARER, 422, 'VALIDATION', 'error'],
	['log: invalid UTF-8 in path', 'POST', '/v1/logs', log_set('path', "\"/\xff\""), $BEARER, 422, 'VALIDATION', 'path'],
	['log: body an array', 'POST', '/v1/logs', '[]', $BEARER, 422, 'VALIDATION'],
	['log: trailing garbage', 'POST', '/v1/logs', '{' . $LOG . '}]', $BEARER, 400, 'BAD_REQUEST'],
	['logs: limit 501', 'GET', '/v1/logs?limit=501', undef, {}, 422, 'VALIDATION', 'limit'],
	['logs: status_code not a number', 'GET', '/v1/logs?status_code=abc', undef, {}, 422, 'VALIDATION', 'status_code'],
	['logs: min_latency_ms not a number', 'GET', '/v1/logs?min_latency_ms=x', undef, {}, 422, 'VALIDATION', 'min_latency_ms'],
	['logs: has_error maybe', 'GET', '/v1/logs?has_error=maybe', undef, {}, 422, 'VALIDATION', 'has_error'],
	['logs: service_id malformed', 'GET', '/v1/logs?service_id=nope', undef, {}, 422, 'VALIDATION', 'service_id'],
	['logs: since after until', 'GET', '/v1/logs?since=2026-02-11&until=2026-02-10', undef, {}, 400, 'BAD_REQUEST'],
	['log: a malformed id', 'GET', '/v1/logs/nope', undef, {}, 404, 'NOT_FOUND'],
	['metrics: service_id malformed', 'GET', '/v1/metrics?service_id=nope', undef, {}, 422, 'VALIDATION', 'service_id'],
	['metrics: since not a time', 'GET', '/v1/metrics?since=soon', undef, {}, 422, 'VALIDATION', 'since'],

	# --- /api (Sentry) ----------------------------------------------------------------
	['sentry: garbage envelope', 'POST', '/api/{app}/envelope/', "not json\n", $SENTRY, 400, 'BAD_REQUEST'],
	['sentry: length beyond the body', 'POST', '/api/{app}/envelope/', "$env_head\n{\"type\":\"event\",\"length\":500}\n{}\n", $SENTRY, 400, 'BAD_REQUEST'],
	['sentry: an item header not JSON', 'POST', '/api/{app}/envelope/', "$env_head\nnope\n{}\n", $SENTRY, 400, 'BAD_REQUEST'],
	['sentry: a broken gzip stream', 'POST', '/api/{app}/envelope/', "\x1f\x8b\x08\x00garbage", { %$SENTRY, 'Content-Encoding' => 'gzip' }, 400, 'BAD_REQUEST'],
	['sentry: a gzip bomb', 'POST', '/api/{app}/envelope/', $bomb, { %$SENTRY, 'Content-Encoding' => 'gzip' }, 413, 'PAYLOAD_TOO_LARGE'],
	['sentry: store not JSON', 'POST', '/api/{app}/store/', '{"message":', $SENTRY, 400, 'BAD_REQUEST'],
	['sentry: no key', 'POST', '/api/{app}/store/', '{"message":"m"}', {}, 403, 'FORBIDDEN'],
	['sentry: a wrong key', 'POST', '/api/{app}/store/', '{"message":"m"}', { 'X-Sentry-Auth' => 'Sentry sentry_key=' . ('0' x 32) }, 403, 'FORBIDDEN'],
	['sentry: an unknown app', 'POST', '/api/99999999999/store/', '{"message":"m"}', $SENTRY, 403, 'FORBIDDEN'],
	# Access control (sign-in failures that reach the password count against
	# this address: t/0150 sends those from addresses of its own).
	['login: not JSON', 'POST', '/v1/auth/login', 'username=admin&password=x', {}, 400, 'BAD_REQUEST'],
	['login: a form', 'POST', '/v1/auth/login', 'username=admin', { 'Content-Type' => 'application/x-www-form-urlencoded' }, 400, 'BAD_REQUEST'],
	['login: an array', 'POST', '/v1/auth/login', '[{"username":"admin"}]', {}, 422, 'VALIDATION'],
	['login: username a number', 'POST', '/v1/auth/login', '{"username":5,"password":"x"}', {}, 422, 'VALIDATION', 'username'],
	['login: no password', 'POST', '/v1/auth/login', '{"username":"admin"}', {}, 422, 'VALIDATION', 'password'],
	['login: password null', 'POST', '/v1/auth/login', '{"username":"admin","password":null}', {}, 422, 'VALIDATION', 'password'],
	['login: \u0000 in the name', 'POST', '/v1/auth/login', '{"username":"ad\u0000min","password":"x"}', {}, 422, 'VALIDATION', 'username'],
	['user: upper case name', 'POST', '/v1/users', '{"username":"Admin2","password":"long enough pw"}', {}, 422, 'VALIDATION', 'username'],
	['user: 65 characters', 'POST', '/v1/users', '{"username":"' . ('u' x 65) . '","password":"long enough pw"}', {}, 422, 'VALIDATION', 'username'],
	['user: SQL in the name', 'POST', '/v1/users', q{{"username":"x'); DROP TABLE users;--","password":"long enough pw"}}, {}, 422, 'VALIDATION', 'username'],
	['user: no name', 'POST', '/v1/users', '{"password":"long enough pw"}', {}, 422, 'VALIDATION', 'username'],
	['user: role root', 'POST', '/v1/users', '{"username":"h1","password":"long enough pw","role":"root"}', {}, 422, 'VALIDATION', 'role'],
	['user: role a number', 'POST', '/v1/users', '{"username":"h1","password":"long enough pw","role":3}', {}, 422, 'VALIDATION', 'role'],
	['user: password 11', 'POST', '/v1/users', '{"username":"h1","password":"elevenchars"}', {}, 422, 'VALIDATION', 'password'],
	['user: password 1025 bytes', 'POST', '/v1/users', '{"username":"h1","password":"' . ('p' x 1025) . '"}', {}, 422, 'VALIDATION', 'password'],
	['user: no password', 'POST', '/v1/users', '{"username":"h1"}', {}, 422, 'VALIDATION', 'password'],
	['user: change nothing', 'PATCH', '/v1/users/1', '{}', {}, 422, 'VALIDATION'],
	['user: id not a number', 'PATCH', '/v1/users/abc', '{"role":"viewer"}', {}, 404, 'NOT_FOUND'],
	['user: unknown id', 'DELETE', '/v1/users/9223372036854775807', undef, {}, 404, 'NOT_FOUND'],
	['user: id past 64 bits', 'DELETE', '/v1/users/9223372036854775808', undef, {}, 404, 'NOT_FOUND'],
	['token: no name', 'POST', '/v1/tokens', '{}', {}, 422, 'VALIDATION', 'name'],
	['token: name 101', 'POST', '/v1/tokens', '{"name":"' . ('t' x 101) . '"}', {}, 422, 'VALIDATION', 'name'],
	['token: role bogus', 'POST', '/v1/tokens', '{"name":"t","role":"owner"}', {}, 422, 'VALIDATION', 'role'],
	['token: expires_at not a time', 'POST', '/v1/tokens', '{"name":"t","expires_at":"tomorrow"}', {}, 422, 'VALIDATION', 'expires_at'],
	['token: expires_at a number', 'POST', '/v1/tokens', '{"name":"t","expires_at":5}', {}, 422, 'VALIDATION', 'expires_at'],
	['token: unknown id', 'DELETE', '/v1/tokens/9223372036854775807', undef, {}, 404, 'NOT_FOUND'],
	['token: SQL in the id', 'DELETE', q(/v1/tokens/1%20OR%201=1), undef, {}, 404, 'NOT_FOUND'],
	['audit: cursor not a number', 'GET', '/v1/audit?cursor=1%20OR%201=1', undef, {}, 422, 'VALIDATION', 'cursor'],
	['audit: limit 0', 'GET', '/v1/audit?limit=0', undef, {}, 422, 'VALIDATION', 'limit'],
	['audit: limit 101', 'GET', '/v1/audit?limit=101', undef, {}, 422, 'VALIDATION', 'limit'],
	['users: cursor negative', 'GET', '/v1/users?cursor=-1', undef, {}, 422, 'VALIDATION', 'cursor'],
);

cmp_ok(scalar @cases, '>=', 100, 'at least 100 hostile requests');

sub fill {
	my ($s) = @_;
	return $s unless defined $s;
	$s =~ s/\{app\}/$app->{id}/g;
	$s =~ s/\{svc\}/$svc->{id}/g;
	$s =~ s/\{(key|mkey)\}/$K{$1}/g;
	return $s;
}

sub health_ok {
	my $h = req('GET', '/v1/health');
	return $h->{status} == 200;
}

for my $c (@cases) {
	my ($name, $method, $path, $body, $headers, $status, $code, $field) = @$c;
	my %h = map { $_ => fill($headers->{$_}) } keys %$headers;
	my @opt = (headers => \%h);
	push @opt, body => $body if defined $body;
	my $res;
	for (1 .. 20) {   # the per-key rate limit is not what this test is about
		$res = req($method, fill($path), @opt);
		last unless $res->{status} == 429;
		sleep 1;
	}
	my $ok = is($res->{status}, $status, "$name: $status");
	$ok &&= is($res->{json} && $res->{json}{error}, $code, "$name: $code");
	like($res->{headers}{'content-type'} // '', qr{^application/json}, "$name: a JSON body");
	if (ref $field) {
		like($res->{json} && $res->{json}{field} // '', $field, "$name: field");
	} elsif (defined $field) {
		is($res->{json} && $res->{json}{field}, $field, "$name: field $field");
	}
	diag("body: " . substr($res->{body} // '', 0, 300)) unless $ok;
	ok(health_ok(), "$name: the workers still serve");
}

# Text that looks like SQL is stored and matched as text, never run.
my $sql = q{'); DROP TABLE events; --};
my $stored = ingest($app, ev(message => $sql));
is($stored->{status}, 201, 'a message that looks like SQL is stored');
my @events = events_of($app);
is(scalar @events, 1, 'and only it: no hostile request stored anything');
is($events[0]{message}, $sql, 'literally');
my $found = req('GET', '/v1/logs?path=' . "%27%20OR%201%3D1%20--&service_id=$svc->{id}");
is($found->{status}, 200, 'a path filter that looks like SQL is a substring search');
is(scalar @{ $found->{json}{items} || [] }, 0, 'and matches nothing');
is(scalar(logs_of("service_id=$svc->{id}")), 0, 'no hostile log was stored');
my $svcs = req('GET', '/v1/services');
is(scalar(grep { $_->{name} eq 'd' || $_->{name} eq '' } @{ $svcs->{json} || [] }), 0,
   'no hostile service was stored');

done_testing;
