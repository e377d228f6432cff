#!/usr/bin/perl
# frontend/openapi.json against the worker: every route of its table
# (telltale-worker --routes) is documented with its method and query
# parameters (and nothing the worker does not serve); the
# document is OpenAPI 3.1 whose operations all have ids, summaries and
# responses, whose error answers are the Error body of docs/api.md, and whose
# references resolve; nginx serves the same document as /openapi.json.
# (t/browser/run lints it with @redocly/cli and renders it in /docs.)
use strict;
use warnings;
use Test::More;
use JSON::PP;
use Telltale;

my $root = $ENV{TELLTALE_ROOT} or BAIL_OUT('TELLTALE_ROOT is not set');

sub slurp {
	my ($path) = @_;
	open(my $fh, '<:raw', $path) or BAIL_OUT("cannot read $path: $!");
	local $/;
	return scalar <$fh>;
}

my $doc = eval { JSON::PP->new->utf8->decode(slurp("$root/frontend/openapi.json")) };
ok($doc, 'frontend/openapi.json is JSON') or BAIL_OUT($@);
like($doc->{openapi} // '', qr/^3\.1\.\d+$/, 'OpenAPI 3.1');
ok($doc->{info}{title} && $doc->{info}{version}, 'info has a title and a version');

# --- the worker's route table (telltale-worker --routes) -------------------------

my $worker = stack_worker_binary() or BAIL_OUT('the stack names no worker binary');
my @table = map { JSON::PP->new->decode($_) } grep { /\S/ } `"$worker" --routes`;
is($?, 0, "$worker --routes");
cmp_ok(scalar @table, '>=', 30, 'read ' . scalar(@table) . ' routes');
my (@routes, %query_of);
for my $r (@table) {
	push @routes, "$r->{method} $r->{pattern}";
	$query_of{"$r->{method} $r->{pattern}"} = [ sort @{ $r->{query} } ];
}

my %METHODS = map { $_ => 1 } qw(get put post delete options head patch trace);
my (%documented, @operations);
for my $path (sort keys %{ $doc->{paths} }) {
	(my $pattern = $path) =~ s/\{[^}]+\}/*/g;
	$pattern =~ s{/+\z}{};
	for my $method (sort keys %{ $doc->{paths}{$path} }) {
		next unless $METHODS{$method};
		$documented{ uc($method) . " $pattern" } = 1;
		push @operations, [ uc $method, $path, $doc->{paths}{$path}{$method} ];
	}
}
my %served = map { $_ => 1 } @routes;
is_deeply([ grep { !$documented{$_} } @routes ], [], 'every route of the worker is in openapi.json');
is_deeply([ grep { !$served{$_} } sort keys %documented ], [], 'openapi.json documents no route the worker lacks');

# Each operation documents exactly the query parameters its route reads.
for my $op (@operations) {
	my ($method, $path, $o) = @$op;
	(my $pattern = $path) =~ s/\{[^}]+\}/*/g;
	$pattern =~ s{/+\z}{};
	next unless $query_of{"$method $pattern"};
	my @documented = sort map { resolve($_)->{name} } grep { resolve($_)->{in} eq 'query' }
		@{ $o->{parameters} || [] }, @{ $doc->{paths}{$path}{parameters} || [] };
	is_deeply(\@documented, $query_of{"$method $pattern"},
		"$method $path: the query parameters of the route table");
}

# --- every operation ------------------------------------------------------------

my %ids;
for my $op (@operations) {
	my ($method, $path, $o) = @$op;
	my $name = "$method $path";
	ok($o->{operationId} && !$ids{ $o->{operationId} }++, "$name: a unique operationId");
	ok($o->{summary}, "$name: a summary");
	my @codes = keys %{ $o->{responses} || {} };
	ok((grep { /^2\d\d$/ } @codes), "$name: a 2xx answer");
	ok((grep { $_ eq '500' } @codes), "$name: the 500 answer") unless $method eq 'OPTIONS';
	# Path parameters: each {name} of the path is declared.
	my @declared = map { resolve($_)->{name} } grep { resolve($_)->{in} eq 'path' }
		@{ $o->{parameters} || [] }, @{ $doc->{paths}{$path}{parameters} || [] };
	my @wanted = $path =~ /\{([^}]+)\}/g;
	is_deeply([ sort @declared ], [ sort @wanted ], "$name: its path parameters are declared");
}

# Every 4xx and 5xx answer is the Error body (but health's 503, which is Health).
my %error_refs;
for my $op (@operations) {
	my ($method, $path, $o) = @$op;
	for my $code (grep { /^[45]\d\d$/ } keys %{ $o->{responses} }) {
		my $r = resolve($o->{responses}{$code});
		my $schema = $r->{content}{'application/json'}{schema}{'$ref'} // '';
		$error_refs{"$method $path $code"} = $schema
			unless $schema eq '#/components/schemas/Error' || ($path eq '/v1/health' && $code eq '503');
	}
}
is_deeply(\%error_refs, {}, 'every error answer is {"error", "message", "field"?}');
is_deeply([ sort @{ $doc->{components}{schemas}{Error}{properties}{error}{enum} } ],
	[ sort qw(VALIDATION BAD_REQUEST UNAUTHORIZED FORBIDDEN NOT_FOUND METHOD_NOT_ALLOWED CONFLICT
		PAYLOAD_TOO_LARGE RATE_LIMITED UNAVAILABLE INTERNAL MISDIRECTED) ], 'the error codes of docs/api.md');

# Every $ref resolves.
my @broken;
walk($doc, sub {
	my ($ref) = @_;
	push @broken, $ref unless defined eval { resolve({ '$ref' => $ref }) };
});
is_deeply(\@broken, [], 'every $ref resolves');

# --- served by nginx ---------------------------------------------------------------

my $res = req('GET', '/openapi.json');
is($res->{status}, 200, 'GET /openapi.json');
like($res->{headers}{'content-type'} // '', qr{^application/json}, '  as application/json');
is_deeply($res->{json}, $doc, '  the same document');
my $page = req('GET', '/docs');
is($page->{status}, 200, 'GET /docs');
like($page->{body} // '', qr{swagger-ui-bundle\.js}, '  the Swagger UI page');

done_testing();

# A local reference's target (the object itself when it is no reference).
sub resolve {
	my ($node) = @_;
	return $node unless ref $node eq 'HASH' && exists $node->{'$ref'};
	my ($pointer) = $node->{'$ref'} =~ m{^#/(.*)$} or die "not a local reference: $node->{'$ref'}\n";
	my $target = $doc;
	for my $part (split m{/}, $pointer) {
		$part =~ s/~1/\//g;
		$part =~ s/~0/~/g;
		die "unresolved: $node->{'$ref'}\n" unless ref $target eq 'HASH' && exists $target->{$part};
		$target = $target->{$part};
	}
	return resolve($target);
}

# Calls fn with every $ref string in the tree.
sub walk {
	my ($node, $fn) = @_;
	if (ref $node eq 'HASH') {
		$fn->($node->{'$ref'}) if exists $node->{'$ref'} && !ref $node->{'$ref'};
		walk($_, $fn) for values %$node;
	} elsif (ref $node eq 'ARRAY') {
		walk($_, $fn) for @$node;
	}
}
