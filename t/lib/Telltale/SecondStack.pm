package Telltale::SecondStack;

# A second telltale stack of a test's own, beside the stack under test: its
# environment for stack_at (a state directory, a port and a cluster of its
# own, the worker binary of the stack under test), its teardown however the
# test ends, an admin token and an app on it, and the alarming lines of its
# logs.

use strict;
use warnings;

use Carp qw(croak);
use Exporter qw(import);
use File::Path qw(remove_tree);
use File::Temp ();
use Test::Builder ();

use Telltale::HTTP qw(http_once free_port);
use Telltale::Stack qw(stack_at stack_worker_binary);

our @EXPORT = qw(second_stack_env second_stack_worker second_stack_down_at_end admin_token_at new_app_at
		 log_alarms);

# second_stack_worker(): the worker binary of the stack under test when it is
# there to run, else undef (for TELLTALE_WORKER; undef deletes it).
sub second_stack_worker {
	my $worker = stack_worker_binary();
	return defined $worker && -x $worker ? $worker : undef;
}

# second_stack_env($name, %vars): the environment of a second stack for
# stack_at: STATE_DIR a new directory /tmp/telltale-$name-XXXXXX (mode 0755:
# the postgres user reaches its cluster through it), PORT a free port on BIND
# 127.0.0.1, WORKERS 2, TELLTALE_PG_FAST 1, a cluster of its own (no
# DATABASE_URL) and TELLTALE_WORKER the worker binary of the stack under test
# when there is one, then %vars over those (a value of undef deletes the
# variable). Returns it as a list of pairs, for a hash.
sub second_stack_env {
	my ($name, %vars) = @_;
	my $state = File::Temp::tempdir("/tmp/telltale-$name-XXXXXX");
	chmod 0755, $state;
	my $worker = second_stack_worker();
	return (STATE_DIR => $state, PORT => free_port(), BIND => '127.0.0.1', WORKERS => 2,
		TELLTALE_PG_FAST => 1, DATABASE_URL => undef,
		(defined $worker ? (TELLTALE_WORKER => $worker) : ()), %vars);
}

my @teardowns;    # what second_stack_down_at_end was given, in order

# second_stack_down_at_end(\%env, \$running, time_limit => SECS,
#                          first => [[\%env2, @args], ...], dirs => [DIR...],
#                          pg_suffixes => [SUFFIX...]):
# makes sure the second stack of %env is stopped however the test ends: INT,
# TERM, HUP and the alarm of time_limit seconds (none when not given) become
# an exit, and at the exit of the test's own process (not of a child it
# forked), when $running is true, the ./stack commands of first run (each
# with its environment, read then) and then `./stack down` for %env. Then,
# when the test failed, a diag says where the state is kept; else
# $env{STATE_DIR}, the dirs and the PostgreSQL directory its pg link names
# (/var/lib/telltale/pg-*, and that name with each of the pg_suffixes) are
# removed. The exit status is kept. Returns nothing.
sub second_stack_down_at_end {
	my ($env, $running, %o) = @_;
	croak 'second_stack_down_at_end: no STATE_DIR' unless $env->{STATE_DIR};
	push @teardowns, { %o, env => $env, running => $running, pid => $$ };
	$SIG{$_} = sub { exit 1 } for qw(INT TERM HUP);
	if (my $secs = $o{time_limit}) {
		$SIG{ALRM} = sub { Test::Builder->new->diag("time is up ($secs s)"); exit 1 };
		alarm $secs;
	}
	return;
}

END {
	my $status = $?;
	for my $t (reverse @teardowns) {
		next unless $t->{pid} == $$;
		if (${ $t->{running} }) {
			stack_at(@$_) for @{ $t->{first} || [] };
			stack_at($t->{env}, 'down');
		}
		my $state = $t->{env}{STATE_DIR};
		my @dirs = @{ $t->{dirs} || [] };
		if ($status || !Test::Builder->new->is_passing) {
			Test::Builder->new->diag(@dirs ? "the stacks' state is kept in " . join(' and ', $state, @dirs)
					       : "the second stack's state is kept in $state");
		} else {
			my $pg = readlink "$state/pg";
			remove_tree($state, @dirs);
			remove_tree($pg, map { "$pg$_" } @{ $t->{pg_suffixes} || [] })
				if defined $pg && $pg =~ m{^/var/lib/telltale/pg-};
		}
	}
	$? = $status;
}

# admin_token_at(\%env): a new admin token of the stack of %env (./stack token
# new admin), or '' when none was made.
sub admin_token_at {
	my ($env) = @_;
	my ($token) = (stack_at($env, 'token', 'new', 'admin'))[1] =~ /^(tt_\S+)$/m;
	return $token // '';
}

# new_app_at(\%env, $name): POST /apps/$name on the stack of %env
# (127.0.0.1:PORT) with a new admin token; returns http_once's answer, whose
# json is the app ({id, name, ingest_key, ...}) when its status is 201.
sub new_app_at {
	my ($env, $name) = @_;
	return http_once('127.0.0.1', $env->{PORT}, 'POST', "/apps/$name",
			 headers => { Authorization => 'Bearer ' . admin_token_at($env) });
}

# log_alarms(@state_dirs): the lines of the stacks' logs ($dir/log/*.log)
# that t/stack-test's clean-log check refuses, each as "file: line" (with its
# newline): an nginx alert, a sanitizer report or crash, a process death
# (multiwatch logs one as "Child[N] died").
sub log_alarms {
	my (@state_dirs) = @_;
	my @alarming;
	for my $log (map { glob "$_/log/*.log" } @state_dirs) {
		open my $fh, '<', $log or next;
		my $name = $log =~ s{.*/}{}r;
		push @alarming, map { "$name: $_" } grep {
			($name eq 'nginx-error.log' && /\[(alert|crit|emerg)\]/)
			|| /AddressSanitizer|LeakSanitizer|runtime error|Segmentation|core dumped|Child\[\d+\] died/
		} <$fh>;
	}
	return @alarming;
}

1;
