/* audit: entries are written by the statement that records them, in the
 * transaction of the change they record (routes.c), and read newest first. */
#include "api/audit.h"

#include <string.h>

#include "api/handler.h"
#include "db/args.h"
#include "http/response.h"
#include "pure/json.h"

#define ENTRY_COLUMNS "id, ts_to_usec(at), actor, via, address, action, target, detail"

const struct db_statement audit_statements[] = {
	{ "audit_insert",
	  "INSERT INTO audit_log (actor, via, address, action, target, detail)"
	  " VALUES ($1, $2, $3, $4, $5, $6)" },
	{ "audit_list",
	  "SELECT " ENTRY_COLUMNS " FROM audit_log WHERE $1::bigint = 0 OR id < $1"
	  " ORDER BY id DESC LIMIT $2" },
	{ NULL, NULL }
};

/* A target or name kept in the trail is cut to this many bytes: a refused
 * request's path or a failed sign-in's name is the client's to choose. */
#define AUDIT_TEXT_MAX 256

enum db_status audit_record(const struct request *req, const char *action, const char *target,
			    struct json_object *detail)
{
	char cut[AUDIT_TEXT_MAX + 1];
	struct sql_args a = { 0 };
	struct error err;
	PGresult *res = NULL;

	snprintf(cut, sizeof(cut), "%s", target ? target : "");
	sql_arg_text(&a, req->who.role != ROLE_NONE ? req->who.username : NULL);
	sql_arg_text(&a, roles_via_name(req->who.role != ROLE_NONE ? req->who.via : VIA_ANONYMOUS));
	sql_arg_text(&a, req->address[0] ? req->address : NULL);
	sql_arg_text(&a, action);
	sql_arg_text(&a, target ? cut : NULL);
	sql_arg_text(&a, detail ? json_object_to_json_string_ext(detail, JSON_C_TO_STRING_PLAIN) : NULL);
	if (sql_run("audit_insert", &a, &res, &err) != 0)
		return err.status == 503 ? DB_UNAVAILABLE : DB_ERROR;
	PQclear(res);
	return DB_OK;
}

/* The fields of an answer that name what was changed; secrets (raw keys,
 * tokens, webhook secrets) are never among them. */
static const char *const naming_fields[] = {
	"id", "name", "username", "role", "service_id", "prefix", "key_prefix", NULL
};

enum db_status audit_change(const struct request *req, const char *action)
{
	struct json_object *answer = NULL, *detail = NULL, *v;
	enum db_status st;

	if (req->held && req->held_len > req->held_body)
		answer = json_tokener_parse(req->held + req->held_body);
	if (answer && json_object_is_type(answer, json_type_object)) {
		detail = json_object_new_object();
		for (const char *const *f = naming_fields; *f; f++)
			if (json_object_object_get_ex(answer, *f, &v))
				json_object_object_add(detail, *f, json_object_get(v));
	}
	st = audit_record(req, action, req->path, detail);
	json_object_put(detail);
	json_object_put(answer);
	return st;
}

static struct json_object *entry_json(const PGresult *res, int row)
{
	struct json_object *e = json_object_new_object();

	json_add_int(e, "id", sql_int(res, row, 0));
	sql_add_time(e, "at", res, row, 1);
	sql_add_text(e, "actor", res, row, 2);
	sql_add_text(e, "via", res, row, 3);
	sql_add_text(e, "address", res, row, 4);
	sql_add_text(e, "action", res, row, 5);
	sql_add_text(e, "target", res, row, 6);
	sql_add_jsonb(e, "detail", res, row, 7);
	return e;
}

/* GET /v1/audit?limit&cursor (admin), newest first. */
void audit_list(struct request *req)
{
	handler_respond_cursor_page(req, "audit_list", NULL, entry_json);
}
