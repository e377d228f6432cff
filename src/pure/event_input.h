/* event_input: one error event from a request body, validated field by field.
 * Pure: json-c only, no I/O, no globals. */
#ifndef TELLTALE_EVENT_INPUT_H
#define TELLTALE_EVENT_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "pure/error.h"
#include "pure/jsoncheck.h"
#include "pure/pgarray.h"

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
	const char *environment;        /* lent; NULL when absent */
	const char *release;            /* lent; NULL when absent */
	struct json_object *fingerprint; /* lent: the client's, an array of strings; or NULL */
	struct json_object *context;    /* lent: a Sentry event's request, contexts,
	                                   breadcrumbs, user and extra, masked; or NULL */
	/* Lent: JSON text stored in place of stack, or of context, when set (a
	 * Sentry event's, masked in the text); stack still holds what the
	 * fingerprint reads. */
	const char *stack_text;
	size_t stack_text_len;
	const char *context_text;
	size_t context_text_len;
};

/* An environment is 1 to this many characters, a release 1 to the other. */
#define EVENT_ENVIRONMENT_MAX 64
#define EVENT_RELEASE_MAX 200
/* A client's fingerprint has 1 to this many parts of 1 to PART_MAX bytes. */
#define EVENT_FINGERPRINT_PARTS_MAX 32
#define EVENT_FINGERPRINT_PART_MAX 512

/* 1 when s[0..len) is a usable environment or release name of at most max
 * characters: not empty, no control characters. */
int event_input_name_ok(const char *s, size_t len, size_t max);

/* 1 when v is a usable client fingerprint: an array of 1 to
 * EVENT_FINGERPRINT_PARTS_MAX non-empty strings of at most
 * EVENT_FINGERPRINT_PART_MAX bytes. */
int event_input_fingerprint_ok(struct json_object *v);

/* Why an event was refused: the field (with the prefix) and what is wrong. */
/* Reads and checks one event object. Returns 0 and fills *ev (lending from
 * doc), or -1 and fills *err. */
int event_input_parse(struct json_object *doc, struct event_input *ev, struct error *err);

/* Parses an event_id: 32 hex digits or a UUID with dashes, any case.
 * Returns 0 and writes 32 lower-case hex digits and a NUL to out, or -1. */
int event_input_parse_id(const char *s, char out[33]);

/* The rows the ingest statement reads: a JSON array of objects {"i",
 * "event_id", "occurred_us", "level", "message", "tags", "environment",
 * "release", "g", "fp", "title", "culprit"}, absent keys for nulls, "i"
 * counting from 0; and beside it each row's stack and context, in the rows'
 * order, as json[] parameters (pure/pgarray.h): the largest values of an
 * event, which the server then reads once, as the json they are stored as.
 * "g" numbers the events' groups, from 0 in the order they first appear: the
 * events of a group have the same fingerprint (pure/fingerprint.h) and
 * release. Only the first event of a group carries "fp", "title" and
 * "culprit", its fingerprint: the statement finds a group's issue once, and
 * reads no fingerprint for the others. The text is written as the events are
 * added, without building an object for each row. */
struct event_groups;

struct event_rows {
	struct printbuf *text;          /* "[" and the rows so far, unclosed */
	struct pg_json_array stacks;    /* each row's stack, or NULL */
	struct pg_json_array contexts;  /* each row's context, or NULL */
	int count;
	int with_event_id;              /* how many of them carry an event_id */
	struct event_groups *groups;    /* the groups so far */
};

/* Each returns 0, or -1 when out of memory. */
int event_rows_init(struct event_rows *rows);
int event_rows_add(struct event_rows *rows, const struct event_input *ev);

/* The array of the rows added so far, as JSON text; valid until the next
 * event_rows_add or event_rows_free. NULL when out of memory. */
const char *event_rows_text(struct event_rows *rows);

void event_rows_free(struct event_rows *rows);

#endif
