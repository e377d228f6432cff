/* log_input: one /v1 request log from a request body, validated field by
 * field, and the masked row the ingest statement stores.
 * Pure: json-c only, no I/O, no globals. */
#ifndef TELLTALE_LOG_INPUT_H
#define TELLTALE_LOG_INPUT_H

#include <stddef.h>

#include <json-c/json.h>

#include "pure/error.h"
#include "pure/mask.h"
#include "pure/fields.h"

/* Bodies are kept up to this many bytes (cut at a character boundary). */
#define LOG_BODY_MAX (64 * 1024)
/* A method is 1 to this many ASCII letters. */
#define LOG_METHOD_MAX FIELD_METHOD_MAX
/* latency_ms is at most this (about 31 years), so that no sum of latencies
 * can overflow a double precision average. */
#define LOG_LATENCY_MAX 1e12
/* At most this many tags, each 1 to LOG_TAG_MAX characters. */
#define LOG_TAGS_MAX 100
#define LOG_TAG_MAX 128
/* A route is 1 to this many characters. */
#define LOG_ROUTE_MAX 512

/* A log as read from the body. Pointers are lent from the document; optional
 * fields that are absent or null are NULL (has_* 0). */
struct log_input {
	char method[LOG_METHOD_MAX + 1];        /* upper case */
	const char *url;
	size_t url_len;
	const char *path;
	size_t path_len;
	int status_code;                        /* 0 when absent */
	struct json_object *latency_ms;         /* a number, 0 to LOG_LATENCY_MAX */
	struct json_object *query_params;       /* an object */
	struct json_object *request_headers;    /* objects of strings */
	struct json_object *response_headers;
	struct json_object *request_body;       /* strings */
	struct json_object *response_body;
	struct json_object *error;              /* a non-empty string */
	const char *source_ip;                  /* IPv4 or IPv6 text */
	struct json_object *tags;               /* an array of strings */
	struct json_object *route;              /* a string: the route the path matched */
	const struct mask_fields *mask_fields; /* the service's own names, or NULL:
	                                         the caller sets it after parsing */
};

/* Why a log was refused: the field and what is wrong with it. field is ""
 * when the body as a whole is wrong (not an object). */
/* Reads and checks a log object against docs/api.md's rules; unknown fields are
 * ignored. Returns 0 and fills *in (lending from doc), or -1 and fills *err. */
int log_input_parse(struct json_object *doc, struct log_input *in,
		    struct error *err);

/* The log as the row object the ingest statement reads, with everything
 * masked (see mask.h) and the bodies cut to LOG_BODY_MAX after masking:
 * {"method", "url", "path", "route", "status_code", "latency_ms",
 * "query_params", "request_headers", "response_headers", "request_body",
 * "response_body", "request_body_truncated", "response_body_truncated",
 * "error", "source_ip", "tags"}, absent keys for absent values; "route" is
 * the log's own, or log_route_of its masked path. Returns a new object (the
 * caller puts it), or NULL on no memory. */
struct json_object *log_input_row(const struct log_input *in);

/* The route of a path: its query string left out, and each segment that is a
 * number, a UUID or 16 or more hex digits replaced by {id}, {uuid} or {hex}
 * ("/orders/42/items/9f86d081-88a9-4b1e-9f3c-1a2b3c4d5e6f" is
 * "/orders/{id}/items/{uuid}"). Returns a new string (the caller frees it),
 * or NULL on no memory. */
char *log_route_of(const char *path, size_t len);

#endif
