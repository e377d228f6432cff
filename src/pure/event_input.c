/* event_input: the rules of docs/api.md for an ingested event. */
#include "pure/event_input.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/printbuf.h>

#include "pure/fingerprint.h"
#include "pure/hex.h"
#include "pure/json.h"
#include "pure/timefmt.h"
#include "pure/utf8.h"

const char *const level_names[LEVEL__MAX] = { "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL" };

enum level level_parse(const char *s)
{
	for (int i = 0; i < LEVEL__MAX; i++)
		if (strcasecmp(s, level_names[i]) == 0)
			return (enum level)i;
	return LEVEL__MAX;
}

static int fail(struct error *err, const char *field, const char *message)
{
	return error_invalid(err, field, message);
}

int event_input_parse_id(const char *s, char out[33])
{
	static const int dashes[] = { 8, 13, 18, 23 };
	size_t len = strlen(s), n = 0;

	if (len != 32 && len != 36)
		return -1;
	for (size_t i = 0, d = 0; i < len; i++) {
		if (len == 36 && d < 4 && (int)i == dashes[d]) {
			if (s[i] != '-')
				return -1;
			d++;
			continue;
		}
		if (!isxdigit((unsigned char)s[i]))
			return -1;
		out[n++] = (char)tolower((unsigned char)s[i]);
	}
	out[n] = '\0';
	return 0;
}

/* occurred_at: an RFC 3339 string, a bare date, or Unix seconds. */
static int parse_time_value(struct json_object *v, int64_t *out)
{
	switch (json_object_get_type(v)) {
	case json_type_string:
		return timefmt_parse(json_object_get_string(v),
				     (size_t)json_object_get_string_len(v), out);
	case json_type_int:
	case json_type_double:
		return timefmt_from_unix(json_object_get_double(v), out);
	default:
		return -1;
	}
}

/* stack and tags: an object, or null / absent (NULL). Returns 0 or -1. */
static int parse_optional_object(struct json_object *doc, const char *key,
				 struct json_object **out)
{
	struct json_object *v = NULL;

	*out = NULL;
	if (!json_object_object_get_ex(doc, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_object))
		return -1;
	*out = v;
	return 0;
}

int event_input_name_ok(const char *s, size_t len, size_t max)
{
	if (len == 0 || utf8_count(s, len) > max)
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

int event_input_fingerprint_ok(struct json_object *v)
{
	size_t n;

	if (!json_object_is_type(v, json_type_array))
		return 0;
	n = json_object_array_length(v);
	if (n == 0 || n > EVENT_FINGERPRINT_PARTS_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *part = json_object_array_get_idx(v, i);
		size_t len;

		if (!json_object_is_type(part, json_type_string))
			return 0;
		len = (size_t)json_object_get_string_len(part);
		if (len == 0 || len > EVENT_FINGERPRINT_PART_MAX)
			return 0;
	}
	return 1;
}

/* environment and release: a name, or null / absent (NULL). Returns 0 or -1. */
static int parse_optional_name(struct json_object *doc, const char *key, size_t max,
			       const char **out)
{
	struct json_object *v = NULL;

	*out = NULL;
	if (!json_object_object_get_ex(doc, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_string) ||
	    !event_input_name_ok(json_object_get_string(v), (size_t)json_object_get_string_len(v), max))
		return -1;
	*out = json_object_get_string(v);
	return 0;
}

static int parse_event_id(struct json_object *doc, char out[33])
{
	struct json_object *v = NULL;

	out[0] = '\0';
	if (!json_object_object_get_ex(doc, "event_id", &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	return event_input_parse_id(json_object_get_string(v), out);
}

int event_input_parse(struct json_object *doc, struct event_input *ev, struct error *err)
{
	struct json_object *v = NULL;

	memset(ev, 0, sizeof(*ev));
	if (!json_object_is_type(doc, json_type_object))
		return fail(err, "", "an event must be a JSON object");
	if (parse_event_id(doc, ev->event_id) != 0)
		return fail(err, "event_id", "must be 32 hex digits or a UUID");
	if (!json_object_object_get_ex(doc, "occurred_at", &v) || !v)
		return fail(err, "occurred_at", "is required");
	if (parse_time_value(v, &ev->occurred_at) != 0)
		return fail(err, "occurred_at",
			    "must be an RFC 3339 timestamp, a date, or Unix seconds (years 1-9999)");
	if (!json_object_object_get_ex(doc, "level", &v) || !v ||
	    !json_object_is_type(v, json_type_string) ||
	    (ev->level = level_parse(json_object_get_string(v))) == LEVEL__MAX)
		return fail(err, "level", "must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL");
	if (!json_object_object_get_ex(doc, "message", &v) || !v ||
	    !json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0)
		return fail(err, "message", "must be a non-empty string");
	ev->message = json_object_get_string(v);
	ev->message_len = utf8_cut(ev->message, (size_t)json_object_get_string_len(v),
				   EVENT_MESSAGE_MAX);
	if (parse_optional_object(doc, "stack", &ev->stack) != 0)
		return fail(err, "stack", "must be a JSON object or null");
	if (parse_optional_object(doc, "tags", &ev->tags) != 0)
		return fail(err, "tags", "must be a JSON object or null");
	if (parse_optional_name(doc, "environment", EVENT_ENVIRONMENT_MAX, &ev->environment) != 0)
		return fail(err, "environment", "must be 1 to 64 characters without control characters, or null");
	if (parse_optional_name(doc, "release", EVENT_RELEASE_MAX, &ev->release) != 0)
		return fail(err, "release", "must be 1 to 200 characters without control characters, or null");
	if (json_object_object_get_ex(doc, "fingerprint", &v) && v) {
		if (!event_input_fingerprint_ok(v))
			return fail(err, "fingerprint", "must be an array of 1 to 32 strings of 1 to 512 bytes, or null");
		ev->fingerprint = v;
	}
	return 0;
}

/* The groups of a set of rows: a hash table from fingerprint and release to
 * the group's number, open addressing, kept at most half full. It starts
 * small: most ingests are of one event. */
#define GROUP_SLOTS_FIRST 16

struct event_group {
	char hex[KEYS_SHA256_HEX_LEN + 1];  /* "" for an empty slot */
	char *release;                       /* NULL: none */
	int number;
};

struct event_groups {
	struct event_group *slots;
	size_t cap;
	int count;
};

int event_rows_init(struct event_rows *rows)
{
	/* Every part is made whatever the others do: event_rows_free frees each. */
	int stacks = pg_json_array_init(&rows->stacks);
	int contexts = pg_json_array_init(&rows->contexts);

	rows->count = 0;
	rows->with_event_id = 0;
	rows->groups = calloc(1, sizeof(*rows->groups));
	rows->text = printbuf_new();
	if (stacks != 0 || contexts != 0 || !rows->groups || !rows->text)
		return -1;
	return printbuf_memappend(rows->text, "[", 1) >= 0 ? 0 : -1;
}

static int same_release(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* The slot of hex and release among slots[0..cap): theirs, or the empty
 * one where they go. The fingerprint is a digest: its first hex digits are
 * hash enough. */
static struct event_group *group_slot(struct event_group *slots, size_t cap, const char *hex,
				      const char *release)
{
	size_t i = 0;

	for (int k = 0; k < 8; k++)
		i = i * 16 + (size_t)hex_digit_value(hex[k]);
	for (;; i++) {
		struct event_group *slot = &slots[i & (cap - 1)];

		if (slot->hex[0] == '\0' ||
		    (strcmp(slot->hex, hex) == 0 && same_release(slot->release, release)))
			return slot;
	}
}

/* Makes room for one more group: twice the slots when half are taken.
 * Returns 0, or -1 when out of memory. */
static int groups_grow(struct event_groups *g)
{
	size_t cap = g->cap ? g->cap * 2 : GROUP_SLOTS_FIRST;
	struct event_group *slots;

	if ((size_t)(g->count + 1) * 2 <= g->cap)
		return 0;
	if (!(slots = calloc(cap, sizeof(*slots))))
		return -1;
	for (size_t i = 0; i < g->cap; i++)
		if (g->slots[i].hex[0])
			*group_slot(slots, cap, g->slots[i].hex, g->slots[i].release) = g->slots[i];
	free(g->slots);
	g->slots = slots;
	g->cap = cap;
	return 0;
}

/* The number of the group of fingerprint hex and release, and 1 in *is_new
 * when it is a new one; -1 when out of memory. */
static int group_of(struct event_groups *g, const char *hex, const char *release, int *is_new)
{
	struct event_group *slot;

	if (groups_grow(g) != 0)
		return -1;
	slot = group_slot(g->slots, g->cap, hex, release);
	*is_new = slot->hex[0] == '\0';
	if (*is_new) {
		if (release && !(slot->release = strdup(release)))
			return -1;
		memcpy(slot->hex, hex, sizeof(slot->hex));
		slot->number = g->count++;
	}
	return slot->number;
}

static void groups_free(struct event_groups *g)
{
	for (size_t i = 0; g && i < g->cap; i++)
		free(g->slots[i].release);
	if (g)
		free(g->slots);
	free(g);
}

static int append(struct event_rows *rows, const char *s, size_t len)
{
	return printbuf_memappend(rows->text, s, (int)len) < 0 ? -1 : 0;
}

static int append_str(struct event_rows *rows, const char *s)
{
	return append(rows, s, strlen(s));
}

/* The escape of c, a quote, a backslash or a control character. */
static int append_escape(struct event_rows *rows, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	const char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

	if (c == '"' || c == '\\')
		return append(rows, (const char[]){ '\\', (char)c }, 2);
	return append(rows, esc, sizeof(esc));
}

/* s as a JSON string: in quotes, with escapes for quotes, backslashes and
 * control characters; the rest (valid UTF-8) as it is. */
static int append_json_string(struct event_rows *rows, const char *s, size_t len)
{
	size_t done = 0;
	int rc = append(rows, "\"", 1);

	for (size_t i = 0; i < len && rc == 0; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		rc = append(rows, s + done, i - done);
		if (rc == 0)
			rc = append_escape(rows, c);
		done = i + 1;
	}
	if (rc == 0)
		rc = append(rows, s + done, len - done);
	return rc == 0 ? append(rows, "\"", 1) : -1;
}

/* A row's value in its json[] column: raw[0..raw_len) as it is when set,
 * else obj's text, else NULL. Returns 0, or -1 when out of memory. */
static int add_value(struct pg_json_array *column, struct json_object *obj, const char *raw,
		     size_t raw_len)
{
	const char *text = raw;

	if (!raw && obj) {
		if (!(text = json_text(obj)))
			return -1;
		raw_len = strlen(text);
	}
	pg_json_array_add(column, text, raw_len);
	return column->data.failed ? -1 : 0;
}

/* ,"key": and obj's JSON text, when there is one. */
static int append_object(struct event_rows *rows, const char *key, struct json_object *obj)
{
	const char *text;

	if (!obj)
		return 0;
	text = json_text(obj);
	if (!text || append_str(rows, key) != 0)
		return -1;
	return append_str(rows, text);
}

/* v in decimal (snprintf costs a thousand instructions a number). */
static int append_int(struct event_rows *rows, int64_t v)
{
	char digits[24], *p = digits + sizeof(digits);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	return append(rows, p, (size_t)(digits + sizeof(digits) - p));
}

/* ,"key":"value" when there is a value. */
static int append_text(struct event_rows *rows, const char *key, const char *s)
{
	if (!s)
		return 0;
	return append_str(rows, key) == 0 ? append_json_string(rows, s, strlen(s)) : -1;
}

/* The parts of the row: ,"g":N, and for a group's first event
 * ,"fp":...,"title":...,"culprit":... */
static int append_fingerprint(struct event_rows *rows, const struct event_input *ev)
{
	struct fingerprint fp;
	int is_new = 0, group, rc;

	if (fingerprint_of(ev->stack, ev->message, ev->message_len, ev->fingerprint, &fp) != 0)
		return -1;
	group = group_of(rows->groups, fp.hex, ev->release, &is_new);
	rc = group >= 0 && append_str(rows, ",\"g\":") == 0 && append_int(rows, group) == 0 ? 0 : -1;
	if (rc == 0 && is_new)
		rc = append_text(rows, ",\"fp\":", fp.hex) == 0 &&
			append_text(rows, ",\"title\":", fp.title) == 0 &&
			append_text(rows, ",\"culprit\":", fp.culprit) == 0 ? 0 : -1;
	fingerprint_release(&fp);
	return rc;
}

int event_rows_add(struct event_rows *rows, const struct event_input *ev)
{
	if (rows->text->buf[rows->text->bpos - 1] == ']')
		rows->text->buf[--rows->text->bpos] = '\0';    /* reopened after event_rows_text */
	if (append_str(rows, rows->count ? ",{\"i\":" : "{\"i\":") != 0 ||
	    append_int(rows, rows->count) != 0)
		return -1;
	if (ev->event_id[0] && (append_str(rows, ",\"event_id\":\"") != 0 ||
				append_str(rows, ev->event_id) != 0 || append_str(rows, "\"") != 0))
		return -1;
	if (append_str(rows, ",\"occurred_us\":") != 0 || append_int(rows, ev->occurred_at) != 0 ||
	    append_str(rows, ",\"level\":\"") != 0 || append_str(rows, level_names[ev->level]) != 0 ||
	    append_str(rows, "\",\"message\":") != 0 ||
	    append_json_string(rows, ev->message, ev->message_len) != 0 ||
	    append_object(rows, ",\"tags\":", ev->tags) != 0 ||
	    append_text(rows, ",\"environment\":", ev->environment) != 0 ||
	    append_text(rows, ",\"release\":", ev->release) != 0 ||
	    append_fingerprint(rows, ev) != 0 || append_str(rows, "}") != 0 ||
	    add_value(&rows->stacks, ev->stack, ev->stack_text, ev->stack_text_len) != 0 ||
	    add_value(&rows->contexts, ev->context, ev->context_text, ev->context_text_len) != 0)
		return -1;
	rows->count++;
	rows->with_event_id += ev->event_id[0] != '\0';
	return 0;
}

const char *event_rows_text(struct event_rows *rows)
{
	/* A row ends with '}': a ']' at the end is the close of an earlier call. */
	if (rows->text->buf[rows->text->bpos - 1] != ']' && append(rows, "]", 1) != 0)
		return NULL;
	return rows->text->buf;
}

void event_rows_free(struct event_rows *rows)
{
	if (rows->text)
		printbuf_free(rows->text);
	rows->text = NULL;
	pg_json_array_free(&rows->stacks);
	pg_json_array_free(&rows->contexts);
	groups_free(rows->groups);
	rows->groups = NULL;
}
