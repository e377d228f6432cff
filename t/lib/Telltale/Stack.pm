package Telltale::Stack;

# The stack under test as processes: ./stack for it or for another stack, the
# pids of its workers and notifier, and what a worker is doing.

use strict;
use warnings;

use Carp qw(croak);
use Cwd ();
use Exporter qw(import);
use POSIX ();

use Telltale::HTTP qw(host_port);
use Telltale::Util qw(slurp);

our @EXPORT = qw(stack_cmd stack_at worker_pids notifier_pids worker_busy socket_dir stack_worker_binary worker_peaks rate_limits);

# stack_cmd(@args): runs "$TELLTALE_ROOT/stack @args" for this stack; returns
# the exit status in scalar context, (status, output) in list context.
sub stack_cmd {
	my (@args) = @_;
	my $root = $ENV{TELLTALE_ROOT} or croak 'TELLTALE_ROOT is not set';
	my $state = $ENV{TELLTALE_STATE_DIR} or croak 'TELLTALE_STATE_DIR is not set';
	my (undef, $port) = host_port();
	local $ENV{STATE_DIR} = $state;
	local $ENV{PORT} = $port;
	my $pid = open(my $fh, '-|') // croak "fork: $!";
	if (!$pid) {
		open STDERR, '>&', \*STDOUT;
		exec "$root/stack", @args or do { print "exec $root/stack: $!\n"; exit 127 };
	}
	local $/;
	my $out = <$fh> // '';
	close $fh;
	my $rc = $? >> 8;
	return wantarray ? ($rc, $out) : $rc;
}

# stack_at(\%env, @args): runs "$TELLTALE_ROOT/stack @args" with the
# environment changed by %env (a value of undef deletes the variable); for
# another stack than the one under test. Returns (status, output).
sub stack_at {
	my ($env, @args) = @_;
	my $root = $ENV{TELLTALE_ROOT} or croak 'TELLTALE_ROOT is not set';
	my $pid = open(my $fh, '-|') // croak "fork: $!";
	if (!$pid) {
		for my $k (keys %$env) {
			if (defined $env->{$k}) { $ENV{$k} = $env->{$k} } else { delete $ENV{$k} }
		}
		open STDERR, '>&', \*STDOUT;
		exec "$root/stack", @args or do { print "exec $root/stack: $!\n"; POSIX::_exit(127) };
	}
	local $/;
	my $out = <$fh> // '';
	close $fh;
	return ($? >> 8, $out);
}

# The pids of this stack's workers: `pgrep -f telltale-worker`, narrowed to the
# children of the stack's multiwatch ($STATE_DIR/run/workers.pid) when that file
# is there, else to the processes whose environment names TELLTALE_STATE_DIR.
# worker_pids('replay-workers'): the replay pool's, and so on.
sub worker_pids {
	my ($pool) = @_;
	my @all = grep { /^\d+$/ && $_ != $$ } split /\s+/, (`pgrep -f telltale-worker` // '');
	my @workers = grep { (slurp("/proc/$_/comm") // '') =~ /^telltale-worke/ } @all;
	my $state = $ENV{TELLTALE_STATE_DIR} // "\0none";
	$state =~ s{/+\z}{};
	my $parent = slurp("$state/run/" . ($pool // 'workers') . '.pid');
	my @mine;
	if (defined $parent && $parent =~ /^\s*(\d+)\s*$/) {
		my $ppid = $1;
		@mine = grep {
			my ($pp) = (slurp("/proc/$_/stat") // '') =~ /^\d+ \(.*\) \S (\d+)/;
			defined $pp && $pp == $ppid;
		} @workers;
	} else {
		@mine = grep {
			my $env = slurp("/proc/$_/environ") // '';
			index($env, "$state/") >= 0;
		} @workers;
	}
	return sort { $a <=> $b } @mine;
}

# The pids of this stack's telltale-notifier processes: the children of the
# multiwatch in $STATE_DIR/run/notifier.pid.
sub notifier_pids {
	my $state = $ENV{TELLTALE_STATE_DIR} // return ();
	my $parent = slurp("$state/run/notifier.pid") // return ();
	my ($ppid) = $parent =~ /^\s*(\d+)/ or return ();
	my @pids;
	for my $stat (glob '/proc/[0-9]*/stat') {
		my ($pid, $comm, $pp) = (slurp($stat) // '') =~ /^(\d+) \((.*)\) \S (\d+)/s or next;
		push @pids, $pid if $pp == $ppid && $comm =~ /^telltale-notif/;
	}
	return sort { $a <=> $b } @pids;
}

# 1 when worker $pid holds a FastCGI connection (a request in its hands): a
# socket of its own, other than the listening one, whose /proc/net/unix entry
# names the stack's worker socket.
sub worker_busy {
	my ($pid, $state) = @_;
	$state //= $ENV{TELLTALE_STATE_DIR};
	my $path = socket_dir($state) . '/worker.sock';
	my %inodes;
	for (split /\n/, slurp('/proc/net/unix') // '') {
		my @f = split ' ';
		$inodes{ $f[6] } = 1 if @f >= 8 && $f[7] eq $path;
	}
	my $listen = readlink("/proc/$pid/fd/0") // '';
	for my $fd (glob "/proc/$pid/fd/*") {
		my $l = readlink($fd) // next;
		next if $l eq $listen;
		return 1 if $l =~ /^socket:\[(\d+)\]\z/ && $inodes{$1};
	}
	return 0;
}

# The directory of the stack's FastCGI sockets: SOCKET_DIR of
# $STATE_DIR/run/pool.env, or run/ itself.
sub socket_dir {
	my ($state) = @_;
	$state //= $ENV{TELLTALE_STATE_DIR};
	my ($dir) = (slurp("$state/run/pool.env") // '') =~ /^SOCKET_DIR=(.+)$/m;
	return $dir // Cwd::abs_path("$state/run");
}

# The worker binary the stack under test runs (from $STATE_DIR/run/workers.stamp).
sub stack_worker_binary {
	my ($state) = @_;
	$state //= $ENV{TELLTALE_STATE_DIR};
	my $stamp = slurp("$state/run/workers.stamp") // return undef;
	my ($bin) = $stamp =~ /^(\S+)/;
	return $bin;
}

# worker_peaks(): the peak memory (VmHWM, KiB) of each of the stack's workers
# by pid, or () when it cannot be read.
sub worker_peaks {
	my %hwm;
	for my $pid (worker_pids()) {
		open my $fh, '<', "/proc/$pid/status" or next;
		while (<$fh>) { $hwm{$pid} = $1 if /^VmHWM:\s+(\d+)/ }
	}
	return %hwm;
}

# rate_limits($state): the stack's limits as nginx was given them, from
# $state/nginx/nginx.conf and routes.conf ($state defaults to the stack under
# test): {key_rate, key_burst} of the per-key ingest limit, {address_rate,
# address_burst} of the per-address one, and connections, the requests one
# address may have in hand. A limit not found is undef.
sub rate_limits {
	my ($state) = @_;
	$state //= $ENV{TELLTALE_STATE_DIR};
	my $conf = slurp("$state/nginx/nginx.conf") // '';
	my $routes = slurp("$state/nginx/routes.conf") // '';
	my %l;
	($l{key_rate}) = $conf =~ /zone=ingest_key:\S+\s+rate=(\d+)r\/s/;
	($l{address_rate}) = $conf =~ /zone=ingest_address:\S+\s+rate=(\d+)r\/s/;
	($l{connections}) = $conf =~ /limit_conn\s+address_connections\s+(\d+);/;
	($l{key_burst}) = $routes =~ /limit_req\s+zone=ingest_key\s+burst=(\d+)/;
	($l{address_burst}) = $routes =~ /limit_req\s+zone=ingest_address\s+burst=(\d+)/;
	return \%l;
}

1;
