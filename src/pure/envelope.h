/* envelope: the Sentry envelope format, read item by item.
 *
 *     {"event_id":"...","dsn":"http://key@host/1"}\n      envelope header
 *     {"type":"event","length":41}\n                      item header
 *     {"message":"may hold\na newline"}\n                 payload of 41 bytes
 *     {"type":"session"}\n                                item header, no length:
 *     {"sid":"..."}                                       payload runs to the next \n
 *
 * Rules: the envelope header is the first line and a JSON object. Each item is
 * a header line, a JSON object with a non-empty string "type" and an optional
 * "length" (a non-negative integer), then its payload: exactly "length" bytes,
 * which must be followed by a newline or the end of the body, or without a
 * length everything up to the next newline or the end. The final newline is
 * optional, and blank lines where an item header is expected are skipped.
 * Header lines pass jsoncheck (UTF-8, no NUL, nesting at most 32 deep).
 * Payloads are not looked at: the caller picks the items it knows.
 *
 * Pure: json-c only, no I/O, no globals. */
#ifndef TELLTALE_ENVELOPE_H
#define TELLTALE_ENVELOPE_H

#include <stddef.h>

#include <json-c/json.h>

#define ENVELOPE_WHY_MAX 128

struct envelope {
	const char *body;                 /* lent: the caller keeps it alive */
	size_t len;
	size_t pos;                       /* where the next item header starts */
	size_t nitems;                    /* items read so far */
	struct json_object *header;       /* the envelope header; owned */
	struct json_object *item_header;  /* the current item's header; owned */
	char why[ENVELOPE_WHY_MAX];       /* what was malformed, after a -1 */
};

struct envelope_item {
	const char *type;                 /* lent from the item header */
	struct json_object *header;       /* lent */
	const char *payload;              /* lent from the body; not NUL-terminated */
	size_t payload_len;
};

/* Reads the envelope header of body[0..len). Returns 0, or -1 with env->why
 * set when it is malformed. Either way env must be released. */
int envelope_init(struct envelope *env, const char *body, size_t len);

/* Reads the next item. Returns 1 and fills *item (valid until the next call
 * or the release), 0 at the end of the envelope, or -1 with env->why set when
 * the rest is malformed. */
int envelope_next(struct envelope *env, struct envelope_item *item);

/* Frees the headers the envelope holds. */
void envelope_release(struct envelope *env);

/* The public key of the envelope header's "dsn" (scheme://key[:secret]@host/...):
 * writes it and a NUL to out (size bytes) and returns 0; -1 when there is no
 * dsn, it has no key, or the key does not fit. */
int envelope_dsn_key(const struct envelope *env, char *out, size_t size);

#endif
