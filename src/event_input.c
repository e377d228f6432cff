/* event_input: the rules of API.md for an ingested event. */
#include "event_input.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "timefmt.h"
#include "utf8.h"

const char *const level_names[LEVEL__MAX] = { "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL" };

enum level level_parse(const char *s)
{
	for (int i = 0; i < LEVEL__MAX; i++)
		if (strcasecmp(s, level_names[i]) == 0)
			return (enum level)i;
	return LEVEL__MAX;
}

static int fail(struct input_error *err, const char *prefix, const char *field,
		const char *message)
{
	snprintf(err->field, sizeof(err->field), "%s%s%s", prefix,
		 *prefix && *field ? "." : "", field);
	snprintf(err->message, sizeof(err->message), "%s", message);
	return -1;
}

int event_input_parse_id(const char *s, char out[33])
{
	static const int dashes[] = { 8, 13, 18, 23 };
	size_t len = strlen(s), n = 0;

	if (len != 32 && len != 36)
		return -1;
	for (size_t i = 0, d = 0; i < len; i++) {
		if (len == 36 && d < 4 && (int)i == dashes[d]) {
			if (s[i] != '-')
				return -1;
			d++;
			continue;
		}
		if (!isxdigit((unsigned char)s[i]))
			return -1;
		out[n++] = (char)tolower((unsigned char)s[i]);
	}
	out[n] = '\0';
	return 0;
}

/* occurred_at: an RFC 3339 string, a bare date, or Unix seconds. */
static int parse_time_value(struct json_object *v, int64_t *out)
{
	switch (json_object_get_type(v)) {
	case json_type_string:
		return timefmt_parse(json_object_get_string(v),
				     (size_t)json_object_get_string_len(v), out);
	case json_type_int:
	case json_type_double:
		return timefmt_from_unix(json_object_get_double(v), out);
	default:
		return -1;
	}
}

/* stack and tags: an object, or null / absent (NULL). Returns 0 or -1. */
static int parse_optional_object(struct json_object *doc, const char *key,
				 struct json_object **out)
{
	struct json_object *v = NULL;

	*out = NULL;
	if (!json_object_object_get_ex(doc, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_object))
		return -1;
	*out = v;
	return 0;
}

static int parse_event_id(struct json_object *doc, char out[33])
{
	struct json_object *v = NULL;

	out[0] = '\0';
	if (!json_object_object_get_ex(doc, "event_id", &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	return event_input_parse_id(json_object_get_string(v), out);
}

int event_input_parse(struct json_object *doc, const char *prefix,
		      struct event_input *ev, struct input_error *err)
{
	struct json_object *v = NULL;

	memset(ev, 0, sizeof(*ev));
	if (!json_object_is_type(doc, json_type_object))
		return fail(err, prefix, "", "an event must be a JSON object");
	if (parse_event_id(doc, ev->event_id) != 0)
		return fail(err, prefix, "event_id", "must be 32 hex digits or a UUID");
	if (!json_object_object_get_ex(doc, "occurred_at", &v) || !v)
		return fail(err, prefix, "occurred_at", "is required");
	if (parse_time_value(v, &ev->occurred_at) != 0)
		return fail(err, prefix, "occurred_at",
			    "must be an RFC 3339 timestamp, a date, or Unix seconds (years 1-9999)");
	if (!json_object_object_get_ex(doc, "level", &v) || !v ||
	    !json_object_is_type(v, json_type_string) ||
	    (ev->level = level_parse(json_object_get_string(v))) == LEVEL__MAX)
		return fail(err, prefix, "level", "must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL");
	if (!json_object_object_get_ex(doc, "message", &v) || !v ||
	    !json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0)
		return fail(err, prefix, "message", "must be a non-empty string");
	ev->message = json_object_get_string(v);
	ev->message_len = utf8_cut(ev->message, (size_t)json_object_get_string_len(v),
				   EVENT_MESSAGE_MAX);
	if (parse_optional_object(doc, "stack", &ev->stack) != 0)
		return fail(err, prefix, "stack", "must be a JSON object or null");
	if (parse_optional_object(doc, "tags", &ev->tags) != 0)
		return fail(err, prefix, "tags", "must be a JSON object or null");
	return 0;
}

struct json_object *event_input_row(const struct event_input *ev, int index)
{
	struct json_object *row = json_object_new_object();

	if (!row)
		return NULL;
	json_object_object_add(row, "i", json_object_new_int(index));
	if (ev->event_id[0])
		json_object_object_add(row, "event_id", json_object_new_string(ev->event_id));
	json_object_object_add(row, "occurred_us", json_object_new_int64(ev->occurred_at));
	json_object_object_add(row, "level", json_object_new_string(level_names[ev->level]));
	json_object_object_add(row, "message",
			       json_object_new_string_len(ev->message, (int)ev->message_len));
	if (ev->stack)
		json_object_object_add(row, "stack", json_object_get(ev->stack));
	if (ev->tags)
		json_object_object_add(row, "tags", json_object_get(ev->tags));
	return row;
}
