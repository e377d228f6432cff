/* Unit tests for event_input: the rules of an ingested event, one row a case. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pure/event_input.h"
#include "pure/fingerprint.h"
#include "pgarray_read.h"
#include "tap.h"
#include "pure/timefmt.h"

#define VALID "\"occurred_at\":\"2026-02-10T10:00:00Z\",\"level\":\"error\",\"message\":\"boom\""

static void test_rules(void)
{
	static const struct { const char *body; const char *field; } cases[] = {
		{ "{" VALID "}", NULL },
		{ "{" VALID ",\"stack\":null,\"tags\":null}", NULL },
		{ "{" VALID ",\"stack\":{\"frames\":[]},\"tags\":{\"env\":\"prod\"}}", NULL },
		{ "{" VALID ",\"event_id\":\"0123456789abcdef0123456789ABCDEF\"}", NULL },
		{ "{" VALID ",\"event_id\":\"01234567-89ab-cdef-0123-456789abcdef\"}", NULL },
		{ "{" VALID ",\"event_id\":\"xyz\"}", "event_id" },
		{ "{" VALID ",\"event_id\":\"01234567-89ab-cdef-0123-456789abcde\"}", "event_id" },
		{ "{" VALID ",\"event_id\":\"0123456789abcdef0123456789abcdeg\"}", "event_id" },
		{ "{" VALID ",\"event_id\":5}", "event_id" },
		{ "{" VALID ",\"stack\":[1]}", "stack" },
		{ "{" VALID ",\"stack\":\"x\"}", "stack" },
		{ "{" VALID ",\"stack\":5}", "stack" },
		{ "{" VALID ",\"tags\":[]}", "tags" },
		{ "{" VALID ",\"tags\":true}", "tags" },
		{ "{" VALID ",\"environment\":\"prod\",\"release\":\"app@1.2.3\"}", NULL },
		{ "{" VALID ",\"environment\":null,\"release\":null,\"fingerprint\":null}", NULL },
		{ "{" VALID ",\"environment\":\"\"}", "environment" },
		{ "{" VALID ",\"environment\":5}", "environment" },
		{ "{" VALID ",\"environment\":\"a\\nb\"}", "environment" },
		{ "{" VALID ",\"environment\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", "environment" },
		{ "{" VALID ",\"release\":[\"1\"]}", "release" },
		{ "{" VALID ",\"release\":\"\\u0000\"}", "release" },
		{ "{" VALID ",\"fingerprint\":[\"{{ default }}\",\"checkout\"]}", NULL },
		{ "{" VALID ",\"fingerprint\":[]}", "fingerprint" },
		{ "{" VALID ",\"fingerprint\":\"checkout\"}", "fingerprint" },
		{ "{" VALID ",\"fingerprint\":[1]}", "fingerprint" },
		{ "{" VALID ",\"fingerprint\":[\"\"]}", "fingerprint" },
		{ "{" VALID ",\"fingerprint\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\","
		  "\"12\",\"13\",\"14\",\"15\",\"16\",\"17\",\"18\",\"19\",\"20\",\"21\",\"22\",\"23\",\"24\",\"25\","
		  "\"26\",\"27\",\"28\",\"29\",\"30\",\"31\",\"32\",\"33\"]}", "fingerprint" },
		{ "{" VALID ",\"fingerprint\":[{}]}", "fingerprint" },
		{ "{\"level\":\"error\",\"message\":\"m\"}", "occurred_at" },
		{ "{\"occurred_at\":null,\"level\":\"error\",\"message\":\"m\"}", "occurred_at" },
		{ "{\"occurred_at\":\"2026-02-30T00:00:00Z\",\"level\":\"error\",\"message\":\"m\"}", "occurred_at" },
		{ "{\"occurred_at\":\"yesterday\",\"level\":\"error\",\"message\":\"m\"}", "occurred_at" },
		{ "{\"occurred_at\":1e308,\"level\":\"error\",\"message\":\"m\"}", "occurred_at" },
		{ "{\"occurred_at\":true,\"level\":\"error\",\"message\":\"m\"}", "occurred_at" },
		{ "{\"occurred_at\":1770717600,\"level\":\"error\",\"message\":\"m\"}", NULL },
		{ "{\"occurred_at\":1770717600.5,\"level\":\"error\",\"message\":\"m\"}", NULL },
		{ "{\"occurred_at\":\"2026-02-10\",\"level\":\"error\",\"message\":\"m\"}", NULL },
		{ "{\"occurred_at\":\"2026-02-10T10:00:00Z\",\"message\":\"m\"}", "level" },
		{ "{\"occurred_at\":\"2026-02-10T10:00:00Z\",\"level\":\"fatal\",\"message\":\"m\"}", "level" },
		{ "{\"occurred_at\":\"2026-02-10T10:00:00Z\",\"level\":3,\"message\":\"m\"}", "level" },
		{ "{\"occurred_at\":\"2026-02-10T10:00:00Z\",\"level\":\"Critical\",\"message\":\"m\"}", NULL },
		{ "{\"occurred_at\":\"2026-02-10T10:00:00Z\",\"level\":\"info\"}", "message" },
		{ "{\"occurred_at\":\"2026-02-10T10:00:00Z\",\"level\":\"info\",\"message\":\"\"}", "message" },
		{ "{\"occurred_at\":\"2026-02-10T10:00:00Z\",\"level\":\"info\",\"message\":7}", "message" },
		{ "[]", "" },
		{ "\"x\"", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *doc = json_tokener_parse(cases[i].body);
		struct event_input ev;
		struct error err;
		char name[300];
		int rc = event_input_parse(doc, &ev, &err);

		snprintf(name, sizeof(name), "%s -> %s", cases[i].body,
			 cases[i].field ? cases[i].field : "accepted");
		if (cases[i].field)
			ok(rc == -1 && strcmp(err.field, cases[i].field) == 0, name);
		else
			ok(rc == 0, name);
		json_object_put(doc);
	}
}

static void test_values(void)
{
	struct json_object *doc = json_tokener_parse(
		"{\"occurred_at\":\"2026-02-10T12:00:00.5+02:00\",\"level\":\"warning\","
		"\"message\":\"disk full\",\"event_id\":\"01234567-89AB-cdef-0123-456789abcdef\","
		"\"tags\":{\"a\":\"b\"}}");
	struct event_input ev;
	struct error err;

	ok(event_input_parse(doc, &ev, &err) == 0, "a full event parses");
	is_int(ev.occurred_at, 1770717600LL * USEC_PER_SEC + 500000, "offset folded into UTC");
	is_str(level_names[ev.level], "WARNING", "level stored upper case");
	is_str(ev.event_id, "0123456789abcdef0123456789abcdef", "event_id normalised to 32 hex");
	ok(ev.stack == NULL && ev.tags != NULL, "absent stack is NULL, tags kept");

	struct event_rows rows;
	struct fingerprint fp;
	char want[512];
	ok(event_rows_init(&rows) == 0, "rows start");
	ok(fingerprint_of(NULL, "disk full", 9, NULL, &fp) == 0, "the message's fingerprint");
	is_str(event_rows_text(&rows), "[]", "no rows: an empty array");
	ok(event_rows_add(&rows, &ev) == 0, "a row is added after the array was read");
	snprintf(want, sizeof(want),
		 "[{\"i\":0,\"event_id\":\"0123456789abcdef0123456789abcdef\","
		 "\"occurred_us\":1770717600500000,\"level\":\"WARNING\",\"message\":\"disk full\","
		 "\"tags\":{\"a\":\"b\"},\"g\":0,\"fp\":\"%s\",\"title\":\"disk full\"}]", fp.hex);
	fingerprint_release(&fp);
	is_str(event_rows_text(&rows), want, "the row for the ingest statement, with its fingerprint");
	ok(rows.count == 1 && rows.with_event_id == 1, "one row, counted as one with an event_id");
	ev.event_id[0] = '\0';
	ev.tags = NULL;
	ev.message = "q\"b\\ n\n t\t c\x01 \xe2\x82\xac /";
	ev.message_len = strlen(ev.message);
	ok(event_rows_add(&rows, &ev) == 0, "a second row");
	ok(fingerprint_of(NULL, ev.message, ev.message_len, NULL, &fp) == 0, "its fingerprint");
	snprintf(want, sizeof(want),
		 ",{\"i\":1,\"occurred_us\":1770717600500000,\"level\":\"WARNING\","
		 "\"message\":\"q\\\"b\\\\ n\\u000a t\\u0009 c\\u0001 \xe2\x82\xac /\",\"g\":1,\"fp\":\"%s\","
		 "\"title\":\"q\\\"b\\\\ n\\u000a t\\u0009 c\\u0001 \xe2\x82\xac /\"}]", fp.hex);
	fingerprint_release(&fp);
	is_str(strstr(event_rows_text(&rows), "},{") + 1, want,
	       "counted from 0, absent keys left out, the message escaped");
	ok(rows.count == 2 && rows.with_event_id == 1, "a row without an event_id is not counted as one");
	ok(event_rows_add(&rows, &ev) == 0, "a third row, of the second one's group");
	is_str(strrchr(event_rows_text(&rows), '{'),
	       "{\"i\":2,\"occurred_us\":1770717600500000,\"level\":\"WARNING\","
	       "\"message\":\"q\\\"b\\\\ n\\u000a t\\u0009 c\\u0001 \xe2\x82\xac /\",\"g\":1}]",
	       "  names its group, without the fingerprint");
	ev.release = "shop@2";
	ok(event_rows_add(&rows, &ev) == 0, "the same event of a release");
	ok(strstr(event_rows_text(&rows), "\"release\":\"shop@2\",\"g\":2,\"fp\":") != NULL,
	   "  is a group of its own, with the fingerprint");
	ev.release = NULL;
	struct json_object *back = json_tokener_parse(event_rows_text(&rows));
	struct json_object *msg = NULL;
	ok(json_object_is_type(back, json_type_array) && json_object_array_length(back) == 4 &&
	   json_object_object_get_ex(json_object_array_get_idx(back, 1), "message", &msg) &&
	   strcmp(json_object_get_string(msg), ev.message) == 0, "the text reads back as JSON");
	json_object_put(back);
	event_rows_free(&rows);
	json_object_put(doc);
}

static void test_prefix_and_cut(void)
{
	struct json_object *doc = json_tokener_parse("{\"occurred_at\":\"2026-02-10\",\"level\":\"nope\",\"message\":\"m\"}");
	struct event_input ev;
	struct error err;

	ok(event_input_parse(doc, &ev, &err) == -1, "a bad level is refused");
	is_str(err.field, "level", "and named");
	json_object_put(doc);

	/* 3000 three-byte characters: 9000 bytes, cut to 8190 (a whole character). */
	static char msg[9001];
	for (int i = 0; i < 3000; i++)
		memcpy(msg + 3 * i, "\xe2\x82\xac", 3);
	struct json_object *big = json_object_new_object();
	json_object_object_add(big, "occurred_at", json_object_new_string("2026-02-10"));
	json_object_object_add(big, "level", json_object_new_string("info"));
	json_object_object_add(big, "message", json_object_new_string(msg));
	ok(event_input_parse(big, &ev, &err) == 0, "long message accepted");
	is_int(ev.message_len, 8190, "long message cut at a character boundary");
	json_object_put(big);
}

/* environment, release, the client's fingerprint and the context go into the
 * row; the client's fingerprint decides the group and the title stays ours. */
static void test_grouping(void)
{
	struct json_object *doc = json_tokener_parse(
		"{" VALID ",\"environment\":\"prod\",\"release\":\"2.3\","
		"\"fingerprint\":[\"checkout\",\"{{ default }}\"]}");
	struct json_object *other = json_tokener_parse(
		"{\"occurred_at\":\"2026-02-10\",\"level\":\"error\",\"message\":\"bang\","
		"\"fingerprint\":[\"checkout\"]}");
	struct json_object *back, *row, *v = NULL, *w = NULL;
	const char *contexts;
	size_t contexts_len = 0;
	char *first_context;
	struct event_input ev, ev2;
	struct event_rows rows;
	struct error err;

	ok(event_input_parse(doc, &ev, &err) == 0, "an event with environment, release and fingerprint");
	ok(ev.environment && strcmp(ev.environment, "prod") == 0 && ev.release &&
	   strcmp(ev.release, "2.3") == 0, "  both kept");
	ev.context = json_tokener_parse("{\"user\":{\"id\":\"7\"}}");
	event_rows_init(&rows);
	ok(event_rows_add(&rows, &ev) == 0, "  written as a row");
	ok(event_input_parse(other, &ev2, &err) == 0 && event_rows_add(&rows, &ev2) == 0,
	   "a second event, fingerprint [\"checkout\"] alone");
	back = json_tokener_parse(event_rows_text(&rows));
	row = json_object_array_get_idx(back, 0);
	ok(json_object_object_get_ex(row, "environment", &v) && strcmp(json_object_get_string(v), "prod") == 0 &&
	   json_object_object_get_ex(row, "release", &v) && strcmp(json_object_get_string(v), "2.3") == 0,
	   "  the row has environment and release");
	contexts = pg_json_array_bytes(&rows.contexts, &contexts_len);
	first_context = pgarray_count(contexts, contexts_len) == 2 ? pgarray_element(contexts, 0) : NULL;
	is_str(first_context, "{\"user\":{\"id\":\"7\"}}", "  the context goes beside the rows, the first's");
	ok(!json_object_object_get_ex(row, "context", NULL), "  not in the row");
	ok(!pgarray_element(contexts, 1), "  the second has none: NULL");
	free(first_context);
	ok(json_object_object_get_ex(row, "title", &v) && strcmp(json_object_get_string(v), "boom") == 0,
	   "  the title is the message, whatever the client grouped by");
	json_object_object_get_ex(row, "fp", &v);
	json_object_object_get_ex(json_object_array_get_idx(back, 1), "fp", &w);
	ok(v && w && strlen(json_object_get_string(v)) == 64 &&
	   strcmp(json_object_get_string(v), json_object_get_string(w)) != 0,
	   "  [\"checkout\", \"{{ default }}\"] and [\"checkout\"] are two groups");
	json_object_put(back);
	json_object_put(ev.context);
	event_rows_free(&rows);
	json_object_put(doc);
	json_object_put(other);
}

/* A bulk's worth of distinct fingerprints: each event its own group, in
 * order, and an event of an earlier group found again after the table grew. */
static void test_many_groups(void)
{
	struct event_rows rows;
	struct event_input ev = { .level = LEVEL_ERROR, .occurred_at = 1 };
	char message[16], tail[32];
	int numbered = 1;

	ok(event_rows_init(&rows) == 0, "rows for a bulk start");
	for (int i = 0; i < EVENT_BULK_MAX; i++) {
		/* Words, not numbers: numbers are one group once normalised. */
		snprintf(message, sizeof(message), "m%c%c%c", 'a' + i % 26, 'a' + i / 26 % 26,
			 'a' + i / 676);
		ev.message = message;
		ev.message_len = strlen(message);
		snprintf(tail, sizeof(tail), "\"g\":%d,\"fp\":", i);
		numbered &= event_rows_add(&rows, &ev) == 0 &&
			strstr(strrchr(event_rows_text(&rows), '{'), tail) != NULL;
	}
	ok(numbered, "1000 distinct fingerprints: groups 0 to 999 in order, each with its fingerprint");
	ev.message = "maba";
	ev.message_len = 4;
	ok(event_rows_add(&rows, &ev) == 0 &&
	   strstr(strrchr(event_rows_text(&rows), '{'), "\"g\":26}") != NULL,
	   "  an event of group 26 again: its number, no fingerprint");
	event_rows_free(&rows);
}

int main(void)
{
	test_rules();
	test_grouping();
	test_values();
	test_prefix_and_cut();
	test_many_groups();
	return tap_done();
}
