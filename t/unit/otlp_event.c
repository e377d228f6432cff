/* otlp_event: log records as the bodies of POST /apps/{app_id}/events, each
 * read back by event_input_parse as the ingest reads it: severities, times,
 * bodies of every kind, exceptions with their stack traces, tags, and the
 * resource's environment and release. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pure/event_input.h"
#include "pure/fingerprint.h"
#include "pure/otlp.h"
#include "pure/otlp_event.h"
#include "tap.h"

#define NOW 1764064800500000LL      /* 2025-11-25T10:00:00.5Z */

#define TEXT(s) ((struct otlp_text){ (s), sizeof(s) - 1 })
#define STR(s) ((struct otlp_value){ .kind = OTLP_STRING, .string = TEXT(s) })
#define INT(i) ((struct otlp_value){ .kind = OTLP_INT, .integer = (i) })
#define DOUBLE(d) ((struct otlp_value){ .kind = OTLP_DOUBLE, .number = (d) })
#define BOOL(b) ((struct otlp_value){ .kind = OTLP_BOOL, .boolean = (b) })
#define BYTES(s) ((struct otlp_value){ .kind = OTLP_BYTES, .bytes = TEXT(s) })
#define ARRAY(...) ((struct otlp_value){ .kind = OTLP_ARRAY, .array = { \
	(const struct otlp_value[]){ __VA_ARGS__ }, \
	sizeof((const struct otlp_value[]){ __VA_ARGS__ }) / sizeof(struct otlp_value) } })
#define KVLIST(...) ((struct otlp_value){ .kind = OTLP_KVLIST, .kvlist = { \
	(const struct otlp_attr[]){ __VA_ARGS__ }, \
	sizeof((const struct otlp_attr[]){ __VA_ARGS__ }) / sizeof(struct otlp_attr) } })
#define ATTR(k, v) { TEXT(k), v }
#define ATTRS(...) (const struct otlp_attr[]){ __VA_ARGS__ }, \
	sizeof((const struct otlp_attr[]){ __VA_ARGS__ }) / sizeof(struct otlp_attr)

#define NODE_TRACE \
	"TypeError: Cannot read properties of undefined (reading 'total')\n" \
	"    at charge (/srv/app/pay.js:42:7)\n" \
	"    at Layer.handle [as handle_request] (/srv/app/node_modules/express/lib/router/layer.js:95:5)\n" \
	"    at async checkout (/srv/app/shop.js:17:3)\n"

#define PYTHON_TRACE \
	"Traceback (most recent call last):\n" \
	"  File \"/srv/app/shop.py\", line 10, in checkout\n" \
	"    charge(cart)\n" \
	"  File \"/srv/app/pay.py\", line 3, in charge\n" \
	"    return cart[\"total\"]\n" \
	"           ~~~~^^^^^^^^^\n" \
	"KeyError: 'total'\n"

static int events, refused, with_id_or_fingerprint;

/* The event of log, checked by event_input_parse; NULL when
 * otlp_log_event gave none. */
static struct json_object *event_of(const struct otlp_log *log, const char *name)
{
	struct json_object *event = NULL;
	struct event_input in;
	struct error err;

	events++;
	if (otlp_log_event(log, NOW, &event) != 1 || !event) {
		printf("# %s: no event\n", name);
		refused++;
		return NULL;
	}
	if (event_input_parse(event, &in, &err) != 0) {
		printf("# %s: event_input_parse refuses %s: %s\n", name, err.field, err.message);
		refused++;
	}
	with_id_or_fingerprint += json_object_object_get_ex(event, "event_id", NULL) ||
		json_object_object_get_ex(event, "fingerprint", NULL);
	return event;
}

/* obj's member at a path of keys ("stack", "type", NULL), or NULL. */
static struct json_object *at(struct json_object *obj, const char *const *path)
{
	for (; obj && *path; path++)
		if (!json_object_object_get_ex(obj, *path, &obj))
			return NULL;
	return obj;
}

#define MEMBER(obj, ...) at((obj), (const char *const[]){ __VA_ARGS__, NULL })
#define TEXT_OF(obj, ...) json_object_get_string(MEMBER((obj), __VA_ARGS__))

/* s repeated n times; the caller frees it. */
static char *repeat(const char *s, size_t n)
{
	size_t len = strlen(s);
	char *out = malloc(len * n + 1);

	for (size_t i = 0; i < n; i++)
		memcpy(out + i * len, s, len);
	out[len * n] = '\0';
	return out;
}

static struct otlp_text text(const char *s)
{
	return (struct otlp_text){ s, strlen(s) };
}

static void test_levels(void)
{
	static const struct {
		int number;
		const char *text, *want;
	} cases[] = {
		{ 1, "", "DEBUG" }, { 4, "", "DEBUG" }, { 5, "", "DEBUG" }, { 8, "", "DEBUG" },
		{ 9, "", "INFO" }, { 12, "", "INFO" }, { 13, "", "WARNING" }, { 16, "", "WARNING" },
		{ 17, "", "ERROR" }, { 20, "", "ERROR" }, { 21, "", "CRITICAL" }, { 24, "", "CRITICAL" },
		{ 17, "info", "ERROR" },
		{ 0, "trace", "DEBUG" }, { 0, "DEBUG", "DEBUG" }, { 0, "Info", "INFO" },
		{ 0, "notice", "INFO" }, { 0, "WARN", "WARNING" }, { 0, "warning", "WARNING" },
		{ 0, "error", "ERROR" }, { 0, "ERR", "ERROR" }, { 0, "fatal", "CRITICAL" },
		{ 0, "Critical", "CRITICAL" }, { 0, "crit", "CRITICAL" }, { 0, "alert", "CRITICAL" },
		{ 0, "emerg", "CRITICAL" }, { 0, "TRACE2", "DEBUG" }, { 0, "ERROR3", "ERROR" },
		{ 0, "FATAL4", "CRITICAL" }, { 0, "WARN5", "INFO" }, { 0, "errors", "INFO" },
		{ 0, "bogus", "INFO" }, { 0, "", "INFO" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct otlp_log log = { .severity_number = cases[i].number,
					.severity_text = text(cases[i].text), .body = STR("x") };
		struct json_object *event = event_of(&log, "level");
		char name[96];

		snprintf(name, sizeof(name), "severity %d \"%s\" is %s", cases[i].number, cases[i].text,
			 cases[i].want);
		is_str(TEXT_OF(event, "level"), cases[i].want, name);
		json_object_put(event);
	}
}

static void test_times(void)
{
	static const struct {
		const char *name;
		uint64_t time_ns, observed_ns;
		int64_t now;
		const char *want;
	} cases[] = {
		{ "occurred_at is the record's time, to the microsecond", 1700000000123456789ULL, 0, NOW,
		  "2023-11-14T22:13:20.123456Z" },
		{ "  before its observed time", 1700000000000001000ULL, 1600000000000000000ULL, NOW,
		  "2023-11-14T22:13:20.000001Z" },
		{ "  its observed time without a time", 0, 1700000000000000000ULL, NOW,
		  "2023-11-14T22:13:20Z" },
		{ "  the caller's now without either", 0, 0, NOW, "2025-11-25T10:00:00.5Z" },
		{ "  the latest time OTLP takes", 9223372036854775807ULL, 0, NOW,
		  "2262-04-11T23:47:16.854775Z" },
		{ "  a now past year 9999 is held to it", 0, 0, INT64_MAX, "9999-12-31T23:59:59.999999Z" },
		{ "  a now before year 1 too", 0, 0, INT64_MIN, "0001-01-01T00:00:00Z" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct otlp_log log = { .time_ns = cases[i].time_ns, .observed_ns = cases[i].observed_ns,
					.body = STR("x") };
		struct json_object *event = NULL;
		struct event_input in;
		struct error err;

		events++;
		otlp_log_event(&log, cases[i].now, &event);
		is_str(TEXT_OF(event, "occurred_at"), cases[i].want, cases[i].name);
		if (event_input_parse(event, &in, &err) != 0) {
			printf("# %s: event_input_parse refuses %s: %s\n", cases[i].name, err.field, err.message);
			refused++;
		}
		json_object_put(event);
	}
}

static void test_bodies(void)
{
	char *euros = repeat("\xe2\x82\xac", 3000);
	const struct {
		const char *name;
		struct otlp_value body;
		const char *want;
	} cases[] = {
		{ "a string body is the message", STR("payment declined"), "payment declined" },
		{ "an int body as text", INT(42), "42" },
		{ "a double body as text", DOUBLE(1.5), "1.5" },
		{ "a bool body as text", BOOL(1), "true" },
		{ "an array of scalars joined with \", \"", ARRAY(STR("a"), INT(2)), "a, 2" },
		{ "bytes in base64", BYTES("hi"), "aGk=" },
		{ "  of any length", BYTES("abc"), "YWJj" },
		{ "  and any byte", BYTES("\x00\xff\x10"), "AP8Q" },
		{ "a key-value list's message", KVLIST(ATTR("user", STR("ann")), ATTR("message", STR("card declined"))),
		  "card declined" },
		{ "  else its msg", KVLIST(ATTR("msg", STR("short")), ATTR("n", INT(3))), "short" },
		{ "  else the list as JSON",
		  KVLIST(ATTR("user", STR("ann")), ATTR("n", INT(3)), ATTR("ok", BOOL(0)), ATTR("ratio", DOUBLE(0.1)),
			 ATTR("bad", DOUBLE(NAN)), ATTR("raw", BYTES("hi")), ATTR("list", ARRAY(INT(1), STR("x"))),
			 ATTR("none", { .kind = OTLP_NONE }), ATTR("path", STR("/a/b")),
			 ATTR("message", KVLIST(ATTR("k", STR("v"))))),
		  "{\"user\":\"ann\",\"n\":3,\"ok\":false,\"ratio\":0.1,\"bad\":\"NaN\",\"raw\":\"aGk=\","
		  "\"list\":[1,\"x\"],\"none\":null,\"path\":\"/a/b\",\"message\":{\"k\":\"v\"}}" },
		{ "  a repeated key with its first value", KVLIST(ATTR("user", STR("ann")), ATTR("user", STR("bob"))),
		  "{\"user\":\"ann\"}" },
		{ "an array holding a list as JSON", ARRAY(STR("a"), KVLIST(ATTR("k", INT(1)))),
		  "[\"a\",{\"k\":1}]" },
		{ "an empty string body says nothing", STR(""), OTLP_EVENT_NO_MESSAGE },
		{ "  nor does an empty array", { .kind = OTLP_ARRAY, .array = { NULL, 0 } }, OTLP_EVENT_NO_MESSAGE },
		{ "  nor empty bytes", BYTES(""), OTLP_EVENT_NO_MESSAGE },
		{ "  nor no body", { .kind = OTLP_NONE }, OTLP_EVENT_NO_MESSAGE },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct otlp_log log = { .time_ns = 1, .body = cases[i].body };
		struct json_object *event = event_of(&log, cases[i].name);

		is_str(TEXT_OF(event, "message"), cases[i].want, cases[i].name);
		json_object_put(event);
	}

	struct otlp_log log = { .time_ns = 1, .body = { .kind = OTLP_STRING, .string = text(euros) } };
	struct json_object *event = event_of(&log, "long body");

	is_int(json_object_get_string_len(MEMBER(event, "message")), 8190,
	       "a long body is cut to 8192 bytes at a character boundary");
	json_object_put(event);
	free(euros);
}

static void test_fallbacks(void)
{
	const struct {
		const char *name;
		struct otlp_log log;
		const char *want;
	} cases[] = {
		{ "without a body: \"type: message\" of the exception",
		  { .attrs = ATTRS(ATTR("exception.type", STR("TypeError")),
				   ATTR("exception.message", STR("x is null"))),
		    .severity_text = TEXT("ERROR") },
		  "TypeError: x is null" },
		{ "  its type alone", { .attrs = ATTRS(ATTR("exception.type", STR("TypeError"))) }, "TypeError" },
		{ "  its message alone", { .attrs = ATTRS(ATTR("exception.message", STR("x is null"))) }, "x is null" },
		{ "  else the severity text", { .severity_text = TEXT("WARN"), .body = STR("") }, "WARN" },
		{ "  else " OTLP_EVENT_NO_MESSAGE, { .severity_number = 17 }, OTLP_EVENT_NO_MESSAGE },
		{ "a body wins over the exception",
		  { .attrs = ATTRS(ATTR("exception.type", STR("TypeError"))), .body = STR("checkout failed") },
		  "checkout failed" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *event = event_of(&cases[i].log, cases[i].name);

		is_str(TEXT_OF(event, "message"), cases[i].want, cases[i].name);
		json_object_put(event);
	}
}

static void test_exceptions(void)
{
	struct otlp_log node = {
		.time_ns = 1, .severity_number = 17, .body = STR("checkout failed"),
		.attrs = ATTRS(ATTR("exception.type", STR("TypeError")),
			       ATTR("exception.message", STR("Cannot read properties of undefined (reading 'total')")),
			       ATTR("exception.stacktrace", STR(NODE_TRACE)), ATTR("http.route", STR("/pay"))),
	};
	struct json_object *event = event_of(&node, "node"), *frames;
	struct event_input in;
	struct error err;
	struct fingerprint fp;

	is_str(TEXT_OF(event, "stack", "type"), "TypeError", "exception.type is the stack's type");
	is_str(TEXT_OF(event, "stack", "value"), "Cannot read properties of undefined (reading 'total')",
	       "  exception.message its value");
	is_str(TEXT_OF(event, "stack", "stacktrace"), NODE_TRACE, "  the stack trace kept as it came");
	frames = MEMBER(event, "stack", "frames");
	is_int(json_object_array_length(frames), 3, "  and read into frames");
	is_str(TEXT_OF(json_object_array_get_idx(frames, 2), "function"), "charge",
	       "  the one that raised last");
	ok(!MEMBER(event, "tags", "exception.type") && !MEMBER(event, "tags", "exception.stacktrace"),
	   "  exception.* are no tags");
	is_str(TEXT_OF(event, "tags", "http.route"), "/pay", "  the other attributes are");
	event_input_parse(event, &in, &err);
	ok(fingerprint_of(in.stack, in.message, in.message_len, NULL, &fp) == 0, "  the stack groups the event");
	is_str(fp.title, "TypeError: Cannot read properties of undefined (reading 'total')", "  its title");
	is_str(fp.culprit, "/srv/app/pay.js in charge", "  its culprit, the innermost in-app frame");
	fingerprint_release(&fp);
	json_object_put(event);

	struct otlp_log python = {
		.time_ns = 1, .severity_text = TEXT("ERROR"),
		.attrs = ATTRS(ATTR("exception.type", STR("KeyError")), ATTR("exception.message", STR("'total'")),
			       ATTR("exception.stacktrace", STR(PYTHON_TRACE))),
	};

	event = event_of(&python, "python");
	is_str(TEXT_OF(event, "message"), "KeyError: 'total'", "a Python exception without a body: its title");
	frames = MEMBER(event, "stack", "frames");
	is_int(json_object_array_length(frames), 2, "  its frames");
	is_str(TEXT_OF(json_object_array_get_idx(frames, 1), "filename"), "/srv/app/pay.py",
	       "  outermost first");
	json_object_put(event);

	const struct {
		const char *name;
		struct otlp_log log;
		const char *want;    /* the stack as JSON, or NULL for none */
	} cases[] = {
		{ "no exception attributes: no stack", { .body = STR("x") }, NULL },
		{ "exception.message alone: a stack with a value",
		  { .attrs = ATTRS(ATTR("exception.message", STR("boom"))) }, "{\"value\":\"boom\"}" },
		{ "a stack trace with no frame: kept, no frames",
		  { .attrs = ATTRS(ATTR("exception.stacktrace", STR("something went wrong"))) },
		  "{\"stacktrace\":\"something went wrong\"}" },
		{ "empty exception attributes count for none",
		  { .attrs = ATTRS(ATTR("exception.type", STR("")), ATTR("exception.stacktrace", STR(""))) }, NULL },
		{ "exception attributes with no text count for none",
		  { .attrs = ATTRS(ATTR("exception.type", KVLIST(ATTR("a", INT(1))))) }, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *stack;

		event = event_of(&cases[i].log, cases[i].name);
		stack = MEMBER(event, "stack");
		is_str(stack ? json_object_to_json_string_ext(stack, JSON_C_TO_STRING_PLAIN) : NULL,
		       cases[i].want, cases[i].name);
		json_object_put(event);
	}

	char *long_trace = repeat("\xe2\x82\xac", 40000), *long_type = repeat("E", 2000);
	struct otlp_log big = {
		.attrs = ATTRS({ TEXT("exception.stacktrace"), { .kind = OTLP_STRING, .string = text(long_trace) } },
			       { TEXT("exception.type"), { .kind = OTLP_STRING, .string = text(long_type) } }),
	};

	event = event_of(&big, "long");
	is_int(json_object_get_string_len(MEMBER(event, "stack", "stacktrace")), 65535,
	       "a stack trace is cut to 64 KiB at a character boundary");
	is_int(json_object_get_string_len(MEMBER(event, "stack", "type")), OTLP_EVENT_TYPE_MAX,
	       "  a type to OTLP_EVENT_TYPE_MAX bytes");
	json_object_put(event);
	free(long_trace);
	free(long_type);
}

static void test_tags(void)
{
	struct otlp_resource resource = {
		ATTRS(ATTR("region", STR("us")), ATTR("service.name", STR("checkout")),
		      ATTR("host.name", STR("web-1"))),
	};
	struct otlp_log log = {
		.body = STR("x"),
		.attrs = ATTRS(ATTR("region", STR("eu")), ATTR("count", INT(3)),
			       ATTR("list", ARRAY(STR("a"), STR("b"))),
			       ATTR("exception.message", STR("no")), ATTR("nested", KVLIST(ATTR("a", INT(1)))),
			       ATTR("raw", BYTES("hi")), ATTR("empty", STR("")), ATTR("count", INT(4)),
			       ATTR("", STR("no key"))),
		.trace_id = "5b8efff798038103d269b633813fc60c",
		.span_id = "eee19b7ec3c1b174",
		.resource = &resource,
	};
	struct json_object *event = event_of(&log, "tags");

	is_str(json_object_to_json_string_ext(MEMBER(event, "tags"), JSON_C_TO_STRING_PLAIN),
	       "{\"region\":\"eu\",\"count\":\"3\",\"list\":\"a, b\",\"empty\":\"\","
	       "\"service.name\":\"checkout\",\"host.name\":\"web-1\","
	       "\"trace_id\":\"5b8efff798038103d269b633813fc60c\",\"span_id\":\"eee19b7ec3c1b174\"}",
	       "tags: the record's attributes, then its resource's, then trace_id and span_id");
	json_object_put(event);

	char *key128 = repeat("k", 128), *key129 = repeat("K", 129), *value = repeat("\xc3\xa9", 2000);
	struct otlp_attr attrs[150];

	attrs[0] = (struct otlp_attr){ text(key128), STR("kept") };
	attrs[1] = (struct otlp_attr){ text(key129), STR("left out") };
	attrs[2] = (struct otlp_attr){ TEXT("long"), { .kind = OTLP_STRING, .string = text(value) } };
	attrs[3] = (struct otlp_attr){ TEXT("trace_id"), STR("mine") };
	log = (struct otlp_log){ .body = STR("x"), .attrs = attrs, .n_attrs = 4 };
	event = event_of(&log, "tag limits");
	is_str(TEXT_OF(event, "tags", key128), "kept", "a key of 128 characters is kept");
	ok(!MEMBER(event, "tags", key129), "  one of 129 left out");
	is_int(json_object_get_string_len(MEMBER(event, "tags", "long")), 2048,
	       "a value is cut to 1024 characters");
	is_str(TEXT_OF(event, "tags", "trace_id"), "mine", "an attribute trace_id stays without the record's");
	json_object_put(event);
	strcpy(log.trace_id, "5b8efff798038103d269b633813fc60c");
	event = event_of(&log, "tag limits");
	is_str(TEXT_OF(event, "tags", "trace_id"), "5b8efff798038103d269b633813fc60c", "  the record's wins");
	json_object_put(event);

	char keys[150][8];

	for (int i = 0; i < 150; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		attrs[i] = (struct otlp_attr){ text(keys[i]), INT(i) };
	}
	log.n_attrs = 150;
	event = event_of(&log, "many tags");
	is_int(json_object_object_length(MEMBER(event, "tags")), OTLP_EVENT_TAGS_MAX + 1,
	       "at most 100 tags from attributes, and trace_id");
	ok(MEMBER(event, "tags", "k99") && !MEMBER(event, "tags", "k100"), "  the first ones");
	json_object_put(event);

	log = (struct otlp_log){ .body = STR("x") };
	event = event_of(&log, "no tags");
	ok(event && !MEMBER(event, "tags"), "no attributes and no ids: no tags");
	json_object_put(event);
	free(key128);
	free(key129);
	free(value);
}

static void test_names(void)
{
	char *env64 = repeat("e", 64), *env65 = repeat("e", 65), *rel200 = repeat("r", 200),
	     *rel201 = repeat("r", 201);
	struct otlp_attr a[][3] = {
		{ ATTR("deployment.environment.name", STR("production")),
		  ATTR("deployment.environment", STR("staging")),
		  ATTR("service.version", STR("1.2.3")) },
		{ ATTR("deployment.environment", STR("staging")), ATTR("service.version", INT(3)),
		  ATTR("service.name", STR("shop")) },
		{ ATTR("deployment.environment.name", STR("bad\nname")), ATTR("deployment.environment", STR("staging")),
		  ATTR("service.version", STR("1.2\t3")) },
		{ { TEXT("deployment.environment.name"), { .kind = OTLP_STRING, .string = text(env64) } },
		  { TEXT("service.version"), { .kind = OTLP_STRING, .string = text(rel200) } }, ATTR("x", STR("y")) },
		{ { TEXT("deployment.environment.name"), { .kind = OTLP_STRING, .string = text(env65) } },
		  { TEXT("service.version"), { .kind = OTLP_STRING, .string = text(rel201) } }, ATTR("x", STR("y")) },
		{ ATTR("deployment.environment.name", STR("")), ATTR("service.version", STR("")), ATTR("x", STR("y")) },
	};
	const struct {
		const char *name, *environment, *release;
	} want[] = {
		{ "deployment.environment.name before deployment.environment; service.version", "production", "1.2.3" },
		{ "deployment.environment; a version as text", "staging", "3" },
		{ "a name event_input refuses is passed over, or left out", "staging", NULL },
		{ "64 and 200 characters are taken", env64, rel200 },
		{ "65 and 201 are left out", NULL, NULL },
		{ "empty ones are left out", NULL, NULL },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct otlp_resource resource = { a[i], 3 };
		struct otlp_log log = { .body = STR("x"), .resource = &resource };
		struct json_object *event = event_of(&log, want[i].name);

		is_str(TEXT_OF(event, "environment"), want[i].environment, want[i].name);
		is_str(TEXT_OF(event, "release"), want[i].release, "  and the release");
		json_object_put(event);
	}
	free(env64);
	free(env65);
	free(rel200);
	free(rel201);
}

/* A record as the collector writes it in OTLP JSON, through the decoder. */
static void test_decoded(void)
{
	static const char json[] =
		"{\"resourceLogs\":[{\"resource\":{\"attributes\":["
		"{\"key\":\"service.name\",\"value\":{\"stringValue\":\"checkout\"}},"
		"{\"key\":\"deployment.environment.name\",\"value\":{\"stringValue\":\"production\"}},"
		"{\"key\":\"service.version\",\"value\":{\"stringValue\":\"1.2.3\"}}]},"
		"\"scopeLogs\":[{\"scope\":{\"name\":\"shop\"},\"logRecords\":[{"
		"\"timeUnixNano\":\"1700000000123456789\",\"observedTimeUnixNano\":\"1700000000200000000\","
		"\"severityNumber\":17,\"severityText\":\"ERROR\","
		"\"body\":{\"stringValue\":\"checkout failed\"},"
		"\"attributes\":[{\"key\":\"exception.type\",\"value\":{\"stringValue\":\"KeyError\"}},"
		"{\"key\":\"exception.message\",\"value\":{\"stringValue\":\"'total'\"}},"
		"{\"key\":\"exception.stacktrace\",\"value\":{\"stringValue\":"
		"\"Traceback (most recent call last):\\n  File \\\"/srv/app/pay.py\\\", line 3, in charge\\n"
		"KeyError: 'total'\\n\"}},"
		"{\"key\":\"region\",\"value\":{\"stringValue\":\"eu\"}}],"
		"\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\"}]}]}]}";
	struct otlp_export ex = { 0 };
	struct json_object *event;
	struct error err;

	if (otlp_logs_from_json(json, sizeof(json) - 1, &ex, &err) != 0) {
		printf("# decode: %s %s\n", err.field, err.message);
		ok(0, "a decoded record");
		return;
	}
	event = event_of(&ex.logs[0], "decoded");
	is_str(json_object_to_json_string_ext(event, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
	       "{\"occurred_at\":\"2023-11-14T22:13:20.123456Z\",\"level\":\"ERROR\","
	       "\"message\":\"checkout failed\",\"stack\":{\"type\":\"KeyError\",\"value\":\"'total'\","
	       "\"frames\":[{\"filename\":\"/srv/app/pay.py\",\"function\":\"charge\",\"lineno\":3,"
	       "\"in_app\":true}],\"stacktrace\":\"Traceback (most recent call last):\\n  File "
	       "\\\"/srv/app/pay.py\\\", line 3, in charge\\nKeyError: 'total'\\n\"},"
	       "\"tags\":{\"region\":\"eu\",\"service.name\":\"checkout\","
	       "\"deployment.environment.name\":\"production\",\"service.version\":\"1.2.3\","
	       "\"trace_id\":\"5b8efff798038103d269b633813fc60c\",\"span_id\":\"eee19b7ec3c1b174\"},"
	       "\"environment\":\"production\",\"release\":\"1.2.3\"}",
	       "a record from an OTLP JSON export, whole");
	json_object_put(event);
	otlp_export_free(&ex);
}

int main(void)
{
	test_levels();
	test_times();
	test_bodies();
	test_fallbacks();
	test_exceptions();
	test_tags();
	test_names();
	test_decoded();
	is_int(refused, 0, "every event passes event_input_parse");
	ok(events > 80, "  of all those made");
	is_int(with_id_or_fingerprint, 0, "  and none has an event_id or a fingerprint");
	return tap_done();
}
