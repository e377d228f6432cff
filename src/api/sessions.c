/* sessions: signing in and out of the dashboard. The cookie holds 32 random
 * bytes; the database keeps their SHA-256. A wrong name and a wrong password
 * get the same answer after the same work: an unknown name is checked against
 * a dummy hash of the same cost. Failures are counted from the audit trail. */
#include "api/sessions.h"

#include <stdio.h>
#include <string.h>

#include "api/audit.h"
#include "api/auth.h"
#include "api/handler.h"
#include "api/users.h"
#include "http/response.h"
#include "pure/keys.h"
#include "pure/password.h"
#include "pure/roles.h"

/* Ten failures for one name or from one address in five minutes close the
 * door until the oldest of the ten is five minutes old. */
#define FAILURES "SELECT ceil(extract(epoch FROM at + interval '5 minutes' - now()))" \
	" FROM audit_log WHERE action = 'auth.login_failed' AND at > now() - interval '5 minutes'"
#define TENTH " ORDER BY at DESC OFFSET 9 LIMIT 1"

#define NAME_KEPT 256            /* of a failed sign-in's name, in the trail */

const struct db_statement sessions_statements[] = {
	{ "sessions_throttle",
	  "SELECT greatest((" FAILURES " AND target = $1" TENTH "),"
	  " (" FAILURES " AND address = $2" TENTH "))" },
	{ "sessions_user",
	  "SELECT password_hash, " USER_COLUMNS " FROM users WHERE username = $1" },
	/* Ended sessions go as new ones come. */
	{ "sessions_open",
	  "WITH gone AS (DELETE FROM sessions WHERE last_seen_at < now() - interval '12 hours'"
	  " OR created_at < now() - interval '7 days'),"
	  " s AS (INSERT INTO sessions (user_id, session_sha256, address) VALUES ($1, $2, $3)),"
	  " a AS (INSERT INTO audit_log (actor, via, address, action, target)"
	  " VALUES ($4, 'session', $3, 'auth.login', $4))"
	  " UPDATE users SET last_login_at = now() WHERE id = $1 RETURNING " USER_COLUMNS },
	{ "sessions_close", "DELETE FROM sessions WHERE session_sha256 = $1" },
	{ "sessions_me", "SELECT " USER_COLUMNS " FROM users WHERE id = $1" },
	{ NULL, NULL }
};

struct sign_in {
	char name[NAME_KEPT + 1];         /* as the trail keeps it */
	const char *password;
	size_t password_len;
};

static int sign_in_or_respond(struct request *req, struct json_object *doc, struct sign_in *in)
{
	const char *name;
	struct json_object *pw;

	if (handler_json_object_or_respond(req, doc) != 0 ||
	    handler_json_optional_text_or_respond(req, doc, "username", 0, NULL,
						  "must be a string", &name) != 0)
		return -1;
	if (!name)
		return respond_error(req, 422, "VALIDATION", "username", "is required");
	if (!json_object_object_get_ex(doc, "password", &pw) || !json_object_is_type(pw, json_type_string))
		return respond_error(req, 422, "VALIDATION", "password", "must be a string");
	snprintf(in->name, sizeof(in->name), "%s", name);
	in->password = json_object_get_string(pw);
	in->password_len = (size_t)json_object_get_string_len(pw);
	return 0;
}

/* 429 while the name or the address has had ten failures in five minutes. */
static int throttle_or_respond(struct request *req, const struct sign_in *in)
{
	struct sql_args a = { 0 };
	PGresult *res = NULL;
	char headers[64];
	struct json_object *detail;

	sql_arg_text(&a, in->name);
	sql_arg_text(&a, req->address);
	if (handler_exec_or_respond(req, "sessions_throttle", &a, &res) != 0)
		return -1;
	if (PQgetisnull(res, 0, 0)) {
		PQclear(res);
		return 0;
	}
	snprintf(headers, sizeof(headers), "Retry-After: %lld\r\n",
		 (long long)(sql_int(res, 0, 0) > 0 ? sql_int(res, 0, 0) : 1));
	PQclear(res);
	detail = json_object_new_object();
	json_object_object_add(detail, "reason", json_object_new_string("throttled"));
	audit_record(req, "auth.login_failed", in->name, detail);
	json_object_put(detail);
	req->headers = headers;
	respond_error(req, 429, "RATE_LIMITED", NULL,
		      "too many failed sign-ins for this name or address; wait and retry");
	req->headers = NULL;
	return -1;
}

/* The user row (sessions_user) for the name, or NULL; -1 on a fault. */
static int find_user_or_respond(struct request *req, const struct sign_in *in, PGresult **res)
{
	struct sql_args a = { 0 };

	*res = NULL;
	if (!roles_username_ok(in->name, strlen(in->name)))
		return 0;
	sql_arg_text(&a, in->name);
	if (handler_exec_or_respond(req, "sessions_user", &a, res) != 0)
		return -1;
	if (PQntuples(*res) == 0) {
		PQclear(*res);
		*res = NULL;
	}
	return 0;
}

/* Opens a session for the user of row 0 of found, answers with its cookie. */
static void open_session(struct request *req, const PGresult *found)
{
	char cookie[KEYS_URLSAFE_LEN + 1], digest[KEYS_SHA256_HEX_LEN + 1], headers[256];
	struct json_object *body;
	struct sql_args a = { 0 };
	PGresult *res = NULL;

	if (keys_new_urlsafe("", cookie) != 0) {
		respond_internal(req);
		return;
	}
	keys_sha256_hex(cookie, KEYS_URLSAFE_LEN, digest);
	sql_arg_int(&a, sql_int(found, 0, 1));
	sql_arg_text(&a, digest);
	sql_arg_text(&a, req->address);
	sql_arg_text(&a, PQgetvalue(found, 0, 2));
	if (handler_exec_or_respond(req, "sessions_open", &a, &res) != 0)
		return;
	snprintf(headers, sizeof(headers), "Set-Cookie: " AUTH_COOKIE "=%s; HttpOnly; SameSite=Strict;"
		 " Path=/%s\r\n", cookie, req->https ? "; Secure" : "");
	body = json_object_new_object();
	json_object_object_add(body, "user", user_json(res, 0, 0));
	respond_json_with_headers(req, 200, headers, body);
	json_object_put(body);
	PQclear(res);
}

/* POST /v1/auth/login {"username", "password"} */
void sessions_login(struct request *req)
{
	struct json_object *doc = NULL;
	struct sign_in in;
	PGresult *user = NULL;
	int hashed, good;

	if (handler_json_body_or_respond(req, &doc) != 0 || sign_in_or_respond(req, doc, &in) != 0 ||
	    throttle_or_respond(req, &in) != 0 || find_user_or_respond(req, &in, &user) != 0)
		goto out;
	good = password_check(user && !PQgetisnull(user, 0, 0) ? PQgetvalue(user, 0, 0) : NULL,
			      in.password, in.password_len, &hashed);
	if (good) {
		open_session(req, user);
	} else {
		audit_record(req, "auth.login_failed", in.name, NULL);
		handler_respond_unauthorized(req, "wrong username or password");
	}
out:
	PQclear(user);
	json_object_put(doc);
}

/* POST /v1/auth/logout: the session ends here and now (a token stays). */
void sessions_logout(struct request *req)
{
	const char *cookie = auth_session_cookie(req);
	char digest[KEYS_SHA256_HEX_LEN + 1];
	struct sql_args a = { 0 };
	PGresult *res = NULL;

	if (req->who.via == VIA_SESSION && cookie) {
		keys_sha256_hex(cookie, KEYS_URLSAFE_LEN, digest);
		sql_arg_text(&a, digest);
		if (handler_exec_or_respond(req, "sessions_close", &a, &res) != 0)
			return;
		PQclear(res);
		auth_forget(digest);
	}
	req->headers = "Set-Cookie: " AUTH_COOKIE "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0\r\n";
	respond_no_content(req);
	req->headers = NULL;
}

/* GET /v1/auth/me */
void sessions_me(struct request *req)
{
	struct sql_args a = { 0 };
	struct json_object *body;
	PGresult *res = NULL;

	sql_arg_int(&a, req->who.user_id);
	if (handler_exec_or_respond(req, "sessions_me", &a, &res) != 0)
		return;
	if (PQntuples(res) == 0) {
		handler_respond_unauthorized(req, "the user is gone");
	} else {
		body = json_object_new_object();
		json_object_object_add(body, "user", user_json(res, 0, 0));
		json_add_string(body, "via", roles_via_name(req->who.via));
		respond_json(req, 200, body);
		json_object_put(body);
	}
	PQclear(res);
}
