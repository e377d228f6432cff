/* apps: create, list, read, delete applications and rotate their ingest keys.
 * A key is shown once, in the answer that made it; the database keeps only its
 * SHA-256 and its first eight characters. */
#include "api/apps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handler.h"
#include "pure/json.h"
#include "pure/keys.h"
#include "pure/retention.h"
#include "http/response.h"
#include "pure/utf8.h"

#define APP_NAME_MAX 255
#define KEY_BYTES 16                  /* 32 hex digits */
#define KEY_PREFIX_LEN 8

#define APP_COLUMNS "id, name, ingest_key_prefix, ts_to_usec(created_at), array_to_json(mask_fields)," \
	" webhook_url, retention_days"

const struct db_statement apps_statements[] = {
	{ "apps_create",
	  "INSERT INTO applications (name, ingest_key_sha256, ingest_key_prefix, retention_days)"
	  " VALUES ($1, $2, $3, $4) RETURNING " APP_COLUMNS },
	{ "apps_list", "SELECT " APP_COLUMNS " FROM applications ORDER BY id LIMIT $1 OFFSET $2" },
	{ "apps_get", "SELECT " APP_COLUMNS " FROM applications WHERE id = $1" },
	{ "apps_delete", "DELETE FROM applications WHERE id = $1" },
	/* $1 id; $2 mask fields one a line, when $3; $4 webhook_url and $5 its
	 * secret's nonce, when $6; $7 retention_days or NULL. */
	{ "apps_change",
	  "UPDATE applications SET"
	  " mask_fields = CASE WHEN $3::boolean THEN " HANDLER_MASK_FIELDS("$2") " ELSE mask_fields END,"
	  " webhook_url = CASE WHEN $6::boolean THEN $4 ELSE webhook_url END,"
	  " webhook_secret_nonce = CASE WHEN $6::boolean THEN $5 ELSE webhook_secret_nonce END,"
	  " retention_days = coalesce($7::integer, retention_days)"
	  " WHERE id = $1 RETURNING " APP_COLUMNS },
	{ "apps_rotate_key",
	  "UPDATE applications SET ingest_key_sha256 = $2, ingest_key_prefix = $3"
	  " WHERE id = $1 RETURNING " APP_COLUMNS },
	{ NULL, NULL }
};

/* One application from a row of APP_COLUMNS; the caller puts it. */
static struct json_object *app_json(const PGresult *res, int row)
{
	struct json_object *app = json_object_new_object();

	json_add_int(app, "id", sql_int(res, row, 0));
	json_add_string(app, "name", PQgetvalue(res, row, 1));
	json_add_string(app, "ingest_key_prefix", PQgetvalue(res, row, 2));
	json_add_time(app, "created_at", sql_int(res, row, 3));
	sql_add_jsonb(app, "mask_fields", res, row, 4);
	sql_add_text(app, "webhook_url", res, row, 5);
	json_add_int(app, "retention_days", sql_int(res, row, 6));
	return app;
}

/* A new key: raw (shown once), its digest and its prefix. Returns 0 or -1. */
struct new_key {
	char raw[2 * KEY_BYTES + 1];
	char digest[KEYS_SHA256_HEX_LEN + 1];
	char prefix[KEY_PREFIX_LEN + 1];
};

static int new_key_or_respond(struct request *req, struct new_key *k)
{
	if (keys_random_hex(k->raw, KEY_BYTES) != 0)
		return respond_internal(req);
	keys_sha256_hex(k->raw, strlen(k->raw), k->digest);
	memcpy(k->prefix, k->raw, KEY_PREFIX_LEN);
	k->prefix[KEY_PREFIX_LEN] = '\0';
	return 0;
}

/* Answers the application of row 0 with its new raw key. */
static void respond_app_with_key(struct request *req, int status, const PGresult *res,
				 const struct new_key *k)
{
	struct json_object *app = app_json(res, 0);

	json_add_string(app, "ingest_key", k->raw);
	respond_json(req, status, app);
	json_object_put(app);
}

/* The name in path segment 1, trimmed; 422 unless 1-255 printable characters. */
static int app_name_or_respond(struct request *req, char **name)
{
	const struct request_segment *seg = &req->segments[1];
	size_t start = 0, len;

	if (!utf8_valid(seg->text, seg->len))
		return respond_error(req, 422, "VALIDATION", "name", "must be UTF-8 text without control characters");
	len = utf8_trim(seg->text, seg->len, &start);
	if (len == 0 || utf8_count(seg->text + start, len) > APP_NAME_MAX)
		return respond_error(req, 422, "VALIDATION", "name",
				     "must be 1 to %d characters", APP_NAME_MAX);
	if (!utf8_printable(seg->text + start, len))
		return respond_error(req, 422, "VALIDATION", "name",
				     "must not contain control characters");
	*name = seg->text + start;
	(*name)[len] = '\0';
	return 0;
}

/* The retention_days of POST /apps/{name}'s optional body {"retention_days"?},
 * else TELLTALE_EVENT_RETENTION_DAYS's. */
static int new_app_retention_or_respond(struct request *req, int *days)
{
	struct json_object *doc;
	struct error err;
	int rc = 0;

	*days = retention_days_setting(getenv("TELLTALE_EVENT_RETENTION_DAYS"),
				       RETENTION_EVENT_DAYS_DEFAULT);
	if (handler_json_optional_body_or_respond(req, &doc) != 0)
		return -1;
	if (doc && retention_days_from_json(doc, days, &err) != 0)
		rc = respond_with(req, &err);
	json_object_put(doc);
	return rc;
}

/* POST /apps/{name} {"retention_days"?}: the body is optional. */
void apps_create(struct request *req)
{
	struct sql_args a = { 0 };
	struct new_key k;
	PGresult *res = NULL;
	char *name = NULL;
	enum db_status st;
	int days;

	if (app_name_or_respond(req, &name) != 0 || new_app_retention_or_respond(req, &days) != 0 ||
	    new_key_or_respond(req, &k) != 0)
		return;
	sql_arg_text(&a, name);
	sql_arg_text(&a, k.digest);
	sql_arg_text(&a, k.prefix);
	sql_arg_int(&a, days);
	st = db_exec("apps_create", a.n, a.values, &res);
	if (st == DB_CONFLICT)
		respond_error(req, 409, "CONFLICT", "name", "an application with this name exists");
	else if (st != DB_OK)
		handler_db_failure(req, st);
	else
		respond_app_with_key(req, 201, res, &k);
	PQclear(res);
}

/* GET /apps?limit&offset */
void apps_list(struct request *req)
{
	struct sql_args a = { 0 };
	PGresult *res = NULL;

	if (handler_query_list_or_respond(req, &a) != 0 ||
	    handler_exec_or_respond(req, "apps_list", &a, &res) != 0)
		return;
	handler_respond_rows(req, res, app_json);
	PQclear(res);
}

/* Answers row 0 of res as an APP, or 404 when there is none. */
static void respond_app(struct request *req, const PGresult *res)
{
	handler_respond_row(req, res, app_json, NULL, "no such application");
}

/* GET /apps/{app_id} */
void apps_get(struct request *req)
{
	struct sql_args a = { 0 };
	PGresult *res = NULL;
	int64_t id;

	if (handler_path_id_or_respond(req, 1, &id) != 0)
		return;
	sql_arg_int(&a, id);
	if (handler_exec_or_respond(req, "apps_get", &a, &res) != 0)
		return;
	respond_app(req, res);
	PQclear(res);
}

/* The members a PATCH of an application may change. */
struct app_change {
	char *fields;               /* mask_fields, one a line; NULL: unchanged */
	int webhook_given;          /* webhook_url is in the body (null clears it) */
	const char *webhook_url;
	char nonce[33];             /* the new webhook secret's */
	int retention_days;         /* 0: unchanged */
};

static int app_change_or_respond(struct request *req, struct json_object *doc, struct app_change *c)
{
	struct error err;

	if (handler_json_mask_fields_or_respond(req, doc, &c->fields) != 0 ||
	    handler_json_webhook_url_or_respond(req, doc, &c->webhook_url) != 0)
		return -1;
	if (retention_days_from_json(doc, &c->retention_days, &err) != 0)
		return respond_with(req, &err);
	c->webhook_given = json_object_object_get_ex(doc, "webhook_url", NULL);
	if (!c->fields && !c->webhook_given && !c->retention_days)
		return respond_error(req, 422, "VALIDATION", NULL,
				     "give mask_fields, webhook_url or retention_days");
	if (c->webhook_url && keys_random_hex(c->nonce, 16) != 0)
		return respond_internal(req);
	return 0;
}

/* PATCH /apps/{app_id} {"mask_fields"?, "webhook_url"?, "retention_days"?}: a new webhook_url
 * comes with its secret, shown this once. */
void apps_change(struct request *req)
{
	struct sql_args a = { 0 };
	struct app_change c = { 0 };
	struct json_object *doc = NULL, *app;
	PGresult *res = NULL;
	struct error err;
	int64_t app_id;
	char id[32];

	if (handler_path_id_or_respond(req, 1, &app_id) != 0 ||
	    handler_json_body_or_respond(req, &doc) != 0 ||
	    handler_json_object_or_respond(req, doc) != 0 || app_change_or_respond(req, doc, &c) != 0)
		goto out;
	sql_arg_int(&a, app_id);
	sql_arg_text(&a, c.fields);
	sql_arg_text(&a, c.fields ? "true" : "false");
	sql_arg_text(&a, c.webhook_url);
	sql_arg_text(&a, c.webhook_url ? c.nonce : NULL);
	sql_arg_text(&a, c.webhook_given ? "true" : "false");
	sql_arg_int_or_null(&a, c.retention_days != 0, c.retention_days);
	if (handler_exec_or_respond(req, "apps_change", &a, &res) != 0)
		goto out;
	if (PQntuples(res) == 0 || !c.webhook_url) {
		respond_app(req, res);
		goto out;
	}
	app = app_json(res, 0);
	snprintf(id, sizeof(id), "app-%s", PQgetvalue(res, 0, 0));
	if (handler_add_webhook_secret(app, id, c.nonce, &err) != 0)
		respond_with(req, &err);
	else
		respond_json(req, 200, app);
	json_object_put(app);
out:
	PQclear(res);
	free(c.fields);
	json_object_put(doc);
}

/* DELETE /apps/{app_id} */
void apps_delete(struct request *req)
{
	struct sql_args a = { 0 };
	PGresult *res = NULL;
	int64_t id;

	if (handler_path_id_or_respond(req, 1, &id) != 0)
		return;
	sql_arg_int(&a, id);
	if (handler_exec_or_respond(req, "apps_delete", &a, &res) != 0)
		return;
	if (strcmp(PQcmdTuples(res), "0") == 0)
		respond_error(req, 404, "NOT_FOUND", NULL, "no such application");
	else
		respond_no_content(req);
	PQclear(res);
}

/* POST /apps/{app_id}/ingest-key */
void apps_rotate_key(struct request *req)
{
	struct sql_args a = { 0 };
	struct new_key k;
	PGresult *res = NULL;
	int64_t id;

	if (handler_path_id_or_respond(req, 1, &id) != 0 || new_key_or_respond(req, &k) != 0)
		return;
	sql_arg_int(&a, id);
	sql_arg_text(&a, k.digest);
	sql_arg_text(&a, k.prefix);
	if (handler_exec_or_respond(req, "apps_rotate_key", &a, &res) != 0)
		return;
	if (PQntuples(res) == 0)
		respond_error(req, 404, "NOT_FOUND", NULL, "no such application");
	else
		respond_app_with_key(req, 200, res, &k);
	PQclear(res);
}
