/* fingerprint: events as the Python, Node, Java and Go SDKs send them (the
 * stack as telltale stores it: Sentry's exception values), and /apps
 * stacks, with the grouping each must get; the message's normalisation; the
 * client's fingerprint with "{{ default }}"; titles and culprits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pure/fingerprint.h"

#include "tap.h"

/* The fingerprint of an event given as JSON text: stack, message, client. */
static void fp_of(const char *stack, const char *message, const char *client, struct fingerprint *fp)
{
	struct json_object *s = stack ? json_tokener_parse(stack) : NULL;
	struct json_object *c = client ? json_tokener_parse(client) : NULL;

	if (fingerprint_of(s, message, message ? strlen(message) : 0, c, fp) != 0)
		fp->hex[0] = '\0';
	json_object_put(s);
	json_object_put(c);
}

static int same(const char *s1, const char *m1, const char *c1, const char *s2, const char *m2,
		const char *c2)
{
	struct fingerprint a, b;
	int eq;

	fp_of(s1, m1, c1, &a);
	fp_of(s2, m2, c2, &b);
	eq = a.hex[0] && strcmp(a.hex, b.hex) == 0;
	fingerprint_release(&a);
	fingerprint_release(&b);
	return eq;
}

static void test_normalise(void)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "User 1234 not found", "User <int> not found" },
		{ "took 12ms, then 3.75s", "took <int>ms, then <float>s" },
		{ "order 6f1c2e9a-0b5d-4c3e-9f8a-1b2c3d4e5f60 failed",
		  "order <uuid> failed" },
		{ "object at 0x7f3a2c1b8d40", "object at <hex>" },
		{ "commit deadbeefcafe01 is bad", "commit <hex> is bad" },
		{ "no mail for ann.smith+x@example.co.uk.", "no mail for <email>." },
		{ "connect to 10.0.0.7:5432 refused", "connect to <ip>:<int> refused" },
		{ "connect to 2001:db8::1 refused", "connect to <ip> refused" },
		{ "key 'sku-42' missing in \"cart\"", "key <str> missing in <str>" },
		{ "can't open user's file", "can't open user's file" },
		{ "v2 user42 h264 stay", "v2 user42 h264 stay" },
		{ "12345678 is a number, abcdefgh is a word", "<int> is a number, abcdefgh is a word" },
		{ "", "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		char *got = fingerprint_normalise(cases[i].in, strlen(cases[i].in), &len);
		char name[160];

		snprintf(name, sizeof(name), "normalise: %s", cases[i].in);
		is_str(got, cases[i].want, name);
		free(got);
	}
}

/* sentry-python: ZeroDivisionError in app code under Django's frames. */
#define PY(value, line, fn) \
	"{\"values\":[{\"type\":\"ZeroDivisionError\",\"value\":\"" value "\",\"module\":null," \
	"\"mechanism\":{\"type\":\"django\",\"handled\":false},\"stacktrace\":{\"frames\":[" \
	"{\"filename\":\"django/core/handlers/base.py\",\"abs_path\":\"/usr/lib/python3/django/core/handlers/base.py\"," \
	"\"function\":\"_get_response\",\"module\":\"django.core.handlers.base\",\"lineno\":197,\"in_app\":false}," \
	"{\"filename\":\"app/views.py\",\"abs_path\":\"/srv/app/views.py\",\"function\":\"" fn "\"," \
	"\"module\":\"app.views\",\"lineno\":" line ",\"in_app\":true,\"vars\":{\"total\":\"0\"}}]}}]}"

/* @sentry/node: a TypeError with node internals outside the app. */
#define NODE(value, col) \
	"{\"values\":[{\"type\":\"TypeError\",\"value\":\"" value "\",\"mechanism\":{\"type\":\"onuncaughtexception\"}," \
	"\"stacktrace\":{\"frames\":[{\"filename\":\"node:internal/process/task_queues\",\"module\":\"task_queues\"," \
	"\"function\":\"process.processTicksAndRejections\",\"lineno\":95,\"colno\":5,\"in_app\":false}," \
	"{\"filename\":\"/app/src/cart.js\",\"module\":\"cart\",\"function\":\"Cart.total\",\"lineno\":10," \
	"\"colno\":" col ",\"in_app\":true}]}}]}"

/* sentry-java: a wrapped exception (the cause first, as the SDK sends them). */
#define JAVA(outer_fn) \
	"{\"values\":[{\"type\":\"SQLException\",\"module\":\"java.sql\",\"value\":\"timeout\",\"stacktrace\":{\"frames\":[" \
	"{\"module\":\"org.postgresql.jdbc.PgStatement\",\"function\":\"execute\",\"lineno\":320,\"in_app\":false}," \
	"{\"module\":\"com.shop.Store\",\"function\":\"load\",\"lineno\":41,\"in_app\":true}]}}," \
	"{\"type\":\"IllegalStateException\",\"module\":\"java.lang\",\"value\":\"cannot pay\",\"stacktrace\":{\"frames\":[" \
	"{\"module\":\"java.lang.Thread\",\"function\":\"run\",\"lineno\":833,\"in_app\":false}," \
	"{\"module\":\"com.shop.Checkout\",\"function\":\"" outer_fn "\",\"lineno\":88,\"in_app\":true}]}}]}"

/* sentry-go: no frame says in_app, so every frame counts. */
#define GO(line) \
	"{\"values\":[{\"type\":\"*errors.errorString\",\"value\":\"sql: no rows in result set\"," \
	"\"stacktrace\":{\"frames\":[{\"function\":\"main\",\"module\":\"main\",\"abs_path\":\"/app/main.go\",\"lineno\":12}," \
	"{\"function\":\"(*Store).Find\",\"module\":\"github.com/shop/store\",\"lineno\":" line "}]}}]}"

static void test_sdk_shapes(void)
{
	struct fingerprint fp;

	ok(same(PY("division by zero", "41", "checkout"), NULL, NULL,
		PY("float division by zero", "57", "checkout"), NULL, NULL),
	   "python: another value and line group together");
	ok(!same(PY("division by zero", "41", "checkout"), NULL, NULL,
		 PY("division by zero", "41", "refund"), NULL, NULL),
	   "python: another in-app function is another issue");
	ok(same(NODE("Cannot read properties of undefined (reading 'id')", "5"), NULL, NULL,
		NODE("Cannot read properties of undefined (reading 'sku')", "17"), NULL, NULL),
	   "node: another value and column group together");
	ok(!same(NODE("x", "5"), NULL, NULL, PY("x", "5", "Cart.total"), NULL, NULL),
	   "node and python: another type is another issue");
	ok(same(JAVA("pay"), NULL, NULL, JAVA("pay"), "another message", NULL),
	   "java: the message does not count when there are frames");
	ok(!same(JAVA("pay"), NULL, NULL, JAVA("refund"), NULL, NULL),
	   "java: the outer exception's frames count too");
	ok(same(GO("30"), NULL, NULL, GO("31"), NULL, NULL), "go: lines do not count");
	fp_of(GO("30"), NULL, NULL, &fp);
	is_str(fp.culprit, "github.com/shop/store in (*Store).Find",
	       "go: no frame in-app, the innermost frame is the culprit");
	fingerprint_release(&fp);

	fp_of(PY("division by zero", "41", "checkout"), "ignored", NULL, &fp);
	ok(strlen(fp.hex) == 64, "a fingerprint is 64 hex digits");
	is_str(fp.title, "ZeroDivisionError: division by zero", "python: title is Type: value");
	is_str(fp.culprit, "app.views in checkout", "python: culprit is the innermost in-app frame");
	fingerprint_release(&fp);
	fp_of(JAVA("pay"), NULL, NULL, &fp);
	is_str(fp.title, "IllegalStateException: cannot pay", "java: title is the last exception's");
	is_str(fp.culprit, "com.shop.Checkout in pay", "java: culprit from the last exception");
	fingerprint_release(&fp);
	fp_of(NODE("boom", "5"), NULL, NULL, &fp);
	is_str(fp.culprit, "cart in Cart.total", "node: the module, else the file");
	fingerprint_release(&fp);
}

static void test_messages_and_apps(void)
{
	struct fingerprint fp;

	ok(same(NULL, "User 1234 not found", NULL, NULL, "User 98 not found", NULL),
	   "message: numbers do not split an issue");
	ok(same(NULL, "timeout after 30.5s talking to 10.0.0.7", NULL, NULL,
		"timeout after 2.25s talking to 10.0.0.9", NULL), "message: decimals and addresses neither");
	ok(!same(NULL, "User 1234 not found", NULL, NULL, "Order 1234 not found", NULL),
	   "message: other words do");
	ok(same("{\"values\":[{\"type\":\"ValueError\",\"value\":\"bad\"}]}", "m 1", NULL, NULL, "m 2", NULL),
	   "an exception without frames groups by its message");
	fp_of(NULL, "User 1234 not found", NULL, &fp);
	is_str(fp.title, "User <int> not found", "message: title is the normalised message");
	ok(fp.culprit == NULL, "message: no culprit");
	fingerprint_release(&fp);

	ok(same("{\"type\":\"KeyError\",\"frames\":[{\"file\":\"app.py\",\"function\":\"f\",\"line\":3}]}", "one", NULL,
		"{\"type\":\"KeyError\",\"frames\":[{\"file\":\"app.py\",\"function\":\"f\",\"line\":9}]}", "two", NULL),
	   "/apps stack: type and frames, not lines or message");
	ok(!same("{\"type\":\"KeyError\",\"frames\":[{\"file\":\"app.py\",\"function\":\"f\"}]}", "m", NULL,
		 "{\"type\":\"KeyError\",\"frames\":[{\"file\":\"lib.py\",\"function\":\"f\"}]}", "m", NULL),
	   "/apps stack: another file is another issue");
	ok(same("{\"frames\":[{\"file\":\"app.py\",\"line\":3}]}", "User 1 gone", NULL, NULL, "User 2 gone", NULL),
	   "/apps stack: without a type or a function it is no exception; the message groups");
	fp_of("{\"type\":\"KeyError\",\"frames\":[{\"file\":\"app.py\",\"function\":\"f\"}]}", "'sku'", NULL, &fp);
	is_str(fp.title, "KeyError: 'sku'", "/apps stack: title is <type>: <message>");
	is_str(fp.culprit, "app.py in f", "/apps stack: culprit file and function");
	fingerprint_release(&fp);
}

static void test_client(void)
{
	const char *py = PY("division by zero", "41", "checkout");
	struct fingerprint fp;

	ok(same(py, NULL, "[\"{{ default }}\"]", py, NULL, NULL), "client: {{ default }} alone is ours");
	ok(!same(py, NULL, "[\"{{ default }}\", \"tenant-a\"]", py, NULL, NULL),
	   "client: {{ default }} and more splits");
	ok(!same(py, NULL, "[\"{{ default }}\", \"tenant-a\"]", py, NULL, "[\"{{ default }}\", \"tenant-b\"]"),
	   "client: by tenant");
	ok(same(py, NULL, "[\"payments\"]", JAVA("pay"), NULL, "[\"payments\"]"),
	   "client: its own strings group whatever the exception");
	ok(same(py, NULL, "[\"{{DEFAULT}}\"]", py, NULL, "[\"{{  default }}\"]"), "client: the marker's case and blanks");
	ok(same(py, NULL, "[]", py, NULL, NULL) && same(py, NULL, "[1, 2]", py, NULL, NULL) &&
	   same(py, NULL, "\"payments\"", py, NULL, NULL), "client: an empty or malformed one is ignored");
	ok(!same(NULL, "m", "[\"message:m\"]", NULL, "m", NULL), "client: a string cannot pass for one of our parts");
	fp_of(py, NULL, "[\"payments\"]", &fp);
	is_str(fp.culprit, "app.views in checkout", "client: the culprit is still the frame's");
	fingerprint_release(&fp);
}

/* Parts cannot run into each other or pass for others. */
static void test_boundaries(void)
{
	ok(!same("{\"type\":\"E\",\"frames\":[{\"module\":\"ab\",\"function\":\"c\"}]}", "m", NULL,
		 "{\"type\":\"E\",\"frames\":[{\"module\":\"a\",\"function\":\"bc\"}]}", "m", NULL),
	   "module ab, function c is not module a, function bc");
	ok(!same("{\"type\":\"E\",\"frames\":[{\"module\":\"m\\nframe:x\",\"function\":\"f\"}]}", "m", NULL,
		 "{\"type\":\"E\",\"frames\":[{\"module\":\"m\",\"function\":\"\"},"
		 "{\"module\":\"x\",\"function\":\"f\"}]}", "m", NULL),
	   "a module with a line break cannot pass for two frames");
	ok(same("{\"type\":\"E\",\"frames\":[{\"module\":\"lib\",\"function\":\"g\",\"in_app\":\"false\"},"
		"{\"module\":\"app\",\"function\":\"f\",\"in_app\":true}]}", "m", NULL,
		"{\"type\":\"E\",\"frames\":[{\"module\":\"app\",\"function\":\"f\",\"in_app\":true}]}", "m", NULL),
	   "in_app as the string \"false\" is not in-app");
}

int main(void)
{
	test_boundaries();
	test_normalise();
	test_sdk_shapes();
	test_messages_and_apps();
	test_client();
	return tap_done();
}
