/* stats: counts of an application's events over a window of received time. */
#ifndef TELLTALE_STATS_H
#define TELLTALE_STATS_H

#include "db/db.h"
#include "http/request.h"

extern const struct db_statement stats_statements[];

void stats_timeseries(struct request *req);
void stats_by_level(struct request *req);
void stats_top_messages(struct request *req);

#endif
