/* Unit tests for outbound: the allow-list parser, the address check over every
 * refused range, outbound_text, outbound_send's refusals (which need no
 * network and must not connect), and its exchanges with a small HTTP server
 * this test forks on 127.0.0.1. */
#include "tap.h"
#include "outbound/outbound.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* The 16-byte form of an address: IPv4 as IPv4-mapped IPv6. */
static int addr16(const char *text, uint8_t out[16])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (inet_pton(AF_INET, text, out + 12) == 1) {
		memcpy(out, mapped, 12);
		return 0;
	}
	return inet_pton(AF_INET6, text, out) == 1 ? 0 : -1;
}

static void test_allowlist_parse(void)
{
	static const struct {
		const char *text;
		int rc;
		size_t count;
		int prefix;        /* of the first entry, on the 16-byte form */
	} cases[] = {
		{ NULL,                              0, 0, 0 },
		{ "",                                0, 0, 0 },
		{ " ,\t, \n",                        0, 0, 0 },
		{ "127.0.0.1/32",                    0, 1, 128 },
		{ "127.0.0.1",                       0, 1, 128 },
		{ "10.0.0.0/8",                      0, 1, 104 },
		{ "0.0.0.0/0",                       0, 1, 96 },
		{ "10.1.2.3/8",                      0, 1, 104 },
		{ "::1",                             0, 1, 128 },
		{ "fc00::/7",                        0, 1, 7 },
		{ "::/0",                            0, 1, 0 },
		{ "::ffff:127.0.0.1/128",            0, 1, 128 },
		{ "10.0.0.0/8,192.168.0.0/16",       0, 2, 104 },
		{ " 10.0.0.0/8 , 192.168.0.0/16 ",   0, 2, 104 },
		{ "10.0.0.0/8 ::1/128\tfd00::/8",    0, 3, 104 },
		{ "10.0.0.0/33",                     -1, 0, 0 },
		{ "::/129",                          -1, 0, 0 },
		{ "10.0.0/8",                        -1, 0, 0 },
		{ "10.0.0.0/",                       -1, 0, 0 },
		{ "10.0.0.0/-1",                     -1, 0, 0 },
		{ "10.0.0.0/8x",                     -1, 0, 0 },
		{ "10.0.0.0/0008",                   -1, 0, 0 },
		{ "/8",                              -1, 0, 0 },
		{ "example.com",                     -1, 0, 0 },
		{ "10.0.0.0/8;192.168.0.0/16",       -1, 0, 0 },
		{ "127.0.0.1/32 bogus",              -1, 0, 0 },
		{ "fe80::1%eth0",                    -1, 0, 0 },
	};
	struct cidr_list list;
	char name[160], many[CIDR_LIST_MAX * 16 + 32] = "";

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = cidr_list_parse(cases[i].text, &list);

		snprintf(name, sizeof(name), "allow-list '%s': %s, %zu entries", cases[i].text ? cases[i].text : "(null)",
			 cases[i].rc ? "refused" : "parsed", cases[i].count);
		for (char *c = name; *c; c++)          /* a TAP line is one line */
			if (*c == '\n' || *c == '\t')
				*c = ' ';
		ok(rc == cases[i].rc && list.count == cases[i].count &&
		   (!list.count || list.cidrs[0].prefix == cases[i].prefix), name);
	}
	for (int i = 0; i < CIDR_LIST_MAX; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "10.0.%d.0/24 ", i);
	is_int(cidr_list_parse(many, &list), 0, "allow-list: CIDR_LIST_MAX entries parse");
	strcat(many, "10.1.0.0/16");
	is_int(cidr_list_parse(many, &list), -1, "allow-list: one more is refused");
	is_int((long long)list.count, 0, "  and leaves the list empty");
}

/* Each refused range by an address inside it (and its edges), and the public
 * addresses just outside. */
static const struct address_case {
	const char *addr;
	const char *why;          /* NULL: allowed */
} address_cases[] = {
	{ "0.0.0.0",            "unspecified" },
	{ "0.255.255.255",      "unspecified" },
	{ "10.0.0.1",           "private" },
	{ "10.255.255.255",     "private" },
	{ "100.64.0.1",         "CGNAT" },
	{ "100.127.255.255",    "CGNAT" },
	{ "127.0.0.1",          "loopback" },
	{ "127.0.0.2",          "loopback" },
	{ "127.255.255.254",    "loopback" },
	{ "169.254.0.1",        "link-local" },
	{ "169.254.169.254",    "cloud metadata" },
	{ "172.16.0.1",         "private" },
	{ "172.31.255.255",     "private" },
	{ "192.0.0.8",          "reserved" },
	{ "192.0.2.1",          "documentation" },
	{ "192.88.99.1",        "reserved" },
	{ "192.168.1.1",        "private" },
	{ "198.18.0.1",         "benchmark" },
	{ "198.19.255.255",     "benchmark" },
	{ "198.51.100.7",       "documentation" },
	{ "203.0.113.9",        "documentation" },
	{ "224.0.0.1",          "multicast" },
	{ "239.255.255.250",    "multicast" },
	{ "240.0.0.1",          "reserved" },
	{ "255.255.255.254",    "reserved" },
	{ "255.255.255.255",    "broadcast" },
	{ "::",                 "unspecified" },
	{ "::1",                "loopback" },
	{ "::127.0.0.1",        "reserved" },
	{ "64:ff9b::808:808",   "NAT64" },
	{ "64:ff9b:1::1",       "NAT64" },
	{ "100::1",             "reserved" },
	{ "2001::1",            "reserved" },
	{ "2001:1ff:ffff::1",   "reserved" },
	{ "2001:db8::1",        "documentation" },
	{ "2002:7f00:1::",      "reserved" },
	{ "fc00::1",            "private" },
	{ "fd12:3456::1",       "private" },
	{ "fd00:ec2::254",      "cloud metadata" },
	{ "fe80::1",            "link-local" },
	{ "febf::1",            "link-local" },
	{ "fec0::1",            "private" },
	{ "ff02::1",            "multicast" },
	{ "::ffff:127.0.0.1",   "loopback" },        /* IPv4-mapped, checked as IPv4 */
	{ "::ffff:10.1.2.3",    "private" },
	{ "::ffff:169.254.169.254", "cloud metadata" },
	{ "1.1.1.1",            NULL },
	{ "8.8.8.8",            NULL },
	{ "9.255.255.255",      NULL },
	{ "11.0.0.0",           NULL },
	{ "100.63.255.255",     NULL },
	{ "100.128.0.0",        NULL },
	{ "126.255.255.255",    NULL },
	{ "128.0.0.0",          NULL },
	{ "169.253.255.255",    NULL },
	{ "169.255.0.0",        NULL },
	{ "172.15.255.255",     NULL },
	{ "172.32.0.0",         NULL },
	{ "192.0.1.1",          NULL },
	{ "192.167.255.255",    NULL },
	{ "192.169.0.0",        NULL },
	{ "198.17.255.255",     NULL },
	{ "198.20.0.0",         NULL },
	{ "223.255.255.255",    NULL },
	{ "::ffff:8.8.8.8",     NULL },
	{ "2606:4700:4700::1111", NULL },
	{ "2001:200::1",        NULL },
	{ "2a00:1450:4001::1",  NULL },
	{ "3ffe:ffff::1",       NULL },
	{ "3fff::1",            "documentation" },
	{ "3fff:fff::1",        "documentation" },
	{ "5f00::1",            "non-global" },      /* SRv6 SIDs */
	{ "::ffff:0:7f00:1",    "non-global" },      /* SIIT, ::ffff:0:0:0/96 */
	{ "fbff:ffff::1",       "non-global" },
	{ "fe00::1",            "non-global" },
	{ "4000::1",            "non-global" },
	{ "1fff:ffff::1",       "non-global" },
};

static void test_addresses(void)
{
	char name[160];

	for (size_t i = 0; i < sizeof(address_cases) / sizeof(address_cases[0]); i++) {
		const struct address_case *c = &address_cases[i];
		uint8_t addr[16];
		const char *why = "unset";
		int allowed;

		if (addr16(c->addr, addr) != 0) {
			ok(0, c->addr);
			continue;
		}
		allowed = outbound_address_allowed(addr, NULL, &why);
		snprintf(name, sizeof(name), "%s is %s", c->addr, c->why ? c->why : "allowed");
		if (!tap_ok(allowed == !c->why && (c->why ? why && strcmp(why, c->why) == 0 : !why),
			    __FILE__, __LINE__, name))
			printf("#   allowed %d, why '%s'\n", allowed, why ? why : "(null)");
	}
	ok(outbound_address_allowed((const uint8_t[16]){ 0x26, 0x06, 0x47 }, NULL, NULL) == 1,
	   "why may be NULL");
}

/* What an allow-list admits, and what it can never admit. */
static void test_admission(void)
{
	static const struct {
		const char *allow, *addr;
		int allowed;
	} cases[] = {
		{ "127.0.0.1/32",       "127.0.0.1",        1 },
		{ "127.0.0.1/32",       "::ffff:127.0.0.1", 1 },
		{ "127.0.0.1/32",       "127.0.0.2",        0 },
		{ "127.0.0.1/32",       "::1",              0 },
		{ "127.0.0.0/8",        "127.0.0.2",        1 },
		{ "10.0.0.0/8",         "10.1.2.3",         1 },
		{ "10.0.0.0/8",         "172.16.0.1",       0 },
		{ "10.1.2.3/8",         "10.200.0.1",       1 },
		{ "::ffff:10.0.0.0/104", "10.9.9.9",        1 },
		{ "::1/128",            "::1",              1 },
		{ "::1/128",            "127.0.0.1",        0 },
		{ "fd00::/8",           "fd00::1",          1 },
		{ "fd00::/8",           "fd00:ec2::254",    0 },
		{ "fc00::/7",           "fd00:ec2::254",    0 },
		{ "169.254.0.0/16",     "169.254.1.1",      1 },
		{ "169.254.0.0/16",     "169.254.169.254",  0 },
		{ "169.254.169.254/32", "169.254.169.254",  0 },
		{ "0.0.0.0/0",          "10.0.0.1",         1 },
		{ "0.0.0.0/0",          "169.254.169.254",  0 },
		{ "::/0",               "::ffff:169.254.169.254", 0 },
		{ "::/0",               "::169.254.169.254", 0 },
		{ "64:ff9b::/96",       "64:ff9b::a9fe:a9fe", 0 },
		{ "64:ff9b::/96",       "64:ff9b::808:808", 1 },
		{ "::/0",               "fe80::1",          1 },
		{ "192.168.0.0/16, 10.0.0.0/8", "10.0.0.1", 1 },
		{ "192.168.0.0/16, 10.0.0.0/8", "192.168.9.9", 1 },
		{ "192.168.0.0/16, 10.0.0.0/8", "172.16.0.1", 0 },
	};
	struct cidr_list list;
	char name[200];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t addr[16];
		const char *why;

		snprintf(name, sizeof(name), "allow-list '%s' %s %s", cases[i].allow,
			 cases[i].allowed ? "admits" : "does not admit", cases[i].addr);
		ok(cidr_list_parse(cases[i].allow, &list) == 0 && addr16(cases[i].addr, addr) == 0 &&
		   outbound_address_allowed(addr, &list, &why) == cases[i].allowed, name);
	}
}

static void test_text(void)
{
	static const struct {
		const char *in;
		size_t len, max;
		const char *out;
	} cases[] = {
		{ "abc", 3, 100, "abc" },
		{ "a\0b", 3, 100, "a\xEF\xBF\xBD" "b" },
		{ "\xff", 1, 100, "\xEF\xBF\xBD" },
		{ "\xC3", 1, 100, "\xEF\xBF\xBD" },
		{ "\xC3\xA9", 2, 100, "\xC3\xA9" },
		{ "\xC3\xA9", 2, 1, "" },
		{ "a\xC3\xA9", 3, 2, "a" },
		{ "\xED\xA0\x80", 3, 100, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" },
		{ "\xff\xff", 2, 4, "\xEF\xBF\xBD" },
		{ "", 0, 100, "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = 99;
		char *got = outbound_text(cases[i].in, cases[i].len, cases[i].max, &len);
		char name[64];

		snprintf(name, sizeof(name), "outbound_text case %zu", i + 1);
		is_str(got, cases[i].out, name);
		ok(got && len == strlen(cases[i].out), "  and its length");
		free(got);
	}
}

static void test_header_ok(void)
{
	static const struct {
		const char *name, *value;
		size_t value_len;        /* 0: strlen */
		int ok;
	} cases[] = {
		{ "X-Foo", "bar", 0, 1 },
		{ "x_foo.bar~1", "a b\tc", 0, 1 },
		{ "!#$%&'*+-.^_`|~", "v", 0, 1 },
		{ "X-Foo", "", 0, 1 },
		{ "X-Foo", "caf\xC3\xA9 \xff", 0, 1 },         /* obs-text passes */
		{ "", "v", 0, 0 },
		{ "X Foo", "v", 0, 0 },
		{ "X:Foo", "v", 0, 0 },
		{ "X-Foo\r", "v", 0, 0 },
		{ "X-Foo\n", "v", 0, 0 },
		{ "X-F\xC3\xA9", "v", 0, 0 },
		{ "X-Foo", "a\r\nInjected: 1", 0, 0 },
		{ "X-Foo", "a\rb", 0, 0 },
		{ "X-Foo", "a\nb", 0, 0 },
		{ "X-Foo", "a\0b", 3, 0 },
		{ "X-Foo", "a\x01", 0, 0 },
		{ "X-Foo", "a\x7f", 0, 0 },
	};
	char name[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t vlen = cases[i].value_len ? cases[i].value_len : strlen(cases[i].value);

		snprintf(name, sizeof(name), "header case %zu is %s", i + 1, cases[i].ok ? "sendable" : "refused");
		is_int(outbound_header_ok(cases[i].name, strlen(cases[i].name), cases[i].value, vlen),
		       cases[i].ok, name);
	}
}

/* Where needle first occurs in haystack, in any case, or NULL. */
static const char *find_ci(const char *haystack, const char *needle)
{
	for (size_t n = strlen(needle); *haystack; haystack++)
		if (strncasecmp(haystack, needle, n) == 0)
			return haystack;
	return NULL;
}

/* A listening socket on 127.0.0.1 (port in *port), or -1. */
static int listen_local(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 16) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

/* outbound_send with a method, URL, allow-list text and header lines. */
static int send_to(const char *method, const char *url, const char *allow, const char *const *headers,
		   const char *body, struct outbound_response *resp)
{
	struct cidr_list list;
	struct outbound_request req = { method, url, headers, body, body ? strlen(body) : 0 };

	if (cidr_list_parse(allow, &list) != 0)
		return -2;
	return outbound_send(&req, &list, resp);
}

/* Refusals: each fails before any connection, with the reason in error. */
static void test_refusals(void)
{
	static const char *const bad_header[] = { "X-A: 1\r\nX-B: 2", NULL };
	static const char *const bad_name[] = { "X A: 1", NULL };
	static const struct {
		const char *method, *url, *allow;
		const char *const *headers;
		const char *error;          /* a part of it */
	} cases[] = {
		{ "GET", "ftp://example.com/f",            NULL, NULL, "scheme ftp is not http or https" },
		{ "GET", "file:///etc/passwd",             NULL, NULL, "scheme file is not http or https" },
		{ "GET", "gopher://example.com/",          NULL, NULL, "is not http or https" },
		{ "GET", "dict://127.0.0.1:PORT/",         "127.0.0.1", NULL, "is not http or https" },
		{ "GET", "not a url",                      NULL, NULL, "not an absolute URL" },
		{ "GET", "/relative/path",                 NULL, NULL, "not an absolute URL" },
		{ "GET", "",                               NULL, NULL, "not an absolute URL" },
		{ "GET", "http://127.0.0.1:PORT/",         NULL, NULL, "127.0.0.1 is a loopback address" },
		{ "GET", "HTTP://127.0.0.1:PORT/",         NULL, NULL, "loopback" },
		{ "GET", "http://127.0.0.2:PORT/",         "127.0.0.1/32", NULL, "127.0.0.2 is a loopback address" },
		{ "GET", "http://localhost:PORT/",         NULL, NULL, "refused: localhost resolves to a non-public address" },
		{ "GET", "http://LocalHost:PORT/",         NULL, NULL, "LocalHost resolves to a non-public address" },
		{ "GET", "http://user:pw@127.0.0.1:PORT/", NULL, NULL, "loopback" },
		{ "GET", "http://2130706433:PORT/",        NULL, NULL, "127.0.0.1 is a loopback" },
		{ "GET", "http://0x7f.1:PORT/",            NULL, NULL, "127.0.0.1 is a loopback" },
		{ "GET", "http://0177.0.0.1:PORT/",        NULL, NULL, "127.0.0.1 is a loopback" },
		{ "GET", "http://[::1]:PORT/",             NULL, NULL, "::1 is a loopback" },
		{ "GET", "http://[::ffff:127.0.0.1]:PORT/", NULL, NULL, "loopback" },
		{ "GET", "http://[fe80::1%25lo]:PORT/",    "::/0", NULL, "zone id" },
		{ "GET", "http://169.254.169.254/latest/", "0.0.0.0/0", NULL, "169.254.169.254 is a cloud metadata address" },
		{ "GET", "http://[fd00:ec2::254]/",        "::/0", NULL, "cloud metadata" },
		{ "GET", "http://10.0.0.1/",               NULL, NULL, "10.0.0.1 is a private address" },
		{ "GET", "http://192.168.0.1:8080/",       NULL, NULL, "private" },
		{ "GET", "http://100.64.0.1/",             NULL, NULL, "CGNAT" },
		{ "GET", "http://0.0.0.0:PORT/",           NULL, NULL, "0.0.0.0 is an unspecified address" },
		{ "GET", "http://[::]:PORT/",              NULL, NULL, "unspecified" },
		{ "GET", "http://224.0.0.1/",              NULL, NULL, "multicast" },
		{ "GET", "http://127.0.0.1:PORT/",         "127.0.0.1", bad_header, "not a valid HTTP header line" },
		{ "GET", "http://127.0.0.1:PORT/",         "127.0.0.1", bad_name, "not a valid HTTP header line" },
		{ "G T", "http://127.0.0.1:PORT/",         "127.0.0.1", NULL, "method" },
		{ "",    "http://127.0.0.1:PORT/",         "127.0.0.1", NULL, "method" },
	};
	struct outbound_response resp;
	char url[200], name[300];
	int port, fd = listen_local(&port);

	ok(fd >= 0, "a local listener for the refusals");
	fcntl(fd, F_SETFL, O_NONBLOCK);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *p = strstr(cases[i].url, "PORT");
		int rc, conn;

		if (p)
			snprintf(url, sizeof(url), "%.*s%d%s", (int)(p - cases[i].url), cases[i].url, port, p + 4);
		else
			snprintf(url, sizeof(url), "%s", cases[i].url);
		rc = send_to(cases[i].method, url, cases[i].allow, cases[i].headers, NULL, &resp);
		conn = accept(fd, NULL, NULL);
		snprintf(name, sizeof(name), "%s %s refused: %s", cases[i].method, url, cases[i].error);
		if (!tap_ok(rc == -1 && resp.status_code == 0 && strstr(resp.error, cases[i].error) &&
			    !resp.body && !resp.headers, __FILE__, __LINE__, name))
			printf("#   rc %d, error '%s'\n", rc, resp.error);
		ok(conn < 0 && (errno == EAGAIN || errno == EWOULDBLOCK), "  and made no connection");
		if (conn >= 0)
			close(conn);
		outbound_response_release(&resp);
	}
	close(fd);
}

/* --- a local server ---------------------------------------------------------- */

static void write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* Reads one request (head and Content-Length body) into buf; returns its length. */
static size_t read_request(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	char *end = NULL;

	while (len < cap - 1) {
		ssize_t r = read(fd, buf + len, cap - 1 - len);
		const char *cl;

		if (r <= 0)
			break;
		len += (size_t)r;
		buf[len] = '\0';
		if (!end && (end = strstr(buf, "\r\n\r\n")))
			end += 4;
		cl = end ? find_ci(buf, "\r\nContent-Length:") : NULL;
		if (end && (!cl || cl > end || len >= (size_t)(end - buf) + strtoul(cl + 17, NULL, 10)))
			break;
	}
	buf[len] = '\0';
	return len;
}

/* "hello gzip", gzipped. */
static const char gzip_hello[] =
	"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff\xcb\x48\xcd\xc9\xc9\x57\x48\xaf"
	"\xca\x2c\x00\x00\x19\x6a\xd2\xdf\x0a\x00\x00\x00";

/* Answers one request by its path. */
static void answer(int fd)
{
	static char req[1 << 16], head[512];
	size_t len = read_request(fd, req, sizeof(req));

	if (strncmp(strchr(req, ' ') ? strchr(req, ' ') + 1 : "", "/echo", 5) == 0) {
		snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Dup: a\r\n"
			 "X-Dup: b\r\nSet-Cookie: s=1\r\nContent-Length: %zu\r\n\r\n", len);
		write_all(fd, head, strlen(head));
		write_all(fd, req, len);
	} else if (strstr(req, " /redirect ")) {
		snprintf(head, sizeof(head), "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/x\r\n"
			 "Content-Length: 5\r\n\r\nmoved");
		write_all(fd, head, strlen(head));
	} else if (strstr(req, " /interim ")) {
		snprintf(head, sizeof(head), "HTTP/1.1 100 Continue\r\nX-Early: 1\r\n\r\n"
			 "HTTP/1.1 201 Created\r\nX-Late: 2\r\nContent-Length: 0\r\n\r\n");
		write_all(fd, head, strlen(head));
	} else if (strstr(req, " /gzip ")) {
		snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
			 "Content-Length: %zu\r\n\r\n", sizeof(gzip_hello) - 1);
		write_all(fd, head, strlen(head));
		write_all(fd, gzip_hello, sizeof(gzip_hello) - 1);
	} else if (strstr(req, " /binary ")) {
		static const char body[] = "a\0b\xff";
		snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nX-Bin: \xff\r\nContent-Length: 4\r\n\r\n");
		write_all(fd, head, strlen(head));
		write_all(fd, body, 4);
	} else {
		static char chunk[65536];
		snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", 3 << 20);
		memset(chunk, 'x', sizeof(chunk));
		write_all(fd, head, strlen(head));
		for (int i = 0; i < (3 << 20) / (int)sizeof(chunk); i++)
			write_all(fd, chunk, sizeof(chunk));
	}
	close(fd);
}

static pid_t serve_local(int fd)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		int conn = accept(fd, NULL, NULL);

		if (conn >= 0)
			answer(conn);
	}
}

static void test_exchanges(void)
{
	static const char *const headers[] = {
		"X-Test: one", "X-Empty:", "Content-Length: 99", "Connection: close", "Host: 127.0.0.1", NULL,
	};
	static const char *const json_type[] = { "Content-Type: application/json", NULL };
	static const char *const gzip_ok[] = { "Accept-Encoding: gzip", NULL };
	struct outbound_response r;
	char url[200], big[3000];
	int port, fd = listen_local(&port), status;
	pid_t pid;

	if (fd < 0) {
		ok(0, "a local listener for the exchanges");
		return;
	}
	pid = serve_local(fd);
	close(fd);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo?q=1", port);
	is_int(send_to("GET", url, "127.0.0.1/32", headers, NULL, &r), 0, "GET /echo is answered");
	is_int(r.status_code, 200, "  200");
	ok(r.body && strncmp(r.body, "GET /echo?q=1 HTTP/1.1\r\n", 24) == 0, "  with the method, path and query");
	ok(r.body && strstr(r.body, "\r\nX-Test: one\r\n"), "  the caller's header");
	ok(r.body && strstr(r.body, "\r\nX-Empty:\r\n"), "  an empty header sent empty");
	ok(r.body && !find_ci(r.body, "Content-Length") && !find_ci(r.body, "Connection:"),
	   "  no framing or hop-by-hop header of the caller's");
	ok(r.body && !strstr(r.body, "Accept:") && !strstr(r.body, "Expect:") &&
	   !strstr(r.body, "User-Agent:"), "  nothing of libcurl's own but Host");
	ok(r.headers && strstr(r.headers, "\"x-dup\":\"a, b\"") && strstr(r.headers, "\"content-type\":\"text/plain\""),
	   "  answer headers as a JSON object, lower case, repeats joined");
	ok(!r.body_truncated && !*r.error && r.latency_ms > 0, "  not cut, no error, a latency");
	outbound_response_release(&r);

	is_int(send_to("POST", url, "127.0.0.1/32", NULL, "hello", &r), 0, "POST with a body");
	ok(r.body && strncmp(r.body, "POST /echo", 10) == 0 && strstr(r.body, "\r\n\r\nhello") &&
	   strstr(r.body, "Content-Length: 5\r\n") && !strstr(r.body, "Content-Type"),
	   "  the body and its length, no Content-Type of libcurl's");
	outbound_response_release(&r);

	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	is_int(send_to("PUT", url, "127.0.0.1/32", json_type, big, &r), 0, "PUT with a 3 KB body");
	ok(r.body && strncmp(r.body, "PUT /echo", 9) == 0 && strstr(r.body, "Content-Type: application/json") &&
	   !strstr(r.body, "Expect:") && r.body_len > sizeof(big), "  sent whole, without Expect: 100-continue");
	outbound_response_release(&r);

	is_int(send_to("DELETE", url, "127.0.0.1/32", NULL, NULL, &r), 0, "DELETE without a body");
	ok(r.body && strncmp(r.body, "DELETE /echo", 12) == 0 && !strstr(r.body, "Content-Length"), "  sent as DELETE");
	outbound_response_release(&r);

	is_int(send_to("HEAD", url, "127.0.0.1/32", NULL, NULL, &r), 0, "HEAD is answered");
	ok(r.status_code == 200 && r.body_len == 0, "  without waiting for a body");
	outbound_response_release(&r);

	snprintf(url, sizeof(url), "http://2130706433:%d/echo", port);
	is_int(send_to("GET", url, "127.0.0.1/32", NULL, NULL, &r), 0, "a numeric host form reaches the checked address");
	ok(r.body && strstr(r.body, "Host: 127.0.0.1:"), "  named as libcurl normalised it");
	outbound_response_release(&r);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/redirect", port);
	is_int(send_to("GET", url, "127.0.0.1/32", NULL, NULL, &r), 0, "a redirect is an answer");
	ok(r.status_code == 302 && r.body && strcmp(r.body, "moved") == 0 &&
	   r.headers && strstr(r.headers, "\"location\""), "  302 itself: not followed");
	outbound_response_release(&r);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/interim", port);
	is_int(send_to("GET", url, "127.0.0.1/32", NULL, NULL, &r), 0, "an interim 100 answer");
	ok(r.status_code == 201 && r.headers && strstr(r.headers, "x-late") && !strstr(r.headers, "x-early"),
	   "  only the final answer's headers");
	outbound_response_release(&r);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/binary", port);
	is_int(send_to("GET", url, "127.0.0.1/32", NULL, NULL, &r), 0, "a binary answer");
	ok(r.body_len == 4 && r.body && memcmp(r.body, "a\0b\xff", 4) == 0, "  its bytes as they came");
	ok(r.headers && strstr(r.headers, "\"x-bin\":\"\xEF\xBF\xBD\""), "  a bad header byte as U+FFFD");
	outbound_response_release(&r);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/gzip", port);
	is_int(send_to("GET", url, "127.0.0.1/32", gzip_ok, NULL, &r), 0, "a gzip answer to Accept-Encoding: gzip");
	ok(r.body && strcmp(r.body, "hello gzip") == 0, "  is decoded");
	outbound_response_release(&r);
	is_int(send_to("GET", url, "127.0.0.1/32", NULL, NULL, &r), 0, "a gzip answer nobody asked for");
	ok(r.body_len == sizeof(gzip_hello) - 1 && memcmp(r.body, gzip_hello, r.body_len) == 0,
	   "  is kept as it came");
	outbound_response_release(&r);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/big", port);
	is_int(send_to("GET", url, "127.0.0.1/32", NULL, NULL, &r), 0, "a 3 MiB answer");
	ok(r.status_code == 200 && r.body_len == OUTBOUND_BODY_MAX && r.body_truncated &&
	   r.body[OUTBOUND_BODY_MAX] == '\0', "  cut at OUTBOUND_BODY_MAX");
	outbound_response_release(&r);

	snprintf(url, sizeof(url), "http://127.0.0.1:1/");
	is_int(send_to("GET", url, "127.0.0.1/32", NULL, NULL, &r), -1, "a closed port fails");
	ok(r.status_code == 0 && *r.error, "  with a reason");
	outbound_response_release(&r);

	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);       /* as the worker does: outbound_send asks it */
	test_allowlist_parse();
	test_addresses();
	test_admission();
	test_text();
	test_header_ok();
	test_refusals();
	test_exchanges();
	return tap_done();
}
