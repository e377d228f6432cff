#!/usr/bin/perl
# An issue's events are read from every partition of events: nothing in the
# statement bounds received_at by a constant. A plan made for a request's
# values cannot leave a partition out, and reads the statistics and indexes of
# all of them: 26 ms with 99 partitions, against 1.5 ms to run the plan.
# PostgreSQL kept to plans of that kind whenever the statistics of the day's
# partition made its generic plan look dearer. The worker's statement reads
# through issue_events_page (sql/034), whose query keeps the generic plan.
#
# The test runs the worker's own statement (`telltale-worker --statement`),
# prepared, eight times in one session, with auto_explain reporting the plans
# of the statements inside it. Each plan of the events query must be the
# generic one (its conditions name parameters, not this request's values),
# and the answers must be the issue's events, newest first, past the cursor.
use strict;
use warnings;

use File::Temp ();
use Test::More;
use Telltale;
use Telltale::DB qw(database_url);

my $app = new_app('issue-events-plan');
my @ids = map { ingest($app, ev(message => 'plan me'))->{json}{id} } 1 .. 3;
ok(!grep({ !$_ } @ids), 'three events stored') or BAIL_OUT('cannot ingest');
my ($issue) = @{ db_query("SELECT DISTINCT issue_id FROM events WHERE id IN (" . join(',', @ids) . ")") };
is(scalar @$issue, 1, 'in one issue') or BAIL_OUT('the events did not group');
$issue = $issue->[0];

my ($pid) = worker_pids();
ok($pid, "a worker runs (pid $pid)") or BAIL_OUT('no worker to read statements from');
my $sql = `@{[ readlink "/proc/$pid/exe" ]} --statement issues_events`;
like($sql, qr/\bissue_events_page\(/, 'the worker reads through issue_events_page');

# Eight calls, the first page and the pages after each event, alternately.
my @calls = map { $_ % 2 ? [ 0, 4 ] : [ $ids[-1], 2 ] } 1 .. 8;
my $script = File::Temp->new(TEMPLATE => 'telltale-plan-XXXXXX', TMPDIR => 1);
print $script "LOAD 'auto_explain';\n",
	"SET auto_explain.log_min_duration = 0;\n",
	"SET auto_explain.log_nested_statements = on;\n",
	"SET auto_explain.log_level = notice;\n",
	"PREPARE q(bigint, bigint, bigint, bigint) AS $sql;\n",
	map { "EXECUTE q($app->{id}, $issue, $_->[0], $_->[1]);\n" } @calls;
close $script;
my $conninfo = database_url('t/0745');
my $out = `psql -X -q -A -t -F ' ' -v ON_ERROR_STOP=1 -d '$conninfo' -f @{[ $script->filename ]} 2>&1`;
is($?, 0, 'the session ran') or diag($out);

my @plans = $out =~ /Query Text: SELECT \* FROM events e.*?(?=NOTICE:|\z)/gs;
is(scalar @plans, scalar @calls, 'each call planned or ran the events query once') or diag($out);
my @generic = grep { /issue_id = \$\d+/ && !/issue_id = '?$issue'?/ } @plans;
is(scalar @generic, scalar @calls, '  each time with the generic plan') or diag(join("\n", @plans));

my @pages = map { [ split / / ] } grep { /^\d+ / } split /\n/, $out;
my @newest = map { $_->[0] } @pages[0 .. 2];
is_deeply(\@newest, [ reverse @ids ], 'the first page: the issue\'s events, newest first');
is_deeply([ map { $_->[0] } @pages[3 .. 4] ], [ reverse @ids[0 .. 1] ],
	  'a page past the newest: the two before it');

# The route answers the same.
is_deeply([ map { $_->{id} } @{ req('GET', "/apps/$app->{id}/issues/$issue/events")->{json}{items} } ],
	  [ reverse @ids ], 'GET .../issues/{id}/events lists them, newest first');

done_testing();
