package Telltale::V1;

# API monitoring (/v1): services, their keys, request logs, alert rules and
# their events.

use strict;
use warnings;

use Carp qw(croak);
use Exporter qw(import);
use Time::HiRes ();

use Telltale::HTTP;

our @EXPORT = qw(new_service new_key log_ev ingest_log logs_of new_alert alert_events_of);

my $service_counter = 0;

# Creates a service with a unique name (and %fields); returns the SERVICE.
sub new_service {
	my ($label, %fields) = @_;
	$label = defined $label ? "-$label" : '';
	$service_counter++;
	my $name = "s-$$-$service_counter-" . time() . $label;
	my $res = req('POST', '/v1/services', json => { name => $name, %fields });
	croak "cannot create service $name: $res->{status} " . ($res->{body} // '')
		unless $res->{status} == 201 && $res->{json} && $res->{json}{id};
	return { %{ $res->{json} } };
}

# Creates a key of $service; returns the key object with raw_key.
sub new_key {
	my ($service, $name) = @_;
	my $res = req('POST', "/v1/services/$service->{id}/keys", json => { name => $name // 'test key' });
	croak "cannot create a key for $service->{id}: $res->{status} " . ($res->{body} // '')
		unless $res->{status} == 201 && $res->{json} && $res->{json}{raw_key};
	return { %{ $res->{json} } };
}

# A valid request log, with fields overridden by %o (undef deletes the field).
sub log_ev {
	my (%o) = @_;
	my %l = (method => 'GET', url => 'https://api.example.com/v1/items?page=1',
		 path => '/v1/items', status_code => 200, latency_ms => 12.5);
	for my $k (keys %o) {
		if (defined $o{$k}) { $l{$k} = $o{$k} } else { delete $l{$k} }
	}
	return \%l;
}

# ingest_log($raw_key, \%log, body => BYTES, headers => {...}, auth => HEADER)
# POSTs to /v1/logs with "Authorization: Bearer $raw_key" (auth replaces the
# whole header; undef $raw_key and no auth send none); waits out 429s.
sub ingest_log {
	my ($key, $log, %o) = @_;
	my %headers = %{ $o{headers} || {} };
	if (exists $o{auth}) {
		$headers{Authorization} = $o{auth} if defined $o{auth};
	} elsif (defined $key) {
		$headers{Authorization} = "Bearer $key";
	}
	my @payload = exists $o{body} ? (body => $o{body}) : (json => $log);
	my $res;
	for my $try (1 .. 30) {
		$res = req('POST', '/v1/logs', @payload, headers => \%headers);
		last unless $res->{status} == 429;
		Time::HiRes::sleep(($res->{headers}{'retry-after'} || 1) * 1.0);
	}
	return $res;
}

# Every log that GET /v1/logs?$query lists, newest first (pages through).
sub logs_of {
	my ($query) = @_;
	my @items;
	my $offset = 0;
	$query = defined $query && length $query ? "&$query" : '';
	for (1 .. 10000) {
		my $res = req('GET', "/v1/logs?limit=500&offset=$offset$query");
		croak "listing logs ($query): $res->{status} " . ($res->{body} // '')
			unless $res->{status} == 200 && $res->{json};
		push @items, @{ $res->{json}{items} };
		last unless defined $res->{json}{next_offset};
		$offset = $res->{json}{next_offset};
	}
	return @items;
}

my $alert_counter = 0;

# new_alert($service, %fields): creates a rule of $service (by default
# status_code >= 500, no cooldown) with %fields over the defaults; returns the
# ALERT. Croaks unless the answer is 201.
sub new_alert {
	my ($service, %fields) = @_;
	$alert_counter++;
	my %body = (service_id => $service->{id}, name => "rule $alert_counter",
		    condition_field => 'status_code', condition_operator => '>=',
		    condition_value => '500', %fields);
	my $res = req('POST', '/v1/alerts', json => \%body);
	croak "cannot create an alert: $res->{status} " . ($res->{body} // '')
		unless $res->{status} == 201 && $res->{json} && $res->{json}{id};
	return { %{ $res->{json} } };
}

# Every ALERT EVENT of $alert (a rule or its id), newest first (pages through).
sub alert_events_of {
	my ($alert) = @_;
	my $id = ref $alert ? $alert->{id} : $alert;
	my @items;
	my $offset = 0;
	for (1 .. 10000) {
		my $res = req('GET', "/v1/alerts/$id/events?limit=500&offset=$offset");
		croak "listing the events of alert $id: $res->{status} " . ($res->{body} // '')
			unless $res->{status} == 200 && $res->{json};
		push @items, @{ $res->{json}{items} };
		last unless defined $res->{json}{next_offset};
		$offset = $res->{json}{next_offset};
	}
	return @items;
}

1;
