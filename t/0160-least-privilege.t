#!/usr/bin/perl
# The private cluster asks for passwords, kept in $STATE_DIR/pgpass (0600);
# the workers and helpers connect as telltale_app, which reads and writes rows
# and can do nothing else: no tables, no roles, no COPY to a program.
use strict;
use warnings;
use Test::More;
use Telltale;

my $state = $ENV{TELLTALE_STATE_DIR} or BAIL_OUT('TELLTALE_STATE_DIR is not set');
my $owner_url = slurp_text("$state/run/database_url");
like($owner_url, qr/passfile=/, "the stack's own database (run/database_url names its passfile)")
	or BAIL_OUT('these tests are about the private cluster: run them on a stack without DATABASE_URL');

sub slurp_text {
	open(my $fh, '<', $_[0]) or return '';
	local $/;
	my $t = <$fh>;
	chomp $t;
	return $t;
}

my ($socket) = $owner_url =~ /host=(\S+)/;
my ($passfile) = $owner_url =~ /passfile=(\S+)/;
is(sprintf('%04o', (stat $passfile)[2] & 07777), '0600', 'the passwords file is mode 0600');

# psql as $user, with or without the passwords file; its output and status.
sub psql_as {
	my ($user, $sql, $with_password) = @_;
	local $ENV{PGPASSFILE} = $with_password ? $passfile : '/dev/null';
	my $out = `psql -X -q -A -t -v ON_ERROR_STOP=1 "host=$socket port=5432 user=$user dbname=telltale" -c "$sql" 2>&1`;
	return ($? >> 8, $out);
}

my ($rc, $out) = psql_as('telltale', 'SELECT 1', 0);
isnt($rc, 0, 'the owner without its password is refused');
like($out, qr/password/i, '  asked for a password');
($rc, $out) = psql_as('telltale_app', 'SELECT 1', 0);
isnt($rc, 0, "the workers' role without its password is refused");
($rc, $out) = psql_as('postgres', 'SELECT 1', 0);
isnt($rc, 0, 'so is any other name');

# A helper may be between two sessions (the rollup starts a new one after its
# first search of old events): wait until all three are connected.
my $connected = q{SELECT count(DISTINCT regexp_replace(application_name, '\[.*', ''))
	FROM pg_stat_activity WHERE application_name ~ '^telltale-(worker|rollup|notifier)'};
wait_for(10, sub { db_query($connected)->[0][0] == 3 });
my $roles = db_query(q{SELECT DISTINCT usename FROM pg_stat_activity
	WHERE application_name ~ '^telltale-(worker|rollup|notifier)'});
is_deeply([ map { $_->[0] } @$roles ], ['telltale_app'], 'workers, rollup and notifier connect as telltale_app');
is(db_query($connected)->[0][0], 3, '  all three of them');

my $attrs = db_query(q{SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls
	FROM pg_roles WHERE rolname = 'telltale_app'});
is(join(',', @{ $attrs->[0] }), 'f,f,f,f,f', 'telltale_app is no superuser and makes no roles or databases');

for my $case ([ 'CREATE TABLE t0160 (x int)', 'make a table' ],
	      [ 'DROP TABLE events', 'drop a table' ],
	      [ 'ALTER TABLE users ADD COLUMN x int', 'alter a table' ],
	      [ q{COPY (SELECT 1) TO PROGRAM 'true'}, 'run a program' ],
	      [ 'CREATE ROLE t0160', 'make a role' ],
	      [ 'TRUNCATE audit_log', 'empty the audit trail at once' ]) {
	my ($sql, $what) = @$case;
	($rc, $out) = psql_as('telltale_app', $sql, 1);
	isnt($rc, 0, "telltale_app cannot $what") or diag($out);
	like($out, qr/permission denied|must be (owner|superuser)|not allowed/i, '  for want of the privilege')
		or diag($out);
}
($rc, $out) = psql_as('telltale_app', 'SELECT count(*) FROM users', 1);
is($rc, 0, 'but it reads rows') or diag($out);

my $hba = db_query(q{SELECT count(*) FROM pg_hba_file_rules WHERE auth_method = 'trust'});
is($hba->[0][0], 0, 'no line of pg_hba.conf trusts anyone');
# The socket is 0777: its directory decides who reaches it.
my @dir = stat $socket;
if ($> == 0) {
	is(sprintf('%04o', $dir[2] & 07777), '0750', "the socket's directory is 0750");
	is(scalar getgrgid($dir[5]), 'telltale', "  of the workers' group");
} else {
	is(sprintf('%04o', $dir[2] & 07777), '0700', "the socket's directory is the stack's user's alone");
}

done_testing;
