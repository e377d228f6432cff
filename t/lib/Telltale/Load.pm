package Telltale::Load;

# Load on the stack: forked clients, each sending one request after another on
# a connection of its own, and what they were answered.

use strict;
use warnings;

use Carp qw(croak);
use Exporter qw(import);
use File::Temp ();
use POSIX ();
use Time::HiRes ();

use Telltale::Apps qw(ev);
use Telltale::HTTP qw(http_once host_port);
use Telltale::Stack ();
use Telltale::Util qw(json_bytes json_decode slurp);

our @EXPORT = qw(load_start load_ingest_start load_stop load_event_id ingest_interval);

# A 32-hex-digit event_id unique to ($nonce, $client, $seq).
sub load_event_id {
	my ($nonce, $client, $seq) = @_;
	return sprintf('%08x%08x%04x%012x', $nonce & 0xffffffff, ($nonce >> 32) & 0xffffffff,
		       $client & 0xffff, $seq);
}

# The seconds one load client waits between two ingests with one key so that
# $secs of it stay well inside the stack's per-key ingest limit (rate and burst
# from $STATE_DIR/nginx/nginx.conf); 0 when there is no limit to mind.
sub ingest_interval {
	my ($secs, $state) = @_;
	$state //= $ENV{TELLTALE_STATE_DIR};
	my $limits = Telltale::Stack::rate_limits($state);
	my ($rate, $burst) = @$limits{qw(key_rate key_burst)};
	return 0 unless defined $rate;
	my $allowed = 0.7 * (($burst // 0) + $rate * $secs);
	return $allowed >= 100_000 ? 0 : $secs / $allowed;
}

# load_start(clients => N, secs => MAX, host => H, port => P, request => CODE,
#            interval => SECS, timeout => SECS): forks N clients, each sending
# one request after another, each on its own connection (http_once), until
# load_stop or MAX seconds. CODE->($client, $seq) returns ($method, $path,
# \%headers, $body, \%meta). A client starts request k no earlier than
# k * interval seconds after the start. Host and port default to the stack
# under test. Returns the load's handle for load_stop, whose answers are
# {%meta, client, seq, status, t0, t1, bytes, complete, error (as http_once),
# json (1 when the body is JSON), json_error, database, id (those fields of
# a JSON object body), retry_after, content_type, body (the first 300 bytes,
# unless 2xx)}.
sub load_start {
	my (%o) = @_;
	my ($host, $port) = $o{host} ? ($o{host}, $o{port}) : host_port();
	my $dir = File::Temp::tempdir('telltale-load-XXXXXX', TMPDIR => 1, CLEANUP => 1);
	my $t0 = Time::HiRes::time();
	my %load = (dir => $dir, stop => "$dir/stop", t0 => $t0, until => $t0 + $o{secs}, pids => []);
	for my $c (0 .. $o{clients} - 1) {
		my $pid = fork // croak "fork: $!";
		if (!$pid) {
			my $ok = eval {
				open my $out, '>', "$dir/client-$c" or die "$dir/client-$c: $!";
				for (my $seq = 0; ; $seq++) {
					my $at = $t0 + $seq * ($o{interval} || 0);
					my $wait = $at - Time::HiRes::time();
					Time::HiRes::sleep($wait) if $wait > 0;
					last if Time::HiRes::time() >= $load{until} || -e $load{stop};
					my ($method, $path, $headers, $body, $meta) = $o{request}->($c, $seq);
					my $r = http_once($host, $port, $method, $path, headers => $headers,
							  body => $body, timeout => $o{timeout} || 20);
					my $j = ref $r->{json} eq 'HASH' ? $r->{json} : {};
					print $out json_bytes({
						%{ $meta || {} }, client => $c, seq => $seq,
						map({ $_ => $r->{$_} } qw(status t0 t1 bytes complete error)),
						json => ref $r->{json} ? 1 : 0,
						json_error => $j->{error}, database => $j->{database},
						id => $j->{id}, retry_after => $r->{headers}{'retry-after'},
						content_type => $r->{headers}{'content-type'},
						body => $r->{status} =~ /^2/ ? undef : substr($r->{body}, 0, 300),
					}), "\n";
					# Nothing listens (a stopping stack): do not spin.
					Time::HiRes::sleep(0.02) if ($r->{error} // '') =~ /^connect/;
				}
				close $out or die "$dir/client-$c: $!";
				1;
			};
			print STDERR "load client $c: $@" unless $ok;
			POSIX::_exit($ok ? 0 : 1);
		}
		push @{ $load{pids} }, $pid;
	}
	return \%load;
}

# load_ingest_start(app => $app, label => TEXT, %options): load_start with
# %options (clients, secs, host, port, interval, timeout) and clients that each
# ingest one event after another into $app (its id and ingest_key): POST
# /apps/ID/events, the message "TEXT client/seq" and an event_id unique to the
# load (load_event_id of a random nonce). Returns load_start's handle; each of
# load_stop's answers carries its event_id.
sub load_ingest_start {
	my (%o) = @_;
	my $app = delete $o{app} or croak 'load_ingest_start: no app';
	my $label = delete $o{label} // 'load';
	my $nonce = int(rand(2**31)) * 2**32 + int(Time::HiRes::time() * 1000) % 2**32;
	return load_start(%o, request => sub {
		my ($c, $seq) = @_;
		my $eid = load_event_id($nonce, $c, $seq);
		return ('POST', "/apps/$app->{id}/events",
			{ 'X-Ingest-Key' => $app->{ingest_key}, 'Content-Type' => 'application/json' },
			json_bytes(ev(message => "$label $c/$seq", event_id => $eid)),
			{ event_id => $eid });
	});
}

# load_stop($load, grace => SECS): tells the clients to stop, waits up to
# grace seconds (default 30) for their requests in flight, kills what is left.
# Returns {results => [answer...] (in order of t1), broken => number of
# clients that failed or had to be killed}.
sub load_stop {
	my ($load, %o) = @_;
	if (open my $fh, q{>}, $load->{stop}) { close $fh }
	my $deadline = Time::HiRes::time() + ($o{grace} // 30);
	my %left = map { $_ => 1 } @{ $load->{pids} };
	my $broken = 0;
	while (%left) {
		for my $pid (keys %left) {
			next unless waitpid($pid, POSIX::WNOHANG()) == $pid;
			$broken++ if $?;
			delete $left{$pid};
		}
		last if Time::HiRes::time() >= $deadline;
		Time::HiRes::sleep(0.02) if %left;
	}
	for my $pid (keys %left) {
		kill 'KILL', $pid;
		waitpid($pid, 0);
		$broken++;
	}
	my @results;
	for my $file (glob "$load->{dir}/client-*") {
		open my $in, '<', $file or next;
		push @results, map { json_decode($_) } <$in>;
	}
	@results = sort { $a->{t1} <=> $b->{t1} } @results;
	return { results => \@results, broken => $broken };
}

1;
