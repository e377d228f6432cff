/* outbound: libcurl behind the address guard. The guard resolves the host
 * itself, checks every address, and hands libcurl the checked address through
 * CURLOPT_CONNECT_TO with an empty host and port, so that whatever name libcurl
 * would look up, it connects there and nowhere else: a DNS answer that changes
 * between the check and the connection (rebinding) cannot move it. */
#include "outbound/outbound.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "pure/utf8.h"

/* --- addresses ------------------------------------------------------------ */

static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* Refused unless admitted, after Sentry's default disallowed list. The first
 * range that holds an address names it, so narrow ranges come first. */
static const struct refused_range {
	const char *cidr;
	const char *why;
} refused_ranges[] = {
	{ "0.0.0.0/8",          "unspecified" },
	{ "10.0.0.0/8",         "private" },
	{ "100.64.0.0/10",      "CGNAT" },
	{ "127.0.0.0/8",        "loopback" },
	{ "169.254.0.0/16",     "link-local" },
	{ "172.16.0.0/12",      "private" },
	{ "192.0.0.0/24",       "reserved" },
	{ "192.0.2.0/24",       "documentation" },
	{ "192.88.99.0/24",     "reserved" },
	{ "192.168.0.0/16",     "private" },
	{ "198.18.0.0/15",      "benchmark" },
	{ "198.51.100.0/24",    "documentation" },
	{ "203.0.113.0/24",     "documentation" },
	{ "224.0.0.0/4",        "multicast" },
	{ "255.255.255.255/32", "broadcast" },
	{ "240.0.0.0/4",        "reserved" },
	{ "::/128",             "unspecified" },
	{ "::1/128",            "loopback" },
	{ "::/96",              "reserved" },        /* IPv4-compatible, deprecated */
	{ "64:ff9b::/96",       "NAT64" },
	{ "64:ff9b:1::/48",     "NAT64" },
	{ "100::/64",           "reserved" },        /* discard-only */
	{ "2001::/23",          "reserved" },        /* IETF protocol assignments */
	{ "2001:db8::/32",      "documentation" },
	{ "2002::/16",          "reserved" },        /* 6to4: an IPv4 address inside */
	{ "3fff::/20",          "documentation" },
	{ "fc00::/7",           "private" },
	{ "fe80::/10",          "link-local" },
	{ "fec0::/10",          "private" },         /* site-local, deprecated */
	{ "ff00::/8",           "multicast" },
};

#define NREFUSED (sizeof(refused_ranges) / sizeof(refused_ranges[0]))

/* The metadata services answer on 169.254.169.254 and fd00:ec2::254; the
 * IPv4 one is also reachable as an IPv4-mapped, IPv4-compatible or NAT64
 * address, which an allow-list of IPv6 ranges could otherwise admit. */
static int cloud_metadata(const uint8_t addr[16])
{
	static const uint8_t v4[4] = { 169, 254, 169, 254 };
	static const uint8_t ec2[16] = { 0xfd, 0, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54 };
	static const uint8_t nat64[12] = { 0, 0x64, 0xff, 0x9b };
	static const uint8_t zero[12] = { 0 };

	if (memcmp(addr, ec2, 16) == 0)
		return 1;
	if (memcmp(addr + 12, v4, 4) != 0)
		return 0;
	return memcmp(addr, v4_mapped, 12) == 0 || memcmp(addr, zero, 12) == 0 ||
	       memcmp(addr, nat64, 12) == 0;
}

int outbound_address_allowed(const uint8_t addr[16], const struct cidr_list *allow,
			     const char **why)
{
	const char *reason = NULL;
	struct cidr range;

	if (cloud_metadata(addr)) {
		reason = "cloud metadata";
		goto out;
	}
	if (allow && cidr_list_contains(allow, addr))
		goto out;
	for (size_t i = 0; i < NREFUSED && !reason; i++)
		if (cidr_parse(refused_ranges[i].cidr, strlen(refused_ranges[i].cidr), &range) == 0 &&
		    cidr_contains(&range, addr))
			reason = refused_ranges[i].why;
	/* Of IPv6, only global unicast (2000::/3) is the internet's: whatever
	 * else a range is for (translation, SRv6, what is yet to be assigned),
	 * it is not a place to send a request to. */
	if (!reason && memcmp(addr, v4_mapped, 12) != 0 && (addr[0] & 0xe0) != 0x20)
		reason = "non-global";
out:
	if (why)
		*why = reason;
	return reason == NULL;
}

/* --- text ----------------------------------------------------------------- */

char *outbound_text(const char *s, size_t n, size_t max, size_t *out_len)
{
	static const char replacement[] = "\xEF\xBF\xBD";   /* U+FFFD */
	const unsigned char *p = (const unsigned char *)s;
	/* A bad byte becomes three, so the copy is at most three times as long. */
	size_t len = 0, cap = n < max / 3 ? n * 3 : max;
	char *out = malloc(cap + 1);

	if (!out)
		return NULL;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t step = utf8_decode(p + i, n - i, &cp);
		int good = step && cp;

		if (len + (good ? step : 3) > cap)
			break;
		memcpy(out + len, good ? s + i : replacement, good ? step : 3);
		len += good ? step : 3;
		i += step ? step : 1;
	}
	out[len] = '\0';
	*out_len = len;
	return out;
}

/* --- the exchange --------------------------------------------------------- */

/* What one send collects. body grows as the answer comes, up to the cap. */
struct exchange {
	char *body;
	size_t body_len, body_cap;
	int body_truncated;
	struct json_object *headers;
	size_t nheaders;
	int no_memory;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void set_error(struct outbound_response *resp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The reason, as valid UTF-8 even where a host name was cut short, since
 * it is stored as text. */
static void set_error(struct outbound_response *resp, const char *fmt, ...)
{
	char *text;
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(resp->error, sizeof(resp->error), fmt, ap);
	va_end(ap);
	if ((text = outbound_text(resp->error, strlen(resp->error), sizeof(resp->error) - 1, &len))) {
		memcpy(resp->error, text, len + 1);
		free(text);
	}
}

/* Keeps the first OUTBOUND_BODY_MAX bytes. Past them the transfer is stopped
 * (a short count makes libcurl end it with CURLE_WRITE_ERROR), since the rest
 * would only be thrown away while holding a worker. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct exchange *ex = userdata;
	size_t len = size * nmemb, room = OUTBOUND_BODY_MAX - ex->body_len;
	size_t take = len < room ? len : room;

	if (ex->body_len + take + 1 > ex->body_cap) {
		size_t cap = ex->body_cap ? ex->body_cap : 16384;
		char *grown;

		while (cap < ex->body_len + take + 1)
			cap *= 2;
		if (cap > OUTBOUND_BODY_MAX + 1)
			cap = OUTBOUND_BODY_MAX + 1;
		if (!(grown = realloc(ex->body, cap))) {
			ex->no_memory = 1;
			return 0;
		}
		ex->body = grown;
		ex->body_cap = cap;
	}
	memcpy(ex->body + ex->body_len, data, take);
	ex->body_len += take;
	ex->body[ex->body_len] = '\0';
	if (take < len)
		ex->body_truncated = 1;
	return take;
}

#define HEADER_VALUE_MAX 16384

/* Puts name: value in the answer's object. A repeated name's values are
 * joined with ", " as RFC 9110 allows, up to HEADER_VALUE_MAX bytes, so that
 * a flood of repeats costs no more than that. Returns 0, or -1 on no memory. */
static int header_put(struct exchange *ex, const char *name, const char *value, size_t value_len)
{
	struct json_object *old = NULL;
	const char *prev;
	size_t prev_len;
	char *joined;

	if (!json_object_object_get_ex(ex->headers, name, &old)) {
		if (ex->nheaders == OUTBOUND_HEADERS_MAX)
			return 0;
		ex->nheaders++;
		return json_object_object_add(ex->headers, name,
					      json_object_new_string_len(value, (int)value_len));
	}
	prev = json_object_get_string(old);
	prev_len = (size_t)json_object_get_string_len(old);
	if (prev_len + 2 + value_len > HEADER_VALUE_MAX)
		return 0;
	if (!(joined = malloc(prev_len + 2 + value_len + 1)))
		return -1;
	memcpy(joined, prev, prev_len);
	memcpy(joined + prev_len, ", ", 2);
	memcpy(joined + prev_len + 2, value, value_len + 1);
	json_object_object_add(ex->headers, name, json_object_new_string(joined));
	free(joined);
	return 0;
}

/* Adds one "Name: value" line of the answer: the name in lower case (names
 * are case-insensitive, and it makes repeats meet), both as valid UTF-8.
 * A line without a name is skipped. Returns 0, or -1 on no memory. */
static int add_header_line(struct exchange *ex, const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len), *v;
	char *name = NULL, *value = NULL;
	size_t name_len, value_len, vlen;
	int rc = -1;

	while (len && line[len - 1] && strchr("\r\n \t", line[len - 1]))
		len--;
	if (!colon || colon == line || colon >= line + len)
		return 0;
	for (v = colon + 1, vlen = (size_t)(line + len - v); vlen && (*v == ' ' || *v == '\t'); vlen--)
		v++;
	if ((name = outbound_text(line, (size_t)(colon - line), 1024, &name_len)) &&
	    (value = outbound_text(v, vlen, HEADER_VALUE_MAX, &value_len))) {
		for (size_t i = 0; i < name_len; i++)
			if (name[i] >= 'A' && name[i] <= 'Z')
				name[i] = (char)(name[i] - 'A' + 'a');
		rc = header_put(ex, name, value, value_len);
	}
	free(name);
	free(value);
	return rc;
}

/* Header lines of the answer. A status line starts a new block: only the last
 * one (after any 1xx interim answers) is kept. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct exchange *ex = userdata;
	size_t len = size * nmemb;

	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		json_object_put(ex->headers);
		ex->headers = json_object_new_object();
		ex->nheaders = 0;
		if (!ex->headers) {
			ex->no_memory = 1;
			return 0;
		}
		return len;
	}
	if (ex->headers && len && data[0] != ' ' && data[0] != '\t' &&
	    add_header_line(ex, data, len) != 0) {
		ex->no_memory = 1;
		return 0;
	}
	return len;
}

/* --- the target ----------------------------------------------------------- */

/* Where a URL points: its host as libcurl will see it (punycode, no
 * brackets) and its port. */
struct target {
	char host[256];
	char port[8];
	char connect_to[INET6_ADDRSTRLEN + 16];   /* "::address:port" for CONNECT_TO */
};

/* Reads scheme, host and port with libcurl's own parser, so that the host
 * checked is the host libcurl would connect to. Returns 0, or -1 with
 * resp->error set. */
static int target_parse(const char *url, struct target *t, struct outbound_response *resp)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *zone = NULL;
	int rc = -1;

	if (!u) {
		set_error(resp, "out of memory");
		return -1;
	}
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
		set_error(resp, "not an absolute URL");
		goto out;
	}
	if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) {
		set_error(resp, "refused: the scheme %.32s is not http or https", scheme);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, CURLU_PUNYCODE) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
	    strlen(host) >= sizeof(t->host) || strlen(port) >= sizeof(t->port)) {
		set_error(resp, "the URL has no usable host or port");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_ZONEID, &zone, 0) == CURLUE_OK) {
		set_error(resp, "refused: an IPv6 zone id is not allowed");
		goto out;
	}
	/* An IPv6 literal comes bracketed. */
	snprintf(t->host, sizeof(t->host), "%.*s", (int)strlen(host) - (host[0] == '[' ? 2 : 0),
		 host + (host[0] == '['));
	snprintf(t->port, sizeof(t->port), "%s", port);
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(zone);
	curl_url_cleanup(u);
	return rc;
}

/* The 16-byte form of a resolved address (IPv4 as IPv4-mapped). */
static void address_bytes(const struct addrinfo *ai, uint8_t out[16])
{
	if (ai->ai_family == AF_INET) {
		memcpy(out, v4_mapped, sizeof(v4_mapped));
		memcpy(out + 12, &((const struct sockaddr_in *)(const void *)ai->ai_addr)->sin_addr, 4);
	} else {
		memcpy(out, &((const struct sockaddr_in6 *)(const void *)ai->ai_addr)->sin6_addr, 16);
	}
}


/* 1 when host is an address itself (the URL's own spelling, not a name). */
static int host_is_address(const char *host)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}
/* Resolves the host once and checks every address it has; the first one is
 * pinned (t->connect_to). Returns 0, or -1 with resp->error set. */
static int target_resolve(struct target *t, const struct cidr_list *allow,
			  struct outbound_response *resp)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *list = NULL;
	char text[INET6_ADDRSTRLEN];
	int err, pinned = 0;

	if ((err = getaddrinfo(t->host, NULL, &hints, &list)) != 0) {
		set_error(resp, "cannot resolve %.100s: %s", t->host, gai_strerror(err));
		return -1;
	}
	for (const struct addrinfo *ai = list; ai; ai = ai->ai_next) {
		uint8_t addr[16];
		const char *why;

		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		address_bytes(ai, addr);
		inet_ntop(AF_INET6, addr, text, sizeof(text));
		if (memcmp(addr, v4_mapped, sizeof(v4_mapped)) == 0)
			inet_ntop(AF_INET, addr + 12, text, sizeof(text));
		if (!outbound_address_allowed(addr, allow, &why)) {
			const char *a = strchr("aeiou", why[0]) ? "an" : "a";

			/* A name's address is not told: the answer would map the
			 * internal DNS for whoever asks. */
			if (host_is_address(t->host))
				set_error(resp, "refused: %s is %s %s address", text, a, why);
			else
				set_error(resp, "refused: %.100s resolves to a non-public address", t->host);
			freeaddrinfo(list);
			return -1;
		}
		if (!pinned++)
			snprintf(t->connect_to, sizeof(t->connect_to), strchr(text, ':') ?
				 "::[%s]:%s" : "::%s:%s", text, t->port);
	}
	freeaddrinfo(list);
	if (!pinned) {
		set_error(resp, "cannot resolve %.100s: no address", t->host);
		return -1;
	}
	return 0;
}

/* --- the request ---------------------------------------------------------- */

static int is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

int outbound_header_ok(const char *name, size_t name_len, const char *value, size_t value_len)
{
	if (name_len == 0)
		return 0;
	for (size_t i = 0; i < name_len; i++)
		if (!is_tchar(name[i]))
			return 0;
	for (size_t i = 0; i < value_len; i++)
		if (((unsigned char)value[i] < 0x20 && value[i] != '\t') || value[i] == 0x7f)
			return 0;
	return 1;
}

/* 1 when line is "Name: value" as outbound_header_ok wants it. */
static int header_line_ok(const char *line)
{
	const char *colon = strchr(line, ':');

	return colon && outbound_header_ok(line, (size_t)(colon - line), colon + 1, strlen(colon + 1));
}

/* 1 when line's header is about the connection or the body's framing, which
 * are libcurl's to decide: passed on, they could contradict what it sends. */
static int hop_by_hop(const char *line)
{
	static const char *const names[] = {
		"Connection", "Content-Length", "Keep-Alive", "Proxy-Connection", "TE",
		"Trailer", "Transfer-Encoding", "Upgrade",
	};
	size_t n = strcspn(line, ":");

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && strncasecmp(line, names[i], n) == 0)
			return 1;
	return 0;
}

/* 1 when the lines hold a header called name (any case). */
static int has_header(const char *const *headers, const char *name)
{
	size_t n = strlen(name);

	for (; headers && *headers; headers++)
		if (strncasecmp(*headers, name, n) == 0 && (*headers)[n] == ':')
			return 1;
	return 0;
}

static int append(struct curl_slist **list, const char *line)
{
	struct curl_slist *grown = curl_slist_append(*list, line);

	if (!grown)
		return -1;
	*list = grown;
	return 0;
}

/* The header list libcurl sends: the caller's lines but the hop-by-hop ones,
 * a line with an empty value as "Name;" (libcurl's way to send one), and
 * libcurl's own defaults (Accept, Expect, a form Content-Type) switched off,
 * so that the target gets the caller's headers and the Host and framing that
 * libcurl must add. Returns 0, or -1 with resp->error. */
static int build_headers(const struct outbound_request *req, struct curl_slist **list,
			 struct outbound_response *resp)
{
	char line[1024];

	for (const char *const *h = req->headers; h && *h; h++) {
		const char *v = strchr(*h, ':');

		if (!header_line_ok(*h)) {
			set_error(resp, "refused: a header is not a valid HTTP header line");
			return -1;
		}
		if (hop_by_hop(*h))
			continue;
		v += 1 + strspn(v + 1, " \t");
		if (*v == '\0' && (size_t)(v - *h) < sizeof(line)) {
			snprintf(line, sizeof(line), "%.*s;", (int)strcspn(*h, ":"), *h);
			if (append(list, line) != 0)
				goto no_memory;
		} else if (append(list, *h) != 0) {
			goto no_memory;
		}
	}
	if ((!has_header(req->headers, "Accept") && append(list, "Accept:") != 0) ||
	    (!has_header(req->headers, "Expect") && append(list, "Expect:") != 0) ||
	    (req->body && !has_header(req->headers, "Content-Type") &&
	     append(list, "Content-Type:") != 0))
		goto no_memory;
	return 0;
no_memory:
	set_error(resp, "out of memory");
	return -1;
}

/* The method and the body: HEAD asks for no body back, a body goes with any
 * other method, and a method other than GET or POST is named as it is. */
static int set_method(CURL *curl, const struct outbound_request *req,
		      struct outbound_response *resp)
{
	const char *m = req->method;
	size_t n = strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

	if (n == 0 || n > 16 || m[n]) {
		set_error(resp, "refused: the method is not 1 to 16 letters");
		return -1;
	}
	if (strcmp(m, "HEAD") == 0)       /* a body would make no sense, and no answer comes for one */
		return curl_easy_setopt(curl, CURLOPT_NOBODY, 1L) == CURLE_OK ? 0 : -1;
	if (req->body) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req->body);
	}
	if (strcmp(m, req->body ? "POST" : "GET") != 0)
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, m);
	return 0;
}

/* The guard's settings, each the reason it is there. */
static void set_guard(CURL *curl, struct curl_slist *pin, long timeout_ms, char *errbuf)
{
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_PROXY, "");          /* none from the environment */
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(curl, CURLOPT_CONNECT_TO, pin);    /* the checked address only */
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);       /* no SIGALRM in a worker */
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
}

/* curl_global_init, once per process: 1 when libcurl is ready. The worker
 * and the notifier are single-threaded, so a flag does what pthread_once
 * would. */
static int curl_ready(void)
{
	static int state;         /* 0 not tried, 1 ready, -1 failed */

	if (state == 0)
		state = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 1 : -1;
	return state == 1;
}

/* Runs the transfer and reads its outcome into resp. Returns 0 on an answer. */
static int perform(CURL *curl, struct exchange *ex, struct outbound_response *resp,
		   const char *errbuf)
{
	CURLcode rc = curl_easy_perform(curl);
	long code = 0;

	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	resp->status_code = (int)code;
	if (ex->no_memory) {
		set_error(resp, "out of memory");
		return -1;
	}
	if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && ex->body_truncated))
		return 0;
	if (rc == CURLE_OPERATION_TIMEDOUT)
		set_error(resp, "timed out after %d s%s", OUTBOUND_TIMEOUT_MS / 1000,
			  code ? " while reading the answer" : " without an answer");
	else
		set_error(resp, "%s", *errbuf ? errbuf : curl_easy_strerror(rc));
	return -1;
}

/* Hands what the exchange collected over to resp (headers stay NULL when
 * there is no memory for their text: the answer itself still counts). */
static void collect(struct exchange *ex, struct outbound_response *resp)
{
	if (ex->headers)
		resp->headers = strdup(json_object_to_json_string_ext(
			ex->headers, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	resp->body = ex->body;
	resp->body_len = ex->body_len;
	resp->body_truncated = ex->body_truncated;
	ex->body = NULL;
	if (!resp->body && resp->status_code && (resp->body = malloc(1)))
		resp->body[0] = '\0';          /* an answer without a body: "" */
}

static int exchange_run(const struct outbound_request *req, const struct target *t,
			long timeout_ms, struct outbound_response *resp)
{
	struct exchange ex = { 0 };
	struct curl_slist *headers = NULL, *pin = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *curl = curl_easy_init();
	int rc = -1;

	if (!curl || !(pin = curl_slist_append(NULL, t->connect_to))) {
		set_error(resp, "out of memory");
		goto out;
	}
	if (build_headers(req, &headers, resp) != 0 || set_method(curl, req, resp) != 0)
		goto out;
	set_guard(curl, pin, timeout_ms, errbuf);
	curl_easy_setopt(curl, CURLOPT_URL, req->url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	/* A request that asks for an encoding gets its answer decoded, so the
	 * body reads as text; the cap counts decoded bytes, so a compression
	 * bomb stops at it too. */
	if (has_header(req->headers, "Accept-Encoding"))
		curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &ex);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &ex);
	rc = perform(curl, &ex, resp, errbuf);
	collect(&ex, resp);
out:
	free(ex.body);
	json_object_put(ex.headers);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	curl_slist_free_all(pin);
	return rc;
}

int outbound_send(const struct outbound_request *req, const struct cidr_list *allow,
		  struct outbound_response *resp)
{
	double start = now_ms();
	struct target t;
	long left;
	int rc = -1;

	memset(resp, 0, sizeof(*resp));
	if (!curl_ready()) {
		set_error(resp, "libcurl could not be initialised");
		goto out;
	}
	if (!req->url || target_parse(req->url, &t, resp) != 0 || target_resolve(&t, allow, resp) != 0)
		goto out;
	/* The resolver's time counts against the same 10 s. */
	left = OUTBOUND_TIMEOUT_MS - (long)(now_ms() - start);
	if (left <= 0) {
		set_error(resp, "timed out after %d s while resolving %.100s", OUTBOUND_TIMEOUT_MS / 1000,
			  t.host);
		goto out;
	}
	rc = exchange_run(req, &t, left, resp);
out:
	resp->latency_ms = now_ms() - start;
	return rc;
}

void outbound_response_release(struct outbound_response *resp)
{
	free(resp->headers);
	free(resp->body);
	resp->headers = NULL;
	resp->body = NULL;
	resp->body_len = 0;
}
