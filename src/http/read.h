/* read: a request's parts as typed values. Each reader returns 0 with its
 * value, or -1 with *err filled for the handler to answer; none writes to the
 * client. */
#ifndef TELLTALE_READ_H
#define TELLTALE_READ_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "http/request.h"
#include "pure/error.h"
#include "pure/json.h"
#include "pure/keys.h"

/* The id in path segment i: 404 NOT_FOUND unless a positive 64-bit integer. */
int read_path_id(const struct request *req, size_t i, int64_t *out, struct error *err);

/* The SHA-256 of the mkey_ key in "Authorization: Bearer mkey_...", into
 * digest; 401 UNAUTHORIZED when the header is missing or not such a key. */
int read_bearer_key(const struct request *req, char digest[KEYS_SHA256_HEX_LEN + 1],
		    struct error *err);

/* The SHA-256 of whatever credential "Authorization: Bearer ..." holds, into
 * digest, for keys checked by their digest alone; 401 UNAUTHORIZED, naming
 * what (such as "<ingest key>"), when there is none. */
int read_bearer_digest(const struct request *req, char digest[KEYS_SHA256_HEX_LEN + 1],
		       const char *what, struct error *err);

/* Reads the body (413 past the route's limit), requires a JSON content type
 * (400) and a body (400), and parses it (400 or 422). *doc is the
 * caller's to put. */
int read_json_body(struct request *req, struct json_object **doc,
		   struct error *err);

/* As read_json_body, but the body goes through json_parse_each (a body that
 * is not an array held to single_max bytes). Returns 0, what each() stopped
 * with (positive; the caller says why), or -1 with *err. */
int read_json_each(struct request *req, size_t single_max, json_each_fn each, void *ctx,
		   struct error *err);

/* Reads the body (413 past the route's limit) and decodes it under its
 * Content-Encoding (gzip, deflate, br or identity; 400 for another or a
 * broken stream) into *body, NUL-terminated, of at most cap bytes (413 past
 * it). *body is the caller's to free; NULL on failure. */
int read_decoded_body(struct request *req, size_t cap, char **body, size_t *len,
		      struct error *err);

#endif
