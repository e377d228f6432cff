/* json: request bodies are checked by jsoncheck first, because json-c cannot
 * say which field holds a NUL or broken UTF-8, then parsed by json-c. */
#include "pure/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pure/jsonspan.h"
#include "pure/timefmt.h"

static const char *jsoncheck_message(enum jsoncheck_status st)
{
	switch (st) {
	case JSONCHECK_DEPTH: return "JSON nesting is deeper than 32 levels";
	case JSONCHECK_NUL:   return "must not contain a NUL character";
	case JSONCHECK_UTF8:  return "must be valid UTF-8";
	default:              return "body is not a single valid JSON document";
	}
}

/* jsoncheck's verdict on a body, in *err (json.h). */
int json_check_body(const char *text, size_t len, struct error *err)
{
	struct jsoncheck_result check;

	if (jsoncheck(text, len, JSON_MAX_DEPTH, &check) == JSONCHECK_OK)
		return 0;
	if (check.status == JSONCHECK_SYNTAX)
		return error_set(err, 400, ERROR_BAD_REQUEST, NULL, "%s", jsoncheck_message(check.status));
	if (check.status == JSONCHECK_TOO_MANY)
		return error_set(err, 413, ERROR_TOO_LARGE, NULL,
				 "the body (or an element of it) holds more than %d values and keys",
				 JSONCHECK_MAX_VALUES);
	return error_set(err, 422, ERROR_VALIDATION, check.field, "%s", jsoncheck_message(check.status));
}

static void syntax_error(struct error *err)
{
	error_set(err, 400, ERROR_BAD_REQUEST, NULL, "%s", jsoncheck_message(JSONCHECK_SYNTAX));
}

/* The whole of a checked body as one document (json.h). */
struct json_object *json_parse_checked(const char *text, size_t len, struct error *err)
{
	struct json_tokener *tok = json_tokener_new_ex(JSON_MAX_DEPTH + 1);
	struct json_object *doc;

	if (!tok) {
		syntax_error(err);
		return NULL;
	}
	/* No flags: json_check_body has held the text to RFC 8259 and UTF-8 already,
	 * and json-c's own strict and UTF-8 checks cost a 46 KB event 0.6 M
	 * instructions more. */
	json_tokener_set_flags(tok, 0);
	/* The terminating NUL goes in too, so a bare number at the end is complete. */
	doc = json_tokener_parse_ex(tok, text, (int)len + 1);
	/* A well-formed "null" also parses to NULL: it is a wrong value, not bad JSON. */
	if (!doc && json_tokener_get_error(tok) == json_tokener_success) {
		error_set(err, 422, ERROR_VALIDATION, NULL, "the body must not be null");
	} else if (!doc) {
		syntax_error(err);
	}
	json_tokener_free(tok);
	return doc;
}

struct json_object *json_parse_body(const char *text, size_t len, struct error *err)
{
	return json_check_body(text, len, err) == 0 ? json_parse_checked(text, len, err) : NULL;
}

/* The elements of a checked array, one at a time. json-c's strict mode
 * refuses what follows a value, so an element is read in its lenient mode:
 * jsoncheck has already held the whole text to RFC 8259. */
static int parse_elements(const char *text, size_t len, size_t at, json_each_fn each, void *ctx,
			  struct error *err)
{
	struct json_tokener *tok = json_tokener_new_ex(JSON_MAX_DEPTH);
	int rc = 0;

	if (!tok) {
		syntax_error(err);
		return -1;
	}
	json_tokener_set_flags(tok, 0);         /* checked already, as in json_parse_checked */
	at = jsonspan_blanks(text, len, at + 1);
	for (long i = 0; rc == 0 && at < len && text[at] != ']'; i++) {
		struct json_object *elem;

		json_tokener_reset(tok);
		elem = json_tokener_parse_ex(tok, text + at, (int)(len - at));
		if (json_tokener_get_error(tok) != json_tokener_success) {
			syntax_error(err);
			rc = -1;
			break;
		}
		at = jsonspan_blanks(text, len, at + json_tokener_get_parse_end(tok));
		if (at < len && text[at] == ',')
			at = jsonspan_blanks(text, len, at + 1);
		rc = each(elem, i, ctx);
		json_object_put(elem);
	}
	json_tokener_free(tok);
	return rc;
}

int json_parse_each(const char *text, size_t len, size_t single_max, json_each_fn each,
		    void *ctx, struct error *err)
{
	struct json_object *doc;
	size_t at = jsonspan_blanks(text, len, 0);
	int rc;

	/* A document of one item is held to its own limit before anything of it
	 * is parsed: only an array may use the bulk's. */
	if (text[at] != '[' && len > single_max)
		return error_set(err, 413, ERROR_TOO_LARGE, NULL,
				 "a body that is not an array is limited to %zu bytes", single_max);
	if (json_check_body(text, len, err) != 0)
		return -1;
	if (text[at] == '[')
		return parse_elements(text, len, at, each, ctx, err);
	if (!(doc = json_parse_checked(text, len, err)))
		return -1;
	rc = each(doc, -1, ctx);
	json_object_put(doc);
	return rc;
}

void json_add_string(struct json_object *obj, const char *key, const char *value)
{
	json_object_object_add(obj, key, json_object_new_string(value));
}

void json_add_string_len(struct json_object *obj, const char *key, const char *value, size_t len)
{
	json_object_object_add(obj, key, json_object_new_string_len(value, (int)len));
}

void json_add_int(struct json_object *obj, const char *key, int64_t value)
{
	json_object_object_add(obj, key, json_object_new_int64(value));
}

void json_add_null(struct json_object *obj, const char *key)
{
	json_object_object_add(obj, key, NULL);
}

void json_add_time(struct json_object *obj, const char *key, int64_t usec)
{
	char buf[TIMEFMT_BUFSIZE];

	json_add_string(obj, key, timefmt_format(usec, buf));
}

/* Parsing the database's JSON into objects only to write them out again cost
 * an eighth of the worker's instructions for a request log: the value is a
 * placeholder whose serializer copies the text. Nothing reads such a value
 * but the writer. */
void json_add_raw(struct json_object *obj, const char *key, const char *text)
{
	struct json_object *value = NULL;
	char *copy;

	if (text && (copy = strdup(text))) {
		value = json_object_new_boolean(0);     /* any type: only written */
		if (value)
			json_object_set_serializer(value, json_object_userdata_to_json_string, copy,
						   json_object_free_userdata);
		else
			free(copy);
	}
	json_object_object_add(obj, key, value);
}

const char *json_text(struct json_object *obj)
{
	return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
						   JSON_C_TO_STRING_NOSLASHESCAPE);
}
