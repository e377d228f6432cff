/* otlp_json: OTLP exports in the OTLP JSON mapping, and the answers in JSON.
 *
 * The mapping is proto3's JSON mapping with the OTLP specification's changes:
 * field names in lowerCamelCase (the proto names are read too, as some
 * encoders write them; the lowerCamelCase one wins when both are there);
 * trace and span ids in hex of either case, not base64; enums as numbers
 * (their names are read too: "SPAN_KIND_SERVER"); 64-bit integers as decimal
 * strings or numbers; bytes in base64, standard or URL-safe, padded or not;
 * null is the field's absence; unknown fields are skipped.
 *
 * The body passes jsoncheck before json-c parses it: UTF-8 without NUL,
 * nesting, and at most JSONCHECK_MAX_VALUES values and keys, which bounds the
 * document json-c builds. json-c saturates integers beyond 64 bits, so the
 * two values it saturates at, -2^63 and 2^64 - 1, are refused as numbers:
 * the mapping's decimal strings carry them. */
#include "pure/otlp.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp/logs.pb-c.h"
#include "otlp/trace.pb-c.h"
#include "pure/json.h"
#include "pure/jsoncheck.h"
#include "pure/jsonspan.h"
#include "pure/otlp_build.h"

/* jsoncheck's deepest. A well-formed export nests at most 42 levels (values
 * OTLP_MAX_VALUE_DEPTH deep in key-value lists, the last an empty list), so
 * a value nested one deeper is still read, and refused with its own message. */
#define JSON_DEPTH 64

#define NO_INDEX OTLP_NO_INDEX

/* obj[camel], or obj[snake] when that is absent (snake NULL: the same name);
 * NULL when neither is there or the value is null. */
static struct json_object *member(struct json_object *obj, const char *camel, const char *snake)
{
	struct json_object *v = NULL;

	if (json_object_object_get_ex(obj, camel, &v) && v)
		return v;
	if (snake && json_object_object_get_ex(obj, snake, &v) && v)
		return v;
	return NULL;
}

/* The member in *out (NULL when absent) when it is of type want; else
 * refused as not being what. Returns 0, or -1. */
static int typed_member(struct otlp_builder *b, struct json_object *obj, const char *camel,
			const char *snake, enum json_type want, const char *what,
			struct json_object **out)
{
	*out = member(obj, camel, snake);
	if (!*out || json_object_is_type(*out, want))
		return 0;
	return otlp_fail(b, camel, "must be %s", what);
}

static int text_member(struct otlp_builder *b, struct json_object *obj, const char *camel,
		       const char *snake, struct otlp_text *out)
{
	struct json_object *v;

	*out = (struct otlp_text){ "", 0 };
	if (typed_member(b, obj, camel, snake, json_type_string, "a string", &v) != 0)
		return -1;
	if (!v)
		return 0;
	return otlp_copy_text(b, camel, json_object_get_string(v),
			      (size_t)json_object_get_string_len(v), out);
}

/* s[0..len) as an optional '-' (when minus is allowed) and 1 or more decimal
 * digits, into sign and magnitude. Returns 0, or -1 (also past 2^64 - 1). */
static int parse_decimal(const char *s, size_t len, int minus, uint64_t *mag, int *neg)
{
	size_t i = 0;

	*mag = 0;
	*neg = minus && len > 0 && s[0] == '-';
	i = (size_t)*neg;
	if (i == len)
		return -1;
	for (; i < len; i++) {
		unsigned digit = (unsigned)(s[i] - '0');

		if (s[i] < '0' || s[i] > '9' || *mag > (UINT64_MAX - digit) / 10)
			return -1;
		*mag = *mag * 10 + digit;
	}
	return 0;
}

/* A json-c integer as sign and magnitude; -1 for the values json-c
 * saturates at. */
static int json_int(struct json_object *v, uint64_t *mag, int *neg)
{
	int64_t i = json_object_get_int64(v);

	*neg = i < 0;
	if (i == INT64_MIN)
		return -1;
	if (i < 0) {
		*mag = (uint64_t)-i;
		return 0;
	}
	*mag = i == INT64_MAX ? json_object_get_uint64(v) : (uint64_t)i;
	return *mag == UINT64_MAX ? -1 : 0;
}

/* An integer of the mapping at leaf, as sign and magnitude: a JSON number
 * (a whole one) or a decimal string. Returns 0, or -1. */
static int read_integer(struct otlp_builder *b, const char *leaf, struct json_object *v,
			int minus, uint64_t *mag, int *neg)
{
	double d;

	switch (json_object_get_type(v)) {
	case json_type_int:
		if (json_int(v, mag, neg) != 0)
			return otlp_fail(b, leaf, "is out of range as a JSON number: send a decimal string");
		break;
	case json_type_double:
		/* In range first (NaN is not), so that the casts are defined. */
		d = json_object_get_double(v);
		*neg = d < 0;
		if (!(d > -9223372036854775808.0 && d < 18446744073709551616.0) ||
		    (*neg ? (double)(int64_t)d != d : (double)(uint64_t)d != d))
			return otlp_fail(b, leaf, "must be a whole number within 64 bits");
		*mag = *neg ? (uint64_t)-(int64_t)d : (uint64_t)d;
		break;
	case json_type_string:
		if (parse_decimal(json_object_get_string(v), (size_t)json_object_get_string_len(v), minus,
				  mag, neg) != 0)
			return otlp_fail(b, leaf, "must be a decimal integer within 64 bits");
		break;
	default:
		return otlp_fail(b, leaf, "must be an integer: a number or a decimal string");
	}
	if (*neg && !minus)
		return otlp_fail(b, leaf, "must not be negative");
	return 0;
}

/* A time in Unix nanoseconds (0 when absent). */
static int read_time(struct otlp_builder *b, struct json_object *obj, const char *camel,
		     const char *snake, uint64_t *out)
{
	struct json_object *v = member(obj, camel, snake);
	int neg;

	*out = 0;
	if (!v)
		return 0;
	if (read_integer(b, camel, v, 0, out, &neg) != 0)
		return -1;
	return otlp_check_time(b, camel, *out);
}

/* An enum as its number or its name (0 when absent). */
static int read_enum(struct otlp_builder *b, struct json_object *obj, const char *camel,
		     const char *snake, const ProtobufCEnumDescriptor *desc, int *out)
{
	struct json_object *v = member(obj, camel, snake);
	const ProtobufCEnumValue *e;
	int64_t i;

	*out = 0;
	if (!v)
		return 0;
	if (json_object_is_type(v, json_type_string)) {
		if (!(e = protobuf_c_enum_descriptor_get_value_by_name(desc, json_object_get_string(v))))
			return otlp_fail_enum(b, camel, desc);
		*out = e->value;
		return 0;
	}
	if (!json_object_is_type(v, json_type_int))
		return otlp_fail_enum(b, camel, desc);
	i = json_object_get_int64(v);
	if (otlp_check_enum(b, camel, desc, i) != 0)
		return -1;
	*out = (int)i;
	return 0;
}

static int read_id(struct otlp_builder *b, struct json_object *obj, const char *camel,
		   const char *snake, size_t size, enum otlp_id_rule rule, char *hex)
{
	struct json_object *v;

	hex[0] = '\0';
	if (typed_member(b, obj, camel, snake, json_type_string, "a string of hex digits", &v) != 0)
		return -1;
	return otlp_id_from_hex(b, camel, v ? json_object_get_string(v) : "",
				v ? (size_t)json_object_get_string_len(v) : 0, size, rule, hex);
}

/* The value of a base64 digit of either alphabet, or -1. */
static int base64_digit(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Decodes base64 s[0..len) (up to two '=' at the end) into out, which has
 * room for len / 4 * 3 + 2 bytes. Returns the bytes written, or -1. */
static long decode_base64(const char *s, size_t len, uint8_t *out)
{
	uint32_t bits = 0;
	int have = 0;
	long n = 0;
	size_t pad = 0;

	while (pad < 2 && pad < len && s[len - 1 - pad] == '=')
		pad++;
	/* Padding only ever completes a group of four. */
	if ((pad > 0 && len % 4 != 0) || len > (size_t)LONG_MAX)
		return -1;
	len -= pad;
	if (len % 4 == 1)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = base64_digit((unsigned char)s[i]);

		if (v < 0)
			return -1;
		bits = bits << 6 | (uint32_t)v;
		if ((have += 6) >= 8) {
			have -= 8;
			out[n++] = (uint8_t)(bits >> have);
		}
	}
	return n;
}

static int bytes_from_json(struct otlp_builder *b, struct json_object *v, struct otlp_value *out)
{
	size_t len = (size_t)json_object_get_string_len(v);
	uint8_t *raw;
	long n;

	out->kind = OTLP_BYTES;
	if (!json_object_is_type(v, json_type_string))
		return otlp_fail(b, "bytesValue", "must be a string of base64");
	if (!(raw = OTLP_NEW(b, len / 4 * 3 + 3, uint8_t)))
		return -1;
	if ((n = decode_base64(json_object_get_string(v), len, raw)) < 0)
		return otlp_fail(b, "bytesValue", "must be base64");
	raw[n] = '\0';
	out->bytes = n ? (struct otlp_text){ (const char *)raw, (size_t)n } : (struct otlp_text){ "", 0 };
	return 0;
}

/* A double of the mapping: a number, or a string: NaN, Infinity, -Infinity
 * or a number's text. Returns 0, or -1. */
static int double_from_json(struct otlp_builder *b, struct json_object *v, double *out)
{
	const char *s = json_object_get_string(v);
	char *end;

	if (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)) {
		*out = json_object_get_double(v);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return otlp_fail(b, "doubleValue", "must be a number");
	if (strcmp(s, "NaN") == 0 || strcmp(s, "Infinity") == 0 || strcmp(s, "-Infinity") == 0) {
		*out = s[0] == 'N' ? NAN : s[0] == '-' ? -INFINITY : INFINITY;
		return 0;
	}
	/* Only a number's characters: strtod would also read "inf" and hex. */
	if (s[0] != '\0' && strspn(s, "0123456789+-.eE") == strlen(s)) {
		*out = strtod(s, &end);
		if (*end == '\0')
			return 0;
	}
	return otlp_fail(b, "doubleValue", "must be a number, NaN, Infinity or -Infinity");
}

static int int_from_json(struct otlp_builder *b, struct json_object *v, int64_t *out)
{
	uint64_t mag;
	int neg;

	if (read_integer(b, "intValue", v, 1, &mag, &neg) != 0)
		return -1;
	if (mag > (uint64_t)INT64_MAX + (uint64_t)neg)
		return otlp_fail(b, "intValue", "must fit 64 bits");
	*out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return 0;
}

static int value_from_json(struct otlp_builder *b, struct json_object *in, int depth,
			   struct otlp_value *out);

static int attrs_from_json(struct otlp_builder *b, struct json_object *obj, const char *camel,
			   int depth, const struct otlp_attr **attrs, size_t *n_attrs);

/* arrayValue: {"values": [AnyValue...]}. */
static int array_from_json(struct otlp_builder *b, struct json_object *in, int depth,
			   struct otlp_value *out)
{
	struct json_object *values;
	struct otlp_value *items;
	size_t n;

	out->kind = OTLP_ARRAY;
	if (!json_object_is_type(in, json_type_object))
		return otlp_fail(b, "arrayValue", "must be an object (an ArrayValue)");
	otlp_push(b, "arrayValue", NO_INDEX);
	if (typed_member(b, in, "values", NULL, json_type_array, "an array", &values) != 0) {
		otlp_pop(b);
		return -1;
	}
	n = values ? json_object_array_length(values) : 0;
	items = OTLP_NEW(b, n, struct otlp_value);
	for (size_t i = 0; items && i < n; i++) {
		int rc;

		otlp_push(b, "values", i);
		rc = value_from_json(b, json_object_array_get_idx(values, i), depth + 1, &items[i]);
		otlp_pop(b);
		if (rc != 0)
			items = NULL;
	}
	otlp_pop(b);
	if (!items || otlp_count(b, n) != 0)
		return -1;
	out->array.items = items;
	out->array.n = n;
	return 0;
}

/* kvlistValue: {"values": [KeyValue...]}. */
static int kvlist_from_json(struct otlp_builder *b, struct json_object *in, int depth,
			    struct otlp_value *out)
{
	int rc;

	out->kind = OTLP_KVLIST;
	if (!json_object_is_type(in, json_type_object))
		return otlp_fail(b, "kvlistValue", "must be an object (a KeyValueList)");
	otlp_push(b, "kvlistValue", NO_INDEX);
	rc = attrs_from_json(b, in, "values", depth + 1, &out->kvlist.attrs, &out->kvlist.n);
	otlp_pop(b);
	return rc;
}

/* The members an AnyValue may set, one at most, in the order of its oneof. */
static const struct {
	const char *camel, *snake;
	enum otlp_kind kind;
} value_members[] = {
	{ "stringValue", "string_value", OTLP_STRING },
	{ "boolValue", "bool_value", OTLP_BOOL },
	{ "intValue", "int_value", OTLP_INT },
	{ "doubleValue", "double_value", OTLP_DOUBLE },
	{ "arrayValue", "array_value", OTLP_ARRAY },
	{ "kvlistValue", "kvlist_value", OTLP_KVLIST },
	{ "bytesValue", "bytes_value", OTLP_BYTES },
};

/* The one member an AnyValue sets, in *v and *kind (OTLP_NONE, *v NULL, for
 * none). Returns 0, or -1 when it sets more than one. */
static int value_member(struct otlp_builder *b, struct json_object *in, struct json_object **v,
			enum otlp_kind *kind)
{
	*v = NULL;
	*kind = OTLP_NONE;
	for (size_t i = 0; i < sizeof(value_members) / sizeof(value_members[0]); i++) {
		struct json_object *m = member(in, value_members[i].camel, value_members[i].snake);

		if (!m)
			continue;
		if (*v)
			return otlp_fail(b, NULL, "must set one of stringValue, boolValue, intValue, "
					 "doubleValue, arrayValue, kvlistValue and bytesValue, not two");
		*v = m;
		*kind = value_members[i].kind;
	}
	return 0;
}

/* An AnyValue at depth (an attribute's value is depth 1). NULL is none. */
static int value_from_json(struct otlp_builder *b, struct json_object *in, int depth,
			   struct otlp_value *out)
{
	struct json_object *v;
	enum otlp_kind kind;

	out->kind = OTLP_NONE;
	if (depth > OTLP_MAX_VALUE_DEPTH)
		return otlp_fail(b, NULL, "is nested more than %d values deep", OTLP_MAX_VALUE_DEPTH);
	if (!in)
		return 0;
	if (!json_object_is_type(in, json_type_object))
		return otlp_fail(b, NULL, "must be an object (an AnyValue)");
	if (value_member(b, in, &v, &kind) != 0)
		return -1;
	out->kind = kind;
	switch (kind) {
	case OTLP_STRING:
		if (!json_object_is_type(v, json_type_string))
			return otlp_fail(b, "stringValue", "must be a string");
		return otlp_copy_text(b, "stringValue", json_object_get_string(v),
				      (size_t)json_object_get_string_len(v), &out->string);
	case OTLP_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			return otlp_fail(b, "boolValue", "must be true or false");
		out->boolean = json_object_get_boolean(v) ? 1 : 0;
		return 0;
	case OTLP_INT:
		return int_from_json(b, v, &out->integer);
	case OTLP_DOUBLE:
		return double_from_json(b, v, &out->number);
	case OTLP_ARRAY:
		return array_from_json(b, v, depth, out);
	case OTLP_KVLIST:
		return kvlist_from_json(b, v, depth, out);
	case OTLP_BYTES:
		return bytes_from_json(b, v, out);
	default:
		return 0;
	}
}

/* A KeyValue: {"key": "...", "value": AnyValue}. */
static int attr_from_json(struct otlp_builder *b, struct json_object *in, int depth,
			  struct otlp_attr *out)
{
	int rc;

	if (!json_object_is_type(in, json_type_object))
		return otlp_fail(b, NULL, "must be an object (a KeyValue)");
	if (text_member(b, in, "key", NULL, &out->key) != 0)
		return -1;
	otlp_push(b, "value", NO_INDEX);
	rc = value_from_json(b, member(in, "value", NULL), depth, &out->value);
	otlp_pop(b);
	return rc;
}

/* The KeyValue array obj[camel] (absent: none), their values at depth. */
static int attrs_from_json(struct otlp_builder *b, struct json_object *obj, const char *camel,
			   int depth, const struct otlp_attr **attrs, size_t *n_attrs)
{
	struct json_object *list;
	struct otlp_attr *out;
	size_t n;

	if (typed_member(b, obj, camel, NULL, json_type_array, "an array", &list) != 0)
		return -1;
	n = list ? json_object_array_length(list) : 0;
	if (!(out = OTLP_NEW(b, n, struct otlp_attr)) || otlp_count(b, n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int rc;

		otlp_push(b, camel, i);
		rc = attr_from_json(b, json_object_array_get_idx(list, i), depth, &out[i]);
		otlp_pop(b);
		if (rc != 0)
			return -1;
	}
	*attrs = out;
	*n_attrs = n;
	return 0;
}

static int event_from_json(struct otlp_builder *b, struct json_object *in, struct otlp_event *out)
{
	if (!json_object_is_type(in, json_type_object))
		return otlp_fail(b, NULL, "must be an object (an Event)");
	if (read_time(b, in, "timeUnixNano", "time_unix_nano", &out->time_ns) != 0 ||
	    text_member(b, in, "name", NULL, &out->name) != 0)
		return -1;
	return attrs_from_json(b, in, "attributes", 1, &out->attrs, &out->n_attrs);
}

static int events_from_json(struct otlp_builder *b, struct json_object *in, struct otlp_span *out)
{
	struct json_object *list;
	struct otlp_event *events;
	size_t n;

	if (typed_member(b, in, "events", NULL, json_type_array, "an array", &list) != 0)
		return -1;
	n = list ? json_object_array_length(list) : 0;
	if (!(events = OTLP_NEW(b, n, struct otlp_event)) || otlp_count(b, n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int rc;

		otlp_push(b, "events", i);
		rc = event_from_json(b, json_object_array_get_idx(list, i), &events[i]);
		otlp_pop(b);
		if (rc != 0)
			return -1;
	}
	out->events = events;
	out->n_events = n;
	return 0;
}

static int status_from_json(struct otlp_builder *b, struct json_object *in, struct otlp_span *out)
{
	struct json_object *status;
	int rc;

	out->status_message = (struct otlp_text){ "", 0 };
	if (typed_member(b, in, "status", NULL, json_type_object, "an object", &status) != 0)
		return -1;
	if (!status)
		return 0;
	otlp_push(b, "status", NO_INDEX);
	rc = read_enum(b, status, "code", NULL,
		       &opentelemetry__proto__trace__v1__status__status_code__descriptor, &out->status_code);
	if (rc == 0)
		rc = text_member(b, status, "message", NULL, &out->status_message);
	otlp_pop(b);
	return rc;
}

/* A Span into ((struct otlp_span *)records)[i]. */
static int span_from_json(struct otlp_builder *b, struct json_object *in,
			  const struct otlp_resource *resource, void *records, size_t i)
{
	struct otlp_span *out = (struct otlp_span *)records + i;

	out->resource = resource;
	if (!json_object_is_type(in, json_type_object))
		return otlp_fail(b, NULL, "must be an object (a Span)");
	if (read_id(b, in, "traceId", "trace_id", 16, OTLP_ID_REQUIRED, out->trace_id) != 0 ||
	    read_id(b, in, "spanId", "span_id", 8, OTLP_ID_REQUIRED, out->span_id) != 0 ||
	    read_id(b, in, "parentSpanId", "parent_span_id", 8, OTLP_ID_OPTIONAL,
		    out->parent_span_id) != 0 ||
	    text_member(b, in, "name", NULL, &out->name) != 0 ||
	    read_enum(b, in, "kind", NULL, &opentelemetry__proto__trace__v1__span__span_kind__descriptor,
		      &out->kind) != 0 ||
	    read_time(b, in, "startTimeUnixNano", "start_time_unix_nano", &out->start_ns) != 0 ||
	    read_time(b, in, "endTimeUnixNano", "end_time_unix_nano", &out->end_ns) != 0 ||
	    attrs_from_json(b, in, "attributes", 1, &out->attrs, &out->n_attrs) != 0 ||
	    events_from_json(b, in, out) != 0)
		return -1;
	return status_from_json(b, in, out);
}

/* A LogRecord into ((struct otlp_log *)records)[i]. */
static int log_from_json(struct otlp_builder *b, struct json_object *in,
			 const struct otlp_resource *resource, void *records, size_t i)
{
	struct otlp_log *out = (struct otlp_log *)records + i;
	int rc;

	out->resource = resource;
	if (!json_object_is_type(in, json_type_object))
		return otlp_fail(b, NULL, "must be an object (a LogRecord)");
	if (read_time(b, in, "timeUnixNano", "time_unix_nano", &out->time_ns) != 0 ||
	    read_time(b, in, "observedTimeUnixNano", "observed_time_unix_nano", &out->observed_ns) != 0 ||
	    read_enum(b, in, "severityNumber", "severity_number",
		      &opentelemetry__proto__logs__v1__severity_number__descriptor,
		      &out->severity_number) != 0 ||
	    text_member(b, in, "severityText", "severity_text", &out->severity_text) != 0 ||
	    attrs_from_json(b, in, "attributes", 1, &out->attrs, &out->n_attrs) != 0 ||
	    read_id(b, in, "traceId", "trace_id", 16, OTLP_ID_OPTIONAL, out->trace_id) != 0 ||
	    read_id(b, in, "spanId", "span_id", 8, OTLP_ID_OPTIONAL, out->span_id) != 0)
		return -1;
	otlp_push(b, "body", NO_INDEX);
	rc = value_from_json(b, member(in, "body", NULL), 1, &out->body);
	otlp_pop(b);
	return rc;
}

/* One signal's shape: its three levels' names and its record's reader. */
struct signal {
	const char *resources, *resources_snake;    /* resourceSpans */
	const char *scopes, *scopes_snake;          /* scopeSpans */
	const char *records, *records_snake;        /* spans */
	int (*record)(struct otlp_builder *b, struct json_object *in,
		      const struct otlp_resource *resource, void *records, size_t i);
};

static const struct signal traces = {
	"resourceSpans", "resource_spans", "scopeSpans", "scope_spans", "spans", NULL, span_from_json,
};

static const struct signal logs = {
	"resourceLogs", "resource_logs", "scopeLogs", "scope_logs", "logRecords", "log_records",
	log_from_json,
};

/* obj[camel] when both are an object and an array; else NULL (the reading
 * refuses what is not). */
static struct json_object *list_of(struct json_object *obj, const char *camel, const char *snake)
{
	struct json_object *v = json_object_is_type(obj, json_type_object) ? member(obj, camel, snake)
									  : NULL;

	return json_object_is_type(v, json_type_array) ? v : NULL;
}

static size_t length_of(struct json_object *list)
{
	return list ? json_object_array_length(list) : 0;
}

/* The records of the whole export, counted before they are read, so that
 * they go into one list. */
static size_t count_records(const struct signal *sig, struct json_object *doc)
{
	struct json_object *resources = list_of(doc, sig->resources, sig->resources_snake);
	size_t n = 0;

	for (size_t r = 0; r < length_of(resources); r++) {
		struct json_object *scopes = list_of(json_object_array_get_idx(resources, r), sig->scopes,
						     sig->scopes_snake);

		for (size_t s = 0; s < length_of(scopes); s++)
			n += length_of(list_of(json_object_array_get_idx(scopes, s), sig->records,
					       sig->records_snake));
	}
	return n;
}

/* Where the records go: the list and its room, and how many it holds. */
struct records {
	void *list;
	size_t room, n;
};

/* One scope's records, appended to out. */
static int scope_from_json(struct otlp_builder *b, const struct signal *sig, struct json_object *in,
			   const struct otlp_resource *resource, struct records *out)
{
	struct json_object *list;
	size_t n;

	if (!json_object_is_type(in, json_type_object))
		return otlp_fail(b, NULL, "must be an object");
	if (typed_member(b, in, sig->records, sig->records_snake, json_type_array, "an array", &list) != 0)
		return -1;
	n = length_of(list);
	if (otlp_count(b, n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int rc;

		/* count_records read the same document: this cannot pass the room. */
		if (out->n == out->room)
			return error_set(b->err, 500, ERROR_INTERNAL, NULL, "records miscounted");
		otlp_push(b, sig->records, i);
		rc = sig->record(b, json_object_array_get_idx(list, i), resource, out->list, out->n++);
		otlp_pop(b);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* One ResourceSpans or ResourceLogs: its resource and its scopes' records. */
static int resource_from_json(struct otlp_builder *b, const struct signal *sig, struct json_object *in,
			      struct otlp_resource *resource, struct records *out)
{
	struct json_object *res, *scopes;
	size_t n;

	if (!json_object_is_type(in, json_type_object))
		return otlp_fail(b, NULL, "must be an object");
	if (typed_member(b, in, "resource", NULL, json_type_object, "an object", &res) != 0)
		return -1;
	if (res) {
		int rc;

		otlp_push(b, "resource", NO_INDEX);
		rc = attrs_from_json(b, res, "attributes", 1, &resource->attrs, &resource->n_attrs);
		otlp_pop(b);
		if (rc != 0)
			return -1;
	}
	if (typed_member(b, in, sig->scopes, sig->scopes_snake, json_type_array, "an array", &scopes) != 0)
		return -1;
	n = length_of(scopes);
	if (otlp_count(b, n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int rc;

		otlp_push(b, sig->scopes, i);
		rc = scope_from_json(b, sig, json_object_array_get_idx(scopes, i), resource, out);
		otlp_pop(b);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* The export's resources, and its records into out. */
static int export_from_json(struct otlp_builder *b, const struct signal *sig, struct json_object *doc,
			    struct otlp_export *ex, struct records *out)
{
	struct json_object *resources;
	size_t n;

	if (typed_member(b, doc, sig->resources, sig->resources_snake, json_type_array, "an array",
			 &resources) != 0)
		return -1;
	n = length_of(resources);
	if (otlp_count(b, n) != 0 || !(ex->resources = OTLP_NEW(b, n, struct otlp_resource)))
		return -1;
	ex->n_resources = n;
	for (size_t r = 0; r < n; r++) {
		int rc;

		otlp_push(b, sig->resources, r);
		rc = resource_from_json(b, sig, json_object_array_get_idx(resources, r), &ex->resources[r],
					out);
		otlp_pop(b);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* jsoncheck's refusal as the export's. Returns -1. */
static int refuse_check(struct error *err, const struct jsoncheck_result *check)
{
	const char *subject = check->field[0] ? "" : "the body ";

	switch (check->status) {
	case JSONCHECK_DEPTH:
		return error_set(err, 400, ERROR_BAD_REQUEST, check->field,
				 "is nested deeper than %d JSON levels", JSON_DEPTH);
	case JSONCHECK_NUL:
		return error_set(err, 400, ERROR_BAD_REQUEST, check->field,
				 "%smust not contain a NUL character", subject);
	case JSONCHECK_UTF8:
		return error_set(err, 400, ERROR_BAD_REQUEST, check->field, "%smust be valid UTF-8",
				 subject);
	case JSONCHECK_TOO_MANY:
		return error_set(err, 400, ERROR_BAD_REQUEST, NULL,
				 "the body holds more than %d JSON values and keys", JSONCHECK_MAX_VALUES);
	default:
		return error_set(err, 400, ERROR_BAD_REQUEST, NULL,
				 "the body is not a single valid JSON document (byte %zu)", check->offset);
	}
}

/* The body checked and parsed: an object, or NULL with *err set. */
static struct json_object *parse(const char *text, size_t len, struct error *err)
{
	struct jsoncheck_result check;
	struct json_tokener *tok;
	struct json_object *doc = NULL;
	size_t at;

	if (len > INT32_MAX) {
		error_set(err, 400, ERROR_BAD_REQUEST, NULL, "the body is too large to read");
		return NULL;
	}
	if (jsoncheck(text, len, JSON_DEPTH, &check) != JSONCHECK_OK) {
		refuse_check(err, &check);
		return NULL;
	}
	at = jsonspan_blanks(text, len, 0);
	if (text[at] != '{') {
		error_set(err, 400, ERROR_BAD_REQUEST, NULL, "the body must be a JSON object");
		return NULL;
	}
	if ((tok = json_tokener_new_ex(JSON_DEPTH + 1))) {
		doc = json_tokener_parse_ex(tok, text, (int)len);
		json_tokener_free(tok);
	}
	if (!doc)
		error_set(err, 500, ERROR_INTERNAL, NULL, "no memory");
	return doc;
}

/* Reads the body as sig's export, its records (of size bytes, aligned to
 * align) into *list and *n. */
static int decode(const struct signal *sig, const char *text, size_t len, size_t size, size_t align,
		  struct otlp_export *out, void **list, size_t *n, struct error *err)
{
	struct otlp_builder b;
	struct json_object *doc;
	struct records records = { NULL, 0, 0 };
	int rc = -1;

	if (otlp_begin(&b, len, out, err) != 0)
		return -1;
	if ((doc = parse(text, len, err))) {
		records.room = count_records(sig, doc);
		records.list = otlp_new_array(&b, records.room, size, align);
		if (records.list)
			rc = export_from_json(&b, sig, doc, out, &records);
		json_object_put(doc);
	}
	*list = records.list;
	*n = records.n;
	return otlp_end(&b, out, rc);
}

int otlp_traces_from_json(const char *text, size_t len, struct otlp_export *out,
			  struct error *err)
{
	void *list;
	size_t n;

	if (decode(&traces, text, len, sizeof(struct otlp_span), _Alignof(struct otlp_span), out, &list,
		   &n, err) != 0)
		return -1;
	out->spans = list;
	out->n_spans = n;
	return 0;
}

int otlp_logs_from_json(const char *text, size_t len, struct otlp_export *out, struct error *err)
{
	void *list;
	size_t n;

	if (decode(&logs, text, len, sizeof(struct otlp_log), _Alignof(struct otlp_log), out, &list, &n,
		   err) != 0)
		return -1;
	out->logs = list;
	out->n_logs = n;
	return 0;
}

/* The answers. */

struct json_object *otlp_response_json(enum otlp_signal signal, int64_t rejected,
				       const char *message)
{
	struct json_object *out = json_object_new_object(), *partial;
	char count[24];

	if (!out || (rejected == 0 && !(message && message[0])))
		return out;
	if (!(partial = json_object_new_object())) {
		json_object_put(out);
		return NULL;
	}
	json_object_object_add(out, "partialSuccess", partial);
	if (rejected != 0) {
		snprintf(count, sizeof(count), "%" PRId64, rejected);
		json_add_string(partial, signal == OTLP_TRACES ? "rejectedSpans" : "rejectedLogRecords",
				count);
	}
	if (message && message[0])
		json_add_string(partial, "errorMessage", message);
	return out;
}

struct json_object *otlp_status_json(int code, const char *message)
{
	struct json_object *out = json_object_new_object();

	if (!out)
		return NULL;
	json_add_int(out, "code", code);
	json_add_string(out, "message", message ? message : "");
	return out;
}
