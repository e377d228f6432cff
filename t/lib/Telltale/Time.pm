package Telltale::Time;

# Instants of telltale's API: RFC 3339 text and microseconds since the epoch.

use strict;
use warnings;

use Exporter qw(import);
use Time::HiRes ();
use Time::Local qw(timegm_modern);

our @EXPORT = qw(ts_usec fmt_usec now_usec is_rfc3339_z);

# Microseconds since the epoch of an RFC 3339 timestamp (Z or offset, optional
# fraction) or a bare date; undef when it is not one.
sub ts_usec {
	my ($s) = @_;
	return undef unless defined $s;
	my ($y, $mo, $d, $h, $mi, $se, $frac, $zone) = $s =~
		/^(\d{4})-(\d\d)-(\d\d)(?:[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?([Zz]|[+-]\d\d:\d\d))?\z/
		or return undef;
	my $secs = eval { timegm_modern($se // 0, $mi // 0, $h // 0, $d, $mo - 1, $y) };
	return undef unless defined $secs;
	my $usec = $secs * 1_000_000;
	if (defined $frac) {
		$usec += substr($frac . '000000', 0, 6) + 0;
	}
	if (defined $zone && $zone =~ /^([+-])(\d\d):(\d\d)\z/) {
		my $off = ($2 * 3600 + $3 * 60) * 1_000_000;
		$usec += $1 eq '+' ? -$off : $off;
	}
	return $usec;
}

# RFC 3339 UTC text of microseconds: fraction only when non-zero, no trailing zeros.
sub fmt_usec {
	my ($usec) = @_;
	my $secs = int($usec / 1_000_000);
	my $frac = $usec - $secs * 1_000_000;
	if ($frac < 0) { $secs -= 1; $frac += 1_000_000 }
	my @t = gmtime($secs);
	my $s = sprintf('%04d-%02d-%02dT%02d:%02d:%02d', $t[5] + 1900, $t[4] + 1, @t[3, 2, 1, 0]);
	if ($frac) {
		my $f = sprintf('%06d', $frac);
		$f =~ s/0+\z//;
		$s .= ".$f";
	}
	return "${s}Z";
}

sub now_usec { return int(Time::HiRes::time() * 1_000_000) }

# 1 when $s is RFC 3339 UTC with Z and, if any, a fraction of 1-6 digits without
# trailing zeros.
sub is_rfc3339_z {
	my ($s) = @_;
	return 0 unless defined $s && !ref $s;
	return 0 unless $s =~ /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.(\d{1,6}))?Z\z/;
	return 0 if defined $1 && $1 =~ /0\z/;
	return defined ts_usec($s) ? 1 : 0;
}

1;
