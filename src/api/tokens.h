/* tokens: API tokens (tt_...) for scripts, each its user's, at most its
 * user's role, optionally expiring, revocable. */
#ifndef TELLTALE_TOKENS_H
#define TELLTALE_TOKENS_H

#include "db/db.h"
#include "http/request.h"

extern const struct db_statement tokens_statements[];

void tokens_list(struct request *req);     /* GET /v1/tokens */
void tokens_create(struct request *req);   /* POST /v1/tokens */
void tokens_revoke(struct request *req);   /* DELETE /v1/tokens/{id} */

#endif
