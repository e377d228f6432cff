package Telltale::Faults;

# Faults brought on on purpose: processes killed or stopped (and the note of
# each in $STATE_DIR/log/deliberate-kills), and the stack's private PostgreSQL
# cluster restarted, frozen and thawed, with the helpers that make sure it
# runs again however a test ends.

use strict;
use warnings;

use Carp qw(croak);
use Cwd ();
use Exporter qw(import);
use POSIX ();
use Time::HiRes ();

use Telltale::Stack qw(stack_cmd);
use Telltale::Util qw(slurp wait_for);

our @EXPORT = qw(kill_on_purpose pg_cluster pg_postmaster_pid pg_ready pg_cluster_pids pg_ctl
		 pg_freeze pg_thaw pg_thaw_watchdog pg_guardian);

# kill_on_purpose($signal, $pid, $what): sends SIG$signal to $pid, $what (a
# worker, the notifier, ...), and notes it first in
# $STATE_DIR/log/deliberate-kills: multiwatch logs "Child[N] died, respawn"
# for such a death, and a clean-log check (t/stack-test) discounts one death
# for each line there. Returns what kill returns; 0 without a pid.
sub kill_on_purpose {
	my ($signal, $pid, $what) = @_;
	return 0 unless $pid;
	if (open my $fh, '>>', "$ENV{TELLTALE_STATE_DIR}/log/deliberate-kills") {
		print $fh scalar(gmtime) . " SIG$signal to $what $pid by $0\n";
		close $fh;
	}
	return kill $signal, $pid;
}

# The stack's private cluster: {data, pgdir, bin, conninfo}, or undef when
# the stack uses an external database (DATABASE_URL) or has none.
sub pg_cluster {
	my ($state) = @_;
	$state //= $ENV{TELLTALE_STATE_DIR} or return undef;
	my $pgdir = "$state/pg";
	my $version = slurp("$pgdir/data/PG_VERSION") or return undef;
	chomp $version;
	my $bin = "/usr/lib/postgresql/$version/bin";
	my $conninfo = slurp("$state/run/database_url") // '';
	chomp $conninfo;
	# ./stack's conninfo for its own cluster; anything else is DATABASE_URL.
	my ($host) = $conninfo =~ /^host=(\S+) port=5432 user=telltale dbname=telltale\z/ or return undef;
	my $real = Cwd::abs_path($pgdir) // return undef;
	return undef unless -x "$bin/pg_ctl" && ($host eq $real || $host =~ m{^/tmp/telltale-pg-});
	return { data => "$real/data", pgdir => $real, bin => $bin, conninfo => $conninfo };
}

# The postmaster's pid (the first line of postmaster.pid), or undef; in list
# context also its status line ("starting", "stopping", "ready" (accepting
# connections), "standby"), undef before it writes one.
sub pg_postmaster_pid {
	my ($pg) = @_;
	my $s = slurp("$pg->{data}/postmaster.pid") // return;
	my @lines = split /\n/, $s;
	return unless @lines && $lines[0] =~ /^(\d+)\z/;
	my $status = defined $lines[7] && $lines[7] =~ /(\w+)/ ? $1 : undef;
	return wantarray ? ($lines[0], $status) : $lines[0];
}

# 1 when the cluster accepts connections (pg_isready).
sub pg_ready {
	my ($pg) = @_;
	my $pid = fork // return 0;
	if (!$pid) {
		open STDOUT, '>', '/dev/null';
		open STDERR, '>', '/dev/null';
		exec("$pg->{bin}/pg_isready", '-q', '-t', '2', '-d', $pg->{conninfo}) or POSIX::_exit(127);
	}
	waitpid($pid, 0);
	return $? == 0 ? 1 : 0;
}

# pg_ctl($pg, [\%opt,] @args): runs the cluster's pg_ctl -D DATA @args as the
# cluster's owner (the postgres user when we are root); returns its exit
# status, or with {background => 1} its pid at once (the caller reaps it).
sub pg_ctl {
	my ($pg, @args) = @_;
	my %opt = ref $args[0] eq 'HASH' ? %{ shift @args } : ();
	my @cmd = ("$pg->{bin}/pg_ctl", '-D', $pg->{data}, @args);
	unshift @cmd, 'runuser', '-u', 'postgres', '--' if $> == 0;
	my $pid = fork // croak "fork: $!";
	if (!$pid) {
		chdir '/';
		open STDOUT, '>', '/dev/null';
		open STDERR, '>', '/dev/null';
		exec(@cmd) or POSIX::_exit(127);
	}
	return $pid if $opt{background};
	waitpid($pid, 0);
	return $? >> 8;
}

# The postmaster and every process it forked (its backends and helpers).
sub pg_cluster_pids {
	my ($pg) = @_;
	my $pm = pg_postmaster_pid($pg) // return ();
	return () unless kill 0, $pm;
	my @kids;
	for my $stat (glob '/proc/[0-9]*/stat') {
		my ($pid, $ppid) = (slurp($stat) // '') =~ /^(\d+) \(.*\) \S (\d+)/s or next;
		push @kids, $pid if $ppid == $pm;
	}
	return ($pm, sort { $a <=> $b } @kids);
}

# Stops (SIGSTOP) the postmaster, then its children, until no child of it is
# left running. Returns the pids stopped.
sub pg_freeze {
	my ($pg) = @_;
	my %stopped;
	for (1 .. 20) {
		my @todo = grep { !$stopped{$_} } pg_cluster_pids($pg);
		last unless @todo;
		for (@todo) { kill 'STOP', $_; $stopped{$_} = 1 }
	}
	return sort { $a <=> $b } keys %stopped;
}

# Continues (SIGCONT) the cluster's processes and any pids given.
sub pg_thaw {
	my ($pg, @pids) = @_;
	my %all = map { $_ => 1 } @pids, pg_cluster_pids($pg);
	kill 'CONT', keys %all if %all;
	return scalar keys %all;
}

# Forks a process of its own session that thaws the cluster (and @pids) after
# $secs, even when the test is killed; the caller kills it (TERM) once it has
# thawed the cluster itself. Returns its pid.
sub pg_thaw_watchdog {
	my ($pg, $secs, @pids) = @_;
	my $pid = fork // croak "fork: $!";
	return $pid if $pid;
	_detach();
	$SIG{TERM} = sub { POSIX::_exit(0) };
	Time::HiRes::sleep($secs);
	pg_thaw($pg, @pids);
	POSIX::_exit(0);
}

# Forks a process of its own session that waits for this one to end, however
# it ends (SIGKILL included), then continues (SIGCONT) the cluster's processes
# and, when the cluster does not accept connections within 5 s, starts it
# with `./stack db start`. Returns its pid; it ends by itself.
sub pg_guardian {
	my ($pg) = @_;
	my $parent = $$;
	my $pid = fork // croak "fork: $!";
	return $pid if $pid;
	_detach();
	Time::HiRes::sleep(0.2) while getppid() == $parent;
	pg_thaw($pg);
	stack_cmd('db', 'start') unless wait_for(5, sub { pg_ready($pg) }, 0.2);
	POSIX::_exit(0);
}

# In a forked helper: a session of its own, and no hold on the test's output
# (the harness reads it until every writer has closed it).
sub _detach {
	POSIX::setsid();
	open STDIN, '<', '/dev/null';
	open STDOUT, '>', '/dev/null';
	open STDERR, '>', '/dev/null';
}

1;
