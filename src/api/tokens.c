/* tokens: a user's API tokens for scripts. A token is shown once, in the
 * answer that made it; the database keeps its SHA-256 and its first twelve
 * characters. A token's role is at most its maker's; revoking keeps the row. */
#include "api/tokens.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handler.h"
#include "http/response.h"
#include "pure/json.h"
#include "pure/keys.h"
#include "pure/roles.h"
#include "pure/timefmt.h"

#define TOKEN_NAME_MAX 100
#define TOKEN_LEN (3 + KEYS_URLSAFE_LEN)
#define TOKEN_PREFIX_LEN 12

#define TOKEN_COLUMNS "t.id, t.name, t.role, t.prefix, ts_to_usec(t.expires_at)," \
	" ts_to_usec(t.created_at), ts_to_usec(t.last_used_at), t.user_id, u.username"

const struct db_statement tokens_statements[] = {
	{ "tokens_list",
	  "SELECT " TOKEN_COLUMNS " FROM api_tokens t JOIN users u ON u.id = t.user_id"
	  " WHERE t.revoked_at IS NULL AND (t.user_id = $1 OR $2) ORDER BY t.id" },
	{ "tokens_create",
	  "WITH t AS (INSERT INTO api_tokens (user_id, name, role, token_sha256, prefix, expires_at)"
	  " VALUES ($1, $2, $3, $4, $5, usec_to_ts($6)) RETURNING *)"
	  " SELECT " TOKEN_COLUMNS " FROM t JOIN users u ON u.id = t.user_id" },
	{ "tokens_revoke",
	  "UPDATE api_tokens SET revoked_at = now()"
	  " WHERE id = $1 AND revoked_at IS NULL AND (user_id = $2 OR $3)" },
	{ NULL, NULL }
};

static struct json_object *token_json(const PGresult *res, int row)
{
	struct json_object *t = json_object_new_object(), *owner = json_object_new_object();

	json_add_int(t, "id", sql_int(res, row, 0));
	sql_add_text(t, "name", res, row, 1);
	sql_add_text(t, "role", res, row, 2);
	sql_add_text(t, "prefix", res, row, 3);
	sql_add_time(t, "expires_at", res, row, 4);
	sql_add_time(t, "created_at", res, row, 5);
	sql_add_time(t, "last_used_at", res, row, 6);
	json_add_int(owner, "id", sql_int(res, row, 7));
	sql_add_text(owner, "username", res, row, 8);
	json_object_object_add(t, "user", owner);
	return t;
}

static const char *is_admin(const struct request *req)
{
	return req->who.role == ROLE_ADMIN ? "true" : "false";
}

/* GET /v1/tokens: one's own; an admin's, everybody's. */
void tokens_list(struct request *req)
{
	struct sql_args a = { 0 };
	PGresult *res = NULL;

	sql_arg_int(&a, req->who.user_id);
	sql_arg_text(&a, is_admin(req));
	if (handler_exec_or_respond(req, "tokens_list", &a, &res) != 0)
		return;
	handler_respond_rows(req, res, token_json);
	PQclear(res);
}

/* The token's role: as asked, at most the caller's own; the caller's when
 * not asked. */
static int role_or_respond(struct request *req, struct json_object *doc, enum role *role)
{
	const char *name;

	if (handler_json_optional_text_or_respond(req, doc, "role", 0, roles_known,
						  "must be admin, member or viewer", &name) != 0)
		return -1;
	*role = name ? roles_parse(name, strlen(name)) : req->who.role;
	if (*role > req->who.role)
		return respond_error(req, 422, "VALIDATION", "role",
				     "must not be above your own role (%s)", roles_name(req->who.role));
	return 0;
}

/* The optional expires_at, which must be ahead: *usec, or INT64_MIN without one. */
static int expiry_or_respond(struct request *req, struct json_object *doc, int64_t *usec)
{
	const char *text;

	*usec = INT64_MIN;
	if (handler_json_optional_text_or_respond(req, doc, "expires_at", 64, NULL, "", &text) != 0)
		return -1;
	if (text && (timefmt_parse(text, strlen(text), usec) != 0 || *usec <= handler_now_usec()))
		return respond_error(req, 422, "VALIDATION", "expires_at",
				     "must be an RFC 3339 time in the future");
	return 0;
}

/* POST /v1/tokens {"name", "role"?, "expires_at"?} */
void tokens_create(struct request *req)
{
	char raw[TOKEN_LEN + 1], digest[KEYS_SHA256_HEX_LEN + 1], prefix[TOKEN_PREFIX_LEN + 1];
	struct json_object *doc = NULL, *token;
	struct sql_args a = { 0 };
	PGresult *res = NULL;
	char *name = NULL;
	enum role role;
	int64_t expires;

	if (handler_json_body_or_respond(req, &doc) != 0 ||
	    handler_json_object_or_respond(req, doc) != 0 ||
	    handler_json_name_or_respond(req, doc, "name", TOKEN_NAME_MAX, &name) != 0 ||
	    role_or_respond(req, doc, &role) != 0 || expiry_or_respond(req, doc, &expires) != 0)
		goto out;
	if (keys_new_urlsafe("tt_", raw) != 0) {
		respond_internal(req);
		goto out;
	}
	keys_sha256_hex(raw, TOKEN_LEN, digest);
	memcpy(prefix, raw, TOKEN_PREFIX_LEN);
	prefix[TOKEN_PREFIX_LEN] = '\0';
	sql_arg_int(&a, req->who.user_id);
	sql_arg_text(&a, name);
	sql_arg_text(&a, roles_name(role));
	sql_arg_text(&a, digest);
	sql_arg_text(&a, prefix);
	if (expires == INT64_MIN)
		sql_arg_text(&a, NULL);
	else
		sql_arg_int(&a, expires);
	if (handler_exec_or_respond(req, "tokens_create", &a, &res) != 0)
		goto out;
	token = token_json(res, 0);
	json_add_string(token, "token", raw);
	respond_json(req, 201, token);
	json_object_put(token);
out:
	PQclear(res);
	free(name);
	json_object_put(doc);
}

/* DELETE /v1/tokens/{id}: one's own, or any for an admin; another's is 404. */
void tokens_revoke(struct request *req)
{
	struct sql_args a = { 0 };
	PGresult *res = NULL;
	int64_t id;

	if (handler_path_id_or_respond(req, 2, &id) != 0)
		return;
	sql_arg_int(&a, id);
	sql_arg_int(&a, req->who.user_id);
	sql_arg_text(&a, is_admin(req));
	if (handler_exec_or_respond(req, "tokens_revoke", &a, &res) != 0)
		return;
	if (strcmp(PQcmdTuples(res), "0") == 0)
		respond_error(req, 404, "NOT_FOUND", NULL, "no such token");
	else
		respond_no_content(req);
	PQclear(res);
}
