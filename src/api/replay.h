/* replay: re-sending a logged request (/v1/logs/{id}/replay) and its results. */
#ifndef TELLTALE_REPLAY_H
#define TELLTALE_REPLAY_H

#include "db/db.h"
#include "http/request.h"

extern const struct db_statement replay_statements[];

void replay_create(struct request *req);
void replay_list(struct request *req);

#endif
