/* routes: the route table and the dispatch through it. Patterns are path
 * segments; "*" matches any one segment and the handler reads it from
 * req->segments. A trailing slash is the same path (request.c drops the
 * empty segment). */
#include "api/routes.h"

#include <string.h>

#include <json-c/json.h>

#include "api/alerts.h"
#include "api/audit.h"
#include "api/auth.h"
#include "api/channels.h"
#include "api/apps.h"
#include "api/events.h"
#include "api/health.h"
#include "api/issues.h"
#include "api/ingest.h"
#include "api/logs.h"
#include "api/metrics.h"
#include "api/otlp.h"
#include "api/replay.h"
#include "api/replica.h"
#include "api/sentry.h"
#include "api/sessions.h"
#include "api/service_keys.h"
#include "api/services.h"
#include "api/stats.h"
#include "api/tokens.h"
#include "api/users.h"
#include "api/handler.h"
#include "http/response.h"
#include "pure/params.h"

const struct db_statement *const routes_statements[] = {
	replica_statements,
	apps_statements, ingest_statements, events_statements, stats_statements,
	services_statements, service_keys_statements, logs_statements, metrics_statements,
	replay_statements, alerts_statements, alert_create_statements, channels_statements, auth_statements, audit_statements,
	sessions_statements, users_statements, tokens_statements, issues_statements, health_statements, NULL
};

#define MIB (1024 * 1024)
#define BODY REQUEST_BODY_LIMIT            /* 1 MiB: every JSON body */
#define BULK REQUEST_BODY_LIMIT_BULK       /* 10 MiB: bulk ingest, Sentry */

/* The query parameters of each reading route. */
#define Q(...) (const char *const[]){ __VA_ARGS__, NULL }
#define PAGE "limit", "offset"
#define PAGE_OR_CURSOR PAGE, "cursor"
#define WINDOW "since", "until"

static const char *const access_names[ACCESS__MAX] = {
	"anyone", "ingest_key", "sentry_key", "service_key", "service_key_or_member",
	"viewer", "member", "admin"
};
static const char *const pool_names[POOL__MAX] = { "workers", "replay", "read" };

/* nginx's per-address zone: every route with a zone is limited by it too. */
#define ADDRESS_ZONE "ingest_address"

#define W POOL_WORKERS
#define R POOL_READ
#define VIEWER ACCESS_VIEWER
#define MEMBER ACCESS_MEMBER
#define ADMIN ACCESS_ADMIN

static const struct route routes[] = {
	/* method    pattern                          handler             access             body  query / rate zone / pool / audit */
	{ "GET",     "/v1/health",                    health_get,         ACCESS_ANYONE,     0,    NULL, NULL, W, NULL },
	{ "POST",    "/v1/auth/login",                sessions_login,     ACCESS_ANYONE,     BODY, NULL, ADDRESS_ZONE, W, NULL },
	{ "POST",    "/v1/auth/logout",               sessions_logout,    VIEWER,            0,    NULL, NULL, W, "auth.logout" },
	{ "GET",     "/v1/auth/me",                   sessions_me,        VIEWER,            0,    NULL, NULL, W, NULL },
	{ "GET",     "/v1/users",                     users_list,         ADMIN,             0,    Q("limit", "cursor"), NULL, W, NULL },
	{ "POST",    "/v1/users",                     users_create,       ADMIN,             BODY, NULL, NULL, W, "user.create" },
	{ "PATCH",   "/v1/users/me",                  users_change_own,   VIEWER,            BODY, NULL, NULL, W, "user.password_change" },
	{ "PATCH",   "/v1/users/*",                   users_change,       ADMIN,             BODY, NULL, NULL, W, "user.change" },
	{ "DELETE",  "/v1/users/*",                   users_delete,       ADMIN,             0,    NULL, NULL, W, "user.delete" },
	{ "GET",     "/v1/tokens",                    tokens_list,        VIEWER,            0,    NULL, NULL, W, NULL },
	{ "POST",    "/v1/tokens",                    tokens_create,      VIEWER,            BODY, NULL, NULL, W, "token.create" },
	{ "DELETE",  "/v1/tokens/*",                  tokens_revoke,      VIEWER,            0,    NULL, NULL, W, "token.revoke" },
	{ "GET",     "/v1/audit",                     audit_list,         ADMIN,             0,    Q("limit", "cursor"), NULL, R, NULL },
	{ "GET",     "/apps",                         apps_list,          VIEWER,            0,    Q(PAGE), NULL, R, NULL },
	{ "POST",    "/apps/*",                       apps_create,        MEMBER,            BODY, NULL, NULL, W, "app.create" },
	{ "GET",     "/apps/*",                       apps_get,           VIEWER,            0,    NULL, NULL, W, NULL },
	{ "PATCH",   "/apps/*",                       apps_change,        MEMBER,            BODY, NULL, NULL, W, "app.change" },
	{ "DELETE",  "/apps/*",                       apps_delete,        MEMBER,            0,    NULL, NULL, W, "app.delete" },
	{ "POST",    "/apps/*/ingest-key",            apps_rotate_key,    MEMBER,            0,    NULL, NULL, W, "app.rotate_key" },
	{ "POST",    "/apps/*/events",                events_create,      ACCESS_INGEST_KEY, BULK, NULL, "ingest_key", W, NULL },
	{ "GET",     "/apps/*/events",                events_list,        VIEWER,            0,
	  Q(PAGE_OR_CURSOR, "level", WINDOW, "environment", "release"), NULL, R, NULL },
	{ "GET",     "/apps/*/events/*",              events_get,         VIEWER,            0,    NULL, NULL, W, NULL },
	{ "GET",     "/apps/*/issues",                issues_list,        VIEWER,            0,
	  Q("status", "level", "environment", "release", "query", WINDOW, "sort", "limit", "cursor"), NULL, R, NULL },
	{ "POST",    "/apps/*/issues/merge",          issues_merge,       MEMBER,            BODY, NULL, NULL, W, "issue.merge" },
	{ "GET",     "/apps/*/issues/*",              issues_get,         VIEWER,            0,    NULL, NULL, W, NULL },
	{ "PATCH",   "/apps/*/issues/*",              issues_change,      MEMBER,            BODY, NULL, NULL, W, "issue.change" },
	{ "GET",     "/apps/*/issues/*/events",       issues_events,      VIEWER,            0,    Q("limit", "cursor"), NULL, R, NULL },
	{ "POST",    "/apps/*/alerts",                app_alerts_create,  MEMBER,            BODY, NULL, NULL, W, "alert.create" },
	{ "GET",     "/apps/*/alerts",                app_alerts_list,    VIEWER,            0,    Q("state", "kind", PAGE), NULL, R, NULL },
	{ "GET",     "/apps/*/alerts/*",              app_alerts_get,     VIEWER,            0,    NULL, NULL, W, NULL },
	{ "PATCH",   "/apps/*/alerts/*",              app_alerts_change,  MEMBER,            BODY, NULL, NULL, W, "alert.change" },
	{ "DELETE",  "/apps/*/alerts/*",              app_alerts_delete,  MEMBER,            0,    NULL, NULL, W, "alert.delete" },
	{ "GET",     "/apps/*/stats/timeseries",      stats_timeseries,   VIEWER,            0,
	  Q(WINDOW, "interval", "level", "environment", "release"), NULL, R, NULL },
	{ "GET",     "/apps/*/stats/by-level",        stats_by_level,     VIEWER,            0,
	  Q(WINDOW, "environment", "release"), NULL, R, NULL },
	{ "GET",     "/apps/*/stats/top-messages",    stats_top_messages, VIEWER,            0,
	  Q(WINDOW, "limit", "level", "environment", "release"), NULL, R, NULL },
	{ "POST",    "/api/*/store",                  sentry_store,       ACCESS_SENTRY_KEY, BULK,
	  Q("sentry_key"), "sentry_key", W, NULL },
	{ "OPTIONS", "/api/*/store",                  sentry_preflight,   ACCESS_ANYONE,     0,    NULL, NULL, W, NULL },
	{ "POST",    "/api/*/envelope",               sentry_envelope,    ACCESS_SENTRY_KEY, BULK,
	  Q("sentry_key"), "sentry_key", W, NULL },
	{ "OPTIONS", "/api/*/envelope",               sentry_preflight,   ACCESS_ANYONE,     0,    NULL, NULL, W, NULL },
	{ "POST",    "/v1/services",                  services_create,    MEMBER,            BODY, NULL, NULL, W, "service.create" },
	{ "GET",     "/v1/services",                  services_list,      VIEWER,            0,    Q(PAGE), NULL, R, NULL },
	{ "GET",     "/v1/services/*",                services_get,       VIEWER,            0,    NULL, NULL, W, NULL },
	{ "PATCH",   "/v1/services/*",                services_change,    MEMBER,            BODY, NULL, NULL, W, "service.change" },
	{ "DELETE",  "/v1/services/*",                services_delete,    MEMBER,            0,    NULL, NULL, W, "service.delete" },
	{ "POST",    "/v1/services/*/keys",           service_keys_create, MEMBER,           BODY, NULL, NULL, W, "key.create" },
	{ "GET",     "/v1/services/*/keys",           service_keys_list,  VIEWER,            0,    NULL, NULL, W, NULL },
	{ "DELETE",  "/v1/services/*/keys/*",         service_keys_revoke, MEMBER,           0,    NULL, NULL, W, "key.revoke" },
	{ "POST",    "/v1/logs",                      logs_create,        ACCESS_SERVICE_KEY, BODY, NULL, "log_key", W, NULL },
	{ "GET",     "/v1/logs",                      logs_list,          VIEWER,            0,
	  Q("service_id", "method", "path", "status_code", "min_latency_ms", "max_latency_ms",
	    "has_error", "tag", "route", "trace_id", WINDOW, PAGE_OR_CURSOR), NULL, R, NULL },
	{ "GET",     "/v1/logs/*",                    logs_get,           VIEWER,            0,    NULL, NULL, W, NULL },
	{ "GET",     "/v1/metrics",                   metrics_get,        VIEWER,            0,
	  Q("service_id", WINDOW), NULL, R, NULL },
	{ "GET",     "/v1/metrics/routes",            metrics_routes,     VIEWER,            0,
	  Q("service_id", WINDOW, "sort", "limit"), NULL, R, NULL },
	{ "POST",    "/v1/logs/*/replay",             replay_create,      ACCESS_KEY_OR_MEMBER, BODY, NULL, NULL, POOL_REPLAY, NULL },
	{ "GET",     "/v1/logs/*/replays",            replay_list,        ACCESS_KEY_OR_MEMBER, 0, Q("limit"), NULL, W, NULL },
	{ "POST",    "/otlp/v1/traces",               otlp_traces,        ACCESS_SERVICE_KEY, BULK, NULL, "log_key", W, NULL },
	{ "POST",    "/otlp/v1/logs",                 otlp_logs,          ACCESS_INGEST_KEY, BULK, NULL, "log_key", W, NULL },
	{ "POST",    "/otlp/v1/metrics",              otlp_metrics,       ACCESS_ANYONE,     BULK, NULL, ADDRESS_ZONE, W, NULL },
	{ "POST",    "/v1/alerts",                    alerts_create,      MEMBER,            BODY, NULL, NULL, W, "alert.create" },
	{ "POST",    "/v1/channels",                  channels_create,    MEMBER,            BODY, NULL, NULL, W, "channel.create" },
	{ "GET",     "/v1/channels",                  channels_list,      VIEWER,            0,    Q(PAGE), NULL, R, NULL },
	{ "GET",     "/v1/channels/*",                channels_get,       VIEWER,            0,    NULL, NULL, W, NULL },
	{ "DELETE",  "/v1/channels/*",                channels_delete,    MEMBER,            0,    NULL, NULL, W, "channel.delete" },
	{ "POST",    "/v1/channels/*/test",           channels_test,      MEMBER,            0,    NULL, NULL, POOL_REPLAY, "channel.test" },
	{ "POST",    "/v1/alerts/preview",            alerts_preview,     VIEWER,            BODY, NULL, NULL, W, NULL },
	{ "GET",     "/v1/alerts",                    alerts_list,        VIEWER,            0,
	  Q("service_id", "application_id", "state", "kind", PAGE), NULL, R, NULL },
	{ "GET",     "/v1/alerts/*",                  alerts_get,         VIEWER,            0,    NULL, NULL, W, NULL },
	{ "PATCH",   "/v1/alerts/*",                  alerts_change,      MEMBER,            BODY, NULL, NULL, W, "alert.change" },
	{ "DELETE",  "/v1/alerts/*",                  alerts_delete,      MEMBER,            0,    NULL, NULL, W, "alert.delete" },
	{ "GET",     "/v1/alerts/*/series",           alerts_series,      VIEWER,            0,    NULL, NULL, R, NULL },
	{ "POST",    "/v1/alerts/*/webhook-secret",   alerts_rotate_secret, MEMBER,          0,    NULL, NULL, W, "alert.rotate_secret" },
	{ "GET",     "/v1/alerts/*/events",           alerts_events,      VIEWER,            0,    Q(PAGE_OR_CURSOR), NULL, R, NULL },
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* 1 when the request's segments fit pattern; literal segments compare decoded. */
static int matches(const struct request *req, const char *pattern)
{
	size_t i = 0;

	for (const char *p = pattern + 1; ; i++) {
		size_t n = strcspn(p, "/");

		if (i == req->nsegments)
			return 0;
		if (!(n == 1 && *p == '*') &&
		    (req->segments[i].len != n || memcmp(req->segments[i].text, p, n) != 0))
			return 0;
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	return i + 1 == req->nsegments;
}

/* The role each access needs of a principal. */
static enum role needed_role(enum route_access access)
{
	switch (access) {
	case ACCESS_VIEWER: return ROLE_VIEWER;
	case ACCESS_KEY_OR_MEMBER:
	case ACCESS_MEMBER: return ROLE_MEMBER;
	case ACCESS_ADMIN: return ROLE_ADMIN;
	default: return ROLE_NONE;
	}
}

/* Runs a route that changes something in one transaction with its entry in
 * the audit trail. The answer is held until the commit: a change is answered
 * as done only once it is, and it is done only with its entry. */
static void run_audited(struct request *req, const struct route *r)
{
	enum db_status st = db_begin();
	int done;

	if (st != DB_OK) {
		handler_db_failure(req, st);
		return;
	}
	req->hold = 1;
	r->handler(req);
	done = req->status >= 200 && req->status < 300;
	if (done)
		st = audit_change(req, req->audit_action ? req->audit_action : r->audit);
	st = db_end(done && st == DB_OK) == DB_OK ? st : DB_UNAVAILABLE;
	if (done && st != DB_OK) {
		response_drop(req);
		req->hold = 0;
		handler_db_failure(req, st);
		return;
	}
	replica_mark_written(req);
	response_release(req);
}

/* A change by a principal, beside a read pool: its answer carries the WAL
 * position after it, so that the caller's next reads see it (api/replica.h).
 * Audited changes are marked in run_audited, after their commit. Keyed ingest
 * is not marked: its keys read nothing. */
static void run_marked(struct request *req, const struct route *r)
{
	req->hold = 1;
	r->handler(req);
	replica_mark_written(req);
	response_release(req);
}

/* On a read worker: only a read route's GET is answered here, from the
 * replica, once the caller's own writes are there; the rest goes to the
 * primary, and so does a request the replica failed (a 5xx: it is down,
 * or cancelled the statement for its replay). The answer is held until then. */
static void run_on_replica(struct request *req, const struct route *r)
{
	if (r->pool != POOL_READ || strcmp(req->method, "GET") != 0) {
		replica_pass_to_primary(req, "not a read route");
		return;
	}
	if (replica_caller_behind(req)) {
		replica_pass_to_primary(req, "the caller's write is not replayed yet");
		return;
	}
	req->hold = 1;
	auth_client(req);
	if (auth_require_or_respond(req, needed_role(r->access), 0) == 0) {
		req->query_names = r->query;
		r->handler(req);
	}
	if (req->status >= 500) {
		response_drop(req);
		req->hold = 0;
		replica_pass_to_primary(req, "the replica failed");
		return;
	}
	response_release(req);
}

static void run(struct request *req, const struct route *r)
{
	enum role need = needed_role(r->access);

	if (replica_read_only()) {
		run_on_replica(req, r);
		return;
	}

	/* Keyed ingest has no use for the client's address or scheme. */
	if (need != ROLE_NONE || r->access == ACCESS_ANYONE)
		auth_client(req);
	if (need != ROLE_NONE
	    ? auth_require_or_respond(req, need, r->access == ACCESS_KEY_OR_MEMBER) != 0
	    : r->access == ACCESS_ANYONE && auth_same_site_or_respond(req) != 0)
		return;
	req->body_limit = r->body_limit;
	req->query_names = r->query;
	if (r->audit)
		run_audited(req, r);
	else if (need != ROLE_NONE && request_is_change(req) && replica_marks_changes())
		run_marked(req, r);
	else
		r->handler(req);
}

void routes_dispatch(struct request *req)
{
	char allow[64] = "";

	if (req->malformed_path) {
		respond_error(req, 400, "BAD_REQUEST", NULL, "malformed path");
		return;
	}
	for (size_t i = 0; i < NROUTES; i++) {
		if (!matches(req, routes[i].pattern))
			continue;
		if (strcmp(req->method, routes[i].method) == 0) {
			run(req, &routes[i]);
			return;
		}
		if (!strstr(allow, routes[i].method)) {
			if (*allow)
				strcat(allow, ", ");
			strcat(allow, routes[i].method);
		}
	}
	if (*allow)
		respond_method_not_allowed(req, allow);
	else
		respond_error(req, 404, "NOT_FOUND", NULL, "no such resource");
}

int routes_print(FILE *out)
{
	for (size_t i = 0; i < NROUTES; i++) {
		const struct route *r = &routes[i];
		struct json_object *line = json_object_new_object(), *query = json_object_new_array();

		for (const char *const *q = r->query; q && *q; q++)
			json_object_array_add(query, json_object_new_string(*q));
		json_object_object_add(line, "method", json_object_new_string(r->method));
		json_object_object_add(line, "pattern", json_object_new_string(r->pattern));
		json_object_object_add(line, "access", json_object_new_string(access_names[r->access]));
		json_object_object_add(line, "body_limit", json_object_new_int64((int64_t)r->body_limit));
		json_object_object_add(line, "query", query);
		json_object_object_add(line, "rate_zone",
				       r->rate_zone ? json_object_new_string(r->rate_zone) : NULL);
		json_object_object_add(line, "pool", json_object_new_string(pool_names[r->pool]));
		json_object_object_add(line, "audit", r->audit ? json_object_new_string(r->audit) : NULL);
		fprintf(out, "%s\n", json_object_to_json_string_ext(line, JSON_C_TO_STRING_PLAIN |
								       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(line);
	}
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}

/* What nginx must know of the routes of one pattern: the largest body any
 * of them takes, their rate zone and their pool. Returns -1 when two of
 * them disagree on the zone or the pool, which nginx cannot tell apart. */
struct location {
	size_t body_limit;
	const char *rate_zone;
	enum route_pool pool;
};

/* The main pool and the read pool share a location: nginx tells a read
 * route's GET from the rest by its method (nginx/read-pool.conf.in). */
static int pools_agree(enum route_pool a, enum route_pool b)
{
	return a == b || (a != POOL_REPLAY && b != POOL_REPLAY);
}

static int location_of(const char *pattern, struct location *loc)
{
	int seen = 0;

	for (size_t i = 0; i < NROUTES; i++) {
		const struct route *r = &routes[i];

		if (strcmp(r->pattern, pattern) != 0)
			continue;
		if (seen++ && (!pools_agree(loc->pool, r->pool) ||
			       (loc->rate_zone && r->rate_zone && strcmp(loc->rate_zone, r->rate_zone))))
			return -1;
		if (r->body_limit > loc->body_limit)
			loc->body_limit = r->body_limit;
		if (r->rate_zone)
			loc->rate_zone = r->rate_zone;
		if (r->pool != POOL_WORKERS)
			loc->pool = r->pool;
	}
	return 0;
}

/* 1 when a route whose pattern starts with prefix[0..n) reads a key from
 * the query string (Sentry's browser SDKs send sentry_key there). */
static int reads_query_key(const char *prefix, size_t n)
{
	for (size_t i = 0; i < NROUTES; i++)
		for (const char *const *q = routes[i].query; q && *q; q++)
			if (strncmp(routes[i].pattern, prefix, n) == 0 && strcmp(*q, "sentry_key") == 0)
				return 1;
	return 0;
}

/* nginx writes a request's whole line, query string and all, into the
 * lines it logs at "error" (a body too large, an upstream that failed): where
 * the query may hold a key, only critical lines are kept. The access log's
 * format leaves the query out already. */
static void print_quiet_errors(FILE *out, const char *prefix, size_t n, const char *indent)
{
	if (reads_query_key(prefix, n))
		fprintf(out, "%serror_log @STATE_DIR@/log/nginx-error.log crit;\n", indent);
}

static void print_pass(FILE *out, enum route_pool pool, const char *indent)
{
	fprintf(out, "%sfastcgi_pass unix:%s;\n%sinclude @STATE_DIR@/nginx/fastcgi.conf;\n",
		indent, pool == POOL_REPLAY ? "@REPLAY_SOCKET@" : "@SOCKET@", indent);
}

/* A location with a read route: @READ_PASS@ is the main pool's socket, or,
 * with a read pool, the variable naming the read pool for a GET and the main
 * pool for the rest (nginx/read-pool.conf.in). */
static void print_read_pass(FILE *out, const char *indent)
{
	fprintf(out, "%sfastcgi_pass @READ_PASS@;\n%sinclude @STATE_DIR@/nginx/fastcgi.conf;\n",
		indent, indent);
}

/* Where a read worker passes what it does not answer (X-Accel-Redirect:
 * @primary): the main pool, with the request's method, path and query as
 * they came. */
static void print_primary(FILE *out)
{
	fputs("location @primary {\n", out);
	print_pass(out, POOL_WORKERS, "\t");
	fputs("}\n", out);
}

/* "location ~ ^/apps/[^/]+/events/?$": the pattern exactly, "*" one segment. */
static int print_exact(FILE *out, const char *pattern, const struct location *loc)
{
	fputs("location ~ ^", out);
	for (const char *p = pattern; *p; p++) {
		if (*p == '*')
			fputs("[^/]+", out);
		else
			fputc(*p, out);
	}
	fputs("/?$ {\n", out);
	print_quiet_errors(out, pattern, strlen(pattern) + 1, "\t");
	if (loc->body_limit > BODY)
		fprintf(out, "\tclient_max_body_size %zum;\n", loc->body_limit / MIB);
	if (loc->rate_zone && strcmp(loc->rate_zone, ADDRESS_ZONE) != 0)
		fprintf(out, "\tlimit_req zone=%s burst=@INGEST_BURST@ nodelay;\n", loc->rate_zone);
	if (loc->rate_zone)
		fputs("\tlimit_req zone=" ADDRESS_ZONE " burst=@ADDRESS_BURST@ nodelay;\n", out);
	if (loc->pool == POOL_READ)
		print_read_pass(out, "\t");
	else
		print_pass(out, loc->pool, "\t");
	fputs("}\n", out);
	return 0;
}

/* The length of pattern's first segment with its slash: 5 for "/apps/ *". */
static size_t first_segment(const char *pattern)
{
	return strcspn(pattern + 1, "/") + 1;
}

/* 1 when a route before routes[i] starts with the same first segment. */
static int prefix_seen_before(size_t i)
{
	size_t n = first_segment(routes[i].pattern);

	for (size_t j = 0; j < i; j++)
		if (first_segment(routes[j].pattern) == n &&
		    strncmp(routes[j].pattern, routes[i].pattern, n) == 0)
			return 1;
	return 0;
}

/* 1 when a route before routes[i] has the same pattern. */
static int pattern_seen_before(size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(routes[j].pattern, routes[i].pattern) == 0)
			return 1;
	return 0;
}

int routes_print_nginx(FILE *out)
{
	fputs("# The API's locations, printed from the worker's route table\n"
	      "# (telltale-worker --nginx-locations); ./stack up writes this file.\n", out);
	for (size_t i = 0; i < NROUTES; i++) {
		const char *p = routes[i].pattern;

		if (prefix_seen_before(i))
			continue;
		fprintf(out, "location %.*s {\n", (int)first_segment(p), p);
		print_quiet_errors(out, p, first_segment(p), "\t");
		print_pass(out, POOL_WORKERS, "\t");
		fputs("}\n", out);
	}
	for (size_t i = 0; i < NROUTES; i++) {
		struct location loc = { BODY, NULL, POOL_WORKERS };

		if (pattern_seen_before(i))
			continue;
		if (location_of(routes[i].pattern, &loc) != 0) {
			fprintf(stderr, "routes of %s disagree on their rate zone or pool\n",
				routes[i].pattern);
			return -1;
		}
		if (loc.body_limit > BODY || loc.rate_zone || loc.pool != POOL_WORKERS)
			print_exact(out, routes[i].pattern, &loc);
	}
	print_primary(out);
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
