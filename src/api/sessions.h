/* sessions: the dashboard's sign-in, sign-out and "who am I". */
#ifndef TELLTALE_SESSIONS_H
#define TELLTALE_SESSIONS_H

#include "db/db.h"
#include "http/request.h"

extern const struct db_statement sessions_statements[];

void sessions_login(struct request *req);    /* POST /v1/auth/login */
void sessions_logout(struct request *req);   /* POST /v1/auth/logout */
void sessions_me(struct request *req);       /* GET /v1/auth/me */

#endif
