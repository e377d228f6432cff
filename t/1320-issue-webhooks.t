#!/usr/bin/perl
# An application's webhook_url (docs/api.md, "Error issues"): the notifier
# POSTs "created" for a new issue and "regressed" when an event reopens a
# resolved one, signed with the application's secret, and nothing for an
# event of an issue that stays open; past the per-minute cap nothing is
# sent. The receiver runs on 127.0.0.1 (REPLAY_ALLOW=127.0.0.1/32).
use strict;
use warnings;
use Test::More;
use Telltale;

receiver_start();
my $tag = "hook$$-t" . time();

sub issue_hook {
	my ($app, $path) = @_;
	return req('PATCH', "/apps/$app->{id}", json => { webhook_url => hook($path) });
}

sub stored_id { my ($res) = @_; return $res->{json}{id} }

my $app = new_app("hooks-$tag");
my $set = issue_hook($app, "/ok/issues-$tag");
is($set->{status}, 200, 'PATCH /apps/{id} sets webhook_url');
is($set->{json}{webhook_url}, hook("/ok/issues-$tag"), '  answered with it');
like($set->{json}{webhook_secret} // '', qr/^whsec_[0-9a-f]{64}$/, '  and its secret, shown this once');
my $secret = $set->{json}{webhook_secret};
ok(!exists req('GET', "/apps/$app->{id}")->{json}{webhook_secret}, 'the secret is not shown again');

my $first = ingest($app, ev(message => 'card declined', stack => { type => 'PaymentError',
	frames => [ { module => 'shop.pay', function => 'charge', in_app => JSON::PP::true } ] }));
my @got;
wait_for(20, sub { @got = received("/ok/issues-$tag") });
is(scalar @got, 1, 'a new issue: one delivery');
my $r = $got[0] || {};
my $body = eval { JSON::PP->new->utf8->decode($r->{body} // '') } || {};
is($body->{action}, 'created', '  action created');
is($body->{event}{id}, stored_id($first), '  with the event that made it');
is($body->{issue}{id}, $body->{event}{issue_id}, '  and its issue');
is($body->{issue}{title}, 'PaymentError: card declined', '  whose title is the exception\'s');
is($body->{issue}{count}, 1, '  counted with its event');
is($body->{issue}{latest_event_id}, stored_id($first), '  which is its latest');
ok($body->{id}, '  an id to deduplicate on');
is($r->{headers}{'x-telltale-event'}, 'issue', '  X-Telltale-Event: issue');
signed_ok($r, $secret, '  signed with the application\'s secret');

# A second event of the open issue, then a new issue: only the new one is told.
ingest($app, ev(message => 'card declined again', stack => { type => 'PaymentError',
	frames => [ { module => 'shop.pay', function => 'charge', in_app => JSON::PP::true } ] }));
ingest($app, ev(message => 'stock ran out'));
wait_for(20, sub { @got = received("/ok/issues-$tag"); @got >= 2 });
sleep 1;
@got = received("/ok/issues-$tag");
is(scalar @got, 2, 'an event of an open issue is not told; the next new issue is');
like($got[1]{body} // '', qr/stock ran out/, '  that one');

# Resolved, then reopened.
my $issue = $body->{issue}{id};
is(req('PATCH', "/apps/$app->{id}/issues/$issue", json => { status => 'resolved' })->{status}, 200, 'resolve');
ingest($app, ev(message => 'card declined once more', stack => { type => 'PaymentError',
	frames => [ { module => 'shop.pay', function => 'charge', in_app => JSON::PP::true } ] }));
wait_for(20, sub { @got = received("/ok/issues-$tag"); @got >= 3 });
my $again = eval { JSON::PP->new->utf8->decode($got[2]{body} // '') } || {};
is($again->{action}, 'regressed', 'an event reopens it: action regressed');
is($again->{issue}{id}, $issue, '  of that issue');
is($again->{issue}{status}, 'unresolved', '  now unresolved');
ok($again->{issue}{regressed_at}, '  with regressed_at');
signed_ok($got[2], $secret, '  signed');

# webhook_url null: nothing more is sent.
my $off = req('PATCH', "/apps/$app->{id}", json => { webhook_url => undef });
is($off->{status}, 200, 'webhook_url null removes it');
is($off->{json}{webhook_url}, undef, '  answered as null');
ok(!exists $off->{json}{webhook_secret}, '  with no secret');
ingest($app, ev(message => 'after the hook was removed'));
my $sentinel = new_app("hooks-sentinel-$tag");
issue_hook($sentinel, "/ok/sentinel-$tag");
ingest($sentinel, ev(message => 'sentinel'));
wait_for(20, sub { received("/ok/sentinel-$tag") });
is(scalar(received("/ok/issues-$tag")), 3, '  a new issue is then told no one');

# A new webhook_url gets a new secret.
my $rotated = issue_hook($app, "/ok/issues-$tag");
isnt($rotated->{json}{webhook_secret}, $secret, 'setting webhook_url again makes a new secret');

# Bad input.
for my $bad ('ftp://example.com/x', '/relative', 'http://', 5, 'http://' . ('a' x 2048) . '.example') {
	error_ok(req('PATCH', "/apps/$app->{id}", json => { webhook_url => $bad }), 422, 'VALIDATION', 'webhook_url',
		 'webhook_url ' . substr("$bad", 0, 24));
}
error_ok(req('PATCH', "/apps/$app->{id}", json => {}), 422, 'VALIDATION', undef, 'a PATCH naming nothing');
is(req('GET', "/apps/$app->{id}")->{json}{webhook_url}, hook("/ok/issues-$tag"), '  none of which changed it');

# The cap: an application that makes issues by the hundred is told of
# TELLTALE_WEBHOOK_MAX_PER_MINUTE (60) a minute; the rest are counted, not sent.
# (Its webhook_url is a channel: the deliveries are the channel's.)
my $flood = new_app("hooks-flood-$tag");
issue_hook($flood, "/ok/flood-$tag");
my @words = map { my $n = $_; join('', map { ('a' .. 'z')[ int($n / 26 ** $_) % 26 ] } 0 .. 3) } 1 .. 70;
is(ingest($flood, [ map { ev(message => "distinct failure $_") } @words ])->{status}, 201, 'seventy new issues at once');
my $capped;
wait_for(40, sub {
	$capped = db_query("SELECT count(*) FILTER (WHERE delivery_status = 'capped'),"
			   . " count(*) FILTER (WHERE delivery_status IN ('pending', 'sending'))"
			   . " FROM alert_deliveries d JOIN channels c ON c.id = d.channel_id"
			   . " WHERE c.application_id = $flood->{id}")->[0];
	$capped->[1] == 0 });
is($capped->[0], 10, 'ten of them are capped');
wait_for(10, sub { received("/ok/flood-$tag") >= 60 });
is(scalar(received("/ok/flood-$tag")), 60, 'the receiver got sixty');

done_testing();
