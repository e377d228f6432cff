package Telltale;

# Helpers for telltale's integration tests. Core modules only.
#
# The tests talk to a running stack: TELLTALE_URL (http://127.0.0.1:PORT),
# TELLTALE_STATE_DIR and TELLTALE_ROOT (the checkout holding ./stack).
#
# `use Telltale;` exports what each of these modules exports:
#
#   Telltale::HTTP    requests, raw HTTP, one-shot requests, error_ok
#   Telltale::Apps    applications and error events (/apps), ingest checks
#   Telltale::V1      services, keys, request logs and alerts (/v1)
#   Telltale::Sentry  the Sentry-compatible ingest (/api)
#   Telltale::OTLP    OpenTelemetry exports in protobuf and JSON (/otlp)
#   Telltale::DB      psql against the stack's database, the rollups' reset
#   Telltale::Stack   ./stack, the workers' and the notifier's pids
#   Telltale::Load    forked load clients, an ingest load of unique events
#   Telltale::Faults  kills on purpose, the PostgreSQL cluster stopped and frozen
#   Telltale::Time    RFC 3339 text and microseconds
#   Telltale::Util    JSON text, waiting, a request in the background, predicates
#   Telltale::Receiver  a webhook receiver for the notifier's deliveries
#   Telltale::SecondStack  a second stack of a test's own: its environment,
#                     its teardown, an admin token and an app on it, its logs

use strict;
use warnings;

use Exporter qw(import);

my @MODULES;
BEGIN {
	@MODULES = map { "Telltale::$_" } qw(HTTP Apps V1 Sentry OTLP DB Stack Load Faults Time Util Receiver
						 SecondStack);
	for my $m (@MODULES) {
		(my $file = "$m.pm") =~ s{::}{/}g;
		require $file;
		$m->import;
	}
}

our @EXPORT = map { no strict 'refs'; @{"${_}::EXPORT"} } @MODULES;

1;
