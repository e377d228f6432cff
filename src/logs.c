/* logs: /v1 request logs: ingest, search, one log. PLACEHOLDER: being written. */
#include "logs.h"

#include "response.h"

const struct db_statement logs_statements[] = {
	{ NULL, NULL },
};

void logs_create(struct request *req)
{
	respond_error(req, 404, "NOT_FOUND", NULL, "no such resource");
}

void logs_list(struct request *req)
{
	respond_error(req, 404, "NOT_FOUND", NULL, "no such resource");
}

void logs_get(struct request *req)
{
	respond_error(req, 404, "NOT_FOUND", NULL, "no such resource");
}

