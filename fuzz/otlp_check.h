/* The check the OTLP fuzz targets share: a decoded export keeps every promise
 * of otlp.h, whatever the body was. Any broken one aborts. */
#ifndef TELLTALE_FUZZ_OTLP_CHECK_H
#define TELLTALE_FUZZ_OTLP_CHECK_H

#include <stdlib.h>
#include <string.h>

#include "pure/buf.h"
#include "pure/event_input.h"
#include "pure/log_input.h"
#include "pure/otlp.h"
#include "pure/otlp_event.h"
#include "pure/otlp_map.h"
#include "pure/utf8.h"

/* A decoder's refusal: always 400 BAD_REQUEST, with a message. */
static void check_refusal(const struct error *err)
{
	if (err->status != 400 || strcmp(err->code, ERROR_BAD_REQUEST) != 0 || !err->message[0])
		abort();
}

static void check_text(struct otlp_text t)
{
	if (!t.ptr || t.ptr[t.len] != '\0' || !utf8_valid(t.ptr, t.len))
		abort();
}

/* An id: "" when optional, else lower-case hex of exactly size digits. */
static void check_id(const char *hex, size_t digits, int optional)
{
	size_t len = strlen(hex);

	if (len == 0 && optional)
		return;
	if (len != digits || strspn(hex, "0123456789abcdef") != len || strspn(hex, "0") == len)
		abort();
}

static void check_time(uint64_t ns)
{
	if (ns > (uint64_t)OTLP_TIME_MAX)
		abort();
}

static void check_attrs(const struct otlp_attr *attrs, size_t n, int depth);

static void check_value(const struct otlp_value *v, int depth)
{
	struct buf b = { NULL, 0, 0, 0 };
	size_t len;
	char *text;

	if (depth > OTLP_MAX_VALUE_DEPTH)
		abort();
	switch (v->kind) {
	case OTLP_STRING:
		check_text(v->string);
		break;
	case OTLP_BYTES:
		if (!v->bytes.ptr || v->bytes.ptr[v->bytes.len] != '\0')
			abort();
		break;
	case OTLP_BOOL:
		if (v->boolean != 0 && v->boolean != 1)
			abort();
		break;
	case OTLP_ARRAY:
		for (size_t i = 0; i < v->array.n; i++)
			check_value(&v->array.items[i], depth + 1);
		break;
	case OTLP_KVLIST:
		check_attrs(v->kvlist.attrs, v->kvlist.n, depth + 1);
		break;
	case OTLP_NONE:
	case OTLP_INT:
	case OTLP_DOUBLE:
		break;
	default:
		abort();
	}
	/* A value's text, when it has one, is UTF-8 too. */
	if (otlp_value_text(v, &b) == 0) {
		if (!(text = buf_finish(&b, &len)) || !utf8_valid(text, len))
			abort();
		free(text);
	} else if (b.data) {
		abort();
	}
}

static void check_attrs(const struct otlp_attr *attrs, size_t n, int depth)
{
	for (size_t i = 0; i < n; i++) {
		check_text(attrs[i].key);
		check_value(&attrs[i].value, depth);
		if (otlp_attr_find(attrs, n, attrs[i].key.ptr) > &attrs[i])
			abort();
	}
}

static int is_resource(const struct otlp_export *ex, const struct otlp_resource *r)
{
	return r >= ex->resources && r < ex->resources + ex->n_resources;
}

/* A span's log, when it has one, is an object that log_input reads (taken
 * or refused with a field), and then masks, without a crash. */
static void check_span_log(const struct otlp_span *s)
{
	struct json_object *log = NULL, *row;
	struct log_input in;
	struct error err;
	int rc = otlp_span_log(s, &log);

	if (rc < 0 || (rc == 1) != (log != NULL) || (log && !json_object_is_type(log, json_type_object)))
		abort();
	if (log && log_input_parse(log, &in, &err) == 0) {
		row = log_input_row(&in);
		json_object_put(row);
	}
	json_object_put(log);
}

/* A log record's event: always made, and always taken by event_input. */
static void check_log_event(const struct otlp_log *l)
{
	struct json_object *event = NULL;
	struct event_input in;
	struct error err;

	if (otlp_log_event(l, 0, &event) != 1 || event_input_parse(event, &in, &err) != 0)
		abort();
	json_object_put(event);
}

static void check_export(const struct otlp_export *ex, size_t len)
{
	if (ex->items > OTLP_MAX_ITEMS || ex->memory_peak > len * OTLP_MEMORY_PER_BYTE + OTLP_MEMORY_BASE)
		abort();
	for (size_t i = 0; i < ex->n_resources; i++)
		check_attrs(ex->resources[i].attrs, ex->resources[i].n_attrs, 1);
	for (size_t i = 0; i < ex->n_spans; i++) {
		const struct otlp_span *s = &ex->spans[i];

		check_id(s->trace_id, 32, 0);
		check_id(s->span_id, 16, 0);
		check_id(s->parent_span_id, 16, 1);
		check_text(s->name);
		check_text(s->status_message);
		check_time(s->start_ns);
		check_time(s->end_ns);
		if (s->kind < OTLP_SPAN_KIND_UNSPECIFIED || s->kind > OTLP_SPAN_KIND_CONSUMER ||
		    s->status_code < OTLP_STATUS_UNSET || s->status_code > OTLP_STATUS_ERROR ||
		    !is_resource(ex, s->resource))
			abort();
		check_attrs(s->attrs, s->n_attrs, 1);
		check_span_log(s);
		for (size_t k = 0; k < s->n_events; k++) {
			check_text(s->events[k].name);
			check_time(s->events[k].time_ns);
			check_attrs(s->events[k].attrs, s->events[k].n_attrs, 1);
		}
	}
	for (size_t i = 0; i < ex->n_logs; i++) {
		const struct otlp_log *l = &ex->logs[i];

		check_id(l->trace_id, 32, 1);
		check_id(l->span_id, 16, 1);
		check_text(l->severity_text);
		check_time(l->time_ns);
		check_time(l->observed_ns);
		if (l->severity_number < 0 || l->severity_number > 24 || !is_resource(ex, l->resource))
			abort();
		check_value(&l->body, 1);
		check_attrs(l->attrs, l->n_attrs, 1);
		check_log_event(l);
	}
}

#endif
