/* event_input: one error event from a request body, validated field by field.
 * Pure: json-c only, no I/O, no globals. */
#ifndef TELLTALE_EVENT_INPUT_H
#define TELLTALE_EVENT_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "jsoncheck.h"

enum level { LEVEL_DEBUG, LEVEL_INFO, LEVEL_WARNING, LEVEL_ERROR, LEVEL_CRITICAL, LEVEL__MAX };

extern const char *const level_names[LEVEL__MAX];

/* The level named s (any case), or LEVEL__MAX. */
enum level level_parse(const char *s);

/* Longer messages are cut to this many bytes at a character boundary. */
#define EVENT_MESSAGE_MAX 8192

/* A bulk ingest takes 1 to this many events. */
#define EVENT_BULK_MAX 1000

struct event_input {
	char event_id[33];              /* 32 lower-case hex digits, or "" */
	int64_t occurred_at;            /* microseconds since the epoch */
	enum level level;
	const char *message;            /* lent from the document */
	size_t message_len;             /* already cut to EVENT_MESSAGE_MAX */
	struct json_object *stack;      /* lent; NULL when null or absent */
	struct json_object *tags;       /* lent; NULL when null or absent */
};

/* Why an event was refused: the field (with the prefix) and what is wrong. */
struct input_error {
	char field[JSONCHECK_FIELD_MAX];
	char message[128];
};

/* Reads and checks one event object. prefix names it within the body: "" for a
 * single event, "[7]" for an element of a bulk array (fields become "[7].level").
 * Returns 0 and fills *ev (lending from doc), or -1 and fills *err. */
int event_input_parse(struct json_object *doc, const char *prefix,
		      struct event_input *ev, struct input_error *err);

/* Parses an event_id: 32 hex digits or a UUID with dashes, any case.
 * Returns 0 and writes 32 lower-case hex digits and a NUL to out, or -1. */
int event_input_parse_id(const char *s, char out[33]);

/* The event as the row object the ingest statement reads: {"i", "event_id",
 * "occurred_us", "level", "message", "stack", "tags"}, absent keys for nulls.
 * Returns a new object (the caller puts it), or NULL on no memory. */
struct json_object *event_input_row(const struct event_input *ev, int index);

#endif
