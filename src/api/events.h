/* events: ingest of error events (single and bulk), listing and reading them. */
#ifndef TELLTALE_EVENTS_H
#define TELLTALE_EVENTS_H

#include <stdint.h>

#include "pure/event_input.h"

#include "db/db.h"
#include "http/request.h"

extern const struct db_statement events_statements[];

void events_create(struct request *req);
void events_list(struct request *req);
void events_get(struct request *req);

#endif
