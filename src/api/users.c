/* users: passwords arrive in the body and leave only as argon2id hashes; the
 * last admin stays an admin, so that someone can always manage the rest. */
#include "api/users.h"

#include <string.h>

#include "api/handler.h"
#include "http/response.h"
#include "pure/json.h"
#include "pure/password.h"
#include "pure/roles.h"

/* The admins, locked, so that two requests cannot each leave the other the
 * last admin and then both go. */
#define ADMINS "WITH admins AS (SELECT id FROM users WHERE role = 'admin' FOR UPDATE) "
#define NOT_LAST_ADMIN "(role <> 'admin' OR (SELECT count(*) FROM admins) > 1)"

const struct db_statement users_statements[] = {
	{ "users_list",
	  "SELECT " USER_COLUMNS " FROM users WHERE id > $1 ORDER BY id LIMIT $2" },
	{ "users_create",
	  "INSERT INTO users (username, password_hash, role) VALUES ($1, $2, $3)"
	  " RETURNING " USER_COLUMNS },
	{ "users_change",
	  ADMINS "UPDATE users SET role = coalesce($2, role),"
	  " password_hash = coalesce($3, password_hash)"
	  " WHERE id = $1 AND (coalesce($2, 'admin') = 'admin' OR " NOT_LAST_ADMIN ")"
	  " RETURNING " USER_COLUMNS },
	{ "users_delete", ADMINS "DELETE FROM users WHERE id = $1 AND " NOT_LAST_ADMIN },
	{ "users_exists", "SELECT 1 FROM users WHERE id = $1" },
	{ NULL, NULL }
};

struct json_object *user_json(const PGresult *res, int row, int col)
{
	struct json_object *user = json_object_new_object();

	json_add_int(user, "id", sql_int(res, row, col));
	sql_add_text(user, "username", res, row, col + 1);
	sql_add_text(user, "role", res, row, col + 2);
	sql_add_time(user, "created_at", res, row, col + 3);
	sql_add_time(user, "last_login_at", res, row, col + 4);
	return user;
}

static struct json_object *user_row(const PGresult *res, int row)
{
	return user_json(res, row, 0);
}

void users_list(struct request *req)
{
	handler_respond_cursor_page(req, "users_list", NULL, user_row);
}

static int username_ok(const char *s, size_t len)
{
	return roles_username_ok(s, len);
}

#define ROLE_RULE "must be admin, member or viewer"
#define PASSWORD_RULE "must be 12 to 1024 characters"

/* The optional "password" of doc, hashed into hash ("" when absent). */
static int password_or_respond(struct request *req, struct json_object *doc,
			       char hash[PASSWORD_HASH_MAX])
{
	const char *password;

	hash[0] = '\0';
	if (handler_json_optional_text_or_respond(req, doc, "password", 0, password_acceptable,
						  PASSWORD_RULE, &password) != 0)
		return -1;
	if (password && password_hash(password, strlen(password), hash) != 0)
		return respond_internal(req);
	return 0;
}

static int required_or_respond(struct request *req, const char *value, const char *field)
{
	return value ? 0 : respond_error(req, 422, "VALIDATION", field, "is required");
}

/* Answers row 0 of res as a USER with status. */
static void respond_user(struct request *req, int status, const PGresult *res)
{
	struct json_object *user = user_row(res, 0);

	respond_json(req, status, user);
	json_object_put(user);
}

/* POST /v1/users {"username", "password", "role"} */
void users_create(struct request *req)
{
	struct json_object *doc = NULL;
	const char *username, *role;
	char hash[PASSWORD_HASH_MAX];
	struct sql_args a = { 0 };
	PGresult *res = NULL;
	enum db_status st;

	if (handler_json_body_or_respond(req, &doc) != 0 ||
	    handler_json_object_or_respond(req, doc) != 0 ||
	    handler_json_optional_text_or_respond(req, doc, "username", 0, username_ok,
		    "must be 1 to 64 of a-z, 0-9, '.', '_' and '-'", &username) != 0 ||
	    required_or_respond(req, username, "username") != 0 ||
	    handler_json_optional_text_or_respond(req, doc, "role", 0, roles_known, ROLE_RULE, &role) != 0 ||
	    password_or_respond(req, doc, hash) != 0 ||
	    required_or_respond(req, hash[0] ? hash : NULL, "password") != 0)
		goto out;
	sql_arg_text(&a, username);
	sql_arg_text(&a, hash);
	sql_arg_text(&a, role ? role : "viewer");
	st = db_exec("users_create", a.n, a.values, &res);
	if (st == DB_CONFLICT)
		respond_error(req, 409, "CONFLICT", "username", "a user with this name exists");
	else if (st != DB_OK)
		handler_db_failure(req, st);
	else
		respond_user(req, 201, res);
out:
	PQclear(res);
	json_object_put(doc);
}

/* A change that found no row: no such user (404), or the last admin (409). */
static void respond_unchanged(struct request *req, int64_t id)
{
	struct sql_args a = { 0 };
	struct error err;
	int found;

	sql_arg_int(&a, id);
	found = sql_any_row("users_exists", &a, &err);
	if (found < 0)
		respond_with(req, &err);
	else if (found)
		respond_error(req, 409, "CONFLICT", NULL,
			      "the last admin can be neither demoted nor deleted");
	else
		respond_error(req, 404, "NOT_FOUND", NULL, "no such user");
}

/* Runs users_change for user id with role (or NULL) and hash (or ""). */
static void change(struct request *req, int64_t id, const char *role, const char *hash)
{
	struct sql_args a = { 0 };
	PGresult *res = NULL;

	sql_arg_int(&a, id);
	sql_arg_text(&a, role);
	sql_arg_text(&a, hash[0] ? hash : NULL);
	if (handler_exec_or_respond(req, "users_change", &a, &res) != 0)
		return;
	if (PQntuples(res) == 0)
		respond_unchanged(req, id);
	else
		respond_user(req, 200, res);
	PQclear(res);
}

/* PATCH /v1/users/{id} {"role"?, "password"?} */
void users_change(struct request *req)
{
	struct json_object *doc = NULL;
	char hash[PASSWORD_HASH_MAX];
	const char *role;
	int64_t id;

	if (handler_path_id_or_respond(req, 2, &id) != 0 ||
	    handler_json_body_or_respond(req, &doc) != 0 ||
	    handler_json_object_or_respond(req, doc) != 0 ||
	    handler_json_optional_text_or_respond(req, doc, "role", 0, roles_known, ROLE_RULE, &role) != 0 ||
	    password_or_respond(req, doc, hash) != 0)
		goto out;
	if (!role && !hash[0]) {
		respond_error(req, 422, "VALIDATION", "role", "give a role, a password or both");
		goto out;
	}
	req->audit_action = role ? "user.role_change" : "user.password_change";
	change(req, id, role, hash);
out:
	json_object_put(doc);
}

/* PATCH /v1/users/me {"password"}. A token made with less than its user's
 * role may not: a new password would sign in with the whole role. */
void users_change_own(struct request *req)
{
	struct json_object *doc = NULL;
	char hash[PASSWORD_HASH_MAX];

	if (req->who.role < req->who.user_role) {
		respond_error(req, 403, "FORBIDDEN", NULL,
			      "a token with less than its user's role cannot change the password");
		return;
	}
	if (handler_json_body_or_respond(req, &doc) == 0 &&
	    handler_json_object_or_respond(req, doc) == 0 &&
	    password_or_respond(req, doc, hash) == 0 &&
	    required_or_respond(req, hash[0] ? hash : NULL, "password") == 0)
		change(req, req->who.user_id, NULL, hash);
	json_object_put(doc);
}

/* DELETE /v1/users/{id}: their tokens and sessions go with them. */
void users_delete(struct request *req)
{
	struct sql_args a = { 0 };
	PGresult *res = NULL;
	int64_t id;

	if (handler_path_id_or_respond(req, 2, &id) != 0)
		return;
	sql_arg_int(&a, id);
	if (handler_exec_or_respond(req, "users_delete", &a, &res) != 0)
		return;
	if (strcmp(PQcmdTuples(res), "0") == 0)
		respond_unchanged(req, id);
	else
		respond_no_content(req);
	PQclear(res);
}
