/* The check the event fuzz targets share: the rows text of an accepted event
 * is JSON that reads back as one row holding the event's message, byte for
 * byte, and its stack and context beside it are one json[] element each,
 * NULL or a JSON object. */
#ifndef TELLTALE_FUZZ_ROWS_CHECK_H
#define TELLTALE_FUZZ_ROWS_CHECK_H

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pure/event_input.h"
#include "../t/unit/pgarray_read.h"

/* The one element of a json[]: NULL, or a JSON object. */
static void check_value(struct pg_json_array *column)
{
	size_t len = 0;
	const char *bytes = pg_json_array_bytes(column, &len);
	char *text;
	struct json_object *back;

	if (pgarray_count(bytes, len) != 1)
		abort();
	if (!(text = pgarray_element(bytes, 0)))
		return;
	back = json_tokener_parse(text);
	if (!json_object_is_type(back, json_type_object))
		abort();
	json_object_put(back);
	free(text);
}

static void check_rows(const struct event_input *ev)
{
	struct event_rows rows;
	struct json_object *back, *msg = NULL;
	const char *text;

	if (event_rows_init(&rows) != 0 || event_rows_add(&rows, ev) != 0 ||
	    !(text = event_rows_text(&rows)))
		abort();
	back = json_tokener_parse(text);
	if (!json_object_is_type(back, json_type_array) || json_object_array_length(back) != 1 ||
	    !json_object_object_get_ex(json_object_array_get_idx(back, 0), "message", &msg) ||
	    (size_t)json_object_get_string_len(msg) != ev->message_len ||
	    memcmp(json_object_get_string(msg), ev->message, ev->message_len) != 0)
		abort();
	json_object_put(back);
	check_value(&rows.stacks);
	check_value(&rows.contexts);
	event_rows_free(&rows);
}

#endif
