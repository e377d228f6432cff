#!/usr/bin/perl
# ./stack psql: psql on the stack's database as its owner role, for operators.
use strict;
use warnings;
use Test::More;
use Telltale;

my ($status, $out) = stack_cmd('psql', '-Atc', 'SELECT current_user, count(*) > 0 FROM schema_migrations');
is($status, 0, './stack psql runs');
like($out // '', qr/^telltale\|t$/m, '  as the owner role, on the migrated database');
($status, $out) = stack_cmd('psql', '-Atc', 'SELECT no_such_column');
isnt($status, 0, '  and passes psql\'s failure on');
done_testing();
