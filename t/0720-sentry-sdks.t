#!/usr/bin/perl
# Real Sentry SDKs, unmodified, report into the stack with the DSN
# http://<ingest_key>@<host>:<port>/<app_id>, and their events are read back
# through /apps: Debian's python3-sentry-sdk (t/sentry/python_client.py) and
# npm's @sentry/node (t/sentry/node_client.js, installed by `npm ci` in
# t/sentry). A missing SDK is a failure, not a skip: ./stack installs both.
use strict;
use warnings;
use Test::More;
use Telltale;

my $root = $ENV{TELLTALE_ROOT} or BAIL_OUT('TELLTALE_ROOT is not set');
my $dir = "$root/t/sentry";

# Runs a client; returns its JSON report, or undef after a failed assertion.
sub run_client {
	my ($what, @cmd) = @_;
	my $pid = open(my $fh, '-|') // die "fork: $!";
	if (!$pid) {
		open STDERR, '>&', \*STDOUT;
		exec @cmd or do { print "cannot run $cmd[0]: $!\n"; exit 127 };
	}
	local $/;
	my $out = <$fh> // '';
	close $fh;
	my $rc = $? >> 8;
	my ($line) = $out =~ /^(\{"ids".*)$/m;
	my $report = $line ? eval { JSON::PP->new->decode($line) } : undef;
	ok($rc == 0 && $report, "$what ran and reported") or diag("exit $rc:\n$out");
	return $report;
}

# Every request the SDK made was answered 200.
sub all_accepted {
	my ($what, $report) = @_;
	my @st = @{ $report->{statuses} || [] };
	ok(@st && !grep({ ($_->[1] // '') ne '200' } @st), "$what: every request it sent was answered 200")
		or diag(json_bytes(\@st));
}

sub by_id {
	my ($app) = @_;
	return { map { ($_->{event_id} // '') => $_ } events_of($app) };
}

# The function names of the frames of the last exception value, innermost last.
sub functions {
	my ($e) = @_;
	my $values = $e->{stack}{values} || [];
	return [ map { $_->{function} // '' } @{ $values->[-1]{stacktrace}{frames} || [] } ];
}

# How the SDK's events were grouped into issues (docs/api.md, "Error issues"),
# and what the event kept as its context.
sub grouping_ok {
	my ($sdk, $events, $ids) = @_;
	my %issue = map { $_ => ($events->{ $ids->{$_} // '' } || {})->{issue_id} } keys %$ids;
	ok($issue{exception}, "$sdk: its events have issues");
	is($issue{exception_again}, $issue{exception}, "$sdk: the same exception raised twice from one place: one issue");
	isnt($issue{elsewhere}, $issue{exception}, "$sdk: from another place: another issue");
	is($issue{order_b}, $issue{order_a}, "$sdk: messages differing only in numbers: one issue");
	is($issue{custom_b}, $issue{custom_a}, "$sdk: a custom fingerprint groups different messages");
	isnt($issue{custom_a}, $issue{order_a}, "$sdk: and only those");
	my $custom = $events->{ $ids->{custom_a} // '' } || {};
	is($custom->{release} // '', $custom->{tags}{release} // 'none', "$sdk: the event's release is kept");
	is($custom->{environment} // '', $custom->{tags}{environment} // 'none', "$sdk: and its environment");
	is($custom->{context}{extra}{api_token}, '***MASKED***', "$sdk: a token in extra is masked in the context");
	is($custom->{context}{user}{id}, 'u-1', "$sdk: the user is kept in the context");
	my $issue = req('GET', "/apps/$custom->{application_id}/issues/" . ($issue{exception} // 0))->{json} || {};
	like($issue->{culprit} // '', qr/\binner\b/, "$sdk: the culprit is the innermost in-app frame's function")
		or diag(json_bytes($issue));
}

# An issue's status through the SDK's own releases: @run runs the client for
# one exception from a release (the same place as its first run's).
sub regressions_ok {
	my ($sdk, $app, $issue, @run) = @_;
	my $status = sub { req('GET', "/apps/$app->{id}/issues/$issue")->{json}{status} // '' };
	my $patch = sub { req('PATCH', "/apps/$app->{id}/issues/$issue", json => {@_})->{status} };
	my $from = sub {
		my ($release) = @_;
		my $report = run_client("$sdk, release $release", @run, $release) || {};
		my $ev = (grep { ($_->{event_id} // '') eq ($report->{ids}{exception} // '-') } events_of($app))[0] || {};
		is($ev->{issue_id}, $issue, "$sdk: the exception from release $release lands in the issue");
	};
	$from->('1.9');
	is($patch->(status => 'resolved'), 200, "$sdk: resolve the issue");
	$from->('2.0');
	is($status->(), 'unresolved', "$sdk: a new event reopens it");
	# The rollup records a release within a second of its first event.
	my $resolved;
	wait_for(10, sub { ($resolved = $patch->(status => 'resolved', resolved_in_release => '2.0')) == 200 });
	is($resolved, 200, "$sdk: resolve it in release 2.0");
	$from->('1.9');
	is($status->(), 'resolved', "$sdk: an event from 1.9 leaves it resolved");
	$from->('2.1');
	is($status->(), 'unresolved', "$sdk: one from 2.1 reopens it");
}

# --- python3-sentry-sdk ---------------------------------------------------------------

{
	my $app = new_app('sdk-python');
	my $marker = "py$$" . "t" . time;
	my $python = '/usr/bin/python3';    # Debian's: the package installs there
	ok(-x $python, 'Debian\'s /usr/bin/python3 is there (./stack installs python3-sentry-sdk)');
	my $report = run_client('python3-sentry-sdk', $python, "$dir/python_client.py", sentry_dsn($app), $marker);
	note("python3-sentry-sdk $report->{sdk}") if $report;
	all_accepted('python3-sentry-sdk', $report || {});
	my $ids = $report ? $report->{ids} : {};
	my $events = by_id($app);
	is(scalar keys %$events, 9, 'nine events stored (the session envelope stored nothing)');
	grouping_ok('python3-sentry-sdk', $events, $ids);

	my $m = $events->{ $ids->{message} // '' } || {};
	is($m->{level}, 'WARNING', 'capture_message: level');
	is($m->{message}, "python message $marker", 'capture_message: message');
	is_deeply($m->{tags}, { runner => 'python', marker => $marker, environment => 'py-test',
				release => 'py-app@1.2.3', server_name => 'py-host', platform => 'python',
				'sdk.name' => 'sentry.python' }, 'capture_message: tags, release, environment, server_name, sdk');
	ok(is_rfc3339_z($m->{occurred_at}) && abs((ts_usec($m->{occurred_at}) // 0) - now_usec()) < 600_000_000,
	   'capture_message: occurred_at is the SDK\'s timestamp');

	my $x = $events->{ $ids->{exception} // '' } || {};
	is($x->{level}, 'ERROR', 'capture_exception: level');
	is($x->{message}, "ValueError: python exception $marker", 'capture_exception: "type: value"');
	my $f = functions($x);
	is_deeply([ @$f[-3 .. -1] ], [qw(main outer inner)], 'capture_exception: the frames, innermost last')
		or diag(json_bytes($f));
	my $frame = $x->{stack}{values}[-1]{stacktrace}{frames}[-1] || {};
	like($frame->{filename} // '', qr/python_client\.py\z/, 'a frame names its file');
	ok(($frame->{lineno} // 0) > 0, 'and its line');
	is($x->{tags}{release}, 'py-app@1.2.3', 'capture_exception: release');
	is($x->{tags}{environment}, 'py-test', 'capture_exception: environment');

	my $c = $events->{ $ids->{chained} // '' } || {};
	is($c->{message}, "RuntimeError: python chained $marker", 'a chained exception: the last value names it');
	is_deeply([ map { $_->{type} } @{ $c->{stack}{values} || [] } ], [qw(KeyError RuntimeError)],
		  'a chained exception: both values, cause first');
	regressions_ok('python3-sentry-sdk', $app, $x->{issue_id} // 0, $python, "$dir/python_client.py",
		       sentry_dsn($app), $marker);
}

# --- @sentry/node ------------------------------------------------------------------------

{
	my $app = new_app('sdk-node');
	my $marker = "node$$" . "t" . time;
	my $node = (grep { -x } map { "$_/node" } split /:/, $ENV{PATH} // '')[0] // 'node';
	ok(-x $node, 'node is installed (./stack installs nodejs)');
	ok(-d "$dir/node_modules/\@sentry/node", '@sentry/node is installed (./stack runs npm ci in t/sentry)');
	my $report = run_client('@sentry/node', $node, "$dir/node_client.js", sentry_dsn($app), $marker);
	note("\@sentry/node $report->{sdk}") if $report;
	all_accepted('@sentry/node', $report || {});
	my $ids = $report ? $report->{ids} : {};
	my $events = by_id($app);
	is(scalar keys %$events, 8, 'eight events stored (session envelopes stored nothing)');
	grouping_ok('@sentry/node', $events, $ids);

	my $m = $events->{ $ids->{message} // '' } || {};
	is($m->{level}, 'WARNING', 'captureMessage: level');
	is($m->{message}, "node message $marker", 'captureMessage: message');
	is_deeply($m->{tags}, { runner => 'node', marker => $marker, environment => 'node-test',
				release => 'node-app@2.0.0', server_name => 'node-host', platform => 'node',
				'sdk.name' => 'sentry.javascript.node' }, 'captureMessage: tags, release, environment, server_name, sdk');

	my $x = $events->{ $ids->{exception} // '' } || {};
	is($x->{level}, 'ERROR', 'captureException: level');
	is($x->{message}, "TypeError: node exception $marker", 'captureException: "type: value"');
	my $f = functions($x);
	is_deeply([ @$f[-2, -1] ], [qw(outer inner)], 'captureException: the frames, innermost last')
		or diag(json_bytes($f));
	like($x->{stack}{values}[-1]{stacktrace}{frames}[-1]{filename} // '', qr/node_client\.js\z/,
	     'a frame names its file');
	is($x->{tags}{release}, 'node-app@2.0.0', 'captureException: release');
	regressions_ok('@sentry/node', $app, $x->{issue_id} // 0, $node, "$dir/node_client.js", sentry_dsn($app),
		       $marker);
}

done_testing();
