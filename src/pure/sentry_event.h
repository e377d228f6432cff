/* sentry_event: a Sentry event payload (the body of /store, the payload of an
 * envelope's event item) mapped onto an error event by the rules of docs/api.md:
 *
 *   level        fatal, critical -> CRITICAL; error -> ERROR; warning -> WARNING;
 *                info, log -> INFO; debug -> DEBUG (any case); else ERROR
 *   message      logentry.formatted, logentry.message, message (a string, or an
 *                object's formatted or message), "<type>: <value>" of the last
 *                exception value, else "<unlabeled event>"; cut to
 *                EVENT_MESSAGE_MAX bytes at a character boundary
 *   occurred_at  timestamp: RFC 3339 (a zone-less one taken as UTC) or Unix
 *                seconds; else the caller's now
 *   stack        {"values": [...]}: the exception values that are objects
 *                (exception.values, or a bare list), each whole with its
 *                stacktrace.frames, masked; none without exception values
 *   tags         tags (an object, or a list of [key, value] pairs) with scalar
 *                values as strings, plus environment, release, platform,
 *                server_name and sdk.name; NULL when there are none
 *   event_id     32 hex digits or a UUID; "" when absent or malformed
 *   environment, release, fingerprint   the event's, when usable
 *   context      request, contexts, breadcrumbs, user and extra, masked as a
 *                request log is (request.cookies whole)
 *
 * Like Sentry, a field of the wrong type is ignored rather than refused: an SDK
 * cannot fix what it sent, and the event is worth more than the field.
 * Pure: json-c and libc only, no I/O, no globals. */
#ifndef TELLTALE_SENTRY_EVENT_H
#define TELLTALE_SENTRY_EVENT_H

#include <stdint.h>

#include <json-c/json.h>

#include "pure/event_input.h"
#include "pure/mask.h"

/* The message of an event that names nothing: Sentry's own title for it. */
#define SENTRY_EVENT_UNLABELED "<unlabeled event>"

struct sentry_event {
	/* input.message, environment, release and fingerprint are lent from doc
	 * (message may point at message_buf). input.stack, tags and context are
	 * objects this struct owns (a reference each): the stack holds what the
	 * fingerprint reads, the context the members of the event but its
	 * breadcrumbs. What is stored is input.stack_text (the exception values
	 * whole, masked in the text) and input.context_text when there are
	 * breadcrumbs; event_rows_add writes them out. */
	struct event_input input;
	struct json_object *doc;      /* owned: the tree of the event's light copy */
	char *message_buf;            /* owned: a message built from an exception */
	char *stack_buf;              /* owned: input.stack_text */
	char *context_buf;            /* owned: input.context_text */
};

/* Maps the event text[0..len), which jsoncheck has passed, onto ev. now_usec
 * is occurred_at when the event has no usable timestamp. Returns 0, or -1
 * when the text is not a JSON object or memory ran out. Either way ev must be
 * released; the text need not be kept. */
int sentry_event_parse(struct sentry_event *ev, const char *text, size_t len, int64_t now_usec);

/* sentry_event_parse, with the application's own mask fields (may be NULL)
 * masked in the exception's frames and the context besides the built-in
 * names. */
int sentry_event_parse_masked(struct sentry_event *ev, const char *text, size_t len, int64_t now_usec,
			      const struct mask_fields *extra);

/* Puts the trees and frees the texts. Safe to call twice. */
void sentry_event_release(struct sentry_event *ev);

/* The level of a Sentry level name (NULL or unknown: LEVEL_ERROR). */
enum level sentry_event_level(const char *name);

#endif
