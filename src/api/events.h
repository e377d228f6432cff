/* events: ingest of error events (single and bulk), listing and reading them. */
#ifndef TELLTALE_EVENTS_H
#define TELLTALE_EVENTS_H

#include <stdint.h>

#include "pure/event_input.h"

#include "db/db.h"
#include "http/request.h"

extern const struct db_statement events_statements[];

/* Stores rows (see event_rows in event_input.h) for application app_id
 * if key_digest is its ingest key's SHA-256 hex, in one statement. On 0, *res
 * (the caller's to PQclear) holds one row per item, in order: i, id,
 * received_us, created ('t' new, 'f' an event_id already stored), and no row at
 * all when the application or key is wrong. On failure answers 503/500 and
 * returns -1. */
int events_store_or_respond(struct request *req, int64_t app_id, const char *key_digest,
			    struct event_rows *rows, PGresult **res);

void events_create(struct request *req);
void events_list(struct request *req);
void events_get(struct request *req);

#endif
