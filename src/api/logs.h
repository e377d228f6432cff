/* logs: /v1 request logs: ingest, search, one log. */
#ifndef TELLTALE_LOGS_H
#define TELLTALE_LOGS_H

#include "db/db.h"
#include "http/request.h"

extern const struct db_statement logs_statements[];

void logs_create(struct request *req);
void logs_list(struct request *req);
void logs_get(struct request *req);

#endif
