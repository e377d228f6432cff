/* otlp_map: a span as the body of POST /v1/logs. Attribute names follow
 * OpenTelemetry's HTTP semantic conventions, the current ones first and the
 * older ones after them. */
#include "pure/otlp_map.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "pure/buf.h"
#include "pure/utf8.h"

#define REQUEST_HEADER "http.request.header."
#define RESPONSE_HEADER "http.response.header."
/* A tag is 1 to this many characters (POST /v1/logs's limit). */
#define TAG_MAX 128

/* A span being mapped: where its attributes are, and whether memory ran out. */
struct mapping {
	const struct otlp_attr *attrs;
	size_t n;
	int failed;
};

/* The text of the first of keys that attrs holds with a non-empty text, as a
 * new string (the caller frees it), or NULL. */
static char *text_of(struct mapping *m, const struct otlp_attr *attrs, size_t n,
		     const char *const *keys)
{
	for (; *keys; keys++) {
		struct buf b = { 0 };
		char *s;

		if (otlp_attr_text(attrs, n, *keys, &b) != 0) {
			free(b.data);
			continue;
		}
		s = buf_finish(&b, NULL);
		m->failed |= !s;
		if (s && *s)
			return s;
		free(s);
	}
	return NULL;
}

#define KEYS(...) (const char *const[]){ __VA_ARGS__, NULL }
#define SPAN_TEXT(m, ...) text_of((m), (m)->attrs, (m)->n, KEYS(__VA_ARGS__))

/* Adds key: s (taken over) to obj unless s is NULL. */
static void add_text(struct mapping *m, struct json_object *obj, const char *key, char *s)
{
	struct json_object *v;

	if (!s)
		return;
	v = json_object_new_string(s);
	free(s);
	if (!v || json_object_object_add(obj, key, v) != 0) {
		json_object_put(v);
		m->failed = 1;
	}
}

/* s[0..n) as a new string. */
static char *copy(struct mapping *m, const char *s, size_t n)
{
	char *c = malloc(n + 1);

	if (!c) {
		m->failed = 1;
		return NULL;
	}
	memcpy(c, s, n);
	c[n] = '\0';
	return c;
}

/* The path and query of a URL or a target: what follows the authority (for
 * a URL) up to '#', split at '?'. */
static void split_target(struct mapping *m, const char *s, char **path, char **query)
{
	const char *p = strstr(s, "://"), *q;
	size_t end;

	if (p) {
		p += 3;
		p += strcspn(p, "/?#");
	} else {
		p = s;
	}
	end = strcspn(p, "#");
	q = memchr(p, '?', end);
	if (!*path)
		*path = q ? copy(m, p, (size_t)(q - p)) : copy(m, p, end);
	if (!*query && q)
		*query = copy(m, q + 1, end - (size_t)(q - p) - 1);
}

/* url: full (url.full, taken over) when the span has one, else built from
 * the scheme, host, port, path and query. */
static char *span_url(struct mapping *m, char *full, const char *path, const char *query)
{
	char *scheme, *host, *port;
	struct buf b = { 0 };

	if (full)
		return full;
	scheme = SPAN_TEXT(m, "url.scheme", "http.scheme");
	host = SPAN_TEXT(m, "server.address", "http.host", "net.host.name");
	port = SPAN_TEXT(m, "server.port", "net.host.port");
	buf_puts(&b, scheme ? scheme : "http");
	buf_puts(&b, "://");
	buf_puts(&b, host ? host : "localhost");
	if (port && (!host || !strchr(host, ':'))) {
		buf_puts(&b, ":");
		buf_puts(&b, port);
	}
	buf_puts(&b, *path == '/' ? "" : "/");
	buf_puts(&b, path);
	if (query) {
		buf_puts(&b, "?");
		buf_puts(&b, query);
	}
	free(scheme);
	free(host);
	free(port);
	full = buf_finish(&b, NULL);
	m->failed |= !full;
	return full;
}

/* "type: message" of the span's first exception event, or NULL. */
static char *exception_text(struct mapping *m, const struct otlp_span *span)
{
	for (size_t i = 0; i < span->n_events; i++) {
		const struct otlp_event *e = &span->events[i];
		char *type, *message;
		struct buf b = { 0 };

		if (strcmp(e->name.ptr, "exception") != 0)
			continue;
		type = text_of(m, e->attrs, e->n_attrs, KEYS("exception.type"));
		message = text_of(m, e->attrs, e->n_attrs, KEYS("exception.message"));
		buf_puts(&b, type ? type : "exception");
		if (message) {
			buf_puts(&b, ": ");
			buf_puts(&b, message);
		}
		free(type);
		free(message);
		type = buf_finish(&b, NULL);
		m->failed |= !type;
		return type;
	}
	return NULL;
}

/* error: the span's error status message, else its exception; set when the
 * span's status is an error or it recorded an exception. */
static char *span_error(struct mapping *m, const struct otlp_span *span)
{
	char *exception = exception_text(m, span);

	if (span->status_code == OTLP_STATUS_ERROR && span->status_message.len > 0) {
		free(exception);
		return copy(m, span->status_message.ptr, span->status_message.len);
	}
	if (!exception && span->status_code == OTLP_STATUS_ERROR)
		return copy(m, "error", 5);
	return exception;
}

/* The peer's address, when it is an IP address (else it is left out). */
static char *span_source_ip(struct mapping *m)
{
	char *ip = SPAN_TEXT(m, "client.address", "net.peer.ip", "net.sock.peer.addr");
	unsigned char addr[16];

	if (ip && inet_pton(AF_INET, ip, addr) != 1 && inet_pton(AF_INET6, ip, addr) != 1) {
		free(ip);
		return NULL;
	}
	return ip;
}

/* The headers whose attributes start with prefix, as an object, or NULL
 * when there are none. */
static struct json_object *span_headers(struct mapping *m, const char *prefix)
{
	struct json_object *headers = NULL;
	size_t plen = strlen(prefix);

	for (size_t i = 0; i < m->n; i++) {
		const struct otlp_attr *a = &m->attrs[i];
		struct buf b = { 0 };
		char *value;

		if (a->key.len <= plen || strncmp(a->key.ptr, prefix, plen) != 0 ||
		    otlp_value_text(&a->value, &b) != 0) {
			free(b.data);
			continue;
		}
		value = buf_finish(&b, NULL);
		if (!headers)
			headers = json_object_new_object();
		if (!value || !headers) {
			free(value);
			m->failed = 1;
			continue;
		}
		add_text(m, headers, a->key.ptr + plen, value);
	}
	return headers;
}

/* The resource's service.name, deployment.environment and service.version
 * as tags "name=value", each cut to TAG_MAX characters. */
static struct json_object *span_tags(struct mapping *m, const struct otlp_span *span)
{
	static const char *const names[][3] = {
		{ "service.name", NULL, NULL },
		{ "deployment.environment", "deployment.environment.name", NULL },
		{ "service.version", NULL, NULL },
	};
	struct json_object *tags = json_object_new_array();

	if (!tags || !span->resource) {
		m->failed |= !tags;
		return tags;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *value = text_of(m, span->resource->attrs, span->resource->n_attrs, names[i]);
		struct buf b = { 0 };
		char *tag;
		size_t len;

		if (!value)
			continue;
		buf_puts(&b, names[i][0]);
		buf_puts(&b, "=");
		buf_puts(&b, value);
		free(value);
		tag = buf_finish(&b, &len);
		if (!tag) {
			m->failed = 1;
			continue;
		}
		tag[utf8_cut(tag, len, TAG_MAX)] = '\0';
		json_object_array_add(tags, json_object_new_string(tag));
		free(tag);
	}
	return tags;
}

/* The status code, when it is one HTTP has (100 to 599). */
static void add_status(struct mapping *m, struct json_object *log)
{
	char *text = SPAN_TEXT(m, "http.response.status_code", "http.status_code");
	long code = text ? strtol(text, NULL, 10) : 0;

	free(text);
	if (code >= 100 && code <= 599)
		json_object_object_add(log, "status_code", json_object_new_int((int)code));
}

static int is_http(const struct otlp_span *span, struct mapping *m, char **method)
{
	if (span->kind != OTLP_SPAN_KIND_SERVER && span->kind != OTLP_SPAN_KIND_CLIENT)
		return 0;
	*method = SPAN_TEXT(m, "http.request.method", "http.method");
	/* "_OTHER" is the conventions' word for a method they do not know. */
	if (*method && strcmp(*method, "_OTHER") == 0) {
		free(*method);
		*method = NULL;
	}
	return *method != NULL;
}

int otlp_span_log(const struct otlp_span *span, struct json_object **log)
{
	struct mapping m = { span->attrs, span->n_attrs, 0 };
	char *method = NULL, *path, *query, *target, *url;
	struct json_object *headers;

	*log = NULL;
	if (!is_http(span, &m, &method))
		return m.failed ? -1 : 0;
	*log = json_object_new_object();
	if (!*log) {
		free(method);
		return -1;
	}
	add_text(&m, *log, "method", method);
	path = SPAN_TEXT(&m, "url.path");
	query = SPAN_TEXT(&m, "url.query");
	target = SPAN_TEXT(&m, "http.target");
	url = SPAN_TEXT(&m, "url.full", "http.url");
	if (target || url)
		split_target(&m, target ? target : url, &path, &query);
	free(target);
	if (!path || !*path) {
		free(path);
		path = copy(&m, "/", 1);
	}
	add_text(&m, *log, "url", span_url(&m, url, path ? path : "/", query));
	add_text(&m, *log, "path", path);
	free(query);
	add_text(&m, *log, "route", SPAN_TEXT(&m, "http.route"));
	add_status(&m, *log);
	if (span->start_ns && span->end_ns >= span->start_ns)
		json_object_object_add(*log, "latency_ms",
				       json_object_new_double((double)(span->end_ns - span->start_ns) / 1e6));
	add_text(&m, *log, "error", span_error(&m, span));
	add_text(&m, *log, "source_ip", span_source_ip(&m));
	if ((headers = span_headers(&m, REQUEST_HEADER)))
		json_object_object_add(*log, "request_headers", headers);
	if ((headers = span_headers(&m, RESPONSE_HEADER)))
		json_object_object_add(*log, "response_headers", headers);
	json_object_object_add(*log, "tags", span_tags(&m, span));
	add_text(&m, *log, "trace_id", copy(&m, span->trace_id, strlen(span->trace_id)));
	add_text(&m, *log, "span_id", copy(&m, span->span_id, strlen(span->span_id)));
	if (m.failed) {
		json_object_put(*log);
		*log = NULL;
		return -1;
	}
	return 1;
}
