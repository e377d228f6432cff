#!/usr/bin/perl
# The workers' FastCGI sockets are the stack's user's alone: another local
# user cannot talk to the workers past nginx's limits.
use strict;
use warnings;
use Test::More;

my $state = $ENV{TELLTALE_STATE_DIR} or BAIL_OUT('TELLTALE_STATE_DIR is not set');
for my $name ('worker.sock', 'replay.sock') {
	my $path = "$state/run/$name";
	my @st = stat $path;
	ok(@st && -S _, "$name is a socket") or next;
	is($st[4], $>, "  owned by the stack's user");
	is($st[2] & 077, 0, sprintf('  not open to group or others (mode %04o)', $st[2] & 07777));
}

done_testing();
