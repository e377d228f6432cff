#!/usr/bin/perl
# src/ is one folder per layer, and includes point only down:
#   programs -> api -> http, db, outbound -> pure, base
# (a folder may include from itself and from any folder of a lower rank).
# pure/ is the code the unit tests and fuzzers link: no FastCGI, no libpq.
# otlp/ is the C that protoc-c writes from proto/otlp/ into the build
# directory, below every layer.
use strict;
use warnings;
use Test::More;

my $root = $ENV{TELLTALE_ROOT} or BAIL_OUT('TELLTALE_ROOT is not set');
my %rank = (otlp => -1, base => 0, pure => 0, db => 1, http => 1, outbound => 1, api => 2, programs => 3);

my @files = glob("$root/src/*/*.[ch]");
cmp_ok(scalar @files, '>', 50, scalar(@files) . ' source files');
my (@up, @unknown, @impure);
for my $file (@files) {
	my ($layer) = $file =~ m{/src/([^/]+)/[^/]+$};
	push @unknown, $file and next unless exists $rank{$layer};
	open(my $fh, '<', $file) or BAIL_OUT("$file: $!");
	while (my $line = <$fh>) {
		if ($line =~ /^#include "([^"\/]+)\/[^"]+"/) {
			my $to = $1;
			push @unknown, "$file includes $to/" unless exists $rank{$to};
			push @up, "$file includes $to/"
				if exists $rank{$to} && $to ne $layer && $rank{$to} >= $rank{$layer};
		} elsif ($line =~ /^#include "[^"\/]+"/) {
			push @unknown, "$file: $line";
		}
		push @impure, "$file: $line" if $layer eq 'pure' && $line =~ /^#include <(fcgiapp|fcgi_stdio|libpq-fe)\.h>/;
	}
}
is_deeply(\@unknown, [], 'every source file sits in a layer and names the folder of what it includes');
is_deeply(\@up, [], 'no include runs up or sideways between layers');
is_deeply(\@impure, [], 'pure/ includes neither FastCGI nor libpq');
is_deeply([ grep { -f } glob("$root/src/*.[ch]") ], [], 'no source file outside a layer folder');

done_testing();
