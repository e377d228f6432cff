/* Unit tests for log_input: every field rule of a request log, one row a
 * case, and the masked, trimmed row the ingest statement reads. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pure/log_input.h"
#include "pure/mask.h"
#include "tap.h"

#define M MASK_VALUE

#define REQ "\"method\":\"get\",\"url\":\"https://api.example.com/x\",\"path\":\"/x\""

static void test_rules(void)
{
	static const struct { const char *body; const char *field; } cases[] = {
		{ "{" REQ "}", NULL },
		{ "{" REQ ",\"status_code\":200,\"latency_ms\":12.5,\"query_params\":{\"a\":\"1\"},"
		  "\"request_headers\":{\"Accept\":\"*/*\"},\"response_headers\":{},"
		  "\"request_body\":\"{}\",\"response_body\":\"ok\",\"error\":\"boom\","
		  "\"source_ip\":\"192.0.2.1\",\"tags\":[\"a\",\"b\"]}", NULL },
		{ "{" REQ ",\"status_code\":null,\"latency_ms\":null,\"query_params\":null,"
		  "\"request_headers\":null,\"response_headers\":null,\"request_body\":null,"
		  "\"response_body\":null,\"error\":null,\"source_ip\":null,\"tags\":null}", NULL },
		{ "{" REQ ",\"unknown\":[1,2],\"other\":{}}", NULL },
		/* method */
		{ "{\"url\":\"http://h/\",\"path\":\"/\"}", "method" },
		{ "{\"method\":null,\"url\":\"http://h/\",\"path\":\"/\"}", "method" },
		{ "{\"method\":\"\",\"url\":\"http://h/\",\"path\":\"/\"}", "method" },
		{ "{\"method\":\"GE T\",\"url\":\"http://h/\",\"path\":\"/\"}", "method" },
		{ "{\"method\":\"G3T\",\"url\":\"http://h/\",\"path\":\"/\"}", "method" },
		{ "{\"method\":\"M-SEARCH\",\"url\":\"http://h/\",\"path\":\"/\"}", "method" },
		{ "{\"method\":\"ABCDEFGHIJKLMNOPQ\",\"url\":\"http://h/\",\"path\":\"/\"}", "method" },
		{ "{\"method\":\"ABCDEFGHIJKLMNOP\",\"url\":\"http://h/\",\"path\":\"/\"}", NULL },
		{ "{\"method\":\"\xc3\x89T\",\"url\":\"http://h/\",\"path\":\"/\"}", "method" },
		{ "{\"method\":1,\"url\":\"http://h/\",\"path\":\"/\"}", "method" },
		{ "{\"method\":[\"GET\"],\"url\":\"http://h/\",\"path\":\"/\"}", "method" },
		/* url */
		{ "{\"method\":\"GET\",\"path\":\"/\"}", "url" },
		{ "{\"method\":\"GET\",\"url\":null,\"path\":\"/\"}", "url" },
		{ "{\"method\":\"GET\",\"url\":\"/relative\",\"path\":\"/\"}", "url" },
		{ "{\"method\":\"GET\",\"url\":\"ftp://h/\",\"path\":\"/\"}", "url" },
		{ "{\"method\":\"GET\",\"url\":\"http://\",\"path\":\"/\"}", "url" },
		{ "{\"method\":\"GET\",\"url\":\"http://h/a b\",\"path\":\"/\"}", "url" },
		{ "{\"method\":\"GET\",\"url\":\"\",\"path\":\"/\"}", "url" },
		{ "{\"method\":\"GET\",\"url\":5,\"path\":\"/\"}", "url" },
		/* path */
		{ "{\"method\":\"GET\",\"url\":\"http://h/\"}", "path" },
		{ "{\"method\":\"GET\",\"url\":\"http://h/\",\"path\":null}", "path" },
		{ "{\"method\":\"GET\",\"url\":\"http://h/\",\"path\":\"\"}", "path" },
		{ "{\"method\":\"GET\",\"url\":\"http://h/\",\"path\":{}}", "path" },
		/* status_code */
		{ "{" REQ ",\"status_code\":99}", "status_code" },
		{ "{" REQ ",\"status_code\":600}", "status_code" },
		{ "{" REQ ",\"status_code\":-200}", "status_code" },
		{ "{" REQ ",\"status_code\":200.5}", "status_code" },
		{ "{" REQ ",\"status_code\":\"200\"}", "status_code" },
		{ "{" REQ ",\"status_code\":true}", "status_code" },
		{ "{" REQ ",\"status_code\":100}", NULL },
		{ "{" REQ ",\"status_code\":599}", NULL },
		/* latency_ms */
		{ "{" REQ ",\"latency_ms\":-0.5}", "latency_ms" },
		{ "{" REQ ",\"latency_ms\":-1}", "latency_ms" },
		{ "{" REQ ",\"latency_ms\":\"12\"}", "latency_ms" },
		{ "{" REQ ",\"latency_ms\":[]}", "latency_ms" },
		{ "{" REQ ",\"latency_ms\":0}", NULL },
		{ "{" REQ ",\"latency_ms\":1e3}", NULL },
		{ "{" REQ ",\"latency_ms\":1e12}", NULL },
		{ "{" REQ ",\"latency_ms\":1.0000001e12}", "latency_ms" },
		{ "{" REQ ",\"latency_ms\":1e308}", "latency_ms" },
		/* query_params */
		{ "{" REQ ",\"query_params\":[]}", "query_params" },
		{ "{" REQ ",\"query_params\":\"a=1\"}", "query_params" },
		{ "{" REQ ",\"query_params\":{\"a\":[\"1\",\"2\"],\"b\":{\"c\":1}}}", NULL },
		/* headers */
		{ "{" REQ ",\"request_headers\":[]}", "request_headers" },
		{ "{" REQ ",\"request_headers\":{\"A\":1}}", "request_headers" },
		{ "{" REQ ",\"request_headers\":{\"A\":null}}", "request_headers" },
		{ "{" REQ ",\"request_headers\":{\"A\":[\"x\"]}}", "request_headers" },
		{ "{" REQ ",\"request_headers\":\"A: b\"}", "request_headers" },
		{ "{" REQ ",\"response_headers\":{\"A\":\"ok\",\"B\":{}}}", "response_headers" },
		{ "{" REQ ",\"response_headers\":5}", "response_headers" },
		/* bodies */
		{ "{" REQ ",\"request_body\":{\"a\":1}}", "request_body" },
		{ "{" REQ ",\"request_body\":12}", "request_body" },
		{ "{" REQ ",\"response_body\":[\"x\"]}", "response_body" },
		{ "{" REQ ",\"response_body\":false}", "response_body" },
		{ "{" REQ ",\"request_body\":\"\",\"response_body\":\"\"}", NULL },
		/* error */
		{ "{" REQ ",\"error\":true}", "error" },
		{ "{" REQ ",\"error\":{\"m\":1}}", "error" },
		{ "{" REQ ",\"error\":\"\"}", NULL },
		/* source_ip */
		{ "{" REQ ",\"source_ip\":\"2001:db8::1\"}", NULL },
		{ "{" REQ ",\"source_ip\":\"::ffff:192.0.2.1\"}", NULL },
		{ "{" REQ ",\"source_ip\":\"192.0.2.256\"}", "source_ip" },
		{ "{" REQ ",\"source_ip\":\"192.0.2\"}", "source_ip" },
		{ "{" REQ ",\"source_ip\":\"10.0.0.0/8\"}", "source_ip" },
		{ "{" REQ ",\"source_ip\":\"localhost\"}", "source_ip" },
		{ "{" REQ ",\"source_ip\":\"\"}", "source_ip" },
		{ "{" REQ ",\"source_ip\":\"fe80::1%eth0\"}", "source_ip" },
		{ "{" REQ ",\"source_ip\":3232235777}", "source_ip" },
		/* tags */
		{ "{" REQ ",\"tags\":\"a\"}", "tags" },
		{ "{" REQ ",\"tags\":[1]}", "tags" },
		{ "{" REQ ",\"tags\":[\"a\",null]}", "tags" },
		{ "{" REQ ",\"tags\":[\"\"]}", "tags" },
		{ "{" REQ ",\"tags\":{\"a\":\"b\"}}", "tags" },
		{ "{" REQ ",\"tags\":[]}", NULL },
		/* the body as a whole */
		{ "[]", "" },
		{ "\"x\"", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *doc = json_tokener_parse(cases[i].body);
		struct log_input in;
		struct error err;
		char name[400];
		int rc = log_input_parse(doc, &in, &err);

		snprintf(name, sizeof(name), "%s -> %s", cases[i].body,
			 cases[i].field ? cases[i].field : "accepted");
		if (cases[i].field) {
			ok(rc == -1 && strcmp(err.field, cases[i].field) == 0 && *err.message, name);
			if (rc != -1 || strcmp(err.field, cases[i].field) != 0)
				printf("#   got field '%s'\n", rc == -1 ? err.field : "(accepted)");
		} else {
			ok(rc == 0, name);
		}
		json_object_put(doc);
	}
}

/* Builds a string of n characters c. */
static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void test_tag_limits(void)
{
	struct json_object *doc = json_tokener_parse("{" REQ "}");
	struct json_object *tags = json_object_new_array();
	struct log_input in;
	struct error err;
	char *t128 = repeat('t', LOG_TAG_MAX), *t129 = repeat('t', LOG_TAG_MAX + 1);

	json_object_object_add(doc, "tags", tags);
	for (int i = 0; i < LOG_TAGS_MAX; i++)
		json_object_array_add(tags, json_object_new_string(i ? "x" : t128));
	ok(log_input_parse(doc, &in, &err) == 0, "100 tags, one of 128 characters, accepted");
	json_object_array_add(tags, json_object_new_string("x"));
	ok(log_input_parse(doc, &in, &err) == -1 && strcmp(err.field, "tags") == 0,
	   "101 tags refused, naming tags");
	json_object_object_add(doc, "tags", json_object_new_array());
	json_object_array_add(json_object_object_get(doc, "tags"), json_object_new_string(t129));
	ok(log_input_parse(doc, &in, &err) == -1 && strcmp(err.field, "tags") == 0,
	   "a tag of 129 characters refused, naming tags");
	json_object_object_add(doc, "tags", json_object_new_array());
	/* 128 three-byte characters: counted in characters, not bytes */
	char euro[3 * LOG_TAG_MAX + 1] = "";
	for (int i = 0; i < LOG_TAG_MAX; i++)
		strcat(euro, "\xe2\x82\xac");
	json_object_array_add(json_object_object_get(doc, "tags"), json_object_new_string(euro));
	ok(log_input_parse(doc, &in, &err) == 0, "a tag of 128 three-byte characters accepted");
	free(t128);
	free(t129);
	json_object_put(doc);
}

/* The row built from body, as compact JSON text (the caller frees it). */
static char *row_text(const char *body)
{
	struct json_object *doc = json_tokener_parse(body), *row;
	struct log_input in;
	struct error err;
	char *text = NULL;

	if (doc && log_input_parse(doc, &in, &err) == 0 && (row = log_input_row(&in))) {
		text = strdup(json_object_to_json_string_ext(row, JSON_C_TO_STRING_PLAIN));
		json_object_put(row);
	}
	json_object_put(doc);
	return text;
}

static void test_rows(void)
{
	static const struct { const char *body; const char *want; const char *what; } cases[] = {
		{ "{" REQ "}",
		  "{\"method\":\"GET\",\"url\":\"https:\\/\\/api.example.com\\/x\",\"path\":\"\\/x\",\"route\":\"\\/x\","
		  "\"request_body_truncated\":false,\"response_body_truncated\":false}",
		  "the least log: method upper case, no optional keys" },
		{ "{\"method\":\"pAtCh\",\"url\":\"http://h/p?token=t&q=1\",\"path\":\"/p?api_key=k\","
		  "\"status_code\":502,\"latency_ms\":12.50,\"error\":\"\",\"source_ip\":\"2001:db8::1\","
		  "\"tags\":[\"a\",\"b\"]}",
		  "{\"method\":\"PATCH\",\"url\":\"http:\\/\\/h\\/p?token=" M "&q=1\","
		  "\"path\":\"\\/p?api_key=" M "\",\"route\":\"\\/p\",\"status_code\":502,\"latency_ms\":12.50,"
		  "\"request_body_truncated\":false,\"response_body_truncated\":false,"
		  "\"source_ip\":\"2001:db8::1\",\"tags\":[\"a\",\"b\"]}",
		  "url and path query strings masked, an empty error left out, numbers as sent" },
		{ "{" REQ ",\"query_params\":{\"token\":\"t\",\"q\":\"1\",\"f\":{\"password\":\"p\"},"
		  "\"card\":\"4111 1111 1111 1111\"}}",
		  "{\"method\":\"GET\",\"url\":\"https:\\/\\/api.example.com\\/x\",\"path\":\"\\/x\",\"route\":\"\\/x\","
		  "\"query_params\":{\"token\":\"" M "\",\"q\":\"1\",\"f\":{\"password\":\"" M "\"},"
		  "\"card\":\"" M "\"},"
		  "\"request_body_truncated\":false,\"response_body_truncated\":false}",
		  "query_params masked at any depth" },
		{ "{" REQ ",\"request_headers\":{\"Authorization\":\"Bearer x\",\"Accept\":\"*/*\"},"
		  "\"response_headers\":{\"Set-Cookie\":\"s=1\",\"Content-Type\":\"text/plain\"}}",
		  "{\"method\":\"GET\",\"url\":\"https:\\/\\/api.example.com\\/x\",\"path\":\"\\/x\",\"route\":\"\\/x\","
		  "\"request_headers\":{\"Authorization\":\"" M "\",\"Accept\":\"*\\/*\"},"
		  "\"response_headers\":{\"Set-Cookie\":\"" M "\",\"Content-Type\":\"text\\/plain\"},"
		  "\"request_body_truncated\":false,\"response_body_truncated\":false}",
		  "headers masked" },
		{ "{" REQ ",\"request_body\":\"{\\\"user\\\":\\\"u\\\",\\\"password\\\":\\\"p\\\"}\","
		  "\"response_body\":\"token=abc 4111111111111111\",\"error\":\"timeout\"}",
		  "{\"method\":\"GET\",\"url\":\"https:\\/\\/api.example.com\\/x\",\"path\":\"\\/x\",\"route\":\"\\/x\","
		  "\"request_body\":\"{\\\"user\\\":\\\"u\\\",\\\"password\\\":\\\"" M "\\\"}\","
		  "\"request_body_truncated\":false,"
		  "\"response_body\":\"token=abc " M "\",\"response_body_truncated\":false,"
		  "\"error\":\"timeout\"}",
		  "a JSON body masked, a text body kept but for its card number" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = row_text(cases[i].body);

		is_str(got, cases[i].want, cases[i].what);
		free(got);
	}
}

/* A body of n bytes: kept whole up to LOG_BODY_MAX, cut and flagged beyond. */
static void test_body_cut(void)
{
	struct json_object *doc = json_tokener_parse("{" REQ "}"), *row = NULL, *v;
	struct log_input in;
	struct error err;
	char *exact = repeat('a', LOG_BODY_MAX), *over = repeat('b', LOG_BODY_MAX + 1);
	char *euro = malloc(3 * 30000 + 1);

	for (int i = 0; i < 30000; i++)
		memcpy(euro + 3 * i, "\xe2\x82\xac", 3);
	euro[90000] = '\0';
	json_object_object_add(doc, "request_body", json_object_new_string(exact));
	json_object_object_add(doc, "response_body", json_object_new_string(over));
	ok(log_input_parse(doc, &in, &err) == 0 && (row = log_input_row(&in)) != NULL,
	   "bodies at and over the limit accepted");
	v = json_object_object_get(row, "request_body");
	is_int(json_object_get_string_len(v), LOG_BODY_MAX, "a body of 64 KiB is kept whole");
	ok(!json_object_get_boolean(json_object_object_get(row, "request_body_truncated")),
	   "and not flagged");
	v = json_object_object_get(row, "response_body");
	is_int(json_object_get_string_len(v), LOG_BODY_MAX, "a body of 64 KiB + 1 is cut to 64 KiB");
	ok(json_object_get_boolean(json_object_object_get(row, "response_body_truncated")),
	   "and flagged");
	json_object_put(row);

	json_object_object_add(doc, "request_body", json_object_new_string(euro));
	ok(log_input_parse(doc, &in, &err) == 0 && (row = log_input_row(&in)) != NULL,
	   "a multi-byte body accepted");
	is_int(json_object_get_string_len(json_object_object_get(row, "request_body")),
	       LOG_BODY_MAX - LOG_BODY_MAX % 3, "it is cut at a character boundary");
	json_object_put(row);

	/* A secret past the cut is masked before the cut, not left half there. */
	char *big = malloc(LOG_BODY_MAX + 100);
	size_t n = (size_t)sprintf(big, "{\"pad\":\"");
	memset(big + n, 'p', LOG_BODY_MAX - 20);
	n += LOG_BODY_MAX - 20;
	n += (size_t)sprintf(big + n, "\",\"password\":\"hunter2hunter2\"}");
	json_object_object_add(doc, "request_body", json_object_new_string(big));
	ok(log_input_parse(doc, &in, &err) == 0 && (row = log_input_row(&in)) != NULL,
	   "a JSON body over the limit accepted");
	ok(!strstr(json_object_get_string(json_object_object_get(row, "request_body")), "hunter"),
	   "its password is masked before the body is cut");
	json_object_put(row);

	free(big);
	free(euro);
	free(exact);
	free(over);
	json_object_put(doc);
}

/* Routes: given, or derived from the masked path. */
static void test_routes(void)
{
	static const struct { const char *path, *route; } cases[] = {
		{ "/orders/42/items/9f86d081-88a9-4b1e-9f3c-1a2b3c4d5e6f", "/orders/{id}/items/{uuid}" },
		{ "/v1/blobs/0123456789abcdef0123", "/v1/blobs/{hex}" },
		{ "/v1/users/me?token=x#frag", "/v1/users/me" },
		{ "/v2/deadbeef", "/v2/deadbeef" },
		{ "/", "/" },
		{ "", "/" },
		{ "//a//7/", "//a//{id}/" },
		{ "/cards/4111-1111-1111-1111", "/cards/4111-1111-1111-1111" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *route = log_route_of(cases[i].path, strlen(cases[i].path));

		is_str(route, cases[i].route, cases[i].path);
		free(route);
	}

	struct json_object *doc = json_tokener_parse(
		"{\"method\":\"GET\",\"url\":\"https://h/cards/4111-1111-1111-1111\","
		"\"path\":\"/cards/4111-1111-1111-1111/7\"}");
	struct log_input in;
	struct error err;
	struct json_object *row, *route = NULL;

	ok(log_input_parse(doc, &in, &err) == 0, "a log without a route");
	row = log_input_row(&in);
	ok(row && json_object_object_get_ex(row, "route", &route), "  gets one");
	is_str(route ? json_object_get_string(route) : "", "/cards/" M "/{id}",
	       "  from its masked path: no card number reaches it");
	json_object_put(row);
	json_object_put(doc);

	doc = json_tokener_parse("{" REQ ",\"route\":\"/x/{name}\"}");
	ok(log_input_parse(doc, &in, &err) == 0, "a log with its own route");
	row = log_input_row(&in);
	ok(row && json_object_object_get_ex(row, "route", &route) &&
	   strcmp(json_object_get_string(route), "/x/{name}") == 0, "  keeps it");
	json_object_put(row);
	json_object_put(doc);
	for (const char *const *bad = (const char *const[]){ "{" REQ ",\"route\":\"\"}", "{" REQ ",\"route\":5}",
							   "{" REQ ",\"route\":\"/a\\nb\"}", NULL }; *bad; bad++) {
		doc = json_tokener_parse(*bad);
		ok(log_input_parse(doc, &in, &err) != 0 && strcmp(err.field, "route") == 0, *bad);
		json_object_put(doc);
	}
}

int main(void)
{
	test_routes();
	test_rules();
	test_tag_limits();
	test_rows();
	test_body_cut();
	return tap_done();
}
