/* service_keys: the mkey_ keys of a /v1 service. */
#ifndef TELLTALE_SERVICE_KEYS_H
#define TELLTALE_SERVICE_KEYS_H

#include "db/db.h"
#include "http/request.h"

extern const struct db_statement service_keys_statements[];

void service_keys_create(struct request *req);
void service_keys_list(struct request *req);
void service_keys_revoke(struct request *req);

#endif
