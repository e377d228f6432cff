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

my $worker = stack_worker_binary() or BAIL_OUT('the stack names no worker binary');
my $rules = eval { JSON::PP->new->decode(scalar `"$worker" --field-rules`) };
ok($rules, "$worker --field-rules prints JSON") or BAIL_OUT($@ || 'no output');

# 1 when the value (SQL text) casts to the domain, 0 when the domain's CHECK
# refuses it (SQLSTATE 23514); any other fault fails the test.
sub domain_takes {
	my ($value, $domain) = @_;
	my $r = db_try("SELECT ($value)::$domain");
	return 1 if $r->{rows};
	is($r->{sqlstate}, '23514', "  $value as $domain: refused by its CHECK") or diag($r->{error});
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
