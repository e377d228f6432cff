/* sentry_event: the mapping of docs/api.md, one small reader per field. Every
 * reader tolerates any JSON type, because SDKs of all ages send all shapes. */
#include "pure/sentry_event.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pure/buf.h"
#include "pure/json.h"
#include "pure/jsonspan.h"
#include "pure/mask.h"
#include "pure/timefmt.h"
#include "pure/utf8.h"

static const struct {
	const char *name;
	enum level level;
} sentry_levels[] = {
	{ "fatal",    LEVEL_CRITICAL },
	{ "critical", LEVEL_CRITICAL },
	{ "error",    LEVEL_ERROR },
	{ "warning",  LEVEL_WARNING },
	{ "info",     LEVEL_INFO },
	{ "log",      LEVEL_INFO },
	{ "debug",    LEVEL_DEBUG },
};

/* The event fields copied into tags under their own names. */
static const char *const tag_fields[] = { "environment", "release", "platform", "server_name" };

enum level sentry_event_level(const char *name)
{
	for (size_t i = 0; name && i < sizeof(sentry_levels) / sizeof(sentry_levels[0]); i++)
		if (strcasecmp(name, sentry_levels[i].name) == 0)
			return sentry_levels[i].level;
	return LEVEL_ERROR;
}

/* obj[key] when it is a non-empty string (lent, length in *len), else NULL. */
static const char *string_field(struct json_object *obj, const char *key, size_t *len)
{
	struct json_object *v = NULL;

	if (!json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0)
		return NULL;
	if (len)
		*len = (size_t)json_object_get_string_len(v);
	return json_object_get_string(v);
}

/* The exception values: exception.values, or exception as a bare list. Lent. */
static struct json_object *exception_values(struct json_object *doc)
{
	struct json_object *exc = NULL, *values = NULL;

	if (!json_object_object_get_ex(doc, "exception", &exc))
		return NULL;
	if (json_object_is_type(exc, json_type_array))
		return exc;
	if (json_object_is_type(exc, json_type_object) &&
	    json_object_object_get_ex(exc, "values", &values) &&
	    json_object_is_type(values, json_type_array))
		return values;
	return NULL;
}

/* The text of a logentry-shaped object: formatted, else message. */
static const char *logentry_text(struct json_object *obj, size_t *len)
{
	const char *s = string_field(obj, "formatted", len);

	return s ? s : string_field(obj, "message", len);
}

/* The message an SDK wrote: logentry, then message (string or object). */
static const char *written_message(struct json_object *doc, size_t *len)
{
	struct json_object *logentry = NULL, *message = NULL;
	const char *s;

	if (json_object_object_get_ex(doc, "logentry", &logentry) &&
	    (s = logentry_text(logentry, len)) != NULL)
		return s;
	if ((s = string_field(doc, "message", len)) != NULL)
		return s;
	if (json_object_object_get_ex(doc, "message", &message))
		return logentry_text(message, len);
	return NULL;
}

/* "<type>: <value>" of the last exception value (or the one that is there).
 * Returns a new string (the caller frees it), or NULL with *no_memory set
 * when it ran out. */
static char *exception_message(struct json_object *doc, size_t *len, int *no_memory)
{
	struct json_object *values = exception_values(doc);
	size_t n = values ? json_object_array_length(values) : 0;
	struct json_object *last = n ? json_object_array_get_idx(values, n - 1) : NULL;
	size_t type_len = 0, value_len = 0;
	const char *type = string_field(last, "type", &type_len);
	const char *value = string_field(last, "value", &value_len);
	char *buf;

	if (!type && !value)
		return NULL;
	buf = malloc(type_len + value_len + 3);
	if (!buf) {
		*no_memory = 1;
		return NULL;
	}
	*len = 0;
	if (type) {
		memcpy(buf, type, type_len);
		*len = type_len;
	}
	if (type && value) {
		memcpy(buf + *len, ": ", 2);
		*len += 2;
	}
	if (value) {
		memcpy(buf + *len, value, value_len);
		*len += value_len;
	}
	buf[*len] = '\0';
	return buf;
}

static int map_message(struct sentry_event *ev, struct json_object *doc)
{
	int no_memory = 0;
	size_t len = 0;
	const char *s = written_message(doc, &len);

	if (!s) {
		ev->message_buf = exception_message(doc, &len, &no_memory);
		s = ev->message_buf;
	}
	if (no_memory)
		return -1;
	if (!s) {
		s = SENTRY_EVENT_UNLABELED;
		len = strlen(s);
	}
	ev->input.message = s;
	ev->input.message_len = utf8_cut(s, len, EVENT_MESSAGE_MAX);
	return 0;
}

/* timestamp: RFC 3339, or Unix seconds. Old clients send zone-less ISO 8601,
 * which Sentry reads as UTC; so does this. */
static int64_t map_time(struct json_object *doc, int64_t now_usec)
{
	struct json_object *v = NULL;
	int64_t usec;

	if (!json_object_object_get_ex(doc, "timestamp", &v))
		return now_usec;
	if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double))
		return timefmt_from_unix(json_object_get_double(v), &usec) == 0 ? usec : now_usec;
	if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);
		size_t n = (size_t)json_object_get_string_len(v);
		char utc[64];

		if (timefmt_parse(s, n, &usec) == 0)
			return usec;
		if (n + 2 <= sizeof(utc)) {
			memcpy(utc, s, n);
			utc[n] = 'Z';
			if (timefmt_parse(utc, n + 1, &usec) == 0)
				return usec;
		}
	}
	return now_usec;
}

/* stack: {"values": [the exception values that are objects]}, masked. The
 * values are shared with doc and masked in place, not copied: copying a deep
 * stack cost more than parsing it. */
static int map_stack(struct sentry_event *ev, struct json_object *doc,
		     const struct mask_fields *extra)
{
	struct json_object *values = exception_values(doc), *shared, *stack;
	size_t n = values ? json_object_array_length(values) : 0;

	if (n == 0)
		return 0;
	shared = json_object_new_array_ext((int)n);
	if (!shared)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(values, i);

		if (!json_object_is_type(v, json_type_object))
			continue;
		if (json_object_array_add(shared, json_object_get(v)) != 0) {
			json_object_put(v);
			json_object_put(shared);
			return -1;
		}
	}
	if (json_object_array_length(shared) == 0) {
		json_object_put(shared);
		return 0;
	}
	stack = json_object_new_object();
	if (!stack || json_object_object_add(stack, "values", shared) != 0) {
		json_object_put(shared);
		json_object_put(stack);
		return -1;
	}
	/* A frame's vars hold what the function held: its passwords and tokens
	 * too. Scrubbed as a request log's JSON is, before anything is stored. */
	if (mask_json(stack, extra) != 0) {
		json_object_put(stack);
		return -1;
	}
	ev->input.stack = stack;
	return 0;
}

/* Sets tags[key] to the text of a scalar value; other values and empty
 * keys or texts are left out. Returns -1 only on no memory. */
static int add_tag(struct json_object *tags, const char *key, struct json_object *value)
{
	struct json_object *text;

	if (!*key || !(json_object_is_type(value, json_type_string) ||
		       json_object_is_type(value, json_type_int) ||
		       json_object_is_type(value, json_type_double) ||
		       json_object_is_type(value, json_type_boolean)))
		return 0;
	/* For a number or a boolean this is its JSON text: 42, 1.5, true. */
	if (!*json_object_get_string(value))
		return 0;
	text = json_object_new_string(json_object_get_string(value));
	if (!text || json_object_object_add(tags, key, text) != 0) {
		json_object_put(text);
		return -1;
	}
	return 0;
}

/* tags as an object, or as a list of [key, value] pairs. */
static int add_written_tags(struct json_object *tags, struct json_object *doc)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(doc, "tags", &v))
		return 0;
	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, value) {
			if (add_tag(tags, key, value) != 0)
				return -1;
		}
		return 0;
	}
	if (!json_object_is_type(v, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		struct json_object *pair = json_object_array_get_idx(v, i), *key;

		/* json-c asserts on array calls made on other types. */
		if (!json_object_is_type(pair, json_type_array) || json_object_array_length(pair) != 2)
			continue;
		key = json_object_array_get_idx(pair, 0);
		if (!json_object_is_type(key, json_type_string))
			continue;
		if (add_tag(tags, json_object_get_string(key), json_object_array_get_idx(pair, 1)) != 0)
			return -1;
	}
	return 0;
}

/* The event's own fields win over tags of the same name. */
static int add_field_tags(struct json_object *tags, struct json_object *doc)
{
	struct json_object *v = NULL, *sdk = NULL;

	for (size_t i = 0; i < sizeof(tag_fields) / sizeof(tag_fields[0]); i++)
		if (json_object_object_get_ex(doc, tag_fields[i], &v) &&
		    json_object_is_type(v, json_type_string) &&
		    add_tag(tags, tag_fields[i], v) != 0)
			return -1;
	if (json_object_object_get_ex(doc, "sdk", &sdk) && json_object_is_type(sdk, json_type_object) &&
	    json_object_object_get_ex(sdk, "name", &v) && json_object_is_type(v, json_type_string) &&
	    add_tag(tags, "sdk.name", v) != 0)
		return -1;
	return 0;
}

static int map_tags(struct sentry_event *ev, struct json_object *doc)
{
	struct json_object *tags = json_object_new_object();

	if (!tags || add_written_tags(tags, doc) != 0 || add_field_tags(tags, doc) != 0) {
		json_object_put(tags);
		return -1;
	}
	if (json_object_object_length(tags) == 0)
		json_object_put(tags);
	else
		ev->input.tags = tags;
	return 0;
}

/* The members of an event kept as its context, shown with its issue. */
static const char *const context_fields[] = { "request", "contexts", "breadcrumbs", "user", "extra" };

/* request.member, a string, replaced by what mask (a mask_url or mask_body
 * of it) makes of it. Returns -1 only on no memory. */
static int mask_request_text(struct json_object *request, const char *member,
			     char *(*mask)(const char *, size_t, const struct mask_fields *),
			     const struct mask_fields *extra)
{
	struct json_object *v = NULL, *masked;
	char *text;

	if (!json_object_object_get_ex(request, member, &v) || !json_object_is_type(v, json_type_string))
		return 0;
	text = mask(json_object_get_string(v), (size_t)json_object_get_string_len(v), extra);
	masked = text ? json_object_new_string(text) : NULL;
	free(text);
	if (!masked || json_object_object_add(request, member, masked) != 0) {
		json_object_put(masked);
		return -1;
	}
	return 0;
}

static char *mask_body_text(const char *text, size_t len, const struct mask_fields *extra)
{
	return mask_body(text, len, NULL, extra);
}

/* A query string masked as a URL's: "?" + qs through mask_url, less the "?". */
static char *mask_query_text(const char *text, size_t len, const struct mask_fields *extra)
{
	char *url = malloc(len + 2), *masked;

	if (!url)
		return NULL;
	url[0] = '?';
	memcpy(url + 1, text, len);
	url[len + 1] = '\0';
	masked = mask_url(url, len + 1, extra);
	free(url);
	if (masked)
		memmove(masked, masked + 1, strlen(masked));
	return masked;
}

/* What mask_json leaves to do in a request: its cookies are credentials
 * whole; its URL, query string and body text are masked as a request log's;
 * headers sent as [name, value] pairs lose a sensitive name's value. */
static int mask_request(struct json_object *request, const struct mask_fields *extra)
{
	struct json_object *headers = NULL;

	if (!json_object_is_type(request, json_type_object))
		return 0;
	if (json_object_object_get_ex(request, "cookies", NULL) &&
	    json_object_object_add(request, "cookies", json_object_new_string(MASK_VALUE)) != 0)
		return -1;
	if (mask_request_text(request, "url", mask_url, extra) != 0 ||
	    mask_request_text(request, "query_string", mask_query_text, extra) != 0 ||
	    mask_request_text(request, "data", mask_body_text, extra) != 0)
		return -1;
	if (!json_object_object_get_ex(request, "headers", &headers) ||
	    !json_object_is_type(headers, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(headers); i++) {
		struct json_object *pair = json_object_array_get_idx(headers, i), *name;

		if (!json_object_is_type(pair, json_type_array) || json_object_array_length(pair) != 2)
			continue;
		name = json_object_array_get_idx(pair, 0);
		if (json_object_is_type(name, json_type_string) &&
		    mask_sensitive(extra, json_object_get_string(name), (size_t)json_object_get_string_len(name)) &&
		    json_object_array_put_idx(pair, 1, json_object_new_string(MASK_VALUE)) != 0)
			return -1;
	}
	return 0;
}

/* context: the context members the event has, shared with doc and masked
 * in place as the stack's values are. */
static int map_context(struct sentry_event *ev, struct json_object *doc,
		       const struct mask_fields *extra)
{
	struct json_object *context = json_object_new_object(), *v, *request = NULL;

	if (!context)
		return -1;
	for (size_t i = 0; i < sizeof(context_fields) / sizeof(context_fields[0]); i++) {
		if (!json_object_object_get_ex(doc, context_fields[i], &v) || !v)
			continue;
		if (json_object_object_add(context, context_fields[i], json_object_get(v)) != 0) {
			json_object_put(v);
			json_object_put(context);
			return -1;
		}
	}
	json_object_object_get_ex(context, "request", &request);
	if (mask_json(context, extra) != 0 || mask_request(request, extra) != 0) {
		json_object_put(context);
		return -1;
	}
	if (json_object_object_length(context) == 0)
		json_object_put(context);
	else
		ev->input.context = context;
	return 0;
}

/* environment, release and fingerprint, when usable; like every other
 * field, ignored otherwise. */
static void map_grouping(struct sentry_event *ev, struct json_object *doc)
{
	struct json_object *v = NULL;
	size_t len = 0;
	const char *s;

	if ((s = string_field(doc, "environment", &len)) != NULL &&
	    event_input_name_ok(s, len, EVENT_ENVIRONMENT_MAX))
		ev->input.environment = s;
	if ((s = string_field(doc, "release", &len)) != NULL &&
	    event_input_name_ok(s, len, EVENT_RELEASE_MAX))
		ev->input.release = s;
	if (json_object_object_get_ex(doc, "fingerprint", &v) && event_input_fingerprint_ok(v))
		ev->input.fingerprint = v;
}

/* --- the event's text ---------------------------------------------------------
 *
 * A large event is mostly its exception's frames and its breadcrumbs, which
 * are stored as they came, masked. Building a tree of them cost the worker
 * three quarters of an event's work, so the tree is made of a light copy of
 * the text: the members the readers above read, the exception values cut to
 * what the message and the fingerprint read, no breadcrumbs. The stack and the
 * breadcrumbs are masked in the text and written out from there.
 *
 * The exception values' light copy is a tree built as the text is read, not
 * text for json-c to read again: their frames were most of the copy, and
 * reading it back cost more than making its objects. */

/* What light_text finds in the event's text besides the light copy. */
struct light_finds {
	int has_exception;              /* the event has an exception member */
	struct json_object *exception;  /* its light tree: a list of values, or NULL */
	struct jsonspan values;         /* the (last) exception's values; empty: none */
	char *values_masked;            /* their text, masked */
	size_t values_masked_len;
	char *breadcrumbs;              /* the (last) breadcrumbs, masked; NULL: none */
	size_t breadcrumbs_len;
};

/* A light copy being made of the event's text s[0..n): the members other
 * than the exception as text in b, the exception as a tree in finds. */
struct light_copy {
	struct buf b;
	const char *s;
	size_t n;
	const struct mask_fields *extra;
	struct light_finds finds;
	struct json_tokener *tok;       /* for the values light_value reads with json-c */
	struct buf value;               /* such a value, NUL-terminated */
	int no_memory;
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Which of names key is, or count when none. */
static size_t name_index(const char *s, const struct jsonspan *key, const char *const *names, size_t count)
{
	size_t i = 0;

	while (i < count && !jsonspan_key_is(s, key, names[i]))
		i++;
	return i;
}

/* Past the value at s[at], masked on the way when m is given (NULL within
 * a value masked whole, and outside the exception values). */
static size_t pass_value(struct light_copy *c, size_t at, struct text_masking *m)
{
	return m ? mask_walk_value(m, at) : jsonspan_value_end(c->s, c->n, at);
}

/* The value s[at..end) as json-c reads it, NULL for null. A string with
 * no escape is its text, as most are; anything else is read by json-c. */
static struct json_object *light_value(struct light_copy *c, size_t at, size_t end)
{
	const char *s = c->s + at;
	size_t n = end - at;
	struct json_object *v = NULL;

	if (n == 4 && memcmp(s, "null", 4) == 0)
		return NULL;
	if (n >= 2 && s[0] == '"' && !memchr(s + 1, '\\', n - 2)) {
		v = json_object_new_string_len(s + 1, (int)(n - 2));
	} else if (n == 4 && memcmp(s, "true", 4) == 0) {
		v = json_object_new_boolean(1);
	} else {
		/* Read from a copy, whose terminating NUL ends a bare number,
		 * with one tokener for all. */
		if (!c->tok && (c->tok = json_tokener_new_ex(JSON_MAX_DEPTH + 1)) != NULL)
			json_tokener_set_flags(c->tok, 0);     /* checked already, as in json.c */
		c->value.len = 0;
		buf_put(&c->value, s, n);
		if (c->tok && !c->value.failed) {
			json_tokener_reset(c->tok);
			v = json_tokener_parse_ex(c->tok, c->value.data, (int)n + 1);
		}
	}
	c->no_memory |= !v;
	return v;
}

/* The readers of the exception values read the value at s[at] once, going
 * into what they keep and past the rest, masking the text on the way with m;
 * they set *out to the value's light tree and return where it ends. */
typedef size_t (*light_reader)(struct light_copy *c, size_t at, struct text_masking *m,
			       struct json_object **out);

/* A member kept, and how its value is read. */
struct light_member {
	const char *name;
	light_reader read;
};

static void add_member(struct light_copy *c, struct json_object *obj, const char *name, struct json_object *v)
{
	if (!obj || json_object_object_add(obj, name, v) != 0) {
		json_object_put(v);
		c->no_memory = 1;
	}
}

/* The value at s[at] as it is. */
static size_t read_value(struct light_copy *c, size_t at, struct text_masking *m, struct json_object **out)
{
	size_t end = pass_value(c, at, m);

	*out = light_value(c, at, end);
	return end;
}

/* The object at s[at] with only the members named, each read by its
 * reader; null for any other value. A sensitive member's value is masked
 * whole, so a reader goes into it without masking. */
static size_t read_light_object(struct light_copy *c, size_t at, struct text_masking *m,
				const struct light_member *members, size_t count, struct json_object **out)
{
	struct jsonspan key;
	struct json_object *obj;

	*out = NULL;
	if (c->s[at] != '{')
		return pass_value(c, at, m);
	obj = *out = json_object_new_object();
	c->no_memory |= !obj;
	while (jsonspan_member_at(c->s, c->n, &at, &key)) {
		const struct light_member *kept = NULL;
		struct text_masking *within = m;
		struct json_object *v;
		size_t end;

		for (size_t i = 0; !kept && i < count; i++)
			if (jsonspan_key_is(c->s, &key, members[i].name))
				kept = &members[i];
		if (m && mask_walk_key(m, &key, at, &end)) {
			within = NULL;
			if (!kept) {
				at = end;
				continue;
			}
		}
		if (!kept) {
			at = pass_value(c, at, within);
			continue;
		}
		at = kept->read(c, at, within, &v);
		add_member(c, obj, kept->name, v);
	}
	return jsonspan_close(c->s, c->n, at);
}

/* The array at s[at], each element read by read, as many and in order;
 * null for any other value. */
static size_t read_light_list(struct light_copy *c, size_t at, struct text_masking *m, light_reader read,
			      struct json_object **out)
{
	struct json_object *list;

	*out = NULL;
	if (c->s[at] != '[')
		return pass_value(c, at, m);
	list = *out = json_object_new_array();
	c->no_memory |= !list;
	while (jsonspan_element_at(c->s, c->n, &at)) {
		struct json_object *v;

		at = read(c, at, m, &v);
		if (!list || json_object_array_add(list, v) != 0) {
			json_object_put(v);
			c->no_memory = 1;
		}
	}
	return jsonspan_close(c->s, c->n, at);
}

/* What the message, the fingerprint, the title and the culprit read of an
 * exception value (pure/fingerprint.c): its type and value, and of each of
 * its frames (its own, or its stacktrace's) the function, the place (the
 * first of module, filename and file that is a string with text) and
 * whether it is in-app (in_app true). */
enum frame_member { FRAME_FUNCTION, FRAME_MODULE, FRAME_FILENAME, FRAME_FILE, FRAME_IN_APP, FRAME__MAX };

static const char *const frame_names[FRAME__MAX] = { "function", "module", "filename", "file", "in_app" };

/* 1 when the value s[v] is a string with text: masking keeps it one. */
static int has_text(const char *s, const struct jsonspan *v)
{
	return v->end - v->at > 2 && s[v->at] == '"';
}

/* The member of a frame to keep, from the value last seen of each name
 * (the one a tree keeps): none of a place after one with text, and in_app
 * only when true, which is all the readers tell apart. */
static int frame_member_read(const char *s, const struct jsonspan *seen, enum frame_member f)
{
	switch (f) {
	case FRAME_FILENAME:
		return !has_text(s, &seen[FRAME_MODULE]);
	case FRAME_FILE:
		return !has_text(s, &seen[FRAME_MODULE]) && !has_text(s, &seen[FRAME_FILENAME]);
	case FRAME_IN_APP:
		return seen[FRAME_IN_APP].end - seen[FRAME_IN_APP].at == 4 &&
		       memcmp(s + seen[FRAME_IN_APP].at, "true", 4) == 0;
	default:
		return 1;
	}
}

/* A frame at s[at]: read through (and masked on the way), then kept with
 * the members above that its readers read. Most frames name a module and a
 * file both, and a tree of members never read cost a quarter of the copy. */
static size_t read_light_frame(struct light_copy *c, size_t at, struct text_masking *m,
			       struct json_object **out)
{
	struct jsonspan key, seen[FRAME__MAX] = { { 0, 0 } };

	*out = NULL;
	if (c->s[at] != '{')
		return pass_value(c, at, m);
	while (jsonspan_member_at(c->s, c->n, &at, &key)) {
		size_t end, f = name_index(c->s, &key, frame_names, FRAME__MAX);

		/* A sensitive member's value is masked whole, and ends there. */
		if (!m || !mask_walk_key(m, &key, at, &end))
			end = pass_value(c, at, m);
		if (f < FRAME__MAX)
			seen[f] = (struct jsonspan){ at, end };
		at = end;
	}
	*out = json_object_new_object();
	c->no_memory |= !*out;
	for (enum frame_member f = 0; f < FRAME__MAX; f++)
		if (seen[f].end != 0 && frame_member_read(c->s, seen, f))
			add_member(c, *out, frame_names[f], light_value(c, seen[f].at, seen[f].end));
	return jsonspan_close(c->s, c->n, at);
}

static size_t read_light_frames(struct light_copy *c, size_t at, struct text_masking *m,
				struct json_object **out)
{
	return read_light_list(c, at, m, read_light_frame, out);
}

static const struct light_member trace_members[] = { { "frames", read_light_frames } };

static size_t read_light_trace(struct light_copy *c, size_t at, struct text_masking *m,
			       struct json_object **out)
{
	return read_light_object(c, at, m, trace_members, COUNT_OF(trace_members), out);
}

static const struct light_member value_members[] = {
	{ "type", read_value }, { "value", read_value }, { "frames", read_light_frames },
	{ "stacktrace", read_light_trace },
};

static size_t read_light_value(struct light_copy *c, size_t at, struct text_masking *m,
			       struct json_object **out)
{
	return read_light_object(c, at, m, value_members, COUNT_OF(value_members), out);
}

/* Forgets the exception values found so far: a later exception or
 * "values" member takes their place, as in a tree. */
static void forget_values(struct light_finds *f)
{
	json_object_put(f->exception);
	f->exception = NULL;
	free(f->values_masked);
	f->values_masked = NULL;
	f->values.at = f->values.end = 0;
}

/* The exception values at s[at], an array, as a list of light values, and
 * their text masked as the list is read: the stack's text is read once for
 * both. */
static size_t read_light_values(struct light_copy *c, size_t at)
{
	struct light_finds *f = &c->finds;
	struct text_masking *m = mask_walk_begin(c->s, c->n, at, c->extra);

	c->no_memory |= !m;
	f->values.at = at;
	f->values.end = read_light_list(c, at, m, read_light_value, &f->exception);
	f->values_masked = m ? mask_walk_end(m, f->values.end, &f->values_masked_len) : NULL;
	c->no_memory |= !f->values_masked;
	return f->values.end;
}

/* The exception at s[at]: exception.values (the last of either name wins,
 * as in a tree), or exception as a bare list, as a list of light values;
 * else null, and no values found. */
static size_t read_light_exception(struct light_copy *c, size_t at)
{
	struct light_finds *f = &c->finds;
	struct jsonspan key;

	forget_values(f);
	f->has_exception = 1;
	if (c->s[at] == '[')
		return read_light_values(c, at);
	if (c->s[at] != '{')
		return jsonspan_value_end(c->s, c->n, at);
	/* The last "values" is the one kept: each is read as it comes, in
	 * place of any before it, so that the list is read once. */
	while (jsonspan_member_at(c->s, c->n, &at, &key)) {
		if (!jsonspan_key_is(c->s, &key, "values")) {
			at = jsonspan_value_end(c->s, c->n, at);
			continue;
		}
		forget_values(f);
		if (c->s[at] == '[')
			at = read_light_values(c, at);
		else
			at = jsonspan_value_end(c->s, c->n, at);
	}
	return jsonspan_close(c->s, c->n, at);
}

/* The top-level members the readers above read, besides the exception,
 * copied as text. */
static const char *const read_names[] = {
	"event_id", "level", "timestamp", "logentry", "message", "tags", "environment", "release",
	"platform", "server_name", "sdk", "request", "contexts", "user", "extra", "fingerprint",
};

/* The (last) breadcrumbs, at s[at]: masked as they are passed over, not
 * passed over and then read again to mask them. Returns where they end. */
static size_t mask_breadcrumbs(struct light_copy *c, size_t at)
{
	struct light_finds *f = &c->finds;
	size_t end;

	free(f->breadcrumbs);
	f->breadcrumbs = mask_json_value(c->s, c->n, at, &end, &f->breadcrumbs_len, c->extra);
	c->no_memory |= !f->breadcrumbs;
	return end;
}

static void light_finds_free(struct light_finds *f)
{
	forget_values(f);
	free(f->breadcrumbs);
	memset(f, 0, sizeof(*f));
}

/* The light copy of the event text s[0..n), which must be an object, and
 * what *finds holds (the caller frees it with light_finds_free); NULL on no
 * memory. */
static char *light_text(const char *s, size_t n, struct light_finds *finds,
			const struct mask_fields *extra)
{
	struct light_copy c = { .s = s, .n = n, .extra = extra };
	struct jsonspan key;
	size_t at = jsonspan_blanks(s, n, 0);
	int first = 1;

	buf_puts(&c.b, "{");
	while (jsonspan_member_at(s, n, &at, &key)) {
		size_t end;

		if (jsonspan_key_is(s, &key, "exception")) {
			at = read_light_exception(&c, at);
		} else if (jsonspan_key_is(s, &key, "breadcrumbs")) {
			at = mask_breadcrumbs(&c, at);
		} else if (name_index(s, &key, read_names, COUNT_OF(read_names)) < COUNT_OF(read_names)) {
			end = jsonspan_value_end(s, n, at);
			buf_puts(&c.b, first ? "\"" : ",\"");
			buf_put(&c.b, s + key.at, key.end - key.at);
			buf_puts(&c.b, "\":");
			buf_put(&c.b, s + at, end - at);
			first = 0;
			at = end;
		} else {
			at = jsonspan_value_end(s, n, at);
		}
	}
	buf_puts(&c.b, "}");
	if (c.tok)
		json_tokener_free(c.tok);
	free(c.value.data);
	*finds = c.finds;
	if (c.no_memory) {
		free(buf_finish(&c.b, NULL));
		light_finds_free(finds);
		return NULL;
	}
	return buf_finish(&c.b, NULL);
}

/* {"values":[...]}: the exception values (values, an array's span) that
 * are objects, masked in the text; NULL in *out when there are none. Returns
 * 0, or -1 on no memory. */
static int stack_text(const char *s, size_t n, const struct jsonspan *values,
		      const struct mask_fields *extra, char **out, size_t *out_len)
{
	struct buf b = { 0 };
	size_t at = values->at, count = 0;

	*out = NULL;
	if (values->at == values->end)
		return 0;
	buf_puts(&b, "{\"values\":[");
	while (jsonspan_element_at(s, n, &at)) {
		size_t len;
		char *masked;

		if (s[at] != '{') {
			at = jsonspan_value_end(s, n, at);
			continue;
		}
		if (!(masked = mask_json_value(s, n, at, &at, &len, extra))) {
			free(buf_finish(&b, NULL));
			return -1;
		}
		buf_puts(&b, count++ ? "," : "");
		buf_put(&b, masked, len);
		free(masked);
	}
	buf_puts(&b, "]}");
	*out = buf_finish(&b, out_len);
	if (!*out)
		return -1;
	if (count == 0) {
		free(*out);
		*out = NULL;
	}
	return 0;
}

/* stack_text when every exception value is an object, as SDKs send them:
 * the whole list, as it was written, masked as the light copy read it. */
static int whole_stack_text(const struct light_finds *finds, char **out, size_t *out_len)
{
	struct buf b = { 0 };

	buf_puts(&b, "{\"values\":");
	buf_put(&b, finds->values_masked, finds->values_masked_len);
	buf_puts(&b, "}");
	*out = buf_finish(&b, out_len);
	return *out ? 0 : -1;
}

/* The event's stack as text, from the exception values found: none when
 * the tree's stack holds none, the whole list when the tree kept every
 * value, else the values that are objects. */
static int map_stack_text(struct sentry_event *ev, struct json_object *doc, const char *s, size_t n,
			  const struct light_finds *finds, const struct mask_fields *extra)
{
	struct json_object *kept = NULL, *all = exception_values(doc);

	if (!ev->input.stack)
		return 0;
	json_object_object_get_ex(ev->input.stack, "values", &kept);
	if (kept && all && json_object_array_length(kept) == json_object_array_length(all))
		return whole_stack_text(finds, &ev->stack_buf, &ev->input.stack_text_len);
	return stack_text(s, n, &finds->values, extra, &ev->stack_buf, &ev->input.stack_text_len);
}

/* The context as text: the tree's members (masked already) and the
 * breadcrumbs, masked in the text already. Returns 0, or -1 on no memory. */
static int context_text(struct sentry_event *ev, const struct light_finds *finds)
{
	const char *members = ev->input.context ? json_text(ev->input.context) : "{}";
	size_t members_len = strlen(members);
	struct buf b = { 0 };

	if (!finds->breadcrumbs || finds->breadcrumbs_len == 0 ||
	    (finds->breadcrumbs_len == 4 && memcmp(finds->breadcrumbs, "null", 4) == 0))
		return 0;       /* a null member is left out, as the tree's readers do */
	buf_put(&b, members, members_len - 1);
	buf_puts(&b, members_len > 2 ? ",\"breadcrumbs\":" : "\"breadcrumbs\":");
	buf_put(&b, finds->breadcrumbs, finds->breadcrumbs_len);
	buf_puts(&b, "}");
	ev->context_buf = buf_finish(&b, &ev->input.context_text_len);
	ev->input.context_text = ev->context_buf;
	return ev->context_buf ? 0 : -1;
}

int sentry_event_parse(struct sentry_event *ev, const char *text, size_t len, int64_t now_usec)
{
	return sentry_event_parse_masked(ev, text, len, now_usec, NULL);
}

/* The event from doc, the tree of its light copy, and from its text. */
static int map_event(struct sentry_event *ev, struct json_object *doc, const char *text, size_t len,
		     const struct light_finds *finds, int64_t now_usec, const struct mask_fields *extra)
{
	const char *id = string_field(doc, "event_id", NULL);

	if (!id || event_input_parse_id(id, ev->input.event_id) != 0)
		ev->input.event_id[0] = '\0';
	ev->input.level = sentry_event_level(string_field(doc, "level", NULL));
	ev->input.occurred_at = map_time(doc, now_usec);
	if (map_message(ev, doc) != 0 || map_stack(ev, doc, extra) != 0 || map_tags(ev, doc) != 0 ||
	    map_context(ev, doc, extra) != 0 ||
	    map_stack_text(ev, doc, text, len, finds, extra) != 0 ||
	    context_text(ev, finds) != 0)
		return -1;
	ev->input.stack_text = ev->stack_buf;
	map_grouping(ev, doc);
	return 0;
}

/* The exception's light tree, when the event has one, into doc, where the
 * readers above look for it. Returns 0, or -1 on no memory. */
static int attach_exception(struct json_object *doc, struct light_finds *finds)
{
	if (!finds->has_exception)
		return 0;
	if (json_object_object_add(doc, "exception", finds->exception) != 0)
		return -1;
	finds->exception = NULL;        /* doc's now */
	return 0;
}

int sentry_event_parse_masked(struct sentry_event *ev, const char *text, size_t len, int64_t now_usec,
			      const struct mask_fields *extra)
{
	struct light_finds finds;
	struct error err;
	struct json_object *doc;
	char *light;
	size_t start;
	int rc = -1;

	memset(ev, 0, sizeof(*ev));
	if (!text || (start = jsonspan_blanks(text, len, 0)) >= len || text[start] != '{')
		return -1;
	if (!(light = light_text(text, len, &finds, extra)))
		return -1;
	doc = ev->doc = json_parse_checked(light, strlen(light), &err);
	free(light);
	if (json_object_is_type(doc, json_type_object) && attach_exception(doc, &finds) == 0)
		rc = map_event(ev, doc, text, len, &finds, now_usec, extra);
	light_finds_free(&finds);
	return rc;
}

void sentry_event_release(struct sentry_event *ev)
{
	json_object_put(ev->input.stack);
	json_object_put(ev->input.tags);
	json_object_put(ev->input.context);
	json_object_put(ev->doc);
	free(ev->message_buf);
	free(ev->stack_buf);
	free(ev->context_buf);
	memset(ev, 0, sizeof(*ev));
}
