/* Unit tests for otlp: one trace export and one logs export, built with the
 * generated protobuf-c encoders and written as JSON the way the OTel JS
 * exporter (lowerCamelCase, numbers for ints) and the collector (decimal
 * strings for int64) write it, and once more with the proto names, enum names
 * and upper-case ids some encoders use; each decoded and checked field by
 * field. Then hostile bodies, each refused with 400 and a message; the text of
 * values; and the answers. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp/logs_service.pb-c.h"
#include "otlp/status.pb-c.h"
#include "otlp/trace_service.pb-c.h"
#include "pure/otlp.h"
#include "pure/pbscan.h"
#include "tap.h"

typedef Opentelemetry__Proto__Common__V1__AnyValue AnyValue;
typedef Opentelemetry__Proto__Common__V1__ArrayValue ArrayValue;
typedef Opentelemetry__Proto__Common__V1__KeyValueList KeyValueList;
typedef Opentelemetry__Proto__Common__V1__KeyValue KeyValue;
typedef Opentelemetry__Proto__Resource__V1__Resource Resource;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans ResourceSpans;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans ScopeSpans;
typedef Opentelemetry__Proto__Trace__V1__Span Span;
typedef Opentelemetry__Proto__Trace__V1__Span__Event Event;
typedef Opentelemetry__Proto__Trace__V1__Status Status;
typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest TraceRequest;
typedef Opentelemetry__Proto__Logs__V1__ResourceLogs ResourceLogs;
typedef Opentelemetry__Proto__Logs__V1__ScopeLogs ScopeLogs;
typedef Opentelemetry__Proto__Logs__V1__LogRecord LogRecord;
typedef Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest LogsRequest;

#define VALUE(x) OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##x

/* --- building protobuf payloads ------------------------------------------ */

/* Storage for the messages of one payload, handed out in order. */
struct pool {
	AnyValue values[64];
	KeyValue kvs[64];
	ArrayValue arrays[8];
	KeyValueList lists[8];
	void *ptrs[256];
	size_t n_values, n_kvs, n_arrays, n_lists, n_ptrs;
};

static AnyValue *new_value(struct pool *p)
{
	AnyValue *v = &p->values[p->n_values++];

	opentelemetry__proto__common__v1__any_value__init(v);
	return v;
}

static AnyValue *str(struct pool *p, const char *s)
{
	AnyValue *v = new_value(p);

	v->value_case = VALUE(STRING_VALUE);
	v->string_value = (char *)s;
	return v;
}

static AnyValue *num(struct pool *p, int64_t i)
{
	AnyValue *v = new_value(p);

	v->value_case = VALUE(INT_VALUE);
	v->int_value = i;
	return v;
}

static AnyValue *dbl(struct pool *p, double d)
{
	AnyValue *v = new_value(p);

	v->value_case = VALUE(DOUBLE_VALUE);
	v->double_value = d;
	return v;
}

static AnyValue *flag(struct pool *p, int b)
{
	AnyValue *v = new_value(p);

	v->value_case = VALUE(BOOL_VALUE);
	v->bool_value = b;
	return v;
}

static AnyValue *raw(struct pool *p, const void *data, size_t len)
{
	AnyValue *v = new_value(p);

	v->value_case = VALUE(BYTES_VALUE);
	v->bytes_value.data = (uint8_t *)data;
	v->bytes_value.len = len;
	return v;
}

/* n pointers from the varargs, kept in the pool. */
static void **ptr_list(struct pool *p, size_t n, va_list ap)
{
	void **list = &p->ptrs[p->n_ptrs];

	for (size_t i = 0; i < n; i++)
		p->ptrs[p->n_ptrs++] = va_arg(ap, void *);
	return list;
}

static AnyValue *array(struct pool *p, size_t n, ...)
{
	AnyValue *v = new_value(p);
	ArrayValue *a = &p->arrays[p->n_arrays++];
	va_list ap;

	opentelemetry__proto__common__v1__array_value__init(a);
	va_start(ap, n);
	a->values = (AnyValue **)ptr_list(p, n, ap);
	va_end(ap);
	a->n_values = n;
	v->value_case = VALUE(ARRAY_VALUE);
	v->array_value = a;
	return v;
}

static AnyValue *kvlist(struct pool *p, size_t n, ...)
{
	AnyValue *v = new_value(p);
	KeyValueList *l = &p->lists[p->n_lists++];
	va_list ap;

	opentelemetry__proto__common__v1__key_value_list__init(l);
	va_start(ap, n);
	l->values = (KeyValue **)ptr_list(p, n, ap);
	va_end(ap);
	l->n_values = n;
	v->value_case = VALUE(KVLIST_VALUE);
	v->kvlist_value = l;
	return v;
}

static KeyValue *kv(struct pool *p, const char *key, AnyValue *value)
{
	KeyValue *k = &p->kvs[p->n_kvs++];

	opentelemetry__proto__common__v1__key_value__init(k);
	k->key = (char *)key;
	k->value = value;
	return k;
}

static KeyValue **kvs(struct pool *p, size_t n, ...)
{
	va_list ap;
	KeyValue **list;

	va_start(ap, n);
	list = (KeyValue **)ptr_list(p, n, ap);
	va_end(ap);
	return list;
}

static uint8_t *pack(const ProtobufCMessage *m, size_t *len)
{
	uint8_t *out = malloc(protobuf_c_message_get_packed_size(m) + 1);

	*len = protobuf_c_message_pack(m, out);
	return out;
}

static ProtobufCBinaryData bin(const char *bytes, size_t len)
{
	return (ProtobufCBinaryData){ len, (uint8_t *)bytes };
}

#define TRACE_A "\x5b\x8e\xff\xf7\x98\x03\x81\x03\xd2\x69\xb6\x33\x81\x3f\xc6\x0c"
#define SPAN_A "\xee\xe1\x9b\x7e\xc3\xc1\xb1\x74"
#define SPAN_B "\x11\x11\x11\x11\x11\x11\x11\x11"
#define TRACE_C "\x0a\xf7\x65\x19\x16\xcd\x43\xdd\x84\x48\xeb\x21\x1c\x80\x31\x9c"
#define SPAN_C "\xb7\xad\x6b\x71\x69\x20\x33\x31"
#define STACK "TypeError: x is undefined\n    at f (app.js:1:2)"

/* The sample trace export: two resources, three spans; the first span holds
 * an attribute of every kind, an exception event and an error status. */
static uint8_t *sample_traces_protobuf(size_t *len)
{
	static const uint8_t blob[] = { 0x00, 0x01, 0x02, 0xff };
	struct pool *p = calloc(1, sizeof(*p));
	Resource res[2];
	Span spans[3], *scope0_spans[2], *scope1_spans[1];
	Event events[2], *event_ptrs[2];
	Status status;
	ScopeSpans scopes[2], *scope_ptrs0[1], *scope_ptrs1[1];
	ResourceSpans rs[2], *rs_ptrs[2];
	TraceRequest req;
	uint8_t *out;

	for (int i = 0; i < 2; i++) {
		opentelemetry__proto__resource__v1__resource__init(&res[i]);
		opentelemetry__proto__trace__v1__scope_spans__init(&scopes[i]);
		opentelemetry__proto__trace__v1__resource_spans__init(&rs[i]);
		opentelemetry__proto__trace__v1__span__event__init(&events[i]);
		event_ptrs[i] = &events[i];
		rs_ptrs[i] = &rs[i];
	}
	for (int i = 0; i < 3; i++)
		opentelemetry__proto__trace__v1__span__init(&spans[i]);
	opentelemetry__proto__trace__v1__status__init(&status);
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(&req);

	res[0].attributes = kvs(p, 4, kv(p, "service.name", str(p, "checkout")),
				kv(p, "service.version", str(p, "1.4.2")),
				kv(p, "host.cpus", num(p, 8)),
				kv(p, "telemetry.sdk.language", str(p, "nodejs")));
	res[0].n_attributes = 4;
	res[1].attributes = kvs(p, 1, kv(p, "service.name", str(p, "billing")));
	res[1].n_attributes = 1;

	spans[0].trace_id = bin(TRACE_A, 16);
	spans[0].span_id = bin(SPAN_A, 8);
	spans[0].name = "GET /users/:id";
	spans[0].kind = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER;
	spans[0].start_time_unix_nano = 1700000000000000000ULL;
	spans[0].end_time_unix_nano = 1700000000250000000ULL;
	spans[0].attributes = kvs(p, 12,
		kv(p, "http.request.method", str(p, "GET")),
		kv(p, "http.response.status_code", num(p, 500)),
		kv(p, "http.route", str(p, "/users/:id")),
		kv(p, "sampled", flag(p, 1)),
		kv(p, "ratio", dbl(p, 0.25)),
		kv(p, "tags", array(p, 2, str(p, "a"), str(p, "b"))),
		kv(p, "ctx", kvlist(p, 3, kv(p, "user.id", str(p, "u-1")), kv(p, "retries", num(p, 3)),
				    kv(p, "inner", array(p, 1, kvlist(p, 0))))),
		kv(p, "blob", raw(p, blob, sizeof(blob))),
		kv(p, "empty", new_value(p)),
		kv(p, "negative", num(p, -42)),
		kv(p, "unicode", str(p, "caf\xc3\xa9 \xe2\x98\x95")),
		kv(p, "big", num(p, INT64_MIN)));
	spans[0].n_attributes = 12;
	events[0].name = "exception";
	events[0].time_unix_nano = 1700000000200000000ULL;
	events[0].attributes = kvs(p, 3, kv(p, "exception.type", str(p, "TypeError")),
				   kv(p, "exception.message", str(p, "x is undefined")),
				   kv(p, "exception.stacktrace", str(p, STACK)));
	events[0].n_attributes = 3;
	events[1].name = "retry";
	events[1].time_unix_nano = 1700000000210000000ULL;
	spans[0].events = event_ptrs;
	spans[0].n_events = 2;
	status.code = OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR;
	status.message = "x is undefined";
	spans[0].status = &status;

	spans[1].trace_id = bin(TRACE_A, 16);
	spans[1].span_id = bin(SPAN_B, 8);
	spans[1].parent_span_id = bin(SPAN_A, 8);
	spans[1].name = "SELECT users";
	spans[1].kind = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_CLIENT;
	spans[1].start_time_unix_nano = 1700000000010000000ULL;
	spans[1].end_time_unix_nano = 1700000000020000000ULL;
	spans[1].attributes = kvs(p, 1, kv(p, "db.system", str(p, "postgresql")));
	spans[1].n_attributes = 1;

	spans[2].trace_id = bin(TRACE_C, 16);
	spans[2].span_id = bin(SPAN_C, 8);
	spans[2].name = "tick";
	spans[2].kind = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_INTERNAL;

	scope0_spans[0] = &spans[0];
	scope0_spans[1] = &spans[1];
	scope1_spans[0] = &spans[2];
	scopes[0].spans = scope0_spans;
	scopes[0].n_spans = 2;
	scopes[1].spans = scope1_spans;
	scopes[1].n_spans = 1;
	scope_ptrs0[0] = &scopes[0];
	scope_ptrs1[0] = &scopes[1];
	rs[0].resource = &res[0];
	rs[0].scope_spans = scope_ptrs0;
	rs[0].n_scope_spans = 1;
	rs[1].resource = &res[1];
	rs[1].scope_spans = scope_ptrs1;
	rs[1].n_scope_spans = 1;
	req.resource_spans = rs_ptrs;
	req.n_resource_spans = 2;
	out = pack(&req.base, len);
	free(p);
	return out;
}

/* The same export as the OTel JS exporter writes it: lowerCamelCase, ids in
 * lower-case hex, times as decimal strings, ints as numbers, zero counts and
 * empty lists written out, and the fields telltale skips (scope, links,
 * flags, droppedAttributesCount). */
static const char traces_js[] =
	"{\"resourceSpans\":[{\"resource\":{\"attributes\":["
	"{\"key\":\"service.name\",\"value\":{\"stringValue\":\"checkout\"}},"
	"{\"key\":\"service.version\",\"value\":{\"stringValue\":\"1.4.2\"}},"
	"{\"key\":\"host.cpus\",\"value\":{\"intValue\":8}},"
	"{\"key\":\"telemetry.sdk.language\",\"value\":{\"stringValue\":\"nodejs\"}}],"
	"\"droppedAttributesCount\":0},"
	"\"scopeSpans\":[{\"scope\":{\"name\":\"@opentelemetry/instrumentation-http\",\"version\":\"0.52.1\"},"
	"\"spans\":[{\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\","
	"\"name\":\"GET /users/:id\",\"kind\":2,"
	"\"startTimeUnixNano\":\"1700000000000000000\",\"endTimeUnixNano\":\"1700000000250000000\","
	"\"attributes\":["
	"{\"key\":\"http.request.method\",\"value\":{\"stringValue\":\"GET\"}},"
	"{\"key\":\"http.response.status_code\",\"value\":{\"intValue\":500}},"
	"{\"key\":\"http.route\",\"value\":{\"stringValue\":\"/users/:id\"}},"
	"{\"key\":\"sampled\",\"value\":{\"boolValue\":true}},"
	"{\"key\":\"ratio\",\"value\":{\"doubleValue\":0.25}},"
	"{\"key\":\"tags\",\"value\":{\"arrayValue\":{\"values\":[{\"stringValue\":\"a\"},{\"stringValue\":\"b\"}]}}},"
	"{\"key\":\"ctx\",\"value\":{\"kvlistValue\":{\"values\":["
	"{\"key\":\"user.id\",\"value\":{\"stringValue\":\"u-1\"}},"
	"{\"key\":\"retries\",\"value\":{\"intValue\":3}},"
	"{\"key\":\"inner\",\"value\":{\"arrayValue\":{\"values\":[{\"kvlistValue\":{}}]}}}]}}},"
	"{\"key\":\"blob\",\"value\":{\"bytesValue\":\"AAEC/w==\"}},"
	"{\"key\":\"empty\",\"value\":{}},"
	"{\"key\":\"negative\",\"value\":{\"intValue\":-42}},"
	"{\"key\":\"unicode\",\"value\":{\"stringValue\":\"caf\\u00e9 \xe2\x98\x95\"}},"
	"{\"key\":\"big\",\"value\":{\"intValue\":\"-9223372036854775808\"}}],"
	"\"droppedAttributesCount\":0,"
	"\"events\":[{\"attributes\":["
	"{\"key\":\"exception.type\",\"value\":{\"stringValue\":\"TypeError\"}},"
	"{\"key\":\"exception.message\",\"value\":{\"stringValue\":\"x is undefined\"}},"
	"{\"key\":\"exception.stacktrace\",\"value\":{\"stringValue\":\"TypeError: x is undefined\\n    at f (app.js:1:2)\"}}],"
	"\"name\":\"exception\",\"timeUnixNano\":\"1700000000200000000\",\"droppedAttributesCount\":0},"
	"{\"attributes\":[],\"name\":\"retry\",\"timeUnixNano\":\"1700000000210000000\",\"droppedAttributesCount\":0}],"
	"\"droppedEventsCount\":0,\"status\":{\"code\":2,\"message\":\"x is undefined\"},"
	"\"links\":[],\"droppedLinksCount\":0,\"flags\":257},"
	"{\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"1111111111111111\","
	"\"parentSpanId\":\"eee19b7ec3c1b174\",\"name\":\"SELECT users\",\"kind\":3,"
	"\"startTimeUnixNano\":\"1700000000010000000\",\"endTimeUnixNano\":\"1700000000020000000\","
	"\"attributes\":[{\"key\":\"db.system\",\"value\":{\"stringValue\":\"postgresql\"}}],"
	"\"droppedAttributesCount\":0,\"events\":[],\"droppedEventsCount\":0,\"status\":{\"code\":0},"
	"\"links\":[],\"droppedLinksCount\":0}]}]},"
	"{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"billing\"}}]},"
	"\"scopeSpans\":[{\"scope\":{\"name\":\"cron\"},\"spans\":[{\"traceId\":\"0af7651916cd43dd8448eb211c80319c\","
	"\"spanId\":\"b7ad6b7169203331\",\"parentSpanId\":\"\",\"name\":\"tick\",\"kind\":1}]}]}]}";

/* As the collector's JSON exporter writes it: int64 values as decimal
 * strings, zero and empty fields left out, the resource without a resource
 * key when it has no attributes. */
static const char traces_collector[] =
	"{\"resourceSpans\":[{\"resource\":{\"attributes\":["
	"{\"key\":\"service.name\",\"value\":{\"stringValue\":\"checkout\"}},"
	"{\"key\":\"service.version\",\"value\":{\"stringValue\":\"1.4.2\"}},"
	"{\"key\":\"host.cpus\",\"value\":{\"intValue\":\"8\"}},"
	"{\"key\":\"telemetry.sdk.language\",\"value\":{\"stringValue\":\"nodejs\"}}]},"
	"\"scopeSpans\":[{\"scope\":{},\"spans\":[{\"traceId\":\"5b8efff798038103d269b633813fc60c\","
	"\"spanId\":\"eee19b7ec3c1b174\",\"parentSpanId\":\"\",\"name\":\"GET /users/:id\",\"kind\":2,"
	"\"startTimeUnixNano\":\"1700000000000000000\",\"endTimeUnixNano\":\"1700000000250000000\","
	"\"attributes\":["
	"{\"key\":\"http.request.method\",\"value\":{\"stringValue\":\"GET\"}},"
	"{\"key\":\"http.response.status_code\",\"value\":{\"intValue\":\"500\"}},"
	"{\"key\":\"http.route\",\"value\":{\"stringValue\":\"/users/:id\"}},"
	"{\"key\":\"sampled\",\"value\":{\"boolValue\":true}},"
	"{\"key\":\"ratio\",\"value\":{\"doubleValue\":0.25}},"
	"{\"key\":\"tags\",\"value\":{\"arrayValue\":{\"values\":[{\"stringValue\":\"a\"},{\"stringValue\":\"b\"}]}}},"
	"{\"key\":\"ctx\",\"value\":{\"kvlistValue\":{\"values\":["
	"{\"key\":\"user.id\",\"value\":{\"stringValue\":\"u-1\"}},"
	"{\"key\":\"retries\",\"value\":{\"intValue\":\"3\"}},"
	"{\"key\":\"inner\",\"value\":{\"arrayValue\":{\"values\":[{\"kvlistValue\":{}}]}}}]}}},"
	"{\"key\":\"blob\",\"value\":{\"bytesValue\":\"AAEC/w==\"}},"
	"{\"key\":\"empty\",\"value\":{}},"
	"{\"key\":\"negative\",\"value\":{\"intValue\":\"-42\"}},"
	"{\"key\":\"unicode\",\"value\":{\"stringValue\":\"caf\xc3\xa9 \\u2615\"}},"
	"{\"key\":\"big\",\"value\":{\"intValue\":\"-9223372036854775808\"}}],"
	"\"events\":[{\"timeUnixNano\":\"1700000000200000000\",\"name\":\"exception\",\"attributes\":["
	"{\"key\":\"exception.type\",\"value\":{\"stringValue\":\"TypeError\"}},"
	"{\"key\":\"exception.message\",\"value\":{\"stringValue\":\"x is undefined\"}},"
	"{\"key\":\"exception.stacktrace\",\"value\":{\"stringValue\":\"TypeError: x is undefined\\n    at f (app.js:1:2)\"}}]},"
	"{\"timeUnixNano\":\"1700000000210000000\",\"name\":\"retry\"}],"
	"\"status\":{\"message\":\"x is undefined\",\"code\":2}},"
	"{\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"1111111111111111\","
	"\"parentSpanId\":\"eee19b7ec3c1b174\",\"name\":\"SELECT users\",\"kind\":3,"
	"\"startTimeUnixNano\":\"1700000000010000000\",\"endTimeUnixNano\":\"1700000000020000000\","
	"\"attributes\":[{\"key\":\"db.system\",\"value\":{\"stringValue\":\"postgresql\"}}],\"status\":{}}]}]},"
	"{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"billing\"}}]},"
	"\"scopeSpans\":[{\"scope\":{},\"spans\":[{\"traceId\":\"0af7651916cd43dd8448eb211c80319c\","
	"\"spanId\":\"b7ad6b7169203331\",\"parentSpanId\":\"\",\"name\":\"tick\",\"kind\":1,\"status\":{}}]}]}]}";

/* With the proto names, enum names, upper-case ids, times as numbers, nulls
 * for absent fields, URL-safe base64 without padding. */
static const char traces_snake[] =
	"{\"resource_spans\":[{\"resource\":{\"attributes\":["
	"{\"key\":\"service.name\",\"value\":{\"string_value\":\"checkout\"}},"
	"{\"key\":\"service.version\",\"value\":{\"string_value\":\"1.4.2\"}},"
	"{\"key\":\"host.cpus\",\"value\":{\"int_value\":\"8\"}},"
	"{\"key\":\"telemetry.sdk.language\",\"value\":{\"string_value\":\"nodejs\"}}]},"
	"\"scope_spans\":[{\"spans\":[{\"trace_id\":\"5B8EFFF798038103D269B633813FC60C\","
	"\"span_id\":\"EEE19B7EC3C1B174\",\"parent_span_id\":null,\"name\":\"GET /users/:id\","
	"\"kind\":\"SPAN_KIND_SERVER\","
	"\"start_time_unix_nano\":1700000000000000000,\"end_time_unix_nano\":1700000000250000000,"
	"\"attributes\":["
	"{\"key\":\"http.request.method\",\"value\":{\"string_value\":\"GET\"}},"
	"{\"key\":\"http.response.status_code\",\"value\":{\"int_value\":500}},"
	"{\"key\":\"http.route\",\"value\":{\"string_value\":\"/users/:id\"}},"
	"{\"key\":\"sampled\",\"value\":{\"bool_value\":true}},"
	"{\"key\":\"ratio\",\"value\":{\"double_value\":\"0.25\"}},"
	"{\"key\":\"tags\",\"value\":{\"array_value\":{\"values\":[{\"string_value\":\"a\"},{\"string_value\":\"b\"}]}}},"
	"{\"key\":\"ctx\",\"value\":{\"kvlist_value\":{\"values\":["
	"{\"key\":\"user.id\",\"value\":{\"string_value\":\"u-1\"}},"
	"{\"key\":\"retries\",\"value\":{\"int_value\":3}},"
	"{\"key\":\"inner\",\"value\":{\"array_value\":{\"values\":[{\"kvlist_value\":{\"values\":null}}]}}}]}}},"
	"{\"key\":\"blob\",\"value\":{\"bytes_value\":\"AAEC_w\"}},"
	"{\"key\":\"empty\",\"value\":null},"
	"{\"key\":\"negative\",\"value\":{\"int_value\":-42}},"
	"{\"key\":\"unicode\",\"value\":{\"string_value\":\"caf\\u00E9 \\u2615\"}},"
	"{\"key\":\"big\",\"value\":{\"int_value\":\"-9223372036854775808\"}}],"
	"\"events\":[{\"time_unix_nano\":1700000000200000000,\"name\":\"exception\",\"attributes\":["
	"{\"key\":\"exception.type\",\"value\":{\"string_value\":\"TypeError\"}},"
	"{\"key\":\"exception.message\",\"value\":{\"string_value\":\"x is undefined\"}},"
	"{\"key\":\"exception.stacktrace\",\"value\":{\"string_value\":\"TypeError: x is undefined\\n    at f (app.js:1:2)\"}}]},"
	"{\"time_unix_nano\":\"1700000000210000000\",\"name\":\"retry\",\"attributes\":null}],"
	"\"status\":{\"message\":\"x is undefined\",\"code\":\"STATUS_CODE_ERROR\"}},"
	"{\"trace_id\":\"5B8EFFF798038103D269B633813FC60C\",\"span_id\":\"1111111111111111\","
	"\"parent_span_id\":\"EEE19B7EC3C1B174\",\"name\":\"SELECT users\",\"kind\":\"SPAN_KIND_CLIENT\","
	"\"start_time_unix_nano\":\"1700000000010000000\",\"end_time_unix_nano\":1.70000000002e18,"
	"\"attributes\":[{\"key\":\"db.system\",\"value\":{\"string_value\":\"postgresql\"}}],\"status\":null}]}]},"
	"{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"string_value\":\"billing\"}}]},"
	"\"scope_spans\":[{\"spans\":[{\"trace_id\":\"0AF7651916CD43DD8448EB211C80319C\","
	"\"span_id\":\"B7AD6B7169203331\",\"parent_span_id\":\"0000000000000000\",\"name\":\"tick\","
	"\"kind\":\"SPAN_KIND_INTERNAL\"}]}]}]}";

/* --- checking what was decoded ------------------------------------------- */

static char name_buf[256];

/* A test name: the decoding's label and what is checked. */
static const char *named(const char *how, const char *what)
{
	snprintf(name_buf, sizeof(name_buf), "%s: %s", how, what);
	return name_buf;
}

static int text_is(struct otlp_text t, const char *want)
{
	return t.ptr && t.len == strlen(want) && memcmp(t.ptr, want, t.len) == 0 && t.ptr[t.len] == '\0';
}

static int attr_is(const struct otlp_attr *a, const char *key, enum otlp_kind kind)
{
	return text_is(a->key, key) && a->value.kind == kind;
}

static void check_resources(const struct otlp_export *ex, const char *how)
{
	const struct otlp_resource *r = ex->resources;

	ok(ex->n_resources == 2, named(how, "two resources"));
	if (ex->n_resources != 2)
		return;
	ok(r[0].n_attrs == 4 && attr_is(&r[0].attrs[0], "service.name", OTLP_STRING) &&
	   text_is(r[0].attrs[0].value.string, "checkout") &&
	   text_is(r[0].attrs[1].value.string, "1.4.2") &&
	   attr_is(&r[0].attrs[2], "host.cpus", OTLP_INT) && r[0].attrs[2].value.integer == 8 &&
	   text_is(r[0].attrs[3].value.string, "nodejs"),
	   named(how, "the first resource's attributes"));
	ok(r[1].n_attrs == 1 && text_is(r[1].attrs[0].value.string, "billing"),
	   named(how, "the second resource's attributes"));
}

/* The first span's attributes, one of each kind. */
static void check_span_attrs(const struct otlp_span *s, const char *how)
{
	const struct otlp_attr *a = s->attrs;
	const struct otlp_value *ctx, *inner;

	ok(s->n_attrs == 12, named(how, "span 0 has 12 attributes"));
	if (s->n_attrs != 12)
		return;
	ok(attr_is(&a[0], "http.request.method", OTLP_STRING) && text_is(a[0].value.string, "GET"),
	   named(how, "a string attribute"));
	ok(attr_is(&a[1], "http.response.status_code", OTLP_INT) && a[1].value.integer == 500,
	   named(how, "an int attribute"));
	ok(attr_is(&a[3], "sampled", OTLP_BOOL) && a[3].value.boolean == 1, named(how, "a bool attribute"));
	ok(attr_is(&a[4], "ratio", OTLP_DOUBLE) && a[4].value.number == 0.25, named(how, "a double attribute"));
	ok(attr_is(&a[5], "tags", OTLP_ARRAY) && a[5].value.array.n == 2 &&
	   a[5].value.array.items[0].kind == OTLP_STRING && text_is(a[5].value.array.items[0].string, "a") &&
	   text_is(a[5].value.array.items[1].string, "b"), named(how, "an array attribute"));
	ctx = &a[6].value;
	ok(attr_is(&a[6], "ctx", OTLP_KVLIST) && ctx->kvlist.n == 3 &&
	   attr_is(&ctx->kvlist.attrs[0], "user.id", OTLP_STRING) &&
	   text_is(ctx->kvlist.attrs[0].value.string, "u-1") &&
	   attr_is(&ctx->kvlist.attrs[1], "retries", OTLP_INT) && ctx->kvlist.attrs[1].value.integer == 3,
	   named(how, "a kvlist attribute"));
	inner = ctx->kvlist.n == 3 ? &ctx->kvlist.attrs[2].value : NULL;
	ok(inner && inner->kind == OTLP_ARRAY && inner->array.n == 1 &&
	   inner->array.items[0].kind == OTLP_KVLIST && inner->array.items[0].kvlist.n == 0,
	   named(how, "an empty kvlist in an array in a kvlist"));
	ok(attr_is(&a[7], "blob", OTLP_BYTES) && a[7].value.bytes.len == 4 &&
	   memcmp(a[7].value.bytes.ptr, "\x00\x01\x02\xff", 4) == 0, named(how, "a bytes attribute"));
	ok(attr_is(&a[8], "empty", OTLP_NONE), named(how, "an empty value"));
	ok(attr_is(&a[9], "negative", OTLP_INT) && a[9].value.integer == -42, named(how, "a negative int"));
	ok(attr_is(&a[10], "unicode", OTLP_STRING) && text_is(a[10].value.string, "caf\xc3\xa9 \xe2\x98\x95"),
	   named(how, "a string beyond ASCII"));
	ok(attr_is(&a[11], "big", OTLP_INT) && a[11].value.integer == INT64_MIN, named(how, "the smallest int64"));
}

static void check_traces(const struct otlp_export *ex, const char *how)
{
	const struct otlp_span *s = ex->spans;
	const struct otlp_event *e;

	check_resources(ex, how);
	ok(ex->n_spans == 3 && ex->n_logs == 0, named(how, "three spans"));
	if (ex->n_spans != 3)
		return;
	is_str(s[0].trace_id, "5b8efff798038103d269b633813fc60c", named(how, "span 0 trace id"));
	is_str(s[0].span_id, "eee19b7ec3c1b174", named(how, "span 0 span id"));
	is_str(s[0].parent_span_id, "", named(how, "span 0 is a root"));
	ok(text_is(s[0].name, "GET /users/:id"), named(how, "span 0 name"));
	is_int(s[0].kind, OTLP_SPAN_KIND_SERVER, named(how, "span 0 kind"));
	ok(s[0].start_ns == 1700000000000000000ULL && s[0].end_ns == 1700000000250000000ULL,
	   named(how, "span 0 times"));
	is_int(s[0].status_code, OTLP_STATUS_ERROR, named(how, "span 0 status code"));
	ok(text_is(s[0].status_message, "x is undefined"), named(how, "span 0 status message"));
	ok(s[0].resource == &ex->resources[0] && s[1].resource == &ex->resources[0] &&
	   s[2].resource == &ex->resources[1], named(how, "each span points at its resource"));
	check_span_attrs(&s[0], how);
	ok(s[0].n_events == 2, named(how, "span 0 has two events"));
	if (s[0].n_events == 2) {
		e = &s[0].events[0];
		ok(text_is(e->name, "exception") && e->time_ns == 1700000000200000000ULL && e->n_attrs == 3 &&
		   attr_is(&e->attrs[0], "exception.type", OTLP_STRING) &&
		   text_is(e->attrs[0].value.string, "TypeError") &&
		   text_is(e->attrs[1].value.string, "x is undefined") &&
		   text_is(e->attrs[2].value.string, STACK), named(how, "the exception event"));
		e = &s[0].events[1];
		ok(text_is(e->name, "retry") && e->time_ns == 1700000000210000000ULL && e->n_attrs == 0,
		   named(how, "an event without attributes"));
	}
	ok(strcmp(s[1].parent_span_id, "eee19b7ec3c1b174") == 0 && strcmp(s[1].span_id, "1111111111111111") == 0 &&
	   text_is(s[1].name, "SELECT users") && s[1].kind == OTLP_SPAN_KIND_CLIENT &&
	   s[1].start_ns == 1700000000010000000ULL && s[1].end_ns == 1700000000020000000ULL &&
	   s[1].n_attrs == 1 && text_is(s[1].attrs[0].value.string, "postgresql") && s[1].n_events == 0 &&
	   s[1].status_code == OTLP_STATUS_UNSET && text_is(s[1].status_message, ""),
	   named(how, "span 1: a child, no events, no status"));
	ok(strcmp(s[2].trace_id, "0af7651916cd43dd8448eb211c80319c") == 0 &&
	   strcmp(s[2].span_id, "b7ad6b7169203331") == 0 && s[2].parent_span_id[0] == '\0' &&
	   s[2].kind == OTLP_SPAN_KIND_INTERNAL && s[2].start_ns == 0 && s[2].end_ns == 0 &&
	   s[2].n_attrs == 0, named(how, "span 2: the second resource's, no times"));
}

static void test_traces(void)
{
	static const struct { const char *how; const char *text; } json[] = {
		{ "json as the JS exporter writes it", traces_js },
		{ "json as the collector writes it", traces_collector },
		{ "json with proto names and enum names", traces_snake },
	};
	struct otlp_export ex, from_json;
	struct error err;
	size_t len;
	uint8_t *body = sample_traces_protobuf(&len);
	int rc = otlp_traces_from_protobuf(body, len, &ex, &err);

	if (!ok(rc == 0, "protobuf: the sample trace export decodes"))
		printf("#   %s: %s\n", err.field, err.message);
	check_traces(&ex, "protobuf");
	/* The body may go as soon as the decoder returns. */
	memset(body, 0xff, len);
	check_traces(&ex, "protobuf, body overwritten");
	/* Resources 2, scopes 2, spans 3, resource attributes 4 + 1, span
	 * attributes 12 + 1, in them 2 + 3 + 1 values, events 2 and theirs 3. */
	ok(ex.items == 2 + 2 + 3 + 5 + 13 + 6 + 2 + 3, "protobuf: the items are counted");
	for (size_t i = 0; i < sizeof(json) / sizeof(json[0]); i++) {
		rc = otlp_traces_from_json(json[i].text, strlen(json[i].text), &from_json, &err);
		if (!ok(rc == 0, named(json[i].how, "the sample trace export decodes")))
			printf("#   %s: %s\n", err.field, err.message);
		check_traces(&from_json, json[i].how);
		is_int(from_json.items, ex.items, named(json[i].how, "as many items as in protobuf"));
		otlp_export_free(&from_json);
	}
	otlp_export_free(&ex);
	otlp_export_free(&ex);
	ok(ex.store == NULL && ex.n_spans == 0, "free twice is safe");
	free(body);
}

/* --- logs ------------------------------------------------------------------ */

static uint8_t *sample_logs_protobuf(size_t *len)
{
	struct pool *p = calloc(1, sizeof(*p));
	Resource res;
	LogRecord recs[2], *rec_ptrs[2];
	ScopeLogs scopes[2], *scope_ptrs0[1], *scope_ptrs1[1];
	ResourceLogs rl[2], *rl_ptrs[2];
	LogsRequest req;
	uint8_t *out;

	opentelemetry__proto__resource__v1__resource__init(&res);
	for (int i = 0; i < 2; i++) {
		opentelemetry__proto__logs__v1__log_record__init(&recs[i]);
		opentelemetry__proto__logs__v1__scope_logs__init(&scopes[i]);
		opentelemetry__proto__logs__v1__resource_logs__init(&rl[i]);
		rec_ptrs[i] = &recs[i];
		rl_ptrs[i] = &rl[i];
	}
	opentelemetry__proto__collector__logs__v1__export_logs_service_request__init(&req);
	res.attributes = kvs(p, 1, kv(p, "service.name", str(p, "checkout")));
	res.n_attributes = 1;
	recs[0].time_unix_nano = 1700000000300000000ULL;
	recs[0].observed_time_unix_nano = 1700000000300500000ULL;
	recs[0].severity_number = OPENTELEMETRY__PROTO__LOGS__V1__SEVERITY_NUMBER__SEVERITY_NUMBER_ERROR;
	recs[0].severity_text = "ERROR";
	recs[0].body = str(p, "payment failed for order 42");
	recs[0].attributes = kvs(p, 2, kv(p, "exception.type", str(p, "CardDeclined")),
				 kv(p, "order.id", num(p, 42)));
	recs[0].n_attributes = 2;
	recs[0].trace_id = bin(TRACE_A, 16);
	recs[0].span_id = bin(SPAN_A, 8);
	recs[1].observed_time_unix_nano = 1700000000400000000ULL;
	recs[1].severity_number = OPENTELEMETRY__PROTO__LOGS__V1__SEVERITY_NUMBER__SEVERITY_NUMBER_INFO;
	recs[1].severity_text = "INFO";
	recs[1].body = kvlist(p, 2, kv(p, "msg", str(p, "hello")), kv(p, "count", num(p, 2)));
	scopes[0].log_records = rec_ptrs;
	scopes[0].n_log_records = 2;
	scope_ptrs0[0] = &scopes[0];
	scope_ptrs1[0] = &scopes[1];
	rl[0].resource = &res;
	rl[0].scope_logs = scope_ptrs0;
	rl[0].n_scope_logs = 1;
	rl[1].scope_logs = scope_ptrs1;
	rl[1].n_scope_logs = 1;
	req.resource_logs = rl_ptrs;
	req.n_resource_logs = 2;
	out = pack(&req.base, len);
	free(p);
	return out;
}

static const char logs_js[] =
	"{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
	"\"value\":{\"stringValue\":\"checkout\"}}],\"droppedAttributesCount\":0},"
	"\"scopeLogs\":[{\"scope\":{\"name\":\"pino\"},\"logRecords\":["
	"{\"timeUnixNano\":\"1700000000300000000\",\"observedTimeUnixNano\":\"1700000000300500000\","
	"\"severityNumber\":17,\"severityText\":\"ERROR\","
	"\"body\":{\"stringValue\":\"payment failed for order 42\"},"
	"\"attributes\":[{\"key\":\"exception.type\",\"value\":{\"stringValue\":\"CardDeclined\"}},"
	"{\"key\":\"order.id\",\"value\":{\"intValue\":42}}],\"droppedAttributesCount\":0,"
	"\"flags\":1,\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\"},"
	"{\"timeUnixNano\":\"0\",\"observedTimeUnixNano\":\"1700000000400000000\",\"severityNumber\":9,"
	"\"severityText\":\"INFO\",\"body\":{\"kvlistValue\":{\"values\":[{\"key\":\"msg\","
	"\"value\":{\"stringValue\":\"hello\"}},{\"key\":\"count\",\"value\":{\"intValue\":2}}]}},"
	"\"attributes\":[],\"droppedAttributesCount\":0,\"traceId\":\"\",\"spanId\":\"\"}]}]},"
	"{\"scopeLogs\":[{\"logRecords\":[]}]}]}";

static const char logs_snake[] =
	"{\"resource_logs\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
	"\"value\":{\"string_value\":\"checkout\"}}]},"
	"\"scope_logs\":[{\"log_records\":["
	"{\"time_unix_nano\":1700000000300000000,\"observed_time_unix_nano\":\"1700000000300500000\","
	"\"severity_number\":\"SEVERITY_NUMBER_ERROR\",\"severity_text\":\"ERROR\","
	"\"body\":{\"string_value\":\"payment failed for order 42\"},"
	"\"attributes\":[{\"key\":\"exception.type\",\"value\":{\"string_value\":\"CardDeclined\"}},"
	"{\"key\":\"order.id\",\"value\":{\"int_value\":\"42\"}}],"
	"\"trace_id\":\"5B8EFFF798038103D269B633813FC60C\",\"span_id\":\"EEE19B7EC3C1B174\"},"
	"{\"observed_time_unix_nano\":1700000000400000000,\"severity_number\":\"SEVERITY_NUMBER_INFO\","
	"\"severity_text\":\"INFO\",\"body\":{\"kvlist_value\":{\"values\":[{\"key\":\"msg\","
	"\"value\":{\"string_value\":\"hello\"}},{\"key\":\"count\",\"value\":{\"int_value\":2}}]}},"
	"\"trace_id\":\"00000000000000000000000000000000\",\"span_id\":null}]}]},"
	"{\"resource\":null,\"scope_logs\":[{}]}]}";

static void check_logs(const struct otlp_export *ex, const char *how)
{
	const struct otlp_log *l = ex->logs;

	ok(ex->n_resources == 2 && ex->n_logs == 2 && ex->n_spans == 0, named(how, "two resources, two logs"));
	if (ex->n_resources != 2 || ex->n_logs != 2)
		return;
	ok(ex->resources[0].n_attrs == 1 && text_is(ex->resources[0].attrs[0].value.string, "checkout") &&
	   ex->resources[1].n_attrs == 0, named(how, "the resources"));
	ok(l[0].time_ns == 1700000000300000000ULL && l[0].observed_ns == 1700000000300500000ULL,
	   named(how, "log 0 times"));
	ok(l[0].severity_number == 17 && text_is(l[0].severity_text, "ERROR"), named(how, "log 0 severity"));
	ok(l[0].body.kind == OTLP_STRING && text_is(l[0].body.string, "payment failed for order 42"),
	   named(how, "log 0 body"));
	ok(l[0].n_attrs == 2 && text_is(l[0].attrs[0].value.string, "CardDeclined") &&
	   attr_is(&l[0].attrs[1], "order.id", OTLP_INT) && l[0].attrs[1].value.integer == 42,
	   named(how, "log 0 attributes"));
	is_str(l[0].trace_id, "5b8efff798038103d269b633813fc60c", named(how, "log 0 trace id"));
	is_str(l[0].span_id, "eee19b7ec3c1b174", named(how, "log 0 span id"));
	ok(l[0].resource == &ex->resources[0] && l[1].resource == &ex->resources[0],
	   named(how, "the logs point at their resource"));
	ok(l[1].time_ns == 0 && l[1].observed_ns == 1700000000400000000ULL && l[1].severity_number == 9 &&
	   text_is(l[1].severity_text, "INFO"), named(how, "log 1 times and severity"));
	ok(l[1].body.kind == OTLP_KVLIST && l[1].body.kvlist.n == 2 &&
	   text_is(l[1].body.kvlist.attrs[0].value.string, "hello") &&
	   l[1].body.kvlist.attrs[1].value.integer == 2, named(how, "log 1 body, a kvlist"));
	ok(l[1].n_attrs == 0 && l[1].trace_id[0] == '\0' && l[1].span_id[0] == '\0',
	   named(how, "log 1 without attributes and ids"));
}

static void test_logs(void)
{
	struct otlp_export ex;
	struct error err;
	size_t len;
	uint8_t *body = sample_logs_protobuf(&len);

	if (!ok(otlp_logs_from_protobuf(body, len, &ex, &err) == 0, "protobuf: the sample logs export decodes"))
		printf("#   %s: %s\n", err.field, err.message);
	check_logs(&ex, "protobuf logs");
	otlp_export_free(&ex);
	if (!ok(otlp_logs_from_json(logs_js, strlen(logs_js), &ex, &err) == 0, "json: the sample logs export decodes"))
		printf("#   %s: %s\n", err.field, err.message);
	check_logs(&ex, "json logs");
	otlp_export_free(&ex);
	if (!ok(otlp_logs_from_json(logs_snake, strlen(logs_snake), &ex, &err) == 0,
		"json with proto names: the sample logs export decodes"))
		printf("#   %s: %s\n", err.field, err.message);
	check_logs(&ex, "json logs with proto names");
	otlp_export_free(&ex);
	/* A trace export is not a logs export: nothing of it is read as logs. */
	ok(otlp_logs_from_json(traces_js, strlen(traces_js), &ex, &err) == 0 && ex.n_logs == 0 &&
	   ex.n_resources == 0, "json: a trace export read as logs holds nothing");
	otlp_export_free(&ex);
	free(body);
}

/* --- hostile bodies -------------------------------------------------------- */

/* Protobuf written by hand, for what the encoder will not write. */
struct wire {
	uint8_t *p;
	size_t len, cap;
};

static void put(struct wire *w, const void *bytes, size_t n)
{
	if (w->len + n > w->cap) {
		w->cap = (w->len + n) * 2;
		w->p = realloc(w->p, w->cap);
	}
	memcpy(w->p + w->len, bytes, n);
	w->len += n;
}

static void put_varint(struct wire *w, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;

	do {
		b[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	put(w, b, n);
}

/* Field number field holding bytes[0..n), length-delimited. */
static void put_field(struct wire *w, unsigned field, const void *bytes, size_t n)
{
	put_varint(w, (uint64_t)field << 3 | 2);
	put_varint(w, n);
	put(w, bytes, n);
}

/* *w as the content of field number field, in place. */
static void wrap(struct wire *w, unsigned field)
{
	struct wire outer = { NULL, 0, 0 };

	put_field(&outer, field, w->p, w->len);
	free(w->p);
	*w = outer;
}

/* An export holding one span of content inner: resource_spans (1) >
 * scope_spans (2) > spans (2). */
static struct wire one_span(const void *inner, size_t n)
{
	struct wire w = { NULL, 0, 0 };

	put_field(&w, 2, inner, n);
	wrap(&w, 2);
	wrap(&w, 1);
	return w;
}

#define IDS "\x0a\x10" TRACE_A "\x12\x08" SPAN_A   /* trace_id (1), span_id (2) */

/* Fields no message here has, one of each wire type: 15 varint, 14 fixed64,
 * 13 fixed32, 12 length-delimited. */
#define B_UNKNOWN_FIELDS "\x78\x05\x71\x01\x02\x03\x04\x05\x06\x07\x08\x6d\x01\x02\x03\x04\x62\x02hi"

/* Checks a refusal: 400 BAD_REQUEST with a message, the field (when given)
 * and a fragment of the message (when given). */
static void refused(int rc, const struct error *err, const char *field, const char *fragment,
		    const char *name)
{
	int good = rc == -1 && err->status == 400 && strcmp(err->code, ERROR_BAD_REQUEST) == 0 &&
		   err->message[0] && (!field || strcmp(err->field, field) == 0) &&
		   (!fragment || strstr(err->message, fragment));

	if (!ok(good, name))
		printf("#   rc %d, %d %s, field '%s', message '%s'\n", rc, err->status,
		       rc == -1 ? err->code : "-", rc == -1 ? err->field : "", rc == -1 ? err->message : "");
}

static void test_hostile_protobuf(void)
{
	static const struct {
		const char *bytes;
		size_t len;
		const char *field, *fragment, *name;
	} cases[] = {
#define B(s) s, sizeof(s) - 1
		{ B("\x0a\x05\x12\x00"), "", "a length runs past the end", "a length past the end" },
		{ B("\x0a\x04\x12\x05\x12\x00"), "resource_spans[0]", "a length runs past the end",
		  "a nested length past its message's end" },
		{ B("\x0a"), "", "a length does not end", "a tag without its value" },
		{ B("\x0a\x80"), "", "a length does not end", "a length cut short" },
		{ B("\x08\x01"), "resource_spans[0]", "has wire type 0 where its type needs 2",
		  "a message field as a varint" },
		{ B("\x0d\x01\x02\x03\x04"), "resource_spans[0]", "where its type needs", "a message field as fixed32" },
		{ B("\x0a\x02\x10\x01"), "resource_spans[0].scope_spans[0]", "where its type needs",
		  "a nested message field as a varint" },
		{ B("\x78\x80\x80"), "", "a varint does not end", "an unterminated varint" },
		{ B("\x78\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"), "", "a varint does not end", "an 11-byte varint" },
		{ B("\x79\x01\x02\x03"), "", "a fixed-size value runs past", "a fixed64 cut short" },
		{ B("\x0b\x0c"), "", "wire type", "a group (wire type 3)" },
		{ B("\x0c"), "", "wire type", "an end of group (wire type 4)" },
		{ B("\x0e\x00"), "", "wire type", "wire type 6" },
		{ B("\x0f\x00"), "", "wire type", "wire type 7" },
		{ B("\x00\x00"), "", "field number 0", "field number 0" },
		{ B("\x02\x00"), "", "field number 0", "field number 0, length-delimited" },
		{ B("\x80\x80\x80\x80\x80\x01"), "", "a tag does not end", "a tag of 6 bytes" },
		{ B("\xfa\xff\xff\xff\x7f\x00"), "", "a tag does not end", "a tag past 32 bits" },
		{ B("\x0a\x85\x80\x80\x80\x00\x00"), "", "a length", "a length of 6 bytes" },
		{ B("\x0a\xff\xff\xff\xff\x0f"), "", "a length runs past the end", "a length of 4 GiB" },
#undef B
	};
	struct otlp_export ex;
	struct error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = otlp_traces_from_protobuf(cases[i].bytes, cases[i].len, &ex, &err);

		refused(rc, &err, cases[i].field, cases[i].fragment, cases[i].name);
		rc = otlp_logs_from_protobuf(cases[i].bytes, cases[i].len, &ex, &err);
		ok(rc == -1 && err.status == 400, named("logs too", cases[i].name));
	}
	ok(otlp_traces_from_protobuf("", 0, &ex, &err) == 0 && ex.n_spans == 0 && ex.n_resources == 0,
	   "an empty body is an empty export");
	otlp_export_free(&ex);
	ok(otlp_traces_from_protobuf(B_UNKNOWN_FIELDS, sizeof(B_UNKNOWN_FIELDS) - 1, &ex, &err) == 0,
	   "unknown fields of every wire type are skipped");
	otlp_export_free(&ex);
}

#define SPAN_PATH "resource_spans[0].scope_spans[0].spans[0]"
#define LOG_PATH "resource_logs[0].scope_logs[0].log_records[0]"
#define ZEROS16 "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"

/* What one span, or one log record, may hold wrong. */
static void test_hostile_fields(void)
{
	static const struct {
		int logs;
		const char *inner;
		size_t len;
		const char *field, *fragment, *name;
	} cases[] = {
#define B(s) s, sizeof(s) - 1
		{ 0, B("\x0a\x0f" "123456789012345" "\x12\x08" SPAN_A), SPAN_PATH ".trace_id",
		  "must be 16 bytes, not 15", "a trace id of 15 bytes" },
		{ 0, B("\x0a\x11" "12345678901234567" "\x12\x08" SPAN_A), SPAN_PATH ".trace_id",
		  "must be 16 bytes, not 17", "a trace id of 17 bytes" },
		{ 0, B("\x0a\x10" ZEROS16 "\x12\x08" SPAN_A), SPAN_PATH ".trace_id", "all zeros",
		  "a trace id of zeros" },
		{ 0, B("\x12\x08" SPAN_A), SPAN_PATH ".trace_id", "is missing", "no trace id" },
		{ 0, B("\x0a\x10" TRACE_A), SPAN_PATH ".span_id", "is missing", "no span id" },
		{ 0, B("\x0a\x10" TRACE_A "\x12\x09" "123456789"), SPAN_PATH ".span_id", "must be 8 bytes",
		  "a span id of 9 bytes" },
		{ 0, B(IDS "\x22\x04" "1234"), SPAN_PATH ".parent_span_id", "must be 8 bytes",
		  "a parent span id of 4 bytes" },
		{ 0, B(IDS "\x2a\x01\xff"), SPAN_PATH ".name", "UTF-8", "a name that is not UTF-8" },
		{ 0, B(IDS "\x2a\x03" "a\0b"), SPAN_PATH ".name", "without NUL", "a name holding a NUL" },
		{ 0, B(IDS "\x2a\x02\xc0\xaf"), SPAN_PATH ".name", "UTF-8", "an overlong form" },
		{ 0, B(IDS "\x2a\x03\xed\xa0\x80"), SPAN_PATH ".name", "UTF-8", "an encoded surrogate" },
		{ 0, B(IDS "\x4a\x05\x0a\x03" "a\0b"), SPAN_PATH ".attributes[0].key", "NUL",
		  "an attribute key holding a NUL" },
		{ 0, B(IDS "\x4a\x05\x12\x03\x0a\x01\xff"), SPAN_PATH ".attributes[0].value.string_value",
		  "UTF-8", "a string value that is not UTF-8" },
		{ 0, B(IDS "\x4a\x04\x12\x02\x12\x00"), SPAN_PATH ".attributes[0].value.bool_value",
		  "where its type needs", "a bool that is length-delimited" },
		{ 0, B(IDS "\x30\x09"), SPAN_PATH ".kind", "must be a SpanKind: a number from 0 to 5",
		  "a kind past the enum" },
		{ 0, B(IDS "\x30\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"), SPAN_PATH ".kind", "SpanKind",
		  "a negative kind" },
		{ 0, B(IDS "\x32\x00"), SPAN_PATH ".kind", "where its type needs", "a kind that is length-delimited" },
		{ 0, B(IDS "\x38\x01"), SPAN_PATH ".start_time_unix_nano", "where its type needs",
		  "a time as a varint" },
		{ 0, B(IDS "\x39\x00\x00\x00\x00\x00\x00\x00\x80"), SPAN_PATH ".start_time_unix_nano", "2262",
		  "a start time of 2^63" },
		{ 0, B(IDS "\x41\xff\xff\xff\xff\xff\xff\xff\xff"), SPAN_PATH ".end_time_unix_nano", "2262",
		  "an end time of 2^64 - 1" },
		{ 0, B(IDS "\x7a\x02\x18\x07"), SPAN_PATH ".status.code", "StatusCode", "a status code of 7" },
		{ 0, B(IDS "\x7a\x03\x12\x01\xff"), SPAN_PATH ".status.message", "UTF-8",
		  "a status message that is not UTF-8" },
		{ 0, B(IDS "\x5a\x03\x12\x01\xff"), SPAN_PATH ".events[0].name", "UTF-8",
		  "an event name that is not UTF-8" },
		{ 0, B(IDS "\x5a\x09\x09\xff\xff\xff\xff\xff\xff\xff\xff"), SPAN_PATH ".events[0].time_unix_nano",
		  "2262", "an event time of 2^64 - 1" },
		{ 0, B(IDS "\x5a\x00\x5a\x04\x1a\x02\x0a\x80"), SPAN_PATH ".events[1].attributes[0]",
		  "a length does not end", "a broken attribute of the second event" },
		{ 1, B("\x10\x19"), LOG_PATH ".severity_number", "SeverityNumber: a number from 0 to 24",
		  "a severity of 25" },
		{ 1, B("\x4a\x05" "12345"), LOG_PATH ".trace_id", "must be 16 bytes, not 5",
		  "a log's trace id of 5 bytes" },
		{ 1, B("\x52\x10" TRACE_A), LOG_PATH ".span_id", "must be 8 bytes, not 16",
		  "a log's span id of 16 bytes" },
		{ 1, B("\x59\x00\x00\x00\x00\x00\x00\x00\x80"), LOG_PATH ".observed_time_unix_nano", "2262",
		  "an observed time of 2^63" },
		{ 1, B("\x1a\x01\xff"), LOG_PATH ".severity_text", "UTF-8", "a severity text that is not UTF-8" },
		{ 1, B("\x2a\x03\x0a\x01\xff"), LOG_PATH ".body.string_value", "UTF-8",
		  "a body that is not UTF-8" },
#undef B
	};
	struct otlp_export ex;
	struct error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wire w = { NULL, 0, 0 };
		int rc;

		put_field(&w, 2, cases[i].inner, cases[i].len);
		wrap(&w, 2);
		wrap(&w, 1);
		rc = cases[i].logs ? otlp_logs_from_protobuf(w.p, w.len, &ex, &err)
				   : otlp_traces_from_protobuf(w.p, w.len, &ex, &err);
		refused(rc, &err, cases[i].field, cases[i].fragment, cases[i].name);
		free(w.p);
	}
}

/* Ids that are absent may be all zeros or empty; a parent's too. */
static void test_optional_ids(void)
{
	static const char span[] = IDS "\x22\x08\0\0\0\0\0\0\0\0";
	static const char log[] = "\x4a\x10" ZEROS16 "\x52\x00";
	struct wire w = one_span(span, sizeof(span) - 1);
	struct wire l = { NULL, 0, 0 };
	struct otlp_export ex;
	struct error err;

	ok(otlp_traces_from_protobuf(w.p, w.len, &ex, &err) == 0 && ex.n_spans == 1 &&
	   ex.spans[0].parent_span_id[0] == '\0', "a parent span id of zeros is no parent");
	otlp_export_free(&ex);
	put_field(&l, 2, log, sizeof(log) - 1);
	wrap(&l, 2);
	wrap(&l, 1);
	ok(otlp_logs_from_protobuf(l.p, l.len, &ex, &err) == 0 && ex.n_logs == 1 &&
	   ex.logs[0].trace_id[0] == '\0' && ex.logs[0].span_id[0] == '\0',
	   "a log's ids of zeros or empty are none");
	otlp_export_free(&ex);
	free(w.p);
	free(l.p);
}

/* A buffer filled from its end, for nesting a million deep in linear time. */
struct back {
	uint8_t *p;
	size_t start, size;
};

static void prepend(struct back *b, const void *bytes, size_t n)
{
	b->start -= n;
	memcpy(b->p + b->start, bytes, n);
}

/* What has been written so far as the content of field number field. */
static void prepend_field(struct back *b, unsigned field)
{
	uint8_t head[16];
	size_t n = 0;
	uint64_t v = b->size - b->start;

	head[n++] = (uint8_t)(field << 3 | 2);
	do {
		head[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	prepend(b, head, n);
}

/* An export whose one span has one attribute whose value nests depth values
 * (arrays, or key-value lists when kvlist is set), the deepest a string. */
static struct back nested_export(size_t depth, int kvlist)
{
	struct back b = { NULL, 0, depth * 24 + 256 };

	b.p = malloc(b.size);
	b.start = b.size;
	prepend(&b, "\x0a\x01x", 3);                    /* AnyValue{string_value: "x"} */
	for (size_t i = 1; i < depth; i++) {
		if (kvlist) {
			prepend_field(&b, 2);                   /* KeyValue.value */
			prepend(&b, "\x0a\x01k", 3);            /* KeyValue.key */
			prepend_field(&b, 1);                   /* KeyValueList.values */
			prepend_field(&b, 6);                   /* AnyValue.kvlist_value */
		} else {
			prepend_field(&b, 1);                   /* ArrayValue.values */
			prepend_field(&b, 5);                   /* AnyValue.array_value */
		}
	}
	prepend_field(&b, 2);                           /* KeyValue.value */
	prepend(&b, "\x0a\x01k", 3);
	prepend_field(&b, 9);                           /* Span.attributes */
	prepend(&b, IDS, sizeof(IDS) - 1);
	prepend_field(&b, 2);                           /* ScopeSpans.spans */
	prepend_field(&b, 2);                           /* ResourceSpans.scope_spans */
	prepend_field(&b, 1);                           /* request.resource_spans */
	return b;
}

static void test_nesting(void)
{
	static const size_t depths[] = { 1, 7, 8, 9, 10, 64, 1000000 };
	struct otlp_export ex;
	struct error err;
	char name[128];

	for (int kvlist = 0; kvlist <= 1; kvlist++) {
		for (size_t i = 0; i < sizeof(depths) / sizeof(depths[0]); i++) {
			struct back b = nested_export(depths[i], kvlist);
			int rc = otlp_traces_from_protobuf(b.p + b.start, b.size - b.start, &ex, &err);

			snprintf(name, sizeof(name), "values nested %zu deep in %s", depths[i],
				 kvlist ? "key-value lists" : "arrays");
			if (depths[i] <= OTLP_MAX_VALUE_DEPTH) {
				if (!ok(rc == 0, name))
					printf("#   %s: %s\n", err.field, err.message);
			} else {
				refused(rc, &err, NULL, "is nested more than 8 values deep", name);
				ok(strncmp(err.field, SPAN_PATH ".attributes[0].value.", 52) == 0, "with the path");
			}
			otlp_export_free(&ex);
			free(b.p);
		}
	}
}

/* The bounds on items and on memory. */
static void test_bounds(void)
{
	struct wire span = { NULL, 0, 0 }, flood = { NULL, 0, 0 };
	struct otlp_export ex;
	struct error err;

	put(&span, IDS, sizeof(IDS) - 1);
	for (size_t i = 0; i < (size_t)OTLP_MAX_ITEMS; i++)
		put(&span, "\x4a\x00", 2);          /* an empty attribute */
	wrap(&span, 2);
	wrap(&span, 2);
	wrap(&span, 1);
	refused(otlp_traces_from_protobuf(span.p, span.len, &ex, &err), &err, "",
		"more than 1000000 items", "a million attributes and a span are too many items");

	for (size_t i = 0; i < 900000; i++)
		put(&flood, "\x12\x00", 2);        /* an empty span */
	wrap(&flood, 2);
	wrap(&flood, 1);
	refused(otlp_traces_from_protobuf(flood.p, flood.len, &ex, &err), &err, "", "more memory",
		"900,000 empty spans in 1.8 MB need more memory than the bound");
	free(flood.p);
	flood = (struct wire){ NULL, 0, 0 };
	for (size_t i = 0; i < 1000; i++)
		put(&flood, "\x12\x00", 2);
	wrap(&flood, 2);
	wrap(&flood, 1);
	refused(otlp_traces_from_protobuf(flood.p, flood.len, &ex, &err), &err, SPAN_PATH ".trace_id",
		"is missing", "a thousand empty spans fit the bound, and are refused for their ids");
	free(span.p);
	free(flood.p);
}

/* A realistic export: what the decode holds, against its bound. */
static void test_memory(void)
{
	enum { SPANS = 2000 };
	struct pool *p = calloc(1, sizeof(*p));
	Span *spans = calloc(SPANS, sizeof(*spans)), **ptrs = calloc(SPANS, sizeof(*ptrs));
	ScopeSpans scope, *scope_ptr = &scope;
	ResourceSpans rs, *rs_ptr = &rs;
	TraceRequest req;
	KeyValue **attrs;
	struct otlp_export ex;
	struct error err;
	uint8_t *body;
	size_t len;
	char id[16];

	attrs = kvs(p, 10, kv(p, "http.request.method", str(p, "GET")),
		    kv(p, "url.full", str(p, "https://shop.example.com/api/v1/users/12345?expand=orders")),
		    kv(p, "http.route", str(p, "/api/v1/users/:id")),
		    kv(p, "http.response.status_code", num(p, 200)),
		    kv(p, "server.address", str(p, "shop.example.com")),
		    kv(p, "server.port", num(p, 443)),
		    kv(p, "user_agent.original", str(p, "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")),
		    kv(p, "network.protocol.version", str(p, "1.1")),
		    kv(p, "client.address", str(p, "203.0.113.7")),
		    kv(p, "url.scheme", str(p, "https")));
	for (int i = 0; i < SPANS; i++) {
		opentelemetry__proto__trace__v1__span__init(&spans[i]);
		memset(id, i % 250 + 1, sizeof(id));
		spans[i].trace_id = bin(TRACE_A, 16);
		spans[i].span_id = bin(id, 8);
		spans[i].parent_span_id = bin(SPAN_A, 8);
		spans[i].name = "GET /api/v1/users/:id";
		spans[i].kind = 2;
		spans[i].start_time_unix_nano = 1700000000000000000ULL + (uint64_t)i;
		spans[i].end_time_unix_nano = 1700000000100000000ULL + (uint64_t)i;
		spans[i].attributes = attrs;
		spans[i].n_attributes = 10;
		ptrs[i] = &spans[i];
	}
	opentelemetry__proto__trace__v1__scope_spans__init(&scope);
	opentelemetry__proto__trace__v1__resource_spans__init(&rs);
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(&req);
	scope.spans = ptrs;
	scope.n_spans = SPANS;
	rs.scope_spans = &scope_ptr;
	rs.n_scope_spans = 1;
	req.resource_spans = &rs_ptr;
	req.n_resource_spans = 1;
	body = pack(&req.base, &len);
	ok(otlp_traces_from_protobuf(body, len, &ex, &err) == 0 && ex.n_spans == SPANS,
	   "2000 HTTP server spans of ten attributes decode");
	printf("# %d spans, %zu bytes: at most %zu bytes held (%.1f a byte)\n", SPANS, len,
	       ex.memory_peak, (double)ex.memory_peak / (double)len);
	ok(ex.memory_peak <= len * OTLP_MEMORY_PER_BYTE + OTLP_MEMORY_BASE, "within the bound");
	ok(ex.memory_peak < len * OTLP_MEMORY_PER_BYTE / 2, "with room to spare");
	otlp_export_free(&ex);
	free(body);
	free(spans);
	free(ptrs);
	free(p);
}

/* Every cut of the sample is decoded or refused, never more. */
static void test_truncations(void)
{
	struct otlp_export ex;
	struct error err;
	size_t len, decoded = 0, refused_400 = 0, other = 0;
	uint8_t *body = sample_traces_protobuf(&len);

	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *copy = malloc(cut + 1);   /* exactly cut bytes for the sanitizers */
		int rc;

		memcpy(copy, body, cut);
		rc = otlp_traces_from_protobuf(copy, cut, &ex, &err);
		if (rc == 0)
			decoded++;
		else if (err.status == 400)
			refused_400++;
		else
			other++;
		otlp_export_free(&ex);
		free(copy);
	}
	printf("# %zu cuts of %zu bytes: %zu decode, %zu refused\n", len, len, decoded, refused_400);
	ok(other == 0 && refused_400 > len / 2, "every cut of the protobuf sample decodes or is a 400");
	for (size_t cut = 0; cut < sizeof(traces_js) - 1; cut++) {
		if (otlp_traces_from_json(traces_js, cut, &ex, &err) == 0 || err.status != 400)
			other++;
		otlp_export_free(&ex);
	}
	ok(other == 0, "every cut of the JSON sample is a 400");
	free(body);
}

#define JSON_SPAN(fields) "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{" fields "}]}]}]}"
#define JIDS "\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\""
#define JSON_VALUE(value) JSON_SPAN(JIDS ",\"attributes\":[{\"key\":\"k\",\"value\":" value "}]")
#define JSON_LOG(fields) "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{" fields "}]}]}]}"
#define JP "resourceSpans[0].scopeSpans[0].spans[0]"
#define JV JP ".attributes[0].value"
#define JL "resourceLogs[0].scopeLogs[0].logRecords[0]"
#define ARRAYS9 "{\"arrayValue\":{\"values\":[{\"arrayValue\":{\"values\":[{\"arrayValue\":{\"values\":[" \
	"{\"arrayValue\":{\"values\":[{\"arrayValue\":{\"values\":[{\"arrayValue\":{\"values\":[" \
	"{\"arrayValue\":{\"values\":[{\"arrayValue\":{\"values\":[{\"stringValue\":\"x\"}" \
	"]}}]}}]}}]}}]}}]}}]}}]}}"

static void test_hostile_json(void)
{
	static const struct {
		int logs;
		const char *text, *field, *fragment, *name;
	} cases[] = {
		{ 0, "", "", "not a single valid JSON document", "an empty body" },
		{ 0, "{", "", "not a single valid JSON document", "an open object" },
		{ 0, "{} x", "", "not a single valid JSON document", "data after the document" },
		{ 0, "[]", "", "must be a JSON object", "an array" },
		{ 0, "\"\xff\"", "", "the body must be valid UTF-8", "a string that is not UTF-8" },
		{ 0, "{\"resourceSpans\":{}}", "resourceSpans", "must be an array", "resourceSpans an object" },
		{ 0, "{\"resource_spans\":7}", "resourceSpans", "must be an array", "resource_spans a number" },
		{ 0, "{\"resourceSpans\":[1]}", "resourceSpans[0]", "must be an object", "a resource that is a number" },
		{ 0, "{\"resourceSpans\":[{\"resource\":[]}]}", "resourceSpans[0].resource", "must be an object",
		  "a resource that is an array" },
		{ 0, "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[7]}]}]}", JP, "must be an object (a Span)",
		  "a span that is a number" },
		{ 0, JSON_SPAN("\"traceId\":\"5b8efff798038103d269b633813fc60\",\"spanId\":\"eee19b7ec3c1b174\""),
		  JP ".traceId", "must be 32 hex digits, not 31 characters", "a trace id of 31 digits" },
		{ 0, JSON_SPAN("\"traceId\":\"5b8efff798038103d269b633813fc60cc\",\"spanId\":\"eee19b7ec3c1b174\""),
		  JP ".traceId", "must be 32 hex digits, not 33", "a trace id of 33 digits" },
		{ 0, JSON_SPAN("\"traceId\":\"5b8efff798038103d269b633813fc60g\",\"spanId\":\"eee19b7ec3c1b174\""),
		  JP ".traceId", "hex digits", "a trace id with a g" },
		{ 0, JSON_SPAN("\"traceId\":\"W47/95gDgQPSabYzgT/GDA==\",\"spanId\":\"eee19b7ec3c1b174\""),
		  JP ".traceId", "must be 32 hex digits", "a trace id in base64" },
		{ 0, JSON_SPAN("\"traceId\":\"00000000000000000000000000000000\",\"spanId\":\"eee19b7ec3c1b174\""),
		  JP ".traceId", "all zeros", "a trace id of zeros" },
		{ 0, JSON_SPAN("\"traceId\":7,\"spanId\":\"eee19b7ec3c1b174\""), JP ".traceId",
		  "must be a string of hex digits", "a trace id that is a number" },
		{ 0, JSON_SPAN("\"spanId\":\"eee19b7ec3c1b174\""), JP ".traceId", "is missing", "no trace id" },
		{ 0, JSON_SPAN("\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"\""), JP ".spanId",
		  "is missing", "an empty span id" },
		{ 0, JSON_SPAN("\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b17\""),
		  JP ".spanId", "must be 16 hex digits", "a span id of 15 digits" },
		{ 0, JSON_SPAN(JIDS ",\"parentSpanId\":\"eee19b7e\""), JP ".parentSpanId", "must be 16 hex digits",
		  "a parent span id of 8 digits" },
		{ 0, JSON_SPAN(JIDS ",\"name\":\"\xff\""), JP ".name", "must be valid UTF-8", "a name that is not UTF-8" },
		{ 0, JSON_SPAN(JIDS ",\"name\":\"\\ud800\""), JP ".name", "must be valid UTF-8", "a lone surrogate" },
		{ 0, JSON_SPAN(JIDS ",\"name\":\"a\\u0000b\""), JP ".name", "NUL", "a name holding a NUL" },
		{ 0, JSON_SPAN(JIDS ",\"name\":5"), JP ".name", "must be a string", "a name that is a number" },
		{ 0, JSON_SPAN(JIDS ",\"kind\":6"), JP ".kind", "must be a SpanKind: a number from 0 to 5",
		  "a kind past the enum" },
		{ 0, JSON_SPAN(JIDS ",\"kind\":-1"), JP ".kind", "SpanKind", "a negative kind" },
		{ 0, JSON_SPAN(JIDS ",\"kind\":\"SPAN_KIND_NOPE\""), JP ".kind", "SpanKind", "a kind's name that is none" },
		{ 0, JSON_SPAN(JIDS ",\"kind\":\"2\""), JP ".kind", "SpanKind", "a kind as a numeric string" },
		{ 0, JSON_SPAN(JIDS ",\"kind\":2.0"), JP ".kind", "SpanKind", "a kind as a fraction" },
		{ 0, JSON_SPAN(JIDS ",\"startTimeUnixNano\":\"-1\""), JP ".startTimeUnixNano", "decimal integer",
		  "a negative time as a string" },
		{ 0, JSON_SPAN(JIDS ",\"startTimeUnixNano\":-1"), JP ".startTimeUnixNano", "must not be negative",
		  "a negative time" },
		{ 0, JSON_SPAN(JIDS ",\"startTimeUnixNano\":\"abc\""), JP ".startTimeUnixNano", "decimal integer",
		  "a time of letters" },
		{ 0, JSON_SPAN(JIDS ",\"startTimeUnixNano\":\"\""), JP ".startTimeUnixNano", "decimal integer",
		  "an empty time" },
		{ 0, JSON_SPAN(JIDS ",\"startTimeUnixNano\":\" 1\""), JP ".startTimeUnixNano", "decimal integer",
		  "a time with a blank" },
		{ 0, JSON_SPAN(JIDS ",\"startTimeUnixNano\":\"18446744073709551616\""), JP ".startTimeUnixNano",
		  "within 64 bits", "a time past 64 bits" },
		{ 0, JSON_SPAN(JIDS ",\"startTimeUnixNano\":\"9223372036854775808\""), JP ".startTimeUnixNano",
		  "2262", "a time of 2^63" },
		{ 0, JSON_SPAN(JIDS ",\"endTimeUnixNano\":18446744073709551615"), JP ".endTimeUnixNano",
		  "send a decimal string", "a time as a number at json-c's saturation" },
		{ 0, JSON_SPAN(JIDS ",\"endTimeUnixNano\":99999999999999999999"), JP ".endTimeUnixNano",
		  "send a decimal string", "a time as a number past 64 bits" },
		{ 0, JSON_SPAN(JIDS ",\"endTimeUnixNano\":1.5"), JP ".endTimeUnixNano", "whole number",
		  "a time with a fraction" },
		{ 0, JSON_SPAN(JIDS ",\"endTimeUnixNano\":true"), JP ".endTimeUnixNano", "must be an integer",
		  "a time that is a bool" },
		{ 0, JSON_SPAN(JIDS ",\"attributes\":{}"), JP ".attributes", "must be an array", "attributes an object" },
		{ 0, JSON_SPAN(JIDS ",\"attributes\":[1]"), JP ".attributes[0]", "must be an object (a KeyValue)",
		  "an attribute that is a number" },
		{ 0, JSON_SPAN(JIDS ",\"attributes\":[{\"key\":5}]"), JP ".attributes[0].key", "must be a string",
		  "a key that is a number" },
		{ 0, JSON_VALUE("5"), JV, "must be an object (an AnyValue)", "a value that is a number" },
		{ 0, JSON_VALUE("{\"stringValue\":\"a\",\"intValue\":1}"), JV, "not two", "two members of the oneof" },
		{ 0, JSON_VALUE("{\"stringValue\":\"a\",\"string_value\":\"b\",\"bool_value\":true}"), JV, "not two",
		  "two members of the oneof, one by its proto name" },
		{ 0, JSON_VALUE("{\"stringValue\":5}"), JV ".stringValue", "must be a string", "a string value that is a number" },
		{ 0, JSON_VALUE("{\"intValue\":\"9223372036854775808\"}"), JV ".intValue", "must fit 64 bits",
		  "an int of 2^63" },
		{ 0, JSON_VALUE("{\"intValue\":\"-9223372036854775809\"}"), JV ".intValue", "must fit 64 bits",
		  "an int below -2^63" },
		{ 0, JSON_VALUE("{\"intValue\":-9223372036854775808}"), JV ".intValue", "send a decimal string",
		  "an int as a number at json-c's saturation" },
		{ 0, JSON_VALUE("{\"intValue\":1.5}"), JV ".intValue", "whole number", "an int with a fraction" },
		{ 0, JSON_VALUE("{\"intValue\":\"1e3\"}"), JV ".intValue", "decimal integer", "an int string in exponent form" },
		{ 0, JSON_VALUE("{\"intValue\":\"+1\"}"), JV ".intValue", "decimal integer", "an int string with a plus" },
		{ 0, JSON_VALUE("{\"boolValue\":\"true\"}"), JV ".boolValue", "must be true or false", "a bool as a string" },
		{ 0, JSON_VALUE("{\"doubleValue\":\"abc\"}"), JV ".doubleValue", "must be a number", "a double of letters" },
		{ 0, JSON_VALUE("{\"doubleValue\":\"inf\"}"), JV ".doubleValue", "must be a number", "a double spelt inf" },
		{ 0, JSON_VALUE("{\"doubleValue\":\"0x10\"}"), JV ".doubleValue", "must be a number", "a double in hex" },
		{ 0, JSON_VALUE("{\"doubleValue\":\"1.5 \"}"), JV ".doubleValue", "must be a number", "a double with a blank" },
		{ 0, JSON_VALUE("{\"doubleValue\":[]}"), JV ".doubleValue", "must be a number", "a double that is an array" },
		{ 0, JSON_VALUE("{\"bytesValue\":\"***\"}"), JV ".bytesValue", "must be base64", "bytes that are not base64" },
		{ 0, JSON_VALUE("{\"bytesValue\":\"A\"}"), JV ".bytesValue", "must be base64", "base64 of one digit" },
		{ 0, JSON_VALUE("{\"bytesValue\":\"AA=A\"}"), JV ".bytesValue", "must be base64", "base64 with = inside" },
		{ 0, JSON_VALUE("{\"bytesValue\":\"AAA==\"}"), JV ".bytesValue", "must be base64", "base64 over-padded" },
		{ 0, JSON_VALUE("{\"bytesValue\":5}"), JV ".bytesValue", "base64", "bytes that are a number" },
		{ 0, JSON_VALUE("{\"arrayValue\":[]}"), JV ".arrayValue", "must be an object (an ArrayValue)",
		  "an array value that is a JSON array" },
		{ 0, JSON_VALUE("{\"arrayValue\":{\"values\":{}}}"), JV ".arrayValue.values", "must be an array",
		  "an array value's values an object" },
		{ 0, JSON_VALUE("{\"arrayValue\":{\"values\":[1]}}"), JV ".arrayValue.values[0]",
		  "must be an object (an AnyValue)", "an array element that is a number" },
		{ 0, JSON_VALUE("{\"kvlistValue\":{\"values\":[5]}}"), JV ".kvlistValue.values[0]",
		  "must be an object (a KeyValue)", "a kvlist entry that is a number" },
		{ 0, JSON_VALUE("{\"kvlistValue\":\"x\"}"), JV ".kvlistValue", "must be an object (a KeyValueList)",
		  "a kvlist that is a string" },
		{ 0, JSON_VALUE(ARRAYS9), NULL, "is nested more than 8 values deep", "values nested 9 deep" },
		{ 0, JSON_SPAN(JIDS ",\"events\":{}"), JP ".events", "must be an array", "events an object" },
		{ 0, JSON_SPAN(JIDS ",\"events\":[\"x\"]"), JP ".events[0]", "must be an object (an Event)",
		  "an event that is a string" },
		{ 0, JSON_SPAN(JIDS ",\"events\":[{\"timeUnixNano\":\"x\"}]"), JP ".events[0].timeUnixNano",
		  "decimal integer", "an event time of letters" },
		{ 0, JSON_SPAN(JIDS ",\"events\":[{},{\"attributes\":[{\"key\":\"k\",\"value\":{\"intValue\":\"z\"}}]}]"),
		  JP ".events[1].attributes[0].value.intValue", "decimal integer", "a bad attribute of the second event" },
		{ 0, JSON_SPAN(JIDS ",\"status\":\"ERROR\""), JP ".status", "must be an object", "a status that is a string" },
		{ 0, JSON_SPAN(JIDS ",\"status\":{\"code\":3}"), JP ".status.code", "StatusCode", "a status code of 3" },
		{ 0, JSON_SPAN(JIDS ",\"status\":{\"code\":\"STATUS_CODE_OK\",\"message\":7}"), JP ".status.message",
		  "must be a string", "a status message that is a number" },
		{ 1, JSON_LOG("\"severityNumber\":25"), JL ".severityNumber", "SeverityNumber: a number from 0 to 24",
		  "a severity of 25" },
		{ 1, JSON_LOG("\"severityNumber\":\"SEVERITY_NUMBER_LOUD\""), JL ".severityNumber", "SeverityNumber",
		  "a severity name that is none" },
		{ 1, JSON_LOG("\"traceId\":\"5b8efff798038103d269b633813fc60\""), JL ".traceId", "32 hex digits",
		  "a log's trace id of 31 digits" },
		{ 1, JSON_LOG("\"spanId\":\"00\""), JL ".spanId", "16 hex digits", "a log's span id of 2 digits" },
		{ 1, JSON_LOG("\"observedTimeUnixNano\":\"x\""), JL ".observedTimeUnixNano", "decimal integer",
		  "an observed time of letters" },
		{ 1, JSON_LOG("\"body\":5"), JL ".body", "must be an object (an AnyValue)", "a body that is a number" },
		{ 1, JSON_LOG("\"body\":" ARRAYS9), NULL, "is nested more than 8 values deep", "a body nested 9 deep" },
		{ 1, JSON_LOG("\"severityText\":[]"), JL ".severityText", "must be a string", "a severity text that is an array" },
		{ 1, "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[null]}]}]}", JL, "must be an object (a LogRecord)",
		  "a log record that is null" },
	};
	struct otlp_export ex;
	struct error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *t = cases[i].text;
		int rc = cases[i].logs ? otlp_logs_from_json(t, strlen(t), &ex, &err)
				       : otlp_traces_from_json(t, strlen(t), &ex, &err);

		refused(rc, &err, cases[i].field, cases[i].fragment, cases[i].name);
	}
}

/* Nesting past jsoncheck's depth, and more values than it takes. */
static void test_json_bounds(void)
{
	struct otlp_export ex;
	struct error err;
	struct wire w = { NULL, 0, 0 };
	char *deep = malloc(100000 * 2 + 64);
	size_t n = 0;

	n += (size_t)sprintf(deep, "{\"resourceSpans\":");
	for (int i = 0; i < 100000; i++)
		deep[n++] = '[';
	for (int i = 0; i < 100000; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	refused(otlp_traces_from_json(deep, n, &ex, &err), &err, NULL, "deeper than 64 JSON levels",
		"100,000 nested arrays");
	free(deep);

	put(&w, JSON_SPAN(JIDS ",\"attributes\":[") , strlen(JSON_SPAN(JIDS ",\"attributes\":[")) - 7);
	for (int i = 0; i < 25000; i++)
		put(&w, "{\"key\":\"k\",\"value\":{}},", 23);
	put(&w, "{}]}]}]}]}", 10);
	refused(otlp_traces_from_json((const char *)w.p, w.len, &ex, &err), &err, "",
		"more than 100000 JSON values", "125,000 JSON values");
	free(w.p);
}

/* What the JSON mapping allows, beyond the samples. */
static void test_json_accepts(void)
{
	struct otlp_export ex;
	struct error err;
	static const char values[] = JSON_SPAN(JIDS ",\"kind\":\"SPAN_KIND_CONSUMER\",\"attributes\":["
		"{\"key\":\"nan\",\"value\":{\"doubleValue\":\"NaN\"}},"
		"{\"key\":\"inf\",\"value\":{\"doubleValue\":\"Infinity\"}},"
		"{\"key\":\"-inf\",\"value\":{\"doubleValue\":\"-Infinity\"}},"
		"{\"key\":\"string\",\"value\":{\"doubleValue\":\"1e3\"}},"
		"{\"key\":\"int\",\"value\":{\"doubleValue\":7}},"
		"{\"key\":\"zeros\",\"value\":{\"intValue\":\"007\"}},"
		"{\"key\":\"exp\",\"value\":{\"intValue\":1e3}},"
		"{\"key\":\"max\",\"value\":{\"intValue\":9223372036854775807}},"
		"{\"key\":\"nothing\",\"value\":{\"bytesValue\":\"\"}},"
		"{\"key\":\"pad1\",\"value\":{\"bytesValue\":\"AAA=\"}},"
		"{\"value\":{\"stringValue\":\"no key\"}},"
		"{\"key\":\"null\",\"value\":{\"stringValue\":null}}],"
		"\"traceState\":\"x\",\"unknown\":{\"deep\":[1,2,3]}") ;
	const struct otlp_attr *a;

	if (!ok(otlp_traces_from_json(values, strlen(values), &ex, &err) == 0, "json: the mapping's other forms decode"))
		printf("#   %s: %s\n", err.field, err.message);
	if (ex.n_spans == 1 && ex.spans[0].n_attrs == 12) {
		a = ex.spans[0].attrs;
		ok(ex.spans[0].kind == OTLP_SPAN_KIND_CONSUMER, "json: a kind by its name");
		ok(isnan(a[0].value.number) && isinf(a[1].value.number) && a[1].value.number > 0 &&
		   isinf(a[2].value.number) && a[2].value.number < 0, "json: NaN, Infinity and -Infinity");
		ok(a[3].value.number == 1000 && a[4].value.kind == OTLP_DOUBLE && a[4].value.number == 7,
		   "json: a double as a string and as an integer");
		ok(a[5].value.integer == 7 && a[6].value.integer == 1000 && a[7].value.integer == INT64_MAX,
		   "json: ints with leading zeros, in exponent form, the largest");
		ok(a[8].value.kind == OTLP_BYTES && a[8].value.bytes.len == 0 && a[9].value.bytes.len == 2,
		   "json: empty bytes, and padded base64");
		ok(text_is(a[10].key, "") && a[11].value.kind == OTLP_NONE, "json: no key is an empty key, null is none");
	} else {
		ok(0, "json: the span and its attributes are there");
	}
	otlp_export_free(&ex);
	ok(otlp_traces_from_json("{}", 2, &ex, &err) == 0 && ex.n_resources == 0, "json: {} is an empty export");
	otlp_export_free(&ex);
	ok(otlp_traces_from_json(" {\"resourceSpans\":null,\"x\":1} ", 30, &ex, &err) == 0 && ex.n_resources == 0,
	   "json: null lists are empty, blanks around are fine");
	otlp_export_free(&ex);
	ok(otlp_traces_from_json("{\"resourceSpans\":[{}]}\x01", 22, &ex, &err) == 0 && ex.n_resources == 1 &&
	   ex.resources[0].n_attrs == 0, "json: the text is read to len, no NUL needed");
	otlp_export_free(&ex);
}

/* --- the text of values ---------------------------------------------------- */

static void text_case(const struct otlp_value *v, const char *want, const char *name)
{
	struct buf b = { NULL, 0, 0, 0 };
	int rc = otlp_value_text(v, &b);
	char *got = rc == 0 ? buf_finish(&b, NULL) : NULL;

	if (want)
		is_str(got, want, name);
	else
		ok(rc == -1 && b.data == NULL, name);
	free(got);
	free(b.data == got ? NULL : b.data);
}

static void test_value_text(void)
{
	const struct otlp_value strings[] = {
		{ .kind = OTLP_STRING, .string = { "GET", 3 } },
		{ .kind = OTLP_STRING, .string = { "POST", 4 } },
	};
	const struct otlp_value mixed[] = {
		{ .kind = OTLP_INT, .integer = 1 },
		{ .kind = OTLP_BOOL, .boolean = 0 },
		{ .kind = OTLP_DOUBLE, .number = 2.5 },
		{ .kind = OTLP_STRING, .string = { "", 0 } },
	};
	const struct otlp_value nested[] = {
		{ .kind = OTLP_STRING, .string = { "a", 1 } },
		{ .kind = OTLP_ARRAY, .array = { strings, 2 } },
	};
	const struct otlp_attr attrs[] = {
		{ { "http.method", 11 }, { .kind = OTLP_STRING, .string = { "GET", 3 } } },
		{ { "http.status_code", 16 }, { .kind = OTLP_INT, .integer = 404 } },
		{ { "http.method", 11 }, { .kind = OTLP_STRING, .string = { "PUT", 3 } } },
		{ { "blob", 4 }, { .kind = OTLP_BYTES, .bytes = { "\x01", 1 } } },
	};
	struct otlp_value v = { .kind = OTLP_STRING, .string = { "caf\xc3\xa9", 5 } };
	struct buf b = { NULL, 0, 0, 0 };
	char *s = NULL;

	text_case(&v, "caf\xc3\xa9", "a string as it is");
	v = (struct otlp_value){ .kind = OTLP_BOOL, .boolean = 1 };
	text_case(&v, "true", "true");
	v = (struct otlp_value){ .kind = OTLP_BOOL, .boolean = 0 };
	text_case(&v, "false", "false");
	v = (struct otlp_value){ .kind = OTLP_INT, .integer = INT64_MIN };
	text_case(&v, "-9223372036854775808", "the smallest int");
	v = (struct otlp_value){ .kind = OTLP_DOUBLE, .number = 0.1 };
	text_case(&v, "0.1", "0.1, shortest");
	v = (struct otlp_value){ .kind = OTLP_DOUBLE, .number = 1.0 / 3 };
	text_case(&v, "0.3333333333333333", "a third, 16 digits");
	v = (struct otlp_value){ .kind = OTLP_DOUBLE, .number = 200 };
	text_case(&v, "200", "a whole double");
	v = (struct otlp_value){ .kind = OTLP_DOUBLE, .number = 1e21 };
	text_case(&v, "1e+21", "a large double");
	v = (struct otlp_value){ .kind = OTLP_DOUBLE, .number = NAN };
	text_case(&v, "NaN", "NaN");
	v = (struct otlp_value){ .kind = OTLP_DOUBLE, .number = -INFINITY };
	text_case(&v, "-Infinity", "-Infinity");
	v = (struct otlp_value){ .kind = OTLP_ARRAY, .array = { strings, 2 } };
	text_case(&v, "GET, POST", "an array of strings, joined");
	v = (struct otlp_value){ .kind = OTLP_ARRAY, .array = { mixed, 4 } };
	text_case(&v, "1, false, 2.5, ", "an array of scalars, joined");
	v = (struct otlp_value){ .kind = OTLP_ARRAY, .array = { NULL, 0 } };
	text_case(&v, "", "an empty array is empty text");
	v = (struct otlp_value){ .kind = OTLP_ARRAY, .array = { nested, 2 } };
	text_case(&v, NULL, "an array holding an array has no text");
	v = (struct otlp_value){ .kind = OTLP_KVLIST, .kvlist = { attrs, 2 } };
	text_case(&v, NULL, "a kvlist has no text");
	v = (struct otlp_value){ .kind = OTLP_BYTES, .bytes = { "x", 1 } };
	text_case(&v, NULL, "bytes have no text");
	v = (struct otlp_value){ .kind = OTLP_NONE };
	text_case(&v, NULL, "none has no text");

	ok(otlp_attr_find(attrs, 4, "http.method") == &attrs[0], "find: the first of a repeated key");
	ok(otlp_attr_find(attrs, 4, "http.status_code") == &attrs[1], "find: a key");
	ok(otlp_attr_find(attrs, 4, "http.status") == NULL, "find: a prefix is not the key");
	ok(otlp_attr_find(attrs, 0, "http.method") == NULL, "find: in nothing");
	ok(otlp_attr_text(attrs, 4, "http.status_code", &b) == 0 && (s = buf_finish(&b, NULL)) &&
	   strcmp(s, "404") == 0, "attr text: an int attribute");
	free(s);
	s = NULL;
	b = (struct buf){ NULL, 0, 0, 0 };
	ok(otlp_attr_text(attrs, 4, "missing", &b) == -1 && !b.data, "attr text: a missing attribute");
	ok(otlp_attr_text(attrs, 4, "blob", &b) == -1 && !b.data, "attr text: bytes");
	buf_puts(&b, "method=");
	ok(otlp_attr_text(attrs, 4, "http.method", &b) == 0 && (s = buf_finish(&b, NULL)) &&
	   strcmp(s, "method=GET") == 0, "attr text appends");
	free(s);
}

/* --- the answers ----------------------------------------------------------- */

static void test_responses(void)
{
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse *tr;
	Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceResponse *lr;
	Google__Rpc__Status *st;
	struct json_object *j;
	uint8_t *out;
	size_t len = 99;

	out = otlp_response_protobuf(OTLP_TRACES, 0, NULL, &len);
	ok(out && len == 0, "protobuf: a full success is an empty message");
	free(out);
	out = otlp_response_protobuf(OTLP_TRACES, 3, "3 spans had no name", &len);
	tr = out ? opentelemetry__proto__collector__trace__v1__export_trace_service_response__unpack(NULL, len, out)
		 : NULL;
	ok(tr && tr->partial_success && tr->partial_success->rejected_spans == 3 &&
	   strcmp(tr->partial_success->error_message, "3 spans had no name") == 0,
	   "protobuf: a trace partial success reads back");
	if (tr)
		opentelemetry__proto__collector__trace__v1__export_trace_service_response__free_unpacked(tr, NULL);
	free(out);
	out = otlp_response_protobuf(OTLP_LOGS, 0, "a warning", &len);
	lr = out ? opentelemetry__proto__collector__logs__v1__export_logs_service_response__unpack(NULL, len, out)
		 : NULL;
	ok(lr && lr->partial_success && lr->partial_success->rejected_log_records == 0 &&
	   strcmp(lr->partial_success->error_message, "a warning") == 0,
	   "protobuf: a logs answer with a warning only");
	ok(out && len == 13 && memcmp(out, "\x0a\x0b\x12\x09" "a warning", 13) == 0,
	   "protobuf: the warning's bytes: partial_success (1) > error_message (2)");
	if (lr)
		opentelemetry__proto__collector__logs__v1__export_logs_service_response__free_unpacked(lr, NULL);
	free(out);
	out = otlp_status_protobuf(3, "resource_spans[0] is not valid protobuf", &len);
	st = out ? google__rpc__status__unpack(NULL, len, out) : NULL;
	ok(st && st->code == 3 && strcmp(st->message, "resource_spans[0] is not valid protobuf") == 0,
	   "protobuf: a google.rpc.Status reads back");
	ok(out && out[0] == 0x08 && out[1] == 0x03 && out[2] == 0x12, "protobuf: code (1), then message (2)");
	if (st)
		google__rpc__status__free_unpacked(st, NULL);
	free(out);

	j = otlp_response_json(OTLP_TRACES, 0, NULL);
	is_str(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN), "{}", "json: a full success");
	json_object_put(j);
	j = otlp_response_json(OTLP_TRACES, 3, "3 spans had no name");
	is_str(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
	       "{\"partialSuccess\":{\"rejectedSpans\":\"3\",\"errorMessage\":\"3 spans had no name\"}}",
	       "json: a trace partial success, the count as a string");
	json_object_put(j);
	j = otlp_response_json(OTLP_LOGS, 9000000000LL, NULL);
	is_str(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN),
	       "{\"partialSuccess\":{\"rejectedLogRecords\":\"9000000000\"}}", "json: rejected log records");
	json_object_put(j);
	j = otlp_status_json(3, "bad \"id\"");
	is_str(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN),
	       "{\"code\":3,\"message\":\"bad \\\"id\\\"\"}", "json: a status");
	json_object_put(j);

	is_int(otlp_grpc_code(400), 3, "grpc: 400 INVALID_ARGUMENT");
	is_int(otlp_grpc_code(415), 3, "grpc: 415 INVALID_ARGUMENT");
	is_int(otlp_grpc_code(401), 16, "grpc: 401 UNAUTHENTICATED");
	is_int(otlp_grpc_code(403), 7, "grpc: 403 PERMISSION_DENIED");
	is_int(otlp_grpc_code(404), 5, "grpc: 404 NOT_FOUND");
	is_int(otlp_grpc_code(413), 8, "grpc: 413 RESOURCE_EXHAUSTED");
	is_int(otlp_grpc_code(429), 8, "grpc: 429 RESOURCE_EXHAUSTED");
	is_int(otlp_grpc_code(503), 14, "grpc: 503 UNAVAILABLE");
	is_int(otlp_grpc_code(500), 13, "grpc: 500 INTERNAL");
}

/* --- pbscan on its own ----------------------------------------------------- */

static void test_pbscan(void)
{
	const struct pbscan_limits lim = { 31, &opentelemetry__proto__common__v1__any_value__descriptor, 8, 100, 1 };
	const struct pbscan_limits shallow = { 3, NULL, 0, 100, 0 };
	struct pbscan_result res;
	struct wire w = one_span(IDS "\x2a\x01\xff", sizeof(IDS) - 1 + 3);
	const ProtobufCMessageDescriptor *req =
		&opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor;

	ok(pbscan(req, w.p, w.len, &lim, &res) == PBSCAN_STRING && strcmp(res.field, SPAN_PATH ".name") == 0 &&
	   res.offset == w.len - 1, "pbscan: a bad string, its path and its byte");
	ok(pbscan(req, w.p, w.len, &shallow, &res) == PBSCAN_DEPTH &&
	   strcmp(res.field, "resource_spans[0].scope_spans[0].spans[0]") == 0, "pbscan: a limit on depth");
	free(w.p);
	w = (struct wire){ NULL, 0, 0 };
	for (int i = 0; i < 101; i++)
		put(&w, "\x0a\x00", 2);
	ok(pbscan(req, w.p, 200, &lim, &res) == PBSCAN_OK && res.items == 100, "pbscan: 100 items of 100");
	ok(pbscan(req, w.p, 202, &lim, &res) == PBSCAN_TOO_MANY && strcmp(res.field, "resource_spans[100]") == 0,
	   "pbscan: the 101st is one too many");
	free(w.p);
}

int main(void)
{
	test_traces();
	test_logs();
	test_hostile_protobuf();
	test_hostile_fields();
	test_optional_ids();
	test_nesting();
	test_bounds();
	test_memory();
	test_truncations();
	test_hostile_json();
	test_json_bounds();
	test_json_accepts();
	test_value_text();
	test_responses();
	test_pbscan();
	return tap_done();
}
