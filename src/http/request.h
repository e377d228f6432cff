/* request: one FastCGI request as the handlers see it: method, path segments,
 * query parameters, headers and the body. */
#ifndef TELLTALE_REQUEST_H
#define TELLTALE_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include <fcgiapp.h>

#include "pure/roles.h"
#include "pure/urlcode.h"

/* Body limits (docs/api.md): 1 MiB everywhere, 10 MiB for bulk ingest. */
#define REQUEST_BODY_LIMIT      (1024 * 1024)
#define REQUEST_BODY_LIMIT_BULK (10 * 1024 * 1024)

#define REQUEST_MAX_SEGMENTS 8

struct request_segment {
	char *text;        /* percent-decoded, NUL-terminated (may hold a NUL from %00) */
	size_t len;
};

struct request {
	FCGX_Request *fcgi;
	const char *method;                 /* lent by libfcgi */
	char *path;                         /* raw path, without the query string */
	struct request_segment segments[REQUEST_MAX_SEGMENTS];
	size_t nsegments;
	int malformed_path;                 /* a bad escape or too many segments */
	struct urlcode_query query;
	char *body;                         /* NUL-terminated; NULL until read */
	size_t body_len;
	const char *headers;                /* static "Name: value\r\n" lines every response
	                                       to this request carries (CORS), or NULL */
	size_t body_limit;                  /* the route's: a longer body is a 413 */
	const char *const *query_names;     /* the query parameters the route reads */
	int status;                         /* set when the response is written */
	struct principal who;               /* set by the route's access check */
	char address[48];                   /* the client's, past a trusted proxy */
	int https;                          /* the client came over https */
	const char *audit_action;           /* a handler's name for its change, or NULL:
	                                       the route's then (routes.c) */
	int hold;                           /* keep the response in held, unsent */
	char *held;                         /* the response as it will be sent */
	size_t held_len, held_body;         /* its length; where its body starts */
	int64_t started_usec;
};

/* Fills req from the FastCGI parameters of fcgi. Returns 0, or -1 on no memory
 * (req is still safe to free). */
int request_init(struct request *req, FCGX_Request *fcgi);

/* Frees what request_init and request_read_body allocated. */
void request_free(struct request *req);

/* The CGI parameter name ("HTTP_X_INGEST_KEY", "CONTENT_TYPE"), or NULL. Lent. */
const char *request_param(const struct request *req, const char *name);

/* The value of cookie name in the Cookie header (lent, not NUL-terminated:
 * *len is its length), or NULL when there is none. */
const char *request_cookie(const struct request *req, const char *name, size_t *len);

/* 1 for a method that changes something (not GET, HEAD or OPTIONS). */
int request_is_change(const struct request *req);

/* The decoded query parameter name: its value (lent), or NULL when absent.
 * *malformed is set to 1 when it is present but its escape is broken. */
const char *request_query(const struct request *req, const char *name, int *malformed);

/* The raw query parameter name (NULL when absent). Both readers log a name
 * that the route's query_names leave out, so that the route table stays the
 * whole list of what a route reads (the test run's log check finds it). */
const struct urlcode_param *request_query_param(const struct request *req, const char *name);

enum request_body_status { BODY_OK, BODY_TOO_LARGE, BODY_READ_ERROR };

/* Reads the whole body, up to limit bytes, into req->body. Bodies announced with
 * CONTENT_LENGTH are read to that length; without one (a chunked body passed on
 * unbuffered) until the end of the stream. */
enum request_body_status request_read_body(struct request *req);

#endif
