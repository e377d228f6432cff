/* otlp_pb: OTLP exports in binary protobuf, and the answers in protobuf.
 *
 * A body goes through three steps. pbscan reads it first against the
 * messages' descriptors: well-formed wire data, the right wire types, UTF-8
 * strings, values nested at most OTLP_MAX_VALUE_DEPTH deep and at most
 * OTLP_MAX_ITEMS items; protobuf-c's unpack recurses without a limit and
 * checks none of that. Then protobuf-c unpacks it into a heap of its own that
 * draws on the decode's budget. Unpack gives each message, string and list
 * its own block (an empty span of two bytes costs a 136-byte struct, its
 * pointer and a 32-byte scan slot), so the heap hands small blocks out of an
 * arena, with no malloc header each, and a flood of empty items is refused
 * by the budget once it reaches the export's bound. Last, the messages are
 * read into the neutral form in the export's own arena, and the heap goes,
 * whole. */
#include "pure/otlp.h"

#include <stdlib.h>
#include <string.h>

#include "otlp/logs_service.pb-c.h"
#include "otlp/status.pb-c.h"
#include "otlp/trace_service.pb-c.h"
#include "pure/otlp_build.h"
#include "pure/pbscan.h"

typedef Opentelemetry__Proto__Common__V1__AnyValue pb_any_value;
typedef Opentelemetry__Proto__Common__V1__ArrayValue pb_array_value;
typedef Opentelemetry__Proto__Common__V1__KeyValueList pb_kvlist_value;
typedef Opentelemetry__Proto__Common__V1__KeyValue pb_key_value;
typedef Opentelemetry__Proto__Resource__V1__Resource pb_resource;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans pb_resource_spans;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans pb_scope_spans;
typedef Opentelemetry__Proto__Trace__V1__Span pb_span;
typedef Opentelemetry__Proto__Trace__V1__Span__Event pb_event;
typedef Opentelemetry__Proto__Trace__V1__Status pb_status;
typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest pb_traces;
typedef Opentelemetry__Proto__Logs__V1__ResourceLogs pb_resource_logs;
typedef Opentelemetry__Proto__Logs__V1__ScopeLogs pb_scope_logs;
typedef Opentelemetry__Proto__Logs__V1__LogRecord pb_log_record;
typedef Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest pb_logs;

/* The deepest a well-formed export nests messages: the request, resource
 * spans, scope spans, span, event and attribute hold a value at depth 7, and
 * each deeper value adds at most three (list, key-value, value); one more
 * lets the value past the limit be refused as such. */
#define MAX_MESSAGE_DEPTH (7 + 3 * OTLP_MAX_VALUE_DEPTH)

#define NO_INDEX OTLP_NO_INDEX

/* protobuf-c's memory for one unpack. Small blocks come from an arena,
 * each after a mark that says so, and are only given back with the heap: the
 * few unpack frees early (a oneof or a string set twice) are left in place.
 * Large blocks are unpack's scan slots, which it frees as soon as a message
 * is read, and long lists and strings: each is its own budget block, kept in
 * a list so that whatever is left goes with the heap. */
#define HEAP_LARGE 512

enum heap_mark {
	MARK_SMALL = 0x5a5a5a5a,
	MARK_LARGE = 0x1a1a1a1a,
};

struct heap_large {
	struct heap_large *next, *prev;
	uint64_t mark;                  /* last: just before the block */
};

struct heap {
	struct otlp_arena small;
	struct heap_large *large;
};

static void *heap_alloc(void *data, size_t size)
{
	struct heap *h = data;
	struct heap_large *l;
	uint64_t *mark;

	if (size < HEAP_LARGE) {
		if (!(mark = otlp_arena_alloc(&h->small, sizeof(*mark) + size, _Alignof(uint64_t))))
			return NULL;
		*mark = MARK_SMALL;
		return mark + 1;
	}
	if (size > SIZE_MAX - sizeof(*l) || !(l = otlp_budget_alloc(h->small.budget, sizeof(*l) + size)))
		return NULL;
	l->mark = MARK_LARGE;
	l->prev = NULL;
	l->next = h->large;
	if (l->next)
		l->next->prev = l;
	h->large = l;
	return l + 1;
}

static void heap_free(void *data, void *p)
{
	struct heap *h = data;
	struct heap_large *l;

	if (!p || ((uint64_t *)p)[-1] != MARK_LARGE)
		return;
	l = (struct heap_large *)p - 1;
	if (l->prev)
		l->prev->next = l->next;
	else
		h->large = l->next;
	if (l->next)
		l->next->prev = l->prev;
	otlp_budget_free(h->small.budget, l);
}

static void heap_release(struct heap *h)
{
	struct heap_large *l, *next;

	for (l = h->large; l; l = next) {
		next = l->next;
		otlp_budget_free(h->small.budget, l);
	}
	h->large = NULL;
	otlp_arena_release(&h->small);
}

/* pbscan's refusal as the export's. Returns -1. */
static int refuse_scan(struct otlp_builder *b, const struct pbscan_result *res)
{
	const char *subject = res->field[0] ? "" : "the body ";

	switch (res->status) {
	case PBSCAN_WIRE_TYPE:
		return error_set(b->err, 400, ERROR_BAD_REQUEST, res->field,
				 "has wire type %d where its type needs %d (byte %zu)", res->wire_type,
				 res->expected, res->offset);
	case PBSCAN_DEPTH:
		return error_set(b->err, 400, ERROR_BAD_REQUEST, res->field,
				 "nests messages more than %d deep", MAX_MESSAGE_DEPTH);
	case PBSCAN_NESTED:
		return error_set(b->err, 400, ERROR_BAD_REQUEST, res->field,
				 "is nested more than %d values deep", OTLP_MAX_VALUE_DEPTH);
	case PBSCAN_TOO_MANY:
		return otlp_count(b, (size_t)OTLP_MAX_ITEMS + 1);
	case PBSCAN_STRING:
		return error_set(b->err, 400, ERROR_BAD_REQUEST, res->field,
				 "must be valid UTF-8 without NUL");
	default:
		return error_set(b->err, 400, ERROR_BAD_REQUEST, res->field,
				 "%sis not valid protobuf: %s (byte %zu)", subject, res->detail,
				 res->offset);
	}
}

/* The body scanned, then unpacked as desc under alloc; NULL with the error set. */
static ProtobufCMessage *unpack(struct otlp_builder *b, const ProtobufCMessageDescriptor *desc,
				const void *body, size_t len, ProtobufCAllocator *alloc)
{
	const struct pbscan_limits lim = {
		.max_depth = MAX_MESSAGE_DEPTH,
		.nested = &opentelemetry__proto__common__v1__any_value__descriptor,
		.max_nested = OTLP_MAX_VALUE_DEPTH,
		.max_items = OTLP_MAX_ITEMS,
		.strings_utf8 = 1,
	};
	struct pbscan_result res;
	ProtobufCMessage *msg;

	if (pbscan(desc, body, len, &lim, &res) != PBSCAN_OK) {
		refuse_scan(b, &res);
		return NULL;
	}
	if ((msg = protobuf_c_message_unpack(desc, alloc, len, body)))
		return msg;
	if (b->store->budget.over || b->store->budget.no_memory)
		otlp_fail_memory(b);
	else
		error_set(b->err, 400, ERROR_BAD_REQUEST, NULL, "the body is not valid protobuf");
	return NULL;
}

static int text_from_pb(struct otlp_builder *b, const char *leaf, const char *s,
			struct otlp_text *out)
{
	return otlp_copy_text(b, leaf, s ? s : "", s ? strlen(s) : 0, out);
}

static int value_from_pb(struct otlp_builder *b, const pb_any_value *in, int depth,
			 struct otlp_value *out);

static int attrs_from_pb(struct otlp_builder *b, const char *name, pb_key_value *const *in,
			 size_t n, int depth, const struct otlp_attr **attrs, size_t *n_attrs);

static int array_from_pb(struct otlp_builder *b, const pb_array_value *in, int depth,
			 struct otlp_value *out)
{
	size_t n = in ? in->n_values : 0;
	struct otlp_value *items = OTLP_NEW(b, n, struct otlp_value);

	if (!items || otlp_count(b, n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int rc;

		otlp_push(b, "array_value.values", i);
		rc = value_from_pb(b, in->values[i], depth + 1, &items[i]);
		otlp_pop(b);
		if (rc != 0)
			return -1;
	}
	out->kind = OTLP_ARRAY;
	out->array.items = items;
	out->array.n = n;
	return 0;
}

static int kvlist_from_pb(struct otlp_builder *b, const pb_kvlist_value *in, int depth,
			  struct otlp_value *out)
{
	out->kind = OTLP_KVLIST;
	return attrs_from_pb(b, "kvlist_value.values", in ? in->values : NULL, in ? in->n_values : 0,
			     depth + 1, &out->kvlist.attrs, &out->kvlist.n);
}

/* An AnyValue at depth (an attribute's value is depth 1). NULL is none. */
static int value_from_pb(struct otlp_builder *b, const pb_any_value *in, int depth,
			 struct otlp_value *out)
{
	out->kind = OTLP_NONE;
	if (depth > OTLP_MAX_VALUE_DEPTH)
		return otlp_fail(b, NULL, "is nested more than %d values deep", OTLP_MAX_VALUE_DEPTH);
	if (!in)
		return 0;
	switch (in->value_case) {
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
		out->kind = OTLP_STRING;
		return text_from_pb(b, "string_value", in->string_value, &out->string);
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
		out->kind = OTLP_BOOL;
		out->boolean = in->bool_value ? 1 : 0;
		return 0;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
		out->kind = OTLP_INT;
		out->integer = in->int_value;
		return 0;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE:
		out->kind = OTLP_DOUBLE;
		out->number = in->double_value;
		return 0;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE:
		out->kind = OTLP_BYTES;
		return otlp_copy_bytes(b, in->bytes_value.data, in->bytes_value.len, &out->bytes);
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE:
		return array_from_pb(b, in->array_value, depth, out);
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE:
		return kvlist_from_pb(b, in->kvlist_value, depth, out);
	default:
		return 0;
	}
}

static int attr_from_pb(struct otlp_builder *b, const pb_key_value *in, int depth,
			struct otlp_attr *out)
{
	int rc;

	if (text_from_pb(b, "key", in ? in->key : NULL, &out->key) != 0)
		return -1;
	otlp_push(b, "value", NO_INDEX);
	rc = value_from_pb(b, in ? in->value : NULL, depth, &out->value);
	otlp_pop(b);
	return rc;
}

/* The attributes in[0..n) under name, their values at depth. */
static int attrs_from_pb(struct otlp_builder *b, const char *name, pb_key_value *const *in,
			 size_t n, int depth, const struct otlp_attr **attrs, size_t *n_attrs)
{
	struct otlp_attr *out = OTLP_NEW(b, n, struct otlp_attr);

	if (!out || otlp_count(b, n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int rc;

		otlp_push(b, name, i);
		rc = attr_from_pb(b, in[i], depth, &out[i]);
		otlp_pop(b);
		if (rc != 0)
			return -1;
	}
	*attrs = out;
	*n_attrs = n;
	return 0;
}

static int resource_from_pb(struct otlp_builder *b, const pb_resource *in,
			    struct otlp_resource *out)
{
	int rc;

	if (!in)
		return 0;
	otlp_push(b, "resource", NO_INDEX);
	rc = attrs_from_pb(b, "attributes", in->attributes, in->n_attributes, 1, &out->attrs,
			   &out->n_attrs);
	otlp_pop(b);
	return rc;
}

static int event_from_pb(struct otlp_builder *b, const pb_event *in, struct otlp_event *out)
{
	out->time_ns = in->time_unix_nano;
	if (otlp_check_time(b, "time_unix_nano", in->time_unix_nano) != 0 ||
	    text_from_pb(b, "name", in->name, &out->name) != 0)
		return -1;
	return attrs_from_pb(b, "attributes", in->attributes, in->n_attributes, 1, &out->attrs,
			     &out->n_attrs);
}

static int events_from_pb(struct otlp_builder *b, const pb_span *in, struct otlp_span *out)
{
	struct otlp_event *events = OTLP_NEW(b, in->n_events, struct otlp_event);

	if (!events || otlp_count(b, in->n_events) != 0)
		return -1;
	for (size_t i = 0; i < in->n_events; i++) {
		int rc;

		otlp_push(b, "events", i);
		rc = event_from_pb(b, in->events[i], &events[i]);
		otlp_pop(b);
		if (rc != 0)
			return -1;
	}
	out->events = events;
	out->n_events = in->n_events;
	return 0;
}

static int status_from_pb(struct otlp_builder *b, const pb_status *in, struct otlp_span *out)
{
	int rc;

	out->status_message = (struct otlp_text){ "", 0 };
	if (!in)
		return 0;
	otlp_push(b, "status", NO_INDEX);
	rc = otlp_check_enum(b, "code", &opentelemetry__proto__trace__v1__status__status_code__descriptor,
			     in->code);
	if (rc == 0)
		rc = text_from_pb(b, "message", in->message, &out->status_message);
	otlp_pop(b);
	out->status_code = in->code;
	return rc;
}

static int span_from_pb(struct otlp_builder *b, const pb_span *in,
			const struct otlp_resource *resource, struct otlp_span *out)
{
	out->resource = resource;
	out->kind = in->kind;
	out->start_ns = in->start_time_unix_nano;
	out->end_ns = in->end_time_unix_nano;
	if (otlp_id_from_bytes(b, "trace_id", in->trace_id.data, in->trace_id.len, 16,
			       OTLP_ID_REQUIRED, out->trace_id) != 0 ||
	    otlp_id_from_bytes(b, "span_id", in->span_id.data, in->span_id.len, 8, OTLP_ID_REQUIRED,
			       out->span_id) != 0 ||
	    otlp_id_from_bytes(b, "parent_span_id", in->parent_span_id.data, in->parent_span_id.len, 8,
			       OTLP_ID_OPTIONAL, out->parent_span_id) != 0 ||
	    text_from_pb(b, "name", in->name, &out->name) != 0 ||
	    otlp_check_enum(b, "kind", &opentelemetry__proto__trace__v1__span__span_kind__descriptor,
			    in->kind) != 0 ||
	    otlp_check_time(b, "start_time_unix_nano", in->start_time_unix_nano) != 0 ||
	    otlp_check_time(b, "end_time_unix_nano", in->end_time_unix_nano) != 0 ||
	    attrs_from_pb(b, "attributes", in->attributes, in->n_attributes, 1, &out->attrs,
			  &out->n_attrs) != 0 ||
	    events_from_pb(b, in, out) != 0)
		return -1;
	return status_from_pb(b, in->status, out);
}

/* The spans of one ResourceSpans, appended to spans at *n. */
static int resource_spans_from_pb(struct otlp_builder *b, const pb_resource_spans *in,
				  struct otlp_resource *resource, struct otlp_span *spans, size_t *n)
{
	if (resource_from_pb(b, in->resource, resource) != 0 || otlp_count(b, in->n_scope_spans) != 0)
		return -1;
	for (size_t i = 0; i < in->n_scope_spans; i++) {
		const pb_scope_spans *scope = in->scope_spans[i];
		int rc = otlp_count(b, scope->n_spans);

		otlp_push(b, "scope_spans", i);
		for (size_t k = 0; rc == 0 && k < scope->n_spans; k++) {
			otlp_push(b, "spans", k);
			rc = span_from_pb(b, scope->spans[k], resource, &spans[(*n)++]);
			otlp_pop(b);
		}
		otlp_pop(b);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static int traces_from_pb(struct otlp_builder *b, const pb_traces *in, struct otlp_export *out)
{
	size_t n_spans = 0;

	for (size_t r = 0; r < in->n_resource_spans; r++)
		for (size_t s = 0; s < in->resource_spans[r]->n_scope_spans; s++)
			n_spans += in->resource_spans[r]->scope_spans[s]->n_spans;
	if (otlp_count(b, in->n_resource_spans) != 0 ||
	    !(out->resources = OTLP_NEW(b, in->n_resource_spans, struct otlp_resource)) ||
	    !(out->spans = OTLP_NEW(b, n_spans, struct otlp_span)))
		return -1;
	out->n_resources = in->n_resource_spans;
	for (size_t r = 0; r < in->n_resource_spans; r++) {
		int rc;

		otlp_push(b, "resource_spans", r);
		rc = resource_spans_from_pb(b, in->resource_spans[r], &out->resources[r], out->spans,
					    &out->n_spans);
		otlp_pop(b);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static int log_from_pb(struct otlp_builder *b, const pb_log_record *in,
		       const struct otlp_resource *resource, struct otlp_log *out)
{
	int rc;

	out->resource = resource;
	out->time_ns = in->time_unix_nano;
	out->observed_ns = in->observed_time_unix_nano;
	out->severity_number = in->severity_number;
	if (otlp_check_time(b, "time_unix_nano", in->time_unix_nano) != 0 ||
	    otlp_check_time(b, "observed_time_unix_nano", in->observed_time_unix_nano) != 0 ||
	    otlp_check_enum(b, "severity_number", &opentelemetry__proto__logs__v1__severity_number__descriptor,
			    in->severity_number) != 0 ||
	    text_from_pb(b, "severity_text", in->severity_text, &out->severity_text) != 0 ||
	    attrs_from_pb(b, "attributes", in->attributes, in->n_attributes, 1, &out->attrs,
			  &out->n_attrs) != 0 ||
	    otlp_id_from_bytes(b, "trace_id", in->trace_id.data, in->trace_id.len, 16,
			       OTLP_ID_OPTIONAL, out->trace_id) != 0 ||
	    otlp_id_from_bytes(b, "span_id", in->span_id.data, in->span_id.len, 8, OTLP_ID_OPTIONAL,
			       out->span_id) != 0)
		return -1;
	otlp_push(b, "body", NO_INDEX);
	rc = value_from_pb(b, in->body, 1, &out->body);
	otlp_pop(b);
	return rc;
}

/* The log records of one ResourceLogs, appended to logs at *n. */
static int resource_logs_from_pb(struct otlp_builder *b, const pb_resource_logs *in,
				 struct otlp_resource *resource, struct otlp_log *logs, size_t *n)
{
	if (resource_from_pb(b, in->resource, resource) != 0 || otlp_count(b, in->n_scope_logs) != 0)
		return -1;
	for (size_t i = 0; i < in->n_scope_logs; i++) {
		const pb_scope_logs *scope = in->scope_logs[i];
		int rc = otlp_count(b, scope->n_log_records);

		otlp_push(b, "scope_logs", i);
		for (size_t k = 0; rc == 0 && k < scope->n_log_records; k++) {
			otlp_push(b, "log_records", k);
			rc = log_from_pb(b, scope->log_records[k], resource, &logs[(*n)++]);
			otlp_pop(b);
		}
		otlp_pop(b);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static int logs_from_pb(struct otlp_builder *b, const pb_logs *in, struct otlp_export *out)
{
	size_t n_logs = 0;

	for (size_t r = 0; r < in->n_resource_logs; r++)
		for (size_t s = 0; s < in->resource_logs[r]->n_scope_logs; s++)
			n_logs += in->resource_logs[r]->scope_logs[s]->n_log_records;
	if (otlp_count(b, in->n_resource_logs) != 0 ||
	    !(out->resources = OTLP_NEW(b, in->n_resource_logs, struct otlp_resource)) ||
	    !(out->logs = OTLP_NEW(b, n_logs, struct otlp_log)))
		return -1;
	out->n_resources = in->n_resource_logs;
	for (size_t r = 0; r < in->n_resource_logs; r++) {
		int rc;

		otlp_push(b, "resource_logs", r);
		rc = resource_logs_from_pb(b, in->resource_logs[r], &out->resources[r], out->logs,
					   &out->n_logs);
		otlp_pop(b);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* Unpacks the body as desc and reads it with read into *out. */
static int decode(const ProtobufCMessageDescriptor *desc,
		  int (*read)(struct otlp_builder *b, const ProtobufCMessage *msg, struct otlp_export *out),
		  const void *body, size_t len, struct otlp_export *out, struct error *err)
{
	struct otlp_builder b;
	struct heap heap = { { NULL, NULL, NULL, 0 }, NULL };
	ProtobufCAllocator alloc = { heap_alloc, heap_free, &heap };
	ProtobufCMessage *msg;
	int rc = -1;

	if (otlp_begin(&b, len, out, err) != 0)
		return -1;
	heap.small.budget = &b.store->budget;
	if ((msg = unpack(&b, desc, body, len, &alloc)))
		rc = read(&b, msg, out);
	heap_release(&heap);
	return otlp_end(&b, out, rc);
}

static int read_traces(struct otlp_builder *b, const ProtobufCMessage *msg, struct otlp_export *out)
{
	return traces_from_pb(b, (const pb_traces *)msg, out);
}

static int read_logs(struct otlp_builder *b, const ProtobufCMessage *msg, struct otlp_export *out)
{
	return logs_from_pb(b, (const pb_logs *)msg, out);
}

int otlp_traces_from_protobuf(const void *body, size_t len, struct otlp_export *out,
			      struct error *err)
{
	return decode(&opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor,
		      read_traces, body, len, out, err);
}

int otlp_logs_from_protobuf(const void *body, size_t len, struct otlp_export *out,
			    struct error *err)
{
	return decode(&opentelemetry__proto__collector__logs__v1__export_logs_service_request__descriptor,
		      read_logs, body, len, out, err);
}

/* The answers. */

/* m packed into a new buffer (at least one byte, so an empty message is not
 * NULL), its length in *len; NULL when out of memory. */
static uint8_t *pack(const ProtobufCMessage *m, size_t *len)
{
	size_t size = protobuf_c_message_get_packed_size(m);
	uint8_t *out = malloc(size ? size : 1);

	if (out)
		*len = protobuf_c_message_pack(m, out);
	return out;
}

uint8_t *otlp_response_protobuf(enum otlp_signal signal, int64_t rejected, const char *message,
				size_t *len)
{
	int partial = rejected != 0 || (message && message[0]);
	char *text = (char *)(message ? message : "");

	if (signal == OTLP_TRACES) {
		Opentelemetry__Proto__Collector__Trace__V1__ExportTracePartialSuccess ps =
			OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_PARTIAL_SUCCESS__INIT;
		Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse r =
			OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_RESPONSE__INIT;

		ps.rejected_spans = rejected;
		ps.error_message = text;
		r.partial_success = partial ? &ps : NULL;
		return pack(&r.base, len);
	} else {
		Opentelemetry__Proto__Collector__Logs__V1__ExportLogsPartialSuccess ps =
			OPENTELEMETRY__PROTO__COLLECTOR__LOGS__V1__EXPORT_LOGS_PARTIAL_SUCCESS__INIT;
		Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceResponse r =
			OPENTELEMETRY__PROTO__COLLECTOR__LOGS__V1__EXPORT_LOGS_SERVICE_RESPONSE__INIT;

		ps.rejected_log_records = rejected;
		ps.error_message = text;
		r.partial_success = partial ? &ps : NULL;
		return pack(&r.base, len);
	}
}

uint8_t *otlp_status_protobuf(int code, const char *message, size_t *len)
{
	Google__Rpc__Status status = GOOGLE__RPC__STATUS__INIT;

	status.code = code;
	status.message = (char *)(message ? message : "");
	return pack(&status.base, len);
}
