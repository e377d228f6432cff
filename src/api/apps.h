/* apps: the applications that send error events, and their ingest keys. */
#ifndef TELLTALE_APPS_H
#define TELLTALE_APPS_H

#include "db/db.h"
#include "http/request.h"

extern const struct db_statement apps_statements[];

void apps_create(struct request *req);
void apps_list(struct request *req);
void apps_get(struct request *req);
void apps_delete(struct request *req);
void apps_rotate_key(struct request *req);

void apps_change(struct request *req);      /* PATCH /apps/{app_id} */

#endif
