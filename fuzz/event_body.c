/* Fuzz target: a request body into error events, the way the worker reads it:
 * jsoncheck, then json-c in strict mode, then event_input for one event or each
 * element of a bulk array. An accepted event has a known level, a message of at
 * most EVENT_MESSAGE_MAX valid UTF-8 bytes, and a row for the ingest statement
 * that reads back as JSON with the same message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pure/event_input.h"
#include "pure/jsoncheck.h"
#include "rows_check.h"
#include "pure/utf8.h"

static void check_event(struct json_object *obj)
{
	struct event_input ev;
	struct error err;

	if (event_input_parse(obj, &ev, &err) != 0)
		return;
	if (ev.level >= LEVEL__MAX || ev.message_len > EVENT_MESSAGE_MAX ||
	    !utf8_valid(ev.message, ev.message_len))
		abort();
	check_rows(&ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jsoncheck_result check;
	struct json_tokener *tok;
	struct json_object *doc;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (jsoncheck(text, size, 32, &check) == JSONCHECK_OK) {
		tok = json_tokener_new_ex(33);
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
		doc = json_tokener_parse_ex(tok, text, (int)size + 1);
		json_tokener_free(tok);
		if (json_object_is_type(doc, json_type_array)) {
			for (size_t i = 0; i < json_object_array_length(doc) && i < 1000; i++)
				check_event(json_object_array_get_idx(doc, i));
		} else if (doc) {
			check_event(doc);
		}
		json_object_put(doc);
	}
	free(text);
	return 0;
}
