/* audit: the trail of changes, sign-ins and refusals (docs/api.md, "Audit
 * trail"): who, from which address, did what to which resource, and when. */
#ifndef TELLTALE_AUDIT_H
#define TELLTALE_AUDIT_H

#include <json-c/json.h>

#include "db/db.h"
#include "http/request.h"

extern const struct db_statement audit_statements[];

/* Records action on target (a path) by req's principal from req's address;
 * detail (lent) may be NULL. Never holds a secret. */
enum db_status audit_record(const struct request *req, const char *action, const char *target,
			    struct json_object *detail);

/* Records the change whose answer req holds (req->hold): the answer's fields
 * that name the resource (id, name, username, role) are its detail. */
enum db_status audit_change(const struct request *req, const char *action);

/* GET /v1/audit?limit&cursor */
void audit_list(struct request *req);

#endif
