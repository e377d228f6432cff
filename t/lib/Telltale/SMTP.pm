package Telltale::SMTP;

# A mail sink on 127.0.0.1 for the notifier's e-mail: Debian's
# python3-aiosmtpd, keeping every message it takes as a file per recipient.
# smtp_start($port) forks it on the port the stack sends to
# (TELLTALE_SMTP_URL smtp://127.0.0.1:PORT) and waits until it listens; it
# stops when the test ends. mail_to($address) reads what an address got;
# mail_parse($raw) splits a message into its headers and parts.

use strict;
use warnings;

use Encode ();
use Exporter qw(import);
use File::Temp ();
use MIME::Base64 qw(decode_base64);
use POSIX ();
use Time::HiRes ();

our @EXPORT = qw(smtp_start mail_to mail_parse);

my ($dir, $sink);

END { if ($sink) { local $?; kill 'TERM', $sink; waitpid($sink, 0) } }

# The sink: argv port, directory. Each message is written whole, for each
# recipient, to DIR/<recipient>/<n>.eml (through a rename, so a reader never
# sees half a file); DIR/ready appears once it listens.
my $SINK = <<'PY';
import os, sys, threading
from aiosmtpd.controller import Controller

port, root = int(sys.argv[1]), sys.argv[2]

class Keep:
    count = 0

    async def handle_DATA(self, server, session, envelope):
        Keep.count += 1
        for i, rcpt in enumerate(envelope.rcpt_tos):
            box = os.path.join(root, rcpt.lower().replace('/', '_'))
            os.makedirs(box, exist_ok=True)
            tmp = os.path.join(root, '.tmp-%d-%d' % (Keep.count, i))
            with open(tmp, 'wb') as f:
                f.write(envelope.original_content)
            os.rename(tmp, os.path.join(box, '%06d.eml' % Keep.count))
        return '250 OK'

controller = Controller(Keep(), hostname='127.0.0.1', port=port)
controller.start()
open(os.path.join(root, 'ready'), 'w').close()
threading.Event().wait()
PY

# smtp_start($port): starts the sink on 127.0.0.1:$port. Returns 1 once it
# listens, 0 when it could not (no python3-aiosmtpd, the port taken) within
# 15 s.
sub smtp_start {
	my ($port) = @_;
	return 0 unless $port && $port =~ /^\d+\z/;
	$dir = File::Temp::tempdir('telltale-mail-XXXXXX', TMPDIR => 1, CLEANUP => 1);
	my $python = -x '/usr/bin/python3' ? '/usr/bin/python3' : 'python3';   # Debian's has aiosmtpd
	$sink = fork // die "fork: $!";
	if (!$sink) {
		open STDOUT, '>', "$dir/.log";
		open STDERR, '>&', \*STDOUT;
		exec $python, '-c', $SINK, $port, $dir or POSIX::_exit(127);
	}
	my $deadline = Time::HiRes::time() + 15;
	while (Time::HiRes::time() < $deadline) {
		return 1 if -e "$dir/ready";
		if (waitpid($sink, POSIX::WNOHANG()) == $sink) {
			undef $sink;
			open my $log, '<', "$dir/.log";
			print STDERR "# the mail sink stopped: ", ($log ? join('', <$log>) : "exit $?\n");
			return 0;
		}
		Time::HiRes::sleep(0.1);
	}
	return 0;
}

# Every message $address got, oldest first, as raw bytes (in scalar
# context, how many).
sub mail_to {
	my ($address) = @_;
	my $box = $dir ? "$dir/" . (lc($address) =~ tr{/}{_}r) : undef;
	my @files;
	if ($box && opendir(my $dh, $box)) {
		@files = sort grep { /\.eml\z/ } readdir $dh;
	}
	my @mail = map { local $/; open my $in, '<:raw', "$box/$_" or die "$box/$_: $!"; scalar <$in> } @files;
	return @mail;
}

# A header block as [name, value] pairs in order, folded lines joined.
sub header_fields {
	my ($head) = @_;
	$head =~ s/\r?\n([ \t])/$1/g;
	return map { /^([^:\s]+):[ \t]*(.*?)\s*\z/ ? [ $1, $2 ] : [ '', $_ ] } split /\r?\n/, $head;
}

# mail_parse($raw): {headers => [[name, value]...] of the message,
# header => {lower-case name => [values]}, subject (RFC 2047 decoded, a
# Perl string), parts => [{type, encoding, body (decoded bytes)}], text,
# html (the first text/plain and text/html part's body)}.
sub mail_parse {
	my ($raw) = @_;
	my ($head, $body) = split /\r?\n\r?\n/, $raw // '', 2;
	my @fields = header_fields($head // '');
	my %header;
	push @{ $header{ lc $_->[0] } }, $_->[1] for @fields;
	my $subject = ($header{subject} || [])->[0];
	my %m = (headers => \@fields, header => \%header, parts => [],
		 subject => defined $subject ? Encode::decode('MIME-Header', $subject) : undef);
	my ($boundary) = (($header{'content-type'} || [])->[0] // '') =~ /boundary="?([^";]+)"?/i;
	return \%m unless defined $boundary && defined $body;
	my @chunks = split /^--\Q$boundary\E(?:--)?[ \t]*\r?$/m, $body;
	shift @chunks;    # the preamble
	for my $chunk (@chunks) {
		$chunk =~ s/\A\r?\n//;
		my ($phead, $pbody) = split /\r?\n\r?\n/, $chunk, 2;
		next unless defined $pbody;
		my %ph = map { (lc $_->[0] => $_->[1]) } header_fields($phead);
		my ($type) = ($ph{'content-type'} // 'text/plain') =~ /^([^;\s]+)/;
		my $enc = lc($ph{'content-transfer-encoding'} // '7bit');
		push @{ $m{parts} }, { type => lc $type, encoding => $enc,
				       body => $enc eq 'base64' ? decode_base64($pbody) : $pbody };
	}
	($m{text}) = map { $_->{body} } grep { $_->{type} eq 'text/plain' } @{ $m{parts} };
	($m{html}) = map { $_->{body} } grep { $_->{type} eq 'text/html' } @{ $m{parts} };
	return \%m;
}

1;
