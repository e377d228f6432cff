/* otlp: OpenTelemetry exports (OTLP/HTTP) read into one neutral form,
 * whichever encoding they came in, and the answers written back.
 *
 * An export is the body of POST .../v1/traces or .../v1/logs: the
 * ExportTraceServiceRequest or ExportLogsServiceRequest of the OTLP
 * specification, in binary protobuf (application/x-protobuf) or in the OTLP
 * JSON mapping (application/json: lowerCamelCase names, the proto names also
 * read; trace and span ids in hex; enums as numbers, their names also read;
 * 64-bit integers as decimal strings or numbers; bytes in base64).
 *
 * What is read (proto/otlp/ lists it): the resources' attributes; each span's
 * ids, name, kind, times, attributes, events and status; each log record's
 * times, severity, body, attributes and ids. Everything else is skipped.
 *
 * An export is taken whole or refused whole, with 400 BAD_REQUEST and a
 * message (err->field holds the path of the value at fault, when there is
 * one: "resource_spans[0].scope_spans[0].spans[3].trace_id" for protobuf,
 * "resourceSpans[0].scopeSpans[0].spans[3].traceId" for JSON). It is refused
 * when it is not well-formed protobuf or JSON, when a value has the wrong
 * type, when a span's trace or span id is missing, all zeros or of the wrong
 * length (an optional id, empty or all zeros, is ""), when a string is not
 * UTF-8 or holds a NUL, when a time is past OTLP_TIME_MAX, when an enum is not
 * one of its values, and past the bounds below. Only running out of memory is
 * another answer: 500 INTERNAL.
 *
 * Pure: protobuf-c and json-c only, no I/O, no globals. */
#ifndef TELLTALE_OTLP_H
#define TELLTALE_OTLP_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "pure/buf.h"
#include "pure/error.h"

/* Items an export may hold: spans, log records, events, attributes, the
 * elements of array and key-value list values, and the resource and scope
 * entries that hold them; every element of a list, counted once. */
#define OTLP_MAX_ITEMS 1000000
/* A JSON body is also held to jsoncheck's JSONCHECK_MAX_VALUES values and
 * keys, which bounds the document json-c builds of it: about a thousand spans
 * of ten attributes. Protobuf, what SDKs and the collector send by default,
 * has no such bound. */
/* Values inside values: an attribute's value, or a log's body, is depth 1;
 * an array or key-value list adds one. */
#define OTLP_MAX_VALUE_DEPTH 8
/* Decoding an export of n bytes holds at most
 * OTLP_MEMORY_PER_BYTE * n + OTLP_MEMORY_BASE bytes at once (json-c's own
 * document aside, which jsoncheck bounds), counting what the allocator keeps
 * for itself; an export that needs more (a flood of empty items) is refused. */
#define OTLP_MEMORY_PER_BYTE 16
#define OTLP_MEMORY_BASE (1024 * 1024)
/* Times are Unix nanoseconds up to 2^63 - 1 (2262-04-11), so that they fit
 * signed 64-bit arithmetic; 0 is "not given". */
#define OTLP_TIME_MAX INT64_MAX

/* Ids as lower-case hex, NUL-terminated: 32 and 16 digits. */
#define OTLP_TRACE_ID_SIZE 33
#define OTLP_SPAN_ID_SIZE 17

enum otlp_kind {
	OTLP_NONE,          /* an AnyValue with no value set */
	OTLP_STRING,
	OTLP_BOOL,
	OTLP_INT,
	OTLP_DOUBLE,
	OTLP_ARRAY,
	OTLP_KVLIST,
	OTLP_BYTES,
};

enum otlp_span_kind {
	OTLP_SPAN_KIND_UNSPECIFIED,
	OTLP_SPAN_KIND_INTERNAL,
	OTLP_SPAN_KIND_SERVER,
	OTLP_SPAN_KIND_CLIENT,
	OTLP_SPAN_KIND_PRODUCER,
	OTLP_SPAN_KIND_CONSUMER,
};

enum otlp_status_code {
	OTLP_STATUS_UNSET,
	OTLP_STATUS_OK,
	OTLP_STATUS_ERROR,
};

/* Text: valid UTF-8 without NUL (for bytes: any bytes), and a NUL after it,
 * so ptr is also a C string. Never NULL: "" when absent. */
struct otlp_text {
	const char *ptr;
	size_t len;
};

struct otlp_attr;

struct otlp_value {
	enum otlp_kind kind;
	union {
		struct otlp_text string;        /* OTLP_STRING */
		struct otlp_text bytes;         /* OTLP_BYTES */
		int boolean;                    /* OTLP_BOOL: 0 or 1 */
		int64_t integer;                /* OTLP_INT */
		double number;                  /* OTLP_DOUBLE: also NaN and infinities */
		struct {
			const struct otlp_value *items;
			size_t n;
		} array;                        /* OTLP_ARRAY */
		struct {
			const struct otlp_attr *attrs;
			size_t n;
		} kvlist;                       /* OTLP_KVLIST */
	};
};

struct otlp_attr {
	struct otlp_text key;
	struct otlp_value value;
};

struct otlp_resource {
	const struct otlp_attr *attrs;
	size_t n_attrs;
};

struct otlp_event {
	struct otlp_text name;
	uint64_t time_ns;
	const struct otlp_attr *attrs;
	size_t n_attrs;
};

struct otlp_span {
	char trace_id[OTLP_TRACE_ID_SIZE];
	char span_id[OTLP_SPAN_ID_SIZE];
	char parent_span_id[OTLP_SPAN_ID_SIZE];   /* "" for a root span */
	struct otlp_text name;
	int kind;                                 /* enum otlp_span_kind */
	uint64_t start_ns, end_ns;
	const struct otlp_attr *attrs;
	size_t n_attrs;
	const struct otlp_event *events;
	size_t n_events;
	int status_code;                          /* enum otlp_status_code */
	struct otlp_text status_message;
	const struct otlp_resource *resource;     /* one of the export's */
};

struct otlp_log {
	uint64_t time_ns, observed_ns;
	int severity_number;                      /* 0 (unspecified) to 24 (FATAL4) */
	struct otlp_text severity_text;
	struct otlp_value body;                   /* OTLP_NONE when absent */
	const struct otlp_attr *attrs;
	size_t n_attrs;
	char trace_id[OTLP_TRACE_ID_SIZE];        /* "" when absent */
	char span_id[OTLP_SPAN_ID_SIZE];          /* "" when absent */
	const struct otlp_resource *resource;
};

struct otlp_store;

/* One export: a resource per ResourceSpans or ResourceLogs, in order, and
 * every span or log record under them in one list, in order. All of it lives
 * in the store, and nothing is lent from the body: the body may go as soon as
 * a decoder returns. */
struct otlp_export {
	struct otlp_resource *resources;
	size_t n_resources;
	struct otlp_span *spans;                  /* a traces export's */
	size_t n_spans;
	struct otlp_log *logs;                    /* a logs export's */
	size_t n_logs;
	size_t items;                             /* as OTLP_MAX_ITEMS counts them */
	size_t memory_peak;                       /* the most held at once, as bounded */
	struct otlp_store *store;                 /* owns all of the above */
};

/* The decoders: body[0..len) into *out. Return 0, or -1 with *err filled and
 * *out empty. Either way otlp_export_free(out) may be called; after a 0 it
 * must be. The JSON text needs no NUL after it. */
int otlp_traces_from_protobuf(const void *body, size_t len, struct otlp_export *out,
			      struct error *err);
int otlp_traces_from_json(const char *text, size_t len, struct otlp_export *out,
			  struct error *err);
int otlp_logs_from_protobuf(const void *body, size_t len, struct otlp_export *out,
			    struct error *err);
int otlp_logs_from_json(const char *text, size_t len, struct otlp_export *out,
			struct error *err);

/* Frees what *ex holds and empties it; safe to call twice. */
void otlp_export_free(struct otlp_export *ex);

/* The first attribute named key among attrs[0..n), or NULL. (The
 * specification wants keys unique; a sender that repeats one gets its first.) */
const struct otlp_attr *otlp_attr_find(const struct otlp_attr *attrs, size_t n, const char *key);

/* Appends the value as text to out: a string as it is; a bool as true or
 * false; an int in decimal; a double in the shortest form that reads back
 * the same (NaN, Infinity, -Infinity for those); an array of those, each
 * element so, joined with ", ". Returns 0, or -1, out untouched, for a value
 * with no text: none, bytes, a key-value list, or an array holding one of
 * those or an array. (Running out of memory is out's to report.) */
int otlp_value_text(const struct otlp_value *v, struct buf *out);

/* otlp_value_text of the attribute named key, or -1 when there is none. */
int otlp_attr_text(const struct otlp_attr *attrs, size_t n, const char *key, struct buf *out);

/* The answers. */

enum otlp_signal {
	OTLP_TRACES,
	OTLP_LOGS,
};

/* The ExportTraceServiceResponse or ExportLogsServiceResponse, in protobuf:
 * with a partial_success of rejected items and message (valid UTF-8, may be
 * NULL) when either is set, else empty (a full success is zero bytes).
 * Returns a new buffer (the caller frees it) and its length in *len, or NULL
 * when out of memory. */
uint8_t *otlp_response_protobuf(enum otlp_signal signal, int64_t rejected, const char *message,
				size_t *len);

/* The same in the JSON mapping: {} or {"partialSuccess":{"rejectedSpans":"3",
 * "errorMessage":"..."}} ("rejectedLogRecords" for logs; the int64 as a
 * string, zero and empty fields left out). A new object (the caller puts it),
 * or NULL when out of memory. */
struct json_object *otlp_response_json(enum otlp_signal signal, int64_t rejected,
				       const char *message);

/* The gRPC status code of a failure's Status for its HTTP status: 401
 * UNAUTHENTICATED (16), 403 PERMISSION_DENIED (7), 404 NOT_FOUND (5), 413 and
 * 429 RESOURCE_EXHAUSTED (8), any other 4xx INVALID_ARGUMENT (3), 503
 * UNAVAILABLE (14), anything else INTERNAL (13). */
int otlp_grpc_code(int http_status);

/* The body of a failure: google.rpc.Status with code and message (valid
 * UTF-8), in protobuf. A new buffer (the caller frees it) and its length in
 * *len, or NULL when out of memory. */
uint8_t *otlp_status_protobuf(int code, const char *message, size_t *len);

/* The same in JSON: {"code":3,"message":"..."}. A new object (the caller puts
 * it), or NULL when out of memory. */
struct json_object *otlp_status_json(int code, const char *message);

#endif
