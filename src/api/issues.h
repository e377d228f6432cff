/* issues: an application's error issues (docs/api.md, "Error issues"): list,
 * read, their events, status changes and merges. Events are grouped into them
 * at ingest (sql/020, issue_for). */
#ifndef TELLTALE_ISSUES_H
#define TELLTALE_ISSUES_H

#include "db/db.h"
#include "http/request.h"

extern const struct db_statement issues_statements[];

void issues_list(struct request *req);
void issues_get(struct request *req);
void issues_events(struct request *req);
void issues_change(struct request *req);
void issues_merge(struct request *req);

#endif
