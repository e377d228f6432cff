/* auth: credentials to principals, the role check, and the dashboard's CSRF
 * check. */
#include "api/auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/audit.h"
#include "api/replica.h"
#include "base/log.h"
#include "db/args.h"
#include "http/response.h"
#include "pure/cidr.h"
#include "pure/params.h"

/* A token is good while not revoked nor expired; a session for 12 hours
 * idle and 7 days in all. last_used_at and last_seen_at are written at most
 * once a minute: a read costs no write most of the time. */
const struct db_statement auth_statements[] = {
	{ "auth_token",
	  "WITH hit AS (SELECT t.id, t.user_id, u.username, t.role AS token_role, u.role"
	  " FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_sha256 = $1"
	  " AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())),"
	  " touch AS (UPDATE api_tokens SET last_used_at = now() WHERE id IN (SELECT id FROM hit)"
	  " AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute'))"
	  " SELECT id, user_id, username, token_role, role FROM hit" },
	{ "auth_session",
	  "WITH hit AS (SELECT s.id, s.user_id, u.username, u.role"
	  " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.session_sha256 = $1"
	  " AND s.last_seen_at > now() - interval '12 hours'"
	  " AND s.created_at > now() - interval '7 days'),"
	  " touch AS (UPDATE sessions SET last_seen_at = now() WHERE id IN (SELECT id FROM hit)"
	  " AND last_seen_at < now() - interval '1 minute')"
	  " SELECT 0, user_id, username, role, role FROM hit" },
	/* On a read worker (the replica takes no writes) the same without the
	 * touch, and a sixth column: whether the primary should touch it now.
	 * The read worker then passes the request to the primary, which does:
	 * with a replica, last_used_at and last_seen_at are kept to within five
	 * minutes (and the lag), at the price of one request in five minutes a
	 * credential served by the primary. */
	{ "auth_token_read",
	  "SELECT t.id, t.user_id, u.username, t.role, u.role,"
	  " t.last_used_at IS NULL OR t.last_used_at < now() - interval '5 minutes'"
	  " FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_sha256 = $1"
	  " AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())" },
	{ "auth_session_read",
	  "SELECT 0, s.user_id, u.username, u.role, u.role,"
	  " s.last_seen_at < now() - interval '5 minutes'"
	  " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.session_sha256 = $1"
	  " AND s.last_seen_at > now() - interval '12 hours'"
	  " AND s.created_at > now() - interval '7 days'" },
	{ NULL, NULL }
};

/* --- the client ------------------------------------------------------------- */

static struct cidr_list trusted_proxies;

int auth_init(void)
{
	const char *text = getenv("TELLTALE_TRUSTED_PROXIES");

	if (cidr_list_parse(text ? text : "", &trusted_proxies) != 0) {
		log_msg("TELLTALE_TRUSTED_PROXIES: not a list of at most %d CIDRs: %s",
			CIDR_LIST_MAX, text);
		return -1;
	}
	return 0;
}

static int trusted(const char *address)
{
	uint8_t addr[16];

	return address && trusted_proxies.count > 0 && cidr_address_parse(address, addr) == 0 &&
	       cidr_list_contains(&trusted_proxies, addr);
}

/* The client in X-Forwarded-For: the last address that is not one of our
 * proxies (the ones before it are whatever the client chose to send). */
static void forwarded_for(struct request *req, const char *list)
{
	char copy[512], *item, *save = NULL;
	const char *client = NULL;

	snprintf(copy, sizeof(copy), "%s", list);
	for (item = strtok_r(copy, ", \t", &save); item; item = strtok_r(NULL, ", \t", &save)) {
		uint8_t addr[16];

		if (cidr_address_parse(item, addr) != 0)
			client = NULL;
		else if (!cidr_list_contains(&trusted_proxies, addr))
			client = item;
	}
	if (client)
		snprintf(req->address, sizeof(req->address), "%s", client);
}

void auth_client(struct request *req)
{
	const char *peer = request_param(req, "REMOTE_ADDR");
	const char *scheme = request_param(req, "REQUEST_SCHEME");
	const char *list, *proto;

	snprintf(req->address, sizeof(req->address), "%s", peer ? peer : "");
	req->https = scheme && strcmp(scheme, "https") == 0;
	if (!trusted(peer))
		return;
	if ((list = request_param(req, "HTTP_X_FORWARDED_FOR")))
		forwarded_for(req, list);
	if ((proto = request_param(req, "HTTP_X_FORWARDED_PROTO")))
		req->https = strcasecmp(proto, "https") == 0;
}

/* --- what a worker remembers ------------------------------------------------ */

#define CACHE_SLOTS 64
#define CACHE_TTL_USEC 1000000

static struct cached {
	char digest[KEYS_SHA256_HEX_LEN + 1];
	struct principal who;
	int64_t at_usec;
} cache[CACHE_SLOTS];

static struct cached *slot_of(const char *digest)
{
	return &cache[strtoul((char[]){ digest[0], digest[1], digest[2], '\0' }, NULL, 16) %
		      CACHE_SLOTS];
}

static int cached(const char *digest, struct principal *who)
{
	const struct cached *c = slot_of(digest);
	int64_t now = log_now_usec();

	if (strcmp(c->digest, digest) != 0 || now < c->at_usec ||
	    now - c->at_usec >= CACHE_TTL_USEC)
		return 0;
	*who = c->who;
	return 1;
}

static void remember(const char *digest, const struct principal *who)
{
	struct cached *c = slot_of(digest);

	snprintf(c->digest, sizeof(c->digest), "%s", digest);
	c->who = *who;
	c->at_usec = log_now_usec();
}

void auth_forget(const char *digest)
{
	struct cached *c = slot_of(digest);

	if (strcmp(c->digest, digest) == 0)
		c->digest[0] = '\0';
}

/* --- credentials -------------------------------------------------------------- */

const char *auth_session_cookie(const struct request *req)
{
	size_t len;
	const char *value = request_cookie(req, AUTH_COOKIE, &len);

	return value && len == KEYS_URLSAFE_LEN ? value : NULL;
}

/* Fills *who from the row of auth_token or auth_session: the effective role
 * is the lower of the token's and its user's. */
static void principal_of(const PGresult *res, enum via via, struct principal *who)
{
	const char *token_role = PQgetvalue(res, 0, 3), *user_role = PQgetvalue(res, 0, 4);
	enum role a = roles_parse(token_role, strlen(token_role));
	enum role b = roles_parse(user_role, strlen(user_role));

	who->via = via;
	who->token_id = sql_int(res, 0, 0);
	who->user_id = sql_int(res, 0, 1);
	snprintf(who->username, sizeof(who->username), "%s", PQgetvalue(res, 0, 2));
	who->role = a < b ? a : b;
	who->user_role = b;
}

/* Looks the credential up (digest of its text): 0 with req->who set when it
 * holds, 0 with req->who.role ROLE_NONE when it does not, -1 with *err. On a
 * read worker a credential that is due a touch is one that does not hold
 * here: refused, the request goes to the primary (see refuse). */
static int look_up(struct request *req, const char *stmt, enum via via, const char *text,
		   size_t len, struct error *err)
{
	char digest[KEYS_SHA256_HEX_LEN + 1];
	struct sql_args a = { 0 };
	PGresult *res = NULL;

	keys_sha256_hex(text, len, digest);
	if (cached(digest, &req->who))
		return 0;
	if (replica_read_only())
		stmt = via == VIA_TOKEN ? "auth_token_read" : "auth_session_read";
	sql_arg_text(&a, digest);
	if (sql_run(stmt, &a, &res, err) != 0)
		return -1;
	if (PQntuples(res) == 1 && !(replica_read_only() && *PQgetvalue(res, 0, 5) == 't')) {
		principal_of(res, via, &req->who);
		remember(digest, &req->who);
	}
	PQclear(res);
	return 0;
}

/* Why a request without a principal is refused, for its 401. */
static const char *why_unknown(const struct request *req)
{
	const char *header = request_param(req, "HTTP_AUTHORIZATION");

	if (header && *header)
		return params_bearer_mkey(header, &(const char *){ NULL }) == 0
			? "a service key only ingests: this route needs a user's API token (tt_...)"
			: "the token is unknown, expired or revoked";
	if (auth_session_cookie(req))
		return "the session has ended: sign in again";
	return "sign in, or send Authorization: Bearer tt_...";
}

/* req->who from the request's token, else its session cookie. */
static int identify(struct request *req, struct error *err)
{
	const char *header = request_param(req, "HTTP_AUTHORIZATION"), *cookie, *token;
	size_t len;

	memset(&req->who, 0, sizeof(req->who));
	if (header && *header)
		return params_bearer(header, &token, &len) == 0 && params_api_token_ok(token, len)
			? look_up(req, "auth_token", VIA_TOKEN, token, len, err) : 0;
	if ((cookie = auth_session_cookie(req)))
		return look_up(req, "auth_session", VIA_SESSION, cookie, KEYS_URLSAFE_LEN, err);
	return 0;
}

/* --- the checks ----------------------------------------------------------------- */

/* The dashboard's own origin: the scheme and Host of the request (a
 * trusted proxy's X-Forwarded-Host and -Proto). */
static int own_origin(const struct request *req, const char *origin)
{
	const char *host = request_param(req, "HTTP_HOST");
	const char *fwd = request_param(req, "HTTP_X_FORWARDED_HOST");

	if (fwd && trusted(request_param(req, "REMOTE_ADDR")))
		host = fwd;
	return params_same_origin(origin, req->https ? "https" : "http", host ? host : "");
}

static int cross_site(const struct request *req)
{
	const char *origin = request_param(req, "HTTP_ORIGIN");
	const char *fetch_site = request_param(req, "HTTP_SEC_FETCH_SITE");

	if (fetch_site && strcmp(fetch_site, "cross-site") == 0)
		return 1;
	return origin && !own_origin(req, origin);
}

/* A change made with the cookie must say it comes from the dashboard: an
 * Origin of its own (or Sec-Fetch-Site: same-origin), and JSON when it has a
 * body (a form of another site can be sent without asking; JSON cannot). */
static const char *csrf_refusal(const struct request *req)
{
	const char *origin = request_param(req, "HTTP_ORIGIN");
	const char *fetch_site = request_param(req, "HTTP_SEC_FETCH_SITE");
	const char *length = request_param(req, "CONTENT_LENGTH");
	const char *type = request_param(req, "CONTENT_TYPE");
	int has_body = (length && strcmp(length, "0") != 0 && *length) ||
		       request_param(req, "HTTP_TRANSFER_ENCODING");

	if (!(origin ? own_origin(req, origin) : fetch_site && strcmp(fetch_site, "same-origin") == 0))
		return "a change made with the session cookie must come from the dashboard's own origin";
	if (has_body && (!type || strncasecmp(type, "application/json", 16) != 0))
		return "a change made with the session cookie must send Content-Type: application/json";
	return NULL;
}

/* A read worker refuses nothing: a credential the replica does not know may
 * be one the primary made a moment ago, and a refusal goes to the audit
 * trail, which the replica cannot write. The primary decides. */
static int refuse(struct request *req, int status, const char *message)
{
	struct error err;
	struct json_object *detail;

	if (replica_read_only())
		return replica_pass_to_primary(req, "the credential is the primary's to check");
	detail = json_object_new_object();

	json_object_object_add(detail, "method", json_object_new_string(req->method));
	json_object_object_add(detail, "status", json_object_new_int(status));
	json_object_object_add(detail, "reason", json_object_new_string(message));
	audit_record(req, "auth.denied", req->path, detail);
	json_object_put(detail);
	error_set(&err, status, status == 401 ? ERROR_UNAUTHORIZED : ERROR_FORBIDDEN, NULL,
		  "%s", message);
	return respond_with(req, &err);
}

int auth_same_site_or_respond(struct request *req)
{
	if (request_is_change(req) && cross_site(req))
		return refuse(req, 403, "a change from another site's page is refused");
	return 0;
}

int auth_require_or_respond(struct request *req, enum role need, int key_may_stand_in)
{
	const char *header = request_param(req, "HTTP_AUTHORIZATION");
	const char *csrf, *key;
	struct error err;

	/* A service key is the handler's to check, cookie or not. */
	if (key_may_stand_in && ((header && params_bearer_mkey(header, &key) == 0) ||
				 (!(header && *header) && !auth_session_cookie(req))))
		return 0;
	if (identify(req, &err) != 0)
		return respond_with(req, &err);
	if (req->who.role == ROLE_NONE)
		return refuse(req, 401, why_unknown(req));
	if (req->who.role < need) {
		char message[96];

		snprintf(message, sizeof(message), "this needs the %s role; yours is %s",
			 roles_name(need), roles_name(req->who.role));
		return refuse(req, 403, message);
	}
	if (auth_same_site_or_respond(req) != 0)
		return -1;
	if (req->who.via == VIA_SESSION && request_is_change(req) && (csrf = csrf_refusal(req)))
		return refuse(req, 403, csrf);
	return 0;
}
