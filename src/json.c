/* json: request bodies are checked by jsoncheck first, because json-c cannot
 * say which field holds a NUL or broken UTF-8, then parsed by json-c. */
#include "json.h"

#include <stdio.h>
#include <string.h>

#include "timefmt.h"

static const char *jsoncheck_message(enum jsoncheck_status st)
{
	switch (st) {
	case JSONCHECK_DEPTH: return "JSON nesting is deeper than 32 levels";
	case JSONCHECK_NUL:   return "must not contain a NUL character";
	case JSONCHECK_UTF8:  return "must be valid UTF-8";
	default:              return "body is not a single valid JSON document";
	}
}

struct json_object *json_parse_body(const char *text, size_t len, struct json_parse_error *err)
{
	struct jsoncheck_result check;
	struct json_tokener *tok;
	struct json_object *doc;

	if (jsoncheck(text, len, JSON_MAX_DEPTH, &check) != JSONCHECK_OK) {
		err->status = check.status == JSONCHECK_SYNTAX ? 400 : 422;
		snprintf(err->field, sizeof(err->field), "%s", check.field);
		snprintf(err->message, sizeof(err->message), "%s", jsoncheck_message(check.status));
		return NULL;
	}
	tok = json_tokener_new_ex(JSON_MAX_DEPTH + 1);
	if (!tok)
		goto fail;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	/* The terminating NUL goes in too, so a bare number at the end is complete. */
	doc = json_tokener_parse_ex(tok, text, (int)len + 1);
	/* A well-formed "null" also parses to NULL: it is a wrong value, not bad JSON. */
	if (!doc && json_tokener_get_error(tok) == json_tokener_success) {
		json_tokener_free(tok);
		err->status = 422;
		err->field[0] = '\0';
		snprintf(err->message, sizeof(err->message), "the body must not be null");
		return NULL;
	}
	json_tokener_free(tok);
	if (doc)
		return doc;
fail:
	err->status = 400;
	err->field[0] = '\0';
	snprintf(err->message, sizeof(err->message), "%s", jsoncheck_message(JSONCHECK_SYNTAX));
	return NULL;
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

void json_add_raw(struct json_object *obj, const char *key, const char *text)
{
	json_object_object_add(obj, key, text ? json_tokener_parse(text) : NULL);
}

const char *json_text(struct json_object *obj)
{
	return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
						   JSON_C_TO_STRING_NOSLASHESCAPE);
}
