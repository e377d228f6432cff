#!/usr/bin/perl
# The real OpenTelemetry JS SDK, unmodified and set up only through its
# standard environment as docs/api.md ("OpenTelemetry ingest") says:
# OTEL_EXPORTER_OTLP_ENDPOINT=<stack>/otlp, OTEL_EXPORTER_OTLP_PROTOCOL, a
# service's key in OTEL_EXPORTER_OTLP_TRACES_HEADERS and an application's
# ingest key in OTEL_EXPORTER_OTLP_LOGS_HEADERS. t/otel/client.js (installed by
# `npm ci` in t/otel) serves four requests through @opentelemetry/
# instrumentation-http, makes them with Node's http client and logs through the
# logs SDK; it runs with http/protobuf and with http/json, each plain and
# gzipped. Its spans are read back as request logs (/v1/logs), its log records
# as events (/apps). A missing SDK is a failure, not a skip: t/stack-test
# installs it.
use strict;
use warnings;
use Test::More;
use Telltale;

my $root = $ENV{TELLTALE_ROOT} or BAIL_OUT('TELLTALE_ROOT is not set');
my $dir = "$root/t/otel";
my $M = '***MASKED***';
# The secrets the client sends: none of them may be stored as sent.
my @SECRETS = qw(secret-token-123 cookie-secret-456 cookie-secret-789 query-secret-321 hunter2);

my $node = (grep { -x } map { "$_/node" } split /:/, $ENV{PATH} // '')[0] // 'node';
ok(-x $node, 'node is installed (t/stack-test puts the pinned Node.js on PATH)');
ok(-d "$dir/node_modules/\@opentelemetry/sdk-node" && -d "$dir/node_modules/\@opentelemetry/instrumentation-http",
   'the OpenTelemetry SDK is installed (t/stack-test runs npm ci in t/otel)');

# Runs the client with %env over a clean OTEL_* environment; returns its JSON
# report, or undef after a failed assertion.
sub run_client {
	my ($what, $env, @args) = @_;
	my $pid = open(my $fh, '-|') // die "fork: $!";
	if (!$pid) {
		open STDERR, '>&', \*STDOUT;
		delete $ENV{$_} for grep { /^OTEL_/ } keys %ENV;
		$ENV{$_} = $env->{$_} for keys %$env;
		exec $node, "$dir/client.js", @args or do { print "cannot run $node: $!\n"; exit 127 };
	}
	local $/;
	my $out = <$fh> // '';
	close $fh;
	my $rc = $? >> 8;
	my ($line) = $out =~ /^(\{"requests".*)$/m;
	my $report = $line ? eval { JSON::PP->new->decode($line) } : undef;
	ok($rc == 0 && $report, "$what: the client ran and reported") or diag("exit $rc:\n$out");
	return $report;
}

sub uri_escape {
	my ($s) = @_;
	$s =~ s/([^A-Za-z0-9\-._~\/])/sprintf('%%%02X', ord $1)/ge;
	return $s;
}

# The value of header $name (any case) in a log's headers object.
sub header {
	my ($headers, $name) = @_;
	return undef unless ref $headers eq 'HASH';
	my ($k) = grep { lc $_ eq lc $name } keys %$headers;
	return defined $k ? $headers->{$k} : undef;
}

# The exception of an event's stack, either shape: {type, frames} or
# Sentry's {values: [..., {type, stacktrace: {frames}}]}.
sub exception_of {
	my ($stack) = @_;
	return {} unless ref $stack eq 'HASH';
	if (ref $stack->{values} eq 'ARRAY' && @{ $stack->{values} }) {
		my $v = $stack->{values}[-1];
		return { type => $v->{type}, frames => ($v->{stacktrace} || {})->{frames} || [] };
	}
	return { type => $stack->{type}, frames => $stack->{frames} || [] };
}

# A span's "error" as the contract derives it: the error status's message,
# else "type: message" of its exception event.
sub span_error {
	my ($span) = @_;
	my $msg = ($span->{status} || {})->{message};
	return $msg if defined $msg && length $msg;
	my ($ex) = grep { $_->{name} eq 'exception' } @{ $span->{events} || [] };
	return undef unless $ex;
	return join(': ', grep { defined } @{ $ex->{attributes} }{qw(exception.type exception.message)});
}

# Each round: its name, OTEL_EXPORTER_OTLP_PROTOCOL, the Content-Type that
# makes, whether the exports are gzipped, and the space after "Bearer" as
# docs/api.md writes it (%20) or as it is.
my @ROUNDS = (
	[ 'proto', 'http/protobuf', 'application/x-protobuf', 0, '%20' ],
	[ 'json', 'http/json', 'application/json', 0, '%20' ],
	[ 'proto gzip', 'http/protobuf', 'application/x-protobuf', 1, ' ' ],
	[ 'json gzip', 'http/json', 'application/json', 1, '%20' ],
);

my $round = 0;
for (@ROUNDS) {
	my ($name, $protocol, $content_type, $gzip, $space) = @$_;
	$round++;
	(my $label = $name) =~ s/ /-/g;
	my $svc = new_service("otel-$label");
	my $key = new_key($svc, 'otel');
	my $app = new_app("otel-$label");
	my $marker = "$label-$$-t" . time;
	my $service_name = "shop-$round";
	# docs/api.md's setup: no key for metrics, which are dropped.
	my %env = (
		OTEL_EXPORTER_OTLP_ENDPOINT => url() . '/otlp',
		OTEL_EXPORTER_OTLP_PROTOCOL => $protocol,
		OTEL_EXPORTER_OTLP_TRACES_HEADERS => "Authorization=Bearer$space$key->{raw_key}",
		OTEL_EXPORTER_OTLP_LOGS_HEADERS => "Authorization=Bearer$space$app->{ingest_key}",
		OTEL_SERVICE_NAME => $service_name,
		OTEL_RESOURCE_ATTRIBUTES => "deployment.environment=otel-test,service.version=3.1.$round",
		($gzip ? (OTEL_EXPORTER_OTLP_COMPRESSION => 'gzip') : ()),
	);
	my $report = run_client($name, \%env, $marker) || {};
	note("$name: Node.js $report->{sdk}{node}, \@opentelemetry/sdk-node $report->{sdk}{'sdk-node'}")
		if $report->{sdk};
	my @requests = @{ $report->{requests} || [] };
	my $port = $report->{port} // 0;
	# Without a report there is nothing to wait for.
	my $patience = @requests ? 20 : 0;

	# The exports as they went out, and what the SDK made of the answers (an
	# unreadable one or a partial success is a warning of the SDK's).
	my @exports = @{ $report->{exports} || [] };
	is_deeply([ sort map { $_->{path} } @exports ], [ map { "/otlp/v1/$_" } qw(logs metrics traces) ],
		  "$name: the SDK sent one export of each signal to /otlp/v1/...")
		or diag(json_bytes(\@exports));
	is_deeply([ grep { ($_->{status} // '') ne '200' } @exports ], [], "$name: each was answered 200");
	is_deeply([ grep { ($_->{content_type} // '') ne $content_type } @exports ], [],
		  "$name: each in $content_type");
	is_deeply([ grep { ($_->{content_encoding} // 'none') ne ($gzip ? 'gzip' : 'none') } @exports ], [],
		  "$name: " . ($gzip ? 'each gzipped' : 'none compressed'));
	is_deeply($report->{diagnostics} || [], [], "$name: the SDK had no error or warning");
	is(scalar(grep { defined $_->{got} && $_->{got} == $_->{status} && $_->{server} && $_->{client} } @requests), 4,
	   "$name: the four requests got their statuses, each a SERVER and a CLIENT span")
		or diag(json_bytes(\@requests));

	# Eight logs: each request's SERVER span and its CLIENT span.
	my @logs;
	wait_for($patience, sub { @logs = logs_of("service_id=$svc->{id}"); @logs >= 8 }, 0.25);
	is(scalar @logs, 8, "$name: eight request logs, a SERVER and a CLIENT span of each request")
		or diag(json_bytes([ map { "$_->{method} $_->{path} $_->{status_code} span $_->{span_id}" } @logs ]));
	my %by_span = map { ($_->{span_id} // '') => $_ } @logs;

	for my $r (@requests) {
		my $what = "$name: $r->{method} $r->{path}";
		(my $target = $r->{target}) =~ s/token=[^&]*/token=$M/;
		my $url = "http://127.0.0.1:$port$target";
		my %want_route = (server => $r->{server}{attributes}{'http.route'}, client => undef);
		my $derived = $r->{path} =~ s{/\d+(?=/|\z)}{/{id}}gr;
		for my $side (qw(server client)) {
			my $span = $r->{$side} || {};
			my $listed = $by_span{ $span->{span_id} // '-' };
			ok($listed, "$what: its \U$side\E span is a log") or next;
			my $res = req('GET', "/v1/logs/$listed->{id}");
			my $log = $res->{json} || {};
			is($log->{method}, $r->{method}, "$what ($side): method");
			is($log->{path}, $r->{path}, "$what ($side): path");
			is($log->{url}, $url, "$what ($side): url" . ($target =~ /\?/ ? ", its query's token masked" : ''));
			is($log->{route}, $want_route{$side} // $derived,
			   "$what ($side): route " . ($want_route{$side} ? 'from http.route' : 'derived from the path'));
			is($log->{status_code}, $r->{status}, "$what ($side): status_code");
			is($log->{trace_id}, $r->{trace_id}, "$what ($side): trace_id, the client's");
			like($log->{span_id} // '', qr/\A[0-9a-f]{16}\z/, "$what ($side): span_id, 16 hex digits");
			my $ms = $log->{latency_ms} // -1;
			ok($ms > 0 && $ms < $r->{ms} + 50, "$what ($side): latency_ms $ms, within the client's own $r->{ms} ms");
			ok(abs($ms - ($span->{ms} // 0)) < 0.01, "$what ($side): latency_ms is the span's end - start ($span->{ms})");
			my %tags = map { $_ => 1 } @{ $log->{tags} || [] };
			ok($tags{"service.name=$service_name"} && $tags{'deployment.environment=otel-test'}
			   && $tags{"service.version=3.1.$round"}, "$what ($side): tags from the resource")
				or diag(json_bytes($log->{tags}));
			is(header($log->{request_headers}, 'authorization'), $M, "$what ($side): Authorization masked");
			is(header($log->{request_headers}, 'x-request-id'), $r->{request_id}, "$what ($side): X-Request-Id kept");
			my @leaks = grep { index($res->{body} // '', $_) >= 0 } @SECRETS;
			ok(!@leaks, "$what ($side): no secret stored as sent") or diag("@leaks in $res->{body}");
			if ($side eq 'server') {
				is(header($log->{request_headers}, 'cookie'), $M, "$what (server): Cookie masked");
				is($log->{source_ip}, '127.0.0.1', "$what (server): source_ip from client.address");
				if ($r->{path} =~ m{^/orders/}) {
					is(header($log->{response_headers}, 'x-order-id'), '42', "$what (server): a response header");
				}
				if ($r->{path} eq '/checkout') {
					is(header($log->{response_headers}, 'set-cookie'), $M, "$what (server): Set-Cookie masked");
				}
				if ($r->{status} < 500) {
					is($log->{error}, undef, "$what (server): no error");
				}
				if ($r->{path} eq '/throw') {
					my $want = span_error($span);
					is($log->{error}, $want, "$what (server): error from the exception the span recorded");
					like($want // '', qr/^Error: payment backend refused order 7 /, "$what: (which is the thrown Error)");
				}
			}
		}
		my @trace = defined $r->{trace_id} ? logs_of("trace_id=$r->{trace_id}") : ();
		is_deeply([ sort map { $_->{span_id} // '' } @trace ],
			  [ sort map { $_->{span_id} // '?' } grep { $_ } @$r{qw(server client)} ],
			  "$what: GET /v1/logs?trace_id= finds its two spans");
	}

	my ($orders) = grep { $_->{path} =~ m{^/orders/} } @requests;
	my @route = logs_of("service_id=$svc->{id}&route=" . uri_escape('/orders/:id'));
	is_deeply([ map { $_->{span_id} } @route ], [ $orders->{server}{span_id} // '?' ],
		  "$name: GET /v1/logs?route=/orders/:id finds the SERVER log the route was set on");
	@route = logs_of("service_id=$svc->{id}&route=" . uri_escape('/orders/{id}'));
	is_deeply([ map { $_->{span_id} } @route ], [ $orders->{client}{span_id} // '?' ],
		  "$name: GET /v1/logs?route=/orders/{id} finds the CLIENT log, its route derived");

	# The log records: one ERROR with the exception, an INFO and a WARN.
	my @events;
	wait_for($patience, sub { @events = events_of($app); @events >= 3 }, 0.25);
	is(scalar @events, 3, "$name: three events, one of each log record")
		or diag(json_bytes(\@events));
	my $event = sub {
		my ($start) = @_;
		return (grep { index($_->{message} // '', $start) == 0 } @events)[0] || {};
	};
	my ($throw) = grep { $_->{path} eq '/throw' } @requests;
	my $e = $event->('GET /throw failed');
	is($e->{message}, "GET /throw failed: payment backend refused order 7 ($marker)", "$name: ERROR: the body is the message");
	is($e->{level}, 'ERROR', "$name: ERROR: severity_number 17 is level ERROR");
	my $x = exception_of($e->{stack});
	is($x->{type}, 'Error', "$name: ERROR: the stack's type is exception.type")
		or diag('stack: ' . json_bytes($e->{stack}));
	my @functions = map { $_->{function} // '' } @{ $x->{frames} };
	is_deeply([ @functions[-2, -1] ], [qw(handleThrow explode)],
		  "$name: ERROR: frames parsed from exception.stacktrace, the thrower last")
		or diag('functions: ' . json_bytes(\@functions));
	my $frame = $x->{frames}[-1] || {};
	like($frame->{filename} // $frame->{abs_path} // $frame->{file} // $frame->{module} // '', qr/client\.js\z/,
	     "$name: ERROR: the frame names its file");
	ok(($frame->{lineno} // $frame->{line} // 0) > 0, "$name: ERROR: and its line");
	is(ref $e->{tags} eq 'HASH' && $e->{tags}{trace_id}, $throw->{trace_id},
	   "$name: ERROR: trace_id among the tags, the span's it was logged in")
		or diag('tags: ' . json_bytes($e->{tags}));
	is(ref $e->{tags} eq 'HASH' && $e->{tags}{'service.name'}, $service_name,
	   "$name: ERROR: the resource's service.name among the tags");
	is(ref $e->{tags} eq 'HASH' && $e->{tags}{component}, 'checkout', "$name: ERROR: the record's attributes among the tags");
	is($e->{environment}, 'otel-test', "$name: ERROR: environment from the resource's deployment.environment");
	is($e->{release}, "3.1.$round", "$name: ERROR: release from the resource's service.version");
	ok(is_rfc3339_z($e->{occurred_at}) && abs((ts_usec($e->{occurred_at}) // 0) - now_usec()) < 600_000_000,
	   "$name: ERROR: occurred_at is the record's time") or diag("occurred_at: " . ($e->{occurred_at} // 'none'));
	ok($e->{issue_id}, "$name: ERROR: the event has an issue");
	my $issue = req('GET', "/apps/$app->{id}/issues/" . ($e->{issue_id} // 0))->{json} || {};
	like($issue->{culprit} // '', qr/\bexplode\b/, "$name: ERROR: the issue's culprit is the throwing function")
		or diag('issue title ' . ($issue->{title} // 'none') . ', culprit ' . ($issue->{culprit} // 'null'));
	for ([ 'INFO', 'INFO', "served 4 requests ($marker)" ],
	     [ 'WARN', 'WARNING', "checkout slower than usual ($marker)" ]) {
		my ($severity, $level, $body) = @$_;
		my $ev = $event->($body);
		is($ev->{message}, $body, "$name: the $severity record is an event, its body the message");
		is($ev->{level}, $level, "$name: $severity: level $level");
		is($ev->{stack}, undef, "$name: $severity: no stack");
		is(ref $ev->{tags} eq 'HASH' && $ev->{tags}{component}, 'checkout', "$name: $severity: its attributes among the tags");
		ok($ev->{issue_id}, "$name: $severity: the event has an issue");
	}
}

done_testing();
