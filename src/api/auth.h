/* auth: who a request comes from, and whether its route lets them in
 * (docs/api.md, "Access control"). A credential is an API token
 * (Authorization: Bearer tt_...) or the dashboard's session cookie; both are
 * looked up by their SHA-256, and a worker trusts what it found for at most a
 * second. */
#ifndef TELLTALE_AUTH_H
#define TELLTALE_AUTH_H

#include "db/db.h"
#include "http/request.h"
#include "pure/keys.h"
#include "pure/roles.h"

#define AUTH_COOKIE "telltale_session"

extern const struct db_statement auth_statements[];

/* Reads TELLTALE_TRUSTED_PROXIES. Returns 0, or -1 when it is malformed. */
int auth_init(void);

/* Fills req->address and req->https: the peer's, or, from a trusted proxy,
 * what its X-Forwarded-For and X-Forwarded-Proto say. */
void auth_client(struct request *req);

/* Lets req through to a route that needs role need, or answers 401/403 (and
 * records the refusal in the audit trail) and returns -1. With
 * key_may_stand_in, a request that carries neither a token nor a session is
 * let through for the handler to check its service key. A change made with
 * the session cookie must come from the dashboard's own origin (CSRF). */
int auth_require_or_respond(struct request *req, enum role need, int key_may_stand_in);

/* Refuses a change that a page of another site asks of a route anyone may
 * call (signing in): 403, -1. */
int auth_same_site_or_respond(struct request *req);

/* The session cookie's value in req (43 characters, lent), or NULL. */
const char *auth_session_cookie(const struct request *req);

/* Forgets what this worker remembers of digest (a session ended here). */
void auth_forget(const char *digest);

#endif
