/* sentry: the Sentry-compatible ingest. A request from an SDK goes through the
 * same steps as /apps ingest (key, body, validation, one statement) with three
 * differences that keep unmodified SDKs working: the key may come from four
 * places, the body may be compressed, and whatever the SDK sends besides
 * events is accepted and dropped, since an SDK treats a 400 as a broken
 * server. A wrong key is answered 403 before anything is said about the body,
 * as for /apps: the answer to a stranger does not depend on what they sent. */
#include "api/sentry.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pure/envelope.h"
#include "pure/event_input.h"
#include "api/events.h"
#include "api/handler.h"
#include "pure/inflate.h"
#include "http/json.h"
#include "pure/keys.h"
#include "http/response.h"
#include "pure/sentry_event.h"

/* A store body is one event: 1 MiB, as everywhere. An envelope may carry
 * several items: 10 MiB. Both after decompression. */
#define STORE_LIMIT REQUEST_BODY_LIMIT
#define ENVELOPE_LIMIT REQUEST_BODY_LIMIT_BULK

/* Keys longer than this are not ingest keys: no key. */
#define SENTRY_KEY_MAX 128

#define INVALID_KEY "Invalid application or ingest key"

/* Every answer under /api may be read by a browser SDK on any origin. */
#define CORS_HEADERS \
	"Access-Control-Allow-Origin: *\r\n" \
	"Access-Control-Expose-Headers: x-sentry-error, x-sentry-rate-limits, retry-after\r\n"

/* The preflight names what the browser SDKs send: the auth header, the
 * compressed or text/plain bodies, and the tracing headers. */
#define CORS_PREFLIGHT_HEADERS CORS_HEADERS \
	"Access-Control-Allow-Methods: POST, OPTIONS\r\n" \
	"Access-Control-Allow-Headers: x-sentry-auth, x-requested-with, origin, accept," \
	" content-type, content-encoding, authorization, sentry-trace, baggage\r\n" \
	"Access-Control-Max-Age: 86400\r\n"

const struct db_statement sentry_statements[] = {
	/* The key check alone: for an envelope without events, and for a body
	 * that is refused (403 for a wrong key comes first). */
	{ "sentry_key_check",
	  "SELECT 1 FROM applications WHERE id = $1 AND ingest_key_sha256 = $2" },
	{ NULL, NULL },
};

/* Why a body was refused; answered once the key is known to be right. */
struct fault {
	int status;                          /* 400, 413, 422, or 500 */
	char field[JSONCHECK_FIELD_MAX];     /* "" when no field is at fault */
	char message[160];
};

static int set_fault(struct fault *f, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Fills *f (no field) and returns -1. */
static int set_fault(struct fault *f, int status, const char *fmt, ...)
{
	va_list ap;

	f->status = status;
	f->field[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
	return -1;
}

/* --- the key ------------------------------------------------------------ */

/* sentry_key from "Sentry sentry_key=<key>, sentry_version=7, ..." (the
 * scheme is required when need_scheme, as in Authorization). Writes the key
 * to out and returns 0, or returns -1. */
static int auth_header_key(const char *value, int need_scheme, char out[SENTRY_KEY_MAX + 1])
{
	const char *p = value;

	if (!p)
		return -1;
	p += strspn(p, " \t");
	if (strncasecmp(p, "Sentry", 6) == 0 && (p[6] == ' ' || p[6] == '\t'))
		p += 6;
	else if (need_scheme)
		return -1;
	while (*p) {
		size_t n;

		p += strspn(p, " \t,");
		n = strcspn(p, "=, \t");
		if (n == 10 && strncasecmp(p, "sentry_key", 10) == 0 && p[n] == '=') {
			p += n + 1;
			n = strcspn(p, ", \t");
			if (n == 0 || n > SENTRY_KEY_MAX)
				return -1;
			memcpy(out, p, n);
			out[n] = '\0';
			return 0;
		}
		p += strcspn(p, ",");
	}
	return -1;
}

/* The query parameter sentry_key. Returns 0 with the key in out, or -1. */
static int query_key(struct request *req, char out[SENTRY_KEY_MAX + 1])
{
	int malformed = 0;
	const char *v = request_query(req, "sentry_key", &malformed);

	if (!v || !*v || strlen(v) > SENTRY_KEY_MAX)
		return -1;
	snprintf(out, SENTRY_KEY_MAX + 1, "%s", v);
	return 0;
}

/* The key's digest from X-Sentry-Auth, Authorization: Sentry, the sentry_key
 * query parameter or, for an envelope whose header was read, its dsn; in that
 * order. 403 when there is none. */
static int key_digest_or_respond(struct request *req, const struct envelope *env,
				 char digest[KEYS_SHA256_HEX_LEN + 1])
{
	char key[SENTRY_KEY_MAX + 1];

	if (auth_header_key(request_param(req, "HTTP_X_SENTRY_AUTH"), 0, key) != 0 &&
	    auth_header_key(request_param(req, "HTTP_AUTHORIZATION"), 1, key) != 0 &&
	    query_key(req, key) != 0 &&
	    (!env || !env->header || envelope_dsn_key(env, key, sizeof(key)) != 0))
		return respond_error(req, 403, "FORBIDDEN", NULL, INVALID_KEY);
	keys_sha256_hex(key, strlen(key), digest);
	return 0;
}

/* Runs sentry_key_check: 1 when the key opens the application, 0 when not,
 * -1 when the database failed (answered). */
static int key_is_valid(struct request *req, int64_t app_id, const char *digest)
{
	struct sql_args a = { 0 };
	PGresult *res = NULL;
	int found;

	sql_arg_int(&a, app_id);
	sql_arg_text(&a, digest);
	if (handler_exec_or_respond(req, "sentry_key_check", &a, &res) != 0)
		return -1;
	found = PQntuples(res) > 0;
	PQclear(res);
	return found;
}

/* Answers a refused body: 403 for a wrong key, else the fault itself. */
static void respond_fault(struct request *req, int64_t app_id, const char *digest,
			  const struct fault *f)
{
	const char *code = f->status == 400 ? "BAD_REQUEST"
			 : f->status == 413 ? "PAYLOAD_TOO_LARGE" : "VALIDATION";
	int valid;

	if (f->status == 500) {
		respond_internal(req);
		return;
	}
	valid = key_is_valid(req, app_id, digest);
	if (valid == 0)
		respond_error(req, 403, "FORBIDDEN", NULL, INVALID_KEY);
	else if (valid == 1)
		respond_error(req, f->status, code, f->field[0] ? f->field : NULL, "%s", f->message);
}

/* --- the body ----------------------------------------------------------- */

/* Reads the body and decodes its Content-Encoding under cap. Returns 0 with
 * *body (the caller frees it), or -1 with *f filled. */
static int decoded_body(struct request *req, size_t cap, char **body, size_t *len, struct fault *f)
{
	enum inflate_encoding enc;

	*body = NULL;
	switch (request_read_body(req, REQUEST_BODY_LIMIT_BULK)) {
	case BODY_OK:
		break;
	case BODY_TOO_LARGE:
		return set_fault(f, 413, "the body is larger than %d bytes", REQUEST_BODY_LIMIT_BULK);
	default:
		return set_fault(f, 400, "the body could not be read");
	}
	if (inflate_encoding_parse(request_param(req, "HTTP_CONTENT_ENCODING"), &enc) != 0)
		return set_fault(f, 400, "Content-Encoding must be gzip, deflate, br or identity");
	switch (inflate_body(enc, req->body, req->body_len, cap, body, len)) {
	case INFLATE_OK:
		return 0;
	case INFLATE_TOO_LARGE:
		return set_fault(f, 413, "the body is larger than %zu bytes after decompression", cap);
	case INFLATE_BROKEN:
		return set_fault(f, 400, "the body does not decode under its Content-Encoding");
	default:
		return set_fault(f, 500, "no memory");
	}
}

/* --- events ------------------------------------------------------------- */

/* Fills an empty id with a fresh random one. Returns 0, or -1 (500). */
static int ensure_id(char id[33], struct fault *f)
{
	if (id[0])
		return 0;
	if (keys_random_hex(id, 16) != 0)
		return set_fault(f, 500, "no random bytes");
	return 0;
}

/* Parses an event payload under the body rules of API.md. Returns the object
 * (the caller puts it), or NULL with *f filled. */
static struct json_object *event_doc(const char *payload, size_t len, struct fault *f)
{
	struct json_parse_error err;
	struct json_object *doc;
	char *text;

	if (len > STORE_LIMIT) {
		set_fault(f, 413, "an event is limited to %d bytes", STORE_LIMIT);
		return NULL;
	}
	/* json_parse_body wants a NUL after the text; an envelope's payload has none. */
	text = malloc(len + 1);
	if (!text) {
		set_fault(f, 500, "no memory");
		return NULL;
	}
	memcpy(text, payload, len);
	text[len] = '\0';
	doc = json_parse_body(text, len, &err);
	free(text);
	if (json_object_is_type(doc, json_type_object))
		return doc;
	/* A 422 naming a field is about a value inside the event; one without a
	 * field is about the root (null, a string holding a NUL): not an event. */
	if (!doc && err.status == 422 && err.field[0]) {
		set_fault(f, 422, "%s", err.message);
		snprintf(f->field, sizeof(f->field), "%s", err.field);
	} else if (!doc && err.status == 400) {
		set_fault(f, 400, "%s", err.message);
	} else {
		set_fault(f, 400, "an event must be a JSON object");
	}
	json_object_put(doc);
	return NULL;
}

/* Maps one event payload onto a row appended to rows. Its event_id is the
 * payload's, else fallback_id (may be "" or NULL), else a random one; it is
 * written to id. Returns 0, or -1 with *f filled. */
static int add_event_row(struct event_rows *rows, const char *payload, size_t len,
			 const char *fallback_id, char id[33], struct fault *f)
{
	struct json_object *doc = event_doc(payload, len, f);
	struct sentry_event ev = { 0 };
	int rc = -1;

	if (!doc)
		return -1;
	if (sentry_event_parse(&ev, doc, handler_now_usec()) != 0) {
		set_fault(f, 500, "no memory");
		goto out;
	}
	if (!ev.input.event_id[0] && fallback_id)
		snprintf(ev.input.event_id, sizeof(ev.input.event_id), "%s", fallback_id);
	if (ensure_id(ev.input.event_id, f) != 0)
		goto out;
	if (event_rows_add(rows, &ev.input) != 0) {
		set_fault(f, 500, "no memory");
		goto out;
	}
	memcpy(id, ev.input.event_id, 33);
	rc = 0;
out:
	sentry_event_release(&ev);
	json_object_put(doc);
	return rc;
}

/* The envelope header's event_id as 32 hex digits, or "". */
static void header_event_id(const struct envelope *env, char id[33])
{
	struct json_object *v = NULL;

	id[0] = '\0';
	if (json_object_object_get_ex(env->header, "event_id", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    event_input_parse_id(json_object_get_string(v), id) != 0)
		id[0] = '\0';
}

/* Rows for the envelope's event items; every other item is skipped. The
 * answer's id (written to id) is the header's event_id, else the first
 * event's, else a random one. Returns 0, or -1 with *f filled. */
static int envelope_rows(struct envelope *env, struct event_rows *rows, char id[33],
			 struct fault *f)
{
	struct envelope_item item;
	char header_id[33], event_id[33];
	int rc;

	header_event_id(env, header_id);
	snprintf(id, 33, "%s", header_id);
	while ((rc = envelope_next(env, &item)) == 1) {
		int n = rows->count;

		if (strcmp(item.type, "event") != 0)
			continue;
		if (n == EVENT_BULK_MAX)
			return set_fault(f, 413, "an envelope holds at most %d events", EVENT_BULK_MAX);
		/* The header's event_id names the envelope's (first) event. */
		if (add_event_row(rows, item.payload, item.payload_len, n ? NULL : header_id,
				  event_id, f) != 0)
			return -1;
		if (!id[0])
			memcpy(id, event_id, 33);
	}
	if (rc < 0)
		return set_fault(f, 400, "%s", env->why);
	return ensure_id(id, f);
}

/* --- storing and answering ---------------------------------------------- */

/* Stores rows in one statement (an empty array only checks the key) and
 * answers 200 {"id": id}, or 403 for a wrong key. */
static void store_and_respond(struct request *req, int64_t app_id, const char *digest,
			      struct event_rows *rows, const char *id)
{
	struct json_object *body;
	PGresult *res = NULL;
	int valid;

	if (rows->count == 0) {
		valid = key_is_valid(req, app_id, digest);
	} else {
		if (events_store_or_respond(req, app_id, digest, rows, &res) != 0)
			return;
		valid = PQntuples(res) > 0;
		PQclear(res);
	}
	if (valid < 0)
		return;
	if (!valid) {
		respond_error(req, 403, "FORBIDDEN", NULL, INVALID_KEY);
		return;
	}
	body = json_object_new_object();
	json_add_string(body, "id", id);
	respond_json(req, 200, body);
	json_object_put(body);
}

/* POST /api/{app_id}/store/ — one event, the key from the headers or query. */
void sentry_store(struct request *req)
{
	char digest[KEYS_SHA256_HEX_LEN + 1], id[33];
	struct event_rows rows = { 0 };
	struct fault f;
	char *body = NULL;
	size_t len = 0;
	int64_t app_id;

	req->headers = CORS_HEADERS;
	if (handler_path_id_or_respond(req, 1, &app_id) != 0 ||
	    key_digest_or_respond(req, NULL, digest) != 0)
		goto out;
	if (event_rows_init(&rows) != 0) {
		respond_internal(req);
		goto out;
	}
	if (decoded_body(req, STORE_LIMIT, &body, &len, &f) != 0 ||
	    add_event_row(&rows, body, len, NULL, id, &f) != 0)
		respond_fault(req, app_id, digest, &f);
	else
		store_and_respond(req, app_id, digest, &rows, id);
out:
	event_rows_free(&rows);
	free(body);
}

/* POST /api/{app_id}/envelope/ — items of any type; events are stored. The
 * key may also be the dsn in the envelope header, so the body comes first. */
void sentry_envelope(struct request *req)
{
	char digest[KEYS_SHA256_HEX_LEN + 1], id[33];
	struct envelope env = { 0 };
	struct event_rows rows = { 0 };
	struct fault f = { 0 };
	char *body = NULL;
	size_t len = 0;
	int64_t app_id;

	req->headers = CORS_HEADERS;
	if (handler_path_id_or_respond(req, 1, &app_id) != 0)
		goto out;
	if (decoded_body(req, ENVELOPE_LIMIT, &body, &len, &f) == 0 &&
	    envelope_init(&env, body, len) != 0)
		set_fault(&f, 400, "%s", env.why);
	if (key_digest_or_respond(req, &env, digest) != 0)
		goto out;
	if (event_rows_init(&rows) != 0) {
		respond_internal(req);
		goto out;
	}
	if (f.status || envelope_rows(&env, &rows, id, &f) != 0)
		respond_fault(req, app_id, digest, &f);
	else
		store_and_respond(req, app_id, digest, &rows, id);
out:
	envelope_release(&env);
	event_rows_free(&rows);
	free(body);
}

/* OPTIONS /api/{app_id}/store/ and /api/{app_id}/envelope/ — the CORS
 * preflight of browser SDKs: no key, no body, no database. */
void sentry_preflight(struct request *req)
{
	req->headers = CORS_PREFLIGHT_HEADERS;
	respond_no_content(req);
}
