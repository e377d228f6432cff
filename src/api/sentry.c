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
#include "api/ingest.h"
#include "api/handler.h"
#include "http/read.h"
#include "pure/json.h"
#include "pure/jsonspan.h"
#include "pure/keys.h"
#include "http/response.h"
#include "pure/sentry_event.h"

/* A store body is one event: 1 MiB, as everywhere. An envelope may carry
 * several items: 10 MiB. Both after decompression. */
#define STORE_LIMIT REQUEST_BODY_LIMIT
#define ENVELOPE_LIMIT REQUEST_BODY_LIMIT_BULK

/* Keys longer than this are not ingest keys: no key. */
#define SENTRY_KEY_MAX 128

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
static int query_key(const struct request *req, char out[SENTRY_KEY_MAX + 1])
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
static int read_key(const struct request *req, const struct envelope *env,
		    char digest[KEYS_SHA256_HEX_LEN + 1], struct error *err)
{
	char key[SENTRY_KEY_MAX + 1];

	if (auth_header_key(request_param(req, "HTTP_X_SENTRY_AUTH"), 0, key) != 0 &&
	    auth_header_key(request_param(req, "HTTP_AUTHORIZATION"), 1, key) != 0 &&
	    query_key(req, key) != 0 &&
	    (!env || !env->header || envelope_dsn_key(env, key, sizeof(key)) != 0))
		return ingest_wrong_key(err);
	keys_sha256_hex(key, strlen(key), digest);
	return 0;
}

/* --- the body ----------------------------------------------------------- */

/* --- events ------------------------------------------------------------- */

/* Fills an empty id with a fresh random one. Returns 0, or -1 (500). */
static int ensure_id(char id[33], struct error *f)
{
	if (id[0])
		return 0;
	if (keys_random_hex(id, 16) != 0)
		return error_set(f, 500, ERROR_INTERNAL, NULL, "no random bytes");
	return 0;
}

/* Checks an event payload under the body rules of docs/api.md. Returns 0, or
 * -1 with *f filled. */
static int check_event(const char *payload, size_t len, struct error *f)
{
	struct error err;
	size_t at;

	if (len > STORE_LIMIT)
		return error_set(f, 413, ERROR_TOO_LARGE, NULL, "an event is limited to %d bytes", STORE_LIMIT);
	if (json_check_body(payload, len, &err) != 0) {
		/* A 422 naming a field is about a value inside the event; one
		 * without a field is about the root (a string holding a NUL): not
		 * an event. */
		if (err.status == 400 || err.status == 413 || (err.status == 422 && err.field[0])) {
			*f = err;
			return -1;
		}
	} else {
		at = jsonspan_blanks(payload, len, 0);
		if (at < len && payload[at] == '{')
			return 0;
	}
	return error_set(f, 400, ERROR_BAD_REQUEST, NULL, "an event must be a JSON object");
}

/* Maps one event payload onto a row appended to rows. Its event_id is the
 * payload's, else fallback_id (may be "" or NULL), else a random one; it is
 * written to id. Returns 0, or -1 with *f filled. */
static int add_event_row(struct event_rows *rows, const char *payload, size_t len,
			 const char *fallback_id, const struct mask_fields *fields, char id[33],
			 struct error *f)
{
	struct sentry_event ev = { 0 };
	int rc = -1;

	if (check_event(payload, len, f) != 0)
		return -1;
	if (sentry_event_parse_masked(&ev, payload, len, handler_now_usec(), fields) != 0) {
		error_set(f, 500, ERROR_INTERNAL, NULL, "no memory");
		goto out;
	}
	if (!ev.input.event_id[0] && fallback_id)
		snprintf(ev.input.event_id, sizeof(ev.input.event_id), "%s", fallback_id);
	if (ensure_id(ev.input.event_id, f) != 0)
		goto out;
	if (event_rows_add(rows, &ev.input) != 0) {
		error_set(f, 500, ERROR_INTERNAL, NULL, "no memory");
		goto out;
	}
	memcpy(id, ev.input.event_id, 33);
	rc = 0;
out:
	sentry_event_release(&ev);
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
static int envelope_rows(struct envelope *env, struct event_rows *rows,
			 const struct mask_fields *fields, char id[33],
			 struct error *f)
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
			return error_set(f, 413, ERROR_TOO_LARGE, NULL, "an envelope holds at most %d events", EVENT_BULK_MAX);
		/* The header's event_id names the envelope's (first) event. */
		if (add_event_row(rows, item.payload, item.payload_len, n ? NULL : header_id, fields,
				  event_id, f) != 0)
			return -1;
		if (!id[0])
			memcpy(id, event_id, 33);
	}
	if (rc < 0)
		return error_set(f, 400, ERROR_BAD_REQUEST, NULL, "%s", env->why);
	return ensure_id(id, f);
}

/* --- storing and answering ---------------------------------------------- */

/* Stores rows in one statement (an empty array only checks the key).
 * Returns 0, or -1 with *err: 403 for a wrong key, 503 or 500. */
static int store(int64_t app_id, const char *digest, struct event_rows *rows, struct error *err)
{
	PGresult *res = NULL;
	int valid;

	if (rows->count == 0) {
		valid = ingest_key_valid(app_id, digest, err);
	} else {
		if (ingest_store(app_id, digest, rows, &res, err) != 0)
			return -1;
		valid = PQntuples(res) > 0;
		PQclear(res);
	}
	if (valid < 0)
		return -1;
	return valid ? 0 : ingest_wrong_key(err);
}

/* 200 {"id": id}: what a Sentry SDK expects of a stored event. */
static void respond_stored(struct request *req, const char *id)
{
	struct json_object *body = json_object_new_object();

	json_add_string(body, "id", id);
	respond_json(req, 200, body);
	json_object_put(body);
}

/* Makes rows ready for the body's events. Returns 0, or -1 with *err. */
static int rows_init(struct event_rows *rows, struct error *err)
{
	if (event_rows_init(rows) == 0)
		return 0;
	return error_set(err, 500, ERROR_INTERNAL, NULL, "no memory");
}

/* POST /api/{app_id}/store/ — one event, the key from the headers or query. */
void sentry_store(struct request *req)
{
	static struct mask_fields fields;      /* the application's names: 3 KiB */
	char digest[KEYS_SHA256_HEX_LEN + 1], id[33];
	struct event_rows rows = { 0 };
	struct error err;
	char *body = NULL;
	size_t len = 0;
	int64_t app_id;

	req->headers = CORS_HEADERS;
	if (read_path_id(req, 1, &app_id, &err) != 0 || read_key(req, NULL, digest, &err) != 0 ||
	    ingest_key_known(app_id, digest, &fields, &err) != 0 || rows_init(&rows, &err) != 0 ||
	    ((read_decoded_body(req, STORE_LIMIT, &body, &len, &err) != 0 ||
	      add_event_row(&rows, body, len, NULL, &fields, id, &err) != 0) &&
	     ingest_refuse(app_id, digest, &err)) ||
	    store(app_id, digest, &rows, &err) != 0)
		respond_with(req, &err);
	else
		respond_stored(req, id);
	event_rows_free(&rows);
	free(body);
}

/* Reads, checks and stores an envelope's events; the key may be the dsn in
 * its header, so the body comes first, and what was wrong with it is said
 * once the key is known to be right. Returns 0 with the answer's id, or -1
 * with *err. *body, *env and *rows are the caller's to release. */
static int ingest_envelope(struct request *req, char **body, struct envelope *env,
			   struct event_rows *rows, char id[33], struct error *err)
{
	static struct mask_fields fields;      /* the application's names: 3 KiB */
	char digest[KEYS_SHA256_HEX_LEN + 1];
	struct error body_err = { 0 };
	size_t len = 0;
	int64_t app_id;
	int have_key;

	if (read_path_id(req, 1, &app_id, err) != 0)
		return -1;
	/* A key in the headers or the query is checked before the body is read. */
	have_key = read_key(req, NULL, digest, err) == 0;
	if (have_key && ingest_key_known(app_id, digest, &fields, err) != 0)
		return -1;
	if (read_decoded_body(req, ENVELOPE_LIMIT, body, &len, &body_err) == 0 &&
	    envelope_init(env, *body, len) != 0)
		error_set(&body_err, 400, ERROR_BAD_REQUEST, NULL, "%s", env->why);
	if ((!have_key && read_key(req, env, digest, err) != 0) || rows_init(rows, err) != 0)
		return -1;
	/* A key from the envelope's header is known now: its fields too. */
	if (!have_key && !body_err.status && ingest_key_known(app_id, digest, &fields, err) != 0)
		return -1;
	if (body_err.status || envelope_rows(env, rows, &fields, id, &body_err) != 0) {
		*err = body_err;
		return ingest_refuse(app_id, digest, err);
	}
	return store(app_id, digest, rows, err);
}

/* POST /api/{app_id}/envelope/ — items of any type; events are stored. */
void sentry_envelope(struct request *req)
{
	char id[33];
	struct envelope env = { 0 };
	struct event_rows rows = { 0 };
	struct error err;
	char *body = NULL;

	req->headers = CORS_HEADERS;
	if (ingest_envelope(req, &body, &env, &rows, id, &err) != 0)
		respond_with(req, &err);
	else
		respond_stored(req, id);
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
