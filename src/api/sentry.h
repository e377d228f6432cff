/* sentry: the Sentry-compatible ingest endpoints under /api. */
#ifndef TELLTALE_SENTRY_H
#define TELLTALE_SENTRY_H

#include "db/db.h"
#include "http/request.h"

void sentry_store(struct request *req);
void sentry_envelope(struct request *req);
void sentry_preflight(struct request *req);

#endif
