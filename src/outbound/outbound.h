/* outbound: HTTP requests to other people's servers (replay and webhooks),
 * behind the address guard of docs/api.md: http and https only, a 10 s total
 * timeout, no redirects followed, response bodies capped at 1 MiB, no proxy
 * from the environment, and the host resolved once with every address checked
 * and the connection pinned to the checked address (no DNS rebinding).
 * Loopback, private, link-local, CGNAT, documentation, benchmark, multicast,
 * reserved and unspecified addresses are refused unless the allow-list admits
 * them; 169.254.169.254 and fd00:ec2::254 are refused always. */
#ifndef TELLTALE_OUTBOUND_H
#define TELLTALE_OUTBOUND_H

#include <stddef.h>
#include <stdint.h>

#include "pure/cidr.h"

#define OUTBOUND_TIMEOUT_MS 10000
#define OUTBOUND_BODY_MAX (1024 * 1024)
#define OUTBOUND_ERROR_MAX 256

/* Checks one resolved address (16 bytes; IPv4 as IPv4-mapped IPv6). Returns 1
 * when it may be connected to, else 0 with *why naming the refused range
 * ("loopback", "private", "link-local", "cloud metadata", ...). Pure.
 * (*why is NULL when the address is allowed; why itself may be NULL.) */
int outbound_address_allowed(const uint8_t addr[16], const struct cidr_list *allow,
			     const char **why);

struct outbound_request {
	const char *method;          /* "GET", "POST", ... */
	const char *url;             /* absolute http:// or https:// */
	const char *const *headers;  /* "Name: value" lines, NULL-terminated; may be NULL.
	                                These and Host are all the target gets (libcurl
	                                adds no Accept, Expect or Content-Type of its own);
	                                hop-by-hop and framing lines (Connection,
	                                Content-Length, Transfer-Encoding, ...) are left
	                                out, and with Accept-Encoding the answer is decoded.
	                                A line whose name is not an HTTP token, or that
	                                holds CR or LF, makes the send fail unsent. */
	const char *body;            /* may be NULL */
	size_t body_len;
};

struct outbound_response {
	int status_code;             /* 0 when no HTTP answer came */
	char *headers;               /* owned: the answer's header lines as a JSON
	                                object text {"name": "value", ...}, or NULL;
	                                names in lower case, a repeated name's values
	                                joined with ", ", valid UTF-8 (U+FFFD for bad
	                                bytes), at most OUTBOUND_HEADERS_MAX names */
	char *body;                  /* owned, NUL-terminated, at most OUTBOUND_BODY_MAX
	                                bytes (cut, not refused, past it); the bytes as
	                                they came (NULs too); NULL when no answer came */
	size_t body_len;
	double latency_ms;
	char error[OUTBOUND_ERROR_MAX];   /* why it failed or was refused, as valid UTF-8;
	                                     "" on an answer */
	int body_truncated;          /* 1 when the body was cut at OUTBOUND_BODY_MAX */
};

/* Sends req behind the guard (allow may be NULL: nothing admitted). Returns 0 when the server answered (any status),
 * or -1 when the target was refused or the exchange failed; resp->error says
 * why either way. resp must be released with outbound_response_release even
 * after -1. The caller ignores SIGPIPE (signals_install does): libcurl is told
 * to leave signals alone. Blocks for up to OUTBOUND_TIMEOUT_MS, plus whatever
 * the system resolver takes beyond that. */
int outbound_send(const struct outbound_request *req, const struct cidr_list *allow,
		  struct outbound_response *resp);

void outbound_response_release(struct outbound_response *resp);

/* 1 when name[0..name_len) is an HTTP field name (a token) and
 * value[0..value_len) a field value: no control character but tab, so no CR,
 * LF or NUL to split a header in two. Pure. */
int outbound_header_ok(const char *name, size_t name_len, const char *value, size_t value_len);

/* Response headers collected past this many are dropped. */
#define OUTBOUND_HEADERS_MAX 100

/* A copy of s[0..n) as text that PostgreSQL and JSON accept: valid UTF-8
 * without NUL, each byte that breaks that replaced by U+FFFD, then cut at a
 * character boundary to at most max bytes. Returns a new NUL-terminated
 * string (the caller frees it) and sets *out_len, or NULL on no memory. Pure. */
char *outbound_text(const char *s, size_t n, size_t max, size_t *out_len);

#endif
