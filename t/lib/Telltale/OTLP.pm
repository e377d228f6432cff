package Telltale::OTLP;

# OpenTelemetry exports written by hand, in both encodings, for the tests of
# POST /otlp/v1/{traces,logs,metrics}: a small protobuf writer and reader
# (the field numbers of the OTLP specification's messages), and the same
# exports in the OTLP JSON mapping.
#
# A span or log record is a hash; attributes are [key => value] pairs, a
# value a Perl string, or { int => N }, { bool => 0|1 }, { double => X },
# { array => [values] }, { kvlist => [pairs] }, { bytes => B }.

use strict;
use warnings;

use Exporter qw(import);
use MIME::Base64 qw(encode_base64);

use Telltale::HTTP;
use Telltale::Util;

our @EXPORT = qw(pb_varint pb_field pb_bytes pb_fixed64 pb_fields_of
		 otlp_traces_pb otlp_traces_json otlp_logs_pb otlp_logs_json otlp_post
		 otlp_now_ns);

# --- protobuf -------------------------------------------------------------------

sub pb_varint {
	my ($n) = @_;
	my $out = '';
	# Negative int64s are ten bytes of two's complement.
	$n = unpack('Q<', pack('q<', $n)) if $n < 0;
	while ($n >= 0x80) {
		$out .= chr(($n & 0x7f) | 0x80);
		$n = int($n / 128);
	}
	return $out . chr($n);
}

# A length-delimited field (wire type 2).
sub pb_bytes { my ($num, $bytes) = @_; return pb_varint($num << 3 | 2) . pb_varint(length $bytes) . $bytes }
# A varint field (wire type 0).
sub pb_field { my ($num, $n) = @_; return pb_varint($num << 3) . pb_varint($n) }
# A fixed64 field (wire type 1).
sub pb_fixed64 { my ($num, $n) = @_; return pb_varint($num << 3 | 1) . pack('Q<', $n) }

sub any_value_pb {
	my ($v) = @_;
	return pb_bytes(1, $v) unless ref $v;
	return pb_field(2, $v->{bool} ? 1 : 0) if exists $v->{bool};
	return pb_field(3, $v->{int}) if exists $v->{int};
	return pb_varint(4 << 3 | 1) . pack('d<', $v->{double}) if exists $v->{double};
	return pb_bytes(5, join('', map { pb_bytes(1, any_value_pb($_)) } @{ $v->{array} })) if $v->{array};
	return pb_bytes(6, attrs_pb(1, $v->{kvlist})) if $v->{kvlist};
	return pb_bytes(7, $v->{bytes}) if exists $v->{bytes};
	return '';
}

# Key-value pairs as repeated field $num.
sub attrs_pb {
	my ($num, $pairs) = @_;
	my $out = '';
	for (my $i = 0; $i < @{ $pairs || [] }; $i += 2) {
		$out .= pb_bytes($num, pb_bytes(1, $pairs->[$i]) . pb_bytes(2, any_value_pb($pairs->[$i + 1])));
	}
	return $out;
}

sub span_pb {
	my ($s) = @_;
	my $out = pb_bytes(1, pack('H*', $s->{trace_id})) . pb_bytes(2, pack('H*', $s->{span_id}));
	$out .= pb_bytes(4, pack('H*', $s->{parent_span_id})) if $s->{parent_span_id};
	$out .= pb_bytes(5, $s->{name} // 'span');
	$out .= pb_field(6, $s->{kind}) if $s->{kind};
	$out .= pb_fixed64(7, $s->{start}) . pb_fixed64(8, $s->{end});
	$out .= attrs_pb(9, $s->{attrs});
	for my $e (@{ $s->{events} || [] }) {
		$out .= pb_bytes(11, pb_fixed64(1, $e->{time} // $s->{start}) . pb_bytes(2, $e->{name})
				 . attrs_pb(3, $e->{attrs}));
	}
	if ($s->{status}) {
		$out .= pb_bytes(15, ($s->{status}{message} ? pb_bytes(2, $s->{status}{message}) : '')
				 . pb_field(3, $s->{status}{code}));
	}
	return $out;
}

sub resource_pb { my ($attrs) = @_; return pb_bytes(1, attrs_pb(1, $attrs)) }

# otlp_traces_pb([ { resource => [pairs], spans => [span...] } ...]): an
# ExportTraceServiceRequest.
sub otlp_traces_pb {
	my ($groups) = @_;
	return join('', map {
		pb_bytes(1, resource_pb($_->{resource}) .
			 pb_bytes(2, join('', map { pb_bytes(2, span_pb($_)) } @{ $_->{spans} })))
	} @$groups);
}

sub log_pb {
	my ($l) = @_;
	my $out = '';
	$out .= pb_fixed64(1, $l->{time}) if $l->{time};
	$out .= pb_field(2, $l->{severity}) if $l->{severity};
	$out .= pb_bytes(3, $l->{severity_text}) if defined $l->{severity_text};
	$out .= pb_bytes(5, any_value_pb($l->{body})) if defined $l->{body};
	$out .= attrs_pb(6, $l->{attrs});
	$out .= pb_bytes(9, pack('H*', $l->{trace_id})) if $l->{trace_id};
	$out .= pb_bytes(10, pack('H*', $l->{span_id})) if $l->{span_id};
	$out .= pb_fixed64(11, $l->{observed}) if $l->{observed};
	return $out;
}

# otlp_logs_pb([ { resource => [pairs], logs => [record...] } ...]): an
# ExportLogsServiceRequest.
sub otlp_logs_pb {
	my ($groups) = @_;
	return join('', map {
		pb_bytes(1, resource_pb($_->{resource}) .
			 pb_bytes(2, join('', map { pb_bytes(2, log_pb($_)) } @{ $_->{logs} })))
	} @$groups);
}

# The fields of a message as [number, wire type, value] (value: an integer
# for varints and fixed64s, the bytes for length-delimited fields); undef
# when the bytes are not well-formed protobuf.
sub pb_fields_of {
	my ($bytes) = @_;
	my @fields;
	my $pos = 0;
	my $varint = sub {
		my ($n, $shift) = (0, 0);
		while (1) {
			return undef if $pos >= length $bytes;
			my $b = ord substr($bytes, $pos++, 1);
			$n += ($b & 0x7f) * 2**$shift;
			$shift += 7;
			return $n unless $b & 0x80;
		}
	};
	while ($pos < length $bytes) {
		my $tag = $varint->() // return undef;
		my ($num, $wire) = (int($tag / 8), $tag % 8);
		if ($wire == 0) {
			push @fields, [ $num, 0, $varint->() // return undef ];
		} elsif ($wire == 1) {
			return undef if $pos + 8 > length $bytes;
			push @fields, [ $num, 1, unpack('Q<', substr($bytes, $pos, 8)) ];
			$pos += 8;
		} elsif ($wire == 2) {
			my $len = $varint->() // return undef;
			return undef if $pos + $len > length $bytes;
			push @fields, [ $num, 2, substr($bytes, $pos, $len) ];
			$pos += $len;
		} else {
			return undef;
		}
	}
	return \@fields;
}

# --- JSON -------------------------------------------------------------------------

sub any_value_json {
	my ($v) = @_;
	return { stringValue => $v } unless ref $v;
	return { boolValue => $v->{bool} ? JSON::PP::true : JSON::PP::false } if exists $v->{bool};
	return { intValue => "$v->{int}" } if exists $v->{int};
	return { doubleValue => $v->{double} } if exists $v->{double};
	return { arrayValue => { values => [ map { any_value_json($_) } @{ $v->{array} } ] } } if $v->{array};
	return { kvlistValue => { values => attrs_json($v->{kvlist}) } } if $v->{kvlist};
	return { bytesValue => encode_base64($v->{bytes}, '') } if exists $v->{bytes};
	return {};
}

sub attrs_json {
	my ($pairs) = @_;
	my @out;
	for (my $i = 0; $i < @{ $pairs || [] }; $i += 2) {
		push @out, { key => $pairs->[$i], value => any_value_json($pairs->[$i + 1]) };
	}
	return \@out;
}

sub span_json {
	my ($s) = @_;
	my %j = (traceId => $s->{trace_id}, spanId => $s->{span_id}, name => $s->{name} // 'span',
		 kind => $s->{kind} // 0, startTimeUnixNano => "$s->{start}",
		 endTimeUnixNano => "$s->{end}", attributes => attrs_json($s->{attrs}));
	$j{parentSpanId} = $s->{parent_span_id} if $s->{parent_span_id};
	$j{events} = [ map { { timeUnixNano => '' . ($_->{time} // $s->{start}), name => $_->{name},
			       attributes => attrs_json($_->{attrs}) } } @{ $s->{events} } ] if $s->{events};
	$j{status} = { code => $s->{status}{code}, ($s->{status}{message} ? (message => $s->{status}{message}) : ()) }
		if $s->{status};
	return \%j;
}

# The same exports in the OTLP JSON mapping, as bytes.
sub otlp_traces_json {
	my ($groups) = @_;
	return json_bytes({ resourceSpans => [ map { {
		resource => { attributes => attrs_json($_->{resource}) },
		scopeSpans => [ { scope => { name => 'test' }, spans => [ map { span_json($_) } @{ $_->{spans} } ] } ],
	} } @$groups ] });
}

sub log_json {
	my ($l) = @_;
	my %j = (attributes => attrs_json($l->{attrs}));
	$j{timeUnixNano} = "$l->{time}" if $l->{time};
	$j{observedTimeUnixNano} = "$l->{observed}" if $l->{observed};
	$j{severityNumber} = $l->{severity} if $l->{severity};
	$j{severityText} = $l->{severity_text} if defined $l->{severity_text};
	$j{body} = any_value_json($l->{body}) if defined $l->{body};
	$j{traceId} = $l->{trace_id} if $l->{trace_id};
	$j{spanId} = $l->{span_id} if $l->{span_id};
	return \%j;
}

sub otlp_logs_json {
	my ($groups) = @_;
	return json_bytes({ resourceLogs => [ map { {
		resource => { attributes => attrs_json($_->{resource}) },
		scopeLogs => [ { scope => { name => 'test' }, logRecords => [ map { log_json($_) } @{ $_->{logs} } ] } ],
	} } @$groups ] });
}

# --- requests -----------------------------------------------------------------------

# otlp_post($signal, $key, $bytes, type => 'application/x-protobuf', headers => {...})
sub otlp_post {
	my ($signal, $key, $bytes, %o) = @_;
	my %headers = (%{ $o{headers} || {} });
	$headers{'Content-Type'} = $o{type} // 'application/x-protobuf' unless exists $headers{'Content-Type'};
	$headers{Authorization} = "Bearer $key" if defined $key;
	return req('POST', "/otlp/v1/$signal", body => $bytes, headers => \%headers);
}

# Now, in Unix nanoseconds.
sub otlp_now_ns {
	require Time::HiRes;
	my ($s, $us) = Time::HiRes::gettimeofday();
	return $s * 1_000_000_000 + $us * 1000;
}

1;
