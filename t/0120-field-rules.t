#!/usr/bin/perl
# The field rules kept once in C (pure/fields.h, printed by
# `telltale-worker --field-rules`) and the SQL domains that hold the same
# columns (http_status, http_method) agree: each bound the worker takes, the
# domain takes, and one past it both refuse.
use strict;
use warnings;
use Test::More;
use JSON::PP;
use Telltale;

my $root = $ENV{TELLTALE_ROOT} or BAIL_OUT('TELLTALE_ROOT is not set');
my $worker = $ENV{TELLTALE_WORKER} || "$root/build/src/telltale-worker";
my $rules = eval { JSON::PP->new->decode(scalar `"$worker" --field-rules`) };
ok($rules, "$worker --field-rules prints JSON") or BAIL_OUT($@ || 'no output');

my $state = $ENV{TELLTALE_STATE_DIR} or BAIL_OUT('TELLTALE_STATE_DIR is not set');
open(my $fh, '<', "$state/run/database_url") or BAIL_OUT("no database_url: $!");
chomp(my $conninfo = <$fh>);

# psql's exit status and its output (errors with their SQLSTATE) for $sql.
sub psql_verbose {
	my ($sql) = @_;
	my $pid = open(my $out, '-|') // die "fork: $!";
	if (!$pid) {
		open STDERR, '>&', \*STDOUT;
		exec 'psql', '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-v', 'VERBOSITY=verbose',
			'-d', $conninfo, '-c', $sql or exit 127;
	}
	my $text = join '', <$out>;
	close $out;
	return ($? >> 8, $text);
}

# 1 when the value (SQL text) casts to the domain, 0 when the domain's CHECK
# refuses it (SQLSTATE 23514); any other fault fails the test.
sub domain_takes {
	my ($value, $domain) = @_;
	my ($status, $text) = psql_verbose("SELECT ($value)::$domain");
	return 1 if $status == 0;
	like($text, qr/ERROR:\s+23514:/, "  $value as $domain: refused by its CHECK (23514)");
	return 0;
}

my ($min, $max) = @{ $rules->{http_status} }{qw(min max)};
is(domain_takes($min, 'http_status'), 1, "http_status takes $min, the worker's least status code");
is(domain_takes($max, 'http_status'), 1, "http_status takes $max, the worker's greatest");
is(domain_takes($min - 1, 'http_status'), 0, "http_status refuses " . ($min - 1));
is(domain_takes($max + 1, 'http_status'), 0, "http_status refuses " . ($max + 1));

my $letters = $rules->{http_method}{max_letters};
is(domain_takes("repeat('A', $letters)", 'http_method'), 1, "http_method takes $letters letters, as the worker does");
is(domain_takes("repeat('A', " . ($letters + 1) . ")", 'http_method'), 0, 'http_method refuses one more');
is(domain_takes("'A'", 'http_method'), 1, 'http_method takes one letter');
is(domain_takes("''", 'http_method'), 0, 'http_method refuses none');

done_testing();
