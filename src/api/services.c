/* services: the /v1 services that push request logs. Deleting a service
 * takes its keys, logs and everything under them along: the foreign keys
 * cascade, so it is one statement. */
#include "api/services.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handler.h"
#include "pure/json.h"
#include "pure/params.h"
#include "pure/retention.h"
#include "http/response.h"
#include "pure/utf8.h"

#define SERVICE_NAME_MAX 128
#define SERVICE_DESCRIPTION_MAX 512

#define SERVICE_COLUMNS "id, name, description, base_url, ts_to_usec(created_at)," \
	" array_to_json(mask_fields), retention_days"

const struct db_statement services_statements[] = {
	{ "services_create",
	  "INSERT INTO services (name, description, base_url, mask_fields, retention_days)"
	  " VALUES ($1, $2, $3, " HANDLER_MASK_FIELDS("$4") ", $5) RETURNING " SERVICE_COLUMNS },
	/* $1 id; $2 mask fields one a line, or NULL; $3 retention_days or NULL. */
	{ "services_change",
	  "UPDATE services SET"
	  " mask_fields = CASE WHEN $2::text IS NULL THEN mask_fields ELSE " HANDLER_MASK_FIELDS("$2") " END,"
	  " retention_days = coalesce($3::integer, retention_days)"
	  " WHERE id = $1 RETURNING " SERVICE_COLUMNS },
	{ "services_list",
	  "SELECT " SERVICE_COLUMNS " FROM services ORDER BY created_at, id LIMIT $1 OFFSET $2" },
	{ "services_get", "SELECT " SERVICE_COLUMNS " FROM services WHERE id = $1" },
	{ "services_delete", "DELETE FROM services WHERE id = $1" },
	{ NULL, NULL }
};

/* One SERVICE from a row of SERVICE_COLUMNS; the caller puts it. */
static struct json_object *service_json(const PGresult *res, int row)
{
	struct json_object *svc = json_object_new_object();

	json_add_string(svc, "id", PQgetvalue(res, row, 0));
	json_add_string_len(svc, "name", PQgetvalue(res, row, 1), (size_t)PQgetlength(res, row, 1));
	sql_add_text(svc, "description", res, row, 2);
	sql_add_text(svc, "base_url", res, row, 3);
	json_add_time(svc, "created_at", sql_int(res, row, 4));
	sql_add_jsonb(svc, "mask_fields", res, row, 5);
	json_add_int(svc, "retention_days", sql_int(res, row, 6));
	return svc;
}

/* POST /v1/services {"name", "description"?, "base_url"?, "mask_fields"?,
 * "retention_days"?} */
void services_create(struct request *req)
{
	struct sql_args a = { 0 };
	struct json_object *doc = NULL, *svc;
	const char *description, *base_url;
	PGresult *res = NULL;
	char *name = NULL, *fields = NULL;
	enum db_status st;
	struct error err;
	int days = retention_days_setting(getenv("TELLTALE_LOG_RETENTION_DAYS"), RETENTION_LOG_DAYS_DEFAULT);

	if (handler_json_body_or_respond(req, &doc) != 0 ||
	    handler_json_object_or_respond(req, doc) != 0 ||
	    handler_json_name_or_respond(req, doc, "name", SERVICE_NAME_MAX, &name) != 0 ||
	    handler_json_optional_text_or_respond(req, doc, "description", SERVICE_DESCRIPTION_MAX, NULL,
				     "must be a string of at most 512 characters", &description) != 0 ||
	    handler_json_optional_text_or_respond(req, doc, "base_url", 0, params_http_url_ok,
				     "must be an absolute http or https URL", &base_url) != 0 ||
	    handler_json_mask_fields_or_respond(req, doc, &fields) != 0)
		goto out;
	if (retention_days_from_json(doc, &days, &err) != 0) {
		respond_with(req, &err);
		goto out;
	}
	sql_arg_text(&a, name);
	sql_arg_text(&a, description);
	sql_arg_text(&a, base_url);
	sql_arg_text(&a, fields);
	sql_arg_int(&a, days);
	st = db_exec("services_create", a.n, a.values, &res);
	if (st == DB_CONFLICT) {
		respond_error(req, 409, "CONFLICT", "name", "a service with this name exists");
	} else if (st != DB_OK) {
		handler_db_failure(req, st);
	} else {
		svc = service_json(res, 0);
		respond_json(req, 201, svc);
		json_object_put(svc);
	}
out:
	PQclear(res);
	free(name);
	free(fields);
	json_object_put(doc);
}

/* Answers row 0 of res as a SERVICE, or 404 when there is none. */
static void respond_service(struct request *req, const PGresult *res)
{
	handler_respond_row(req, res, service_json, NULL, "no such service");
}

/* PATCH /v1/services/{id} {"mask_fields"?, "retention_days"?}: the names
 * masked in its logs besides the built-in ones, from the next log on; the
 * days its logs are kept. */
void services_change(struct request *req)
{
	struct sql_args a = { 0 };
	struct json_object *doc = NULL;
	PGresult *res = NULL;
	char id[PARAMS_UUID_LEN + 1], *fields = NULL;
	struct error err;
	int days = 0;

	if (handler_path_uuid_or_respond(req, 2, id) != 0 ||
	    handler_json_body_or_respond(req, &doc) != 0 ||
	    handler_json_object_or_respond(req, doc) != 0 ||
	    handler_json_mask_fields_or_respond(req, doc, &fields) != 0)
		goto out;
	if (retention_days_from_json(doc, &days, &err) != 0) {
		respond_with(req, &err);
		goto out;
	}
	if (!fields && !days) {
		respond_error(req, 422, "VALIDATION", NULL, "give mask_fields or retention_days");
		goto out;
	}
	sql_arg_text(&a, id);
	sql_arg_text(&a, fields);
	sql_arg_int_or_null(&a, days != 0, days);
	if (handler_exec_or_respond(req, "services_change", &a, &res) == 0)
		respond_service(req, res);
out:
	PQclear(res);
	free(fields);
	json_object_put(doc);
}

/* GET /v1/services?limit&offset */
void services_list(struct request *req)
{
	struct sql_args a = { 0 };
	PGresult *res = NULL;

	if (handler_query_list_or_respond(req, &a) != 0 ||
	    handler_exec_or_respond(req, "services_list", &a, &res) != 0)
		return;
	handler_respond_rows(req, res, service_json);
	PQclear(res);
}

/* GET /v1/services/{id} */
void services_get(struct request *req)
{
	struct sql_args a = { 0 };
	char id[PARAMS_UUID_LEN + 1];
	PGresult *res = NULL;

	if (handler_path_uuid_or_respond(req, 2, id) != 0)
		return;
	sql_arg_text(&a, id);
	if (handler_exec_or_respond(req, "services_get", &a, &res) != 0)
		return;
	respond_service(req, res);
	PQclear(res);
}

/* DELETE /v1/services/{id} */
void services_delete(struct request *req)
{
	struct sql_args a = { 0 };
	char id[PARAMS_UUID_LEN + 1];
	PGresult *res = NULL;

	if (handler_path_uuid_or_respond(req, 2, id) != 0)
		return;
	sql_arg_text(&a, id);
	if (handler_exec_or_respond(req, "services_delete", &a, &res) != 0)
		return;
	if (strcmp(PQcmdTuples(res), "0") == 0)
		respond_error(req, 404, "NOT_FOUND", NULL, "no such service");
	else
		respond_no_content(req);
	PQclear(res);
}
