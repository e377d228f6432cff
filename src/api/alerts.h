/* alerts: /v1 threshold alert rules and the alert events they fire. */
#ifndef TELLTALE_ALERTS_H
#define TELLTALE_ALERTS_H

#include "db/db.h"
#include "http/request.h"

extern const struct db_statement alerts_statements[];

void alerts_create(struct request *req);
void alerts_list(struct request *req);
void alerts_get(struct request *req);
void alerts_delete(struct request *req);
void alerts_events(struct request *req);
void alerts_rotate_secret(struct request *req);

#endif
