package Telltale::DB;

# The database: psql against the stack's (its conninfo in
# $STATE_DIR/run/database_url) or another, sessions held open in the
# background, and resetting the rollups.

use strict;
use warnings;

use Carp qw(croak);
use Exporter qw(import);
use File::Temp ();
use POSIX ();

use Telltale::Time qw(now_usec);
use Telltale::Util qw(slurp wait_for);

our @EXPORT = qw(db_query db_try db_session db_sessions worker_lock_waits psql_at
		 rollup_rebuild rollup_reset_sql log_rollup_tables);
our @EXPORT_OK = qw(database_url);

# db_query($sql): runs $sql with psql against the stack's database (the conninfo
# in $STATE_DIR/run/database_url) and returns its rows as array refs; croaks
# when psql fails.
sub db_query {
	my ($sql) = @_;
	my $conninfo = database_url('db_query');
	my $pid = open(my $fh, '-|') // croak "db_query: fork: $!";
	if (!$pid) {
		open STDERR, '>', '/dev/null';
		exec 'psql', '-X', '-q', '-A', '-t', '-F', "\t", '-v', 'ON_ERROR_STOP=1', '-d', $conninfo, '-c', $sql
			or exit 127;
	}
	my @rows = map { chomp; [ split /\t/, $_, -1 ] } <$fh>;
	close $fh;
	# The test stack's database is always reachable: a failure is the test's.
	croak "db_query failed (psql exit $?): $sql" if $?;
	return \@rows;
}

# db_try($sql): runs $sql as db_query does, for a statement that may fail.
# Returns {rows => [array refs]} when it succeeds, else {error => the first
# line of psql's message, sqlstate => the SQLSTATE of the server's ERROR
# (undef when the failure is not the server's: no connection, no psql)}.
sub db_try {
	my ($sql) = @_;
	my $conninfo = database_url('db_try');
	my $err = File::Temp->new(TEMPLATE => 'telltale-psql-XXXXXX', TMPDIR => 1);
	my $pid = open(my $fh, '-|') // croak "db_try: fork: $!";
	if (!$pid) {
		open STDERR, '>', $err->filename or POSIX::_exit(127);
		exec 'psql', '-X', '-q', '-A', '-t', '-F', "\t", '-v', 'ON_ERROR_STOP=1', '-v', 'VERBOSITY=verbose',
			'-d', $conninfo, '-c', $sql
			or POSIX::_exit(127);
	}
	my @rows = map { chomp; [ split /\t/, $_, -1 ] } <$fh>;
	close $fh;
	return { rows => \@rows } unless $?;
	my $text = slurp($err->filename) // '';
	# VERBOSITY verbose puts the SQLSTATE after the severity: "ERROR:  23514: ...".
	my ($sqlstate) = $text =~ /^ERROR:  ([0-9A-Z]{5}): /m;
	my ($first) = $text =~ /^(.*\S.*)$/m;
	return { error => $first // "psql exit $?", sqlstate => $sqlstate };
}

# db_session(@commands): a psql session against the stack's database, in the
# background, running each command in turn (as -c) with its output discarded:
# for a test that holds a lock or a transaction open while it goes on. Returns
# the session's pid; the caller reaps it.
sub db_session {
	my (@commands) = @_;
	my $conninfo = database_url('db_session');
	my $pid = fork // croak "db_session: fork: $!";
	if (!$pid) {
		open STDOUT, '>', '/dev/null';
		open STDERR, '>', '/dev/null';
		exec('psql', '-X', '-q', '-d', $conninfo, map { ('-c', $_) } @commands) or POSIX::_exit(127);
	}
	return $pid;
}

# db_sessions($where): how many of the database's sessions match $where, a
# condition on pg_stat_activity (for a test that waits for a lock wait).
sub db_sessions {
	my ($where) = @_;
	return db_query("SELECT count(*) FROM pg_stat_activity WHERE $where")->[0][0];
}

# worker_lock_waits(): how many workers' sessions wait for a lock.
sub worker_lock_waits {
	return db_sessions("wait_event_type = 'Lock' AND application_name LIKE 'telltale-worker[%'");
}

# psql_at($conninfo, $sql): the rows of $sql as array refs, or undef on error.
sub psql_at {
	my ($conninfo, $sql) = @_;
	my $pid = open(my $fh, '-|') // return undef;
	if (!$pid) {
		open STDERR, '>', '/dev/null';
		exec 'psql', '-X', '-q', '-A', '-t', '-F', "\t", '-v', 'ON_ERROR_STOP=1', '-d', $conninfo, '-c', $sql
			or POSIX::_exit(127);
	}
	my @rows = map { chomp; [ split /\t/, $_, -1 ] } <$fh>;
	close $fh;
	return $? ? undef : \@rows;
}

# The stack's conninfo ($STATE_DIR/run/database_url); croaks in $who without it.
sub database_url {
	my ($who) = @_;
	my $state = $ENV{TELLTALE_STATE_DIR} or croak "$who: TELLTALE_STATE_DIR is not set";
	my $conninfo = slurp("$state/run/database_url") or croak "$who: no $state/run/database_url";
	chomp $conninfo;
	return $conninfo;
}

# rollup_rebuild(LOCK, STATE_TABLE, \@TABLES, SECS): empties the rolled tables
# and rewinds the state row, under the rollup's own advisory lock in one
# transaction, then waits up to SECS for telltale-rollup to count everything
# stored before now again. Returns true when it has.
sub rollup_rebuild {
	my ($lock, $state, $tables, $secs) = @_;
	db_query(rollup_reset_sql($lock, $state, $tables)) or return 0;
	my $t = now_usec();
	return wait_for($secs, sub {
		my $r = db_query("SELECT rolled_until > usec_to_ts($t) FROM $state");
		return $r->[0][0] eq 't';
	});
}

# log_rollup_tables(): the tables rollup_logs() feeds (sql/007, sql/028), to
# empty for a recount.
sub log_rollup_tables {
	return [qw(log_counts_hourly log_counts_daily log_latency_hourly log_latency_daily
		   log_routes_hourly log_routes_daily log_counts_minutely log_latency_minutely)];
}

# rollup_reset_sql(LOCK, STATE_TABLE, \@TABLES): the statements that take a
# rollup's advisory lock, empty its rolled tables and rewind its state row, to
# run in one transaction.
sub rollup_reset_sql {
	my ($lock, $state, $tables) = @_;
	return "SELECT pg_advisory_xact_lock($lock);" . join('', map { " DELETE FROM $_;" } @$tables)
		. " UPDATE $state SET rolled_until = '-infinity';";
}

1;
