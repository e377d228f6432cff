/* error: why a request cannot be served, as its answer will say it. Parsers,
 * validators and stores fill one and return -1; only a resource's handler
 * writes it out (respond_with in http/response.h), so a request's answer is
 * written in one place. */
#ifndef TELLTALE_ERROR_H
#define TELLTALE_ERROR_H

#include "pure/jsoncheck.h"

/* The codes of the JSON error body (docs/api.md, "Errors"). */
#define ERROR_VALIDATION   "VALIDATION"
#define ERROR_BAD_REQUEST  "BAD_REQUEST"
#define ERROR_UNAUTHORIZED "UNAUTHORIZED"
#define ERROR_FORBIDDEN    "FORBIDDEN"
#define ERROR_NOT_FOUND    "NOT_FOUND"
#define ERROR_CONFLICT     "CONFLICT"
#define ERROR_TOO_LARGE    "PAYLOAD_TOO_LARGE"
#define ERROR_UNAVAILABLE  "UNAVAILABLE"
#define ERROR_INTERNAL     "INTERNAL"

struct error {
	int status;                         /* the HTTP status: 400, 422, 503, ... */
	const char *code;                   /* one of the ERROR_ codes (static) */
	char field[JSONCHECK_FIELD_MAX];    /* the offending value's path, or "" */
	char message[512];
};

/* Fills *e; field may be NULL. Always returns -1, so that a refusal is one
 * line: `return error_set(err, 422, ERROR_VALIDATION, "level", "...");` */
int error_set(struct error *e, int status, const char *code, const char *field,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* error_set with 422 VALIDATION and message as it is. Returns -1. */
int error_invalid(struct error *e, const char *field, const char *message);

/* Puts the field's name before the message, "level must be one of ...", for
 * the answers that spell it out. Returns -1. */
int error_name_field(struct error *e);

#endif
