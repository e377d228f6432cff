package Telltale::Util;

# Small helpers of telltale's integration tests: JSON, files, waiting, a child
# process for a request that is to wait, and predicates on text.

use strict;
use warnings;

use Carp qw(croak);
use Exporter qw(import);
use JSON::PP;
use POSIX ();
use Time::HiRes ();

our @EXPORT = qw(json_bytes wait_for in_background is_valid_utf8 is_uuid);
our @EXPORT_OK = qw(slurp json_value json_decode);

my $JSON = JSON::PP->new->utf8->canonical->allow_nonref;

# JSON text of a Perl structure (UTF-8 bytes, sorted keys).
sub json_bytes { return $JSON->encode($_[0]) }

# The Perl value of JSON text (UTF-8 bytes); croaks when it is not JSON.
sub json_decode { return $JSON->decode($_[0]) }

# The Perl value of JSON text, or undef when there is none or it is not JSON.
sub json_value {
	my ($body) = @_;
	return undef unless defined $body && length $body;
	my $v = eval { $JSON->decode($body) };
	return $v;
}

# The contents of the file at $path, or undef when it cannot be read.
sub slurp {
	my ($path) = @_;
	open my $fh, '<', $path or return undef;
	local $/;
	my $s = <$fh>;
	return $s;
}

# Polls $check every $step seconds until it returns true or $secs pass.
# Returns the last result.
sub wait_for {
	my ($secs, $check, $step) = @_;
	$step ||= 0.2;
	my $deadline = Time::HiRes::time() + $secs;
	my $r;
	while (1) {
		$r = $check->();
		return $r if $r;
		last if Time::HiRes::time() >= $deadline;
		Time::HiRes::sleep($step);
	}
	return $r;
}

# in_background($code): runs $code in a child process while the test goes on
# (a request that is to wait for a lock the test holds). Returns a sub that
# waits for the child and returns the line $code returned.
sub in_background {
	my ($code) = @_;
	pipe(my $r, my $w) or croak "in_background: pipe: $!";
	my $pid = fork // croak "in_background: fork: $!";
	if (!$pid) {
		close $r;
		syswrite($w, $code->() . "\n");
		POSIX::_exit(0);
	}
	close $w;
	return sub {
		chomp(my $line = <$r> // '');
		close $r;
		waitpid($pid, 0);
		return $line;
	};
}

# 1 when the Perl string of bytes is valid UTF-8.
sub is_valid_utf8 {
	my ($bytes) = @_;
	my $copy = $bytes;
	return utf8::decode($copy) ? 1 : 0;
}

# 1 when $s is a UUID in its lower-case 8-4-4-4-12 form.
sub is_uuid {
	my ($s) = @_;
	return defined $s && !ref $s && $s =~ /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\z/ ? 1 : 0;
}

1;
