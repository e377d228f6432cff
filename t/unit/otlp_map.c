/* otlp_map: spans as the bodies of POST /v1/logs, read from OTLP JSON exports
 * as the JavaScript exporter and the collector write them (current and older
 * HTTP attribute names), and the logs that log_input makes of them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pure/log_input.h"
#include "pure/otlp.h"
#include "pure/otlp_map.h"
#include "tap.h"

#define TRACE "\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\""
#define RESOURCE \
	"\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"checkout\"}}," \
	"{\"key\":\"deployment.environment\",\"value\":{\"stringValue\":\"production\"}}," \
	"{\"key\":\"service.version\",\"value\":{\"stringValue\":\"1.2.3\"}}]}"
#define S(k, v) "{\"key\":\"" k "\",\"value\":{\"stringValue\":\"" v "\"}}"
#define I(k, v) "{\"key\":\"" k "\",\"value\":{\"intValue\":\"" v "\"}}"

/* The log of the one span of an export whose span is span_json (its
 * members but the ids), or NULL when it maps to none; *rc is what
 * otlp_span_log returned. */
static struct json_object *log_of(const char *span_json, int *rc)
{
	char text[8192];
	struct otlp_export ex = { 0 };
	struct json_object *log = NULL;
	struct error err;

	snprintf(text, sizeof(text),
		 "{\"resourceSpans\":[{" RESOURCE ",\"scopeSpans\":[{\"spans\":[{" TRACE ",%s}]}]}]}",
		 span_json);
	*rc = -2;
	if (otlp_traces_from_json(text, strlen(text), &ex, &err) != 0) {
		printf("# decode: %s %s\n", err.field, err.message);
		return NULL;
	}
	*rc = otlp_span_log(&ex.spans[0], &log);
	otlp_export_free(&ex);
	return log;
}

static const char *member(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;

	return obj && json_object_object_get_ex(obj, key, &v) ? json_object_get_string(v) : NULL;
}

static void test_server_span(void)
{
	int rc;
	struct json_object *log = log_of(
		"\"name\":\"GET /v1/orders/{id}\",\"kind\":2,"
		"\"startTimeUnixNano\":\"1700000000000000000\",\"endTimeUnixNano\":\"1700000000042500000\","
		"\"attributes\":[" S("http.request.method", "GET") "," S("url.scheme", "https") ","
		S("server.address", "shop.example") "," I("server.port", "8443") ","
		S("url.path", "/v1/orders/42") "," S("url.query", "page=2") ","
		S("http.route", "/v1/orders/{id}") "," I("http.response.status_code", "200") ","
		S("client.address", "203.0.113.7") ","
		"{\"key\":\"http.request.header.accept\",\"value\":{\"arrayValue\":{\"values\":"
		"[{\"stringValue\":\"text/html\"},{\"stringValue\":\"application/json\"}]}}},"
		"{\"key\":\"http.response.header.content-type\",\"value\":{\"arrayValue\":{\"values\":"
		"[{\"stringValue\":\"application/json\"}]}}}]", &rc);
	struct json_object *headers = NULL, *tags = NULL;

	is_int(rc, 1, "a SERVER span with an HTTP method is a log");
	is_str(member(log, "method"), "GET", "  method from http.request.method");
	is_str(member(log, "url"), "https://shop.example:8443/v1/orders/42?page=2",
	       "  url from scheme, server.address, server.port, url.path and url.query");
	is_str(member(log, "path"), "/v1/orders/42", "  path from url.path");
	is_str(member(log, "route"), "/v1/orders/{id}", "  route from http.route");
	is_str(member(log, "status_code"), "200", "  status_code from http.response.status_code");
	is_str(member(log, "latency_ms"), "42.5", "  latency_ms from the span's times");
	is_str(member(log, "source_ip"), "203.0.113.7", "  source_ip from client.address");
	is_str(member(log, "error"), NULL, "  no error");
	json_object_object_get_ex(log, "request_headers", &headers);
	is_str(member(headers, "accept"), "text/html, application/json",
	       "  request headers from http.request.header.*, values joined");
	json_object_object_get_ex(log, "response_headers", &headers);
	is_str(member(headers, "content-type"), "application/json", "  and response headers");
	json_object_object_get_ex(log, "tags", &tags);
	is_str(json_object_to_json_string_ext(tags, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
	       "[\"service.name=checkout\",\"deployment.environment=production\",\"service.version=1.2.3\"]",
	       "  tags from the resource");
	is_str(member(log, "trace_id"), "5b8efff798038103d269b633813fc60c", "  trace_id");
	is_str(member(log, "span_id"), "eee19b7ec3c1b174", "  span_id");

	struct log_input in;
	struct error err;
	struct json_object *row;

	ok(log_input_parse(log, &in, &err) == 0, "  which POST /v1/logs's rules take");
	row = log_input_row(&in);
	is_str(member(row, "route"), "/v1/orders/{id}", "  and keeps its route");
	json_object_put(row);
	json_object_put(log);
}

static void test_older_names(void)
{
	int rc;
	struct json_object *log = log_of(
		"\"name\":\"POST\",\"kind\":3,"
		"\"startTimeUnixNano\":\"1700000000000000000\",\"endTimeUnixNano\":\"1700000001000000000\","
		"\"status\":{\"code\":2,\"message\":\"upstream refused\"},"
		"\"attributes\":[" S("http.method", "POST") ","
		S("http.url", "http://payments.internal/charge?token=s3cret#frag") ","
		I("http.status_code", "502") "," S("net.peer.ip", "10.1.2.3") "]", &rc);
	struct log_input in;
	struct error err;
	struct json_object *row;

	is_int(rc, 1, "a CLIENT span with the older attribute names is a log");
	is_str(member(log, "method"), "POST", "  method from http.method");
	is_str(member(log, "url"), "http://payments.internal/charge?token=s3cret#frag", "  url from http.url");
	is_str(member(log, "path"), "/charge", "  path from the url");
	is_str(member(log, "status_code"), "502", "  status from http.status_code");
	is_str(member(log, "error"), "upstream refused", "  error from the span's error status");
	is_str(member(log, "source_ip"), "10.1.2.3", "  source_ip from net.peer.ip");
	ok(log_input_parse(log, &in, &err) == 0, "  taken by POST /v1/logs's rules");
	row = log_input_row(&in);
	is_str(member(row, "url"), "http://payments.internal/charge?token=***MASKED***#frag",
	       "  and masked as any log");
	is_str(member(row, "route"), "/charge", "  its route derived from the path");
	json_object_put(row);
	json_object_put(log);

	log = log_of("\"name\":\"GET\",\"kind\":2,\"attributes\":[" S("http.request.method", "GET") ","
		     S("http.target", "/search?q=a%20b") "," S("http.host", "example.com:8080") ","
		     S("client.address", "localhost") "]", &rc);
	is_str(member(log, "url"), "http://example.com:8080/search?q=a%20b",
	       "http.target and http.host make the url");
	is_str(member(log, "path"), "/search", "  the target's path");
	is_str(member(log, "source_ip"), NULL, "  a client.address that is no IP address is left out");
	json_object_put(log);
}

static void test_errors_and_skips(void)
{
	int rc;
	struct json_object *log = log_of(
		"\"name\":\"GET\",\"kind\":2,\"status\":{\"code\":2},"
		"\"events\":[{\"name\":\"exception\",\"attributes\":[" S("exception.type", "ValueError") ","
		S("exception.message", "bad input") "]}],"
		"\"attributes\":[" S("http.request.method", "GET") "," S("url.path", "/x") "]", &rc);

	is_str(member(log, "error"), "ValueError: bad input", "an exception event is the error");
	json_object_put(log);
	log = log_of("\"name\":\"q\",\"kind\":1,\"attributes\":[" S("http.request.method", "GET") "]", &rc);
	ok(rc == 0 && !log, "an INTERNAL span is skipped");
	log = log_of("\"name\":\"q\",\"kind\":2,\"attributes\":[" S("db.system", "postgresql") "]", &rc);
	ok(rc == 0 && !log, "a SERVER span without an HTTP method is skipped");
	log = log_of("\"name\":\"q\",\"kind\":2,\"attributes\":[" S("http.request.method", "_OTHER") "]", &rc);
	ok(rc == 0 && !log, "a method the conventions call _OTHER is skipped");
	log = log_of("\"name\":\"q\",\"kind\":4,\"attributes\":[" S("http.request.method", "GET") "]", &rc);
	ok(rc == 0 && !log, "a PRODUCER span is skipped");
	log = log_of("\"name\":\"q\",\"kind\":2,\"attributes\":[" S("http.request.method", "GET") "]", &rc);
	is_str(member(log, "url"), "http://localhost/", "a span naming no place gets http://localhost/");
	is_str(member(log, "path"), "/", "  and the path /");
	json_object_put(log);
}

int main(void)
{
	test_server_span();
	test_older_names();
	test_errors_and_skips();
	return tap_done();
}
