/* json: parsing request bodies under docs/api.md's rules, and small builders for
 * response objects. */
#ifndef TELLTALE_JSON_H
#define TELLTALE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "pure/error.h"

/* JSON nesting deeper than this is a 422. */
#define JSON_MAX_DEPTH 32

/* Parses text[0..len), which must be followed by a NUL, as exactly one JSON document with json-c's strict mode,
 * after jsoncheck has found no syntax, depth, NUL or UTF-8 fault.
 * Returns the document (the caller puts it), or NULL and fills *err. */
struct json_object *json_parse_body(const char *text, size_t len, struct error *err);

/* json_parse_body in two steps: the check alone (0 when text passes, else -1
 * with *err filled), and the parse of text that has passed it, or that is
 * made of parts of such text (NULL, with *err filled, when it does not parse
 * or is null). */
int json_check_body(const char *text, size_t len, struct error *err);
struct json_object *json_parse_checked(const char *text, size_t len, struct error *err);

/* Called by json_parse_each with each value, which it must not keep: index
 * counts the elements of an array from 0, and is -1 for a body that is not
 * an array. Returns 0 to go on, or a positive number to stop. */
typedef int (*json_each_fn)(struct json_object *value, long index, void *ctx);

/* Parses text[0..len) (followed by a NUL) like json_parse_body, but an array
 * goes to each() one element at a time, each freed before the next is read:
 * a bulk of a thousand events never holds more than one in memory. Any other
 * document goes to each() whole, and is refused (413) past single_max bytes
 * before it is parsed. Returns 0, what each() stopped with, or -1 with *err
 * filled for a body json_parse_body refuses (an empty array calls each()
 * for nothing and returns 0). */
int json_parse_each(const char *text, size_t len, size_t single_max, json_each_fn each,
		    void *ctx, struct error *err);

/* Builders: add key to obj. The new json_object belongs to obj. */
void json_add_string(struct json_object *obj, const char *key, const char *value);
void json_add_string_len(struct json_object *obj, const char *key, const char *value, size_t len);
void json_add_int(struct json_object *obj, const char *key, int64_t value);
void json_add_null(struct json_object *obj, const char *key);
/* An RFC 3339 UTC timestamp from microseconds since the epoch. */
void json_add_time(struct json_object *obj, const char *key, int64_t usec);
/* A JSON document as text (a jsonb column, so valid JSON), or null when text
 * is NULL. The text is copied into the output as it is when obj is written. */
void json_add_raw(struct json_object *obj, const char *key, const char *text);

/* The compact text of obj, owned by obj. */
const char *json_text(struct json_object *obj);

#endif
