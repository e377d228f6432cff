#!/usr/bin/perl
# What the database holds the columns of events and logs to (the domains of
# sql/012 and sql/014), whoever writes them: each value in the form the
# API stores is taken, each value out of it refused by a check (SQLSTATE
# 23514). Every insert runs in a transaction that is rolled back, so nothing
# stays.
use strict;
use warnings;
use Test::More;
use Telltale;

my $tag = join '', map { ('a' .. 'z')[ rand 26 ] } 1 .. 12;

# SQL that inserts a parent row ($parent, an INSERT returning id) and one row
# of $table under it (its $fk), with %$row's values (SQL text) for @$columns
# and $column set to $value; then rolls both back.
sub rolled_back_row {
	my ($parent, $table, $fk, $columns, $row, $column, $value) = @_;
	my %values = (%$row, $column => $value);
	return "BEGIN; WITH p AS ($parent RETURNING id)"
		. " INSERT INTO $table ($fk, " . join(', ', @$columns) . ")"
		. " SELECT id, " . join(', ', @values{@$columns}) . " FROM p; ROLLBACK";
}

# An application with one event whose COLUMN is VALUE (SQL text), rolled back.
sub event_sql {
	return rolled_back_row("INSERT INTO applications (name, ingest_key_sha256, ingest_key_prefix)"
			       . " VALUES ('t0110-$tag', repeat('a', 64), 'aaaaaaaa')",
			       'events', 'application_id', [qw(occurred_at level message stack tags)],
			       { occurred_at => 'now()', level => "'ERROR'", message => "'m'",
				 stack => 'NULL', tags => 'NULL' }, @_);
}

# A service with one log whose COLUMN is VALUE (SQL text), rolled back.
sub log_sql {
	return rolled_back_row("INSERT INTO services (name) VALUES ('t0110-$tag')", 'logs', 'service_id',
			       [qw(method url path status_code latency_ms query_params request_headers
				   response_headers)],
			       { method => "'GET'", url => "'http://x/'", path => "'/'", status_code => 'NULL',
				 latency_ms => 'NULL', query_params => 'NULL', request_headers => 'NULL',
				 response_headers => 'NULL' }, @_);
}

# 1 when the row is taken, 0 when a check refuses it: SQLSTATE 23514
# (check_violation), which a domain's CHECK raises as a table's does. Any other
# failure (a syntax error, no connection) is no answer to the case: its text,
# which fails the case's assertion and shows in the diagnostics.
sub stored {
	my ($sql) = @_;
	my $r = db_try($sql);
	return 1 if $r->{rows};
	return 0 if ($r->{sqlstate} // '') eq '23514';
	return "psql failed: $r->{error}";
}

my @cases = (
	# [ table, column, value, taken? ]
	[ event => level => "'DEBUG'", 1 ],
	[ event => level => "'CRITICAL'", 1 ],
	[ event => level => "'error'", 0 ],
	[ event => level => "'FATAL'", 0 ],
	[ event => stack => q('{"frames": []}'), 1 ],
	[ event => stack => q('[]'), 0 ],
	[ event => tags => q('{}'), 1 ],
	[ event => tags => q('"x"'), 0 ],
	[ log => method => "'PATCH'", 1 ],
	[ log => method => "'ABCDEFGHIJKLMNOP'", 1 ],
	[ log => method => "'ABCDEFGHIJKLMNOPQ'", 0 ],
	[ log => method => "'get'", 0 ],
	[ log => method => "'G3T'", 0 ],
	[ log => status_code => '100', 1 ],
	[ log => status_code => '599', 1 ],
	[ log => status_code => '99', 0 ],
	[ log => status_code => '600', 0 ],
	[ log => latency_ms => '0', 1 ],
	[ log => latency_ms => '-0.5', 0 ],
	[ log => query_params => q('{"page": "2"}'), 1 ],
	[ log => query_params => q('["page"]'), 0 ],
	[ log => request_headers => q('{}'), 1 ],
	[ log => request_headers => q('1'), 0 ],
	[ log => response_headers => q('{"a": "b"}'), 1 ],
	[ log => response_headers => q('null'), 0 ],
);

for my $c (@cases) {
	my ($table, $column, $value, $taken) = @$c;
	my $sql = $table eq 'event' ? event_sql($column, $value) : log_sql($column, $value);
	my $what = $table eq 'event' ? 'an event' : 'a log';
	is(stored($sql), $taken, ($taken ? 'takes' : 'refuses') . " $what with $column $value");
}

# NULL where a column allows it, and what the rollbacks left behind.
is(stored(event_sql(level => "'INFO'")), 1, 'takes an event with no stack and no tags');
is(db_query("SELECT (SELECT count(*) FROM applications WHERE name = 't0110-$tag')"
	    . " + (SELECT count(*) FROM services WHERE name = 't0110-$tag')")->[0][0], 0,
   'nothing of the cases stays');

done_testing;
