/* users: the people who may sign in, with their roles (admin only, but for
 * one's own password). */
#ifndef TELLTALE_USERS_H
#define TELLTALE_USERS_H

#include <json-c/json.h>
#include <libpq-fe.h>

#include "db/db.h"
#include "http/request.h"

/* The columns of a USER, for statements that answer one. */
#define USER_COLUMNS "id, username, role, ts_to_usec(created_at), ts_to_usec(last_login_at)"

extern const struct db_statement users_statements[];

/* A USER from a row of USER_COLUMNS starting at column col; the caller puts it. */
struct json_object *user_json(const PGresult *res, int row, int col);

void users_list(struct request *req);      /* GET /v1/users?limit&cursor */
void users_create(struct request *req);    /* POST /v1/users */
void users_change(struct request *req);    /* PATCH /v1/users/{id} */
void users_change_own(struct request *req); /* PATCH /v1/users/me */
void users_delete(struct request *req);    /* DELETE /v1/users/{id} */

#endif
