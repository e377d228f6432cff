/* services: the /v1 services that push request logs. Deleting a service
 * takes its keys, logs and everything under them along: the foreign keys
 * cascade, so it is one statement. */
#include "api/services.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handler.h"
#include "pure/json.h"
#include "pure/mask.h"
#include "pure/params.h"
#include "http/response.h"
#include "pure/utf8.h"

#define SERVICE_NAME_MAX 128
#define SERVICE_DESCRIPTION_MAX 512

#define SERVICE_COLUMNS "id, name, description, base_url, ts_to_usec(created_at)," \
	" array_to_json(mask_fields)"

/* mask_fields travel as one text of names, one a line. */
#define FIELDS(n) "coalesce(string_to_array(" n ", E'\\n'), '{}')"

const struct db_statement services_statements[] = {
	{ "services_create",
	  "INSERT INTO services (name, description, base_url, mask_fields)"
	  " VALUES ($1, $2, $3, " FIELDS("$4") ") RETURNING " SERVICE_COLUMNS },
	{ "services_change",
	  "UPDATE services SET mask_fields = " FIELDS("$2") " WHERE id = $1 RETURNING " SERVICE_COLUMNS },
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
	return svc;
}

#define MASK_FIELDS_RULE "must be an array of at most 50 names of 1 to 64 characters" \
	" without control characters"

/* 1 when text[0..len) is UTF-8 without control characters (a name is kept
 * one a line). */
static int field_name_ok(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			return 0;
	return len > 0 && len <= MASK_FIELD_MAX && utf8_valid(text, len);
}

/* The optional "mask_fields" of doc as names one a line in *lines (the
 * caller frees it; NULL when absent): 422 unless it keeps MASK_FIELDS_RULE. */
static int mask_fields_or_respond(struct request *req, struct json_object *doc, char **lines)
{
	struct json_object *v = NULL;
	size_t n, len = 0;

	*lines = NULL;
	if (!json_object_object_get_ex(doc, "mask_fields", &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_array) || (n = json_object_array_length(v)) > MASK_FIELDS_MAX)
		return respond_error(req, 422, "VALIDATION", "mask_fields", MASK_FIELDS_RULE);
	if (!(*lines = calloc(n ? n : 1, MASK_FIELD_MAX + 1)))
		return respond_internal(req);
	for (size_t i = 0; i < n; i++) {
		struct json_object *name = json_object_array_get_idx(v, i);
		const char *text = json_object_get_string(name);
		size_t tlen = (size_t)json_object_get_string_len(name);

		if (!json_object_is_type(name, json_type_string) || !field_name_ok(text, tlen)) {
			free(*lines);
			*lines = NULL;
			return respond_error(req, 422, "VALIDATION", "mask_fields", MASK_FIELDS_RULE);
		}
		len += (size_t)sprintf(*lines + len, "%s%s", i ? "\n" : "", text);
	}
	return 0;
}

/* POST /v1/services {"name", "description"?, "base_url"?} */
void services_create(struct request *req)
{
	struct sql_args a = { 0 };
	struct json_object *doc = NULL, *svc;
	const char *description, *base_url;
	PGresult *res = NULL;
	char *name = NULL, *fields = NULL;
	enum db_status st;

	if (handler_json_body_or_respond(req, &doc) != 0 ||
	    handler_json_object_or_respond(req, doc) != 0 ||
	    handler_json_name_or_respond(req, doc, "name", SERVICE_NAME_MAX, &name) != 0 ||
	    handler_json_optional_text_or_respond(req, doc, "description", SERVICE_DESCRIPTION_MAX, NULL,
				     "must be a string of at most 512 characters", &description) != 0 ||
	    handler_json_optional_text_or_respond(req, doc, "base_url", 0, params_http_url_ok,
				     "must be an absolute http or https URL", &base_url) != 0 ||
	    mask_fields_or_respond(req, doc, &fields) != 0)
		goto out;
	sql_arg_text(&a, name);
	sql_arg_text(&a, description);
	sql_arg_text(&a, base_url);
	sql_arg_text(&a, fields);
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
	struct json_object *svc;

	if (PQntuples(res) == 0) {
		respond_error(req, 404, "NOT_FOUND", NULL, "no such service");
		return;
	}
	svc = service_json(res, 0);
	respond_json(req, 200, svc);
	json_object_put(svc);
}

/* PATCH /v1/services/{id} {"mask_fields"}: the names masked in its logs
 * besides the built-in ones, from the next log on. */
void services_change(struct request *req)
{
	struct sql_args a = { 0 };
	struct json_object *doc = NULL;
	char id[PARAMS_UUID_LEN + 1], *fields = NULL;
	PGresult *res = NULL;

	if (handler_path_uuid_or_respond(req, 2, id) != 0 ||
	    handler_json_body_or_respond(req, &doc) != 0 ||
	    handler_json_object_or_respond(req, doc) != 0 ||
	    mask_fields_or_respond(req, doc, &fields) != 0)
		goto out;
	if (!fields) {
		respond_error(req, 422, "VALIDATION", "mask_fields", "is required");
		goto out;
	}
	sql_arg_text(&a, id);
	sql_arg_text(&a, fields);
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
