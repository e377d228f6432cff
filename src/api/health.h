/* health: the probe the stack and monitors poll. */
#ifndef TELLTALE_HEALTH_H
#define TELLTALE_HEALTH_H

#include "db/db.h"
#include "http/request.h"

extern const struct db_statement health_statements[];

void health_get(struct request *req);

#endif
