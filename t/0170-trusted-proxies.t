#!/usr/bin/perl
# TELLTALE_TRUSTED_PROXIES: from a trusted proxy's address, the client's
# address is X-Forwarded-For's and the scheme X-Forwarded-Proto's, for the
# audit trail, sign-in throttling and the cookie's Secure flag; from anyone
# else those headers count for nothing. The stack under test must trust
# exactly the address this test names in TELLTALE_TRUSTED_PROXIES (./stack
# test starts it so).
use strict;
use warnings;
use Test::More;
use HTTP::Tiny;
use JSON::PP;
use Telltale;

my $trusted = $ENV{TELLTALE_TRUSTED_PROXIES} // '';
plan skip_all => 'the stack under test trusts no proxy: start it, and run this, with'
	. ' TELLTALE_TRUSTED_PROXIES=127.0.0.2/32 (./stack test does)'
	unless $trusted eq '127.0.0.2/32';

my $user = "proxied-$$";
is(req('POST', '/v1/users', json => { username => $user, password => 'proxied password', role => 'viewer' })->{status},
   201, "a user $user");

sub login_from {
	my ($from, $password, %headers) = @_;
	return HTTP::Tiny->new(local_address => $from)->request('POST', url() . '/v1/auth/login',
		{ headers => { 'Content-Type' => 'application/json', %headers },
		  content => encode_json({ username => $user, password => $password }) });
}

sub last_entry {
	my ($action) = @_;
	my ($e) = grep { $_->{action} eq $action && ($_->{target} // '') eq $user }
		@{ req('GET', '/v1/audit?limit=100')->{json}{items} };
	return $e || {};
}

my %forwarded = ('X-Forwarded-For' => '198.51.100.9, 203.0.113.7', 'X-Forwarded-Proto' => 'https');
my $r = login_from('127.0.0.2', 'proxied password', %forwarded);
is($r->{status}, 200, 'a sign-in through the trusted proxy');
like($r->{headers}{'set-cookie'} // '', qr/;\s*Secure/, '  its cookie is Secure (X-Forwarded-Proto: https)');
is(last_entry('auth.login')->{address}, '203.0.113.7',
   '  the trail has the last address X-Forwarded-For gives, not the proxy\'s');

$r = login_from('127.0.0.3', 'proxied password', %forwarded);
is($r->{status}, 200, 'a sign-in from an address that is no proxy');
unlike($r->{headers}{'set-cookie'} // '', qr/Secure/, '  its forwarded scheme counts for nothing');
is(last_entry('auth.login')->{address}, '127.0.0.3', '  nor its forwarded address');

# Throttling counts the forwarded client: ten failures of one client behind
# the proxy close the door to it, not to the proxy's other clients.
login_from('127.0.0.2', "wrong $_", 'X-Forwarded-For' => '203.0.113.50') for 1 .. 5;
my $other_user = "proxied-other-$$";
req('POST', '/v1/users', json => { username => $other_user, password => 'proxied password', role => 'viewer' });
for (1 .. 5) {
	HTTP::Tiny->new(local_address => '127.0.0.2')->request('POST', url() . '/v1/auth/login',
		{ headers => { 'Content-Type' => 'application/json', 'X-Forwarded-For' => '203.0.113.50' },
		  content => encode_json({ username => $other_user, password => "wrong $_" }) });
}
is(login_from('127.0.0.2', 'proxied password', 'X-Forwarded-For' => '203.0.113.50')->{status}, 429,
   'ten failures from one forwarded client: 429 for it');
is(login_from('127.0.0.2', 'proxied password', 'X-Forwarded-For' => '203.0.113.51')->{status}, 200,
   '  while another client behind the same proxy signs in');

done_testing;
