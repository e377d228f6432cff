/* metrics: /v1 request metrics. */
#ifndef TELLTALE_METRICS_H
#define TELLTALE_METRICS_H

#include "db/db.h"
#include "http/request.h"

extern const struct db_statement metrics_statements[];

void metrics_get(struct request *req);
void metrics_routes(struct request *req);

#endif
