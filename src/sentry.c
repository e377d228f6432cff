/* sentry: the Sentry-compatible ingest endpoints under /api. PLACEHOLDER: being written. */
#include "sentry.h"

#include "response.h"

const struct db_statement sentry_statements[] = {
	{ NULL, NULL },
};

void sentry_store(struct request *req)
{
	respond_error(req, 404, "NOT_FOUND", NULL, "no such resource");
}

void sentry_envelope(struct request *req)
{
	respond_error(req, 404, "NOT_FOUND", NULL, "no such resource");
}

void sentry_preflight(struct request *req)
{
	respond_error(req, 404, "NOT_FOUND", NULL, "no such resource");
}

