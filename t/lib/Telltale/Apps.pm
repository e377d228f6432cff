package Telltale::Apps;

# Applications and their error events (/apps): creating them, ingesting,
# listing, and the checks on what an ingest stored.

use strict;
use warnings;

use Carp qw(croak);
use Exporter qw(import);
use Test::More;
use Time::HiRes ();

use Telltale::HTTP;

our @EXPORT = qw(new_app ev ingest events_of count_events events_with_event_id stored_event_ids
		 refused_ok);

my $app_counter = 0;

# Creates an application with a unique name; returns {id, name, ingest_key, created_at}.
sub new_app {
	my ($label) = @_;
	$label = defined $label ? "-$label" : '';
	$label =~ s/[^A-Za-z0-9_.-]/_/g;
	$app_counter++;
	my $name = "t-$$-$app_counter-" . time() . $label;
	my $res = req('POST', "/apps/$name");
	croak "cannot create app $name: $res->{status} " . ($res->{body} // '')
		unless $res->{status} == 201 && $res->{json} && $res->{json}{id};
	return { %{ $res->{json} } };
}

# A valid event, with fields overridden by %o (a value of undef deletes the field).
sub ev {
	my (%o) = @_;
	my %e = (occurred_at => '2026-02-10T10:00:00Z', level => 'ERROR', message => 'boom');
	for my $k (keys %o) {
		if (defined $o{$k}) { $e{$k} = $o{$k} } else { delete $e{$k} }
	}
	return \%e;
}

# ingest($app, \%event | \@events, key => KEY, body => BYTES, headers => {...})
# POSTs to /apps/{id}/events with the app's key; waits out 429s.
sub ingest {
	my ($app, $event, %o) = @_;
	my $key = exists $o{key} ? $o{key} : $app->{ingest_key};
	my %headers = %{ $o{headers} || {} };
	$headers{'X-Ingest-Key'} = $key if defined $key;
	my $id = exists $o{app_id} ? $o{app_id} : $app->{id};
	my @payload = exists $o{body} ? (body => $o{body}) : (json => $event);
	my $res;
	for my $try (1 .. 30) {
		$res = req('POST', "/apps/$id/events", @payload, headers => \%headers);
		last unless $res->{status} == 429;
		Time::HiRes::sleep(($res->{headers}{'retry-after'} || 1) * 1.0);
	}
	return $res;
}

# Every event of the app, newest first (pages through the list).
sub events_of {
	my ($app, $query) = @_;
	my @items;
	my $offset = 0;
	$query = defined $query ? "&$query" : '';
	for (1 .. 10000) {
		my $res = req('GET', "/apps/$app->{id}/events?limit=50&offset=$offset$query");
		croak "listing events of app $app->{id}: $res->{status} " . ($res->{body} // '')
			unless $res->{status} == 200 && $res->{json};
		push @items, @{ $res->{json}{items} };
		last unless defined $res->{json}{next_offset};
		$offset = $res->{json}{next_offset};
	}
	return @items;
}

sub count_events { my @e = events_of(@_); return scalar @e }

# The stored events of $app whose event_id is $event_id, as an array ref.
sub events_with_event_id {
	my ($app, $event_id) = @_;
	return [ grep { ($_->{event_id} // '') eq $event_id } events_of($app) ];
}

# Every event_id stored for the apps, as {event_id => the event's id}, read
# through GET /apps/{id}/events.
sub stored_event_ids {
	my (@apps) = @_;
	my %ids;
	for my $app (@apps) {
		$ids{ $_->{event_id} } = $_->{id} for grep { defined $_->{event_id} } events_of($app);
	}
	return \%ids;
}

# refused_ok($app, \$stored, $res, $status, $code, $field, $name): a refused
# ingest, in two assertions: error_ok($res, $status, $code, $field, $name), and
# that $app still holds $stored events (the number the test has had accepted
# into it), for a refused ingest stores nothing. $stored is then set to what
# the app holds, so that one failure does not fail every check after it.
sub refused_ok {
	my ($app, $stored, $res, $status, $code, $field, $name) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	error_ok($res, $status, $code, $field, $name);
	my $n = count_events($app);
	my $ok = is($n, $$stored, "$name: nothing stored");
	$$stored = $n;
	return $ok;
}

1;
