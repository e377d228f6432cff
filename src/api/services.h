/* services: the /v1 services that push request logs. */
#ifndef TELLTALE_SERVICES_H
#define TELLTALE_SERVICES_H

#include "db/db.h"
#include "http/request.h"

extern const struct db_statement services_statements[];

void services_create(struct request *req);
void services_list(struct request *req);
void services_get(struct request *req);
void services_delete(struct request *req);

void services_change(struct request *req);   /* PATCH /v1/services/{id} */

#endif
