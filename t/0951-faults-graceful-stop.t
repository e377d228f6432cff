#!/usr/bin/perl
# A graceful stop under load truncates no response (issue 8). On a second stack
# of its own (a temporary STATE_DIR with its own cluster, a free port, 2
# workers, the worker binary of the stack under test), 6 clients ingest single
# events with unique event_ids, each request on a fresh connection, while
# `./stack down` runs. Every answer that came is a whole HTTP response (status
# line, headers and exactly Content-Length bytes of JSON), and every event
# answered 201 is in the database afterwards (read with psql once
# `./stack db start` has started the cluster again).
# The second stack is stopped whatever happens; its directory is removed, or
# kept (stopped) when something failed. About 20 s.
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time sleep);
use List::Util qw(min);
use Telltale;

my %env = second_stack_env('stop',
			   # No rate limit to mind: this is about stopping.
			   TELLTALE_INGEST_RATE => 100000, TELLTALE_INGEST_BURST => 100000);
my ($state, $port, $worker) = @env{qw(STATE_DIR PORT TELLTALE_WORKER)};
my $running = 0;    # something of the second stack may run
second_stack_down_at_end(\%env, \$running, time_limit => 120);

sub describe {
	my ($r) = @_;
	return sprintf('c%d#%d: %s after %.2f s, %d bytes%s%s%s', $r->{client}, $r->{seq},
		       $r->{status} || 'no status', $r->{t1} - $r->{t0}, $r->{bytes},
		       $r->{complete} ? '' : ' (incomplete)', $r->{error} ? " [$r->{error}]" : '',
		       defined $r->{body} ? ' ' . substr($r->{body}, 0, 120) : '');
}

$running = 1;
my ($rc, $out) = stack_at(\%env, 'up');
is($rc, 0, "a second stack comes up on port $port with 2 workers" . ($worker ? " ($worker)" : ''))
	or do { diag($out); done_testing; exit 1 };

my $created = new_app_at(\%env, "graceful-$$-" . time);
my $app = $created->{json};
is($created->{status}, 201, 'an app on the second stack') or do { done_testing; exit 1 };

my $load = load_ingest_start(host => '127.0.0.1', port => $port, clients => 6, secs => 60, timeout => 30,
			     app => $app, label => 'graceful');
sleep 1.5;
my $t_down = time;
($rc, $out) = stack_at(\%env, 'down');
my $t_stopped = time;
$running = 0 if $rc == 0;
my $done = load_stop($load);
my @res = @{ $done->{results} };

is($rc, 0, sprintf('./stack down under load succeeds (%.1f s)', $t_stopped - $t_down)) or diag($out);
is($done->{broken}, 0, 'the 6 clients ran to the end');
my @answered = grep { $_->{bytes} > 0 } @res;
my @created = grep { $_->{status} == 201 } @answered;
my @before = grep { $_->{status} == 201 && $_->{t1} < $t_down } @answered;
ok(@before >= 20, scalar(@before) . ' ingests answered 201 before the stop began');
my @during = grep { $_->{t0} >= $t_down && $_->{bytes} > 0 } @res;
my %errors;
$errors{ ($_->{error} // 'none') =~ s/:.*//r }++ for grep { !$_->{bytes} } @res;
note(sprintf('%d requests: %d answered (%d 201, %d begun after the stop began), %d without an answer (%s)',
	     scalar @res, scalar @answered, scalar @created, scalar @during, @res - @answered,
	     join(', ', map { "$_: $errors{$_}" } sort keys %errors) || '-'));

my ($last) = sort { $b->{t1} <=> $a->{t1} } @answered;
my ($refused) = sort { $a->{t0} <=> $b->{t0} } grep { ($_->{error} // '') =~ /^connect/ && $_->{t0} >= $t_down } @res;
note(sprintf('the last answer came %.2f s after ./stack down began; connections were refused from %.2f s on',
	     $last ? $last->{t1} - $t_down : -1, $refused ? $refused->{t0} - $t_down : -1));

my @cut = grep { !$_->{complete} } @answered;
ok(!@cut, 'every response that came is complete (status line, headers, Content-Length bytes)')
	or diag(join("\n", map { describe($_) } @cut[0 .. min(14, $#cut)]));
my @not_json = grep { $_->{complete} && !($_->{json} && ($_->{content_type} // '') =~ m{^application/json}i) } @answered;
ok(!@not_json, 'and a JSON body') or diag(join("\n", map { describe($_) } @not_json[0 .. min(14, $#not_json)]));
my @not_201 = grep { $_->{status} != 201 } @answered;
ok(!@not_201, 'every request the stack took was served: 201')
	or diag(join("\n", map { describe($_) } @not_201[0 .. min(14, $#not_201)]));
ok(!(grep { $_->{t0} > $t_stopped && $_->{bytes} } @res), 'nothing answers once ./stack down has returned');

# Every acknowledged event is in the database.
$running = 1;
($rc, $out) = stack_at(\%env, 'db', 'start');
is($rc, 0, './stack db start on the second stack') or diag($out);
my $conninfo = do { open my $fh, '<', "$state/run/database_url"; local $/; <$fh> } // '';
chomp $conninfo;
my $rows = psql_at($conninfo,
		   "SELECT replace(event_id::text, '-', ''), id FROM events WHERE application_id = $app->{id}");
ok($rows, 'the events are read with psql') or diag("psql with '$conninfo' failed");
my %stored = map { $_->[0] => $_->[1] } @{ $rows || [] };
my @missing = grep { !defined $stored{ $_->{event_id} } || $stored{ $_->{event_id} } != ($_->{id} // -1) } @created;
ok(!@missing, sprintf('all %d acknowledged events are stored under their ids (%d stored)',
		      scalar @created, scalar keys %stored))
	or diag(join("\n", map { describe($_) . " $_->{event_id}" } @missing[0 .. min(14, $#missing)]));
my %sent = map { $_->{event_id} => 1 } @res;
my @phantom = grep { !$sent{$_} } keys %stored;
ok(!@phantom, 'nothing is stored that was not sent') or diag("@phantom[0 .. min(9, $#phantom)]");

($rc, $out) = stack_at(\%env, 'down');
is($rc, 0, 'the second stack is stopped') or diag($out);
$running = 0 if $rc == 0;

# Nothing alarming in its logs (t/stack-test's clean-log check): no nginx
# alert, no sanitizer report or crash, no process death (multiwatch logs one as
# "Child[N] died").
my @alarming = log_alarms($state);
ok(!@alarming, 'no alert, crash or process death in its logs') or diag(join('', @alarming[0 .. min(9, $#alarming)]));

done_testing;
