/* The check the event fuzz targets share: the rows text of an accepted event
 * is JSON that reads back as one row holding the event's message, byte for
 * byte. */
#ifndef TELLTALE_FUZZ_ROWS_CHECK_H
#define TELLTALE_FUZZ_ROWS_CHECK_H

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pure/event_input.h"

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
	event_rows_free(&rows);
}

#endif
