#!/usr/bin/perl
# The large values of events and request logs are compressed with lz4 where
# the server has it (sql/030_lz4_values.sql): a Sentry event's stack and
# context, a log's body, in the partitions made before the migration and in
# those partition_add makes after it; with pglz, PostgreSQL's default, on a
# server without lz4. Either way the values read back whole.
use strict;
use warnings;
use Test::More;
use Telltale;

my ($has_lz4) = @{ db_query("SELECT 'lz4' = ANY (enumvals) FROM pg_settings"
			    . " WHERE name = 'default_toast_compression'") };
my $expected = $has_lz4->[0] eq 't' ? 'lz4' : 'pglz';
note("the server offers lz4: $has_lz4->[0]; expecting $expected");

# A stack and breadcrumbs long enough to be compressed (past 2 kB).
my @frames = map { { filename => "app/step_$_.py", function => "step_$_", lineno => $_,
		     context_line => "    return step_" . ($_ + 1) . "(request)",
		     pre_context => [ map { "    v$_ = compute($_)" } 1 .. 5 ] } } 1 .. 40;
my @crumbs = map { { category => 'query', message => "SELECT * FROM orders WHERE id = $_" } } 1 .. 60;
my $app = new_app('compression');
my $id = new_event_id();
my $res = sentry_post($app, 'store', json_bytes({
	event_id => $id, level => 'error', message => 'compressed',
	exception => { values => [ { type => 'KeyError', value => 'x', stacktrace => { frames => \@frames } } ] },
	breadcrumbs => { values => \@crumbs } }));
is(sentry_accepted($res, 'a large Sentry event is stored'), $id, 'with its id');

my ($event) = @{ db_query("SELECT pg_column_compression(stack), pg_column_compression(context),"
			  . " json_array_length(stack->'values'->0->'stacktrace'->'frames'),"
			  . " json_array_length(context->'breadcrumbs'->'values')"
			  . " FROM events WHERE application_id = $app->{id}") };
is($event->[0], $expected, "its stack is compressed with $expected");
is($event->[1], $expected, "its context is compressed with $expected");
is($event->[2], 40, 'the stack reads back whole (40 frames)');
is($event->[3], 60, 'the breadcrumbs read back whole (60)');

my $service = new_service('compression');
my $key = new_key($service);
my $body = join ',', map { qq({"line":$_,"item":"order-$_"}) } 1 .. 200;
$res = ingest_log($key->{raw_key}, log_ev(request_body => "[$body]"));
is($res->{status}, 201, 'a log with a 6 kB body is stored');
my ($log) = @{ db_query("SELECT pg_column_compression(request_body), length(request_body)"
			. " FROM logs WHERE service_id = '$service->{id}'") };
is($log->[0], $expected, "its body is compressed with $expected");
is($log->[1], length("[$body]"), 'and reads back whole');

# A partition made now (far ahead, dropped again) takes the setting.
my $day = '2099-01-01';
my ($made) = @{ db_query("SELECT partition_add('events', '$day')") };
is($made->[0], 't', 'partition_add makes a partition of events');
my ($columns) = @{ db_query("SELECT string_agg(DISTINCT CASE attcompression WHEN 'l' THEN 'lz4'"
			    . " WHEN 'p' THEN 'pglz' ELSE 'default' END, ',')"
			    . " FROM pg_attribute WHERE attrelid = 'events_p20990101'::regclass"
			    . " AND attname IN ('stack', 'context', 'tags', 'message')") };
is($columns->[0], $expected eq 'lz4' ? 'lz4' : 'default', "its large columns take $expected");
db_query("DROP TABLE events_p20990101");

is(req('DELETE', "/apps/$app->{id}")->{status}, 204, 'the application is deleted');
is(req('DELETE', "/v1/services/$service->{id}")->{status}, 204, 'the service is deleted');

done_testing;
