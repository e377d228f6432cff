/* replay: POST /v1/logs/{id}/replay re-sends a logged request through the
 * outbound guard and stores what came back; GET /v1/logs/{id}/replays lists
 * those results. Both take the Bearer key of the log's own service: another
 * service's key gets the 404 an absent log gets, so that a key cannot tell
 * other services' log ids from nothing. A replay holds its worker for up to
 * 10 s, which is why nginx sends POSTs here to a pool of their own. */
#include "api/replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/handler.h"
#include "pure/json.h"
#include "base/log.h"
#include "pure/mask.h"
#include "outbound/deliver.h"
#include "outbound/outbound.h"
#include "pure/params.h"
#include "http/response.h"
#include "pure/utf8.h"

#define LIST_LIMIT_DEFAULT 20
#define LIST_LIMIT_MAX 100
#define OVERRIDE_URL_MAX 8192
#define OVERRIDE_HEADERS_MAX 100

#define REPLAY_COLUMNS(r) \
	r "id, " r "log_id, " r "status, " r "status_code, " r "response_headers, " \
	r "response_body, " r "response_body_truncated, " r "latency_ms, " r "error, " \
	"ts_to_usec(" r "created_at)"

enum replay_column {
	COL_ID, COL_LOG_ID, COL_STATUS, COL_STATUS_CODE, COL_HEADERS, COL_BODY, COL_TRUNCATED,
	COL_LATENCY, COL_ERROR, COL_CREATED,
};

/* The columns of replay_log. */
enum log_column { LOG_ID, LOG_METHOD, LOG_URL, LOG_HEADERS, LOG_BODY, LOG_MASK_FIELDS };

/* The service keys a replay route takes: the one whose digest is $2, or, for
 * a member (a NULL $2: the route has checked the principal), every service:
 * one row of NULL. */
#define KEY_SERVICE \
	"(SELECT service_id FROM service_keys WHERE key_sha256 = $2 AND is_active" \
	" UNION ALL SELECT NULL WHERE $2::text IS NULL) k"
#define LOG_OF_KEY "l.id = $1 AND (k.service_id IS NULL OR l.service_id = k.service_id)" \
	" AND l.received_at >= log_floor(l.service_id)"

const struct db_statement replay_statements[] = {
	/* $1 the log, $2 the key's digest (NULL for a member). No row: the key is
	 * unknown or revoked; a row of NULLs: the key's service has no such log. */
	{ "replay_log",
	  "SELECT l.id, l.method, l.url, l.request_headers, l.request_body,"
	  " (SELECT array_to_string(mask_fields, E'\\n') FROM services WHERE id = l.service_id)"
	  " FROM " KEY_SERVICE " LEFT JOIN logs l ON " LOG_OF_KEY },
	/* No row when the log went away while the request was out. */
	{ "replay_insert",
	  "INSERT INTO replays AS r (log_id, service_id, status, status_code, response_headers, response_body,"
	  "  response_body_truncated, latency_ms, error)"
	  " SELECT id, service_id, $2::text, $3::smallint, $4::jsonb, $5::text, $6::boolean, $7::float8, $8::text"
	  " FROM logs WHERE id = $1 AND received_at >= log_floor(service_id)"
	  " RETURNING " REPLAY_COLUMNS("r.") },
	{ "replay_log_exists",
	  "SELECT 1 FROM logs WHERE id = $1 AND received_at >= log_floor(service_id)" },
	/* $1 the log, $2 the key's digest, $3 the limit. Rows as for replay_log,
	 * then one row per replay, newest first (a log without replays gives one
	 * row whose replay columns are NULL). */
	{ "replay_list",
	  "SELECT l.id, " REPLAY_COLUMNS("r.")
	  " FROM " KEY_SERVICE " LEFT JOIN logs l ON " LOG_OF_KEY
	  " LEFT JOIN LATERAL (SELECT * FROM replays WHERE log_id = l.id"
	  "  ORDER BY created_at DESC, id DESC LIMIT $3) r ON true"
	  " ORDER BY r.created_at DESC, r.id DESC" },
	{ NULL, NULL }
};

#define INVALID_KEY "the key is unknown or revoked"

/* One REPLAY from a row whose REPLAY_COLUMNS start at column base; the caller
 * puts it. */
static struct json_object *replay_json(const PGresult *res, int row, int base)
{
	struct json_object *r = json_object_new_object();

	json_add_string(r, "id", PQgetvalue(res, row, base + COL_ID));
	json_add_string(r, "log_id", PQgetvalue(res, row, base + COL_LOG_ID));
	json_add_string(r, "status", PQgetvalue(res, row, base + COL_STATUS));
	if (PQgetisnull(res, row, base + COL_STATUS_CODE))
		json_add_null(r, "status_code");
	else
		json_add_int(r, "status_code", sql_int(res, row, base + COL_STATUS_CODE));
	sql_add_jsonb(r, "response_headers", res, row, base + COL_HEADERS);
	sql_add_text(r, "response_body", res, row, base + COL_BODY);
	json_object_object_add(r, "response_body_truncated",
			       json_object_new_boolean(*PQgetvalue(res, row, base + COL_TRUNCATED) == 't'));
	sql_add_double(r, "latency_ms", res, row, base + COL_LATENCY);
	sql_add_text(r, "error", res, row, base + COL_ERROR);
	json_add_time(r, "created_at", sql_int(res, row, base + COL_CREATED));
	return r;
}

/* Runs a statement whose first row answers for the key and the log: no row
 * is 401, a NULL log id 404. On 0 *res is the caller's to clear. */
static int keyed_or_respond(struct request *req, const char *stmt, const struct sql_args *a,
			    PGresult **res)
{
	if (handler_exec_or_respond(req, stmt, a, res) != 0)
		return -1;
	if (PQntuples(*res) > 0 && !PQgetisnull(*res, 0, 0))
		return 0;
	if (PQntuples(*res) == 0)
		handler_respond_unauthorized(req, INVALID_KEY);
	else
		respond_error(req, 404, "NOT_FOUND", NULL, "no such log");
	PQclear(*res);
	*res = NULL;
	return -1;
}

/* Who asks: a member, whom the route has let in (*key NULL: any service's
 * log), or the holder of a service key (*key its digest, kept in digest). */
static int asker_or_respond(struct request *req, char digest[KEYS_SHA256_HEX_LEN + 1],
			    const char **key)
{
	*key = NULL;
	if (req->who.role >= ROLE_MEMBER)
		return 0;
	if (handler_bearer_key_or_respond(req, digest) != 0)
		return -1;
	*key = digest;
	return 0;
}

/* The log {id} of the key's service (a replay_log row) into *log. */
static int log_or_respond(struct request *req, const char *id, const char *digest, PGresult **log)
{
	struct sql_args a = { 0 };

	sql_arg_text(&a, id);
	sql_arg_text(&a, digest);
	return keyed_or_respond(req, "replay_log", &a, log);
}

/* --- the overrides ---------------------------------------------------------- */

/* What the body asks to change; each NULL when it does not. Lent from doc. */
struct overrides {
	const char *url;
	struct json_object *headers;       /* name -> string, or null to leave it out */
	const char *body;
	size_t body_len;
};

/* Member field of doc, or NULL when it is absent or null. */
static struct json_object *member(struct json_object *doc, const char *field)
{
	struct json_object *v = NULL;

	return doc && json_object_object_get_ex(doc, field, &v) ? v : NULL;
}

static int url_or_respond(struct request *req, struct json_object *doc, struct overrides *o)
{
	struct json_object *v = member(doc, "override_url");
	size_t len;

	if (!v)
		return 0;
	len = (size_t)json_object_get_string_len(v);
	if (!json_object_is_type(v, json_type_string) || len > OVERRIDE_URL_MAX ||
	    !params_http_url_ok(json_object_get_string(v), len))
		return respond_error(req, 422, "VALIDATION", "override_url",
				     "must be an absolute http or https URL of at most %d bytes",
				     OVERRIDE_URL_MAX);
	o->url = json_object_get_string(v);
	return 0;
}

/* override_headers: an object of at most OVERRIDE_HEADERS_MAX members, each
 * an HTTP field name with a string value (or null: leave the header out). */
static int headers_or_respond(struct request *req, struct json_object *doc, struct overrides *o)
{
	struct json_object *v = member(doc, "override_headers");
	char field[320];

	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_object) || json_object_object_length(v) > OVERRIDE_HEADERS_MAX)
		return respond_error(req, 422, "VALIDATION", "override_headers",
				     "must be an object of at most %d headers", OVERRIDE_HEADERS_MAX);
	json_object_object_foreach(v, name, value) {
		const char *text = value ? json_object_get_string(value) : "";
		size_t len = value ? (size_t)json_object_get_string_len(value) : 0;

		/* Cut at a character boundary: the field goes back as JSON text. */
		snprintf(field, sizeof(field), "override_headers.%.*s",
			 (int)utf8_cut(name, strlen(name), sizeof(field) - 32), name);
		if (value && !json_object_is_type(value, json_type_string))
			return respond_error(req, 422, "VALIDATION", field, "must be a string or null");
		/* A Host of its own would reach a virtual host the URL does not name. */
		if (strcasecmp(name, "host") == 0)
			return respond_error(req, 422, "VALIDATION", field,
					     "Host follows the URL: change override_url instead");
		if (!outbound_header_ok(name, strlen(name), text, len))
			return respond_error(req, 422, "VALIDATION", field,
					     "must be an HTTP header name and value: no CR, LF, NUL or other"
					     " control character, and a name of letters, digits and !#$%%&'*+-.^_`|~");
	}
	o->headers = v;
	return 0;
}

static int body_or_respond(struct request *req, struct json_object *doc, struct overrides *o)
{
	struct json_object *v = member(doc, "override_body");

	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return respond_error(req, 422, "VALIDATION", "override_body", "must be a string or null");
	o->body = json_object_get_string(v);
	o->body_len = (size_t)json_object_get_string_len(v);
	return 0;
}

static int overrides_or_respond(struct request *req, struct json_object **doc, struct overrides *o)
{
	memset(o, 0, sizeof(*o));
	return handler_json_optional_body_or_respond(req, doc) != 0 || url_or_respond(req, *doc, o) != 0 ||
	       headers_or_respond(req, *doc, o) != 0 || body_or_respond(req, *doc, o) != 0 ? -1 : 0;
}

/* --- the request to send ---------------------------------------------------- */

/* The request a replay sends, and what it owns. */
struct replay_plan {
	struct outbound_request request;   /* lends from the log row, the body and lines */
	struct mask_fields fields;         /* the service's own names, for the answer */
	struct json_object *original;      /* the log's request headers: owned */
	char **lines;                      /* owned "Name: value" lines, NULL-terminated */
	size_t nlines;
};

static void plan_release(struct replay_plan *p)
{
	for (size_t i = 0; i < p->nlines; i++)
		free(p->lines[i]);
	free(p->lines);
	json_object_put(p->original);
}

/* 1 when headers (an override object) names name, in any case. */
static int overridden(struct json_object *headers, const char *name)
{
	if (!headers)
		return 0;
	json_object_object_foreach(headers, key, value) {
		(void)value;
		if (strcasecmp(key, name) == 0)
			return 1;
	}
	return 0;
}

/* An original header goes again unless it was masked (its value is gone),
 * an override replaces or drops it, it is Host (the URL, maybe overridden,
 * decides that), or it could not be sent as HTTP at all. */
static int original_goes(const char *name, struct json_object *value, struct json_object *overrides)
{
	const char *v = json_object_get_string(value);
	size_t len = (size_t)json_object_get_string_len(value);

	return json_object_is_type(value, json_type_string) && strcmp(v, MASK_VALUE) != 0 &&
	       strcasecmp(name, "host") != 0 && !overridden(overrides, name) &&
	       outbound_header_ok(name, strlen(name), v, len);
}

/* Appends "name: value" to the plan's lines. Returns 0, or -1 on no memory. */
static int add_line(struct replay_plan *p, const char *name, struct json_object *value)
{
	size_t n = strlen(name) + 2 + (size_t)json_object_get_string_len(value) + 1;

	if (!(p->lines[p->nlines] = malloc(n)))
		return -1;
	snprintf(p->lines[p->nlines++], n, "%s: %s", name, json_object_get_string(value));
	return 0;
}

/* The header lines: the original's that still go, then the overrides (a
 * null override only removes). Returns 0, or -1 on no memory. */
static int plan_headers(struct replay_plan *p, const struct overrides *o)
{
	size_t n = (p->original ? (size_t)json_object_object_length(p->original) : 0) +
		   (o->headers ? (size_t)json_object_object_length(o->headers) : 0);

	if (!(p->lines = calloc(n + 1, sizeof(*p->lines))))
		return -1;
	if (p->original) {
		json_object_object_foreach(p->original, name, value) {
			if (original_goes(name, value, o->headers) && add_line(p, name, value) != 0)
				return -1;
		}
	}
	if (o->headers) {
		json_object_object_foreach(o->headers, oname, ovalue) {
			if (ovalue && add_line(p, oname, ovalue) != 0)
				return -1;
		}
	}
	p->request.headers = (const char *const *)p->lines;
	return 0;
}

/* The logged request with the overrides applied. */
static int plan_or_respond(struct request *req, const PGresult *log, const struct overrides *o,
			   struct replay_plan *p)
{
	memset(p, 0, sizeof(*p));
	mask_fields_from_lines(&p->fields, PQgetvalue(log, 0, LOG_MASK_FIELDS));
	p->request.method = PQgetvalue(log, 0, LOG_METHOD);
	p->request.url = o->url ? o->url : PQgetvalue(log, 0, LOG_URL);
	if (o->body) {
		p->request.body = o->body;
		p->request.body_len = o->body_len;
	} else if (!PQgetisnull(log, 0, LOG_BODY)) {
		p->request.body = PQgetvalue(log, 0, LOG_BODY);
		p->request.body_len = (size_t)PQgetlength(log, 0, LOG_BODY);
	}
	if (!PQgetisnull(log, 0, LOG_HEADERS) &&
	    !(p->original = json_tokener_parse(PQgetvalue(log, 0, LOG_HEADERS))))
		return respond_internal(req);
	if (plan_headers(p, o) != 0)
		return respond_internal(req);
	return 0;
}

/* --- the result ------------------------------------------------------------- */

/* What is stored of an answer, as statement arguments; owned. */
struct replay_result {
	char *headers;          /* masked JSON object text, or NULL */
	char *body;             /* masked text of at most OUTBOUND_BODY_MAX bytes, or NULL */
	int body_truncated;
	char latency[32];
};

static void result_release(struct replay_result *r)
{
	free(r->headers);
	free(r->body);
}

/* The answer's headers with their secrets masked, as JSON text. */
static int result_headers(const struct outbound_response *out, const struct mask_fields *fields,
			  struct replay_result *r)
{
	struct json_object *raw, *masked;

	if (!out->headers)
		return 0;
	if (!(raw = json_tokener_parse(out->headers)))
		return -1;
	masked = mask_headers(raw, fields);
	json_object_put(raw);
	if (!masked)
		return -1;
	r->headers = strdup(json_text(masked));
	json_object_put(masked);
	return r->headers ? 0 : -1;
}

/* The answer's body as text PostgreSQL takes (U+FFFD for bytes that are not
 * UTF-8 or NUL), masked as a log's bodies are, within OUTBOUND_BODY_MAX. */
static int result_body(const struct outbound_response *out, const struct mask_fields *fields,
		       struct replay_result *r)
{
	char *text, *masked;
	size_t len, masked_len;

	if (!out->body)
		return 0;
	if (!(text = outbound_text(out->body, out->body_len, OUTBOUND_BODY_MAX, &len)))
		return -1;
	masked = mask_body(text, len, &masked_len, fields);
	free(text);
	if (!masked)
		return -1;
	len = utf8_cut(masked, masked_len, OUTBOUND_BODY_MAX);
	masked[len] = '\0';
	r->body = masked;
	r->body_truncated = out->body_truncated || len < masked_len || len < out->body_len;
	return 0;
}

/* INSERTs the result. The log may have gone while the request was out (its
 * service deleted): then no row comes, or the foreign key fails, and that is
 * a 404 like any other absent log. On 0 *res is the caller's to clear. */
static int store_or_respond(struct request *req, const char *id, int answered,
			    const struct outbound_response *out, const struct replay_result *r,
			    PGresult **res)
{
	struct sql_args a = { 0 }, check = { 0 };
	PGresult *exists = NULL;
	enum db_status st;
	int code = out->status_code >= 100 && out->status_code <= 999 ? out->status_code : 0;

	sql_arg_text(&a, id);
	sql_arg_text(&a, answered ? "success" : "failed");
	sql_arg_int_or_null(&a, code != 0, code);
	sql_arg_text(&a, r->headers);
	sql_arg_text(&a, r->body);
	sql_arg_text(&a, r->body_truncated ? "true" : "false");
	sql_arg_text(&a, r->latency);
	sql_arg_text(&a, answered ? NULL : *out->error ? out->error : "the replay failed");
	st = db_exec("replay_insert", a.n, a.values, res);
	if (st == DB_OK && PQntuples(*res) > 0)
		return 0;
	PQclear(*res);
	*res = NULL;
	if (st == DB_ERROR) {
		sql_arg_text(&check, id);
		if (handler_exec_or_respond(req, "replay_log_exists", &check, &exists) != 0)
			return -1;
		st = PQntuples(exists) > 0 ? DB_ERROR : DB_OK;
		PQclear(exists);
	}
	if (st == DB_OK)
		return respond_error(req, 404, "NOT_FOUND", NULL, "no such log");
	return handler_db_failure(req, st);
}

/* Sends the plan and stores what came of it: 201 REPLAY. */
static void send_and_store(struct request *req, const char *id, const struct replay_plan *plan)
{
	struct outbound_response out;
	struct replay_result r = { 0 };
	struct json_object *replay;
	PGresult *res = NULL;
	int answered = outbound_send(&plan->request, deliver_config_from_env()->allow, &out) == 0;

	snprintf(r.latency, sizeof(r.latency), "%.3f", out.latency_ms);
	if (result_headers(&out, &plan->fields, &r) != 0 || result_body(&out, &plan->fields, &r) != 0) {
		log_msg("replay of log %s: out of memory for the answer", id);
		respond_internal(req);
	} else if (store_or_respond(req, id, answered, &out, &r, &res) == 0) {
		replay = replay_json(res, 0, 0);
		respond_json(req, 201, replay);
		json_object_put(replay);
	}
	PQclear(res);
	result_release(&r);
	outbound_response_release(&out);
}

/* POST /v1/logs/{id}/replay {"override_url"?, "override_headers"?, "override_body"?},
 * Authorization: Bearer mkey_... of the log's service, or a member */
void replay_create(struct request *req)
{
	char id[PARAMS_UUID_LEN + 1], digest[KEYS_SHA256_HEX_LEN + 1];
	const char *key;
	struct json_object *doc = NULL;
	struct overrides o;
	struct replay_plan plan = { 0 };
	PGresult *log = NULL;

	/* The key before the body: a wrong key is 401 whatever the body holds. */
	if (handler_path_uuid_or_respond(req, 2, id) != 0 ||
	    asker_or_respond(req, digest, &key) != 0 ||
	    log_or_respond(req, id, key, &log) != 0 ||
	    overrides_or_respond(req, &doc, &o) != 0 ||
	    plan_or_respond(req, log, &o, &plan) != 0)
		goto out;
	send_and_store(req, id, &plan);
out:
	plan_release(&plan);
	PQclear(log);
	json_object_put(doc);
}

/* GET /v1/logs/{id}/replays?limit, Authorization: Bearer mkey_... of the
 * log's service, or a member */
void replay_list(struct request *req)
{
	char id[PARAMS_UUID_LEN + 1], digest[KEYS_SHA256_HEX_LEN + 1];
	const char *key;
	struct sql_args a = { 0 };
	struct json_object *items;
	int64_t limit;
	PGresult *res = NULL;

	if (handler_path_uuid_or_respond(req, 2, id) != 0 ||
	    asker_or_respond(req, digest, &key) != 0 ||
	    handler_query_int_or_respond(req, "limit", LIST_LIMIT_DEFAULT, 1, LIST_LIMIT_MAX, &limit) != 0)
		return;
	sql_arg_text(&a, id);
	sql_arg_text(&a, key);
	sql_arg_int(&a, limit);
	if (keyed_or_respond(req, "replay_list", &a, &res) != 0)
		return;
	items = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++)
		if (!PQgetisnull(res, i, 1 + COL_ID))
			json_object_array_add(items, replay_json(res, i, 1));
	respond_json(req, 200, items);
	json_object_put(items);
	PQclear(res);
}
