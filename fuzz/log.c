/* Fuzz target: a /v1 log body into the masked row that is stored. Whatever
 * the input, every header with a sensitive name leaves masked, and each body
 * is kept to LOG_BODY_MAX bytes of valid UTF-8. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pure/jsoncheck.h"
#include "pure/log_input.h"
#include "pure/mask.h"
#include "pure/utf8.h"

static void check_headers(struct json_object *row, const char *key)
{
	struct json_object *headers;

	if (!json_object_object_get_ex(row, key, &headers) ||
	    !json_object_is_type(headers, json_type_object))
		return;
	json_object_object_foreach(headers, name, value) {
		if (mask_sensitive_name(name, strlen(name)) &&
		    strcmp(json_object_get_string(value), "***MASKED***") != 0)
			abort();
	}
}

static void check_body(struct json_object *row, const char *key)
{
	struct json_object *body;
	const char *text;
	size_t len;

	if (!json_object_object_get_ex(row, key, &body) || !body)
		return;
	text = json_object_get_string(body);
	len = (size_t)json_object_get_string_len(body);
	if (len > LOG_BODY_MAX || !utf8_valid(text, len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jsoncheck_result check;
	struct log_input in;
	struct error err;
	struct json_object *doc, *row;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (jsoncheck(text, size, 32, &check) == JSONCHECK_OK) {
		doc = json_tokener_parse(text);
		if (doc && log_input_parse(doc, &in, &err) == 0) {
			row = log_input_row(&in);
			if (!row)
				abort();
			check_headers(row, "request_headers");
			check_headers(row, "response_headers");
			check_body(row, "request_body");
			check_body(row, "response_body");
			json_object_put(row);
		}
		json_object_put(doc);
	}
	free(text);
	return 0;
}
