#!/usr/bin/perl
# GET /v1/health: 200 {"status": "ok", "database": "ok", "partitions":
# {"runway_days"}} while the database is up and partitions are made ahead.
use strict;
use warnings;
use Test::More;
use Telltale;

my $res = req('GET', '/v1/health');
is($res->{status}, 200, 'health answers 200');
like($res->{headers}{'content-type'} // '', qr{^application/json}i, 'health is JSON');
my $runway = ref $res->{json} eq 'HASH' && ref $res->{json}{partitions} eq 'HASH'
	? delete $res->{json}{partitions}{runway_days} : undef;
is_deeply($res->{json}, { status => 'ok', database => 'ok', partitions => {} }, 'health body')
	or diag($res->{body});
# telltale-maintain keeps 7 days made ahead, beyond the current one.
ok(defined $runway && $runway >= 7 && $runway <= 9, "partitions are made 7 days ahead ($runway days)")
	or diag($res->{body});

$res = req('GET', '/v1/health/');
is($res->{status}, 200, 'trailing slash on /v1/health is ignored');

$res = req('POST', '/v1/health', json => {});
error_ok($res, 405, 'METHOD_NOT_ALLOWED', undef, 'POST /v1/health is 405');
like($res->{headers}{allow} // '', qr/\bGET\b/, '405 names GET in Allow');

# Every worker answers: more requests than a stack has workers.
my @bad = grep { $_->{status} != 200 } map { req('GET', '/v1/health') } 1 .. 20;
is(scalar @bad, 0, '20 health checks in a row all answer 200');

done_testing;
