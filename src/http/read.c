/* read: the readers every handler starts with, refusing with one error value. */
#include "http/read.h"

#include <string.h>
#include <strings.h>

#include "pure/inflate.h"
#include "pure/params.h"

int read_path_id(const struct request *req, size_t i, int64_t *out, struct error *err)
{
	const struct request_segment *seg = &req->segments[i];

	if (i >= req->nsegments || params_parse_id(seg->text, seg->len, out) != 0)
		return error_set(err, 404, ERROR_NOT_FOUND, NULL, "no such resource");
	return 0;
}

int read_bearer_key(const struct request *req, char digest[KEYS_SHA256_HEX_LEN + 1],
		    struct error *err)
{
	const char *header = request_param(req, "HTTP_AUTHORIZATION"), *key;

	if (!header || !*header)
		return error_set(err, 401, ERROR_UNAUTHORIZED, NULL,
				 "an Authorization: Bearer mkey_... header is required");
	if (params_bearer_mkey(header, &key) != 0)
		return error_set(err, 401, ERROR_UNAUTHORIZED, NULL,
				 "the Authorization header does not hold a Bearer mkey_ key");
	keys_sha256_hex(key, PARAMS_MKEY_LEN, digest);
	return 0;
}

int read_bearer_digest(const struct request *req, char digest[KEYS_SHA256_HEX_LEN + 1],
		       const char *what, struct error *err)
{
	const char *header = request_param(req, "HTTP_AUTHORIZATION"), *key;
	size_t n;

	if (!header || params_bearer(header, &key, &n) != 0 || n == 0)
		return error_set(err, 401, ERROR_UNAUTHORIZED, NULL,
				 "an Authorization: Bearer %s header is required", what);
	keys_sha256_hex(key, n, digest);
	return 0;
}

/* The content type must say JSON: a page of another site can send a form or
 * text/plain without asking, but not JSON. */
static int json_content_type(const char *ct)
{
	size_t n;

	if (!ct || !*ct)
		return 0;
	n = strcspn(ct, "; \t");
	if (n == 16 && strncasecmp(ct, "application/json", 16) == 0)
		return 1;
	return n > 5 && strncasecmp(ct + n - 5, "+json", 5) == 0 &&
	       strncasecmp(ct, "application/", 12) == 0;
}

/* Reads the body: 413 past the route's limit, 400 when it cannot be read. */
static int read_body(struct request *req, struct error *err)
{
	switch (request_read_body(req)) {
	case BODY_OK:
		return 0;
	case BODY_TOO_LARGE:
		return error_set(err, 413, ERROR_TOO_LARGE, NULL, "body is larger than %zu bytes",
				 req->body_limit);
	default:
		return error_set(err, 400, ERROR_BAD_REQUEST, NULL, "body could not be read");
	}
}

/* Reads a JSON body: read_body's refusals, and 400 for a wrong content type
 * or an empty body. */
static int read_json_text(struct request *req, struct error *err)
{
	if (read_body(req, err) != 0)
		return -1;
	if (!json_content_type(request_param(req, "CONTENT_TYPE")))
		return error_set(err, 400, ERROR_BAD_REQUEST, NULL, "Content-Type must be application/json");
	if (req->body_len == 0)
		return error_set(err, 400, ERROR_BAD_REQUEST, NULL, "body is empty");
	return 0;
}

int read_json_body(struct request *req, struct json_object **doc,
		   struct error *err)
{
	*doc = NULL;
	if (read_json_text(req, err) != 0)
		return -1;
	*doc = json_parse_body(req->body, req->body_len, err);
	return *doc ? 0 : -1;
}

int read_json_each(struct request *req, size_t single_max, json_each_fn each, void *ctx,
		   struct error *err)
{
	if (read_json_text(req, err) != 0)
		return -1;
	return json_parse_each(req->body, req->body_len, single_max, each, ctx, err);
}

int read_decoded_body(struct request *req, size_t cap, char **body, size_t *len, struct error *f)
{
	enum inflate_encoding enc;

	*body = NULL;
	if (read_body(req, f) != 0)
		return -1;
	if (inflate_encoding_parse(request_param(req, "HTTP_CONTENT_ENCODING"), &enc) != 0)
		return error_set(f, 400, ERROR_BAD_REQUEST, NULL, "Content-Encoding must be gzip, deflate, br or identity");
	switch (inflate_body(enc, req->body, req->body_len, cap, body, len)) {
	case INFLATE_OK:
		return 0;
	case INFLATE_TOO_LARGE:
		return error_set(f, 413, ERROR_TOO_LARGE, NULL, "the body is larger than %zu bytes after decompression", cap);
	case INFLATE_BROKEN:
		return error_set(f, 400, ERROR_BAD_REQUEST, NULL, "the body does not decode under its Content-Encoding");
	default:
		return error_set(f, 500, ERROR_INTERNAL, NULL, "no memory");
	}
}
