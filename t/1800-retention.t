#!/usr/bin/perl
# Retention and time partitions (docs/operations.md, "Retention"): events and
# request logs live in day partitions made ahead by telltale-maintain;
# retention_days of an application or service (1-3650) hides what is older
# at once and deletes it in batches; a partition older than every tenant's
# retention is detached and dropped whole. The migration turns a populated
# database's tables into partitions without losing or changing a row.
use strict;
use warnings;
use Test::More;
use File::Basename qw(dirname);
use File::Copy qw(copy);
use File::Temp qw(tempdir);
use POSIX ();
use Telltale;
use Telltale::DB qw(database_url);

my $tag = "ret$$-" . time();
my $root = $ENV{TELLTALE_ROOT};

# --- retention_days in APP and SERVICE ------------------------------------------------
my $app = new_app("keep-$tag");
is($app->{retention_days}, 90, 'a new application keeps its events 90 days');
my $res = req('POST', "/apps/short-$tag", json => { retention_days => 1 });
is($res->{status}, 201, 'POST /apps/{name} takes {"retention_days"}') or diag($res->{body});
my $short = $res->{json};
is($short->{retention_days}, 1, '  and keeps it');
ok($short->{ingest_key}, '  and shows the new key');
$res = req('PATCH', "/apps/$app->{id}", json => { retention_days => 120 });
is($res->{json}{retention_days}, 120, 'PATCH /apps/{id} changes retention_days') or diag($res->{body});
is(req('GET', "/apps/$app->{id}")->{json}{retention_days}, 120, '  and GET shows it');

my $svc = new_service("keep-$tag");
is($svc->{retention_days}, 30, 'a new service keeps its logs 30 days');
my $svc_short = new_service("short-$tag", retention_days => 1);
is($svc_short->{retention_days}, 1, 'POST /v1/services takes retention_days');
$res = req('PATCH', "/v1/services/$svc->{id}", json => { retention_days => 45 });
is($res->{json}{retention_days}, 45, 'PATCH /v1/services/{id} changes retention_days') or diag($res->{body});
$res = req('PATCH', "/v1/services/$svc->{id}", json => { mask_fields => ['card'] });
is_deeply([ $res->{json}{retention_days}, $res->{json}{mask_fields} ], [ 45, ['card'] ],
	  'a PATCH of mask_fields alone keeps retention_days');

# --- hostile retention_days -------------------------------------------------------------
my @bad = (0, 3651, -1, 1.5, '30', undef, JSON::PP::true, [30], 1e30, 9223372036854775807);
for my $i (0 .. $#bad) {
	my $what = defined $bad[$i] ? (ref $bad[$i] ? json_bytes($bad[$i]) : "$bad[$i]") : 'null';
	my $name = "bad-$tag-$i";
	error_ok(req('POST', "/apps/$name", json => { retention_days => $bad[$i] }), 422, 'VALIDATION',
		 'retention_days', "POST /apps with retention_days $what: 422");
	error_ok(req('POST', '/v1/services', json => { name => $name, retention_days => $bad[$i] }), 422,
		 'VALIDATION', 'retention_days', "POST /v1/services with retention_days $what: 422");
	is(db_query("SELECT (SELECT count(*) FROM applications WHERE name = '$name')"
		    . " + (SELECT count(*) FROM services WHERE name = '$name')")->[0][0], 0, '  nothing stored');
	error_ok(req('PATCH', "/apps/$app->{id}", json => { retention_days => $bad[$i], mask_fields => ['x'] }),
		 422, 'VALIDATION', 'retention_days', "PATCH /apps/{id} with retention_days $what: 422");
	error_ok(req('PATCH', "/v1/services/$svc->{id}", json => { retention_days => $bad[$i] }), 422,
		 'VALIDATION', 'retention_days', "PATCH /v1/services/{id} with retention_days $what: 422");
}
is_deeply(db_query("SELECT a.retention_days, a.mask_fields::text, s.retention_days FROM applications a,"
		   . " services s WHERE a.id = $app->{id} AND s.id = '$svc->{id}'"),
	  [[ 120, '{}', 45 ]], 'no refused PATCH changed anything');
$res = req('POST', "/apps/notjson-$tag", body => 'retention_days=5',
	   headers => { 'Content-Type' => 'application/json' });
ok($res->{status} >= 400 && $res->{status} < 500, "POST /apps/{name} with a body that is not JSON: $res->{status}");
error_ok(req('POST', "/apps/array-$tag", json => [1]), 422, 'VALIDATION', undef,
	 'POST /apps/{name} with a body that is not an object: 422');
is(db_query("SELECT count(*) FROM applications WHERE name IN ('notjson-$tag', 'array-$tag')")->[0][0], 0,
   '  nothing stored');
error_ok(req('PATCH', "/apps/$app->{id}", json => {}), 422, 'VALIDATION', undef,
	 'PATCH /apps/{id} with nothing to change: 422');

# --- partitions ---------------------------------------------------------------------------
is_deeply(db_query("SELECT relname, relkind FROM pg_class WHERE relname IN ('events', 'logs') ORDER BY 1"),
	  [[ 'events', 'p' ], [ 'logs', 'p' ]], 'events and logs are partitioned tables');
my $ahead = db_query("SELECT parent, count(*) FROM partition_ranges WHERE lo >= day_floor(now())"
		     . " GROUP BY 1 ORDER BY 1");
ok(@$ahead == 2 && $ahead->[0][1] >= 7 && $ahead->[1][1] >= 7,
   'each has a day partition for each of the next 7 days at least')
	or diag(explain $ahead);
is_deeply(db_query("SELECT count(*) FROM pg_partitioned_table WHERE partdefid <> 0"), [[0]],
	  'neither has a DEFAULT partition, which would forbid detaching CONCURRENTLY');

# --- past a tenant's retention: hidden, then deleted --------------------------------------
my $eid_short = sprintf('%032x', $$ * 1000 + 1);
my $eid_keep = sprintf('%032x', $$ * 1000 + 2);
my $old_short = ingest($short, ev(message => "old-$tag", event_id => $eid_short))->{json}{id};
my $new_short = ingest($short, ev(message => "new-$tag"))->{json}{id};
my $old_keep = ingest($app, ev(message => "old-$tag", event_id => $eid_keep))->{json}{id};
ok($old_short && $new_short && $old_keep, 'events stored') or BAIL_OUT('cannot ingest');
# Two days back: past the short application's day, within the other's 120.
db_query("UPDATE events SET received_at = now() - interval '2 days' WHERE id IN ($old_short, $old_keep);"
	 . " UPDATE event_ids SET received_at = now() - interval '2 days' WHERE id IN ($old_short, $old_keep)");
is_deeply([ map { $_->{id} } @{ req('GET', "/apps/$short->{id}/events")->{json}{items} } ], [$new_short],
	  'an event past its application\'s retention is not listed');
error_ok(req('GET', "/apps/$short->{id}/events/$old_short"), 404, 'NOT_FOUND', undef, '  nor read');
my $old_issue = db_query("SELECT issue_id FROM events WHERE id = $old_short")->[0][0];
my $same = ingest($short, ev(message => "old-$tag"))->{json}{id};
is_deeply([ map { $_->{id} } @{ req('GET', "/apps/$short->{id}/issues/$old_issue/events")->{json}{items} } ],
	  [$same], '  nor listed among its issue\'s events');
is(req('GET', "/apps/$app->{id}/events/$old_keep")->{status}, 200,
   'an event as old within its own application\'s retention is read');
ok(wait_for(30, sub { db_query("SELECT count(*) FROM events WHERE id = $old_short")->[0][0] == 0 }),
   'telltale-maintain deletes the expired event');
is_deeply(db_query("SELECT count(*) FROM event_ids WHERE application_id = $short->{id}"), [[0]],
	  '  and its event_id');
is_deeply(db_query("SELECT count(*) FROM events WHERE id IN ($new_short, $old_keep)"), [[2]],
	  '  and nothing else');
# The kept event sits in an older partition than today's: its event_id still
# names it.
$res = ingest($app, ev(message => "retry-$tag", event_id => $eid_keep));
is($res->{status}, 200, 'an event_id stored two days ago is still known');
is($res->{json}{id}, $old_keep, '  and answers the stored event');
is(db_query("SELECT count(*) FROM events WHERE application_id = $app->{id}")->[0][0], 1, '  storing nothing');

my $skey = new_key($svc_short)->{raw_key};
my $kkey = new_key($svc)->{raw_key};
my $old_log = ingest_log($skey, log_ev(path => "/old-$tag"))->{json}{id};
my $new_log = ingest_log($skey, log_ev(path => "/new-$tag"))->{json}{id};
my $kept_log = ingest_log($kkey, log_ev(path => "/old-$tag"))->{json}{id};
ok($old_log && $new_log && $kept_log, 'logs stored') or BAIL_OUT('cannot ingest logs');
db_query("UPDATE logs SET received_at = now() - interval '2 days' WHERE id IN ('$old_log', '$kept_log');"
	 . " INSERT INTO replays (log_id, service_id, status, latency_ms) SELECT id, service_id, 'success', 1 FROM logs WHERE id IN ('$old_log', '$kept_log')");
is_deeply([ map { $_->{id} } @{ req('GET', "/v1/logs?service_id=$svc_short->{id}")->{json}{items} } ], [$new_log],
	  'a log past its service\'s retention is not listed');
is_deeply([ grep { $_ eq $old_log } map { $_->{id} } @{ req('GET', "/v1/logs?limit=500")->{json}{items} } ], [],
	  '  nor listed with every service\'s');
error_ok(req('GET', "/v1/logs/$old_log"), 404, 'NOT_FOUND', undef, '  nor read');
is(req('GET', "/v1/logs/$old_log/replays")->{status}, 404, '  nor its replays');
is(req('GET', "/v1/logs/$kept_log")->{status}, 200, 'a log as old within its service\'s retention is read');
ok(wait_for(30, sub { db_query("SELECT count(*) FROM logs WHERE id = '$old_log'")->[0][0] == 0 }),
   'telltale-maintain deletes the expired log');
is_deeply(db_query("SELECT log_id FROM replays WHERE log_id IN ('$old_log', '$kept_log')"), [[$kept_log]],
	  '  with its replays, and only those');

# --- scratch databases on the stack's cluster ----------------------------------------------
my $base = database_url('t/1800');
my @scratch;
END { db_query("DROP DATABASE IF EXISTS $_ WITH (FORCE)") for @scratch }

# A new database named $name (dropped at the end), migrated by the files of
# $dir; returns its conninfo.
sub scratch_db {
	my ($name, $dir) = @_;
	db_query("DROP DATABASE IF EXISTS $name WITH (FORCE)");
	db_query("CREATE DATABASE $name");
	push @scratch, $name;
	my $url = $base =~ s/\bdbname=\S+/dbname=$name/r;
	my $out = `"$dir/migrate" "$url" 2>&1`;
	is($?, 0, "migrations applied to $name") or diag($out);
	return $url;
}

sub at {
	my ($url, $sql) = @_;
	my $rows = psql_at($url, $sql);
	defined $rows or die "psql failed: $sql\n";
	return $rows;
}

# A directory of sql/migrate and the migrations numbered below $upto: the
# schema as it was before migration $upto.
sub migrations_before {
	my ($upto) = @_;
	my $dir = tempdir(CLEANUP => 1);
	for my $f (glob "$root/sql/0*.sql") {
		my ($n) = $f =~ m{/(\d{3})_[^/]*$};
		copy($f, $dir) or die "copy $f: $!" if $n < $upto;
	}
	copy("$root/sql/migrate", "$dir/migrate") && chmod(0755, "$dir/migrate") or die "copy migrate: $!";
	return $dir;
}

# --- a populated database, upgraded -------------------------------------------------------
my $up = scratch_db("tt_upgrade_$$", migrations_before(25));
at($up, <<'SQL');
INSERT INTO applications (name, ingest_key_sha256, ingest_key_prefix)
VALUES ('a', repeat('a', 64), 'aaaaaaaa'), ('b', repeat('b', 64), 'bbbbbbbb');
INSERT INTO events (application_id, event_id, occurred_at, received_at, level, message, tags)
SELECT 1 + i % 2, CASE WHEN i % 3 = 0 THEN md5(i::text)::uuid END, now() - i * interval '61 seconds',
       now() - i * interval '1 minute', 'ERROR', 'message ' || i % 7, jsonb_build_object('i', i)
  FROM generate_series(1, 3000) i;
INSERT INTO services (name) VALUES ('s');
INSERT INTO alerts (service_id, name, condition_field, condition_operator, condition_value)
SELECT id, 'errors', 'status_code', '>=', '500' FROM services;
INSERT INTO logs (service_id, method, url, path, status_code, latency_ms, received_at, tags)
SELECT s.id, 'GET', 'http://x/' || i, '/' || i, CASE WHEN i % 10 = 0 THEN 500 ELSE 200 END, i,
       now() - i * interval '1 minute', ARRAY['t' || i % 3]
  FROM services s, generate_series(1, 3000) i;
INSERT INTO replays (log_id, status, latency_ms) SELECT id, 'success', 1 FROM logs WHERE latency_ms < 20;
SQL
my $print = "SELECT (SELECT count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY id)) FROM events t),"
	. " (SELECT count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY id)) FROM logs t),"
	. " (SELECT count(*) || ' ' || md5(string_agg((t.id, t.log_id, t.status, t.latency_ms, t.created_at)::text,"
	. "  ',' ORDER BY id)) FROM replays t),"
	. " (SELECT count(*) || ' ' || md5(string_agg(t.log_id::text, ',' ORDER BY t.log_id)) FROM alert_events t)";
my $was = at($up, $print);
like($was->[0][3], qr/^300 /, 'the populated database has 300 alert events of its logs');
my $out = `"$root/sql/migrate" "$up" 2>&1`;
is($?, 0, 'sql/025 upgrades it') or diag($out);
is_deeply(at($up, $print), $was, 'every event, log, replay and alert event is there, unchanged');
is_deeply(at($up, "SELECT count(*) FROM replays r JOIN logs l ON l.id = r.log_id AND l.service_id = r.service_id"),
	  [[ at($up, "SELECT count(*) FROM replays")->[0][0] ]], 'each replay carries its log\'s service');
is_deeply(at($up, "SELECT relkind FROM pg_class WHERE relname IN ('events', 'logs')"), [['p'], ['p']],
	  'events and logs are partitioned');
is_deeply(at($up, "SELECT (SELECT count(*) FROM events_before), (SELECT count(*) FROM logs_before)"),
	  [[ 3000, 3000 ]], 'the old tables are their first partitions, holding every row');
is_deeply(at($up, "SELECT count(*) FROM event_ids i JOIN events e USING (id)"
		  . " WHERE e.event_id = i.event_id AND e.application_id = i.application_id"), [[1000]],
	  'each event_id is in event_ids');
is_deeply(at($up, "WITH c AS (INSERT INTO event_ids (application_id, event_id, id)"
		  . " SELECT application_id, event_id, 0 FROM events WHERE event_id IS NOT NULL"
		  . " ON CONFLICT DO NOTHING RETURNING 1) SELECT count(*) FROM c"), [[0]],
	  '  and no stored event_id can be claimed again');
is_deeply(at($up, "INSERT INTO events (application_id, occurred_at, level, message)"
		  . " VALUES (1, now(), 'ERROR', 'after') RETURNING id"), [[3001]],
	  'a new event takes the next id');
is_deeply(at($up, "INSERT INTO logs (service_id, method, url, path, status_code)"
		  . " SELECT id, 'GET', 'http://x/', '/', 503 FROM services;"
		  . " SELECT count(*) FROM alert_events"), [[301]],
	  'a new log still fires its alert rule, once');
like(at($up, "SELECT count(*) FROM partition_ranges WHERE lo >= day_floor(now())")->[0][0], qr/^(1[4-9]|[2-9]\d)$/,
     'and partitions are made a week ahead for both tables');

# --- sql/033: stacks, contexts and exceptions kept as json ----------------------------------
# A database at sql/032, with an event's stack and context and its issue's
# exception as jsonb, upgraded: the values read back the same, as json, still
# compressed with the server's lz4 where it has it, in old partitions and new.
{
	my $js = scratch_db("tt_json_$$", migrations_before(33));
	# Stacks past the size the server compresses at (2 kB).
	my $frames = join ', ', map { qq({"function": "f$_", "lineno": $_}) } 1 .. 100;
	my $stack = qq({"values": [{"type": "KeyError", "stacktrace": {"frames": [$frames]}}]});
	at($js, <<"SQL");
INSERT INTO applications (name, ingest_key_sha256, ingest_key_prefix) VALUES ('a', repeat('a', 64), 'aaaaaaaa');
SELECT issue_for(1, 'fp', 'KeyError', 'f', 'ERROR', NULL, false);
UPDATE issues SET exception = '$stack';
INSERT INTO events (application_id, occurred_at, level, message, stack, context, issue_id)
SELECT 1, now(), 'ERROR', 'm' || i, '$stack',
       jsonb_build_object('user', jsonb_build_object('id', i), 'crumbs', (SELECT jsonb_agg(k) FROM generate_series(1, 1000) k)), 1
  FROM generate_series(1, 50) i;
SQL
	my $values = "SELECT md5(string_agg(stack::jsonb::text || context::jsonb::text, ',' ORDER BY id)),"
		. " (SELECT exception::jsonb::text FROM issues) FROM events";
	my $was = at($js, $values);
	my $out = `"$root/sql/migrate" "$js" 2>&1`;
	is($?, 0, 'sql/033 upgrades a database with stacks') or diag($out);
	is_deeply(at($js, $values), $was, '  every stack, context and exception reads back the same');
	is_deeply(at($js, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
		     . " WHERE attrelid = 'events'::regclass AND attname IN ('stack', 'context')"
		     . " UNION ALL SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
		     . " WHERE attrelid = 'issues'::regclass AND attname = 'exception'"),
		  [ ['json_object_text'], ['json_object_text'], ['json'] ], '  kept as json');
	my $lz4 = at($js, "SELECT 'lz4' = ANY (enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")->[0][0] eq 't';
	my $want = $lz4 ? 'l' : '';
	is_deeply(at($js, "SELECT DISTINCT attcompression FROM pg_attribute a"
		     . " WHERE (attrelid = 'events'::regclass OR attrelid IN"
		     . "   (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'events'::regclass))"
		     . " AND attname IN ('stack', 'context')"), [[ $want ]],
		  "  each partition's stack and context compressed as before (lz4: " . ($lz4 ? 'yes' : 'no') . ')');
	is_deeply(at($js, "SELECT DISTINCT pg_column_compression(stack) || ' ' || pg_column_compression(context) FROM events"),
		  [[ $lz4 ? 'lz4 lz4' : 'pglz pglz' ]], '  and so are the rewritten values');
	at($js, "SELECT partition_add('events', day_floor(now()) + interval '30 days')");
	is_deeply(at($js, "SELECT DISTINCT attcompression FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
		     . " WHERE c.relname = 'events_p' || to_char(now() + interval '30 days', 'YYYYMMDD')"
		     . " AND attname IN ('stack', 'context')"), [[ $want ]], '  and a partition made after');
	# Only a JSON object goes in; the server checks the text.
	for my $bad ('[1]', '"x"', '{"a":', '{"a":1}}') {
		my $r = psql_at($js, "INSERT INTO events (application_id, occurred_at, level, message, stack)"
				. " VALUES (1, now(), 'ERROR', 'bad', '$bad')");
		ok(!defined $r, "  a stack of $bad is refused");
	}
	is_deeply(at($js, "SELECT count(*) FROM events"), [[50]], '  and none of them stored');
}

# --- expired partitions go whole -----------------------------------------------------------
my $drop = scratch_db("tt_drop_$$", "$root/sql");
at($drop, <<'SQL');
INSERT INTO applications (name, ingest_key_sha256, ingest_key_prefix, retention_days)
VALUES ('a', repeat('a', 64), 'aaaaaaaa', 1);
INSERT INTO services (name, retention_days) VALUES ('s', 1);
SELECT partitions_ensure(now() - interval '5 days', now());
INSERT INTO events (application_id, occurred_at, received_at, level, message)
SELECT 1, now(), now() - d * interval '1 day', 'ERROR', 'day ' || d FROM generate_series(0, 4) d;
INSERT INTO events (application_id, occurred_at, received_at, level, message)
VALUES (1, now(), now() - interval '30 days', 'ERROR', 'a month old');
INSERT INTO logs (service_id, method, url, path, received_at)
SELECT id, 'GET', 'http://x/', '/day' || d, now() - d * interval '1 day' FROM services, generate_series(0, 4) d;
INSERT INTO replays (log_id, service_id, status, latency_ms) SELECT id, service_id, 'success', 1 FROM logs;
SQL
my $expired = "SELECT count(*) FROM partition_ranges WHERE hi <= now() - interval '1 day'";
ok(at($drop, $expired)->[0][0] >= 60, 'a fresh database has partitions for the days back of the default retention');
my $maintain = dirname(stack_worker_binary()) . '/telltale-maintain';
my $pid = fork // die "fork: $!";
if (!$pid) {
	open STDOUT, '>', '/dev/null';
	open STDERR, '>', '/dev/null';
	$ENV{DATABASE_URL} = $drop;
	$ENV{TELLTALE_MAINTAIN_INTERVAL_S} = 1;
	exec $maintain or POSIX::_exit(127);
}
ok(wait_for(120, sub { at($drop, $expired)->[0][0] == 0 }),
   'telltale-maintain detaches and drops every partition past the retention');
kill 'TERM', $pid;
waitpid($pid, 0);
is($?, 0, '  and stops cleanly on SIGTERM');
is_deeply(at($drop, "SELECT count(*) FROM pg_class WHERE relname ~ '^(events|logs)_p[0-9]{8}\$'"
		  . " AND NOT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = pg_class.oid)"), [[0]],
	  '  leaving no detached table behind');
is_deeply(at($drop, "SELECT (SELECT string_agg(message, ',' ORDER BY message) FROM events),"
		  . " (SELECT string_agg(path, ',' ORDER BY path) FROM logs)"),
	  [[ 'day 0,day 1', '/day0,/day1' ]], 'today\'s and yesterday\'s rows are kept');
is_deeply(at($drop, "SELECT count(*) FROM replays"), [[2]], '  with their replays; the others\' went');
ok(at($drop, "SELECT partition_runway() >= interval '7 days'")->[0][0] eq 't', '  and a week is made ahead');

# --- a backlog of counts goes a day at a time ----------------------------------------------
# sql/026: a recount from scratch, or a rollup stopped for long, is worked off
# in runs of a day of rows each, every one committed, instead of one run that
# the statement timeout cancels again and again.
my $steps = scratch_db("tt_steps_$$", "$root/sql");
at($steps, <<'SQL');
INSERT INTO applications (name, ingest_key_sha256, ingest_key_prefix) VALUES ('a', repeat('a', 64), 'aaaaaaaa');
SELECT issue_for(1, 'fp', 'boom', NULL, 'ERROR', NULL, false);
INSERT INTO events (application_id, occurred_at, received_at, level, message, issue_id)
SELECT 1, now(), now() - d * interval '1 day' - interval '1 hour', 'ERROR', 'boom', 1
  FROM generate_series(0, 4) d, generate_series(1, 3) n;
INSERT INTO services (name) VALUES ('s');
INSERT INTO logs (service_id, method, url, path, received_at)
SELECT s.id, 'GET', 'http://x/', '/', now() - d * interval '1 day' - interval '1 hour'
  FROM services s, generate_series(0, 4) d, generate_series(1, 3) n;
UPDATE rollup_state SET issues_rolled_until = '-infinity', rolled_until = '-infinity';
UPDATE log_rollup_state SET rolled_until = '-infinity';
SQL
my %runs;
for (1 .. 8) {
	at($steps, "SELECT rollup_issues(), rollup_events(), rollup_logs()");
	my $r = at($steps, "SELECT (SELECT count FROM issues WHERE id = 1),"
		   . " (SELECT coalesce(sum(count), 0) FROM event_counts_hourly),"
		   . " (SELECT coalesce(sum(count), 0) FROM log_counts_hourly)")->[0];
	push @{ $runs{$_} }, shift @$r for qw(issues events logs);
}
for my $pass (qw(issues events logs)) {
	my @n = @{ $runs{$pass} };
	is_deeply([ @n[0 .. 4], $n[-1] ], [ 3, 6, 9, 12, 15, 15 ],
		  "the $pass pass counts five days a day a run, and nothing twice")
		or diag(explain \@n);
}

# --- rollups: kept 400 days ---------------------------------------------------------------
{
	my @rolled = ([ 'log_counts_hourly', "(service_id, hour, method, status_code, is_error, count, latency_count, latency_sum)",
			"'GET', 200, false, 1, 0, 0" ],
		      [ 'log_routes_hourly', "(service_id, hour, method, route, bucket, count, errors)", "'GET', '/old', -1, 1, 0" ],
		      [ 'log_routes_daily', "(service_id, day, method, route, bucket, count, errors)", "'GET', '/old', -1, 1, 0" ]);
	for my $r (@rolled) {
		my ($table, $cols, $rest) = @$r;
		db_query("INSERT INTO $table $cols VALUES ('$svc->{id}', date_trunc('hour', now()) - interval '401 days', $rest),"
			 . " ('$svc->{id}', date_trunc('hour', now()) - interval '399 days', $rest)");
	}
	db_query("SELECT prune_rollups()");
	for my $r (@rolled) {
		my ($table) = @$r;
		my $col = $table =~ /daily/ ? 'day' : 'hour';
		is(db_query("SELECT count(*) FROM $table WHERE service_id = '$svc->{id}' AND $col < now() - interval '398 days'")->[0][0],
		   1, "prune_rollups drops $table rows older than 400 days and keeps the younger");
	}
	# An application's minute counts go with its events: $app keeps 120 days.
	db_query("INSERT INTO event_counts_minutely (application_id, minute, level, count) VALUES"
		 . " ($app->{id}, date_trunc('minute', now()) - interval '121 days', 'ERROR', 1),"
		 . " ($app->{id}, date_trunc('minute', now()) - interval '119 days', 'ERROR', 1)");
	db_query("SELECT prune_rollups()");
	is(db_query("SELECT count(*) FROM event_counts_minutely WHERE application_id = $app->{id}"
		    . " AND minute < now() - interval '100 days'")->[0][0], 1,
	   "prune_rollups drops an application's minute counts past its retention (120 days), not before");
}

done_testing();
