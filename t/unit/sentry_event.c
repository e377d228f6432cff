/* Unit tests for sentry_event: one row a rule of docs/api.md's mapping. A row names
 * the event body and the field it checks, with the expected value as text:
 * level and message as stored, occurred_at in RFC 3339, stack and tags as
 * compact JSON ("null" when absent), event_id as 32 hex digits or "". */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pure/buf.h"
#include "pure/mask.h"
#include "pure/sentry_event.h"
#include "pgarray_read.h"
#include "tap.h"
#include "pure/timefmt.h"

/* The caller's "now": 2030-01-02T03:04:05Z. */
#define NOW_USEC (1893553445LL * USEC_PER_SEC)
#define NOW "2030-01-02T03:04:05Z"

enum field { F_LEVEL, F_MESSAGE, F_TIME, F_STACK, F_TAGS, F_ID };

static const char *const field_names[] = { "level", "message", "occurred_at", "stack", "tags", "event_id" };

struct mapping_case {
	enum field field;
	const char *body;
	const char *want;
};

static const struct mapping_case cases[] = {
	/* level */
	{ F_LEVEL, "{\"level\":\"fatal\"}", "CRITICAL" },
	{ F_LEVEL, "{\"level\":\"critical\"}", "CRITICAL" },
	{ F_LEVEL, "{\"level\":\"error\"}", "ERROR" },
	{ F_LEVEL, "{\"level\":\"warning\"}", "WARNING" },
	{ F_LEVEL, "{\"level\":\"info\"}", "INFO" },
	{ F_LEVEL, "{\"level\":\"log\"}", "INFO" },
	{ F_LEVEL, "{\"level\":\"debug\"}", "DEBUG" },
	{ F_LEVEL, "{\"level\":\"FATAL\"}", "CRITICAL" },
	{ F_LEVEL, "{\"level\":\"Warning\"}", "WARNING" },
	{ F_LEVEL, "{}", "ERROR" },
	{ F_LEVEL, "{\"level\":null}", "ERROR" },
	{ F_LEVEL, "{\"level\":\"\"}", "ERROR" },
	{ F_LEVEL, "{\"level\":\"verbose\"}", "ERROR" },
	{ F_LEVEL, "{\"level\":\"warn\"}", "ERROR" },
	{ F_LEVEL, "{\"level\":40}", "ERROR" },
	{ F_LEVEL, "{\"level\":[\"info\"]}", "ERROR" },
	/* message: the order of precedence */
	{ F_MESSAGE, "{\"logentry\":{\"formatted\":\"f\",\"message\":\"m %s\"},\"message\":\"plain\","
		     "\"exception\":{\"values\":[{\"type\":\"T\",\"value\":\"v\"}]}}", "f" },
	{ F_MESSAGE, "{\"logentry\":{\"message\":\"m %s\",\"params\":[1]},\"message\":\"plain\"}", "m %s" },
	{ F_MESSAGE, "{\"logentry\":{\"formatted\":\"\",\"message\":\"m\"}}", "m" },
	{ F_MESSAGE, "{\"logentry\":{},\"message\":\"plain\"}", "plain" },
	{ F_MESSAGE, "{\"logentry\":\"not an object\",\"message\":\"plain\"}", "plain" },
	{ F_MESSAGE, "{\"logentry\":{\"formatted\":7},\"message\":\"plain\"}", "plain" },
	{ F_MESSAGE, "{\"message\":\"plain\",\"exception\":{\"values\":[{\"type\":\"T\",\"value\":\"v\"}]}}",
	  "plain" },
	{ F_MESSAGE, "{\"message\":{\"formatted\":\"from object\",\"message\":\"raw\"}}", "from object" },
	{ F_MESSAGE, "{\"message\":{\"message\":\"raw %d\"}}", "raw %d" },
	{ F_MESSAGE, "{\"message\":\"\",\"exception\":{\"values\":[{\"type\":\"T\",\"value\":\"v\"}]}}",
	  "T: v" },
	{ F_MESSAGE, "{\"message\":5,\"exception\":[{\"type\":\"T\",\"value\":\"v\"}]}", "T: v" },
	{ F_MESSAGE, "{\"exception\":{\"values\":[{\"type\":\"KeyError\",\"value\":\"'x'\"},"
		     "{\"type\":\"RuntimeError\",\"value\":\"wrapped\"}]}}", "RuntimeError: wrapped" },
	{ F_MESSAGE, "{\"exception\":[{\"type\":\"A\",\"value\":\"first\"},{\"type\":\"B\",\"value\":\"last\"}]}",
	  "B: last" },
	{ F_MESSAGE, "{\"exception\":{\"values\":[{\"type\":\"ZeroDivisionError\"}]}}", "ZeroDivisionError" },
	{ F_MESSAGE, "{\"exception\":{\"values\":[{\"value\":\"only a value\"}]}}", "only a value" },
	{ F_MESSAGE, "{\"exception\":{\"values\":[{\"type\":\"T\",\"value\":\"\"}]}}", "T" },
	{ F_MESSAGE, "{\"exception\":{\"values\":[{\"type\":\"T\",\"value\":\"x\"},{\"module\":\"m\"}]}}",
	  SENTRY_EVENT_UNLABELED },
	{ F_MESSAGE, "{\"exception\":{\"values\":[]}}", SENTRY_EVENT_UNLABELED },
	{ F_MESSAGE, "{\"exception\":{\"values\":\"x\"}}", SENTRY_EVENT_UNLABELED },
	{ F_MESSAGE, "{\"exception\":{\"type\":\"T\",\"value\":\"v\"}}", SENTRY_EVENT_UNLABELED },
	{ F_MESSAGE, "{\"exception\":[\"T: v\"]}", SENTRY_EVENT_UNLABELED },
	{ F_MESSAGE, "{}", SENTRY_EVENT_UNLABELED },
	{ F_MESSAGE, "{\"message\":\"h\\u00e9 \\u2603\"}", "h\xc3\xa9 \xe2\x98\x83" },
	/* occurred_at */
	{ F_TIME, "{\"timestamp\":\"2026-02-10T10:00:00Z\"}", "2026-02-10T10:00:00Z" },
	{ F_TIME, "{\"timestamp\":\"2026-02-10T10:00:00.123456Z\"}", "2026-02-10T10:00:00.123456Z" },
	{ F_TIME, "{\"timestamp\":\"2026-02-10T12:00:00.5+02:00\"}", "2026-02-10T10:00:00.5Z" },
	{ F_TIME, "{\"timestamp\":\"2026-02-10T10:00:00.25\"}", "2026-02-10T10:00:00.25Z" },
	{ F_TIME, "{\"timestamp\":\"2026-02-10\"}", "2026-02-10T00:00:00Z" },
	{ F_TIME, "{\"timestamp\":1770717600}", "2026-02-10T10:00:00Z" },
	{ F_TIME, "{\"timestamp\":1770717600.5}", "2026-02-10T10:00:00.5Z" },
	{ F_TIME, "{\"timestamp\":1770717600.123}", "2026-02-10T10:00:00.123Z" },
	{ F_TIME, "{\"timestamp\":0}", "1970-01-01T00:00:00Z" },
	{ F_TIME, "{}", NOW },
	{ F_TIME, "{\"timestamp\":null}", NOW },
	{ F_TIME, "{\"timestamp\":\"yesterday\"}", NOW },
	{ F_TIME, "{\"timestamp\":\"2026-02-30T00:00:00Z\"}", NOW },
	{ F_TIME, "{\"timestamp\":\"2026-02-10T10:00:00+25:00\"}", NOW },
	{ F_TIME, "{\"timestamp\":1e300}", NOW },
	{ F_TIME, "{\"timestamp\":-1e300}", NOW },
	{ F_TIME, "{\"timestamp\":true}", NOW },
	{ F_TIME, "{\"timestamp\":{\"s\":1}}", NOW },
	/* stack */
	{ F_STACK, "{\"exception\":{\"values\":[{\"type\":\"E\",\"value\":\"v\",\"stacktrace\":{\"frames\":"
		   "[{\"filename\":\"a.py\",\"lineno\":3,\"function\":\"f\"}]}}]}}",
	  "{\"values\":[{\"type\":\"E\",\"value\":\"v\",\"stacktrace\":{\"frames\":"
	  "[{\"filename\":\"a.py\",\"lineno\":3,\"function\":\"f\"}]}}]}" },
	{ F_STACK, "{\"exception\":[{\"type\":\"E\",\"stacktrace\":{\"frames\":[{\"lineno\":1}]}}]}",
	  "{\"values\":[{\"type\":\"E\",\"stacktrace\":{\"frames\":[{\"lineno\":1}]}}]}" },
	{ F_STACK, "{\"exception\":{\"values\":[{\"type\":\"A\"},{\"type\":\"B\",\"mechanism\":{\"handled\":false}}]}}",
	  "{\"values\":[{\"type\":\"A\"},{\"type\":\"B\",\"mechanism\":{\"handled\":false}}]}" },
	{ F_STACK, "{\"exception\":{\"values\":[1,{\"type\":\"A\"},null,\"x\"]}}", "{\"values\":[{\"type\":\"A\"}]}" },
	{ F_STACK, "{\"exception\":{\"values\":[1,null]}}", "null" },
	{ F_STACK, "{\"exception\":{\"values\":[]}}", "null" },
	{ F_STACK, "{\"exception\":{\"type\":\"T\"}}", "null" },
	{ F_STACK, "{\"exception\":null}", "null" },
	{ F_STACK, "{\"message\":\"m\",\"stacktrace\":{\"frames\":[]}}", "null" },
	{ F_STACK, "{}", "null" },
	/* tags */
	{ F_TAGS, "{\"tags\":{\"a\":\"b\",\"c\":\"d\"}}", "{\"a\":\"b\",\"c\":\"d\"}" },
	{ F_TAGS, "{\"tags\":[[\"a\",\"b\"],[\"c\",\"d\"]]}", "{\"a\":\"b\",\"c\":\"d\"}" },
	{ F_TAGS, "{\"tags\":{\"n\":42,\"f\":1.5,\"t\":true,\"s\":\"x\"}}",
	  "{\"n\":\"42\",\"f\":\"1.5\",\"t\":\"true\",\"s\":\"x\"}" },
	{ F_TAGS, "{\"tags\":{\"null\":null,\"obj\":{},\"arr\":[],\"empty\":\"\",\"\":\"no key\",\"ok\":\"y\"}}",
	  "{\"ok\":\"y\"}" },
	{ F_TAGS, "{\"tags\":[[\"a\"],[\"b\",\"c\",\"d\"],[1,\"x\"],\"e\",null,[\"ok\",\"y\"],[\"n\",7]]}",
	  "{\"ok\":\"y\",\"n\":\"7\"}" },
	{ F_TAGS, "{\"tags\":[[\"a\",\"1\"],[\"a\",\"2\"]]}", "{\"a\":\"2\"}" },
	{ F_TAGS, "{\"tags\":\"a:b\"}", "null" },
	{ F_TAGS, "{\"tags\":{}}", "null" },
	{ F_TAGS, "{}", "null" },
	{ F_TAGS, "{\"environment\":\"production\",\"release\":\"app@1.2.3\",\"platform\":\"python\","
		  "\"server_name\":\"web-1\",\"sdk\":{\"name\":\"sentry.python\",\"version\":\"1.9.10\"}}",
	  "{\"environment\":\"production\",\"release\":\"app@1.2.3\",\"platform\":\"python\","
	  "\"server_name\":\"web-1\",\"sdk.name\":\"sentry.python\"}" },
	{ F_TAGS, "{\"tags\":{\"environment\":\"from tags\",\"x\":\"y\"},\"environment\":\"staging\"}",
	  "{\"environment\":\"staging\",\"x\":\"y\"}" },
	{ F_TAGS, "{\"environment\":\"\",\"release\":7,\"platform\":null,\"server_name\":{},\"sdk\":\"x\"}", "null" },
	{ F_TAGS, "{\"sdk\":{\"version\":\"1\"}}", "null" },
	{ F_TAGS, "{\"sdk\":{\"name\":\"sentry.javascript.node\"}}", "{\"sdk.name\":\"sentry.javascript.node\"}" },
	/* event_id */
	{ F_ID, "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}", "9ec79c33ec9942ab8353589fcb2e04dc" },
	{ F_ID, "{\"event_id\":\"9EC79C33-EC99-42AB-8353-589FCB2E04DC\"}", "9ec79c33ec9942ab8353589fcb2e04dc" },
	{ F_ID, "{\"event_id\":\"nope\"}", "" },
	{ F_ID, "{\"event_id\":42}", "" },
	{ F_ID, "{}", "" },
};

/* The mapped value of field f as text. */
static void field_text(const struct sentry_event *ev, enum field f, char *out, size_t size)
{
	char buf[TIMEFMT_BUFSIZE];
	/* The stored stack is text: compared in json-c's compact form. */
	struct json_object *stored = ev->input.stack_text ? json_tokener_parse(ev->input.stack_text) : NULL;
	struct json_object *obj = f == F_STACK ? stored : ev->input.tags;

	switch (f) {
	case F_LEVEL:
		snprintf(out, size, "%s", level_names[ev->input.level]);
		break;
	case F_MESSAGE:
		snprintf(out, size, "%.*s", (int)ev->input.message_len, ev->input.message);
		break;
	case F_TIME:
		snprintf(out, size, "%s", timefmt_format(ev->input.occurred_at, buf));
		break;
	case F_STACK:
	case F_TAGS:
		snprintf(out, size, "%s", obj ? json_object_to_json_string_ext(obj,
			 JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : "null");
		break;
	case F_ID:
		snprintf(out, size, "%s", ev->input.event_id);
		break;
	}
	json_object_put(stored);
}

static void test_mapping(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *doc = json_tokener_parse(cases[i].body);
		struct sentry_event ev;
		char got[1024] = "(refused)", name[400];

		snprintf(name, sizeof(name), "%s of %s", field_names[cases[i].field], cases[i].body);
		if (!doc) {
			ok(0, name);
			printf("#   the case's body is not JSON\n");
			continue;
		}
		if (sentry_event_parse(&ev, cases[i].body, strlen(cases[i].body), NOW_USEC) == 0)
			field_text(&ev, cases[i].field, got, sizeof(got));
		is_str(got, cases[i].want, name);
		sentry_event_release(&ev);
		json_object_put(doc);
	}
}

static void test_refused(void)
{
	static const char *bodies[] = { "[]", "\"event\"", "42", "true", "null", "  [{}]" };
	struct sentry_event ev;

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		char name[64];

		snprintf(name, sizeof(name), "%s is not an event", bodies[i]);
		ok(sentry_event_parse(&ev, bodies[i], strlen(bodies[i]), NOW_USEC) == -1, name);
		sentry_event_release(&ev);
	}
	ok(sentry_event_parse(&ev, NULL, 0, NOW_USEC) == -1, "no text is not an event");
	sentry_event_release(&ev);
}

/* sentry_event_parse of doc's text. */
static int parse_tree(struct sentry_event *ev, struct json_object *doc)
{
	const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);

	return sentry_event_parse(ev, text, strlen(text), NOW_USEC);
}

/* Long messages are cut at a character boundary, whichever source they have. */
static void test_message_cut(void)
{
	size_t n = EVENT_MESSAGE_MAX + 100;
	char *text = malloc(n + 1);
	struct json_object *doc, *exc;
	struct sentry_event ev;

	/* 'a' then two-byte characters, so that byte 8192 falls inside one. */
	text[0] = 'a';
	for (size_t i = 1; i + 1 < n; i += 2)
		memcpy(text + i, "\xc3\xa9", 2);
	text[n - 1] = 'z';
	text[n] = '\0';
	doc = json_object_new_object();
	json_object_object_add(doc, "message", json_object_new_string(text));
	parse_tree(&ev, doc);
	is_int(ev.input.message_len, EVENT_MESSAGE_MAX - 1, "a long message is cut before the split character");
	sentry_event_release(&ev);
	json_object_put(doc);

	doc = json_object_new_object();
	exc = json_object_new_object();
	json_object_object_add(exc, "type", json_object_new_string("T"));
	json_object_object_add(exc, "value", json_object_new_string(text));
	json_object_object_add(doc, "exception", json_object_new_array());
	json_object_array_add(json_object_object_get(doc, "exception"), exc);
	parse_tree(&ev, doc);
	ok(ev.input.message_len == EVENT_MESSAGE_MAX && strncmp(ev.input.message, "T: a", 4) == 0,
	   "an exception message is cut too (\"T: a\" shifts the boundary by three bytes)");
	sentry_event_release(&ev);
	json_object_put(doc);
	free(text);
}

/* The stack and tags are the event's own: they outlive the document. */
static void test_ownership(void)
{
	char *text = strdup(
		"{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\",\"level\":\"warning\",\"message\":\"m\","
		"\"tags\":{\"a\":\"b\"},\"exception\":[{\"type\":\"E\",\"stacktrace\":{\"frames\":[{\"lineno\":1}]}}]}");
	struct sentry_event ev;
	struct event_rows rows;
	const char *stacks;
	size_t stacks_len = 0;
	char *stack;

	/* The text may go as soon as the event is parsed; the rows keep what
	 * they need of the event. */
	sentry_event_parse(&ev, text, strlen(text), NOW_USEC);
	memset(text, ' ', strlen(text));
	free(text);
	event_rows_init(&rows);
	ok(event_rows_add(&rows, &ev.input) == 0, "the event is written out");
	sentry_event_release(&ev);
	sentry_event_release(&ev);
	static const char written[] =
		"[{\"i\":0,\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\",\"occurred_us\":1893553445000000,"
		"\"level\":\"WARNING\",\"message\":\"m\",\"tags\":{\"a\":\"b\"},\"g\":0,\"fp\":\"";
	ok(strncmp(event_rows_text(&rows), written, sizeof(written) - 1) == 0 &&
	   strstr(event_rows_text(&rows), "\"title\":\"E\"}]") != NULL,
	   "after the document and the event are gone");
	stacks = pg_json_array_bytes(&rows.stacks, &stacks_len);
	stack = pgarray_count(stacks, stacks_len) == 1 ? pgarray_element(stacks, 0) : NULL;
	is_str(stack, "{\"values\":[{\"type\":\"E\",\"stacktrace\":{\"frames\":[{\"lineno\":1}]}}]}",
	       "  and the stack beside the row");
	free(stack);
	event_rows_free(&rows);
}

/* A frame's vars are scrubbed before the stack is kept. */
static void test_vars_scrubbed(void)
{
	static const char body[] =
		"{\"exception\":{\"values\":[{\"type\":\"E\",\"value\":\"card 4111 1111 1111 1111\","
		"\"stacktrace\":{\"frames\":[{\"function\":\"login\",\"vars\":"
		"{\"password\":\"hunter2\",\"user\":\"u\",\"api_key\":\"k\"}}]}}]}}";
	struct sentry_event ev = { 0 };
	const char *text;

	ok(sentry_event_parse(&ev, body, strlen(body), NOW_USEC) == 0 && ev.input.stack_text,
	   "an event with frame vars");
	text = ev.input.stack_text ? ev.input.stack_text : "";
	ok(!strstr(text, "hunter2") && !strstr(text, "\"k\"") && strstr(text, "\"password\":\"" MASK_VALUE "\""),
	   "  its sensitive vars are masked");
	ok(strstr(text, "\"user\":\"u\"") != NULL, "  the others kept");
	ok(!strstr(text, "4111"), "  and a card number in the exception's value masked");
	sentry_event_release(&ev);
}

/* What a tree of the whole event makes of it: the exception values that
 * are objects, masked as json-c values; and the breadcrumbs, masked. */
static struct json_object *tree_stack(struct json_object *doc)
{
	struct json_object *exc = json_object_object_get(doc, "exception"), *values = exc, *out, *arr;

	if (json_object_is_type(exc, json_type_object))
		values = json_object_object_get(exc, "values");
	if (!json_object_is_type(values, json_type_array))
		return NULL;
	arr = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(values); i++)
		if (json_object_is_type(json_object_array_get_idx(values, i), json_type_object))
			json_object_array_add(arr, json_object_get(json_object_array_get_idx(values, i)));
	out = json_object_new_object();
	json_object_object_add(out, "values", arr);
	mask_json(out, NULL);
	return out;
}

static const char *compact(struct json_object *obj)
{
	return obj ? json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
		   : "(none)";
}

/* The event's row as event_rows_add writes it. */
static char *row_of(const struct event_input *input)
{
	struct event_rows rows;
	char *text;

	event_rows_init(&rows);
	text = event_rows_add(&rows, input) == 0 ? strdup(event_rows_text(&rows)) : NULL;
	event_rows_free(&rows);
	return text;
}

/* The text of a member of a row ("fp", "title", "culprit") up to its end. */
static void row_member(const char *row, const char *name, char *out, size_t size)
{
	char key[32];
	const char *at;

	snprintf(key, sizeof(key), "\"%s\":", name);
	at = row ? strstr(row, key) : NULL;
	snprintf(out, size, "%.*s", at ? (int)strcspn(at + strlen(key), ",}") : 0, at ? at + strlen(key) : "");
}

/* "case I: what", for the cases of test_text_as_tree. */
static const char *label(size_t i, const char *what)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "case %zu: %s", i, what);
	return buf;
}

/* Frames whose members json-c must read (escapes, numbers), by the
 * thousand: each is read, and in its place. */
static void test_many_escaped_frames(void)
{
	enum { FRAMES = 3000 };
	struct buf b = { 0 };
	struct sentry_event ev = { 0 };
	struct json_object *values = NULL, *frames = NULL, *frame;
	char *body;
	int wrong = 0;

	buf_puts(&b, "{\"exception\":{\"values\":[{\"type\":\"E\\u0041\",\"stacktrace\":{\"frames\":[");
	for (int i = 0; i < FRAMES; i++) {
		char frame_text[96];

		snprintf(frame_text, sizeof(frame_text), "%s{\"function\":\"f\\u0041%d\",\"module\":%d,"
			 "\"filename\":\"a\\/b.py\"}", i ? "," : "", i, i);
		buf_puts(&b, frame_text);
	}
	buf_puts(&b, "]}}]}}");
	body = buf_finish(&b, NULL);
	ok(body && sentry_event_parse(&ev, body, strlen(body), NOW_USEC) == 0, "3000 frames of escapes parsed");
	if (ev.input.stack && json_object_object_get_ex(ev.input.stack, "values", &values))
		json_object_object_get_ex(json_object_object_get(json_object_array_get_idx(values, 0), "stacktrace"),
					  "frames", &frames);
	is_int((int)json_object_array_length(frames), FRAMES, "  all of them in the tree");
	for (int i = 0; frames && i < FRAMES; i++) {
		char want[32];

		frame = json_object_array_get_idx(frames, (size_t)i);
		snprintf(want, sizeof(want), "fA%d", i);
		wrong += strcmp(json_object_get_string(json_object_object_get(frame, "function")), want) != 0 ||
			 json_object_get_int(json_object_object_get(frame, "module")) != i ||
			 strcmp(json_object_get_string(json_object_object_get(frame, "filename")), "a/b.py") != 0;
	}
	is_int(wrong, 0, "  each with its own function, module and file, resolved");
	sentry_event_release(&ev);
	free(body);
}

/* The exception values, all objects, are masked as the light copy reads
 * them: the stored stack is the list as mask_json_text masks it, keys that
 * are card numbers (which a tree keeps) included, wherever they stand. */
static void test_values_masked_as_text(void)
{
	static const char list[] =
		"[{\"type\":\"E\",\"4111111111111111\":\"k\",\"value\":\"v 5555555555554444\","
		"\"stacktrace\":{\"frames\":[{\"function\":\"f\",\"5555555555554444\":[1],\"api_key\":{\"a\":1},"
		"\"vars\":{\"4111111111111111\":2,\"s\\u0065cret\":\"x\",\"n\":4111111111111111}},"
		"{\"module\":\"m\",\"frames\":\"no list\",\"in_app\":null}],\"token\":1}},"
		"{\"type\":\"F\",\"frames\":[7,\"x\",{\"file\":\"4111111111111111\"}]}]";
	char body[1024], want[1024];
	struct sentry_event ev;
	size_t len;
	char *masked = mask_json_text(list, strlen(list), &len, NULL);

	snprintf(body, sizeof(body), "{\"message\":\"m\",\"exception\":{\"values\":%s}}", list);
	snprintf(want, sizeof(want), "{\"values\":%s}", masked ? masked : "");
	ok(sentry_event_parse(&ev, body, strlen(body), NOW_USEC) == 0, "an event of object values parsed");
	is_str(ev.input.stack_text ? ev.input.stack_text : "(none)", want,
	       "  its stack is the list masked as a text");
	ok(!strstr(want, "4111") && !strstr(want, "5555"), "  with no card number left");
	sentry_event_release(&ev);
	free(masked);
}

/* The event's text is masked and cut without a tree of it: what is stored,
 * and what the fingerprint, the title and the culprit are, must be what a
 * tree of the whole event gives, for the shapes of text a tree would read
 * alike and a scan could read differently. */
static void test_text_as_tree(void)
{
	static const char *const bodies[] = {
		/* vars with sensitive names, some escaped; card numbers as strings
		 * and as integers; brackets and quotes inside strings; a value
		 * that is no object; frames beside and inside the stacktrace */
		("{\"message\":\"m\",\"exception\":{\"values\":[7,{\"type\":\"KeyError\",\"value\":\"x \\\"]}\\\" y\","
		"\"module\":\"app.views\",\"stacktrace\":{\"frames\":[{\"function\":\"a\",\"module\":\"app.a\","
		"\"in_app\":true,\"vars\":{\"password\":\"p\",\"pass\\u0077ord\":\"q\",\"X_Api_Key\":\"k\","
		"\"card\":\"4111 1111 1111 1111\",\"esc\":\"4\\u0031\\u00311111111111111\",\"u\":\"caf\\u00e9\","
		"\"n\":4111111111111111,\"list\":[1,\"]\",{\"token\":[1,2]}],"
		"\"ok\":\"\\u00e9t\\u00e9 }{\"}},\"x\",null,{\"filename\":\"b.py\",\"function\":\"b\","
		"\"in_app\":false,\"context_line\":\"  return {'a': [1, 2]}\"}]}},"
		"{\"type\":\"ValueError\",\"value\":\"bad\",\"frames\":[{\"function\":\"c\",\"file\":\"c.js\"}]}]},"
		"\"breadcrumbs\":{\"values\":[{\"message\":\"card 5555555555554444\",\"data\":{\"session\":\"s\","
		"\"id\":1}},\"x\",[]]},\"threads\":{\"values\":[{\"stacktrace\":{\"frames\":[{\"function\":\"t\"}]}}]}}"),
		/* the last of a repeated member wins, escaped names included;
		 * blanks between every token */
		("{ \"exception\" : [ { \"type\" : \"First\" } ] , \"br\\u0065adcrumbs\" : [ 1 ] ,\n"
		"  \"exc\\u0065ption\" : { \"values\" : [ { \"type\" : \"Second\" , \"value\" : \"v\" ,"
		" \"stacktrace\" : { \"frames\" : [ { \"function\" : \"f\" , \"module\" : \"m\" } ] } } ] ,"
		" \"values\" : [ { \"type\" : \"Third\" , \"secret\" : { \"a\" : 1 } } ] } ,"
		" \"breadcrumbs\" : [ { \"category\" : \"auth\" , \"data\" : { \"api_key\" : \"z\" } } ] }"),
		/* no message: the exception's; breadcrumbs null; values no array */
		("{\"exception\":[{\"type\":\"E\",\"value\":\"v\",\"stacktrace\":{\"frames\":[{\"function\":\"g\","
		"\"filename\":\"g.py\",\"in_app\":true}]}}],\"breadcrumbs\":null}"),
		("{\"exception\":{\"values\":{\"type\":\"E\"}},\"breadcrumbs\":[],\"request\":{\"url\":\"https://u:p@h/x\"}}"),
		/* every value an object, masked as the light copy reads it:
		 * sensitive members beside the ones kept, at every level; card
		 * numbers as strings and integers; escapes */
		("{\"exception\":{\"values\":[{\"type\":\"KeyError\",\"value\":\"x \\\"]}\\\" 4111111111111111\","
		"\"module\":\"app.views\",\"password\":\"pv\",\"stacktrace\":{\"frames\":["
		"{\"function\":\"a\",\"module\":\"app.a\",\"in_app\":true,\"token\":{\"a\":[1,2]},"
		"\"vars\":{\"password\":\"p\",\"pass\\u0077ord\":\"q\",\"card\":\"4111 1111 1111 1111\","
		"\"esc\":\"4\\u0031\\u00311111111111111\",\"n\":4111111111111111,\"list\":[1,\"]\",{\"token\":[1,2]}]}},"
		"{\"filename\":\"b.py\",\"function\":\"b\",\"in_app\":false,\"secret\":null,"
		"\"context_line\":\"  return {'a': [1, 2]}\"}]}},"
		"{\"type\":\"ValueError\",\"value\":\"bad\",\"frames\":[{\"function\":\"c\",\"file\":\"c.js\"}]}]}}"),
		/* the places a frame names, and in_app, in every shape: empty,
		 * no string, repeated (the last counts), escaped names */
		("{\"exception\":{\"values\":[{\"type\":\"E\",\"stacktrace\":{\"frames\":["
		"{\"function\":\"a\",\"filename\":\"a.py\",\"module\":\"\",\"in_app\":false},"
		"{\"function\":\"b\",\"file\":\"b.js\",\"filename\":\"b.py\",\"module\":5,\"in_app\":\"true\"},"
		"{\"function\":\"c\",\"filename\":\"\",\"file\":\"c.js\",\"in_app\":true,\"in_app\":false},"
		"{\"function\":\"d\",\"module\":\"d.m\",\"filename\":\"d.py\",\"module\":null,\"in_app\":true},"
		"{\"function\":\"e\",\"filename\":\"e.py\",\"mod\\u0075le\":\"e.m\",\"in_app\":false,\"in_app\":true},"
		"{\"function\":7,\"module\":\"f.m\",\"file\":\"f.js\",\"in_app\":true},"
		"{\"filename\":\"g.py\"}]}},"
		"{\"type\":\"F\",\"frames\":[{\"function\":\"h\",\"module\":\"h.m\",\"filename\":\"h.py\"},"
		"{\"function\":\"i\",\"filename\":\"i.py\",\"file\":\"i.js\"}]}]}}"),
		/* a list of values, then values that are no list; breadcrumbs
		 * twice, the last no list */
		("{\"exception\":{\"values\":[{\"type\":\"A\",\"value\":\"4111111111111111\"}],\"values\":5},"
		"\"breadcrumbs\":[{\"password\":\"p\"}],\"breadcrumbs\":\"x\"}"),
	};

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct json_object *doc = json_tokener_parse(bodies[i]), *stack = doc ? tree_stack(doc) : NULL;
		struct json_object *stored = NULL, *crumbs = NULL, *want_crumbs = NULL;
		struct sentry_event ev;
		struct event_input whole;
		char *ours, *theirs, a[256], b[256], name[64];

		ok(doc != NULL, label(i, "JSON"));
		ok(sentry_event_parse(&ev, bodies[i], strlen(bodies[i]), NOW_USEC) == 0, label(i, "parsed"));
		if (ev.input.stack_text)
			stored = json_tokener_parse(ev.input.stack_text);
		is_str(compact(stored), compact(stack), label(i, "the stored stack is the tree's, masked alike"));
		if (json_object_object_get_ex(doc, "breadcrumbs", &want_crumbs) && want_crumbs) {
			want_crumbs = json_tokener_parse(compact(want_crumbs));
			mask_json(want_crumbs, NULL);
		} else {
			want_crumbs = NULL;
		}
		if (ev.input.context_text) {
			struct json_object *context = json_tokener_parse(ev.input.context_text);

			crumbs = json_object_get(json_object_object_get(context, "breadcrumbs"));
			json_object_put(context);
		}
		is_str(compact(crumbs), compact(want_crumbs), label(i, "the breadcrumbs too"));
		/* The same event with the whole masked stack in place of the cut one. */
		whole = ev.input;
		whole.stack = stack;
		whole.stack_text = NULL;
		ours = row_of(&ev.input);
		theirs = row_of(&whole);
		row_member(ours, "fp", a, sizeof(a));
		is_int(strlen(a), 66, label(i, "a fingerprint is written"));
		for (size_t m = 0; m < 3; m++) {
			static const char *const members[] = { "fp", "title", "culprit" };

			row_member(ours, members[m], a, sizeof(a));
			row_member(theirs, members[m], b, sizeof(b));
			snprintf(name, sizeof(name), "case %zu: the %s of the cut stack", i, members[m]);
			is_str(a, b, name);
		}
		free(ours);
		free(theirs);
		sentry_event_release(&ev);
		json_object_put(stored);
		json_object_put(crumbs);
		json_object_put(want_crumbs);
		json_object_put(stack);
		json_object_put(doc);
	}
}

/* Text that is not JSON (every cut of an event) stays within its bounds:
 * each cut is copied into a block of its own size, for the sanitizers. */
static void test_cut_text(void)
{
	static const char body[] =
		"{\"exception\":{\"values\":[{\"type\":\"E\",\"value\":\"a \\\"q\\\" ]}\","
		"\"stacktrace\":{\"frames\":[{\"function\":\"f\",\"vars\":{\"password\":\"p\"}}]}}]},"
		"\"breadcrumbs\":[{\"message\":\"4111111111111111\"}],\"message\":\"m\"}";
	size_t parsed = 0;

	for (size_t len = 0; len <= sizeof(body) - 1; len++) {
		char *cut = malloc(len ? len : 1);
		struct sentry_event ev;

		memcpy(cut, body, len);
		parsed += sentry_event_parse(&ev, cut, len, NOW_USEC) == 0;
		sentry_event_release(&ev);
		free(cut);
	}
	ok(parsed >= 1, "every cut of an event is read within its bounds, the whole one mapped");
}

int main(void)
{
	test_values_masked_as_text();
	test_many_escaped_frames();
	test_text_as_tree();
	test_cut_text();
	test_vars_scrubbed();
	test_mapping();
	test_refused();
	test_message_cut();
	test_ownership();
	return tap_done();
}
