#!/usr/bin/perl
# The operator's side of access control: ./stack user add and ./stack token
# new on the stack under test; and, on a second stack of its own, the first
# admin made from TELLTALE_ADMIN_TOKEN and TELLTALE_ADMIN_PASSWORD, and the
# refusal to start bound beyond loopback with no user and neither set. About
# 30 s.
use strict;
use warnings;
use Test::More;
use HTTP::Tiny;
use JSON::PP;
use File::Temp ();
use File::Path qw(remove_tree);
use Telltale;

my $root = $ENV{TELLTALE_ROOT} or BAIL_OUT('TELLTALE_ROOT is not set');
my $tag = "op$$";
my $json = JSON::PP->new->utf8;
my $from = '127.' . ($$ % 250 + 1) . '.9.9';    # sign-ins of this test's own
my $main_pid = $$;

# ./stack ARGS on the stack under test, with $input on its standard input.
sub stack_with_input {
	my ($input, @args) = @_;
	local $ENV{STATE_DIR} = $ENV{TELLTALE_STATE_DIR};
	my $out = File::Temp->new;
	open(my $p, '|-', join(' ', map { quotemeta } "$root/stack", @args) . ' >' . $out->filename . ' 2>&1')
		or die "stack: $!";
	print $p $input;
	close $p;
	my $rc = $? >> 8;
	return ($rc, slurp_file($out->filename));
}

sub slurp_file {
	open(my $fh, '<', $_[0]) or return '';
	local $/;
	return scalar <$fh>;
}

sub login_at {
	my ($base, $user, $password) = @_;
	my $r = HTTP::Tiny->new(local_address => $from)->request('POST', "$base/v1/auth/login",
		{ headers => { 'Content-Type' => 'application/json' },
		  content => $json->encode({ username => $user, password => $password }) });
	return $r->{status};
}

sub me_at {
	my ($base, $token) = @_;
	my $r = HTTP::Tiny->new->get("$base/v1/auth/me", { headers => { Authorization => "Bearer $token" } });
	return $r->{status} == 200 ? $json->decode($r->{content}) : { status => $r->{status} };
}

# --- user add, token new ------------------------------------------------------------
my ($rc, $out) = stack_with_input("a password of $tag\n", 'user', 'add', "ann-$tag", '--role', 'member');
is($rc, 0, './stack user add NAME --role member, password on stdin') or diag($out);
is(login_at(url(), "ann-$tag", "a password of $tag"), 200, '  and NAME signs in with it');
unlike($out, qr/a password of/, '  the password is not echoed');

($rc, $out) = stack_with_input('', 'user', 'add', "bob-$tag");
is($rc, 0, './stack user add NAME with nothing on stdin') or diag($out);
my ($made) = $out =~ /password for bob-\Q$tag\E: (\S+)/;
ok($made && length $made >= 12, '  makes a password and prints it');
is(login_at(url(), "bob-$tag", $made // ''), 200, '  which signs in');

($rc, $out) = stack_with_input('', 'user', 'add', "ann-$tag");
isnt($rc, 0, 'a second user of the same name is refused');
($rc, $out) = stack_with_input("short\n", 'user', 'add', "cid-$tag");
isnt($rc, 0, 'a password under 12 characters is refused');
($rc, $out) = stack_with_input('', 'user', 'add', "Bad Name");
isnt($rc, 0, 'a name outside a-z0-9._- is refused');

($rc, $out) = stack_with_input('', 'token', 'new', "ann-$tag");
my ($token) = $out =~ /^(tt_[A-Za-z0-9_-]{43})$/m;
ok($token, './stack token new NAME prints a tt_ token') or diag($out);
my $me = me_at(url(), $token // '');
is($me->{user}{username}, "ann-$tag", '  of NAME');
is($me->{user}{role} . '/' . ($me->{via} // ''), 'member/token', "  with NAME's role (no more than it)");
($rc, $out) = stack_with_input('', 'token', 'new', "ann-$tag", '--role', 'viewer');
($token) = $out =~ /^(tt_\S+)$/m;
is(req('DELETE', '/apps/1', headers => { Authorization => 'Bearer ' . ($token // '') })->{status}, 403,
   '--role viewer makes a viewer token');
($rc, $out) = stack_with_input('', 'token', 'new', "nobody-$tag");
isnt($rc, 0, 'a token for no such user is refused');

# --- the first admin on a stack of its own --------------------------------------------
my $state = File::Temp::tempdir('/tmp/telltale-first-XXXXXX');
chmod 0755, $state;
my $port = free_port();
my $admin_token = 'tt_' . join('', map { ('A' .. 'Z', 'a' .. 'z', 0 .. 9, '-', '_')[rand 64] } 1 .. 40);
my %env = (STATE_DIR => $state, PORT => $port, BIND => '0.0.0.0', WORKERS => 2,
	   TELLTALE_PG_FAST => 1, DATABASE_URL => undef, TELLTALE_HOSTS => '127.0.0.1',
	   TELLTALE_ADMIN_TOKEN => undef, TELLTALE_ADMIN_PASSWORD => undef);
my $worker = stack_worker_binary();
$env{TELLTALE_WORKER} = $worker if defined $worker && -x $worker;
END {
	if ($$ == $main_pid) {
		my $status = $?;
		stack_at(\%env, 'down');
		my $pg = readlink "$state/pg";
		remove_tree($state);
		remove_tree($pg) if defined $pg && $pg =~ m{^/var/lib/telltale/pg-};
		$? = $status;
	}
}
$SIG{ALRM} = sub { diag('time is up (180 s)'); exit 1 };
alarm 180;

($rc, $out) = stack_at(\%env, 'up');
isnt($rc, 0, 'bound to 0.0.0.0 with no user and no admin password or token: ./stack up refuses');
like($out, qr/TELLTALE_ADMIN_PASSWORD/, '  and says what to set');
ok(!HTTP::Tiny->new(timeout => 2)->get("http://127.0.0.1:$port/v1/health")->{success}, '  nothing answers');

$env{BIND} = '127.0.0.1';
$env{TELLTALE_ADMIN_TOKEN} = $admin_token;
$env{TELLTALE_ADMIN_PASSWORD} = "the first admin's password";
($rc, $out) = stack_at(\%env, 'up');
is($rc, 0, 'with TELLTALE_ADMIN_TOKEN and TELLTALE_ADMIN_PASSWORD, ./stack up starts') or diag($out);
my $base = "http://127.0.0.1:$port";
$me = me_at($base, $admin_token);
is(($me->{user}{username} // '') . '/' . ($me->{user}{role} // ''), 'admin/admin',
   'TELLTALE_ADMIN_TOKEN is an admin token of admin');
is(login_at($base, 'admin', "the first admin's password"), 200, 'TELLTALE_ADMIN_PASSWORD is its password');
ok(!-e "$state/admin-password", 'no password was made');
my $stored = do { local $ENV{STATE_DIR} = $state; `"$root/stack" psql -qAt -c "SELECT count(*) FROM api_tokens WHERE token_sha256 = encode(sha256(convert_to('$admin_token', 'UTF8')), 'hex')"` };
is($stored + 0, 1, 'the token is stored as its SHA-256');
my $clear = do { local $ENV{STATE_DIR} = $state; `"$root/stack" psql -qAt -c "SELECT count(*) FROM api_tokens WHERE token_sha256 = '$admin_token' OR prefix = '$admin_token'"` };
is($clear + 0, 0, 'and not in clear');

$env{TELLTALE_ADMIN_TOKEN} = 'tt_short';
($rc, $out) = stack_at(\%env, 'up');
isnt($rc, 0, 'a TELLTALE_ADMIN_TOKEN not of the token form is refused');

done_testing;
