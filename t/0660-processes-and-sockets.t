#!/usr/bin/perl
# Who runs what, and who reaches what. Started as root, the stack runs nothing
# as root but nginx's master: the workers and helpers run as telltale, nginx's
# workers as telltale-web; the FastCGI sockets are reachable by nginx's workers
# alone, the database's socket by the workers' user alone, and the dashboard
# is served even when no one but root can read the checkout. Started by
# another user, everything is that user's and its sockets are its own.
use strict;
use warnings;
use Test::More;
use HTTP::Tiny;
use Fcntl qw(O_RDONLY :flock);
use Telltale;

my $state = $ENV{TELLTALE_STATE_DIR} or BAIL_OUT('TELLTALE_STATE_DIR is not set');
my $root_dir = $ENV{TELLTALE_ROOT} or BAIL_OUT('TELLTALE_ROOT is not set');
my $sockets = socket_dir($state);

sub text {
	open(my $fh, '<', $_[0]) or return '';
	local $/;
	return scalar <$fh>;
}

# The real user id of process $pid, and its children's pids.
sub uid_of { (text("/proc/$_[0]/status") =~ /^Uid:\s+(\d+)/m)[0] }
sub children_of {
	my ($ppid) = @_;
	return grep { (text("/proc/$_/stat") =~ /^\d+ \(.*\) \S (\d+)/s)[0] == $ppid }
		map { m{/proc/(\d+)/} } glob '/proc/[0-9]*/stat';
}

# 0 when $user can connect to the unix socket $path.
sub connect_as {
	my ($user, $path) = @_;
	system('runuser', '-u', $user, '--', 'perl', '-MIO::Socket::UNIX', '-e',
	       'exit(IO::Socket::UNIX->new(Peer => $ARGV[0]) ? 0 : 1)', $path);
	return $? >> 8;
}

if ($> != 0) {
	for my $name ('worker.sock', 'replay.sock') {
		my @st = stat "$sockets/$name";
		ok(@st && -S _, "$name is a socket") or next;
		is($st[4], $>, "  owned by the stack's user");
		is($st[2] & 077, 0, sprintf('  not open to group or others (mode %04o)', $st[2] & 07777));
	}
	for my $part (qw(workers replay-workers rollup notifier nginx)) {
		my ($pid) = text("$state/run/$part.pid") =~ /(\d+)/;
		is(uid_of($pid // 0), $<, "the $part run as the stack's user");
	}
	done_testing();
	exit;
}

my $app_uid = getpwnam('telltale');
my $web_uid = getpwnam('telltale-web');
my $web_gid = getgrnam('telltale-web');
ok(defined $app_uid && defined $web_uid, 'the system users telltale and telltale-web exist')
	or BAIL_OUT('no system users');

# --- processes ------------------------------------------------------------------------
for my $part (qw(workers replay-workers rollup notifier)) {
	my ($pid) = text("$state/run/$part.pid") =~ /(\d+)/;
	my @kids = children_of($pid // 0);
	ok(@kids, "the $part run");
	is(uid_of($pid // 0), $app_uid, "  their multiwatch as telltale");
	is(scalar(grep { uid_of($_) == $app_uid } @kids), scalar @kids, '  and every one of them');
	is(text("/proc/$kids[0]/status") =~ /^NoNewPrivs:\s+1/m ? 1 : 0, 1, '  which can gain no privileges')
		if $part eq 'rollup' || $part eq 'notifier';
}
my ($nginx) = text("$state/run/nginx.pid") =~ /(\d+)/;
my @nginx_workers = children_of($nginx // 0);
ok(@nginx_workers, "nginx's workers run");
is(scalar(grep { uid_of($_) == $web_uid } @nginx_workers), scalar @nginx_workers,
   '  as telltale-web');

# --- the FastCGI sockets -------------------------------------------------------------------
my @dir = stat $sockets;
is(sprintf('%04o', $dir[2] & 07777), '0750', "the sockets' directory is 0750");
is($dir[5], $web_gid, '  of the group telltale-web');
for my $name ('worker.sock', 'replay.sock') {
	my @st = stat "$sockets/$name";
	ok(@st && -S _, "$name is a socket") or next;
	is($st[4], $app_uid, '  owned by telltale');
	is($st[5], $web_gid, '  of the group telltale-web');
	is(sprintf('%04o', $st[2] & 07777), '0660', '  mode 0660');
	is(connect_as('telltale-web', "$sockets/$name"), 0, "  nginx's workers' user connects");
	isnt(connect_as('nobody', "$sockets/$name"), 0, '  another local user cannot');
}

# --- the database ------------------------------------------------------------------------
my $url = text("$state/run/database_url");
SKIP: {
	skip('the stack uses DATABASE_URL, not its own cluster', 6) unless $url =~ /passfile=/;
	my ($pg_socket) = $url =~ /host=(\S+)/;
	my ($passfile) = text("$state/run/pool.env") =~ /^SOCKET_DIR=(.+)\/web$/m;
	$passfile .= '/app-pgpass';
	ok(-s $passfile, "the workers' database password is in $passfile");
	my @st = stat $passfile;
	is($st[4] . ' ' . sprintf('%04o', $st[2] & 07777), "$app_uid 0600", '  telltale\'s alone (0600)');
	unlike(text($passfile), qr/:telltale:/, "  without the owner's password");
	my $psql = sub {
		my ($user) = @_;
		my $out = `runuser -u $user -- env PGPASSFILE=$passfile psql -X -qAt "host=$pg_socket port=5432 user=telltale_app dbname=telltale" -c 'SELECT current_user' 2>&1`;
		return ($? >> 8, $out);
	};
	my ($rc, $out) = $psql->('telltale');
	is("$rc $out", "0 telltale_app\n", 'the workers\' user reaches the database as telltale_app');
	($rc, $out) = $psql->('telltale-web');
	isnt($rc, 0, "nginx's workers' user cannot reach the database");
	($rc, $out) = $psql->('nobody');
	like($out, qr/ermission denied/, '  nor can another local user: its socket is out of reach');
}

# --- the dashboard with the checkout closed to everyone but root -------------------------
# Another run of this file against another stack (./stack test runs two at
# once) may be here too: the checkout's lock keeps the mode read below the
# mode the checkout had, not the other's 0700.
sysopen(my $checkout, $root_dir, O_RDONLY) or die "open $root_dir: $!";
flock($checkout, LOCK_EX) or die "lock $root_dir: $!";
my $mode = (stat $root_dir)[2] & 07777;
END { chmod $mode, $root_dir if defined $mode }
chmod 0700, $root_dir or die "chmod $root_dir: $!";
my $http = HTTP::Tiny->new(timeout => 10);
is($http->get(url() . '/')->{status}, 200, 'with the checkout 0700, the dashboard is served');
is($http->get(url() . '/vendor/chart.js/chart.umd.js')->{status}, 200, '  and its libraries');
is(req('GET', '/apps')->{status}, 200, '  and the API answers');
chmod $mode, $root_dir;
close $checkout;

done_testing();
