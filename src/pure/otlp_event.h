/* otlp_event: what an OpenTelemetry log record becomes in telltale. Every
 * log record becomes an error event, written as the body POST
 * /apps/{app_id}/events takes (docs/api.md, "Sending an event"), so that
 * event_input checks it as any other event:
 *
 *   occurred_at  the record's time, else its observed time, else the
 *                caller's now; RFC 3339 with microseconds
 *   level        severity_number 1-8 DEBUG, 9-12 INFO, 13-16 WARNING,
 *                17-20 ERROR, 21-24 CRITICAL; when unspecified, the
 *                severity_text (any case, a trailing 2 to 4 of TRACE2...
 *                FATAL4 ignored): trace, debug -> DEBUG; info, notice ->
 *                INFO; warn, warning -> WARNING; error, err -> ERROR;
 *                fatal, critical, crit, alert, emerg, emergency ->
 *                CRITICAL; anything else INFO
 *   message      the body: a string as it is, a scalar or an array of them
 *                as otlp_value_text writes it, bytes in base64; a key-value
 *                list's message (else msg) member, when it has one with
 *                text; any other body as JSON (bytes in it as base64
 *                strings, NaN and infinities as strings). When that is
 *                empty or there is no body: "<exception.type>:
 *                <exception.message>" (or either alone), else the
 *                severity_text, else "(no message)". Cut to
 *                EVENT_MESSAGE_MAX bytes at a character boundary
 *   stack        when the record has exception.type, exception.message or
 *                exception.stacktrace (with text): {"type", "value",
 *                "frames", "stacktrace"}, each member only when known:
 *                type and value from exception.type and exception.message
 *                (cut to OTLP_EVENT_TYPE_MAX and EVENT_MESSAGE_MAX bytes),
 *                frames read from exception.stacktrace by stack_text, and
 *                the stacktrace itself cut to OTLP_EVENT_STACKTRACE_MAX
 *                bytes. A type or a frame with a function makes it the
 *                exception that groups the event (docs/api.md, "Grouping")
 *   tags         the record's attributes and its resource's, the record's
 *                first when both have a key, as text (otlp_value_text):
 *                exception.* and values with no text are left out, keys of
 *                more than OTLP_EVENT_TAG_KEY_MAX characters too, values
 *                are cut to OTLP_EVENT_TAG_VALUE_MAX characters, and at
 *                most OTLP_EVENT_TAGS_MAX are taken; then trace_id and
 *                span_id, when the record has them. Absent when empty
 *   environment  the resource's deployment.environment.name, else
 *                deployment.environment; release: its service.version.
 *                Each only when event_input_name_ok takes it, else absent
 *
 * No event_id (a log record has none) and no fingerprint: the event is
 * grouped by telltale's own rules. Pure: json-c only, no I/O, no globals. */
#ifndef TELLTALE_OTLP_EVENT_H
#define TELLTALE_OTLP_EVENT_H

#include <stdint.h>

#include <json-c/json.h>

#include "pure/otlp.h"

/* The message of a record that says nothing. */
#define OTLP_EVENT_NO_MESSAGE "(no message)"

/* An exception's type is cut to this many bytes, its stack trace text to
 * the other. */
#define OTLP_EVENT_TYPE_MAX 1024
#define OTLP_EVENT_STACKTRACE_MAX (64 * 1024)

/* Tags: keys of 1 to KEY_MAX characters, values cut to VALUE_MAX
 * characters, at most TAGS_MAX from the attributes (trace_id and span_id
 * come on top). */
#define OTLP_EVENT_TAG_KEY_MAX 128
#define OTLP_EVENT_TAG_VALUE_MAX 1024
#define OTLP_EVENT_TAGS_MAX 100

/* The event of log: returns 1 with *event, a new object (the caller puts
 * it) that event_input_parse takes, or -1 with *event NULL when out of
 * memory. now_usec (microseconds since the epoch) is the time of a record
 * with neither time; it is held to timefmt's range. */
int otlp_log_event(const struct otlp_log *log, int64_t now_usec, struct json_object **event);

#endif
