/* Unit tests for envelope: each case is a body and what a reader makes of it,
 * written as "type=payload" items joined by "|", or "!" when it is malformed
 * (at the header for "!header", at some item for "!"). */
#include <stdio.h>
#include <string.h>

#include "pure/envelope.h"
#include "tap.h"

#define H "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n"

/* Reads the whole envelope into a line like "event={}|session=x" (or "!" or
 * "!header"); also returns the item count read before the end or the fault. */
static void read_all(const char *body, size_t len, char *out, size_t size)
{
	struct envelope env;
	struct envelope_item item;
	size_t used = 0;
	int rc;

	out[0] = '\0';
	if (envelope_init(&env, body, len) != 0) {
		snprintf(out, size, "!header%s", env.why[0] ? "" : " (no reason)");
		envelope_release(&env);
		return;
	}
	while ((rc = envelope_next(&env, &item)) == 1) {
		int n = snprintf(out + used, size - used, "%s%s=%.*s", used ? "|" : "", item.type,
				 (int)item.payload_len, item.payload);

		used += (size_t)n < size - used ? (size_t)n : size - used - 1;
	}
	if (rc < 0)
		snprintf(out, size, "!%s", env.why[0] ? "" : " (no reason)");
	envelope_release(&env);
}

static void test_shapes(void)
{
	static const struct { const char *body; const char *want; const char *name; } cases[] = {
		/* the header */
		{ H, "", "a header alone: no items" },
		{ "{}", "", "a header without a newline" },
		{ "{}\n", "", "an empty header object" },
		{ "", "!header", "an empty body" },
		{ "\n{\"type\":\"event\"}\n{}", "!header", "a blank first line" },
		{ "[]\n", "!header", "a header that is an array" },
		{ "\"x\"\n", "!header", "a header that is a string" },
		{ "{\"a\":\n1}\n", "!header", "a header split over two lines" },
		{ "{\"a\":1} {}\n", "!header", "two values on the header line" },
		{ "{\"a\":\"\\u0000\"}\n", "!header", "a NUL in the header" },
		{ "{\"a\":\"\xff\"}\n", "!header", "invalid UTF-8 in the header" },
		{ "not json\n{\"type\":\"event\"}\n{}", "!header", "a header that is not JSON" },
		/* items without length */
		{ H "{\"type\":\"event\"}\n{\"message\":\"m\"}\n", "event={\"message\":\"m\"}",
		  "one event, no length, final newline" },
		{ H "{\"type\":\"event\"}\n{\"message\":\"m\"}", "event={\"message\":\"m\"}",
		  "one event, no length, no final newline" },
		{ H "{\"type\":\"event\"}\n{}\n{\"type\":\"session\"}\n{\"sid\":1}\n", "event={}|session={\"sid\":1}",
		  "two items" },
		{ H "{\"type\":\"attachment\"}\n\n{\"type\":\"event\"}\n{}\n", "attachment=|event={}",
		  "an empty payload on its own line" },
		{ H "{\"type\":\"attachment\"}\n", "attachment=", "an item header at the end: empty payload" },
		{ H "{\"type\":\"attachment\"}", "attachment=", "an item header without newline at the end" },
		{ H "{\"type\":\"event\"}\r\n{}\r\n", "event={}\r", "CRLF: the payload keeps its CR" },
		/* items with length */
		{ H "{\"type\":\"event\",\"length\":2}\n{}\n", "event={}", "length 2" },
		{ H "{\"type\":\"event\",\"length\":2}\n{}", "event={}", "length, no final newline" },
		{ H "{\"type\":\"event\",\"length\":12}\n{\"a\":\"x\ny\"}\n\n", "event={\"a\":\"x\ny\"}\n",
		  "a payload with newlines inside its length" },
		{ H "{\"type\":\"attachment\",\"length\":9}\nline1\nl2\n\n{\"type\":\"event\"}\n{}",
		  "attachment=line1\nl2\n|event={}", "a payload that ends in a newline, then an item" },
		{ H "{\"length\":0,\"type\":\"attachment\"}\n\n{\"type\":\"event\"}\n{}",
		  "attachment=|event={}", "length 0 followed by its newline" },
		{ H "{\"type\":\"attachment\",\"length\":0}\n", "attachment=", "length 0 at the end" },
		{ H "{\"type\":\"attachment\",\"length\":0}", "attachment=", "length 0, header without newline" },
		{ H "{\"type\":\"event\",\"length\":3}\n{}\n", "event={}\n", "a length that takes the final newline" },
		{ H "{\"type\":\"event\",\"length\":4}\n{}\n", "!", "a length past the end by one" },
		{ H "{\"type\":\"event\",\"length\":1000}\n{}\n", "!", "a length far past the end" },
		{ H "{\"type\":\"event\",\"length\":9223372036854775807}\n{}\n", "!", "the largest length" },
		{ H "{\"type\":\"event\",\"length\":99999999999999999999}\n{}\n", "!", "a length beyond 64 bits" },
		{ H "{\"type\":\"event\",\"length\":1}\n{}\n", "!", "no newline after the payload's length" },
		{ H "{\"type\":\"event\",\"length\":-1}\n{}\n", "!", "a negative length" },
		{ H "{\"type\":\"event\",\"length\":2.0}\n{}\n", "!", "a fractional length" },
		{ H "{\"type\":\"event\",\"length\":\"2\"}\n{}\n", "!", "a length as a string" },
		{ H "{\"type\":\"event\",\"length\":null}\n{}\n", "event={}", "a null length is no length" },
		/* item headers */
		{ H "{\"type\":\"event\"}\n{}\n\n\n", "event={}", "blank lines at the end" },
		{ H "\n{\"type\":\"event\"}\n{}\n", "event={}", "a blank line before an item header" },
		{ H "{\"type\":\"event\"}\n{}\n \t\r\n{\"type\":\"log\"}\nx", "event={}|log=x",
		  "a line of blanks between items" },
		{ H "{}\n{}\n", "!", "an item header without type" },
		{ H "{\"type\":\"\"}\n{}\n", "!", "an empty type" },
		{ H "{\"type\":7}\n{}\n", "!", "a type that is a number" },
		{ H "{\"type\":null}\n{}\n", "!", "a null type" },
		{ H "[\"event\"]\n{}\n", "!", "an item header that is an array" },
		{ H "{\"type\":\"event\"\n}\n", "!", "an item header split over lines" },
		{ H "{\"type\":\"event\"}\n{}\nnonsense\n", "!", "a broken second item header" },
		{ H "{\"type\":\"event\",\"x\":\"\\u0000\"}\n{}\n", "!", "a NUL in an item header" },
		/* every type comes back */
		{ H "{\"type\":\"session\"}\n{}\n{\"type\":\"sessions\"}\n{}\n{\"type\":\"transaction\"}\n{}\n"
		    "{\"type\":\"client_report\"}\n{}\n{\"type\":\"check_in\"}\n{}\n{\"type\":\"profile\"}\n{}\n"
		    "{\"type\":\"replay_event\"}\n{}\n{\"type\":\"span\"}\n{}\n{\"type\":\"whatever\"}\n{}\n",
		  "session={}|sessions={}|transaction={}|client_report={}|check_in={}|profile={}|"
		  "replay_event={}|span={}|whatever={}", "items of every type are returned in order" },
		{ H "{\"type\":\"event\"}\nnot even json\n", "event=not even json", "payloads are not parsed" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char got[1024];

		read_all(cases[i].body, strlen(cases[i].body), got, sizeof(got));
		is_str(got, cases[i].want, cases[i].name);
	}
}

/* A body with a NUL inside a length-delimited payload: lengths, not strings. */
static void test_binary_payload(void)
{
	static const char body[] = H "{\"type\":\"attachment\",\"length\":3}\na\0b\n{\"type\":\"event\"}\n{}";
	struct envelope env;
	struct envelope_item item;

	ok(envelope_init(&env, body, sizeof(body) - 1) == 0, "binary: header");
	ok(envelope_next(&env, &item) == 1 && item.payload_len == 3 && memcmp(item.payload, "a\0b", 3) == 0,
	   "binary: a payload holding a NUL byte keeps its length");
	ok(envelope_next(&env, &item) == 1 && strcmp(item.type, "event") == 0,
	   "binary: the next item follows");
	ok(envelope_next(&env, &item) == 0, "binary: then the end");
	ok(envelope_next(&env, &item) == 0, "binary: and the end again");
	envelope_release(&env);
	envelope_release(&env);
	ok(1, "release twice is safe");
}

static void test_item_header(void)
{
	static const char body[] = H "{\"type\":\"event\",\"content_type\":\"application/json\",\"length\":2}\n{}";
	struct envelope env;
	struct envelope_item item;
	struct json_object *ct = NULL;

	envelope_init(&env, body, sizeof(body) - 1);
	ok(envelope_next(&env, &item) == 1 &&
	   json_object_object_get_ex(item.header, "content_type", &ct) &&
	   strcmp(json_object_get_string(ct), "application/json") == 0,
	   "the item header is there to read");
	ok(json_object_object_get_ex(env.header, "event_id", NULL), "so is the envelope header");
	envelope_release(&env);
}

static void test_dsn(void)
{
	static const struct { const char *header; const char *key; } cases[] = {
		{ "{\"dsn\":\"http://0123abcd@localhost:8080/1\"}", "0123abcd" },
		{ "{\"dsn\":\"https://0123abcd:secret@example.com/api/7\"}", "0123abcd" },
		{ "{\"dsn\":\"http://k@h\"}", "k" },
		{ "{\"dsn\":\"http://k:@h/1\"}", "k" },
		{ "{\"dsn\":\"http://localhost:8080/1\"}", NULL },
		{ "{\"dsn\":\"http://@localhost/1\"}", NULL },
		{ "{\"dsn\":\"http://:secret@localhost/1\"}", NULL },
		{ "{\"dsn\":\"http://localhost/1?x=a@b\"}", NULL },
		{ "{\"dsn\":\"0123abcd@localhost/1\"}", NULL },
		{ "{\"dsn\":7}", NULL },
		{ "{\"dsn\":null}", NULL },
		{ "{}", NULL },
		{ "{\"dsn\":\"http://0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0@h/1\"}", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct envelope env;
		char key[65] = "unchanged", name[200];
		int rc;

		envelope_init(&env, cases[i].header, strlen(cases[i].header));
		rc = envelope_dsn_key(&env, key, sizeof(key));
		snprintf(name, sizeof(name), "dsn key of %s", cases[i].header);
		if (cases[i].key)
			ok(rc == 0 && strcmp(key, cases[i].key) == 0, name);
		else
			ok(rc == -1, name);
		envelope_release(&env);
	}
}

int main(void)
{
	test_shapes();
	test_binary_payload();
	test_item_header();
	test_dsn();
	return tap_done();
}
