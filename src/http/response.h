/* response: writes the status, headers and JSON body of a response. Every
 * function here sets req->status; a request gets exactly one response. */
#ifndef TELLTALE_RESPONSE_H
#define TELLTALE_RESPONSE_H

#include <json-c/json.h>

#include "http/request.h"
#include "pure/error.h"

/* The header lines of a 401 (RFC 6750: the scheme it wants) and of a 503
 * (when to try again), for answers written with other bodies too. */
#define RESPONSE_AUTHENTICATE "WWW-Authenticate: Bearer realm=\"telltale\"\r\n"
#define RESPONSE_RETRY "Retry-After: 1\r\n"

/* Writes status and body as JSON. body is lent: the caller still puts it. */
void respond_json(struct request *req, int status, struct json_object *body);

/* 204 with no body. */
void respond_no_content(struct request *req);

/* The error body of docs/api.md: {"error": code, "message": ..., "field": field}.
 * field may be NULL. Always returns -1, so `return respond_error(...)` reads as
 * the `_or_respond` contract. */
int respond_error(struct request *req, int status, const char *code, const char *field,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The error body for *e (its field left out when empty); a 503 or 500 as
 * respond_unavailable or respond_internal write it. Returns -1. */
int respond_with(struct request *req, const struct error *e);

/* 405 METHOD_NOT_ALLOWED with an Allow header listing allow. Returns -1. */
int respond_method_not_allowed(struct request *req, const char *allow);

/* 503 UNAVAILABLE with Retry-After: the database cannot be reached. Returns -1. */
int respond_unavailable(struct request *req);

/* 500 INTERNAL; the detail belongs in the log, never in the body. Returns -1. */
int respond_internal(struct request *req);

/* A response written while req->hold is set is kept in req->held. The
 * first sends it, the second forgets it (a change that could not be recorded
 * is not answered as done). */
void response_release(struct request *req);
void response_drop(struct request *req);

/* Adds header lines ("Name: value\r\n"...) to the held answer; without
 * one, or without memory for them, the answer stays as it is. */
void response_add_headers(struct request *req, const char *lines);

/* respond_json with extra header lines ("Name: value\r\n"...). */
void respond_json_with_headers(struct request *req, int status, const char *headers,
			       struct json_object *body);

/* status with a body of len bytes of content_type (body may be NULL when
 * len is 0) and extra header lines ("" or "Name: value\r\n"...). */
void respond_bytes(struct request *req, int status, const char *headers,
		   const char *content_type, const void *body, size_t len);

#endif
