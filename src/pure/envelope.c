/* envelope: a reader that walks the body once, holding only the current item's
 * header, so an envelope of many small items costs no more memory than one. */
#include "pure/envelope.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pure/jsoncheck.h"

#define HEADER_MAX_DEPTH 32

static int malformed(struct envelope *env, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int malformed(struct envelope *env, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(env->why, sizeof(env->why), fmt, ap);
	va_end(ap);
	return -1;
}

/* The length of the line starting at pos, without its newline. */
static size_t line_length(const struct envelope *env, size_t pos)
{
	const char *nl = memchr(env->body + pos, '\n', env->len - pos);

	return nl ? (size_t)(nl - (env->body + pos)) : env->len - pos;
}

/* Parses s[0..n) as one JSON object under jsoncheck's rules. Returns it (the
 * caller puts it) or NULL. */
static struct json_object *parse_object(const char *s, size_t n)
{
	struct jsoncheck_result check;
	struct json_tokener *tok;
	struct json_object *obj;

	if (jsoncheck(s, n, HEADER_MAX_DEPTH, &check) != JSONCHECK_OK)
		return NULL;
	tok = json_tokener_new_ex(HEADER_MAX_DEPTH + 1);
	if (!tok)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, s, (int)n);
	json_tokener_free(tok);
	if (obj && !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		obj = NULL;
	}
	return obj;
}

int envelope_init(struct envelope *env, const char *body, size_t len)
{
	size_t n;

	memset(env, 0, sizeof(*env));
	env->body = body;
	env->len = len;
	if (len > INT32_MAX)
		return malformed(env, "the envelope is too large");
	n = line_length(env, 0);
	env->header = parse_object(body, n);
	if (!env->header)
		return malformed(env, "the envelope header is not a JSON object");
	env->pos = n < len ? n + 1 : n;
	return 0;
}

/* Skips lines holding only blanks where an item header is expected. */
static void skip_blank_lines(struct envelope *env)
{
	while (env->pos < env->len) {
		size_t n = line_length(env, env->pos), i = 0;

		while (i < n && strchr(" \t\r", env->body[env->pos + i]))
			i++;
		if (i < n)
			return;
		env->pos += n < env->len - env->pos ? n + 1 : n;
	}
}

/* The item's "length": -2 when absent, -1 when not a non-negative integer. */
static int64_t item_length(struct json_object *header)
{
	struct json_object *v = NULL;
	int64_t n;

	if (!json_object_object_get_ex(header, "length", &v) || !v)
		return -2;
	if (!json_object_is_type(v, json_type_int))
		return -1;
	/* json-c saturates what does not fit; it then runs past any body. */
	n = json_object_get_int64(v);
	return n < 0 ? -1 : n;
}

/* The payload that follows an item header ending at pos: length bytes, or the
 * rest of the line without a length. Moves env->pos past it and its newline. */
static int read_payload(struct envelope *env, int64_t length, struct envelope_item *item)
{
	size_t left = env->len - env->pos;

	item->payload = env->body + env->pos;
	if (length == -2) {
		item->payload_len = line_length(env, env->pos);
	} else {
		if ((uint64_t)length > left)
			return malformed(env, "item %zu: length %lld runs past the end of the envelope",
					 env->nitems + 1, (long long)length);
		item->payload_len = (size_t)length;
		if (item->payload_len < left && item->payload[item->payload_len] != '\n')
			return malformed(env, "item %zu: no newline after its %lld bytes of payload",
					 env->nitems + 1, (long long)length);
	}
	env->pos += item->payload_len;
	if (env->pos < env->len)
		env->pos++;
	return 0;
}

int envelope_next(struct envelope *env, struct envelope_item *item)
{
	struct json_object *type = NULL;
	int64_t length;
	size_t n;

	memset(item, 0, sizeof(*item));
	json_object_put(env->item_header);
	env->item_header = NULL;
	skip_blank_lines(env);
	if (env->pos >= env->len)
		return 0;
	n = line_length(env, env->pos);
	env->item_header = parse_object(env->body + env->pos, n);
	if (!env->item_header)
		return malformed(env, "item %zu: the item header is not a JSON object", env->nitems + 1);
	if (!json_object_object_get_ex(env->item_header, "type", &type) ||
	    !json_object_is_type(type, json_type_string) || json_object_get_string_len(type) == 0)
		return malformed(env, "item %zu: the item header has no type", env->nitems + 1);
	length = item_length(env->item_header);
	if (length == -1)
		return malformed(env, "item %zu: length must be a non-negative integer", env->nitems + 1);
	env->pos += n < env->len - env->pos ? n + 1 : n;
	if (read_payload(env, length, item) != 0)
		return -1;
	item->type = json_object_get_string(type);
	item->header = env->item_header;
	env->nitems++;
	return 1;
}

void envelope_release(struct envelope *env)
{
	json_object_put(env->header);
	json_object_put(env->item_header);
	env->header = NULL;
	env->item_header = NULL;
}

int envelope_dsn_key(const struct envelope *env, char *out, size_t size)
{
	struct json_object *v = NULL;
	const char *dsn, *auth, *at;
	size_t auth_len, key_len;

	if (!env->header || !json_object_object_get_ex(env->header, "dsn", &v) ||
	    !json_object_is_type(v, json_type_string))
		return -1;
	dsn = json_object_get_string(v);
	auth = strstr(dsn, "://");
	if (!auth)
		return -1;
	auth += 3;
	auth_len = strcspn(auth, "/?#");
	at = memchr(auth, '@', auth_len);
	if (!at)
		return -1;
	key_len = strcspn(auth, ":@");
	if (key_len == 0 || key_len >= size)
		return -1;
	memcpy(out, auth, key_len);
	out[key_len] = '\0';
	return 0;
}
