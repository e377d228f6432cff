/* routes: the one route table. Each entry says what nginx and the worker
 * need to know of a route: method, path pattern, handler, who may call it,
 * its body limit, the query parameters it reads, its rate limit and its pool.
 * nginx's locations are printed from it (routes_print_nginx), and the OpenAPI
 * document is checked against it (routes_print). */
#ifndef TELLTALE_ROUTES_H
#define TELLTALE_ROUTES_H

#include <stddef.h>
#include <stdio.h>

#include "db/db.h"
#include "http/request.h"

typedef void handler_fn(struct request *req);

/* Who may call a route: the credential it needs (docs/api.md, "Access
 * control"). The roles are ranked: a route for viewers lets members and
 * admins in too. */
enum route_access {
	ACCESS_ANYONE,        /* no credential: health, sign-in, CORS preflights */
	ACCESS_INGEST_KEY,    /* the application's ingest key, X-Ingest-Key */
	ACCESS_SENTRY_KEY,    /* the application's ingest key as Sentry SDKs send it */
	ACCESS_SERVICE_KEY,   /* a service's mkey_ key, Authorization: Bearer */
	ACCESS_KEY_OR_MEMBER, /* the log's service key, or a member's token or session */
	ACCESS_VIEWER,        /* a signed-in user or a token, any role */
	ACCESS_MEMBER,
	ACCESS_ADMIN,
	ACCESS__MAX
};

/* The worker pool a route's requests go to. */
enum route_pool {
	POOL_WORKERS,         /* the main pool */
	POOL_REPLAY,          /* replays, which wait on other servers for seconds */
	POOL_READ,            /* a GET that lists, searches or computes statistics:
	                         the read pool's, on the replica, when there is one
	                         (api/replica.h); the main pool's otherwise */
	POOL__MAX
};

struct route {
	const char *method;
	const char *pattern;             /* "/apps/ * /events" without the spaces:
	                                    "*" is any one segment */
	handler_fn *handler;
	enum route_access access;
	size_t body_limit;               /* bytes; 0: the route reads no body */
	const char *const *query;        /* the query parameters it reads, NULL-ended */
	const char *rate_zone;           /* nginx's per-key limit_req zone, or NULL;
	                                    such a route is also limited per address */
	enum route_pool pool;
	const char *audit;               /* the audit trail's action for a change, or NULL */
};

/* Every module's prepared statements, for db_init: NULL-ended. */
extern const struct db_statement *const routes_statements[];

/* Finds the route for req's method and path, gives req the route's body limit
 * and query names, and runs its handler; or answers 400 (a malformed path),
 * 404 (no route) or 405 (a route without this method). */
void routes_dispatch(struct request *req);

/* The table as JSON lines, one route a line: method, pattern, access, body
 * limit, query parameters, rate zone, pool. Returns 0, or -1 on a write error. */
int routes_print(FILE *out);

/* nginx's locations for the table, with @SOCKET@, @REPLAY_SOCKET@, @READ_PASS@
 * (where a location's GETs go: the main pool's socket, or the variable that
 * sends them to the read pool; see nginx/read-pool.conf.in),
 * @STATE_DIR@, @INGEST_BURST@ and @ADDRESS_BURST@ for the stack to fill in: a prefix location
 * for each first segment, and an exact-pattern location (a trailing slash
 * allowed) for each route whose body limit, rate zone or pool differs from
 * its prefix's, and the named location @primary, the main pool, where a read
 * worker passes what it does not answer. Returns 0, or -1 on a write error. */
int routes_print_nginx(FILE *out);

#endif
