/* otlp_event: a log record as the body of POST /apps/{app_id}/events, one
 * small writer per field. Severity numbers and names follow OpenTelemetry's
 * log data model; exception.* are its semantic conventions for exceptions. */
#include "pure/otlp_event.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pure/buf.h"
#include "pure/event_input.h"
#include "pure/stack_text.h"
#include "pure/timefmt.h"
#include "pure/utf8.h"

#define EXCEPTION_PREFIX "exception."

/* A record being mapped, and whether memory ran out. */
struct mapping {
	const struct otlp_log *log;
	int failed;
};

/* A text made for the event: a new string (the caller frees it) and its
 * length; ptr NULL when there is none. */
struct text {
	char *ptr;
	size_t len;
};

static void add(struct mapping *m, struct json_object *obj, const char *key, struct json_object *v)
{
	if (!v || json_object_object_add(obj, key, v) != 0) {
		json_object_put(v);
		m->failed = 1;
	}
}

static void add_string(struct mapping *m, struct json_object *obj, const char *key, const char *s,
		       size_t len)
{
	add(m, obj, key, json_object_new_string_len(s, (int)len));
}

/* The text of a buf otlp_value_text wrote into (rc its answer): none when
 * rc is -1 or the text is empty. */
static struct text finish(struct mapping *m, struct buf *b, int rc)
{
	struct text t = { 0 };

	if (rc != 0) {
		free(b->data);
		return t;
	}
	t.ptr = buf_finish(b, &t.len);
	m->failed |= !t.ptr;
	if (t.ptr && t.len == 0) {
		free(t.ptr);
		t.ptr = NULL;
	}
	return t;
}

static struct text attr_text(struct mapping *m, const struct otlp_attr *attrs, size_t n,
			     const char *key)
{
	struct buf b = { 0 };

	return finish(m, &b, otlp_attr_text(attrs, n, key, &b));
}

/* The length of s[0..len) (valid UTF-8) cut to max characters. */
static size_t cut_chars(const char *s, size_t len, size_t max)
{
	size_t chars = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && chars++ == max)
			return i;
	return len;
}

static void add_occurred_at(struct mapping *m, struct json_object *event, int64_t now_usec)
{
	uint64_t ns = m->log->time_ns ? m->log->time_ns : m->log->observed_ns;
	char text[TIMEFMT_BUFSIZE];
	int64_t usec = now_usec;

	if (ns)
		usec = (int64_t)(ns / 1000);     /* at most 2^64 / 1000: year 2554 */
	else if (usec < TIMEFMT_MIN_USEC)
		usec = TIMEFMT_MIN_USEC;
	else if (usec > TIMEFMT_MAX_USEC)
		usec = TIMEFMT_MAX_USEC;
	add(m, event, "occurred_at", json_object_new_string(timefmt_format(usec, text)));
}

/* The level of a severity_text: syslog's names and OpenTelemetry's short
 * names (TRACE, DEBUG, INFO, WARN, ERROR, FATAL, each also with 2 to 4). */
static enum level text_level(struct otlp_text s)
{
	static const struct {
		const char *name;
		enum level level;
	} names[] = {
		{ "trace", LEVEL_DEBUG }, { "debug", LEVEL_DEBUG },
		{ "info", LEVEL_INFO }, { "notice", LEVEL_INFO },
		{ "warn", LEVEL_WARNING }, { "warning", LEVEL_WARNING },
		{ "error", LEVEL_ERROR }, { "err", LEVEL_ERROR },
		{ "fatal", LEVEL_CRITICAL }, { "critical", LEVEL_CRITICAL }, { "crit", LEVEL_CRITICAL },
		{ "alert", LEVEL_CRITICAL }, { "emerg", LEVEL_CRITICAL }, { "emergency", LEVEL_CRITICAL },
	};
	size_t len = s.len;

	if (len > 1 && s.ptr[len - 1] >= '2' && s.ptr[len - 1] <= '4')
		len--;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == len && strncasecmp(s.ptr, names[i].name, len) == 0)
			return names[i].level;
	return LEVEL_INFO;
}

/* SeverityNumber: 1-4 TRACE, 5-8 DEBUG, 9-12 INFO, 13-16 WARN, 17-20 ERROR,
 * 21-24 FATAL. */
static enum level log_level(const struct otlp_log *log)
{
	int n = log->severity_number;

	if (n < 1 || n > 24)
		return text_level(log->severity_text);
	if (n <= 8)
		return LEVEL_DEBUG;
	return (enum level)(LEVEL_INFO + (n - 9) / 4);
}

/* Bytes in base64, as the OTLP JSON mapping writes them. */
static void put_base64(struct buf *b, const unsigned char *s, size_t n)
{
	static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		unsigned long v = (unsigned long)s[i] << 16;
		char out[4];

		v |= i + 1 < n ? (unsigned long)s[i + 1] << 8 : 0;
		v |= i + 2 < n ? s[i + 2] : 0;
		out[0] = digits[v >> 18 & 63];
		out[1] = digits[v >> 12 & 63];
		out[2] = i + 1 < n ? digits[v >> 6 & 63] : '=';
		out[3] = i + 2 < n ? digits[v & 63] : '=';
		buf_put(b, out, sizeof(out));
	}
}

/* v as JSON in *out (NULL, JSON's null, for an empty value). Returns 0, or
 * -1 when out of memory. */
static int value_json(const struct otlp_value *v, struct json_object **out)
{
	struct buf b = { 0 };
	char *s = NULL;
	int rc = 0;

	*out = NULL;
	switch (v->kind) {
	case OTLP_NONE:
		return 0;
	case OTLP_STRING:
		*out = json_object_new_string_len(v->string.ptr, (int)v->string.len);
		break;
	case OTLP_BOOL:
		*out = json_object_new_boolean(v->boolean);
		break;
	case OTLP_INT:
		*out = json_object_new_int64(v->integer);
		break;
	case OTLP_DOUBLE:
		/* the shortest form that reads back; NaN and infinities as strings */
		otlp_value_text(v, &b);
		if ((s = buf_finish(&b, NULL)))
			*out = isfinite(v->number) ? json_object_new_double_s(v->number, s)
						   : json_object_new_string(s);
		free(s);
		break;
	case OTLP_BYTES:
		buf_put(&b, "", 0);
		put_base64(&b, (const unsigned char *)v->bytes.ptr, v->bytes.len);
		if ((s = buf_finish(&b, NULL)))
			*out = json_object_new_string(s);
		free(s);
		break;
	case OTLP_ARRAY:
		*out = json_object_new_array();
		for (size_t i = 0; *out && rc == 0 && i < v->array.n; i++) {
			struct json_object *item;

			rc = value_json(&v->array.items[i], &item);
			if (rc == 0 && json_object_array_add(*out, item) != 0) {
				json_object_put(item);
				rc = -1;
			}
		}
		break;
	case OTLP_KVLIST:
		*out = json_object_new_object();
		for (size_t i = 0; *out && rc == 0 && i < v->kvlist.n; i++) {
			const struct otlp_attr *a = &v->kvlist.attrs[i];
			struct json_object *item;

			if (json_object_object_get_ex(*out, a->key.ptr, NULL))
				continue;       /* a repeated key: its first value */
			rc = value_json(&a->value, &item);
			if (rc == 0 && json_object_object_add(*out, a->key.ptr, item) != 0) {
				json_object_put(item);
				rc = -1;
			}
		}
		break;
	}
	if (!*out || rc != 0) {
		json_object_put(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* The body as JSON text. */
static struct text body_json(struct mapping *m, const struct otlp_value *body)
{
	struct json_object *doc = NULL;
	struct text t = { 0 };
	const char *s;

	if (value_json(body, &doc) != 0) {
		m->failed = 1;
		return t;
	}
	s = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s && (t.ptr = strdup(s)))
		t.len = strlen(s);
	m->failed |= !t.ptr;
	json_object_put(doc);
	return t;
}

/* The body as the message: its text, bytes in base64, a key-value list's
 * message or msg, else its JSON. None when there is no body or its text is
 * empty. */
static struct text body_text(struct mapping *m, const struct otlp_value *body)
{
	struct buf b = { 0 };
	struct text t;
	int rc;

	if (body->kind == OTLP_NONE)
		return (struct text){ 0 };
	if (body->kind == OTLP_BYTES) {
		buf_put(&b, "", 0);
		put_base64(&b, (const unsigned char *)body->bytes.ptr, body->bytes.len);
		return finish(m, &b, 0);
	}
	if (body->kind == OTLP_KVLIST) {
		t = attr_text(m, body->kvlist.attrs, body->kvlist.n, "message");
		if (!t.ptr)
			t = attr_text(m, body->kvlist.attrs, body->kvlist.n, "msg");
		if (t.ptr)
			return t;
	}
	if ((rc = otlp_value_text(body, &b)) == 0)
		return finish(m, &b, rc);
	return body_json(m, body);
}

/* The exception.* attributes of a record. */
struct exception {
	struct text type, value, stacktrace;
};

/* "type: value", either alone, or none. */
static struct text exception_title(struct mapping *m, const struct exception *e)
{
	struct buf b = { 0 };

	if (!e->type.ptr && !e->value.ptr)
		return (struct text){ 0 };
	buf_puts(&b, e->type.ptr ? e->type.ptr : "");
	buf_puts(&b, e->type.ptr && e->value.ptr ? ": " : "");
	buf_puts(&b, e->value.ptr ? e->value.ptr : "");
	return finish(m, &b, 0);
}

static void add_message(struct mapping *m, struct json_object *event, const struct exception *e)
{
	struct text t = body_text(m, &m->log->body);

	if (!t.ptr)
		t = exception_title(m, e);
	if (!t.ptr && m->log->severity_text.len > 0) {
		add_string(m, event, "message", m->log->severity_text.ptr,
			   utf8_cut(m->log->severity_text.ptr, m->log->severity_text.len, EVENT_MESSAGE_MAX));
		return;
	}
	if (!t.ptr) {
		add_string(m, event, "message", OTLP_EVENT_NO_MESSAGE, strlen(OTLP_EVENT_NO_MESSAGE));
		return;
	}
	add_string(m, event, "message", t.ptr, utf8_cut(t.ptr, t.len, EVENT_MESSAGE_MAX));
	free(t.ptr);
}

static void add_stack(struct mapping *m, struct json_object *event, const struct exception *e)
{
	struct json_object *stack, *frames = NULL;

	if (!e->type.ptr && !e->value.ptr && !e->stacktrace.ptr)
		return;
	stack = json_object_new_object();
	if (!stack) {
		m->failed = 1;
		return;
	}
	if (e->type.ptr)
		add_string(m, stack, "type", e->type.ptr, utf8_cut(e->type.ptr, e->type.len, OTLP_EVENT_TYPE_MAX));
	if (e->value.ptr)
		add_string(m, stack, "value", e->value.ptr,
			   utf8_cut(e->value.ptr, e->value.len, EVENT_MESSAGE_MAX));
	if (e->stacktrace.ptr) {
		if (stack_text_frames(e->stacktrace.ptr, e->stacktrace.len, &frames) < 0)
			m->failed = 1;
		else if (frames)
			add(m, stack, "frames", frames);
		add_string(m, stack, "stacktrace", e->stacktrace.ptr,
			   utf8_cut(e->stacktrace.ptr, e->stacktrace.len, OTLP_EVENT_STACKTRACE_MAX));
	}
	add(m, event, "stack", stack);
}

/* The attributes of attrs[0..n) as tags, those tags does not hold yet. */
static void add_attr_tags(struct mapping *m, struct json_object *tags, const struct otlp_attr *attrs,
			  size_t n, size_t *count)
{
	for (size_t i = 0; i < n && *count < OTLP_EVENT_TAGS_MAX; i++) {
		const struct otlp_attr *a = &attrs[i];
		struct buf b = { 0 };
		char *value;
		size_t len;

		if (a->key.len == 0 || strncmp(a->key.ptr, EXCEPTION_PREFIX, strlen(EXCEPTION_PREFIX)) == 0 ||
		    utf8_count(a->key.ptr, a->key.len) > OTLP_EVENT_TAG_KEY_MAX ||
		    json_object_object_get_ex(tags, a->key.ptr, NULL))
			continue;
		if (otlp_value_text(&a->value, &b) != 0) {
			free(b.data);
			continue;
		}
		if (!(value = buf_finish(&b, &len))) {
			m->failed = 1;
			continue;
		}
		add_string(m, tags, a->key.ptr, value, cut_chars(value, len, OTLP_EVENT_TAG_VALUE_MAX));
		free(value);
		(*count)++;
	}
}

static void add_tags(struct mapping *m, struct json_object *event)
{
	const struct otlp_log *log = m->log;
	struct json_object *tags = json_object_new_object();
	size_t count = 0;

	if (!tags) {
		m->failed = 1;
		return;
	}
	add_attr_tags(m, tags, log->attrs, log->n_attrs, &count);
	if (log->resource)
		add_attr_tags(m, tags, log->resource->attrs, log->resource->n_attrs, &count);
	if (log->trace_id[0])
		add_string(m, tags, "trace_id", log->trace_id, strlen(log->trace_id));
	if (log->span_id[0])
		add_string(m, tags, "span_id", log->span_id, strlen(log->span_id));
	if (json_object_object_length(tags) == 0) {
		json_object_put(tags);
		return;
	}
	add(m, event, "tags", tags);
}

/* key: the first of the resource's attributes names that event_input
 * takes as a name of at most max characters. */
static void add_name(struct mapping *m, struct json_object *event, const char *key,
		     const char *const *names, size_t max)
{
	const struct otlp_resource *r = m->log->resource;

	for (; r && *names; names++) {
		struct text t = attr_text(m, r->attrs, r->n_attrs, *names);
		int usable = t.ptr && event_input_name_ok(t.ptr, t.len, max);

		if (usable)
			add_string(m, event, key, t.ptr, t.len);
		free(t.ptr);
		if (usable)
			return;
	}
}

#define NAMES(...) (const char *const[]){ __VA_ARGS__, NULL }

int otlp_log_event(const struct otlp_log *log, int64_t now_usec, struct json_object **event)
{
	struct mapping m = { log, 0 };
	struct exception e;

	*event = json_object_new_object();
	if (!*event)
		return -1;
	e.type = attr_text(&m, log->attrs, log->n_attrs, "exception.type");
	e.value = attr_text(&m, log->attrs, log->n_attrs, "exception.message");
	e.stacktrace = attr_text(&m, log->attrs, log->n_attrs, "exception.stacktrace");
	add_occurred_at(&m, *event, now_usec);
	add(&m, *event, "level", json_object_new_string(level_names[log_level(log)]));
	add_message(&m, *event, &e);
	add_stack(&m, *event, &e);
	add_tags(&m, *event);
	add_name(&m, *event, "environment",
		 NAMES("deployment.environment.name", "deployment.environment"), EVENT_ENVIRONMENT_MAX);
	add_name(&m, *event, "release", NAMES("service.version"), EVENT_RELEASE_MAX);
	free(e.type.ptr);
	free(e.value.ptr);
	free(e.stacktrace.ptr);
	if (m.failed) {
		json_object_put(*event);
		*event = NULL;
		return -1;
	}
	return 1;
}
